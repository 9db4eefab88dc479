import type { PromptVersion } from "../../api/prompts.js";
import type { Command } from "../command.js";
import { EXIT, UsageError } from "../command.js";
import { intFlag, positionals } from "../flag-values.js";

/**
 * `cache-fabric prompt get <name>`: a version as JSON, `{ version, label? }`: `latest` by default,
 * `--label L` through a label (with `--sticky-key K`, the version that key runs during a rollout),
 * `--version N` by number. `-w raw` prints the template alone: the text as it is, chat messages as
 * JSON. Exit 3 when there is none.
 */
export const command: Command = {
  summary: "print a version (latest, --label L [--sticky-key K], or --version N); exit 3 when absent",
  usage: "cache-fabric prompt get <name> [--label L [--sticky-key K] | --version N]",
  flags: {
    label: { kind: "string", help: "L  through this label (default latest)" },
    version: { kind: "string", help: "N  this version" },
    "sticky-key": { kind: "string", help: "K  during a rollout: the version this user, session or agent id runs" },
  },
  async run({ client, args, flags, print }) {
    const [name] = positionals(args, ["name"]);
    const version = intFlag(flags, "version", 1);
    const label = flags.get("label");
    const stickyKey = flags.get("sticky-key");
    if (version !== undefined && label !== undefined) throw new UsageError("--version: give at most one of --version, --label");
    if (version !== undefined && stickyKey !== undefined) throw new UsageError("--sticky-key: resolves a label: not with --version");
    const got = await client.prompts.get({
      name,
      ...(version !== undefined ? { version } : {}),
      ...(label !== undefined ? { label } : {}),
      ...(stickyKey !== undefined ? { stickyKey } : {}),
    });
    if (!got) {
      if (print.format === "json") print.document(null);
      return EXIT.notFound;
    }
    print.document(got, templateText(got.version));
  },
};

/** A version's template as a shell wants it: the text, or the chat messages as compact JSON. */
export function templateText(v: Pick<PromptVersion, "text" | "messages">): string {
  return v.text !== undefined ? v.text : JSON.stringify(v.messages ?? []);
}
