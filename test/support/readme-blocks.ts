import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The repository's README.md. */
export const README = join(__dirname, "../../README.md");

/**
 * One fenced code block of a Markdown file. A block may carry a marker: an HTML comment on the line
 * right above its fence, `<!-- test: KIND[; DETAIL] -->`, which readers of the rendered page never
 * see. The kinds the TypeScript checks know:
 * - `quick-start`: a complete program, type-checked and run against a live server as an ES module
 *   (.mts) and as CommonJS (.cts);
 * - `fragment; DECLARATIONS`: a snippet that needs context; type-checked only, after a prelude
 *   declaring `fabric` (a FabricClient) and whatever DECLARATIONS adds (TypeScript, e.g.
 *   `declare const input: string;`).
 * A TypeScript block with no marker is a complete module and is type-checked. Other languages
 * (python, sh) are exported by language for their own checks, with their markers as written.
 */
export interface CodeBlock {
  /** The fence's info string's first word: `ts`, `python`, `sh`, ... ("" when none). */
  lang: string;
  code: string;
  /** 1-based line of the opening fence, for error messages. */
  line: number;
  /** The marker's kind (`quick-start`, `fragment`, ...), when the block has one. */
  kind?: string;
  /** What follows the kind in the marker, after `;`. */
  detail?: string;
  /** The nearest heading above the block. */
  heading: string;
}

/** Every fenced block of `file` (default README.md), in order. */
export function codeBlocks(file: string = README): CodeBlock[] {
  const lines = readFileSync(file, "utf8").split("\n");
  const blocks: CodeBlock[] = [];
  let heading = "";
  for (let i = 0; i < lines.length; i++) {
    const title = /^#{1,6}\s+(.*)$/.exec(lines[i]);
    if (title) heading = title[1];
    const fence = /^(```+)\s*([\w+-]*)/.exec(lines[i]);
    if (!fence) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i].startsWith(fence[1]); i++) body.push(lines[i]);
    const marker = /^<!--\s*test:\s*([\w-]+)\s*(?:;\s*([\s\S]*?))?\s*-->\s*$/.exec(lines[start - 1] ?? "");
    blocks.push({
      lang: fence[2],
      code: `${body.join("\n")}\n`,
      line: start + 1,
      heading,
      ...(marker ? { kind: marker[1], ...(marker[2] ? { detail: marker[2] } : {}) } : {}),
    });
  }
  return blocks;
}

/** The blocks of one language (`ts` also takes `typescript`; `python` also `py`). */
export function blocksByLanguage(lang: string, file: string = README): CodeBlock[] {
  const aliases: Record<string, string[]> = { ts: ["ts", "typescript"], python: ["python", "py"], sh: ["sh", "bash", "shell"] };
  const names = aliases[lang] ?? [lang];
  return codeBlocks(file).filter((b) => names.includes(b.lang));
}
