import { randomUUID } from "node:crypto";
import type {
  ExecutionInput, ExecutionStatus, ExportInput, FeedbackInput, JsonValue, ListExecutionsInput, Score, TimeWindow,
} from "@cache-fabric/client/api";
import { FabricError } from "@cache-fabric/client/api";
import {
  LIMITS, MIN_INSTANT_MS, cloneJson, validateInstant, validateKey, validateLimit, validateMetadata, validateTtl, validateValue,
} from "../contexts/validate.js";
import {
  EXECUTION_ID_RE, MAX_EXECUTION_ID_LENGTH, RESERVED_EXECUTION_METADATA, RESERVED_FEEDBACK_METADATA,
  type ExecutionRecord, type FeedbackRecord,
} from "./records.js";
import { validateLabelName } from "../prompts/names.js";

/**
 * Input rules for executions and feedback. Like server/contexts/validate.ts, every check throws
 * INVALID_ARGUMENT naming the field (as the proto names it) and the rule, before anything is written.
 */

/** How far ahead of the server's clock an execution may say it started (client clock skew). */
export const MAX_START_AHEAD_MS = 5 * 60_000;
const MAX_SCORES = 64;
/** Longest execution recorded: what a latency or a started..finished span may be. */
export const MAX_LATENCY_MS = LIMITS.maxTtlSeconds * 1000;
/** Nesting of execution input/output and feedback corrections: inside their record, a context value. */
export const MAX_RECORD_FIELD_DEPTH = LIMITS.maxValueDepth - 1;
const SCORE_NAME_RE = /^[A-Za-z0-9_\-.]{1,128}$/;

export function validateExecutionId(id: unknown, field: string): string {
  if (typeof id !== "string" || id.length === 0) throw FabricError.invalid(field, "is required");
  if (id.length > MAX_EXECUTION_ID_LENGTH) {
    throw FabricError.invalid(field, `must be at most ${MAX_EXECUTION_ID_LENGTH} characters (got ${id.length})`);
  }
  if (!EXECUTION_ID_RE.test(id)) {
    throw FabricError.invalid(field, "may contain only letters, digits and _ - . / @ + = , ; | ~ # (not ':', which separates key segments)");
  }
  return id;
}

/** The record to store, with defaults filled in, and its TTL in milliseconds (undefined: none given). */
export function normalizeExecution(input: ExecutionInput, nowMs: number): { record: ExecutionRecord; ttlMs?: number } {
  if (!input || typeof input !== "object") throw FabricError.invalid("execution", "is required");
  const id = input.id === undefined || input.id === "" ? randomUUID() : validateExecutionId(input.id, "execution.id");

  const latency = input.latencyMs;
  if (latency !== undefined && (typeof latency !== "number" || !Number.isFinite(latency) || latency < 0 || latency > MAX_LATENCY_MS)) {
    throw FabricError.invalid("execution.latency_ms", `must be a number of milliseconds from 0 to ${MAX_LATENCY_MS} (10 years)`);
  }
  const started = optionalInstant(input.startedAt, "execution.started_at");
  const finished = optionalInstant(input.finishedAt, "execution.finished_at");
  // Fill the one or two unknowns of startedAt + latencyMs = finishedAt from what was given.
  const startMs = started ?? (finished ?? nowMs) - (latency ?? 0);
  const finishMs = finished ?? startMs + (latency ?? 0);
  if (finishMs < startMs) throw FabricError.invalid("execution.finished_at", "must not be before started_at");
  if (finishMs - startMs > MAX_LATENCY_MS) throw FabricError.invalid("execution.finished_at", "must be at most 10 years after started_at");
  if (startMs < MIN_INSTANT_MS) throw FabricError.invalid("execution.started_at", "must be a date from 0001-01-01 (finished_at minus latency_ms is earlier)");
  if (startMs > nowMs + MAX_START_AHEAD_MS) {
    throw FabricError.invalid("execution.started_at", `must not be more than ${MAX_START_AHEAD_MS / 1000} s after the server's clock`);
  }

  const error = input.error;
  if (error !== undefined && typeof error !== "string") throw FabricError.invalid("execution.error", "must be a string");
  const status = validateStatus(input.status, "execution.status") ?? (error ? "ERROR" : "OK");
  if (status === "OK" && error) throw FabricError.invalid("execution.error", "is only allowed with status ERROR");

  const promptKey = input.promptKey === undefined || input.promptKey === "" ? undefined : validateKey(input.promptKey, "execution.prompt_key");
  const promptRevision = input.promptRevision;
  if (promptRevision !== undefined && (typeof promptRevision !== "number" || !Number.isSafeInteger(promptRevision) || promptRevision < 0)) {
    throw FabricError.invalid("execution.prompt_revision", "must be a non-negative integer");
  }
  const { promptVersion, promptLabel } = registryPrompt(input, promptKey, promptRevision);

  const record: ExecutionRecord = {
    id,
    startedAt: new Date(startMs),
    finishedAt: new Date(finishMs),
    ...(input.input !== undefined ? { input: json(input.input, "execution.input") } : {}),
    ...(input.output !== undefined ? { output: json(input.output, "execution.output") } : {}),
    latencyMs: latency ?? finishMs - startMs,
    status,
    ...(error ? { error } : {}),
    ...(promptKey !== undefined ? { promptKey } : {}),
    ...(promptRevision ? { promptRevision } : {}),
    ...(promptVersion ? { promptVersion } : {}),
    ...(promptLabel ? { promptLabel } : {}),
    metadata: userMetadata(input.metadata, "execution.metadata", RESERVED_EXECUTION_METADATA),
  };
  const ttlMs = validateTtl(input.ttl, "ttl");
  return { record, ...(ttlMs !== undefined ? { ttlMs } : {}) };
}

