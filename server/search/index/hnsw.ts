import { ScoreHeap } from "./score-heap.js";
import type { VectorStorage } from "./vector-storage.js";

/** Tuning of the HNSW graph (Malkov & Yashunin, 2016). Defaults follow hnswlib's usual settings. */
export interface HnswOptions {
  /** Links per node on upper layers; layer 0 keeps up to 2·M. Default 16. */
  m?: number;
  /** Beam width while inserting: higher builds a better graph, slower. Default 100. */
  efConstruction?: number;
  /** Seed of the level generator, so a build is reproducible. Default 42. */
  seed?: number;
}

/** Result of a graph search: slots and scores, best first. */
export interface GraphHits {
  slots: number[];
  scores: number[];
}

/**
 * Hierarchical navigable small-world graph over the vectors of a `VectorStorage`. It stores links
 * only; vectors are read from the storage by slot, so the index keeps one copy of each vector.
 *
 * Nodes are numbered in insertion order and never reused. `nodeSlot[node]` is the storage slot of a
 * live node or -1 for a tombstone; `slotNode[slot]` is the inverse for live slots. The storage's
 * swap-remove moves slots, which `moved` follows.
 *
 * Deletion is by tombstone: `detach` unlinks nothing, it marks the node dead. Search never scores,
 * routes through or returns a dead node (its vector is gone from the storage), and links to dead
 * nodes are dropped whenever a neighbour list is rewritten. Routing around tombstones costs recall
 * as they accumulate, so the owner rebuilds the graph once `tombstones` passes a fraction of the
 * live nodes (see memory.ts). An update of a point is a detach plus a fresh insert.
 *
 * Similarity is the dot product (vectors are unit length, so it is the cosine); higher is closer.
 */
export class HnswGraph {
  readonly m: number;
  /** Max links on layer 0. */
  readonly m0: number;
  readonly efConstruction: number;
  private readonly levelMult: number;
  private readonly storage: VectorStorage;
  private readonly dim: number;

  private nodeSlot: Int32Array;
  private slotNode: Int32Array;
  private levels: Uint8Array;
  /** Layer-0 links: node*(m0+1) holds the count, followed by up to m0 neighbour nodes. */
  private links0: Int32Array;
  /** Layers ≥ 1: per node, a flat array of `level` blocks of (m+1): count then neighbours. */
  private readonly upper: (Int32Array | undefined)[] = [];
  private nodes = 0;
  private dead = 0;
  private entry = -1;
  private maxLevel = -1;

  /** visited[node] === visitMark ⇔ visited in the current search; a new search bumps the mark. */
  private visited: Uint32Array;
  private visitMark = 0;
  private readonly candidates = new ScoreHeap("max", 256);
  private readonly results = new ScoreHeap("min", 256);
  private rngState: number;

  constructor(storage: VectorStorage, options: HnswOptions = {}) {
    this.storage = storage;
    this.dim = storage.dim;
    this.m = Math.max(2, options.m ?? 16);
    this.m0 = 2 * this.m;
    this.efConstruction = Math.max(this.m, options.efConstruction ?? 100);
    this.levelMult = 1 / Math.log(this.m);
    this.rngState = (options.seed ?? 42) >>> 0 || 1;
    const cap = Math.max(16, storage.capacity);
    this.nodeSlot = new Int32Array(cap);
    this.levels = new Uint8Array(cap);
    this.links0 = new Int32Array(cap * (this.m0 + 1));
    this.visited = new Uint32Array(cap);
    this.slotNode = new Int32Array(cap).fill(-1);
  }

  /** Live nodes. */
  get size(): number {
    return this.nodes - this.dead;
  }

  /** Dead nodes still occupying the graph. */
  get tombstones(): number {
    return this.dead;
  }

  /** Node of a storage slot, or -1 when the slot is not in this graph. */
  nodeOf(slot: number): number {
    return slot < this.slotNode.length ? this.slotNode[slot] : -1;
  }

