import type { QdrantClient as QdrantClientClass } from "@qdrant/js-client-rest" with { "resolution-mode": "import" };
import { FabricError, type ErrorCode } from "@cache-fabric/client/api";
import { boundaryPart, boundaryPrefixes, compileFilter, isBoundaryPrefix, matchesNothing } from "../filter.js";
import type { ChunkSpan, VectorFilter, VectorHit, VectorIndex, VectorNamespace, VectorPayload, VectorPoint, VectorSearchOptions } from "../types.js";
import { pointUuid } from "./point-id.js";
import { checkDimension, checkIds, checkPoints, checkSearch, checkVector } from "./validate-input.js";

/** Where the vectors live in Qdrant. */
export interface QdrantVectorIndexOptions {
  /** REST endpoint, e.g. "http://127.0.0.1:6333" (the REST port, not gRPC's 6334). */
  url: string;
  /** Sent as the `api-key` header when set. */
  apiKey?: string;
  /** Collection name; one collection per embedding model, since the dimension is fixed at creation. */
  collection: string;
  /**
   * Bound on every request, in ms. A Qdrant that does not answer within it makes the call fail with
   * UNAVAILABLE rather than hang the caller. Default 5,000.
   */
  timeoutMs?: number;
}

/**
 * The client package declares its types as ESM ("type": "module"), so TypeScript refuses a static
 * import from this CommonJS module, though the package ships a CommonJS build under its "require"
 * export condition. Types come from the ESM declarations; the class from `require`.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { QdrantClient } = require("@qdrant/js-client-rest") as { QdrantClient: typeof QdrantClientClass };

/** Points per upsert request: keeps a request body to a few MB at 512 dimensions. */
const UPSERT_BATCH = 256;

/**
 * Payload fields the adapter filters or groups on, with their payload index types: created at
 * init, so filtered search is planned from the index (Qdrant scans a small filtered subset exactly
 * instead of starving the HNSW graph). Metadata fields are indexed the first time a search filters
 * on them.
 */
const INDEXED_FIELDS = [
  ["scope", "keyword"],
  ["key", "keyword"],
  ["id", "keyword"],
  ["key_prefixes", "keyword"],
  ["chunk", "integer"],
] as const;

/**
 * Payload layout version: points written before chunks and key prefixes existed (no `v`) are
 * reported absent by `revisions`, so a restart re-embeds them in the current layout.
 */
const PAYLOAD_VERSION = 2;

/** Most groups one grouped query asks for while widening a post-filtered search. */
const MAX_GROUPS = 1000;

/** Qdrant point id of chunk `chunk` of context `id`; chunk 0 keeps the id's own UUID. */
function chunkUuid(id: string, chunk: number): string {
  return pointUuid(chunk === 0 ? id : `${id}\u0000${chunk}`);
}

type QdrantCondition = Record<string, unknown>;
interface QdrantFilter {
  must?: QdrantCondition[];
  should?: QdrantCondition[];
  must_not?: QdrantCondition[];
}

/**
 * The production `VectorIndex`: vectors in a Qdrant collection (cosine distance), reached through
 * the official REST client `@qdrant/js-client-rest`.
 *
 * - One point per chunk of a context. Point ids are name-based UUIDs of the fabric id (and chunk
 *   number; see point-id.ts); the payload keeps `{ v, id, scope, key, key_prefixes, metadata,
 *   revision, chunk, span? }`, so hits map back without a lookup. `key_prefixes` lists the key's
 *   prefixes ending in `:` or `/` (`user:alice:`), so a key-prefix filter is a keyword match.
 * - Search is Qdrant's grouped query (`/points/query/groups`, `group_by: "id"`, `group_size: 1`):
 *   each context once, by its best chunk.
 * - Filters are pushed down as payload filters: `must` on `scope`, `key_prefixes` and
 *   `metadata.<key>`, `should` for namespaces (anyOf); `minSimilarity` becomes `score_threshold`.
 *   A key prefix that does not end at a separator is pushed down as its longest one that does and
 *   checked on the hits, widening the query until `limit` pass or the groups run out. Qdrant
 *   normalises vectors for Cosine, so scores are cosines.
 * - Upsert writes a context's chunks, then deletes its chunks beyond the new count (by filter),
 *   so a reader never sees it without vectors; delete removes every chunk (by filter on `id`).
 * - Writes use `wait: true`: when `upsert`/`delete` resolve, a search sees the change.
 * - `init` creates the collection when absent (tolerating a concurrent creator) and refuses one of
 *   another dimension with FAILED_PRECONDITION: mixing models in one collection would make every
 *   score meaningless.
 * - Every request is bounded by `timeoutMs`. Failures reaching Qdrant (refused, reset, DNS,
 *   timeout, 502/503/504) are FabricError UNAVAILABLE; other Qdrant errors keep Qdrant's message.
 */
