/**
 * Vector index benchmark: build time, search latency (p50/p99) and recall@10 against exact search,
 * for the in-process index in exact and HNSW mode at 10k and 100k points of 512 dimensions (the
 * bundled USE-lite model's size), and for a real Qdrant when QDRANT_URL is set.
 *
 *   npx tsx bench/vector-index.ts            # full run (the 100k HNSW build takes a while)
 *   npx tsx bench/vector-index.ts --quick    # 10k only
 *
 * `benchSearch` is also the helper the search benchmark uses. Prints figures, asserts nothing.
 *
 * Data: "clustered" vectors imitate sentence embeddings (points scattered around 200 topic centres,
 * so true neighbours are meaningfully closer than the rest); "uniform" vectors are random directions,
 * the worst case for any graph index (in 512 dimensions every point is almost equally far from every
 * other). Queries come from the same distribution as the data but are not data points.
 */
import { createMemoryVectorIndex, type MemoryVectorIndex } from "../server/search/index/memory.js";
import { createQdrantVectorIndex } from "../server/search/index/qdrant.js";
import type { VectorIndex, VectorPoint } from "../server/search/types.js";
import { percentile } from "./lib.js";

export type BenchData = "clustered" | "uniform";

export interface BenchSearchOptions {
  /** Distribution of data and queries. Default "clustered". */
  data?: BenchData;
  /** Hits per search. Default 10 (recall is measured @limit). */
  limit?: number;
  /** Measure recall against an exact in-process scan. Default true; pointless for an exact index. */
  recall?: boolean;
  /** Points per upsert call, as the indexer batches them. Default 1,000. */
  batch?: number;
  /** Seed of the data generator: the same seed gives the same points and queries. Default 1. */
  seed?: number;
}

export interface BenchSearchResult {
  n: number;
  dim: number;
  data: BenchData;
  /** Time for all upserts to resolve. */
  upsertMs: number;
  /** Time until the index is ready to answer at full speed (for the memory index: graph built). */
  buildMs: number;
  queries: number;
  p50Ms: number;
  p99Ms: number;
  /** Mean fraction of the exact top-`limit` found, or undefined when not measured. */
  recall: number | undefined;
}

/**
 * Initialises `index` with `dim`, loads `n` generated points, then times `queries` searches one at
 * a time. With `recall` on, the same queries run against an exact in-process scan of the same data.
 */
export async function benchSearch(index: VectorIndex, dim: number, n: number, queries: number, options: BenchSearchOptions = {}): Promise<BenchSearchResult> {
  const data = options.data ?? "clustered";
  const limit = options.limit ?? 10;
  const batch = options.batch ?? 1_000;
  const generator = new VectorGenerator(dim, data, options.seed ?? 1);
  await index.init(dim);
  await index.clear();

  const started = performance.now();
  for (let i = 0; i < n; i += batch) {
    const points: VectorPoint[] = [];
    for (let j = i; j < Math.min(n, i + batch); j++) {
      points.push({ id: `BENCH/p${j}`, vectors: [generator.next()], payload: { scope: "BENCH", key: `p${j}`, metadata: {}, revision: j } });
    }
    await index.upsert(points);
  }
  const upsertMs = performance.now() - started;
  if (isMemoryIndex(index)) await index.whenIdle();
  const buildMs = performance.now() - started;

  const queryVectors = Array.from({ length: queries }, () => generator.next());
  for (const q of queryVectors.slice(0, Math.min(20, queries))) await index.search(q, { limit }); // warm-up
  const samples: number[] = [];
  const results: string[][] = [];
  for (const q of queryVectors) {
    const t0 = performance.now();
    const hits = await index.search(q, { limit });
    samples.push(performance.now() - t0);
    results.push(hits.map((h) => h.id));
  }

  let recall: number | undefined;
  if (options.recall ?? true) {
    const exact = createMemoryVectorIndex({ exactLimit: Number.POSITIVE_INFINITY });
    await exact.init(dim);
    const replay = new VectorGenerator(dim, data, options.seed ?? 1);
    for (let i = 0; i < n; i += batch) {
      const points: VectorPoint[] = [];
      for (let j = i; j < Math.min(n, i + batch); j++) {
        points.push({ id: `BENCH/p${j}`, vectors: [replay.next()], payload: { scope: "BENCH", key: `p${j}`, metadata: {}, revision: j } });
      }
      await exact.upsert(points);
    }
    let found = 0;
    let wanted = 0;
    for (let q = 0; q < queries; q++) {
      const truth = new Set((await exact.search(queryVectors[q], { limit })).map((h) => h.id));
      found += results[q].filter((id) => truth.has(id)).length;
      wanted += truth.size;
    }
    await exact.close();
    recall = wanted === 0 ? undefined : found / wanted;
  }
  return { n, dim, data, upsertMs, buildMs, queries, p50Ms: percentile(samples, 50), p99Ms: percentile(samples, 99), recall };
}

