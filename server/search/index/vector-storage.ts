import { boundaryPrefixes } from "../filter.js";
import type { ChunkSpan, VectorPayload } from "../types.js";
import { createDotKernel, type DotKernel } from "./dot-kernel.js";

/** What the storage keeps per context, shared by the slots of its chunks. */
export interface StoredPayload extends VectorPayload {
  /** Chunk spans when the context has more than one chunk. */
  spans?: readonly ChunkSpan[];
}

/** Key of one chunk's slot: the context id for chunk 0 (so one-chunk contexts cost no extra string). */
export function chunkKey(id: string, chunk: number): string {
  return chunk === 0 ? id : `${id}\u0000${chunk}`;
}

/**
 * Dense, contiguous storage of the in-process index: every live vector sits in one block of floats
 * (the dot kernel's memory, see dot-kernel.ts), so an exact scan is a single linear pass with no
 * holes to skip.
 *
 * Layout of the float memory: one scratch row for the query (`queryByte`), padded to a multiple of
 * four floats, then the rows of slots 0, 1, 2, … (`rowByte(slot)`). Scoring is by byte offset, so the
 * graph and the scan never copy a vector.
 *
 * A slot holds one chunk's vector; a context of n chunks has n slots (keys `chunkKey(id, 0..n-1)`),
 * sharing one payload object.
 *
 * Invariants:
 * - slots `0 .. size-1` are exactly the live chunks; slot `s` holds `ids[s]` (its context id),
 *   `chunks[s]`, `payloads[s]`, `scopes[s]` and the vector at `rowByte(s)`;
 *   `slotOf.get(chunkKey(ids[s], chunks[s])) === s`.
 * - `prefixCounts` counts live slots per (scope, boundary prefix of the key): the exact size of a
 *   scope + boundary-prefix filter, which the HNSW path uses to choose an exact scan.
 * - Capacity grows by doubling (amortised O(1) append). Delete is a swap-remove: the last slot moves
 *   into the hole, so slot numbers are not stable; whoever keeps slot numbers (the HNSW graph)
 *   subscribes to `onMove` to follow them.
 * - Vectors are stored unit length (the index normalises before `put`).
 */
export class VectorStorage {
  readonly dim: number;
  /** Byte offset of the query scratch row. */
  readonly queryByte = 0;
  /** First float of slot 0's row. */
  private readonly base: number;
  private kernel: DotKernel;
  private slotCapacity: number;
  /** slot → context id. */
  readonly ids: string[] = [];
  /** slot → chunk number within its context. */
  chunks: Int32Array;
  /** slot → payload (the index's own copy, shared by a context's chunks; metadata has a null prototype). */
  readonly payloads: StoredPayload[] = [];
  /** slot → interned scope code (see `scopeCode`), so a scope filter is an int compare. */
  scopes: Int32Array;
  private readonly slotOf = new Map<string, number>();
  private readonly scopeCodes = new Map<string, number>();
  /** scope code → number of live slots in that scope; lets a filtered search estimate selectivity. */
  private readonly scopeCounts: number[] = [];
  /** `${scopeCode}:${boundary prefix}` → live slots. */
  private readonly prefixCounts = new Map<string, number>();
  /** Chunks of each context with more than one (absent: one). */
  private readonly multi = new Map<string, number>();
  /** chunk count → contexts with that many (counts > 1), so the largest is known. */
  private readonly chunkHistogram: number[] = [];
  private count = 0;
  private contextCount = 0;
  private readonly initialCapacity: number;

  /** Called after a swap-remove moved the point in slot `from` (the old last slot) into slot `to`. */
  onMove: ((from: number, to: number) => void) | undefined;

  private readonly preferSimd: boolean;

  constructor(dim: number, options: { initialCapacity?: number; simd?: boolean } = {}) {
    this.dim = dim;
    this.base = Math.ceil(dim / 4) * 4;
    this.initialCapacity = Math.max(1, options.initialCapacity ?? 1024);
    this.preferSimd = options.simd ?? true;
    this.slotCapacity = this.initialCapacity;
    this.kernel = createDotKernel(this.base + this.slotCapacity * dim, this.preferSimd);
    this.scopes = new Int32Array(this.initialCapacity);
    this.chunks = new Int32Array(this.initialCapacity);
  }

