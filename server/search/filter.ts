import type { VectorFilter, VectorNamespace } from "./types.js";

/**
 * One meaning of a search filter for every index: the in-process vector index and the lexical
 * index evaluate it with `compileFilter`, the Qdrant adapter translates it to a payload filter
 * with the same result. Scope and metadata are exact matches; a key prefix is `startsWith`.
 */

/** What a filter looks at. */
export interface FilterSubject {
  scope: string;
  key: string;
  metadata: Readonly<Record<string, string>>;
}

/** Characters after which a key prefix is a "boundary" prefix (`user:alice:`, `docs/`). */
const SEPARATORS = new Set([":", "/"]);

/**
 * The key's prefixes that end just after a separator, shortest first: `user:alice:prefs` →
 * `user:`, `user:alice:`. Indexes count points per boundary prefix (the in-process index, to choose
 * an exact scan over a small filtered subset) or store them as a keyword list (Qdrant, to filter by
 * prefix with a plain match).
 */
export function boundaryPrefixes(key: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < key.length; i++) if (SEPARATORS.has(key[i]!)) out.push(key.slice(0, i + 1));
  return out;
}

/** True when `prefix` ends just after a separator, so `boundaryPrefixes` of a matching key contain it. */
export function isBoundaryPrefix(prefix: string): boolean {
  return prefix.length > 0 && SEPARATORS.has(prefix[prefix.length - 1]!);
}

/** The longest boundary prefix that `prefix` starts with ("" when none): a superset filter. */
export function boundaryPart(prefix: string): string {
  for (let i = prefix.length - 1; i >= 0; i--) if (SEPARATORS.has(prefix[i]!)) return prefix.slice(0, i + 1);
  return "";
}

/** True when no context can pass `filter` (an empty `anyOf`). */
export function matchesNothing(filter: VectorFilter | undefined): boolean {
  return filter?.anyOf !== undefined && filter.anyOf.length === 0;
}

/** True when `filter` restricts nothing. */
export function matchesEverything(filter: VectorFilter | undefined): boolean {
  return (
    filter === undefined || (filter.scope === undefined && !filter.keyPrefix && Object.keys(filter.metadata ?? {}).length === 0 && filter.anyOf === undefined)
  );
}

/** The predicate of a filter. */
export function compileFilter(filter: VectorFilter | undefined): (s: FilterSubject) => boolean {
  if (matchesEverything(filter)) return () => true;
  const { scope, keyPrefix } = filter!;
  const entries = Object.entries(filter!.metadata ?? {});
  const anyOf = filter!.anyOf;
  return (s) => {
    if (scope !== undefined && s.scope !== scope) return false;
    if (keyPrefix && !s.key.startsWith(keyPrefix)) return false;
    for (const [k, v] of entries) if (!Object.hasOwn(s.metadata, k) || s.metadata[k] !== v) return false;
    return anyOf === undefined || anyOf.some((n) => inNamespace(n, s.scope, s.key));
  };
}

export function inNamespace(n: VectorNamespace, scope: string, key: string): boolean {
  return n.scope === scope && (!n.keyPrefix || key.startsWith(n.keyPrefix));
}