function isMemoryIndex(index: VectorIndex): index is MemoryVectorIndex {
  return typeof (index as Partial<MemoryVectorIndex>).whenIdle === "function";
}

/** Seeded generator of unit vectors (xorshift32 + Box-Muller). */
class VectorGenerator {
  private state: number;
  private readonly centres: Float32Array[] = [];

  constructor(
    private readonly dim: number,
    private readonly data: BenchData,
    seed: number,
  ) {
    this.state = seed >>> 0 || 1;
    if (data === "clustered") for (let i = 0; i < 200; i++) this.centres.push(this.gaussianUnit());
  }

  next(): Float32Array {
    if (this.data === "uniform") return this.gaussianUnit();
    // A topic centre plus noise of about the same norm: cosine to the centre ≈ 0.7, and two points
    // of one topic ≈ 0.5 — the spread of related sentences under a sentence encoder.
    const centre = this.centres[Math.floor(this.uniform() * this.centres.length)];
    const v = new Float32Array(this.dim);
    const sigma = 1 / Math.sqrt(this.dim);
    for (let i = 0; i < this.dim; i++) v[i] = centre[i] + this.gaussian() * sigma;
    return normalise(v);
  }

  private gaussianUnit(): Float32Array {
    const v = new Float32Array(this.dim);
    for (let i = 0; i < this.dim; i++) v[i] = this.gaussian();
    return normalise(v);
  }

  private uniform(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return (this.state + 1) / 4294967297;
  }

  private gaussian(): number {
    return Math.sqrt(-2 * Math.log(this.uniform())) * Math.cos(2 * Math.PI * this.uniform());
  }
}

function normalise(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  for (let i = 0; i < v.length; i++) v[i] /= n;
  return v;
}

function report(label: string, r: BenchSearchResult): void {
  const recall = r.recall === undefined ? "  exact" : r.recall.toFixed(3).padStart(7);
  console.log(
    `${label.padEnd(32)} n=${String(r.n).padStart(6)} ${r.data.padEnd(9)} build ${(r.buildMs / 1000).toFixed(1).padStart(6)} s` +
      `  search p50 ${r.p50Ms.toFixed(3).padStart(7)} ms  p99 ${r.p99Ms.toFixed(3).padStart(7)} ms  recall@10 ${recall}  (${r.queries} queries)`,
  );
}

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick");
  const dim = 512;
  const queries = 200;
  const sizes = quick ? [10_000] : [10_000, 100_000];
  console.log(`vector index benchmark: dim ${dim}, ${queries} sequential queries per row, limit 10, node ${process.version}`);
  for (const n of sizes) {
    const exact = createMemoryVectorIndex({ exactLimit: Number.POSITIVE_INFINITY });
    report("memory, exact scan", await benchSearch(exact, dim, n, queries, { recall: false }));
    await exact.close();
    for (const data of n === 10_000 ? (["clustered", "uniform"] as const) : (["clustered"] as const)) {
      const hnsw = createMemoryVectorIndex({ exactLimit: 0 });
      report("memory, HNSW (M16 efC100 ef100)", await benchSearch(hnsw, dim, n, queries, { data }));
      await hnsw.close();
    }
  }
  const url = process.env.QDRANT_URL;
  if (url) {
    const collection = `fabric_bench_${Date.now().toString(36)}`;
    const qdrant = createQdrantVectorIndex({ url, apiKey: process.env.QDRANT_API_KEY, collection, timeoutMs: 60_000 });
    report("Qdrant (real, REST)", await benchSearch(qdrant, dim, 10_000, queries));
    await qdrant.close();
    await fetch(`${url}/collections/${collection}`, { method: "DELETE", headers: process.env.QDRANT_API_KEY ? { "api-key": process.env.QDRANT_API_KEY } : {} });
    console.log(`(dropped bench collection ${collection})`);
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
