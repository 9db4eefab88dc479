import type { BatchOperation, BatchOptions, BatchResult, DeleteContextInput, Pipeline, SetContextInput } from "./types.js";

/**
 * A pipeline over any batch function: the client sends it as one Batch RPC, the core applies it as
 * one atomic store write. Operations are queued synchronously; `execute` sends them all at once.
 */
export function createPipeline(send: (operations: BatchOperation[], options?: BatchOptions) => Promise<BatchResult>): Pipeline {
  let queued: BatchOperation[] = [];
  const pipe: Pipeline = {
    setContext(input: SetContextInput) {
      queued.push({ op: "set", ...input });
      return pipe;
    },
    deleteContext(input: DeleteContextInput) {
      queued.push({ op: "delete", ...input });
      return pipe;
    },
    get length() {
      return queued.length;
    },
    async execute(options?: BatchOptions) {
      const operations = queued;
      queued = [];
      return send(operations, options);
    },
  };
  return pipe;
}
