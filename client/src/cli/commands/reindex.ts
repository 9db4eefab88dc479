import type { Command } from "../command.js";
import { positionals } from "../flag-values.js";
import { createProgress } from "../progress.js";

export const command: Command = {
  summary: "re-embed every context of the indexed scopes (after a model change), with a progress bar",
  usage: "cache-fabric reindex",
  flags: {},
  async run({ client, args, out }) {
    positionals(args, []);
    const progress = createProgress("reindex");
    let last = { done: 0, total: 0 };
    for await (const p of client.reindex({ timeoutMs: 24 * 3600 * 1000 })) {
      if (p.total !== last.total) progress.setTotal(p.total);
      progress.tick(p.done - last.done);
      last = p;
    }
    progress.done();
    const status = await client.searchStatus();
    out.write(`reindexed ${last.done} contexts; ${status.vectors} vectors, model ${status.model} (${status.dimension} dims), index ${status.index}\n`);
  },
};
