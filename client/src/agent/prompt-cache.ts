import { FabricError } from "../api/errors.js";
import type { Context, Fabric, JsonValue, Scope, WatchMessage, WatchResumeOptions } from "../api/types.js";
import { deepFreeze } from "./deep-freeze.js";
import { createLabelPromptCache, type LabelPromptCache, type LabelPromptCacheOptions } from "./label-prompt-cache.js";

export interface PromptCacheOptions {
  /** Default "GLOBAL". */
  scope?: Scope;
  /** The exact keys to hold (1..1000). Exactly one of keys, prefix. */
  keys?: string[];
  /** Hold every key starting with this. */
  prefix?: string;
  /**
   * Called after a held key changes: with the new context, or undefined when it was deleted or
   * expired. Runs synchronously in the cache's update; errors it throws are ignored.
   */
  onChange?: (key: string, context: Context | undefined) => void;
  /** Reconnection backoff of the underlying watch. */
  retry?: Omit<WatchResumeOptions, "onRetry">;
}

/**
 * Prompts (or any contexts) held in process and kept fresh by one watch: the integration guide's
 * hot-reload pattern. `setContext` on a prompt and every agent holding it uses the new value on its
 * next `get()`, with no restart and no polling.
 */
export interface PromptCache {
  /**
   * Resolves once the first load is held. Rejects if that load fails (fabric unreachable, bad
   * input); the cache keeps trying in the background and fills in when the fabric answers.
   */
  readonly ready: Promise<void>;
  /** The held value, or undefined when the key is absent (or not loaded yet). A local read. */
  get(key: string): JsonValue | undefined;
  /** The held context with its revision and metadata, or undefined. A local read. */
  getContext(key: string): Context | undefined;
  /** Keys currently held. */
  keys(): string[];
  /** The watch's resume point: every change up to it is reflected. */
  readonly revision: number;
  /**
   * The identity of the store history `revision` belongs to. When the fabric's store is replaced
   * (a restarted memory server, a flushed Redis) the cache re-reads everything and this changes.
   */
  readonly storeId: string | undefined;
  /**
   * True while the cache cannot confirm it is current (before the first load, and while the watch is
   * reconnecting); the last known values are still served meanwhile (stale-if-error).
   */
  readonly stale: boolean;
  /** The most recent failure of the watch, if any (kept after recovery, for diagnostics). */
  readonly lastError: FabricError | undefined;
  /** Stops the watch. Held values stay readable. */
  close(): Promise<void>;
}

/**
 * Loads a set of keys (or a prefix) once, then serves `get()` from memory, kept fresh by one
 * resumable watch (`snapshot`: list-then-watch). Written against the `Fabric` interface, so it runs
 * over a `FabricClient` and over the in-process core alike.
 *
 * - An event is applied only when its revision is newer than the context held for its key, so a
 *   replayed or reordered change can never roll a value back.
 * - When the fabric is unreachable the last known values keep being served (`stale` is true); the
 *   watch reconnects with backoff and resumes after the last revision it saw, or re-reads everything
 *   (a `reset`) if that revision has left the server's history, or belongs to another history (the
 *   server restarted with a new memory store, Redis was flushed), so no update is missed.
 * - Values are frozen: they are shared by every reader.
 *
 * @example
 * const prompts = createPromptCache(fabric, { keys: ["router:main:system_message"] });
 * await prompts.ready.catch(() => {}); // start with defaults if the fabric is down
 * const system = prompts.get("router:main:system_message") ?? "You are a helpful assistant";
 */
