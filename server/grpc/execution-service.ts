import {
  executionToPb, exportFromPb, feedbackToPb, listExecutionsFromPb, recordExecutionFromPb, recordFeedbackFromPb,
  statsRequestFromPb, statsToPb, summaryToPb, withFeedbackToPb,
} from "@cache-fabric/client/wire";
import { toBig } from "@cache-fabric/client/wire";
import type { ExecutionService } from "@cache-fabric/client/gen/execution";
import type { ExecutionWithFeedback, Fabric } from "@cache-fabric/client/api";
import type { ServiceHandlers } from "./adapter.js";

type Handlers = ServiceHandlers<(typeof ExecutionService)["method"]>;

/**
 * ExecutionService over a Fabric: proto ⇄ API types (client/src/wire/execution-convert.ts), nothing else
 * (besides framing the export into messages). Reads get the call's signal, so a cancelled or
 * timed-out stats scan or export stops paging.
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
      for await (const batch of framed(fabric.exportTrainingData(exportFromPb(req), { signal }))) {
        yield { examples: batch.map(withFeedbackToPb) };
      }
    },
  };
}

/** Examples per ExportTrainingData message, at most. */
const FRAME_EXAMPLES = 128;
/** Approximate payload per message, at most (well under the default 16 MiB message limit). */
const FRAME_BYTES = 1024 * 1024;

/**
 * Framing, not filtering: groups the export into messages of up to FRAME_EXAMPLES examples and about
 * FRAME_BYTES, since one message per example spends most of an export in per-message overhead. The
 * size is estimated from the JSON payloads, which dominate an example; one large example still goes
 * alone in its own message.
 */
async function* framed(examples: AsyncIterable<ExecutionWithFeedback>): AsyncGenerator<ExecutionWithFeedback[]> {
  let batch: ExecutionWithFeedback[] = [];
  let bytes = 0;
  for await (const x of examples) {
    const size = approximateBytes(x);
    if (batch.length > 0 && (batch.length === FRAME_EXAMPLES || bytes + size > FRAME_BYTES)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(x);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}

function approximateBytes({ execution: e, feedback: f, automatedFeedback: a }: ExecutionWithFeedback): number {
  const json = (v: unknown) => (v === undefined ? 0 : JSON.stringify(v).length);
  return 512 + json(e.input) + json(e.output) + (e.error?.length ?? 0) + json(f?.corrections) + (f?.comment?.length ?? 0) + (a?.scores?.length ?? 0) * 32;
}
