import type { MessageInitShape } from "@bufbuild/protobuf";
import { durationFromMs, durationMs, type Value } from "@bufbuild/protobuf/wkt";
import { FabricError } from "../api/errors.js";
import type { JsonValue } from "../api/types.js";
import type {
  DiffPromptVersionsInput,
  GateEvaluation,
  GetPromptInput,
  LabelHistoryInput,
  LabelMove,
  ListPromptVersionsInput,
  MoveLabelInput,
  PromptChange,
  PromptDiff,
  PromptLabel,
  PromptTemplate,
  PromptVersion,
  PublishPromptInput,
  Rollout,
  RolloutActionInput,
  RolloutGate,
  StartRolloutInput,
  VersionFigures,
} from "../api/prompts.js";
import {
  GateCheckResult as PbCheckResult,
  GateVerdict as PbVerdict,
  LabelMoveKind as PbMoveKind,
  PromptChangeKind as PbChangeKind,
  RolloutEventKind as PbEventKind,
  RolloutState as PbState,
  type DiffPromptVersionsRequestSchema,
  type DiffPromptVersionsResponse,
  type DiffPromptVersionsResponseSchema,
  type GateEvaluation as PbEvaluation,
  type GateEvaluationSchema,
  type GetPromptRequest,
  type GetPromptRequestSchema,
  type LabelHistoryRequest,
  type LabelHistoryRequestSchema,
  type LabelMove as PbMove,
  type LabelMoveSchema,
  type MoveLabelRequest,
  type MoveLabelRequestSchema,
  type PromptLabel as PbLabel,
  type PromptLabelSchema,
  type PromptVersion as PbVersion,
  type PromptVersionSchema,
  type PublishPromptRequest,
  type PublishPromptRequestSchema,
  type Rollout as PbRollout,
  type RolloutGate as PbGate,
  type RolloutSchema,
  type StartRolloutRequest,
  type StartRolloutRequestSchema,
  type VersionFigures as PbFigures,
} from "../gen/cachefabric/v1/prompt_pb.js";
import { dateFromPb, dateToPb, fromBig, toBig, valueFromPb, valueToPb } from "./convert.js";
import { wireInt32, wireInt64, wireNumber, wireString } from "./input-checks.js";

/**
 * Wire ⇄ API conversions for PromptService, shared by the server handler and the client like
 * convert.ts. Proto3 defaults map to "absent" (0 versions, empty strings); the API's string enums
 * are the proto enum names without their prefix (protobuf-es strips it), so they map by name.
 * Client-side `...ToPb` of inputs refuse only what the wire cannot carry; the rules are the server's.
 */

// ---- enums: the API name is the protobuf-es member name ----

/** name → number and back for a protobuf-es enum, UNSPECIFIED (0) reading as undefined. */
function enumOf<N extends string>(pb: Record<string, string | number>, what: string) {
  return {
    toPb(name: N | undefined, field: string): number {
      if (name === undefined) return 0;
      const n = pb[name];
      if (typeof n !== "number" || n === 0) throw FabricError.invalid(field, `is not a ${what}`);
      return n;
    },
    fromPb(n: number, field: string): N {
      const name = pb[n];
      if (typeof name !== "string" || n === 0) throw FabricError.invalid(field, `unknown ${what} ${n}`);
      return name as N;
    },
  };
}

const moveKinds = enumOf<LabelMove["kind"]>(PbMoveKind, "label move kind");
const states = enumOf<Rollout["state"]>(PbState, "rollout state");
const eventKinds = enumOf<Rollout["events"][number]["kind"]>(PbEventKind, "rollout event kind");
const verdicts = enumOf<GateEvaluation["verdict"]>(PbVerdict, "gate verdict");
const checkResults = enumOf<GateEvaluation["checks"][number]["result"]>(PbCheckResult, "gate check result");
const changeKinds = enumOf<PromptChange["kind"]>(PbChangeKind, "change kind");

// ---- shared pieces ----

type PbTemplate = PbVersion["template"];

