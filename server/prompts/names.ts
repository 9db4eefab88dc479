import { FabricError } from "@cache-fabric/client/api";

/**
 * Names in the prompt registry. Both are key characters without `@`, which separates a prompt's
 * name from the rest of its record keys (keys.ts), and without glob characters, so a prefix or
 * pattern built from them matches exactly what it says.
 */

export const MAX_PROMPT_NAME_LENGTH = 256;
export const MAX_LABEL_LENGTH = 64;
const PROMPT_NAME_RE = /^[A-Za-z0-9_\-.:/]+$/;
/** No ':' either: a label ends a key segment (`@history:{label}:{seq}`). */
const LABEL_RE = /^[A-Za-z0-9_\-.]+$/;

/** The label every publish moves to the new version; it cannot be moved by hand. */
export const LATEST_LABEL = "latest";

export function validatePromptName(name: unknown, field = "name"): string {
  if (typeof name !== "string" || name.length === 0) throw FabricError.invalid(field, "is required");
  if (name.length > MAX_PROMPT_NAME_LENGTH) {
    throw FabricError.invalid(field, `must be at most ${MAX_PROMPT_NAME_LENGTH} characters (got ${name.length})`);
  }
  if (!PROMPT_NAME_RE.test(name)) throw FabricError.invalid(field, "may contain only letters, digits and _ - . : /");
  return name;
}

export function validateLabelName(label: unknown, field = "label"): string {
  if (typeof label !== "string" || label.length === 0) throw FabricError.invalid(field, "is required");
  if (label.length > MAX_LABEL_LENGTH) {
    throw FabricError.invalid(field, `must be at most ${MAX_LABEL_LENGTH} characters (got ${label.length})`);
  }
  if (!LABEL_RE.test(label)) throw FabricError.invalid(field, "may contain only letters, digits and _ - .");
  return label;
}

/** A label an operator may move or roll out: any but `latest`. */
export function validateMovableLabel(label: unknown, field = "label"): string {
  const name = validateLabelName(label, field);
  if (name === LATEST_LABEL) throw FabricError.invalid(field, `"${LATEST_LABEL}" moves by itself on every publish; use another label`);
  return name;
}
