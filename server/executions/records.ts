import type { Context, Execution, ExecutionStatus, Feedback, JsonValue, Score } from "@cache-fabric/client/api";

/**
 * How executions and feedback are stored as contexts. This module is the one place that knows the
 * keys and the JSON shapes; everything else works with the typed `Execution` and `Feedback`.
 *
 * Keys (the guide's):
 *   EXECUTION  `execution:{id}`       an execution
 *   FEEDBACK   `feedback:{id}`        user feedback on it
 *   FEEDBACK   `feedback:{id}:auto`   automated feedback on it
 * Execution ids never contain ':', so `execution:{id}:state` (the guide's per-execution state) is never
 * read as an execution and `feedback:{id}:auto` never collides with another execution's user feedback.
 *
 * Values (snake_case, the guide's names where it has them; optional members are omitted, not null):
 *   execution  { execution_id, timestamp, finished_at, input?, output?, latency_ms, status, error?,
 *                prompt_key?, prompt_revision?, prompt_version?, prompt_label? }
 *                timestamps ISO-8601 UTC, status "OK" | "ERROR"
 *   user       { execution_id, timestamp, rating, comment, corrections }   absent members are null,
 *                as in the guide's `feedback.get(...)`
 *   automated  { execution_id, timestamp, scores: [{ name, value, max }], comment? }
 * Metadata carries copies of the fields filters and metadata searches need (`execution_id`, `status`,
 * `prompt_key`, `prompt_revision` on executions; `execution_id` on feedback) beside the caller's own.
 *
 * Decoding is lenient, so records written with `setContext` in the guide's shape read back: any
 * object under `execution:{id}` is an execution (missing `timestamp` → the record's creation time,
 * missing `status` → ERROR if `error` is set, else OK); the guide's automated shape
 * `{ auto_score: 2, max_score: 3 }` reads as the score auto_score out of 3.
 */

export const EXECUTION_KEY_PREFIX = "execution:";
export const FEEDBACK_KEY_PREFIX = "feedback:";
export const AUTO_SUFFIX = ":auto";

export const RESERVED_EXECUTION_METADATA: readonly string[] = ["execution_id", "status", "prompt_key", "prompt_revision"];
export const RESERVED_FEEDBACK_METADATA: readonly string[] = ["execution_id"];

