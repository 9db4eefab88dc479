import { FabricError } from "../../api/errors.js";
import type { Command } from "../command.js";
import { boolFlag, checkFlags, intFlag, metadataFlag, numberFlag, scopeFlag, writeJsonLine } from "../flag-values.js";

/**
 * `cache-fabric search <text...>`: contexts by meaning, most similar first, one JSON object per line
 * (`{ similarity, scope, key, value, metadata, revision }`).
 */
export const command: Command = {
  summary: "find contexts by meaning (JSON lines, most similar first)",
  usage:
    "cache-fabric search <text...> [--scope S] [--limit 1..100] [--min-similarity -1..1] [--metadata k=v,...] [--wait]",
  async run({ client, args, flags, out }) {
    checkFlags(flags, ["scope", "limit", "min-similarity", "metadata", "wait"]);
    const waitForIndex = boolFlag(flags, "wait", args);
    const query = args.join(" ").trim();
    if (!query) throw FabricError.invalid("query", "is required");
    const results = await client.search({
      query,
      scope: scopeFlag(flags),
      limit: intFlag(flags, "limit", 1, 100),
      minSimilarity: numberFlag(flags, "min-similarity", -1),
      metadata: metadataFlag(flags),
      waitForIndex,
    });
    for (const r of results) {
      const c = r.context;
      writeJsonLine(out, { similarity: r.similarity, scope: c.scope, key: c.key, value: c.value, metadata: c.metadata, revision: c.revision });
    }
    if (results.length === 0) process.exitCode = 3;
  },
};
