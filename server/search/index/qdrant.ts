import type { QdrantClient as QdrantClientClass } from "@qdrant/js-client-rest" with { "resolution-mode": "import" };
import { FabricError, type ErrorCode } from "@cache-fabric/client/api";
import type { VectorFilter, VectorHit, VectorIndex, VectorPayload, VectorPoint, VectorSearchOptions } from "../types.js";
import { pointUuid } from "./point-id.js";
import { checkDimension, checkIds, checkPoints, checkSearch } from "./validate-input.js";

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

/** Payload fields the adapter filters on, indexed as keywords so filtered search stays fast. */
const INDEXED_FIELDS = ["scope", "key"] as const;

/**
 * The production `VectorIndex`: vectors in a Qdrant collection (cosine distance), reached through
 * the official REST client `@qdrant/js-client-rest`.
 *
 * - Point ids are name-based UUIDs of the fabric id (see point-id.ts); the payload keeps
 *   `{ id, scope, key, metadata, revision }`, so hits map back without a lookup.
 * - Filters are pushed down: `must` conditions on `scope` and on `metadata.<key>`; `minSimilarity`
 *   becomes `score_threshold`. Qdrant normalises vectors for Cosine, so scores are cosines.
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
    for (const field of INDEXED_FIELDS) {
      if (info.payload_schema?.[field] !== undefined) continue;
      await this.call(`index the "${field}" payload field`, () =>
        this.client.createPayloadIndex(c, { field_name: field, field_schema: "keyword", wait: true }),
      );
    }
    this.dimension = dimension;
  }

  async upsert(points: readonly VectorPoint[]): Promise<void> {
    const dimension = this.ready();
    checkPoints(points, dimension);
    for (let i = 0; i < points.length; i += UPSERT_BATCH) {
      const batch = points.slice(i, i + UPSERT_BATCH).map((p) => ({
        id: pointUuid(p.id),
        vector: Array.from(p.vector),
        payload: { id: p.id, scope: p.payload.scope, key: p.payload.key, metadata: { ...p.payload.metadata }, revision: p.payload.revision },
      }));
      await this.call("upsert points", () => this.client.upsert(this.collection, { wait: true, points: batch }));
    }
  }

  async delete(ids: readonly string[]): Promise<void> {
    this.ready();
    checkIds(ids);
    if (ids.length === 0) return;
    const points = ids.map((id) => pointUuid(id));
    await this.call("delete points", () => this.client.delete(this.collection, { wait: true, points }));
  }

  async search(vector: Float32Array, options: VectorSearchOptions): Promise<VectorHit[]> {
    const dimension = this.ready();
    checkSearch(vector, options, dimension);
    const filter = toQdrantFilter(options.filter);
    const result = await this.call("search", () =>
      this.client.query(this.collection, {
        query: Array.from(vector),
        filter,
        score_threshold: options.minSimilarity,
        limit: options.limit,
        with_payload: true,
      }),
    );
    const hits: VectorHit[] = [];
    for (const point of result.points) {
      const payload = toVectorPayload(point.payload);
      // A point without our payload was not written by a fabric: not ours to return.
      if (payload) hits.push({ id: payload.id, score: point.score, payload: payload.payload });
    }
    return hits;
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
        if (payload) out.set(payload.id, payload.payload.revision);
      }
    }
    return out;
  }

  async count(): Promise<number> {
    this.ready();
    const result = await this.call("count points", () => this.client.count(this.collection, { exact: true }));
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

/** Fabric filter → Qdrant filter: every condition is a `must` match on a payload path. */
export function toQdrantFilter(filter: VectorFilter | undefined): { must: { key: string; match: { value: string } }[] } | undefined {
  const must: { key: string; match: { value: string } }[] = [];
  if (filter?.scope !== undefined) must.push({ key: "scope", match: { value: filter.scope } });
  for (const [k, v] of Object.entries(filter?.metadata ?? {})) must.push({ key: metadataPath(k), match: { value: v } });
  return must.length > 0 ? { must } : undefined;
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

function toVectorPayload(raw: unknown): { id: string; payload: VectorPayload } | undefined {
  if (raw === null || typeof raw !== "object") return undefined;
  const p = raw as { id?: unknown; scope?: unknown; key?: unknown; metadata?: unknown; revision?: unknown };
  if (typeof p.id !== "string" || typeof p.scope !== "string" || typeof p.key !== "string") return undefined;
  const metadata: Record<string, string> = {};
  if (p.metadata !== null && typeof p.metadata === "object") {
    for (const [k, v] of Object.entries(p.metadata)) if (typeof v === "string") metadata[k] = v;
  }
  return { id: p.id, payload: { scope: p.scope, key: p.key, metadata, revision: typeof p.revision === "number" ? p.revision : 0 } };
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
