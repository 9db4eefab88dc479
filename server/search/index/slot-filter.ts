import type { VectorFilter } from "../types.js";
import type { VectorStorage } from "./vector-storage.js";

/**
 * A `VectorFilter` resolved against one storage: a predicate on slots plus what is known about how
 * many points can match, which the HNSW path uses to choose between graph search and exact scan.
 */
export interface SlotFilter {
  /** True when no point can match (e.g. an unknown scope): the search answers [] without scoring. */
  readonly empty: boolean;
  /** Undefined when every point matches. Cheap: an int compare for scope, map lookups for metadata. */
  readonly test: ((slot: number) => boolean) | undefined;
  /** Exact number of matching points when known (no filter, or scope only); else an upper bound. */
  readonly maxMatches: number;
  /** True when `maxMatches` is exact. */
  readonly exactCount: boolean;
}

/** Resolves `filter` against `storage` once per search. */
export function compileSlotFilter(storage: VectorStorage, filter: VectorFilter | undefined): SlotFilter {
  const scope = filter?.scope;
  const entries = Object.entries(filter?.metadata ?? {});
  if (scope === undefined && entries.length === 0) {
    return { empty: storage.size === 0, test: undefined, maxMatches: storage.size, exactCount: true };
  }
  let code = -1;
  if (scope !== undefined) {
    code = storage.scopeCode(scope);
    if (code < 0 || storage.scopeCount(scope) === 0) return { empty: true, test: undefined, maxMatches: 0, exactCount: true };
  }
  const maxMatches = scope !== undefined ? storage.scopeCount(scope) : storage.size;
  const scopes = storage.scopes;
  const payloads = storage.payloads;
  const test = (slot: number): boolean => {
    if (code >= 0 && scopes[slot] !== code) return false;
    if (entries.length === 0) return true;
    const metadata = payloads[slot].metadata;
    for (const [k, v] of entries) {
      // Own-property check: metadata objects have a null prototype, so "constructor" etc. never match.
      if (metadata[k] !== v) return false;
    }
    return true;
  };
  return { empty: maxMatches === 0, test, maxMatches, exactCount: entries.length === 0 };
}
