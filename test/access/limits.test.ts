import { FabricError, type WatchMessage } from "@cache-fabric/client";
import { createMemoryStore } from "../../server/store/memory.js";
import { startOpsServer, tokenDocument, type OpsTestServer } from "../support/ops-server.js";

/** Limits over real gRPC on loopback: rate, message and value size, watchers per connection, prototype keys. */

const code = (p: Promise<unknown>) => p.then(() => "OK", (e) => (FabricError.is(e) ? e.code : String(e)));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("per-token rate limit", () => {
  let t: OpsTestServer;
  beforeAll(async () => {
    t = await startOpsServer(createMemoryStore(), {
      config: {
        authTokens: tokenDocument([
          { name: "slow", token: "slow-secret-0123456789", grants: [{ scope: "*", access: "read-write" }], rateLimit: { rps: 1, burst: 3 } },
          { name: "fast", token: "fast-secret-0123456789", grants: [{ scope: "*", access: "read-write" }] },
        ]),
        rateLimitRps: 1000,
      },
    });
  });
  afterAll(() => t.stop());

  test("a token's burst passes, the next call is RESOURCE_EXHAUSTED, the bucket refills at its rate", async () => {
    const slow = t.client({ token: "slow-secret-0123456789" });
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push(await code(slow.getContext({ key: "k" })));
    expect(codes).toEqual(["OK", "OK", "OK", "RESOURCE_EXHAUSTED"]);
    const err = await slow.getContext({ key: "k" }).catch((e) => e);
    expect(err.message).toMatch(/rate limit of 1 calls\/s exceeded for token "slow"; retry in \d+ ms/);
    // 1/s: one more call after a second. (A slow rate keeps the four calls above inside one refill
    // period even on a loaded CI machine.)
    await sleep(1100);
    expect(await code(slow.getContext({ key: "k" }))).toBe("OK");
  });

  test("buckets are per token: another token is not slowed down", async () => {
    const fast = t.client({ token: "fast-secret-0123456789" });
    const results = await Promise.all(Array.from({ length: 50 }, () => code(fast.getContext({ key: "k" }))));
    expect(results.every((c) => c === "OK")).toBe(true);
  });

  test("refusals are counted in the metrics under RESOURCE_EXHAUSTED", async () => {
    const text = await t.ops.metrics.registry.metrics();
    expect(text).toMatch(/grpc_server_handled_total\{grpc_type="unary",grpc_service="cachefabric.v1.ContextService",grpc_method="GetContext",grpc_code="RESOURCE_EXHAUSTED"\} [1-9]/);
  });
});

describe("server-wide rate limit without authentication", () => {
  test("all callers share the anonymous bucket", async () => {
    // 0.2/s: no refill can happen between the three calls, however slow the machine.
    const t = await startOpsServer(createMemoryStore(), { config: { rateLimitRps: 0.2, rateLimitBurst: 2 } });
    const a = t.client();
    const b = t.client();
    expect([await code(a.stats()), await code(b.stats()), await code(a.stats())]).toEqual(["OK", "OK", "RESOURCE_EXHAUSTED"]);
    await t.stop();
  });
});

describe("message and value size", () => {
  let t: OpsTestServer;
  beforeAll(async () => {
    t = await startOpsServer(createMemoryStore(), { fabric: { maxValueBytes: 1024 }, server: { maxMessageBytes: 64 * 1024 } });
  });
  afterAll(() => t.stop());

  test("a gRPC message over FABRIC_MAX_MESSAGE_BYTES is RESOURCE_EXHAUSTED, and nothing is written", async () => {
    const client = t.client();
    expect(await code(client.setContext({ key: "big", value: "x".repeat(100 * 1024) }))).toBe("RESOURCE_EXHAUSTED");
    expect(await t.fabric.getContext({ key: "big" })).toBeNull();
  });

  test("a value over FABRIC_MAX_VALUE_BYTES is INVALID_ARGUMENT naming the field, and nothing is written", async () => {
    const client = t.client();
    const err = await client.setContext({ key: "big", value: "x".repeat(2048) }).catch((e) => e);
    expect(err).toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(err.message).toMatch(/^value: must be at most 1024 bytes as JSON/);
    const batch = await client.batch([{ op: "set", key: "ok", value: 1 }, { op: "set", key: "big", value: "x".repeat(2048) }]).catch((e) => e);
    expect(batch).toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(await t.fabric.getContext({ key: "ok" })).toBeNull();
    expect(await code(client.setContext({ key: "fits", value: "x".repeat(1000) }))).toBe("OK");
  });
});

describe("error messages that echo huge input", () => {
  test("a 100 KB metadata name is INVALID_ARGUMENT with a bounded message, and the connection keeps serving", async () => {
    const t = await startOpsServer(createMemoryStore());
    const client = t.client({ timeoutMs: 3000 });
    const err = await client.setContext({ key: "k", value: 1, metadata: { ["m".repeat(100_000)]: "v" } }).catch((e) => e);
    expect(err).toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(err.message.length).toBeLessThanOrEqual(1024);
    // Unbounded, those details overflowed the HTTP/2 trailers and reset the connection: the next calls hung.
    expect(await code(client.setContext({ key: "k", value: 1 }))).toBe("OK");
    await t.stop();
  });
});

