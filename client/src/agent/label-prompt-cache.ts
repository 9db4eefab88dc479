import { FabricError } from "../api/errors.js";
import { decodeLabel, decodeVersion, labelKey, validateLabelName, validatePromptName, versionKey } from "../api/prompt-records.js";
import { inRolloutShare, rolloutBucket } from "../api/prompt-resolve.js";
import { renderTemplate, type TemplateValue, templateVariables } from "../api/prompt-template.js";
import type { ChatMessage, PromptLabel, PromptTemplate, PromptVersion } from "../api/prompts.js";
import type { Context, Fabric, JsonValue, WatchMessage, WatchResumeOptions } from "../api/types.js";
import { type PromptRunFields, promptFields } from "./agent-tracker.js";
import { deepFreeze } from "./deep-freeze.js";
import { backoffDelay, DEFAULT_RETRY_INITIAL_DELAY_MS, DEFAULT_RETRY_MAX_DELAY_MS } from "./resumable-watch.js";

/** A prompt to serve before the fabric has answered (a cold start with the fabric down). */
export type FallbackPrompt = PromptTemplate & { config?: { [key: string]: JsonValue } };

export interface LabelPromptCacheOptions {
  /** Registry prompt names to follow (1..1000), each through `label`. */
  prompts: string[];
  /** The label to follow: `production`, `staging`, `tenant-42`, `latest`, ... */
  label: string;
  /**
   * Whose version `get(name)` returns while a rollout runs: a user, session or agent id, hashed
   * with the rollout's salt exactly as the server hashes it (resolveLabelVersion). Absent: the
   * stable version. `get(name, stickyKey)` resolves another key on the same cache.
   */
  stickyKey?: string;
  /**
   * What to serve, per prompt name, until the fabric answers (marked `fallback: true`), and while
   * the label does not exist. Replaced by the label's version as soon as it is loaded.
   */
  fallback?: Record<string, FallbackPrompt>;
  /**
   * Called when what `get(name)` returns for the cache's own sticky key changes: another version,
   * the fallback replaced, or the label gone. Runs synchronously in the cache's update; errors it
   * throws are ignored.
   */
  onChange?: (name: string, prompt: CachedPrompt | undefined, previous: CachedPrompt | undefined) => void;
  /** Reconnection backoff of the watch, and of version loads that failed. */
  retry?: Omit<WatchResumeOptions, "onRetry">;
}

/** A prompt as the cache serves it: frozen, shared by every reader, safe to keep. */
export interface CachedPrompt {
  readonly name: string;
  readonly label: string;
  /** The version this is; 0 for the fallback. */
  readonly version: number;
  readonly text?: string;
  readonly messages?: readonly ChatMessage[];
  readonly config: { readonly [key: string]: JsonValue };
  /** The `{{variables}}` the template uses, sorted. */
  readonly variables: readonly string[];
  /** True for the fallback given to the cache (the fabric has not answered, or has no such label). */
  readonly fallback: boolean;
  /** Store revision of the label record this was resolved from (0 for the fallback). */
  readonly labelRevision: number;
  /** While a rollout of the label runs: which, the candidate's share, and whether this is the candidate. */
  readonly rollout?: { readonly rolloutId: string; readonly percent: number; readonly candidate: boolean };
  /** The version record (absent for the fallback). */
  readonly record?: PromptVersion;
  /**
   * The execution fields naming this version and label (`promptKey`, `promptVersion`,
   * `promptLabel`; the fallback: `promptKey` alone): `recordExecution({ ...prompt.execution, input, output })`.
   */
  readonly execution: Readonly<PromptRunFields>;
  /** The template with its `{{variables}}` filled in; INVALID_ARGUMENT naming a missing one. */
  render(variables?: Readonly<Record<string, TemplateValue>>): PromptTemplate;
}

/**
 * Registry prompts followed through one label, served from memory: `createPromptCache(fabric,
 * { prompts, label, stickyKey })`. See `createLabelPromptCache`.
 */
