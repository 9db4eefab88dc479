/**
 * The fabric's API in TypeScript terms. The in-process core (`createFabric`, server/fabric.ts)
 * and the remote `FabricClient` both implement `Fabric`, so code written against one runs against
 * the other. Shaped after the integration guide: `setContext`, `getContext`, `query`, `pipeline`, ...
 */

import type { FabricError } from "./errors.js";
import type { PromptRegistry } from "./prompts.js";

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

/** What a delete did, alone or in a batch. */
export interface DeleteOutcome {
  deleted: boolean;
  /**
   * The context as it was, when one was deleted: always from `deleteContext`; in a batch only with
   * `returnValues`; never in a replayed outcome (a retry answered from its idempotency key).
   */
  previous?: Context;
  /** Store revision after the delete. */
  revision: number;
}

export interface DeleteResult extends DeleteOutcome {
  /** The identity of the store's history `revision` belongs to (see `QueryPage.storeId`). */
  storeId: string;
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
  /**
   * Newest first. A page may hold fewer than `limit` contexts when more would exceed the server's
   * page size in bytes (a little under its message limit): keep paging until `nextPageToken` is absent.
   */
  contexts: Context[];
  /** Absent on the last page. */
  nextPageToken?: string;
  /** Store revision when the page was read; watch from it (with `storeId`) to follow later changes. */
  revision: number;
  /**
   * The identity of the store's history: a random id made when it starts (a new memory store, a
   * Redis that lost or was flushed of its data, another Redis key prefix). Revisions of different
   * histories are not comparable; `watch({ startRevision, storeId })` re-reads instead of resuming
   * when the store is another.
   */
  storeId: string;
}

export type BatchOperation =
  | ({ op: "set" } & SetContextInput)
  | ({ op: "delete" } & DeleteContextInput);

export type BatchOperationResult = { op: "set"; context: Context } | ({ op: "delete" } & DeleteOutcome);

export interface BatchResult {
  /**
   * One per operation, in order. Set results are the stored contexts (over gRPC built from the
   * operation's own value and metadata and the revisions and times the server returned); delete
   * results carry `previous` only with `returnValues`.
   */
  results: BatchOperationResult[];
  /** Store revision after the batch. */
  revision: number;
  /** See `QueryPage.storeId`. */
  storeId: string;
  /** `returnValues` was asked, but the values would not fit in one response: the batch applied, `previous` is absent. */
  valuesOmitted?: boolean;
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
  execute(options?: BatchOptions): Promise<BatchResult>;
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
  /** See `QueryPage.storeId`. */
  storeId: string;
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
  /** See `QueryPage.storeId`. */
  storeId: string;
}

/** Per-call options. */
export interface CallOptions {
  /** Deadline for this call in milliseconds; the client's default otherwise. */
  timeoutMs?: number;
  /** Cancels the call. */
  signal?: AbortSignal;
  /**
   * Told the store's header of a context call's answer (getContext, setContext, deleteContext,
   * query, batch, stats, cleanup): which history its revisions belong to, and the store revision
   * then. For the calls whose result has no room for it (a context, or null).
   */
  onHeader?: (header: StoreHeaderInfo) => void;
}

/** Which history an answer's revisions belong to (the wire's ResponseHeader). */
export interface StoreHeaderInfo {
  /** See `QueryPage.storeId`. */
  storeId: string;
  /** Store revision when the answer was made (after the write, for writes). */
  revision: number;
}

/** Options of a write (setContext, deleteContext, batch). */
export interface WriteOptions extends CallOptions {
  /**
   * 1..128 characters of letters, digits and `_ - . : / + =` (a UUID, say). The store remembers the
   * write's outcome under it for the server's idempotency window (FABRIC_IDEMPOTENCY_WINDOW_SECONDS),
   * atomically with the write: repeating the write with the same key returns that outcome instead of
   * writing again, on any server of the same store; the same key with another request is
   * INVALID_ARGUMENT. `FabricClient` sends a generated one when absent, so that its own retries
   * never apply a write twice.
   */
  idempotencyKey?: string;
}

export interface BatchOptions extends WriteOptions {
  /** Return the previous context of deleted keys (and, on the wire, echo set values). Default false. */
  returnValues?: boolean;
}

