import { SCOPES, type Scope } from "@cache-fabric/client/api";

/**
 * The Redis key layout of one fabric (record format 2). Every key starts with the same Redis
 * Cluster hash tag, so all of a fabric's keys live in one slot and one Lua script (or one MGET) may
 * touch any of them. The tag is the configured prefix: `cf:` becomes `{cf:}`; a prefix that already
 * holds a non-empty `{...}` tag (`app:{cf}:`) is used as it is. Several fabrics share a Redis by
 * using different prefixes; each then has its own slot.
 *
 * With `P` the tagged prefix:
 *
 * | key                 | type       | holds                                                                   |
 * |---------------------|------------|-------------------------------------------------------------------------|
 * | `P head`            | string     | `<revision> <clock> <id>`: store revision, last write time (ms), identity |
 * | `P meta`            | hash       | `hits`, `misses` (format 1 also kept `id`, `rev`, `clock` here)          |
 * | `P changes`         | stream     | one entry per change, id `<revision>-0`, trimmed to the history size    |
 * | `P expiry`          | sorted set | `<scope>:<key>` by expiry time (ms): what the sweeper must expire        |
 * | `P d:<scope>:<key>` | string     | one context (records.ts)                                                |
 * | `P rev:<scope>`     | sorted set | keys of the scope by revision: newest-first queries, cleanup by age     |
 * | `P lex:<scope>`     | sorted set | keys of the scope, all score 0: literal-prefix lookups (ZRANGEBYLEX)    |
 * | `P idem:<key>`      | string     | a write's idempotency record (write-script.ts), expiring with its window |
 *
 * HEAD is one string so that a plain MGET reads a context and the header of the history it belongs
 * to in one command. A prefix without HEAD is a new history, unless META still holds a format-1 `id`:
 * then its data is in the old format and is migrated first (migration.ts).
 *
 * Cleanup needs no updatedAt index: every write takes its time from the fabric's clock, which never
 * goes back within a history (lua-prelude.ts), so updatedAt is non-decreasing in revision order and
 * "updated before T" is a prefix of the revision index.
 */
export interface KeyLayout {
  /** The tagged prefix every key starts with. */
  readonly root: string;
  readonly head: string;
  readonly meta: string;
  readonly changes: string;
  readonly expiry: string;
  data(scope: Scope, key: string): string;
  /** Where the outcome of the write with this idempotency key is remembered. */
  idempotency(key: string): string;
  /** The fixed keys of the write and expire scripts, in the order they expect (FIXED_KEYS of them). */
  readonly fixedKeys: readonly string[];
  byRevision(scope: Scope): string;
  byName(scope: Scope): string;
  /** Format 1's updatedAt index, deleted by the migration. */
  legacyByUpdate(scope: Scope): string;
}

/** KEYS positions shared by the write and expire scripts: HEAD, CHANGES, EXPIRY, META, then per scope its revision and name indexes. */
export const FIXED_KEYS = 4 + SCOPES.length * 2;

/** 1-based position of a scope in SCOPES, as the scripts and the change stream address it. */
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
  const head = `${root}head`;
  const meta = `${root}meta`;
  const changes = `${root}changes`;
  const expiry = `${root}expiry`;
  return {
    root,
    head,
    meta,
    changes,
    expiry,
    data: (scope, key) => `${root}d:${scope}:${key}`,
    idempotency: (key) => `${root}idem:${key}`,
    fixedKeys: [head, changes, expiry, meta, ...SCOPES.flatMap((s) => [byRevision(s), byName(s)])],
    byRevision,
    byName,
    legacyByUpdate: (scope) => `${root}mtime:${scope}`,
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
