/** The guide's Memory Leaks: watch the fabric's size, then clear data last updated before a date. */
import type { Fabric } from "@cache-fabric/client";

export async function run(fabric: Fabric, before: Date | string = "2024-01-01"): Promise<{ keys: number; bytes: number; deleted: number }> {
  const stats = await fabric.stats();
  console.log(`Memory: ${(stats.memoryUsageBytes / 1024).toFixed(1)} KiB`);
  console.log(`Keys: ${stats.totalCount}`);
  const { deleted } = await fabric.cleanup({ before });
  return { keys: stats.totalCount, bytes: stats.memoryUsageBytes, deleted };
}
