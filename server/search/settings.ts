import { SCOPES, type Scope } from "@cache-fabric/client/api";
import { ConfigError, parsers, type Setting } from "../config.js";
import { DEFAULT_MIN_SIMILARITY } from "./search-ops.js";
import { createTextExtractor, type TextRule } from "./text.js";

const similarity = (raw: string, name: string): number => {
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n) || n < -1 || n > 1) throw new ConfigError(`${name}: must be a number from -1 to 1 (got "${raw}")`);
  return n;
};

/** A JSON list of text rules (see text.ts), checked at start-up. */
const textRules = (raw: string, name: string): TextRule[] => {
  let rules: unknown;
  try {
    rules = JSON.parse(raw);
  } catch (e) {
    throw new ConfigError(`${name}: must be a JSON list of rules, e.g. [{"scope":"EXECUTION","keys":"execution:*","fields":["input","output"]}] (${(e as Error).message})`);
  }
  if (!Array.isArray(rules)) throw new ConfigError(`${name}: must be a JSON list of rules`);
  rules.forEach((r, i) => {
    const at = `${name}[${i}]`;
    if (r === null || typeof r !== "object" || typeof r.keys !== "string") throw new ConfigError(`${at}: needs "keys" (a glob)`);
    if (r.scope !== undefined && !(SCOPES as readonly string[]).includes(r.scope)) throw new ConfigError(`${at}.scope: unknown scope "${r.scope}"`);
    if (r.fields !== undefined && (!Array.isArray(r.fields) || !r.fields.every((f: unknown) => typeof f === "string"))) throw new ConfigError(`${at}.fields: must be a list of dot paths`);
    if (r.skip !== undefined && typeof r.skip !== "boolean") throw new ConfigError(`${at}.skip: must be true or false`);
  });
  try {
    createTextExtractor(rules as TextRule[]);
  } catch (e) {
    throw new ConfigError(`${name}: ${(e as Error).message}`);
  }
  return rules as TextRule[];
};

const scopeList = (raw: string, name: string): Scope[] => {
  const list = raw.split(",").map((s) => s.trim().toUpperCase()).filter(Boolean);
  for (const s of list) if (!(SCOPES as readonly string[]).includes(s)) throw new ConfigError(`${name}: unknown scope "${s}" (scopes: ${SCOPES.join(", ")})`);
  if (list.length === 0) throw new ConfigError(`${name}: name at least one scope (or set FABRIC_SEARCH=off)`);
  return list as Scope[];
};

