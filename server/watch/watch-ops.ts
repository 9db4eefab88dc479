import { setMaxListeners } from "node:events";
import { resumableWatch, type ReadMatching } from "@cache-fabric/client/agent";
import type { Context, Fabric, WatchInput, WatchMessage } from "@cache-fabric/client/api";
import { FabricError } from "@cache-fabric/client/api";
import { validateRevision } from "../contexts/validate.js";
import type { Store } from "../store/types.js";
import { createWatchHub, type WatchHubStats } from "./watch-hub.js";
import { parseWatchFilter } from "./watch-filter.js";

/** Watch tuning; the server reads these from WATCH_SETTINGS (server/watch/settings.ts). */
export interface WatchOptions {
  /** Messages a watcher may have queued before it is ended with ABORTED. Default 1,000. */
  queueSize?: number;
  /** Default interval between progress messages on an idle watch. Default 10,000 ms. */
  progressIntervalMs?: number;
  /** Changes read per history page when replaying. Default 1,000. */
  historyPageSize?: number;
}

/** Defaults for WatchOptions (the server's come from WATCH_SETTINGS, with the same values). */
export const DEFAULT_WATCH_OPTIONS: Required<WatchOptions> = {
  queueSize: 1000,
  progressIntervalMs: 10_000,
  historyPageSize: 1000,
};

/** Bounds on a requested progress interval: often enough to be useful, not so often it is a load. */
export const MIN_PROGRESS_INTERVAL_MS = 100;
export const MAX_PROGRESS_INTERVAL_MS = 3_600_000;

/** The core's watch area: `watch` for the Fabric API, plus lifecycle and introspection for the core. */
export interface WatchOps extends Pick<Fabric, "watch"> {
  closeWatch(): Promise<void>;
  /** Watcher counts and the hub's revision (for metrics and tests). */
  watchStats(): WatchHubStats;
}

/**
 * `watch` for the in-process core, over one WatchHub per fabric.
 *
 * `resume: false` is the server's raw stream (what the gRPC handler serves): `created`, events,
 * progress, or `compacted` and the end; a watcher that falls behind throws ABORTED, a start revision
 * beyond the store's throws OUT_OF_RANGE. Otherwise the
 * watch is wrapped by the same resumable logic the remote client uses (client/src/agent/resumable-watch.ts),
 * so code written against either behaves the same: a fallen-behind watcher resumes from its last
 * revision and a compacted history becomes a `reset` read from the store.
 *
 * Input is validated when `watch` is called (INVALID_ARGUMENT naming the field), before anything is
 * registered.
 */
export function createWatchOps({ store, options }: { store: Store; options: WatchOptions }): WatchOps {
  const settings = { ...DEFAULT_WATCH_OPTIONS, ...options };
  const hub = createWatchHub(store, { queueSize: settings.queueSize, historyPageSize: settings.historyPageSize });
  /** Aborted by closeWatch: resumable in-process watches end quietly instead of retrying a closed fabric. */
  const closing = new AbortController();
  // Every open in-process watch without a signal of its own listens on this one: thousands is normal.
  setMaxListeners(0, closing.signal);

  const rawWatch = (input: WatchInput): AsyncIterable<WatchMessage> => {
    const request = parseWatchInput(input, settings.progressIntervalMs);
    return hub.watch({ ...request, ...(input.signal ? { signal: input.signal } : {}) });
  };

  const readMatching: ReadMatching = async (input) => {
    const filter = parseWatchFilter(input);
    if (filter.keys) {
      const found = await Promise.all([...filter.keys].map((key) => store.get(filter.scope, key)));
      return found.filter((c): c is Context => c !== null);
    }
    const contexts: Context[] = [];
    let beforeRevision: number | undefined;
    do {
      const page = await store.query(filter.scope, filter.glob, { limit: 1000, ...(beforeRevision ? { beforeRevision } : {}) });
      contexts.push(...page.contexts);
      beforeRevision = page.nextBeforeRevision;
    } while (beforeRevision !== undefined);
    return contexts;
  };

  return {
    watch(input: WatchInput) {
      if (!input || typeof input !== "object") throw FabricError.invalid("request", "must be an object");
      if (input.resume === false) {
        if (input.snapshot) throw FabricError.invalid("snapshot", "needs a resumable watch (resume must not be false)");
        return rawWatch(input);
      }
      parseWatchInput(input, settings.progressIntervalMs);
      const signal = input.signal ? AbortSignal.any([input.signal, closing.signal]) : closing.signal;
      return resumableWatch(rawWatch, readMatching, { ...input, signal });
    },
    closeWatch: () => {
      closing.abort();
      return hub.close();
    },
    watchStats: () => hub.stats(),
  };
}

/** Validates everything a watch asks for; each broken rule is INVALID_ARGUMENT naming the field. */
function parseWatchInput(input: WatchInput, defaultProgressMs: number) {
  const filter = parseWatchFilter(input);
  const startRevision = validateRevision(input.startRevision, "start_revision") ?? 0;
  if (input.prevContext !== undefined && typeof input.prevContext !== "boolean") {
    throw FabricError.invalid("prev_context", "must be a boolean");
  }
  const interval = input.progressIntervalMs;
  if (
    interval !== undefined &&
    (typeof interval !== "number" || !Number.isFinite(interval) || interval < MIN_PROGRESS_INTERVAL_MS || interval > MAX_PROGRESS_INTERVAL_MS)
  ) {
    throw FabricError.invalid(
      "progress_interval",
      `must be from ${MIN_PROGRESS_INTERVAL_MS} ms to ${MAX_PROGRESS_INTERVAL_MS} ms`,
    );
  }
  if (input.snapshot && startRevision > 0) throw FabricError.invalid("snapshot", "cannot be combined with start_revision");
  const storeId = input.storeId;
  if (storeId !== undefined && (typeof storeId !== "string" || storeId.length > 128)) {
    throw FabricError.invalid("store_id", "must be a store id (a string of at most 128 characters)");
  }
  return {
    filter,
    startRevision,
    ...(storeId ? { storeId } : {}),
    prevContext: input.prevContext === true,
    progressIntervalMs: interval ?? defaultProgressMs,
  };
}
