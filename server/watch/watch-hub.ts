import type { Scope, WatchEvent, WatchMessage } from "@cache-fabric/client/api";
import { FabricError } from "@cache-fabric/client/api";
import type { ChangeEvent, Store, StoreHeader } from "../store/types.js";
import { filterMatches, type WatchFilter } from "./watch-filter.js";
import { Watcher } from "./watcher.js";

export interface WatchHubOptions {
  /** Per-watcher queue bound (messages). */
  queueSize: number;
  /** Changes read per history page, when a watcher or the hub catches up. */
  historyPageSize: number;
}

/** One watch to register: a validated filter and where to start. */
export interface WatchRegistration {
  filter: WatchFilter;
  /** Replay changes after this revision first; 0 starts at the hub's current revision. */
  startRevision: number;
  /**
   * The store id `startRevision` belongs to, when the client knows it: another id than the store's
   * is answered like a compacted history (the client re-reads).
   */
  storeId?: string;
  prevContext: boolean;
  progressIntervalMs: number;
  /** Aborting it ends the watch quietly. */
  signal?: AbortSignal;
}

export interface WatchHubStats {
  /** Registered watchers (synced or still reading history). */
  watchers: number;
  /** Watchers receiving live changes. */
  synced: number;
  /** Every change up to this revision has been handed to the synced watchers. */
  revision: number;
  /** The history the hub follows (empty until its first watch). */
  storeId: string;
}

/** Fans the store's change feed out to watchers; see createWatchHub. */
export interface WatchHub {
  /** Registers a watcher; its iterator yields `created`, then events (or `compacted` and the end). */
  watch(registration: WatchRegistration): AsyncIterableIterator<WatchMessage>;
  stats(): WatchHubStats;
  /** Ends every watcher with UNAVAILABLE and leaves the change feed. */
  close(): Promise<void>;
}

/**
 * The fan-out between a Store's change feed and any number of watchers, modelled on etcd's
 * watchable store: one subscription to the feed per hub (not one per watcher), "synced" watchers
 * that receive live changes, and "unsynced" ones that first replay history with `changesSince`.
 *
 * Invariants (all checks and state changes below happen synchronously within one event-loop turn,
 * so none can interleave with another):
 * - `head`: every change with revision <= head has been dispatched to the synced watchers, and
 *   none above it. Changes are dispatched strictly in revision order, head+1 each time; a gap in
 *   the feed (a feed that starts late, drops or reconnects) is filled from `changesSince` first.
 * - An unsynced watcher is in no index; it reads history after its `cursor` in pages until
 *   `cursor >= head`, and joins the index in the same turn as that check, so the next change
 *   dispatched (head+1) reaches it: no gap across the switch.
 * - Dispatch skips a change whose revision is <= the watcher's cursor (already replayed from history
 *   when the store ran ahead of the hub): no duplicate across the switch.
 * - Dispatch never waits: a watcher whose bounded queue is full is ended with ABORTED (see Watcher),
 *   so a writer's cost is O(matching watchers) and memory is O(watchers × queue bound).
 * - History is read for a watcher only while its queue has room, so replay itself never overflows.
 * - Every message names the history (`storeId`) its revision belongs to. When the store announces
 *   that its history was replaced (Store.subscribe's onReset), every watcher is sent `compacted`
 *   and ended, and the hub follows the new history from the revision the store names; `generation`
 *   makes a history read that was in flight across the reset drop its answer. A resume is checked
 *   against the store itself before it is registered: from another history it is answered as
 *   compacted, from beyond the store's revision it is refused with OUT_OF_RANGE.
 */
export function createWatchHub(store: Store, options: WatchHubOptions): WatchHub {
  return new Hub(store, options);
}

class Hub implements WatchHub {
  /** Undefined until the hub has joined the feed (on the first watch). */
  private head: number | undefined;
  /** The history `head` belongs to. */
  private storeId = "";
  /** Bumped by every reset: work begun in another generation is void. */
  private generation = 0;
  /** Highest revision the feed has announced. */
  private feedHigh = 0;
  /** The hub is reading history to fill a gap in the feed; the feed only raises feedHigh meanwhile. */
  private fillingGap = false;
  private starting: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private closed = false;
  private readonly watchers = new Set<Watcher>();
  /** Synced exact-key watchers by `${scope}\0${key}`. */
  private readonly byKey = new Map<string, Set<Watcher>>();
  /** Synced glob watchers by scope. */
  private readonly byScope = new Map<Scope, Set<Watcher>>();
  private syncedCount = 0;

  constructor(
    private readonly store: Store,
    private readonly options: WatchHubOptions,
  ) {}