  /** True when scoring runs in the WebAssembly SIMD kernel. */
  get simd(): boolean {
    return this.kernel.simd;
  }

  /**
   * Dot product of the `n` floats at byte offsets `a` and `b` (see `rowByte`, `queryByte`). Stable
   * until `clear()`; hot loops may keep it in a local.
   */
  get dot(): (a: number, b: number, n: number) => number {
    return this.kernel.dot;
  }

  /** Byte offset of the vector in `slot`. */
  rowByte(slot: number): number {
    return (this.base + slot * this.dim) * 4;
  }

  /** Puts a (unit) query vector into the scratch row, for `scoreQuery` / scoring at `queryByte`. */
  setQuery(vector: Float32Array): void {
    this.kernel.f32.set(vector, 0);
  }

  /** Similarity of the scratch query and the vector in `slot`. */
  scoreQuery(slot: number): number {
    return this.kernel.dot(0, (this.base + slot * this.dim) * 4, this.dim);
  }

  /** Similarity of the vectors in two slots. */
  scoreSlots(a: number, b: number): number {
    return this.kernel.dot((this.base + a * this.dim) * 4, (this.base + b * this.dim) * 4, this.dim);
  }

  /** A copy of the vector in `slot`. */
  vector(slot: number): Float32Array {
    const from = this.base + slot * this.dim;
    return this.kernel.f32.slice(from, from + this.dim);
  }

  /** Live slots (chunks). */
  get size(): number {
    return this.count;
  }

  /** Live contexts. */
  get contexts(): number {
    return this.contextCount;
  }

  /** Chunks of context `id` (0 when absent). */
  chunkCount(id: string): number {
    return this.multi.get(id) ?? (this.slotOf.has(id) ? 1 : 0);
  }

  /** The most chunks any context has (1 when none has several, 0 when empty). */
  get maxChunks(): number {
    for (let n = this.chunkHistogram.length - 1; n > 1; n--) if (this.chunkHistogram[n]! > 0) return n;
    return this.count > 0 ? 1 : 0;
  }

  /** Live slots of `scope` whose key starts with the boundary prefix `prefix`. */
  prefixCount(scope: string, prefix: string): number {
    const code = this.scopeCode(scope);
    return code < 0 ? 0 : (this.prefixCounts.get(`${code}:${prefix}`) ?? 0);
  }

  get capacity(): number {
    return this.slotCapacity;
  }

  /** Slot of chunk `chunk` of context `id`, or -1. */
  slot(id: string, chunk = 0): number {
    return this.slotOf.get(chunkKey(id, chunk)) ?? -1;
  }

  /** Interned code of a scope name, or -1 when no point was ever stored in it. */
  scopeCode(scope: string): number {
    return this.scopeCodes.get(scope) ?? -1;
  }

  /** Live points in a scope. */
  scopeCount(scope: string): number {
    const code = this.scopeCode(scope);
    return code < 0 ? 0 : this.scopeCounts[code];
  }

  /**
   * Stores chunk `chunk`'s `vector` (already unit length, `dim` long) of context `id`, replacing that
   * chunk's previous vector and payload in place. Returns the slot and whether it is new. Callers
   * set the context's chunk count with `setChunkCount` (and remove chunks beyond it).
   */
  put(id: string, chunk: number, vector: Float32Array, payload: StoredPayload): { slot: number; created: boolean } {
    const key = chunkKey(id, chunk);
    let slot = this.slotOf.get(key);
    const created = slot === undefined;
    if (slot === undefined) {
      if (this.count === this.capacity) this.grow();
      slot = this.count++;
      this.slotOf.set(key, slot);
      this.ids[slot] = id;
      this.chunks[slot] = chunk;
      if (chunk === 0) this.contextCount++;
    } else {
      this.scopeCounts[this.scopes[slot]]--;
      this.countPrefixes(this.scopes[slot], this.payloads[slot].key, -1);
    }
    this.kernel.f32.set(vector, this.base + slot * this.dim);
    this.payloads[slot] = payload;
    const code = this.internScope(payload.scope);
    this.scopes[slot] = code;
    this.scopeCounts[code]++;
    this.countPrefixes(code, payload.key, +1);
    return { slot, created };
  }

