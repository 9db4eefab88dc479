import type { JsonValue, Scope } from "@cache-fabric/client/api";
import { FabricError } from "@cache-fabric/client/api";
import { compileGlob, type Glob } from "../contexts/glob.js";

/**
 * Longest text taken from one context; the rest is not indexed. The embedder sees at most
 * `maxChunks` windows of it (see chunker.ts); the lexical index sees all of it.
 */
export const MAX_TEXT_CHARS = 16_000;

/**
 * What text is taken from the contexts whose key matches `keys` (a glob) in `scope` (absent: any
 * scope): the leaves under `fields` only (dot paths into an object value, e.g. `input`,
 * `preferences.tone`), or nothing at all (`skip`, the context is not searchable).
 */
export interface TextRule {
  scope?: Scope;
  keys: string;
  fields?: readonly string[];
  skip?: boolean;
}

/**
 * Built in, after the configured rules: an execution record is searched by what went in and came
 * out (not its timestamps, latency or ids), feedback by what the user wrote. They matter only when
 * those scopes are indexed (FABRIC_SEARCH_SCOPES).
 */
export const DEFAULT_TEXT_RULES: readonly TextRule[] = [
  { scope: "EXECUTION", keys: "execution:*", fields: ["input", "output", "error"] },
  { scope: "FEEDBACK", keys: "feedback:*", fields: ["comment", "corrections"] },
];

/** Chooses, per context, what text it is searched by. */
export interface TextExtractor {
  /** The text of a context, or undefined when it has none (not indexed). */
  textOf(scope: Scope, key: string, value: JsonValue): string | undefined;
}

/**
 * Compiles `rules` (first match wins, then DEFAULT_TEXT_RULES, then the whole value). A rule with
 * a malformed glob or field is INVALID_ARGUMENT naming it, at start-up.
 */
export function createTextExtractor(rules: readonly TextRule[] = []): TextExtractor {
  const compiled: Array<{ scope?: Scope; glob: Glob; fields?: string[][]; skip: boolean }> = [...rules, ...DEFAULT_TEXT_RULES].map((r, i) => {
    const at = `textRules[${i}]`;
    const glob = compileGlob(r.keys, `${at}.keys`);
    if (r.skip && r.fields) throw FabricError.invalid(at, "takes fields or skip, not both");
    const fields = r.fields?.map((f, j) => {
      if (typeof f !== "string" || f === "" || f.split(".").some((p) => p === "")) throw FabricError.invalid(`${at}.fields[${j}]`, "must be a dot path such as input or preferences.tone");
      return f.split(".");
    });
    return { ...(r.scope ? { scope: r.scope } : {}), glob, ...(fields ? { fields } : {}), skip: r.skip === true };
  });
  return {
    textOf(scope, key, value) {
      const rule = compiled.find((r) => (r.scope === undefined || r.scope === scope) && r.glob.matches(key));
      if (rule?.skip) return undefined;
      if (!rule?.fields || value === null || typeof value !== "object" || Array.isArray(value)) return textOf(value);
      const lines: string[] = [];
      let length = 0;
      for (const path of rule.fields) {
        let v: JsonValue | undefined = value;
        for (const p of path) v = v !== null && typeof v === "object" && !Array.isArray(v) && Object.hasOwn(v, p) ? v[p] : undefined;
        if (v === undefined) continue;
        length = leaves(v, path.join("."), lines, length);
        if (length >= MAX_TEXT_CHARS) break;
      }
      return finish(lines);
    },
  };
}

/**
 * The text of a value, all of it.
 * - A string value is searched as it is.
 * - An object or list: its string, number and boolean leaves in document order, one line each,
 *   prefixed by their key path (`title: Reset your password`, `steps.0: Open settings`), so field
 *   names lend meaning ("preferences.tone: formal").
 * - null, or an object with no leaves: nothing to search; the context is not indexed.
 * The result is cut at MAX_TEXT_CHARS.
 */
export function textOf(value: JsonValue): string | undefined {
  if (typeof value === "string") return value.trim() === "" ? undefined : value.slice(0, MAX_TEXT_CHARS);
  if (value === null || typeof value !== "object") return value === null ? undefined : String(value);
  const lines: string[] = [];
  leaves(value, "", lines, 0);
  return finish(lines);
}

/** Appends the leaf lines of `v` (under `path`) to `lines`; returns the running length. */
function leaves(v: JsonValue, path: string, lines: string[], length: number): number {
  if (length >= MAX_TEXT_CHARS || v === null) return length;
  if (typeof v === "object") {
    const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
    for (const [k, x] of entries) {
      length = leaves(x, path ? `${path}.${k}` : k, lines, length);
      if (length >= MAX_TEXT_CHARS) break;
    }
    return length;
  }
  const line = path ? `${path}: ${String(v)}` : String(v);
  lines.push(line);
  return length + line.length + 1;
}

function finish(lines: string[]): string | undefined {
  const text = lines.join("\n").slice(0, MAX_TEXT_CHARS);
  return text.trim() === "" ? undefined : text;
}
