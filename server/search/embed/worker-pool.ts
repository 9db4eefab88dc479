/**
 * The embedder's model workers, seen from the main thread: N worker threads (embed-worker.ts), each
 * with its own onnxruntime session, each running one batch at a time. The main thread posts texts
 * and receives vectors; tokenising and `session.run` never touch the event loop.
 *
 * Invariants:
 * - A worker holds at most one batch. `run` hands a batch to an idle, ready worker, or waits for one
 *   while a worker is (re)starting; the dynamic batcher never has more batches in flight than there
 *   are workers, so that wait is short.
 * - A worker that dies (an uncaught error, out of memory, terminated) fails its batch with
 *   UNAVAILABLE, is replaced at once, and again after 100 ms, 200 ms, ... up to 5 s while it keeps
 *   dying before its first batch. While no worker is ready or starting, `run` fails fast with
 *   UNAVAILABLE instead of waiting for a restart that may not come.
 * - `close` waits for the batches in flight, asks each worker to release its session and exit, and
 *   resolves once every thread is gone. A worker that has not exited within 5 s (stuck inside the
 *   model) is unref'd rather than terminated: terminating a thread inside `session.run` aborts the
 *   process (see embed-worker.ts); it then ends with the process.
 */
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { FabricError } from "@cache-fabric/client/api";
import type { EmbedItem, FromWorker, ModelSpec, ToWorker, WorkerInit } from "./worker-protocol.js";

/** One embedded item: its vectors (one per chunk) and where each chunk lies in its text. */
export interface EmbeddedItem {
  vectors: Float32Array[];
  spans: Array<[number, number]>;
}

export interface WorkerPoolOptions {
  model: ModelSpec;
  /** Worker threads, each with its own session. */
  workers: number;
  /** onnxruntime intra-op threads per worker. */
  intraOpThreads: number;
  /** Niceness of the worker threads (0 = same priority as the event loop). */
  nice: number;
  /** Most model inputs per session run. */
  maxRows: number;
  /** Document chunking: most chunks per text, tokens shared by consecutive chunks. */
  chunking: { maxChunks: number; overlap?: number };
}

export interface WorkerPoolStats {
  workers: number;
  /** Workers loaded and able to take a batch. */
  ready: number;
  /** Workers running a batch now. */
  busy: number;
  /** Worker threads that exist (started and not yet exited). */
  alive: number;
  /** Workers replaced after they died. */
  restarts: number;
  /** Model runs made in the workers (as they report them). */
  runs: number;
  /** Niceness the workers actually run at (0 when lowering it was not permitted). */
  nice: number;
}

export interface WorkerPool {
  readonly modelId: string;
  readonly dimension: number;
  /** Tokens the model reads per text (its window). */
  readonly window: number;
  /** Embeds one batch in a worker; per item, its unit vectors (one per chunk). */
  run(items: readonly EmbedItem[]): Promise<EmbeddedItem[]>;
  stats(): WorkerPoolStats;
  /**
   * Makes worker `index` crash (an uncaught error, thrown as soon as it is between batches): the
   * batch it holds then fails with UNAVAILABLE and it is restarted. For tests and chaos drills;
   * resolves once the thread has exited.
   */
  crashWorker(index: number): Promise<void>;
  close(): Promise<void>;
}

const CLOSE_TIMEOUT_MS = 5_000;
const MAX_RESTART_DELAY_MS = 5_000;
/** Heap limit of a worker's JavaScript (the model's tensors are native memory, not counted here). */
const WORKER_HEAP_MB = 512;

interface Job {
  items: readonly EmbedItem[];
  resolve(v: EmbeddedItem[]): void;
  reject(e: unknown): void;
}

interface Slot {
  index: number;
  worker: Worker | undefined;
  state: "starting" | "ready" | "waiting" | "closed";
  job: (Job & { id: number }) | undefined;
  /** Consecutive deaths without a successful batch in between: drives the restart delay. */
  failures: number;
  timer: NodeJS.Timeout | undefined;
  exited: Promise<void>;
}

/** Spawns the workers and resolves once every one has loaded the model. */
export async function createWorkerPool(options: WorkerPoolOptions): Promise<WorkerPool> {
  const pool = new Pool(options);
  try {
    await pool.start();
  } catch (e) {
    await pool.close();
    throw e;
  }
  return pool;
}

