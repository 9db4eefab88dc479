/**
 * Messages between the embedder's main-thread pool (worker-pool.ts) and its model workers
 * (embed-worker.ts). Plain structured-clone data: vectors travel as transferred ArrayBuffers, so a
 * result crosses threads without a copy.
 */

/** Which model a worker loads. Paths are resolved by the main thread before the worker starts. */
export type ModelSpec = { kind: "use-lite"; modelPath: string; vocabPath: string; modelId: string } | { kind: "sentence-transformer"; modelDir: string };

/** One text to embed: a query (one vector, the model's first window) or a document (chunked). */
export interface EmbedItem {
  text: string;
  chunk: boolean;
}

/** `workerData` of a model worker. */
export interface WorkerInit {
  model: ModelSpec;
  /** Most model inputs per `session.run`; a batch with more chunks runs in several. */
  maxRows: number;
  /** Chunking of documents (see chunker.ts): at most `maxChunks` windows, `overlap` tokens shared. */
  chunking: { maxChunks: number; overlap?: number };
  /** onnxruntime intra-op threads of this worker's session. */
  intraOpThreads: number;
  /**
   * Niceness (0..19) the worker thread takes before it creates its session; onnxruntime's own threads
   * inherit it. On Linux niceness is per thread, so the event loop keeps its priority.
   */
  nice: number;
}

export type ToWorker =
  | { type: "embed"; id: number; items: EmbedItem[] }
  | { type: "close" }
  /** Throw an uncaught error as soon as the thread is free: a real crash, for tests and drills. */
  | { type: "crash" };

export type FromWorker =
  | { type: "ready"; modelId: string; dimension: number; window: number; nice: number }
  /**
   * Item i has `counts[i]` vectors (1 for a query), in order in `vectors`; `spans` holds a
   * [start, end) pair per vector: where its chunk lies in the item's text.
   */
  | { type: "embedded"; id: number; vectors: ArrayBuffer[]; counts: number[]; spans: number[]; runs: number }
  | { type: "failed"; id: number; message: string }
  | { type: "load-failed"; message: string }
  | { type: "closed" };
