import { FabricClient, type WatchInput, type WatchMessage } from "@cache-fabric/client";
import { createPromptCache } from "@cache-fabric/client/agent";
import { createRedisStore, type RedisStore } from "../../server/store/redis/redis-store.js";
import { eventually, startTestServer, type TestServer } from "../support/harness.js";
import { freePort, startRedis, type RedisProcess } from "../support/redis-server.js";
import { collect, range } from "./watch-support.js";
import { describeWatch } from "./watch-suite.js";

let redis: RedisProcess | undefined;
let prefixes = 0;

/** A Redis store on this file's redis-server; stores opened with the same prefix share their data. */
async function openStore(prefix: string, historySize: number): Promise<RedisStore> {
  redis ??= await startRedis();
  return createRedisStore({
    historySize,
    retryLimit: 3,
    log: () => {},
    settings: { redisUrl: redis.url, redisKeyPrefix: prefix, redisSweepIntervalMs: 50 },
  });
}
const newPrefix = () => `w${++prefixes}:`;

async function* tap(watch: AsyncIterable<WatchMessage>, see: (m: WatchMessage) => void): AsyncGenerator<WatchMessage> {
  for await (const m of watch) {
    see(m);
    yield m;
  }
}

afterAll(async () => {
  await redis?.stop();
});

describeWatch("redis", ({ historySize }) => openStore(newPrefix(), historySize), { expiryLatencyMs: 500 });

/** Fast reconnection for a client whose server is restarted within the test. */
const reconnectFast = { "grpc.initial_reconnect_backoff_ms": 50, "grpc.max_reconnect_backoff_ms": 250 };

describe("Watch across fabric servers over one Redis", () => {
  const servers: TestServer[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.stop();
  });
  const serve = async (prefix: string, historySize = 1000, port = 0) => {
    const s = await startTestServer(await openStore(prefix, historySize), {}, { listen: `127.0.0.1:${port}` });
    servers.push(s);
    return s;
  };

  test("a watcher on server A sees writes made through server B, and resumes on either", async () => {
    const prefix = newPrefix();
    const a = await serve(prefix);
    const b = await serve(prefix);
    const onA = collect(a.client.watch({ prefix: "prompt:", resume: false }));
    await onA.until((c) => c.messages.length > 0, "created on A");
    for (let i = 1; i <= 10; i++) await b.client.setContext({ key: `prompt:${i % 3}`, value: i });
    await onA.reach(10);
    expect(onA.events().map((e) => [e.revision, e.context?.value])).toEqual(range(1, 10).map((r) => [r, r]));
    // Resume on B from a revision seen on A, while writes go through A.
    const onB = collect(b.client.watch({ prefix: "prompt:", startRevision: 6, resume: false }));
    for (let i = 11; i <= 15; i++) await a.client.setContext({ key: `prompt:${i % 3}`, value: i });
    await onB.reach(15);
    await onA.reach(15);
    expect(onB.messages[0]).toEqual({ kind: "created", revision: 6, storeId: (await a.client.stats()).storeId });
    expect(onB.events().map((e) => e.revision)).toEqual(range(7, 15));
    expect(onA.events().map((e) => e.revision)).toEqual(range(1, 15));
  });

  test.each([
    ["resumes from its revision", 1000, 3, 1],
    ["re-reads after the history it needs was compacted", 10, 40, 2],
  ])("a client's prompt cache stays correct across a fabric server restart: %s", async (_, historySize, writesWhileDown, resets) => {
    const prefix = newPrefix();
    const port = await freePort();
    let a = await serve(prefix, historySize, port);
    const client = new FabricClient({ address: a.server.address, channelOptions: reconnectFast });
    await client.setContext({ key: "router:main:system_message", value: "v1" });
    await client.setContext({ key: "router:alt:system_message", value: "alt" });
    const changes: [string, unknown][] = [];
    // The cache's watch, observed: which way it caught up (resume, or reset after compaction).
    const kinds: string[] = [];
    const observed = {
      watch: (input: WatchInput) => tap(client.watch(input), (m) => kinds.push(m.kind)),
    };
    const cache = createPromptCache(observed, {
      keys: ["router:main:system_message", "router:alt:system_message"],
      onChange: (key, ctx) => changes.push([key, ctx?.value]),
      retry: { initialDelayMs: 50, maxDelayMs: 250 },
    });
    await cache.ready;
    expect(cache.get("router:main:system_message")).toBe("v1");
    expect(cache.stale).toBe(false);

    await a.stop();
    servers.splice(servers.indexOf(a), 1);
    await eventually(() => cache.stale, "the cache to notice the outage");
    expect(cache.get("router:main:system_message")).toBe("v1"); // stale-if-error
    expect(cache.lastError?.code).toBe("UNAVAILABLE");

    // Writes while the cache's server is down, through another server on the same Redis.
    const b = await serve(prefix, historySize);
    for (let i = 1; i <= writesWhileDown; i++) await b.client.setContext({ key: "router:main:system_message", value: `v${i + 1}` });
    await b.client.deleteContext({ key: "router:alt:system_message" });
    const latest = `v${writesWhileDown + 1}`;

    a = await serve(prefix, historySize, port);
    await eventually(() => cache.get("router:main:system_message") === latest && !cache.stale, "the cache to catch up", 10_000);
    expect(cache.get("router:alt:system_message")).toBeUndefined();
    expect(cache.revision).toBe((await b.client.stats()).revision);
    expect(changes.at(-1)?.[0] === "router:main:system_message" || changes.at(-1)?.[0] === "router:alt:system_message").toBe(true);
    expect(changes).toContainEqual(["router:alt:system_message", undefined]);
    expect(changes.filter(([k]) => k === "router:main:system_message").at(-1)).toEqual(["router:main:system_message", latest]);

    // And it keeps following.
    await a.client.setContext({ key: "router:main:system_message", value: "after restart" });
    await eventually(() => cache.get("router:main:system_message") === "after restart", "a live update after the restart");
    expect(kinds.filter((k) => k === "reset")).toHaveLength(resets);
    await cache.close();
    await client.close();
  });
});
