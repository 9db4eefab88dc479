import { Redis } from "ioredis";
import { FabricClient, FabricError, type WatchInput, type WatchMessage } from "@cache-fabric/client";
import { createPromptCache } from "@cache-fabric/client/agent";
import { createFabric, type FabricCore } from "../../server/fabric.js";
import { startFabricServer, type FabricServer } from "../../server/server.js";
import { createMemoryStore } from "../../server/store/memory.js";
import { createRedisStore } from "../../server/store/redis/redis-store.js";
import { eventually, startTestServer, type TestServer } from "../support/harness.js";
import { freePort, startRedis, type RedisProcess } from "../support/redis-server.js";
import { collect, summary } from "./watch-support.js";

/**
 * Watches and prompt caches never follow the wrong history (issue 10): after a memory server
 * restart, a Redis FLUSHALL or a Redis restart without persistence under a running fabric, a
 * resumable watch delivers a `reset` with the store as it now is and its new store id, and a prompt
 * cache serves the new values; a raw watch that resumes from another history is answered as
 * compacted, one that resumes from beyond the store's revision with OUT_OF_RANGE. Real servers over
 * loopback gRPC, a real redis-server.
 */

const reconnectFast = { "grpc.initial_reconnect_backoff_ms": 50, "grpc.max_reconnect_backoff_ms": 250 };
const retry = { initialDelayMs: 50, maxDelayMs: 250 };

/** A resumable watch whose retries are counted (each is one reconnection). */
function countedWatch(client: FabricClient, input: WatchInput) {
  const retries: string[] = [];
  const w = collect(client.watch({ ...input, resume: { ...retry, onRetry: (e) => retries.push(e.code) } }));
  return Object.assign(w, { retries });
}

const resets = (messages: WatchMessage[]) => messages.filter((m): m is Extract<WatchMessage, { kind: "reset" }> => m.kind === "reset");

describe("a memory server restarted under running watches", () => {
  let fabrics: FabricCore[] = [];
  let servers: FabricServer[] = [];
  let clients: FabricClient[] = [];
  afterEach(async () => {
    for (const c of clients) await c.close();
    for (const s of servers) await s.shutdown(100);
    for (const f of fabrics) await f.close();
    fabrics = [];
    servers = [];
    clients = [];
  });
  const serve = async (listen: string) => {
    const fabric = createFabric({ store: createMemoryStore() });
    fabrics.push(fabric);
    const server = await startFabricServer({ fabric, listen });
    servers.push(server);
    return { fabric, server };
  };

  // The new history may be behind the old one (its revisions are below what the watch saw: the
  // resume would be refused as OUT_OF_RANGE) or ahead of it (a resume would silently skip the new
  // history's first changes): both end in a reset because the store id differs.
  test.each([
    ["the new history is behind the old one", 10, 2],
    ["the new history is ahead of the old one", 2, 10],
  ])("%s: the resumable watch resets, the prompt cache serves the new value as soon as it reconnects", async (_, before, after) => {
    const listen = `127.0.0.1:${await freePort()}`;
    const first = await serve(listen);
    const client = new FabricClient({ address: listen, channelOptions: reconnectFast });
    clients.push(client);
    for (let i = 1; i <= before; i++) await client.setContext({ key: "router:main:system_message", value: `old ${i}` });
    const oldId = (await client.stats()).storeId;
    const cache = createPromptCache(client, { keys: ["router:main:system_message"], retry });
    await cache.ready;
    expect(cache).toMatchObject({ storeId: oldId, revision: before, stale: false });
    const w = countedWatch(client, { key: "router:main:system_message" });
    await w.until((c) => c.messages.length > 0, "created");

    await first.server.shutdown(100);
    await first.fabric.close();
    await eventually(() => cache.stale && w.retries.length > 0, "the cache and the watch to notice");
    const second = await serve(listen);
    const newId = (await second.fabric.stats()).storeId;
    for (let i = 1; i <= after; i++) await second.fabric.setContext({ key: "router:main:system_message", value: `new ${i}` });

    await eventually(() => cache.get("router:main:system_message") === `new ${after}`, "the cache to serve the new value", 10_000);
    expect(cache).toMatchObject({ storeId: newId, revision: after, stale: false });
    await w.until((c) => resets(c.messages).length === 1, "the watch's reset", 10_000);
    const [reset] = resets(w.messages);
    expect(reset).toMatchObject({ revision: after, storeId: newId, contexts: [{ key: "router:main:system_message", value: `new ${after}` }] });
    // Nothing of the new history was delivered as if it continued the old one.
    expect(w.events().map((e) => e.context?.value)).toEqual([]);
    // The only failures were the outage itself: the other history was never an error to retry.
    expect(w.retries.every((code) => code === "UNAVAILABLE")).toBe(true);

    // And both follow the new history live.
    await client.setContext({ key: "router:main:system_message", value: "live" });
    await eventually(() => cache.get("router:main:system_message") === "live", "a live update");
    await w.until((c) => c.events().some((e) => e.context?.value === "live"), "the live event");
    expect(w.events().at(-1)).toMatchObject({ revision: after + 1, context: { value: "live" } });
    expect(w.messages.slice(w.messages.indexOf(reset)).every((m) => m.storeId === newId)).toBe(true);
    await cache.close();
  });
});