/**
 * The largest gRPC message a fabric server sends or receives by default (FABRIC_MAX_MESSAGE_BYTES),
 * and the largest a `FabricClient` receives by default (its `maxMessageBytes`): one figure for both
 * ends, so that no response the server sends is too large for a client left at its defaults. Pages
 * of Query and ListExecutions are cut a little below it.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

// ---- Watch (issue 4) ----

export type WatchEventType = "PUT" | "DELETE" | "EXPIRE";

/**
 * What to watch, and how. A watch follows one scope, narrowed by at most one of `key`, `keys`,
 * `prefix`, `pattern` (none: every key of the scope). Events arrive in revision order, none twice,
 * none missing.
 *
 * By default a watch is resumable: when the stream breaks (server restart, network, a watcher that
 * fell behind and was ended with ABORTED) it reconnects with capped, jittered exponential backoff
 * and resumes after the last revision it delivered; when that revision is older than the server's
 * history it re-reads the matching contexts and delivers them as a `reset`. `resume: false` gives the
 * server's raw stream instead (what the gRPC handler serves).
 *
 * @example
 * for await (const m of fabric.watch({ prefix: "router:", signal })) {
 *   if (m.kind === "event") console.log(m.event.type, m.event.key, m.event.context?.value);
 * }
 */
export interface WatchInput {
  /** Default "GLOBAL". */
  scope?: Scope;
  /** One exact key. */
  key?: string;
  /** A set of exact keys (1..1000) followed as one watch: what a prompt cache uses. */
  keys?: string[];
  /** Keys starting with this. */
  prefix?: string;
  /** Glob over keys, as in `query`. */
  pattern?: string;
  /**
   * Replay the changes after this revision first, then live ones. 0/absent: live only. Resuming from
   * older than the retained history gets a `reset` (resumable) or a `compacted` message (raw); from
   * above the store's revision (the store is behind what you saw) a `reset` (resumable) or
   * OUT_OF_RANGE (raw).
   */
  startRevision?: number;
  /**
   * The store id `startRevision` belongs to (a message's `storeId`, `QueryPage.storeId`). When the
   * store's history is another one, the watch re-reads (`reset`) instead of resuming (raw: a
   * `compacted` message). Absent: not checked.
   */
  storeId?: string;
  /** Include the previous context in events (when there was one). */
  prevContext?: boolean;
  /** Interval between progress notifications on an idle watch (>= 100 ms); default the server's. */
  progressIntervalMs?: number;
  /**
   * List-then-watch: begin with a `reset` holding every matching context, then the changes after
   * it. Not with `startRevision`; needs `resume` (the default).
   */
  snapshot?: boolean;
  /** Resume across failures (default true, tunable), or `false` for the raw single stream. */
  resume?: boolean | WatchResumeOptions;
  /** Ends the watch: the iterator finishes without an error. `break` does the same. */
  signal?: AbortSignal;
}

/** Tuning for a resumable watch. */
export interface WatchResumeOptions {
  /** Delay before the first retry; doubles per consecutive failure, with jitter. Default 100 ms. */
  initialDelayMs?: number;
  /** Cap on the delay between retries. Default 5,000 ms. */
  maxDelayMs?: number;
  /**
   * Told about every failure that will be retried (attempt 1, 2, ... since the last message), e.g. to
   * mark cached values stale. Errors that retrying cannot fix (INVALID_ARGUMENT, PERMISSION_DENIED,
   * ...) are thrown by the iterator instead.
   */
  onRetry?: (error: FabricError, attempt: number, delayMs: number) => void;
}

export interface WatchEvent {
  type: WatchEventType;
  /** The key and scope that changed (every type). */
  key: string;
  scope: Scope;
  /** The context after a PUT; absent for DELETE and EXPIRE. */
  context?: Context;
  /** The context before the change, when asked for with `prevContext` and there was one. */
  prevContext?: Context;
  revision: number;
}

/**
 * What a watch yields. Every message carries `revision`, the watch's resume point: every matching
 * change up to it has been delivered (for `compacted`, see there); and `storeId`, the identity of the
 * history that revision belongs to (set by every fabric; optional so that hand-written watches stay
 * simple). A resumable watch that meets another history (a restarted memory server, a flushed or
 * reloaded Redis) delivers a `reset`: the contexts as they are now, with the new `storeId`.
 */