/** Semantic search settings: the model, the index, what is indexed. */
export const SEARCH_SETTINGS = {
  search: {
    env: "FABRIC_SEARCH",
    flag: "search",
    description: "Semantic search on or off (off: Search answers UNIMPLEMENTED and no model is loaded).",
    default: true,
    parse: parsers.bool,
  },
  searchScopes: {
    env: "FABRIC_SEARCH_SCOPES",
    flag: "search-scopes",
    description: "Scopes whose contexts are embedded and searchable, comma-separated.",
    default: ["GLOBAL", "USER"] as Scope[],
    parse: scopeList,
  },
  modelDir: {
    env: "FABRIC_MODEL_DIR",
    flag: "model-dir",
    description: "Folder of a sentence-transformers ONNX export (`model.onnx` + `tokenizer.json`); empty: the bundled USE-lite model.",
    default: undefined as string | undefined,
    parse: parsers.optional(parsers.string),
  },
  modelCache: {
    env: "FABRIC_MODEL_CACHE",
    flag: "model-cache",
    description: "Where the bundled model is converted to ONNX on first start (hash-checked); default `.cache/models/use-lite`.",
    default: undefined as string | undefined,
    parse: parsers.optional(parsers.string),
  },
  embedWorkers: {
    env: "FABRIC_EMBED_WORKERS",
    flag: "embed-workers",
    description: "Embedder worker threads, each with its own model session; embedding never runs on the event loop. 1 suits 2 cores; about cores/2 on larger machines.",
    default: 1,
    parse: parsers.int(1, 64),
  },
  embedThreads: {
    env: "FABRIC_EMBED_THREADS",
    flag: "embed-threads",
    description: "onnxruntime intra-op threads per embedder worker.",
    default: 2,
    parse: parsers.int(1, 64),
  },
  embedNice: {
    env: "FABRIC_EMBED_NICE",
    flag: "embed-nice",
    description: "Niceness (0-19) of the embedder threads (Linux: per thread), so serving calls win the CPU over indexing on a busy machine; 0: same priority.",
    default: 10,
    parse: parsers.int(0, 19),
  },
  embedBatchWindowMs: {
    env: "FABRIC_EMBED_BATCH_WINDOW_MS",
    flag: "embed-batch-window-ms",
    description: "How long the embedder waits to batch concurrent requests.",
    default: 2,
    parse: parsers.int(0, 1000),
  },
  embedMaxBatch: {
    env: "FABRIC_EMBED_MAX_BATCH",
    flag: "embed-max-batch",
    description: "Most texts per model run.",
    default: 32,
    parse: parsers.int(1, 4096),
  },
  embedMaxQueue: {
    env: "FABRIC_EMBED_MAX_QUEUE",
    flag: "embed-max-queue",
    description: "Most texts waiting for the embedder; beyond it searches get RESOURCE_EXHAUSTED (indexing retries).",
    default: 1024,
    parse: parsers.int(1, 1_000_000),
  },
  searchHybrid: {
    env: "FABRIC_SEARCH_HYBRID",
    flag: "search-hybrid",
    description: "Hybrid ranking: the similarity raised by a lexical (BM25) match of the same texts (README \"Hybrid ranking\"); false: by similarity alone. A search may ask for either.",
    default: true,
    parse: parsers.bool,
  },
  searchMinSimilarity: {
    env: "FABRIC_SEARCH_MIN_SIMILARITY",
    flag: "search-min-similarity",
    description: "Threshold a search that sets none gets: hits whose cosine similarity is below it are left out (calibrated for the bundled model; see README). -1 keeps every hit.",
    default: DEFAULT_MIN_SIMILARITY,
    parse: similarity,
  },
  searchMaxChunks: {
    env: "FABRIC_SEARCH_MAX_CHUNKS",
    flag: "search-max-chunks",
    description: "Most chunks a long text is split into (overlapping windows of the model's length, each embedded); 1: only its first window is embedded.",
    default: 16,
    parse: parsers.int(1, 256),
  },
  searchText: {
    env: "FABRIC_SEARCH_TEXT",
    flag: "search-text",
    description: 'What text is indexed per key pattern, as a JSON list tried in order before the built-in rules, e.g. [{"scope":"USER","keys":"user:*:secrets:*","skip":true},{"scope":"GLOBAL","keys":"doc:*","fields":["title","body"]}].',
    default: undefined as TextRule[] | undefined,
    parse: parsers.optional(textRules),
  },
  vectorExactLimit: {
    env: "FABRIC_VECTOR_EXACT_LIMIT",
    flag: "vector-exact-limit",
    description: "In-process index: exact search up to this many vectors, HNSW (approximate) above.",
    default: 20_000,
    parse: parsers.int(0, 100_000_000),
  },
  qdrantUrl: {
    env: "QDRANT_URL",
    flag: "qdrant-url",
    description: "Qdrant REST endpoint (e.g. http://qdrant:6333); empty: the in-process index.",
    default: undefined as string | undefined,
    parse: parsers.optional(parsers.string),
  },
  qdrantApiKey: {
    env: "QDRANT_API_KEY",
    flag: "qdrant-api-key",
    description: "Qdrant API key, when the server requires one.",
    default: undefined as string | undefined,
    parse: parsers.optional(parsers.string),
  },
  qdrantCollection: {
    env: "QDRANT_COLLECTION",
    flag: "qdrant-collection",
    description: "Qdrant collection; created with the model's dimension and cosine distance when absent.",
    default: "cache_fabric",
    parse: parsers.string,
  },
  qdrantTimeoutMs: {
    env: "QDRANT_TIMEOUT_MS",
    flag: "qdrant-timeout-ms",
    description: "Bound on every Qdrant request; beyond it the call fails with UNAVAILABLE.",
    default: 5000,
    parse: parsers.int(100, 600_000),
  },
} satisfies Record<string, Setting<unknown>>;
