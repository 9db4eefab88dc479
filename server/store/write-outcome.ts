import { createHash } from "node:crypto";
import type { Context } from "@cache-fabric/client/api";
import { FabricError } from "@cache-fabric/client/api";
import type { WriteOp, WriteOutcome, WriteResult } from "./types.js";

/**
 * How a write's outcome is remembered under an idempotency key, the same way in every store: a
 * fingerprint of the request (so the same key with other operations is refused) and the outcome in
 * a compact form that holds revisions and times but no values. A replay rebuilds set contexts from
 * the retried request's own values (the fingerprint guarantees they are the ones first written) and
 * answers deletes without their previous context, so a record costs a few dozen bytes per operation
 * whatever the values weigh.
 */

/** A stored context's revisions and times (ms), as the Redis write script reports them. */
export interface ContextHeader {
  r: number;
  cr: number;
  v: number;
  c: number;
  u: number;
  e?: number;
}

/** Per operation: a set's header, or a delete's [1 when something was deleted else 0, revision]. */
export type CompactResult = ContextHeader | [deleted: 0 | 1, revision: number];

export interface CompactOutcome {
  /** Store revision after the write. */
  r: number;
  o: CompactResult[];
}

/** A context from its header and the value and metadata the write carried. */
export function contextFromHeader(
  op: { scope: Context["scope"]; key: string; value: Context["value"]; metadata: Context["metadata"] },
  h: ContextHeader,
): Context {
  return {
    key: op.key,
    scope: op.scope,
    value: op.value,
    metadata: op.metadata,
    revision: h.r,
    createRevision: h.cr,
    version: h.v,
    createdAt: new Date(h.c),
    updatedAt: new Date(h.u),
    ...(h.e !== undefined ? { expiresAt: new Date(h.e) } : {}),
  };
}

export function compactOutcome(outcome: WriteOutcome): CompactOutcome {
  return {
    r: outcome.revision,
    o: outcome.results.map((res): CompactResult => {
      if (res.op === "delete") return [res.deleted ? 1 : 0, res.revision];
      const c = res.context;
      return {
        r: c.revision,
        cr: c.createRevision,
        v: c.version,
        c: c.createdAt.getTime(),
        u: c.updatedAt.getTime(),
        ...(c.expiresAt ? { e: c.expiresAt.getTime() } : {}),
      };
    }),
  };
}

/** The remembered outcome as a WriteOutcome for the retried `ops` (the same operations, by fingerprint). */
export function replayOutcome(ops: readonly WriteOp[], compact: CompactOutcome, storeId: string): WriteOutcome {
  if (compact.o.length !== ops.length) throw new FabricError("INTERNAL", "idempotency record does not match its request");
  const results = ops.map((op, i): WriteResult => {
    const r = compact.o[i];
    if (op.op === "set") {
      if (Array.isArray(r)) throw new FabricError("INTERNAL", "idempotency record does not match its request");
      return { op: "set", context: contextFromHeader(op, r) };
    }
    if (!Array.isArray(r)) throw new FabricError("INTERNAL", "idempotency record does not match its request");
    return { op: "delete", deleted: r[0] === 1, revision: r[1] };
  });
  return { results, revision: compact.r, storeId, replayed: true };
}

/** A short digest of the request's parts (22 characters): equal parts, equal fingerprint. */
export function fingerprint(parts: Iterable<string>): string {
  const hash = createHash("sha256");
  for (const part of parts) {
    // Length-prefixed, so that ["ab", "c"] and ["a", "bc"] differ.
    hash.update(`${part.length}:`);
    hash.update(part);
  }
  return hash.digest("base64url").slice(0, 22);
}

/** The parts of a write that make it the same request: every field of every operation. */
export function* opParts(ops: readonly WriteOp[]): Generator<string> {
  for (const op of ops) {
    if (op.op === "set") {
      yield `s\u0000${op.scope}\u0000${op.key}\u0000${op.ttlMs ?? ""}\u0000${op.ifRevision ?? ""}`;
      yield JSON.stringify(op.value);
      yield JSON.stringify(op.metadata);
    } else {
      yield `d\u0000${op.scope}\u0000${op.key}\u0000${op.ifRevision ?? ""}`;
    }
  }
}

/** The same key arrived with another request: refused, nothing written. */
export function reusedKey(): FabricError {
  return FabricError.invalid("idempotency_key", "was already used for a different request within the idempotency window");
}

interface Entry {
  fingerprint: string;
  outcome: CompactOutcome;
  expiresAt: number;
}

/**
 * The memory store's idempotency records: a Map in insertion order, pruned from its oldest end. A
 * record is never returned after its window, whatever order windows of different lengths end in.
 */
export class IdempotencyTable {
  private readonly entries = new Map<string, Entry>();

  /** The live record for `key`, if any. */
  get(key: string, now: number): Entry | undefined {
    this.prune(now);
    const e = this.entries.get(key);
    return e && e.expiresAt > now ? e : undefined;
  }

  put(key: string, fingerprint: string, outcome: CompactOutcome, now: number, windowMs: number): void {
    this.entries.delete(key);
    this.entries.set(key, { fingerprint, outcome, expiresAt: now + windowMs });
  }

  get size(): number {
    return this.entries.size;
  }

  private prune(now: number): void {
    for (const [key, e] of this.entries) {
      if (e.expiresAt > now) return;
      this.entries.delete(key);
    }
  }
}
