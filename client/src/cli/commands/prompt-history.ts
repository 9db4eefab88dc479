import type { LabelMove } from "../../api/prompts.js";
import type { Command } from "../command.js";
import { EXIT } from "../command.js";
import { intFlag, positionals } from "../flag-values.js";
import { ALL_FLAG, LIMIT_FLAG, PAGE_TOKEN_FLAG, printPages } from "./prompt-shared.js";

/**
 * `cache-fabric prompt history <name> [--label L]`: the label history, newest first: who moved
 * which label when, from, to and why (rollout entries with their share and the gate's verdict).
 * JSON lines; `-w raw`: one tab-separated line an entry.
 */
export const command: Command = {
  summary: "label history, newest first: who moved which label when, from, to, why",
  usage: "cache-fabric prompt history <name> [--label L] [--limit N] [--page-token T] [--all]",
  flags: { label: { kind: "string", help: "L  this label only (default: every label)" }, limit: LIMIT_FLAG, "page-token": PAGE_TOKEN_FLAG, all: ALL_FLAG },
  async run({ client, args, flags, print }) {
    const [name] = positionals(args, ["name"]);
    const label = flags.get("label");
    const limit = intFlag(flags, "limit", 1, 1000);
    const count = await printPages(
      flags,
      async (pageToken) => {
        const page = await client.prompts.labelHistory({ name, ...(label ? { label } : {}), ...(limit ? { limit } : {}), ...(pageToken ? { pageToken } : {}) });
        return { items: page.moves, ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}) };
      },
      (m) => print.line(m, historyLine(m)),
    );
    if (count === 0) return EXIT.notFound;
  },
};

/** `production  #3  MOVE  1 -> 2  alice  2026-...Z  release 12`, tab-separated. */
export function historyLine(m: LabelMove): string {
  const share = m.percent !== undefined ? ` (${m.percent}%)` : "";
  const verdict = m.evaluation ? ` [gate ${m.evaluation.verdict}]` : "";
  return [m.label, `#${m.seq}`, m.kind, `${m.fromVersion} -> ${m.toVersion}${share}`, m.actor, m.at.toISOString(), `${m.reason}${verdict}`].join("\t");
}
