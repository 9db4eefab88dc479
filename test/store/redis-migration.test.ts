import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { SCOPES, type Context } from "@cache-fabric/client/api";
import { compileGlob } from "../../server/contexts/glob.js";
import { createRedisStore, type RedisStore } from "../../server/store/redis/redis-store.js";
import type { WriteOp } from "../../server/store/types.js";
import { MIGRATE_SCRIPT } from "../../server/store/redis/migration.js";
import { LEGACY_FIELDS, recordFromLegacyFields } from "../../server/store/redis/records.js";
import { fingerprint } from "../../server/store/write-outcome.js";
import { startRedis, type RedisProcess } from "../support/redis-server.js";
import { format1Keys, format1OpArgs, writeFormat1, type Format1Op } from "./record-format-1.js";

/**
 * Record format 1 → 2: data written by the previous version's own write script (record-format-1.ts)
 * is migrated by the first store that opens it, and reads back exactly as that version returned it:
 * contexts, revisions, times, TTLs, the change history (old stream entries), the identity and the
 * idempotency records. Against a real redis-server of this file's own.
 */

let redis: RedisProcess;
let raw: Redis;
const open: RedisStore[] = [];
let prefixes = 0;
const warnings: string[] = [];
const infos: string[] = [];

beforeAll(async () => {
  redis = await startRedis();
  raw = new Redis(redis.url, { maxRetriesPerRequest: 1, retryStrategy: () => null });
});
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});
afterAll(async () => {
  raw.disconnect();
  await redis.stop();
});

