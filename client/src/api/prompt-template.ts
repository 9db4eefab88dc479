import { FabricError } from "./errors.js";
import type { ChatMessage, PromptTemplate } from "./prompts.js";

/**
 * `{{variables}}` in prompt templates: which a template uses (the server checks declared variables
 * against them on publish) and filling them in (a client call: `renderTemplate`, and `render` on a
 * prompt the cache serves). One pattern for both, so what publish counts as a variable is exactly
 * what rendering asks for.
 */

/** Values a variable may take; numbers and booleans are written as JSON writes them. */
export type TemplateValue = string | number | boolean;

/** `{{ name }}`: a variable reference (spaces inside the braces allowed). */
const VARIABLE_RE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** The variables a template uses, sorted and unique. Linear in the template's length. */
export function templateVariables(content: { text?: string; messages?: readonly ChatMessage[] }): string[] {
  const found = new Set<string>();
  const scan = (s: string) => {
    for (const m of s.matchAll(VARIABLE_RE)) found.add(m[1]);
  };
  if (content.text !== undefined) scan(content.text);
  for (const m of content.messages ?? []) scan(m.content);
  return [...found].sort();
}

/**
 * The template with every `{{variable}}` replaced by its value, in one pass: a value that itself
 * contains `{{x}}` is inserted as it is, never expanded again, so user input cannot reach other
 * variables. Every variable the template uses must be given (a string, a finite number or a
 * boolean), else INVALID_ARGUMENT naming the first missing one, and nothing is rendered; variables
 * the template does not use are ignored. Linear in the template's length.
 *
 * @example
 * renderTemplate({ text: "You route {{topic}} questions." }, { topic: "billing" }) // { text: "You route billing questions." }
 */
export function renderTemplate(template: PromptTemplate, variables: Readonly<Record<string, TemplateValue>>, what = "the template"): PromptTemplate {
  const values = variables ?? {};
  for (const name of templateVariables(template)) {
    const v = Object.hasOwn(values, name) ? values[name] : undefined;
    if (v === undefined || v === null) throw FabricError.invalid(`variables.${name}`, `is required by ${what}`);
    if (typeof v !== "string" && typeof v !== "boolean" && !(typeof v === "number" && Number.isFinite(v))) {
      throw FabricError.invalid(`variables.${name}`, "must be a string, a finite number or a boolean");
    }
  }
  const fill = (s: string) => s.replace(VARIABLE_RE, (_, name: string) => String(values[name]));
  return template.text !== undefined
    ? { text: fill(template.text) }
    : { messages: (template.messages ?? []).map((m) => ({ role: m.role, content: fill(m.content) })) };
}
