import { SCOPES, type Scope } from "@cache-fabric/client/api";

/**
 * The Redis key layout of one fabric. Every key starts with the same Redis Cluster hash tag, so all
 * of a fabric's keys live in one slot and one Lua script may touch any of them (a script's keys must
 * share a slot in Cluster). The tag is the configured prefix: `cf:` becomes `{cf:}`; a prefix that
 * already holds a non-empty `{...}` tag (`app:{cf}:`) is used as it is. Several fabrics share a Redis
 * by using different prefixes; each then has its own slot.
 *
 * With `P` the tagged prefix:
 *
 * | key                 | type       | holds                                                                  |
 * |---------------------|------------|------------------------------------------------------------------------|
 * | `P meta`            | hash       | `id` store identity, `rev` store revision, `clock` last write time     |
 * |                     |            | (ms), `hits`, `misses`                                                 |
 * | `P changes`         | stream     | one entry per change, id `<revision>-0`, trimmed to the history size   |
 * | `P expiry`          | sorted set | `<scope>:<key>` by expiry time (ms): what the sweeper must expire       |
 * | `P d:<scope>:<key>` | hash       | one context (fields: see records.ts)                                   |
 * | `P rev:<scope>`     | sorted set | keys of the scope by revision: newest-first queries                    |
 * | `P lex:<scope>`     | sorted set | keys of the scope, all score 0: literal-prefix lookups (ZRANGEBYLEX)   |
 * | `P mtime:<scope>`   | sorted set | keys of the scope by updatedAt (ms): cleanup by timestamp              |
 * | `P idem:<key>`      | string     | a write's idempotency record (write-script.ts), expiring with its window |
 *
 * `id` is made when the history starts (the first script after the prefix is new, or after Redis
 * lost or was flushed of its data): a META without it is a new history.
 */
export interface KeyLayout {
  /** The tagged prefix every key starts with. */
  readonly root: string;
  readonly meta: string;
  readonly changes: string;
  readonly expiry: string;
  data(scope: Scope, key: string): string;
  /** Where the outcome of the write with this idempotency key is remembered. */
  idempotency(key: string): string;
  /** The 12 index keys in the fixed order the write and expire scripts expect (see INDEX_KEYS). */
  readonly indexKeys: readonly string[];
  byRevision(scope: Scope): string;
  byName(scope: Scope): string;
  byUpdate(scope: Scope): string;
}

/** Index keys per scope, in the order the scripts address them: revision, name, updatedAt. */
export const INDEX_KINDS = ["rev", "lex", "mtime"] as const;

/** KEYS positions shared by the write and expire scripts (1-based, as Lua sees them). */
export const FIXED_KEYS = 3 + SCOPES.length * INDEX_KINDS.length;

/** 1-based position of a scope in SCOPES, as the scripts address the index keys. */
export function scopeNumber(scope: Scope): number {
  return SCOPES.indexOf(scope) + 1;
}

/** Wraps `prefix` in a hash tag unless it already carries one. */
export function tagPrefix(prefix: string): string {
  const open = prefix.indexOf("{");
  const close = open >= 0 ? prefix.indexOf("}", open + 1) : -1;
  if (open >= 0 && close > open + 1) return prefix;
  return `{${prefix}}`;
}

export function keyLayout(prefix: string): KeyLayout {
  const root = tagPrefix(prefix);
  const byRevision = (scope: Scope) => `${root}rev:${scope}`;
  const byName = (scope: Scope) => `${root}lex:${scope}`;
  const byUpdate = (scope: Scope) => `${root}mtime:${scope}`;
  return {
    root,
    meta: `${root}meta`,
    changes: `${root}changes`,
    expiry: `${root}expiry`,
    data: (scope, key) => `${root}d:${scope}:${key}`,
    idempotency: (key) => `${root}idem:${key}`,
    indexKeys: SCOPES.flatMap((s) => [byRevision(s), byName(s), byUpdate(s)]),
    byRevision,
    byName,
    byUpdate,
  };
}

/** The member naming a context in the expiry set. Scope names hold no ':', so the first ':' splits. */
export function expiryMember(scope: Scope, key: string): string {
  return `${scope}:${key}`;
}

export function parseExpiryMember(member: string): { scope: Scope; key: string } | undefined {
  const colon = member.indexOf(":");
  const scope = member.slice(0, colon) as Scope;
  if (colon < 0 || !SCOPES.includes(scope)) return undefined;
  return { scope, key: member.slice(colon + 1) };
}
