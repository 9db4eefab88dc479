import type {
  BatchOperation, BatchOptions, BatchResult, CallOptions, CleanupInput, CleanupResult, Context, ContextRef,
  DeleteContextInput, DeleteResult, Fabric, FabricStats, Pipeline, QueryInput, QueryPage, Scope, SetContextInput,
  StoreHeaderInfo, WriteOptions,
} from "@cache-fabric/client/api";
import { SCOPES, createPipeline, DEFAULT_MAX_MESSAGE_BYTES } from "@cache-fabric/client/api";
import { FabricError } from "@cache-fabric/client/api";
import { contextWireSize } from "@cache-fabric/client/wire";
import { compileGlob, type Glob } from "./glob.js";
import { DEFAULT_IDEMPOTENCY_WINDOW_MS, validateIdempotencyKey } from "./idempotency.js";
import type { LatencyMeter } from "./latency.js";
import { decodePageToken, encodePageToken } from "./page-token.js";
import type { DeleteOp, SetOp, Store, StoreHeader, WriteOp, WriteOptions as StoreWriteOptions } from "../store/types.js";
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
  /** Most bytes of contexts one query page holds (see pageBytesFor). Default: for DEFAULT_MAX_MESSAGE_BYTES. */
  maxPageBytes?: number;
  /** How long the outcome of a write with an idempotency key is remembered. Default 5 minutes. */
  idempotencyWindowMs?: number;
}

/** Room a page leaves below the message limit for everything but its contexts (token, header). */
const PAGE_RESERVE_BYTES = 16 * 1024;

/** The page size in bytes that keeps a response within `maxMessageBytes`. */
export function pageBytesFor(maxMessageBytes: number): number {
  return Math.max(1024, maxMessageBytes - PAGE_RESERVE_BYTES);
}

/**
 * How many of `items` (newest first) fit in `maxBytes` as measured by `size`: at least one, so a
 * page always makes progress (a single context always fits a message: its value is far smaller).
 */
export function fitToBytes<T>(items: readonly T[], maxBytes: number, size: (item: T) => number): number {
  let bytes = 0;
  for (let i = 0; i < items.length; i++) {
    bytes += size(items[i]);
    if (bytes > maxBytes && i > 0) return i;
  }
  return items.length;
}

export type ContextOps = Pick<
  Fabric,
  | "setContext" | "getContext" | "deleteContext" | "query" | "batch" | "pipeline" | "stats"
  | "countContexts" | "getMemoryUsage" | "getHitRate" | "getAvgLatency" | "cleanup"
>;

