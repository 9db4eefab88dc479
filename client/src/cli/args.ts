import { type FlagSpec, UsageError } from "./command.js";

/** Single-dash aliases, as etcdctl and redis-cli users expect them. */
const SHORT: Record<string, string> = { h: "help", w: "output" };

/**
 * Splits argv into positionals and flags, refusing what the command does not take. Forms:
 * `--name value`, `--name=value`, bare boolean `--name` (or `--name=false`), `-h`, `-w raw`, and
 * `--` (everything after it is positional). A word starting with a single dash other than a known
 * short flag (`-`, `-0.5`) is positional; a string flag whose next word starts with `--` is missing
 * its value (write `--name=--value` to pass one).
 */
export function parseArgs(argv: readonly string[], specs: Record<string, FlagSpec>): { args: string[]; flags: Map<string, string> } {
  const args: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (word === "--") {
      args.push(...argv.slice(i + 1));
      break;
    }
    let name: string;
    let inline: string | undefined;
    if (word.startsWith("--")) {
      const eq = word.indexOf("=");
      name = eq > 0 ? word.slice(2, eq) : word.slice(2);
      inline = eq > 0 ? word.slice(eq + 1) : undefined;
    } else if (/^-[A-Za-z]$/.test(word)) {
      name = SHORT[word[1]] ?? "";
      if (!name) throw new UsageError(`${word}: unknown flag`);
    } else {
      args.push(word);
      continue;
    }
    const spec = specs[name];
    if (!spec) throw new UsageError(`--${name}: unknown flag${suggest(name, Object.keys(specs))}`);
    if (flags.has(name)) throw new UsageError(`--${name}: given twice`);
    if (spec.kind === "boolean") {
      if (inline !== undefined && inline !== "true" && inline !== "false") throw new UsageError(`--${name}: takes no value (or =true/=false)`);
      flags.set(name, inline ?? "true");
      continue;
    }
    if (inline === undefined) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("--")) throw new UsageError(`--${name}: needs a value`);
      inline = next;
      i++;
    }
    flags.set(name, inline);
  }
  return { args, flags };
}

/** ` (did you mean --scope?)` for a near miss (edit distance ≤ 2), else nothing. */
function suggest(name: string, known: string[]): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = editDistance(name, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best ? ` (did you mean --${best}?)` : "";
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}
