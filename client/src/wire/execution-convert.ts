import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { dateFromPb, dateToPb, fromBig, secondsFromPb, secondsToPb, toBig, valueFromPb, valueToPb } from "./convert.js";
import { FabricError } from "../api/errors.js";
import { wireInt32, wireInt64, wireNumber, wireString } from "./input-checks.js";
import {
  ExecutionStatus as PbStatus,
  type Execution as PbExecution, type ExecutionSchema, type ExecutionStats as PbExecutionStats, type ExecutionStatsSchema,
  type ExecutionStatsResponse, type ExecutionStatsResponseSchema,
  type ExportTrainingDataRequest, type ExportTrainingDataRequestSchema, type Feedback as PbFeedback, type FeedbackSchema,
  type FeedbackStats as PbFeedbackStats, type FeedbackStatsSchema, type FeedbackSummaryResponse,
  type FeedbackSummaryResponseSchema, type ListExecutionsRequest, type ListExecutionsRequestSchema,
  type RecordExecutionRequest, type RecordExecutionRequestSchema, type RecordFeedbackRequest, type RecordFeedbackRequestSchema,
  type TrainingExample,
} from "../gen/cachefabric/v1/execution_pb.js";
import type {
  Execution, ExecutionFigures, ExecutionInput, ExecutionStats, ExecutionStatsInput, ExecutionStatus, ExecutionWithFeedback,
  ExportInput, Feedback, FeedbackFigures, FeedbackInput, FeedbackSummary, JsonValue, ListExecutionsInput,
  PromptRevisionGroup, TimeWindow,
} from "../api/types.js";

/**
 * Wire ⇄ API conversions for ExecutionService, shared by the server handler and the client like
 * convert.ts. Proto3 defaults map to "absent" (empty string, 0 revision, UNSPECIFIED status) so both
 * sides build the same API objects; fields with explicit presence (latency_ms, rating) keep a 0.
 *
 * The client-side `...ToPb` of inputs refuse what the wire cannot carry (a string where a number
 * goes, a date that does not parse) with INVALID_ARGUMENT naming the field, as the server would;
 * range rules are the server's alone, so they are stated once.
 */

// ---- status ----

const STATUS_TO_PB: Record<ExecutionStatus, PbStatus> = { OK: PbStatus.OK, ERROR: PbStatus.ERROR };

function statusToPb(status: ExecutionStatus | undefined, field: string): PbStatus {
  if (status === undefined || status === null) return PbStatus.UNSPECIFIED;
  if (!Object.prototype.hasOwnProperty.call(STATUS_TO_PB, status)) throw FabricError.invalid(field, 'must be "OK" or "ERROR"');
  return STATUS_TO_PB[status];
}

function statusFromPb(status: PbStatus, field: string): ExecutionStatus | undefined {
  switch (status) {
    case PbStatus.UNSPECIFIED:
      return undefined;
    case PbStatus.OK:
      return "OK";
    case PbStatus.ERROR:
      return "ERROR";
    default:
      throw FabricError.invalid(field, `unknown status ${status}`);
  }
}

// ---- client-side input checks (what the wire can carry) ----

function instantToPb(value: Date | string | number | undefined, field: string): Timestamp | undefined {
  if (value === undefined || value === null) return undefined;
  const d = value instanceof Date ? value : typeof value === "string" || typeof value === "number" ? new Date(value) : undefined;
  if (!d || Number.isNaN(d.getTime())) throw FabricError.invalid(field, "must be a date (Date, ISO-8601 string or epoch milliseconds)");
  return timestampFromDate(d);
}

function jsonToPb(value: JsonValue | undefined, field: string) {
  if (value === undefined) return undefined;
  try {
    return valueToPb(value);
  } catch (e) {
    throw FabricError.invalid(field, `is not JSON data (${(e as Error).message})`);
  }
}

function stringMap(metadata: unknown, field: string): Record<string, string> {
  if (metadata === undefined || metadata === null) return {};
  if (typeof metadata !== "object" || Array.isArray(metadata)) throw FabricError.invalid(field, "must be an object of string values");
  for (const [k, v] of Object.entries(metadata)) if (typeof v !== "string") throw FabricError.invalid(`${field}.${k}`, "must be a string");
  return metadata as Record<string, string>;
}

