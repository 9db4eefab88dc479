import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import {
  contextHeaderToPb, contextToPb, contextWireSize, fromBig, headerToPb, scopeFromPb, scopeToPb, secondsFromPb, toBig,
  valueFromPb,
} from "@cache-fabric/client/wire";
import {
  ContextService, type BatchResultSchema, type DeleteContextRequest, type DeleteContextResponseSchema,
  type SetContextRequest,
} from "@cache-fabric/client/gen/context";
import type {
  BatchOperation, BatchOperationResult, DeleteContextInput, DeleteOutcome, Fabric, SetContextInput, StoreHeaderInfo,
} from "@cache-fabric/client/api";
import { DEFAULT_MAX_MESSAGE_BYTES, FabricError } from "@cache-fabric/client/api";
import { pageBytesFor } from "../contexts/context-ops.js";
import type { ServiceHandlers } from "./adapter.js";
import { watchHandler } from "./watch-handler.js";

type Handlers = ServiceHandlers<(typeof ContextService)["method"]>;

export interface ContextServiceOptions {
  /** The server's message limit: a Batch answer with return_values never exceeds it (values_omitted). */
  maxMessageBytes?: number;
}

/** ContextService over a Fabric: proto ⇄ API types, nothing else. */
export function contextServiceHandlers(fabric: Fabric, options: ContextServiceOptions = {}): Handlers {
  const maxAnswerBytes = pageBytesFor(options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES);
  return {
    async setContext(req) {
      const header = headerSink();
      const ctx = await fabric.setContext(setInput(req), { ...keyOf(req), onHeader: header.take });
      return { context: req.returnValue ? contextToPb(ctx) : contextHeaderToPb(ctx), header: header.pb() };
    },
    async getContext(req) {
      const header = headerSink();
      const ctx = await fabric.getContext({ key: req.key, scope: scopeFromPb(req.scope) }, { onHeader: header.take });
      return { context: ctx ? contextToPb(ctx) : undefined, header: header.pb() };
    },
    async deleteContext(req) {
      const result = await fabric.deleteContext(deleteInput(req), keyOf(req));
      return { ...deleteResultToPb(result, true), header: headerToPb(result) };
    },
    async query(req) {
      const page = await fabric.query({
        scope: scopeFromPb(req.scope),
        pattern: req.pattern,
        limit: req.limit,
        pageToken: req.pageToken,
      });
      return {
        contexts: page.contexts.map(contextToPb),
        nextPageToken: page.nextPageToken ?? "",
        revision: toBig(page.revision),
        header: headerToPb(page),
      };
    },
    async batch(req) {
      const operations: BatchOperation[] = req.operations.map((o, i) => {
        if (o.op.case === "set") {
          if (o.op.value.idempotencyKey) throw FabricError.invalid(`operations[${i}].idempotency_key`, "must be empty inside a batch (set the batch's)");
          return { op: "set", ...setInput(o.op.value, `operations[${i}].`) };
        }
        if (o.op.case === "delete") {
          if (o.op.value.idempotencyKey) throw FabricError.invalid(`operations[${i}].idempotency_key`, "must be empty inside a batch (set the batch's)");
          return { op: "delete", ...deleteInput(o.op.value, `operations[${i}].`) };
        }
        throw FabricError.invalid(`operations[${i}]`, "must set one of set, delete");
      });
      const result = await fabric.batch(operations, { ...keyOf(req), returnValues: req.returnValues });
      // Values only when asked, and only when they fit: the batch has been applied either way, so an
      // answer too large to send would report an applied write as failed.
      const withValues = req.returnValues && answerBytes(result.results) <= maxAnswerBytes;
      return {
        revision: toBig(result.revision),
        header: headerToPb(result),
        valuesOmitted: req.returnValues && !withValues,
        results: result.results.map(
          (r): MessageInitShape<typeof BatchResultSchema> =>
            r.op === "set"
              ? { result: { case: "set", value: withValues ? contextToPb(r.context) : contextHeaderToPb(r.context) } }
              : { result: { case: "delete", value: deleteResultToPb(r, withValues) } },
        ),
      };
    },
    async stats() {
      const s = await fabric.stats();
      return {
        header: headerToPb(s),
        counts: Object.entries(s.counts).map(([scope, count]) => ({
          scope: scopeToPb(scope as keyof typeof s.counts),
          count: toBig(count),
        })),
        totalCount: toBig(s.totalCount),
        memoryUsageBytes: toBig(s.memoryUsageBytes),
        hitRate: s.hitRate,
        hits: toBig(s.hits),
        misses: toBig(s.misses),
        avgLatencyMs: s.avgLatencyMs,
        revision: toBig(s.revision),
      };
    },
    async cleanup(req) {
      if (!req.before) throw FabricError.invalid("before", "is required");
      const result = await fabric.cleanup({
        before: timestampDate(req.before),
        scope: scopeFromPb(req.scope),
        pattern: req.pattern || undefined,
      });
      return { deleted: toBig(result.deleted), revision: toBig(result.revision), header: headerToPb(result) };
    },
    watch: watchHandler(fabric),
  };
}

function setInput(req: SetContextRequest, field = ""): SetContextInput {
  const value = valueFromPb(req.value, `${field}value`);
  if (value === undefined) throw FabricError.invalid(`${field}value`, "is required (use null for an empty value)");
  return {
    key: req.key,
    scope: scopeFromPb(req.scope, `${field}scope`),
    value,
    metadata: req.metadata,
    ttl: req.ttl ? positiveSeconds(req.ttl, `${field}ttl`) : undefined,
    ifRevision: req.ifRevision === undefined ? undefined : fromBig(req.ifRevision, `${field}if_revision`),
  };
}

/** A zero or negative Duration must be refused, not read as "no TTL". */
function positiveSeconds(ttl: NonNullable<SetContextRequest["ttl"]>, field: string): number {
  const seconds = secondsFromPb(ttl)!;
  if (!(seconds > 0)) throw FabricError.invalid(field, "must be a positive number of seconds");
  return seconds;
}

function deleteInput(req: DeleteContextRequest, field = ""): DeleteContextInput {
  return {
    key: req.key,
    scope: scopeFromPb(req.scope, `${field}scope`),
    ifRevision: req.ifRevision === undefined ? undefined : fromBig(req.ifRevision, `${field}if_revision`),
  };
}

function deleteResultToPb(r: DeleteOutcome, withPrevious: boolean): MessageInitShape<typeof DeleteContextResponseSchema> {
  return {
    deleted: r.deleted,
    previous: withPrevious && r.previous ? contextToPb(r.previous) : undefined,
    revision: toBig(r.revision),
  };
}

/** The request's idempotency key as a write option (empty on the wire: none). */
function keyOf(req: { idempotencyKey: string }): { idempotencyKey?: string } {
  return req.idempotencyKey ? { idempotencyKey: req.idempotencyKey } : {};
}

/** Where the fabric hands a call's store header (CallOptions.onHeader), for the response. */
function headerSink() {
  let header: StoreHeaderInfo | undefined;
  return {
    take: (h: StoreHeaderInfo) => {
      header = h;
    },
    pb: () => (header ? headerToPb(header) : undefined),
  };
}

/** What a batch answer with values would take on the wire (contexts and previous contexts). */
function answerBytes(results: readonly BatchOperationResult[]): number {
  let bytes = 0;
  for (const r of results) {
    if (r.op === "set") bytes += contextWireSize(r.context);
    else if (r.previous) bytes += contextWireSize(r.previous);
  }
  return bytes;
}