function templateToPb(t: { text?: unknown; messages?: unknown }): MessageInitShape<typeof PromptVersionSchema>["template"] {
  // A oneof on the wire: both set would silently send one.
  if (t.text !== undefined && t.text !== null && t.messages !== undefined && t.messages !== null) {
    throw FabricError.invalid("template", "set exactly one of text, chat");
  }
  if (t.text !== undefined && t.text !== null) return { case: "text", value: wireString(t.text, "text") };
  if (t.messages !== undefined && t.messages !== null) {
    if (!Array.isArray(t.messages)) throw FabricError.invalid("chat.messages", "must be a list");
    return {
      case: "chat",
      value: {
        messages: t.messages.map((m: { role?: unknown; content?: unknown } | null, i) => {
          if (!m || typeof m !== "object") throw FabricError.invalid(`chat.messages[${i}]`, "must be an object {role, content}");
          return { role: wireString(m.role, `chat.messages[${i}].role`), content: wireString(m.content, `chat.messages[${i}].content`) };
        }),
      },
    };
  }
  return { case: undefined };
}

function templateFromPb(t: PbTemplate): Partial<PromptTemplate> {
  if (t.case === "text") return { text: t.value };
  if (t.case === "chat") return { messages: t.value.messages.map((m) => ({ role: m.role, content: m.content })) };
  return {};
}

/** A JSON object as a google.protobuf.Value (ours, so a `__proto__` key stays data; see convert.ts). */
function objectToPb(v: unknown, field: string): Value | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) throw FabricError.invalid(field, "must be a JSON object");
  return valueToPb(v as JsonValue, field);
}

/** The object a Value holds; anything else is refused naming `field` (the server's rule, stated where it is decoded). */
function objectFromPb(v: Value | undefined, field: string): { [key: string]: JsonValue } | undefined {
  const json = valueFromPb(v, field);
  if (json === undefined) return undefined;
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw FabricError.invalid(field, "must be a JSON object");
  return json;
}

function strings(v: unknown, field: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw FabricError.invalid(field, "must be a list of strings");
  return v.map((s, i) => wireString(s, `${field}[${i}]`));
}

/** An optional non-negative integer with presence (proto3 `optional int64`). */
function optionalInt64(v: unknown, field: string): bigint | undefined {
  return v === undefined || v === null ? undefined : wireInt64(v, field);
}

const versionNumber = (n: bigint, field: string): number => fromBig(n, field);

// ---- messages: both directions ----

export function versionToPb(v: PromptVersion): MessageInitShape<typeof PromptVersionSchema> {
  return {
    name: v.name,
    version: toBig(v.version),
    template: templateToPb(v),
    config: valueToPb(v.config),
    variables: v.variables,
    commitMessage: v.commitMessage,
    tags: v.tags,
    author: v.author,
    createdAt: dateToPb(v.createdAt),
    contentHash: v.contentHash,
    revision: toBig(v.revision),
  };
}

export function versionFromPb(pb: PbVersion): PromptVersion {
  return {
    name: pb.name,
    version: Number(pb.version),
    ...(templateFromPb(pb.template) as PromptTemplate),
    config: objectFromPb(pb.config, "config") ?? {},
    variables: [...pb.variables],
    commitMessage: pb.commitMessage,
    tags: [...pb.tags],
    author: pb.author,
    createdAt: dateFromPb(pb.createdAt) ?? new Date(0),
    contentHash: pb.contentHash,
    revision: Number(pb.revision),
  };
}

export function labelToPb(l: PromptLabel): MessageInitShape<typeof PromptLabelSchema> {
  return {
    name: l.name,
    label: l.label,
    version: toBig(l.version),
    ...(l.rollout
      ? { rollout: { rolloutId: l.rollout.rolloutId, toVersion: toBig(l.rollout.toVersion), percent: l.rollout.percent, salt: l.rollout.salt } }
      : {}),
    moves: toBig(l.moves),
    updatedAt: dateToPb(l.updatedAt),
    updatedBy: l.updatedBy,
    reason: l.reason,
    revision: toBig(l.revision),
  };
}

export function labelFromPb(pb: PbLabel): PromptLabel {
  return {
    name: pb.name,
    label: pb.label,
    version: Number(pb.version),
    ...(pb.rollout
      ? { rollout: { rolloutId: pb.rollout.rolloutId, toVersion: Number(pb.rollout.toVersion), percent: pb.rollout.percent, salt: pb.rollout.salt } }
      : {}),
    moves: Number(pb.moves),
    updatedAt: dateFromPb(pb.updatedAt) ?? new Date(0),
    updatedBy: pb.updatedBy,
    reason: pb.reason,
    revision: Number(pb.revision),
  };
}

