import type {
  ChatMessage,
  DiffPromptVersionsInput,
  GetPromptInput,
  JsonValue,
  LabelHistoryInput,
  ListPromptVersionsInput,
  MoveLabelInput,
  PublishPromptInput,
  RolloutActionInput,
  RolloutGate,
  RolloutStep,
  StartRolloutInput,
} from "@cache-fabric/client/api";
import { FabricError } from "@cache-fabric/client/api";
import { cloneJson, validateLimit, validateRevision, validateValue } from "../contexts/validate.js";
import { LATEST_LABEL, validateLabelName, validateMovableLabel, validatePromptName } from "./names.js";
import { templateVariables, type PromptContent } from "./template.js";

/**
 * Input rules of the prompt registry. Like the rest of the core, every check throws
 * INVALID_ARGUMENT naming the field as the proto names it, before anything is read or written.
 */

export const REGISTRY_LIMITS = {
  maxMessages: 1000,
  maxTags: 32,
  maxCommitMessage: 1024,
  maxReason: 1024,
  maxVariables: 256,
  maxSteps: 20,
  maxBakeMs: 30 * 24 * 3600_000,
  /** A config schema is checked in a worker, but must still be a reasonable document to send it. */
  maxSchemaBytes: 256 * 1024,
};

const ROLE_RE = /^[A-Za-z0-9_-]{1,64}$/;
const TAG_RE = /^[A-Za-z0-9_\-.:/]{1,64}$/;
const VARIABLE_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

export interface ValidPublish {
  name: string;
  content: PromptContent;
  commitMessage: string;
  tags: string[];
  configSchema?: { [key: string]: JsonValue };
}

export function validatePublish(input: PublishPromptInput, maxValueBytes: number): ValidPublish {
  if (!input || typeof input !== "object") throw FabricError.invalid("request", "must be an object");
  const name = validatePromptName(input.name);
  const template = validateTemplate(input);
  const config = input.config === undefined || input.config === null ? {} : plainObject(input.config, "config", maxValueBytes);
  const used = templateVariables(template);
  const variables = declaredVariables(input.variables, used);
  const commitMessage = optionalText(input.commitMessage, "commit_message", REGISTRY_LIMITS.maxCommitMessage);
  const tags = validateTags(input.tags);
  const configSchema =
    input.configSchema === undefined || input.configSchema === null
      ? undefined
      : plainObject(input.configSchema, "config_schema", REGISTRY_LIMITS.maxSchemaBytes);
  return { name, content: { ...template, config, variables }, commitMessage, tags, ...(configSchema ? { configSchema } : {}) };
}

function validateTemplate(input: PublishPromptInput): { text: string } | { messages: ChatMessage[] } {
  const hasText = input.text !== undefined && input.text !== null;
  const hasMessages = input.messages !== undefined && input.messages !== null;
  if (hasText === hasMessages) throw FabricError.invalid("template", "set exactly one of text, chat");
  if (hasText) {
    if (typeof input.text !== "string" || input.text.length === 0) throw FabricError.invalid("text", "must be a non-empty string");
    return { text: input.text };
  }
  const messages: unknown = input.messages;
  if (!Array.isArray(messages) || messages.length === 0) throw FabricError.invalid("chat.messages", "must hold at least one message");
  if (messages.length > REGISTRY_LIMITS.maxMessages) {
    throw FabricError.invalid("chat.messages", `must hold at most ${REGISTRY_LIMITS.maxMessages} messages`);
  }
  return {
    messages: messages.map((m: Partial<ChatMessage> | null, i): ChatMessage => {
      const field = `chat.messages[${i}]`;
      if (!m || typeof m !== "object") throw FabricError.invalid(field, "must be an object {role, content}");
      if (typeof m.role !== "string" || !ROLE_RE.test(m.role)) throw FabricError.invalid(`${field}.role`, "must be 1..64 letters, digits, _ -");
      if (typeof m.content !== "string") throw FabricError.invalid(`${field}.content`, "must be a string");
      return { role: m.role, content: m.content };
    }),
  };
}

/** The declared variables, checked against the ones the template uses; absent: the template's. */
function declaredVariables(declared: unknown, used: string[]): string[] {
  if (declared === undefined || declared === null || (Array.isArray(declared) && declared.length === 0)) return used;
  if (!Array.isArray(declared)) throw FabricError.invalid("variables", "must be a list of names");
  if (declared.length > REGISTRY_LIMITS.maxVariables) {
    throw FabricError.invalid("variables", `must hold at most ${REGISTRY_LIMITS.maxVariables} names`);
  }
  const seen = new Set<string>();
  declared.forEach((v: unknown, i) => {
    if (typeof v !== "string" || !VARIABLE_NAME_RE.test(v)) {
      throw FabricError.invalid(`variables[${i}]`, "must be a name: a letter or _, then letters, digits, _ (at most 128)");
    }
    if (seen.has(v)) throw FabricError.invalid(`variables[${i}]`, `"${v}" appears twice`);
    seen.add(v);
  });
  const missing = used.filter((v) => !seen.has(v));
  const extra = [...seen].filter((v) => !used.includes(v)).sort();
  if (missing.length > 0 || extra.length > 0) {
    const parts = [
      ...(missing.length > 0 ? [`the template uses ${list(missing)}, not declared`] : []),
      ...(extra.length > 0 ? [`declared ${list(extra)}, not in the template`] : []),
    ];
    throw FabricError.invalid("variables", `must be exactly the template's {{variables}}: ${parts.join("; ")}`);
  }
  return used;
}

