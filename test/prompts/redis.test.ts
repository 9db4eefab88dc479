import { createRedisStore } from "../../server/store/redis/redis-store.js";
import type { Store } from "../../server/store/types.js";
import { startRedis, type RedisProcess } from "../support/redis-server.js";
import { describePrompts } from "./suite.js";

let redis: RedisProcess | undefined;
let stores = 0;
const prefixes = new WeakMap<Store, string>();

afterAll(async () => {
  await redis?.stop();
});

async function open(prefix: string): Promise<Store> {
  redis ??= await startRedis();
  const store = await createRedisStore({
    retryLimit: 3,
    log: () => {},
    settings: { redisUrl: redis.url, redisKeyPrefix: prefix, redisSweepIntervalMs: 50 },
  });
  prefixes.set(store, prefix);
  return store;
}

// One redis-server for the file; each test's store gets its own key prefix, and a peer (a second
// fabric server) is a second connection with the same prefix: two servers over one Redis.
describePrompts("redis store", {
  fresh: () => open(`p${++stores}:`),
  peer: (store) => open(prefixes.get(store)!),
});
