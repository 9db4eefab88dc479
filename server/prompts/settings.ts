import { parsers, type Setting, type SettingValues } from "../config.js";
import type { FabricError } from "@cache-fabric/client/api";
import type { PromptRegistryOptions, RolloutObserver } from "./registry.js";

/** Prompt registry settings (issue 14), read by server/main.ts beside the server's own. */
export const PROMPT_SETTINGS = {
  rolloutEvaluationIntervalMs: {
    env: "FABRIC_ROLLOUT_EVALUATION_INTERVAL_MS",
    flag: "rollout-evaluation-interval-ms",
    description:
      "How often each server evaluates the gates of the rollouts in progress (and so how soon a regression is rolled back); 0: never (rollouts only move by hand).",
    default: 5000,
    parse: parsers.int(0, 3_600_000),
  },
  configSchemaTimeoutMs: {
    env: "FABRIC_CONFIG_SCHEMA_TIMEOUT_MS",
    flag: "config-schema-timeout-ms",
    description: "Longest a publish's config_schema check may run (in a worker thread) before the publish is refused as too costly.",
    default: 1000,
    parse: parsers.int(10, 60_000),
  },
} satisfies Record<string, Setting<unknown>>;

/** The core's registry options from the settings above, reporting to `observer` (the server's metrics). */
export function promptOptionsFromConfig(
  config: SettingValues<typeof PROMPT_SETTINGS>,
  onControllerError: (error: FabricError) => void,
  observer?: RolloutObserver,
): PromptRegistryOptions {
  return {
    evaluationIntervalMs: config.rolloutEvaluationIntervalMs,
    configSchema: { timeoutMs: config.configSchemaTimeoutMs },
    onControllerError,
    ...(observer ? { observer } : {}),
  };
}