/** Key characters (server/contexts/validate.ts) except ':'. */
export const EXECUTION_ID_RE = /^[A-Za-z0-9_\-./@+=,;|~#]+$/;
export const MAX_EXECUTION_ID_LENGTH = 256;

export const executionKey = (id: string): string => EXECUTION_KEY_PREFIX + id;
export const feedbackKey = (id: string, automated: boolean): string =>
  FEEDBACK_KEY_PREFIX + id + (automated ? AUTO_SUFFIX : "");

/** The execution id of an `execution:{id}` key, or undefined for any other key of the scope. */
export function executionIdOf(key: string): string | undefined {
  if (!key.startsWith(EXECUTION_KEY_PREFIX)) return undefined;
  const id = key.slice(EXECUTION_KEY_PREFIX.length);
  return isExecutionId(id) ? id : undefined;
}

/** Execution id and kind of a `feedback:{id}[:auto]` key, or undefined for any other key. */
export function feedbackIdOf(key: string): { executionId: string; automated: boolean } | undefined {
  if (!key.startsWith(FEEDBACK_KEY_PREFIX)) return undefined;
  let rest = key.slice(FEEDBACK_KEY_PREFIX.length);
  const automated = rest.endsWith(AUTO_SUFFIX);
  if (automated) rest = rest.slice(0, -AUTO_SUFFIX.length);
  return isExecutionId(rest) ? { executionId: rest, automated } : undefined;
}

function isExecutionId(id: string): boolean {
  return id.length > 0 && id.length <= MAX_EXECUTION_ID_LENGTH && EXECUTION_ID_RE.test(id);
}

/** A validated execution about to be stored (see validate.ts): an Execution before the store gives it a revision. */
export type ExecutionRecord = Omit<Execution, "revision" | "expiresAt">;

/** A validated feedback about to be stored: a Feedback before the store gives it a revision. */
export type FeedbackRecord = Omit<Feedback, "revision" | "expiresAt"> & { automated: boolean };

export function encodeExecution(e: ExecutionRecord): { value: JsonValue; metadata: Record<string, string> } {
  const value: { [k: string]: JsonValue } = {
    execution_id: e.id,
    timestamp: e.startedAt.toISOString(),
    finished_at: e.finishedAt.toISOString(),
  };
  if (e.input !== undefined) value.input = e.input;
  if (e.output !== undefined) value.output = e.output;
  value.latency_ms = e.latencyMs;
  value.status = e.status;
  if (e.error !== undefined) value.error = e.error;
  if (e.promptKey !== undefined) value.prompt_key = e.promptKey;
  if (e.promptRevision !== undefined) value.prompt_revision = e.promptRevision;
  if (e.promptVersion !== undefined) value.prompt_version = e.promptVersion;
  if (e.promptLabel !== undefined) value.prompt_label = e.promptLabel;
  const metadata: Record<string, string> = { ...e.metadata, execution_id: e.id, status: e.status };
  if (e.promptKey !== undefined) metadata.prompt_key = e.promptKey;
  if (e.promptRevision !== undefined) metadata.prompt_revision = String(e.promptRevision);
  return { value, metadata };
}

export function encodeFeedback(f: FeedbackRecord): { value: JsonValue; metadata: Record<string, string> } {
  const base = { execution_id: f.executionId, timestamp: f.timestamp.toISOString() };
  const value: JsonValue = f.automated
    ? {
        ...base,
        scores: f.scores!.map((s) => ({ name: s.name, value: s.value, max: s.max })),
        ...(f.comment !== undefined ? { comment: f.comment } : {}),
      }
    : { ...base, rating: f.rating ?? null, comment: f.comment ?? null, corrections: f.corrections ?? null };
  return { value, metadata: { ...f.metadata, execution_id: f.executionId } };
}

/** The execution stored in `ctx`, or null when `ctx` is not an execution record. */
export function decodeExecution(ctx: Context): Execution | null {
  const id = executionIdOf(ctx.key);
  const v = ctx.value;
  if (id === undefined || !isObject(v)) return null;
  const md = ctx.metadata;
  const startedAt = dateOf(v.timestamp) ?? ctx.createdAt;
  const finishedAtStored = dateOf(v.finished_at);
  const latencyMs =
    finiteOf(v.latency_ms) ?? (finishedAtStored ? Math.max(0, finishedAtStored.getTime() - startedAt.getTime()) : 0);
  const error = typeof v.error === "string" && v.error !== "" ? v.error : undefined;
  const status: ExecutionStatus = v.status === "OK" || v.status === "ERROR" ? v.status : error ? "ERROR" : "OK";
  const promptKey = typeof v.prompt_key === "string" && v.prompt_key !== "" ? v.prompt_key : md.prompt_key || undefined;
  const promptRevision = revisionOf(v.prompt_revision) ?? revisionOf(md.prompt_revision === undefined ? undefined : Number(md.prompt_revision));
  const promptVersion = revisionOf(v.prompt_version);
  const promptLabel = typeof v.prompt_label === "string" && v.prompt_label !== "" ? v.prompt_label : undefined;
  return {
    id,
    startedAt,
    finishedAt: finishedAtStored ?? new Date(startedAt.getTime() + latencyMs),
    ...("input" in v ? { input: v.input } : {}),
    ...("output" in v ? { output: v.output } : {}),
    latencyMs,
    status,
    ...(error !== undefined ? { error } : {}),
    ...(promptKey !== undefined ? { promptKey } : {}),
    ...(promptRevision !== undefined ? { promptRevision } : {}),
    ...(promptVersion !== undefined ? { promptVersion } : {}),
    ...(promptLabel !== undefined ? { promptLabel } : {}),
    metadata: without(md, RESERVED_EXECUTION_METADATA),
    revision: ctx.revision,
    ...(ctx.expiresAt ? { expiresAt: ctx.expiresAt } : {}),
  };
}

/** The feedback stored in `ctx`, or null when `ctx` is not a feedback record. */
export function decodeFeedback(ctx: Context): Feedback | null {
  const ids = feedbackIdOf(ctx.key);
  const v = ctx.value;
  if (ids === undefined || !isObject(v)) return null;
  const base = {
    executionId: ids.executionId,
    timestamp: dateOf(v.timestamp) ?? ctx.updatedAt,
    ...(typeof v.comment === "string" && v.comment !== "" ? { comment: v.comment } : {}),
    metadata: without(ctx.metadata, RESERVED_FEEDBACK_METADATA),
    revision: ctx.revision,
    ...(ctx.expiresAt ? { expiresAt: ctx.expiresAt } : {}),
  };
  if (ids.automated) {
    const scores = scoresOf(v);
    return { ...base, ...(scores.length > 0 ? { scores } : {}) };
  }
  const rating = typeof v.rating === "number" && Number.isInteger(v.rating) && v.rating >= 1 && v.rating <= 5 ? v.rating : undefined;
  return {
    ...base,
    ...(rating !== undefined ? { rating } : {}),
    ...(v.corrections !== undefined && v.corrections !== null ? { corrections: v.corrections } : {}),
  };
}

/** `scores: [{name, value, max}]`, or the guide's flat numbers (`auto_score`, with `max_score` or `max_<name>`). */
function scoresOf(v: { [k: string]: JsonValue }): Score[] {
  if (Array.isArray(v.scores)) {
    return v.scores.flatMap((s) => {
      if (!isObject(s) || typeof s.name !== "string") return [];
      const value = finiteOf(s.value);
      const max = finiteOf(s.max);
      return value === undefined || max === undefined ? [] : [{ name: s.name, value, max }];
    });
  }
  const scores: Score[] = [];
  for (const [name, raw] of Object.entries(v)) {
    const value = finiteOf(raw);
    if (value === undefined || name.startsWith("max_") || name === "timestamp") continue;
    scores.push({ name, value, max: finiteOf(v[`max_${name}`]) ?? finiteOf(v.max_score) ?? 0 });
  }
  return scores;
}

function isObject(v: JsonValue | undefined): v is { [k: string]: JsonValue } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function dateOf(v: JsonValue | undefined): Date | undefined {
  if (typeof v !== "string" && typeof v !== "number") return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function finiteOf(v: JsonValue | undefined): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

function revisionOf(v: JsonValue | undefined): number | undefined {
  return typeof v === "number" && Number.isSafeInteger(v) && v > 0 ? v : undefined;
}

function without(md: Record<string, string>, reserved: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(md)) if (!reserved.includes(k)) out[k] = v;
  return out;
}
