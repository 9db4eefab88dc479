import { randomUUID } from "node:crypto";
import { SCOPES, type Context, type Scope } from "@cache-fabric/client/api";
import { FabricError } from "@cache-fabric/client/api";
import type { Glob } from "../contexts/glob.js";
import type {
  ChangeEvent, ChangeListener, ChangesOutcome, CleanupOutcome, QueryOutcome, ReadOutcome, Store, StoreHeader, WriteOp,
  WriteOptions, WriteOutcome, WriteResult,
} from "./types.js";
import { IdempotencyTable, compactOutcome, fingerprint, opParts, replayOutcome, reusedKey } from "./write-outcome.js";

export interface MemoryStoreOptions {
  /** Changes kept for watch resumption (the history window). Default 10,000. */
  historySize?: number;
  /** Above this many prefix candidates a query scans the revision log instead. Default 4,096. */
  prefixScanLimit?: number;
}

/** Fixed cost per entry for the memory estimate: Map slot, Context object, Dates, log and index slots. */
const ENTRY_OVERHEAD_BYTES = 320;

/**
 * One scope's data. Invariants:
 * - `byKey` holds every live (possibly expired-but-not-yet-reaped) context of the scope.
 * - `log` holds contexts in ascending revision order; an element is current iff `byKey.get(c.key) === c`,
 *   otherwise it is stale and skipped (stale ones are compacted away once they are half the log).
 * - `sortedKeys` holds exactly the keys of `byKey`, sorted, for prefix range lookups.
 */
class ScopeData {
  readonly byKey = new Map<string, Context>();
  log: Context[] = [];
  stale = 0;
  readonly sortedKeys: string[] = [];

  put(ctx: Context, prev: Context | undefined): void {
    this.byKey.set(ctx.key, ctx);
    this.log.push(ctx);
    if (prev) this.markStale();
    else this.sortedKeys.splice(lowerBound(this.sortedKeys, ctx.key), 0, ctx.key);
  }

  remove(key: string): void {
    this.byKey.delete(key);
    this.sortedKeys.splice(lowerBound(this.sortedKeys, key), 1);
    this.markStale();
  }

  isCurrent(ctx: Context): boolean {
    return this.byKey.get(ctx.key) === ctx;
  }

  private markStale(): void {
    if (++this.stale > 1024 && this.stale * 2 > this.log.length) {
      this.log = this.log.filter((c) => this.isCurrent(c));
      this.stale = 0;
    }
  }
}

interface ExpiryItem {
  at: number;
  scope: Scope;
  key: string;
  revision: number;
}

