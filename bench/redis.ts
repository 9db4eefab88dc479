/**
 * `npm run bench:redis`: what the fabric costs over the Redis it stores in.
 *
 * Starts its own redis-server (no persistence) and a fabric server over it in a separate process
 * (semantic search off, so that sets are not also embedding),
 * then measures, in the same run and against the same Redis:
 * - setContext / getContext through FabricClient over loopback gRPC (a set is a Lua script in Redis:
 *   revision, indexes and change-stream entry; a get one plain MGET of the record and the header,
 *   shared by the gets of one event-loop turn);
 * - a direct ioredis SET / GET of the same value from this process, the floor the fabric sits on;
 * - the Redis store called in this process (no gRPC), to split the fabric's cost between the
 *   store's scripts and the transport;
 * at 1 and 64 concurrent calls, printing p50/p99, throughput and the ratio. Prints; asserts nothing.
 * BENCH_SECONDS (default 2) sets the length of each measurement.
 */
import { Redis } from "ioredis";
import { FabricClient } from "@cache-fabric/client";
import { createRedisStore } from "../server/store/redis/redis-store.js";
import { startRedis } from "../test/support/redis-server.js";
import { formatLoad, machineLine, runLoad, spawnFabricServer, type LoadResult } from "./lib.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const PROMPT = "You are a helpful assistant. ".repeat(8); // ~230 bytes, a short system prompt
const KEYS = 1000;

async function main(): Promise<void> {
  console.log(machineLine());
  const redis = await startRedis();
  const direct = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  // Search off: embedding every set would measure the embedder (bench:embed), not the store.
  const server = await spawnFabricServer({ FABRIC_STORE: "redis", REDIS_URL: redis.url, FABRIC_SEARCH: "off" });
  const client = new FabricClient({ address: server.address });
  const store = await createRedisStore({ settings: { redisUrl: redis.url, redisKeyPrefix: "bench-store:" }, log: () => {} });
  try {
    const version = /redis_version:(\S+)/.exec(await direct.info("server"))?.[1];
    console.log(`redis ${version} on 127.0.0.1:${redis.port}, no persistence; fabric server in its own process, search off; ${SECONDS} s per figure\n`);
    const value = JSON.stringify(PROMPT);
    for (let i = 0; i < KEYS; i++) {
      await client.setContext({ key: `prompt:${i}`, value: PROMPT });
      await direct.set(`direct:prompt:${i}`, value);
    }
    await store.write(Array.from({ length: KEYS }, (_, i) => ({ op: "set", scope: "GLOBAL", key: `prompt:${i}`, value: PROMPT, metadata: {} })));
    const rows: [string, LoadResult, LoadResult, LoadResult][] = [];
    for (const concurrency of [1, 64]) {
      const fabricSet = await runLoad(concurrency, SECONDS, (i) => client.setContext({ key: `prompt:${i % KEYS}`, value: PROMPT }));
      const redisSet = await runLoad(concurrency, SECONDS, (i) => direct.set(`direct:prompt:${i % KEYS}`, value));
      const fabricGet = await runLoad(concurrency, SECONDS, (i) => client.getContext({ key: `prompt:${i % KEYS}` }));
      const redisGet = await runLoad(concurrency, SECONDS, (i) => direct.get(`direct:prompt:${i % KEYS}`));
      const storeSet = await runLoad(concurrency, SECONDS, (i) =>
        store.write([{ op: "set", scope: "GLOBAL", key: `prompt:${i % KEYS}`, value: PROMPT, metadata: {} }]),
      );
      const storeGet = await runLoad(concurrency, SECONDS, (i) => store.get("GLOBAL", `prompt:${i % KEYS}`));
      rows.push(["set", fabricSet, storeSet, redisSet], ["get", fabricGet, storeGet, redisGet]);
      console.log(formatLoad("setContext (fabric over Redis)", fabricSet));
      console.log(formatLoad("  RedisStore.write (in process)", storeSet));
      console.log(formatLoad("  SET (ioredis, direct)", redisSet));
      console.log(formatLoad("getContext (fabric over Redis)", fabricGet));
      console.log(formatLoad("  RedisStore.get (in process)", storeGet));
      console.log(formatLoad("  GET (ioredis, direct)", redisGet));
    }
    const ratio = (label: string, r: LoadResult, raw: LoadResult) =>
      `${label}: p50 ${(r.p50Ms / raw.p50Ms).toFixed(1)}x, p99 ${(r.p99Ms / raw.p99Ms).toFixed(1)}x, throughput ${((r.opsPerSec / raw.opsPerSec) * 100).toFixed(0)}%`;
    console.log("\nratios to direct ioredis (÷ direct; throughput as % of direct):");
    for (const [op, fabric, store, raw] of rows) {
      console.log(`  ${op} c=${String(fabric.concurrency).padStart(2)}  ${ratio("fabric over gRPC", fabric, raw)}  |  ${ratio("store in process", store, raw)}`);
    }
  } finally {
    await client.close();
    await store.close();
    await server.stop();
    direct.disconnect();
    await redis.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
