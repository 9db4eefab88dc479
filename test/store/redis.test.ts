import { Redis } from "ioredis";
import type { Context } from "@cache-fabric/client/api";
import { compileGlob } from "../../server/contexts/glob.js";
import { createRedisStore, type RedisStore, type RedisStoreOptions } from "../../server/store/redis/redis-store.js";
import { parseRedisUrl } from "../../server/store/redis/connection.js";
import { tagPrefix } from "../../server/store/redis/keys.js";
import { RedisClockBound } from "../../server/store/redis/redis-clock.js";
import type { ChangeEvent, SetOp } from "../../server/store/types.js";
import { startRedis, type RedisProcess } from "../support/redis-server.js";
import { describeStore, set } from "./conformance.js";
import { eventually } from "../support/harness.js";

let redis: RedisProcess | undefined;
let stores = 0;
let lastPrefix = "";

const quiet = () => {};

/** A store on this file's redis-server; each `fresh` one gets its own key prefix, so it starts empty. */
async function openStore(prefix: string, extra: RedisStoreOptions = {}): Promise<RedisStore> {
  redis ??= await startRedis();
  return createRedisStore({
    historySize: 100,
    retryLimit: 3,
    log: quiet,
    ...extra,
    settings: { redisUrl: redis.url, redisKeyPrefix: prefix, redisSweepIntervalMs: 50, ...extra.settings },
  });
}
const fresh = (extra: RedisStoreOptions = {}) => openStore((lastPrefix = `t${++stores}:`), extra);

afterAll(async () => {
  await redis?.stop();
});

describeStore("redis", { create: () => fresh(), reopen: () => openStore(lastPrefix) }, { historySize: 100, persistent: true });


