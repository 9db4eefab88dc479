import { performance } from "node:perf_hooks";
import { FabricError } from "@cache-fabric/client/api";
import type { ChunkSpan, VectorHit, VectorIndex, VectorPayload, VectorPoint, VectorSearchOptions } from "../types.js";
import { HnswGraph, type HnswOptions } from "./hnsw.js";
import { ScoreHeap } from "./score-heap.js";
import { compileSlotFilter, type SlotFilter } from "./slot-filter.js";
import { checkDimension, checkIds, checkPoints, checkSearch, checkVector } from "./validate-input.js";
import { normalized } from "./vector-math.js";
import { type StoredPayload, VectorStorage } from "./vector-storage.js";

/** Options of the in-process index. Every default suits the bundled 512-dim model on a small host. */
export interface MemoryVectorIndexOptions {
  /**
   * Up to this many points every search is an exact scan; at or above it an HNSW graph is built (in
   * the background; searches stay exact until it is ready) and used. Default 20,000: an exact scan
   * of 20k × 512 floats takes a few milliseconds, beyond that the graph wins. 0 forces HNSW.
   * The graph is dropped again when the index shrinks below half this limit.
   */
  exactLimit?: number;
  /**
   * HNSW beam width at query time; raised to the query's `limit` when that is larger. Default 100
   * (recall@10 ≈ 0.96 on 5k random 64-dim vectors, the hardest case; ≈1.0 on clustered data).
   */
  efSearch?: number;
  /** Graph construction parameters (M, efConstruction, seed). */
  hnsw?: HnswOptions;
  /**
   * The graph is rebuilt in the background once its tombstones (deleted or replaced points) exceed
   * this fraction of the live points. Default 0.25.
   */
  rebuildRatio?: number;
  /** Long writes and graph builds yield to the event loop after this many ms of work. Default 10. */
  sliceMs?: number;
  /**
   * Score with the WebAssembly SIMD kernel when the runtime supports it (default true); false forces
   * the plain JavaScript kernel, about 6x slower at 512 dimensions. See dot-kernel.ts.
   */
  simd?: boolean;
}

/** What the index is doing; for tests, benchmarks and the metrics endpoint. */
export interface MemoryVectorIndexStats {
  mode: "exact" | "hnsw";
  /** Contexts held. */
  points: number;
  /** Vectors held (a context has one per chunk). */
  vectors: number;
  /** Dead nodes in the serving graph (0 in exact mode). */
  tombstones: number;
  /** True while a graph is being built or rebuilt in the background. */
  building: boolean;
  dimension: number | undefined;
  /** True when scoring runs in the WebAssembly SIMD kernel. */
  simd: boolean;
}

/** The in-process index, with two extras beyond `VectorIndex` for tests and benchmarks. */
export interface MemoryVectorIndex extends VectorIndex {
  /** Resolves once queued writes and any background graph build have finished. */
  whenIdle(): Promise<void>;
  stats(): MemoryVectorIndexStats;
}

const DEFAULT_EXACT_LIMIT = 20_000;

/**
 * The embedded default `VectorIndex`: vectors live in this process, in one contiguous Float32Array.
 *
 * Search is an exact cosine scan (dot product of unit vectors) while the index is small, with the
 * filter (scope, key prefix, metadata, namespaces) tested before a vector is scored. A context holds
 * one vector per chunk and scores as its best chunk: a scan keeps the best `limit × C` chunks (C =
 * the most chunks any context has), which always contain the best chunk of each of the best `limit`
 * contexts, then keeps one hit per context. From `exactLimit` vectors on, it answers from an HNSW
 * graph (M=16, efConstruction=100, efSearch=max(100, limit × C)) built and maintained in the background:
 *
 * - Writes are applied in call order (one queue); each point is applied atomically, so a search
 *   never sees half a write, and a deleted id is gone from storage and graph in the same step —
 *   no search that starts after `delete` resolves can return it.
 * - A delete or replace leaves a tombstone in the graph; past `rebuildRatio` tombstones a fresh graph
 *   is built beside the serving one (writes go to both meanwhile) and swapped in when complete.
 * - Filtered search under HNSW (as Qdrant plans it): when the filter is selective enough that an
 *   exact scan of its matches is cheaper than a widened graph search (matches ≤ 2·√(ef·n), known
 *   exactly for scope and scope + boundary-prefix filters such as a user's `user:{id}:`), it scans
 *   the filtered subset. Otherwise it searches the graph with ef widened by the inverse selectivity
 *   and keeps the hits that pass the filter; if that yields fewer than `limit` contexts (and more may
 *   exist), it falls back to the exact scan. So a filtered search never starves: results are exact
 *   whenever the filter is selective, and never short of matches that exist.
 */
