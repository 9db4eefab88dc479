/**
 * Public entry of the embedding subsystem. `createEmbedder` is what the fabric calls at start-up;
 * `ensureBundledModel` is what `scripts/prepare-model.ts` calls to convert ahead of time (e.g. in a
 * Docker build) so the first start does not.
 */
import { type OnnxEmbedder, type OnnxEmbedderOptions, createOnnxEmbedder } from "./onnx-embedder.js";

export { ensureBundledModel, type BundledModel, BUNDLED_MODEL_DIMENSION, BUNDLED_MODEL_NAME } from "./bundled-model.js";
export { defaultBundledModelDir } from "./model-cache.js";
export { createOnnxEmbedder, EMBEDDER_DEFAULTS, type OnnxEmbedder, type OnnxEmbedderOptions } from "./onnx-embedder.js";
export { SentencePieceTokenizer, type SentencePieceVocab } from "./sentencepiece-tokenizer.js";
export { WordPieceTokenizer } from "./wordpiece-tokenizer.js";
export { modelRunsInThisThread } from "./embedding-model.js";
export type { WorkerPoolStats } from "./worker-pool.js";

/** Embedder configuration as the fabric's settings carry it; see OnnxEmbedderOptions for each field. */
export type EmbedderConfig = OnnxEmbedderOptions;

/**
 * Creates the fabric's embedder: the bundled USE-lite (512-dim) when `modelDir` is absent, else the
 * sentence-transformers export in `modelDir`. Resolves once the model is loaded and ready.
 */
export function createEmbedder(config: EmbedderConfig = {}): Promise<OnnxEmbedder> {
  return createOnnxEmbedder(config);
}
