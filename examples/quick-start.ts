/**
 * The guide's Quick Start: store a system prompt, then retrieve and use it.
 * Run against a live server: `npx tsx examples/run.ts quick-start`.
 */
import type { Fabric } from "@cache-fabric/client";

export async function run(fabric: Fabric): Promise<string> {
  // 2. Store System Prompt
  await fabric.setContext({
    key: "router:main:system_message",
    value: "You are a helpful assistant",
    scope: "GLOBAL",
    metadata: { router_name: "main", version: "1.0" },
  });

  // 3. Retrieve & Use
  const context = await fabric.getContext({ key: "router:main:system_message", scope: "GLOBAL" });
  const systemPrompt = typeof context?.value === "string" ? context.value : "default prompt";
  console.log(systemPrompt);
  return systemPrompt;
}
