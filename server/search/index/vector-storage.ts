import type { VectorPayload } from "../types.js";
import { createDotKernel, type DotKernel } from "./dot-kernel.js";

/**
 * Dense, contiguous storage of the in-process index: every live vector sits in one block of floats
 * (the dot kernel's memory, see dot-kernel.ts), so an exact scan is a single linear pass with no
 * holes to skip.
 *
 * Layout of the float memory: one scratch row for the query (`queryByte`), padded to a multiple of
 * four floats, then the rows of slots 0, 1, 2, … (`rowByte(slot)`). Scoring is by byte offset, so the
 * graph and the scan never copy a vector.
 *
 * Invariants:
 * - slots `0 .. size-1` are exactly the live points; slot `s` holds `ids[s]`, `payloads[s]`,
 *   `scopes[s]` and the vector at `rowByte(s)`; `slotOf.get(ids[s]) === s`.
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
  /** slot → payload (the index's own copy; metadata has a null prototype). */
  readonly payloads: VectorPayload[] = [];
  /** slot → interned scope code (see `scopeCode`), so a scope filter is an int compare. */
  scopes: Int32Array;
  private readonly slotOf = new Map<string, number>();
  private readonly scopeCodes = new Map<string, number>();
  /** scope code → number of live points in that scope; lets a filtered search estimate selectivity. */
  private readonly scopeCounts: number[] = [];
  private count = 0;
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

  get size(): number {
    return this.count;
  }

  get capacity(): number {
    return this.slotCapacity;
  }

  slot(id: string): number {
    return this.slotOf.get(id) ?? -1;
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
   * Stores `vector` (already unit length, `dim` long) under `id`, replacing any previous vector and
   * payload of that id in place. Returns the slot and whether the id is new.
   */
  put(id: string, vector: Float32Array, payload: VectorPayload): { slot: number; created: boolean } {
    let slot = this.slotOf.get(id);
    const created = slot === undefined;
    if (slot === undefined) {
      if (this.count === this.capacity) this.grow();
      slot = this.count++;
      this.slotOf.set(id, slot);
      this.ids[slot] = id;
    } else {
      this.scopeCounts[this.scopes[slot]]--;
    }
    this.kernel.f32.set(vector, this.base + slot * this.dim);
    this.payloads[slot] = payload;
    const code = this.internScope(payload.scope);
    this.scopes[slot] = code;
    this.scopeCounts[code]++;
    return { slot, created };
  }

  /**
   * Removes `id` by moving the last slot into its place. Returns the freed slot (which now holds the
   * former last point, unless it was the last) or -1 when the id is absent. `onMove` fires before
   * this returns, so listeners never see a stale slot.
   */
  remove(id: string): number {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return -1;
    this.slotOf.delete(id);
    this.scopeCounts[this.scopes[slot]]--;
    const last = --this.count;
    if (slot !== last) {
      const movedId = this.ids[last];
      this.ids[slot] = movedId;
      this.payloads[slot] = this.payloads[last];
      this.scopes[slot] = this.scopes[last];
      const f32 = this.kernel.f32;
      f32.copyWithin(this.base + slot * this.dim, this.base + last * this.dim, this.base + (last + 1) * this.dim);
      this.slotOf.set(movedId, slot);
    }
    this.ids.length = last;
    this.payloads.length = last;
    if (slot !== last) this.onMove?.(last, slot);
    return slot;
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
    this.slotCapacity = this.initialCapacity;
    this.kernel = createDotKernel(this.base + this.slotCapacity * this.dim, this.preferSimd);
    this.scopes = new Int32Array(this.initialCapacity);
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
    this.slotCapacity = capacity;
  }
}