function ttlToPb(ttl: unknown) {
  if (ttl === undefined || ttl === null) return undefined;
  if (typeof ttl !== "number" || !Number.isFinite(ttl)) throw FabricError.invalid("ttl", "must be a positive number of seconds");
  return secondsToPb(ttl);
}

function windowToPb(input: TimeWindow | undefined) {
  return { since: instantToPb(input?.since, "since"), until: instantToPb(input?.until, "until") };
}

// ---- requests: client → wire ----

export function recordExecutionToPb(input: ExecutionInput): MessageInitShape<typeof RecordExecutionRequestSchema> {
  if (!input || typeof input !== "object") throw FabricError.invalid("execution", "is required");
  return {
    execution: {
      id: wireString(input.id, "execution.id"),
      startedAt: instantToPb(input.startedAt, "execution.started_at"),
      finishedAt: instantToPb(input.finishedAt, "execution.finished_at"),
      input: jsonToPb(input.input, "execution.input"),
      output: jsonToPb(input.output, "execution.output"),
      latencyMs: wireNumber(input.latencyMs, "execution.latency_ms"),
      status: statusToPb(input.status, "execution.status"),
      error: wireString(input.error, "execution.error"),
      promptKey: wireString(input.promptKey, "execution.prompt_key"),
      promptRevision: wireInt64(input.promptRevision, "execution.prompt_revision"),
      promptVersion: wireInt64(input.promptVersion, "execution.prompt_version"),
      promptLabel: wireString(input.promptLabel, "execution.prompt_label"),
      metadata: stringMap(input.metadata, "execution.metadata"),
    },
    ttl: ttlToPb(input.ttl),
  };
}

export function recordFeedbackToPb(input: FeedbackInput): MessageInitShape<typeof RecordFeedbackRequestSchema> {
  if (!input || typeof input !== "object") throw FabricError.invalid("feedback", "is required");
  if (input.scores !== undefined && !Array.isArray(input.scores)) throw FabricError.invalid("feedback.scores", "must be a list");
  return {
    feedback: {
      executionId: wireString(input.executionId, "feedback.execution_id"),
      timestamp: instantToPb(input.timestamp, "feedback.timestamp"),
      rating: wireInt32(input.rating, "feedback.rating"),
      comment: wireString(input.comment, "feedback.comment"),
      corrections: input.corrections === null ? undefined : jsonToPb(input.corrections, "feedback.corrections"),
      scores: (input.scores ?? []).map((s, i) => ({
        name: wireString(s?.name, `feedback.scores[${i}].name`),
        value: wireNumber(s?.value, `feedback.scores[${i}].value`) ?? 0,
        max: wireNumber(s?.max, `feedback.scores[${i}].max`) ?? 0,
      })),
      metadata: stringMap(input.metadata, "feedback.metadata"),
    },
    ttl: ttlToPb(input.ttl),
  };
}

export function listExecutionsToPb(input: ListExecutionsInput | undefined): MessageInitShape<typeof ListExecutionsRequestSchema> {
  return {
    ...windowToPb(input),
    promptKey: wireString(input?.promptKey, "prompt_key"),
    status: statusToPb(input?.status, "status"),
    limit: wireInt32(input?.limit, "limit") ?? 0,
    pageToken: wireString(input?.pageToken, "page_token"),
  };
}

/** ExecutionStats and FeedbackSummary take the same request shape. */
export function statsRequestToPb(input: ExecutionStatsInput | undefined): StatsRequestPb {
  return { ...windowToPb(input), promptKey: wireString(input?.promptKey, "prompt_key"), promptLabel: wireString(input?.promptLabel, "prompt_label") };
}

export function exportToPb(input: ExportInput | undefined): MessageInitShape<typeof ExportTrainingDataRequestSchema> {
  return {
    ...windowToPb(input),
    minRating: wireInt32(input?.minRating, "min_rating") ?? 0,
    hasCorrections: input?.hasCorrections === true,
    promptKey: wireString(input?.promptKey, "prompt_key"),
  };
}

// ---- requests: wire → server ----

