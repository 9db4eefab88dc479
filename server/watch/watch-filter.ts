import type { Scope, WatchInput } from "@cache-fabric/client/api";
import { FabricError } from "@cache-fabric/client/api";
import { compileGlob, prefixGlob, type Glob } from "../contexts/glob.js";
import { validateKey, validateScope } from "../contexts/validate.js";

/** Most keys one watch may name: a prompt cache's working set, not a scan. */
export const MAX_WATCH_KEYS = 1000;

/**
 * Which changes a watcher wants: one scope, and either a set of exact keys or a glob (a prefix is the
 * glob `prefix*`, no filter is `*`). Exact filters let the hub find a change's watchers by key in
 * O(1); glob filters are tested one by one within the change's scope.
 */
export type WatchFilter =
  | { readonly scope: Scope; readonly keys: ReadonlySet<string>; readonly glob?: undefined }
  | { readonly scope: Scope; readonly keys?: undefined; readonly glob: Glob };

/** True when a change to `key` in `scope` is one the filter wants. */
export function filterMatches(filter: WatchFilter, scope: Scope, key: string): boolean {
  if (scope !== filter.scope) return false;
  return filter.keys ? filter.keys.has(key) : filter.glob.matches(key);
}

/**
 * Validates the filter part of a watch: the scope, and at most one of key, keys, prefix, pattern.
 * Each rule broken is INVALID_ARGUMENT naming the field, as everywhere in the fabric.
 */
export function parseWatchFilter(input: WatchInput): WatchFilter {
  const scope = validateScope(input.scope);
  const given = (["key", "keys", "prefix", "pattern"] as const).filter((f) => input[f] !== undefined && input[f] !== null);
  if (given.length > 1) {
    throw FabricError.invalid(given.join(", "), "set at most one of key, keys, prefix, pattern");
  }
  switch (given[0]) {
    case "key":
      return { scope, keys: new Set([validateKey(input.key)]) };
    case "keys": {
      const keys = input.keys;
      if (!Array.isArray(keys) || keys.length === 0 || keys.length > MAX_WATCH_KEYS) {
        throw FabricError.invalid("keys", `must list 1 to ${MAX_WATCH_KEYS} keys`);
      }
      return { scope, keys: new Set(keys.map((k, i) => validateKey(k, `keys[${i}]`))) };
    }
    case "prefix":
      // A prefix is made of key characters (so it holds no glob metacharacter to escape by mistake).
      return { scope, glob: prefixGlob(validateKey(input.prefix, "prefix")) };
    case "pattern":
      if (typeof input.pattern !== "string") throw FabricError.invalid("pattern", "must be a string");
      return { scope, glob: compileGlob(input.pattern, "pattern") };
    default:
      return { scope, glob: compileGlob("*") };
  }
}
