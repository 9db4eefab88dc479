import type { Transport } from "./transport.js";
import type { Fabric } from "./types.js";
import { FabricError } from "./errors.js";

/** The client's execution and feedback calls (issue 6). Not implemented yet. */
export type ExecutionCalls = Pick<
  Fabric,
  "recordExecution" | "recordFeedback" | "getExecution" | "listExecutions" | "executionStats" | "exportTrainingData"
>;

export function executionCalls(_transport: Transport): ExecutionCalls {
  const unimplemented = async (): Promise<never> => {
    throw new FabricError("UNIMPLEMENTED", "execution tracking is not implemented yet");
  };
  return {
    recordExecution: unimplemented,
    recordFeedback: unimplemented,
    getExecution: unimplemented,
    listExecutions: unimplemented,
    executionStats: unimplemented,
    exportTrainingData() {
      throw new FabricError("UNIMPLEMENTED", "execution tracking is not implemented yet");
    },
  };
}
