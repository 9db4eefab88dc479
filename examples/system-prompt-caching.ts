/**
 * The guide's System Prompt Caching: store prompts from a manifest on startup, read them during
 * execution with a fallback, and hot-reload one without restarting anything.
 * (For agents that read a prompt on every execution, `createPromptCache` keeps a local copy that a
 * watch keeps fresh: see README "Hot reload".)
 */
import type { Fabric } from "@cache-fabric/client";

/** Store on startup: prompts extracted from a manifest or IR, in one round trip. */
export async function cacheSystemPrompts(fabric: Fabric, prompts: Record<string, string>): Promise<void> {
  const pipe = fabric.pipeline();
  for (const [key, value] of Object.entries(prompts)) {
    pipe.setContext({ key, value, scope: "GLOBAL", metadata: { source: "manifest" } });
  }
  await pipe.execute();
}

/** Retrieve during execution: the cached prompt, or a default when none is stored. */
export async function systemPromptFor(fabric: Fabric, key: string): Promise<string> {
  const systemPrompt = await fabric.getContext({ key, scope: "GLOBAL" });
  return typeof systemPrompt?.value === "string" ? systemPrompt.value : "default system prompt";
}

/** Hot-reload pattern: update the prompt; every later execution reads the new one. */
export async function updatePrompt(fabric: Fabric, key: string, newPrompt: string): Promise<void> {
  await fabric.setContext({ key, value: newPrompt, scope: "GLOBAL" });
}

export async function run(fabric: Fabric): Promise<string[]> {
  await cacheSystemPrompts(fabric, {
    "router:main:system_message": "Your prompt here",
    "router:tool_router:system_message": "Tool router prompt",
  });
  const before = await systemPromptFor(fabric, "router:main:system_message");
  await updatePrompt(fabric, "router:main:system_message", "Updated system prompt");
  const after = await systemPromptFor(fabric, "router:main:system_message");
  const missing = await systemPromptFor(fabric, "router:unknown:system_message");
  return [before, after, missing];
}
