/**
 * QDRANT STAND-IN — NOT QDRANT.
 *
 * Qdrant cannot run on the CI hosts (no package ships the server, no container engine), so the
 * Qdrant adapter's contract suite runs against this loopback HTTP server unless `QDRANT_URL` points
 * at a real Qdrant. It speaks exactly the subset of Qdrant's REST API that
 * server/search/index/qdrant.ts sends through `@qdrant/js-client-rest` 1.18, with Qdrant's JSON
 * shapes (`{ result, status: "ok", time }`, errors as `{ status: { error }, time }`):
 *
 *   GET    /collections/{name}/exists        → { exists }
 *   GET    /collections/{name}               → collection info (config.params.vectors, payload_schema, points_count)
 *   PUT    /collections/{name}               → create: { vectors: { size, distance } }; 409 if it exists
 *   DELETE /collections/{name}               → drop (used by tests to clean up)
 *   PUT    /collections/{name}/index         → payload index: { field_name, field_schema }
 *   PUT    /collections/{name}/points        → upsert: { points: [{ id, vector, payload }] }
 *   POST   /collections/{name}/points        → retrieve: { ids, with_payload, with_vector: false }
 *   POST   /collections/{name}/points/delete → { points: [ids] } or { filter }
 *   POST   /collections/{name}/points/query  → { query: number[], filter, score_threshold, limit, offset, with_payload }
 *   POST   /collections/{name}/points/query/groups → the same, grouped by a payload field (`group_by`,
 *                                               `group_size`): the best `group_size` points of each group
 *   POST   /collections/{name}/points/count  → { filter, exact }
 *
 * Semantics kept faithful where the adapter depends on them: Cosine vectors are normalised on the
 * way in (as Qdrant does) and scores are dot products of unit vectors; `score_threshold` keeps scores
 * ≥ the threshold; ids are unsigned integers or UUIDs (UUIDs echoed lowercase hyphenated); upsert
 * replaces the whole point; a wrong vector size is a 400; a missing collection is a 404 with Qdrant's
 * message. Filters support `must` / `should` / `must_not` with `{ key, match: { value } }`,
 * `{ key, match: { any } }`, `{ key, range: { gt, gte, lt, lte } }` and `{ has_id }` conditions and
 * nested filters; keys are JSON paths with dots and double-quoted segments (`metadata."a.b"`), and a
 * match against an array matches any element. Anything else is a 400 naming the stand-in, so a test
 * never passes by silently ignoring a condition.
 *
 * Qdrant's own schema is the referee (test/support/qdrant-openapi.ts): every request is validated
 * against Qdrant's published OpenAPI document before it is served, and one that Qdrant would refuse
 * is answered 400 (as Qdrant does) and recorded; every response is validated too, and one that
 * breaks the schema is answered 500 and recorded. `violations()` lists both: suites assert it empty.
 *
 * What it does not do: persistence, HNSW (search is exact), `wait=false` semantics (every write is
 * applied before answering), named vectors, any other endpoint (answered 404 with an empty body, as
 * Qdrant's router does).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { qdrantSchema } from "./qdrant-openapi.js";

export interface QdrantStandIn {
  /** Base URL, e.g. "http://127.0.0.1:40123". */
  url: string;
  /** Requests Qdrant's schema refuses and responses that break it, so far, one line each ("METHOD path: problems"). */
  violations(): string[];
  /** Requests served so far, by Qdrant operation id (e.g. "query_points_groups"). */
  operations(): Map<string, number>;
  close(): Promise<void>;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type PointId = number | string;

interface StoredPoint {
  id: PointId;
  vector: number[];
  payload: { [key: string]: Json };
  /** Operation number of the last write to this point (Qdrant's `version`). */
  version: number;
}