/**
 * The development store: everything in this process, nothing persisted. Revisions, TTL (reclaimed by
 * a timer, with EXPIRE changes), atomic batches, a bounded change history for watch resumption,
 * idempotency records. Its identity is made with it: a new memory store (a restarted server) is a new
 * history, so a client holding revisions of the old one is told to re-read instead of resuming.
 * Queries look up by key prefix when the pattern has a selective literal prefix, and otherwise walk
 * the scope's revision log newest-first, so they never touch another scope.
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): Store {
  return new MemoryStore(options);
}

class MemoryStore implements Store {
  readonly kind = "memory" as const;
  /** This history's identity: made with the store, never changed (nothing outlives the process). */
  readonly storeId = randomUUID();
  private readonly idempotency = new IdempotencyTable();
  private readonly scopes = new Map<Scope, ScopeData>(SCOPES.map((s) => [s, new ScopeData()]));
  private rev = 0;
  private lastUpdateMs = 0;
  private bytes = 0;
  private hits = 0;
  private misses = 0;
  private readonly historySize: number;
  private readonly prefixScanLimit: number;
  /** Ring buffer: the change with revision r sits at (r - 1) % historySize while retained. */
  private readonly history: ChangeEvent[] = [];
  private readonly listeners = new Set<ChangeListener>();
  private readonly expiries: ExpiryItem[] = [];
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private closed = false;

  constructor(options: MemoryStoreOptions) {
    this.historySize = options.historySize ?? 10_000;
    this.prefixScanLimit = options.prefixScanLimit ?? 4096;
  }

  async get(scope: Scope, key: string): Promise<Context | null> {
    return (await this.read(scope, key)).context;
  }

  async read(scope: Scope, key: string): Promise<ReadOutcome> {
    this.open();
    this.expireDue();
    const context = this.scope(scope).byKey.get(key) ?? null;
    if (context) this.hits++;
    else this.misses++;
    return { context, ...this.headerNow() };
  }

  async write(ops: readonly WriteOp[], options: WriteOptions = {}): Promise<WriteOutcome> {
    this.open();
    this.expireDue();
    const idem = options.idempotency;
    let print: string | undefined;
    if (idem) {
      print = fingerprint(opParts(ops));
      const prior = this.idempotency.get(idem.key, Date.now());
      if (prior) {
        if (prior.fingerprint !== print) throw reusedKey();
        return replayOutcome(ops, prior.outcome, this.storeId);
      }
    }
    const outcome = this.apply(ops);
    if (idem) this.idempotency.put(idem.key, print!, compactOutcome(outcome), Date.now(), idem.windowMs);
    return outcome;
  }

  /** Checks every precondition, then applies `ops`, publishing their changes. */
  private apply(ops: readonly WriteOp[]): WriteOutcome {
    this.checkPreconditions(ops);
    const now = this.clock();
    const events: ChangeEvent[] = [];
    const results: WriteResult[] = [];
    for (const op of ops) {
      const data = this.scope(op.scope);
      const prev = data.byKey.get(op.key);
      if (op.op === "set") {
        const revision = ++this.rev;
        const ctx: Context = deepFreeze({
          key: op.key,
          scope: op.scope,
          value: op.value,
          metadata: op.metadata,
          revision,
          createRevision: prev ? prev.createRevision : revision,
          version: prev ? prev.version + 1 : 1,
          createdAt: prev ? prev.createdAt : new Date(now),
          updatedAt: new Date(now),
          ...(op.ttlMs !== undefined ? { expiresAt: new Date(now + op.ttlMs) } : {}),
        });
        if (prev) this.bytes -= sizeOf(prev);
        this.bytes += sizeOf(ctx);
        data.put(ctx, prev);
        if (op.ttlMs !== undefined) this.scheduleExpiry({ at: now + op.ttlMs, scope: op.scope, key: op.key, revision });
        events.push({ type: "PUT", revision, scope: op.scope, key: op.key, context: ctx, ...(prev ? { prev } : {}) });
        results.push({ op: "set", context: ctx });
      } else if (prev) {
        const revision = ++this.rev;
        this.removeEntry(data, prev);
        events.push({ type: "DELETE", revision, scope: op.scope, key: op.key, prev });
        results.push({ op: "delete", deleted: true, previous: prev, revision });
      } else {
        results.push({ op: "delete", deleted: false, revision: this.rev });
      }
    }
    this.publish(events);
    return { results, ...this.headerNow() };
  }

  async query(scope: Scope, glob: Glob, options: { limit: number; beforeRevision?: number }): Promise<QueryOutcome> {
    this.open();
    this.expireDue();
    const data = this.scope(scope);
    const before = options.beforeRevision ?? Infinity;
    const want = options.limit + 1;
    let found: Context[];
    const range = glob.prefix && !glob.exact ? prefixRange(data.sortedKeys, glob.prefix) : undefined;
    if (glob.exact) {
      // One key: a map lookup, whatever else shares its prefix.
      const ctx = data.byKey.get(glob.prefix);
      found = ctx && ctx.revision < before ? [ctx] : [];
    } else if (range && range[1] - range[0] <= this.prefixScanLimit) {
      found = [];
      for (let i = range[0]; i < range[1]; i++) {
        const ctx = data.byKey.get(data.sortedKeys[i])!;
        if (ctx.revision < before && glob.matches(ctx.key)) found.push(ctx);
      }
      found.sort((a, b) => b.revision - a.revision);
      found.length = Math.min(found.length, want);
    } else {
      found = [];
      for (let i = upperBoundRevision(data.log, before) - 1; i >= 0 && found.length < want; i--) {
        const ctx = data.log[i];
        if (data.isCurrent(ctx) && glob.matches(ctx.key)) found.push(ctx);
      }
    }
    const more = found.length > options.limit;
    const contexts = more ? found.slice(0, options.limit) : found;
    return {
      contexts,
      ...(more ? { nextBeforeRevision: contexts[contexts.length - 1].revision } : {}),
      ...this.headerNow(),
    };
  }

  async cleanup(options: { before: Date; scope?: Scope; glob?: Glob }): Promise<CleanupOutcome> {
    this.open();
    this.expireDue();
    const cutoff = options.before.getTime();
    const ops: WriteOp[] = [];
    for (const scope of options.scope ? [options.scope] : SCOPES) {
      const data = this.scope(scope);
      // The log is in revision order and updatedAt never decreases with revision (see clock()),
      // so the first current entry at or after the cutoff ends the walk.
      for (const ctx of data.log) {
        if (!data.isCurrent(ctx)) continue;
        if (ctx.updatedAt.getTime() >= cutoff) break;
        if (!options.glob || options.glob.matches(ctx.key)) ops.push({ op: "delete", scope, key: ctx.key });
      }
    }
    if (ops.length === 0) return { deleted: 0, ...this.headerNow() };
    const outcome = this.apply(ops);
    return { deleted: ops.length, revision: outcome.revision, storeId: this.storeId };
  }

  async counts(): Promise<Record<Scope, number>> {
    this.open();
    this.expireDue();
    return Object.fromEntries(SCOPES.map((s) => [s, this.scope(s).byKey.size])) as Record<Scope, number>;
  }

  async memoryUsage(): Promise<number> {
    this.open();
    this.expireDue();
    return this.bytes;
  }

  async hitStats(): Promise<{ hits: number; misses: number }> {
    return { hits: this.hits, misses: this.misses };
  }

  async revision(): Promise<number> {
    this.open();
    return this.rev;
  }

  async header(): Promise<StoreHeader> {
    this.open();
    return this.headerNow();
  }

  async changesSince(afterRevision: number, limit: number): Promise<ChangesOutcome> {
    this.open();
    this.expireDue();
    const oldest = Math.max(1, this.rev - Math.min(this.rev, this.historySize) + 1);
    if (afterRevision + 1 < oldest) return { events: [], compactRevision: oldest - 1, ...this.headerNow() };
    const events: ChangeEvent[] = [];
    for (let r = afterRevision + 1; r <= this.rev && events.length < limit; r++) {
      events.push(this.history[(r - 1) % this.historySize]);
    }
    return { events, ...this.headerNow() };
  }

  /** The memory store's history never changes under it: no reset is ever announced. */
  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.listeners.clear();
  }

  private open(): void {
    if (this.closed) throw new FabricError("UNAVAILABLE", "store is closed");
  }

  private headerNow(): StoreHeader {
    return { storeId: this.storeId, revision: this.rev };
  }

  private scope(scope: Scope): ScopeData {
    return this.scopes.get(scope)!;
  }

  /** Milliseconds since the epoch, never below the last one used, so updatedAt follows revision order. */
  private clock(): number {
    this.lastUpdateMs = Math.max(this.lastUpdateMs, Date.now());
    return this.lastUpdateMs;
  }

  /** Checks every compare-and-set before anything is applied, as the batch would see them in order. */
  private checkPreconditions(ops: readonly WriteOp[]): void {
    const simulated = new Map<string, number | null>();
    let rev = this.rev;
    ops.forEach((op, i) => {
      const id = `${op.scope}\u0000${op.key}`;
      const current = simulated.has(id) ? simulated.get(id)! : this.scope(op.scope).byKey.get(op.key)?.revision ?? null;
      if (op.ifRevision !== undefined && op.ifRevision !== (current ?? 0)) {
        const where = ops.length > 1 ? `operations[${i}].if_revision` : "if_revision";
        throw new FabricError(
          "FAILED_PRECONDITION",
          `${where}: expected revision ${op.ifRevision} but ${op.scope}/${op.key} is ${current === null ? "absent" : `at revision ${current}`}`,
        );
      }
      if (op.op === "set") simulated.set(id, ++rev);
      else if (current !== null) {
        rev++;
        simulated.set(id, null);
      }
    });
  }

  private removeEntry(data: ScopeData, ctx: Context): void {
    this.bytes -= sizeOf(ctx);
    data.remove(ctx.key);
  }

  private publish(events: ChangeEvent[]): void {
    if (events.length === 0) return;
    for (const e of events) this.history[(e.revision - 1) % this.historySize] = e;
    for (const listener of this.listeners) listener(events);
  }

  // ---- TTL: a min-heap of expiry times and one timer armed for the earliest ----

  private scheduleExpiry(item: ExpiryItem): void {
    heapPush(this.expiries, item);
    this.armTimer();
  }

  private armTimer(): void {
    const next = this.expiries[0]?.at ?? Infinity;
    if (next >= this.timerAt || this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = next;
    const delay = Math.min(Math.max(0, next - Date.now()), 2 ** 31 - 1);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.expireDue();
      this.armTimer();
    }, delay);
    this.timer.unref();
  }

  /** Removes every context whose expiry has passed, each as an EXPIRE change. */
  private expireDue(): void {
    const now = Date.now();
    const events: ChangeEvent[] = [];
    while (this.expiries.length > 0 && this.expiries[0].at <= now) {
      const item = heapPop(this.expiries)!;
      const data = this.scope(item.scope);
      const ctx = data.byKey.get(item.key);
      // A later write replaced the context this expiry was set for: that write decides.
      if (!ctx || ctx.revision !== item.revision) continue;
      this.removeEntry(data, ctx);
      events.push({ type: "EXPIRE", revision: ++this.rev, scope: item.scope, key: item.key, prev: ctx });
    }
    this.publish(events);
  }
}

