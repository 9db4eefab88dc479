import type { GateEvaluation, Rollout, RolloutGate, RolloutStatus, RolloutStep } from "../../api/prompts.js";
import type { Command, CommandGroup } from "../command.js";
import { EXIT, UsageError } from "../command.js";
import { intFlag, numberFlag, positionals } from "../flag-values.js";
import { OPTIONAL_REASON_FLAG, REASON_FLAG, requiredReason, versionArg } from "./prompt-shared.js";

/**
 * `cache-fabric prompt rollout start|pause|resume|promote|abort|status <name> <label> ...`: staged
 * rollouts of a label from its version to another, with the gates that roll back by themselves.
 */

const start: Command = {
  summary: "start a staged rollout of a label to a version",
  usage:
    "cache-fabric prompt rollout start <name> <label> <version> --steps 5:10m,25:10m,100 --reason R [--min-samples N] [--min-feedback N] [--max-error-rate-increase X] [--max-latency-p95-increase X] [--max-rating-drop X] [--max-score-drop X] [--if-version N]",
  flags: {
    steps: { kind: "string", help: "P:BAKE,...  shares in percent, each held for its bake time (ms, s, m, h, d; bare: ms); a last 100 completes" },
    reason: REASON_FLAG,
    "min-samples": { kind: "string", help: "N  executions per version before error rate and latency are compared (default 100)" },
    "min-feedback": { kind: "string", help: "N  ratings or scores per version before they are compared (default 20)" },
    "max-error-rate-increase": { kind: "string", help: "X  regression when B's error rate exceeds A's by more (default 0.02)" },
    "max-latency-p95-increase": { kind: "string", help: "X  regression when B's p95 exceeds A's by more than this fraction (default 0.25)" },
    "max-rating-drop": { kind: "string", help: "X  regression when B's mean rating is lower by more (default: not checked)" },
    "max-score-drop": { kind: "string", help: "X  regression when an automated score's normalized mean is lower by more (default: not checked)" },
    "if-version": { kind: "string", help: "N  only if the label now points at version N" },
  },
  async run({ client, args, flags, print }) {
    const [name, label, version] = positionals(args, ["name", "label", "version"]);
    const raw = flags.get("steps");
    if (raw === undefined) throw new UsageError("--steps: is required, e.g. --steps 5:10m,25:10m,100");
    const steps = parseSteps(raw);
    const reason = requiredReason(flags);
    const gate: RolloutGate = {};
    const ints = { "min-samples": "minSamples", "min-feedback": "minFeedback" } as const;
    for (const [flag, key] of Object.entries(ints)) {
      const v = intFlag(flags, flag, 1);
      if (v !== undefined) gate[key] = v;
    }
    const numbers = {
      "max-error-rate-increase": "maxErrorRateIncrease",
      "max-latency-p95-increase": "maxLatencyP95Increase",
      "max-rating-drop": "maxRatingDrop",
      "max-score-drop": "maxScoreDrop",
    } as const;
    for (const [flag, key] of Object.entries(numbers)) {
      const v = numberFlag(flags, flag, 0);
      if (v !== undefined) gate[key] = v;
    }
    const ifVersion = intFlag(flags, "if-version", 0);
    const result = await client.prompts.startRollout({
      name,
      label,
      toVersion: versionArg(version, "version"),
      steps,
      gate,
      reason,
      ...(ifVersion !== undefined ? { ifVersion } : {}),
    });
    print.document(result, result.rollout.id);
  },
};

/** pause, resume, promote, abort: the same shape; promote and abort need a reason. */
function action(kind: "pauseRollout" | "resumeRollout" | "promoteRollout" | "abortRollout", summary: string, reasonRequired: boolean): Command {
  const verb = kind.replace("Rollout", "");
  return {
    summary,
    usage: `cache-fabric prompt rollout ${verb} <name> <label> ${reasonRequired ? "--reason R" : "[--reason R]"}`,
    flags: { reason: reasonRequired ? REASON_FLAG : OPTIONAL_REASON_FLAG },
    async run({ client, args, flags, print }) {
      const [name, label] = positionals(args, ["name", "label"]);
      const reason = reasonRequired ? requiredReason(flags) : flags.get("reason");
      const result = await client.prompts[kind]({ name, label, ...(reason !== undefined ? { reason } : {}) });
      const rollout: Rollout = "rollout" in result ? result.rollout : result;
      print.document(result, rollout.state);
    },
  };
}

const status: Command = {
  summary: "the label's latest rollout and its gate evaluated now; exit 3 when it never had one",
  usage: "cache-fabric prompt rollout status <name> <label>",
  flags: {},
  async run({ client, args, print }) {
    const [name, label] = positionals(args, ["name", "label"]);
    const got = await client.prompts.rolloutStatus({ name, label });
    if (!got) {
      if (print.format === "json") print.document(null);
      return EXIT.notFound;
    }
    print.document(got, statusText(got));
  },
};

export const command: CommandGroup = {
  summary: "staged rollouts: start, pause, resume, promote, abort, status",
  subcommands: {
    start,
    pause: action("pauseRollout", "hold the current step (gates still roll back)", false),
    resume: action("resumeRollout", "carry on from the current step", false),
    promote: action("promoteRollout", "move the label to the candidate now; the rollout ends", true),
    abort: action("abortRollout", "move the label back to the stable version; the rollout ends", true),
    status,
  },
};

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `5:10m,25:1h,100` → [{ percent: 5, bakeMs: 600000 }, { percent: 25, bakeMs: 3600000 }, { percent: 100, bakeMs: 0 }]. */
export function parseSteps(raw: string): RolloutStep[] {
  const steps = raw.split(",").map((piece, i) => {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(?::\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*)?$/.exec(piece);
    if (!m) throw new UsageError(`--steps: step ${i + 1} ("${piece}") must be PERCENT or PERCENT:BAKE, e.g. 25:10m`);
    return { percent: Number(m[1]), bakeMs: m[2] === undefined ? 0 : Math.round(Number(m[2]) * UNITS[m[3] ?? "ms"]) };
  });
  return steps;
}

/** The status for people: the rollout, its step, and each check of the gate evaluated now. */
export function statusText(s: RolloutStatus): string {
  const r = s.rollout;
  const step = r.steps[r.stepIndex];
  const lines = [
    `rollout ${r.id} of ${r.name} label ${r.label}: version ${r.fromVersion} -> ${r.toVersion}, ${r.state}`,
    `step ${r.stepIndex + 1} of ${r.steps.length} at ${r.percent}% since ${r.stepStartedAt.toISOString()} (bake ${step ? formatMs(step.bakeMs) : "-"})`,
  ];
  if (s.evaluation) lines.push(...gateLines(s.evaluation));
  const last = r.events.at(-1);
  if (last) lines.push(`last event: ${last.kind} by ${last.actor} at ${last.at.toISOString()}: ${last.reason}`);
  return lines.join("\n");
}

function gateLines(e: GateEvaluation): string[] {
  const f = (x: number) => String(Math.round(x * 10_000) / 10_000);
  return [
    `gate ${e.verdict}: version ${e.candidate.version} (${e.candidate.executions} runs) against ${e.baseline.version} (${e.baseline.executions} runs) since ${e.windowStart.toISOString()}`,
    ...e.checks.map(
      (c) =>
        `  ${c.name.padEnd(14)} ${c.result.padEnd(12)} ${f(c.candidate)} vs ${f(c.baseline)}, limit ${f(c.limit)} (samples ${c.candidateSamples} / ${c.baselineSamples})`,
    ),
  ];
}

function formatMs(ms: number): string {
  for (const [unit, size] of [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