describe("watchers per connection", () => {
  test("the cap refuses one more Watch on the same connection with RESOURCE_EXHAUSTED; other connections and freed slots are fine", async () => {
    const t = await startOpsServer(createMemoryStore(), { config: { maxWatchersPerConnection: 2 } });
    const one = t.client();
    // grpc-js shares connections between channels to one target; a local pool gives a connection of its own.
    const other = t.client({ channelOptions: { "grpc.use_local_subchannel_pool": 1 } });
    try {
      const open = (client: typeof one) => {
        const controller = new AbortController();
        const messages: WatchMessage[] = [];
        const done = (async () => {
          for await (const m of client.watch({ prefix: "w:", resume: false, signal: controller.signal })) messages.push(m);
        })().then(() => "ended", (e) => (FabricError.is(e) ? e.code : String(e)));
        return { controller, messages, done };
      };
      const created = async (w: ReturnType<typeof open>) => {
        for (let i = 0; i < 200 && !w.messages.some((m) => m.kind === "created"); i++) await sleep(10);
        expect(w.messages[0]?.kind).toBe("created");
      };
      const a = open(one);
      const b = open(one);
      await created(a);
      await created(b);
      const gauge = async () => /fabric_watchers (\d+)/.exec(await t.ops.metrics.registry.metrics())?.[1];
      expect(await gauge()).toBe("2");

      const c = open(one);
      expect(await c.done).toBe("RESOURCE_EXHAUSTED");
      const d = open(other);
      await created(d);

      a.controller.abort();
      expect(await a.done).toBe("ended");
      // The slot is released when the server sees the cancellation.
      let e = open(one);
      for (let i = 0; i < 20 && (await Promise.race([e.done, sleep(50).then(() => "open")])) === "RESOURCE_EXHAUSTED"; i++) e = open(one);
      await created(e);
      for (const w of [b, d, e]) w.controller.abort();
      await Promise.all([b.done, d.done, e.done]);
      for (let i = 0; i < 100 && (await gauge()) !== "0"; i++) await sleep(10);
      expect(await gauge()).toBe("0");
    } finally {
      await t.stop(); // ends any watch still open (shutdown ends streams)
    }
  });
});

describe("__proto__ in values and metadata", () => {
  let t: OpsTestServer;
  const protoKeysBefore = Object.getOwnPropertyNames(Object.prototype).sort();
  beforeAll(async () => {
    t = await startOpsServer(createMemoryStore());
  });
  afterAll(() => t.stop());

  // JSON.parse makes `__proto__` an own data key, which is what arrives from any JSON source.
  const hostile = () =>
    JSON.parse('{"__proto__": {"polluted": "value"}, "constructor": {"prototype": {"polluted": "ctor"}}, "nested": [{"__proto__": {"polluted": "deep"}}]}');
  const hostileMetadata = () => JSON.parse('{"__proto__": "meta", "constructor": "c", "ok": "yes"}');

  test("over gRPC: accepted without effect on the server process; other keys are stored as data", async () => {
    const client = t.client();
    const stored = await client.setContext({ key: "proto", value: hostile(), metadata: hostileMetadata() });
    await client.batch([{ op: "set", key: "proto2", value: hostile(), metadata: hostileMetadata() }]);
    await client.query({ pattern: "proto*" });
    // The server (this process) is unaffected.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoKeysBefore);
    const got = (await client.getContext({ key: "proto" }))!;
    expect(got.value).toMatchObject({ constructor: { prototype: { polluted: "ctor" } } });
    expect(Object.getPrototypeOf(got.value)).toBe(Object.prototype);
    expect(got.metadata).toMatchObject({ constructor: "c", ok: "yes" });
    expect(stored.revision).toBeGreaterThan(0);
  });

  test("in process: `__proto__` keys are stored as own data keys, values and metadata", async () => {
    const ctx = await t.fabric.setContext({ key: "proto-in-process", value: hostile(), metadata: hostileMetadata() });
    const got = (await t.fabric.getContext({ key: "proto-in-process" }))!;
    for (const c of [ctx, got]) {
      expect(Object.prototype.hasOwnProperty.call(c.value, "__proto__")).toBe(true);
      expect(Object.getPrototypeOf(c.value)).toBe(Object.prototype);
      expect(JSON.stringify(c.value)).toBe(JSON.stringify(hostile()));
      expect(Object.prototype.hasOwnProperty.call(c.metadata, "__proto__")).toBe(true);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  // protobuf-es 2.13 decodes a map entry with `obj[key] = value`, which loses a `__proto__` entry
  // (metadata, or a Struct field inside a value); client/src/wire/proto-map-keys.ts keeps it as data, on both
  // sides of the wire. Upstream: bufbuild/protobuf-es#1451.
  test("over gRPC: a `__proto__` key survives the round trip as data, in values and metadata", async () => {
    const client = t.client();
    await client.setContext({ key: "proto-rt", value: hostile(), metadata: hostileMetadata() });
    const got = (await client.getContext({ key: "proto-rt" }))!;
    expect(Object.prototype.hasOwnProperty.call(got.value, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(got.value)).toBe(Object.prototype);
    expect(JSON.stringify(got.value)).toBe(JSON.stringify(hostile()));
    expect(Object.prototype.hasOwnProperty.call(got.metadata, "__proto__")).toBe(true);
    expect(got.metadata).toEqual(hostileMetadata());
    const stored = (await t.fabric.getContext({ key: "proto-rt" }))!;
    expect(JSON.stringify(stored.value)).toBe(JSON.stringify(hostile()));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
