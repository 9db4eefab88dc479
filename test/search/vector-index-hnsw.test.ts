import { createMemoryVectorIndex, type MemoryVectorIndex } from "../../server/search/index/memory.js";
import type { VectorFilter, VectorHit, VectorPoint } from "../../server/search/types.js";
import { point, randomUnit, rng } from "./vector-index-contract.js";

/** HNSW-specific behaviour of the in-process index: recall, deletions, rebuilds, filters, modes. */

function randomPoints(n: number, dim: number, seed: number, prefix = "k"): VectorPoint[] {
  const random = rng(seed);
  return Array.from({ length: n }, (_, i) =>
    point(["A", "B", "C", "D"][i % 4], `${prefix}${i}`, randomUnit(dim, random), { tenth: String(i % 10), hundredth: String(i % 100) }),
  );
}

async function exactIndex(dim: number, points: readonly VectorPoint[]): Promise<MemoryVectorIndex> {
  const index = createMemoryVectorIndex({ exactLimit: Number.POSITIVE_INFINITY });
  await index.init(dim);
  await index.upsert(points);
  return index;
}

function recall(truth: VectorHit[], got: VectorHit[]): [number, number] {
  const want = new Set(truth.map((h) => h.id));
  return [got.filter((h) => want.has(h.id)).length, truth.length];
}

