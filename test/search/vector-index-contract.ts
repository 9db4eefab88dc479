/**
 * The contract every `VectorIndex` must keep, as a function: each implementation's test file calls
 * `describeVectorIndex(name, factory)` and the same tests run against it — the in-process index in
 * exact and in HNSW mode, and the Qdrant adapter (against a real Qdrant when QDRANT_URL is set, the
 * loopback stand-in otherwise). Every test goes through the index under test; none checks a double.
 */
import { FabricError } from "@cache-fabric/client/api";
import type { VectorFilter, VectorHit, VectorIndex, VectorPayload, VectorPoint } from "../../server/search/types.js";

/** An index under test, not yet initialised, and how to get a second handle on the same store. */
export interface VectorIndexUnderTest {
  index: VectorIndex;
  /**
   * A second, independent handle on the same underlying store (e.g. another adapter on the same
   * Qdrant collection: what a restarted process would see). Defaults to the same instance.
   */
  reopen?: () => VectorIndex;
  /** Releases what the test created (e.g. drops the Qdrant collection). */
  cleanup?: () => Promise<void>;
}

export interface VectorIndexTraits {
  /**
   * The index may return approximate neighbours (HNSW): comparisons with brute force demand
   * recall ≥ 0.9 instead of equality.
   */
  approximate?: boolean;
}

export const DIM = 16;

/** A unit vector of DIM dimensions from a few leading components (the rest 0). */
export function vec(...components: number[]): Float32Array {
  const v = new Float32Array(DIM);
  components.forEach((c, i) => (v[i] = c));
  return unit(v);
}

export function unit(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  return n === 0 ? v : v.map((x) => x / n);
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return d / Math.sqrt(na * nb);
}

/** Deterministic PRNG (LCG) so failures reproduce. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

export function randomUnit(dim: number, random: () => number): Float32Array {
  const v = new Float32Array(dim);
  for (let i = 0; i < dim; i++) v[i] = random() * 2 - 1;
  return unit(v);
}

export function point(scope: string, key: string, vector: Float32Array, metadata: Record<string, string> = {}, revision = 1): VectorPoint {
  return { id: `${scope}/${key}`, vectors: [vector], payload: { scope, key, metadata, revision } };
}

/** A context of several chunks, with made-up spans (chunk k covers [10k, 10k + 12)). */
export function chunked(scope: string, key: string, vectors: Float32Array[], metadata: Record<string, string> = {}, revision = 1): VectorPoint {
  return { id: `${scope}/${key}`, vectors, spans: vectors.map((_, k) => [10 * k, 10 * k + 12] as const), payload: { scope, key, metadata, revision } };
}

const ids = (hits: VectorHit[]) => hits.map((h) => h.id);