export function createMemoryVectorIndex(options: MemoryVectorIndexOptions = {}): MemoryVectorIndex {
  return new MemoryIndex(options);
}

class MemoryIndex implements MemoryVectorIndex {
  private readonly exactLimit: number;
  private readonly efSearch: number;
  private readonly hnswOptions: HnswOptions;
  private readonly rebuildRatio: number;
  private readonly sliceMs: number;
  private readonly simd: boolean;

  private dimension: number | undefined;
  private storage: VectorStorage | undefined;
  /** The graph searches use; undefined in exact mode. */
  private graph: HnswGraph | undefined;
  /** A graph under construction; every write is applied to it too, so it is complete when swapped in. */
  private building: HnswGraph | undefined;
  private buildDone: Promise<void> = Promise.resolve();
  /** Tail of the write queue. */
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(options: MemoryVectorIndexOptions) {
    this.exactLimit = Math.max(0, options.exactLimit ?? DEFAULT_EXACT_LIMIT);
    this.efSearch = Math.max(1, options.efSearch ?? 100);
    this.hnswOptions = options.hnsw ?? {};
    this.rebuildRatio = options.rebuildRatio ?? 0.25;
    this.sliceMs = options.sliceMs ?? 10;
    this.simd = options.simd ?? true;
  }

  async init(dimension: number): Promise<void> {
    this.checkOpen();
    checkDimension(dimension);
    if (this.dimension === undefined) {
      this.dimension = dimension;
      this.storage = new VectorStorage(dimension, { simd: this.simd });
      this.storage.onMove = (from, to) => {
        this.graph?.moved(from, to);
        this.building?.moved(from, to);
      };
      return;
    }
    if (this.dimension !== dimension) {
      throw new FabricError(
        "FAILED_PRECONDITION",
        `vector index holds ${this.dimension}-dim vectors, cannot init with ${dimension}: the embedding model changed; re-create the index`,
      );
    }
  }

  // Methods are async so bad input surfaces as a rejected promise, never a synchronous throw.
  async upsert(points: readonly VectorPoint[]): Promise<void> {
    const storage = this.ready();
    checkPoints(points, storage.dim);
    // Copy now: the caller may reuse its arrays before the queued write runs.
    const prepared = points.map((p) => ({ id: p.id, vectors: p.vectors.map(normalized), payload: ownPayload(p.payload, p.spans) }));
    return this.enqueue(async () => {
      await this.sliced(prepared, (p) => this.applyPut(p.id, p.vectors, p.payload));
      this.maintain();
    });
  }

  async delete(ids: readonly string[]): Promise<void> {
    this.ready();
    checkIds(ids);
    const copy = ids.slice();
    return this.enqueue(async () => {
      await this.sliced(copy, (id) => this.applyDelete(id));
      this.maintain();
    });
  }

