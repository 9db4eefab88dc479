import { Redis } from "ioredis";
import { createRedisStore, type RedisStore } from "../../server/store/redis/redis-store.js";
import type { ChangeEvent, SetOp, StoreHeader } from "../../server/store/types.js";
import { eventually } from "../support/harness.js";
import { startRedis, type RedisProcess } from "../support/redis-server.js";
import { set } from "./conformance.js";

/**
 * The Redis store's identity when its history is replaced under a running fabric: FLUSHALL, a Redis
 * restarted without persistence, a Redis restored from an older snapshot. Each must end in a reset
 * announced to the store's listeners (in feed order), a new store id on every answer, and writes
 * that carry on in the new history. Against a real redis-server of this file's own (it is flushed,
 * killed and restarted here).
 */

let redis: RedisProcess;
let raw: Redis;
const open: RedisStore[] = [];

beforeAll(async () => {
  redis = await startRedis();
  raw = new Redis(redis.url, { maxRetriesPerRequest: 1, retryStrategy: () => 50, lazyConnect: false });
});
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});
afterAll(async () => {
  raw.disconnect();
  await redis.stop();
});

async function openStore(prefix: string): Promise<RedisStore> {
  const store = await createRedisStore({
    retryLimit: 200,
    changeBlockMs: 200,
    log: () => {},
    settings: { redisUrl: redis.url, redisKeyPrefix: prefix, redisRetryMinDelayMs: 20, redisRetryMaxDelayMs: 100 },
  });
  open.push(store);
  return store;
}

/** What a store's listeners hear, in order: change revisions and resets. */
function listen(store: RedisStore) {
  const feed: (number | StoreHeader)[] = [];
  store.subscribe(
    (events: readonly ChangeEvent[]) => feed.push(...events.map((e) => e.revision)),
    (header) => feed.push(header),
  );
  return {
    feed,
    resets: () => feed.filter((x): x is StoreHeader => typeof x === "object"),
    /** Revisions heard after the last reset. */
    sinceReset: () => feed.slice(feed.findLastIndex((x) => typeof x === "object") + 1) as number[],
  };
}

const writes = (prefix: string, n: number, from = 0): SetOp[] => Array.from({ length: n }, (_, i) => set(`${prefix}${from + i}`, from + i));

test("FLUSHALL under two running servers: each announces a reset, both follow one new identity, writes carry on", async () => {
  const a = await openStore("f:");
  const b = await openStore("f:");
  const before = await a.header();
  expect((await b.header()).storeId).toBe(before.storeId);
  const heardA = listen(a);
  const heardB = listen(b);
  for (let i = 0; i < 3; i++) await a.write(writes("k", 5, i * 5));
  await eventually(() => heardA.feed.length === 15 && heardB.feed.length === 15, "15 changes on both servers");

  await raw.flushall();
  // Nobody writes: the idle readers notice on their own (within one XREAD block).
  await eventually(() => heardA.resets().length === 1 && heardB.resets().length === 1, "a reset on each server", 10_000);
  const [resetA] = heardA.resets();
  const [resetB] = heardB.resets();
  expect(resetA.storeId).not.toBe(before.storeId);
  expect(resetB).toEqual(resetA);
  expect(resetA.revision).toBe(0);

  // The new history: revisions start again, every answer names it, both servers hear its changes.
  const w = await b.write(writes("new", 3));
  expect(w).toMatchObject({ storeId: resetA.storeId, revision: 3 });
  expect(await a.read("GLOBAL", "new0")).toMatchObject({ storeId: resetA.storeId, revision: 3, context: { value: 0 } });
  expect(await a.read("GLOBAL", "k0")).toMatchObject({ context: null });
  await eventually(() => heardA.sinceReset().length === 3 && heardB.sinceReset().length === 3, "the new history's changes");
  expect(heardA.sinceReset()).toEqual([1, 2, 3]);
  expect(heardB.sinceReset()).toEqual([1, 2, 3]);
  expect(heardA.resets()).toHaveLength(1);
});

test("a write is the first to meet the flushed Redis: it creates the new identity and the reader follows it", async () => {
  const a = await openStore("w:");
  const before = await a.header();
  const heard = listen(a);
  await a.write(writes("k", 20));
  await raw.flushall();
  const w = await a.write([set("first", 1)]);
  expect(w.storeId).not.toBe(before.storeId);
  expect(w.revision).toBe(1);
  await eventually(() => heard.resets().length === 1, "the reset", 10_000);
  expect(heard.resets()[0].storeId).toBe(w.storeId);
  await a.write([set("second", 2)]);
  await eventually(() => heard.sinceReset().includes(2), "the next change");
  // The reset comes after every change of the old history and before every change of the new one.
  const at = heard.feed.findIndex((x) => typeof x === "object");
  expect(heard.feed.slice(0, at)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  expect(heard.sinceReset().every((r) => r <= 2)).toBe(true);
});

test("Redis restarted without persistence: the store reconnects into a new history and announces it", async () => {
  const a = await openStore("r:");
  const before = await a.header();
  const heard = listen(a);
  await a.write(writes("k", 10));
  await eventually(() => heard.feed.length === 10, "10 changes");
  await redis.kill("SIGKILL");
  await redis.start();
  await eventually(() => heard.resets().length === 1, "a reset after the restart", 15_000);
  const [reset] = heard.resets();
  expect(reset.storeId).not.toBe(before.storeId);
  await eventually(async () => (await a.write([set("after", 1)]).catch(() => undefined))?.storeId === reset.storeId, "writes in the new history", 10_000);
  expect((await a.header()).storeId).toBe(reset.storeId);
});

test("Redis restored from an older snapshot (same id, lower revision): the history gets a new identity", async () => {
  const a = await openStore("s:");
  const before = await a.header();
  const heard = listen(a);
  await a.write(writes("k", 5));
  await raw.save();
  await a.write(writes("k", 5, 5));
  await eventually(() => heard.feed.length === 10, "10 changes");
  await redis.kill("SIGKILL");
  await redis.start(); // loads the snapshot: revision 5, the same id
  await eventually(() => heard.resets().length === 1, "a reset after the restore", 15_000);
  const [reset] = heard.resets();
  expect(reset.storeId).not.toBe(before.storeId);
  expect(reset.revision).toBe(5);
  // Data of the snapshot is still there; the next write is revision 6 of the new history.
  expect((await a.read("GLOBAL", "k4")).context?.value).toBe(4);
  const w = await a.write([set("next", 1)]);
  expect(w).toMatchObject({ storeId: reset.storeId, revision: 6 });
  await eventually(() => heard.sinceReset().includes(6), "the next change");
  expect(heard.sinceReset()).toEqual([6]);
});

test("at maxmemory, reads, the header and a new server's start still work (only writes are refused)", async () => {
  const a = await openStore("m:");
  await a.write([set("k", 1)]);
  const header = await a.header();
  await raw.config("SET", "maxmemory-policy", "noeviction");
  await raw.config("SET", "maxmemory", "1");
  try {
    await expect(a.write([set("k", 2)])).rejects.toMatchObject({ code: "RESOURCE_EXHAUSTED" });
    expect(await a.header()).toEqual(header);
    expect(await a.read("GLOBAL", "k")).toMatchObject({ storeId: header.storeId, context: { value: 1 } });
    const b = await openStore("m:");
    expect(await b.header()).toEqual(header);
  } finally {
    await raw.config("SET", "maxmemory", "0");
  }
});

test("another key prefix is another identity", async () => {
  const a = await openStore("p1:");
  const b = await openStore("p2:");
  expect((await a.header()).storeId).not.toBe((await b.header()).storeId);
});