/** A store over `prefix`; its sweeper only runs when told (sweepNow), so the tests decide when expiry happens. */
async function openStore(prefix: string, historySize = 100): Promise<RedisStore> {
  const store = await createRedisStore({
    historySize,
    retryLimit: 3,
    log: (level, msg) => (level === "info" ? infos : warnings).push(msg),
    settings: { redisUrl: redis.url, redisKeyPrefix: prefix, redisSweepIntervalMs: 3_600_000 },
  });
  open.push(store);
  return store;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ctxOf = (reply: unknown[], i: number) => JSON.parse(String(reply[4 + 2 * i])) as { r: number; cr: number; v: number; c: number; u: number; e?: number };

/**
 * A format-1 history: sets in two scopes, a rewrite, a delete, an idempotent write, a TTL context
 * that has passed its expiry unswept (reaped as an EXPIRE change by format 1's own next write to it,
 * and another that is due when the new store opens), one with a long TTL.
 */
async function format1History(prefix: string) {
  const id = randomUUID();
  const w = (ops: Format1Op[], idempotency?: { key: string; fingerprint: string; windowMs: number }) =>
    writeFormat1(raw, prefix, ops, { candidateId: id, ...(idempotency ? { idempotency } : {}) });
  const idemOps: Format1Op[] = [{ op: "set", scope: "GLOBAL", key: "idem:a", value: { n: 1 } }];
  const idemFingerprint = fingerprint(idemOps.flatMap(format1OpArgs).map(String));
  await w([
    { op: "set", scope: "GLOBAL", key: "router:main", value: { text: "v1", n: [1, 2.5, null] }, metadata: { source: "manifest" } },
    { op: "set", scope: "USER", key: "user:1:prefs", value: "dark", metadata: {} },
    { op: "set", scope: "GLOBAL", key: "gone", value: 1 },
    { op: "set", scope: "GLOBAL", key: "reaped", value: "short", ttlMs: 20 },
  ]); // 1..4
  const rewrite = await w([
    { op: "set", scope: "GLOBAL", key: "router:main", value: { text: "v2", empty: [], obj: {} }, metadata: { source: "manifest", v: "2" } },
  ]); // 5
  await w([{ op: "delete", scope: "GLOBAL", key: "gone" }]); // 6
  const idem = await w(idemOps, { key: "k1", fingerprint: idemFingerprint, windowMs: 600_000 }); // 7
  const long = await w([{ op: "set", scope: "EXECUTION", key: "execution:e1", value: { ok: true }, ttlMs: 3_600_000 }]); // 8
  await sleep(40);
  await w([{ op: "set", scope: "GLOBAL", key: "reaped", value: "again" }]); // 9 EXPIRE, 10 PUT
  await w([{ op: "set", scope: "GLOBAL", key: "due", value: "soon", ttlMs: 30 }]); // 11
  await raw.hincrby(format1Keys(prefix).meta, "hits", 7);
  return { id, rewrite: ctxOf(rewrite, 0), idem, idemOps, long: ctxOf(long, 0) };
}

test("format-1 data is migrated at start and reads back as the previous version wrote it", async () => {
  const prefix = `m${++prefixes}:`;
  const old = await format1History(prefix);
  const k = format1Keys(prefix);
  const pttlBefore = await raw.pexpiretime(k.data("EXECUTION", "execution:e1"));
  await sleep(40); // "due" is now past its expiry, unswept

  const store = await openStore(prefix);
  expect(warnings.some((m) => m.includes("record format 1"))).toBe(true);

  // The identity, the revision and the shared hit counts carry over; META keeps only the counts.
  expect(await store.header()).toEqual({ storeId: old.id, revision: 11 });
  expect((await store.hitStats()).hits).toBe(7);
  expect(await raw.hgetall(store.keys.meta)).toEqual({ hits: "7" });

  // Contexts as written, with their revisions and times.
  const main = (await store.get("GLOBAL", "router:main"))!;
  expect(main).toEqual<Context>({
    key: "router:main",
    scope: "GLOBAL",
    value: { text: "v2", empty: [], obj: {} },
    metadata: { source: "manifest", v: "2" },
    revision: 5,
    createRevision: 1,
    version: 2,
    createdAt: new Date(old.rewrite.c),
    updatedAt: new Date(old.rewrite.u),
  });
  expect(await store.get("USER", "user:1:prefs")).toMatchObject({ value: "dark", revision: 2, version: 1 });
  expect(await store.get("GLOBAL", "gone")).toBeNull();
  expect(await store.get("GLOBAL", "reaped")).toMatchObject({ value: "again", revision: 10, createRevision: 10 });
  expect(await store.get("EXECUTION", "execution:e1")).toMatchObject({ value: { ok: true }, expiresAt: new Date(old.long.e!) });
  expect(await store.get("GLOBAL", "due")).toBeNull();

  // The layout is format 2: string records (the TTL backstop kept), HEAD, no updatedAt indexes, META without the header.
  expect(await raw.type(store.keys.data("GLOBAL", "router:main"))).toBe("string");
  expect(await raw.pexpiretime(store.keys.data("EXECUTION", "execution:e1"))).toBe(pttlBefore);
  expect(await raw.exists(...SCOPES.map((s) => store.keys.legacyByUpdate(s)))).toBe(0);
  expect((await raw.get(store.keys.head))!.endsWith(` ${old.id}`)).toBe(true);

  // The change history written by format 1 decodes, prev contexts included.
  const { events } = await store.changesSince(0, 100);
  expect(events.map((e) => [e.type, e.revision, e.key])).toEqual([
    ["PUT", 1, "router:main"],
    ["PUT", 2, "user:1:prefs"],
    ["PUT", 3, "gone"],
    ["PUT", 4, "reaped"],
    ["PUT", 5, "router:main"],
    ["DELETE", 6, "gone"],
    ["PUT", 7, "idem:a"],
    ["PUT", 8, "execution:e1"],
    ["EXPIRE", 9, "reaped"],
    ["PUT", 10, "reaped"],
    ["PUT", 11, "due"],
  ]);
  expect(events[4]).toMatchObject({ context: { value: { text: "v2", empty: [], obj: {} } }, prev: { value: { text: "v1", n: [1, 2.5, null] }, version: 1 } });
  expect(events[5].prev).toMatchObject({ key: "gone", value: 1 });
  expect(events[8].prev).toMatchObject({ value: "short" });
  expect(events[1].context!.scope).toBe("USER");

  // The sweeper expires what format 1 left due, with its previous context, in the new history's stream.
  await store.sweepNow();
  const expired = (await store.changesSince(11, 10)).events;
  expect(expired).toMatchObject([{ type: "EXPIRE", revision: 12, key: "due", prev: { value: "soon" } }]);

  // Queries, counts and cleanup run over the migrated indexes.
  expect((await store.query("GLOBAL", compileGlob("*"), { limit: 10 })).contexts.map((c) => c.key)).toEqual(["reaped", "idem:a", "router:main"]);
  expect(await store.counts()).toEqual({ GLOBAL: 3, EXECUTION: 1, FEEDBACK: 0, USER: 1 });

  // An idempotent write retried across the upgrade replays its first outcome.
  const ops: WriteOp[] = old.idemOps.map((op) => ({ ...op, metadata: {} }) as WriteOp);
  const again = await store.write(ops, { idempotency: { key: "k1", windowMs: 600_000 } });
  expect(again.replayed).toBe(true);
  expect(again.revision).toBe(7);

  // Writes continue the history.
  const next = await store.write([{ op: "set", scope: "GLOBAL", key: "router:main", value: "v3", metadata: {} }]);
  expect(next.results[0]).toMatchObject({ context: { revision: 13, createRevision: 1, version: 3, createdAt: new Date(old.rewrite.c) } });
  const cleaned = await store.cleanup({ before: new Date(old.rewrite.u + 1), scope: "USER" });
  expect(cleaned.deleted).toBe(1);
  expect(await store.get("USER", "user:1:prefs")).toBeNull();

  // A second store finds format 2 and migrates nothing.
  warnings.length = 0;
  const second = await openStore(prefix);
  expect(await second.header()).toEqual(await store.header());
  expect(warnings.some((m) => m.includes("record format 1"))).toBe(false);
});

test("several servers opening format-1 data at once all end up on one migrated history", async () => {
  const prefix = `m${++prefixes}:`;
  const id = randomUUID();
  for (let i = 0; i < 1200; i += 300) {
    await writeFormat1(
      raw,
      prefix,
      Array.from({ length: 300 }, (_, j) => ({ op: "set" as const, scope: "FEEDBACK" as const, key: `feedback:${i + j}`, value: { i: i + j } })),
      { candidateId: id },
    );
  }
  infos.length = 0;
  const stores = await Promise.all([1, 2, 3].map(() => openStore(prefix, 2000)));
  for (const s of stores) expect(await s.header()).toEqual({ storeId: id, revision: 1200 });
  // However the runs overlapped, each context was converted exactly once.
  const converted = infos.map((m) => /(\d+) of \d+ contexts converted here/.exec(m)).filter((m) => m !== null);
  expect(converted.length).toBeGreaterThan(0);
  expect(converted.reduce((sum, m) => sum + Number(m[1]), 0)).toBe(1200);
  const keys = await raw.zrange(stores[0].keys.byRevision("FEEDBACK"), 0, -1);
  expect(keys).toHaveLength(1200);
  const types = await Promise.all(keys.map((key) => raw.type(stores[0].keys.data("FEEDBACK", key))));
  expect(types.every((t) => t === "string")).toBe(true);
  for (const i of [0, 599, 1199]) expect(await stores[i % 3].get("FEEDBACK", `feedback:${i}`)).toMatchObject({ value: { i }, revision: i + 1 });
});

test("a migration cut short (some contexts converted, no HEAD yet) is finished by the next server", async () => {
  const prefix = `m${++prefixes}:`;
  const id = randomUUID();
  await writeFormat1(
    raw,
    prefix,
    Array.from({ length: 40 }, (_, i) => ({ op: "set" as const, scope: "USER" as const, key: `u:${i}`, value: i })),
    { candidateId: id },
  );
  // What a run that died after its first batch left: the first 15 contexts converted, nothing else.
  const k = format1Keys(prefix);
  const first = Array.from({ length: 15 }, (_, i) => k.data("USER", `u:${i}`));
  const args: string[] = [];
  for (const dk of first) {
    const f = await raw.hmget(dk, ...LEGACY_FIELDS);
    args.push(f[0]!, recordFromLegacyFields(f));
  }
  expect(await raw.eval(MIGRATE_SCRIPT, first.length, ...first, ...args)).toBe(15);
  infos.length = 0;
  const store = await openStore(prefix);
  expect(infos.join("\n")).toMatch(/ 25 of 40 contexts converted here/);
  expect(await store.header()).toEqual({ storeId: id, revision: 40 });
  const got = await store.query("USER", compileGlob("u:*"), { limit: 100 });
  expect(got.contexts.map((c) => c.value).sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 40 }, (_, i) => i));
});

