import { parsers, type Setting, type SettingValues } from "../config.js";
import { LIMITS } from "../contexts/validate.js";
import type { ExecutionOptions } from "./execution-ops.js";

/** Execution tracking settings (issue 6), read by server/main.ts beside the server's own. */
export const EXECUTION_SETTINGS = {
  executionRetentionSeconds: {
    env: "FABRIC_EXECUTION_RETENTION_SECONDS",
    flag: "execution-retention-seconds",
    description:
      "Time to live of execution and feedback records that name none, in seconds; 0 keeps them until deleted or cleaned up.",
    default: 0,
    parse: parsers.int(0, LIMITS.maxTtlSeconds),
  },
  feedbackRequiresExecution: {
    env: "FABRIC_FEEDBACK_REQUIRES_EXECUTION",
    flag: "feedback-requires-execution",
    description: "Refuse feedback for an execution that is not stored (NOT_FOUND); false accepts it.",
    default: true as boolean,
    parse: parsers.bool,
  },
} satisfies Record<string, Setting<unknown>>;

/** The core's execution options from the settings above. */
export function executionOptionsFromConfig(config: SettingValues<typeof EXECUTION_SETTINGS>): ExecutionOptions {
  return {
    defaultRetentionSeconds: config.executionRetentionSeconds || undefined,
    requireKnownExecution: config.feedbackRequiresExecution,
  };
}
