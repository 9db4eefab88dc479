import { createServer, Socket, type Server } from "node:net";
import { FabricClient, FabricError, type Fabric } from "@cache-fabric/client";
import { ContextService } from "@cache-fabric/client/gen/context";
import { createFabric } from "../../server/fabric.js";
import { startFabricServer } from "../../server/server.js";
import { createMemoryStore } from "../../server/store/memory.js";
import { createRedisStore } from "../../server/store/redis/redis-store.js";
import { startTestServer, type TestServer } from "../support/harness.js";
import { startRedis, type RedisProcess } from "../support/redis-server.js";

/**
 * Writes whose outcome the caller knows (issue 10): answers that stay small whatever was written,
 * pages cut by bytes so that every answer fits what a client receives, and idempotency keys that
 * make a retry after a lost answer return the first outcome, across servers sharing one Redis.
 * Real servers over loopback gRPC; a real redis-server; a TCP proxy that loses answers.
 */

const M = ContextService.method;
const MiB = 1024 * 1024;

describe("answers that stay small", () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer(createMemoryStore());
  });
  afterEach(async () => {
    await t.stop();
  });

  test("SetContext answers revisions and times, not the value; the client still resolves the whole context", async () => {
    const raw = await t.client.transport.unary(M.setContext, {
      key: "k",
      value: { kind: { case: "stringValue", value: "v".repeat(1000) } },
      metadata: { m: "1" },
    });
    expect(raw.context).toMatchObject({ key: "k", revision: 1n, version: 1n });
    expect(raw.context!.value).toBeUndefined();
    expect(raw.context!.metadata).toEqual({});
    expect(raw.header).toMatchObject({ storeId: (await t.fabric.stats()).storeId, revision: 1n });
    const echoed = await t.client.transport.unary(M.setContext, { key: "k", value: { kind: { case: "numberValue", value: 2 } }, returnValue: true });
    expect(echoed.context!.value).toMatchObject({ kind: { case: "numberValue", value: 2 } });

    const ctx = await t.client.setContext({ key: "router:main", value: { text: "hi", n: [1, 2] }, metadata: { a: "b" }, ttl: 60 });
    expect(ctx).toEqual(await t.client.getContext({ key: "router:main" }));
    expect(ctx).toMatchObject({ value: { text: "hi", n: [1, 2] }, metadata: { a: "b" }, revision: 3 });
  });

  test("a 5 MB batch is acknowledged to a client that receives 64 KiB: the answer holds no values", async () => {
    const client = t.newClient({ channelOptions: { "grpc.max_receive_message_length": 64 * 1024 } });
    const big = "x".repeat(200 * 1024);
    const ops = Array.from({ length: 25 }, (_, i) => ({ op: "set" as const, key: `big:${i}`, value: { i, big } }));
    const out = await client.batch(ops);
    expect(out.results).toHaveLength(25);
    expect(out.results[24]).toMatchObject({ op: "set", context: { key: "big:24", value: { i: 24, big }, revision: 25 } });
    expect(await t.client.countContexts()).toBe(25);
    // Deletes answer without the values they removed, unless asked.
    const del = await client.batch([
      { op: "delete", key: "big:0" },
      { op: "delete", key: "big:1" },
    ]);
    expect(del.results).toEqual([
      { op: "delete", deleted: true, revision: 26 },
      { op: "delete", deleted: true, revision: 27 },
    ]);
    const asked = await t.client.batch([{ op: "delete", key: "big:2" }], { returnValues: true });
    expect(asked.results[0]).toMatchObject({ op: "delete", deleted: true, previous: { key: "big:2", value: { i: 2 } } });
    expect(asked.valuesOmitted).toBeUndefined();
  });

  test("return_values that would not fit one answer: applied, answered without values, and said so", async () => {
    await t.stop();
    t = await startTestServer(createMemoryStore(), { maxMessageBytes: 256 * 1024 }, { maxMessageBytes: 256 * 1024 });
    const big = "y".repeat(60 * 1024);
    for (let i = 0; i < 5; i++) await t.client.setContext({ key: `v:${i}`, value: big });
    const out = await t.client.batch(
      [0, 1, 2, 3, 4].map((i) => ({ op: "delete" as const, key: `v:${i}` })),
      { returnValues: true },
    );
    expect(out.valuesOmitted).toBe(true);
    expect(out.results.every((r) => r.op === "delete" && r.deleted && r.previous === undefined)).toBe(true);
    expect(await t.client.countContexts()).toBe(0);
  });

  test("a 12 MB page reaches a client left at its defaults (client and server agree on 16 MiB)", async () => {
    const mb = "z".repeat(MiB - 16);
    for (let i = 0; i < 12; i++) await t.client.setContext({ key: `page:${i}`, value: mb });
    const page = await t.client.query({ pattern: "page:*", limit: 1000 });
    expect(page.contexts).toHaveLength(12);
    expect(page.nextPageToken).toBeUndefined();
  });
});

