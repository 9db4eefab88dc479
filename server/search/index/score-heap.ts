/**
 * A binary heap of (score, item) pairs in parallel typed arrays: no object per entry, which matters
 * in the HNSW inner loop where thousands of candidates are pushed per query.
 *
 * Invariant: for a "min" heap, `scores[0]` is the lowest score held (the worst of a top-k set); for
 * a "max" heap it is the highest (the most promising candidate to expand next).
 */
export class ScoreHeap {
  private scores: Float64Array;
  private items: Int32Array;
  private n = 0;
  private readonly sign: 1 | -1;

  constructor(order: "min" | "max", initialCapacity = 64) {
    this.sign = order === "min" ? 1 : -1;
    this.scores = new Float64Array(Math.max(4, initialCapacity));
    this.items = new Int32Array(Math.max(4, initialCapacity));
  }

  get size(): number {
    return this.n;
  }

  /** Score at the top (min or max depending on order); undefined behaviour when empty. */
  peekScore(): number {
    return this.scores[0];
  }

  peekItem(): number {
    return this.items[0];
  }

  clear(): void {
    this.n = 0;
  }

  push(score: number, item: number): void {
    if (this.n === this.scores.length) this.grow();
    let i = this.n++;
    const key = this.sign * score;
    // Sift up.
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.sign * this.scores[parent] <= key) break;
      this.scores[i] = this.scores[parent];
      this.items[i] = this.items[parent];
      i = parent;
    }
    this.scores[i] = score;
    this.items[i] = item;
  }

  /** Removes the top entry; returns its item. */
  pop(): number {
    const top = this.items[0];
    const last = --this.n;
    if (last > 0) this.siftDown(this.scores[last], this.items[last]);
    return top;
  }

  /** Replaces the top entry with (score, item) in one sift: the "push then pop" of a full top-k set. */
  replaceTop(score: number, item: number): void {
    this.siftDown(score, item);
  }

  /** Drains the heap into arrays ordered best first (highest score first), leaving it empty. */
  drainDescending(): { scores: number[]; items: number[] } {
    const count = this.n;
    const scores = new Array<number>(count);
    const items = new Array<number>(count);
    if (this.sign === 1) {
      // Min heap pops worst first: fill from the back.
      for (let i = count - 1; i >= 0; i--) {
        scores[i] = this.scores[0];
        items[i] = this.pop();
      }
    } else {
      for (let i = 0; i < count; i++) {
        scores[i] = this.scores[0];
        items[i] = this.pop();
      }
    }
    return { scores, items };
  }

  private siftDown(score: number, item: number): void {
    const n = this.n;
    const key = this.sign * score;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && this.sign * this.scores[r] < this.sign * this.scores[l]) c = r;
      if (this.sign * this.scores[c] >= key) break;
      this.scores[i] = this.scores[c];
      this.items[i] = this.items[c];
      i = c;
    }
    this.scores[i] = score;
    this.items[i] = item;
  }

  private grow(): void {
    const scores = new Float64Array(this.scores.length * 2);
    scores.set(this.scores);
    const items = new Int32Array(this.items.length * 2);
    items.set(this.items);
    this.scores = scores;
    this.items = items;
  }
}
