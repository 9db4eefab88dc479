import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import {
  contextToPb, fromBig, scopeFromPb, scopeToPb, secondsFromPb, toBig, valueFromPb,
} from "@cache-fabric/client/wire";
import {
  ContextService, type BatchResultSchema, type DeleteContextRequest, type DeleteContextResponseSchema,
  type SetContextRequest,
} from "@cache-fabric/client/gen/context";
import type { BatchOperation, DeleteContextInput, DeleteResult, Fabric, SetContextInput } from "@cache-fabric/client/api";
import { FabricError } from "@cache-fabric/client/api";
import type { ServiceHandlers } from "./adapter.js";
import { watchHandler } from "./watch-handler.js";

type Handlers = ServiceHandlers<(typeof ContextService)["method"]>;

/** ContextService over a Fabric: proto ⇄ API types, nothing else. */
export function contextServiceHandlers(fabric: Fabric): Handlers {
  return {
    async setContext(req) {
      return { context: contextToPb(await fabric.setContext(setInput(req))) };
    },
    async getContext(req) {
      const ctx = await fabric.getContext({ key: req.key, scope: scopeFromPb(req.scope) });
      return { context: ctx ? contextToPb(ctx) : undefined };
    },
    async deleteContext(req) {
      return deleteResultToPb(await fabric.deleteContext(deleteInput(req)));
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
      };
    },
    async batch(req) {
      const operations: BatchOperation[] = req.operations.map((o, i) => {
        if (o.op.case === "set") return { op: "set", ...setInput(o.op.value, `operations[${i}].`) };
        if (o.op.case === "delete") return { op: "delete", ...deleteInput(o.op.value, `operations[${i}].`) };
        throw FabricError.invalid(`operations[${i}]`, "must set one of set, delete");
      });
      const result = await fabric.batch(operations);
      return {
        revision: toBig(result.revision),
        results: result.results.map(
          (r): MessageInitShape<typeof BatchResultSchema> =>
            r.op === "set"
              ? { result: { case: "set", value: contextToPb(r.context) } }
              : { result: { case: "delete", value: deleteResultToPb(r) } },
        ),
      };
    },
    async stats() {
      const s = await fabric.stats();
      return {
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
      return { deleted: toBig(result.deleted), revision: toBig(result.revision) };
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

function deleteResultToPb(r: DeleteResult): MessageInitShape<typeof DeleteContextResponseSchema> {
  return {
    deleted: r.deleted,
    previous: r.previous ? contextToPb(r.previous) : undefined,
    revision: toBig(r.revision),
  };
}
