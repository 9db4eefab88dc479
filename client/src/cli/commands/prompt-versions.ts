import type { Command } from "../command.js";
import { EXIT } from "../command.js";
import { intFlag, positionals } from "../flag-values.js";
import { ALL_FLAG, LIMIT_FLAG, PAGE_TOKEN_FLAG, printPages } from "./prompt-shared.js";

/** `cache-fabric prompt versions <name>`: the versions, newest first, JSON lines (`-w raw`: `version<TAB>created<TAB>author<TAB>commit message`). */
export const command: Command = {
  summary: "list versions, newest first (JSON lines)",
  usage: "cache-fabric prompt versions <name> [--limit N] [--page-token T] [--all]",
  flags: { limit: LIMIT_FLAG, "page-token": PAGE_TOKEN_FLAG, all: ALL_FLAG },
  async run({ client, args, flags, print }) {
    const [name] = positionals(args, ["name"]);
    const limit = intFlag(flags, "limit", 1, 1000);
    const count = await printPages(
      flags,
      async (pageToken) => {
        const page = await client.prompts.listVersions({ name, ...(limit ? { limit } : {}), ...(pageToken ? { pageToken } : {}) });
        return { items: page.versions, ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}) };
      },
      (v) => print.line(v, [v.version, v.createdAt.toISOString(), v.author, v.commitMessage].join("\t")),
    );
    if (count === 0) return EXIT.notFound;
  },
};