export function recordExecutionFromPb(req: RecordExecutionRequest): ExecutionInput {
  const e = req.execution;
  if (!e) return { ...(req.ttl ? { ttl: secondsFromPb(req.ttl) } : {}) };
  const promptRevision = fromBig(e.promptRevision, "execution.prompt_revision");
  const promptVersion = fromBig(e.promptVersion, "execution.prompt_version");
  return {
    ...(e.id ? { id: e.id } : {}),
    ...(e.startedAt ? { startedAt: dateFromPb(e.startedAt) } : {}),
    ...(e.finishedAt ? { finishedAt: dateFromPb(e.finishedAt) } : {}),
    ...(e.input ? { input: valueFromPb(e.input, "execution.input") } : {}),
    ...(e.output ? { output: valueFromPb(e.output, "execution.output") } : {}),
    ...(e.latencyMs !== undefined ? { latencyMs: e.latencyMs } : {}),
    ...optional("status", statusFromPb(e.status, "execution.status")),
    ...(e.error ? { error: e.error } : {}),
    ...(e.promptKey ? { promptKey: e.promptKey } : {}),
    ...(promptRevision !== 0 ? { promptRevision } : {}),
    ...(promptVersion !== 0 ? { promptVersion } : {}),
    ...(e.promptLabel ? { promptLabel: e.promptLabel } : {}),
    metadata: { ...e.metadata },
    ...(req.ttl ? { ttl: secondsFromPb(req.ttl) } : {}),
  };
}

export function recordFeedbackFromPb(req: RecordFeedbackRequest): FeedbackInput {
  const f = req.feedback;
  return {
    executionId: f?.executionId ?? "",
    ...(f?.timestamp ? { timestamp: dateFromPb(f.timestamp) } : {}),
    ...(f?.rating !== undefined ? { rating: f.rating } : {}),
    ...(f?.comment ? { comment: f.comment } : {}),
    ...(f?.corrections ? { corrections: valueFromPb(f.corrections, "feedback.corrections") } : {}),
    ...(f?.scores.length ? { scores: f.scores.map((s) => ({ name: s.name, value: s.value, max: s.max })) } : {}),
    metadata: { ...f?.metadata },
    ...(req.ttl ? { ttl: secondsFromPb(req.ttl) } : {}),
  };
}

export function listExecutionsFromPb(req: ListExecutionsRequest): ListExecutionsInput {
  return {
    ...windowFromPb(req),
    ...(req.promptKey ? { promptKey: req.promptKey } : {}),
    ...optional("status", statusFromPb(req.status, "status")),
    ...(req.limit ? { limit: req.limit } : {}),
    ...(req.pageToken ? { pageToken: req.pageToken } : {}),
  };
}

/** What ExecutionStatsRequest and FeedbackSummaryRequest share. */
type StatsRequestPb = { promptKey: string; promptLabel: string; since?: Timestamp; until?: Timestamp };

export function statsRequestFromPb(req: StatsRequestPb): ExecutionStatsInput {
  return {
    ...windowFromPb(req),
    ...(req.promptKey ? { promptKey: req.promptKey } : {}),
    ...(req.promptLabel ? { promptLabel: req.promptLabel } : {}),
  };
}

export function exportFromPb(req: ExportTrainingDataRequest): ExportInput {
  return {
    ...windowFromPb(req),
    ...(req.minRating ? { minRating: req.minRating } : {}),
    ...(req.hasCorrections ? { hasCorrections: true } : {}),
    ...(req.promptKey ? { promptKey: req.promptKey } : {}),
  };
}

function windowFromPb(req: { since?: Timestamp; until?: Timestamp }): TimeWindow {
  return { ...(req.since ? { since: dateFromPb(req.since) } : {}), ...(req.until ? { until: dateFromPb(req.until) } : {}) };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [k in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [k in K]?: V };
}

// ---- results: server → wire ----

export function executionToPb(e: Execution): MessageInitShape<typeof ExecutionSchema> {
  return {
    id: e.id,
    startedAt: dateToPb(e.startedAt),
    finishedAt: dateToPb(e.finishedAt),
    input: e.input === undefined ? undefined : valueToPb(e.input),
    output: e.output === undefined ? undefined : valueToPb(e.output),
    latencyMs: e.latencyMs,
    status: STATUS_TO_PB[e.status],
    error: e.error ?? "",
    promptKey: e.promptKey ?? "",
    promptRevision: toBig(e.promptRevision ?? 0),
    promptVersion: toBig(e.promptVersion ?? 0),
    promptLabel: e.promptLabel ?? "",
    metadata: { ...e.metadata },
    revision: toBig(e.revision),
    expiresAt: dateToPb(e.expiresAt),
  };
}

