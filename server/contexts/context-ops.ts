import type {
  BatchOperation, BatchResult, CleanupInput, CleanupResult, Context, ContextRef, DeleteContextInput,
  DeleteResult, Fabric, FabricStats, Pipeline, QueryInput, QueryPage, Scope, SetContextInput,
} from "@cache-fabric/client/api";
import { SCOPES, createPipeline } from "@cache-fabric/client/api";
import { FabricError } from "@cache-fabric/client/api";
import { compileGlob, type Glob } from "./glob.js";
import type { LatencyMeter } from "./latency.js";
import { decodePageToken, encodePageToken } from "./page-token.js";
import type { DeleteOp, SetOp, Store, WriteOp } from "../store/types.js";
import {
  LIMITS, cloneJson, validateInstant, validateKey, validateLimit, validateMetadata, validateRevision,
  validateScope, validateTtl, validateValue,
} from "./validate.js";

export interface ContextOpsDeps {
  store: Store;
  latency: LatencyMeter;
  /** Largest value accepted, as JSON bytes. */
  maxValueBytes: number;
  /**
   * Keys another area owns (the prompt registry's records): generic writes to them are refused with
   * this rule's message, and cleanup passes over them. Reads stay open.
   */
  reserved?: { matches(scope: Scope, key: string): boolean; rule: string };
}

export type ContextOps = Pick<
  Fabric,
  | "setContext" | "getContext" | "deleteContext" | "query" | "batch" | "pipeline" | "stats"
  | "countContexts" | "getMemoryUsage" | "getHitRate" | "getAvgLatency" | "cleanup"
>;

