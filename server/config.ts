/**
 * Every setting is an environment variable with a command-line twin (`FABRIC_PORT` / `--port`).
 * Flags win over the environment, which wins over defaults. Each area declares its own settings
 * beside its code; this module only parses and validates them. README's configuration table lists
 * them all (a test checks that it does).
 */

export interface Setting<T> {
  env: string;
  flag: string;
  description: string;
  default: T;
  parse: (raw: string, name: string) => T;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

export const parsers = {
  string: (raw: string) => raw,
  int:
    (min: number, max = Number.MAX_SAFE_INTEGER) =>
    (raw: string, name: string): number => {
      const n = Number(raw);
      if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name}: must be an integer from ${min} to ${max} (got "${raw}")`);
      return n;
    },
  bool: (raw: string, name: string): boolean => {
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    throw new ConfigError(`${name}: must be true or false (got "${raw}")`);
  },
  oneOf:
    <T extends string>(...choices: T[]) =>
    (raw: string, name: string): T => {
      if (!(choices as string[]).includes(raw)) throw new ConfigError(`${name}: must be one of ${choices.join(", ")} (got "${raw}")`);
      return raw as T;
    },
  optional:
    <T>(parse: (raw: string, name: string) => T) =>
    (raw: string, name: string): T | undefined =>
      raw === "" ? undefined : parse(raw, name),
};

export type SettingValues<S extends Record<string, Setting<unknown>>> = { [K in keyof S]: S[K]["default"] };

/** Reads `settings` from flags (`--flag value` or `--flag=value`) and the environment. */
export function readSettings<S extends Record<string, Setting<unknown>>>(
  settings: S,
  argv: readonly string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): SettingValues<S> {
  const flags = parseFlags(argv);
  const out: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(settings)) {
    const raw = flags.get(s.flag) ?? env[s.env];
    out[name] = raw === undefined ? s.default : s.parse(raw, flags.has(s.flag) ? `--${s.flag}` : s.env);
    flags.delete(s.flag);
  }
  return out as SettingValues<S>;
}

function parseFlags(argv: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) continue;
    const eq = arg.indexOf("=");
    if (eq > 0) flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) flags.set(arg.slice(2), argv[++i]);
    else flags.set(arg.slice(2), "true");
  }
  return flags;
}

/** Refuses flags no setting claims, so a typo is not silently ignored. */
export function checkUnknownFlags(known: Iterable<Setting<unknown>>, argv: readonly string[] = process.argv.slice(2)): void {
  const names = new Set([...known].map((s) => s.flag));
  for (const flag of parseFlags(argv).keys()) {
    if (!names.has(flag)) throw new ConfigError(`--${flag}: unknown flag`);
  }
}
