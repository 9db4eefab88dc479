import { startQdrantStandIn, type QdrantStandIn } from "../support/qdrant-standin.js";

/**
 * Raw REST checks of the JSON shapes the adapter relies on. They run against the loopback STAND-IN
 * by default; with QDRANT_URL set they run unchanged against the real Qdrant, which is how the
 * stand-in's fidelity is checked.
 */
const REAL_URL = process.env.QDRANT_URL;
const API_KEY = process.env.QDRANT_API_KEY;
let standIn: QdrantStandIn | undefined;
let base = "";
const collection = `standin_shape_${process.pid}_${Date.now().toString(36)}`;

beforeAll(async () => {
  if (!REAL_URL) standIn = await startQdrantStandIn();
  base = REAL_URL ?? (standIn as QdrantStandIn).url;
});

afterAll(async () => {
  await call("DELETE", `/collections/${collection}`);
  await standIn?.close();
});

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(base + path, {
    method,
    headers: { "content-type": "application/json", ...(API_KEY ? { "api-key": API_KEY } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

const ok = (result: unknown) => ({ result, status: "ok", time: expect.any(Number) });
const A = "5c56c793-69f3-4fbf-87e6-c4bf54c28c26";
const B = "0ad4e5a3-7b1c-4f0e-9d1a-3c2b1a0f9e8d";
const C = "7f2b9c1d-4e5a-4b6c-8d7e-9f0a1b2c3d4e";

describe(`Qdrant REST shapes used by the adapter, against ${REAL_URL ? `real Qdrant at ${REAL_URL}` : "the loopback STAND-IN (not Qdrant)"}`, () => {
  it("answers a missing collection like Qdrant: exists=false, 404 with an error status", async () => {
    expect(await call("GET", `/collections/${collection}/exists`)).toEqual({ status: 200, json: ok({ exists: false }) });
    const missing = await call("GET", `/collections/${collection}`);
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ status: { error: expect.stringMatching(/Collection `.+` doesn't exist!/) }, time: expect.any(Number) });
  });

  it("creates a collection once (409 the second time) and describes it", async () => {
    expect(await call("PUT", `/collections/${collection}`, { vectors: { size: 4, distance: "Cosine" } })).toEqual({ status: 200, json: ok(true) });
    const again = await call("PUT", `/collections/${collection}`, { vectors: { size: 4, distance: "Cosine" } });
    expect(again.status).toBe(409);
    expect(again.json.status.error).toMatch(/already exists/);
    const index = await call("PUT", `/collections/${collection}/index?wait=true`, { field_name: "scope", field_schema: "keyword" });
    expect(index).toEqual({ status: 200, json: ok({ operation_id: expect.any(Number), status: "completed" }) });
    const info = await call("GET", `/collections/${collection}`);
    expect(info.status).toBe(200);
    expect(info.json.result.config.params.vectors).toEqual({ size: 4, distance: "Cosine" });
    expect(info.json.result.payload_schema.scope).toMatchObject({ data_type: "keyword" });
  });

  it("rejects a vector of the wrong size with 400", async () => {
    const res = await call("PUT", `/collections/${collection}/points?wait=true`, { points: [{ id: A, vector: [1, 0, 0], payload: {} }] });
    expect(res.status).toBe(400);
    expect(res.json.status.error).toMatch(/dimension error: expected dim: 4, got 3/);
  });

  it("upserts, queries with filters and threshold, counts and deletes by filter", async () => {
    const upsert = await call("PUT", `/collections/${collection}/points?wait=true`, {
      points: [
        { id: A.toUpperCase(), vector: [2, 0, 0, 0], payload: { scope: "S", metadata: { "a.b": "x", lang: "en" } } },
        { id: B, vector: [1, 1, 0, 0], payload: { scope: "T", metadata: { lang: "en" } } },
      ],
    });
    expect(upsert).toEqual({ status: 200, json: ok({ operation_id: expect.any(Number), status: "completed" }) });

    const all = await call("POST", `/collections/${collection}/points/query`, { query: [1, 0, 0, 0], limit: 10, with_payload: true });
    expect(all.status).toBe(200);
    expect(all.json.result.points).toEqual([
      { id: A, version: expect.any(Number), score: expect.closeTo(1, 5), payload: { scope: "S", metadata: { "a.b": "x", lang: "en" } } },
      { id: B, version: expect.any(Number), score: expect.closeTo(Math.SQRT1_2, 5), payload: { scope: "T", metadata: { lang: "en" } } },
    ]);

    const filtered = await call("POST", `/collections/${collection}/points/query`, {
      query: [1, 0, 0, 0],
      limit: 10,
      with_payload: true,
      filter: { must: [{ key: "metadata.lang", match: { value: "en" } }, { key: 'metadata."a.b"', match: { value: "x" } }] },
    });
    expect(filtered.json.result.points.map((p: { id: string }) => p.id)).toEqual([A]);

    const thresholded = await call("POST", `/collections/${collection}/points/query`, { query: [0, 1, 0, 0], limit: 10, score_threshold: 0.5 });
    expect(thresholded.json.result.points).toEqual([{ id: B, version: expect.any(Number), score: expect.closeTo(Math.SQRT1_2, 5) }]);

    expect(await call("POST", `/collections/${collection}/points/count`, { exact: true })).toEqual({ status: 200, json: ok({ count: 2 }) });
    expect(await call("POST", `/collections/${collection}/points/count`, { exact: true, filter: { must: [{ key: "scope", match: { value: "T" } }] } })).toEqual({
      status: 200,
      json: ok({ count: 1 }),
    });

    await call("POST", `/collections/${collection}/points/delete?wait=true`, { points: [B] });
    expect((await call("POST", `/collections/${collection}/points/count`, { exact: true })).json.result.count).toBe(1);
    const cleared = await call("POST", `/collections/${collection}/points/delete?wait=true`, { filter: {} });
    expect(cleared).toEqual({ status: 200, json: ok({ operation_id: expect.any(Number), status: "completed" }) });
    expect((await call("POST", `/collections/${collection}/points/count`, { exact: true })).json.result.count).toBe(0);
  });

  it("groups query hits by a payload field, best point first in each group, groups by their best score", async () => {
    await call("PUT", `/collections/${collection}/points?wait=true`, {
      points: [
        { id: A, vector: [1, 0, 0, 0], payload: { id: "doc1", chunk: 0 } },
        { id: B, vector: [0.9, 0.1, 0, 0], payload: { id: "doc1", chunk: 1 } },
        { id: C, vector: [0, 1, 0, 0], payload: { id: "doc2", chunk: 0 } },
      ],
    });
    const res = await call("POST", `/collections/${collection}/points/query/groups`, { query: [1, 0.05, 0, 0], group_by: "id", group_size: 1, limit: 5, with_payload: true });
    expect(res.status).toBe(200);
    expect(res.json.result.groups).toEqual([
      { id: "doc1", hits: [{ id: A, version: expect.any(Number), score: expect.closeTo(0.9988, 3), payload: { id: "doc1", chunk: 0 } }] },
      { id: "doc2", hits: [{ id: C, version: expect.any(Number), score: expect.closeTo(0.05, 2), payload: { id: "doc2", chunk: 0 } }] },
    ]);
    const ranged = await call("POST", `/collections/${collection}/points/count`, { exact: true, filter: { must: [{ key: "id", match: { any: ["doc1"] } }, { key: "chunk", range: { gte: 1 } }] } });
    expect(ranged.json.result.count).toBe(1);
  });

  it("refuses a request that breaks Qdrant's schema with 400 (the stand-in records it)", async () => {
    const before = standIn?.violations().length ?? 0;
    const noGroupBy = await call("POST", `/collections/${collection}/points/query/groups`, { query: [1, 0, 0, 0], limit: 5 });
    expect(noGroupBy.status).toBe(400);
    const badId = await call("PUT", `/collections/${collection}/points?wait=true`, { points: [{ id: "not-a-uuid", vector: [1, 0, 0, 0] }] });
    expect(badId.status).toBe(400);
    const badLimit = await call("POST", `/collections/${collection}/points/query`, { query: [1, 0, 0, 0], limit: -3 });
    expect(badLimit.status).toBe(400);
    if (standIn) {
      const recorded = standIn.violations().slice(before);
      expect(recorded).toHaveLength(3);
      expect(recorded[0]).toMatch(/query_points_groups body .*group_by/);
      expect(recorded[1]).toMatch(/upsert_points body/);
      expect(recorded[2]).toMatch(/query_points body/);
    }
  });
});
