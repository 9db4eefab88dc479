import { randomUUID } from "node:crypto";
import {
  executionFromPb, exportToPb, feedbackFromPb, listExecutionsToPb, recordExecutionToPb, recordFeedbackToPb,
  statsFromPb, statsRequestToPb, summaryFromPb, withFeedbackFromPb,
} from "../wire/execution-convert.js";
import { FabricError } from "../api/errors.js";
import { ExecutionService } from "../gen/cachefabric/v1/execution_pb.js";
import type { Transport } from "./transport.js";
import type { CallOptions, ExecutionWithFeedback, ExportInput, Fabric } from "../api/types.js";

/** The client's execution and feedback calls, as `FabricClient` exposes them. */
export type ExecutionCalls = Pick<
  Fabric,
  | "recordExecution" | "recordFeedback" | "getExecution" | "listExecutions" | "executionStats" | "feedbackSummary"
  | "exportTrainingData"
>;

const M = ExecutionService.method;

/**
 * ExecutionService over a transport: API types ⇄ proto (execution-convert.ts), one call each. Every
 * call is retried after UNAVAILABLE as the transport's retry options say: the reads as they are, and
 * the records because a retry rewrites the same record (an execution gets its id here when it has
 * none, so that a retry names the same one; feedback replaces the execution's feedback).
 */
export function executionCalls(transport: Transport): ExecutionCalls {
  return {
    async recordExecution(input, options) {
      const withId = input && typeof input === "object" && input.id === undefined && transport.retriesWrites ? { ...input, id: randomUUID() } : input;
      const res = await transport.unary(M.recordExecution, recordExecutionToPb(withId), options, transport.retriesWrites);
      return executionFromPb(required(res.execution, "execution"));
    },
    async recordFeedback(input, options) {
      const res = await transport.unary(M.recordFeedback, recordFeedbackToPb(input), options, transport.retriesWrites);
      return feedbackFromPb(required(res.feedback, "feedback"));
    },
    async getExecution(id, options) {
      if (typeof id !== "string") throw FabricError.invalid("id", "must be a string");
      const res = await transport.unary(M.getExecution, { id }, options, true);
      return res.execution ? withFeedbackFromPb(res) : null;
    },
    async listExecutions(input, options) {
      const res = await transport.unary(M.listExecutions, listExecutionsToPb(input), options, true);
      return {
        executions: res.executions.map(executionFromPb),
        ...(res.nextPageToken ? { nextPageToken: res.nextPageToken } : {}),
      };
    },
    async executionStats(input, options) {
      return statsFromPb(await transport.unary(M.executionStats, statsRequestToPb(input), options, true));
    },
    async feedbackSummary(input, options) {
      return summaryFromPb(await transport.unary(M.feedbackSummary, statsRequestToPb(input), options, true));
    },
    exportTrainingData(input?: ExportInput, options?: CallOptions): AsyncIterable<ExecutionWithFeedback> {
      return {
        async *[Symbol.asyncIterator]() {
          // Converted here, not at the call, so bad input surfaces where the results do: in the loop.
          const request = exportToPb(input);
          for await (const res of transport.serverStream(M.exportTrainingData, request, options)) {
            for (const example of res.examples) yield withFeedbackFromPb(example);
          }
        },
      };
    },
  };
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new FabricError("INTERNAL", `server sent a response without ${what}`);
  return value;
}
