import { FabricError } from "../../api/errors.js";
import type { Command } from "../command.js";
import { boolFlag, checkFlags, intFlag, scopeFlag, writeJsonLine } from "../flag-values.js";

/**
 * `cache-fabric query [pattern]`: contexts of one scope whose keys match a glob, newest first, one
 * JSON object per line. One page by default (its continuation token goes to stderr); `--all` follows
 * every page.
 */
export const command: Command = {
  summary: "list contexts matching a glob, newest first (JSON lines)",
  usage: "cache-fabric query [pattern] [--scope GLOBAL|EXECUTION|FEEDBACK|USER] [--limit 1..1000] [--page-token T] [--all]",
  async run({ client, args, flags, out }) {
    checkFlags(flags, ["scope", "limit", "page-token", "all"]);
    const all = boolFlag(flags, "all", args);
    if (args.length > 1) throw FabricError.invalid("pattern", "give one pattern (quote it so the shell does not expand it)");
    const scope = scopeFlag(flags);
    const limit = intFlag(flags, "limit", 1, 1000);
    let pageToken = flags.get("page-token");
    let count = 0;
    for (;;) {
      const page = await client.query({ pattern: args[0] ?? "*", scope, limit, pageToken });
      for (const context of page.contexts) writeJsonLine(out, context);
      count += page.contexts.length;
      pageToken = page.nextPageToken;
      if (!pageToken) break;
      if (!all) {
        process.stderr.write(`more: --page-token ${pageToken} (or --all)\n`);
        break;
      }
    }
    if (count === 0) process.exitCode = 3;
  },
};
