import { FabricClient, FabricError, type Context, type JsonValue } from "@cache-fabric/client";
import { createMemoryStore } from "../../server/store/memory.js";
import { startTestServer, type TestServer } from "../support/harness.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every ContextService RPC of the foundation, through FabricClient over loopback gRPC. */
describe("ContextService over gRPC (memory store)", () => {
  let t: TestServer;
  let fabric: FabricClient;
  beforeEach(async () => {
    t = await startTestServer(createMemoryStore({ historySize: 1000 }));
    fabric = t.client;
  });
  afterEach(async () => {
    await t.stop();
  });

  test("set then get returns the stored context with revisions, metadata and timestamps", async () => {
    const set = await fabric.setContext({
      key: "router:main:system_message",
      value: "You are a helpful assistant",
      scope: "GLOBAL",
      metadata: { router_name: "main", version: "1.0" },
    });
    expect(set).toMatchObject({ revision: 1, createRevision: 1, version: 1, scope: "GLOBAL" });
    const got = await fabric.getContext({ key: "router:main:system_message", scope: "GLOBAL" });
    expect(got).toEqual(set);
    expect(got!.createdAt).toBeInstanceOf(Date);
  });

  test("scope defaults to GLOBAL; a missing context is null", async () => {
    await fabric.setContext({ key: "k", value: 1 });
    expect((await fabric.getContext({ key: "k", scope: "GLOBAL" }))!.value).toBe(1);
    expect(await fabric.getContext({ key: "k", scope: "USER" })).toBeNull();
  });

  test("every JSON value type survives the wire", async () => {
    const values: JsonValue[] = ["s", 0, -12.5, 1e300, true, false, null, [], {}, [1, [2, [3]]], { a: { b: [null, "x"] } }];
    for (const [i, value] of values.entries()) {
      await fabric.setContext({ key: `v:${i}`, value });
      expect((await fabric.getContext({ key: `v:${i}` }))!.value).toEqual(value);
    }
  });

  test("delete returns the previous context; deleting again reports nothing deleted", async () => {
    await fabric.setContext({ key: "k", value: "v" });
    const del = await fabric.deleteContext({ key: "k" });
    expect(del).toMatchObject({ deleted: true, revision: 2, previous: { key: "k", value: "v" } });
    expect(await fabric.getContext({ key: "k" })).toBeNull();
    expect(await fabric.deleteContext({ key: "k" })).toEqual({ deleted: false, revision: 2, storeId: (await fabric.stats()).storeId });
  });

  test("compare-and-set: a stale revision is FAILED_PRECONDITION and writes nothing", async () => {
    const v1 = await fabric.setContext({ key: "prompt", value: "v1" });
    const v2 = await fabric.setContext({ key: "prompt", value: "v2", ifRevision: v1.revision });
    expect(v2.version).toBe(2);
    const err = await fabric.setContext({ key: "prompt", value: "lost update", ifRevision: v1.revision }).catch((e) => e);
    expect(FabricError.is(err, "FAILED_PRECONDITION")).toBe(true);
    expect(err.message).toMatch(/if_revision: expected revision 1/);
    expect((await fabric.getContext({ key: "prompt" }))!.value).toBe("v2");
    await expect(fabric.setContext({ key: "prompt", value: "x", ifRevision: 0 })).rejects.toMatchObject({ code: "FAILED_PRECONDITION" });
    await expect(fabric.deleteContext({ key: "prompt", ifRevision: 1 })).rejects.toMatchObject({ code: "FAILED_PRECONDITION" });
    expect((await fabric.deleteContext({ key: "prompt", ifRevision: v2.revision })).deleted).toBe(true);
  });

  test("TTL: the context expires and is gone from get, query and counts", async () => {
    const ctx = await fabric.setContext({ key: "temp_data", value: { a: 1 }, ttl: 0.3 });
    expect(ctx.expiresAt!.getTime() - ctx.updatedAt.getTime()).toBe(300);
    expect(await fabric.getContext({ key: "temp_data" })).not.toBeNull();
    await sleep(400);
    expect(await fabric.getContext({ key: "temp_data" })).toBeNull();
    expect((await fabric.query({ pattern: "*" })).contexts).toEqual([]);
    expect(await fabric.countContexts()).toBe(0);
  });

  test("query pages newest first with continuation tokens, nothing missing, nothing twice", async () => {
    const pipe = fabric.pipeline();
    for (let i = 0; i < 53; i++) pipe.setContext({ key: `execution:${i}`, value: { i }, scope: "EXECUTION" });
    pipe.setContext({ key: "unrelated", value: 1, scope: "EXECUTION" });
    await pipe.execute();
    const seen: Context[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const page = await fabric.query({ pattern: "execution:*", scope: "EXECUTION", limit: 10, pageToken });
      seen.push(...page.contexts);
      pageToken = page.nextPageToken;
      pages++;
    } while (pageToken);
    expect(pages).toBe(6);
    expect(seen.map((c) => (c.value as { i: number }).i)).toEqual(Array.from({ length: 53 }, (_, i) => 52 - i));
  });

  test("a page token is refused for another query", async () => {
    for (let i = 0; i < 3; i++) await fabric.setContext({ key: `a:${i}`, value: i });
    const page = await fabric.query({ pattern: "a:*", limit: 1 });
    const err = await fabric.query({ pattern: "b:*", limit: 1, pageToken: page.nextPageToken }).catch((e) => e);
    expect(err).toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(err.message).toMatch(/page_token/);
    await expect(fabric.query({ pattern: "a:*", pageToken: "garbage!" })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });

  test("batch is atomic: one bad precondition and nothing is written", async () => {
    await fabric.setContext({ key: "x", value: 1 });
    const err = await fabric
      .batch([
        { op: "set", key: "a", value: 1 },
        { op: "delete", key: "x", ifRevision: 42 },
      ])
      .catch((e) => e);
    expect(err).toMatchObject({ code: "FAILED_PRECONDITION" });
    expect(err.message).toMatch(/operations\[1\]\.if_revision/);
    expect(await fabric.getContext({ key: "a" })).toBeNull();
    const ok = await fabric.batch([
      { op: "set", key: "a", value: 1 },
      { op: "delete", key: "x" },
    ]);
    expect(ok.results).toMatchObject([{ op: "set", context: { key: "a" } }, { op: "delete", deleted: true }]);
    expect(ok.revision).toBe(3);
  });

  test("stats: counts per scope, memory, hit rate and latency", async () => {
    await fabric.setContext({ key: "a", value: "x".repeat(1000) });
    await fabric.setContext({ key: "user:1:prefs", value: {}, scope: "USER" });
    await fabric.getContext({ key: "a" });
    await fabric.getContext({ key: "a" });
    await fabric.getContext({ key: "a" });
    await fabric.getContext({ key: "missing" });
    const stats = await fabric.stats();
    expect(stats.counts).toEqual({ GLOBAL: 1, EXECUTION: 0, FEEDBACK: 0, USER: 1 });
    expect(stats.totalCount).toBe(2);
    expect(stats.hitRate).toBeCloseTo(0.75);
    expect(stats.memoryUsageBytes).toBeGreaterThan(1000);
    expect(stats.avgLatencyMs).toBeGreaterThan(0);
    expect(stats.revision).toBe(2);
    expect(await fabric.countContexts("USER")).toBe(1);
    expect(await fabric.getHitRate()).toBeCloseTo(0.75);
    expect(await fabric.getMemoryUsage()).toBe(stats.memoryUsageBytes);
    expect(await fabric.getAvgLatency()).toBeGreaterThan(0);
  });

  test("in process, the guide's single-figure getters agree with stats()", async () => {
    const core = t.fabric;
    await core.setContext({ key: "a", value: "x".repeat(500) });
    await core.setContext({ key: "user:1:prefs", value: {}, scope: "USER" });
    await core.getContext({ key: "a" });
    await core.getContext({ key: "missing" });
    const stats = await core.stats();
    expect(await core.countContexts()).toBe(2);
    expect(await core.countContexts("USER")).toBe(1);
    expect(await core.countContexts("EXECUTION")).toBe(0);
    expect(await core.getHitRate()).toBeCloseTo(0.5);
    expect(await core.getMemoryUsage()).toBe(stats.memoryUsageBytes);
    expect(stats.hitRate).toBeCloseTo(0.5);
    await expect(core.countContexts("NOPE" as never)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });

  test("cleanup deletes what was last updated before the timestamp, by scope and pattern", async () => {
    await fabric.setContext({ key: "execution:old", value: 1, scope: "EXECUTION" });
    await fabric.setContext({ key: "keep:old", value: 1, scope: "EXECUTION" });
    await fabric.setContext({ key: "global:old", value: 1 });
    await sleep(20);
    const cutoff = new Date().toISOString();
    await sleep(20);
    await fabric.setContext({ key: "execution:new", value: 1, scope: "EXECUTION" });
    expect(await fabric.cleanup({ before: cutoff, scope: "EXECUTION", pattern: "execution:*" })).toMatchObject({ deleted: 1 });
    expect(await fabric.getContext({ key: "execution:old", scope: "EXECUTION" })).toBeNull();
    expect(await fabric.getContext({ key: "keep:old", scope: "EXECUTION" })).not.toBeNull();
    expect((await fabric.cleanup({ before: cutoff })).deleted).toBe(2);
    expect(await fabric.countContexts()).toBe(1);
  });

  test("calls carry deadlines: an unreachable server fails fast with UNAVAILABLE", async () => {
    const dead = new FabricClient({ address: "127.0.0.1:1", timeoutMs: 2000 });
    const start = Date.now();
    await expect(dead.getContext({ key: "k" })).rejects.toMatchObject({ code: "UNAVAILABLE" });
    expect(Date.now() - start).toBeLessThan(2500);
    await dead.close();
  });

  test("an aborted call is CANCELLED", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(fabric.getContext({ key: "k" }, { signal: controller.signal })).rejects.toMatchObject({ code: "CANCELLED" });
  });
});
