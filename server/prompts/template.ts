import { createHash } from "node:crypto";
import type { ChatMessage, JsonValue } from "@cache-fabric/client/api";

/**
 * What a version's content is: its template (text or chat messages), config and variables. Two
 * publishes with the same content are the same version; commit message, tags and author are not
 * content.
 */
export interface PromptContent {
  text?: string;
  messages?: ChatMessage[];
  config: { [key: string]: JsonValue };
  /** Sorted, unique. */
  variables: string[];
}

export { templateVariables } from "@cache-fabric/client/api";

/** SHA-256 (hex) of the content in a canonical JSON form (object keys sorted at every depth). */
export function contentHash(content: PromptContent): string {
  const canonical = canonicalJson({
    template: content.text !== undefined ? { text: content.text } : { messages: (content.messages ?? []).map((m) => ({ role: m.role, content: m.content })) },
    config: content.config,
    variables: content.variables,
  });
  return createHash("sha256").update(canonical, "utf8").digest("hex");
}

/** JSON with object keys in code-unit order, so equal data always encodes to the same string. */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
}