interface Collection {
  size: number;
  distance: string;
  points: Map<string, StoredPoint>;
  payloadSchema: Map<string, string>;
  operations: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Starts the stand-in on 127.0.0.1 on a free port. */
export async function startQdrantStandIn(): Promise<QdrantStandIn> {
  const collections = new Map<string, Collection>();
  const schema = qdrantSchema();
  const violations: string[] = [];
  const operations = new Map<string, number>();
  const server = createServer((req, res) => {
    const started = process.hrtime.bigint();
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    readBody(req)
      .then((body) => {
        const problems = schema.checkRequest(method, url, body);
        if (problems.length > 0) {
          violations.push(`${method} ${url}: ${problems.join("; ")}`);
          throw new HttpError(400, `Format error in JSON body (Qdrant's schema): ${problems.join("; ")}`);
        }
        const op = schema.operationOf(method, url);
        if (op) operations.set(op, (operations.get(op) ?? 0) + 1);
        return route(collections, req, body);
      })
      .then(
        (result) => {
          const envelope = { result, status: "ok", time: elapsed(started) };
          const problems = schema.checkResponse(method, url, JSON.parse(JSON.stringify(envelope)));
          if (problems.length > 0) {
            violations.push(`${method} ${url}: stand-in response: ${problems.join("; ")}`);
            return send(res, 500, { status: { error: `stand-in response breaks Qdrant's schema: ${problems.join("; ")}` }, time: elapsed(started) });
          }
          send(res, 200, envelope);
        },
        (e: unknown) => {
          if (e instanceof HttpError && e.status === 404 && e.message === "") return send(res, 404, undefined);
          const status = e instanceof HttpError ? e.status : 500;
          const message = e instanceof Error ? e.message : String(e);
          send(res, status, { status: { error: message }, time: elapsed(started) });
        },
      );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    violations: () => violations.slice(),
    operations: () => new Map(operations),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        // Keep-alive sockets of the client's agent would otherwise hold the server open.
        server.closeAllConnections();
      }),
  };
}

function route(collections: Map<string, Collection>, req: IncomingMessage, body: Json | undefined): Json {
  const url = new URL(req.url ?? "/", "http://stand-in");
  const parts = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  const method = req.method ?? "GET";
  if (parts[0] !== "collections" || parts.length < 2) throw new HttpError(404, "");
  const name = parts[1];
  const rest = parts.slice(2).join("/");
  const get = (): Collection => {
    const c = collections.get(name);
    if (!c) throw new HttpError(404, `Not found: Collection \`${name}\` doesn't exist!`);
    return c;
  };

  if (rest === "exists" && method === "GET") return { exists: collections.has(name) };
  if (rest === "") {
    if (method === "GET") return collectionInfo(get());
    if (method === "PUT") return createCollection(collections, name, body);
    if (method === "DELETE") return collections.delete(name);
  }
  if (rest === "index" && method === "PUT") return createIndex(get(), body);
  if (rest === "points" && method === "PUT") return upsert(get(), body);
  if (rest === "points" && method === "POST") return retrieve(get(), body);
  if (rest === "points/delete" && method === "POST") return deletePoints(get(), body);
  if (rest === "points/query" && method === "POST") return query(get(), body);
  if (rest === "points/query/groups" && method === "POST") return queryGroups(get(), body);
  if (rest === "points/count" && method === "POST") return { count: selectPoints(get(), obj(body ?? {}, "body").filter).length };
  throw new HttpError(404, "");
}

function createCollection(collections: Map<string, Collection>, name: string, body: Json | undefined): Json {
  if (collections.has(name)) throw new HttpError(409, `Wrong input: Collection \`${name}\` already exists!`);
  const vectors = obj(obj(body, "body").vectors, "vectors");
  const size = vectors.size;
  if (typeof size !== "number" || !Number.isInteger(size) || size < 1) throw format("vectors.size must be a positive integer");
  if (vectors.distance !== "Cosine") throw standInLimit(`distance ${JSON.stringify(vectors.distance)} (only Cosine)`);
  collections.set(name, { size, distance: "Cosine", points: new Map(), payloadSchema: new Map(), operations: 0 });
  return true;
}