  /** Adds the vector in storage slot `slot` (which must not already be in the graph). */
  insert(slot: number): void {
    this.ensureSlotCapacity(slot + 1);
    if (this.slotNode[slot] >= 0) throw new Error(`hnsw: slot ${slot} is already in the graph`);
    const node = this.nodes;
    this.ensureNodeCapacity(node + 1);
    this.nodes++;
    this.nodeSlot[node] = slot;
    this.slotNode[slot] = node;
    const level = this.randomLevel();
    this.levels[node] = level;
    this.links0[node * (this.m0 + 1)] = 0;
    this.upper[node] = level > 0 ? new Int32Array(level * (this.m + 1)) : undefined;

    if (this.entry < 0) {
      this.entry = node;
      this.maxLevel = level;
      return;
    }

    const qByte = this.storage.rowByte(slot);
    let ep = this.entry;
    let epScore = this.storage.scoreSlots(slot, this.nodeSlot[ep]);
    for (let lc = this.maxLevel; lc > level; lc--) {
      [ep, epScore] = this.greedy(qByte, ep, epScore, lc);
    }
    for (let lc = Math.min(level, this.maxLevel); lc >= 0; lc--) {
      const found = this.searchLayer(qByte, ep, epScore, this.efConstruction, lc);
      const chosen = this.selectNeighbours(found.items, found.scores, this.m);
      this.setLinks(node, lc, chosen);
      for (const nb of chosen) this.addLink(nb, node, lc);
      ep = found.items[0];
      epScore = found.scores[0];
    }
    if (level > this.maxLevel) {
      this.maxLevel = level;
      this.entry = node;
    }
  }

  /** Marks the node of `slot` dead. Call before the storage frees the slot. */
  detach(slot: number): void {
    const node = this.nodeOf(slot);
    if (node < 0) return;
    this.nodeSlot[node] = -1;
    this.slotNode[slot] = -1;
    this.dead++;
    if (node === this.entry) this.pickEntry();
  }

  /** Follows the storage's swap-remove: the point in slot `from` now lives in slot `to`. */
  moved(from: number, to: number): void {
    const node = this.nodeOf(from);
    this.ensureSlotCapacity(to + 1);
    this.slotNode[from] = -1;
    this.slotNode[to] = node;
    if (node >= 0) this.nodeSlot[node] = to;
  }

  /**
   * Approximate nearest neighbours of `query` (unit length): up to `ef` live slots, best first.
   * `ef` is the beam width; a caller wanting k hits passes ef ≥ k. Uses the storage's query row.
   */
  search(query: Float32Array, ef: number): GraphHits {
    if (this.entry < 0) return { slots: [], scores: [] };
    this.storage.setQuery(query);
    const qByte = this.storage.queryByte;
    let ep = this.entry;
    let epScore = this.storage.scoreQuery(this.nodeSlot[ep]);
    for (let lc = this.maxLevel; lc > 0; lc--) {
      [ep, epScore] = this.greedy(qByte, ep, epScore, lc);
    }
    const found = this.searchLayer(qByte, ep, epScore, Math.max(1, ef), 0);
    const slots = found.items.map((node) => this.nodeSlot[node]);
    return { slots, scores: found.scores };
  }

  // ---- layer search -------------------------------------------------------------------------

  /** Greedy walk on layer `lc` towards the vector at byte offset `qByte`. */
  private greedy(qByte: number, ep: number, epScore: number, lc: number): [number, number] {
    const dot = this.storage.dot;
    const dim = this.dim;
    for (let changed = true; changed; ) {
      changed = false;
      const [links, base] = this.linksOf(ep, lc);
      const count = links[base];
      for (let i = 1; i <= count; i++) {
        const nb = links[base + i];
        const s = this.nodeSlot[nb];
        if (s < 0) continue;
        const score = dot(qByte, this.storage.rowByte(s), dim);
        if (score > epScore) {
          ep = nb;
          epScore = score;
          changed = true;
        }
      }
    }
    return [ep, epScore];
  }

  /** Beam search of width `ef` on layer `lc` for the vector at byte offset `qByte`; best first. */
  private searchLayer(qByte: number, ep: number, epScore: number, ef: number, lc: number): { items: number[]; scores: number[] } {
    const dot = this.storage.dot;
    const storage = this.storage;
    const dim = this.dim;
    const mark = this.nextMark();
    const visited = this.visited;
    const candidates = this.candidates;
    const results = this.results;
    const nodeSlot = this.nodeSlot;
    candidates.clear();
    results.clear();
    visited[ep] = mark;
    candidates.push(epScore, ep);
    results.push(epScore, ep);
    while (candidates.size > 0) {
      if (results.size >= ef && candidates.peekScore() < results.peekScore()) break;
      const c = candidates.pop();
      const [links, base] = this.linksOf(c, lc);
      const count = links[base];
      for (let i = 1; i <= count; i++) {
        const nb = links[base + i];
        if (visited[nb] === mark) continue;
        visited[nb] = mark;
        const s = nodeSlot[nb];
        if (s < 0) continue; // tombstone: no vector to score, not routed through
        const score = dot(qByte, storage.rowByte(s), dim);
        if (results.size < ef) {
          candidates.push(score, nb);
          results.push(score, nb);
        } else if (score > results.peekScore()) {
          candidates.push(score, nb);
          results.replaceTop(score, nb);
        }
      }
    }
    return results.drainDescending();
  }

