/**
 * The fabric's API in TypeScript terms. The in-process core (`createFabric`, server/core/fabric.ts)
 * and the remote `FabricClient` both implement `Fabric`, so code written against one runs against
 * the other. Shaped after the integration guide: `setContext`, `getContext`, `query`, `pipeline`, ...
 */

/** Partitions of the key space; a key is unique within its scope. */
export const SCOPES = ["GLOBAL", "EXECUTION", "FEEDBACK", "USER"] as const;
export type Scope = (typeof SCOPES)[number];

/** Any JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A stored context. */
export interface Context {
  key: string;
  scope: Scope;
  value: JsonValue;
  metadata: Record<string, string>;
  /** Store revision of the last write to this key. Revisions are store-wide and strictly increasing. */
  revision: number;
  /** Revision at which the key was created (since it last did not exist). */
  createRevision: number;
  /** Writes to this key since creation; 1 on creation. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
  /** Absent when the context does not expire. */
  expiresAt?: Date;
}

export interface ContextRef {
  key: string;
  /** Default "GLOBAL". */
  scope?: Scope;
}

export interface SetContextInput extends ContextRef {
  value: JsonValue;
  metadata?: Record<string, string>;
  /** Time to live in seconds (fractions allowed); absent means no expiry. */
  ttl?: number;
  /** Compare-and-set: write only if the current revision equals this; 0 means "only if absent". */
  ifRevision?: number;
}

export interface DeleteContextInput extends ContextRef {
  /** Compare-and-delete: delete only if the current revision equals this. */
  ifRevision?: number;
}

export interface DeleteResult {
  deleted: boolean;
  previous?: Context;
  /** Store revision after the delete. */
  revision: number;
}

export interface QueryInput {
  /** Glob over keys: `*`, `?`, `[abc]`, `\` escapes. Default `*`. */
  pattern?: string;
  /** Default "GLOBAL". */
  scope?: Scope;
  /** 1..1000, default 100. */
  limit?: number;
  /** From a previous page's `nextPageToken`. */
  pageToken?: string;
}

export interface QueryPage {
  /** Newest first. */
  contexts: Context[];
  /** Absent on the last page. */
  nextPageToken?: string;
  /** Store revision when the page was read; watch from it to follow later changes. */
  revision: number;
}

export type BatchOperation =
  | ({ op: "set" } & SetContextInput)
  | ({ op: "delete" } & DeleteContextInput);

export type BatchOperationResult = { op: "set"; context: Context } | ({ op: "delete" } & DeleteResult);

export interface BatchResult {
  results: BatchOperationResult[];
  /** Store revision after the batch. */
  revision: number;
}

/**
 * Collects writes and sends them as one atomic batch: the guide's `pipeline()`.
 *
 * @example
 * const pipe = fabric.pipeline();
 * for (let i = 0; i < 1000; i++) pipe.setContext({ key: `key:${i}`, value: { data: i } });
 * await pipe.execute();
 */
export interface Pipeline {
  setContext(input: SetContextInput): Pipeline;
  deleteContext(input: DeleteContextInput): Pipeline;
  /** Number of queued operations. */
  readonly length: number;
  /** Sends every queued operation in one call, atomically, then empties the pipeline. */
  execute(): Promise<BatchResult>;
}

export interface FabricStats {
  counts: Record<Scope, number>;
  totalCount: number;
  memoryUsageBytes: number;
  hitRate: number;
  hits: number;
  misses: number;
  avgLatencyMs: number;
  revision: number;
}

export interface CleanupInput {
  /** Delete contexts last updated strictly before this instant (Date, ISO string or epoch ms). */
  before: Date | string | number;
  /** Only this scope; default every scope. */
  scope?: Scope;
  /** Only keys matching this glob. */
  pattern?: string;
}

export interface CleanupResult {
  deleted: number;
  revision: number;
}

/** Per-call options. */
export interface CallOptions {
  /** Deadline for this call in milliseconds; the client's default otherwise. */
  timeoutMs?: number;
  /** Cancels the call. */
  signal?: AbortSignal;
}

// ---- Watch (issue 4) ----

export type WatchEventType = "PUT" | "DELETE" | "EXPIRE";

export interface WatchInput {
  /** Default "GLOBAL". */
  scope?: Scope;
  /** Exactly one of key, prefix, pattern; none means every key of the scope. */
  key?: string;
  prefix?: string;
  pattern?: string;
  /** Replay events after this revision first. 0/absent: live only. */
  startRevision?: number;
  /** Include the previous context in events. */
  prevContext?: boolean;
  /** Interval between progress notifications on an idle watch. */
  progressIntervalMs?: number;
  signal?: AbortSignal;
}