describe("redis store specifics", () => {
  let store: RedisStore;
  let raw: Redis;
  beforeAll(async () => {
    redis ??= await startRedis();
    raw = new Redis(redis.url, { maxRetriesPerRequest: 1, retryStrategy: () => null });
  });
  afterAll(() => raw.disconnect());
  beforeEach(async () => {
    store = await fresh();
  });
  afterEach(async () => {
    await store.close();
  });

  test("every key of a fabric carries its Cluster hash tag; nothing else is written", async () => {
    await store.write([set("a", 1, { ttlMs: 60_000 }), { ...set("b", 2), scope: "USER" }]);
    await store.get("GLOBAL", "a");
    await store.hitStats();
    const keys = await raw.keys("*");
    const mine = keys.filter((k) => k.startsWith(store.keys.root));
    expect(store.keys.root).toBe(`{${lastPrefix}}`);
    expect(mine.sort()).toEqual(
      [
        "head", "meta", "changes", "expiry", "d:GLOBAL:a", "d:USER:b",
        "rev:GLOBAL", "lex:GLOBAL", "rev:USER", "lex:USER",
      ].map((k) => store.keys.root + k).sort(),
    );
    expect(keys.every((k) => k.startsWith("{t"))).toBe(true);
  });

  test("values come back byte for byte (the scripts never re-encode them)", async () => {
    const value = {
      big: 12345678901234567, tiny: 5e-324, float: 0.1 + 0.2, exp: 1e21, neg: -0.5,
      emptyList: [], emptyObject: {}, nested: [[], [{}], { a: [] }],
      text: "ünïcødé ✓ \u0000 \"quoted\" \\ back", "key with spaces": true,
    };
    const { results } = await store.write([set("v", value, { metadata: { "m.1": "é" } })]);
    const expected = JSON.stringify(value);
    expect(JSON.stringify((results[0] as { context: Context }).context.value)).toBe(expected);
    expect(JSON.stringify((await store.get("GLOBAL", "v"))!.value)).toBe(expected);
    const { events } = await store.changesSince(0, 10);
    expect(JSON.stringify(events[0].context!.value)).toBe(expected);
    expect(events[0].context!.metadata).toEqual({ "m.1": "é" });
  });

  test("prefix lookups and revision-index walks agree", async () => {
    const byWalk = await openStore(lastPrefix, { prefixScanLimit: 0 });
    try {
      const ops: SetOp[] = [];
      for (let i = 0; i < 300; i++) ops.push({ ...set(`user:${i % 30}:item:${i}`, i), scope: "USER" });
      for (let i = 0; i < 300; i += 60) await store.write(ops.slice(i, i + 60));
      await store.write([{ op: "delete", scope: "USER", key: "user:7:item:7" }, { ...set("user:7:item:37", "again"), scope: "USER" }]);
      for (const pattern of ["user:7:*", "user:1*:item:2?", "*:item:29*", "user:2[0-3]:*", "user:", "user:7:item:37"]) {
        const pages = async (s: RedisStore) => {
          const keys: string[] = [];
          let before: number | undefined;
          do {
            const out = await s.query("USER", compileGlob(pattern), { limit: 4, ...(before ? { beforeRevision: before } : {}) });
            keys.push(...out.contexts.map((c) => c.key));
            before = out.nextBeforeRevision;
          } while (before !== undefined);
          return keys;
        };
        const expected = await pages(byWalk);
        expect(await pages(store)).toEqual(expected);
        if (pattern === "user:7:*") expect(expected).toEqual(["user:7:item:37", ...[277, 247, 217, 187, 157, 127, 97, 67].map((i) => `user:7:item:${i}`)]);
      }
    } finally {
      await byWalk.close();
    }
  });

  test("a write to an expired context not yet swept first records its expiry", async () => {
    const slow = await openStore(lastPrefix, { settings: { redisSweepIntervalMs: 60_000 } });
    await store.close();
    try {
      await slow.write([set("t", 1, { ttlMs: 30 })]);
      await new Promise((r) => setTimeout(r, 60));
      const { results } = await slow.write([set("t", 2, { ifRevision: 0 })]);
      expect((results[0] as { context: Context }).context).toMatchObject({ revision: 3, createRevision: 3, version: 1 });
      const { events } = await slow.changesSince(0, 10);
      expect(events.map((e) => [e.type, e.revision])).toEqual([["PUT", 1], ["EXPIRE", 2], ["PUT", 3]]);
      expect(events[1].prev).toMatchObject({ value: 1 });
    } finally {
      await slow.close();
      store = await fresh();
    }
  });

  test("several servers sweeping at once publish each expiry exactly once", async () => {
    await store.close();
    store = await openStore(lastPrefix, { historySize: 1000 });
    const others = await Promise.all([1, 2, 3].map(() => openStore(lastPrefix, { historySize: 1000, settings: { redisSweepIntervalMs: 10 } })));
    try {
      await store.write(Array.from({ length: 200 }, (_, i) => set(`k${i}`, i, { ttlMs: 50 + (i % 20) })));
      await new Promise((r) => setTimeout(r, 80));
      await Promise.all([store, ...others].map((s) => s.sweepNow()));
      await eventually(async () => (await store.revision()) === 400, "200 expiries");
      const { events } = await store.changesSince(200, 1000);
      expect(events.map((e) => e.revision)).toEqual(Array.from({ length: 200 }, (_, i) => 201 + i));
      expect(new Set(events.map((e) => e.key)).size).toBe(200);
      expect(events.every((e) => e.type === "EXPIRE" && e.prev !== undefined)).toBe(true);
      expect(await raw.zcard(store.keys.expiry)).toBe(0);
    } finally {
      await Promise.all(others.map((s) => s.close()));
    }
  });

  test("Redis expiry on the data key is a backstop: ttl + grace, cleared by a set without ttl", async () => {
    await store.write([set("a", 1, { ttlMs: 10_000 })]);
    const pttl = await raw.pttl(store.keys.data("GLOBAL", "a"));
    expect(pttl).toBeGreaterThan(60_000);
    expect(pttl).toBeLessThanOrEqual(70_000);
    await store.write([set("a", 2)]);
    expect(await raw.pttl(store.keys.data("GLOBAL", "a"))).toBe(-1);
    expect(await raw.zcard(store.keys.expiry)).toBe(0);
  });

  test("a context Redis already reclaimed still becomes an EXPIRE change, without prev", async () => {
    await store.write([set("gone", 1, { ttlMs: 20 })]);
    await raw.del(store.keys.data("GLOBAL", "gone"));
    await new Promise((r) => setTimeout(r, 40));
    await store.sweepNow();
    const { events } = await store.changesSince(1, 10);
    expect(events).toEqual([{ type: "EXPIRE", revision: 2, scope: "GLOBAL", key: "gone" }]);
    expect((await store.counts()).GLOBAL).toBe(0);
  });

  test("a batch of 10,000 operations is one atomic write", async () => {
    const ops = Array.from({ length: 10_000 }, (_, i) => set(`bulk:${i}`, { i }));
    const out = await store.write(ops);
    expect(out.revision).toBe(10_000);
    expect((await store.counts()).GLOBAL).toBe(10_000);
    ops.push(set("bulk:0", "x", { ifRevision: 5 }));
    await expect(store.write(ops)).rejects.toMatchObject({ code: "FAILED_PRECONDITION", message: expect.stringMatching(/operations\[10000\]/) });
    expect(await store.revision()).toBe(10_000);
  });

  test("a batch's time budget grows with it: 10,000 operations apply even when they outlast the command timeout", async () => {
    // 50 ms is far below what 10,000 operations take (0.3 s and more); the write may take 50 ms + 0.5 ms each.
    const tight = await openStore(lastPrefix, { settings: { redisCommandTimeoutMs: 50 } });
    try {
      const ops = Array.from({ length: 10_000 }, (_, i) => set(`timed:${i}`, { i, pad: "p".repeat(64) }));
      const out = await tight.write(ops);
      expect(out.revision).toBe(10_000);
      expect((await store.counts()).GLOBAL).toBe(10_000);
    } finally {
      await tight.close();
    }
  });

  test("cleanup walks past non-matching contexts over many batches", async () => {
    const ops = Array.from({ length: 2500 }, (_, i) => set(`${i % 2 ? "keep" : "drop"}:${i}`, i));
    await store.write(ops);
    const out = await store.cleanup({ before: new Date(Date.now() + 60_000), glob: compileGlob("drop:*") });
    expect(out).toEqual({ deleted: 1250, revision: 3750, storeId: (await store.header()).storeId });
    expect((await store.counts()).GLOBAL).toBe(1250);
  });

  /** Calls Redis has served since start: scripts (EVALSHA + EVAL) and MGETs. */
  async function served(): Promise<{ scripts: number; mget: number }> {
    const stats = await raw.info("commandstats");
    const calls = (name: string) => Number(new RegExp(`^cmdstat_${name}:calls=(\\d+)`, "m").exec(stats)?.[1] ?? 0);
    return { scripts: calls("evalsha") + calls("eval"), mget: calls("mget") };
  }

  test("a read is one plain MGET; only a context that may be due by what the server knows of Redis' clock takes the exact script", async () => {
    await store.close();
    // The sweeper off and clock readings trusted for an hour: which path a read takes depends on the data alone.
    store = await openStore((lastPrefix = `t${++stores}:`), { clockSampleMaxAgeMs: 3_600_000, settings: { redisSweepIntervalMs: 3_600_000 } });
    await store.write([set("plain", 1), set("far", 2, { ttlMs: 3_600_000 }), set("soon", 3, { ttlMs: 1 })]);
    const read = async (key: string) => {
      const before = await served();
      const ctx = await store.get("GLOBAL", key);
      const after = await served();
      return { value: ctx?.value ?? null, scripts: after.scripts - before.scripts, mgets: after.mget - before.mget };
    };
    // No expiry: no clock needed.
    expect(await read("plain")).toEqual({ value: 1, scripts: 0, mgets: 1 });
    // An expiry, and no reading of Redis' clock yet: the exact script decides (and gives the store a reading).
    expect(await read("far")).toEqual({ value: 2, scripts: 1, mgets: 1 });
    expect(await read("far")).toEqual({ value: 2, scripts: 0, mgets: 1 });
    // Due by HEAD's clock (a later write's time is past it): hidden by the plain read.
    await new Promise((r) => setTimeout(r, 5));
    await store.write([set("later", 5)]);
    expect(await read("soon")).toEqual({ value: null, scripts: 0, mgets: 1 });
    // Due by Redis' clock, not by HEAD's (no write since): the plain read cannot rule it out, the script hides it.
    await store.write([set("due", 4, { ttlMs: 40 })]);
    await new Promise((r) => setTimeout(r, 60));
    expect(await read("due")).toEqual({ value: null, scripts: 1, mgets: 1 });
    expect(await read("far")).toEqual({ value: 2, scripts: 0, mgets: 1 });
  });

  test("single reads made in one event-loop turn go out as one MGET; each gets its own answer", async () => {
    await store.write([set("a", 1), set("b", 2), { ...set("a", "user"), scope: "USER" }]);
    const before = await served();
    const keys = Array.from({ length: 90 }, (_, i) => ["a", "b", "missing"][i % 3]);
    const got = await Promise.all(keys.map((k, i) => store.read(i % 2 ? "USER" : "GLOBAL", k)));
    const after = await served();
    expect(after.mget - before.mget).toBe(1);
    const expected: Record<string, Record<string, unknown>> = { GLOBAL: { a: 1, b: 2, missing: null }, USER: { a: "user", b: null, missing: null } };
    expect(got.map((g) => g.context?.value ?? null)).toEqual(keys.map((k, i) => expected[i % 2 ? "USER" : "GLOBAL"][k]));
    expect(new Set(got.map((g) => `${g.storeId} ${g.revision}`))).toEqual(new Set([`${(await store.header()).storeId} 3`]));
    // Reads of one context share one parsed Context; reads in later turns are batches of their own.
    expect(got[0].context).toBe(got[6].context);
    await store.get("GLOBAL", "a");
    await store.get("GLOBAL", "b");
    expect((await served()).mget - after.mget).toBe(2);
    // A record that cannot be read (written outside the fabric) fails its own read only.
    await raw.set(store.keys.data("GLOBAL", "b"), "not a record");
    const [good, bad] = await Promise.allSettled([store.get("GLOBAL", "a"), store.get("GLOBAL", "b")]);
    expect(good).toMatchObject({ status: "fulfilled", value: { value: 1 } });
    expect(bad).toMatchObject({ status: "rejected", reason: { code: "INTERNAL", message: "stored context GLOBAL/b is not readable" } });
  });

  test("the clock bound is never below a later Redis TIME", async () => {
    const bound = new RedisClockBound(60_000);
    const time = async () => {
      const [s, us] = await raw.time();
      return Number(s) * 1000 + Math.floor(Number(us) / 1000);
    };
    const sentAt = RedisClockBound.now();
    bound.record(sentAt, await time());
    for (let i = 0; i < 50; i++) {
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 7));
      const redisMs = await time();
      const upper = bound.upperBound(RedisClockBound.now())!;
      expect(redisMs).toBeLessThanOrEqual(upper);
    }
    expect(bound.upperBound(sentAt + 60_001)).toBeUndefined();
    bound.forget();
    expect(bound.upperBound(RedisClockBound.now())).toBeUndefined();
  });

  /** Kills the change reader connections (by id: CLIENT KILL has no name filter in Redis 7.0). */
  async function killChangeReaders(): Promise<void> {
    const list = (await raw.client("LIST")) as string;
    for (const line of list.split("\n")) {
      const id = /\bid=(\d+)/.exec(line)?.[1];
      if (id && /\bname=cache-fabric-changes\b/.test(line)) await raw.client("KILL", "ID", id);
    }
  }

  test("subscribers miss nothing when the change reader's connection is killed", async () => {
    const seen: ChangeEvent[] = [];
    store.subscribe((events) => seen.push(...events));
    for (let i = 0; i < 60; i++) {
      await store.write([set(`k${i % 5}`, i)]);
      if (i % 20 === 10) await killChangeReaders();
    }
    await eventually(() => seen.length >= 60, "60 changes");
    expect(seen.map((e) => e.revision)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  });

  test("a change stream ahead of the revision (keys edited outside the fabric) fails the write, writing nothing", async () => {
    await store.write([set("a", 1)]);
    const head = (await raw.get(store.keys.head))!;
    await raw.set(store.keys.head, head.replace(/^\d+ /, "0 "));
    await expect(store.write([set("b", 1)])).rejects.toMatchObject({ code: "INTERNAL" });
    expect(await raw.exists(store.keys.data("GLOBAL", "b"))).toBe(0);
  });
});

