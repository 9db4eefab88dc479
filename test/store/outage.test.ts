import { FabricError, type FabricClient } from "@cache-fabric/client";
import { createRedisStore } from "../../server/store/redis/redis-store.js";
import { eventually, startTestServer, type TestServer } from "../support/harness.js";
import { startRedis, type RedisProcess } from "../support/redis-server.js";

/**
 * Redis goes away under load: every call must end, with UNAVAILABLE, within the configured bound
 * (REDIS_COMMAND_TIMEOUT_MS), and the fabric must recover by itself when Redis is back. Over real
 * gRPC, through FabricClient. The bound is asserted with generous slack: this checks that calls
 * are bounded (no hang, no client deadline), not how fast they fail.
 */

const COMMAND_TIMEOUT_MS = 400;
/** Slack over the bound for gRPC, scheduling and a loaded 2-core CI machine. */
const SLACK_MS = 1500;

interface Outcome {
  start: number;
  end: number;
  code: "OK" | string;
}

let redis: RedisProcess;
let t: TestServer;

beforeAll(async () => {
  redis = await startRedis({ durable: true });
  const store = await createRedisStore({
    settings: {
      redisUrl: redis.url,
      redisCommandTimeoutMs: COMMAND_TIMEOUT_MS,
      redisConnectTimeoutMs: 400,
      redisRetryMinDelayMs: 20,
      redisRetryMaxDelayMs: 200,
    },
    // Bounded so that a failing test cannot leave a client reconnecting for ever.
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

/** `workers` loops of set/get/query through the client until `stop()`; each call's outcome is kept. */
function load(client: FabricClient, workers = 8) {
  const outcomes: Outcome[] = [];
  let running = true;
  const loops = Array.from({ length: workers }, async (_, w) => {
    for (let i = 0; running; i++) {
      const start = Date.now();
      let code = "OK";
      try {
        const key = `load:${w}:${i % 20}`;
        if (i % 3 === 0) await client.setContext({ key, value: { w, i } });
        else if (i % 3 === 1) await client.getContext({ key });
        else await client.query({ pattern: `load:${w}:*`, limit: 5 });
      } catch (e) {
        code = FabricError.is(e) ? e.code : `non-fabric error: ${String(e)}`;
        // Do not spin: a failed call is answered at once while the connection is down.
        await new Promise((r) => setTimeout(r, 5));
      }
      outcomes.push({ start, end: Date.now(), code });
    }
  });
  return {
    outcomes,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** A write made now reaches the store's subscribers (the change reader has resumed). */
async function expectLiveChanges(): Promise<void> {
  const seen: number[] = [];
  const unsubscribe = t.fabric.store.subscribe((events) => seen.push(...events.map((e) => e.revision)));
  try {
    const { revision } = await t.client.setContext({ key: "live", value: Date.now() });
    await eventually(() => seen.includes(revision), `change ${revision} delivered after the outage`, 10_000);
  } finally {
    unsubscribe();
  }
}

async function untilCallsSucceed(client: FabricClient, timeoutMs: number): Promise<number> {
  const start = Date.now();
  for (;;) {
    try {
      await client.setContext({ key: "probe", value: Date.now() });
      await client.getContext({ key: "probe" });
      return Date.now() - start;
    } catch (e) {
      if (!FabricError.is(e, "UNAVAILABLE")) throw e;
      if (Date.now() - start > timeoutMs) throw new Error(`calls still fail ${timeoutMs} ms after Redis came back`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function expectBounded(outcomes: Outcome[], from: number, to: number, atLeast: number): void {
  const during = outcomes.filter((o) => o.start >= from && o.start < to);
  expect(during.length).toBeGreaterThanOrEqual(atLeast);
  // Every call that started while Redis was gone failed with UNAVAILABLE, and within the bound.
  expect(during.filter((o) => o.code !== "UNAVAILABLE")).toEqual([]);
  const slowest = Math.max(...during.map((o) => o.end - o.start));
  expect(slowest).toBeLessThanOrEqual(COMMAND_TIMEOUT_MS + SLACK_MS);
  // Calls in flight when it went away either completed or failed with UNAVAILABLE: nothing else.
  expect(outcomes.filter((o) => o.code !== "OK" && o.code !== "UNAVAILABLE")).toEqual([]);
}

test("Redis killed under load: calls fail UNAVAILABLE within the bound; restarted: calls succeed, no fabric restart", async () => {
  await t.client.setContext({ key: "before", value: "kept" });
  const run = load(t.client);
  await new Promise((r) => setTimeout(r, 300));
  await redis.kill("SIGKILL");
  const downAt = Date.now();
  await new Promise((r) => setTimeout(r, 1200));
  const upAt = Date.now();
  await redis.start();
  const recoveredIn = await untilCallsSucceed(t.newClient(), 10_000);
  await new Promise((r) => setTimeout(r, 300));
  await run.stop();

  // Calls started once Redis was surely gone (a moment after the kill) and before the restart.
  expectBounded(run.outcomes, downAt + 50, upAt, 50);
  const after = run.outcomes.filter((o) => o.start > upAt + recoveredIn + 200);
  expect(after.length).toBeGreaterThan(10);
  expect(after.every((o) => o.code === "OK")).toBe(true);
  expect((await t.client.getContext({ key: "before" }))?.value).toBe("kept");
  await expectLiveChanges();
});

test("Redis frozen under load (nothing answers, connections stay open): calls time out as UNAVAILABLE; thawed: calls succeed", async () => {
  const run = load(t.client);
  await new Promise((r) => setTimeout(r, 300));
  redis.pause();
  const downAt = Date.now();
  await new Promise((r) => setTimeout(r, 2000));
  const upAt = Date.now();
  redis.resume();
  const recoveredIn = await untilCallsSucceed(t.newClient(), 10_000);
  await new Promise((r) => setTimeout(r, 300));
  await run.stop();

  // A call started less than the timeout before the thaw may still get its answer: not counted.
  expectBounded(run.outcomes, downAt + 50, upAt - COMMAND_TIMEOUT_MS - 50, 16);
  // Frozen, not gone: calls really waited for the command timeout before failing.
  const during = run.outcomes.filter((o) => o.start >= downAt + 50 && o.start < upAt - COMMAND_TIMEOUT_MS - 50);
  expect(Math.min(...during.map((o) => o.end - o.start))).toBeGreaterThanOrEqual(COMMAND_TIMEOUT_MS - 50);
  const after = run.outcomes.filter((o) => o.start > upAt + recoveredIn + 200);
  expect(after.length).toBeGreaterThan(10);
  expect(after.every((o) => o.code === "OK")).toBe(true);
  await expectLiveChanges();
});
