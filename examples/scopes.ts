/** The guide's Scopes section: one store, four partitions of the key space. */
import type { Fabric } from "@cache-fabric/client";

export async function run(fabric: Fabric): Promise<number> {
  // GLOBAL - Shared across all executions
  await fabric.setContext({ key: "system_prompt", value: "...", scope: "GLOBAL" });
  // EXECUTION - Specific to one execution
  await fabric.setContext({ key: "execution:exec-123:state", value: { step: 2, done: false }, scope: "EXECUTION" });
  // FEEDBACK - Feedback data
  await fabric.setContext({ key: "feedback:exec-123:rating", value: { score: 5 }, scope: "FEEDBACK" });
  // USER - User-specific context
  await fabric.setContext({ key: "user:user-456:preferences", value: { language: "en", tone: "concise" }, scope: "USER" });
  return fabric.countContexts();
}
