import type { ExecutionService } from "../../client/gen/cachefabric/v1/execution_pb.js";
import type { Fabric } from "../../client/types.js";
import { FabricError } from "../core/errors.js";
import type { ServiceHandlers } from "./adapter.js";

type Handlers = ServiceHandlers<(typeof ExecutionService)["method"]>;

/** ExecutionService over a Fabric (issue 6). Not implemented yet. */
export function executionServiceHandlers(_fabric: Fabric): Handlers {
  const unimplemented = async (): Promise<never> => {
    throw new FabricError("UNIMPLEMENTED", "execution tracking is not implemented yet");
  };
  return {
    recordExecution: unimplemented,
    recordFeedback: unimplemented,
    getExecution: unimplemented,
    listExecutions: unimplemented,
    executionStats: unimplemented,
    // eslint-disable-next-line require-yield
    async *exportTrainingData() {
      throw new FabricError("UNIMPLEMENTED", "execution tracking is not implemented yet");
    },
  };
}
