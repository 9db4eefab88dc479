/** The guide's TTL: a context that expires on its own (here after 1 hour, as in the guide). */
import type { Context, Fabric } from "@cache-fabric/client";

export async function run(fabric: Fabric, ttlSeconds = 3600): Promise<Context> {
  return fabric.setContext({ key: "temp_data", value: { session: "abc" }, scope: "GLOBAL", ttl: ttlSeconds });
}