/** The generic context API of the core: validate, then one store call, timed. */
export function createContextOps({ store, latency, maxValueBytes, reserved, ...deps }: ContextOpsDeps): ContextOps {
  const refuseReserved = (scope: Scope, key: string, field: string): string => {
    if (reserved?.matches(scope, key)) throw FabricError.invalid(field, reserved.rule);
    return key;
  };
  const maxPageBytes = deps.maxPageBytes ?? pageBytesFor(DEFAULT_MAX_MESSAGE_BYTES);
  const windowMs = deps.idempotencyWindowMs ?? DEFAULT_IDEMPOTENCY_WINDOW_MS;
  const writeOptions = (options: WriteOptions | undefined): StoreWriteOptions => {
    const key = validateIdempotencyKey(options?.idempotencyKey);
    return key ? { idempotency: { key, windowMs } } : {};
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
    setContext: (input, options?: WriteOptions) =>
      latency.time(async () => {
        const op = toSetOp(input);
        const outcome = await store.write([op], writeOptions(options));
        tell(options, outcome);
        return (outcome.results[0] as { context: Context }).context;
      }),

    getContext: (ref: ContextRef, options?: CallOptions) =>
      latency.time(async () => {
        const scope = validateScope(ref?.scope);
        const read = await store.read(scope, validateKey(ref?.key));
        tell(options, read);
        return read.context;
      }),

    deleteContext: (input, options?: WriteOptions) =>
      latency.time(async (): Promise<DeleteResult> => {
        const op = toDeleteOp(input);
        const outcome = await store.write([op], writeOptions(options));
        tell(options, outcome);
        const { op: _op, ...result } = outcome.results[0] as Extract<(typeof outcome.results)[number], { op: "delete" }>;
        return { ...result, storeId: outcome.storeId };
      }),

    query: (input: QueryInput, options?: CallOptions) =>
      latency.time(async (): Promise<QueryPage> => {
        const scope = validateScope(input?.scope);
        const glob = compileGlob(input?.pattern ?? "");
        const limit = validateLimit(input?.limit);
        const fingerprint = `${scope}\u0000${glob.source}`;
        const cursor = decodePageToken(input?.pageToken, fingerprint);
        const outcome = await store.query(scope, glob, { limit, ...(cursor ? { beforeRevision: cursor.beforeRevision } : {}) });
        tell(options, outcome);
        // Cut by bytes as well as by count: the page must fit in one response.
        const fit = fitToBytes(outcome.contexts, maxPageBytes, contextWireSize);
        const contexts = fit < outcome.contexts.length ? outcome.contexts.slice(0, fit) : outcome.contexts;
        const next = fit < outcome.contexts.length ? contexts[fit - 1].revision : outcome.nextBeforeRevision;
        return {
          contexts,
          revision: outcome.revision,
          storeId: outcome.storeId,
          ...(next !== undefined ? { nextPageToken: encodePageToken(fingerprint, { beforeRevision: next }) } : {}),
        };
      }),

    batch: (operations: BatchOperation[], options?: BatchOptions) =>
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
        const outcome = await store.write(writeOps, writeOptions(options));
        tell(options, outcome);
        const returnValues = options?.returnValues === true;
        return {
          revision: outcome.revision,
          storeId: outcome.storeId,
          // A delete's previous context only when asked: a batch of deletes must not answer with every value it removed.
          results: outcome.results.map((r) => {
            if (r.op === "set") return { op: "set" as const, context: r.context };
            return returnValues || r.previous === undefined ? r : { op: "delete" as const, deleted: r.deleted, revision: r.revision };
          }),
        };
      }),

    pipeline: (): Pipeline => createPipeline((operations, options) => ops.batch(operations, options)),

    // Not timed: reading the meter must not move it.
    stats: async (options?: CallOptions): Promise<FabricStats> => {
      const [counts, memoryUsageBytes, { hits, misses }, { revision, storeId }] = await Promise.all([
        store.counts(), store.memoryUsage(), store.hitStats(), store.header(),
      ]);
      tell(options, { revision, storeId });
      return {
        storeId,
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

    cleanup: (input: CleanupInput, options?: CallOptions) =>
      latency.time(async (): Promise<CleanupResult> => {
        if (!input || input.before === undefined || input.before === null) throw FabricError.invalid("before", "is required");
        const before = validateInstant(input.before, "before");
        const scope = input.scope === undefined ? undefined : validateScope(input.scope);
        const glob = input.pattern ? compileGlob(input.pattern) : undefined;
        if (!reserved) {
          const outcome = await store.cleanup({ before, ...(scope ? { scope } : {}), ...(glob ? { glob } : {}) });
          tell(options, outcome);
          return { deleted: outcome.deleted, revision: outcome.revision, storeId: outcome.storeId };
        }
        // One scope at a time, so the reserved keys are spared in their own scope only.
        let deleted = 0;
        let last: StoreHeader | undefined;
        for (const s of scope ? [scope] : SCOPES) {
          const out = await store.cleanup({ before, scope: s, glob: sparing(s, glob, reserved) });
          deleted += out.deleted;
          if (!last || out.revision >= last.revision) last = out;
        }
        tell(options, last!);
        return { deleted, revision: last!.revision, storeId: last!.storeId };
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

/** Hands the answer's store header to the caller's `onHeader`, if any. */
function tell(options: CallOptions | undefined, header: StoreHeader): void {
  options?.onHeader?.({ storeId: header.storeId, revision: header.revision } satisfies StoreHeaderInfo);
}

/** Fraction of reads that found a context; 0 before any read. */
function hitRate({ hits, misses }: { hits: number; misses: number }): number {
  return hits + misses === 0 ? 0 : hits / (hits + misses);
}
