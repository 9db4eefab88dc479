import { createRedisStore } from "../../server/store/redis/redis-store.js";
import { startRedis, type RedisProcess } from "../support/redis-server.js";

/** The Redis store over TLS (rediss:// and REDIS_TLS_CA_FILE), against a TLS-only redis-server. */

let redis: RedisProcess;

beforeAll(async () => {
  redis = await startRedis({ tls: true });
});

afterAll(async () => {
  await redis?.stop();
});

test("rediss:// with the server's CA: the store works, change feed included", async () => {
  const store = await createRedisStore({ settings: { redisUrl: redis.url, redisTlsCaFile: redis.caFile }, retryLimit: 3, log: () => {} });
  try {
    const seen: number[] = [];
    store.subscribe((events) => seen.push(...events.map((e) => e.revision)));
    const { revision } = await store.write([{ op: "set", scope: "GLOBAL", key: "secret", value: "over TLS", metadata: {} }]);
    expect((await store.get("GLOBAL", "secret"))?.value).toBe("over TLS");
    for (const deadline = Date.now() + 5000; !seen.includes(revision) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 10));
    expect(seen).toEqual([revision]);
  } finally {
    await store.close();
  }
});

test("a certificate the fabric does not trust fails startup with UNAVAILABLE", async () => {
  const err = await createRedisStore({
    settings: { redisUrl: redis.url, redisConnectTimeoutMs: 500 },
    retryLimit: 1,
    log: () => {},
  }).catch((e) => e);
  expect(err).toMatchObject({ code: "UNAVAILABLE" });
  expect(err.message).toMatch(/certificate/i);
});

test("REDIS_TLS=true turns TLS on for a redis:// URL", async () => {
  const store = await createRedisStore({
    settings: { redisUrl: redis.url.replace("rediss:", "redis:"), redisTls: true, redisTlsCaFile: redis.caFile },
    retryLimit: 3,
    log: () => {},
  });
  try {
    expect(await store.revision()).toBeGreaterThanOrEqual(1);
  } finally {
    await store.close();
  }
});
