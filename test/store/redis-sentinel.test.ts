import { Redis } from "ioredis";
import { FabricError } from "@cache-fabric/client";
import { createRedisStore, type RedisStore } from "../../server/store/redis/redis-store.js";
import { startRedis, startSentinel, type RedisProcess, type SentinelProcess } from "../support/redis-server.js";
import { eventually } from "../support/harness.js";

/** Sentinel promotion and replica sync take seconds: a longer bound than the harness default. */
const until = (predicate: () => Promise<boolean>, what: string) => eventually(predicate, what, 15_000);

/**
 * The Redis store through Sentinel (REDIS_SENTINELS): it finds the master through Sentinel and,
 * after a failover, follows the promoted replica by itself, change feed included. Real processes:
 * a master, its replica and one Sentinel (quorum 1); the failover is forced with SENTINEL FAILOVER.
 */

let master: RedisProcess;
let replica: RedisProcess;
let sentinel: SentinelProcess;
let sentinelClient: Redis;
let store: RedisStore;

const masterPort = async () => Number(((await sentinelClient.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster")) as string[])[1]);

beforeAll(async () => {
  // No 5 s wait for more replicas before the first (diskless) sync.
  master = await startRedis({ extraArgs: ["--repl-diskless-sync-delay", "0"] });
  replica = await startRedis({ extraArgs: ["--replicaof", "127.0.0.1", String(master.port)] });
  const replicaClient = new Redis(replica.url, { maxRetriesPerRequest: 1 });
  await until(async () => /master_link_status:up/.test(await replicaClient.info("replication")), "the replica to sync");
  replicaClient.disconnect();
  sentinel = await startSentinel(master.port);
  sentinelClient = new Redis({ port: sentinel.port, maxRetriesPerRequest: 1 });
  await until(async () => {
    const replicas = (await sentinelClient.call("SENTINEL", "REPLICAS", "mymaster")) as string[][];
    return replicas.some((r) => r.join(" ").includes(`${replica.port}`) && /master-link-status ok/.test(r.join(" ")));
  }, "Sentinel to know the replica");
  store = await createRedisStore({
    settings: {
      redisSentinels: `127.0.0.1:${sentinel.port}`,
      redisSentinelName: "mymaster",
      redisCommandTimeoutMs: 500,
      redisRetryMinDelayMs: 20,
      redisRetryMaxDelayMs: 200,
    },
    retryLimit: 300,
    changeBlockMs: 1000,
    log: () => {},
  });
});

afterAll(async () => {
  await store?.close();
  sentinelClient?.disconnect();
  await sentinel?.stop();
  await replica?.stop();
  await master?.stop();
});

test("found through Sentinel; after a failover writes, reads and the change feed follow the new master", async () => {
  expect(await masterPort()).toBe(master.port);
  const seen: number[] = [];
  store.subscribe((events) => seen.push(...events.map((e) => e.revision)));
  await store.write([{ op: "set", scope: "GLOBAL", key: "before", value: 1, metadata: {} }]);
  // Replication is asynchronous: make sure the replica has the write before promoting it.
  const masterClient = new Redis(master.url, { maxRetriesPerRequest: 1 });
  expect(await masterClient.wait(1, 5000)).toBe(1);
  masterClient.disconnect();

  await sentinelClient.call("SENTINEL", "FAILOVER", "mymaster");
  await until(async () => (await masterPort()) === replica.port, "Sentinel to promote the replica");

  let after = 0;
  await until(async () => {
    try {
      after = (await store.write([{ op: "set", scope: "GLOBAL", key: "after", value: 2, metadata: {} }])).revision;
      return true;
    } catch (e) {
      if (!FabricError.is(e, "UNAVAILABLE")) throw e;
      return false;
    }
  }, "writes to succeed on the new master");
  expect(after).toBe(2);
  expect((await store.get("GLOBAL", "before"))?.value).toBe(1);
  await until(async () => seen.includes(after), "the change feed to follow the new master");
  expect(seen).toEqual([1, 2]);
});