describe("resuming from another history or from the future", () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer(createMemoryStore());
    for (let i = 1; i <= 5; i++) await t.client.setContext({ key: `k${i}`, value: i });
  });
  afterEach(async () => {
    await t.stop();
  });

  test("a raw watch with a start revision above the store's is refused with OUT_OF_RANGE", async () => {
    const w = collect(t.client.watch({ startRevision: 6, resume: false }));
    await w.finished;
    expect(w.messages).toEqual([]);
    expect(w.error).toMatchObject({ code: "OUT_OF_RANGE", message: expect.stringMatching(/^start_revision: 6 is ahead of the store's revision 5/) });
    // At the store's revision it is served.
    const ok = collect(t.client.watch({ startRevision: 5, resume: false }));
    await ok.until((c) => c.messages.length > 0, "created");
    expect(ok.messages[0]).toMatchObject({ kind: "created", revision: 5 });
  });

  test("a resumable watch from beyond the store's revision re-reads (reset), then follows", async () => {
    const w = countedWatch(t.client, { prefix: "k", startRevision: 1000 });
    await w.until((c) => resets(c.messages).length === 1, "reset");
    expect(resets(w.messages)[0]).toMatchObject({ revision: 5, storeId: (await t.client.stats()).storeId });
    expect(
      resets(w.messages)[0]
        .contexts.map((c) => c.key)
        .sort(),
    ).toEqual(["k1", "k2", "k3", "k4", "k5"]);
    expect(w.retries).toEqual(["OUT_OF_RANGE"]);
    await t.client.setContext({ key: "k6", value: 6 });
    await w.reach(6);
    expect(w.events()).toEqual([expect.objectContaining({ key: "k6", revision: 6 })]);
  });

  test("a raw watch resuming with another store id is answered as compacted; a resumable one resets", async () => {
    const { storeId } = await t.client.stats();
    const raw = collect(t.client.watch({ startRevision: 3, storeId: "another-history", resume: false }));
    await raw.finished;
    expect(raw.error).toBeUndefined();
    expect(raw.messages).toEqual([
      { kind: "created", revision: 3, storeId },
      { kind: "compacted", compactRevision: 5, revision: 5, storeId },
    ]);
    // With the right id it resumes.
    const same = collect(t.client.watch({ startRevision: 3, storeId, resume: false }));
    await same.reach(5);
    expect(same.events().map((e) => e.revision)).toEqual([4, 5]);

    const w = countedWatch(t.client, { prefix: "k", startRevision: 3, storeId: "another-history" });
    await w.until((c) => resets(c.messages).length === 1, "reset");
    expect(resets(w.messages)[0]).toMatchObject({ revision: 5, storeId });
    expect(w.events()).toEqual([]);
    expect(w.retries).toEqual([]);
  });

  test("bad store ids are INVALID_ARGUMENT", async () => {
    const w = collect(t.client.watch({ startRevision: 1, storeId: "x".repeat(200), resume: false }));
    await w.finished;
    expect(w.error).toMatchObject({ code: "INVALID_ARGUMENT", message: expect.stringMatching(/^store_id:/) });
  });
});

describe("Redis replaced under a running fabric", () => {
  let redis: RedisProcess;
  let raw: Redis;
  const servers: TestServer[] = [];
  beforeAll(async () => {
    redis = await startRedis();
    raw = new Redis(redis.url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
  });
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.stop();
  });
  afterAll(async () => {
    raw.disconnect();
    await redis.stop();
  });
  const serve = async () => {
    const store = await createRedisStore({
      retryLimit: 500,
      changeBlockMs: 250,
      log: () => {},
      settings: { redisUrl: redis.url, redisRetryMinDelayMs: 20, redisRetryMaxDelayMs: 100 },
    });
    const s = await startTestServer(store, {}, {});
    servers.push(s);
    return s;
  };

  /** Watches of every kind on `t`: resumable (with and without prevContext), raw, and a prompt cache. */
  async function watchers(t: TestServer) {
    const resumable = countedWatch(t.client, { prefix: "router:" });
    const rawWatch = collect(t.newClient().watch({ prefix: "router:", resume: false }));
    const cache = createPromptCache(t.client, { prefix: "router:", retry });
    await cache.ready;
    for (const w of [resumable, rawWatch]) await w.until((c) => c.messages.length > 0, "created");
    return { resumable, rawWatch, cache };
  }

  test.each([
    ["FLUSHALL", async () => void (await raw.flushall())],
    [
      "a restart without persistence",
      async () => {
        await redis.kill("SIGKILL");
        await redis.start();
      },
    ],
  ])("%s: every watcher hears a reset or compacted, the cache serves the new history, writes carry on", async (_, replace) => {
    const a = await serve();
    const b = await serve();
    for (let i = 1; i <= 8; i++) await a.client.setContext({ key: "router:main:system_message", value: `old ${i}` });
    const oldId = (await a.client.stats()).storeId;
    const onA = await watchers(a);
    const onB = await watchers(b);
    expect(onA.cache.get("router:main:system_message")).toBe("old 8");

    await replace();
    // Writes carry on in the new history (through either server), once Redis answers again.
    await eventually(
      async () => {
        try {
          await b.client.setContext({ key: "router:main:system_message", value: "new 1" });
          return true;
        } catch (e) {
          if (FabricError.is(e, "UNAVAILABLE")) return false;
          throw e;
        }
      },
      "a write to succeed",
      15_000,
    );
    const { storeId: newId, revision } = await a.client.stats();
    expect(newId).not.toBe(oldId);
    expect(revision).toBeLessThan(8);

    for (const [name, side] of [
      ["A", onA],
      ["B", onB],
    ] as const) {
      await eventually(() => side.cache.get("router:main:system_message") === "new 1", `the cache on ${name} to serve the new value`, 15_000);
      expect(side.cache).toMatchObject({ storeId: newId, stale: false });
      await side.resumable.until((c) => resets(c.messages).some((m) => m.storeId === newId), `a reset on ${name}`, 15_000);
      const reset = resets(side.resumable.messages).find((m) => m.storeId === newId)!;
      const after = side.resumable.messages.slice(side.resumable.messages.indexOf(reset) + 1);
      // Whatever of the new history the reset did not hold arrives after it, in the new history.
      const seen = [...reset.contexts.map((c) => c.value), ...after.flatMap((m) => (m.kind === "event" ? [m.event.context?.value] : []))];
      expect(seen).toContain("new 1");
      // The raw stream ended with compacted (flushed under it) or an error (the restart cut it).
      await side.rawWatch.finished;
      const last = side.rawWatch.messages.at(-1)!;
      if (side.rawWatch.error === undefined) expect(last).toMatchObject({ kind: "compacted", storeId: newId });
      else expect(side.rawWatch.error).toMatchObject({ code: expect.stringMatching(/UNAVAILABLE|INTERNAL|CANCELLED/) });
      expect(summary(side.rawWatch.messages).every((m) => !m.includes("new 1"))).toBe(true);
    }

    // Live changes of the new history reach every watcher.
    await a.client.setContext({ key: "router:main:system_message", value: "live" });
    for (const side of [onA, onB]) {
      await eventually(() => side.cache.get("router:main:system_message") === "live", "the live value");
      await side.resumable.until((c) => c.events().some((e) => e.context?.value === "live" && e.revision <= revision + 1), "the live event");
      await side.cache.close();
    }
  });
});
