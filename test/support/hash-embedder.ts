import { createHash } from "node:crypto";
import type { SearchOptions } from "../../server/search/search-ops.js";
import { createMemoryVectorIndex } from "../../server/search/index/memory.js";
import type { Embedder } from "../../server/search/types.js";

const DIMENSION = 64;

/**
 * A stand-in embedder for authorisation tests: hashed bag of words, L2-normalised. It is NOT a
 * model (it knows nothing of meaning); it lets search run end to end (indexer, real in-process
 * vector index, store re-read) in milliseconds, which is all these tests need: which contexts a
 * caller gets back, not how well they match. The real embedder has its own tests (test/search).
 */
export function hashEmbedder(): Embedder {
  return {
    dimension: DIMENSION,
    modelId: "test-hashed-bag-of-words",
    async embed(texts) {
      return texts.map((text) => {
        const v = new Float32Array(DIMENSION);
        for (const word of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
          v[createHash("sha1").update(word).digest()[0] % DIMENSION] += 1;
        }
        const norm = Math.hypot(...v) || 1;
        return v.map((x) => x / norm);
      });
    },
    async close() {},
  };
}

/** Search over the stand-in embedder and the real in-process index (GLOBAL and USER indexed). */
export async function testSearch(): Promise<SearchOptions> {
  const embedder = hashEmbedder();
  const index = createMemoryVectorIndex();
  await index.init(embedder.dimension);
  return { embedder, index, indexKind: "memory" };
}
