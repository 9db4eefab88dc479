import { randomBytes, randomUUID } from "node:crypto";
import type {
  Context,
  GateEvaluation,
  LabelHistoryPage,
  LabelMove,
  LabelMoveKind,
  PromptLabel,
  PromptRegistry,
  PromptVersion,
  PromptVersionPage,
  RegistryCallOptions,
  ResolvedPrompt,
  Rollout,
  RolloutEventKind,
  RolloutResult,
  RolloutState,
} from "@cache-fabric/client/api";
import { FabricError, resolveLabelVersion } from "@cache-fabric/client/api";
import { compileGlob } from "../contexts/glob.js";
import { decodePageToken, encodePageToken } from "../contexts/page-token.js";
import type { ExecutionOps } from "../executions/execution-ops.js";
import { lookup } from "../executions/scan.js";
import type { SetOp, Store, WriteOutcome } from "../store/types.js";
import { createConfigSchemaChecker, type ConfigSchemaOptions } from "./config-schema.js";
import { diffVersions } from "./diff.js";
import { evaluateGate, gateNeedsFeedback } from "./gate.js";
import { ROLLOUT_INDEX_KEY, hashKey, historyKey, historyPattern, labelKey, labelsPattern, rolloutKey, versionKey, versionsPattern } from "./keys.js";
import { LATEST_LABEL } from "./names.js";
import {
  decodeHash,
  decodeIndex,
  decodeLabel,
  decodeMove,
  decodeRollout,
  decodeVersion,
  encodeIndex,
  encodeLabel,
  encodeMove,
  encodeRollout,
  encodeVersion,
  type RolloutIndexEntry,
} from "./records.js";
import { contentHash } from "./template.js";
import { validateDiff, validateGet, validateHistory, validateList, validateMove, validatePublish, validateRolloutAction, validateStart } from "./validate.js";
import { createRolloutController, type ControllerPass, type RolloutController } from "./rollout-controller.js";

/** Prompt registry settings of the core (FabricOptions.prompts). */
export interface PromptRegistryOptions {
  /** Milliseconds since the epoch for created_at, history and bake times; tests drive bake times with their own. */
  clock?: () => number;
  /** How often this process evaluates the rollouts in progress. 0: never by itself (call `controller.tick()`). Default 5,000. */
  evaluationIntervalMs?: number;
  /** Limits of the config-schema check. */
  configSchema?: ConfigSchemaOptions;
  /** Told about a controller pass that failed (a store outage); the next pass tries again. */
  onControllerError?: (error: FabricError) => void;
  /** Told about rollout events and gate evaluations, for metrics (server/telemetry/metrics.ts). */
  observer?: RolloutObserver;
}

/**
 * What the registry reports as it runs rollouts. Each event is reported by the process whose write
 * made it (so over several servers every event is counted once, summed across them); evaluations
 * and the count of live rollouts by every controller that made them.
 */
export interface RolloutObserver {
  /** A rollout event this process wrote: started, a step, completed, promoted, rolled back, aborted, paused, resumed. */
  event(e: { prompt: string; label: string; kind: RolloutEventKind }): void;
  /** A gate this process's controller evaluated. */
  evaluation(e: { prompt: string; label: string; verdict: GateEvaluation["verdict"] }): void;
  /** Live rollouts (running or paused) the controller's last pass found. */
  active(count: number): void;
}

/** The registry as the core holds it: the public API plus its controller and lifecycle. */
export interface PromptRegistryCore extends PromptRegistry {
  readonly controller: RolloutController;
  close(): Promise<void>;
}

/** Who a write is attributed to when no one is named (no authentication). */
export const ANONYMOUS = "anonymous";
/** Who automatic rollout decisions are attributed to. */
export const CONTROLLER_ACTOR = "rollout-controller";