describe("pages cut by bytes", () => {
  let t: TestServer;
  const LIMIT = 1 * MiB;
  beforeAll(async () => {
    t = await startTestServer(createMemoryStore(), { maxMessageBytes: LIMIT }, { maxMessageBytes: LIMIT });
  });
  afterAll(async () => {
    await t.stop();
  });

  test("Query: every page fits the message limit; paging sees every context once", async () => {
    const client = t.newClient({ maxMessageBytes: LIMIT });
    const chunk = "q".repeat(100 * 1024);
    for (let i = 0; i < 30; i += 5) {
      await client.batch([0, 1, 2, 3, 4].map((j) => ({ op: "set" as const, key: `doc:${i + j}`, value: { i: i + j, chunk } })));
    }
    const seen: number[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const page = await client.query({ pattern: "doc:*", limit: 1000, pageToken });
      expect(page.contexts.length).toBeGreaterThan(0);
      expect(page.contexts.length).toBeLessThan(11);
      seen.push(...page.contexts.map((c) => (c.value as { i: number }).i));
      pageToken = page.nextPageToken;
      pages++;
    } while (pageToken);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(seen).toEqual(Array.from({ length: 30 }, (_, i) => 29 - i));
  });

  test("ListExecutions: every page fits the message limit; paging sees every execution once", async () => {
    const client = t.newClient({ maxMessageBytes: LIMIT });
    const input = "e".repeat(100 * 1024);
    for (let i = 0; i < 25; i++) await client.recordExecution({ id: `run-${i}`, input, output: i, latencyMs: 1 });
    const seen: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const page = await client.listExecutions({ limit: 1000, pageToken });
      seen.push(...page.executions.map((e) => e.id));
      pageToken = page.nextPageToken;
      pages++;
    } while (pageToken);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `run-${24 - i}`));
  });
});

/**
 * A TCP proxy in front of a server that can lose every answer: requests still reach the server (and
 * are applied), nothing it sends comes back. What a client sees when a server is cut off, crashes or
 * stalls after applying a write.
 */