function sizeOf(ctx: Context): number {
  let bytes = ENTRY_OVERHEAD_BYTES + ctx.key.length * 2 + Buffer.byteLength(JSON.stringify(ctx.value));
  for (const k in ctx.metadata) bytes += (k.length + ctx.metadata[k].length) * 2 + 32;
  return bytes;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value) && !(value instanceof Date)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function lowerBound(sorted: readonly string[], key: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** [start, end) of the keys starting with prefix. */
function prefixRange(sorted: readonly string[], prefix: string): [number, number] {
  const start = lowerBound(sorted, prefix);
  let end = start;
  // Keys sharing the prefix are contiguous; gallop then binary-search the end.
  let step = 1;
  while (end + step <= sorted.length && sorted[end + step - 1].startsWith(prefix)) {
    end += step;
    step *= 2;
  }
  let hi = Math.min(sorted.length, end + step);
  while (end < hi) {
    const mid = (end + hi) >>> 1;
    if (sorted[mid].startsWith(prefix)) end = mid + 1;
    else hi = mid;
  }
  return [start, end];
}

/** Index of the first log entry with revision >= before. */
function upperBoundRevision(log: readonly Context[], before: number): number {
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (log[mid].revision < before) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function heapPush(heap: ExpiryItem[], item: ExpiryItem): void {
  heap.push(item);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (heap[parent].at <= heap[i].at) break;
    [heap[parent], heap[i]] = [heap[i], heap[parent]];
    i = parent;
  }
}

function heapPop(heap: ExpiryItem[]): ExpiryItem | undefined {
  const top = heap[0];
  const last = heap.pop();
  if (heap.length > 0 && last) {
    heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && heap[l].at < heap[m].at) m = l;
      if (r < heap.length && heap[r].at < heap[m].at) m = r;
      if (m === i) break;
      [heap[m], heap[i]] = [heap[i], heap[m]];
      i = m;
    }
  }
  return top;
}
