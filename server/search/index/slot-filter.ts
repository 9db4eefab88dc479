import { isBoundaryPrefix, matchesEverything, matchesNothing } from "../filter.js";
import type { VectorFilter, VectorNamespace } from "../types.js";
import type { VectorStorage } from "./vector-storage.js";

/**
 * A `VectorFilter` resolved against one storage: a predicate on slots plus what is known about how
 * many slots can match, which the HNSW path uses to choose between graph search and an exact scan
 * of the filtered subset. Same meaning as `compileFilter` (../filter.ts), on slots instead of payloads.
 */
export interface SlotFilter {
  /** True when no slot can match (e.g. an unknown scope): the search answers [] without scoring. */
  readonly empty: boolean;
  /** Undefined when every slot matches. Cheap: an int compare for scope, string/map checks for the rest. */
  readonly test: ((slot: number) => boolean) | undefined;
  /** Exact number of matching slots when known; else an upper bound. */
  readonly maxMatches: number;
  /** True when `maxMatches` is exact. */
  readonly exactCount: boolean;
}

/** Upper bound of slots in (scope, prefix), exact when the prefix is empty or a boundary prefix. */
function namespaceCount(storage: VectorStorage, scope: string, prefix: string | undefined): { n: number; exact: boolean } {
  if (!prefix) return { n: storage.scopeCount(scope), exact: true };
  if (isBoundaryPrefix(prefix)) return { n: storage.prefixCount(scope, prefix), exact: true };
  return { n: storage.scopeCount(scope), exact: false };
}

/** Resolves `filter` against `storage` once per search. */
export function compileSlotFilter(storage: VectorStorage, filter: VectorFilter | undefined): SlotFilter {
  const none: SlotFilter = { empty: true, test: undefined, maxMatches: 0, exactCount: true };
  if (matchesNothing(filter)) return none;
  if (matchesEverything(filter)) return { empty: storage.size === 0, test: undefined, maxMatches: storage.size, exactCount: true };
  const { scope, keyPrefix } = filter!;
  const entries = Object.entries(filter!.metadata ?? {});

  // The namespaces a slot may be in: the anyOf list, narrowed by scope and key prefix.
  let spaces: VectorNamespace[] | undefined = filter!.anyOf?.filter((n) => scope === undefined || n.scope === scope);
  if (spaces?.length === 0) return none;
  let maxMatches: number;
  let exactCount: boolean;
  if (spaces) {
    let total = 0;
    for (const n of spaces) total += namespaceCount(storage, n.scope, longer(n.keyPrefix, keyPrefix)).n;
    maxMatches = total;
    exactCount = false;
  } else if (scope !== undefined) {
    const c = namespaceCount(storage, scope, keyPrefix);
    maxMatches = c.n;
    exactCount = c.exact;
  } else {
    maxMatches = storage.size;
    exactCount = !keyPrefix;
  }
  if (entries.length > 0) exactCount = false;
  if (maxMatches === 0) return none;

  let code = -1;
  if (scope !== undefined) {
    code = storage.scopeCode(scope);
    if (code < 0) return none;
  }
  const codes = spaces?.map((n) => ({ code: storage.scopeCode(n.scope), prefix: n.keyPrefix ?? "" })).filter((n) => n.code >= 0);
  if (codes?.length === 0) return none;
  spaces = undefined;
  const scopes = storage.scopes;
  const payloads = storage.payloads;
  const test = (slot: number): boolean => {
    if (code >= 0 && scopes[slot] !== code) return false;
    if (keyPrefix && !payloads[slot].key.startsWith(keyPrefix)) return false;
    if (codes) {
      const c = scopes[slot];
      const key = payloads[slot].key;
      if (!codes.some((n) => n.code === c && key.startsWith(n.prefix))) return false;
    }
    if (entries.length === 0) return true;
    const metadata = payloads[slot].metadata;
    for (const [k, v] of entries) {
      // Own-property check: metadata objects have a null prototype, so "constructor" etc. never match.
      if (metadata[k] !== v) return false;
    }
    return true;
  };
  return { empty: false, test, maxMatches, exactCount };
}

/** Of two prefixes a key must both start with, the one that implies the other (the longer). */
function longer(a: string | undefined, b: string | undefined): string | undefined {
  if (!a) return b;
  if (!b) return a;
  return a.length >= b.length ? a : b;
}
