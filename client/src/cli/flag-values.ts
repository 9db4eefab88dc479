import { FabricError } from "../api/errors.js";
import { SCOPES, type Scope } from "../api/types.js";

/**
 * Typed reads of CLI flags, shared by the commands. Each refuses a malformed value with
 * INVALID_ARGUMENT naming the flag, like the server names a field, so every command fails the same way.
 */

/** Refuses any flag a command does not take (a typo must not be silently ignored). */
export function checkFlags(flags: Map<string, string>, allowed: readonly string[]): void {
  for (const flag of flags.keys()) {
    if (!allowed.includes(flag)) throw FabricError.invalid(`--${flag}`, `unknown flag (this command takes ${allowed.map((f) => `--${f}`).join(", ") || "none"})`);
  }
}

/** `--scope`, case-insensitive; undefined when absent (the server's default, GLOBAL, applies). */
export function scopeFlag(flags: Map<string, string>, name = "scope"): Scope | undefined {
  const raw = flags.get(name);
  if (raw === undefined) return undefined;
  const scope = raw.toUpperCase();
  if (!(SCOPES as readonly string[]).includes(scope)) throw FabricError.invalid(`--${name}`, `must be one of ${SCOPES.join(", ")}`);
  return scope as Scope;
}

/** An integer flag within [min, max]; undefined when absent. */
export function intFlag(flags: Map<string, string>, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const raw = flags.get(name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw FabricError.invalid(`--${name}`, `must be an integer from ${min} to ${max} (got "${raw}")`);
  return n;
}

/** A finite number flag, at least `min`; undefined when absent. */
export function numberFlag(flags: Map<string, string>, name: string, min = -Infinity): number | undefined {
  const raw = flags.get(name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n) || n < min) throw FabricError.invalid(`--${name}`, `must be a number${min > -Infinity ? ` >= ${min}` : ""} (got "${raw}")`);
  return n;
}

/**
 * A bare boolean flag. The argument parser gives a bare flag the next word as its value, so
 * `query --all 'user:*'` arrives as all="user:*": that word is handed back to the positionals.
 */
export function boolFlag(flags: Map<string, string>, name: string, args: string[]): boolean {
  const raw = flags.get(name);
  if (raw === undefined) return false;
  if (raw === "true" || raw === "false") return raw === "true";
  args.push(raw);
  return true;
}

/** `--metadata k=v,k2=v2` → { k: "v", k2: "v2" }. */
export function metadataFlag(flags: Map<string, string>, name = "metadata"): Record<string, string> | undefined {
  const raw = flags.get(name);
  if (raw === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const pair of raw.split(",").filter(Boolean)) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw FabricError.invalid(`--${name}`, `must be key=value pairs separated by commas (got "${pair}")`);
    Object.defineProperty(out, pair.slice(0, eq), { value: pair.slice(eq + 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Writes one JSON value per line (NDJSON), the format every listing command prints. */
export function writeJsonLine(out: NodeJS.WritableStream, value: unknown): void {
  out.write(JSON.stringify(value) + "\n");
}
