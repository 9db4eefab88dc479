import type { CommandGroup } from "../command.js";
import { command as diff } from "./prompt-diff.js";
import { command as get } from "./prompt-get.js";
import { command as history } from "./prompt-history.js";
import { command as label } from "./prompt-label.js";
import { command as labels } from "./prompt-labels.js";
import { command as publish } from "./prompt-publish.js";
import { command as rollback } from "./prompt-rollback.js";
import { command as rollout } from "./prompt-rollout.js";
import { command as versions } from "./prompt-versions.js";

/** `cache-fabric prompt ...`: the prompt registry (README "Prompt registry"), one module a command. */
export const command: CommandGroup = {
  summary: "the prompt registry: publish, get, versions, labels, history, diff, label, rollback, rollout",
  subcommands: { publish, get, versions, labels, history, diff, label, rollback, rollout },
};
