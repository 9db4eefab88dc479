import type { JsonValue } from "@cache-fabric/client/api";

/** Longest text embedded per context; the rest is cut (the models see at most a few hundred tokens anyway). */
export const MAX_EMBED_CHARS = 4000;

/**
 * The text a context is searched by.
 * - A string value is embedded as it is.
 * - An object or list: its string, number and boolean leaves in document order, one line each,
 *   prefixed by their key path (`title: Reset your password`, `steps.0: Open settings`), so field
 *   names lend meaning ("preferences.tone: formal").
 * - null, or an object with no leaves: nothing to embed; the context is not in the index.
 * The result is cut at MAX_EMBED_CHARS.
 */
export function textOf(value: JsonValue): string | undefined {
  if (typeof value === "string") return value.trim() === "" ? undefined : value.slice(0, MAX_EMBED_CHARS);
  if (value === null || typeof value !== "object") return value === null ? undefined : String(value);
  const lines: string[] = [];
  let length = 0;
  const walk = (v: JsonValue, path: string): boolean => {
    if (length >= MAX_EMBED_CHARS) return false;
    if (v === null) return true;
    if (typeof v === "object") {
      const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
      for (const [k, x] of entries) if (!walk(x, path ? `${path}.${k}` : k)) return false;
      return true;
    }
    const line = path ? `${path}: ${String(v)}` : String(v);
    lines.push(line);
    length += line.length + 1;
    return true;
  };
  walk(value, "");
  return lines.length ? lines.join("\n").slice(0, MAX_EMBED_CHARS) : undefined;
}
