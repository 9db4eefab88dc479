import { SCOPES, type Scope } from "@cache-fabric/client/api";
import { FabricError } from "@cache-fabric/client/api";
import { compileGlob, escapeGlob, type Glob } from "../contexts/glob.js";

/**
 * Authorisation policy: what an authenticated token may do. A token holds grants; a grant allows
 * `read` and/or `write` on one scope (or every scope) for the keys matching a glob. A token may also
 * be bound to one user id, which confines everything it does in the USER scope to `user:{id}:*`,
 * whatever its grants say. Nothing is allowed unless a grant allows it.
 */

export type Action = "read" | "write";

/** One permission: `read` and/or `write` on the keys of one scope (or all) matching a glob. */
export interface Grant {
  /** One scope, or every scope. */
  readonly scope: Scope | "*";
  readonly read: boolean;
  readonly write: boolean;
  /** Keys this grant covers (the README's glob syntax); `*` for all. */
  readonly keys: Glob;
}

/** A limit on how often a token may call, as a token bucket. */
export interface RateLimit {
  /** Tokens added per second; 0 means unlimited. */
  readonly rps: number;
  /** Bucket size: calls allowed at once. */
  readonly burst: number;
}

/**
 * A right in the prompt registry, beside the context grants (prompt-policy.ts): publishing new
 * versions of the prompts whose names match `names`, and moving (or rolling out) the labels
 * matching one of `labels` on them.
 */
export interface PromptGrant {
  /** Prompt names this grant covers (the README's glob syntax); `*` for all. */
  readonly names: Glob;
  readonly publish: boolean;
  /** Labels this grant may move and roll out; empty: none. */
  readonly labels: readonly Glob[];
}

/** The authenticated caller, as configured. Holds no secret: only the token's name is ever logged. */
export interface Principal {
  readonly name: string;
  /** USER scope confined to `user:{user}:*`. */
  readonly user?: string;
  readonly grants: readonly Grant[];
  /** Registry rights (the token's `prompts:` list). */
  readonly promptGrants?: readonly PromptGrant[];
  /**
   * The labels the token documents protect (`protectedLabels:`), carried by every principal loaded
   * with them so that deciding needs nothing but the principal: a protected label moves only by a
   * prompt grant that names it.
   */
  readonly protectedLabels?: readonly Glob[];
  /** Overrides the server-wide per-token rate limit. */
  readonly rateLimit?: RateLimit;
}

/** Where the authenticated principal is kept on a call (CallContext.attributes). */
export const PRINCIPAL_ATTRIBUTE = "fabric.principal";

/** User ids may not contain ':' (the key separator) nor glob characters, so `user:{id}:*` is exact. */
const USER_ID_RE = /^[A-Za-z0-9_\-.@+=,;|~#]{1,128}$/;

/** Whether `id` can be a USER binding (checked when the token file is loaded). */
export function isValidUserId(id: string): boolean {
  return USER_ID_RE.test(id);
}

/** The key prefix a USER-bound principal is confined to in the USER scope. */
export function userPrefix(user: string): string {
  return `user:${user}:`;
}

/** True when `principal` may perform `action` on the context (scope, key). */
export function allows(principal: Principal, action: Action, scope: Scope, key: string): boolean {
  if (scope === "USER" && principal.user !== undefined && !key.startsWith(userPrefix(principal.user))) return false;
  return principal.grants.some((g) => grantApplies(g, action, scope) && g.keys.matches(key));
}

/** Throws PERMISSION_DENIED unless `principal` may perform `action` on (scope, key). */
export function requireAllowed(principal: Principal, action: Action, scope: Scope, key: string): void {
  if (!allows(principal, action, scope, key)) throw denied(principal, action, `${scope} ${key}`);
}

/** True when some grant lets `principal` perform `action` on at least part of `scope`. */
export function allowsSome(principal: Principal, action: Action, scope: Scope): boolean {
  return principal.grants.some((g) => grantApplies(g, action, scope));
}

/** Throws PERMISSION_DENIED unless some grant allows `action` somewhere in `scope` (listings, which then filter). */
export function requireSome(principal: Principal, action: Action, scope: Scope): void {
  if (!allowsSome(principal, action, scope)) throw denied(principal, action, `the ${scope} scope`);
}

/**
 * True when `principal` may perform `action` on *every* key `pattern` can match in `scope`: what a
 * bulk operation (cleanup, statistics over a whole key family) needs. Decided conservatively from
 * the literal prefix every match shares: a grant covers the pattern when it allows all keys, or is a
 * prefix glob (`router:*`) whose prefix the pattern's literal prefix starts with, or matches the
 * one key an exact pattern names. A union of grants that covers only together is refused.
 */
export function covers(principal: Principal, action: Action, scope: Scope, pattern: string): boolean {
  const glob = compileGlob(pattern);
  if (scope === "USER" && principal.user !== undefined && !glob.prefix.startsWith(userPrefix(principal.user))) return false;
  return principal.grants.some((g) => grantApplies(g, action, scope) && globCovers(g.keys, glob));
}

/** Throws PERMISSION_DENIED unless `covers` holds (bulk operations). */
export function requireCovers(principal: Principal, action: Action, scope: Scope, pattern: string): void {
  if (!covers(principal, action, scope, pattern)) throw denied(principal, action, `all of ${scope} ${pattern}`);
}

/** The scopes a scope filter names: one, or all when absent. */
export function scopesOf(scope: Scope | undefined): readonly Scope[] {
  return scope === undefined ? SCOPES : [scope];
}

/** Longest part of a caller-supplied key or pattern echoed in a denial (status details travel in HTTP/2 trailers). */
const MAX_ECHO = 160;

/** A PERMISSION_DENIED naming the token (by name) and what it asked for; never the secret. */
export function denied(principal: Principal, action: Action | string, what: string): FabricError {
  const shown = what.length > MAX_ECHO ? `${what.slice(0, MAX_ECHO)}… (${what.length} characters)` : what;
  return new FabricError("PERMISSION_DENIED", `token "${principal.name}" may not ${action} ${shown}`);
}

function grantApplies(g: Grant, action: Action, scope: Scope): boolean {
  return (g.scope === "*" || g.scope === scope) && (action === "read" ? g.read : g.write);
}

function globCovers(grant: Glob, pattern: Glob): boolean {
  if (grant.source === "*") return true;
  if (pattern.exact) return grant.matches(pattern.prefix);
  // A pure prefix glob (literal run then one trailing `*`) matches exactly the keys starting with it.
  const prefixOnly = grant.source === escapeGlob(grant.prefix) + "*";
  return prefixOnly && pattern.prefix.startsWith(grant.prefix);
}
