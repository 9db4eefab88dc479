/**
 * The fabric's embedder: an ONNX model behind a dynamic batcher. Without `modelDir` it is the
 * bundled Universal Sentence Encoder lite (converted into the cache on first use); with `modelDir`
 * it loads a sentence-transformers export from that folder.
 */
import { FabricError } from "@cache-fabric/client/api";
import type { Embedder } from "../types.js";
import { ensureBundledModel } from "./bundled-model.js";
import { DynamicBatcher } from "./dynamic-batcher.js";
import type { EmbeddingModel } from "./embedding-model.js";
import { loadSentenceTransformerModel } from "./sentence-transformer-model.js";
import { loadUseLiteModel } from "./use-lite-model.js";

export interface OnnxEmbedderOptions {
  /** Folder with `model.onnx` + `tokenizer.json` (sentence-transformers export). Absent: bundled USE-lite. */
  modelDir?: string;
  /** Cache folder for the converted bundled model (default: `$FABRIC_MODEL_CACHE` or `.cache/models/use-lite`). */
  cacheDir?: string;
  /** onnxruntime intra-op threads (default 2); inter-op threads are always 1. */
  threads?: number;
  /** How long the first text of a batch waits for others, from idle (default 2 ms). */
  batchWindowMs?: number;
  /** Most texts per model run (default 32). */
  maxBatch?: number;
  /** Most texts waiting before calls are rejected with RESOURCE_EXHAUSTED (default 1024). */
  maxQueue?: number;
}

/** An Embedder with the numbers metrics and tests need. */
export interface OnnxEmbedder extends Embedder {
  /** Texts waiting for a model run (queue depth). */
  readonly pendingCount: number;
  /** Model runs (`session.run` calls) since creation, warm-up excluded. */
  readonly runCount: number;
}

export const EMBEDDER_DEFAULTS = { threads: 2, batchWindowMs: 2, maxBatch: 32, maxQueue: 1024 } as const;

function checkInt(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw FabricError.invalid(`embedder.${name}`, `must be an integer >= ${min}, got ${value}`);
  return value;
}

/** Loads the model and returns a batching embedder over it. */
export async function createOnnxEmbedder(options: OnnxEmbedderOptions = {}): Promise<OnnxEmbedder> {
  const threads = checkInt("threads", options.threads ?? EMBEDDER_DEFAULTS.threads, 1);
  const batchWindowMs = checkInt("batchWindowMs", options.batchWindowMs ?? EMBEDDER_DEFAULTS.batchWindowMs, 0);
  const maxBatch = checkInt("maxBatch", options.maxBatch ?? EMBEDDER_DEFAULTS.maxBatch, 1);
  const maxQueue = checkInt("maxQueue", options.maxQueue ?? EMBEDDER_DEFAULTS.maxQueue, 1);

  let model: EmbeddingModel;
  if (options.modelDir) {
    model = await loadSentenceTransformerModel({ modelDir: options.modelDir, intraOpThreads: threads });
  } else {
    const bundled = await ensureBundledModel(options.cacheDir);
    model = await loadUseLiteModel({ ...bundled, intraOpThreads: threads });
  }

  const batcher = new DynamicBatcher((texts) => model.embedBatch(texts), { batchWindowMs, maxBatch, maxQueue });
  let closing: Promise<void> | undefined;
  return {
    dimension: model.dimension,
    modelId: model.modelId,
    get pendingCount() {
      return batcher.pendingCount;
    },
    get runCount() {
      return batcher.runCount;
    },
    embed(texts) {
      if (!Array.isArray(texts)) return Promise.reject(FabricError.invalid("texts", "must be an array of strings"));
      const bad = texts.findIndex((t) => typeof t !== "string");
      if (bad >= 0) return Promise.reject(FabricError.invalid(`texts[${bad}]`, "must be a string"));
      return batcher.submit(texts);
    },
    close() {
      closing ??= batcher.close().then(() => model.release());
      return closing;
    },
  };
}