function collectionInfo(c: Collection): Json {
  const payloadSchema: { [key: string]: Json } = {};
  for (const [field, type] of c.payloadSchema) {
    payloadSchema[field] = { data_type: type, params: null, points: [...c.points.values()].filter((p) => valuesAt(p.payload, field).length > 0).length };
  }
  return {
    status: "green",
    optimizer_status: "ok",
    indexed_vectors_count: 0,
    points_count: c.points.size,
    segments_count: 1,
    config: {
      params: {
        vectors: { size: c.size, distance: c.distance },
        shard_number: 1,
        replication_factor: 1,
        write_consistency_factor: 1,
        on_disk_payload: true,
      },
      hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10000, max_indexing_threads: 0, on_disk: false },
      optimizer_config: {
        deleted_threshold: 0.2,
        vacuum_min_vector_number: 1000,
        default_segment_number: 0,
        max_segment_size: null,
        memmap_threshold: null,
        indexing_threshold: 10000,
        flush_interval_sec: 5,
        max_optimization_threads: null,
      },
      wal_config: { wal_capacity_mb: 32, wal_segments_ahead: 0 },
      quantization_config: null,
    },
    payload_schema: payloadSchema,
  };
}

function createIndex(c: Collection, body: Json | undefined): Json {
  const b = obj(body, "body");
  if (typeof b.field_name !== "string") throw format("field_name must be a string");
  const schema = typeof b.field_schema === "string" ? b.field_schema : obj(b.field_schema, "field_schema").type;
  if (typeof schema !== "string") throw format("field_schema must name a type");
  parsePath(b.field_name);
  c.payloadSchema.set(b.field_name, schema);
  return updateResult(c);
}

/** POST /collections/{name}/points: the points with these ids (absent ones left out), payload only. */
function retrieve(c: Collection, body: Json | undefined): Json {
  const b = obj(body, "body");
  if (!Array.isArray(b.ids)) throw standInLimit("retrieve without `ids`");
  if (b.with_vector !== undefined && b.with_vector !== false) throw standInLimit("retrieve with vectors");
  const out: Json[] = [];
  for (const raw of b.ids) {
    const id = parseId(raw);
    const p = c.points.get(String(id));
    if (p) out.push({ id: p.id, payload: b.with_payload === false ? null : p.payload, vector: null });
  }
  return out;
}

function upsert(c: Collection, body: Json | undefined): Json {
  const b = obj(body, "body");
  if (!Array.isArray(b.points)) throw standInLimit("upsert without `points` (the batch form)");
  // Validate the whole request first: Qdrant rejects a bad request without applying any of it.
  const incoming = b.points.map((raw, i) => {
    const p = obj(raw, `points[${i}]`);
    const id = parseId(p.id);
    if (!Array.isArray(p.vector) || !p.vector.every((x) => typeof x === "number")) throw standInLimit("named or sparse vectors");
    if (p.vector.length !== c.size) throw new HttpError(400, `Wrong input: Vector dimension error: expected dim: ${c.size}, got ${p.vector.length}`);
    const payload = p.payload === undefined || p.payload === null ? {} : obj(p.payload, `points[${i}].payload`);
    return { id, vector: normalise(p.vector as number[]), payload };
  });
  const version = ++c.operations;
  for (const p of incoming) c.points.set(String(p.id), { ...p, version });
  return { operation_id: version, status: "completed" };
}

function deletePoints(c: Collection, body: Json | undefined): Json {
  const b = obj(body, "body");
  if (Array.isArray(b.points)) {
    for (const id of b.points) c.points.delete(String(parseId(id)));
  } else if (b.filter !== undefined) {
    for (const p of selectPoints(c, b.filter)) c.points.delete(String(p.id));
  } else {
    throw format("expected `points` or `filter`");
  }
  return updateResult(c);
}

