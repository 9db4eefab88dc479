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
 */
export interface Store {
  readonly kind: "memory" | "redis";

  /** The live context or null. Counts a hit or a miss (see `hitStats`). */
  get(scope: Scope, key: string): Promise<Context | null>;

  /** Applies operations atomically, in order; each change gets the next revision. */
  write(ops: readonly WriteOp[]): Promise<WriteOutcome>;

  /**
   * Contexts of one scope whose key matches `glob`, newest (highest revision) first, at most `limit`,
   * continuing strictly below `beforeRevision` when given. `nextBeforeRevision` is set when more may follow.
   */
  query(scope: Scope, glob: Glob, options: { limit: number; beforeRevision?: number }): Promise<QueryOutcome>;

  /** Deletes contexts last updated before `before` (optionally one scope / matching a glob); each is a DELETE change. */
  cleanup(options: { before: Date; scope?: Scope; glob?: Glob }): Promise<{ deleted: number; revision: number }>;

  /** Live contexts per scope. */
  counts(): Promise<Record<Scope, number>>;
  /** Bytes the store uses for contexts (memory: an estimate of what it holds; Redis: used_memory). */
  memoryUsage(): Promise<number>;
  /** GetContext hits and misses (shared across servers where the store allows). */
  hitStats(): Promise<{ hits: number; misses: number }>;
  /** Current store revision (0 before any write). */
  revision(): Promise<number>;

  /**
   * Changes with revision > `afterRevision`, oldest first, at most `limit`. When history no longer
   * reaches back to `afterRevision + 1`, `compactRevision` is set: the lowest `afterRevision` that
   * can still be served, and `events` is empty.
   */
  changesSince(afterRevision: number, limit: number): Promise<ChangesOutcome>;
  /**
   * Live changes, delivered in revision order, each exactly once per listener, after the write that
   * made them is acknowledged. Listeners must not throw or block.
   */
  subscribe(listener: ChangeListener): () => void;

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

export interface WriteOutcome {
  results: WriteResult[];
  /** Store revision after the write. */
  revision: number;
}

export interface QueryOutcome {
  contexts: Context[];
  nextBeforeRevision?: number;
  /** Store revision when read. */
  revision: number;
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

export interface ChangesOutcome {
  events: ChangeEvent[];
  compactRevision?: number;
  /** Store revision when read. */
  revision: number;
}

export type ChangeListener = (events: readonly ChangeEvent[]) => void;
