import type {
  Execution, ExecutionFigures, ExecutionStats, Feedback, FeedbackFigures, FeedbackSummary, PromptRevisionGroup, Rating,
  ScoreSummary,
} from "@cache-fabric/client/api";

/**
 * Accumulators for ExecutionStats and FeedbackSummary: fed one execution (and its feedback) at a
 * time while the store is paged through, so a scan never holds the records themselves. Latency
 * percentiles are exact, which costs 8 bytes per execution per group (twice: group and total).
 */

/** Nearest-rank percentile of an ascending array: the smallest value with at least p% at or below it. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** Code-unit order: the same on every machine, unlike localeCompare. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

class Figures {
  private count = 0;
  private errors = 0;
  private sum = 0;
  private latencies = new Float64Array(64);

  add(e: Execution): void {
    if (this.count === this.latencies.length) {
      const grown = new Float64Array(this.latencies.length * 2);
      grown.set(this.latencies);
      this.latencies = grown;
    }
    this.latencies[this.count++] = e.latencyMs;
    this.sum += e.latencyMs;
    if (e.status === "ERROR") this.errors++;
  }

  result(): ExecutionFigures {
    const sorted = this.latencies.subarray(0, this.count).sort();
    return {
      count: this.count,
      errorCount: this.errors,
      errorRate: this.count === 0 ? 0 : this.errors / this.count,
      latencyAvgMs: this.count === 0 ? 0 : this.sum / this.count,
      latencyP50Ms: percentile(sorted, 50),
      latencyP95Ms: percentile(sorted, 95),
      latencyP99Ms: percentile(sorted, 99),
      latencyMaxMs: this.count === 0 ? 0 : sorted[this.count - 1],
    };
  }
}

/** Groups by (prompt key, prompt revision), with a total; `T` accumulates one group. */
class Grouped<T> {
  readonly total: T;
  private readonly groups = new Map<string, { group: PromptRevisionGroup; acc: T }>();

  constructor(private readonly make: () => T) {
    this.total = make();
  }

  /** The accumulator of `e`'s group, created on first use. */
  groupOf(e: Execution): T {
    const id = `${e.promptKey ?? ""}\u0000${e.promptRevision ?? 0}\u0000${e.promptVersion ?? 0}`;
    let g = this.groups.get(id);
    if (!g) {
      const group: PromptRevisionGroup = {
        ...(e.promptKey !== undefined ? { promptKey: e.promptKey } : {}),
        ...(e.promptRevision !== undefined ? { promptRevision: e.promptRevision } : {}),
        ...(e.promptVersion !== undefined ? { promptVersion: e.promptVersion } : {}),
      };
      g = { group, acc: this.make() };
      this.groups.set(id, g);
    }
    return g.acc;
  }

  /** Groups ordered by prompt key (none first), then revision, then version (none first). */
  sorted(): { group: PromptRevisionGroup; acc: T }[] {
    return [...this.groups.values()].sort(
      (a, b) =>
        compareStrings(a.group.promptKey ?? "", b.group.promptKey ?? "") ||
        (a.group.promptRevision ?? 0) - (b.group.promptRevision ?? 0) ||
        (a.group.promptVersion ?? 0) - (b.group.promptVersion ?? 0),
    );
  }
}

export class StatsAccumulator {
  private readonly grouped = new Grouped(() => new Figures());

  add(e: Execution): void {
    this.grouped.total.add(e);
    this.grouped.groupOf(e).add(e);
  }

  result(): ExecutionStats {
    return {
      ...this.grouped.total.result(),
      byPromptRevision: this.grouped.sorted().map(({ group, acc }) => ({ ...group, ...acc.result() })),
    };
  }
}

class FeedbackTally {
  private executions = 0;
  private feedbackCount = 0;
  private rated = 0;
  private ratingSum = 0;
  private readonly ratingCounts: Record<Rating, number> = { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 };
  private corrections = 0;
  private automated = 0;
  private readonly scores = new Map<string, { count: number; sum: number; normalizedSum: number }>();

  addExecution(): void {
    this.executions++;
  }

  addUser(f: Feedback): void {
    this.feedbackCount++;
    if (f.rating !== undefined) {
      this.rated++;
      this.ratingSum += f.rating;
      this.ratingCounts[f.rating as Rating]++;
    }
    if (f.corrections !== undefined) this.corrections++;
  }

  addAutomated(f: Feedback): void {
    this.automated++;
    for (const s of f.scores ?? []) {
      let t = this.scores.get(s.name);
      if (!t) this.scores.set(s.name, (t = { count: 0, sum: 0, normalizedSum: 0 }));
      t.count++;
      t.sum += s.value;
      // Records written by hand may lack a maximum (0): they count in the mean, not the normalized mean.
      t.normalizedSum += s.max > 0 ? s.value / s.max : 0;
    }
  }

  result(): FeedbackFigures {
    const scores: ScoreSummary[] = [...this.scores.entries()]
      .sort(([a], [b]) => compareStrings(a, b))
      .map(([name, t]) => ({ name, count: t.count, mean: t.sum / t.count, normalizedMean: t.normalizedSum / t.count }));
    return {
      executions: this.executions,
      feedbackCount: this.feedbackCount,
      ratedCount: this.rated,
      ratingCounts: { ...this.ratingCounts },
      ratingMean: this.rated === 0 ? 0 : this.ratingSum / this.rated,
      correctionsCount: this.corrections,
      automatedCount: this.automated,
      scores,
    };
  }
}

/**
 * Feedback summary in two passes: `addExecution` for every execution of the window (which fixes its
 * group), then `addFeedback` for feedback records, counted only for executions seen in pass one.
 */
export class FeedbackAccumulator {
  private readonly grouped = new Grouped(() => new FeedbackTally());
  /** Execution id → its group's tally, for the executions of the window. */
  private readonly byExecution = new Map<string, FeedbackTally>();

  addExecution(e: Execution): void {
    const group = this.grouped.groupOf(e);
    this.byExecution.set(e.id, group);
    this.grouped.total.addExecution();
    group.addExecution();
  }

  /** False when the execution is not in the window (the feedback is ignored). */
  addFeedback(f: Feedback, automated: boolean): boolean {
    const group = this.byExecution.get(f.executionId);
    if (!group) return false;
    for (const t of [this.grouped.total, group]) {
      if (automated) t.addAutomated(f);
      else t.addUser(f);
    }
    return true;
  }

  result(): FeedbackSummary {
    return {
      ...this.grouped.total.result(),
      byPromptRevision: this.grouped.sorted().map(({ group, acc }) => ({ ...group, ...acc.result() })),
    };
  }
}
