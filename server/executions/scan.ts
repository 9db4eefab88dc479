import type { Context, Scope } from "@cache-fabric/client/api";
import { FabricError } from "@cache-fabric/client/api";
import type { Glob } from "../contexts/glob.js";
import type { Store } from "../store/types.js";
import { MAX_START_AHEAD_MS } from "./validate.js";

/**
 * Paging through a scope for the execution reads: every read (list, stats, summary, export) walks
 * the store's own newest-first query pages, never loading a scope at once.
 */

export interface ScanOptions {
  pageSize: number;
  /** Continue strictly below this revision (a page token's cursor). */
  beforeRevision?: number;
  /** Checked between pages: an aborted scan throws CANCELLED. */
  signal?: AbortSignal;
}

/** Pages between which a long scan gives the event loop a turn, so one stats call cannot starve other calls. */
const PAGES_PER_TURN = 4;

/** Query pages of `scope` matching `glob`, newest (highest revision) first. */
export async function* scanPages(store: Store, scope: Scope, glob: Glob, options: ScanOptions): AsyncGenerator<Context[]> {
  let before = options.beforeRevision;
  for (let page = 1; ; page++) {
    if (options.signal?.aborted) throw new FabricError("CANCELLED", "call cancelled");
    const out = await store.query(scope, glob, { limit: options.pageSize, ...(before !== undefined ? { beforeRevision: before } : {}) });
    if (out.contexts.length > 0) yield out.contexts;
    if (out.nextBeforeRevision === undefined) return;
    before = out.nextBeforeRevision;
    if (page % PAGES_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * How much earlier than the window's start a record may have been written and still belong to it.
 *
 * Scans go newest-written first, and a window is over `startedAt`. An execution is written after it
 * started, give or take the clock skew that validation tolerates (MAX_START_AHEAD_MS); and between
 * servers sharing a store, `updatedAt` follows revision order only up to their clock skew, assumed
 * below the same bound. So once a record's `updatedAt` is older than `since - RECORD_LAG_MS`, every
 * record after it in the scan started before `since`, and the scan stops. Feedback is written after
 * its execution, so the same bound ends feedback scans.
 *
 * The one case this misses: a record written with `setContext` whose `timestamp` is far later than
 * the moment it was written.
 */
export const RECORD_LAG_MS = 2 * MAX_START_AHEAD_MS;

/** True when `ctx`, and every record written before it, lies before a window starting at `sinceMs`. */
export function writtenBeforeWindow(ctx: Context, sinceMs: number): boolean {
  return ctx.updatedAt.getTime() < sinceMs - RECORD_LAG_MS;
}

/**
 * The glob that matches exactly `key`: what `compileGlob(escapeGlob(key))` returns, without building
 * a RegExp (lookups run twice per exported execution, and compiling one costs more than the lookup).
 */
export function exactGlob(key: string): Glob {
  return { source: key.replace(/[\\*?[\]]/g, "\\$&"), prefix: key, exact: true, matches: (k) => k === key };
}

/**
 * A point lookup that, unlike `store.get`, does not count towards the guide's cache hit rate. Stores
 * answer an exact glob from the key itself (Redis reads the one key; memory looks up its sorted key
 * range), so this stays a point read.
 */
export async function lookup(store: Store, scope: Scope, key: string): Promise<Context | null> {
  const out = await store.query(scope, exactGlob(key), { limit: 1 });
  return out.contexts[0] ?? null;
}
