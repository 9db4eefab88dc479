import { FabricError } from "./errors.js";
import type { PromptLabel, PromptVersion } from "./prompts.js";
import type { Context, JsonValue } from "./types.js";

/**
 * The prompt registry's records as agents read them: the key layout, the rules for names, and the
 * JSON shapes of the version and label records. They live in the client package because they are a
 * contract between two parties: the server's registry writes these contexts (server/prompts), and
 * every agent's label-following prompt cache watches and decodes them without a round trip to the
 * registry (client/src/agent/label-prompt-cache.ts, and the Python package the same way). Changing
 * a shape here changes it for both, which is the point.
 *
 * Every record is a GLOBAL context. `{name}` never contains `@` (validatePromptName), so
 * `prompt:{name}@` prefixes exactly one prompt's records:
 *
 *   prompt:{name}@v:{n}                      version n (immutable; written once, never rewritten)
 *   prompt:{name}@hash:{sha256}              content hash → version, so identical content is found
 *   prompt:{name}@label:{label}              where a label points, with its live rollout split
 *   prompt:{name}@history:{label}:{seq}      one label history entry (seq zero-padded, 1, 2, ...)
 *   prompt:{name}@rollout:{label}            the label's latest rollout (steps, gate, state, events)
 *   prompt:@rollouts                         index of rollouts the controllers look after ("" is no name)
 *
 * Shapes (snake_case JSON, dates ISO-8601 UTC, optional members omitted):
 *
 *   version  { name, version, text | messages: [{role, content}], config, variables, commit_message,
 *              tags, author, created_at, content_hash }
 *   label    { name, label, version, moves, updated_at, updated_by, reason,
 *              rollout?: { rollout_id, to_version, percent, salt } }
 *
 * A label record alone decides what a sticky key runs (resolveLabelVersion): the stable version,
 * or during a rollout the candidate for the keys in its share. Every rollout start, step, rollback,
 * promotion and abort rewrites it, so watching the label records is enough to follow a label.
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

export const MAX_PROMPT_NAME_LENGTH = 256;
export const MAX_LABEL_LENGTH = 64;
const PROMPT_NAME_RE = /^[A-Za-z0-9_\-.:/]+$/;
/** No ':' either: a label ends a key segment (`@history:{label}:{seq}`). */
const LABEL_RE = /^[A-Za-z0-9_\-.]+$/;

/** The label every publish moves to the new version; it cannot be moved by hand. */
export const LATEST_LABEL = "latest";

/** A prompt name: 1..256 of letters, digits and `_ - . : /` (no `@`, no glob characters). */
export function validatePromptName(name: unknown, field = "name"): string {
  if (typeof name !== "string" || name.length === 0) throw FabricError.invalid(field, "is required");
  if (name.length > MAX_PROMPT_NAME_LENGTH) {
    throw FabricError.invalid(field, `must be at most ${MAX_PROMPT_NAME_LENGTH} characters (got ${name.length})`);
  }
  if (!PROMPT_NAME_RE.test(name)) throw FabricError.invalid(field, "may contain only letters, digits and _ - . : /");
  return name;
}

/** A label: 1..64 of letters, digits and `_ - .`. */
export function validateLabelName(label: unknown, field = "label"): string {
  if (typeof label !== "string" || label.length === 0) throw FabricError.invalid(field, "is required");
  if (label.length > MAX_LABEL_LENGTH) {
    throw FabricError.invalid(field, `must be at most ${MAX_LABEL_LENGTH} characters (got ${label.length})`);
  }
  if (!LABEL_RE.test(label)) throw FabricError.invalid(field, "may contain only letters, digits and _ - .");
  return label;
}

/** A JSON object as records hold them. */
export type RecordObject = { [k: string]: JsonValue };

export function encodeVersion(v: Omit<PromptVersion, "revision">): RecordObject {
  return {
    name: v.name,
    version: v.version,
    ...(v.text !== undefined ? { text: v.text } : { messages: (v.messages ?? []).map((m) => ({ role: m.role, content: m.content })) }),
    config: v.config,
    variables: v.variables,
    commit_message: v.commitMessage,
    tags: v.tags,
    author: v.author,
    created_at: v.createdAt.toISOString(),
    content_hash: v.contentHash,
  };
}

export function decodeVersion(ctx: Context): PromptVersion {
  const v = recordObject(ctx);
  const template =
    typeof v.text === "string"
      ? { text: v.text }
      : {
          messages: recordArray(v.messages).map((m) => ({ role: String((m as RecordObject).role), content: String((m as RecordObject).content) })),
        };
  return {
    name: String(v.name),
    version: Number(v.version),
    ...template,
    config: (v.config ?? {}) as RecordObject,
    variables: recordArray(v.variables).map(String),
    commitMessage: String(v.commit_message ?? ""),
    tags: recordArray(v.tags).map(String),
    author: String(v.author ?? ""),
    createdAt: new Date(String(v.created_at)),
    contentHash: String(v.content_hash ?? ""),
    revision: ctx.revision,
  };
}

export function encodeLabel(l: Omit<PromptLabel, "revision">): RecordObject {
  return {
    name: l.name,
    label: l.label,
    version: l.version,
    moves: l.moves,
    updated_at: l.updatedAt.toISOString(),
    updated_by: l.updatedBy,
    reason: l.reason,
    ...(l.rollout ? { rollout: { rollout_id: l.rollout.rolloutId, to_version: l.rollout.toVersion, percent: l.rollout.percent, salt: l.rollout.salt } } : {}),
  };
}

export function decodeLabel(ctx: Context): PromptLabel {
  const v = recordObject(ctx);
  const r = v.rollout as RecordObject | undefined;
  return {
    name: String(v.name),
    label: String(v.label),
    version: Number(v.version),
    ...(r ? { rollout: { rolloutId: String(r.rollout_id), toVersion: Number(r.to_version), percent: Number(r.percent), salt: String(r.salt) } } : {}),
    moves: Number(v.moves),
    updatedAt: new Date(String(v.updated_at)),
    updatedBy: String(v.updated_by ?? ""),
    reason: String(v.reason ?? ""),
    revision: ctx.revision,
  };
}

/**
 * A record's value as an object. Records are written only by the registry (generic writes into the
 * layout are refused), so a record that is not one is a bug: INTERNAL, naming the key.
 */
export function recordObject(ctx: Context): RecordObject {
  const v = ctx.value;
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new FabricError("INTERNAL", `registry record ${ctx.key} is not an object`);
  }
  return v;
}

/** A record member as a list (absent or malformed: empty). */
export function recordArray(v: JsonValue | undefined): JsonValue[] {
  return Array.isArray(v) ? v : [];
}
