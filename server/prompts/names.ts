import { FabricError, LATEST_LABEL, validateLabelName } from "@cache-fabric/client/api";

/**
 * Names in the prompt registry. The rules are the client package's (prompt-records.ts), so an
 * agent checks a name before it watches the keys built from it: both are key characters without
 * `@`, which separates a prompt's name from the rest of its record keys, and without glob
 * characters, so a prefix or pattern built from them matches exactly what it says.
 */
export { LATEST_LABEL, MAX_LABEL_LENGTH, MAX_PROMPT_NAME_LENGTH, validateLabelName, validatePromptName } from "@cache-fabric/client/api";

/** A label an operator may move or roll out: any but `latest`. */
export function validateMovableLabel(label: unknown, field = "label"): string {
  const name = validateLabelName(label, field);
  if (name === LATEST_LABEL) throw FabricError.invalid(field, `"${LATEST_LABEL}" moves by itself on every publish; use another label`);
  return name;
}
