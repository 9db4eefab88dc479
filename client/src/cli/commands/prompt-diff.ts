import type { PromptChange, PromptDiff, PromptVersion } from "../../api/prompts.js";
import type { JsonValue } from "../../api/types.js";
import type { Command } from "../command.js";
import { positionals } from "../flag-values.js";
import { versionArg } from "./prompt-shared.js";

/**
 * `cache-fabric prompt diff <name> <from> <to>`: what changed between two versions. JSON: the
 * server's diff (`{ from, to, changes }`); `-w raw`: a unified diff for people and `patch`-minded
 * tools, one section per changed path (template first, then config leaves, variables, tags,
 * commit message), changed text in hunks with three lines of context.
 */
export const command: Command = {
  summary: "what changed between two versions (-w raw: a unified diff)",
  usage: "cache-fabric prompt diff <name> <from-version> <to-version>",
  flags: {},
  async run({ client, args, print }) {
    const [name, from, to] = positionals(args, ["name", "from-version", "to-version"]);
    const diff = await client.prompts.diff({ name, fromVersion: versionArg(from, "from-version"), toVersion: versionArg(to, "to-version") });
    print.document(diff, unifiedDiff(diff));
  },
};

/** Lines of context around each change in a hunk, as `diff -u` gives. */
const CONTEXT = 3;

/**
 * A prompt diff as a unified diff. Each change is a section headed `@@ ... @@ path`; a changed
 * string is shown as hunks of its line diff (`@@ -start,count +start,count @@ path`), anything
 * else as its JSON before (`-`) and after (`+`).
 */
export function unifiedDiff(diff: PromptDiff): string {
  const out = [`--- ${describe(diff.from)}`, `+++ ${describe(diff.to)}`];
  for (const change of diff.changes) out.push(...section(change));
  return out.join("\n");
}

function describe(v: PromptVersion): string {
  const note = v.commitMessage ? `: ${v.commitMessage.split("\n")[0]}` : "";
  return `${v.name} version ${v.version} (${v.author}, ${v.createdAt.toISOString()}${note})`;
}

function section(c: PromptChange): string[] {
  if (c.kind === "CHANGED" && c.textDiff !== undefined) return hunks(c.path, c.textDiff);
  const lines = [`@@ ${c.path} @@`];
  if (c.before !== undefined) lines.push(...asLines(c.before).map((l) => `-${l}`));
  if (c.after !== undefined) lines.push(...asLines(c.after).map((l) => `+${l}`));
  return lines;
}

/** A value as diff lines: a string's own lines, anything else as compact JSON. */
function asLines(v: JsonValue): string[] {
  return typeof v === "string" ? v.split("\n") : [JSON.stringify(v)];
}

interface Line {
  op: " " | "-" | "+";
  text: string;
}

/** The server's line diff ("  ", "- ", "+ " prefixes) cut into hunks with CONTEXT lines around changes. */
function hunks(path: string, textDiff: string): string[] {
  const lines: Line[] = textDiff.split("\n").map((l) => ({ op: (l[0] === "-" || l[0] === "+" ? l[0] : " ") as Line["op"], text: l.slice(2) }));
  // Line numbers before each line, in the old and the new text.
  const oldAt: number[] = [];
  const newAt: number[] = [];
  let o = 1;
  let n = 1;
  for (const l of lines) {
    oldAt.push(o);
    newAt.push(n);
    if (l.op !== "+") o++;
    if (l.op !== "-") n++;
  }
  const changed = lines.flatMap((l, i) => (l.op === " " ? [] : [i]));
  const out: string[] = [];
  let i = 0;
  while (i < changed.length) {
    // Changes closer than 2 × CONTEXT unchanged lines share a hunk.
    let j = i;
    while (j + 1 < changed.length && changed[j + 1] - changed[j] <= 2 * CONTEXT + 1) j++;
    const start = Math.max(0, changed[i] - CONTEXT);
    const end = Math.min(lines.length, changed[j] + CONTEXT + 1);
    const body = lines.slice(start, end);
    const oldCount = body.filter((l) => l.op !== "+").length;
    const newCount = body.filter((l) => l.op !== "-").length;
    // As diff -u: an empty side is numbered by the line before it.
    const range = (at: number, count: number) => `${count === 0 ? at - 1 : at},${count}`;
    out.push(`@@ -${range(oldAt[start], oldCount)} +${range(newAt[start], newCount)} @@ ${path}`);
    for (const l of body) out.push(`${l.op}${l.text}`);
    i = j + 1;
  }
  return out;
}
