import { createMemoryVectorIndex } from "../../server/search/index/memory.js";
import { describeVectorIndex } from "./vector-index-contract.js";

// The embedded default, in each of its modes. HNSW mode is forced with exactLimit 0, so every search
// goes through the graph (or its documented exact fallbacks).
describeVectorIndex("memory index, exact scan (WebAssembly SIMD kernel)", async () => ({ index: createMemoryVectorIndex() }));
describeVectorIndex("memory index, exact scan (JavaScript kernel)", async () => ({ index: createMemoryVectorIndex({ simd: false }) }));
describeVectorIndex("memory index forced into HNSW (exactLimit 0)", async () => ({ index: createMemoryVectorIndex({ exactLimit: 0 }) }), {
  approximate: true,
});