test("a running store that meets format-1 data (Redis restored from an older backup) migrates it before writing or reading", async () => {
  const prefix = `m${++prefixes}:`;
  const store = await openStore(prefix);
  await store.write([{ op: "set", scope: "GLOBAL", key: "new", value: 1, metadata: {} }]);
  // The backup: the prefix replaced at once by what format 1 left.
  const id = randomUUID();
  const replacing = await raw.keys(`${store.keys.root}*`);
  await writeFormat1(raw, prefix, [{ op: "set", scope: "GLOBAL", key: "old", value: "from the backup" }], { candidateId: id, replacing });

  const w = await store.write([{ op: "set", scope: "GLOBAL", key: "after", value: 2, metadata: {} }]);
  expect(w).toMatchObject({ storeId: id, revision: 2 });
  expect(await store.read("GLOBAL", "old")).toMatchObject({ storeId: id, revision: 2, context: { value: "from the backup", revision: 1 } });

  // The same for a read that comes first.
  const again = await raw.keys(`${store.keys.root}*`);
  await writeFormat1(raw, prefix, [{ op: "set", scope: "GLOBAL", key: "old2", value: "again" }], { candidateId: id, replacing: again });
  expect(await store.read("GLOBAL", "old2")).toMatchObject({ storeId: id, revision: 1, context: { value: "again" } });
  expect(await raw.type(store.keys.data("GLOBAL", "old2"))).toBe("string");
});