export interface LabelPromptCache {
  /**
   * Resolves once every prompt's label has been read and its version loaded (or the label found
   * absent). Rejects if that first load fails; the cache keeps trying and fills in when it can.
   */
  readonly ready: Promise<void>;
  readonly label: string;
  /**
   * The prompt `name` runs now for `stickyKey` (default: the cache's), a local read: the label's
   * version, or the rollout's candidate when the key falls in its share; the fallback before the
   * fabric has answered; undefined when there is neither. INVALID_ARGUMENT for a name the cache
   * does not follow.
   */
  get(name: string, stickyKey?: string): CachedPrompt | undefined;
  /**
   * `get(name, stickyKey).render(variables)`: INVALID_ARGUMENT naming a missing variable;
   * UNAVAILABLE when nothing can be served yet, NOT_FOUND when the label does not exist (and no
   * fallback was given).
   */
  render(name: string, variables?: Readonly<Record<string, TemplateValue>>, stickyKey?: string): PromptTemplate;
  /** The prompt names followed. */
  names(): string[];
  /** The watch's resume point: every label change up to it has been seen. */
  readonly revision: number;
  /**
   * The identity of the store history `revision` and the held versions belong to. When the
   * fabric's store is replaced (a restarted memory server, a flushed Redis) the cache re-reads the
   * labels, drops the versions it held (another history may number other content the same) and
   * loads them again, serving what it served meanwhile (`stale`).
   */
  readonly storeId: string | undefined;
  /**
   * True while the cache cannot confirm it serves the current versions: before the first load,
   * while the watch reconnects, and while a moved label's new version is being loaded. What it
   * served last is still served meanwhile (stale-if-error).
   */
  readonly stale: boolean;
  /** The most recent failure (of the watch or a version load), kept after recovery, for diagnostics. */
  readonly lastError: FabricError | undefined;
  /** Stops following. What is held stays readable. */
  close(): Promise<void>;
}

/** The most prompts one cache follows: the most keys one watch takes. */
export const MAX_LABEL_CACHE_PROMPTS = 1000;

/**
 * Follows registry prompts through a label, pushed, not polled. One watch (snapshot, then changes)
 * on the prompts' label records, which carry everything needed to resolve a sticky key: the
 * label's version and, during a rollout, the candidate, its share and its salt. So a label move, a
 * rollout step, a rollback reach the cache as one watch event, and `get()` resolves locally with
 * the same pure function the server uses (resolveLabelVersion): no call per read, no poll.
 *
 * Version records are immutable, so each is read once (`getContext` on `prompt:{name}@v:{n}`) and
 * kept. Caches over one `Fabric` share their reads (per store history). While a rollout runs both
 * its versions are held, so a step or a rollback switches without a read.
 *
 * Invariants:
 * - A label record is applied only when newer than the one held for its prompt (a replayed or
 *   reordered change never moves a cache back).
 * - The cache switches a prompt to a label record only once every version that record can resolve
 *   to is loaded; until then it serves what it served before (`stale`). Reads never block and never
 *   see a half-applied change.
 * - A failed version read is retried with backoff; the watch reconnects and resumes by itself (or
 *   re-reads everything after compaction). What was served last keeps being served meanwhile.
 *
 * @example
 * const prompts = createPromptCache(fabric, {
 *   prompts: ["router:main"], label: "production", stickyKey: userId,
 *   fallback: { "router:main": { text: "You route {{topic}} questions." } },
 * });
 * await prompts.ready.catch(() => {});   // fabric down: the fallback is served meanwhile
 * const p = prompts.get("router:main")!;
 * await trackExecution(fabric, { prompt: p, input }, () => llm(p.render({ topic }), input));
 */
export function createLabelPromptCache(fabric: Pick<Fabric, "watch" | "getContext">, options: LabelPromptCacheOptions): LabelPromptCache {
  return new LabelCache(fabric, validateOptions(options));
}

/** What a prompt serves from one label record: the version for keys outside a rollout's share, and the candidate. */
interface Served {
  label: PromptLabel;
  /** The history the label record and its versions were read from. */
  storeId: string | undefined;
  stable: CachedPrompt;
  candidate?: CachedPrompt;
  /** The cache's own sticky key is in the rollout's share. */
  ownOnCandidate: boolean;
  /** Other sticky keys resolved under this record: key → on the candidate (a SHA-256 saved per repeat). */
  resolved: Map<string, boolean>;
}

/** Sticky keys remembered per label record before the memo starts over (bounded memory, however many users). */
const MAX_RESOLVED_KEYS = 10_000;

