import type { Command } from "../command.js";
import { EXIT } from "../command.js";
import { intFlag, positionals, scopeFlag } from "../flag-values.js";
import { IF_REVISION_FLAG, SCOPE_FLAG } from "./shared-flags.js";

/** `cache-fabric delete <key>`: prints `{ deleted, revision }` (`-w raw`: 1 or 0); exit 3 when there was nothing to delete. */
export const command: Command = {
  summary: "delete a context; exit 3 when there was none",
  usage: "cache-fabric delete <key> [--scope S] [--if-revision N]",
  flags: { scope: SCOPE_FLAG, "if-revision": IF_REVISION_FLAG },
  async run({ client, args, flags, print }) {
    const [key] = positionals(args, ["key"]);
    const result = await client.deleteContext({ key, scope: scopeFlag(flags), ifRevision: intFlag(flags, "if-revision", 0) });
    print.line({ deleted: result.deleted, revision: result.revision }, result.deleted ? "1" : "0");
    if (!result.deleted) return EXIT.notFound;
  },
};
