import type { LabelMoveKind, PromptRegistry } from "../../api/prompts.js";
import { FabricError } from "../../api/errors.js";
import type { Command } from "../command.js";
import { UsageError } from "../command.js";
import { positionals } from "../flag-values.js";
import { REASON_FLAG, requiredReason, versionArg } from "./prompt-shared.js";

/** History entries that change the version a label points at (a rollout's start, steps, rollback and abort do not). */
const VERSION_MOVES: ReadonlySet<LabelMoveKind> = new Set(["MOVE", "PUBLISH", "ROLLOUT_COMPLETE", "ROLLOUT_PROMOTE"]);

/**
 * `cache-fabric prompt rollback <name> <label> --reason R`: puts a label back. While a rollout of
 * it runs (or is paused) that is an abort: every caller is on the stable version again. Otherwise
 * the label moves back to the version it pointed at before its current one (from its history), or
 * to `--to N`, as a compare-and-set on the version it points at now, so a move made meanwhile is
 * not undone blindly (FAILED_PRECONDITION, exit 1). Prints what the move or abort returned
 * (`-w raw`: the version the label points at now).
 */
export const command: Command = {
  summary: "put a label back: abort its rollout, or move it to its previous version (or --to N)",
  usage: "cache-fabric prompt rollback <name> <label> --reason R [--to N]",
  flags: { reason: REASON_FLAG, to: { kind: "string", help: "N  this version instead of the previous one" } },
  async run({ client, args, flags, print }) {
    const [name, label] = positionals(args, ["name", "label"]);
    const reason = requiredReason(flags);
    const to = flags.has("to") ? versionArg(flags.get("to")!, "--to") : undefined;
    const status = await client.prompts.rolloutStatus({ name, label });
    const live = status && (status.rollout.state === "RUNNING" || status.rollout.state === "PAUSED");
    if (live) {
      if (to !== undefined && to !== status.rollout.fromVersion) {
        throw new UsageError(`--to: a rollout of "${label}" is in progress: rolling back aborts it, back to version ${status.rollout.fromVersion}`);
      }
      const aborted = await client.prompts.abortRollout({ name, label, reason });
      print.document(aborted, String(aborted.label.version));
      return;
    }
    const current = (await client.prompts.listLabels(name)).find((l) => l.label === label);
    if (!current) throw new FabricError("NOT_FOUND", `prompt "${name}" has no label "${label}"`);
    const target = to ?? (await previousVersion(client.prompts, name, label, current.version));
    const moved = await client.prompts.moveLabel({ name, label, version: target, reason, ifVersion: current.version });
    print.document(moved, String(moved.label.version));
  },
};

/** The version the label pointed at before `current`: the newest history entry that moved it there. */
async function previousVersion(prompts: PromptRegistry, name: string, label: string, current: number): Promise<number> {
  let pageToken: string | undefined;
  do {
    const page = await prompts.labelHistory({ name, label, limit: 100, ...(pageToken ? { pageToken } : {}) });
    const move = page.moves.find((m) => VERSION_MOVES.has(m.kind));
    if (move) {
      if (move.toVersion !== current || move.fromVersion === 0) break;
      return move.fromVersion;
    }
    pageToken = page.nextPageToken;
  } while (pageToken);
  throw new FabricError("FAILED_PRECONDITION", `label "${label}" of "${name}" has no earlier version to go back to; give --to N`);
}