function figuresToPb(f: VersionFigures) {
  return {
    version: toBig(f.version),
    executions: toBig(f.executions),
    errors: toBig(f.errors),
    errorRate: f.errorRate,
    latencyP95Ms: f.latencyP95Ms,
    rated: toBig(f.rated),
    ratingMean: f.ratingMean,
    scores: f.scores.map((s) => ({ name: s.name, count: toBig(s.count), normalizedMean: s.normalizedMean })),
  };
}

function figuresFromPb(pb: PbFigures | undefined): VersionFigures {
  return {
    version: Number(pb?.version ?? 0),
    executions: Number(pb?.executions ?? 0),
    errors: Number(pb?.errors ?? 0),
    errorRate: pb?.errorRate ?? 0,
    latencyP95Ms: pb?.latencyP95Ms ?? 0,
    rated: Number(pb?.rated ?? 0),
    ratingMean: pb?.ratingMean ?? 0,
    scores: (pb?.scores ?? []).map((s) => ({ name: s.name, count: Number(s.count), normalizedMean: s.normalizedMean })),
  };
}

export function evaluationToPb(e: GateEvaluation): MessageInitShape<typeof GateEvaluationSchema> {
  return {
    verdict: verdicts.toPb(e.verdict, "verdict"),
    evaluatedAt: dateToPb(e.evaluatedAt),
    windowStart: dateToPb(e.windowStart),
    baseline: figuresToPb(e.baseline),
    candidate: figuresToPb(e.candidate),
    checks: e.checks.map((c) => ({
      name: c.name,
      result: checkResults.toPb(c.result, "result"),
      baseline: c.baseline,
      candidate: c.candidate,
      limit: c.limit,
      baselineSamples: toBig(c.baselineSamples),
      candidateSamples: toBig(c.candidateSamples),
    })),
  };
}

export function evaluationFromPb(pb: PbEvaluation): GateEvaluation {
  return {
    verdict: verdicts.fromPb(pb.verdict, "verdict"),
    evaluatedAt: dateFromPb(pb.evaluatedAt) ?? new Date(0),
    windowStart: dateFromPb(pb.windowStart) ?? new Date(0),
    baseline: figuresFromPb(pb.baseline),
    candidate: figuresFromPb(pb.candidate),
    checks: pb.checks.map((c) => ({
      name: c.name,
      result: checkResults.fromPb(c.result, "result"),
      baseline: c.baseline,
      candidate: c.candidate,
      limit: c.limit,
      baselineSamples: Number(c.baselineSamples),
      candidateSamples: Number(c.candidateSamples),
    })),
  };
}

export function moveToPb(m: LabelMove): MessageInitShape<typeof LabelMoveSchema> {
  return {
    name: m.name,
    label: m.label,
    seq: toBig(m.seq),
    kind: moveKinds.toPb(m.kind, "kind"),
    fromVersion: toBig(m.fromVersion),
    toVersion: toBig(m.toVersion),
    percent: m.percent ?? 0,
    rolloutId: m.rolloutId ?? "",
    actor: m.actor,
    at: dateToPb(m.at),
    reason: m.reason,
    ...(m.evaluation ? { evaluation: evaluationToPb(m.evaluation) } : {}),
    revision: toBig(m.revision),
  };
}

export function moveFromPb(pb: PbMove): LabelMove {
  const kind = moveKinds.fromPb(pb.kind, "kind");
  return {
    name: pb.name,
    label: pb.label,
    seq: Number(pb.seq),
    kind,
    fromVersion: Number(pb.fromVersion),
    toVersion: Number(pb.toVersion),
    ...(kind.startsWith("ROLLOUT_") ? { percent: pb.percent } : {}),
    ...(pb.rolloutId ? { rolloutId: pb.rolloutId } : {}),
    actor: pb.actor,
    at: dateFromPb(pb.at) ?? new Date(0),
    reason: pb.reason,
    ...(pb.evaluation ? { evaluation: evaluationFromPb(pb.evaluation) } : {}),
    revision: Number(pb.revision),
  };
}

function gateToPb(g: RolloutGate | undefined): MessageInitShape<typeof StartRolloutRequestSchema>["gate"] {
  if (g === undefined || g === null) return undefined;
  if (typeof g !== "object") throw FabricError.invalid("gate", "must be an object");
  return {
    minSamples: wireInt64(g.minSamples, "gate.min_samples"),
    minFeedback: wireInt64(g.minFeedback, "gate.min_feedback"),
    ...optionalNumber("maxErrorRateIncrease", g.maxErrorRateIncrease, "gate.max_error_rate_increase"),
    ...optionalNumber("maxLatencyP95Increase", g.maxLatencyP95Increase, "gate.max_latency_p95_increase"),
    ...optionalNumber("maxRatingDrop", g.maxRatingDrop, "gate.max_rating_drop"),
    ...optionalNumber("maxScoreDrop", g.maxScoreDrop, "gate.max_score_drop"),
  };
}