  // ---- links ----------------------------------------------------------------------------------

  /** The array holding node's links on layer lc, and the offset of its (count, neighbours) block. */
  private linksOf(node: number, lc: number): [Int32Array, number] {
    if (lc === 0) return [this.links0, node * (this.m0 + 1)];
    return [this.upper[node] as Int32Array, (lc - 1) * (this.m + 1)];
  }

  private setLinks(node: number, lc: number, neighbours: readonly number[]): void {
    const [links, base] = this.linksOf(node, lc);
    links[base] = neighbours.length;
    for (let i = 0; i < neighbours.length; i++) links[base + 1 + i] = neighbours[i];
  }

  /**
   * Adds a link node → target on layer lc. When the list is full, it is rebuilt with the neighbour
   * heuristic over (live old neighbours + target), which also drops links to tombstones.
   */
  private addLink(node: number, target: number, lc: number): void {
    const max = lc === 0 ? this.m0 : this.m;
    const [links, base] = this.linksOf(node, lc);
    const count = links[base];
    if (count < max) {
      links[base + 1 + count] = target;
      links[base] = count + 1;
      return;
    }
    const slot = this.nodeSlot[node];
    const pool: { node: number; score: number }[] = [];
    for (let i = 1; i <= count; i++) {
      const nb = links[base + i];
      const s = this.nodeSlot[nb];
      if (s >= 0) pool.push({ node: nb, score: this.storage.scoreSlots(slot, s) });
    }
    pool.push({ node: target, score: this.storage.scoreSlots(slot, this.nodeSlot[target]) });
    pool.sort((a, b) => b.score - a.score);
    const chosen = this.selectNeighbours(
      pool.map((p) => p.node),
      pool.map((p) => p.score),
      max,
    );
    this.setLinks(node, lc, chosen);
  }

  /**
   * The neighbour-selection heuristic (algorithm 4 of the paper, as in hnswlib): walk candidates from
   * the closest and keep one only if it is closer to the base than to every neighbour already kept.
   * This keeps links pointing in diverse directions, which is what makes the graph navigable on
   * clustered data. Candidates come best first with their score to the base.
   */
  private selectNeighbours(items: readonly number[], scores: readonly number[], max: number): number[] {
    if (items.length <= max) return items.slice();
    const chosen: number[] = [];
    for (let i = 0; i < items.length && chosen.length < max; i++) {
      const slot = this.nodeSlot[items[i]];
      let keep = true;
      for (const c of chosen) {
        if (this.storage.scoreSlots(slot, this.nodeSlot[c]) > scores[i]) {
          keep = false;
          break;
        }
      }
      if (keep) chosen.push(items[i]);
    }
    return chosen;
  }

  // ---- bookkeeping ----------------------------------------------------------------------------

  /** Picks a live node of the highest level as the entry point (O(nodes); only when the entry dies). */
  private pickEntry(): void {
    let best = -1;
    let bestLevel = -1;
    for (let n = 0; n < this.nodes; n++) {
      if (this.nodeSlot[n] >= 0 && this.levels[n] > bestLevel) {
        best = n;
        bestLevel = this.levels[n];
      }
    }
    this.entry = best;
    this.maxLevel = bestLevel;
  }

  private randomLevel(): number {
    // xorshift32: fast, seeded, good enough for a geometric distribution of levels.
    let x = this.rngState;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rngState = x >>> 0;
    const u = (this.rngState + 1) / 4294967297; // (0, 1)
    return Math.min(31, Math.floor(-Math.log(u) * this.levelMult));
  }

  private nextMark(): number {
    if (this.visitMark === 0xffffffff) {
      this.visited.fill(0);
      this.visitMark = 0;
    }
    return ++this.visitMark;
  }

  private ensureNodeCapacity(n: number): void {
    if (n <= this.nodeSlot.length) return;
    let cap = this.nodeSlot.length;
    while (cap < n) cap *= 2;
    const nodeSlot = new Int32Array(cap);
    nodeSlot.set(this.nodeSlot);
    this.nodeSlot = nodeSlot;
    const levels = new Uint8Array(cap);
    levels.set(this.levels);
    this.levels = levels;
    const links0 = new Int32Array(cap * (this.m0 + 1));
    links0.set(this.links0);
    this.links0 = links0;
    const visited = new Uint32Array(cap);
    visited.set(this.visited);
    this.visited = visited;
  }

  private ensureSlotCapacity(n: number): void {
    if (n <= this.slotNode.length) return;
    let cap = this.slotNode.length;
    while (cap < n) cap *= 2;
    const slotNode = new Int32Array(cap).fill(-1);
    slotNode.set(this.slotNode);
    this.slotNode = slotNode;
  }
}