/** One followed prompt. */
interface Slot {
  readonly name: string;
  readonly key: string;
  /** The newest label record seen; null: confirmed absent; undefined: not known yet. */
  latest: PromptLabel | null | undefined;
  /** Revision of the newest change applied (a put or a delete). */
  latestRevision: number;
  /** What `get` serves; undefined: nothing from the fabric (the fallback, if any, is served). */
  served: Served | undefined;
  /** The fabric has answered for this prompt (the label or its absence) and it is served. */
  settled: boolean;
  readonly fallback: CachedPrompt | undefined;
  readonly versions: Map<number, PromptVersion>;
  readonly loading: Set<number>;
  failures: number;
  retryTimer: NodeJS.Timeout | undefined;
}

type ValidOptions = LabelPromptCacheOptions & { fallbacks: Map<string, CachedPrompt> };

class LabelCache implements LabelPromptCache {
  readonly ready: Promise<void>;
  readonly label: string;
  revision = 0;
  storeId: string | undefined;
  lastError: FabricError | undefined;
  private live = false;
  private closed = false;
  private readonly slots = new Map<string, Slot>();
  /** Prompts the fabric has not answered for yet: `ready` resolves when none is left. */
  private unsettled: number;
  private readonly byKey = new Map<string, Slot>();
  private readonly controller = new AbortController();
  private readonly pump: Promise<void>;
  private readyState: "pending" | "resolved" | "rejected" = "pending";
  private settleReady!: (error?: FabricError) => void;

  constructor(
    private readonly fabric: Pick<Fabric, "watch" | "getContext">,
    private readonly options: ValidOptions,
  ) {
    this.label = options.label;
    this.unsettled = options.prompts.length;
    for (const name of options.prompts) {
      const slot: Slot = {
        name,
        key: labelKey(name, options.label),
        latest: undefined,
        latestRevision: 0,
        served: undefined,
        settled: false,
        fallback: options.fallbacks.get(name),
        versions: new Map(),
        loading: new Set(),
        failures: 0,
        retryTimer: undefined,
      };
      this.slots.set(name, slot);
      this.byKey.set(slot.key, slot);
    }
    this.ready = new Promise<void>((resolve, reject) => {
      this.settleReady = (error) => {
        if (this.readyState !== "pending") return;
        this.readyState = error ? "rejected" : "resolved";
        if (error) reject(error);
        else resolve();
      };
    });
    // Nobody may be awaiting `ready` when the first load fails; that must not crash the process.
    this.ready.catch(() => {});
    this.pump = this.run();
  }

  get(name: string, stickyKey: string | undefined = this.options.stickyKey): CachedPrompt | undefined {
    const slot = this.slots.get(name);
    if (!slot) throw FabricError.invalid("name", `"${name}" is not one of the prompts this cache follows`);
    return this.resolve(slot, stickyKey);
  }

  render(name: string, variables: Readonly<Record<string, TemplateValue>> = {}, stickyKey?: string): PromptTemplate {
    const prompt = this.get(name, stickyKey);
    if (prompt) return prompt.render(variables);
    const slot = this.slots.get(name)!;
    if (slot.settled) throw new FabricError("NOT_FOUND", `prompt "${name}" has no label "${this.label}"`);
    throw new FabricError("UNAVAILABLE", `prompt "${name}" is not loaded yet (the fabric has not answered) and no fallback was given`);
  }

  names(): string[] {
    return [...this.slots.keys()];
  }

  get stale(): boolean {
    if (!this.live) return true;
    for (const slot of this.slots.values()) if (!isCurrent(slot)) return true;
    return false;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.controller.abort();
    for (const slot of this.slots.values()) clearTimeout(slot.retryTimer);
    await this.pump;
  }

  private async run(): Promise<void> {
    const { retry } = this.options;
    try {
      const watch = this.fabric.watch({
        scope: "GLOBAL",
        keys: [...this.byKey.keys()],
        snapshot: true,
        signal: this.controller.signal,
        resume: {
          ...retry,
          onRetry: (error) => {
            this.live = false;
            this.fail(error);
          },
        },
      });
      for await (const message of watch) this.apply(message);
    } catch (e) {
      // Only failures a retry cannot fix get here (PERMISSION_DENIED, INVALID_ARGUMENT): the cache stops updating.
      this.live = false;
      this.fail(FabricError.from(e));
    }
  }