export function feedbackToPb(f: Feedback): MessageInitShape<typeof FeedbackSchema> {
  return {
    executionId: f.executionId,
    timestamp: dateToPb(f.timestamp),
    rating: f.rating,
    comment: f.comment ?? "",
    corrections: f.corrections === undefined ? undefined : valueToPb(f.corrections),
    scores: (f.scores ?? []).map((s) => ({ ...s })),
    metadata: { ...f.metadata },
    revision: toBig(f.revision),
    expiresAt: dateToPb(f.expiresAt),
  };
}

/** Fits TrainingExample and GetExecutionResponse alike (same fields). */
export function withFeedbackToPb(x: ExecutionWithFeedback): {
  execution: MessageInitShape<typeof ExecutionSchema>;
  feedback?: MessageInitShape<typeof FeedbackSchema>;
  automatedFeedback?: MessageInitShape<typeof FeedbackSchema>;
} {
  return {
    execution: executionToPb(x.execution),
    feedback: x.feedback ? feedbackToPb(x.feedback) : undefined,
    automatedFeedback: x.automatedFeedback ? feedbackToPb(x.automatedFeedback) : undefined,
  };
}

function groupToPb(g: PromptRevisionGroup) {
  return { promptKey: g.promptKey ?? "", promptRevision: toBig(g.promptRevision ?? 0), promptVersion: toBig(g.promptVersion ?? 0) };
}

function figuresToPb(f: ExecutionFigures): MessageInitShape<typeof ExecutionStatsSchema> {
  return {
    count: toBig(f.count),
    errorCount: toBig(f.errorCount),
    errorRate: f.errorRate,
    latencyAvgMs: f.latencyAvgMs,
    latencyP50Ms: f.latencyP50Ms,
    latencyP95Ms: f.latencyP95Ms,
    latencyP99Ms: f.latencyP99Ms,
    latencyMaxMs: f.latencyMaxMs,
  };
}

export function statsToPb(s: ExecutionStats): MessageInitShape<typeof ExecutionStatsResponseSchema> {
  return {
    total: figuresToPb(s),
    byPromptRevision: s.byPromptRevision.map((g) => ({ ...groupToPb(g), stats: figuresToPb(g) })),
  };
}

function feedbackFiguresToPb(f: FeedbackFigures): MessageInitShape<typeof FeedbackStatsSchema> {
  return {
    executions: toBig(f.executions),
    feedbackCount: toBig(f.feedbackCount),
    ratedCount: toBig(f.ratedCount),
    ratingCounts: ([1, 2, 3, 4, 5] as const).map((r) => toBig(f.ratingCounts[r])),
    ratingMean: f.ratingMean,
    correctionsCount: toBig(f.correctionsCount),
    automatedCount: toBig(f.automatedCount),
    scores: f.scores.map((s) => ({ name: s.name, count: toBig(s.count), mean: s.mean, normalizedMean: s.normalizedMean })),
  };
}

export function summaryToPb(s: FeedbackSummary): MessageInitShape<typeof FeedbackSummaryResponseSchema> {
  return {
    total: feedbackFiguresToPb(s),
    byPromptRevision: s.byPromptRevision.map((g) => ({ ...groupToPb(g), stats: feedbackFiguresToPb(g) })),
  };
}

// ---- results: wire → client ----

export function executionFromPb(pb: PbExecution): Execution {
  const promptRevision = Number(pb.promptRevision);
  const promptVersion = Number(pb.promptVersion);
  return {
    id: pb.id,
    startedAt: dateFromPb(pb.startedAt) ?? new Date(0),
    finishedAt: dateFromPb(pb.finishedAt) ?? new Date(0),
    ...(pb.input ? { input: valueFromPb(pb.input, "execution.input") } : {}),
    ...(pb.output ? { output: valueFromPb(pb.output, "execution.output") } : {}),
    latencyMs: pb.latencyMs ?? 0,
    status: statusFromPb(pb.status, "execution.status") ?? "OK",
    ...(pb.error ? { error: pb.error } : {}),
    ...(pb.promptKey ? { promptKey: pb.promptKey } : {}),
    ...(promptRevision ? { promptRevision } : {}),
    ...(promptVersion ? { promptVersion } : {}),
    ...(pb.promptLabel ? { promptLabel: pb.promptLabel } : {}),
    metadata: { ...pb.metadata },
    revision: Number(pb.revision),
    ...(pb.expiresAt ? { expiresAt: dateFromPb(pb.expiresAt) } : {}),
  };
}

