import * as grpc from "@grpc/grpc-js";
import { FabricError } from "@cache-fabric/client";
import { createMemoryStore } from "../../server/store/memory.js";
import { createRedisStore } from "../../server/store/redis/redis-store.js";
import { startRedis, type RedisProcess } from "../support/redis-server.js";
import { healthClient, type HealthClient } from "../support/health-client.js";
import { startOpsServer, tokenDocument, type OpsTestServer } from "../support/ops-server.js";
import { eventually } from "../support/harness.js";

/**
 * grpc.health.v1 over real gRPC: driven by a real redis-server that is killed and started again
 * (same port and data), and by shutdown. Probes every 100 ms here (default 1,000).
 */

const PROBE_MS = 100;

describe("health follows the store (Redis killed and restarted)", () => {
  let redis: RedisProcess;
  let t: OpsTestServer;
  let health: HealthClient;

  beforeAll(async () => {
    redis = await startRedis({ durable: true });
    const store = await createRedisStore({
      settings: {
        redisUrl: redis.url,
        redisCommandTimeoutMs: 300,
        redisConnectTimeoutMs: 300,
        redisRetryMinDelayMs: 20,
        redisRetryMaxDelayMs: 100,
      },
      retryLimit: 500, // bounded, so a failing test cannot leave a client reconnecting for ever
      changeBlockMs: 500,
      log: () => {},
    });
    t = await startOpsServer(store, { config: { healthIntervalMs: PROBE_MS } });
    health = healthClient(t.address);
  });

  afterAll(async () => {
    health?.close();
    await t?.stop();
    await redis?.stop();
  });

  test("SERVING → NOT_SERVING while Redis is down → SERVING when it is back; Check and Watch agree", async () => {
    await eventually(async () => (await health.check()).status === "SERVING", "SERVING", 8000);
    expect(await health.check("cachefabric.v1.ContextService")).toEqual({ status: "SERVING" });
    const watch = health.watch();
    await eventually(() => watch.statuses.length > 0, "watch's first status", 8000);
    expect(watch.statuses).toEqual(["SERVING"]);

    await redis.kill();
    await eventually(async () => (await health.check()).status === "NOT_SERVING", "NOT_SERVING", 8000);
    expect(await health.check("cachefabric.v1.SearchService")).toEqual({ status: "NOT_SERVING" });
    await eventually(() => watch.statuses.includes("NOT_SERVING"), "watch sees NOT_SERVING", 8000);
    // The data path agrees: the store is unreachable, calls answer UNAVAILABLE (not a hang, not empty).
    const err = await t.client().getContext({ key: "k" }).catch((e) => e);
    expect(FabricError.is(err, "UNAVAILABLE")).toBe(true);

    await redis.start();
    await eventually(async () => (await health.check()).status === "SERVING", "SERVING again", 8000);
    await eventually(() => watch.statuses.at(-1) === "SERVING", "watch sees SERVING again", 8000);
    expect(watch.statuses).toEqual(["SERVING", "NOT_SERVING", "SERVING"]);
    watch.cancel();
    expect(t.logs.some((l) => l.msg === "health: store unreachable, NOT_SERVING" && l.level === "warn")).toBe(true);
  });

  test("an unknown service name is NOT_FOUND", async () => {
    expect(await health.check("no.such.Service")).toEqual({ code: grpc.status.NOT_FOUND });
  });
});

describe("health during shutdown", () => {
  test("NOT_SERVING from the moment shutdown begins, calls still served while draining, watches told then ended", async () => {
    const t = await startOpsServer(createMemoryStore(), { config: { healthIntervalMs: PROBE_MS, shutdownDrainMs: 400 } });
    const health = healthClient(t.address);
    await eventually(async () => (await health.check()).status === "SERVING", "SERVING", 8000);
    const watch = health.watch();
    await eventually(() => watch.statuses.length > 0, "watch's first status", 8000);

    const draining = t.ops.drain();
    expect(await health.check()).toEqual({ status: "NOT_SERVING" });
    // Load balancers stop routing while requests in flight, and late ones, still succeed.
    await expect(t.client().setContext({ key: "k", value: 1 })).resolves.toMatchObject({ key: "k" });
    expect(await watch.ended).toBe(grpc.status.OK);
    expect(watch.statuses).toEqual(["SERVING", "NOT_SERVING"]);
    await draining;

    // The health watch did not hold the server open: shutdown completes well within its grace.
    const started = Date.now();
    await t.server.shutdown(5000);
    expect(Date.now() - started).toBeLessThan(2000);
    health.close();
    await t.stop();
  });

  test("health needs no token even when authentication is on (probes carry none)", async () => {
    const t = await startOpsServer(createMemoryStore(), {
      config: { authTokens: tokenDocument([{ name: "x", token: "x-secret-0123456789abc", grants: [] }]) },
    });
    const health = healthClient(t.address);
    await eventually(async () => (await health.check()).status === "SERVING", "SERVING", 8000);
    health.close();
    await t.stop();
  });

  test("FABRIC_HEALTH=false: no health service", async () => {
    const t = await startOpsServer(createMemoryStore(), { config: { health: false } });
    const health = healthClient(t.address);
    expect(await health.check()).toEqual({ code: grpc.status.UNIMPLEMENTED });
    health.close();
    await t.stop();
  });
});