/** Points passing the body's filter and score threshold, scored against its dense query, best first. */
function scored(c: Collection, b: { [key: string]: Json }): Array<{ p: StoredPoint; score: number }> {
  if (!Array.isArray(b.query) || !b.query.every((x) => typeof x === "number")) {
    throw standInLimit("a query other than a dense vector (nearest)");
  }
  if (b.query.length !== c.size) throw new HttpError(400, `Wrong input: Vector dimension error: expected dim: ${c.size}, got ${b.query.length}`);
  if (b.prefetch !== undefined && b.prefetch !== null) throw standInLimit("prefetch");
  if (b.with_payload !== undefined && b.with_payload !== null && typeof b.with_payload !== "boolean") throw standInLimit("payload selectors");
  const q = normalise(b.query as number[]);
  const threshold = typeof b.score_threshold === "number" ? b.score_threshold : -Infinity;
  return selectPoints(c, b.filter)
    .map((p) => ({ p, score: Math.fround(dotProduct(q, p.vector)) }))
    .filter((s) => s.score >= threshold)
    .sort((x, y) => y.score - x.score);
}

function scoredPoint(p: StoredPoint, score: number, withPayload: boolean): Json {
  return { id: p.id, version: p.version, score, ...(withPayload ? { payload: p.payload } : {}) };
}

function query(c: Collection, body: Json | undefined): Json {
  const b = obj(body, "body");
  const limit = b.limit === undefined || b.limit === null ? 10 : (b.limit as number);
  const offset = typeof b.offset === "number" ? b.offset : 0;
  const withPayload = b.with_payload === true;
  return { points: scored(c, b).slice(offset, offset + limit).map(({ p, score }) => scoredPoint(p, score, withPayload)) };
}

/** Qdrant's grouped query: the best `group_size` points of each of the best `limit` groups. */
function queryGroups(c: Collection, body: Json | undefined): Json {
  const b = obj(body, "body");
  if (typeof b.group_by !== "string") throw format("group_by must be a string");
  const limit = typeof b.limit === "number" ? b.limit : 10;
  const groupSize = typeof b.group_size === "number" ? b.group_size : 3;
  const withPayload = b.with_payload === true;
  const groups = new Map<string, { id: Json; hits: Json[] }>();
  for (const { p, score } of scored(c, b)) {
    // A point without the field is in no group; one with several values is in each (Qdrant).
    for (const value of valuesAt(p.payload, b.group_by)) {
      if (typeof value !== "string" && typeof value !== "number") continue;
      const key = JSON.stringify(value);
      let g = groups.get(key);
      if (!g) {
        if (groups.size >= limit) continue;
        g = { id: value, hits: [] };
        groups.set(key, g);
      }
      if (g.hits.length < groupSize) g.hits.push(scoredPoint(p, score, withPayload));
    }
  }
  return { groups: [...groups.values()] };
}

// ---- filters ------------------------------------------------------------------------------------

function selectPoints(c: Collection, filter: Json | undefined): StoredPoint[] {
  const points = [...c.points.values()];
  if (filter === undefined || filter === null) return points;
  const f = obj(filter, "filter");
  return points.filter((p) => matchesFilter(f, p));
}

function matchesFilter(f: { [key: string]: Json }, point: StoredPoint): boolean {
  for (const k of Object.keys(f)) {
    if (!["must", "should", "must_not", "min_should"].includes(k)) throw format(`unknown filter field \`${k}\``);
    if (k === "min_should" && f[k] !== null) throw standInLimit("min_should");
  }
  const list = (k: string): Json[] => {
    const v = f[k];
    if (v === undefined || v === null) return [];
    return Array.isArray(v) ? v : [v];
  };
  const must = list("must");
  const should = list("should");
  const mustNot = list("must_not");
  if (!must.every((cond) => matchesCondition(cond, point))) return false;
  if (should.length > 0 && !should.some((cond) => matchesCondition(cond, point))) return false;
  return !mustNot.some((cond) => matchesCondition(cond, point));
}

