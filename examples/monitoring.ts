/** The guide's Monitoring & Metrics. */
import type { Fabric } from "@cache-fabric/client";

export interface FabricMetrics {
  contextCount: number;
  memoryUsageBytes: number;
  hitRate: number;
  avgLatencyMs: number;
}

export async function getFabricMetrics(fabric: Fabric): Promise<FabricMetrics> {
  // One Stats call answers all four; the guide's four getters are there too.
  const stats = await fabric.stats();
  return {
    contextCount: stats.totalCount,
    memoryUsageBytes: stats.memoryUsageBytes,
    hitRate: stats.hitRate,
    avgLatencyMs: stats.avgLatencyMs,
  };
}

export async function run(fabric: Fabric): Promise<FabricMetrics> {
  const metrics = await getFabricMetrics(fabric);
  console.log(`Cache hit rate: ${(metrics.hitRate * 100).toFixed(2)}%`);
  console.log(`Avg latency: ${metrics.avgLatencyMs.toFixed(2)}ms`);
  return metrics;
}