/** Registry prompts followed through a label, resolved locally per sticky key: see `createLabelPromptCache`. */
export function createPromptCache(fabric: Pick<Fabric, "watch" | "getContext">, options: LabelPromptCacheOptions): LabelPromptCache;
export function createPromptCache(fabric: Pick<Fabric, "watch">, options: PromptCacheOptions): PromptCache;
export function createPromptCache(fabric: Pick<Fabric, "watch">, options: PromptCacheOptions | LabelPromptCacheOptions): PromptCache | LabelPromptCache {
  if ("label" in options) return createLabelPromptCache(fabric as Pick<Fabric, "watch" | "getContext">, options);
  const hasKeys = options.keys !== undefined;
  const hasPrefix = options.prefix !== undefined;
  if (hasKeys === hasPrefix) throw FabricError.invalid(hasKeys ? "keys, prefix" : "keys", "set exactly one of keys, prefix");
  return new Cache(fabric, options);
}

class Cache implements PromptCache {
  readonly ready: Promise<void>;
  revision = 0;
  storeId: string | undefined;
  stale = true;
  lastError: FabricError | undefined;
  private entries = new Map<string, Context>();
  private readonly controller = new AbortController();
  private readonly pump: Promise<void>;
  private settleReady!: (error?: FabricError) => void;

  constructor(
    fabric: Pick<Fabric, "watch">,
    private readonly options: PromptCacheOptions,
  ) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.settleReady = (error) => (error ? reject(error) : resolve());
    });
    // Nobody may be awaiting `ready` when the first load fails; that must not crash the process.
    this.ready.catch(() => {});
    this.pump = this.run(fabric);
  }

  get(key: string): JsonValue | undefined {
    return this.entries.get(key)?.value;
  }

  getContext(key: string): Context | undefined {
    return this.entries.get(key);
  }

  keys(): string[] {
    return [...this.entries.keys()];
  }

  async close(): Promise<void> {
    this.controller.abort();
    await this.pump;
  }

  private async run(fabric: Pick<Fabric, "watch">): Promise<void> {
    const { scope, keys, prefix, retry } = this.options;
    try {
      const watch = fabric.watch({
        ...(scope ? { scope } : {}),
        ...(keys ? { keys } : { prefix }),
        snapshot: true,
        signal: this.controller.signal,
        resume: {
          ...retry,
          onRetry: (error) => {
            this.stale = true;
            this.lastError = error;
            this.settleReady(error);
          },
        },
      });
      for await (const message of watch) this.apply(message);
    } catch (e) {
      // Only failures a retry cannot fix get here (e.g. INVALID_ARGUMENT): the cache stops updating.
      this.lastError = FabricError.from(e);
      this.stale = true;
      this.settleReady(this.lastError);
    }
  }

  private apply(m: WatchMessage): void {
    switch (m.kind) {
      case "reset": {
        const previous = this.entries;
        this.entries = new Map(m.contexts.map((c) => [c.key, deepFreeze(c)]));
        // A reset may start another history, whose revisions count from lower: take its revision as it is.
        this.revision = m.revision;
        this.storeId = m.storeId ?? this.storeId;
        this.advance(m.revision);
        this.settleReady();
        for (const [key, old] of previous) if (!this.entries.has(key)) this.notify(key, undefined, old);
        for (const [key, ctx] of this.entries) if (previous.get(key)?.revision !== ctx.revision) this.notify(key, ctx, previous.get(key));
        return;
      }
      case "event": {
        const { event } = m;
        const held = this.entries.get(event.key);
        this.advance(m.revision);
        if (held && held.revision >= event.revision) return;
        if (event.type === "PUT" && event.context) {
          const ctx = deepFreeze(event.context);
          this.entries.set(event.key, ctx);
          this.notify(event.key, ctx, held);
        } else if (held) {
          this.entries.delete(event.key);
          this.notify(event.key, undefined, held);
        }
        return;
      }
      default:
        this.advance(m.revision);
    }
  }

  /** A message of the followed history arrived: the watch is live again, and current up to `revision`. */
  private advance(revision: number): void {
    this.stale = false;
    if (revision > this.revision) this.revision = revision;
  }

  private notify(key: string, context: Context | undefined, previous: Context | undefined): void {
    if (!this.options.onChange || context === previous) return;
    try {
      this.options.onChange(key, context);
    } catch {
      // A consumer's callback must not stop the cache from updating.
    }
  }
}
