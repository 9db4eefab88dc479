/**
 * The vector indexes behind semantic search: the in-process index (the embedded default) and the
 * Qdrant adapter (production). Both implement `VectorIndex` from ../types.ts and pass the same
 * contract suite (test/search/vector-index-contract.ts).
 */
export { createMemoryVectorIndex, type MemoryVectorIndex, type MemoryVectorIndexOptions, type MemoryVectorIndexStats } from "./memory.js";
export { createQdrantVectorIndex, type QdrantVectorIndexOptions } from "./qdrant.js";
export type { HnswOptions } from "./hnsw.js";
