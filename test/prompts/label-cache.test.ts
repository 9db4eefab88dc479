import {
  FabricClient,
  FabricError,
  createPromptCache,
  resolveLabelVersion,
  trackExecution,
  type CachedPrompt,
  type Context,
  type Fabric,
  type WatchMessage,
} from "@cache-fabric/client";
import { encodeLabel, labelKey } from "@cache-fabric/client/api";
import { createFabric, type FabricCore } from "../../server/fabric.js";
import { startFabricServer, type FabricServer } from "../../server/server.js";
import { createMemoryStore } from "../../server/store/memory.js";
import { eventually } from "../support/harness.js";
import { freePort } from "../support/redis-server.js";

/**
 * The label-following prompt cache (client/src/agent/label-prompt-cache.ts) over the in-process
 * core and over real gRPC: what it serves, when it switches, what it does without the fabric.
 */

const reconnectFast = { "grpc.initial_reconnect_backoff_ms": 50, "grpc.max_reconnect_backoff_ms": 250 };
const retry = { initialDelayMs: 50, maxDelayMs: 250 };

/** The core with a counter of getContext calls on version records (the cache's only reads besides its watch). */
function counting(fabric: FabricCore): { fabric: Pick<Fabric, "watch" | "getContext">; versionReads: () => number } {
  let reads = 0;
  return {
    fabric: {
      watch: (input) => fabric.watch(input),
      getContext: (ref, o) => {
        if (ref.key.includes("@v:")) reads++;
        return fabric.getContext(ref, o);
      },
    },
    versionReads: () => reads,
  };
}

const code = (f: () => unknown): string => {
  try {
    f();
    return "OK";
  } catch (e) {
    return e instanceof FabricError ? `${e.code}: ${e.message}` : `not a FabricError: ${e}`;
  }
};

