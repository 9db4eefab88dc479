import type { Command } from "../command.js";
import { checkFlags } from "../flag-values.js";

/** `cache-fabric stats`: counts per scope, memory, GetContext hit rate, mean latency, current revision. */
export const command: Command = {
  summary: "print store statistics as JSON",
  usage: "cache-fabric stats",
  async run({ client, flags, out }) {
    checkFlags(flags, []);
    out.write(JSON.stringify(await client.stats(), null, 2) + "\n");
  },
};