/** Compare-and-set attempts before a write under contention gives up with ABORTED. */
const MAX_ATTEMPTS = 32;
/** Events a rollout record keeps (oldest dropped beyond). */
const MAX_EVENTS = 100;
const MAX_LABELS_LISTED = 1000;

/** A rollout decision: how the label and the rollout record change. */
type Transition =
  | { kind: "advance"; evaluation: GateEvaluation }
  | { kind: "complete"; evaluation: GateEvaluation }
  | { kind: "rollback"; evaluation: GateEvaluation }
  | { kind: "promote" | "abort" | "pause" | "resume" };

/** A rollout in progress as read, with the label that carries its split. */
interface LiveRollout {
  rollout: Rollout;
  label: PromptLabel;
}

/**
 * The prompt registry over a Store (README "Prompt registry"). Every record is a GLOBAL context
 * (keys.ts); every change is one atomic store write with compare-and-set on what it read, retried
 * on conflict: version numbers come from the `latest` label's record, so two servers publishing at
 * once get n and n+1, never the same number and never a gap; a label and its history entry are
 * written together, so the history is complete. Nothing here knows which store it runs on.
 */
export function createPromptRegistry(deps: {
  store: Store;
  executions: Pick<ExecutionOps, "executionStats" | "feedbackSummary">;
  maxValueBytes: number;
  options?: PromptRegistryOptions;
}): PromptRegistryCore {
  const { store, executions, maxValueBytes } = deps;
  const options = deps.options ?? {};
  const clock = options.clock ?? Date.now;
  const now = () => new Date(clock());
  const schemas = createConfigSchemaChecker(options.configSchema);

  const read = (key: string): Promise<Context | null> => lookup(store, "GLOBAL", key);
  const readAll = (keys: string[]): Promise<(Context | null)[]> => Promise.all(keys.map(read));
  const actorOf = (o?: RegistryCallOptions): string => (typeof o?.actor === "string" && o.actor !== "" ? o.actor : ANONYMOUS);

  const set = (key: string, value: SetOp["value"], ifRevision: number): SetOp => ({ op: "set", scope: "GLOBAL", key, value, metadata: {}, ifRevision });
  const setLabel = (l: Omit<PromptLabel, "revision">, ifRevision: number) => set(labelKey(l.name, l.label), encodeLabel(l), ifRevision);
  const setMove = (m: Omit<LabelMove, "revision">) => set(historyKey(m.name, m.label, m.seq), encodeMove(m), 0);
  const setRollout = (r: Omit<Rollout, "revision">, ifRevision: number) => set(rolloutKey(r.name, r.label), encodeRollout(r), ifRevision);

  /** The write, or null when a compare-and-set did not hold (someone else wrote first: re-read). */
  const tryWrite = async (ops: SetOp[]): Promise<WriteOutcome | null> => {
    try {
      return await store.write(ops);
    } catch (e) {
      if (FabricError.is(e, "FAILED_PRECONDITION")) return null;
      throw e;
    }
  };
  /** Runs `attempt` until it returns a result (not undefined), re-reading after each conflict. */
  const retrying = async <T>(what: string, attempt: () => Promise<T | undefined>): Promise<T> => {
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      const result = await attempt();
      if (result !== undefined) return result;
      // Jittered, growing pause: concurrent writers of one prompt spread out instead of colliding again.
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 ** i)));
    }
    throw new FabricError("ABORTED", `${what}: too many concurrent changes to this prompt; retry`);
  };

  const context = (out: WriteOutcome, i: number): Context => (out.results[i] as { context: Context }).context;

  const registry: PromptRegistry = {
    async publish(input, o) {
      const p = validatePublish(input, maxValueBytes);
      if (p.configSchema) await schemas.check(p.configSchema, p.content.config);
      const hash = contentHash(p.content);
      const author = actorOf(o);
      return retrying("publish", async () => {
        const [hctx, lctx] = await readAll([hashKey(p.name, hash), labelKey(p.name, LATEST_LABEL)]);
        if (hctx) {
          const existing = await read(versionKey(p.name, decodeHash(hctx)));
          if (!existing) throw new FabricError("INTERNAL", `registry: hash record of "${p.name}" names a missing version`);
          return { version: decodeVersion(existing), created: false };
        }
        const latest = lctx ? decodeLabel(lctx) : undefined;
        const n = (latest?.version ?? 0) + 1;
        const at = now();
        const version: Omit<PromptVersion, "revision"> = {
          name: p.name,
          version: n,
          ...(p.content.text !== undefined ? { text: p.content.text } : { messages: p.content.messages! }),
          config: p.content.config,
          variables: p.content.variables,
          commitMessage: p.commitMessage,
          tags: p.tags,
          author,
          createdAt: at,
          contentHash: hash,
        };
        const value = encodeVersion(version);
        const bytes = Buffer.byteLength(JSON.stringify(value));
        if (bytes > maxValueBytes) {
          throw FabricError.invalid(
            "request",
            `the version would be ${bytes} bytes as JSON, more than the ${maxValueBytes} a value may have (FABRIC_MAX_VALUE_BYTES)`,
          );
        }
        const seq = (latest?.moves ?? 0) + 1;
        const reason = p.commitMessage ? `published version ${n}: ${p.commitMessage}` : `published version ${n}`;
        const out = await tryWrite([
          set(versionKey(p.name, n), value, 0),
          set(hashKey(p.name, hash), { version: n }, 0),
          setLabel({ name: p.name, label: LATEST_LABEL, version: n, moves: seq, updatedAt: at, updatedBy: author, reason }, lctx?.revision ?? 0),
          setMove({ name: p.name, label: LATEST_LABEL, seq, kind: "PUBLISH", fromVersion: latest?.version ?? 0, toVersion: n, actor: author, at, reason }),
        ]);
        return out ? { version: decodeVersion(context(out, 0)), created: true } : undefined;
      });
    },

    async get(input): Promise<ResolvedPrompt | null> {
      const q = validateGet(input);
      if (q.version !== undefined) {
        const ctx = await read(versionKey(q.name, q.version));
        return ctx ? { version: decodeVersion(ctx) } : null;
      }
      const lctx = await read(labelKey(q.name, q.label!));
      if (!lctx) return null;
      const label = decodeLabel(lctx);
      const vctx = await read(versionKey(q.name, resolveLabelVersion(label, q.stickyKey)));
      if (!vctx) throw new FabricError("INTERNAL", `registry: label "${label.label}" of "${q.name}" names a missing version`);
      return { version: decodeVersion(vctx), label };
    },

    async listVersions(input): Promise<PromptVersionPage> {
      const q = validateList(input);
      const page = await listPage(`versions\u0000${q.name}`, versionsPattern(q.name), q.limit, q.pageToken);
      return { versions: page.contexts.map(decodeVersion), ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}) };
    },

    async listLabels(name) {
      const q = validateList({ name });
      const out = await store.query("GLOBAL", compileGlob(labelsPattern(q.name)), { limit: MAX_LABELS_LISTED });
      return out.contexts.map(decodeLabel).sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
    },

    async diff(input) {
      const q = validateDiff(input);
      const [a, b] = await readAll([versionKey(q.name, q.fromVersion), versionKey(q.name, q.toVersion)]);
      if (!a) throw new FabricError("NOT_FOUND", `from_version: prompt "${q.name}" has no version ${q.fromVersion}`);
      if (!b) throw new FabricError("NOT_FOUND", `to_version: prompt "${q.name}" has no version ${q.toVersion}`);
      const from = decodeVersion(a);
      const to = decodeVersion(b);
      return { from, to, changes: diffVersions(from, to) };
    },

    async moveLabel(input, o) {
      const m = validateMove(input);
      const actor = actorOf(o);
      return retrying("move label", async () => {
        const [lctx, vctx] = await readAll([labelKey(m.name, m.label), versionKey(m.name, m.version)]);
        if (!vctx) throw new FabricError("NOT_FOUND", `version: prompt "${m.name}" has no version ${m.version}`);
        const current = lctx ? decodeLabel(lctx) : undefined;
        // Checked on every attempt: after a conflict the re-read decides, so a caller's
        // compare-and-set fails with the state that beat it.
        if (m.ifRevision !== undefined && (lctx?.revision ?? 0) !== m.ifRevision) {
          throw new FabricError(
            "FAILED_PRECONDITION",
            `label "${m.label}" of "${m.name}" is at revision ${lctx?.revision ?? 0}, not ${m.ifRevision}; nothing was moved`,
          );
        }
        if (m.ifVersion !== undefined && (current?.version ?? 0) !== m.ifVersion) {
          throw new FabricError(
            "FAILED_PRECONDITION",
            `label "${m.label}" of "${m.name}" points at ${current ? `version ${current.version}` : "nothing"}, not ${m.ifVersion === 0 ? "nothing" : `version ${m.ifVersion}`}; nothing was moved`,
          );
        }
        if (current?.rollout) {
          throw new FabricError("FAILED_PRECONDITION", `label "${m.label}" of "${m.name}" has a rollout in progress; promote or abort it first`);
        }
        if (current && current.version === m.version) return { label: current };
        const at = now();
        const seq = (current?.moves ?? 0) + 1;
        const out = await tryWrite([
          setLabel({ name: m.name, label: m.label, version: m.version, moves: seq, updatedAt: at, updatedBy: actor, reason: m.reason }, lctx?.revision ?? 0),
          setMove({ name: m.name, label: m.label, seq, kind: "MOVE", fromVersion: current?.version ?? 0, toVersion: m.version, actor, at, reason: m.reason }),
        ]);
        return out ? { label: decodeLabel(context(out, 0)), move: decodeMove(context(out, 1)) } : undefined;
      });
    },

    async labelHistory(input): Promise<LabelHistoryPage> {
      const q = validateHistory(input);
      const page = await listPage(`history\u0000${q.name}\u0000${q.label ?? ""}`, historyPattern(q.name, q.label), q.limit, q.pageToken);
      return { moves: page.contexts.map(decodeMove), ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}) };
    },

    async startRollout(input, o): Promise<RolloutResult> {
      const s = validateStart(input);
      const actor = actorOf(o);
      return retrying("start rollout", async () => {
        const [lctx, vctx, rctx, ictx] = await readAll([
          labelKey(s.name, s.label),
          versionKey(s.name, s.toVersion),
          rolloutKey(s.name, s.label),
          ROLLOUT_INDEX_KEY,
        ]);
        if (!vctx) throw new FabricError("NOT_FOUND", `to_version: prompt "${s.name}" has no version ${s.toVersion}`);
        if (!lctx) {
          throw new FabricError("FAILED_PRECONDITION", `label "${s.label}" of "${s.name}" does not exist; move it to the stable version first`);
        }
        const label = decodeLabel(lctx);
        if (s.ifVersion !== undefined && label.version !== s.ifVersion) {
          throw new FabricError(
            "FAILED_PRECONDITION",
            `label "${s.label}" of "${s.name}" points at version ${label.version}, not ${s.ifVersion}; no rollout started`,
          );
        }
        if (label.rollout) throw new FabricError("FAILED_PRECONDITION", `label "${s.label}" of "${s.name}" already has a rollout in progress`);
        if (label.version === s.toVersion) {
          throw new FabricError("FAILED_PRECONDITION", `label "${s.label}" of "${s.name}" already points at version ${s.toVersion}`);
        }
        const at = now();
        const id = randomUUID();
        const salt = randomBytes(16).toString("hex");
        const percent = s.steps[0].percent;
        const rollout: Omit<Rollout, "revision"> = {
          id,
          name: s.name,
          label: s.label,
          fromVersion: label.version,
          toVersion: s.toVersion,
          steps: s.steps,
          gate: s.gate,
          state: "RUNNING",
          stepIndex: 0,
          percent,
          stepStartedAt: at,
          startedAt: at,
          startedBy: actor,
          salt,
          events: [{ kind: "STARTED", at, actor, step: 0, percent, reason: s.reason }],
        };
        const seq = label.moves + 1;
        const index: RolloutIndexEntry[] = [
          ...decodeIndex(ictx).filter((e) => !(e.name === s.name && e.label === s.label)),
          { name: s.name, label: s.label, rolloutId: id },
        ];
        const out = await tryWrite([
          setLabel(
            { ...label, rollout: { rolloutId: id, toVersion: s.toVersion, percent, salt }, moves: seq, updatedAt: at, updatedBy: actor, reason: s.reason },
            lctx.revision,
          ),
          setMove({
            name: s.name,
            label: s.label,
            seq,
            kind: "ROLLOUT_START",
            fromVersion: label.version,
            toVersion: s.toVersion,
            percent,
            rolloutId: id,
            actor,
            at,
            reason: s.reason,
          }),
          setRollout(rollout, rctx?.revision ?? 0),
          set(ROLLOUT_INDEX_KEY, encodeIndex(index), ictx?.revision ?? 0),
        ]);
        if (!out) return undefined;
        options.observer?.event({ prompt: s.name, label: s.label, kind: "STARTED" });
        return { label: decodeLabel(context(out, 0)), rollout: decodeRollout(context(out, 2)) };
      });
    },

    pauseRollout: async (input, o) => (await operate(input, o, "pause", false)).rollout,
    resumeRollout: async (input, o) => (await operate(input, o, "resume", false)).rollout,
    promoteRollout: (input, o) => operate(input, o, "promote", true),
    abortRollout: (input, o) => operate(input, o, "abort", true),

    async rolloutStatus(input) {
      const q = validateRolloutAction(input, false);
      const rctx = await read(rolloutKey(q.name, q.label));
      if (!rctx) return null;
      const rollout = decodeRollout(rctx);
      return isLive(rollout.state) ? { rollout, evaluation: await evaluate(rollout) } : { rollout };
    },
  };

  /** One page of a newest-first listing of registry records. */
  async function listPage(query: string, pattern: string, limit: number, pageToken: string | undefined) {
    const cursor = decodePageToken(pageToken, query);
    const out = await store.query("GLOBAL", compileGlob(pattern), { limit, ...(cursor ? { beforeRevision: cursor.beforeRevision } : {}) });
    return {
      contexts: out.contexts,
      ...(out.nextBeforeRevision !== undefined ? { nextPageToken: encodePageToken(query, { beforeRevision: out.nextBeforeRevision }) } : {}),
    };
  }

  /** The rollout of (name, label) with its label, when one is running or paused; undefined otherwise. */
  async function readLive(name: string, label: string): Promise<LiveRollout | undefined> {
    const [rctx, lctx] = await readAll([rolloutKey(name, label), labelKey(name, label)]);
    if (!rctx || !lctx) return undefined;
    const rollout = decodeRollout(rctx);
    const l = decodeLabel(lctx);
    // The label carries the split of exactly this rollout while it is live (both are written together).
    if (!isLive(rollout.state) || l.rollout?.rolloutId !== rollout.id) return undefined;
    return { rollout, label: l };
  }

  /** An operator's pause, resume, promote or abort, retried on conflict with the controller. */
  async function operate(
    input: Parameters<PromptRegistry["pauseRollout"]>[0],
    o: RegistryCallOptions | undefined,
    kind: "pause" | "resume" | "promote" | "abort",
    reasonRequired: boolean,
  ): Promise<RolloutResult> {
    const q = validateRolloutAction(input, reasonRequired);
    const actor = actorOf(o);
    return retrying(`${kind} rollout`, async () => {
      const live = await readLive(q.name, q.label);
      if (!live) throw new FabricError("FAILED_PRECONDITION", `label "${q.label}" of "${q.name}" has no rollout running or paused`);
      // Pausing a paused rollout (or resuming a running one) changes nothing.
      if ((kind === "pause" && live.rollout.state === "PAUSED") || (kind === "resume" && live.rollout.state === "RUNNING")) return live;
      return (await transition(live, { kind }, actor, q.reason)) ?? undefined;
    });
  }

  /**
   * Applies one rollout decision as one atomic write, compare-and-set on the rollout record and the
   * label as read: of several servers deciding on the same state, exactly one write lands; the
   * others get null and leave it (the next pass re-reads). Pause and resume touch only the rollout
   * record (the split is unchanged); every other decision writes the label and its history entry too.
   */
  async function transition(live: LiveRollout, t: Transition, actor: string, reason: string): Promise<RolloutResult | null> {
    const { rollout: r, label: l } = live;
    const at = now();
    const evaluation = "evaluation" in t ? t.evaluation : undefined;
    const next = r.steps[r.stepIndex + 1];
    const plan: { state: RolloutState; event: RolloutEventKind; move?: LabelMoveKind; percent: number; step: number; labelVersion: number } =
      t.kind === "pause"
        ? { state: "PAUSED", event: "PAUSED", percent: r.percent, step: r.stepIndex, labelVersion: l.version }
        : t.kind === "resume"
          ? { state: "RUNNING", event: "RESUMED", percent: r.percent, step: r.stepIndex, labelVersion: l.version }
          : t.kind === "advance"
            ? { state: "RUNNING", event: "ADVANCED", move: "ROLLOUT_STEP", percent: next.percent, step: r.stepIndex + 1, labelVersion: l.version }
            : t.kind === "complete"
              ? { state: "COMPLETED", event: "COMPLETED", move: "ROLLOUT_COMPLETE", percent: 100, step: r.stepIndex, labelVersion: r.toVersion }
              : t.kind === "promote"
                ? { state: "COMPLETED", event: "PROMOTED", move: "ROLLOUT_PROMOTE", percent: 100, step: r.stepIndex, labelVersion: r.toVersion }
                : t.kind === "rollback"
                  ? { state: "ROLLED_BACK", event: "ROLLED_BACK", move: "ROLLOUT_ROLLBACK", percent: 0, step: r.stepIndex, labelVersion: r.fromVersion }
                  : { state: "ABORTED", event: "ABORTED", move: "ROLLOUT_ABORT", percent: 0, step: r.stepIndex, labelVersion: r.fromVersion };
    const why = reason || defaultReason(t.kind, r, plan.percent, evaluation);
    const finished = !isLive(plan.state);
    const rollout: Omit<Rollout, "revision"> = {
      ...r,
      state: plan.state,
      stepIndex: plan.step,
      percent: plan.percent,
      ...(t.kind === "advance" ? { stepStartedAt: at } : {}),
      ...(finished ? { finishedAt: at } : {}),
      events: [...r.events, { kind: plan.event, at, actor, step: plan.step, percent: plan.percent, reason: why, ...(evaluation ? { evaluation } : {}) }].slice(
        -MAX_EVENTS,
      ),
    };
    const ops: SetOp[] = [setRollout(rollout, r.revision)];
    if (plan.move) {
      const seq = l.moves + 1;
      const { rollout: _split, revision: _rev, ...base } = l;
      const label: Omit<PromptLabel, "revision"> = {
        ...base,
        version: plan.labelVersion,
        ...(finished ? {} : { rollout: { ...l.rollout!, percent: plan.percent } }),
        moves: seq,
        updatedAt: at,
        updatedBy: actor,
        reason: why,
      };
      const backwards = plan.move === "ROLLOUT_ROLLBACK" || plan.move === "ROLLOUT_ABORT";
      ops.push(setLabel(label, l.revision));
      ops.push(
        setMove({
          name: r.name,
          label: r.label,
          seq,
          kind: plan.move,
          fromVersion: backwards ? r.toVersion : r.fromVersion,
          toVersion: backwards ? r.fromVersion : r.toVersion,
          percent: plan.percent,
          rolloutId: r.id,
          actor,
          at,
          reason: why,
          ...(evaluation ? { evaluation } : {}),
        }),
      );
    }
    const out = await tryWrite(ops);
    if (!out) return null;
    options.observer?.event({ prompt: r.name, label: r.label, kind: plan.event });
    return { rollout: decodeRollout(context(out, 0)), label: plan.move ? decodeLabel(context(out, 1)) : l };
  }

  /** The gate of the rollout's current step, evaluated now. */
  async function evaluate(r: Rollout): Promise<GateEvaluation> {
    const window = { promptKey: r.name, promptLabel: r.label, since: r.stepStartedAt };
    const [stats, feedback] = await Promise.all([
      executions.executionStats(window),
      gateNeedsFeedback(r.gate) ? executions.feedbackSummary(window) : Promise.resolve(undefined),
    ]);
    return evaluateGate({
      gate: r.gate,
      baseline: r.fromVersion,
      candidate: r.toVersion,
      stats,
      ...(feedback ? { feedback } : {}),
      windowStart: r.stepStartedAt,
      now: now(),
    });
  }

  const controller = createRolloutController({
    intervalMs: options.evaluationIntervalMs ?? 5000,
    clock,
    ...(options.onControllerError ? { onError: options.onControllerError } : {}),
    readIndex: async () => {
      const ctx = await read(ROLLOUT_INDEX_KEY);
      return { entries: decodeIndex(ctx), revision: ctx?.revision ?? 0 };
    },
    readLive: (entry) => readLive(entry.name, entry.label),
    prune: async (stale, revision) => {
      const ctx = await read(ROLLOUT_INDEX_KEY);
      if (!ctx || ctx.revision !== revision) return; // changed meanwhile: the next pass looks again
      const gone = new Set(stale.map((e) => e.rolloutId));
      await tryWrite([set(ROLLOUT_INDEX_KEY, encodeIndex(decodeIndex(ctx).filter((e) => !gone.has(e.rolloutId))), revision)]);
    },
    evaluate: async (r) => {
      const evaluation = await evaluate(r);
      options.observer?.evaluation({ prompt: r.name, label: r.label, verdict: evaluation.verdict });
      return evaluation;
    },
    decide: (live, t) => transition(live, t, CONTROLLER_ACTOR, ""),
    ...(options.observer ? { onPass: (p: ControllerPass) => options.observer!.active(p.evaluated) } : {}),
  });

  return {
    ...registry,
    controller,
    async close() {
      await controller.stop();
      await schemas.close();
    },
  };
}

function isLive(state: RolloutState): boolean {
  return state === "RUNNING" || state === "PAUSED";
}

function defaultReason(kind: Transition["kind"], r: Rollout, percent: number, evaluation: GateEvaluation | undefined): string {
  switch (kind) {
    case "advance":
      return `gate passed after the bake time: version ${r.toVersion} to ${percent}%`;
    case "complete":
      return `gate passed on the last step: version ${r.toVersion} to 100%`;
    case "rollback": {
      const failed = (evaluation?.checks ?? [])
        .filter((c) => c.result === "FAIL")
        .map(
          (c) =>
            `${c.name} ${round(c.candidate)} on version ${r.toVersion} (${c.candidateSamples} samples) vs ${round(c.baseline)} on ${r.fromVersion} (${c.baselineSamples}), limit ${round(c.limit)}`,
        );
      return `gate found a regression, back to version ${r.fromVersion}: ${failed.join("; ")}`;
    }
    default:
      return kind;
  }
}

function round(x: number): string {
  return String(Math.round(x * 10_000) / 10_000);
}

export type { LiveRollout, Transition };
