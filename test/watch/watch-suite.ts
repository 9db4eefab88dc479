import type { Context } from "@cache-fabric/client/api";
import { FabricError } from "@cache-fabric/client/api";
import { createFabric } from "../../server/fabric.js";
import type { Store } from "../../server/store/types.js";
import { eventually, startTestServer, type TestServer } from "../support/harness.js";
import { collect, range, sleep, summary, watchStats } from "./watch-support.js";

/** Builds a fresh, empty store of the kind under test, keeping at most `historySize` changes. */
export type WatchStoreFactory = (options: { historySize: number }) => Promise<Store>;

/** Sweeps due TTLs at once where the store needs a nudge (Redis runs a periodic sweeper). */
export interface WatchSuiteOptions {
  /** Longest the store may take to report an expiry after its TTL. */
  expiryLatencyMs: number;
}

/**
 * Watch behaviour every store must give, over real gRPC (and the in-process core where the point is
 * the core's own iterator). Each test builds its own store and server.
 */
export function describeWatch(name: string, createStore: WatchStoreFactory, suite: WatchSuiteOptions): void {
  describe(`Watch: ${name}`, () => {
    let t: TestServer;
    const start = async (historySize = 1000, watch: { queueSize?: number; progressIntervalMs?: number } = {}) =>
      (t = await startTestServer(await createStore({ historySize }), { watch }));
    afterEach(async () => {
      await t?.stop();
    });

    test("events arrive in revision order, none twice, none missing, from writers on several connections", async () => {
      await start();
      const w = collect(t.client.watch({ scope: "USER", resume: false }));
      await w.until((c) => c.messages.length > 0, "created");
      const writers = [t.client, t.newClient(), t.newClient()];
      await Promise.all(
        writers.map(async (client, n) => {
          for (let i = 0; i < 40; i++) {
            await client.setContext({ scope: "USER", key: `user:${n}:k${i % 7}`, value: i });
            if (i % 10 === 9) await client.deleteContext({ scope: "USER", key: `user:${n}:k${i % 7}` });
          }
          await client.batch([
            { op: "set", scope: "USER", key: `user:${n}:b1`, value: 1 },
            { op: "set", scope: "USER", key: `user:${n}:b2`, value: 2 },
          ]);
        }),
      );
      const last = (await t.client.stats()).revision;
      await w.reach(last);
      const created = w.messages[0];
      const { storeId } = await t.client.stats();
      expect(created).toEqual({ kind: "created", revision: 0, storeId });
      expect(w.messages.every((m) => m.storeId === storeId)).toBe(true);
      expect(w.events().map((e) => e.revision)).toEqual(range(1, last));
      expect(w.messages.filter((m) => m.kind === "event").every((m) => m.revision === (m.kind === "event" && m.event.revision))).toBe(true);
    });

    test("filters: exact key, key set, prefix, pattern and whole scope, never another scope", async () => {
      await start();
      const keys = ["router:main:system_message", "router:alt:system_message", "router:main:temperature", "agent:x", "agent:y"];
      const watches = {
        key: collect(t.client.watch({ key: "router:main:system_message" })),
        keys: collect(t.client.watch({ keys: ["agent:x", "router:alt:system_message", "absent"] })),
        prefix: collect(t.client.watch({ prefix: "router:main:" })),
        pattern: collect(t.client.watch({ pattern: "router:*:system_message" })),
        scope: collect(t.client.watch({})),
      };
      for (const w of Object.values(watches)) await w.until((c) => c.messages.length > 0, "created");
      for (const key of keys) await t.client.setContext({ key, value: key });
      for (const key of keys) await t.client.setContext({ scope: "USER", key, value: "other scope" });
      const last = (await t.client.stats()).revision;
      for (const w of Object.values(watches)) await w.until((c) => c.events().length > 0, "an event");
      await t.client.setContext({ key: "router:main:system_message", value: "end" });
      for (const w of [watches.key, watches.prefix, watches.pattern, watches.scope]) await w.reach(last + 1);
      await t.client.setContext({ key: "agent:x", value: "end" });
      await watches.keys.reach(last + 2);
      const seen = (w: (typeof watches)["key"]) => [...new Set(w.events().map((e) => `${e.scope}/${e.key}`))].sort();
      expect(seen(watches.key)).toEqual(["GLOBAL/router:main:system_message"]);
      expect(seen(watches.keys)).toEqual(["GLOBAL/agent:x", "GLOBAL/router:alt:system_message"]);
      expect(seen(watches.prefix)).toEqual(["GLOBAL/router:main:system_message", "GLOBAL/router:main:temperature"]);
      expect(seen(watches.pattern)).toEqual(["GLOBAL/router:alt:system_message", "GLOBAL/router:main:system_message"]);
      expect(seen(watches.scope)).toEqual(keys.map((k) => `GLOBAL/${k}`).sort());
    });

    test("resume from a revision: history first, then live, no gap and no duplicate across the switch", async () => {
      await start();
      for (let i = 1; i <= 50; i++) await t.client.setContext({ key: `k${i % 5}`, value: i });
      // Keep writing while the resumed watch replays history and joins the live feed.
      let writing = true;
      const writer = (async () => {
        const other = t.newClient();
        for (let i = 0; writing || i < 30; i++) await other.setContext({ key: `k${i % 5}`, value: `live ${i}` });
      })();
      const w = collect(t.client.watch({ startRevision: 10, resume: false }));
      await w.until((c) => c.events().length > 45, "replay");
      writing = false;
      await writer;
      const last = (await t.client.stats()).revision;
      await w.reach(last);
      expect(w.messages[0]).toEqual({ kind: "created", revision: 10, storeId: (await t.client.stats()).storeId });
      expect(w.events().map((e) => e.revision)).toEqual(range(11, last));
      expect(w.events()[0]).toMatchObject({ type: "PUT", key: "k1", context: { value: 11 } });
    });

    test("a start revision older than history gets one compacted answer, then the stream ends", async () => {
      await start(20);
      for (let i = 1; i <= 50; i++) await t.client.setContext({ key: `p:${i % 8}`, value: i });
      const w = collect(t.client.watch({ prefix: "p:", startRevision: 5, resume: false }));
      await w.finished;
      expect(w.error).toBeUndefined();
      const { storeId } = await t.client.stats();
      expect(w.messages).toEqual([
        { kind: "created", revision: 5, storeId },
        { kind: "compacted", compactRevision: 30, revision: 50, storeId },
      ]);
      // The oldest revision it names can be resumed from.
      const ok = collect(t.client.watch({ prefix: "p:", startRevision: 30, resume: false }));
      await ok.reach(50);
      expect(ok.events().map((e) => e.revision)).toEqual(range(31, 50));
    });

    test("a resumable watch re-reads after compaction and yields reset, then follows live changes", async () => {
      await start(20);
      for (let i = 1; i <= 50; i++) await t.client.setContext({ key: `p:${i % 8}`, value: i });
      await t.client.deleteContext({ key: "p:3" });
      const w = collect(t.client.watch({ prefix: "p:", startRevision: 5 }));
      await w.until((c) => c.messages.some((m) => m.kind === "reset"), "reset");
      const reset = w.messages.find((m) => m.kind === "reset")!;
      expect(reset).toMatchObject({ kind: "reset", revision: 51 });
      const contexts = (reset as { contexts: Context[] }).contexts;
      expect(Object.fromEntries(contexts.map((c) => [c.key, c.value]))).toEqual({
        "p:0": 48, "p:1": 49, "p:2": 50, "p:4": 44, "p:5": 45, "p:6": 46, "p:7": 47,
      });
      await t.client.setContext({ key: "p:3", value: "back" });
      await w.reach(52);
      expect(w.events()).toEqual([expect.objectContaining({ type: "PUT", key: "p:3", revision: 52 })]);
    });

    test("TTL expiry arrives as an EXPIRE event, with the previous context when asked", async () => {
      await start();
      const w = collect(t.client.watch({ key: "session", prevContext: true }));
      await w.until((c) => c.messages.length > 0, "created");
      await t.client.setContext({ key: "session", value: "short-lived", ttl: 0.2 });
      await w.until((c) => c.events().some((e) => e.type === "EXPIRE"), "EXPIRE", 1000 + suite.expiryLatencyMs);
      const [put, expire] = w.events();
      expect(put).toMatchObject({ type: "PUT", key: "session", revision: 1, context: { value: "short-lived" } });
      expect(expire).toMatchObject({ type: "EXPIRE", key: "session", scope: "GLOBAL", revision: 2, prevContext: { value: "short-lived", revision: 1 } });
      expect(expire.context).toBeUndefined();
      expect(await t.client.getContext({ key: "session" })).toBeNull();
    });

    test("prevContext: PUT and DELETE carry the context before the change; without it they do not", async () => {
      await start();
      const withPrev = collect(t.client.watch({ key: "k", prevContext: true }));
      const without = collect(t.client.watch({ key: "k" }));
      for (const w of [withPrev, without]) await w.until((c) => c.messages.length > 0, "created");
      await t.client.setContext({ key: "k", value: "v1" });
      await t.client.setContext({ key: "k", value: "v2", metadata: { author: "a" } });
      await t.client.deleteContext({ key: "k" });
      await withPrev.reach(3);
      await without.reach(3);
      expect(withPrev.events().map((e) => [e.type, e.context?.value, e.prevContext?.value])).toEqual([
        ["PUT", "v1", undefined],
        ["PUT", "v2", "v1"],
        ["DELETE", undefined, "v2"],
      ]);
      expect(withPrev.events()[2].prevContext).toMatchObject({ revision: 2, version: 2, metadata: { author: "a" } });
      expect(without.events().every((e) => e.prevContext === undefined)).toBe(true);
    });

    test("progress: an idle watch hears the current revision, also when only other keys change", async () => {
      await start(1000, { progressIntervalMs: 60_000 });
      const w = collect(t.client.watch({ key: "quiet", progressIntervalMs: 150 }));
      await w.until((c) => c.messages.some((m) => m.kind === "progress"), "first progress", 2000);
      for (let i = 0; i < 5; i++) await t.client.setContext({ key: `noisy${i}`, value: i });
      await w.until((c) => c.messages.some((m) => m.kind === "progress" && m.revision === 5), "progress at 5", 2000);
      expect(w.events()).toEqual([]);
      // The server default applies when the request names none (here: none within the test).
      const d = collect(t.client.watch({ key: "quiet" }));
      await sleep(400);
      expect(d.messages.map((m) => m.kind)).toEqual(["created"]);
    });

    test("a watcher that does not read is ended with ABORTED; writers and other watchers carry on", async () => {
      await start(10_000, { queueSize: 16 });
      const fast = collect(t.client.watch({ prefix: "doc:", resume: false }));
      const slowClient = t.newClient();
      const slow = slowClient.watch({ prefix: "doc:", resume: false })[Symbol.asyncIterator]();
      expect((await slow.next()).value).toMatchObject({ kind: "created" });
      await fast.until((c) => c.messages.length > 0, "created");
      await eventually(() => watchStats(t.fabric).synced === 2, "two synced watchers");
      const big = "x".repeat(8 * 1024);
      const started = Date.now();
      for (let i = 0; i < 300; i++) await t.client.setContext({ key: `doc:${i % 10}`, value: { i, big } });
      const writeMs = Date.now() - started;
      await fast.reach(300, 10_000);
      expect(fast.events().map((e) => e.revision)).toEqual(range(1, 300));
      await eventually(() => watchStats(t.fabric).watchers === 1, "the slow watcher to be dropped");
      // The slow stream still hands over what was in flight, in order, then the status to resync.
      const received: number[] = [];
      let error: unknown;
      try {
        for (let r = await slow.next(); !r.done; r = await slow.next()) if (r.value.kind === "event") received.push(r.value.revision);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(FabricError);
      expect(error).toMatchObject({ code: "ABORTED" });
      expect(received.length).toBeLessThan(300);
      expect(received).toEqual(range(1, received.length));
      expect(writeMs).toBeLessThan(10_000);
    });

    test("in process: a resumable watch whose consumer lags is ended and resumes, missing nothing", async () => {
      await start(10_000, { queueSize: 4 });
      const retries: string[] = [];
      const w = collect(
        t.fabric.watch({ prefix: "p:", resume: { initialDelayMs: 1, maxDelayMs: 5, onRetry: (e) => retries.push(e.code) } }),
        () => sleep(2),
      );
      await w.until((c) => c.messages.length > 0, "created");
      for (let i = 1; i <= 60; i++) await t.fabric.setContext({ key: `p:${i % 3}`, value: i });
      await w.reach(60);
      expect(retries.length).toBeGreaterThan(0);
      expect(new Set(retries)).toEqual(new Set(["ABORTED"]));
      expect(w.events().map((e) => e.revision)).toEqual(range(1, 60));
    });

    test("bad input is INVALID_ARGUMENT naming the field, over gRPC and in process", async () => {
      await start();
      const first = async (watch: AsyncIterable<unknown>) => {
        for await (const _ of watch) return undefined;
      };
      const cases: [Record<string, unknown>, string][] = [
        [{ key: "has space" }, "key"],
        [{ keys: [] }, "keys"],
        [{ keys: ["ok", "not ok"] }, "keys[1]"],
        [{ prefix: "" }, "prefix"],
        [{ pattern: "[oops" }, "pattern"],
        [{ key: "k", progressIntervalMs: 10 }, "progress_interval"],
      ];
      for (const [input, field] of cases) {
        const err = await first(t.client.watch({ ...input, resume: false })).catch((e) => e);
        expect(err).toMatchObject({ code: "INVALID_ARGUMENT" });
        expect((err as Error).message.startsWith(`${field}:`)).toBe(true);
        // A resumable watch does not retry what cannot succeed.
        await expect(first(t.client.watch(input))).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
      }
      await expect(first(t.client.watch({ key: "a", prefix: "b" }))).rejects.toThrow(/^key, prefix: set at most one/);
      await expect(first(t.client.watch({ startRevision: -1 }))).rejects.toThrow(/^start_revision:/);
      const core = createFabric({ store: await createStore({ historySize: 10 }) });
      expect(() => core.watch({ key: "a", pattern: "b*" })).toThrow(/^key, pattern: set at most one/);
      expect(() => core.watch({ key: "a", startRevision: -1 })).toThrow(/^start_revision:/);
      expect(() => core.watch({ key: "a", startRevision: 1.5 })).toThrow(/^start_revision:/);
      expect(() => core.watch({ scope: "NOPE" as never, key: "a" })).toThrow(/^scope:/);
      expect(() => core.watch({ key: "a", snapshot: true, startRevision: 3 })).toThrow(/^snapshot:/);
      expect(watchStats(core).watchers).toBe(0);
      await core.close();
    });

    test("ending a watch (break, abort, client cancel) unregisters its watcher", async () => {
      await start();
      const ac = new AbortController();
      const aborted = collect(t.client.watch({ key: "k", signal: ac.signal }));
      const inProcess = collect(t.fabric.watch({ key: "k", signal: ac.signal }));
      let broke = false;
      const breaking = (async () => {
        for await (const m of t.client.watch({ key: "k" })) {
          if (m.kind === "event") break;
        }
        broke = true;
      })();
      await eventually(() => watchStats(t.fabric).watchers === 3, "three watchers");
      await t.client.setContext({ key: "k", value: 1 });
      await breaking;
      expect(broke).toBe(true);
      await eventually(() => watchStats(t.fabric).watchers === 2, "the broken-off watcher to go");
      ac.abort();
      await aborted.finished;
      await inProcess.finished;
      expect(aborted.error).toBeUndefined();
      expect(inProcess.error).toBeUndefined();
      await eventually(() => watchStats(t.fabric).watchers === 0, "every watcher to go");
      expect(summary(aborted.messages)).toEqual(["created@0", "PUT k@1"]);
    });
  });
}