function gateFromPb(pb: PbGate | undefined): RolloutGate {
  if (!pb) return {};
  return {
    ...(pb.minSamples ? { minSamples: fromBig(pb.minSamples, "gate.min_samples") } : {}),
    ...(pb.minFeedback ? { minFeedback: fromBig(pb.minFeedback, "gate.min_feedback") } : {}),
    ...(pb.maxErrorRateIncrease !== undefined ? { maxErrorRateIncrease: pb.maxErrorRateIncrease } : {}),
    ...(pb.maxLatencyP95Increase !== undefined ? { maxLatencyP95Increase: pb.maxLatencyP95Increase } : {}),
    ...(pb.maxRatingDrop !== undefined ? { maxRatingDrop: pb.maxRatingDrop } : {}),
    ...(pb.maxScoreDrop !== undefined ? { maxScoreDrop: pb.maxScoreDrop } : {}),
  };
}

function optionalObject<K extends string>(key: K, v: { [key: string]: JsonValue } | undefined): { [k in K]?: { [key: string]: JsonValue } } {
  return (v === undefined ? {} : { [key]: v }) as { [k in K]?: { [key: string]: JsonValue } };
}

function optionalNumber<K extends string>(key: K, v: unknown, field: string): { [k in K]?: number } {
  const n = wireNumber(v, field);
  return (n === undefined ? {} : { [key]: n }) as { [k in K]?: number };
}

export function rolloutToPb(r: Rollout): MessageInitShape<typeof RolloutSchema> {
  return {
    id: r.id,
    name: r.name,
    label: r.label,
    fromVersion: toBig(r.fromVersion),
    toVersion: toBig(r.toVersion),
    steps: r.steps.map((s) => ({ percent: s.percent, bake: durationFromMs(s.bakeMs) })),
    gate: gateToPb(r.gate),
    state: states.toPb(r.state, "state"),
    stepIndex: r.stepIndex,
    percent: r.percent,
    stepStartedAt: dateToPb(r.stepStartedAt),
    startedAt: dateToPb(r.startedAt),
    startedBy: r.startedBy,
    finishedAt: dateToPb(r.finishedAt),
    salt: r.salt,
    events: r.events.map((e) => ({
      kind: eventKinds.toPb(e.kind, "kind"),
      at: dateToPb(e.at),
      actor: e.actor,
      step: e.step,
      percent: e.percent,
      reason: e.reason,
      ...(e.evaluation ? { evaluation: evaluationToPb(e.evaluation) } : {}),
    })),
    revision: toBig(r.revision),
  };
}

export function rolloutFromPb(pb: PbRollout): Rollout {
  const gate = gateFromPb(pb.gate);
  return {
    id: pb.id,
    name: pb.name,
    label: pb.label,
    fromVersion: Number(pb.fromVersion),
    toVersion: Number(pb.toVersion),
    steps: pb.steps.map((s) => ({ percent: s.percent, bakeMs: s.bake ? durationMs(s.bake) : 0 })),
    gate: {
      minSamples: gate.minSamples ?? 0,
      minFeedback: gate.minFeedback ?? 0,
      maxErrorRateIncrease: gate.maxErrorRateIncrease ?? 0,
      maxLatencyP95Increase: gate.maxLatencyP95Increase ?? 0,
      ...(gate.maxRatingDrop !== undefined ? { maxRatingDrop: gate.maxRatingDrop } : {}),
      ...(gate.maxScoreDrop !== undefined ? { maxScoreDrop: gate.maxScoreDrop } : {}),
    },
    state: states.fromPb(pb.state, "state"),
    stepIndex: pb.stepIndex,
    percent: pb.percent,
    stepStartedAt: dateFromPb(pb.stepStartedAt) ?? new Date(0),
    startedAt: dateFromPb(pb.startedAt) ?? new Date(0),
    startedBy: pb.startedBy,
    ...(pb.finishedAt ? { finishedAt: dateFromPb(pb.finishedAt) } : {}),
    salt: pb.salt,
    events: pb.events.map((e) => ({
      kind: eventKinds.fromPb(e.kind, "kind"),
      at: dateFromPb(e.at) ?? new Date(0),
      actor: e.actor,
      step: e.step,
      percent: e.percent,
      reason: e.reason,
      ...(e.evaluation ? { evaluation: evaluationFromPb(e.evaluation) } : {}),
    })),
    revision: Number(pb.revision),
  };
}