export type WatchMessage =
  /** First message (unless `snapshot`): registered; every matching change after `revision` follows. */
  | { kind: "created"; revision: number; storeId?: string }
  /** A change; `revision` is the change's own. */
  | { kind: "event"; event: WatchEvent; revision: number; storeId?: string }
  /** Nothing more matched up to `revision` (sent on idle watches, and after a resumable watch reconnects). */
  | { kind: "progress"; revision: number; storeId?: string }
  /**
   * Resumable watches only: replace what you hold for this watch with `contexts`, read after
   * `revision` (first message with `snapshot`, and after a compacted history). The events that follow
   * are every change after `revision`, so one may already be reflected in `contexts`: apply an event
   * only when it is newer than the context you hold for its key (applying all in order also converges).
   */
  | { kind: "reset"; contexts: Context[]; revision: number; storeId?: string }
  /**
   * Raw watches only (`resume: false`): `startRevision` is older than the retained history;
   * `compactRevision` is the oldest start revision still served, `revision` the current one. Re-read,
   * then watch from `revision`. The stream ends after this message. Also sent when `storeId` names
   * another history, and to every watch when the store's history is replaced while it runs.
   */
  | { kind: "compacted"; compactRevision: number; revision: number; storeId?: string };

// ---- Search (issue 5) ----

/** How search results are ranked: by similarity alone, or fused with a lexical (BM25) ranking. */
export type SearchMode = "vector" | "hybrid";

/** A scope, optionally narrowed to keys starting with a prefix. */
export interface SearchNamespace {
  scope: Scope;
  keyPrefix?: string;
}

export interface SearchInput {
  query: string;
  /** Absent: every indexed scope. */
  scope?: Scope;
  /** 1..100, default 10. */
  limit?: number;
  /**
   * Leave out hits whose similarity is below this, in [-1, 1]. Absent: the server's calibrated
   * default (README "Semantic search", `searchStatus().minSimilarity`); -1 keeps every hit.
   */
  minSimilarity?: number;
  /** Every entry must equal the context's metadata value. */
  metadata?: Record<string, string>;
  /** Only keys starting with this, in every scope searched (applied inside the index). */
  keyPrefix?: string;
  /** Only contexts in at least one of these namespaces (applied inside the index). */
  within?: SearchNamespace[];
  /** Absent: the server's default (`searchStatus().hybrid`). */
  mode?: SearchMode;
  /** See writes acknowledged before this call. */
  waitForIndex?: boolean;
}

export interface SearchResult {
  context: Context;
  /** Cosine similarity of the query and the context's best-matching chunk, in [-1, 1]. */
  similarity: number;
  /**
   * What results are ordered by: in hybrid mode the similarity raised by the lexical coverage
   * (`similarity + 0.4 × max(0, lexicalCoverage − 0.2) / 0.8`, README "Hybrid ranking"), in vector
   * mode the similarity.
   */
  score: number;
  /** 1-based rank among the vector search's candidates; absent when not among them. */
  vectorRank?: number;
  /** 1-based rank in the lexical (BM25) ranking; absent when no query term matched, or in vector mode. */
  lexicalRank?: number;
  /** The BM25 score, with `lexicalRank`. */
  lexicalScore?: number;
  /** How much of the query the text matches word for word, in [0, 1], with `lexicalRank`. */
  lexicalCoverage?: number;
  /** Which chunk of the context's text matched best (0 when the text fits the model's window). */
  chunk: number;
  /** That chunk's text, when the context's text was split into several chunks. */
  matchedText?: string;
  /** Shortcuts as in the guide: `result.value`, `result.key`. */
  key: string;
  value: JsonValue;
}

export interface ReindexProgress {
  done: number;
  total: number;
}

export interface SearchStatus {
  /** Model name and content hash. */
  model: string;
  dimension: number;
  index: "memory" | "qdrant";
  scopes: Scope[];
  vectors: number;
  /** Every change up to this revision is reflected in the index. */
  indexedRevision: number;
  embedderQueue: number;
  /** True when searches rank hybrid unless they ask otherwise. */
  hybrid: boolean;
  /** The threshold a search that sets none gets. */
  minSimilarity: number;
}

// ---- Executions and feedback (issue 6) ----

/**
 * Executions and feedback are typed views of contexts (README "Executions and feedback"): an
 * execution is `execution:{id}` in the EXECUTION scope, user feedback `feedback:{id}` and automated
 * feedback `feedback:{id}:auto` in the FEEDBACK scope. `query({ pattern: "execution:*", scope:
 * "EXECUTION" })` sees the same records, and records written with `setContext` in the guide's shape
 * are read back by the typed calls.
 */
export type ExecutionStatus = "OK" | "ERROR";