/** The feedback to store and its TTL in milliseconds (undefined: none given). */
export function normalizeFeedback(input: FeedbackInput, nowMs: number): { record: FeedbackRecord; ttlMs?: number } {
  if (!input || typeof input !== "object") throw FabricError.invalid("feedback", "is required");
  const executionId = validateExecutionId(input.executionId, "feedback.execution_id");
  const timestamp = new Date(optionalInstant(input.timestamp, "feedback.timestamp") ?? nowMs);
  if (input.comment !== undefined && typeof input.comment !== "string") throw FabricError.invalid("feedback.comment", "must be a string");
  const comment = input.comment === "" ? undefined : input.comment;
  const metadata = userMetadata(input.metadata, "feedback.metadata", RESERVED_FEEDBACK_METADATA);
  const ttlMs = validateTtl(input.ttl, "ttl");
  const withTtl = <T extends object>(o: T) => ({ ...o, ...(ttlMs !== undefined ? { ttlMs } : {}) });

  const scores = input.scores === undefined || (Array.isArray(input.scores) && input.scores.length === 0) ? undefined : validateScores(input.scores);
  if (scores) {
    if (input.rating !== undefined) throw FabricError.invalid("feedback.rating", "automated feedback (with scores) carries no rating; record user feedback separately");
    if (input.corrections !== undefined) throw FabricError.invalid("feedback.corrections", "automated feedback (with scores) carries no corrections");
    return withTtl({ record: { executionId, automated: true, timestamp, scores, ...(comment !== undefined ? { comment } : {}), metadata } });
  }

  const rating = input.rating;
  if (rating !== undefined && (typeof rating !== "number" || !Number.isInteger(rating) || rating < 1 || rating > 5)) {
    throw FabricError.invalid("feedback.rating", `must be an integer from 1 to 5 (got ${JSON.stringify(rating)})`);
  }
  const corrections = input.corrections === undefined || input.corrections === null ? undefined : json(input.corrections, "feedback.corrections");
  if (rating === undefined && comment === undefined && corrections === undefined) {
    throw FabricError.invalid("feedback", "must carry a rating, a comment, corrections or scores");
  }
  return withTtl({
    record: {
      executionId,
      automated: false,
      timestamp,
      ...(rating !== undefined ? { rating } : {}),
      ...(comment !== undefined ? { comment } : {}),
      ...(corrections !== undefined ? { corrections } : {}),
      metadata,
    },
  });
}

function validateScores(scores: unknown): Score[] {
  if (!Array.isArray(scores)) throw FabricError.invalid("feedback.scores", "must be a list");
  if (scores.length > MAX_SCORES) throw FabricError.invalid("feedback.scores", `must hold at most ${MAX_SCORES} scores`);
  const seen = new Set<string>();
  return scores.map((s: Partial<Score>, i) => {
    const field = `feedback.scores[${i}]`;
    if (!s || typeof s !== "object") throw FabricError.invalid(field, "must be an object {name, value, max}");
    if (typeof s.name !== "string" || !SCORE_NAME_RE.test(s.name)) {
      throw FabricError.invalid(`${field}.name`, "must be 1..128 letters, digits, _ - .");
    }
    if (seen.has(s.name)) throw FabricError.invalid(`${field}.name`, `"${s.name}" appears twice`);
    seen.add(s.name);
    if (typeof s.max !== "number" || !Number.isFinite(s.max) || s.max <= 0) throw FabricError.invalid(`${field}.max`, "must be a positive number");
    if (typeof s.value !== "number" || !Number.isFinite(s.value) || s.value < 0 || s.value > s.max) {
      throw FabricError.invalid(`${field}.value`, `must be a number from 0 to max (${s.max})`);
    }
    return { name: s.name, value: s.value, max: s.max };
  });
}

/** A validated window: epoch milliseconds, `since` inclusive, `until` exclusive. */
export interface Window {
  sinceMs: number;
  untilMs: number;
}

