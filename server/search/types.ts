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
  close(): Promise<void>;
}

export interface EmbedOptions {
  /** Default "interactive". */
  priority?: "interactive" | "background";
}

/** What a vector carries besides itself: enough to filter and to find the context again. */
export interface VectorPayload {
  /** Context scope name, e.g. "GLOBAL". */
  scope: string;
  key: string;
  metadata: Record<string, string>;
  /** Store revision of the context this vector was computed from. */
  revision: number;
}

export interface VectorPoint {
  /** Unique id of the context: `${scope}/${key}`. */
  id: string;
  vector: Float32Array;
  payload: VectorPayload;
}

export interface VectorFilter {
  /** Only points of this scope. */
  scope?: string;
  /** Every entry must equal the point's metadata value. */
  metadata?: Record<string, string>;
}

export interface VectorHit {
  id: string;
  /** Cosine similarity in [-1, 1]. */
  score: number;
  payload: VectorPayload;
}

export interface VectorSearchOptions {
  limit: number;
  /** Hits below this similarity are left out. */
  minSimilarity?: number;
  filter?: VectorFilter;
}

/** A store of vectors by id. Implementations: in-process (exact/HNSW) and Qdrant. */
export interface VectorIndex {
  /** Creates what the index needs (a Qdrant collection of `dimension`, cosine distance). Idempotent. */
  init(dimension: number): Promise<void>;
  upsert(points: readonly VectorPoint[]): Promise<void>;
  delete(ids: readonly string[]): Promise<void>;
  search(vector: Float32Array, options: VectorSearchOptions): Promise<VectorHit[]>;
  /**
   * The store revision each of `ids` was embedded from, for the ids the index holds (absent ids are
   * left out). Lets a restart skip re-embedding what a persistent index already has.
   */
  revisions(ids: readonly string[]): Promise<Map<string, number>>;
  count(): Promise<number>;
  /** Removes every point. */
  clear(): Promise<void>;
  close(): Promise<void>;
}