/** One agent execution, as stored. */
export interface Execution {
  /** Key characters other than ':' (1..256); generated (UUID) when absent on record. */
  id: string;
  /** The guide's `timestamp`. Time-range filters apply to it. */
  startedAt: Date;
  finishedAt: Date;
  /** Absent when none was recorded (distinct from `null`). */
  input?: JsonValue;
  output?: JsonValue;
  latencyMs: number;
  status: ExecutionStatus;
  /** Set only when status is ERROR. */
  error?: string;
  /** The router or prompt key the execution ran with. */
  promptKey?: string;
  /** Revision of that prompt's context when it ran; stats group by it. Absent: unknown. */
  promptRevision?: number;
  /** A registry prompt (`promptKey` = its name): the version that actually ran. Stats group by it. */
  promptVersion?: number;
  /** The label that version was resolved through; rollout gates compare only their own label. */
  promptLabel?: string;
  /** Free metadata (the reserved keys execution_id, status, prompt_key, prompt_revision excluded). */
  metadata: Record<string, string>;
  /** Store revision of the record. */
  revision: number;
  /** Absent when the record does not expire. */
  expiresAt?: Date;
}

/**
 * What `recordExecution` takes. Everything is optional: the id is generated, `startedAt` defaults to
 * `(finishedAt ?? now) - latencyMs`, `finishedAt` to `startedAt + latencyMs`, `latencyMs` to their
 * difference, `status` to ERROR when `error` is set and OK otherwise.
 */
export interface ExecutionInput {
  id?: string;
  startedAt?: Date | string | number;
  finishedAt?: Date | string | number;
  input?: JsonValue;
  output?: JsonValue;
  latencyMs?: number;
  status?: ExecutionStatus;
  error?: string;
  promptKey?: string;
  promptRevision?: number;
  /** A registry prompt's version (with `promptKey` = its name; not with `promptRevision`). */
  promptVersion?: number;
  /** The label the version was resolved through (only with `promptVersion`). */
  promptLabel?: string;
  metadata?: Record<string, string>;
  /** Time to live in seconds; absent means the server's default retention. */
  ttl?: number;
}

/** A named automated score out of a maximum, e.g. the guide's `{ auto_score: 2, max_score: 3 }`. */
export interface Score {
  name: string;
  /** In [0, max]. */
  value: number;
  /** Positive. */
  max: number;
}

/**
 * What `recordFeedback` takes. With `scores` it is automated feedback (`feedback:{id}:auto`, no
 * rating or corrections); otherwise user feedback (`feedback:{id}`) with at least one of rating,
 * comment, corrections. Recording again replaces the previous feedback of that kind.
 */
export interface FeedbackInput {
  executionId: string;
  /** Default: the server's clock. */
  timestamp?: Date | string | number;
  /** Integer 1..5. */
  rating?: number;
  comment?: string;
  /** Ground-truth corrections, any JSON value. */
  corrections?: JsonValue;
  scores?: Score[];
  metadata?: Record<string, string>;
  /** Time to live in seconds; absent: expire with the execution if it expires, else the default retention. */
  ttl?: number;
}

/** Feedback as stored. */
export interface Feedback {
  executionId: string;
  timestamp: Date;
  rating?: number;
  comment?: string;
  corrections?: JsonValue;
  /** Present (non-empty) exactly on automated feedback. */
  scores?: Score[];
  metadata: Record<string, string>;
  revision: number;
  expiresAt?: Date;
}

export interface ExecutionWithFeedback {
  execution: Execution;
  /** The user's feedback, when there is some. */
  feedback?: Feedback;
  automatedFeedback?: Feedback;
}

/** A time window over `startedAt`: `since` inclusive, `until` exclusive; absent bounds are open. */
export interface TimeWindow {
  since?: Date | string | number;
  until?: Date | string | number;
}

export interface ListExecutionsInput extends TimeWindow {
  promptKey?: string;
  status?: ExecutionStatus;
  /** 1..1000, default 100. */
  limit?: number;
  /** From a previous page with the same filters. */
  pageToken?: string;
}

export interface ExecutionPage {
  /**
   * Most recently recorded first. May hold fewer than `limit` even when more follow (each call
   * examines a bounded number of records): keep paging until `nextPageToken` is absent.
   */
  executions: Execution[];
  nextPageToken?: string;
}

export interface ExecutionStatsInput extends TimeWindow {
  promptKey?: string;
  /** Only executions recorded with this prompt label. */
  promptLabel?: string;
}

