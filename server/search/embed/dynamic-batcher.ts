/**
 * Dynamic batching of concurrent embed calls. A model run costs much less per text in a batch than
 * alone, and callers (the indexer, search requests) arrive independently, so texts from all calls
 * wait in one queue and are run together.
 *
 * Invariants:
 * - At most `concurrency` batches run at a time (one per model worker): on a small machine more
 *   concurrent runs only compete for the same cores, while waiting lets the next batch grow.
 * - A batch costs at most `maxBatch` (a query costs 1; a document about as many model inputs as
 *   it will have chunks), so one run (and the tokenisation before it) stays short. A single item
 *   costlier than that goes alone.
 * - From idle, the first text waits at most `batchWindowMs` for company; texts that queued while
 *   every runner was busy go as soon as one is free.
 * - Two lanes: `interactive` texts (search queries) are taken before `background` ones (indexing),
 *   so a query waits for at most the batches already running, never behind a reindex's backlog.
 *   Within a lane, first come first served.
 * - At most `maxQueue` texts wait (not counting running batches), both lanes together. A call that
 *   would exceed it is rejected whole with RESOURCE_EXHAUSTED and nothing of it is queued: callers
 *   learn about overload at once instead of waiting ever longer. A single call larger than
 *   `maxQueue` is always rejected; callers with many texts send them in chunks.
 * - Every call settles: with its vectors in input order, or with the error of the first batch of its
 *   texts that failed (its remaining texts are then dropped from the queue).
 */
import { FabricError } from "@cache-fabric/client/api";

export interface BatcherOptions {
  batchWindowMs: number;
  maxBatch: number;
  maxQueue: number;
  /** Batches that may run at once (the number of model workers). Default 1. */
  concurrency?: number;
}

/** Which lane a call's texts wait in; see the invariants above. */
export type EmbedPriority = "interactive" | "background";

interface Request<O> {
  results: O[];
  remaining: number;
  settled: boolean;
  resolve(v: O[]): void;
  reject(e: unknown): void;
}

interface Item<I, O> {
  input: I;
  cost: number;
  request: Request<O>;
  index: number;
}

/** Batches inputs `I` (texts, documents) into runs that each return one `O` per input, in order. */
export class DynamicBatcher<I, O> {
  private interactive: Item<I, O>[] = [];
  private background: Item<I, O>[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private runs = 0;

  constructor(
    private readonly runBatch: (inputs: I[]) => Promise<O[]>,
    private readonly options: BatcherOptions,
    /** What one input costs against `maxBatch`; default 1. */
    private readonly costOf: (input: I) => number = () => 1,
  ) {}

  /** Texts waiting for a run (running batches excluded): the queue depth metric. */
  get pendingCount(): number {
    return this.interactive.length + this.background.length;
  }

  /** Model runs so far; with batching this grows slower than the number of texts. */
  get runCount(): number {
    return this.runs;
  }

  submit(inputs: readonly I[], priority: EmbedPriority = "interactive"): Promise<O[]> {
    if (this.closed) return Promise.reject(new FabricError("UNAVAILABLE", "embedder is closed"));
    if (inputs.length === 0) return Promise.resolve([]);
    const waiting = this.pendingCount;
    if (waiting + inputs.length > this.options.maxQueue) {
      return Promise.reject(
        new FabricError(
          "RESOURCE_EXHAUSTED",
          `embedding queue is full: ${waiting} texts waiting, ${inputs.length} more would exceed the limit of ${this.options.maxQueue}`,
        ),
      );
    }
    const lane = priority === "background" ? this.background : this.interactive;
    return new Promise<O[]>((resolve, reject) => {
      const request: Request<O> = { results: new Array(inputs.length), remaining: inputs.length, settled: false, resolve, reject };
      inputs.forEach((input, index) => lane.push({ input, cost: Math.max(1, this.costOf(input)), request, index }));
      this.schedule();
    });
  }

  /** Rejects everything still queued, waits for the running batch, and refuses new calls. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const dropped = [...this.interactive, ...this.background];
    this.interactive = [];
    this.background = [];
    for (const item of dropped) this.fail(item.request, new FabricError("UNAVAILABLE", "embedder is closed"));
    await Promise.all(this.inFlight);
  }

  private get concurrency(): number {
    return Math.max(1, this.options.concurrency ?? 1);
  }

  private schedule(): void {
    if (this.inFlight.size >= this.concurrency) return; // a finishing batch starts the next one
    if (this.pendingCost() >= this.options.maxBatch) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.options.batchWindowMs);
  }

  /** Cost waiting, counted only up to `maxBatch` (all `schedule` needs to know). */
  private pendingCost(): number {
    let cost = 0;
    for (const lane of [this.interactive, this.background]) {
      for (const item of lane) {
        cost += item.cost;
        if (cost >= this.options.maxBatch) return cost;
      }
    }
    return cost;
  }

  /** Takes items from the front of `lane` while the batch's cost stays within `maxBatch` (at least one item per batch). */
  private take(lane: Item<I, O>[], batch: Item<I, O>[], cost: number): number {
    let n = 0;
    while (n < lane.length && (batch.length + n === 0 || cost + lane[n].cost <= this.options.maxBatch)) cost += lane[n++].cost;
    batch.push(...lane.splice(0, n));
    return cost;
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.inFlight.size < this.concurrency && this.pendingCount > 0 && !this.closed) {
      const batch: Item<I, O>[] = [];
      this.take(this.background, batch, this.take(this.interactive, batch, 0));
      this.runs++;
      const run: Promise<void> = this.execute(batch).finally(() => {
        this.inFlight.delete(run);
        if (this.pendingCount > 0 && !this.closed) this.flush();
      });
      this.inFlight.add(run);
    }
  }

  private async execute(batch: Item<I, O>[]): Promise<void> {
    let outputs: O[];
    try {
      outputs = await this.runBatch(batch.map((i) => i.input));
      if (outputs.length !== batch.length) throw new Error(`model returned ${outputs.length} results for ${batch.length} inputs`);
    } catch (e) {
      const failed = new Set(batch.map((i) => i.request));
      for (const r of failed) this.fail(r, e);
      this.interactive = this.interactive.filter((i) => !failed.has(i.request));
      this.background = this.background.filter((i) => !failed.has(i.request));
      return;
    }
    batch.forEach((item, k) => {
      const r = item.request;
      if (r.settled) return;
      r.results[item.index] = outputs[k]!;
      if (--r.remaining === 0) {
        r.settled = true;
        r.resolve(r.results);
      }
    });
  }

  private fail(r: Request<O>, e: unknown): void {
    if (r.settled) return;
    r.settled = true;
    r.reject(e);
  }
}
