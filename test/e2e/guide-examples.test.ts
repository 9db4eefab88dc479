import { FabricClient } from "@cache-fabric/client";
import { createMemoryStore } from "../../server/store/memory.js";
import * as cleanup from "../../examples/cleanup.js";
import * as errorHandling from "../../examples/error-handling.js";
import * as monitoring from "../../examples/monitoring.js";
import * as multiUser from "../../examples/multi-user.js";
import * as pipeline from "../../examples/pipeline.js";
import * as quickStart from "../../examples/quick-start.js";
import * as scopes from "../../examples/scopes.js";
import * as systemPromptCaching from "../../examples/system-prompt-caching.js";
import * as ttl from "../../examples/ttl.js";
import { startTestServer, type TestServer } from "../support/harness.js";

/** The integration guide's examples, ported to TypeScript, run against a live server. */
describe("guide examples against a live server", () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer(createMemoryStore());
    jest.spyOn(console, "log").mockImplementation(() => {});
    jest.spyOn(console, "warn").mockImplementation(() => {});
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await t.stop();
  });

  test("quick start stores and reads the system prompt", async () => {
    expect(await quickStart.run(t.client)).toBe("You are a helpful assistant");
    expect((await t.fabric.getContext({ key: "router:main:system_message" }))!.metadata).toEqual({ router_name: "main", version: "1.0" });
  });

  test("scopes keep four partitions", async () => {
    expect(await scopes.run(t.client)).toBe(4);
    expect(await t.client.countContexts("USER")).toBe(1);
  });

  test("system prompt caching: store on startup, read, hot-reload, fallback", async () => {
    expect(await systemPromptCaching.run(t.client)).toEqual(["Your prompt here", "Updated system prompt", "default system prompt"]);
    expect((await t.client.getContext({ key: "router:tool_router:system_message" }))!.metadata).toEqual({ source: "manifest" });
  });

  test("multi-user context", async () => {
    const [stored, missing] = await multiUser.run(t.client);
    expect(stored).toEqual({ preferences: { tone: "formal" }, history: ["hi"], settings: { beta: true } });
    expect(missing).toEqual({});
  });

  test("TTL sets an expiry an hour out", async () => {
    const ctx = await ttl.run(t.client);
    expect(ctx.expiresAt!.getTime() - ctx.updatedAt.getTime()).toBe(3_600_000);
  });

  test("monitoring reports the four metrics", async () => {
    await quickStart.run(t.client);
    await t.client.getContext({ key: "missing" });
    const metrics = await monitoring.run(t.client);
    expect(metrics.contextCount).toBe(1);
    expect(metrics.hitRate).toBeCloseTo(0.5);
    expect(metrics.memoryUsageBytes).toBeGreaterThan(0);
    expect(metrics.avgLatencyMs).toBeGreaterThan(0);
  });

  test("error handling falls back to null when the fabric is unreachable, but not on bad input", async () => {
    await quickStart.run(t.client);
    expect(await errorHandling.run(t.client)).toBe("You are a helpful assistant");
    const dead = new FabricClient({ address: "127.0.0.1:1", timeoutMs: 1000 });
    expect(await errorHandling.run(dead)).toBeNull();
    await dead.close();
    await expect(errorHandling.safeGetContext(t.client, "bad key", "GLOBAL")).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });

  test("pipeline writes 1,000 contexts in one batch", async () => {
    const result = await pipeline.run(t.client);
    expect(result.results).toHaveLength(1000);
    expect(result.revision).toBe(1000);
    expect((await t.client.getContext({ key: "key:999" }))!.value).toEqual({ data: 999 });
  });

  test("cleanup clears old data", async () => {
    await pipeline.run(t.client, 10);
    const res = await cleanup.run(t.client, new Date(Date.now() + 1000));
    expect(res).toMatchObject({ keys: 10, deleted: 10 });
    expect(await t.client.countContexts()).toBe(0);
  });
});