async function lossyProxy(target: string): Promise<{ address: string; loseAnswers(lose: boolean): void; close(): Promise<void> }> {
  const [host, port] = [target.slice(0, target.lastIndexOf(":")), Number(target.slice(target.lastIndexOf(":") + 1))];
  let lose = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((downstream) => {
    const upstream = new Socket();
    sockets.add(downstream).add(upstream);
    upstream.connect(port, host);
    downstream.on("data", (d) => upstream.write(d));
    upstream.on("data", (d) => {
      if (!lose) downstream.write(d);
    });
    const end = () => {
      downstream.destroy();
      upstream.destroy();
    };
    downstream.on("close", end).on("error", end);
    upstream.on("close", end).on("error", end);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    address: `127.0.0.1:${(server.address() as { port: number }).port}`,
    loseAnswers: (l) => (lose = l),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe("idempotency keys", () => {
  let redis: RedisProcess;
  const servers: TestServer[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.stop();
  });
  afterAll(async () => {
    await redis.stop();
  });
  const serve = async (prefix: string) => {
    const store = await createRedisStore({ retryLimit: 5, log: () => {}, settings: { redisUrl: redis.url, redisKeyPrefix: prefix } });
    const s = await startTestServer(store);
    servers.push(s);
    return s;
  };

  test("a batch whose answer is lost, retried on another server with the same key, applies once", async () => {
    const a = await serve("lost:");
    const b = await serve("lost:");
    const proxy = await lossyProxy(a.server.address);
    const viaProxy = new FabricClient({ address: proxy.address, retry: false, timeoutMs: 1500 });
    try {
      await viaProxy.getContext({ key: "warm-up" }); // the connection is up before answers are lost
      proxy.loseAnswers(true);
      const ops = Array.from({ length: 50 }, (_, i) => ({ op: "set" as const, key: `order:${i}`, value: { i } }));
      const err = await viaProxy.batch(ops, { idempotencyKey: "batch-0001" }).catch((e) => e);
      expect(err).toMatchObject({ code: "DEADLINE_EXCEEDED" });
      // It was applied (server A got it), though the client could not know.
      expect(await b.client.countContexts()).toBe(50);
      const revision = (await b.client.stats()).revision;

      const retried = await b.client.batch(ops, { idempotencyKey: "batch-0001" });
      expect(retried.revision).toBe(revision);
      expect(retried.results.map((r) => (r.op === "set" ? [r.context.key, r.context.version, r.context.value] : r))).toEqual(
        ops.map((o) => [o.key, 1, o.value]),
      );
      expect((await b.client.stats()).revision).toBe(revision);
      expect((await a.client.getContext({ key: "order:7" }))?.version).toBe(1);
      // The same key with another request is refused, and writes nothing.
      const other = await b.client.batch([{ op: "set", key: "order:0", value: "changed" }], { idempotencyKey: "batch-0001" }).catch((e) => e);
      expect(other).toMatchObject({ code: "INVALID_ARGUMENT", message: expect.stringMatching(/^idempotency_key: was already used for a different request/) });
      expect((await b.client.getContext({ key: "order:0" }))?.value).toEqual({ i: 0 });
    } finally {
      await viaProxy.close();
      await proxy.close();
    }
  });

  test("the client retries a write that failed UNAVAILABLE after applying, with the key it generated: applied once", async () => {
    const store = await createRedisStore({ retryLimit: 5, log: () => {}, settings: { redisUrl: redis.url, redisKeyPrefix: "auto:" } });
    const core = createFabric({ store });
    // A server that applies each write, then fails its first answer as a lost connection would.
    const keys: (string | undefined)[] = [];
    let failNext = true;
    const flaky: Fabric = {
      ...core,
      async setContext(input, options) {
        keys.push(options?.idempotencyKey);
        const ctx = await core.setContext(input, options);
        if (failNext) {
          failNext = false;
          throw new FabricError("UNAVAILABLE", "connection lost after the write");
        }
        return ctx;
      },
    };
    const server = await startFabricServer({ fabric: flaky, listen: "127.0.0.1:0" });
    const client = new FabricClient({ address: server.address });
    try {
      const ctx = await client.setContext({ key: "counter", value: 1 });
      expect(keys).toHaveLength(2);
      expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
      expect(keys[1]).toBe(keys[0]);
      expect(ctx).toMatchObject({ key: "counter", value: 1, revision: 1, version: 1 });
      expect(await core.stats()).toMatchObject({ revision: 1 });
      // Without retries the client sends no key, and a failure is the caller's to handle.
      const once = new FabricClient({ address: server.address, retry: false });
      failNext = true;
      await expect(once.setContext({ key: "counter", value: 2 })).rejects.toMatchObject({ code: "UNAVAILABLE" });
      expect(keys.at(-1)).toBeUndefined();
      await once.close();
    } finally {
      await client.close();
      await server.shutdown(100);
      await core.close();
    }
  });

  test("deletes and sets take keys too; malformed keys and keys inside batch operations are INVALID_ARGUMENT", async () => {
    const a = await serve("shape:");
    await a.client.setContext({ key: "d", value: 1 });
    const first = await a.client.deleteContext({ key: "d" }, { idempotencyKey: "del-1" });
    expect(first).toMatchObject({ deleted: true, previous: { value: 1 } });
    await a.client.setContext({ key: "d", value: 2 });
    const again = await a.client.deleteContext({ key: "d" }, { idempotencyKey: "del-1" });
    expect(again).toEqual({ deleted: true, revision: first.revision, storeId: first.storeId });
    expect((await a.client.getContext({ key: "d" }))?.value).toBe(2);

    await expect(a.client.setContext({ key: "k", value: 1 }, { idempotencyKey: "has space" })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      message: expect.stringMatching(/^idempotency_key: may contain only/),
    });
    await expect(a.client.setContext({ key: "k", value: 1 }, { idempotencyKey: "k".repeat(129) })).rejects.toMatchObject({
      message: expect.stringMatching(/^idempotency_key: must be at most 128/),
    });
    const inner = await a.client.transport
      .unary(M.batch, { operations: [{ op: { case: "set", value: { key: "k", value: { kind: { case: "nullValue", value: 0 } }, idempotencyKey: "x" } } }] })
      .catch((e) => e);
    expect(inner).toMatchObject({
      code: "INVALID_ARGUMENT",
      message: expect.stringMatching(/^operations\[0\]\.idempotency_key: must be empty inside a batch/),
    });
    expect(await a.client.getContext({ key: "k" })).toBeNull();
  });
});