  private apply(m: WatchMessage): void {
    this.live = true;
    if (m.kind === "reset") {
      // A reset may start another history, whose revisions count from lower: take its revision as
      // it is; in another history the same version number may hold other content: drop them all.
      this.revision = m.revision;
      if (m.storeId !== undefined && m.storeId !== this.storeId) {
        if (this.storeId !== undefined) for (const slot of this.slots.values()) slot.versions.clear();
        this.storeId = m.storeId;
      }
      const found = new Map(m.contexts.map((c) => [c.key, c]));
      // A reset is the state as it is now: take it as it is, older revisions included.
      for (const slot of this.slots.values()) this.take(slot, found.get(slot.key) ?? null, m.revision, true);
      return;
    }
    if (m.revision > this.revision) this.revision = m.revision;
    if (m.kind === "event") {
      const slot = this.byKey.get(m.event.key);
      if (slot) this.take(slot, m.event.type === "PUT" ? (m.event.context ?? null) : null, m.event.revision, false);
    }
  }

  /** A label record (or its absence) as of `revision`: held if newer, then served once its versions are loaded. */
  private take(slot: Slot, ctx: Context | null, revision: number, reset: boolean): void {
    if (!reset && revision <= slot.latestRevision) return;
    let label: PromptLabel | null = null;
    if (ctx) {
      try {
        label = decodeLabel(ctx);
      } catch (e) {
        this.fail(FabricError.from(e));
        return;
      }
    }
    slot.latest = label;
    slot.latestRevision = ctx ? ctx.revision : revision;
    this.settle(slot);
  }

  /** Serves the newest label record once every version it can resolve to is held; loads those missing. */
  private settle(slot: Slot): void {
    if (this.closed) return;
    const label = slot.latest;
    if (label === undefined) return;
    if (label === null) {
      this.serve(slot, undefined);
      return;
    }
    if (slot.served?.label.revision === label.revision && slot.served.storeId === this.storeId && slot.settled) return;
    const needed = neededVersions(label);
    const missing = needed.filter((v) => !slot.versions.has(v));
    if (missing.length === 0) {
      this.serve(slot, this.build(slot, label));
      return;
    }
    for (const v of missing) this.load(slot, v);
  }

  private load(slot: Slot, version: number): void {
    if (slot.loading.has(version)) return;
    slot.loading.add(version);
    const history = this.storeId;
    readShared(this.fabric, versionKey(slot.name, version), history).then(
      ({ version: record, storeId }) => {
        slot.loading.delete(version);
        if (this.closed) return;
        if (history !== this.storeId) {
          // The labels were re-read from another history while this read ran: start again from them.
          this.settle(slot);
          return;
        }
        if (storeId !== undefined && this.storeId !== undefined && storeId !== this.storeId) {
          // Answered by another history than the labels held: the watch's reset is on its way.
          this.retryLater(slot, new FabricError("UNAVAILABLE", `version ${version} of "${slot.name}" was read from another store history than its label`));
          return;
        }
        if (!record) {
          this.retryLater(
            slot,
            new FabricError("INTERNAL", `label "${this.label}" of "${slot.name}" names version ${version}, which the fabric does not hold`),
          );
          return;
        }
        slot.versions.set(version, record);
        slot.failures = 0;
        this.settle(slot);
      },
      (e: unknown) => {
        slot.loading.delete(version);
        if (!this.closed) this.retryLater(slot, FabricError.from(e));
      },
    );
  }

  private retryLater(slot: Slot, error: FabricError): void {
    this.fail(error);
    clearTimeout(slot.retryTimer);
    const retry = this.options.retry ?? {};
    const delay = backoffDelay(++slot.failures, retry.initialDelayMs ?? DEFAULT_RETRY_INITIAL_DELAY_MS, retry.maxDelayMs ?? DEFAULT_RETRY_MAX_DELAY_MS);
    slot.retryTimer = setTimeout(() => this.settle(slot), delay);
    slot.retryTimer.unref?.();
  }

