import { createRedisStore } from "../../server/store/redis/redis-store.js";
import { startRedis, type RedisProcess } from "../support/redis-server.js";
import { describeExecutions } from "./suite.js";

let redis: RedisProcess | undefined;
let stores = 0;

afterAll(async () => {
  await redis?.stop();
});

// One redis-server for the file; each store gets its own key prefix, so each test starts empty.
describeExecutions("redis store", async () => {
  redis ??= await startRedis();
  return createRedisStore({
    retryLimit: 3,
    log: () => {},
    settings: { redisUrl: redis.url, redisKeyPrefix: `x${++stores}:`, redisSweepIntervalMs: 50 },
  });
});
