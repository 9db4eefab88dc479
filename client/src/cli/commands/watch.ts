import type { WatchInput } from "../../api/types.js";
import type { Command } from "../command.js";
import { UsageError } from "../command.js";
import { boolFlag, intFlag, positionals, scopeFlag } from "../flag-values.js";
import { rawValue } from "../output.js";
import { SCOPE_FLAG } from "./shared-flags.js";

/**
 * `cache-fabric watch`: follows changes, one JSON object per line (`{"kind":"event","event":{...}}`,
 * and `created`/`reset` messages), until Ctrl-C or, with `--count N`, N events (a script that waits
 * for the next change). `-w raw` prints events as etcdctl does: the type, the key and (for PUT) the
 * value, one per line. The watch resumes by itself across reconnects, as the client's does.
 */
export const command: Command = {
  summary: "follow changes as JSON lines until Ctrl-C (or --count N events)",
  usage: "cache-fabric watch [--key K | --prefix P | --pattern GLOB] [--scope S] [--start-revision N] [--prev] [--snapshot] [--count N]",
  flags: {
    key: { kind: "string", help: "K  one exact key" },
    prefix: { kind: "string", help: "P  keys starting with P" },
    pattern: { kind: "string", help: "GLOB  keys matching the glob" },
    scope: SCOPE_FLAG,
    "start-revision": { kind: "string", help: "N  replay every change after revision N first" },
    prev: { kind: "boolean", help: "include each change's previous context" },
    snapshot: { kind: "boolean", help: "start with every matching context (a reset message)" },
    count: { kind: "string", help: "N  stop after N events" },
  },
  async run({ client, args, flags, print }) {
    positionals(args, []);
    const filters = ["key", "prefix", "pattern"].filter((f) => flags.has(f));
    if (filters.length > 1) throw new UsageError(`--${filters[1]}: give at most one of --key, --prefix, --pattern`);
    const count = intFlag(flags, "count", 1);
    const startRevision = intFlag(flags, "start-revision", 0);
    const input: WatchInput = { scope: scopeFlag(flags), prevContext: boolFlag(flags, "prev"), snapshot: boolFlag(flags, "snapshot") };
    // Only the filter given is set: the watch refuses more than one, even when the others are undefined.
    if (filters[0]) input[filters[0] as "key" | "prefix" | "pattern"] = flags.get(filters[0]);
    if (startRevision !== undefined) input.startRevision = startRevision;
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    let events = 0;
    try {
      for await (const message of client.watch({ ...input, signal: controller.signal })) {
        if (message.kind === "event") {
          const { type, key, context } = message.event;
          print.line(message, type === "PUT" ? `${type}\n${key}\n${rawValue(context?.value)}` : `${type}\n${key}`);
          if (count !== undefined && ++events >= count) break;
        } else if (print.format === "json") print.line(message);
      }
    } finally {
      process.removeListener("SIGINT", stop);
      process.removeListener("SIGTERM", stop);
    }
  },
};
