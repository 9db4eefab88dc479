import { FabricError, type GateEvaluation, type RolloutResult } from "@cache-fabric/client/api";
import type { RolloutIndexEntry } from "./records.js";
import type { LiveRollout, Transition } from "./registry.js";

/**
 * The loop that runs every rollout forward, in every server process. Each pass reads the index of
 * rollouts, evaluates each live one's gate and applies at most one decision per rollout:
 * - REGRESSION (a check failed with enough data): roll back at once, whether running or paused;
 * - PASS, running, and the step's bake time over: advance to the next step, or complete when the
 *   next step is 100% or there is none;
 * - otherwise nothing (WAIT holds the step, even past its bake time).
 *
 * Several servers run this over one store: decisions are compare-and-set writes on the rollout
 * record as read (registry.ts `transition`), so of servers deciding on the same state exactly one
 * write lands; the others see a conflict, drop their decision and re-read on their next pass.
 * Finished rollouts are pruned from the index lazily, with compare-and-set on the index.
 */
export interface RolloutController {
  /** One pass now (a pass already running is joined). Tests drive bake times with this and an injected clock. */
  tick(): Promise<ControllerPass>;
  /** Stops the timer and waits for a running pass. */
  stop(): Promise<void>;
  /** The last pass's failure, if it failed (kept until a pass succeeds). */
  readonly lastError: FabricError | undefined;
}

export interface ControllerPass {
  /** Live rollouts whose gates were evaluated. */
  evaluated: number;
  /** Decisions this process applied (another server's are not counted). */
  decisions: { name: string; label: string; kind: Transition["kind"]; evaluation: GateEvaluation }[];
}

export interface ControllerDeps {
  /** 0: no timer, passes only on `tick()`. */
  intervalMs: number;
  clock: () => number;
  onError?: (error: FabricError) => void;
  /** Told about every pass that completed (metrics: the live rollouts it found). */
  onPass?: (pass: ControllerPass) => void;
  readIndex(): Promise<{ entries: RolloutIndexEntry[]; revision: number }>;
  readLive(entry: RolloutIndexEntry): Promise<LiveRollout | undefined>;
  prune(stale: RolloutIndexEntry[], indexRevision: number): Promise<void>;
  evaluate(rollout: LiveRollout["rollout"]): Promise<GateEvaluation>;
  /** Applies a decision; null when another writer got there first. */
  decide(live: LiveRollout, transition: Transition): Promise<RolloutResult | null>;
}

export function createRolloutController(deps: ControllerDeps): RolloutController {
  let running: Promise<ControllerPass> | undefined;
  let lastError: FabricError | undefined;
  let stopped = false;

  const pass = async (): Promise<ControllerPass> => {
    const result: ControllerPass = { evaluated: 0, decisions: [] };
    const { entries, revision } = await deps.readIndex();
    const stale: RolloutIndexEntry[] = [];
    let failure: FabricError | undefined;
    for (const entry of entries) {
      // One rollout's failure (a slow stats scan, an outage) must not stop the others' decisions.
      try {
        const live = await deps.readLive(entry);
        if (!live || live.rollout.id !== entry.rolloutId) {
          stale.push(entry);
          continue;
        }
        result.evaluated++;
        const evaluation = await deps.evaluate(live.rollout);
        const t = decisionFor(live, evaluation, deps.clock());
        if (t && (await deps.decide(live, t))) result.decisions.push({ name: entry.name, label: entry.label, kind: t.kind, evaluation });
      } catch (e) {
        failure = FabricError.from(e);
      }
    }
    if (stale.length > 0) await deps.prune(stale, revision);
    if (failure) throw failure;
    return result;
  };

  const tick = (): Promise<ControllerPass> => {
    running ??= pass()
      .then((r) => {
        lastError = undefined;
        deps.onPass?.(r);
        return r;
      })
      .catch((e: unknown) => {
        lastError = FabricError.from(e);
        deps.onError?.(lastError);
        throw lastError;
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  const timer =
    deps.intervalMs > 0
      ? setInterval(() => {
          if (!stopped && !running) tick().catch(() => {}); // reported through onError and lastError
        }, deps.intervalMs)
      : undefined;
  timer?.unref();

  return {
    tick,
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await running?.catch(() => {});
    },
    get lastError() {
      return lastError;
    },
  };
}

/** What the gate's verdict means for this rollout now (see the interface's comment). */
function decisionFor(live: LiveRollout, evaluation: GateEvaluation, nowMs: number): Transition | undefined {
  const r = live.rollout;
  if (evaluation.verdict === "REGRESSION") return { kind: "rollback", evaluation };
  if (evaluation.verdict !== "PASS" || r.state !== "RUNNING") return undefined;
  if (nowMs - r.stepStartedAt.getTime() < r.steps[r.stepIndex].bakeMs) return undefined;
  const next = r.steps[r.stepIndex + 1];
  return !next || next.percent === 100 ? { kind: "complete", evaluation } : { kind: "advance", evaluation };
}