export interface WatchEvent {
  type: WatchEventType;
  /** After a PUT: the new context. After DELETE/EXPIRE: key and scope of the removed context. */
  key: string;
  scope: Scope;
  context?: Context;
  prevContext?: Context;
  revision: number;
}

/** What a watch yields: an event, or a progress mark saying every change up to `revision` was seen. */
export type WatchMessage =
  | { kind: "event"; event: WatchEvent; revision: number }
  | { kind: "progress"; revision: number };

// ---- Search (issue 5) ----

export interface SearchInput {
  query: string;
  /** Absent: every indexed scope. */
  scope?: Scope;
  /** 1..100, default 10. */
  limit?: number;
  minSimilarity?: number;
  /** Every entry must equal the context's metadata value. */
  metadata?: Record<string, string>;
  /** See writes acknowledged before this call. */
  waitForIndex?: boolean;
}

export interface SearchResult {
  context: Context;
  similarity: number;
  /** Shortcuts as in the guide: `result.value`, `result.key`. */
  key: string;
  value: JsonValue;
}

// ---- Executions and feedback (issue 6) ----

export type ExecutionStatus = "OK" | "ERROR";

export interface Execution {
  id: string;
  startedAt?: Date;
  finishedAt?: Date;
  input?: JsonValue;
  output?: JsonValue;
  latencyMs?: number;
  status?: ExecutionStatus;
  error?: string;
  promptKey?: string;
  promptRevision?: number;
  metadata?: Record<string, string>;
}

export interface ExecutionInput extends Partial<Execution> {
  /** Time to live in seconds; default the server's retention. */
  ttl?: number;
}

export interface Score {
  name: string;
  value: number;
  max: number;
}

export interface Feedback {
  executionId: string;
  timestamp?: Date;
  /** 1..5. */
  rating?: number;
  comment?: string;
  corrections?: JsonValue;
  /** Automated scores; when present this is automated feedback (`feedback:{id}:auto`). */
  scores?: Score[];
  metadata?: Record<string, string>;
}

export interface ExecutionWithFeedback {
  execution: Execution;
  feedback?: Feedback;
  automatedFeedback?: Feedback;
}

export interface ListExecutionsInput {
  promptKey?: string;
  status?: ExecutionStatus;
  since?: Date | string | number;
  until?: Date | string | number;
  limit?: number;
  pageToken?: string;
}

export interface ExecutionPage {
  executions: Execution[];
  nextPageToken?: string;
}

export interface ExecutionStatsInput {
  promptKey?: string;
  since?: Date | string | number;
  until?: Date | string | number;
}

export interface ExecutionStats {
  count: number;
  errorRate: number;
  latencyAvgMs: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
  latencyP99Ms: number;
}

export interface ExportInput {
  since?: Date | string | number;
  until?: Date | string | number;
  minRating?: number;
  hasCorrections?: boolean;
}

/** The guide's fabric, in TypeScript idiom. */
export interface Fabric {
  setContext(input: SetContextInput, options?: CallOptions): Promise<Context>;
  /** The context, or null when there is none (or it expired). */
  getContext(ref: ContextRef, options?: CallOptions): Promise<Context | null>;
  deleteContext(input: DeleteContextInput, options?: CallOptions): Promise<DeleteResult>;
  query(input: QueryInput, options?: CallOptions): Promise<QueryPage>;
  batch(operations: BatchOperation[], options?: CallOptions): Promise<BatchResult>;
  pipeline(): Pipeline;
  stats(options?: CallOptions): Promise<FabricStats>;
  /** Contexts stored, in one scope or in all. */
  countContexts(scope?: Scope, options?: CallOptions): Promise<number>;
  getMemoryUsage(options?: CallOptions): Promise<number>;
  getHitRate(options?: CallOptions): Promise<number>;
  getAvgLatency(options?: CallOptions): Promise<number>;
  cleanup(input: CleanupInput, options?: CallOptions): Promise<CleanupResult>;

  watch(input: WatchInput): AsyncIterable<WatchMessage>;

  search(input: SearchInput, options?: CallOptions): Promise<SearchResult[]>;

  recordExecution(input: ExecutionInput, options?: CallOptions): Promise<Execution>;
  recordFeedback(input: Feedback, options?: CallOptions): Promise<Feedback>;
  getExecution(id: string, options?: CallOptions): Promise<ExecutionWithFeedback | null>;
  listExecutions(input?: ListExecutionsInput, options?: CallOptions): Promise<ExecutionPage>;
  executionStats(input?: ExecutionStatsInput, options?: CallOptions): Promise<ExecutionStats>;
  exportTrainingData(input?: ExportInput, options?: CallOptions): AsyncIterable<ExecutionWithFeedback>;

  close(): Promise<void>;
}
