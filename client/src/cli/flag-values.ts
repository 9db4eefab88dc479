import { SCOPES, type Scope } from "../api/types.js";
import { UsageError } from "./command.js";

/**
 * Typed reads of CLI flags, shared by the commands. Each refuses a malformed value with a UsageError
 * naming the flag and the rule (exit 2, nothing sent), the way the server names a field.
 */

/** A scope in any case (`user`, `User`, `USER`); undefined when absent (the server's default, GLOBAL, applies). */
export function parseScope(raw: string | undefined, what = "--scope"): Scope | undefined {
  if (raw === undefined) return undefined;
  const scope = raw.toUpperCase();
  if (!(SCOPES as readonly string[]).includes(scope)) throw new UsageError(`${what}: must be one of ${SCOPES.join(", ")} (any case; got "${raw}")`);
  return scope as Scope;
}

/** `--scope`, any case. */
export function scopeFlag(flags: Map<string, string>, name = "scope"): Scope | undefined {
  return parseScope(flags.get(name), `--${name}`);
}

/** An integer flag within [min, max]; undefined when absent. */
export function intFlag(flags: Map<string, string>, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const raw = flags.get(name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${name}: must be an integer from ${min} to ${max} (got "${raw}")`);
  return n;
}

/** A finite number flag, at least `min`; undefined when absent. */
export function numberFlag(flags: Map<string, string>, name: string, min = -Infinity): number | undefined {
  const raw = flags.get(name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n) || n < min)
    throw new UsageError(`--${name}: must be a number${min > -Infinity ? ` >= ${min}` : ""} (got "${raw}")`);
  return n;
}

/** A boolean flag (the parser has already checked its form). */
export function boolFlag(flags: Map<string, string>, name: string): boolean {
  return flags.get(name) === "true";
}

/** An ISO-8601 date flag; undefined when absent. */
export function dateFlag(flags: Map<string, string>, name: string): Date | undefined {
  const raw = flags.get(name);
  if (raw === undefined) return undefined;
  const d = new Date(raw);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--${name}: must be an ISO-8601 date (got "${raw}")`);
  return d;
}

/** `--metadata k=v,k2=v2` → { k: "v", k2: "v2" }. */
export function metadataFlag(flags: Map<string, string>, name = "metadata"): Record<string, string> | undefined {
  const raw = flags.get(name);
  if (raw === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const pair of raw.split(",").filter(Boolean)) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--${name}: must be key=value pairs separated by commas (got "${pair}")`);
    // defineProperty: a `__proto__=x` pair is data, as the server keeps it.
    Object.defineProperty(out, pair.slice(0, eq), { value: pair.slice(eq + 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Exactly `n` positional arguments (named for the error), or a UsageError. */
export function positionals(args: string[], names: readonly string[], optional = 0): string[] {
  const min = names.length - optional;
  if (args.length < min) throw new UsageError(`${names[args.length]}: is required`);
  if (args.length > names.length) throw new UsageError(`unexpected argument "${args[names.length]}" (quote values with spaces)`);
  return args;
}
