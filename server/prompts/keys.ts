import { PROMPT_KEY_PREFIX, promptPrefix } from "@cache-fabric/client/api";
import { escapeGlob } from "../contexts/glob.js";

/**
 * The registry's key layout on the server's side: every record is a GLOBAL context, so the store's
 * atomic batch and compare-and-set give numbering and label moves, Watch carries them to agents,
 * and both stores behave the same with no store-specific code. The keys themselves are defined in
 * the client package (prompt-records.ts: agents watch them); here are the patterns the registry
 * lists with, and the reservation that keeps generic writes out of the layout, so versions stay
 * immutable and no label moves without its history entry.
 */
export {
  PROMPT_KEY_PREFIX,
  ROLLOUT_INDEX_KEY,
  hashKey,
  historyKey,
  labelKey,
  promptPrefix,
  rolloutKey,
  versionKey,
} from "@cache-fabric/client/api";

/** Glob patterns over one prompt's records (names and labels hold no glob characters; escaped anyway). */
export const versionsPattern = (name: string): string => `${escapeGlob(promptPrefix(name))}v:*`;
export const labelsPattern = (name: string): string => `${escapeGlob(promptPrefix(name))}label:*`;
export const historyPattern = (name: string, label?: string): string =>
  `${escapeGlob(promptPrefix(name))}history:${label === undefined ? "" : `${escapeGlob(label)}:`}*`;

/** True for a GLOBAL key of the registry's layout: `prompt:` followed by a name (or nothing) and `@`. */
export function isRegistryKey(key: string): boolean {
  return key.startsWith(PROMPT_KEY_PREFIX) && key.includes("@", PROMPT_KEY_PREFIX.length);
}

/** What the generic context API refuses to write and cleanup spares (server/contexts/context-ops.ts). */
export const REGISTRY_RESERVED_KEYS = {
  matches: (scope: string, key: string): boolean => scope === "GLOBAL" && isRegistryKey(key),
  rule: "GLOBAL keys prompt:{name}@... are the prompt registry's records; change them through PromptService (fabric.prompts)",
};
