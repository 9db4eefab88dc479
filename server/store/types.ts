import type { Context, JsonValue, Scope } from "@cache-fabric/client/api";
import type { Glob } from "../contexts/glob.js";

/**
 * The storage contract. The fabric core validates input and then calls a Store; a Store never sees
 * unvalidated input. Implementations: memory.ts (development, tests) and redis.ts (production).
 * Every store passes the same conformance suite (test/store/conformance.ts).
 *
 * Invariants every store keeps:
 * - Every change (put, delete, expiry) gets its own store-wide revision, strictly increasing, with no
 *   gaps: the change feed holds revisions r, r+1, r+2, ... (a failed write consumes none).
 * - `write` is atomic: all operations apply or none does (a compare-and-set mismatch fails the whole
 *   write with FAILED_PRECONDITION and writes nothing).
 * - An expired context is never returned; its expiry is a change (EXPIRE) with its own revision.
 * - An outage surfaces as FabricError UNAVAILABLE, quickly; never as an empty answer or a hang.
 * - Every answer that carries a revision carries the `storeId` of the history it belongs to.
 */
export interface Store {
  readonly kind: "memory" | "redis";

  /** The live context or null. Counts a hit or a miss (see `hitStats`). */
  get(scope: Scope, key: string): Promise<Context | null>;
  /** `get`, with the header of the history the context was read from (GetContext answers with it). */
  read(scope: Scope, key: string): Promise<ReadOutcome>;

  /**
   * Applies operations atomically, in order; each change gets the next revision. With an
   * idempotency key, the outcome is remembered for the key's window atomically with the write: a
   * second write with the same key and the same operations returns that outcome (`replayed`)
   * without applying anything; with other operations it is refused with INVALID_ARGUMENT.
   */
  write(ops: readonly WriteOp[], options?: WriteOptions): Promise<WriteOutcome>;

  /**
   * Contexts of one scope whose key matches `glob`, newest (highest revision) first, at most `limit`,
   * continuing strictly below `beforeRevision` when given. `nextBeforeRevision` is set when more may follow.
   */
  query(scope: Scope, glob: Glob, options: { limit: number; beforeRevision?: number }): Promise<QueryOutcome>;

  /** Deletes contexts last updated before `before` (optionally one scope / matching a glob); each is a DELETE change. */
  cleanup(options: { before: Date; scope?: Scope; glob?: Glob }): Promise<CleanupOutcome>;

  /** Live contexts per scope. */
  counts(): Promise<Record<Scope, number>>;
  /** Bytes the store uses for contexts (memory: an estimate of what it holds; Redis: used_memory). */
  memoryUsage(): Promise<number>;
  /** GetContext hits and misses (shared across servers where the store allows). */
  hitStats(): Promise<{ hits: number; misses: number }>;
  /** Current store revision (0 before any write). */
  revision(): Promise<number>;
  /** The store's identity and current revision, read together. */
  header(): Promise<StoreHeader>;

  /**
   * Changes with revision > `afterRevision`, oldest first, at most `limit`. When history no longer
   * reaches back to `afterRevision + 1`, `compactRevision` is set: the lowest `afterRevision` that
   * can still be served, and `events` is empty.
   */
  changesSince(afterRevision: number, limit: number): Promise<ChangesOutcome>;
  /**
   * Live changes, delivered in revision order, each exactly once per listener, after the write that
   * made them is acknowledged. Listeners must not throw or block.
   *
   * `onReset` is told when the store's history is replaced under a running fabric (Redis flushed,
   * restarted without its data, or restored to an older state: a new `storeId`). It is called in
   * feed order: every change delivered before it belongs to the old history, every change after it
   * to the new one, starting after `header.revision`. The memory store never resets.
   */
  subscribe(listener: ChangeListener, onReset?: ResetListener): () => void;

  close(): Promise<void>;
}

export interface SetOp {
  op: "set";
  scope: Scope;
  key: string;
  value: JsonValue;
  metadata: Record<string, string>;
  /** Milliseconds; absent means no expiry (a set without ttl clears a previous expiry). */
  ttlMs?: number;
  ifRevision?: number;
}

export interface DeleteOp {
  op: "delete";
  scope: Scope;
  key: string;
  ifRevision?: number;
}

export type WriteOp = SetOp | DeleteOp;

export type WriteResult =
  | { op: "set"; context: Context }
  | { op: "delete"; deleted: boolean; previous?: Context; revision: number };

/**
 * Which history a revision belongs to. Revisions of different histories are not comparable: a
 * store whose history restarts (a new memory store, a Redis that lost or flushed its data, another
 * Redis key prefix) gets a new `storeId`, and counts revisions again from where that history starts.
 */
export interface StoreHeader {
  /** A random id made when the store's history starts. */
  storeId: string;
  /** Store revision when read (after the write, for writes). */
  revision: number;
}

export interface WriteOptions {
  /** Remember the outcome under this key (validated: 1..128 key characters) for `windowMs`. */
  idempotency?: { key: string; windowMs: number };
}

export interface WriteOutcome extends StoreHeader {
  results: WriteResult[];
  /**
   * The outcome of an earlier write with the same idempotency key, returned instead of applying
   * again. Its set contexts carry the operations' values; its deletes carry no previous context.
   */
  replayed?: boolean;
}

export interface ReadOutcome extends StoreHeader {
  context: Context | null;
}

export interface QueryOutcome extends StoreHeader {
  contexts: Context[];
  nextBeforeRevision?: number;
}

export interface CleanupOutcome extends StoreHeader {
  deleted: number;
}

export type ChangeType = "PUT" | "DELETE" | "EXPIRE";

export interface ChangeEvent {
  type: ChangeType;
  revision: number;
  scope: Scope;
  key: string;
  /** The context after a PUT. */
  context?: Context;
  /** The context before the change, when there was one. */
  prev?: Context;
}

export interface ChangesOutcome extends StoreHeader {
  events: ChangeEvent[];
  compactRevision?: number;
}

export type ChangeListener = (events: readonly ChangeEvent[]) => void;

/** The store's history was replaced: `header` names the new one and where its feed continues. */
export type ResetListener = (header: StoreHeader) => void;