export function createQdrantVectorIndex(options: QdrantVectorIndexOptions): VectorIndex {
  return new QdrantIndex(options);
}

class QdrantIndex implements VectorIndex {
  private readonly client: QdrantClientClass;
  private readonly collection: string;
  private readonly url: string;
  private readonly timeoutMs: number;
  private dimension: number | undefined;
  private closed = false;
  /** Payload fields known to have an index (created at init, or when first filtered on). */
  private readonly indexedFields = new Set<string>();

  constructor(options: QdrantVectorIndexOptions) {
    if (!options.url) throw FabricError.invalid("url", "Qdrant URL is required");
    if (!options.collection) throw FabricError.invalid("collection", "Qdrant collection name is required");
    this.url = options.url;
    this.collection = options.collection;
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.client = new QdrantClient({
      url: options.url,
      apiKey: options.apiKey,
      timeout: this.timeoutMs,
      // The check fires an unawaited request from the constructor and only logs; init() reports
      // reachability properly instead.
      checkCompatibility: false,
    });
  }

  async init(dimension: number): Promise<void> {
    this.checkOpen();
    checkDimension(dimension);
    const c = this.collection;
    const { exists } = await this.call("check the collection", () => this.client.collectionExists(c));
    if (!exists) {
      try {
        await this.client.createCollection(c, { vectors: { size: dimension, distance: "Cosine" } });
      } catch (e) {
        // 409: another fabric server created it between our check and create; verify it below.
        if (httpStatus(e) !== 409) throw this.translate("create the collection", e);
      }
    }
    const info = await this.call("read the collection", () => this.client.getCollection(c));
    const vectors = info.config.params.vectors as { size?: unknown; distance?: unknown } | undefined;
    if (!vectors || typeof vectors.size !== "number") {
      throw new FabricError("FAILED_PRECONDITION", `Qdrant collection "${c}" uses named vectors; the fabric needs a collection with one unnamed vector`);
    }
    if (vectors.size !== dimension) {
      throw new FabricError(
        "FAILED_PRECONDITION",
        `Qdrant collection "${c}" holds ${vectors.size}-dim vectors but the embedding model produces ${dimension}-dim ones; ` +
          `point the fabric at another collection or delete this one to re-index`,
      );
    }
    if (vectors.distance !== "Cosine") {
      throw new FabricError("FAILED_PRECONDITION", `Qdrant collection "${c}" uses ${String(vectors.distance)} distance; the fabric needs Cosine`);
    }
    for (const [field, type] of INDEXED_FIELDS) {
      if (info.payload_schema?.[field] !== undefined) continue;
      await this.call(`index the "${field}" payload field`, () =>
        this.client.createPayloadIndex(c, { field_name: field, field_schema: type, wait: true }),
      );
    }
    for (const field of Object.keys(info.payload_schema ?? {})) this.indexedFields.add(field);
    this.dimension = dimension;
  }

  async upsert(points: readonly VectorPoint[]): Promise<void> {
    const dimension = this.ready();
    checkPoints(points, dimension);
    // The last of several upserts of one id in a batch wins, as in the in-process index.
    const latest = new Map<string, VectorPoint>();
    for (const p of points) latest.set(p.id, p);
    const rows = [...latest.values()].flatMap((p) =>
      p.vectors.map((v, chunk) => ({
        id: chunkUuid(p.id, chunk),
        vector: Array.from(v),
        payload: payloadOf(p, chunk, p.vectors.length > 1 ? p.spans?.[chunk] : undefined),
      })),
    );
    for (let i = 0; i < rows.length; i += UPSERT_BATCH) {
      const batch = rows.slice(i, i + UPSERT_BATCH);
      await this.call("upsert points", () => this.client.upsert(this.collection, { wait: true, points: batch }));
    }
    // Then drop chunks beyond each context's new count (left by a longer earlier text).
    const byCount = new Map<number, string[]>();
    for (const p of latest.values()) byCount.set(p.vectors.length, [...(byCount.get(p.vectors.length) ?? []), p.id]);
    const should = [...byCount].map(([n, ids]) => ({ must: [{ key: "id", match: { any: ids } }, { key: "chunk", range: { gte: n } }] }));
    if (should.length > 0) {
      await this.call("delete stale chunks", () => this.client.delete(this.collection, { wait: true, filter: { should } }));
    }
  }