  async search(vector: Float32Array, options: VectorSearchOptions): Promise<VectorHit[]> {
    const storage = this.ready();
    checkSearch(vector, options, storage.dim);
    const filter = compileSlotFilter(storage, options.filter);
    if (filter.empty) return [];
    const query = normalized(vector);
    const minScore = options.minSimilarity ?? -Infinity;
    const found = this.graph
      ? this.graphSearch(this.graph, storage, query, filter, options.limit, minScore)
      : exactSearch(storage, query, filter, options.limit, minScore);
    return found.slots.map((slot, i) => hitOf(storage, slot, found.scores[i]));
  }

  async score(vector: Float32Array, ids: readonly string[]): Promise<VectorHit[]> {
    const storage = this.ready();
    checkVector(vector, storage.dim, "vector");
    checkIds(ids);
    storage.setQuery(normalized(vector));
    const hits: VectorHit[] = [];
    for (const id of new Set(ids)) {
      let best = -1;
      let bestScore = -Infinity;
      for (let chunk = 0, n = storage.chunkCount(id); chunk < n; chunk++) {
        const slot = storage.slot(id, chunk);
        const score = storage.scoreQuery(slot);
        if (score > bestScore) [best, bestScore] = [slot, score];
      }
      if (best >= 0) hits.push(hitOf(storage, best, bestScore));
    }
    return hits;
  }

  async revisions(ids: readonly string[]): Promise<Map<string, number>> {
    const storage = this.ready();
    checkIds(ids);
    const out = new Map<string, number>();
    for (const id of ids) {
      const slot = storage.slot(id);
      if (slot >= 0) out.set(id, storage.payloads[slot].revision);
    }
    return out;
  }

  async count(): Promise<number> {
    // Counts applied writes: a caller that awaited its upsert sees it counted.
    return this.ready().contexts;
  }