describe("redis settings", () => {
  test("URL parts, with rediss:// meaning TLS", () => {
    expect(parseRedisUrl("redis://127.0.0.1:6380/2")).toEqual({ host: "127.0.0.1", port: 6380, db: 2, tls: false });
    expect(parseRedisUrl("rediss://u:p%40ss@cache.example:6390")).toEqual({
      host: "cache.example", port: 6390, username: "u", password: "p@ss", tls: true,
    });
    expect(parseRedisUrl("redis://[::1]")).toMatchObject({ host: "::1", port: 6379 });
    expect(() => parseRedisUrl("http://x")).toThrow(/redis:\/\/ or rediss:\/\//);
    expect(() => parseRedisUrl("redis://x/abc")).toThrow(/database number/);
  });

  test("the key prefix becomes a hash tag unless it has one", () => {
    expect(tagPrefix("cf:")).toBe("{cf:}");
    expect(tagPrefix("app:{cf}:")).toBe("app:{cf}:");
    expect(tagPrefix("odd{}:")).toBe("{odd{}:}");
  });

  test("an unreachable Redis fails startup with UNAVAILABLE within the connect timeout", async () => {
    const started = Date.now();
    const err = await createRedisStore({
      settings: { redisUrl: "redis://127.0.0.1:1", redisConnectTimeoutMs: 300 },
      retryLimit: 2,
      log: quiet,
    }).catch((e) => e);
    expect(err).toMatchObject({ code: "UNAVAILABLE" });
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