function matchesCondition(raw: Json, point: StoredPoint): boolean {
  const cond = obj(raw, "condition");
  const payload = point.payload;
  if ("must" in cond || "should" in cond || "must_not" in cond) return matchesFilter(cond, point);
  if ("has_id" in cond) {
    if (!Array.isArray(cond.has_id)) throw format("has_id must be a list of ids");
    return cond.has_id.some((id) => String(parseId(id)) === String(point.id));
  }
  if (typeof cond.key !== "string") throw standInLimit(`condition ${JSON.stringify(cond)}`);
  const values = valuesAt(payload, cond.key);
  if (cond.range !== undefined && cond.range !== null) {
    const r = obj(cond.range, "range");
    const within = (v: Json) =>
      typeof v === "number" &&
      (typeof r.gt !== "number" || v > r.gt) && (typeof r.gte !== "number" || v >= r.gte) &&
      (typeof r.lt !== "number" || v < r.lt) && (typeof r.lte !== "number" || v <= r.lte);
    return values.some(within);
  }
  if (cond.match === undefined || cond.match === null) throw standInLimit(`condition ${JSON.stringify(cond)} (only match and range)`);
  const match = obj(cond.match, "match");
  if ("value" in match) return values.some((v) => v === match.value);
  if ("any" in match && Array.isArray(match.any)) {
    const any = match.any;
    return values.some((v) => any.includes(v));
  }
  throw standInLimit(`match ${JSON.stringify(match)} (only match.value and match.any)`);
}

/** Values at a payload path; arrays along the way and at the end are flattened (Qdrant semantics). */
function valuesAt(payload: Json, path: string): Json[] {
  let current: Json[] = [payload];
  for (const segment of parsePath(path)) {
    const next: Json[] = [];
    for (const v of current) {
      const items = Array.isArray(v) ? v : [v];
      for (const item of items) {
        if (item !== null && typeof item === "object" && !Array.isArray(item) && Object.hasOwn(item, segment)) next.push(item[segment]);
      }
    }
    current = next;
  }
  return current.flatMap((v) => (Array.isArray(v) ? v : [v]));
}

/** Splits `a.b."c.d"` into ["a", "b", "c.d"]; `[]` suffixes are accepted and ignored. */
function parsePath(path: string): string[] {
  const segments: string[] = [];
  let i = 0;
  while (i < path.length) {
    let segment: string;
    if (path[i] === '"') {
      const end = path.indexOf('"', i + 1);
      if (end < 0) throw format(`Invalid json path: '${path}'`);
      segment = path.slice(i + 1, end);
      i = end + 1;
    } else {
      const m = /^[A-Za-z0-9_-]+/.exec(path.slice(i));
      if (!m) throw format(`Invalid json path: '${path}'`);
      segment = m[0];
      i += segment.length;
    }
    if (path.startsWith("[]", i)) i += 2;
    segments.push(segment);
    if (i < path.length) {
      if (path[i] !== ".") throw format(`Invalid json path: '${path}'`);
      i++;
    }
  }
  if (segments.length === 0) throw format(`Invalid json path: '${path}'`);
  return segments;
}

// ---- helpers ------------------------------------------------------------------------------------

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

function parseId(raw: Json | undefined): PointId {
  if (typeof raw === "number" && Number.isSafeInteger(raw) && raw >= 0) return raw;
  if (typeof raw === "string" && UUID.test(raw)) {
    const hex = raw.replace(/-/g, "").toLowerCase();
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  throw format(`Unable to parse UUID: ${String(raw)}`);
}

function normalise(v: number[]): number[] {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return norm === 0 ? v.slice() : v.map((x) => Math.fround(x / norm));
}

function dotProduct(a: number[], b: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function updateResult(c: Collection): Json {
  return { operation_id: ++c.operations, status: "completed" };
}

function obj(v: Json | undefined, what: string): { [key: string]: Json } {
  if (v === null || v === undefined || typeof v !== "object" || Array.isArray(v)) throw format(`${what} must be an object`);
  return v;
}

function format(message: string): HttpError {
  return new HttpError(400, `Format error in JSON body: ${message}`);
}

/** A request Qdrant would accept but this stand-in does not implement: fail loudly, never guess. */
function standInLimit(what: string): HttpError {
  return new HttpError(400, `Qdrant stand-in does not implement ${what}`);
}

function elapsed(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function readBody(req: IncomingMessage): Promise<Json | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("error", reject);
    req.on("end", () => {
      if (chunks.length === 0) return resolve(undefined);
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")) as Json);
      } catch (e) {
        reject(format(`${(e as Error).message}`));
      }
    });
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (body === undefined) {
    res.writeHead(status, { "content-length": 0 });
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
