import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { FabricError } from "../api/errors.js";
import type { Context, ExecutionInput, Fabric, JsonValue } from "../api/types.js";

/**
 * The execution fields naming the prompt that ran: spread them into `recordExecution`
 * (`recordExecution({ ...prompt.execution, input, output })`), as trackExecution does.
 */
export type PromptRunFields = Pick<ExecutionInput, "promptKey" | "promptRevision" | "promptVersion" | "promptLabel">;

/** What `trackExecution` records besides what it measures. */
export interface TrackOptions<T> extends Omit<ExecutionInput, "startedAt" | "finishedAt" | "latencyMs" | "output" | "status" | "error"> {
  /**
   * The prompt the agent runs with, so stats, feedback and rollout gates compare prompt changes:
   * - a prompt context (as `getContext` returned it): sets `promptKey` and `promptRevision`;
   * - a registry prompt (as a label-following prompt cache's `get()` returned it, or a
   *   `PromptVersion`): sets `promptKey` = its name, `promptVersion` and `promptLabel`, the version
   *   that actually ran; a cache's fallback sets `promptKey` alone.
   */
  prompt?: Pick<Context, "key" | "revision"> | RegistryPromptRef | null;
  /** Turns the agent's result into the recorded output. Default: the result as JSON (absent if it is not JSON). */
  output?: (result: T) => JsonValue | undefined;
  /** Return without waiting for the record to be written. Default false: wait, adding one round trip. */
  background?: boolean;
  /**
   * Called when recording fails. Recording never changes the agent's outcome: its result is returned
   * and its error rethrown either way. Default: `process.emitWarning`.
   */
  onRecordError?: (error: FabricError) => void;
}

/**
 * Runs an agent call and records it as an execution, in one line: start time, latency, output, and
 * on failure status ERROR with the error's message (the error is then rethrown unchanged).
 *
 * The id is chosen before the call and passed to it, so the agent can refer to its own execution
 * (for feedback links, logs) while it runs.
 *
 * @example
 * const prompt = await fabric.getContext({ key: "router:main:system_message" });
 * const out = await trackExecution(fabric, { prompt, input }, () => agent(prompt?.value, input));
 */
export async function trackExecution<T>(
  fabric: Pick<Fabric, "recordExecution">,
  options: TrackOptions<T>,
  run: (execution: { id: string }) => Promise<T> | T,
): Promise<T> {
  const { prompt, output: toOutput, background = false, onRecordError = warn, ...record } = options;
  const id = record.id || randomUUID();
  const startedAt = new Date();
  const start = performance.now();
  const finish = async (outcome: Pick<ExecutionInput, "output" | "status" | "error">) => {
    // Latency from the monotonic clock; finishedAt derived from it so the two always agree.
    const latencyMs = performance.now() - start;
    const write = fabric
      .recordExecution({
        ...promptFields(prompt),
        ...record,
        id,
        startedAt,
        finishedAt: new Date(startedAt.getTime() + latencyMs),
        latencyMs,
        ...outcome,
      })
      .then(
        () => undefined,
        (e: unknown) => onRecordError(FabricError.from(e)),
      );
    if (!background) await write;
  };

  let result: T;
  try {
    result = await run({ id });
  } catch (error) {
    await finish({ status: "ERROR", error: describe(error) });
    throw error;
  }
  let output: JsonValue | undefined;
  try {
    output = toOutput ? toOutput(result) : asJson(result);
  } catch (e) {
    // The agent succeeded; only its output cannot be recorded.
    onRecordError(new FabricError("INVALID_ARGUMENT", `output: ${(e as Error)?.message ?? String(e)}`, { cause: e }));
  }
  await finish({ status: "OK", ...(output !== undefined ? { output } : {}) });
  return result;
}

/** A registry prompt as trackExecution takes it: a cache's prompt (its label too), or a version. */
export interface RegistryPromptRef {
  name: string;
  /** 0: no version ran (a cache's fallback). */
  version: number;
  label?: string;
}

/** The execution fields that name the prompt an agent ran (see TrackOptions.prompt). */
export function promptFields(prompt: Pick<Context, "key" | "revision"> | RegistryPromptRef | null | undefined): PromptRunFields {
  if (!prompt) return {};
  if ("key" in prompt) return { promptKey: prompt.key, promptRevision: prompt.revision };
  if (!prompt.version) return { promptKey: prompt.name };
  return { promptKey: prompt.name, promptVersion: prompt.version, ...(prompt.label ? { promptLabel: prompt.label } : {}) };
}

/** "TypeError: x is not a function"; the bare message for plain Errors. */
function describe(error: unknown): string {
  if (error instanceof Error) {
    const message = error.message || String(error);
    return error.name && error.name !== "Error" ? `${error.name}: ${message}` : message;
  }
  return String(error);
}

/** The value as plain JSON (Dates become strings, functions vanish); undefined when it cannot be. */
function asJson(value: unknown): JsonValue | undefined {
  if (value === undefined) return undefined;
  try {
    const text = JSON.stringify(value);
    return text === undefined ? undefined : (JSON.parse(text) as JsonValue);
  } catch {
    return undefined;
  }
}

function warn(error: FabricError): void {
  process.emitWarning(`cache-fabric: recording an execution failed: ${error.code}: ${error.message}`, "FabricWarning");
}