  private serve(slot: Slot, served: Served | undefined): void {
    const before = this.resolve(slot, this.options.stickyKey);
    const previous = slot.served;
    slot.served = served;
    if (served) {
      // Keep the versions of what is served and of what was served before it (so moving a label
      // back is as quick as moving it forward): a prompt holds at most four.
      const keep = new Set([...neededVersions(served.label), ...(previous ? neededVersions(previous.label) : [])]);
      for (const v of slot.versions.keys()) if (!keep.has(v)) slot.versions.delete(v);
    }
    const after = this.resolve(slot, this.options.stickyKey);
    if (!slot.settled) {
      slot.settled = true;
      if (--this.unsettled === 0) this.settleReady();
    }
    if (identity(before) !== identity(after)) this.notify(slot.name, after, before);
  }

  private build(slot: Slot, label: PromptLabel): Served {
    const r = label.rollout;
    const stable = this.prompt(slot, label, slot.versions.get(label.version)!, r && { rolloutId: r.rolloutId, percent: r.percent, candidate: false });
    if (!r) return { label, storeId: this.storeId, stable, ownOnCandidate: false, resolved: new Map() };
    const candidate = this.prompt(slot, label, slot.versions.get(r.toVersion)!, { rolloutId: r.rolloutId, percent: r.percent, candidate: true });
    const own = this.options.stickyKey;
    return {
      label,
      storeId: this.storeId,
      stable,
      candidate,
      ownOnCandidate: own !== undefined && own !== "" && inRolloutShare(rolloutBucket(r.salt, own), r.percent),
      resolved: new Map(),
    };
  }

  private prompt(slot: Slot, label: PromptLabel, v: PromptVersion, rollout: CachedPrompt["rollout"]): CachedPrompt {
    const what = `version ${v.version} of "${v.name}"`;
    const template: PromptTemplate = v.text !== undefined ? { text: v.text } : { messages: v.messages ?? [] };
    return Object.freeze({
      name: slot.name,
      label: this.label,
      version: v.version,
      ...template,
      config: v.config,
      variables: v.variables,
      fallback: false,
      labelRevision: label.revision,
      ...(rollout ? { rollout: Object.freeze(rollout) } : {}),
      record: v,
      execution: Object.freeze(promptFields({ name: slot.name, version: v.version, label: this.label })),
      render: (variables: Readonly<Record<string, TemplateValue>> = {}) => renderTemplate(template, variables, what),
    });
  }

  private resolve(slot: Slot, stickyKey: string | undefined): CachedPrompt | undefined {
    const s = slot.served;
    if (!s) return slot.fallback;
    if (!s.candidate || stickyKey === undefined || stickyKey === "") return s.stable;
    if (stickyKey === this.options.stickyKey) return s.ownOnCandidate ? s.candidate : s.stable;
    let onCandidate = s.resolved.get(stickyKey);
    if (onCandidate === undefined) {
      const r = s.label.rollout!;
      onCandidate = inRolloutShare(rolloutBucket(r.salt, stickyKey), r.percent);
      if (s.resolved.size >= MAX_RESOLVED_KEYS) s.resolved.clear();
      s.resolved.set(stickyKey, onCandidate);
    }
    return onCandidate ? s.candidate : s.stable;
  }

  private fail(error: FabricError): void {
    this.lastError = error;
    this.settleReady(error);
  }

  private notify(name: string, prompt: CachedPrompt | undefined, previous: CachedPrompt | undefined): void {
    if (!this.options.onChange) return;
    try {
      this.options.onChange(name, prompt, previous);
    } catch {
      // A consumer's callback must not stop the cache from updating.
    }
  }
}

/** The versions a label record can resolve to: its own, and a rollout's candidate. */
function neededVersions(label: PromptLabel): number[] {
  return label.rollout ? [label.version, label.rollout.toVersion] : [label.version];
}

function isCurrent(slot: Slot): boolean {
  if (slot.latest === undefined) return false;
  if (slot.latest === null) return slot.settled && slot.served === undefined;
  return slot.served?.label.revision === slot.latest.revision;
}

/** What a change callback compares: another version (or its content, after a store was replaced), or the fallback. */
function identity(p: CachedPrompt | undefined): string {
  if (!p) return "";
  return p.fallback ? "fallback" : `${p.version}\u0000${p.record?.contentHash ?? ""}`;
}

/**
 * Version records shared by the caches over one Fabric (one client): a fleet of caches in one
 * process that learns of a label move reads the new version once. Reads in flight are joined; a
 * version read is kept by (store history, key), which is exact because a version record never
 * changes within one history, and bounded (the oldest are dropped beyond SHARED_VERSIONS).
 */