  async delete(ids: readonly string[]): Promise<void> {
    this.ready();
    checkIds(ids);
    if (ids.length === 0) return;
    for (let i = 0; i < ids.length; i += UPSERT_BATCH) {
      const any = ids.slice(i, i + UPSERT_BATCH);
      // Every chunk of each context; chunk 0's UUID too, for points written before payloads had `id` indexed.
      const filter = { should: [{ key: "id", match: { any } }, { has_id: any.map((id) => pointUuid(id)) }] };
      await this.call("delete points", () => this.client.delete(this.collection, { wait: true, filter }));
    }
  }

  async search(vector: Float32Array, options: VectorSearchOptions): Promise<VectorHit[]> {
    const dimension = this.ready();
    checkSearch(vector, options, dimension);
    if (matchesNothing(options.filter)) return [];
    const { filter, exact } = toQdrantFilter(options.filter);
    this.indexMetadataFields(options.filter);
    const check = exact ? undefined : compileFilter(options.filter);
    for (let asked = options.limit; ; asked = Math.min(MAX_GROUPS, asked * 4)) {
      const groups = await this.groups(vector, asked, filter, options.minSimilarity);
      const hits = check ? groups.filter((h) => check({ scope: h.payload.scope, key: h.payload.key, metadata: h.payload.metadata })) : groups;
      // Done when enough passed, or Qdrant has no more groups to give, or the widening is at its cap.
      if (hits.length >= options.limit || groups.length < asked || asked === MAX_GROUPS) return hits.slice(0, options.limit);
    }
  }

  async score(vector: Float32Array, ids: readonly string[]): Promise<VectorHit[]> {
    const dimension = this.ready();
    checkVector(vector, dimension, "vector");
    checkIds(ids);
    const unique = [...new Set(ids)];
    const hits: VectorHit[] = [];
    for (let i = 0; i < unique.length; i += UPSERT_BATCH) {
      const any = unique.slice(i, i + UPSERT_BATCH);
      hits.push(...(await this.groups(vector, any.length, { must: [{ key: "id", match: { any } }] }, undefined)));
    }
    return hits;
  }

  /** One grouped query: the best chunk of each of the best `limit` contexts passing `filter`. */
  private async groups(vector: Float32Array, limit: number, filter: QdrantFilter | undefined, minSimilarity: number | undefined): Promise<VectorHit[]> {
    const result = await this.call("search", () =>
      this.client.queryGroups(this.collection, {
        query: Array.from(vector),
        group_by: "id",
        group_size: 1,
        limit,
        with_payload: true,
        ...(filter ? { filter } : {}),
        ...(minSimilarity !== undefined ? { score_threshold: minSimilarity } : {}),
      }),
    );
    const hits: VectorHit[] = [];
    for (const group of result.groups) {
      const point = group.hits[0];
      const payload = point && toVectorPayload(point.payload);
      // A point without our payload was not written by a fabric: not ours to return.
      if (payload) hits.push({ id: payload.id, score: point.score, chunk: payload.chunk, ...(payload.span ? { span: payload.span } : {}), payload: payload.payload });
    }
    return hits;
  }

  /** Creates a keyword index for metadata fields searches filter on (once per field, not awaited). */
  private indexMetadataFields(filter: VectorFilter | undefined): void {
    for (const k of Object.keys(filter?.metadata ?? {})) {
      const field = metadataPath(k);
      if (this.indexedFields.has(field)) continue;
      this.indexedFields.add(field);
      // Qdrant builds it in the background; searches work meanwhile, only slower.
      void this.client.createPayloadIndex(this.collection, { field_name: field, field_schema: "keyword", wait: false }).catch(() => this.indexedFields.delete(field));
    }
  }

