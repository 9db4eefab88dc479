import { FabricError } from "../../api/errors.js";
import type { Command } from "../command.js";
import { checkFlags, intFlag, scopeFlag } from "../flag-values.js";

/** `cache-fabric delete <key>`: prints `{ deleted, revision }`; exits 3 when there was nothing to delete (as `get` does when nothing is found). */
export const command: Command = {
  summary: "delete a context",
  usage: "cache-fabric delete <key> [--scope GLOBAL|EXECUTION|FEEDBACK|USER] [--if-revision N]",
  async run({ client, args, flags, out }) {
    checkFlags(flags, ["scope", "if-revision"]);
    if (!args[0] || args.length > 1) throw FabricError.invalid("key", "give exactly one key");
    const result = await client.deleteContext({ key: args[0], scope: scopeFlag(flags), ifRevision: intFlag(flags, "if-revision", 0) });
    out.write(JSON.stringify({ deleted: result.deleted, revision: result.revision }) + "\n");
    if (!result.deleted) process.exitCode = 3;
  },
};
