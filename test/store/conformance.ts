import type { Context, Scope } from "@cache-fabric/client/api";
import { FabricError } from "@cache-fabric/client/api";
import { compileGlob } from "../../server/contexts/glob.js";
import type { ChangeEvent, SetOp, Store, WriteOp } from "../../server/store/types.js";

/** What a store can be asked to do in tests. */
export interface StoreCapabilities {
  /** Largest history the factory's store is configured with (the suite checks compaction past it). */
  historySize: number;
  /** Data outlives the store object: a new store over the same backing data sees it. */
  persistent: boolean;
}

/** Builds a fresh, empty store; `reopen` builds another over the same backing data (persistent stores). */
export interface StoreFactory {
  create(): Promise<Store>;
  reopen?(): Promise<Store>;
  /** Called once after all tests. */
  teardown?(): Promise<void>;
}

/** A set operation in GLOBAL with no metadata, for store-level tests. */
export const set = (key: string, value: unknown, extra: Partial<SetOp> = {}): SetOp => ({
  op: "set",
  scope: "GLOBAL",
  key,
  value: value as SetOp["value"],
  metadata: {},
  ...extra,
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/**
 * The one behavioural contract every Store passes, run against the real engine (memory, a real
 * redis-server). Every test acts on the store under test; nothing here is mocked.
 */
export function describeStore(name: string, factory: StoreFactory, caps: StoreCapabilities): void {
  describe(`Store conformance: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await factory.create();
    });
    afterEach(async () => {
      await store.close();
    });
    afterAll(async () => {
      await factory.teardown?.();
    });

    describe("revisions and reads", () => {
      test("a set is readable with revision, createRevision, version and timestamps", async () => {
        const before = Date.now();
        const { results, revision } = await store.write([set("a", { x: 1 }, { metadata: { m: "1" } })]);
        const ctx = (results[0] as { context: Context }).context;
        expect(revision).toBe(1);
        expect(ctx).toMatchObject({ key: "a", scope: "GLOBAL", value: { x: 1 }, metadata: { m: "1" }, revision: 1, createRevision: 1, version: 1 });
        expect(ctx.createdAt.getTime()).toBeGreaterThanOrEqual(before - 5);
        expect(ctx.expiresAt).toBeUndefined();
        const got = await store.get("GLOBAL", "a");
        expect(got).toMatchObject({ key: "a", value: { x: 1 }, revision: 1, version: 1 });
        expect(got!.createdAt.getTime()).toBe(ctx.createdAt.getTime());
      });

      test("every JSON value type round-trips", async () => {
        const values = ["text", 42.5, -1, true, false, null, [1, "two", null, { three: 3 }], { nested: { deep: [true] } }, {}, [], ""];
        await store.write(values.map((v, i) => set(`v${i}`, v)));
        for (const [i, v] of values.entries()) expect((await store.get("GLOBAL", `v${i}`))!.value).toEqual(v);
      });

      test("a __proto__ key in a value is kept as data", async () => {
        const value = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}');
        await store.write([set("proto", value)]);
        const got = (await store.get("GLOBAL", "proto"))!.value as Record<string, unknown>;
        expect(Object.prototype.hasOwnProperty.call(got, "__proto__")).toBe(true);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      });

      test("revisions are store-wide and strictly increasing; version counts writes to a key", async () => {
        await store.write([set("a", 1)]);
        await store.write([{ ...set("b", 1), scope: "USER" }]);
        const { results } = await store.write([set("a", 2)]);
        const a = (results[0] as { context: Context }).context;
        expect(a).toMatchObject({ revision: 3, createRevision: 1, version: 2 });
        expect(await store.revision()).toBe(3);
      });

      test("scopes are separate key spaces", async () => {
        await store.write([set("k", "global"), { ...set("k", "user"), scope: "USER" }]);
        expect((await store.get("GLOBAL", "k"))!.value).toBe("global");
        expect((await store.get("USER", "k"))!.value).toBe("user");
        expect(await store.get("EXECUTION", "k")).toBeNull();
      });

      test("a missing key is null and counts as a miss; a found one as a hit", async () => {
        await store.write([set("a", 1)]);
        const before = await store.hitStats();
        expect(await store.get("GLOBAL", "nope")).toBeNull();
        await store.get("GLOBAL", "a");
        await store.get("GLOBAL", "a");
        const after = await store.hitStats();
        expect(after.hits - before.hits).toBe(2);
        expect(after.misses - before.misses).toBe(1);
      });

      test("delete removes and reports the previous context; deleting nothing consumes no revision", async () => {
        await store.write([set("a", 1)]);
        const del = await store.write([{ op: "delete", scope: "GLOBAL", key: "a" }]);
        expect(del.results[0]).toMatchObject({ op: "delete", deleted: true, revision: 2, previous: { key: "a", value: 1 } });
        expect(await store.get("GLOBAL", "a")).toBeNull();
        const none = await store.write([{ op: "delete", scope: "GLOBAL", key: "a" }]);
        expect(none.results[0]).toMatchObject({ deleted: false, revision: 2 });
        expect(await store.revision()).toBe(2);
      });

      test("a key re-created after delete starts a new life (createRevision, version 1)", async () => {
        await store.write([set("a", 1)]);
        await store.write([{ op: "delete", scope: "GLOBAL", key: "a" }]);
        const { results } = await store.write([set("a", 2)]);
        expect((results[0] as { context: Context }).context).toMatchObject({ revision: 3, createRevision: 3, version: 1 });
      });
    });

    describe("compare-and-set", () => {
      test("ifRevision equal to the current revision writes; a stale one fails and writes nothing", async () => {
        await store.write([set("a", 1)]);
        await store.write([set("a", 2, { ifRevision: 1 })]);
        await expect(store.write([set("a", 3, { ifRevision: 1 })])).rejects.toMatchObject({ code: "FAILED_PRECONDITION" });
        expect((await store.get("GLOBAL", "a"))!.value).toBe(2);
        expect(await store.revision()).toBe(2);
      });

      test("ifRevision 0 means create-only", async () => {
        await store.write([set("a", 1, { ifRevision: 0 })]);
        const err = await store.write([set("a", 2, { ifRevision: 0 })]).catch((e) => e);
        expect(FabricError.is(err, "FAILED_PRECONDITION")).toBe(true);
        expect(err.message).toMatch(/if_revision/);
      });

      test("compare-and-delete", async () => {
        await store.write([set("a", 1)]);
        await expect(store.write([{ op: "delete", scope: "GLOBAL", key: "a", ifRevision: 7 }])).rejects.toMatchObject({ code: "FAILED_PRECONDITION" });
        expect(await store.get("GLOBAL", "a")).not.toBeNull();
        await store.write([{ op: "delete", scope: "GLOBAL", key: "a", ifRevision: 1 }]);
        expect(await store.get("GLOBAL", "a")).toBeNull();
      });
    });

    describe("atomic batches", () => {
      test("a batch applies in order with one revision per change", async () => {
        const out = await store.write([set("a", 1), set("b", 2), set("a", 3), { op: "delete", scope: "GLOBAL", key: "b" }]);
        expect(out.revision).toBe(4);
        expect(out.results.map((r) => (r.op === "set" ? r.context.revision : r.revision))).toEqual([1, 2, 3, 4]);
        expect((await store.get("GLOBAL", "a"))!).toMatchObject({ value: 3, version: 2 });
        expect(await store.get("GLOBAL", "b")).toBeNull();
      });

      test("one failed precondition fails the whole batch: nothing is written", async () => {
        await store.write([set("x", 1)]);
        const ops: WriteOp[] = [set("a", 1), set("b", 2), set("x", 9, { ifRevision: 99 })];
        const err = await store.write(ops).catch((e) => e);
        expect(err).toMatchObject({ code: "FAILED_PRECONDITION" });
        expect(err.message).toMatch(/operations\[2\]\.if_revision/);
        expect(await store.get("GLOBAL", "a")).toBeNull();
        expect(await store.get("GLOBAL", "b")).toBeNull();
        expect((await store.get("GLOBAL", "x"))!.value).toBe(1);
        expect(await store.revision()).toBe(1);
      });

      test("preconditions see earlier operations of the same batch", async () => {
        const out = await store.write([set("a", 1, { ifRevision: 0 }), set("a", 2, { ifRevision: 1 })]);
        expect(out.revision).toBe(2);
        expect((await store.get("GLOBAL", "a"))!.value).toBe(2);
      });
    });

    describe("query", () => {
      beforeEach(async () => {
        const ops: WriteOp[] = [];
        for (let i = 0; i < 25; i++) ops.push({ ...set(`execution:e${String(i).padStart(2, "0")}`, { i }), scope: "EXECUTION" });
        ops.push({ ...set("execution:e03", { i: 3, updated: true }), scope: "EXECUTION" });
        ops.push({ ...set("other:1", 1), scope: "EXECUTION" });
        ops.push(set("execution:global", 1));
        await store.write(ops);
      });

      test("newest first, within the scope, matching the glob", async () => {
        const out = await store.query("EXECUTION", compileGlob("execution:*"), { limit: 5 });
        expect(out.contexts.map((c) => c.key)).toEqual(["execution:e03", "execution:e24", "execution:e23", "execution:e22", "execution:e21"]);
        expect(out.contexts.every((c) => c.scope === "EXECUTION")).toBe(true);
        expect(out.nextBeforeRevision).toBe(out.contexts[4].revision);
        expect(out.revision).toBe(await store.revision());
      });

      test("pages continue below the cursor, with no duplicates and nothing missing", async () => {
        const seen: string[] = [];
        let before: number | undefined;
        for (let page = 0; page < 10; page++) {
          const out = await store.query("EXECUTION", compileGlob("execution:*"), { limit: 7, ...(before ? { beforeRevision: before } : {}) });
          seen.push(...out.contexts.map((c) => c.key));
          if (out.nextBeforeRevision === undefined) break;
          before = out.nextBeforeRevision;
        }
        expect(seen).toHaveLength(25);
        expect(new Set(seen).size).toBe(25);
      });

      test("glob classes, ? and exact keys", async () => {
        const keys = async (p: string) => (await store.query("EXECUTION", compileGlob(p), { limit: 100 })).contexts.map((c) => c.key).sort();
        expect(await keys("execution:e1[0-2]")).toEqual(["execution:e10", "execution:e11", "execution:e12"]);
        expect(await keys("execution:e?4")).toEqual(["execution:e04", "execution:e14", "execution:e24"]);
        expect(await keys("other:1")).toEqual(["other:1"]);
        expect(await keys("*:1")).toEqual(["other:1"]);
        expect(await keys("nothing*")).toEqual([]);
      });

      test("deleted keys are not returned", async () => {
        await store.write([{ op: "delete", scope: "EXECUTION", key: "execution:e24" }]);
        const out = await store.query("EXECUTION", compileGlob("execution:e2*"), { limit: 100 });
        expect(out.contexts.map((c) => c.key).sort()).toEqual(["execution:e20", "execution:e21", "execution:e22", "execution:e23"]);
      });
    });

    describe("TTL", () => {
      test("an expired context is never returned, is gone from queries and counts, and expiry is an EXPIRE change", async () => {
        const { results } = await store.write([set("t", "soon", { ttlMs: 150 }), set("keep", 1)]);
        const ctx = (results[0] as { context: Context }).context;
        expect(ctx.expiresAt!.getTime() - ctx.updatedAt.getTime()).toBe(150);
        expect((await store.get("GLOBAL", "t"))!.value).toBe("soon");
        await sleep(200);
        expect(await store.get("GLOBAL", "t")).toBeNull();
        expect((await store.query("GLOBAL", compileGlob("*"), { limit: 10 })).contexts.map((c) => c.key)).toEqual(["keep"]);
        expect((await store.counts()).GLOBAL).toBe(1);
        const expire = await waitFor(async () => {
          const { events } = await store.changesSince(2, 10);
          return events.find((e) => e.type === "EXPIRE");
        }, "an EXPIRE change");
        expect(expire).toMatchObject({ type: "EXPIRE", scope: "GLOBAL", key: "t", revision: 3 });
      });

      test("expiry is reclaimed without any read (the store notices by itself)", async () => {
        const seen: ChangeEvent[] = [];
        const unsubscribe = store.subscribe((events) => seen.push(...events));
        await store.write([set("t", 1, { ttlMs: 100 })]);
        await waitFor(async () => seen.find((e) => e.type === "EXPIRE"), "EXPIRE without reads");
        unsubscribe();
        expect((await store.counts()).GLOBAL).toBe(0);
      });

      test("a set without ttl clears an earlier expiry; a newer ttl replaces an older one", async () => {
        await store.write([set("a", 1, { ttlMs: 100 }), set("b", 1, { ttlMs: 100 })]);
        await store.write([set("a", 2), set("b", 2, { ttlMs: 10_000 })]);
        await sleep(200);
        expect((await store.get("GLOBAL", "a"))!.value).toBe(2);
        expect((await store.get("GLOBAL", "b"))!.expiresAt).toBeDefined();
      });
    });

    describe("cleanup", () => {
      test("deletes what was last updated before the instant, optionally by scope and glob", async () => {
        await store.write([set("old:1", 1), set("old:2", 2), { ...set("old:3", 3), scope: "USER" }]);
        await sleep(20);
        const cutoff = new Date();
        await sleep(20);
        await store.write([set("new:1", 1), set("old:2", "touched")]);
        const scoped = await store.cleanup({ before: cutoff, scope: "USER" });
        expect(scoped.deleted).toBe(1);
        expect(await store.get("USER", "old:3")).toBeNull();
        const globbed = await store.cleanup({ before: cutoff, glob: compileGlob("nomatch:*") });
        expect(globbed.deleted).toBe(0);
        const all = await store.cleanup({ before: cutoff });
        expect(all.deleted).toBe(1);
        expect(await store.get("GLOBAL", "old:1")).toBeNull();
        expect((await store.get("GLOBAL", "old:2"))!.value).toBe("touched");
        expect(await store.get("GLOBAL", "new:1")).not.toBeNull();
        const { events } = await store.changesSince(0, 100);
        expect(events.filter((e) => e.type === "DELETE").map((e) => e.key).sort()).toEqual(["old:1", "old:3"]);
      });
    });

    describe("stats", () => {
      test("counts per scope and memory usage follow writes and deletes", async () => {
        const empty = await store.memoryUsage();
        await store.write([set("a", "x".repeat(10_000)), set("b", 1), { ...set("u", 1), scope: "USER" }]);
        expect(await store.counts()).toEqual({ GLOBAL: 2, EXECUTION: 0, FEEDBACK: 0, USER: 1 });
        expect(await store.memoryUsage()).toBeGreaterThan(empty);
        await store.write([{ op: "delete", scope: "GLOBAL", key: "a" }]);
        expect((await store.counts()).GLOBAL).toBe(1);
      });
    });

    describe("change feed", () => {
      test("changesSince returns contiguous changes in revision order with prev contexts", async () => {
        await store.write([set("a", 1)]);
        await store.write([set("a", 2), { op: "delete", scope: "GLOBAL", key: "a" }]);
        const { events, revision } = await store.changesSince(0, 100);
        expect(revision).toBe(3);
        expect(events.map((e) => [e.type, e.revision])).toEqual([["PUT", 1], ["PUT", 2], ["DELETE", 3]]);
        expect(events[1].prev).toMatchObject({ value: 1 });
        expect(events[1].context).toMatchObject({ value: 2 });
        expect(events[2].prev).toMatchObject({ value: 2 });
        expect((await store.changesSince(1, 1)).events.map((e) => e.revision)).toEqual([2]);
        expect((await store.changesSince(3, 10)).events).toEqual([]);
      });

      test("history older than the window is reported as compacted", async () => {
        const n = caps.historySize + 20;
        for (let i = 0; i < n; i += 50) await store.write(Array.from({ length: Math.min(50, n - i) }, (_, j) => set(`k${i + j}`, i + j)));
        const out = await store.changesSince(0, 10);
        expect(out.events).toEqual([]);
        expect(out.compactRevision).toBeGreaterThan(0);
        const resumed = await store.changesSince(out.compactRevision!, 10);
        expect(resumed.compactRevision).toBeUndefined();
        expect(resumed.events[0].revision).toBe(out.compactRevision! + 1);
      });

      test("subscribers get every change once, in revision order", async () => {
        const seen: number[] = [];
        const unsubscribe = store.subscribe((events) => seen.push(...events.map((e) => e.revision)));
        for (let i = 0; i < 20; i++) await store.write([set(`k${i % 3}`, i)]);
        await store.write([set("x", 1), set("y", 2)]);
        await waitFor(async () => (seen.length >= 22 ? true : undefined), "22 changes");
        unsubscribe();
        expect(seen).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
      });
    });

    describe("identity", () => {
      test("every answer that carries a revision names the same store id; a new store has another", async () => {
        const header = await store.header();
        expect(header).toEqual({ storeId: expect.stringMatching(/^[0-9a-f-]{36}$/), revision: 0 });
        const w = await store.write([set("a", 1)]);
        const r = await store.read("GLOBAL", "a");
        const q = await store.query("GLOBAL", compileGlob("*"), { limit: 10 });
        const c = await store.changesSince(0, 10);
        const d = await store.cleanup({ before: new Date(0) });
        for (const answer of [w, r, q, c, d]) expect(answer.storeId).toBe(header.storeId);
        expect(r).toMatchObject({ revision: 1, context: { key: "a", value: 1 } });
        expect(await store.header()).toEqual({ storeId: header.storeId, revision: 1 });
        const other = await factory.create();
        try {
          expect((await other.header()).storeId).not.toBe(header.storeId);
        } finally {
          await other.close();
        }
      });

      if (caps.persistent) {
        test("a store reopened over the same data keeps its identity", async () => {
          await store.write([set("a", 1)]);
          const again = await factory.reopen!();
          try {
            expect(await again.header()).toEqual(await store.header());
          } finally {
            await again.close();
          }
        });
      }
    });

    describe("idempotency keys", () => {
      const key = (name: string) => ({ idempotency: { key: `idem-${name}`, windowMs: 60_000 } });

      test("a retried write with the same key returns the first outcome and applies nothing", async () => {
        const ops: WriteOp[] = [set("a", { v: 1 }, { metadata: { m: "x" }, ttlMs: 60_000 }), set("b", 2)];
        const seen: number[] = [];
        const unsubscribe = store.subscribe((events) => seen.push(...events.map((e) => e.revision)));
        const first = await store.write(ops, key("retry"));
        const again = await store.write(ops, key("retry"));
        expect(again.replayed).toBe(true);
        expect(first.replayed).toBeUndefined();
        expect(again.revision).toBe(first.revision);
        expect(again.storeId).toBe(first.storeId);
        expect(again.results).toEqual(first.results);
        expect(await store.revision()).toBe(2);
        expect((await store.get("GLOBAL", "a"))!.version).toBe(1);
        // A later write still gets the next revision: nothing was consumed by the replay.
        const later = await store.write([set("c", 3)]);
        expect(later.revision).toBe(3);
        await waitFor(async () => (seen.includes(3) ? true : undefined), "the later change");
        unsubscribe();
        expect(seen).toEqual([1, 2, 3]);
      });

      test("a replayed delete says what it deleted, without the previous context", async () => {
        await store.write([set("a", 1)]);
        const op: WriteOp = { op: "delete", scope: "GLOBAL", key: "a" };
        const first = await store.write([op], key("delete"));
        expect(first.results[0]).toMatchObject({ deleted: true, revision: 2, previous: { value: 1 } });
        await store.write([set("a", "again")]);
        const again = await store.write([op], key("delete"));
        expect(again.results).toEqual([{ op: "delete", deleted: true, revision: 2 }]);
        expect((await store.get("GLOBAL", "a"))!.value).toBe("again");
      });

      test("a compare-and-set retried after it applied returns its outcome instead of failing", async () => {
        await store.write([set("a", 1)]);
        const cas: WriteOp[] = [set("a", 2, { ifRevision: 1 })];
        const first = await store.write(cas, key("cas"));
        const again = await store.write(cas, key("cas"));
        expect(again.results).toEqual(first.results);
      });

      test("the same key with another request is INVALID_ARGUMENT and writes nothing", async () => {
        await store.write([set("a", 1)], key("reuse"));
        for (const other of [[set("a", 2)], [set("b", 1)], [set("a", 1, { ttlMs: 5000 })], [set("a", 1, { metadata: { m: "1" } })]]) {
          const err = await store.write(other, key("reuse")).catch((e) => e);
          expect(err).toMatchObject({ code: "INVALID_ARGUMENT", message: expect.stringMatching(/^idempotency_key: /) });
        }
        expect(await store.revision()).toBe(1);
        expect((await store.get("GLOBAL", "a"))!.value).toBe(1);
      });

      test("a failed write is not remembered: the same key may be used again", async () => {
        await store.write([set("a", 1)]);
        await expect(store.write([set("a", 2, { ifRevision: 9 })], key("failed"))).rejects.toMatchObject({ code: "FAILED_PRECONDITION" });
        const ok = await store.write([set("a", 2)], key("failed"));
        expect(ok.replayed).toBeUndefined();
        expect(ok.revision).toBe(2);
      });

      test("after the window the key is forgotten and the write applies again", async () => {
        const short = { idempotency: { key: "idem-short", windowMs: 50 } };
        await store.write([set("a", 1)], short);
        await sleep(120);
        const again = await store.write([set("a", 1)], short);
        expect(again.replayed).toBeUndefined();
        expect(again.revision).toBe(2);
      });
    });

    describe("lifecycle", () => {
      test("a closed store answers UNAVAILABLE", async () => {
        const other = await factory.create();
        await other.close();
        await expect(other.get("GLOBAL", "a")).rejects.toMatchObject({ code: "UNAVAILABLE" });
      });

      if (caps.persistent) {
        test("data and revisions survive a new store over the same backing data", async () => {
          await store.write([set("a", 1), set("b", 2)]);
          const again = await factory.reopen!();
          try {
            expect((await again.get("GLOBAL", "b"))!.value).toBe(2);
            const { results } = await again.write([set("c", 3)]);
            expect((results[0] as { context: Context }).context.revision).toBe(3);
          } finally {
            await again.close();
          }
        });
      }
    });
  });
}

export type { Scope };
