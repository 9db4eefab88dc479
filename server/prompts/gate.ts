import type {
  ExecutionFigures,
  ExecutionStats,
  FeedbackFigures,
  FeedbackSummary,
  GateCheck,
  GateEvaluation,
  GateVerdict,
  PromptRevisionGroup,
  VersionFigures,
} from "@cache-fabric/client/api";
import type { FullGate } from "./validate.js";

/**
 * A rollout step's gate, as a pure function of the statistics the fabric already computes: B (the
 * candidate) against A (the stable version) over the same window, the executions of this prompt
 * and label that started since the step began.
 *
 * Checks (each needs enough samples on both sides, else INSUFFICIENT):
 * - error_rate:  FAIL when B's error rate > A's + maxErrorRateIncrease           (minSamples executions)
 * - latency_p95: FAIL when B's p95 > A's × (1 + maxLatencyP95Increase)            (minSamples executions)
 * - rating:      FAIL when B's mean rating < A's − maxRatingDrop, if set           (minFeedback ratings)
 * - score:{n}:   FAIL when B's normalized mean of score n < A's − maxScoreDrop, if set, for every
 *                score name either side has                                         (minFeedback scores)
 * Verdict: any FAIL → REGRESSION (roll back now); else any INSUFFICIENT → WAIT (the step holds,
 * even past its bake time: too little data is not a pass); else PASS.
 */
export function evaluateGate(input: {
  gate: FullGate;
  baseline: number;
  candidate: number;
  stats: ExecutionStats;
  feedback?: FeedbackSummary;
  windowStart: Date;
  now: Date;
}): GateEvaluation {
  const { gate } = input;
  const a = figuresOf(input.baseline, input.stats, input.feedback);
  const b = figuresOf(input.candidate, input.stats, input.feedback);
  const checks: GateCheck[] = [];
  const enough = (x: number, y: number, min: number) => x >= min && y >= min;

  checks.push(check("error_rate", a.errorRate, b.errorRate, a.errorRate + gate.maxErrorRateIncrease, a.executions, b.executions, gate.minSamples, "above"));
  checks.push(
    check(
      "latency_p95",
      a.latencyP95Ms,
      b.latencyP95Ms,
      a.latencyP95Ms * (1 + gate.maxLatencyP95Increase),
      a.executions,
      b.executions,
      gate.minSamples,
      "above",
    ),
  );
  if (gate.maxRatingDrop !== undefined) {
    checks.push(check("rating", a.ratingMean, b.ratingMean, a.ratingMean - gate.maxRatingDrop, a.rated, b.rated, gate.minFeedback, "below"));
  }
  if (gate.maxScoreDrop !== undefined) {
    const names = [...new Set([...a.scores, ...b.scores].map((s) => s.name))].sort();
    if (names.length === 0) {
      // Asked for, and no side has any: not enough data, never a silent pass.
      checks.push({ name: "score", result: "INSUFFICIENT", baseline: 0, candidate: 0, limit: 0, baselineSamples: 0, candidateSamples: 0 });
    }
    for (const name of names) {
      const sa = a.scores.find((s) => s.name === name) ?? { count: 0, normalizedMean: 0 };
      const sb = b.scores.find((s) => s.name === name) ?? { count: 0, normalizedMean: 0 };
      checks.push(
        check(`score:${name}`, sa.normalizedMean, sb.normalizedMean, sa.normalizedMean - gate.maxScoreDrop, sa.count, sb.count, gate.minFeedback, "below"),
      );
    }
  }

  function check(name: string, baseline: number, candidate: number, limit: number, na: number, nb: number, min: number, bad: "above" | "below"): GateCheck {
    const samples = { baselineSamples: na, candidateSamples: nb };
    if (!enough(na, nb, min)) return { name, result: "INSUFFICIENT", baseline, candidate, limit, ...samples };
    const fails = bad === "above" ? candidate > limit + EPSILON : candidate < limit - EPSILON;
    return { name, result: fails ? "FAIL" : "PASS", baseline, candidate, limit, ...samples };
  }

  const verdict: GateVerdict = checks.some((c) => c.result === "FAIL") ? "REGRESSION" : checks.some((c) => c.result === "INSUFFICIENT") ? "WAIT" : "PASS";
  return { verdict, evaluatedAt: input.now, windowStart: input.windowStart, baseline: a, candidate: b, checks };
}

/** Floating-point slack, so a figure exactly at its limit passes. */
const EPSILON = 1e-9;

/** The figures of one version from the stats groups (registry executions carry no prompt revision). */
function figuresOf(version: number, stats: ExecutionStats, feedback: FeedbackSummary | undefined): VersionFigures {
  const e: ExecutionFigures | undefined = stats.byPromptRevision.find((g) => ofVersion(g, version));
  const f: FeedbackFigures | undefined = feedback?.byPromptRevision.find((g) => ofVersion(g, version));
  return {
    version,
    executions: e?.count ?? 0,
    errors: e?.errorCount ?? 0,
    errorRate: e?.errorRate ?? 0,
    latencyP95Ms: e?.latencyP95Ms ?? 0,
    rated: f?.ratedCount ?? 0,
    ratingMean: f?.ratingMean ?? 0,
    scores: (f?.scores ?? []).map((s) => ({ name: s.name, count: s.count, normalizedMean: s.normalizedMean })),
  };
}

function ofVersion(g: PromptRevisionGroup, version: number): boolean {
  return g.promptVersion === version && g.promptRevision === undefined;
}

/** Whether the gate needs feedback figures at all (saves a scan when only executions are compared). */
export function gateNeedsFeedback(gate: FullGate): boolean {
  return gate.maxRatingDrop !== undefined || gate.maxScoreDrop !== undefined;
}
