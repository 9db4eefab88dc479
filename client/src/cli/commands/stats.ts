import type { Command } from "../command.js";
import { positionals } from "../flag-values.js";

/** `cache-fabric stats`: counts per scope, memory, GetContext hit rate, mean latency, current revision. */
export const command: Command = {
  summary: "print store statistics as JSON (-w raw: name<TAB>figure lines)",
  usage: "cache-fabric stats",
  flags: {},
  async run({ client, args, print }) {
    positionals(args, []);
    const stats = await client.stats();
    const { counts, ...figures } = stats;
    const lines = [...Object.entries(counts), ...Object.entries(figures)].map(([k, v]) => `${k}\t${v}`);
    print.document(stats, lines.join("\n"));
  },
};
