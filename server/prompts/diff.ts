import type { JsonValue, PromptChange, PromptVersion } from "@cache-fabric/client/api";
import { canonicalJson } from "./template.js";

/**
 * The differences between two versions, for people: the template (text, or chat messages one by
 * one), then every config leaf that differs (by path), variables, tags and commit message. Changed
 * strings carry a line diff. Bounded work: the line diff is a longest-common-subsequence table over
 * what remains after the common head and tail, and falls back to "all removed, all added" when that
 * table would exceed MAX_DIFF_CELLS, so no pair of versions can hold the event loop.
 */
export function diffVersions(from: PromptVersion, to: PromptVersion): PromptChange[] {
  const changes: PromptChange[] = [];
  if (from.text !== undefined && to.text !== undefined) {
    pushValue(changes, "text", from.text, to.text);
  } else if (from.messages !== undefined && to.messages !== undefined) {
    const n = Math.max(from.messages.length, to.messages.length);
    for (let i = 0; i < n; i++) {
      const a = from.messages[i];
      const b = to.messages[i];
      if (a && b) {
        pushValue(changes, `messages[${i}].role`, a.role, b.role);
        pushValue(changes, `messages[${i}].content`, a.content, b.content);
      } else {
        pushValue(changes, `messages[${i}]`, a ? { role: a.role, content: a.content } : undefined, b ? { role: b.role, content: b.content } : undefined);
      }
    }
  } else {
    // Text on one side, chat on the other.
    pushValue(changes, from.text !== undefined ? "text" : "messages", templateOf(from), undefined);
    pushValue(changes, to.text !== undefined ? "text" : "messages", undefined, templateOf(to));
  }
  diffJson(changes, "config", from.config, to.config);
  pushValue(changes, "variables", from.variables, to.variables);
  pushValue(changes, "tags", from.tags, to.tags);
  pushValue(changes, "commitMessage", from.commitMessage, to.commitMessage);
  return changes;
}

function templateOf(v: PromptVersion): JsonValue {
  return v.text !== undefined ? v.text : (v.messages ?? []).map((m) => ({ role: m.role, content: m.content }));
}

/** Objects are compared key by key (sorted); anything else as a whole. */
function diffJson(out: PromptChange[], path: string, a: JsonValue | undefined, b: JsonValue | undefined): void {
  if (isObject(a) && isObject(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      diffJson(out, `${path}.${k}`, Object.hasOwn(a, k) ? a[k] : undefined, Object.hasOwn(b, k) ? b[k] : undefined);
    }
    return;
  }
  pushValue(out, path, a, b);
}

function pushValue(out: PromptChange[], path: string, a: JsonValue | undefined, b: JsonValue | undefined): void {
  if (a === undefined && b === undefined) return;
  if (a === undefined) {
    out.push({ path, kind: "ADDED", after: b });
    return;
  }
  if (b === undefined) {
    out.push({ path, kind: "REMOVED", before: a });
    return;
  }
  if (canonicalJson(a) === canonicalJson(b)) return;
  out.push({ path, kind: "CHANGED", before: a, after: b, ...(typeof a === "string" && typeof b === "string" ? { textDiff: lineDiff(a, b) } : {}) });
}

function isObject(v: JsonValue | undefined): v is { [k: string]: JsonValue } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Largest LCS table the line diff builds (cells = lines × lines after trimming head and tail). */
export const MAX_DIFF_CELLS = 1_000_000;

/** A line diff: "  " kept, "- " removed, "+ " added, one line each, joined by "\n". */
export function lineDiff(a: string, b: string): string {
  const x = a.split("\n");
  const y = b.split("\n");
  let head = 0;
  while (head < x.length && head < y.length && x[head] === y[head]) head++;
  let tail = 0;
  while (tail < x.length - head && tail < y.length - head && x[x.length - 1 - tail] === y[y.length - 1 - tail]) tail++;
  const xs = x.slice(head, x.length - tail);
  const ys = y.slice(head, y.length - tail);
  const lines: string[] = x.slice(0, head).map((l) => `  ${l}`);
  if ((xs.length + 1) * (ys.length + 1) > MAX_DIFF_CELLS) {
    for (const l of xs) lines.push(`- ${l}`);
    for (const l of ys) lines.push(`+ ${l}`);
  } else {
    // lcs[i][j]: longest common subsequence of xs[i..] and ys[j..], in one flat array.
    const w = ys.length + 1;
    const lcs = new Uint32Array((xs.length + 1) * w);
    for (let i = xs.length - 1; i >= 0; i--) {
      for (let j = ys.length - 1; j >= 0; j--) {
        lcs[i * w + j] = xs[i] === ys[j] ? lcs[(i + 1) * w + j + 1] + 1 : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < xs.length || j < ys.length) {
      if (i < xs.length && j < ys.length && xs[i] === ys[j]) {
        lines.push(`  ${xs[i++]}`);
        j++;
      } else if (i < xs.length && (j === ys.length || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])) {
        lines.push(`- ${xs[i++]}`);
      } else {
        lines.push(`+ ${ys[j++]}`);
      }
    }
  }
  for (const l of x.slice(x.length - tail)) lines.push(`  ${l}`);
  return lines.join("\n");
}