export function validateWindow(input: TimeWindow | undefined): Window {
  const sinceMs = optionalInstant(input?.since, "since") ?? -Infinity;
  const untilMs = optionalInstant(input?.until, "until") ?? Infinity;
  if (untilMs < sinceMs) throw FabricError.invalid("until", "must not be before since");
  return { sinceMs, untilMs };
}

export interface ExecutionFilter extends Window {
  promptKey?: string;
  promptLabel?: string;
  status?: ExecutionStatus;
}

export function validateFilter(
  input: (TimeWindow & { promptKey?: string; promptLabel?: string; status?: ExecutionStatus }) | undefined,
): ExecutionFilter {
  const promptKey = input?.promptKey ? validateKey(input.promptKey, "prompt_key") : undefined;
  const promptLabel = input?.promptLabel ? validateLabelName(input.promptLabel, "prompt_label") : undefined;
  const status = validateStatus(input?.status, "status");
  return {
    ...validateWindow(input),
    ...(promptKey ? { promptKey } : {}),
    ...(promptLabel ? { promptLabel } : {}),
    ...(status ? { status } : {}),
  };
}

/**
 * A registry prompt's version and label (README "Prompt registry"): `promptKey` names the prompt,
 * `promptVersion` the version that ran. A registry prompt has versions, not context revisions, so
 * the two are exclusive, which keeps one stats group per version.
 */
function registryPrompt(
  input: ExecutionInput,
  promptKey: string | undefined,
  promptRevision: number | undefined,
): { promptVersion?: number; promptLabel?: string } {
  const { promptVersion, promptLabel } = input;
  if (promptVersion !== undefined && promptVersion !== 0) {
    if (typeof promptVersion !== "number" || !Number.isSafeInteger(promptVersion) || promptVersion < 0) {
      throw FabricError.invalid("execution.prompt_version", "must be a positive integer");
    }
    if (promptKey === undefined) throw FabricError.invalid("execution.prompt_version", "needs prompt_key (the prompt's name)");
    if (promptRevision) throw FabricError.invalid("execution.prompt_revision", "must be 0 with prompt_version (a registry prompt is identified by its version)");
  }
  if (promptLabel === undefined || promptLabel === "") return promptVersion ? { promptVersion } : {};
  if (!promptVersion) throw FabricError.invalid("execution.prompt_label", "needs prompt_version");
  return { promptVersion, promptLabel: validateLabelName(promptLabel, "execution.prompt_label") };
}

export function validateListInput(input: ListExecutionsInput | undefined): ExecutionFilter & { limit: number; pageToken?: string } {
  return {
    ...validateFilter(input),
    limit: validateLimit(input?.limit, LIMITS.maxQueryLimit, LIMITS.defaultQueryLimit, "limit"),
    ...(input?.pageToken ? { pageToken: input.pageToken } : {}),
  };
}

export function validateExportInput(input: ExportInput | undefined): ExecutionFilter & { minRating?: number; hasCorrections: boolean } {
  const minRating = input?.minRating;
  if (minRating !== undefined && minRating !== 0 && (typeof minRating !== "number" || !Number.isInteger(minRating) || minRating < 1 || minRating > 5)) {
    throw FabricError.invalid("min_rating", "must be an integer from 1 to 5");
  }
  return {
    ...validateFilter(input),
    ...(minRating ? { minRating } : {}),
    hasCorrections: input?.hasCorrections === true,
  };
}

function validateStatus(status: unknown, field: string): ExecutionStatus | undefined {
  if (status === undefined || status === null) return undefined;
  if (status !== "OK" && status !== "ERROR") throw FabricError.invalid(field, 'must be "OK" or "ERROR"');
  return status;
}

function optionalInstant(value: unknown, field: string): number | undefined {
  return value === undefined || value === null ? undefined : validateInstant(value, field).getTime();
}

/**
 * Plain JSON data, copied: the size limit is applied on the whole stored record by the generic path.
 * It nests one level less than a context value may, since the record that carries it is one.
 */
function json(value: JsonValue, field: string): JsonValue {
  validateValue(value, Number.MAX_SAFE_INTEGER, field, MAX_RECORD_FIELD_DEPTH);
  return cloneJson(value);
}

function userMetadata(metadata: unknown, field: string, reserved: readonly string[]): Record<string, string> {
  const md = validateMetadata(metadata, field);
  for (const k of reserved) {
    if (Object.prototype.hasOwnProperty.call(md, k)) throw FabricError.invalid(`${field}.${k}`, "is reserved (the server sets it)");
  }
  // The reserved keys are added on write and must still fit the generic metadata limit.
  if (Object.keys(md).length + reserved.length > LIMITS.maxMetadataEntries) {
    throw FabricError.invalid(field, `must have at most ${LIMITS.maxMetadataEntries - reserved.length} entries`);
  }
  return md;
}
