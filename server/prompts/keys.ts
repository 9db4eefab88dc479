import { escapeGlob } from "../contexts/glob.js";

/**
 * The registry's key layout: every record is a GLOBAL context, so the store's atomic batch and
 * compare-and-set give numbering and label moves, Watch carries them to agents, and both stores
 * behave the same with no store-specific code. `{name}` never contains `@` (names.ts), so
 * `prompt:{name}@` prefixes exactly one prompt's records.
 *
 *   prompt:{name}@v:{n}                      version n (immutable; written once, never rewritten)
 *   prompt:{name}@hash:{sha256}              content hash → version, so identical content is found
 *   prompt:{name}@label:{label}              where a label points, with its live rollout split
 *   prompt:{name}@history:{label}:{seq}      one label history entry (seq zero-padded, 1, 2, ...)
 *   prompt:{name}@rollout:{label}            the label's latest rollout (steps, gate, state, events)
 *   prompt:@rollouts                         index of rollouts the controllers look after ("" is no name)
 *
 * The layout is reserved (reserved-keys.ts): generic writes into it are refused, so versions stay
 * immutable and no label moves without its history entry.
 */

export const PROMPT_KEY_PREFIX = "prompt:";

/** Every record of prompt `name` starts with this. */
export const promptPrefix = (name: string): string => `${PROMPT_KEY_PREFIX}${name}@`;
export const versionKey = (name: string, version: number): string => `${promptPrefix(name)}v:${version}`;
export const hashKey = (name: string, hash: string): string => `${promptPrefix(name)}hash:${hash}`;
export const labelKey = (name: string, label: string): string => `${promptPrefix(name)}label:${label}`;
export const historyKey = (name: string, label: string, seq: number): string => `${promptPrefix(name)}history:${label}:${String(seq).padStart(10, "0")}`;
export const rolloutKey = (name: string, label: string): string => `${promptPrefix(name)}rollout:${label}`;
export const ROLLOUT_INDEX_KEY = `${PROMPT_KEY_PREFIX}@rollouts`;

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
