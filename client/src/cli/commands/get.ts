import type { Command } from "../command.js";
import type { Scope } from "../../api/types.js";

export const command: Command = {
  summary: "print a context as JSON",
  usage: "cache-fabric get <key> [--scope GLOBAL|EXECUTION|FEEDBACK|USER]",
  async run({ client, args, flags, out }) {
    const ctx = await client.getContext({ key: args[0] ?? "", scope: flags.get("scope") as Scope | undefined });
    out.write(JSON.stringify(ctx, null, 2) + "\n");
    if (!ctx) process.exitCode = 3;
  },
};
