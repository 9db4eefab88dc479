import {
  executionToPb, exportFromPb, feedbackToPb, listExecutionsFromPb, recordExecutionFromPb, recordFeedbackFromPb,
  statsRequestFromPb, statsToPb, summaryToPb, withFeedbackToPb,
} from "../../client/execution-convert.js";
import { toBig } from "../../client/convert.js";
import type { ExecutionService } from "../../client/gen/cachefabric/v1/execution_pb.js";
import type { Fabric } from "../../client/types.js";
import type { ServiceHandlers } from "./adapter.js";

type Handlers = ServiceHandlers<(typeof ExecutionService)["method"]>;

/**
 * ExecutionService over a Fabric: proto ⇄ API types (client/execution-convert.ts), nothing else.
 * Reads get the call's signal, so a cancelled or timed-out stats scan or export stops paging.
 */
export function executionServiceHandlers(fabric: Fabric): Handlers {
  return {
    async recordExecution(req) {
      const execution = await fabric.recordExecution(recordExecutionFromPb(req));
      return { execution: executionToPb(execution), revision: toBig(execution.revision) };
    },
    async recordFeedback(req) {
      const feedback = await fabric.recordFeedback(recordFeedbackFromPb(req));
      return { feedback: feedbackToPb(feedback), revision: toBig(feedback.revision) };
    },
    async getExecution(req, { signal }) {
      const found = await fabric.getExecution(req.id, { signal });
      return found ? withFeedbackToPb(found) : {};
    },
    async listExecutions(req, { signal }) {
      const page = await fabric.listExecutions(listExecutionsFromPb(req), { signal });
      return { executions: page.executions.map(executionToPb), nextPageToken: page.nextPageToken ?? "" };
    },
    async executionStats(req, { signal }) {
      return statsToPb(await fabric.executionStats(statsRequestFromPb(req), { signal }));
    },
    async feedbackSummary(req, { signal }) {
      return summaryToPb(await fabric.feedbackSummary(statsRequestFromPb(req), { signal }));
    },
    async *exportTrainingData(req, { signal }) {
      for await (const example of fabric.exportTrainingData(exportFromPb(req), { signal })) {
        yield { example: withFeedbackToPb(example) };
      }
    },
  };
}
