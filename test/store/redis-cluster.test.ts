import { Cluster } from "ioredis";
import { createRedisStore, type RedisStore, type RedisStoreOptions } from "../../server/store/redis/redis-store.js";
import { startRedisCluster, type RedisCluster } from "../support/redis-server.js";
import { describeStore } from "./conformance.js";

/**
 * The Redis store on a real 3-master Redis Cluster (REDIS_CLUSTER_NODES). Every key of a fabric
 * carries the prefix's hash tag, so each script's keys share one slot; this runs the whole
 * conformance suite there, and checks that two fabrics (two prefixes) land on their own slots.
 */

let cluster: RedisCluster | undefined;
let stores = 0;
let lastPrefix = "";

async function openStore(prefix: string, extra: RedisStoreOptions = {}): Promise<RedisStore> {
  cluster ??= await startRedisCluster(3);
  return createRedisStore({
    historySize: 100,
    retryLimit: 3,
    log: () => {},
    ...extra,
    settings: { redisClusterNodes: cluster.seeds, redisKeyPrefix: prefix, redisSweepIntervalMs: 50 },
  });
}

afterAll(async () => {
  await cluster?.stop();
});

describeStore(
  "redis cluster",
  { create: () => openStore((lastPrefix = `c${++stores}:`)), reopen: () => openStore(lastPrefix) },
  { historySize: 100, persistent: true },
);

test("each fabric's keys live in one slot; fabrics with other prefixes use other slots", async () => {
  const prefixes = ["alpha:", "beta:", "gamma:", "delta:"];
  const opened = await Promise.all(prefixes.map((p) => openStore(p)));
  const raw = new Cluster(cluster!.seeds.split(",").map((s) => ({ host: "127.0.0.1", port: Number(s.split(":")[1]) })));
  try {
    const slots = new Set<number>();
    for (const store of opened) {
      await store.write([{ op: "set", scope: "GLOBAL", key: "k", value: 1, metadata: {}, ttlMs: 60_000 }]);
      const keys = [...store.keys.fixedKeys, store.keys.data("GLOBAL", "k")];
      const keySlots = new Set(await Promise.all(keys.map((k) => raw.cluster("KEYSLOT", k) as Promise<number>)));
      expect(keySlots.size).toBe(1);
      slots.add([...keySlots][0]);
    }
    expect(slots.size).toBeGreaterThan(1);
  } finally {
    raw.disconnect();
    await Promise.all(opened.map((s) => s.close()));
  }
});