export function diffToPb(d: PromptDiff): MessageInitShape<typeof DiffPromptVersionsResponseSchema> {
  return {
    from: versionToPb(d.from),
    to: versionToPb(d.to),
    changes: d.changes.map((c) => ({
      path: c.path,
      kind: changeKinds.toPb(c.kind, "kind"),
      before: c.before === undefined ? undefined : valueToPb(c.before),
      after: c.after === undefined ? undefined : valueToPb(c.after),
      textDiff: c.textDiff ?? "",
    })),
  };
}

export function diffFromPb(pb: DiffPromptVersionsResponse): PromptDiff {
  if (!pb.from || !pb.to) throw new FabricError("INTERNAL", "server sent a diff without its versions");
  return {
    from: versionFromPb(pb.from),
    to: versionFromPb(pb.to),
    changes: pb.changes.map((c) => ({
      path: c.path,
      kind: changeKinds.fromPb(c.kind, "kind"),
      ...(c.before ? { before: valueFromPb(c.before, "before") } : {}),
      ...(c.after ? { after: valueFromPb(c.after, "after") } : {}),
      ...(c.textDiff ? { textDiff: c.textDiff } : {}),
    })),
  };
}

// ---- requests: client → wire, wire → API input (server) ----

export function publishToPb(input: PublishPromptInput): MessageInitShape<typeof PublishPromptRequestSchema> {
  if (!input || typeof input !== "object") throw FabricError.invalid("request", "must be an object");
  return {
    name: wireString(input.name, "name"),
    template: templateToPb(input),
    config: objectToPb(input.config, "config"),
    variables: strings(input.variables, "variables"),
    commitMessage: wireString(input.commitMessage, "commit_message"),
    tags: strings(input.tags, "tags"),
    configSchema: objectToPb(input.configSchema, "config_schema"),
  };
}

export function publishFromPb(req: PublishPromptRequest): PublishPromptInput {
  return {
    name: req.name,
    ...(templateFromPb(req.template) as PromptTemplate),
    ...optionalObject("config", objectFromPb(req.config, "config")),
    ...(req.variables.length > 0 ? { variables: [...req.variables] } : {}),
    ...(req.commitMessage ? { commitMessage: req.commitMessage } : {}),
    ...(req.tags.length > 0 ? { tags: [...req.tags] } : {}),
    ...optionalObject("configSchema", objectFromPb(req.configSchema, "config_schema")),
  };
}

export function getToPb(input: GetPromptInput): MessageInitShape<typeof GetPromptRequestSchema> {
  if (!input || typeof input !== "object") throw FabricError.invalid("request", "must be an object");
  const hasVersion = input.version !== undefined && input.version !== null;
  const hasLabel = input.label !== undefined && input.label !== null;
  if (hasVersion && hasLabel) throw FabricError.invalid("selector", "set at most one of version, label");
  return {
    name: wireString(input.name, "name"),
    selector: hasVersion
      ? { case: "version", value: wireInt64(input.version, "version") }
      : hasLabel
        ? { case: "label", value: wireString(input.label, "label") }
        : { case: undefined },
    stickyKey: wireString(input.stickyKey, "sticky_key"),
  };
}

export function getFromPb(req: GetPromptRequest): GetPromptInput {
  return {
    name: req.name,
    ...(req.selector.case === "version" ? { version: versionNumber(req.selector.value, "version") } : {}),
    ...(req.selector.case === "label" ? { label: req.selector.value } : {}),
    ...(req.stickyKey ? { stickyKey: req.stickyKey } : {}),
  };
}

export function listToPb(input: ListPromptVersionsInput): { name: string; limit?: number; pageToken: string } {
  if (!input || typeof input !== "object") throw FabricError.invalid("request", "must be an object");
  return { name: wireString(input.name, "name"), limit: wireInt32(input.limit, "limit"), pageToken: wireString(input.pageToken, "page_token") };
}

export function listFromPb(req: { name: string; limit: number; pageToken: string }): ListPromptVersionsInput {
  return { name: req.name, ...(req.limit ? { limit: req.limit } : {}), ...(req.pageToken ? { pageToken: req.pageToken } : {}) };
}