class Pool implements WorkerPool {
  modelId = "";
  dimension = 0;
  window = 0;
  private readonly slots: Slot[];
  private readonly waiting: Job[] = [];
  private restarts = 0;
  private runs = 0;
  private nice = 0;
  private nextId = 1;
  private closing: Promise<void> | undefined;
  private firstLoad: { resolve(): void; reject(e: unknown): void; pending: number } | undefined;

  constructor(private readonly options: WorkerPoolOptions) {
    this.slots = Array.from({ length: options.workers }, (_, index) => ({
      index,
      worker: undefined,
      state: "waiting",
      job: undefined,
      failures: 0,
      timer: undefined,
      exited: Promise.resolve(),
    }));
  }

  start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.firstLoad = { resolve, reject, pending: this.slots.length };
      for (const slot of this.slots) this.spawn(slot);
    });
  }

  run(items: readonly EmbedItem[]): Promise<EmbeddedItem[]> {
    if (this.closing) return Promise.reject(new FabricError("UNAVAILABLE", "embedder is closed"));
    if (items.length === 0) return Promise.resolve([]);
    if (!this.slots.some((s) => s.state === "ready" || s.state === "starting")) return Promise.reject(this.down());
    return new Promise<EmbeddedItem[]>((resolve, reject) => {
      this.waiting.push({ items, resolve, reject });
      this.dispatch();
    });
  }

  stats(): WorkerPoolStats {
    return {
      workers: this.slots.length,
      ready: this.slots.filter((s) => s.state === "ready").length,
      busy: this.slots.filter((s) => s.job !== undefined).length,
      alive: this.slots.filter((s) => s.worker !== undefined).length,
      restarts: this.restarts,
      runs: this.runs,
      nice: this.nice,
    };
  }

  async crashWorker(index: number): Promise<void> {
    const slot = this.slots[index];
    if (!slot?.worker) return;
    const exited = slot.exited;
    slot.worker.postMessage({ type: "crash" } satisfies ToWorker);
    await exited;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const job of this.waiting.splice(0)) job.reject(new FabricError("UNAVAILABLE", "embedder is closed"));
      await Promise.all(this.slots.map((slot) => this.stop(slot)));
    })();
    return this.closing;
  }

  // ---- workers ------------------------------------------------------------------------------

  private spawn(slot: Slot): void {
    slot.timer = undefined;
    if (this.closing) return;
    const { model, intraOpThreads, nice, maxRows, chunking } = this.options;
    const init: WorkerInit = { model, intraOpThreads, nice, maxRows, chunking };
    const worker = startWorker(init);
    slot.worker = worker;
    slot.state = "starting";
    let exit: () => void;
    slot.exited = new Promise<void>((r) => (exit = r));
    let lastError: unknown;
    worker.on("message", (m: FromWorker) => this.onMessage(slot, worker, m));
    worker.on("error", (e) => (lastError = e));
    worker.on("exit", (code) => {
      exit();
      this.workerRuns.delete(worker);
      if (slot.worker !== worker) return;
      slot.worker = undefined;
      this.onExit(slot, code, lastError);
    });
  }

  private onMessage(slot: Slot, worker: Worker, m: FromWorker): void {
    if (slot.worker !== worker) return;
    switch (m.type) {
      case "ready":
        this.modelId = m.modelId;
        this.dimension = m.dimension;
        this.window = m.window;
        this.nice = m.nice;
        slot.state = "ready";
        this.loaded();
        this.dispatch();
        return;
      case "load-failed":
        if (this.firstLoad) {
          // The model does not load at all: start-up fails with the reason, nothing is retried.
          const first = this.firstLoad;
          this.firstLoad = undefined;
          first.reject(new Error(`embedding model failed to load: ${m.message}`));
        }
        // Nothing runs in it yet, so ending it is safe; its exit is handled like a crash.
        void worker.terminate();
        return;
      case "embedded":
      case "failed": {
        const job = slot.job;
        if (!job || job.id !== m.id) return;
        slot.job = undefined;
        if (m.type === "embedded") {
          slot.failures = 0;
          this.reportRuns(worker, m.runs);
          job.resolve(unpack(m));
        } else {
          job.reject(new Error(`embedding failed in worker ${slot.index}: ${m.message}`));
        }
        this.dispatch();
        return;
      }
      case "closed":
        return;
    }
  }

  private readonly workerRuns = new Map<Worker, number>();

  /** Workers report their cumulative run count; the pool sums the increments. */
  private reportRuns(worker: Worker, total: number): void {
    const before = this.workerRuns.get(worker) ?? 0;
    this.workerRuns.set(worker, total);
    this.runs += total - before;
  }

  private onExit(slot: Slot, code: number, error: unknown): void {
    const job = slot.job;
    slot.job = undefined;
    if (this.closing) {
      slot.state = "closed";
      job?.reject(new FabricError("UNAVAILABLE", "embedder is closed"));
      return;
    }
    // Duck-typed: the error is cloned from the worker, possibly into another realm (jest).
    const message = (error as { message?: unknown } | undefined)?.message;
    const reason = typeof message === "string" ? `: ${message}` : ` (exit code ${code})`;
    job?.reject(new FabricError("UNAVAILABLE", `embedder worker ${slot.index} stopped${reason}; it is being restarted, retry`, { cause: error }));
    if (this.firstLoad) {
      const first = this.firstLoad;
      this.firstLoad = undefined;
      first.reject(new Error(`embedder worker ${slot.index} exited while loading the model${reason}`, { cause: error }));
      slot.state = "closed";
      return;
    }
    this.restarts++;
    slot.state = "waiting";
    const delay = slot.failures === 0 ? 0 : Math.min(MAX_RESTART_DELAY_MS, 100 * 2 ** (slot.failures - 1));
    slot.failures++;
    slot.timer = setTimeout(() => this.spawn(slot), delay);
    slot.timer.unref();
    if (!this.slots.some((s) => s.state === "ready" || s.state === "starting")) {
      for (const j of this.waiting.splice(0)) j.reject(this.down());
    }
  }

  private loaded(): void {
    const first = this.firstLoad;
    if (!first) return;
    if (--first.pending === 0) {
      this.firstLoad = undefined;
      first.resolve();
    }
  }

  private dispatch(): void {
    while (this.waiting.length > 0) {
      const slot = this.slots.find((s) => s.state === "ready" && !s.job);
      if (!slot) return;
      const job = this.waiting.shift()!;
      const id = this.nextId++;
      slot.job = { ...job, id };
      const message: ToWorker = { type: "embed", id, items: job.items.slice() };
      slot.worker!.postMessage(message);
    }
  }

  private async stop(slot: Slot): Promise<void> {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = undefined;
    const worker = slot.worker;
    if (!worker) {
      slot.state = "closed";
      return;
    }
    // Answers come in order: a batch in flight is answered before `closed`.
    const exited = slot.exited;
    worker.postMessage({ type: "close" } satisfies ToWorker);
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        worker.unref();
        resolve();
      }, CLOSE_TIMEOUT_MS);
    });
    await Promise.race([exited, stuck]);
    clearTimeout(timer);
    slot.state = "closed";
  }

  private down(): FabricError {
    return new FabricError("UNAVAILABLE", "no embedder worker is running (they keep failing; see the server log); retry later");
  }
}

/** Splits a worker's flat answer into one EmbeddedItem per item. */
function unpack(m: Extract<FromWorker, { type: "embedded" }>): EmbeddedItem[] {
  const out: EmbeddedItem[] = [];
  let k = 0;
  for (const count of m.counts) {
    const item: EmbeddedItem = { vectors: [], spans: [] };
    for (let j = 0; j < count; j++, k++) {
      // A view built here, in this realm, over the transferred buffer (no copy).
      item.vectors.push(new Float32Array(m.vectors[k]!));
      item.spans.push([m.spans[2 * k]!, m.spans[2 * k + 1]!]);
    }
    out.push(item);
  }
  return out;
}

/**
 * Starts embed-worker next to this file. From compiled JavaScript that is embed-worker.js; from
 * TypeScript sources (tsx, jest) the worker first registers tsx's loader, since a worker thread
 * does not inherit the parent's.
 */
function startWorker(init: WorkerInit): Worker {
  const ext = path.extname(__filename);
  const file = path.join(__dirname, `embed-worker${ext}`);
  const options = { workerData: init, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB } };
  if (ext !== ".ts") return new Worker(file, options);
  const tsx = require.resolve("tsx/cjs/api");
  return new Worker(`require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(file)});`, { ...options, eval: true });
}