function validateTags(tags: unknown): string[] {
  if (tags === undefined || tags === null) return [];
  if (!Array.isArray(tags)) throw FabricError.invalid("tags", "must be a list");
  if (tags.length > REGISTRY_LIMITS.maxTags) throw FabricError.invalid("tags", `must hold at most ${REGISTRY_LIMITS.maxTags} tags`);
  const seen = new Set<string>();
  return tags.map((t: unknown, i) => {
    if (typeof t !== "string" || !TAG_RE.test(t)) throw FabricError.invalid(`tags[${i}]`, "must be 1..64 letters, digits, _ - . : /");
    if (seen.has(t)) throw FabricError.invalid(`tags[${i}]`, `"${t}" appears twice`);
    seen.add(t);
    return t;
  });
}

export function validateGet(input: GetPromptInput): { name: string; version?: number; label?: string; stickyKey?: string } {
  if (!input || typeof input !== "object") throw FabricError.invalid("request", "must be an object");
  const name = validatePromptName(input.name);
  const hasVersion = input.version !== undefined && input.version !== null && input.version !== 0;
  const hasLabel = input.label !== undefined && input.label !== null && input.label !== "";
  if (hasVersion && hasLabel) throw FabricError.invalid("selector", "set at most one of version, label");
  const stickyKey = optionalText(input.stickyKey, "sticky_key", 512);
  if (hasVersion) return { name, version: positiveInt(input.version, "version") };
  return { name, label: hasLabel ? validateLabelName(input.label) : LATEST_LABEL, ...(stickyKey ? { stickyKey } : {}) };
}

export function validateList(input: ListPromptVersionsInput | LabelHistoryInput): { name: string; limit: number; pageToken?: string } {
  if (!input || typeof input !== "object") throw FabricError.invalid("request", "must be an object");
  return {
    name: validatePromptName(input.name),
    limit: validateLimit(input.limit),
    ...(input.pageToken ? { pageToken: input.pageToken } : {}),
  };
}

export function validateHistory(input: LabelHistoryInput): { name: string; label?: string; limit: number; pageToken?: string } {
  const base = validateList(input);
  return { ...base, ...(input.label ? { label: validateLabelName(input.label) } : {}) };
}

export function validateDiff(input: DiffPromptVersionsInput): { name: string; fromVersion: number; toVersion: number } {
  if (!input || typeof input !== "object") throw FabricError.invalid("request", "must be an object");
  return {
    name: validatePromptName(input.name),
    fromVersion: positiveInt(input.fromVersion, "from_version"),
    toVersion: positiveInt(input.toVersion, "to_version"),
  };
}

/** A move as checked: the input's own shape, every field valid. */
export type ValidMove = MoveLabelInput;

export function validateMove(input: MoveLabelInput): ValidMove {
  if (!input || typeof input !== "object") throw FabricError.invalid("request", "must be an object");
  const ifVersion = validateRevision(input.ifVersion, "if_version");
  const ifRevision = validateRevision(input.ifRevision, "if_revision");
  return {
    name: validatePromptName(input.name),
    label: validateMovableLabel(input.label),
    version: positiveInt(input.version, "version"),
    reason: requiredText(input.reason, "reason", REGISTRY_LIMITS.maxReason),
    ...(ifVersion !== undefined ? { ifVersion } : {}),
    ...(ifRevision !== undefined ? { ifRevision } : {}),
  };
}

/** A gate with every default filled in (README "Staged rollout"). */
export type FullGate = Required<Omit<RolloutGate, "maxRatingDrop" | "maxScoreDrop">> & Pick<RolloutGate, "maxRatingDrop" | "maxScoreDrop">;

export const GATE_DEFAULTS = { minSamples: 100, minFeedback: 20, maxErrorRateIncrease: 0.02, maxLatencyP95Increase: 0.25 } as const;

export interface ValidStart {
  name: string;
  label: string;
  toVersion: number;
  steps: RolloutStep[];
  gate: FullGate;
  reason: string;
  ifVersion?: number;
}

export function validateStart(input: StartRolloutInput): ValidStart {
  if (!input || typeof input !== "object") throw FabricError.invalid("request", "must be an object");
  const ifVersion = validateRevision(input.ifVersion, "if_version");
  return {
    name: validatePromptName(input.name),
    label: validateMovableLabel(input.label),
    toVersion: positiveInt(input.toVersion, "to_version"),
    steps: validateSteps(input.steps),
    gate: validateGate(input.gate),
    reason: requiredText(input.reason, "reason", REGISTRY_LIMITS.maxReason),
    ...(ifVersion !== undefined ? { ifVersion } : {}),
  };
}