describe("HNSW mode of the memory index", () => {
  it("reaches recall@10 ≥ 0.9 against exact search on 5,000 random 64-dim unit vectors", async () => {
    const dim = 64;
    const points = randomPoints(5_000, dim, 1);
    const exact = await exactIndex(dim, points);
    const hnsw = createMemoryVectorIndex({ exactLimit: 0 });
    await hnsw.init(dim);
    const started = performance.now();
    await hnsw.upsert(points);
    await hnsw.whenIdle();
    const buildMs = performance.now() - started;
    expect(hnsw.stats()).toMatchObject({ mode: "hnsw", points: 5_000, building: false });

    const random = rng(2);
    let found = 0;
    let wanted = 0;
    for (let q = 0; q < 50; q++) {
      const query = randomUnit(dim, random);
      const [f, w] = recall(await exact.search(query, { limit: 10 }), await hnsw.search(query, { limit: 10 }));
      found += f;
      wanted += w;
    }
    const r = found / wanted;
    console.log(`HNSW recall@10 = ${r.toFixed(3)} over 50 queries (5,000 × 64-dim random unit vectors, efSearch 100); build ${buildMs.toFixed(0)} ms`);
    expect(r).toBeGreaterThanOrEqual(0.9);
    await Promise.all([exact.close(), hnsw.close()]);
  });

  it("never returns a deleted id, and rebuilds once tombstones pile up", async () => {
    const dim = 32;
    const points = randomPoints(3_000, dim, 3);
    const index = createMemoryVectorIndex({ exactLimit: 0 });
    await index.init(dim);
    await index.upsert(points);
    await index.whenIdle();
    const deleted = new Set<string>();
    const random = rng(4);
    let maxTombstones = 0;
    for (let round = 0; round < 10; round++) {
      const batch = points.slice(round * 200, round * 200 + 200).map((p) => p.id);
      await index.delete(batch);
      batch.forEach((id) => deleted.add(id));
      maxTombstones = Math.max(maxTombstones, index.stats().tombstones);
      for (let q = 0; q < 10; q++) {
        const hits = await index.search(randomUnit(dim, random), { limit: 20 });
        expect(hits).toHaveLength(20);
        for (const h of hits) expect(deleted.has(h.id)).toBe(false);
      }
    }
    await index.whenIdle();
    expect(await index.count()).toBe(1_000);
    expect(maxTombstones).toBeGreaterThan(0);
    // Rebuilt: at most the 25% threshold of dead nodes remain after the last rebuild.
    expect(index.stats().tombstones).toBeLessThanOrEqual(0.25 * 1_000);
    // Deleted points are not found even by their own vectors.
    for (const p of points.slice(0, 2_000).filter((_, i) => i % 50 === 0)) {
      const hits = await index.search(p.vectors[0], { limit: 5 });
      expect(hits.map((h) => h.id)).not.toContain(p.id);
    }
    await index.close();
  });

  it("re-inserts replaced vectors: each point is found by its new vector", async () => {
    const dim = 32;
    const index = createMemoryVectorIndex({ exactLimit: 0 });
    await index.init(dim);
    await index.upsert(randomPoints(2_000, dim, 5));
    const replaced = randomPoints(2_000, dim, 6); // same ids, new vectors
    await index.upsert(replaced);
    await index.whenIdle();
    expect(await index.count()).toBe(2_000);
    let self = 0;
    for (const p of replaced) {
      const [top] = await index.search(p.vectors[0], { limit: 1 });
      if (top.id === p.id && top.score > 0.999) self++;
    }
    expect(self / replaced.length).toBeGreaterThanOrEqual(0.99);
    await index.close();
  });

  it("loses no write made while a background rebuild runs", async () => {
    const dim = 32;
    const initial = randomPoints(3_000, dim, 7);
    // sliceMs 1: the build yields often, so the writes below interleave with it.
    const index = createMemoryVectorIndex({ exactLimit: 0, sliceMs: 1 });
    await index.init(dim);
    await index.upsert(initial);
    expect(index.stats().building).toBe(true);
    const added = randomPoints(300, dim, 8, "new");
    const updated = randomPoints(300, dim, 9).slice(0, 300); // ids k0..k299 get new vectors
    const removed = initial.slice(2_500).map((p) => p.id);
    await index.upsert(added.slice(0, 150));
    await index.delete(removed);
    await index.upsert(updated);
    await index.upsert(added.slice(150));
    const stillBuilding = index.stats().building;
    await index.whenIdle();
    expect(index.stats()).toMatchObject({ mode: "hnsw", building: false });
    expect(await index.count()).toBe(3_000 - 500 + 300);
    const live = new Map<string, Float32Array>();
    for (const p of initial.slice(0, 2_500)) live.set(p.id, p.vectors[0]);
    for (const p of updated) live.set(p.id, p.vectors[0]);
    for (const p of added) live.set(p.id, p.vectors[0]);
    let self = 0;
    for (const [id, vector] of live) {
      const [top] = await index.search(vector, { limit: 1 });
      if (top.id === id) self++;
    }
    expect(self / live.size).toBeGreaterThanOrEqual(0.99);
    for (const id of removed.slice(0, 50)) {
      const hits = await index.search(initial.find((p) => p.id === id)!.vectors[0], { limit: 3 });
      expect(hits.map((h) => h.id)).not.toContain(id);
    }
    console.log(`writes interleaved with the background build: ${stillBuilding ? "yes" : "no (build finished first)"}`);
    await index.close();
  });

  it("answers filtered searches like exact search: selective filters exactly, broad ones with high recall", async () => {
    const dim = 32;
    const points = randomPoints(4_000, dim, 10);
    const exact = await exactIndex(dim, points);
    const hnsw = createMemoryVectorIndex({ exactLimit: 0 });
    await hnsw.init(dim);
    await hnsw.upsert(points);
    await hnsw.whenIdle();
    const random = rng(11);
    const cases: { filter: VectorFilter; exactly: boolean }[] = [
      { filter: { metadata: { hundredth: "7" } }, exactly: true }, // 40 matches: graph finds too few → exact fallback
      { filter: { scope: "B", metadata: { tenth: "3" } }, exactly: true }, // 100 matches
      { filter: { scope: "C" }, exactly: false }, // 1,000 matches: widened graph search
      { filter: { metadata: { tenth: "4" } }, exactly: false }, // 400 matches, count unknown to the index
    ];
    for (const { filter, exactly } of cases) {
      let found = 0;
      let wanted = 0;
      for (let q = 0; q < 10; q++) {
        const query = randomUnit(dim, random);
        const truth = await exact.search(query, { limit: 10, filter });
        const got = await hnsw.search(query, { limit: 10, filter });
        expect(got).toHaveLength(10);
        if (exactly) expect(got.map((h) => h.id)).toEqual(truth.map((h) => h.id));
        const [f, w] = recall(truth, got);
        found += f;
        wanted += w;
      }
      expect(found / wanted).toBeGreaterThanOrEqual(0.95);
    }
    await Promise.all([exact.close(), hnsw.close()]);
  });

  it("switches to HNSW at exactLimit and back to exact below half of it", async () => {
    const dim = 16;
    const points = randomPoints(400, dim, 12);
    const index = createMemoryVectorIndex({ exactLimit: 300 });
    await index.init(dim);
    await index.upsert(points.slice(0, 299));
    await index.whenIdle();
    expect(index.stats().mode).toBe("exact");
    await index.upsert(points.slice(299));
    await index.whenIdle();
    expect(index.stats().mode).toBe("hnsw");
    await index.delete(points.slice(0, 200).map((p) => p.id));
    await index.whenIdle();
    expect(index.stats().mode).toBe("hnsw"); // 200 left: above 150, hysteresis keeps the graph
    await index.delete(points.slice(200, 260).map((p) => p.id));
    await index.whenIdle();
    expect(index.stats()).toMatchObject({ mode: "exact", points: 140, tombstones: 0 });
    await index.close();
  });

  it("clear() during a background build cancels it and leaves a usable index", async () => {
    const dim = 32;
    const index = createMemoryVectorIndex({ exactLimit: 0, sliceMs: 1 });
    await index.init(dim);
    await index.upsert(randomPoints(3_000, dim, 13));
    expect(index.stats().building).toBe(true);
    await index.clear();
    await index.whenIdle();
    expect(index.stats()).toMatchObject({ mode: "exact", points: 0, building: false });
    const fresh = randomPoints(50, dim, 14);
    await index.upsert(fresh);
    await index.whenIdle();
    expect(index.stats().mode).toBe("hnsw");
    const [top] = await index.search(fresh[7].vectors[0], { limit: 1 });
    expect(top.id).toBe(fresh[7].id);
    await index.close();
  });
});
