import type { ChangeEvent } from "../../server/store/types.js";
import { createRedisStore } from "../../server/store/redis/redis-store.js";
import { eventually, startTestServer, type TestServer } from "../support/harness.js";
import { startRedis, type RedisProcess } from "../support/redis-server.js";

/** Two fabric servers over one Redis: one store, whichever server a client talks to. */

let redis: RedisProcess;
let a: TestServer;
let b: TestServer;

const open = () =>
  createRedisStore({
    settings: { redisUrl: redis.url, redisSweepIntervalMs: 50 },
    hitFlushMs: 50,
    retryLimit: 3,
    log: () => {},
  });

beforeAll(async () => {
  redis = await startRedis();
  a = await startTestServer(await open());
  b = await startTestServer(await open());
});

afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await redis?.stop();
});

test("a write through one server is read, queried and counted through the other", async () => {
  const written = await a.client.setContext({ key: "router:main:system_message", value: "You are helpful", metadata: { v: "1" } });
  const read = await b.client.getContext({ key: "router:main:system_message" });
  expect(read).toMatchObject({ value: "You are helpful", metadata: { v: "1" }, revision: written.revision });
  await b.client.pipeline().setContext({ key: "router:alt:system_message", value: "x" }).deleteContext({ key: "router:main:system_message" }).execute();
  expect(await a.client.getContext({ key: "router:main:system_message" })).toBeNull();
  const page = await a.client.query({ pattern: "router:*" });
  expect(page.contexts.map((c) => c.key)).toEqual(["router:alt:system_message"]);
  expect(await a.client.countContexts()).toBe(1);
  expect((await a.client.stats()).revision).toBe((await b.client.stats()).revision);
});

test("compare-and-set holds across servers: one of two racing writers wins", async () => {
  const base = await a.client.setContext({ key: "cas", value: 0 });
  const results = await Promise.allSettled([
    a.client.setContext({ key: "cas", value: "from a", ifRevision: base.revision }),
    b.client.setContext({ key: "cas", value: "from b", ifRevision: base.revision }),
  ]);
  expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
  expect(results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(["FAILED_PRECONDITION"]);
});

test("subscribers on each server see the other's changes, expiries once, in the same order", async () => {
  const seenA: ChangeEvent[] = [];
  const seenB: ChangeEvent[] = [];
  const offA = a.fabric.store.subscribe((events) => seenA.push(...events));
  const offB = b.fabric.store.subscribe((events) => seenB.push(...events));
  try {
    const first = await a.client.setContext({ key: "w:1", value: 1 });
    await b.client.setContext({ key: "w:2", value: 2, ttl: 0.1 });
    await a.client.deleteContext({ key: "w:1" });
    // Both servers sweep; the expiry must still be one change.
    await eventually(() => seenA.some((e) => e.type === "EXPIRE") && seenB.some((e) => e.type === "EXPIRE"), "the expiry on both servers");
    const describe = (events: ChangeEvent[]) => events.filter((e) => e.revision >= first.revision).map((e) => `${e.revision} ${e.type} ${e.key}`);
    expect(describe(seenB)).toEqual([
      `${first.revision} PUT w:1`,
      `${first.revision + 1} PUT w:2`,
      `${first.revision + 2} DELETE w:1`,
      `${first.revision + 3} EXPIRE w:2`,
    ]);
    expect(describe(seenA)).toEqual(describe(seenB));
  } finally {
    offA();
    offB();
  }
});

test("the hit rate is shared: reads through both servers count in one total", async () => {
  await a.client.setContext({ key: "hit", value: 1 });
  const before = await a.client.stats();
  await a.client.getContext({ key: "hit" });
  await b.client.getContext({ key: "hit" });
  await b.client.getContext({ key: "miss" });
  // Each server adds its counts to Redis every hitFlushMs (50 ms here) and when asked for stats.
  await eventually(async () => (await a.client.stats()).hits - before.hits === 2, "hits from both servers");
  const after = await b.client.stats();
  expect(after.hits - before.hits).toBe(2);
  expect(after.misses - before.misses).toBe(1);
});