function validateSteps(steps: unknown): RolloutStep[] {
  if (!Array.isArray(steps) || steps.length === 0) throw FabricError.invalid("steps", "must hold at least one step");
  if (steps.length > REGISTRY_LIMITS.maxSteps) throw FabricError.invalid("steps", `must hold at most ${REGISTRY_LIMITS.maxSteps} steps`);
  let previous = 0;
  return steps.map((s: Partial<RolloutStep> | null, i): RolloutStep => {
    const field = `steps[${i}]`;
    if (!s || typeof s !== "object") throw FabricError.invalid(field, "must be an object {percent, bake}");
    const p = s.percent;
    if (typeof p !== "number" || !Number.isFinite(p) || p <= 0 || p > 100) {
      throw FabricError.invalid(`${field}.percent`, "must be a number above 0 and at most 100");
    }
    if (Math.abs(p * 100 - Math.round(p * 100)) > 1e-9) throw FabricError.invalid(`${field}.percent`, "must have at most two decimals");
    if (p <= previous) throw FabricError.invalid(`${field}.percent`, `must be above the previous step's ${previous}`);
    if (p === 100 && i === 0) throw FabricError.invalid(`${field}.percent`, "a rollout starts below 100% (to switch everyone at once, move the label)");
    if (p === 100 && i !== steps.length - 1) throw FabricError.invalid(`${field}.percent`, "100 can only be the last step");
    previous = p;
    const bake = s.bakeMs ?? 0;
    if (typeof bake !== "number" || !Number.isFinite(bake) || bake < 0 || bake > REGISTRY_LIMITS.maxBakeMs) {
      throw FabricError.invalid(`${field}.bake`, "must be from 0 to 30 days");
    }
    return { percent: Math.round(p * 100) / 100, bakeMs: Math.round(bake) };
  });
}

function validateGate(gate: RolloutGate | undefined): FullGate {
  if (gate !== undefined && gate !== null && typeof gate !== "object") throw FabricError.invalid("gate", "must be an object");
  const g = gate ?? {};
  const count = (v: unknown, field: string, dflt: number) => {
    if (v === undefined || v === null || v === 0) return dflt;
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1) throw FabricError.invalid(field, "must be a positive integer");
    return v;
  };
  const threshold = (v: unknown, field: string) => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw FabricError.invalid(field, "must be a finite number, not negative");
    return v;
  };
  const maxRatingDrop = threshold(g.maxRatingDrop, "gate.max_rating_drop");
  const maxScoreDrop = threshold(g.maxScoreDrop, "gate.max_score_drop");
  return {
    minSamples: count(g.minSamples, "gate.min_samples", GATE_DEFAULTS.minSamples),
    minFeedback: count(g.minFeedback, "gate.min_feedback", GATE_DEFAULTS.minFeedback),
    maxErrorRateIncrease: threshold(g.maxErrorRateIncrease, "gate.max_error_rate_increase") ?? GATE_DEFAULTS.maxErrorRateIncrease,
    maxLatencyP95Increase: threshold(g.maxLatencyP95Increase, "gate.max_latency_p95_increase") ?? GATE_DEFAULTS.maxLatencyP95Increase,
    ...(maxRatingDrop !== undefined ? { maxRatingDrop } : {}),
    ...(maxScoreDrop !== undefined ? { maxScoreDrop } : {}),
  };
}

export function validateRolloutAction(input: RolloutActionInput, reasonRequired: boolean): { name: string; label: string; reason: string } {
  if (!input || typeof input !== "object") throw FabricError.invalid("request", "must be an object");
  return {
    name: validatePromptName(input.name),
    label: validateMovableLabel(input.label),
    reason: reasonRequired ? requiredText(input.reason, "reason", REGISTRY_LIMITS.maxReason) : optionalText(input.reason, "reason", REGISTRY_LIMITS.maxReason),
  };
}

function positiveInt(v: unknown, field: string): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 1) throw FabricError.invalid(field, "must be a positive integer");
  return v;
}

function optionalText(v: unknown, field: string, max: number): string {
  if (v === undefined || v === null) return "";
  if (typeof v !== "string") throw FabricError.invalid(field, "must be a string");
  if (v.length > max) throw FabricError.invalid(field, `must be at most ${max} characters (got ${v.length})`);
  return v;
}

function requiredText(v: unknown, field: string, max: number): string {
  const s = optionalText(v, field, max);
  if (s.trim() === "") throw FabricError.invalid(field, "is required");
  return s;
}

function plainObject(v: unknown, field: string, maxBytes: number): { [key: string]: JsonValue } {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw FabricError.invalid(field, "must be a JSON object");
  validateValue(v, maxBytes, field);
  return cloneJson(v as JsonValue) as { [key: string]: JsonValue };
}

function list(names: string[]): string {
  return names.map((n) => `"${n}"`).join(", ");
}
