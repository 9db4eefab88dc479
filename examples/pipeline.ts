/** The guide's Performance Tuning: 1,000 writes in one atomic batch, one round trip. */
import type { BatchResult, Fabric } from "@cache-fabric/client";

export async function run(fabric: Fabric, n = 1000): Promise<BatchResult> {
  const pipe = fabric.pipeline();
  for (let i = 0; i < n; i++) pipe.setContext({ key: `key:${i}`, value: { data: i } });
  return pipe.execute(); // Single batch operation
}
