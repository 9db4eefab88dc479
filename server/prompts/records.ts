import type {
  Context,
  GateEvaluation,
  LabelMove,
  LabelMoveKind,
  RecordObject,
  Rollout,
  RolloutEvent,
  RolloutState,
  VersionFigures,
} from "@cache-fabric/client/api";
import { recordArray, recordObject } from "@cache-fabric/client/api";
import type { FullGate } from "./validate.js";

/**
 * How registry records are stored as context values (keys.ts names the keys). The version and
 * label records, which agents decode too, are the client package's (prompt-records.ts, re-exported
 * here); this module knows the other shapes. Shapes are snake_case JSON like the execution
 * records, dates ISO-8601 UTC, optional members omitted:
 *
 *   history  { name, label, seq, kind, from_version, to_version, percent?, rollout_id?, actor, at,
 *              reason, evaluation? }
 *   rollout  { id, name, label, from_version, to_version, steps: [{percent, bake_ms}], gate, state,
 *              step_index, percent, step_started_at, started_at, started_by, finished_at?, salt,
 *              events: [...] }
 *   hash     { version }
 *   index    { rollouts: [{ name, label, rollout_id }] }
 *
 * Records are written only by the registry (generic writes are refused), so decoding trusts the
 * shape and fails with INTERNAL, naming the key, if a record is not one.
 *
 * Evaluations (gate figures) are stored in the same snake_case shape as GateEvaluation's proto.
 */

export { decodeLabel, decodeVersion, encodeLabel, encodeVersion } from "@cache-fabric/client/api";

type Obj = RecordObject;

export function encodeMove(m: Omit<LabelMove, "revision">): Obj {
  return {
    name: m.name,
    label: m.label,
    seq: m.seq,
    kind: m.kind,
    from_version: m.fromVersion,
    to_version: m.toVersion,
    ...(m.percent !== undefined ? { percent: m.percent } : {}),
    ...(m.rolloutId !== undefined ? { rollout_id: m.rolloutId } : {}),
    actor: m.actor,
    at: m.at.toISOString(),
    reason: m.reason,
    ...(m.evaluation ? { evaluation: encodeEvaluation(m.evaluation) } : {}),
  };
}

export function decodeMove(ctx: Context): LabelMove {
  const v = recordObject(ctx);
  return {
    name: String(v.name),
    label: String(v.label),
    seq: Number(v.seq),
    kind: String(v.kind) as LabelMoveKind,
    fromVersion: Number(v.from_version),
    toVersion: Number(v.to_version),
    ...(typeof v.percent === "number" ? { percent: v.percent } : {}),
    ...(typeof v.rollout_id === "string" ? { rolloutId: v.rollout_id } : {}),
    actor: String(v.actor ?? ""),
    at: new Date(String(v.at)),
    reason: String(v.reason ?? ""),
    ...(v.evaluation ? { evaluation: decodeEvaluation(v.evaluation as Obj) } : {}),
    revision: ctx.revision,
  };
}

export function encodeRollout(r: Omit<Rollout, "revision">): Obj {
  return {
    id: r.id,
    name: r.name,
    label: r.label,
    from_version: r.fromVersion,
    to_version: r.toVersion,
    steps: r.steps.map((s) => ({ percent: s.percent, bake_ms: s.bakeMs })),
    gate: { ...r.gate } as Obj,
    state: r.state,
    step_index: r.stepIndex,
    percent: r.percent,
    step_started_at: r.stepStartedAt.toISOString(),
    started_at: r.startedAt.toISOString(),
    started_by: r.startedBy,
    ...(r.finishedAt ? { finished_at: r.finishedAt.toISOString() } : {}),
    salt: r.salt,
    events: r.events.map(encodeEvent),
  };
}

export function decodeRollout(ctx: Context): Rollout {
  const v = recordObject(ctx);
  return {
    id: String(v.id),
    name: String(v.name),
    label: String(v.label),
    fromVersion: Number(v.from_version),
    toVersion: Number(v.to_version),
    steps: recordArray(v.steps).map((s) => ({ percent: Number((s as Obj).percent), bakeMs: Number((s as Obj).bake_ms) })),
    gate: v.gate as unknown as FullGate,
    state: String(v.state) as RolloutState,
    stepIndex: Number(v.step_index),
    percent: Number(v.percent),
    stepStartedAt: new Date(String(v.step_started_at)),
    startedAt: new Date(String(v.started_at)),
    startedBy: String(v.started_by ?? ""),
    ...(typeof v.finished_at === "string" ? { finishedAt: new Date(v.finished_at) } : {}),
    salt: String(v.salt),
    events: recordArray(v.events).map((e) => decodeEvent(e as Obj)),
    revision: ctx.revision,
  };
}

