import type { Command } from "../command.js";
import { EXIT } from "../command.js";
import { positionals } from "../flag-values.js";

/**
 * `cache-fabric prompt labels <name>`: the prompt's labels and where they point, JSON lines
 * (`-w raw`: `label<TAB>version`, and `<TAB>rollout to V at P%` while one runs).
 */
export const command: Command = {
  summary: "list labels and the versions they point at (JSON lines)",
  usage: "cache-fabric prompt labels <name>",
  flags: {},
  async run({ client, args, print }) {
    const [name] = positionals(args, ["name"]);
    const labels = await client.prompts.listLabels(name);
    for (const l of labels) {
      const split = l.rollout ? `\trollout to ${l.rollout.toVersion} at ${l.rollout.percent}%` : "";
      print.line(l, `${l.label}\t${l.version}${split}`);
    }
    if (labels.length === 0) return EXIT.notFound;
  },
};