interface SharedVersions {
  inFlight: Map<string, Promise<VersionRead>>;
  held: Map<string, PromptVersion>;
}

const SHARED_VERSIONS = 256;
const shared = new WeakMap<object, SharedVersions>();

/** A version record as read (decoded and frozen), with the history that answered (the answer's store header). */
interface VersionRead {
  version: PromptVersion | null;
  storeId: string | undefined;
}

function readShared(fabric: Pick<Fabric, "getContext">, key: string, storeId: string | undefined): Promise<VersionRead> {
  let s = shared.get(fabric);
  if (!s) shared.set(fabric, (s = { inFlight: new Map(), held: new Map() }));
  const { inFlight, held } = s;
  const kept = storeId === undefined ? undefined : held.get(`${storeId}\u0000${key}`);
  if (kept) return Promise.resolve({ version: kept, storeId });
  let read = inFlight.get(key);
  if (!read) {
    let answeredBy: string | undefined;
    read = fabric
      .getContext({ key, scope: "GLOBAL" }, { onHeader: (h) => (answeredBy = h.storeId) })
      .then((context) => {
        const version = context ? deepFreeze(decodeVersion(context)) : null;
        if (version && answeredBy !== undefined) {
          if (held.size >= SHARED_VERSIONS) held.delete(held.keys().next().value!);
          held.set(`${answeredBy}\u0000${key}`, version);
        }
        return { version, storeId: answeredBy };
      })
      .finally(() => inFlight.delete(key));
    inFlight.set(key, read);
  }
  return read;
}

function validateOptions(options: LabelPromptCacheOptions): ValidOptions {
  if (!options || typeof options !== "object") throw FabricError.invalid("options", "must be an object");
  const label = validateLabelName(options.label);
  if (!Array.isArray(options.prompts) || options.prompts.length === 0) throw FabricError.invalid("prompts", "must name at least one prompt");
  if (options.prompts.length > MAX_LABEL_CACHE_PROMPTS) throw FabricError.invalid("prompts", `must name at most ${MAX_LABEL_CACHE_PROMPTS} prompts`);
  const prompts = options.prompts.map((n, i) => validatePromptName(n, `prompts[${i}]`));
  if (new Set(prompts).size !== prompts.length) throw FabricError.invalid("prompts", "must not name a prompt twice");
  if (options.stickyKey !== undefined && typeof options.stickyKey !== "string") throw FabricError.invalid("stickyKey", "must be a string");
  const fallbacks = new Map<string, CachedPrompt>();
  for (const [name, f] of Object.entries(options.fallback ?? {})) {
    const field = `fallback.${name}`;
    if (!prompts.includes(name)) throw FabricError.invalid(field, "is not one of prompts");
    fallbacks.set(name, fallbackPrompt(name, label, f, field));
  }
  return { ...options, label, prompts, fallbacks };
}

function fallbackPrompt(name: string, label: string, f: FallbackPrompt, field: string): CachedPrompt {
  if (!f || typeof f !== "object") throw FabricError.invalid(field, "must be { text } or { messages }");
  const hasText = f.text !== undefined;
  if (hasText === (f.messages !== undefined)) throw FabricError.invalid(field, "set exactly one of text, messages");
  if (hasText && (typeof f.text !== "string" || f.text === "")) throw FabricError.invalid(`${field}.text`, "must be a non-empty string");
  if (!hasText && (!Array.isArray(f.messages) || f.messages.some((m) => typeof m?.role !== "string" || typeof m?.content !== "string"))) {
    throw FabricError.invalid(`${field}.messages`, "must be a list of { role, content } strings");
  }
  const config = f.config ?? {};
  if (typeof config !== "object" || config === null || Array.isArray(config)) throw FabricError.invalid(`${field}.config`, "must be an object");
  const template: PromptTemplate = hasText ? { text: f.text! } : { messages: f.messages!.map((m) => ({ role: m.role, content: m.content })) };
  return deepFreeze({
    name,
    label,
    version: 0,
    ...template,
    config: structuredClone(config),
    variables: templateVariables(template),
    fallback: true,
    labelRevision: 0,
    execution: promptFields({ name, version: 0 }),
    render: (variables: Readonly<Record<string, TemplateValue>> = {}) => renderTemplate(template, variables, `the fallback of "${name}"`),
  });
}