  async revisions(ids: readonly string[]): Promise<Map<string, number>> {
    this.ready();
    checkIds(ids);
    const out = new Map<string, number>();
    for (let i = 0; i < ids.length; i += UPSERT_BATCH) {
      const batch = ids.slice(i, i + UPSERT_BATCH).map((id) => pointUuid(id));
      const points = await this.call("read point revisions", () =>
        this.client.retrieve(this.collection, { ids: batch, with_payload: true, with_vector: false }),
      );
      for (const point of points) {
        const payload = toVectorPayload(point.payload);
        // An older payload layout counts as absent: the restart scan re-embeds it.
        if (payload && payload.version >= PAYLOAD_VERSION) out.set(payload.id, payload.payload.revision);
      }
    }
    return out;
  }

  async count(): Promise<number> {
    this.ready();
    // Contexts, not chunks: every context has a chunk 0 (older points have no chunk field at all).
    const filter = { must_not: [{ key: "chunk", range: { gte: 1 } }] };
    const result = await this.call("count points", () => this.client.count(this.collection, { exact: true, filter }));
    return result.count;
  }

  async clear(): Promise<void> {
    this.ready();
    // An empty filter selects every point. Unlike dropping and re-creating the collection, this
    // never leaves a moment in which another fabric server finds the collection missing.
    await this.call("clear the collection", () => this.client.delete(this.collection, { wait: true, filter: {} }));
  }

  async close(): Promise<void> {
    // The REST client holds no resources beyond keep-alive sockets, which its agent unrefs and
    // expires; nothing to release.
    this.closed = true;
  }

  private checkOpen(): void {
    if (this.closed) throw new FabricError("FAILED_PRECONDITION", "vector index is closed");
  }

  private ready(): number {
    this.checkOpen();
    if (this.dimension === undefined) throw new FabricError("FAILED_PRECONDITION", "vector index: call init(dimension) first");
    return this.dimension;
  }

  private async call<T>(what: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (e) {
      throw this.translate(what, e);
    }
  }

  /** Maps a client failure to a FabricError that says what was being done and where. */
  private translate(what: string, e: unknown): FabricError {
    if (e instanceof FabricError) return e;
    const where = `Qdrant at ${this.url} (collection "${this.collection}")`;
    const status = httpStatus(e);
    if (status === undefined) {
      const name = (e as { name?: unknown } | null)?.name;
      // The client turns its abort into QdrantClientTimeoutError, except when the AbortError comes
      // from another realm (as under jest's vm sandbox) and its `instanceof Error` check misses.
      if (name === "QdrantClientTimeoutError" || name === "AbortError" || name === "TimeoutError") {
        return new FabricError("UNAVAILABLE", `${where} did not answer within ${this.timeoutMs} ms while trying to ${what}`, { cause: e });
      }
      if (name === "QdrantClientResourceExhaustedError") {
        return new FabricError("RESOURCE_EXHAUSTED", `${where} is rate limiting requests (${what})`, { cause: e });
      }
      // No HTTP status: the request never got an answer (refused, reset, DNS failure, TLS, ...).
      return new FabricError("UNAVAILABLE", `${where} is unreachable while trying to ${what}: ${networkReason(e)}`, { cause: e });
    }
    const detail = qdrantMessage(e) ?? `HTTP ${status}`;
    return new FabricError(codeForStatus(status), `${where} refused to ${what}: ${detail}`, { cause: e });
  }
}

/**
 * Fabric filter → Qdrant payload filter. `exact` is false when some key prefix could only be pushed
 * down as a superset (it does not end at a separator): the caller then checks the hits itself.
 */
