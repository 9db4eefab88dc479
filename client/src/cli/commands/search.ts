import type { Command } from "../command.js";
import { EXIT, UsageError } from "../command.js";
import { boolFlag, intFlag, metadataFlag, numberFlag, scopeFlag } from "../flag-values.js";
import { SCOPE_FLAG } from "./shared-flags.js";

/**
 * `cache-fabric search <text...>`: contexts by meaning, most similar first, one JSON object per line
 * (`{ similarity, scope, key, value, metadata, revision }`; `-w raw`: similarity<TAB>key).
 */
export const command: Command = {
  summary: "find contexts by meaning (JSON lines, most similar first; -w raw: similarity<TAB>key)",
  usage: "cache-fabric search <text...> [--scope S] [--limit 1..100] [--min-similarity -1..1] [--metadata k=v,...] [--wait]",
  flags: {
    scope: SCOPE_FLAG,
    limit: { kind: "string", help: "N  results, 1-100 (default 10)" },
    "min-similarity": { kind: "string", help: "X  least cosine similarity, -1..1" },
    metadata: { kind: "string", help: "K=V,...  only contexts with this metadata" },
    wait: { kind: "boolean", help: "wait until every acknowledged write is indexed" },
  },
  async run({ client, args, flags, print }) {
    const query = args.join(" ").trim();
    if (!query) throw new UsageError("query: is required");
    const results = await client.search({
      query,
      scope: scopeFlag(flags),
      limit: intFlag(flags, "limit", 1, 100),
      minSimilarity: numberFlag(flags, "min-similarity", -1),
      metadata: metadataFlag(flags),
      waitForIndex: boolFlag(flags, "wait"),
    });
    for (const r of results) {
      const c = r.context;
      print.line(
        { similarity: r.similarity, scope: c.scope, key: c.key, value: c.value, metadata: c.metadata, revision: c.revision },
        `${r.similarity.toFixed(4)}\t${c.key}`,
      );
    }
    if (results.length === 0) return EXIT.notFound;
  },
};