/** Figures over a set of executions; percentiles are exact (nearest rank); all 0 when count is 0. */
export interface ExecutionFigures {
  count: number;
  errorCount: number;
  errorRate: number;
  latencyAvgMs: number;
  latencyP50Ms: number;
  latencyP95Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
}

/** The executions of one prompt revision. */
export interface PromptRevisionGroup {
  /** Absent for executions recorded without a prompt key. */
  promptKey?: string;
  /** Absent for executions recorded without a prompt revision. */
  promptRevision?: number;
  /** Absent for executions recorded without a registry version. */
  promptVersion?: number;
}

/** Totals at the top level, and the same figures per (prompt key, revision, version). */
export interface ExecutionStats extends ExecutionFigures {
  /** Ordered by prompt key, then revision, then version. */
  byPromptRevision: (PromptRevisionGroup & ExecutionFigures)[];
}

export type FeedbackSummaryInput = ExecutionStatsInput;

export interface ScoreSummary {
  name: string;
  /** Automated feedback records carrying this score. */
  count: number;
  mean: number;
  /** Mean of value / max, in [0, 1]. */
  normalizedMean: number;
}

export type Rating = 1 | 2 | 3 | 4 | 5;

export interface FeedbackFigures {
  /** Executions in the window, with or without feedback. */
  executions: number;
  /** Executions with user feedback. */
  feedbackCount: number;
  ratedCount: number;
  ratingCounts: Record<Rating, number>;
  /** 0 when nothing is rated. */
  ratingMean: number;
  correctionsCount: number;
  /** Executions with automated feedback. */
  automatedCount: number;
  /** By name, sorted by name. */
  scores: ScoreSummary[];
}

/** Totals at the top level, and the same figures per (prompt key, revision, version). */
export interface FeedbackSummary extends FeedbackFigures {
  byPromptRevision: (PromptRevisionGroup & FeedbackFigures)[];
}

export interface ExportInput extends TimeWindow {
  /** 1..5: only executions whose user rating is at least this. */
  minRating?: number;
  /** Only executions whose user feedback carries corrections. */
  hasCorrections?: boolean;
  promptKey?: string;
}

/** The guide's fabric, in TypeScript idiom. */
export interface Fabric {
  /** Stores a context; resolves to it as stored (revisions, times; value and metadata as given). */
  setContext(input: SetContextInput, options?: WriteOptions): Promise<Context>;
  /** The context, or null when there is none (or it expired). */
  getContext(ref: ContextRef, options?: CallOptions): Promise<Context | null>;
  deleteContext(input: DeleteContextInput, options?: WriteOptions): Promise<DeleteResult>;
  query(input: QueryInput, options?: CallOptions): Promise<QueryPage>;
  batch(operations: BatchOperation[], options?: BatchOptions): Promise<BatchResult>;
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
  /** Re-embeds every context of the indexed scopes, yielding progress. */
  reindex(options?: CallOptions): AsyncIterable<ReindexProgress>;
  searchStatus(options?: CallOptions): Promise<SearchStatus>;

  /** Records an execution (EXECUTION/`execution:{id}`) and returns it as stored, id and times filled in. */
  recordExecution(input: ExecutionInput, options?: CallOptions): Promise<Execution>;
  /** Records user or automated feedback; NOT_FOUND for an unknown execution (unless the server allows it). */
  recordFeedback(input: FeedbackInput, options?: CallOptions): Promise<Feedback>;
  /** The execution with its feedback, or null when there is none (like `getContext`). */
  getExecution(id: string, options?: CallOptions): Promise<ExecutionWithFeedback | null>;
  /** Most recently recorded first, filtered, paged. */
  listExecutions(input?: ListExecutionsInput, options?: CallOptions): Promise<ExecutionPage>;
  /** Count, error rate and latency percentiles over a window, in total and by prompt revision. */
  executionStats(input?: ExecutionStatsInput, options?: CallOptions): Promise<ExecutionStats>;
  /** Rating distribution and mean, automated score means over a window, in total and by prompt revision. */
  feedbackSummary(input?: FeedbackSummaryInput, options?: CallOptions): Promise<FeedbackSummary>;
  /** Executions joined with their feedback, streamed; filter by window, rating, corrections. */
  exportTrainingData(input?: ExportInput, options?: CallOptions): AsyncIterable<ExecutionWithFeedback>;

  /** The prompt registry: versions, labels, label history, staged rollouts (PromptService). */
  readonly prompts: PromptRegistry;

  close(): Promise<void>;
}
