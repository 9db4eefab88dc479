/**
 * The contract between the batching embedder and a concrete ONNX model: embed one bounded batch.
 * Models know their tokenizer and tensor layout; they know nothing of queues or concurrency.
 */
import type { InferenceSession } from "onnxruntime-node";

export interface EmbeddingModel {
  /** `<name>-<short content hash>`; changes whenever the model file changes. */
  readonly modelId: string;
  /** Output vector length. */
  readonly dimension: number;
  /** Most tokens of text the model reads per text (USE-lite: 128; a BERT export: max_length − 2). */
  readonly window: number;
  /** The model's token count for `text` (no truncation); the chunker budgets windows with it. */
  countTokens(text: string): number;
  /**
   * One vector per text, in order, each of unit length. Callers keep batches bounded (the
   * embedder's `maxBatch`); one call is one `session.run`.
   */
  embedBatch(texts: readonly string[]): Promise<Float32Array[]>;
  /** Frees the native session. */
  release(): Promise<void>;
}

/**
 * Session options every model uses. Thread counts are explicit: onnxruntime's default (all cores)
 * fights with the event loop and with other sessions on a small machine. One inter-op thread since
 * these graphs are sequential anyway.
 */
export function sessionOptions(intraOpThreads: number): InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: intraOpThreads,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: "all",
    // Warnings only concern graph clean-ups onnxruntime does itself; errors still surface as throws.
    logSeverityLevel: 3,
    // Idle worker threads sleep instead of spinning: on a 2-core machine spinning burns the core the
    // event loop and gRPC need (measured: same throughput, ~1.65 instead of 2 cores busy).
    extra: { session: { intra_op: { allow_spinning: "0" } } },
  };
}

let runsInThisThread = 0;

/** Called by every model once per `session.run`: a per-thread count (each thread has its own module state). */
export function countModelRun(): number {
  return ++runsInThisThread;
}

/**
 * Model runs made on the calling thread. On the server's main thread this stays 0: the embedder
 * runs every session in worker threads (see worker-pool.ts); tests assert exactly that.
 */
export function modelRunsInThisThread(): number {
  return runsInThisThread;
}

/** Scales `v` in place to unit length (left as is when it is all zeros). */
export function normalizeInPlace(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i]! /= norm;
  return v;
}