  /** Records that context `id` has `n` chunks (slots 0..n-1 must be put). */
  setChunkCount(id: string, n: number): void {
    const old = this.multi.get(id) ?? 1;
    if (old > 1) this.chunkHistogram[old]!--;
    if (n > 1) {
      this.multi.set(id, n);
      this.chunkHistogram[n] = (this.chunkHistogram[n] ?? 0) + 1;
    } else {
      this.multi.delete(id);
    }
  }

  /**
   * Removes chunk `chunk` of context `id` by moving the last slot into its place. Returns the freed
   * slot (which now holds the former last chunk, unless it was the last) or -1 when absent.
   * `onMove` fires before this returns, so listeners never see a stale slot. Removing chunk 0
   * removes the context from the count; callers remove every chunk of a context they drop.
   */
  remove(id: string, chunk = 0): number {
    const key = chunkKey(id, chunk);
    const slot = this.slotOf.get(key);
    if (slot === undefined) return -1;
    this.slotOf.delete(key);
    this.scopeCounts[this.scopes[slot]]--;
    this.countPrefixes(this.scopes[slot], this.payloads[slot].key, -1);
    if (chunk === 0) this.contextCount--;
    const last = --this.count;
    if (slot !== last) {
      const movedId = this.ids[last];
      const movedChunk = this.chunks[last];
      this.ids[slot] = movedId;
      this.chunks[slot] = movedChunk;
      this.payloads[slot] = this.payloads[last];
      this.scopes[slot] = this.scopes[last];
      const f32 = this.kernel.f32;
      f32.copyWithin(this.base + slot * this.dim, this.base + last * this.dim, this.base + (last + 1) * this.dim);
      this.slotOf.set(chunkKey(movedId, movedChunk), slot);
    }
    this.ids.length = last;
    this.payloads.length = last;
    if (slot !== last) this.onMove?.(last, slot);
    return slot;
  }

  private countPrefixes(code: number, key: string, delta: number): void {
    for (const prefix of boundaryPrefixes(key)) {
      const k = `${code}:${prefix}`;
      const n = (this.prefixCounts.get(k) ?? 0) + delta;
      if (n === 0) this.prefixCounts.delete(k);
      else this.prefixCounts.set(k, n);
    }
  }

  /**
   * Drops every point and gives the memory back (capacity returns to the initial size; a fresh
   * kernel, since WebAssembly memory cannot shrink). Functions obtained from `dot` before are stale.
   */
  clear(): void {
    this.count = 0;
    this.ids.length = 0;
    this.payloads.length = 0;
    this.slotOf.clear();
    this.scopeCodes.clear();
    this.scopeCounts.length = 0;
    this.prefixCounts.clear();
    this.multi.clear();
    this.chunkHistogram.length = 0;
    this.contextCount = 0;
    this.slotCapacity = this.initialCapacity;
    this.kernel = createDotKernel(this.base + this.slotCapacity * this.dim, this.preferSimd);
    this.scopes = new Int32Array(this.initialCapacity);
    this.chunks = new Int32Array(this.initialCapacity);
  }

  private internScope(scope: string): number {
    let code = this.scopeCodes.get(scope);
    if (code === undefined) {
      code = this.scopeCounts.length;
      this.scopeCodes.set(scope, code);
      this.scopeCounts.push(0);
    }
    return code;
  }

  private grow(): void {
    const capacity = this.slotCapacity * 2;
    this.kernel.reserve(this.base + capacity * this.dim);
    const scopes = new Int32Array(capacity);
    scopes.set(this.scopes);
    this.scopes = scopes;
    const chunks = new Int32Array(capacity);
    chunks.set(this.chunks);
    this.chunks = chunks;
    this.slotCapacity = capacity;
  }
}
