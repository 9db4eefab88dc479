import {
  FabricError,
  resolveLabelVersion,
  type ErrorCode,
  type FabricClient,
  type GateEvaluation,
  type LabelMove,
  type PromptRegistry,
} from "@cache-fabric/client";
import type { FabricOptions } from "../../server/fabric.js";
import type { Store } from "../../server/store/types.js";
import { eventually, startTestServer, type TestServer } from "../support/harness.js";

/**
 * How a test gets stores: `fresh()` an empty one; `peer(store)` another store over the same data,
 * as a second server process would have (Redis: a second connection with the same prefix).
 */
export interface PromptStores {
  fresh(): Promise<Store>;
  peer(store: Store): Promise<Store>;
}

/** A fake clock the registry reads, so bake times pass without waiting on wall time. */
export function fakeClock(startMs = Date.now() - 3600_000) {
  let now = startMs;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

async function code(p: Promise<unknown>): Promise<ErrorCode | "OK"> {
  try {
    await p;
    return "OK";
  } catch (e) {
    if (e instanceof FabricError) return e.code;
    throw e;
  }
}

async function failure(p: Promise<unknown>): Promise<FabricError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof FabricError) return e;
    throw e;
  }
  throw new Error("expected the call to fail");
}

/** Every history entry of a label (or of every label), oldest first, following page tokens. */
async function fullHistory(prompts: PromptRegistry, name: string, label?: string): Promise<LabelMove[]> {
  const moves: LabelMove[] = [];
  let pageToken: string | undefined;
  do {
    const page = await prompts.labelHistory({ name, ...(label ? { label } : {}), limit: 7, ...(pageToken ? { pageToken } : {}) });
    moves.push(...page.moves);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return moves.reverse();
}

/**
 * Executions of one version recorded as an agent following `label` would record them, through the
 * client over gRPC, started at `startedAt` (inside the gate's window).
 */
async function recordRuns(
  client: FabricClient,
  o: { name: string; label: string; version: number; n: number; errors?: number; latencyMs?: number; startedAt: Date; rating?: number },
): Promise<void> {
  await Promise.all(
    Array.from({ length: o.n }, async (_, i) => {
      const failed = i < (o.errors ?? 0);
      const e = await client.recordExecution({
        startedAt: new Date(o.startedAt.getTime() + i),
        latencyMs: o.latencyMs ?? 100,
        ...(failed ? { status: "ERROR" as const, error: "tool call failed" } : {}),
        promptKey: o.name,
        promptVersion: o.version,
        promptLabel: o.label,
      });
      if (o.rating !== undefined) await client.recordFeedback({ executionId: e.id, rating: o.rating });
    }),
  );
}

/**
 * The prompt registry through the client package over real gRPC, on the stores `stores` makes.
 * Expected figures are computed here from what the test recorded, independently of the server.
 */
export function describePrompts(name: string, stores: PromptStores): void {
  describe(`prompt registry: ${name}`, () => {
    let servers: TestServer[] = [];
    const start = async (store: Store, options: Omit<FabricOptions, "store"> = {}) => {
      const s = await startTestServer(store, { prompts: { evaluationIntervalMs: 0 }, ...options });
      servers.push(s);
      return s;
    };
    afterEach(async () => {
      for (const s of servers.reverse()) await s.stop();
      servers = [];
    });

    describe("versions", () => {
      test("publish numbers versions 1, 2, 3; each is immutable and read back as published; latest follows", async () => {
        const t = await start(await stores.fresh());
        const p = t.client.prompts;
        const first = await p.publish({
          name: "router:main",
          text: "You route {{ topic }} questions for {{user}}.",
          config: { model: "gpt-4o", temperature: 0.2, tools: [{ name: "search" }] },
          commitMessage: "first cut",
          tags: ["router", "v1"],
        });
        expect(first.created).toBe(true);
        expect(first.version).toMatchObject({
          name: "router:main",
          version: 1,
          text: "You route {{ topic }} questions for {{user}}.",
          config: { model: "gpt-4o", temperature: 0.2, tools: [{ name: "search" }] },
          variables: ["topic", "user"],
          commitMessage: "first cut",
          tags: ["router", "v1"],
          author: "anonymous",
          contentHash: expect.stringMatching(/^[0-9a-f]{64}$/),
        });
        const second = await p.publish({
          name: "router:main",
          messages: [
            { role: "system", content: "Route {{topic}}." },
            { role: "user", content: "hi" },
          ],
        });
        expect(second.version.version).toBe(2);
        expect(second.version.messages).toEqual([
          { role: "system", content: "Route {{topic}}." },
          { role: "user", content: "hi" },
        ]);
        expect(second.version.text).toBeUndefined();

        expect(await p.get({ name: "router:main", version: 1 })).toEqual({ version: first.version });
        const latest = await p.get({ name: "router:main" });
        expect(latest!.version).toEqual(second.version);
        expect(latest!.label).toMatchObject({ label: "latest", version: 2, moves: 2 });
        expect(await p.get({ name: "router:main", version: 3 })).toBeNull();
        expect(await p.get({ name: "unknown" })).toBeNull();

        // The records are contexts: readable by the generic API, not writable by it.
        const ctx = await t.client.getContext({ key: "prompt:router:main@v:1" });
        expect(ctx?.value).toMatchObject({ version: 1, text: first.version.text });
        for (const attempt of [
          t.client.setContext({ key: "prompt:router:main@v:1", value: "overwritten" }),
          t.client.deleteContext({ key: "prompt:router:main@label:latest" }),
        ]) {
          const e = await failure(attempt);
          expect(e.code).toBe("INVALID_ARGUMENT");
          expect(e.message).toMatch(/^key: .*prompt registry/);
        }
        const batch = await failure(
          t.client.batch([
            { op: "set", key: "ok", value: 1 },
            { op: "set", key: "prompt:x@label:production", value: 1 },
          ]),
        );
        expect(batch.message).toMatch(/^operations\[1\]\.key:/);
        expect(await t.client.getContext({ key: "ok" })).toBeNull();
        // Other scopes and keys without the layout's '@' are ordinary contexts.
        await t.client.setContext({ key: "prompt:1", value: "You are a helpful assistant" });
        await t.client.setContext({ key: "prompt:x@v:1", scope: "USER", value: "mine" });
        expect((await p.get({ name: "router:main", version: 1 }))!.version).toEqual(first.version);
      });

      test("publishing identical content is a no-op that returns the existing version, whatever the tags or message", async () => {
        const t = await start(await stores.fresh());
        const p = t.client.prompts;
        const a = await p.publish({ name: "support", text: "Be kind.", config: { b: 1, a: { y: 2, x: 1 } }, tags: ["one"] });
        const revision = (await t.client.stats()).revision;
        const again = await p.publish({ name: "support", text: "Be kind.", config: { a: { x: 1, y: 2 }, b: 1 }, commitMessage: "same", tags: ["two"] });
        expect(again).toEqual({ version: a.version, created: false });
        expect((await t.client.stats()).revision).toBe(revision);
        const other = await p.publish({ name: "support", text: "Be kind.", config: { a: { x: 1, y: 3 }, b: 1 } });
        expect(other).toMatchObject({ created: true, version: { version: 2 } });
        // Back to the first content: still the first version.
        expect(await p.publish({ name: "support", text: "Be kind.", config: { b: 1, a: { x: 1, y: 2 } } })).toEqual({ version: a.version, created: false });
      });

      test("concurrent publishes from two servers over one store: 1..N without gaps or repeats, latest's history complete", async () => {
        const store = await stores.fresh();
        const a = await start(store);
        const b = await start(await stores.peer(store));
        const n = 12;
        const results = await Promise.all(
          Array.from({ length: n }, (_, i) => (i % 2 === 0 ? a : b).client.prompts.publish({ name: "race", text: `content ${i}` })),
        );
        expect(results.every((r) => r.created)).toBe(true);
        expect(results.map((r) => r.version.version).sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
        // Each content got exactly one version, readable from either server.
        const byVersion = new Map(results.map((r) => [r.version.version, r.version.text]));
        for (let v = 1; v <= n; v++) expect((await b.client.prompts.get({ name: "race", version: v }))!.version.text).toBe(byVersion.get(v));
        const latest = await fullHistory(a.client.prompts, "race", "latest");
        expect(latest.map((m) => [m.seq, m.kind, m.fromVersion, m.toVersion])).toEqual(Array.from({ length: n }, (_, i) => [i + 1, "PUBLISH", i, i + 1]));
        // Listing pages newest first and ends.
        const listed: number[] = [];
        let pageToken: string | undefined;
        do {
          const page = await a.client.prompts.listVersions({ name: "race", limit: 5, ...(pageToken ? { pageToken } : {}) });
          listed.push(...page.versions.map((v) => v.version));
          pageToken = page.nextPageToken;
        } while (pageToken);
        expect(listed).toEqual(Array.from({ length: n }, (_, i) => n - i));
      });

      test("a __proto__ key in a config is data, over gRPC both ways and in the store", async () => {
        const t = await start(await stores.fresh());
        const config = JSON.parse('{"__proto__": {"polluted": true}, "model": "m"}');
        const { version } = await t.client.prompts.publish({ name: "p", text: "x", config });
        expect(Object.keys(version.config)).toEqual(["__proto__", "model"]);
        expect(Object.getPrototypeOf(version.config)).toBe(Object.prototype);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(JSON.stringify((await t.fabric.prompts.get({ name: "p", version: 1 }))!.version.config)).toBe(JSON.stringify(config));
      });

      test("diff: line diff of the text, config by path, variables and tags", async () => {
        const t = await start(await stores.fresh());
        const p = t.client.prompts;
        await p.publish({ name: "d", text: "Line one\nLine two\nLine three", config: { model: "a", temperature: 0.1, keep: true }, tags: ["x"] });
        await p.publish({ name: "d", text: "Line one\nLine 2 for {{who}}\nLine three", config: { model: "b", keep: true, top_p: 0.9 }, tags: ["x", "y"] });
        const diff = await p.diff({ name: "d", fromVersion: 1, toVersion: 2 });
        expect(diff.changes).toEqual([
          {
            path: "text",
            kind: "CHANGED",
            before: "Line one\nLine two\nLine three",
            after: "Line one\nLine 2 for {{who}}\nLine three",
            textDiff: "  Line one\n- Line two\n+ Line 2 for {{who}}\n  Line three",
          },
          { path: "config.model", kind: "CHANGED", before: "a", after: "b", textDiff: "- a\n+ b" },
          { path: "config.temperature", kind: "REMOVED", before: 0.1 },
          { path: "config.top_p", kind: "ADDED", after: 0.9 },
          { path: "variables", kind: "CHANGED", before: [], after: ["who"] },
          { path: "tags", kind: "CHANGED", before: ["x"], after: ["x", "y"] },
        ]);
        expect(await code(p.diff({ name: "d", fromVersion: 1, toVersion: 9 }))).toBe("NOT_FOUND");
      });
    });

    describe("validation", () => {
      test("bad input is INVALID_ARGUMENT naming the field and the rule, and nothing is written", async () => {
        const t = await start(await stores.fresh());
        const p = t.client.prompts;
        await p.publish({ name: "v", text: "Hello {{name}}" });
        const revision = (await t.client.stats()).revision;
        const cases: [() => Promise<unknown>, RegExp][] = [
          [() => p.publish({ name: "a@b", text: "x" }), /^name: may contain only/],
          [() => p.publish({ name: "v", text: "" }), /^text: must be a non-empty string/],
          [() => p.publish({ name: "v", text: "x", messages: [{ role: "system", content: "y" }] } as never), /^template: set exactly one/],
          [() => p.publish({ name: "v", messages: [{ role: "sys tem", content: "y" }] }), /^chat\.messages\[0\]\.role:/],
          [() => p.publish({ name: "v", text: "Hi {{a}} {{b}}", variables: ["a", "c"] }), /^variables: .*"b", not declared.*"c", not in the template/],
          [() => p.publish({ name: "v", text: "x", tags: ["ok", "ok"] }), /^tags\[1\]: "ok" appears twice/],
          [
            () => p.publish({ name: "v", text: "x", config: { t: 1 }, configSchema: { type: "object", properties: { t: { type: "string" } } } }),
            /^config\.t: does not satisfy config_schema/,
          ],
          [
            () =>
              p.publish({
                name: "v",
                text: "x",
                config: { tools: [{ name: 1 }] },
                configSchema: { properties: { tools: { type: "array", items: { properties: { name: { type: "string" } } } } } },
              }),
            /^config\.tools\[0\]\.name: does not satisfy/,
          ],
          [() => p.moveLabel({ name: "v", label: "latest", version: 1, reason: "no" }), /^label: "latest" moves by itself/],
          [() => p.moveLabel({ name: "v", label: "prod", version: 1, reason: "" }), /^reason: is required/],
          [() => p.moveLabel({ name: "v", label: "pro:d", version: 1, reason: "r" }), /^label: may contain only/],
          [() => p.moveLabel({ name: "v", label: "prod", version: 0, reason: "r" }), /^version: must be a positive integer/],
          [() => p.startRollout({ name: "v", label: "prod", toVersion: 1, steps: [], reason: "r" }), /^steps: must hold at least one step/],
          [
            () =>
              p.startRollout({
                name: "v",
                label: "prod",
                toVersion: 1,
                steps: [
                  { percent: 50, bakeMs: 0 },
                  { percent: 25, bakeMs: 0 },
                ],
                reason: "r",
              }),
            /^steps\[1\]\.percent: must be above/,
          ],
          [
            () => p.startRollout({ name: "v", label: "prod", toVersion: 1, steps: [{ percent: 5.555, bakeMs: 0 }], reason: "r" }),
            /^steps\[0\]\.percent: must have at most two decimals/,
          ],
          [
            () =>
              p.startRollout({ name: "v", label: "prod", toVersion: 1, steps: [{ percent: 5, bakeMs: 0 }], gate: { maxErrorRateIncrease: -1 }, reason: "r" }),
            /^gate\.max_error_rate_increase:/,
          ],
          [() => p.get({ name: "v", version: 1, label: "x" }), /^selector: set at most one/],
        ];
        for (const [call, message] of cases) {
          const e = await failure(call());
          expect({ code: e.code, message: e.message }).toEqual({ code: "INVALID_ARGUMENT", message: expect.stringMatching(message) });
        }
        expect((await t.client.stats()).revision).toBe(revision);
        // A schema the config satisfies publishes.
        const ok = await p.publish({
          name: "v",
          text: "Hi {{a}}",
          variables: ["a"],
          config: { t: "x" },
          configSchema: { $schema: "http://json-schema.org/draft-07/schema#", type: "object", required: ["t"] },
        });
        expect(ok.version).toMatchObject({ version: 2, variables: ["a"] });
      });

      test("a config schema too costly to check is refused within its deadline; the server keeps answering meanwhile", async () => {
        const t = await start(await stores.fresh(), { prompts: { evaluationIntervalMs: 0, configSchema: { timeoutMs: 3000 } } });
        const p = t.client.prompts;
        // Catastrophic backtracking: 2^40 steps for this string.
        const hostile = p.publish(
          {
            name: "redos",
            text: "x",
            config: { s: `${"a".repeat(40)}!` },
            configSchema: { properties: { s: { pattern: "^(a+)+$" } } },
          },
          { timeoutMs: 20_000 },
        );
        let settled = false;
        void hostile.catch(() => {}).finally(() => (settled = true));
        await t.client.setContext({ key: "still-served", value: 1 });
        expect(await t.client.getContext({ key: "still-served" })).toMatchObject({ value: 1 });
        expect(settled).toBe(false);
        const e = await failure(hostile);
        expect(e.code).toBe("INVALID_ARGUMENT");
        expect(e.message).toMatch(/^config_schema: checking took longer than 3000 ms/);
        // A new worker serves the next check.
        const next = await p.publish({ name: "redos", text: "x", config: { s: "aaa" }, configSchema: { properties: { s: { pattern: "^(a+)+$" } } } });
        expect(next).toMatchObject({ created: true, version: { version: 1, config: { s: "aaa" } } });
      });
    });

    describe("labels", () => {
      test("a move is one compare-and-set write: of two concurrent moves one wins, the other is FAILED_PRECONDITION", async () => {
        const store = await stores.fresh();
        const a = await start(store);
        const b = await start(await stores.peer(store));
        for (const text of ["one", "two", "three"]) await a.client.prompts.publish({ name: "l", text });
        const first = await a.client.prompts.moveLabel({ name: "l", label: "production", version: 1, reason: "first release", ifVersion: 0 });
        expect(first.label).toMatchObject({ label: "production", version: 1, moves: 1, updatedBy: "anonymous", reason: "first release" });
        expect(first.move).toMatchObject({ seq: 1, kind: "MOVE", fromVersion: 0, toVersion: 1, reason: "first release" });

        const outcomes = await Promise.all([
          code(a.client.prompts.moveLabel({ name: "l", label: "production", version: 2, reason: "to two", ifVersion: 1 })),
          code(b.client.prompts.moveLabel({ name: "l", label: "production", version: 3, reason: "to three", ifVersion: 1 })),
        ]);
        expect(outcomes.sort()).toEqual(["FAILED_PRECONDITION", "OK"]);
        const now = await a.client.prompts.get({ name: "l", label: "production" });
        const winner = now!.version.version;
        expect([2, 3]).toContain(winner);

        // if_revision: the label record's revision.
        const stale = await failure(a.client.prompts.moveLabel({ name: "l", label: "production", version: 1, reason: "r", ifRevision: first.label.revision }));
        expect(stale.code).toBe("FAILED_PRECONDITION");
        expect(
          (await a.client.prompts.moveLabel({ name: "l", label: "production", version: 1, reason: "rollback", ifRevision: now!.label!.revision })).move,
        ).toMatchObject({ kind: "MOVE", fromVersion: winner, toVersion: 1 });
        // Moving to where it points writes nothing.
        expect((await a.client.prompts.moveLabel({ name: "l", label: "production", version: 1, reason: "again" })).move).toBeUndefined();
        expect(await code(a.client.prompts.moveLabel({ name: "l", label: "production", version: 9, reason: "r" }))).toBe("NOT_FOUND");

        const history = await fullHistory(b.client.prompts, "l", "production");
        expect(history.map((m) => [m.seq, m.fromVersion, m.toVersion, m.reason])).toEqual([
          [1, 0, 1, "first release"],
          [2, 1, winner, winner === 2 ? "to two" : "to three"],
          [3, winner, 1, "rollback"],
        ]);
        expect(history.every((m) => m.actor === "anonymous" && m.at instanceof Date)).toBe(true);
        // Every label's history together: production's and latest's.
        expect((await fullHistory(a.client.prompts, "l")).length).toBe(3 + 3);
        expect((await a.client.prompts.listLabels("l")).map((l) => [l.label, l.version])).toEqual([
          ["latest", 3],
          ["production", 1],
        ]);
      });

      test("Watch carries label moves and rollout splits to an agent following the label's key", async () => {
        const t = await start(await stores.fresh());
        const p = t.client.prompts;
        await p.publish({ name: "w", text: "one" });
        await p.publish({ name: "w", text: "two" });
        await p.publish({ name: "w", text: "three" });
        await p.moveLabel({ name: "w", label: "production", version: 1, reason: "first" });
        const abort = new AbortController();
        const seen: { version: number; split?: number }[] = [];
        const record = (v: unknown) => {
          const o = v as { version: number; rollout?: { to_version: number; percent: number } };
          seen.push({ version: o.version, ...(o.rollout ? { split: o.rollout.percent } : {}) });
        };
        const watching = (async () => {
          for await (const m of t.client.watch({ key: "prompt:w@label:production", snapshot: true, signal: abort.signal })) {
            if (m.kind === "reset") for (const c of m.contexts) record(c.value);
            if (m.kind === "event" && m.event.context) record(m.event.context.value);
          }
        })();
        await eventually(() => seen.length === 1, "the snapshot");
        await p.moveLabel({ name: "w", label: "production", version: 2, reason: "second" });
        await eventually(() => seen.length === 2, "the move");
        await p.startRollout({ name: "w", label: "production", toVersion: 3, steps: [{ percent: 20, bakeMs: 0 }], reason: "third" });
        await eventually(() => seen.length === 3, "the rollout's split");
        abort.abort();
        await watching;
        expect(seen).toEqual([{ version: 1 }, { version: 2 }, { version: 2, split: 20 }]);
      });

      test("the history survives a cleanup of GLOBAL and the change feed moving on", async () => {
        const t = await start(await stores.fresh());
        const p = t.client.prompts;
        await p.publish({ name: "keep", text: "v1" });
        await p.moveLabel({ name: "keep", label: "production", version: 1, reason: "go" });
        await t.client.setContext({ key: "old", value: 1 });
        const out = await t.client.cleanup({ before: Date.now() + 60_000 });
        expect(out.deleted).toBe(1);
        expect(await t.client.getContext({ key: "old" })).toBeNull();
        const scoped = await t.client.cleanup({ before: Date.now() + 60_000, scope: "GLOBAL", pattern: "prompt:*" });
        expect(scoped.deleted).toBe(0);
        expect((await p.get({ name: "keep", label: "production" }))!.version.text).toBe("v1");
        expect((await fullHistory(p, "keep")).map((m) => m.kind)).toEqual(["PUBLISH", "MOVE"]);
      });
    });

    describe("staged rollout", () => {
      /** A prompt with versions 1 (A, on `production`) and 2 (B), on a server with a fake clock. */
      async function setup(servers = 1) {
        const clock = fakeClock();
        const store = await stores.fresh();
        const all = [await start(store, { prompts: { evaluationIntervalMs: 0, clock: clock.now } })];
        for (let i = 1; i < servers; i++) all.push(await start(await stores.peer(store), { prompts: { evaluationIntervalMs: 0, clock: clock.now } }));
        const p = all[0].client.prompts;
        await p.publish({ name: "r", text: "A: route {{topic}}" });
        await p.publish({ name: "r", text: "B: route {{topic}} better" });
        await p.moveLabel({ name: "r", label: "production", version: 1, reason: "stable" });
        return { clock, all, t: all[0], p };
      }
      const steps = [
        { percent: 10, bakeMs: 60_000 },
        { percent: 50, bakeMs: 60_000 },
        { percent: 100, bakeMs: 0 },
      ];
      const gate = { minSamples: 20 };

      test("sticky keys resolve the same on the server and locally, the share matches, and no key leaves B as the share grows", async () => {
        const { clock, t, p } = await setup();
        await p.startRollout({ name: "r", label: "production", toVersion: 2, steps, gate, reason: "try B" });
        const keys = Array.from({ length: 2000 }, (_, i) => `user-${i}`);
        const label = (await p.get({ name: "r", label: "production" }))!.label!;
        expect(label.rollout).toMatchObject({ toVersion: 2, percent: 10, salt: expect.stringMatching(/^[0-9a-f]{32}$/) });
        const onB10 = new Set(keys.filter((k) => resolveLabelVersion(label, k) === 2));
        // 2,000 draws at 10%: sd ≈ 13.4; ±5 sd.
        expect(onB10.size).toBeGreaterThan(200 - 67);
        expect(onB10.size).toBeLessThan(200 + 67);
        for (const k of keys.slice(0, 40)) {
          expect((await p.get({ name: "r", label: "production", stickyKey: k }))!.version.version).toBe(onB10.has(k) ? 2 : 1);
        }
        expect((await p.get({ name: "r", label: "production" }))!.version.version).toBe(1);

        // Healthy B: advance to 50%.
        const start = new Date(clock.now());
        await recordRuns(t.client, { name: "r", label: "production", version: 1, n: 20, startedAt: start });
        await recordRuns(t.client, { name: "r", label: "production", version: 2, n: 20, startedAt: start });
        clock.advance(61_000);
        expect((await t.fabric.prompts.controller.tick()).decisions.map((d) => d.kind)).toEqual(["advance"]);
        const label50 = (await p.get({ name: "r", label: "production" }))!.label!;
        expect(label50.rollout!.percent).toBe(50);
        const onB50 = new Set(keys.filter((k) => resolveLabelVersion(label50, k) === 2));
        for (const k of onB10) expect(onB50.has(k)).toBe(true);
        expect(onB50.size).toBeGreaterThan(1000 - 112);
        expect(onB50.size).toBeLessThan(1000 + 112);
      });

      test("a healthy B advances step by step after each bake time and completes; the history has every step", async () => {
        const { clock, t, p } = await setup();
        const started = await p.startRollout({ name: "r", label: "production", toVersion: 2, steps, gate, reason: "try B" });
        expect(started.rollout).toMatchObject({
          state: "RUNNING",
          stepIndex: 0,
          percent: 10,
          fromVersion: 1,
          toVersion: 2,
          startedBy: "anonymous",
          gate: { minSamples: 20, minFeedback: 20, maxErrorRateIncrease: 0.02, maxLatencyP95Increase: 0.25 },
        });
        const ctl = t.fabric.prompts.controller;
        // No data yet: the gate waits, even with the bake time over.
        clock.advance(61_000);
        expect((await ctl.tick()).decisions).toEqual([]);
        expect((await p.rolloutStatus({ name: "r", label: "production" }))!.evaluation!.verdict).toBe("WAIT");

        for (const [i, percent] of [50, 100].entries()) {
          // Step 0's window began with the rollout, 61 s ago; step 1's begins now.
          const windowStart = i === 0 ? started.rollout.stepStartedAt : new Date(clock.now());
          await recordRuns(t.client, { name: "r", label: "production", version: 1, n: 25, latencyMs: 100, startedAt: windowStart });
          await recordRuns(t.client, { name: "r", label: "production", version: 2, n: 25, latencyMs: 110, startedAt: windowStart });
          if (i === 1) {
            // Passing, but the bake time is not over.
            clock.advance(30_000);
            expect(await ctl.tick()).toEqual({ evaluated: 1, decisions: [] });
            clock.advance(31_000);
          }
          const pass = await ctl.tick();
          expect(pass.decisions.map((d) => d.kind)).toEqual([percent === 100 ? "complete" : "advance"]);
          const ev = pass.decisions[0].evaluation;
          expect(ev.verdict).toBe("PASS");
          expect(ev.windowStart).toEqual(windowStart);
          expect(ev.baseline).toMatchObject({ version: 1, executions: 25, errors: 0, latencyP95Ms: 100 });
          expect(ev.candidate).toMatchObject({ version: 2, executions: 25, errors: 0, latencyP95Ms: 110 });
        }
        const status = await p.rolloutStatus({ name: "r", label: "production" });
        expect(status!.rollout).toMatchObject({ state: "COMPLETED", percent: 100, finishedAt: expect.any(Date) });
        expect(status!.evaluation).toBeUndefined();
        expect(status!.rollout.events.map((e) => e.kind)).toEqual(["STARTED", "ADVANCED", "COMPLETED"]);
        const label = (await p.get({ name: "r", label: "production", stickyKey: "anyone" }))!;
        expect(label.version.version).toBe(2);
        expect(label.label!.rollout).toBeUndefined();
        expect((await fullHistory(p, "r", "production")).map((m) => [m.kind, m.fromVersion, m.toVersion, m.percent ?? null, m.actor])).toEqual([
          ["MOVE", 0, 1, null, "anonymous"],
          ["ROLLOUT_START", 1, 2, 10, "anonymous"],
          ["ROLLOUT_STEP", 1, 2, 50, "rollout-controller"],
          ["ROLLOUT_COMPLETE", 1, 2, 100, "rollout-controller"],
        ]);
        // Nothing left to look after.
        expect((await ctl.tick()).evaluated).toBe(0);
      });

      test("B that fails more is rolled back at once, before its bake time, with the decision's figures recorded", async () => {
        const { clock, t, p } = await setup();
        await p.startRollout({ name: "r", label: "production", toVersion: 2, steps, gate, reason: "try B" });
        const windowStart = new Date(clock.now());
        await recordRuns(t.client, { name: "r", label: "production", version: 1, n: 20, errors: 0, startedAt: windowStart });
        await recordRuns(t.client, { name: "r", label: "production", version: 2, n: 20, errors: 10, startedAt: windowStart });
        // Executions of another label and of an older window do not count.
        await recordRuns(t.client, { name: "r", label: "staging", version: 2, n: 30, errors: 0, startedAt: windowStart });
        await recordRuns(t.client, { name: "r", label: "production", version: 2, n: 30, errors: 0, startedAt: new Date(windowStart.getTime() - 120_000) });
        clock.advance(1000);
        const pass = await t.fabric.prompts.controller.tick();
        expect(pass.decisions.map((d) => d.kind)).toEqual(["rollback"]);
        const expected: Partial<GateEvaluation> = {
          verdict: "REGRESSION",
          windowStart,
          baseline: { version: 1, executions: 20, errors: 0, errorRate: 0, latencyP95Ms: 100, rated: 0, ratingMean: 0, scores: [] },
          candidate: { version: 2, executions: 20, errors: 10, errorRate: 0.5, latencyP95Ms: 100, rated: 0, ratingMean: 0, scores: [] },
        };
        const errorCheck = { name: "error_rate", result: "FAIL", baseline: 0, candidate: 0.5, limit: 0.02, baselineSamples: 20, candidateSamples: 20 };
        expect(pass.decisions[0].evaluation).toMatchObject(expected);
        expect(pass.decisions[0].evaluation.checks).toContainEqual(errorCheck);

        const got = await p.get({ name: "r", label: "production", stickyKey: "user-1" });
        expect(got!.version.version).toBe(1);
        expect(got!.label!.rollout).toBeUndefined();
        const [last] = (await p.labelHistory({ name: "r", label: "production", limit: 1 })).moves;
        expect(last).toMatchObject({ kind: "ROLLOUT_ROLLBACK", fromVersion: 2, toVersion: 1, percent: 0, actor: "rollout-controller" });
        expect(last.reason).toMatch(/^gate found a regression, back to version 1: error_rate 0\.5 on version 2 \(20 samples\) vs 0 on 1 \(20\), limit 0\.02/);
        expect(last.evaluation).toMatchObject(expected);
        expect(last.evaluation!.checks).toContainEqual(errorCheck);
        const status = await p.rolloutStatus({ name: "r", label: "production" });
        expect(status!.rollout).toMatchObject({ state: "ROLLED_BACK", percent: 0 });
        expect(status!.rollout.events.at(-1)).toMatchObject({ kind: "ROLLED_BACK", actor: "rollout-controller", evaluation: expected });
      });

      test("the controller runs by itself on its interval: a failing B is rolled back with no one calling", async () => {
        const clock = fakeClock();
        const t = await start(await stores.fresh(), { prompts: { evaluationIntervalMs: 50, clock: clock.now } });
        const p = t.client.prompts;
        await p.publish({ name: "auto", text: "A" });
        await p.publish({ name: "auto", text: "B" });
        await p.moveLabel({ name: "auto", label: "production", version: 1, reason: "stable" });
        await p.startRollout({ name: "auto", label: "production", toVersion: 2, steps, gate: { minSamples: 10 }, reason: "try B" });
        const windowStart = new Date(clock.now());
        await recordRuns(t.client, { name: "auto", label: "production", version: 1, n: 10, startedAt: windowStart });
        await recordRuns(t.client, { name: "auto", label: "production", version: 2, n: 10, errors: 10, startedAt: windowStart });
        await eventually(
          async () => (await p.rolloutStatus({ name: "auto", label: "production" }))!.rollout.state === "ROLLED_BACK",
          "the automatic rollback",
          20_000,
        );
        expect((await p.get({ name: "auto", label: "production", stickyKey: "u" }))!.version.version).toBe(1);
      });

      test("B with worse user ratings is rolled back on the rating check", async () => {
        const { clock, t, p } = await setup();
        await p.startRollout({
          name: "r",
          label: "production",
          toVersion: 2,
          steps,
          gate: { minSamples: 10, minFeedback: 10, maxRatingDrop: 0.5 },
          reason: "try B",
        });
        const windowStart = new Date(clock.now());
        await recordRuns(t.client, { name: "r", label: "production", version: 1, n: 12, rating: 5, startedAt: windowStart });
        await recordRuns(t.client, { name: "r", label: "production", version: 2, n: 12, rating: 3, startedAt: windowStart });
        const pass = await t.fabric.prompts.controller.tick();
        expect(pass.decisions.map((d) => d.kind)).toEqual(["rollback"]);
        expect(pass.decisions[0].evaluation.checks).toContainEqual({
          name: "rating",
          result: "FAIL",
          baseline: 5,
          candidate: 3,
          limit: 4.5,
          baselineSamples: 12,
          candidateSamples: 12,
        });
        expect(pass.decisions[0].evaluation.checks.find((c) => c.name === "error_rate")!.result).toBe("PASS");
        expect((await p.get({ name: "r", label: "production", stickyKey: "u" }))!.version.version).toBe(1);
      });

      test("operators pause, resume, promote and abort; a manual move waits for the rollout to end", async () => {
        const { clock, t, p } = await setup();
        await p.publish({ name: "r", text: "C" });
        await p.startRollout({ name: "r", label: "production", toVersion: 2, steps, gate, reason: "try B" });
        expect(await code(p.startRollout({ name: "r", label: "production", toVersion: 3, steps, reason: "again" }))).toBe("FAILED_PRECONDITION");
        expect(await code(p.moveLabel({ name: "r", label: "production", version: 3, reason: "manual" }))).toBe("FAILED_PRECONDITION");
        const ctl = t.fabric.prompts.controller;
        const windowStart = new Date(clock.now());
        await recordRuns(t.client, { name: "r", label: "production", version: 1, n: 20, startedAt: windowStart });
        await recordRuns(t.client, { name: "r", label: "production", version: 2, n: 20, startedAt: windowStart });
        clock.advance(61_000);
        expect((await p.pauseRollout({ name: "r", label: "production", reason: "looking" })).state).toBe("PAUSED");
        expect((await ctl.tick()).decisions).toEqual([]);
        expect((await p.pauseRollout({ name: "r", label: "production" })).state).toBe("PAUSED");
        expect((await p.resumeRollout({ name: "r", label: "production" })).state).toBe("RUNNING");
        expect((await ctl.tick()).decisions.map((d) => d.kind)).toEqual(["advance"]);
        const promoted = await p.promoteRollout({ name: "r", label: "production", reason: "looks good" });
        expect(promoted.rollout).toMatchObject({ state: "COMPLETED", percent: 100 });
        expect(promoted.label).toMatchObject({ version: 2, reason: "looks good" });
        expect(promoted.label.rollout).toBeUndefined();
        expect(promoted.rollout.events.map((e) => e.kind)).toEqual(["STARTED", "PAUSED", "RESUMED", "ADVANCED", "PROMOTED"]);
        expect(await code(p.abortRollout({ name: "r", label: "production", reason: "late" }))).toBe("FAILED_PRECONDITION");
        expect(await code(p.promoteRollout({ name: "r", label: "production", reason: "" }))).toBe("INVALID_ARGUMENT");

        await p.startRollout({ name: "r", label: "production", toVersion: 3, steps, gate, reason: "try C" });
        const aborted = await p.abortRollout({ name: "r", label: "production", reason: "changed my mind" });
        expect(aborted.rollout).toMatchObject({ state: "ABORTED", percent: 0, fromVersion: 2, toVersion: 3 });
        expect(aborted.label).toMatchObject({ version: 2 });
        expect((await p.get({ name: "r", label: "production", stickyKey: "u" }))!.version.version).toBe(2);
        expect((await fullHistory(p, "r", "production")).map((m) => m.kind)).toEqual([
          "MOVE",
          "ROLLOUT_START",
          "ROLLOUT_STEP",
          "ROLLOUT_PROMOTE",
          "ROLLOUT_START",
          "ROLLOUT_ABORT",
        ]);
        // A manual move is allowed again.
        expect((await p.moveLabel({ name: "r", label: "production", version: 3, reason: "manual" })).move).toMatchObject({ fromVersion: 2, toVersion: 3 });
      });

      test("two servers over one store: each step gets exactly one decision", async () => {
        const { clock, all, p } = await setup(2);
        const [a, b] = all;
        await p.startRollout({ name: "r", label: "production", toVersion: 2, steps, gate, reason: "try B" });
        let applied = 0;
        for (let step = 0; step < 2; step++) {
          const windowStart = new Date(clock.now());
          await recordRuns(a.client, { name: "r", label: "production", version: 1, n: 20, startedAt: windowStart });
          await recordRuns(b.client, { name: "r", label: "production", version: 2, n: 20, startedAt: windowStart });
          clock.advance(61_000);
          // Both controllers evaluate the same state and try to decide at once; then again.
          const passes = await Promise.all([a.fabric.prompts.controller.tick(), b.fabric.prompts.controller.tick()]);
          const again = await Promise.all([a.fabric.prompts.controller.tick(), b.fabric.prompts.controller.tick()]);
          const decided = [...passes, ...again].flatMap((x) => x.decisions);
          expect(decided.length).toBe(1);
          applied += decided.length;
        }
        expect(applied).toBe(2);
        const status = await b.client.prompts.rolloutStatus({ name: "r", label: "production" });
        expect(status!.rollout.events.map((e) => e.kind)).toEqual(["STARTED", "ADVANCED", "COMPLETED"]);
        expect((await fullHistory(p, "r", "production")).map((m) => m.kind)).toEqual(["MOVE", "ROLLOUT_START", "ROLLOUT_STEP", "ROLLOUT_COMPLETE"]);
      });
    });

    describe("executions record the version they ran", () => {
      test("prompt_version and prompt_label round-trip, stats group by version and filter by label", async () => {
        const t = await start(await stores.fresh());
        const startedAt = new Date(Date.now() - 1000);
        await recordRuns(t.client, { name: "s", label: "production", version: 1, n: 3, errors: 1, startedAt });
        await recordRuns(t.client, { name: "s", label: "production", version: 2, n: 2, startedAt });
        await recordRuns(t.client, { name: "s", label: "staging", version: 2, n: 4, startedAt });
        const page = await t.client.listExecutions({ promptKey: "s", limit: 1 });
        expect(page.executions[0]).toMatchObject({ promptKey: "s", promptVersion: expect.any(Number), promptLabel: expect.any(String) });
        const stats = await t.client.executionStats({ promptKey: "s", promptLabel: "production" });
        expect(stats.count).toBe(5);
        expect(stats.byPromptRevision.map((g) => [g.promptKey, g.promptVersion, g.count, g.errorCount])).toEqual([
          ["s", 1, 3, 1],
          ["s", 2, 2, 0],
        ]);
        const all = await t.client.executionStats({ promptKey: "s" });
        expect(all.byPromptRevision.map((g) => [g.promptVersion, g.count])).toEqual([
          [1, 3],
          [2, 6],
        ]);
        const summary = await t.client.feedbackSummary({ promptKey: "s", promptLabel: "staging" });
        expect(summary.byPromptRevision.map((g) => [g.promptVersion, g.executions])).toEqual([[2, 4]]);
        for (const [input, message] of [
          [{ promptKey: "s", promptVersion: 1, promptRevision: 4 }, /^execution\.prompt_revision: must be 0 with prompt_version/],
          [{ promptVersion: 1 }, /^execution\.prompt_version: needs prompt_key/],
          [{ promptKey: "s", promptLabel: "production" }, /^execution\.prompt_label: needs prompt_version/],
          [{ promptKey: "s", promptVersion: 1, promptLabel: "bad label" }, /^execution\.prompt_label: may contain only/],
        ] as const) {
          const e = await failure(t.client.recordExecution(input));
          expect({ code: e.code, message: e.message }).toEqual({ code: "INVALID_ARGUMENT", message: expect.stringMatching(message) });
        }
      });
    });
  });
}