function encodeEvent(e: RolloutEvent): Obj {
  return {
    kind: e.kind,
    at: e.at.toISOString(),
    actor: e.actor,
    step: e.step,
    percent: e.percent,
    reason: e.reason,
    ...(e.evaluation ? { evaluation: encodeEvaluation(e.evaluation) } : {}),
  };
}

function decodeEvent(v: Obj): RolloutEvent {
  return {
    kind: String(v.kind) as RolloutEvent["kind"],
    at: new Date(String(v.at)),
    actor: String(v.actor ?? ""),
    step: Number(v.step),
    percent: Number(v.percent),
    reason: String(v.reason ?? ""),
    ...(v.evaluation ? { evaluation: decodeEvaluation(v.evaluation as Obj) } : {}),
  };
}

function encodeEvaluation(e: GateEvaluation): Obj {
  const figures = (f: VersionFigures): Obj => ({
    version: f.version,
    executions: f.executions,
    errors: f.errors,
    error_rate: f.errorRate,
    latency_p95_ms: f.latencyP95Ms,
    rated: f.rated,
    rating_mean: f.ratingMean,
    scores: f.scores.map((s) => ({ name: s.name, count: s.count, normalized_mean: s.normalizedMean })),
  });
  return {
    verdict: e.verdict,
    evaluated_at: e.evaluatedAt.toISOString(),
    window_start: e.windowStart.toISOString(),
    baseline: figures(e.baseline),
    candidate: figures(e.candidate),
    checks: e.checks.map((c) => ({
      name: c.name,
      result: c.result,
      baseline: c.baseline,
      candidate: c.candidate,
      limit: c.limit,
      baseline_samples: c.baselineSamples,
      candidate_samples: c.candidateSamples,
    })),
  };
}

function decodeEvaluation(v: Obj): GateEvaluation {
  const figures = (o: Obj): VersionFigures => ({
    version: Number(o.version),
    executions: Number(o.executions),
    errors: Number(o.errors),
    errorRate: Number(o.error_rate),
    latencyP95Ms: Number(o.latency_p95_ms),
    rated: Number(o.rated),
    ratingMean: Number(o.rating_mean),
    scores: recordArray(o.scores).map((s) => ({
      name: String((s as Obj).name),
      count: Number((s as Obj).count),
      normalizedMean: Number((s as Obj).normalized_mean),
    })),
  });
  return {
    verdict: String(v.verdict) as GateEvaluation["verdict"],
    evaluatedAt: new Date(String(v.evaluated_at)),
    windowStart: new Date(String(v.window_start)),
    baseline: figures(v.baseline as Obj),
    candidate: figures(v.candidate as Obj),
    checks: recordArray(v.checks).map((c) => {
      const o = c as Obj;
      return {
        name: String(o.name),
        result: String(o.result) as GateEvaluation["checks"][number]["result"],
        baseline: Number(o.baseline),
        candidate: Number(o.candidate),
        limit: Number(o.limit),
        baselineSamples: Number(o.baseline_samples),
        candidateSamples: Number(o.candidate_samples),
      };
    }),
  };
}

export interface RolloutIndexEntry {
  name: string;
  label: string;
  rolloutId: string;
}

export function encodeIndex(entries: RolloutIndexEntry[]): Obj {
  return { rollouts: entries.map((e) => ({ name: e.name, label: e.label, rollout_id: e.rolloutId })) };
}

export function decodeIndex(ctx: Context | null): RolloutIndexEntry[] {
  if (!ctx) return [];
  return recordArray(recordObject(ctx).rollouts).map((e) => ({
    name: String((e as Obj).name),
    label: String((e as Obj).label),
    rolloutId: String((e as Obj).rollout_id),
  }));
}

export function decodeHash(ctx: Context): number {
  return Number(recordObject(ctx).version);
}