describe("label-following prompt cache", () => {
  let fabric: FabricCore;
  beforeEach(() => {
    fabric = createFabric({ store: createMemoryStore(), prompts: { evaluationIntervalMs: 0 } });
  });
  afterEach(async () => {
    await fabric.close();
  });

  test("serves the label's version from memory, switches on a move, tells onChange, and keeps what it served", async () => {
    const p = fabric.prompts;
    await p.publish({ name: "router:main", text: "You route {{topic}} questions.", config: { model: "gpt-4o", temperature: 0.2 }, commitMessage: "first" });
    await p.publish({ name: "router:main", messages: [{ role: "system", content: "Route {{ topic }} for {{user}}." }], config: { model: "gpt-4o" } });
    await p.moveLabel({ name: "router:main", label: "production", version: 1, reason: "release 1" });
    const changes: [string, number | undefined, number | undefined][] = [];
    const cache = createPromptCache(fabric, {
      prompts: ["router:main"],
      label: "production",
      onChange: (name, now, before) => changes.push([name, now?.version, before?.version]),
    });
    expect(cache.stale).toBe(true);
    expect(cache.get("router:main")).toBeUndefined();
    await cache.ready;
    expect(cache.stale).toBe(false);
    const first = cache.get("router:main")!;
    expect(first).toMatchObject({
      name: "router:main",
      label: "production",
      version: 1,
      text: "You route {{topic}} questions.",
      config: { model: "gpt-4o", temperature: 0.2 },
      variables: ["topic"],
      fallback: false,
      execution: { promptKey: "router:main", promptVersion: 1, promptLabel: "production" },
    });
    expect(first.record).toMatchObject({ version: 1, commitMessage: "first", author: "anonymous" });
    expect(first.labelRevision).toBe((await p.get({ name: "router:main", label: "production" }))!.label!.revision);
    expect(Object.isFrozen(first) && Object.isFrozen(first.config)).toBe(true);
    expect(cache.get("router:main")).toBe(first); // a local read: the same object until something changes
    expect(changes).toEqual([["router:main", 1, undefined]]);

    const { label } = await p.moveLabel({ name: "router:main", label: "production", version: 2, reason: "release 2" });
    await eventually(() => cache.get("router:main")?.version === 2, "the move to reach the cache");
    expect(cache.get("router:main")).toMatchObject({
      messages: [{ role: "system", content: "Route {{ topic }} for {{user}}." }],
      labelRevision: label.revision,
    });
    expect(cache.revision).toBeGreaterThanOrEqual(label.revision);
    expect(changes).toEqual([
      ["router:main", 1, undefined],
      ["router:main", 2, 1],
    ]);
    expect(first.version).toBe(1); // what was handed out is never changed
    await cache.close();
    expect(cache.get("router:main")!.version).toBe(2); // still readable after close
  });

  test("render fills {{variables}} in one pass and refuses a missing one with INVALID_ARGUMENT naming it", async () => {
    await fabric.prompts.publish({
      name: "r",
      messages: [
        { role: "system", content: "Route {{ topic }} for {{user}}." },
        { role: "user", content: "{{topic}}?" },
      ],
    });
    const cache = createPromptCache(fabric, { prompts: ["r"], label: "latest" });
    await cache.ready;
    expect(cache.render("r", { topic: "billing", user: "alice", unused: 1 })).toEqual({
      messages: [
        { role: "system", content: "Route billing for alice." },
        { role: "user", content: "billing?" },
      ],
    });
    // A value holding a reference is inserted as it is, never expanded again.
    expect(cache.get("r")!.render({ topic: "{{user}}", user: 7 }).messages![0].content).toBe("Route {{user}} for 7.");
    expect(code(() => cache.render("r", { topic: "billing" }))).toBe('INVALID_ARGUMENT: variables.user: is required by version 1 of "r"');
    expect(code(() => cache.render("r", { topic: "b", user: { id: 1 } as never }))).toBe(
      "INVALID_ARGUMENT: variables.user: must be a string, a finite number or a boolean",
    );
    expect(code(() => cache.get("other"))).toBe('INVALID_ARGUMENT: name: "other" is not one of the prompts this cache follows');
    await cache.close();
  });

  test("during a rollout every sticky key resolves as the server resolves it; a step and a rollback switch without a read", async () => {
    const clock = { now: Date.now() };
    fabric = createFabric({ store: createMemoryStore(), prompts: { evaluationIntervalMs: 0, clock: () => clock.now } });
    const p = fabric.prompts;
    for (const text of ["A", "B"]) await p.publish({ name: "r", text });
    await p.moveLabel({ name: "r", label: "production", version: 1, reason: "A" });
    const { fabric: counted, versionReads } = counting(fabric);
    const keys = Array.from({ length: 200 }, (_, i) => `user-${i}`);
    const own = keys[7];
    const cache = createPromptCache(counted, { prompts: ["r"], label: "production", stickyKey: own });
    await cache.ready;
    expect(versionReads()).toBe(1);

    const steps = [
      { percent: 10, bakeMs: 1000 },
      { percent: 60, bakeMs: 1000 },
      { percent: 100, bakeMs: 0 },
    ];
    const started = await p.startRollout({ name: "r", label: "production", toVersion: 2, steps, gate: { minSamples: 1 }, reason: "try B" });
    await eventually(() => cache.get("r")!.labelRevision === started.label.revision, "the rollout start");
    expect(versionReads()).toBe(2); // B, once
    const check = async () => {
      const label = (await p.get({ name: "r", label: "production" }))!.label!;
      for (const k of keys) {
        const got = cache.get("r", k)!;
        expect([k, got.version]).toEqual([k, resolveLabelVersion(label, k)]);
        expect(got.rollout).toEqual({ rolloutId: started.rollout.id, percent: label.rollout!.percent, candidate: got.version === 2 });
        expect(got.execution).toEqual({ promptKey: "r", promptVersion: got.version, promptLabel: "production" });
      }
      expect(cache.get("r")).toBe(cache.get("r", own));
      expect(cache.get("r", "")!.version).toBe(1); // no sticky key: the stable version
      return keys.filter((k) => cache.get("r", k)!.version === 2).length;
    };
    const at10 = await check();

    // Enough executions on both sides for the gate, then past the bake time: the step advances to 60%.
    for (const version of [1, 2]) {
      await fabric.recordExecution({
        input: "q",
        output: "a",
        latencyMs: 10,
        promptKey: "r",
        promptVersion: version,
        promptLabel: "production",
        startedAt: new Date(clock.now),
      });
    }
    clock.now += 1001;
    const pass = await fabric.prompts.controller.tick();
    expect(pass.decisions.map((d) => d.kind)).toEqual(["advance"]);
    const advanced = (await p.get({ name: "r", label: "production" }))!.label!;
    await eventually(() => cache.get("r")!.labelRevision === advanced.revision, "the step");
    const at60 = await check();
    expect(at60).toBeGreaterThan(at10);

    const aborted = await p.abortRollout({ name: "r", label: "production", reason: "enough" });
    await eventually(() => cache.get("r")!.labelRevision === aborted.label.revision, "the abort");
    for (const k of keys) {
      expect(cache.get("r", k)!.version).toBe(1);
      expect(cache.get("r", k)!.rollout).toBeUndefined();
    }
    expect(versionReads()).toBe(2); // the step and the abort needed no read
    await cache.close();
  });

  test("caches over one fabric share their version reads: a later cache of the same history reads nothing again", async () => {
    const p = fabric.prompts;
    for (const text of ["A", "B"]) await p.publish({ name: "r", text });
    await p.moveLabel({ name: "r", label: "production", version: 1, reason: "A" });
    const { fabric: counted, versionReads } = counting(fabric);
    const first = createPromptCache(counted, { prompts: ["r"], label: "production" });
    await first.ready;
    await p.moveLabel({ name: "r", label: "production", version: 2, reason: "B" });
    await eventually(() => first.get("r")?.version === 2, "the move");
    expect(versionReads()).toBe(2);
    const later = Array.from({ length: 5 }, (_, i) => createPromptCache(counted, { prompts: ["r"], label: "production", stickyKey: `u${i}` }));
    await Promise.all(later.map((c) => c.ready));
    expect(later.map((c) => c.get("r")!.version)).toEqual([2, 2, 2, 2, 2]);
    expect(later[0].get("r")!.record).toBe(first.get("r")!.record); // one frozen record for all
    expect(versionReads()).toBe(2);
    for (const c of [first, ...later]) await c.close();
  });

  test("a failed version read keeps the old version served (stale) and is retried until it succeeds", async () => {
    const p = fabric.prompts;
    for (const text of ["A", "B"]) await p.publish({ name: "r", text });
    await p.moveLabel({ name: "r", label: "production", version: 1, reason: "A" });
    let failing = false;
    let failures = 0;
    const flaky: Pick<Fabric, "watch" | "getContext"> = {
      watch: (input) => fabric.watch(input),
      getContext: async (ref, o) => {
        if (failing && ref.key.includes("@v:")) {
          failures++;
          throw new FabricError("UNAVAILABLE", "store unreachable");
        }
        return fabric.getContext(ref, o);
      },
    };
    const cache = createPromptCache(flaky, { prompts: ["r"], label: "production", retry: { initialDelayMs: 10, maxDelayMs: 20 } });
    await cache.ready;
    failing = true;
    await p.moveLabel({ name: "r", label: "production", version: 2, reason: "B" });
    await eventually(() => failures >= 3, "retries of the failed read");
    expect(cache.get("r")!.version).toBe(1);
    expect(cache.stale).toBe(true);
    expect(cache.lastError).toMatchObject({ code: "UNAVAILABLE" });
    failing = false;
    await eventually(() => cache.get("r")!.version === 2, "the retry to succeed");
    expect(cache.stale).toBe(false);
    await cache.close();
  });

  test("a replayed older label record never moves the cache back", async () => {
    const record = (version: number, revision: number): Context =>
      ({
        key: labelKey("r", "production"),
        scope: "GLOBAL",
        value: encodeLabel({ name: "r", label: "production", version, moves: version, updatedAt: new Date(0), updatedBy: "x", reason: "r" }),
        metadata: {},
        revision,
        createRevision: 1,
        version,
        createdAt: new Date(0),
        updatedAt: new Date(0),
      }) as Context;
    const versionRecord = (v: number): Context =>
      ({
        key: `prompt:r@v:${v}`,
        scope: "GLOBAL",
        value: {
          name: "r",
          version: v,
          text: `v${v}`,
          config: {},
          variables: [],
          commit_message: "",
          tags: [],
          author: "a",
          created_at: new Date(0).toISOString(),
          content_hash: `h${v}`,
        },
        metadata: {},
        revision: v,
        createRevision: v,
        version: 1,
      }) as unknown as Context;
    const replaying: Pick<Fabric, "watch" | "getContext"> = {
      async *watch(): AsyncIterable<WatchMessage> {
        yield { kind: "reset", contexts: [record(2, 20)], revision: 20 };
        yield { kind: "event", event: { type: "PUT", key: labelKey("r", "production"), scope: "GLOBAL", context: record(1, 10), revision: 10 }, revision: 10 };
        yield { kind: "progress", revision: 21 };
      },
      getContext: async (ref) => versionRecord(Number(ref.key.split("@v:")[1])),
    };
    const cache = createPromptCache(replaying, { prompts: ["r"], label: "production" });
    await cache.ready;
    await eventually(() => cache.revision === 21, "the replay");
    expect(cache.get("r")).toMatchObject({ version: 2, text: "v2", labelRevision: 20 });
    await cache.close();
  });

  test("a label that does not exist serves the fallback (or nothing), and is picked up when it is moved", async () => {
    await fabric.prompts.publish({ name: "r", text: "Real {{x}}." });
    const cache = createPromptCache(fabric, {
      prompts: ["r", "s"],
      label: "production",
      fallback: { r: { text: "Fallback {{x}}.", config: { model: "small" } } },
    });
    await cache.ready;
    expect(cache.stale).toBe(false);
    expect(cache.get("r")).toMatchObject({
      version: 0,
      fallback: true,
      text: "Fallback {{x}}.",
      config: { model: "small" },
      variables: ["x"],
      execution: { promptKey: "r" },
    });
    expect(cache.render("r", { x: 1 })).toEqual({ text: "Fallback 1." });
    expect(cache.get("s")).toBeUndefined();
    expect(code(() => cache.render("s"))).toBe('NOT_FOUND: prompt "s" has no label "production"');
    await fabric.prompts.moveLabel({ name: "r", label: "production", version: 1, reason: "first" });
    await eventually(() => cache.get("r")?.fallback === false, "the label to replace the fallback");
    expect(cache.render("r", { x: 2 })).toEqual({ text: "Real 2." });
    await cache.close();
  });

  test("trackExecution records the version that ran, its label, and for a fallback the prompt alone", async () => {
    await fabric.prompts.publish({ name: "r", text: "A" });
    await fabric.prompts.moveLabel({ name: "r", label: "production", version: 1, reason: "A" });
    const cache = createPromptCache(fabric, { prompts: ["r", "s"], label: "production", fallback: { s: { text: "S" } } });
    await cache.ready;
    let id = "";
    await trackExecution(fabric, { prompt: cache.get("r"), input: "q" }, (e) => {
      id = e.id;
      return "a";
    });
    expect((await fabric.getExecution(id))!.execution).toMatchObject({ promptKey: "r", promptVersion: 1, promptLabel: "production" });
    await trackExecution(fabric, { prompt: cache.get("s"), input: "q" }, (e) => {
      id = e.id;
      return "a";
    });
    const fallbackRun = (await fabric.getExecution(id))!.execution;
    expect(fallbackRun.promptKey).toBe("s");
    expect(fallbackRun.promptVersion).toBeUndefined();
    const direct = await fabric.recordExecution({ ...cache.get("r")!.execution, input: "q", output: "a" });
    expect(direct).toMatchObject({ promptKey: "r", promptVersion: 1, promptLabel: "production" });
    const stats = await fabric.executionStats({ promptKey: "r", promptLabel: "production" });
    expect(stats.count).toBe(2);
    await cache.close();
  });

  test("bad options are INVALID_ARGUMENT naming the field", () => {
    const make = (o: object) => code(() => createPromptCache(fabric, o as never));
    expect(make({ prompts: ["r"], label: "" })).toBe("INVALID_ARGUMENT: label: is required");
    expect(make({ prompts: [], label: "production" })).toBe("INVALID_ARGUMENT: prompts: must name at least one prompt");
    expect(make({ prompts: ["a@b"], label: "production" })).toBe("INVALID_ARGUMENT: prompts[0]: may contain only letters, digits and _ - . : /");
    expect(make({ prompts: ["a", "a"], label: "production" })).toBe("INVALID_ARGUMENT: prompts: must not name a prompt twice");
    expect(make({ prompts: ["a"], label: "production", fallback: { b: { text: "x" } } })).toBe("INVALID_ARGUMENT: fallback.b: is not one of prompts");
    expect(make({ prompts: ["a"], label: "production", fallback: { a: { text: "x", messages: [] } } })).toBe(
      "INVALID_ARGUMENT: fallback.a: set exactly one of text, messages",
    );
    expect(make({ prompts: ["a"], label: "pro:d" })).toBe("INVALID_ARGUMENT: label: may contain only letters, digits and _ - .");
  });

  describe("over gRPC", () => {
    let server: FabricServer | undefined;
    let client: FabricClient | undefined;
    afterEach(async () => {
      await client?.close();
      await server?.shutdown(100);
      server = client = undefined;
    });

    test("a cold start with the fabric down serves the fallback, marked, and replaces it once the fabric answers", async () => {
      const listen = `127.0.0.1:${await freePort()}`;
      client = new FabricClient({ address: listen, channelOptions: reconnectFast });
      const seen: (CachedPrompt | undefined)[] = [];
      const cache = createPromptCache(client, {
        prompts: ["router:main"],
        label: "production",
        stickyKey: "user-1",
        fallback: { "router:main": { text: "You are a router." } },
        onChange: (_, now) => seen.push(now),
        retry,
      });
      expect(cache.get("router:main")).toMatchObject({ fallback: true, version: 0, text: "You are a router." });
      await expect(cache.ready).rejects.toMatchObject({ code: "UNAVAILABLE" });
      expect(cache.stale).toBe(true);
      expect(cache.get("router:main")!.fallback).toBe(true);

      await fabric.prompts.publish({ name: "router:main", text: "You route." });
      await fabric.prompts.moveLabel({ name: "router:main", label: "production", version: 1, reason: "first" });
      server = await startFabricServer({ fabric, listen });
      await eventually(() => cache.get("router:main")?.fallback === false, "the fabric's version to replace the fallback", 10_000);
      expect(cache.get("router:main")).toMatchObject({ version: 1, text: "You route." });
      expect(cache.stale).toBe(false);
      expect(seen.map((s) => s?.version)).toEqual([1]);
      await cache.close();
    });

    test("a server that comes back with another store (same revisions, same version numbers, other content) is re-read, not trusted", async () => {
      const listen = `127.0.0.1:${await freePort()}`;
      const publishA = async (f: FabricCore, text: string) => {
        await f.prompts.publish({ name: "r", text });
        return (await f.prompts.moveLabel({ name: "r", label: "production", version: 1, reason: "first" })).label;
      };
      const first = await publishA(fabric, "From the first store.");
      server = await startFabricServer({ fabric, listen });
      client = new FabricClient({ address: listen, channelOptions: reconnectFast });
      const seen: string[] = [];
      const cache = createPromptCache(client, { prompts: ["r"], label: "production", retry, onChange: (_, p) => seen.push(p?.text ?? "") });
      await cache.ready;
      const firstStore = cache.storeId;
      expect(firstStore).toEqual(expect.any(String));
      expect(cache.get("r")!.text).toBe("From the first store.");

      await server.shutdown(100);
      const other = createFabric({ store: createMemoryStore(), prompts: { evaluationIntervalMs: 0 } });
      try {
        const second = await publishA(other, "From another store.");
        expect(second.revision).toBe(first.revision); // the same numbers in another history
        server = await startFabricServer({ fabric: other, listen });
        await eventually(() => cache.get("r")?.text === "From another store.", "the cache to re-read the new history", 10_000);
        expect(cache.storeId).not.toBe(firstStore);
        expect(cache.get("r")).toMatchObject({ version: 1, labelRevision: second.revision });
        expect(cache.stale).toBe(false);
        expect(seen).toEqual(["From the first store.", "From another store."]);
        await cache.close();
      } finally {
        await client.close();
        await server.shutdown(100);
        server = client = undefined;
        await other.close();
      }
    });

    test("while the server is down the last version is served; after it returns the cache catches up on a move made meanwhile", async () => {
      const listen = `127.0.0.1:${await freePort()}`;
      server = await startFabricServer({ fabric, listen });
      client = new FabricClient({ address: listen, channelOptions: reconnectFast });
      for (const text of ["A", "B"]) await client.prompts.publish({ name: "r", text });
      await client.prompts.moveLabel({ name: "r", label: "production", version: 1, reason: "A" });
      const cache = createPromptCache(client, { prompts: ["r"], label: "production", retry });
      await cache.ready;
      await server.shutdown(100);
      await eventually(() => cache.stale, "the cache to notice");
      await fabric.prompts.moveLabel({ name: "r", label: "production", version: 2, reason: "B while the server was down" });
      expect(cache.get("r")!.version).toBe(1);
      server = await startFabricServer({ fabric, listen });
      await eventually(() => cache.get("r")?.version === 2 && !cache.stale, "the cache to catch up", 10_000);
      await cache.close();
    });
  });
});
