import { FabricError } from "@cache-fabric/client/api";

/** A compiled glob over keys. */
export interface Glob {
  readonly source: string;
  /** The literal run before the first wildcard: every match starts with it (index range lookups). */
  readonly prefix: string;
  /** True when the pattern has no wildcard: it matches exactly one key. */
  readonly exact: boolean;
  matches(key: string): boolean;
}

export const MAX_PATTERN_LENGTH = 1024;

/**
 * Compiles a glob: `*` any run of characters, `?` exactly one, `[abc]`/`[a-z]`/`[!a]`/`[^a]` one of
 * a class, `\x` the character x. The same syntax as Redis MATCH, so the Redis store can push it down.
 * Empty means `*`. A malformed pattern is INVALID_ARGUMENT naming `field`.
 */
export function compileGlob(pattern: string, field = "pattern"): Glob {
  const source = pattern === "" ? "*" : pattern;
  if (source.length > MAX_PATTERN_LENGTH) {
    throw FabricError.invalid(field, `must be at most ${MAX_PATTERN_LENGTH} characters`);
  }
  let re = "^";
  let prefix = "";
  let literal = true;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") {
      if (i + 1 >= source.length) throw FabricError.invalid(field, "ends with an unfinished escape '\\'");
      const next = source[++i];
      re += escapeRegExp(next);
      if (literal) prefix += next;
    } else if (c === "*") {
      re += "[\\s\\S]*";
      literal = false;
    } else if (c === "?") {
      re += "[\\s\\S]";
      literal = false;
    } else if (c === "[") {
      const end = source.indexOf("]", i + 2);
      if (end < 0) throw FabricError.invalid(field, `has an unclosed '[' at position ${i}`);
      let body = source.slice(i + 1, end);
      let negate = false;
      if (body[0] === "!" || body[0] === "^") {
        negate = true;
        body = body.slice(1);
      }
      if (body === "") throw FabricError.invalid(field, `has an empty class at position ${i}`);
      re += `[${negate ? "^" : ""}${body.replace(/[\\\]^]/g, "\\$&")}]`;
      literal = false;
      i = end;
    } else {
      re += escapeRegExp(c);
      if (literal) prefix += c;
    }
  }
  const regexp = new RegExp(re + "$", "u");
  return {
    source,
    prefix,
    exact: literal,
    matches: literal ? (key) => key === prefix : (key) => regexp.test(key),
  };
}

/** A glob matching exactly the keys that start with `prefix`. */
export function prefixGlob(prefix: string, field = "prefix"): Glob {
  return compileGlob(escapeGlob(prefix) + "*", field);
}

/** Escapes glob metacharacters so that `s` matches itself. */
export function escapeGlob(s: string): string {
  return s.replace(/[\\*?[\]]/g, "\\$&");
}

/** Escapes the characters that are syntax in a `u`-mode RegExp (and only those: `\-` is an error there). */
function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
