import type { Command } from "../command.js";
import { EXIT } from "../command.js";
import { positionals, scopeFlag } from "../flag-values.js";
import { rawValue } from "../output.js";
import { SCOPE_FLAG } from "./shared-flags.js";

/** `cache-fabric get <key>`: the context as JSON (`-w raw`: its value alone); exit 3 when there is none. */
export const command: Command = {
  summary: "print a context as JSON (-w raw: its value alone); exit 3 when absent",
  usage: "cache-fabric get <key> [--scope S]",
  flags: { scope: SCOPE_FLAG },
  async run({ client, args, flags, print }) {
    const [key] = positionals(args, ["key"]);
    const ctx = await client.getContext({ key, scope: scopeFlag(flags) });
    if (!ctx) {
      if (print.format === "json") print.document(null);
      return EXIT.notFound;
    }
    print.document(ctx, rawValue(ctx.value));
  },
};