/** The generic context API of the core: validate, then one store call, timed. */
export function createContextOps({ store, latency, maxValueBytes, reserved }: ContextOpsDeps): ContextOps {
  const refuseReserved = (scope: Scope, key: string, field: string): string => {
    if (reserved?.matches(scope, key)) throw FabricError.invalid(field, reserved.rule);
    return key;
  };
  const toSetOp = (input: SetContextInput, field = ""): SetOp => {
    if (!input || typeof input !== "object") throw FabricError.invalid(field || "request", "must be an object");
    const scope = validateScope(input.scope, `${field}scope`);
    const key = refuseReserved(scope, validateKey(input.key, `${field}key`), `${field}key`);
    validateValue(input.value, maxValueBytes, `${field}value`);
    const ttlMs = validateTtl(input.ttl, `${field}ttl`);
    const ifRevision = validateRevision(input.ifRevision, `${field}if_revision`);
    return {
      op: "set",
      scope,
      key,
      value: cloneJson(input.value),
      metadata: validateMetadata(input.metadata, `${field}metadata`),
      ...(ttlMs !== undefined ? { ttlMs } : {}),
      ...(ifRevision !== undefined ? { ifRevision } : {}),
    };
  };
  const toDeleteOp = (input: DeleteContextInput, field = ""): DeleteOp => {
    if (!input || typeof input !== "object") throw FabricError.invalid(field || "request", "must be an object");
    const ifRevision = validateRevision(input.ifRevision, `${field}if_revision`);
    const scope = validateScope(input.scope, `${field}scope`);
    return {
      op: "delete",
      scope,
      key: refuseReserved(scope, validateKey(input.key, `${field}key`), `${field}key`),
      ...(ifRevision !== undefined ? { ifRevision } : {}),
    };
  };

  const ops: ContextOps = {
    setContext: (input) =>
      latency.time(async () => {
        const outcome = await store.write([toSetOp(input)]);
        return (outcome.results[0] as { context: Context }).context;
      }),

    getContext: (ref: ContextRef) =>
      latency.time(() => {
        const scope = validateScope(ref?.scope);
        return store.get(scope, validateKey(ref?.key));
      }),

    deleteContext: (input) =>
      latency.time(async () => {
        const outcome = await store.write([toDeleteOp(input)]);
        const { op: _op, ...result } = outcome.results[0] as { op: "delete" } & DeleteResult;
        return result;
      }),

    query: (input: QueryInput) =>
      latency.time(async (): Promise<QueryPage> => {
        const scope = validateScope(input?.scope);
        const glob = compileGlob(input?.pattern ?? "");
        const limit = validateLimit(input?.limit);
        const fingerprint = `${scope}\u0000${glob.source}`;
        const cursor = decodePageToken(input?.pageToken, fingerprint);
        const outcome = await store.query(scope, glob, { limit, ...(cursor ? { beforeRevision: cursor.beforeRevision } : {}) });
        return {
          contexts: outcome.contexts,
          revision: outcome.revision,
          ...(outcome.nextBeforeRevision !== undefined
            ? { nextPageToken: encodePageToken(fingerprint, { beforeRevision: outcome.nextBeforeRevision }) }
            : {}),
        };
      }),

    batch: (operations: BatchOperation[]) =>
      latency.time(async (): Promise<BatchResult> => {
        if (!Array.isArray(operations) || operations.length === 0) {
          throw FabricError.invalid("operations", "must contain at least one operation");
        }
        if (operations.length > LIMITS.maxBatchOperations) {
          throw FabricError.invalid("operations", `must contain at most ${LIMITS.maxBatchOperations} operations`);
        }
        const writeOps: WriteOp[] = operations.map((o, i) => {
          const field = `operations[${i}].`;
          if (o?.op === "set") return toSetOp(o, field);
          if (o?.op === "delete") return toDeleteOp(o, field);
          throw FabricError.invalid(`${field}op`, 'must be "set" or "delete"');
        });
        const outcome = await store.write(writeOps);
        return {
          revision: outcome.revision,
          results: outcome.results.map((r) =>
            r.op === "set" ? { op: "set" as const, context: r.context } : r,
          ),
        };
      }),

    pipeline: (): Pipeline => createPipeline((operations) => ops.batch(operations)),

    // Not timed: reading the meter must not move it.
    stats: async (): Promise<FabricStats> => {
      const [counts, memoryUsageBytes, { hits, misses }, revision] = await Promise.all([
        store.counts(), store.memoryUsage(), store.hitStats(), store.revision(),
      ]);
      return {
        counts,
        totalCount: Object.values(counts).reduce((a, b) => a + b, 0),
        memoryUsageBytes,
        hits,
        misses,
        hitRate: hitRate({ hits, misses }),
        avgLatencyMs: latency.averageMs(),
        revision,
      };
    },

    // The guide's single-figure getters ask the store for that figure only (on Redis, stats() also
    // reads INFO memory and flushes the hit counters).
    countContexts: async (scope?: Scope) => {
      const wanted = scope === undefined ? undefined : validateScope(scope);
      const counts = await store.counts();
      return wanted === undefined ? Object.values(counts).reduce((a, b) => a + b, 0) : counts[wanted];
    },
    getMemoryUsage: () => store.memoryUsage(),
    getHitRate: async () => hitRate(await store.hitStats()),
    getAvgLatency: async () => latency.averageMs(),

    cleanup: (input: CleanupInput) =>
      latency.time(async (): Promise<CleanupResult> => {
        if (!input || input.before === undefined || input.before === null) throw FabricError.invalid("before", "is required");
        const before = validateInstant(input.before, "before");
        const scope = input.scope === undefined ? undefined : validateScope(input.scope);
        const glob = input.pattern ? compileGlob(input.pattern) : undefined;
        if (!reserved) return store.cleanup({ before, ...(scope ? { scope } : {}), ...(glob ? { glob } : {}) });
        // One scope at a time, so the reserved keys are spared in their own scope only.
        let deleted = 0;
        let revision = 0;
        for (const s of scope ? [scope] : SCOPES) {
          const out = await store.cleanup({ before, scope: s, glob: sparing(s, glob, reserved) });
          deleted += out.deleted;
          revision = Math.max(revision, out.revision);
        }
        return { deleted, revision };
      }),
  };
  return ops;
}

/**
 * `pattern` (everything when absent) without the reserved keys of `scope`. Stores test cleanup
 * candidates with `matches` (test/prompts checks both stores); `prefix` keeps its meaning.
 */
function sparing(scope: Scope, pattern: Glob | undefined, reserved: NonNullable<ContextOpsDeps["reserved"]>): Glob {
  return {
    source: pattern?.source ?? "*",
    prefix: pattern?.prefix ?? "",
    exact: false,
    matches: (key) => !reserved.matches(scope, key) && (pattern ? pattern.matches(key) : true),
  };
}

/** Fraction of reads that found a context; 0 before any read. */
function hitRate({ hits, misses }: { hits: number; misses: number }): number {
  return hits + misses === 0 ? 0 : hits / (hits + misses);
}
