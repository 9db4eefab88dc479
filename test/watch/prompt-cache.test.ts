import { FabricClient } from "@cache-fabric/client";
import { createPromptCache } from "@cache-fabric/client/agent";
import type { Context } from "@cache-fabric/client/api";
import { createFabric, type FabricCore } from "../../server/fabric.js";
import { startFabricServer, type FabricServer } from "../../server/server.js";
import { createMemoryStore } from "../../server/store/memory.js";
import { eventually } from "../support/harness.js";
import { freePort } from "../support/redis-server.js";
import { watchStats } from "./watch-support.js";

const reconnectFast = { "grpc.initial_reconnect_backoff_ms": 50, "grpc.max_reconnect_backoff_ms": 250 };
const retry = { initialDelayMs: 50, maxDelayMs: 250 };

describe("prompt cache", () => {
  let fabric: FabricCore;
  beforeEach(() => {
    fabric = createFabric({ store: createMemoryStore({ historySize: 50 }) });
  });
  afterEach(async () => {
    await fabric.close();
  });

  test("over the in-process core: loads keys once, then get() is a local read kept fresh, with change callbacks", async () => {
    await fabric.setContext({ key: "router:main:system_message", value: "You are a helpful assistant" });
    const changes: [string, unknown][] = [];
    const cache = createPromptCache(fabric, {
      keys: ["router:main:system_message", "router:main:temperature"],
      onChange: (key, ctx) => changes.push([key, ctx?.value]),
    });
    expect(cache.get("router:main:system_message")).toBeUndefined();
    expect(cache.stale).toBe(true);
    await cache.ready;
    expect(cache.stale).toBe(false);
    expect(cache.get("router:main:system_message")).toBe("You are a helpful assistant");
    expect(cache.get("router:main:temperature")).toBeUndefined();
    expect(cache.revision).toBe(1);
    expect(changes).toEqual([["router:main:system_message", "You are a helpful assistant"]]);

    await fabric.setContext({ key: "router:main:system_message", value: "You are terse" });
    await fabric.setContext({ key: "router:main:temperature", value: 0.2 });
    await fabric.setContext({ key: "unrelated", value: 1 });
    await fabric.deleteContext({ key: "router:main:system_message" });
    await eventually(() => cache.revision >= 4, "the cache to follow");
    expect(cache.get("router:main:system_message")).toBeUndefined();
    expect(cache.getContext("router:main:temperature")).toMatchObject({ value: 0.2, revision: 3 });
    expect(cache.keys()).toEqual(["router:main:temperature"]);
    expect(changes.slice(1)).toEqual([
      ["router:main:system_message", "You are terse"],
      ["router:main:temperature", 0.2],
      ["router:main:system_message", undefined],
    ]);
    await cache.close();
    expect(watchStats(fabric).watchers).toBe(0);
    expect(cache.get("router:main:temperature")).toBe(0.2); // still readable after close
  });

  test("a prefix is loaded across query pages and followed; values are frozen", async () => {
    const pipe = fabric.pipeline();
    for (let i = 0; i < 1200; i++) pipe.setContext({ key: `prompt:${i}`, value: { text: `p${i}` } });
    pipe.setContext({ key: "other:1", value: 1 });
    await pipe.execute();
    const cache = createPromptCache(fabric, { prefix: "prompt:" });
    await cache.ready;
    expect(cache.keys()).toHaveLength(1200);
    expect(cache.get("prompt:1199")).toEqual({ text: "p1199" });
    expect(cache.get("other:1")).toBeUndefined();
    expect(Object.isFrozen(cache.get("prompt:0"))).toBe(true);
    await fabric.setContext({ key: "prompt:new", value: "n" });
    await eventually(() => cache.get("prompt:new") === "n", "a new key under the prefix");
    await cache.close();
  });

  test("an event is applied only when newer than what is held", async () => {
    await fabric.setContext({ key: "k", value: "v1" });
    // A watch that replays an old change after the snapshot (as after a reconnect racing a read).
    const old = await fabric.setContext({ key: "k", value: "v2" });
    const replaying = {
      async *watch() {
        yield { kind: "reset" as const, contexts: [old], revision: 2 };
        const stale: Context = { ...old, value: "v1", revision: 1, version: 1 };
        yield { kind: "event" as const, event: { type: "PUT" as const, key: "k", scope: "GLOBAL" as const, context: stale, revision: 1 }, revision: 1 };
      },
    };
    const cache = createPromptCache(replaying, { keys: ["k"] });
    await cache.ready;
    await eventually(() => cache.revision === 2, "the replay");
    expect(cache.get("k")).toBe("v2");
    await cache.close();
  });

  test("bad options are INVALID_ARGUMENT naming the field; a bad key fails ready", async () => {
    expect(() => createPromptCache(fabric, {})).toThrow(/^keys: set exactly one of keys, prefix/);
    expect(() => createPromptCache(fabric, { keys: ["a"], prefix: "b" })).toThrow(/^keys, prefix:/);
    const cache = createPromptCache(fabric, { keys: ["not a key"] });
    await expect(cache.ready).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    expect(cache.lastError?.message).toMatch(/^keys\[0\]:/);
    await cache.close();
  });

  describe("over gRPC", () => {
    let server: FabricServer | undefined;
    let client: FabricClient | undefined;
    afterEach(async () => {
      await client?.close();
      await server?.shutdown(100);
      server = client = undefined;
    });

    test("stays correct across a server restart, serving the last values while the server is down", async () => {
      const port = await freePort();
      const listen = `127.0.0.1:${port}`;
      server = await startFabricServer({ fabric, listen });
      client = new FabricClient({ address: listen, channelOptions: reconnectFast });
      await client.setContext({ key: "router:main:system_message", value: "v1" });
      const cache = createPromptCache(client, { keys: ["router:main:system_message"], retry });
      await cache.ready;
      expect(cache.get("router:main:system_message")).toBe("v1");

      await server.shutdown(100);
      await eventually(() => cache.stale, "the cache to notice");
      // Written while the server is down (the fabric, kept in this process, outlives its server).
      await fabric.setContext({ key: "router:main:system_message", value: "v2" });
      expect(cache.get("router:main:system_message")).toBe("v1");

      server = await startFabricServer({ fabric, listen });
      await eventually(() => cache.get("router:main:system_message") === "v2" && !cache.stale, "the cache to catch up", 10_000);
      await client.setContext({ key: "router:main:system_message", value: "v3" });
      await eventually(() => cache.get("router:main:system_message") === "v3", "live updates after the restart");
      await cache.close();
    });

    test("when the fabric is unreachable at start, ready rejects and the cache fills in once it answers", async () => {
      const port = await freePort();
      const listen = `127.0.0.1:${port}`;
      client = new FabricClient({ address: listen, channelOptions: reconnectFast });
      const cache = createPromptCache(client, { keys: ["router:main:system_message"], retry });
      await expect(cache.ready).rejects.toMatchObject({ code: "UNAVAILABLE" });
      expect(cache.get("router:main:system_message")).toBeUndefined();
      await fabric.setContext({ key: "router:main:system_message", value: "loaded late" });
      server = await startFabricServer({ fabric, listen });
      await eventually(() => cache.get("router:main:system_message") === "loaded late", "the late load", 10_000);
      expect(cache.stale).toBe(false);
      await cache.close();
    });
  });
});
