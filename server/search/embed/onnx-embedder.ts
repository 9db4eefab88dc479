/**
 * The fabric's embedder: an ONNX model in worker threads behind a dynamic batcher. Without
 * `modelDir` it is the bundled Universal Sentence Encoder lite (converted into the cache on first
 * use); with `modelDir` it loads a sentence-transformers export from that folder. Tokenising and
 * inference run in the workers (worker-pool.ts); the event loop only batches texts and receives
 * vectors, so embedding never stalls the calls the server is answering.
 */
import { FabricError } from "@cache-fabric/client/api";
import type { Embedder } from "../types.js";
import { ensureBundledModel } from "./bundled-model.js";
import { DynamicBatcher } from "./dynamic-batcher.js";
import { createWorkerPool, type WorkerPool, type WorkerPoolStats } from "./worker-pool.js";
import type { EmbedItem, ModelSpec } from "./worker-protocol.js";
import { chunkOverlap } from "./chunker.js";

export interface OnnxEmbedderOptions {
  /** Folder with `model.onnx` + `tokenizer.json` (sentence-transformers export). Absent: bundled USE-lite. */
  modelDir?: string;
  /** Cache folder for the converted bundled model (default: `$FABRIC_MODEL_CACHE` or `.cache/models/use-lite`). */
  cacheDir?: string;
  /** Model worker threads, each with its own session (default 1). */
  workers?: number;
  /** onnxruntime intra-op threads per worker (default 2); inter-op threads are always 1. */
  threads?: number;
  /**
   * Niceness of the worker threads, 0..19 (default 10): on a busy machine the event loop (serving
   * calls) wins the CPU over indexing; idle cores still go to the model. 0 disables it.
   */
  nice?: number;
  /** How long the first text of a batch waits for others, from idle (default 2 ms). */
  batchWindowMs?: number;
  /** Most texts per model run (default 32). */
  maxBatch?: number;
  /** Most texts waiting before calls are rejected with RESOURCE_EXHAUSTED (default 1024). */
  maxQueue?: number;
  /** Most chunks a document is split into (default 16); 1 embeds only its first window. */
  maxChunks?: number;
  /** Tokens consecutive chunks share (default a quarter of the model's window). */
  chunkOverlap?: number;
}

/** An Embedder with the numbers metrics and tests need. */
export interface OnnxEmbedder extends Required<Embedder> {
  /** Texts waiting for a model run (queue depth). */
  readonly pendingCount: number;
  /** Tokens of text the model reads per input; longer documents are chunked. */
  readonly window: number;
  /** Batches run (one `session.run` each, more when a batch's documents have many chunks) since creation. */
  readonly runCount: number;
  /** The workers: how many are ready, restarts, model runs they made. */
  workerStats(): WorkerPoolStats;
  /** Makes worker `index` crash (it is restarted); for tests and drills, see WorkerPool. */
  crashWorker(index: number): Promise<void>;
}

export const EMBEDDER_DEFAULTS = { workers: 1, threads: 2, nice: 10, batchWindowMs: 2, maxBatch: 32, maxQueue: 1024, maxChunks: 16 } as const;

/** English averages about 4 characters per SentencePiece/WordPiece token: enough to budget batches. */
const CHARS_PER_TOKEN = 4;

function checkInt(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw FabricError.invalid(`embedder.${name}`, `must be an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}

/** Loads the model in its workers and returns a batching embedder over them. */
export async function createOnnxEmbedder(options: OnnxEmbedderOptions = {}): Promise<OnnxEmbedder> {
  const workers = checkInt("workers", options.workers ?? EMBEDDER_DEFAULTS.workers, 1, 64);
  const threads = checkInt("threads", options.threads ?? EMBEDDER_DEFAULTS.threads, 1);
  const nice = checkInt("nice", options.nice ?? EMBEDDER_DEFAULTS.nice, 0, 19);
  const batchWindowMs = checkInt("batchWindowMs", options.batchWindowMs ?? EMBEDDER_DEFAULTS.batchWindowMs, 0);
  const maxBatch = checkInt("maxBatch", options.maxBatch ?? EMBEDDER_DEFAULTS.maxBatch, 1);
  const maxQueue = checkInt("maxQueue", options.maxQueue ?? EMBEDDER_DEFAULTS.maxQueue, 1);
  const maxChunks = checkInt("maxChunks", options.maxChunks ?? EMBEDDER_DEFAULTS.maxChunks, 1, 1024);
  const overlap = options.chunkOverlap === undefined ? undefined : checkInt("chunkOverlap", options.chunkOverlap, 0, 4096);

  let model: ModelSpec;
  if (options.modelDir) {
    model = { kind: "sentence-transformer", modelDir: options.modelDir };
  } else {
    // Converting (first start only, well under a second) happens here, before anything is served.
    const bundled = await ensureBundledModel(options.cacheDir);
    model = { kind: "use-lite", modelPath: bundled.modelPath, vocabPath: bundled.vocabPath, modelId: bundled.modelId };
  }
  const pool: WorkerPool = await createWorkerPool({
    model, workers, intraOpThreads: threads, nice, maxRows: maxBatch,
    chunking: { maxChunks, ...(overlap === undefined ? {} : { overlap }) },
  });
  // A document costs about as many model inputs as it will have chunks (estimated from its length).
  const window = pool.window;
  const step = Math.max(1, window - chunkOverlap(window, overlap));
  const costOf = (item: EmbedItem) =>
    item.chunk ? Math.min(maxChunks, 1 + Math.max(0, Math.ceil((item.text.length / CHARS_PER_TOKEN - window) / step))) : 1;
  const batcher = new DynamicBatcher((items: EmbedItem[]) => pool.run(items), { batchWindowMs, maxBatch, maxQueue, concurrency: workers }, costOf);
  const validate = (texts: readonly string[]): FabricError | undefined => {
    if (!Array.isArray(texts)) return FabricError.invalid("texts", "must be an array of strings");
    const bad = texts.findIndex((t) => typeof t !== "string");
    return bad >= 0 ? FabricError.invalid(`texts[${bad}]`, "must be a string") : undefined;
  };
  let closing: Promise<void> | undefined;
  return {
    dimension: pool.dimension,
    modelId: pool.modelId,
    window,
    get pendingCount() {
      return batcher.pendingCount;
    },
    get runCount() {
      return batcher.runCount;
    },
    workerStats: () => pool.stats(),
    crashWorker: (index) => pool.crashWorker(index),
    async embed(texts, embedOptions) {
      const bad = validate(texts);
      if (bad) throw bad;
      const done = await batcher.submit(texts.map((text) => ({ text, chunk: false })), embedOptions?.priority);
      return done.map((d) => d.vectors[0]!);
    },
    async embedDocuments(texts, embedOptions) {
      const bad = validate(texts);
      if (bad) throw bad;
      return batcher.submit(texts.map((text) => ({ text, chunk: true })), embedOptions?.priority);
    },
    close() {
      closing ??= batcher.close().then(() => pool.close());
      return closing;
    },
  };
}
