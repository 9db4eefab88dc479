/**
 * The guide's Execution Tracking: record each agent execution, then query recent ones for metrics.
 * Runnable alone against a live server: `npx tsx examples/execution-tracking.ts`
 * (FABRIC_ADDRESS, default 127.0.0.1:50051).
 */
import { FabricClient, trackExecution, type Fabric, type JsonValue } from "@cache-fabric/client";

/** Stands in for the guide's `run_graph`: classifies a ticket. */
async function runGraph(input: { text: string }): Promise<{ category: string; confidence: number }> {
  await new Promise((r) => setTimeout(r, 5));
  if (!input.text) throw new Error("empty ticket");
  return { category: /password|login/i.test(input.text) ? "account" : "other", confidence: 0.93 };
}

/** The guide's `execute`: one line records timing, output and errors around the call. */
export async function execute(fabric: Fabric, input: { text: string }): Promise<{ category: string; confidence: number }> {
  const prompt = await fabric.getContext({ key: "router:main:system_message", scope: "GLOBAL" });
  return trackExecution(fabric, { prompt, input }, () => runGraph(input));
}

export async function run(fabric: Fabric): Promise<{ total: number; avgLatencyMs: number; errors: number }> {
  await fabric.setContext({ key: "router:main:system_message", value: "You are a ticket router", scope: "GLOBAL" });
  for (const text of ["I forgot my password", "Where is my parcel?", "Login fails"]) await execute(fabric, { text });
  await execute(fabric, { text: "" }).catch(() => undefined); // recorded with status ERROR, then rethrown

  // Query Executions, as in the guide: the typed records are ordinary contexts.
  const executions = (await fabric.query({ pattern: "execution:*", scope: "EXECUTION", limit: 10 })).contexts;
  const total = executions.length;
  const latency = (v: JsonValue) => (typeof v === "object" && v !== null && !Array.isArray(v) && typeof v.latency_ms === "number" ? v.latency_ms : 0);
  const avgLatencyMs = total > 0 ? executions.reduce((sum, e) => sum + latency(e.value), 0) / total : 0;
  console.log(`Total executions: ${total}`);
  console.log(`Avg latency: ${avgLatencyMs.toFixed(2)}ms`);

  // The typed call computes the same, and more, on the server.
  const stats = await fabric.executionStats({ promptKey: "router:main:system_message" });
  console.log(`Error rate: ${(stats.errorRate * 100).toFixed(1)}%, p95 ${stats.latencyP95Ms.toFixed(1)}ms`);
  return { total, avgLatencyMs, errors: stats.errorCount };
}

if (require.main === module) {
  const fabric = new FabricClient({ address: process.env.FABRIC_ADDRESS, token: process.env.FABRIC_TOKEN });
  run(fabric)
    .then((result) => console.log(JSON.stringify(result)))
    .catch((e) => {
      console.error(String(e));
      process.exitCode = 1;
    })
    .finally(() => fabric.close());
}
