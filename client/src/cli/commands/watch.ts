import { FabricError } from "../../api/errors.js";
import type { WatchInput } from "../../api/types.js";
import type { Command } from "../command.js";
import { boolFlag, checkFlags, intFlag, scopeFlag, writeJsonLine } from "../flag-values.js";

/**
 * `cache-fabric watch`: follows changes, one JSON object per line (`{"kind":"event","event":{...}}`,
 * and `created`/`reset` messages), until Ctrl-C or, with `--count N`, N events (a script that waits
 * for the next change). The watch resumes by itself across reconnects, as the client's does.
 */
export const command: Command = {
  summary: "follow changes as JSON lines until Ctrl-C (or --count N events)",
  usage:
    "cache-fabric watch [--key K | --prefix P | --pattern GLOB] [--scope S] [--start-revision N] [--prev] [--snapshot] [--count N]",
  async run({ client, args, flags, out }) {
    checkFlags(flags, ["key", "prefix", "pattern", "scope", "start-revision", "prev", "snapshot", "count"]);
    const prevContext = boolFlag(flags, "prev", args);
    const snapshot = boolFlag(flags, "snapshot", args);
    if (args.length > 0) throw FabricError.invalid(args[0], "unexpected argument (use --key, --prefix or --pattern)");
    const filters = ["key", "prefix", "pattern"].filter((f) => flags.has(f));
    if (filters.length > 1) throw FabricError.invalid(`--${filters[1]}`, `give at most one of --key, --prefix, --pattern`);
    const count = intFlag(flags, "count", 1);
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    const input: WatchInput = { scope: scopeFlag(flags), prevContext, snapshot, signal: controller.signal };
    // Only the filter given is set: the watch refuses more than one, even when the others are undefined.
    if (filters[0]) input[filters[0] as "key" | "prefix" | "pattern"] = flags.get(filters[0]);
    const startRevision = intFlag(flags, "start-revision", 0);
    if (startRevision !== undefined) input.startRevision = startRevision;
    let events = 0;
    try {
      for await (const message of client.watch(input)) {
        writeJsonLine(out, message);
        if (message.kind === "event" && count !== undefined && ++events >= count) break;
      }
    } finally {
      process.removeListener("SIGINT", stop);
      process.removeListener("SIGTERM", stop);
    }
  },
};
