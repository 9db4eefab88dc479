import type { Fabric } from "../../client/types.js";
import type { ContextOps } from "../core/context-ops.js";
import { FabricError } from "../core/errors.js";
import type { Store } from "../store/types.js";

/** Execution tracking settings (issue 6). */
export interface ExecutionOptions {}

export type ExecutionOps = Pick<
  Fabric,
  "recordExecution" | "recordFeedback" | "getExecution" | "listExecutions" | "executionStats" | "exportTrainingData"
>;

/** Typed executions and feedback over the generic context API. Not implemented yet: UNIMPLEMENTED. */
export function createExecutionOps(_deps: { store: Store; contextOps: ContextOps; options: ExecutionOptions }): ExecutionOps {
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
