import { execFileSync } from "node:child_process";
import { ROLLOUT_BUCKETS, inRolloutShare, resolveLabelVersion, rolloutBucket } from "@cache-fabric/client";
import type { ExecutionStats, FeedbackSummary } from "@cache-fabric/client";
import { evaluateGate } from "../../server/prompts/gate.js";
import { validateStart } from "../../server/prompts/validate.js";

describe("sticky-key resolution (pure, client package)", () => {
  test("the bucket is the one README gives, computed independently by Python's hashlib", () => {
    const salt = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
    const keys = ["user-1", "user-2", "session:ä€𝄞", "", "agent/42", "x".repeat(300)];
    const script = [
      "import hashlib, json, sys",
      "salt, keys = json.loads(sys.stdin.read())",
      "print(json.dumps([(int.from_bytes(hashlib.sha256((salt + '\\0' + k).encode()).digest()[:4], 'big') * 10000) >> 32 for k in keys]))",
    ].join("\n");
    const python = JSON.parse(execFileSync("/usr/bin/python3", ["-c", script], { input: JSON.stringify([salt, keys]) }).toString()) as number[];
    expect(keys.map((k) => rolloutBucket(salt, k))).toEqual(python);
  });

  test("buckets spread evenly, shares are monotone, no key means the stable version", () => {
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 20_000; i++) counts[Math.floor((rolloutBucket("salt", `k${i}`) * 10) / ROLLOUT_BUCKETS)]++;
    // 2,000 expected per decile, sd ≈ 42: ±6 sd.
    for (const c of counts) expect(Math.abs(c - 2000)).toBeLessThan(255);
    for (let b = 0; b < ROLLOUT_BUCKETS; b += 37) {
      if (inRolloutShare(b, 5)) expect(inRolloutShare(b, 25)).toBe(true);
    }
    expect(inRolloutShare(499, 5)).toBe(true);
    expect(inRolloutShare(500, 5)).toBe(false);
    expect(inRolloutShare(0, 0.01)).toBe(true);
    expect(inRolloutShare(1, 0.01)).toBe(false);
    const label = { version: 3, rollout: { rolloutId: "r", toVersion: 4, percent: 99.99, salt: "s" } };
    expect(resolveLabelVersion(label)).toBe(3);
    expect(resolveLabelVersion(label, "")).toBe(3);
    expect(resolveLabelVersion({ version: 3 }, "anyone")).toBe(3);
  });
});

describe("gate (pure)", () => {
  const figures = (count: number, errorCount: number, p95: number) => ({
    count,
    errorCount,
    errorRate: count ? errorCount / count : 0,
    latencyAvgMs: p95,
    latencyP50Ms: p95,
    latencyP95Ms: p95,
    latencyP99Ms: p95,
    latencyMaxMs: p95,
  });
  const stats = (a: ReturnType<typeof figures>, b: ReturnType<typeof figures>): ExecutionStats => ({
    ...figures(a.count + b.count, a.errorCount + b.errorCount, 0),
    byPromptRevision: [
      { promptKey: "p", promptVersion: 1, ...a },
      { promptKey: "p", promptVersion: 2, ...b },
    ],
  });
  const feedback = (scoresA: [string, number, number][], scoresB: [string, number, number][]): FeedbackSummary => {
    const tally = (scores: [string, number, number][]) => ({
      executions: 100,
      feedbackCount: 0,
      ratedCount: 0,
      ratingCounts: { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 },
      ratingMean: 0,
      correctionsCount: 0,
      automatedCount: 100,
      scores: scores.map(([name, count, normalizedMean]) => ({ name, count, mean: normalizedMean, normalizedMean })),
    });
    return {
      ...tally([]),
      byPromptRevision: [
        { promptKey: "p", promptVersion: 1, ...tally(scoresA) },
        { promptKey: "p", promptVersion: 2, ...tally(scoresB) },
      ],
    };
  };
  const gateOf = (g: Parameters<typeof validateStart>[0]["gate"]) =>
    validateStart({ name: "p", label: "production", toVersion: 2, steps: [{ percent: 5, bakeMs: 0 }], reason: "r", gate: g }).gate;
  const at = { windowStart: new Date(0), now: new Date(1), baseline: 1, candidate: 2 };

  test("latency p95 above A's by more than the fraction fails; exactly at the limit passes", () => {
    const g = gateOf({ minSamples: 10 });
    expect(evaluateGate({ ...at, gate: g, stats: stats(figures(10, 0, 100), figures(10, 0, 126)) }).checks.find((c) => c.name === "latency_p95")).toMatchObject(
      { result: "FAIL", limit: 125 },
    );
    expect(evaluateGate({ ...at, gate: g, stats: stats(figures(10, 0, 100), figures(10, 0, 125)) }).verdict).toBe("PASS");
    expect(evaluateGate({ ...at, gate: g, stats: stats(figures(9, 0, 100), figures(10, 0, 999)) }).verdict).toBe("WAIT");
  });

  test("automated scores: a drop beyond the threshold on any score fails; a score with too few samples waits", () => {
    const g = gateOf({ minSamples: 10, minFeedback: 5, maxScoreDrop: 0.1 });
    const healthy = stats(figures(10, 0, 100), figures(10, 0, 100));
    const drop = evaluateGate({
      ...at,
      gate: g,
      stats: healthy,
      feedback: feedback(
        [
          ["accuracy", 5, 0.9],
          ["tone", 5, 0.8],
        ],
        [
          ["accuracy", 5, 0.85],
          ["tone", 5, 0.6],
        ],
      ),
    });
    expect(drop.verdict).toBe("REGRESSION");
    expect(drop.checks.filter((c) => c.name.startsWith("score:")).map((c) => [c.name, c.result])).toEqual([
      ["score:accuracy", "PASS"],
      ["score:tone", "FAIL"],
    ]);
    expect(evaluateGate({ ...at, gate: g, stats: healthy, feedback: feedback([["accuracy", 5, 0.9]], [["accuracy", 4, 0.9]]) }).verdict).toBe("WAIT");
    expect(evaluateGate({ ...at, gate: g, stats: healthy, feedback: feedback([], []) }).verdict).toBe("WAIT");
  });
});
