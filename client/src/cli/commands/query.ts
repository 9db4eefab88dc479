import type { Command } from "../command.js";
import { EXIT } from "../command.js";
import { boolFlag, intFlag, positionals, scopeFlag } from "../flag-values.js";
import { SCOPE_FLAG } from "./shared-flags.js";

/**
 * `cache-fabric query [pattern]`: contexts of one scope whose keys match a glob, newest first, one
 * JSON object per line (`-w raw`: one key per line). One page by default (its continuation token
 * goes to stderr); `--all` follows every page.
 */
export const command: Command = {
  summary: "list contexts matching a glob, newest first (JSON lines; -w raw: keys)",
  usage: "cache-fabric query [pattern] [--scope S] [--limit 1..1000] [--page-token T] [--all]",
  flags: {
    scope: SCOPE_FLAG,
    limit: { kind: "string", help: "N  page size, 1-1000 (default 100)" },
    "page-token": { kind: "string", help: "T  continue from this page token" },
    all: { kind: "boolean", help: "follow every page" },
  },
  async run({ client, args, flags, print }) {
    const [pattern = "*"] = positionals(args, ["pattern"], 1);
    const all = boolFlag(flags, "all");
    const scope = scopeFlag(flags);
    const limit = intFlag(flags, "limit", 1, 1000);
    let pageToken = flags.get("page-token");
    let count = 0;
    for (;;) {
      const page = await client.query({ pattern, scope, limit, pageToken });
      for (const context of page.contexts) print.line(context, context.key);
      count += page.contexts.length;
      pageToken = page.nextPageToken;
      if (!pageToken) break;
      if (!all) {
        process.stderr.write(`more: --page-token ${pageToken} (or --all)\n`);
        break;
      }
    }
    if (count === 0) return EXIT.notFound;
  },
};
