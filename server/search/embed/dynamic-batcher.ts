/**
 * Dynamic batching of concurrent embed calls. A model run costs much less per text in a batch than
 * alone, and callers (the indexer, search requests) arrive independently, so texts from all calls
 * wait in one queue and are run together.
 *
 * Invariants:
 * - At most `concurrency` batches run at a time (one per model worker): on a small machine more
 *   concurrent runs only compete for the same cores, while waiting lets the next batch grow.
 * - A batch holds at most `maxBatch` texts, so one run (and the tokenisation before it) stays short.
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

interface Request {
  results: Float32Array[];
  remaining: number;
  settled: boolean;
  resolve(v: Float32Array[]): void;
  reject(e: unknown): void;
}

interface Item {
  text: string;
  request: Request;
  index: number;
}

export class DynamicBatcher {
  private interactive: Item[] = [];
  private background: Item[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private runs = 0;

  constructor(
    private readonly runBatch: (texts: string[]) => Promise<Float32Array[]>,
    private readonly options: BatcherOptions,
  ) {}

  /** Texts waiting for a run (running batches excluded): the queue depth metric. */
  get pendingCount(): number {
    return this.interactive.length + this.background.length;
  }

  /** Model runs so far; with batching this grows slower than the number of texts. */
  get runCount(): number {
    return this.runs;
  }

  submit(texts: readonly string[], priority: EmbedPriority = "interactive"): Promise<Float32Array[]> {
    if (this.closed) return Promise.reject(new FabricError("UNAVAILABLE", "embedder is closed"));
    if (texts.length === 0) return Promise.resolve([]);
    const waiting = this.pendingCount;
    if (waiting + texts.length > this.options.maxQueue) {
      return Promise.reject(
        new FabricError(
          "RESOURCE_EXHAUSTED",
          `embedding queue is full: ${waiting} texts waiting, ${texts.length} more would exceed the limit of ${this.options.maxQueue}`,
        ),
      );
    }
    const lane = priority === "background" ? this.background : this.interactive;
    return new Promise<Float32Array[]>((resolve, reject) => {
      const request: Request = { results: new Array(texts.length), remaining: texts.length, settled: false, resolve, reject };
      texts.forEach((text, index) => lane.push({ text, request, index }));
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
    if (this.pendingCount >= this.options.maxBatch) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.options.batchWindowMs);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.inFlight.size < this.concurrency && this.pendingCount > 0 && !this.closed) {
      const batch = this.interactive.splice(0, this.options.maxBatch);
      if (batch.length < this.options.maxBatch) batch.push(...this.background.splice(0, this.options.maxBatch - batch.length));
      this.runs++;
      const run: Promise<void> = this.execute(batch).finally(() => {
        this.inFlight.delete(run);
        if (this.pendingCount > 0 && !this.closed) this.flush();
      });
      this.inFlight.add(run);
    }
  }

  private async execute(batch: Item[]): Promise<void> {
    let vectors: Float32Array[];
    try {
      vectors = await this.runBatch(batch.map((i) => i.text));
      if (vectors.length !== batch.length) throw new Error(`model returned ${vectors.length} vectors for ${batch.length} texts`);
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
      r.results[item.index] = vectors[k]!;
      if (--r.remaining === 0) {
        r.settled = true;
        r.resolve(r.results);
      }
    });
  }

  private fail(r: Request, e: unknown): void {
    if (r.settled) return;
    r.settled = true;
    r.reject(e);
  }
}
