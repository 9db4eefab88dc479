import { Redis } from "ioredis";
import { FabricError, type FabricClient } from "@cache-fabric/client";
import { createRedisStore, type RedisStore } from "../../server/store/redis/redis-store.js";
import { startTestServer, type TestServer } from "../support/harness.js";
import { startRedis, type RedisProcess } from "../support/redis-server.js";

/**
 * With `appendonly yes` + `appendfsync always`, Redis acknowledges a write only once it is on disk.
 * Writes go through the fabric over gRPC while Redis is killed with SIGKILL (no shutdown, no final
 * save); after a restart on the same data folder every acknowledged write must be there, the store
 * must be consistent (no half write: every change script applies whole or not at all), and
 * revisions must continue upward.
 */

let redis: RedisProcess;
let store: RedisStore;
let t: TestServer;

beforeAll(async () => {
  redis = await startRedis({ durable: true });
  store = await createRedisStore({
    settings: { redisUrl: redis.url, redisCommandTimeoutMs: 1000, redisRetryMinDelayMs: 20, redisRetryMaxDelayMs: 200 },
    retryLimit: 300,
    changeBlockMs: 1000,
    log: () => {},
  });
  t = await startTestServer(store);
});

afterAll(async () => {
  await t?.stop();
  await redis?.stop();
});

interface Acked {
  key: string;
  value: number;
  revision: number;
}

/** Writers of unique keys (single sets and batches) until a write fails; the acknowledged ones. */
async function writeUntilFailure(client: FabricClient, workers: number, acked: Acked[]): Promise<void> {
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let i = 0; ; i++) {
        try {
          if (i % 4 === 3) {
            const keys = [0, 1, 2].map((j) => `w${w}:b${i}:${j}`);
            const out = await client.pipeline().setContext({ key: keys[0], value: i }).setContext({ key: keys[1], value: i }).setContext({ key: keys[2], value: i, ttl: 3600 }).execute();
            out.results.forEach((r, j) => acked.push({ key: keys[j], value: i, revision: (r as { context: { revision: number } }).context.revision }));
          } else {
            const key = `w${w}:s${i}`;
            const ctx = await client.setContext({ key, value: i });
            acked.push({ key, value: i, revision: ctx.revision });
          }
        } catch (e) {
          if (!FabricError.is(e, "UNAVAILABLE")) throw e;
          return;
        }
      }
    }),
  );
}

test("every acknowledged write survives SIGKILL of Redis; the store is consistent; revisions continue upward", async () => {
  const acked: Acked[] = [];
  const writing = writeUntilFailure(t.client, 6, acked);
  await new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (acked.length >= 400) {
        clearInterval(check);
        resolve();
      }
    }, 5);
  });
  await redis.kill("SIGKILL");
  await writing;
  const maxAcked = Math.max(...acked.map((a) => a.revision));

  await redis.start();
  // The same fabric, not restarted: it reconnects by itself.
  let revisionAfter = 0;
  for (const deadline = Date.now() + 10_000; ; ) {
    try {
      revisionAfter = (await t.client.stats()).revision;
      break;
    } catch (e) {
      if (!FabricError.is(e, "UNAVAILABLE") || Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  expect(revisionAfter).toBeGreaterThanOrEqual(maxAcked);

  // Every acknowledged write is there, as acknowledged (each key was written once).
  const missing: Acked[] = [];
  for (let i = 0; i < acked.length; i += 200) {
    const slice = acked.slice(i, i + 200);
    const got = await Promise.all(slice.map((a) => t.client.getContext({ key: a.key })));
    slice.forEach((a, j) => {
      if (got[j]?.revision !== a.revision || got[j]?.value !== a.value) missing.push(a);
    });
  }
  expect(missing).toEqual([]);

  // Consistent: the change history runs 1..revision with no gap, every context listed in the
  // revision index has its data, and the stream ends at the store revision.
  const revisions: number[] = [];
  for (let after = 0; ; ) {
    const { events } = await store.changesSince(after, 1000);
    if (events.length === 0) break;
    revisions.push(...events.map((e) => e.revision));
    after = events[events.length - 1].revision;
  }
  expect(revisions).toEqual(Array.from({ length: revisionAfter }, (_, i) => i + 1));
  const raw = new Redis(redis.url, { maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    const listed = await raw.zrange(store.keys.byRevision("GLOBAL"), 0, -1);
    const exists = await Promise.all(listed.map((k) => raw.exists(store.keys.data("GLOBAL", k))));
    expect(exists.every((e) => e === 1)).toBe(true);
    expect(await raw.zcard(store.keys.byName("GLOBAL"))).toBe(listed.length);
  } finally {
    raw.disconnect();
  }

  // New writes continue above everything that was applied before the crash.
  const next = await t.client.setContext({ key: "after-restart", value: 1 });
  expect(next.revision).toBe(revisionAfter + 1);
  expect(next.revision).toBeGreaterThan(maxAcked);

  // A store opened afresh over the same Redis (a fabric server restarted too) sees the same.
  const again = await createRedisStore({ settings: { redisUrl: redis.url }, retryLimit: 3, log: () => {} });
  try {
    expect(await again.revision()).toBe(next.revision);
    expect((await again.get("GLOBAL", acked[0].key))?.revision).toBe(acked[0].revision);
  } finally {
    await again.close();
  }
});