  async clear(): Promise<void> {
    this.ready();
    return this.enqueue(async () => {
      this.graph = undefined;
      this.building = undefined; // cancels a running build (it checks identity)
      this.storage?.clear();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.building = undefined;
    await this.tail.catch(() => undefined);
    this.graph = undefined;
    this.storage = undefined;
  }

  async whenIdle(): Promise<void> {
    for (;;) {
      const tail = this.tail;
      const build = this.buildDone;
      await tail.catch(() => undefined);
      await build;
      if (tail === this.tail && build === this.buildDone && this.building === undefined) return;
    }
  }

  stats(): MemoryVectorIndexStats {
    return {
      mode: this.graph ? "hnsw" : "exact",
      points: this.storage?.contexts ?? 0,
      vectors: this.storage?.size ?? 0,
      tombstones: this.graph?.tombstones ?? 0,
      building: this.building !== undefined,
      dimension: this.dimension,
      simd: this.storage?.simd ?? false,
    };
  }

  // ---- writes -------------------------------------------------------------------------------

  /** Replaces every chunk of context `id`: old chunk nodes become tombstones, the new ones fresh nodes. */
  private applyPut(id: string, vectors: readonly Float32Array[], payload: StoredPayload): void {
    const storage = this.storage as VectorStorage;
    const old = storage.chunkCount(id);
    // A replaced vector is a new graph node: the old one's links were chosen for the old vector.
    for (let chunk = 0; chunk < old; chunk++) {
      const slot = storage.slot(id, chunk);
      this.graph?.detach(slot);
      this.building?.detach(slot);
    }
    for (let chunk = old - 1; chunk >= vectors.length; chunk--) storage.remove(id, chunk);
    vectors.forEach((vector, chunk) => {
      const { slot } = storage.put(id, chunk, vector, payload);
      this.graph?.insert(slot);
      this.building?.insert(slot);
    });
    storage.setChunkCount(id, vectors.length);
  }

  private applyDelete(id: string): void {
    const storage = this.storage as VectorStorage;
    const n = storage.chunkCount(id);
    // Tombstone first, then let the storage swap the last slot in (graphs follow via onMove).
    for (let chunk = n - 1; chunk >= 0; chunk--) {
      const slot = storage.slot(id, chunk);
      this.graph?.detach(slot);
      this.building?.detach(slot);
      storage.remove(id, chunk);
    }
    if (n > 0) storage.setChunkCount(id, 0);
  }

  /** Decides, after each write, whether to start, rebuild or drop the graph. */
  private maintain(): void {
    const storage = this.storage;
    if (!storage) return;
    if (this.graph && storage.size < this.exactLimit / 2) {
      this.graph = undefined;
      this.building = undefined;
      return;
    }
    if (this.building) return;
    const wantGraph = storage.size > 0 && storage.size >= this.exactLimit;
    if (!this.graph && wantGraph) this.startBuild(storage);
    else if (this.graph && this.graph.tombstones > this.rebuildRatio * Math.max(1, this.graph.size)) this.startBuild(storage);
  }

  private startBuild(storage: VectorStorage): void {
    const graph = new HnswGraph(storage, this.hnswOptions);
    this.building = graph;
    this.buildDone = this.build(storage, graph).catch((e: unknown) => {
      // A failed build leaves the serving state (exact scan or the old graph) intact.
      if (this.building === graph) this.building = undefined;
      process.emitWarning(`vector index: HNSW build failed: ${String(e)}`);
    });
  }

  /**
   * Inserts every live slot into `graph` in time slices. Writes that interleave are applied to the
   * graph by the write path; a point that a swap-remove moved into an already-visited slot is
   * caught by the final synchronous sweep, which also makes the swap atomic.
   */
  private async build(storage: VectorStorage, graph: HnswGraph): Promise<void> {
    let deadline = performance.now() + this.sliceMs;
    for (let slot = 0; slot < storage.size; slot++) {
      if (this.building !== graph) return; // cancelled by clear/close/shrink
      if (graph.nodeOf(slot) < 0) graph.insert(slot);
      if (performance.now() >= deadline) {
        await yieldToEventLoop();
        deadline = performance.now() + this.sliceMs;
      }
    }
    if (this.building !== graph) return;
    for (let slot = 0; slot < storage.size; slot++) if (graph.nodeOf(slot) < 0) graph.insert(slot);
    this.graph = graph;
    this.building = undefined;
    this.maintain();
  }

  /** Runs `apply` over `items`, yielding to the event loop between time slices. */
  private async sliced<T>(items: readonly T[], apply: (item: T) => void): Promise<void> {
    let deadline = performance.now() + this.sliceMs;
    for (const item of items) {
      if (this.closed || !this.storage) return;
      apply(item);
      if (performance.now() >= deadline) {
        await yieldToEventLoop();
        deadline = performance.now() + this.sliceMs;
      }
    }
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.tail.then(task, task);
    this.tail = run.catch(() => undefined);
    return run;
  }

  // ---- search -------------------------------------------------------------------------------

  private graphSearch(graph: HnswGraph, storage: VectorStorage, query: Float32Array, filter: SlotFilter, limit: number, minScore: number): Hits {
    const n = storage.size;
    const chunks = Math.max(1, storage.maxChunks);
    const ef = Math.max(this.efSearch, limit * chunks);
    const contexts = Math.min(limit, storage.contexts);
    if (!filter.test) {
      const top = takeTop(graph.search(query, ef), storage, limit, minScore, undefined);
      // A graph cut off by tombstones can come back short; the scan is the safety net.
      if (top.slots.length < contexts && top.complete) return exactSearch(storage, query, filter, limit, minScore);
      return top;
    }
    const m = Math.max(1, filter.maxMatches);
    if (m <= 2 * Math.sqrt(ef * n)) return exactSearch(storage, query, filter, limit, minScore);
    const widened = Math.min(n, Math.ceil((ef * n) / m * 1.5));
    const top = takeTop(graph.search(query, widened), storage, limit, minScore, filter.test);
    if (top.slots.length < limit && top.complete && !(filter.exactCount && top.matched >= filter.maxMatches)) {
      return exactSearch(storage, query, filter, limit, minScore);
    }
    return top;
  }

  // ---- guards -------------------------------------------------------------------------------

  private checkOpen(): void {
    if (this.closed) throw new FabricError("FAILED_PRECONDITION", "vector index is closed");
  }

  private ready(): VectorStorage {
    this.checkOpen();
    if (!this.storage) throw new FabricError("FAILED_PRECONDITION", "vector index: call init(dimension) first");
    return this.storage;
  }
}

interface Hits {
  slots: number[];
  scores: number[];
}

/**
 * Exact top-`limit` contexts by dot product over the slots that pass the filter; best first. The
 * heap keeps `limit × C` chunks (C = most chunks of any context): the best chunk of each of the best
 * `limit` contexts is among them, since fewer than `limit` contexts, of at most C chunks each, can
 * outrank it.
 */
function exactSearch(storage: VectorStorage, query: Float32Array, filter: SlotFilter, limit: number, minScore: number): Hits {
  const chunks = Math.max(1, storage.maxChunks);
  const keep = limit * chunks;
  const heap = new ScoreHeap("min", Math.min(keep, 1024) + 1);
  storage.setQuery(query);
  const dot = storage.dot;
  const dim = storage.dim;
  const test = filter.test;
  const n = storage.size;
  for (let slot = 0; slot < n; slot++) {
    if (test && !test(slot)) continue; // filter before scoring: the int/map check is far cheaper
    const score = dot(0, storage.rowByte(slot), dim);
    if (score < minScore) continue;
    if (heap.size < keep) heap.push(score, slot);
    else if (score > heap.peekScore()) heap.replaceTop(score, slot);
  }
  const { scores, items } = heap.drainDescending();
  return takeTop({ slots: items, scores }, storage, limit, minScore, undefined);
}

/**
 * The first `limit` contexts of `hits` (chunks, best first) that pass the filter and the score
 * floor, one hit per context (its best chunk). `complete` is false when the score floor cut the
 * list (so no more matches exist above it); `matched` counts chunks that passed the filter.
 */
function takeTop(hits: Hits, storage: VectorStorage, limit: number, minScore: number, test: ((slot: number) => boolean) | undefined): Hits & { complete: boolean; matched: number } {
  const slots: number[] = [];
  const scores: number[] = [];
  const seen = new Set<string>();
  let matched = 0;
  for (let i = 0; i < hits.slots.length && slots.length < limit; i++) {
    const score = hits.scores[i];
    if (score < minScore) return { slots, scores, complete: false, matched }; // best first: nothing after passes either
    const slot = hits.slots[i];
    if (test && !test(slot)) continue;
    matched++;
    const id = storage.ids[slot];
    if (seen.has(id)) continue;
    seen.add(id);
    slots.push(slot);
    scores.push(score);
  }
  return { slots, scores, complete: true, matched };
}

/** A hit for the chunk in `slot`. */
function hitOf(storage: VectorStorage, slot: number, score: number): VectorHit {
  const p = storage.payloads[slot];
  const chunk = storage.chunks[slot];
  const span = p.spans?.[chunk];
  return { id: storage.ids[slot], score, chunk, ...(span ? { span: [span[0], span[1]] as const } : {}), payload: publicPayload(p) };
}

/** The index's own copy of a payload; metadata gets a null prototype so lookups see own keys only. */
function ownPayload(p: VectorPayload, spans: readonly ChunkSpan[] | undefined): StoredPayload {
  const metadata = Object.assign(Object.create(null) as Record<string, string>, p.metadata);
  return { scope: p.scope, key: p.key, metadata, revision: p.revision, ...(spans && spans.length > 1 ? { spans: spans.map(([a, b]) => [a, b] as const) } : {}) };
}

/** A caller's copy of a stored payload (plain object, safe to mutate). */
function publicPayload(p: VectorPayload): VectorPayload {
  return { scope: p.scope, key: p.key, metadata: { ...p.metadata }, revision: p.revision };
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
