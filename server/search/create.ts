import type { SettingValues } from "../config.js";
import { createEmbedder } from "./embed/index.js";
import { createMemoryVectorIndex } from "./index/memory.js";
import { createQdrantVectorIndex } from "./index/qdrant.js";
import type { SearchOptions } from "./search-ops.js";
import type { SEARCH_SETTINGS } from "./settings.js";

/** Loads the model and opens the vector index the settings ask for; undefined when search is off. */
export async function createSearchFromConfig(
  config: SettingValues<typeof SEARCH_SETTINGS>,
  onIndexError?: (error: unknown) => void,
): Promise<SearchOptions | undefined> {
  if (!config.search) return undefined;
  const embedder = await createEmbedder({
    modelDir: config.modelDir,
    cacheDir: config.modelCache,
    workers: config.embedWorkers,
    threads: config.embedThreads,
    nice: config.embedNice,
    batchWindowMs: config.embedBatchWindowMs,
    maxBatch: config.embedMaxBatch,
    maxQueue: config.embedMaxQueue,
    maxChunks: config.searchMaxChunks,
  });
  const index = config.qdrantUrl
    ? createQdrantVectorIndex({ url: config.qdrantUrl, apiKey: config.qdrantApiKey, collection: config.qdrantCollection, timeoutMs: config.qdrantTimeoutMs })
    : createMemoryVectorIndex({ exactLimit: config.vectorExactLimit });
  await index.init(embedder.dimension);
  return {
    embedder,
    index,
    indexKind: config.qdrantUrl ? "qdrant" : "memory",
    scopes: config.searchScopes,
    mode: config.searchHybrid ? "hybrid" : "vector",
    minSimilarity: config.searchMinSimilarity,
    textRules: config.searchText,
    ...(onIndexError ? { onIndexError } : {}),
  };
}