  watch(registration: WatchRegistration): AsyncIterableIterator<WatchMessage> {
    if (this.closed) throw new FabricError("UNAVAILABLE", "the fabric is closing");
    const watcher = new Watcher({
      filter: registration.filter,
      prevContext: registration.prevContext,
      capacity: this.options.queueSize,
      progressIntervalMs: registration.progressIntervalMs,
      signal: registration.signal,
      onDetach: (w) => this.detach(w),
      progress: (w) => ({ kind: "progress", revision: Math.max(w.cursor, this.head ?? 0), storeId: w.storeId }),
    });
    if (!watcher.open) return watcher;
    this.watchers.add(watcher);
    this.register(watcher, registration).catch((e) => watcher.fail(FabricError.from(e)));
    return watcher;
  }

  stats(): WatchHubStats {
    return { watchers: this.watchers.size, synced: this.syncedCount, revision: this.head ?? 0, storeId: this.storeId };
  }

  async close(): Promise<void> {
    this.closed = true;
    const closing = new FabricError("UNAVAILABLE", "the fabric is closing");
    for (const w of [...this.watchers]) w.fail(closing);
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private async register(w: Watcher, { startRevision, storeId: from }: WatchRegistration): Promise<void> {
    await this.start();
    if (!w.open) return;
    if (startRevision > 0) {
      // Is the resume point one of the store's? Asked of the store itself: the hub's head may lag it
      // (a revision seen through another server), and its history may just have been replaced.
      const store = await this.store.header();
      if (!w.open) return;
      if (store.storeId !== this.storeId) {
        throw new FabricError("UNAVAILABLE", "the store's history was replaced and this server is catching up; retry");
      }
      if (from && from !== store.storeId) {
        w.storeId = store.storeId;
        w.push({ kind: "created", revision: startRevision, storeId: store.storeId });
        w.push({ kind: "compacted", compactRevision: store.revision, revision: store.revision, storeId: store.storeId });
        w.finish();
        return;
      }
      if (startRevision > store.revision) {
        throw new FabricError(
          "OUT_OF_RANGE",
          `start_revision: ${startRevision} is ahead of the store's revision ${store.revision} (the store is behind what you saw: re-read, then watch)`,
        );
      }
    }
    w.storeId = this.storeId;
    w.cursor = startRevision > 0 ? startRevision : this.head!;
    w.push({ kind: "created", revision: w.cursor, storeId: w.storeId });
    await this.catchUp(w);
  }

  /** Joins the feed once: subscribe first, then read the revision, so no change falls between. */
  private start(): Promise<void> {
    this.starting ??= (async () => {
      this.unsubscribe = this.store.subscribe(
        (events) => this.onFeed(events),
        (header) => this.onReset(header),
      );
      try {
        const header = await this.store.header();
        this.head = header.revision;
        this.storeId = header.storeId;
      } catch (e) {
        this.unsubscribe();
        this.unsubscribe = undefined;
        this.starting = undefined;
        throw e;
      }
      if (this.closed) this.unsubscribe?.();
      if (this.feedHigh > this.head) this.fillGap();
    })();
    return this.starting;
  }

  /** The store's listener: must not throw or block (Store.subscribe). */
  private onFeed(events: readonly ChangeEvent[]): void {
    try {
      for (const e of events) {
        if (e.revision > this.feedHigh) this.feedHigh = e.revision;
        if (this.head === undefined || this.fillingGap || e.revision <= this.head) continue;
        if (e.revision === this.head + 1) this.dispatch(e);
        else this.fillGap();
      }
    } catch (e) {
      // A fault here must not break the writer that published the change; watchers resync instead.
      this.dropSynced(new FabricError("ABORTED", "watch dispatch failed; resume to resync", { cause: e }));
    }
  }

  /**
   * The store's history was replaced (the feed's order: everything before belonged to the old one).
   * Every watcher is told to re-read and ended; the hub follows the new history from `header`.
   */
  private onReset(header: StoreHeader): void {
    this.generation++;
    this.storeId = header.storeId;
    this.head = header.revision;
    this.feedHigh = header.revision;
    this.fillingGap = false;
    const message: WatchMessage = Object.freeze({
      kind: "compacted",
      compactRevision: header.revision,
      revision: header.revision,
      storeId: header.storeId,
    });
    for (const w of [...this.watchers]) {
      if (w.push(message)) w.finish();
    }
  }

  /** Reads history from `head` until the hub has dispatched everything the feed announced. */
  private fillGap(): void {
    if (this.fillingGap || this.closed) return;
    this.fillingGap = true;
    const generation = this.generation;
    void (async () => {
      let delayMs = 50;
      while (!this.closed && generation === this.generation && this.head! < this.feedHigh) {
        let out;
        try {
          out = await this.store.changesSince(this.head!, this.options.historyPageSize);
        } catch {
          // Store outage: live watchers simply hear nothing until it returns.
          await sleep(delayMs);
          delayMs = Math.min(delayMs * 2, 2000);
          continue;
        }
        // A reset came while reading, or the read met the next history before its reset did: the
        // reset (which ends every watcher) decides, not this answer.
        if (generation !== this.generation) return;
        if (out.storeId !== this.storeId) {
          await sleep(delayMs);
          continue;
        }
        delayMs = 50;
        if (out.compactRevision !== undefined) {
          this.dropSynced(new FabricError("ABORTED", "the change feed fell behind the retained history; resume to resync"));
          this.head = out.compactRevision;
          continue;
        }
        if (out.events.length === 0) {
          await sleep(delayMs); // the feed ran ahead of what history shows yet
          continue;
        }
        for (const e of out.events) {
          if (e.revision <= this.head!) continue;
          if (e.revision > this.head! + 1) {
            this.dropSynced(new FabricError("ABORTED", "history has a gap; resume to resync"));
            this.head = e.revision - 1;
          }
          this.dispatch(e);
        }
      }
      if (generation === this.generation) this.fillingGap = false;
    })();
  }

  /** Hands one change (revision head+1) to every synced watcher that wants it. */
  private dispatch(e: ChangeEvent): void {
    this.head = e.revision;
    let plain: WatchMessage | undefined;
    let withPrev: WatchMessage | undefined;
    const deliver = (w: Watcher) => {
      if (e.revision <= w.cursor) return;
      w.cursor = e.revision;
      // Watchers of one change share one frozen message object.
      w.push(w.prevContext ? (withPrev ??= eventMessage(e, true, this.storeId)) : (plain ??= eventMessage(e, false, this.storeId)));
    };
    const exact = this.byKey.get(indexKey(e.scope, e.key));
    if (exact) for (const w of exact) deliver(w);
    const globs = this.byScope.get(e.scope);
    if (globs) for (const w of globs) if (w.filter.glob!.matches(e.key)) deliver(w);
  }

  /** Replays history for an unsynced watcher, then joins it to the live index (see the invariants). */
  private async catchUp(w: Watcher): Promise<void> {
    for (;;) {
      if (!w.open) return;
      if (w.cursor >= this.head!) return this.join(w);
      await w.room();
      if (!w.open) return;
      const limit = Math.max(1, Math.min(this.options.historyPageSize, w.capacity - w.queued));
      const out = await this.store.changesSince(w.cursor, limit);
      if (!w.open) return;
      if (out.compactRevision !== undefined || out.storeId !== w.storeId) {
        // Compacted, or the history was replaced under this replay: the client re-reads.
        w.push({ kind: "compacted", compactRevision: out.compactRevision ?? out.revision, revision: out.revision, storeId: out.storeId });
        w.finish();
        return;
      }
      if (out.events.length === 0) throw new FabricError("UNAVAILABLE", "history ended below the watch hub's revision");
      for (const e of out.events) {
        if (e.revision <= w.cursor) continue;
        w.cursor = e.revision;
        if (filterMatches(w.filter, e.scope, e.key)) w.push(eventMessage(e, w.prevContext, w.storeId));
      }
    }
  }

  private join(w: Watcher): void {
    w.synced = true;
    this.syncedCount++;
    const { scope, keys } = w.filter;
    if (keys) for (const key of keys) getOrAdd(this.byKey, indexKey(scope, key)).add(w);
    else getOrAdd(this.byScope, scope).add(w);
  }

  private detach(w: Watcher): void {
    this.watchers.delete(w);
    if (!w.synced) return;
    w.synced = false;
    this.syncedCount--;
    const { scope, keys } = w.filter;
    if (keys) for (const key of keys) removeFrom(this.byKey, indexKey(scope, key), w);
    else removeFrom(this.byScope, scope, w);
  }

  private dropSynced(error: FabricError): void {
    for (const w of [...this.watchers]) if (w.synced) w.fail(error);
  }
}

function eventMessage(e: ChangeEvent, withPrev: boolean, storeId: string): WatchMessage {
  const event: WatchEvent = {
    type: e.type,
    key: e.key,
    scope: e.scope,
    revision: e.revision,
    ...(e.context ? { context: e.context } : {}),
    ...(withPrev && e.prev ? { prevContext: e.prev } : {}),
  };
  return Object.freeze({ kind: "event" as const, event: Object.freeze(event), revision: e.revision, storeId });
}

function indexKey(scope: Scope, key: string): string {
  return `${scope}\u0000${key}`;
}

function getOrAdd<K>(map: Map<K, Set<Watcher>>, key: K): Set<Watcher> {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  return set;
}

function removeFrom<K>(map: Map<K, Set<Watcher>>, key: K, w: Watcher): void {
  const set = map.get(key);
  if (set?.delete(w) && set.size === 0) map.delete(key);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