export function feedbackFromPb(pb: PbFeedback): Feedback {
  return {
    executionId: pb.executionId,
    timestamp: dateFromPb(pb.timestamp) ?? new Date(0),
    ...(pb.rating !== undefined ? { rating: pb.rating } : {}),
    ...(pb.comment ? { comment: pb.comment } : {}),
    ...(pb.corrections ? { corrections: valueFromPb(pb.corrections, "feedback.corrections") } : {}),
    ...(pb.scores.length ? { scores: pb.scores.map((s) => ({ name: s.name, value: s.value, max: s.max })) } : {}),
    metadata: { ...pb.metadata },
    revision: Number(pb.revision),
    ...(pb.expiresAt ? { expiresAt: dateFromPb(pb.expiresAt) } : {}),
  };
}

export function withFeedbackFromPb(pb: TrainingExample | { execution?: PbExecution; feedback?: PbFeedback; automatedFeedback?: PbFeedback }): ExecutionWithFeedback {
  if (!pb.execution) throw new FabricError("INTERNAL", "server sent an example without an execution");
  return {
    execution: executionFromPb(pb.execution),
    ...(pb.feedback ? { feedback: feedbackFromPb(pb.feedback) } : {}),
    ...(pb.automatedFeedback ? { automatedFeedback: feedbackFromPb(pb.automatedFeedback) } : {}),
  };
}

function groupFromPb(g: { promptKey: string; promptRevision: bigint; promptVersion: bigint }): PromptRevisionGroup {
  const promptRevision = Number(g.promptRevision);
  const promptVersion = Number(g.promptVersion);
  return {
    ...(g.promptKey ? { promptKey: g.promptKey } : {}),
    ...(promptRevision ? { promptRevision } : {}),
    ...(promptVersion ? { promptVersion } : {}),
  };
}

function figuresFromPb(pb: PbExecutionStats | undefined): ExecutionFigures {
  return {
    count: Number(pb?.count ?? 0),
    errorCount: Number(pb?.errorCount ?? 0),
    errorRate: pb?.errorRate ?? 0,
    latencyAvgMs: pb?.latencyAvgMs ?? 0,
    latencyP50Ms: pb?.latencyP50Ms ?? 0,
    latencyP95Ms: pb?.latencyP95Ms ?? 0,
    latencyP99Ms: pb?.latencyP99Ms ?? 0,
    latencyMaxMs: pb?.latencyMaxMs ?? 0,
  };
}

export function statsFromPb(pb: ExecutionStatsResponse): ExecutionStats {
  return {
    ...figuresFromPb(pb.total),
    byPromptRevision: pb.byPromptRevision.map((g) => ({ ...groupFromPb(g), ...figuresFromPb(g.stats) })),
  };
}

function feedbackFiguresFromPb(pb: PbFeedbackStats | undefined): FeedbackFigures {
  const rc = pb?.ratingCounts ?? [];
  return {
    executions: Number(pb?.executions ?? 0),
    feedbackCount: Number(pb?.feedbackCount ?? 0),
    ratedCount: Number(pb?.ratedCount ?? 0),
    ratingCounts: { 1: Number(rc[0] ?? 0), 2: Number(rc[1] ?? 0), 3: Number(rc[2] ?? 0), 4: Number(rc[3] ?? 0), 5: Number(rc[4] ?? 0) },
    ratingMean: pb?.ratingMean ?? 0,
    correctionsCount: Number(pb?.correctionsCount ?? 0),
    automatedCount: Number(pb?.automatedCount ?? 0),
    scores: (pb?.scores ?? []).map((s) => ({ name: s.name, count: Number(s.count), mean: s.mean, normalizedMean: s.normalizedMean })),
  };
}

export function summaryFromPb(pb: FeedbackSummaryResponse): FeedbackSummary {
  return {
    ...feedbackFiguresFromPb(pb.total),
    byPromptRevision: pb.byPromptRevision.map((g) => ({ ...groupFromPb(g), ...feedbackFiguresFromPb(g.stats) })),
  };
}
