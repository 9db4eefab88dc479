import type { Command } from "../command.js";
import { intFlag, positionals } from "../flag-values.js";
import { IF_VERSION_FLAG, REASON_FLAG, requiredReason, versionArg } from "./prompt-shared.js";

/**
 * `cache-fabric prompt label <name> <label> <version> --reason R`: points a label at a version, one
 * compare-and-set write with its history entry; `--if-version N` only if it points at N now (a
 * concurrent move fails with FAILED_PRECONDITION, exit 1). Prints `{ label, move? }` (`-w raw`:
 * the label record's revision).
 */
export const command: Command = {
  summary: "point a label at a version (compare-and-set with --if-version)",
  usage: "cache-fabric prompt label <name> <label> <version> --reason R [--if-version N]",
  flags: { reason: REASON_FLAG, "if-version": IF_VERSION_FLAG },
  async run({ client, args, flags, print }) {
    const [name, label, version] = positionals(args, ["name", "label", "version"]);
    const reason = requiredReason(flags);
    const ifVersion = intFlag(flags, "if-version", 0);
    const moved = await client.prompts.moveLabel({
      name,
      label,
      version: versionArg(version, "version"),
      reason,
      ...(ifVersion !== undefined ? { ifVersion } : {}),
    });
    print.document(moved, String(moved.label.revision));
  },
};