export function historyToPb(input: LabelHistoryInput): MessageInitShape<typeof LabelHistoryRequestSchema> {
  return { ...listToPb(input), label: wireString(input.label, "label") };
}

export function historyFromPb(req: LabelHistoryRequest): LabelHistoryInput {
  return { ...listFromPb(req), ...(req.label ? { label: req.label } : {}) };
}

export function diffRequestToPb(input: DiffPromptVersionsInput): MessageInitShape<typeof DiffPromptVersionsRequestSchema> {
  if (!input || typeof input !== "object") throw FabricError.invalid("request", "must be an object");
  return {
    name: wireString(input.name, "name"),
    fromVersion: wireInt64(input.fromVersion, "from_version"),
    toVersion: wireInt64(input.toVersion, "to_version"),
  };
}

export function diffRequestFromPb(req: { name: string; fromVersion: bigint; toVersion: bigint }): DiffPromptVersionsInput {
  return { name: req.name, fromVersion: versionNumber(req.fromVersion, "from_version"), toVersion: versionNumber(req.toVersion, "to_version") };
}

export function moveRequestToPb(input: MoveLabelInput): MessageInitShape<typeof MoveLabelRequestSchema> {
  if (!input || typeof input !== "object") throw FabricError.invalid("request", "must be an object");
  return {
    name: wireString(input.name, "name"),
    label: wireString(input.label, "label"),
    version: wireInt64(input.version, "version"),
    reason: wireString(input.reason, "reason"),
    ifVersion: optionalInt64(input.ifVersion, "if_version"),
    ifRevision: optionalInt64(input.ifRevision, "if_revision"),
  };
}

export function moveRequestFromPb(req: MoveLabelRequest): MoveLabelInput {
  return {
    name: req.name,
    label: req.label,
    version: versionNumber(req.version, "version"),
    reason: req.reason,
    ...(req.ifVersion !== undefined ? { ifVersion: versionNumber(req.ifVersion, "if_version") } : {}),
    ...(req.ifRevision !== undefined ? { ifRevision: versionNumber(req.ifRevision, "if_revision") } : {}),
  };
}

export function startToPb(input: StartRolloutInput): MessageInitShape<typeof StartRolloutRequestSchema> {
  if (!input || typeof input !== "object") throw FabricError.invalid("request", "must be an object");
  if (!Array.isArray(input.steps)) throw FabricError.invalid("steps", "must be a list");
  return {
    name: wireString(input.name, "name"),
    label: wireString(input.label, "label"),
    toVersion: wireInt64(input.toVersion, "to_version"),
    steps: input.steps.map((s, i) => {
      if (!s || typeof s !== "object") throw FabricError.invalid(`steps[${i}]`, "must be an object {percent, bakeMs}");
      const bake = wireNumber(s.bakeMs, `steps[${i}].bake`) ?? 0;
      if (!Number.isFinite(bake) || bake < 0) throw FabricError.invalid(`steps[${i}].bake`, "must be from 0 to 30 days");
      return { percent: wireNumber(s.percent, `steps[${i}].percent`) ?? 0, bake: durationFromMs(bake) };
    }),
    gate: gateToPb(input.gate),
    reason: wireString(input.reason, "reason"),
    ifVersion: optionalInt64(input.ifVersion, "if_version"),
  };
}

export function startFromPb(req: StartRolloutRequest): StartRolloutInput {
  return {
    name: req.name,
    label: req.label,
    toVersion: versionNumber(req.toVersion, "to_version"),
    steps: req.steps.map((s) => ({ percent: s.percent, bakeMs: s.bake ? durationMs(s.bake) : 0 })),
    ...(req.gate ? { gate: gateFromPb(req.gate) } : {}),
    reason: req.reason,
    ...(req.ifVersion !== undefined ? { ifVersion: versionNumber(req.ifVersion, "if_version") } : {}),
  };
}

export function rolloutActionToPb(input: RolloutActionInput): { name: string; label: string; reason: string } {
  if (!input || typeof input !== "object") throw FabricError.invalid("request", "must be an object");
  return { name: wireString(input.name, "name"), label: wireString(input.label, "label"), reason: wireString(input.reason, "reason") };
}

export function rolloutActionFromPb(req: { name: string; label: string; reason?: string }): RolloutActionInput {
  return { name: req.name, label: req.label, ...(req.reason ? { reason: req.reason } : {}) };
}