export function toQdrantFilter(filter: VectorFilter | undefined): { filter: QdrantFilter | undefined; exact: boolean } {
  const must: QdrantCondition[] = [];
  let exact = true;
  const prefix = (p: string | undefined, into: QdrantCondition[]) => {
    if (!p) return;
    if (!isBoundaryPrefix(p)) exact = false;
    const pushed = isBoundaryPrefix(p) ? p : boundaryPart(p);
    if (pushed) into.push({ key: "key_prefixes", match: { value: pushed } });
  };
  if (filter?.scope !== undefined) must.push({ key: "scope", match: { value: filter.scope } });
  prefix(filter?.keyPrefix, must);
  for (const [k, v] of Object.entries(filter?.metadata ?? {})) must.push({ key: metadataPath(k), match: { value: v } });
  const namespace = (n: VectorNamespace): QdrantCondition[] => {
    const c: QdrantCondition[] = [{ key: "scope", match: { value: n.scope } }];
    prefix(n.keyPrefix, c);
    return c;
  };
  let should: QdrantCondition[] | undefined;
  if (filter?.anyOf?.length === 1) must.push(...namespace(filter.anyOf[0]!));
  else if (filter?.anyOf && filter.anyOf.length > 1) should = filter.anyOf.map((n) => ({ must: namespace(n) }));
  const out: QdrantFilter = { ...(must.length ? { must } : {}), ...(should ? { should } : {}) };
  return { filter: must.length || should ? out : undefined, exact };
}

/** The payload of one chunk's point. */
function payloadOf(p: VectorPoint, chunk: number, span: ChunkSpan | undefined): Record<string, unknown> {
  return {
    v: PAYLOAD_VERSION,
    id: p.id,
    scope: p.payload.scope,
    key: p.payload.key,
    key_prefixes: boundaryPrefixes(p.payload.key),
    metadata: { ...p.payload.metadata },
    revision: p.payload.revision,
    chunk,
    ...(span ? { span: [span[0], span[1]] } : {}),
  };
}

/**
 * Qdrant payload path of a metadata key. Plain keys are written as `metadata.k`; others are quoted
 * (`metadata."a.b c"`), which Qdrant's JSON path accepts for any key without a double quote.
 */
export function metadataPath(key: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(key)) return `metadata.${key}`;
  if (key.includes('"')) throw FabricError.invalid(`filter.metadata["${key}"]`, "a key filtered in Qdrant cannot contain a double quote");
  return `metadata."${key}"`;
}

function toVectorPayload(raw: unknown): { id: string; payload: VectorPayload; chunk: number; span?: ChunkSpan; version: number } | undefined {
  if (raw === null || typeof raw !== "object") return undefined;
  const p = raw as { v?: unknown; id?: unknown; scope?: unknown; key?: unknown; metadata?: unknown; revision?: unknown; chunk?: unknown; span?: unknown };
  if (typeof p.id !== "string" || typeof p.scope !== "string" || typeof p.key !== "string") return undefined;
  const metadata: Record<string, string> = {};
  if (p.metadata !== null && typeof p.metadata === "object") {
    for (const [k, v] of Object.entries(p.metadata)) if (typeof v === "string") metadata[k] = v;
  }
  const span = Array.isArray(p.span) && p.span.length === 2 && p.span.every((x) => Number.isSafeInteger(x)) ? ([p.span[0], p.span[1]] as const) : undefined;
  return {
    id: p.id,
    payload: { scope: p.scope, key: p.key, metadata, revision: typeof p.revision === "number" ? p.revision : 0 },
    chunk: typeof p.chunk === "number" ? p.chunk : 0,
    ...(span ? { span } : {}),
    version: typeof p.v === "number" ? p.v : 1,
  };
}

/** HTTP status of a client error that carries a response (the client's ApiError), else undefined. */
function httpStatus(e: unknown): number | undefined {
  const status = (e as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : undefined;
}

/** Qdrant's error text: its error bodies are `{ status: { error: "..." }, time }`. */
function qdrantMessage(e: unknown): string | undefined {
  const data = (e as { data?: { status?: { error?: unknown } } } | null)?.data;
  const msg = data?.status?.error;
  return typeof msg === "string" ? msg : undefined;
}

function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 401:
      return "UNAUTHENTICATED";
    case 403:
      return "PERMISSION_DENIED";
    case 404:
      // The collection vanished under us (deleted by an operator): init() must run again.
      return "FAILED_PRECONDITION";
    case 429:
      return "RESOURCE_EXHAUSTED";
    case 502:
    case 503:
    case 504:
      return "UNAVAILABLE";
    default:
      // 400 means the adapter sent something Qdrant rejects: a bug here, not the caller's input.
      return "INTERNAL";
  }
}

/** A short reason for a transport failure, e.g. "ECONNREFUSED" (fetch hides it in `cause`). */
function networkReason(e: unknown): string {
  const cause = (e as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === "string") return cause.code;
  if (typeof cause?.message === "string") return cause.message;
  return e instanceof Error ? e.message : String(e);
}