async function expectCode(promise: Promise<unknown>, code: string, message?: RegExp): Promise<FabricError> {
  let caught: unknown;
  try {
    await promise;
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(FabricError);
  expect((caught as FabricError).code).toBe(code);
  if (message) expect((caught as FabricError).message).toMatch(message);
  return caught as FabricError;
}

export function describeVectorIndex(name: string, factory: () => Promise<VectorIndexUnderTest>, traits: VectorIndexTraits = {}): void {
  describe(`VectorIndex contract: ${name}`, () => {
    let subject: VectorIndexUnderTest;
    let index: VectorIndex;

    beforeEach(async () => {
      subject = await factory();
      index = subject.index;
    });

    afterEach(async () => {
      await index.close();
      await subject.cleanup?.();
    });

    describe("before init", () => {
      it("refuses writes and searches with FAILED_PRECONDITION", async () => {
        await expectCode(index.upsert([point("S", "a", vec(1))]), "FAILED_PRECONDITION", /init/);
        await expectCode(index.search(vec(1), { limit: 1 }), "FAILED_PRECONDITION", /init/);
      });
    });

    describe("after init", () => {
      beforeEach(async () => {
        await index.init(DIM);
      });

      it("reports the revision each held id was embedded from, leaving absent ids out", async () => {
        await index.upsert([point("S", "a", vec(1), {}, 7), point("S", "b", vec(0, 1), {}, 9)]);
        await index.upsert([point("S", "a", vec(1, 1), {}, 12)]);
        await index.delete(["S/b"]);
        const held = await index.revisions(["S/a", "S/b", "S/never"]);
        expect([...held.entries()]).toEqual([["S/a", 12]]);
        expect((await index.revisions([])).size).toBe(0);
      });

      it("is empty at first: count 0, search answers []", async () => {
        expect(await index.count()).toBe(0);
        expect(await index.search(vec(1), { limit: 5 })).toEqual([]);
      });

      it("finds the nearest first, with cosine scores", async () => {
        const a = vec(1, 0);
        const b = vec(1, 1);
        const c = vec(0, 1);
        const d = vec(-1, 0);
        await index.upsert([point("S", "a", a), point("S", "b", b), point("S", "c", c), point("S", "d", d)]);
        const q = vec(1, 0.2);
        const hits = await index.search(q, { limit: 4 });
        expect(ids(hits)).toEqual(["S/a", "S/b", "S/c", "S/d"]);
        const expected = [a, b, c, d].map((v) => cosine(q, v));
        hits.forEach((h, i) => expect(h.score).toBeCloseTo(expected[i], 4));
        expect(hits[3].score).toBeCloseTo(-cosine(q, a), 4); // opposite direction scores negative
      });

      it("scores by direction, not length (vectors are normalised as for cosine)", async () => {
        await index.upsert([point("S", "long", vec(3, 4).map((x) => x * 10))]);
        const [hit] = await index.search(vec(3, 4), { limit: 1 });
        expect(hit.id).toBe("S/long");
        expect(hit.score).toBeCloseTo(1, 4);
      });

      it("returns the payload as stored", async () => {
        await index.upsert([point("GLOBAL", "greeting", vec(1), { lang: "en", team: "core" }, 42)]);
        const [hit] = await index.search(vec(1), { limit: 1 });
        expect(hit.id).toBe("GLOBAL/greeting");
        expect(hit.payload).toEqual<VectorPayload>({ scope: "GLOBAL", key: "greeting", metadata: { lang: "en", team: "core" }, revision: 42 });
      });

      it("replaces a point upserted again under the same id (no duplicates)", async () => {
        await index.upsert([point("S", "a", vec(1, 0), { v: "1" }, 1), point("S", "b", vec(0, 1))]);
        await index.upsert([point("S", "a", vec(0, 0, 1), { v: "2" }, 2)]);
        expect(await index.count()).toBe(2);
        const hits = await index.search(vec(0, 0, 1), { limit: 10 });
        expect(ids(hits).sort()).toEqual(["S/a", "S/b"]);
        expect(hits[0].id).toBe("S/a");
        expect(hits[0].score).toBeCloseTo(1, 4);
        expect(hits[0].payload.metadata).toEqual({ v: "2" });
        expect(hits[0].payload.revision).toBe(2);
        // The old vector is gone: a query along it no longer finds "a" at similarity 1.
        const old = await index.search(vec(1, 0), { limit: 1, minSimilarity: 0.99 });
        expect(old).toEqual([]);
      });

      it("handles the same id twice in one batch: the last one wins", async () => {
        await index.upsert([point("S", "a", vec(1, 0), { v: "first" }), point("S", "a", vec(0, 1), { v: "last" })]);
        expect(await index.count()).toBe(1);
        const [hit] = await index.search(vec(0, 1), { limit: 5 });
        expect(hit.payload.metadata).toEqual({ v: "last" });
        expect(hit.score).toBeCloseTo(1, 4);
      });

      it("deletes points by id; unknown ids are ignored", async () => {
        await index.upsert([point("S", "a", vec(1)), point("S", "b", vec(1, 0.1)), point("S", "c", vec(0, 1))]);
        await index.delete(["S/a", "S/nope"]);
        expect(await index.count()).toBe(2);
        const hits = await index.search(vec(1), { limit: 10 });
        expect(ids(hits)).not.toContain("S/a");
        expect(ids(hits)).toEqual(["S/b", "S/c"]);
        await index.delete([]);
        expect(await index.count()).toBe(2);
      });

      it("filters by scope", async () => {
        await index.upsert([point("A", "x", vec(1)), point("B", "x", vec(1, 0.01)), point("A", "y", vec(0, 1))]);
        const hits = await index.search(vec(1), { limit: 10, filter: { scope: "A" } });
        expect(ids(hits)).toEqual(["A/x", "A/y"]);
        expect(await index.search(vec(1), { limit: 10, filter: { scope: "NOPE" } })).toEqual([]);
      });

      it("filters by metadata: every entry must match", async () => {
        await index.upsert([
          point("S", "a", vec(1), { lang: "en", team: "core" }),
          point("S", "b", vec(1, 0.1), { lang: "en", team: "edge" }),
          point("S", "c", vec(1, 0.2), { lang: "fr", team: "core" }),
          point("T", "d", vec(1, 0.3), { lang: "en", team: "core" }),
        ]);
        expect(ids(await index.search(vec(1), { limit: 10, filter: { metadata: { lang: "en" } } }))).toEqual(["S/a", "S/b", "T/d"]);
        expect(ids(await index.search(vec(1), { limit: 10, filter: { metadata: { lang: "en", team: "core" } } }))).toEqual(["S/a", "T/d"]);
        expect(ids(await index.search(vec(1), { limit: 10, filter: { scope: "S", metadata: { team: "core" } } }))).toEqual(["S/a", "S/c"]);
        expect(await index.search(vec(1), { limit: 10, filter: { metadata: { lang: "de" } } })).toEqual([]);
        expect(await index.search(vec(1), { limit: 10, filter: { metadata: { missing: "x" } } })).toEqual([]);
      });

      it("filters on metadata keys with dots, spaces and dashes literally", async () => {
        await index.upsert([
          point("S", "a", vec(1), { "app.version": "2", "owner team": "x", "build-id": "7" }),
          point("S", "b", vec(1, 0.1), { app: "2", "owner team": "y", "build-id": "8" }),
        ]);
        expect(ids(await index.search(vec(1), { limit: 10, filter: { metadata: { "app.version": "2" } } }))).toEqual(["S/a"]);
        expect(ids(await index.search(vec(1), { limit: 10, filter: { metadata: { "owner team": "y" } } }))).toEqual(["S/b"]);
        expect(ids(await index.search(vec(1), { limit: 10, filter: { metadata: { "build-id": "7" } } }))).toEqual(["S/a"]);
      });

      it("leaves out hits below minSimilarity", async () => {
        await index.upsert([point("S", "a", vec(1, 0)), point("S", "b", vec(1, 1)), point("S", "c", vec(0, 1))]);
        // cos to vec(1,0): a = 1, b ≈ 0.707, c = 0
        const hits = await index.search(vec(1, 0), { limit: 10, minSimilarity: 0.5 });
        expect(ids(hits)).toEqual(["S/a", "S/b"]);
        expect(await index.search(vec(-1, 0), { limit: 10, minSimilarity: 0.1 })).toEqual([]);
      });

      it("returns at most `limit` hits, the best ones", async () => {
        const random = rng(11);
        const points = Array.from({ length: 30 }, (_, i) => point("S", `p${i}`, randomUnit(DIM, random)));
        await index.upsert(points);
        const q = randomUnit(DIM, random);
        const best = points
          .map((p) => ({ id: p.id, s: cosine(q, p.vectors[0]) }))
          .sort((x, y) => y.s - x.s)
          .slice(0, 5)
          .map((x) => x.id);
        const hits = await index.search(q, { limit: 5 });
        expect(hits).toHaveLength(5);
        expect(ids(hits)).toEqual(best);
        expect((await index.search(q, { limit: 1 })).map((h) => h.id)).toEqual([best[0]]);
      });

      it("counts points and clears them all; the index stays usable", async () => {
        await index.upsert(Array.from({ length: 12 }, (_, i) => point(i % 2 ? "A" : "B", `k${i}`, vec(1, i))));
        expect(await index.count()).toBe(12);
        await index.clear();
        expect(await index.count()).toBe(0);
        expect(await index.search(vec(1), { limit: 5 })).toEqual([]);
        await index.upsert([point("A", "again", vec(0, 1))]);
        expect(await index.count()).toBe(1);
        expect(ids(await index.search(vec(0, 1), { limit: 5 }))).toEqual(["A/again"]);
      });

      it("filters by key prefix, at a separator or anywhere", async () => {
        await index.upsert([
          point("USER", "user:alice:prefs", vec(1)),
          point("USER", "user:alice:notes:1", vec(1, 0.1)),
          point("USER", "user:alicia:prefs", vec(1, 0.2)),
          point("USER", "user:bob:prefs", vec(1, 0.3)),
          point("GLOBAL", "user:alice:x", vec(1, 0.4)),
        ]);
        expect(ids(await index.search(vec(1), { limit: 10, filter: { scope: "USER", keyPrefix: "user:alice:" } }))).toEqual(["USER/user:alice:prefs", "USER/user:alice:notes:1"]);
        expect(ids(await index.search(vec(1), { limit: 10, filter: { keyPrefix: "user:alice:" } }))).toEqual(["USER/user:alice:prefs", "USER/user:alice:notes:1", "GLOBAL/user:alice:x"]);
        expect(ids(await index.search(vec(1), { limit: 10, filter: { scope: "USER", keyPrefix: "user:ali" } }))).toEqual(["USER/user:alice:prefs", "USER/user:alice:notes:1", "USER/user:alicia:prefs"]);
        expect(await index.search(vec(1), { limit: 10, filter: { keyPrefix: "nobody:" } })).toEqual([]);
      });

      it("filters by namespaces (anyOf): any one of them, combined with the other conditions", async () => {
        await index.upsert([
          point("USER", "user:alice:prefs", vec(1), { lang: "en" }),
          point("USER", "user:bob:prefs", vec(1, 0.1), { lang: "en" }),
          point("GLOBAL", "router:main", vec(1, 0.2), { lang: "en" }),
          point("GLOBAL", "secret:key", vec(1, 0.3), { lang: "en" }),
          point("GLOBAL", "router:edge", vec(1, 0.4), { lang: "fr" }),
        ]);
        const anyOf = [{ scope: "USER", keyPrefix: "user:alice:" }, { scope: "GLOBAL", keyPrefix: "router:" }];
        expect(ids(await index.search(vec(1), { limit: 10, filter: { anyOf } }))).toEqual(["USER/user:alice:prefs", "GLOBAL/router:main", "GLOBAL/router:edge"]);
        expect(ids(await index.search(vec(1), { limit: 10, filter: { anyOf, metadata: { lang: "en" } } }))).toEqual(["USER/user:alice:prefs", "GLOBAL/router:main"]);
        expect(ids(await index.search(vec(1), { limit: 10, filter: { anyOf, scope: "GLOBAL" } }))).toEqual(["GLOBAL/router:main", "GLOBAL/router:edge"]);
        expect(ids(await index.search(vec(1), { limit: 10, filter: { anyOf: [{ scope: "GLOBAL" }] } }))).toEqual(["GLOBAL/router:main", "GLOBAL/secret:key", "GLOBAL/router:edge"]);
        expect(await index.search(vec(1), { limit: 10, filter: { anyOf: [] } })).toEqual([]);
      });

      it("scores a context of several chunks by its best chunk, once, saying which chunk", async () => {
        await index.upsert([chunked("S", "long", [vec(0, 1), vec(1, 0.05), vec(0, 0, 1)]), point("S", "short", vec(1, 0.5))]);
        expect(await index.count()).toBe(2);
        const hits = await index.search(vec(1), { limit: 10 });
        expect(ids(hits)).toEqual(["S/long", "S/short"]);
        expect(hits[0]).toMatchObject({ chunk: 1, span: [10, 22] });
        expect(hits[0].score).toBeCloseTo(cosine(vec(1), vec(1, 0.05)), 4);
        expect(hits[1].chunk).toBe(0);
        expect(hits[1].span).toBeUndefined();
        expect(ids(await index.search(vec(0, 0, 1), { limit: 1 }))).toEqual(["S/long"]);
        expect((await index.search(vec(0, 0, 1), { limit: 1 }))[0].chunk).toBe(2);
      });

      it("replaces every chunk on upsert (fewer chunks leave none behind) and deletes them all", async () => {
        await index.upsert([chunked("S", "doc", [vec(1), vec(0, 1), vec(0, 0, 1)])]);
        await index.upsert([chunked("S", "doc", [vec(0, 0, 0, 1)], {}, 2)]);
        expect(await index.search(vec(0, 0, 1), { limit: 10, minSimilarity: 0.5 })).toEqual([]);
        const [hit] = await index.search(vec(0, 0, 0, 1), { limit: 10 });
        expect(hit).toMatchObject({ id: "S/doc", chunk: 0, payload: { revision: 2 } });
        await index.upsert([chunked("S", "doc", [vec(1), vec(0, 1)], {}, 3)]);
        await index.delete(["S/doc"]);
        expect(await index.count()).toBe(0);
        expect(await index.search(vec(0, 1), { limit: 10 })).toEqual([]);
      });

      it("scores given ids by their best chunk (score), leaving absent ids out", async () => {
        await index.upsert([chunked("S", "a", [vec(0, 1), vec(1)]), point("S", "b", vec(0, 1)), point("S", "c", vec(1, 1))]);
        const hits = await index.score(vec(1), ["S/a", "S/b", "S/never"]);
        const byId = new Map(hits.map((h) => [h.id, h]));
        expect([...byId.keys()].sort()).toEqual(["S/a", "S/b"]);
        expect(byId.get("S/a")).toMatchObject({ chunk: 1 });
        expect(byId.get("S/a")!.score).toBeCloseTo(1, 4);
        expect(byId.get("S/b")!.score).toBeCloseTo(0, 4);
        expect(await index.score(vec(1), [])).toEqual([]);
      });

      it("agrees with brute force on random data, with and without filters", async () => {
        const random = rng(5);
        const scopes = ["A", "B", "C"];
        // Every fifth context has three chunks.
        const points = Array.from({ length: 300 }, (_, i) => {
          const meta = { parity: i % 2 ? "odd" : "even", tenth: String(i % 10) };
          const key = `u:${i % 7}:k${i}`;
          return i % 5 === 0 ? chunked(scopes[i % 3], key, [randomUnit(DIM, random), randomUnit(DIM, random), randomUnit(DIM, random)], meta) : point(scopes[i % 3], key, randomUnit(DIM, random), meta);
        });
        for (let i = 0; i < points.length; i += 100) await index.upsert(points.slice(i, i + 100));
        expect(await index.count()).toBe(300);
        let found = 0;
        let wanted = 0;
        const filters: (VectorFilter | undefined)[] = [
          undefined, { scope: "B" }, { metadata: { parity: "odd" } }, { scope: "C", metadata: { tenth: "3" } },
          { keyPrefix: "u:3:" }, { scope: "A", keyPrefix: "u:1:k1" }, { anyOf: [{ scope: "B", keyPrefix: "u:2:" }, { scope: "C" }] },
        ];
        const passes = (p: VectorPoint, f: VectorFilter | undefined) =>
          (f?.scope === undefined || p.payload.scope === f.scope) &&
          (f?.keyPrefix === undefined || p.payload.key.startsWith(f.keyPrefix)) &&
          Object.entries(f?.metadata ?? {}).every(([k, v]) => p.payload.metadata[k] === v) &&
          (f?.anyOf === undefined || f.anyOf.some((n) => n.scope === p.payload.scope && p.payload.key.startsWith(n.keyPrefix ?? "")));
        for (let q = 0; q < 21; q++) {
          const query = randomUnit(DIM, random);
          const filter = filters[q % filters.length];
          const truth = points
            .filter((p) => passes(p, filter))
            .map((p) => ({ id: p.id, s: Math.max(...p.vectors.map((v) => cosine(query, v))) }))
            .sort((x, y) => y.s - x.s)
            .slice(0, 10);
          const hits = await index.search(query, { limit: 10, filter });
          // Every hit honours the filter, whatever the recall; no context twice.
          expect(new Set(ids(hits)).size).toBe(hits.length);
          for (const h of hits) expect(passes(points.find((p) => p.id === h.id)!, filter)).toBe(true);
          if (traits.approximate) {
            const truthIds = new Set(truth.map((t) => t.id));
            found += hits.filter((h) => truthIds.has(h.id)).length;
            wanted += truth.length;
          } else {
            expect(ids(hits)).toEqual(truth.map((t) => t.id));
            hits.forEach((h, i) => expect(h.score).toBeCloseTo(truth[i].s, 4));
          }
        }
        if (traits.approximate) expect(found / wanted).toBeGreaterThanOrEqual(0.9);
      });

      it("rejects bad input with INVALID_ARGUMENT and writes nothing", async () => {
        await index.upsert([point("S", "ok", vec(1))]);
        const short = new Float32Array(DIM - 1).fill(0.1);
        await expectCode(index.upsert([point("S", "b", vec(0, 1)), point("S", "c", short)]), "INVALID_ARGUMENT", /points\[1\]\.vector.*dimensions/);
        const nan = vec(1);
        nan[2] = Number.NaN;
        await expectCode(index.upsert([point("S", "d", nan)]), "INVALID_ARGUMENT", /finite/);
        expect(await index.count()).toBe(1);
        await expectCode(index.search(short, { limit: 1 }), "INVALID_ARGUMENT", /vector/);
        await expectCode(index.search(vec(1), { limit: 0 }), "INVALID_ARGUMENT", /limit/);
      });

      it("init again with the same dimension is a no-op; another dimension fails clearly", async () => {
        await index.upsert([point("S", "a", vec(1))]);
        await index.init(DIM);
        expect(await index.count()).toBe(1);
        const other = subject.reopen ? subject.reopen() : index;
        try {
          await expectCode(other.init(DIM * 2), "FAILED_PRECONDITION", new RegExp(`${DIM}.*${DIM * 2}|${DIM * 2}.*${DIM}`));
        } finally {
          if (other !== index) await other.close();
        }
        // The store is untouched by the refused init.
        expect(await index.count()).toBe(1);
      });
    });
  });
}
