/**
 * Contracts of the semantic-search subsystem. The embedder turns text into unit vectors; a vector
 * index stores them by context id and answers nearest-neighbour queries. Both are owned by the
 * fabric process: the indexer (server/search/indexer.ts) feeds the index from the store's change feed.
 */

/** Turns text into L2-normalised vectors of a fixed dimension. */
export interface Embedder {
  /** Vector dimension; follows the model (512 for the bundled USE-lite, 384 for all-MiniLM-L6-v2). */
  readonly dimension: number;
  /** A stable id of the model (name + content hash), stored beside vectors so a model change forces a re-index. */
  readonly modelId: string;
  /**
   * Embeds each text; the result has one unit vector per input, in order. `priority: "background"`
   * (indexing) yields to interactive calls (search queries) waiting at the same time.
   */
  embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]>;
  /**
   * Embeds documents: a text longer than the model's window is split into overlapping chunks,
   * each embedded (see embed/chunker.ts). Absent: the indexer embeds each text as one chunk.
   */
  embedDocuments?(texts: readonly string[], options?: EmbedOptions): Promise<DocumentVectors[]>;
  close(): Promise<void>;
}

/** A document's vectors, one per chunk, with where each chunk lies in its text ([start, end)). */
export interface DocumentVectors {
  vectors: Float32Array[];
  spans: Array<[number, number]>;
}

export interface EmbedOptions {
  /** Default "interactive". */
  priority?: "interactive" | "background";
}

/** What a context's vectors carry besides themselves: enough to filter and to find the context again. */
export interface VectorPayload {
  /** Context scope name, e.g. "GLOBAL". */
  scope: string;
  key: string;
  metadata: Record<string, string>;
  /** Store revision of the context these vectors were computed from. */
  revision: number;
}

/** [start, end) of a chunk in the text a context is indexed by (UTF-16 offsets). */
export type ChunkSpan = readonly [number, number];

/** One context in the index: one vector per chunk of its text. */
export interface VectorPoint {
  /** Unique id of the context: `${scope}/${key}`. */
  id: string;
  /** At least one; a context scores as its best chunk. */
  vectors: readonly Float32Array[];
  /** Where each chunk lies in the indexed text, parallel to `vectors`; absent: one chunk, the whole text. */
  spans?: readonly ChunkSpan[];
  payload: VectorPayload;
}

/** One (scope, key prefix) namespace; see VectorFilter.anyOf. */
export interface VectorNamespace {
  scope: string;
  /** Absent or "": the whole scope. */
  keyPrefix?: string;
}

/** Conditions a context must meet, all of them, checked inside the index while it searches. */
export interface VectorFilter {
  /** Only contexts of this scope. */
  scope?: string;
  /** Only keys starting with this. */
  keyPrefix?: string;
  /** Every entry must equal the context's metadata value. */
  metadata?: Record<string, string>;
  /**
   * Only contexts in at least one of these namespaces (what a caller may read, pushed into the
   * index). Absent: no such restriction; empty: nothing matches.
   */
  anyOf?: readonly VectorNamespace[];
}

export interface VectorHit {
  /** The context id. */
  id: string;
  /** Cosine similarity of the best chunk, in [-1, 1]. */
  score: number;
  /** Which chunk scored best (0 for a one-chunk context). */
  chunk: number;
  /** Where that chunk lies in the indexed text, when the context has several. */
  span?: ChunkSpan;
  payload: VectorPayload;
}

export interface VectorSearchOptions {
  /** Most contexts returned (each once, by its best chunk). */
  limit: number;
  /** Contexts whose best chunk scores below this are left out. */
  minSimilarity?: number;
  filter?: VectorFilter;
}

/** A store of vectors by id. Implementations: in-process (exact/HNSW) and Qdrant. */
export interface VectorIndex {
  /** Creates what the index needs (a Qdrant collection of `dimension`, cosine distance). Idempotent. */
  init(dimension: number): Promise<void>;
  upsert(points: readonly VectorPoint[]): Promise<void>;
  delete(ids: readonly string[]): Promise<void>;
  /** The `limit` contexts nearest to `vector` that pass the filter, best first; exact for filtered subsets the index can scan. */
  search(vector: Float32Array, options: VectorSearchOptions): Promise<VectorHit[]>;
  /**
   * The similarity of `vector` to each of `ids` the index holds (its best chunk), in no particular
   * order; absent ids are left out. Hybrid search scores lexical candidates the vector search did
   * not return with it.
   */
  score(vector: Float32Array, ids: readonly string[]): Promise<VectorHit[]>;
  /**
   * The store revision each of `ids` was embedded from, for the ids the index holds (absent ids are
   * left out). Lets a restart skip re-embedding what a persistent index already has.
   */
  revisions(ids: readonly string[]): Promise<Map<string, number>>;
  /** Contexts held (not chunks). */
  count(): Promise<number>;
  /** Removes every point. */
  clear(): Promise<void>;
  close(): Promise<void>;
}
