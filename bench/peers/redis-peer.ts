/**
 * Redis as a peer and as the fabric's store: redis-benchmark's own figures, what Redis spends per
 * call (process CPU from /proc, and INFO commandstats' time inside each command), and what a stored
 * context costs in Redis memory beside a plain key holding the same value.
 */
import { execFile } from "node:child_process";
import { Redis } from "ioredis";
import { createRedisStore } from "../../server/store/redis/redis-store.js";
import { treeCpuSeconds, type CpuMeter } from "./process-cpu.js";

export interface RedisBenchmarkResult {
  command: string;
  requests: number;
  reqPerSec: number;
  /** redis-server's process CPU per request, µs. */
  cpuUsPerCall: number;
}

/**
 * redis-benchmark with 8 connections × 16 pipelined requests (the same requests in flight as
 * h2load's 8 × 16 streams), a 256-byte value, one key. Runs about `seconds`.
 */
export async function redisBenchmark(port: number, pid: number, command: "get" | "set", seconds: number): Promise<RedisBenchmarkResult> {
  const args = (n: number) => ["-p", String(port), "-c", "8", "-P", "16", "-d", "256", "-n", String(n), "-t", command, "--csv"];
  const probe = parseCsv(await run("redis-benchmark", args(50_000)));
  const requests = Math.max(50_000, Math.round(probe * seconds));
  const before = treeCpuSeconds(pid);
  const reqPerSec = parseCsv(await run("redis-benchmark", args(requests)));
  const cpu = treeCpuSeconds(pid) - before;
  return { command: command.toUpperCase(), requests, reqPerSec, cpuUsPerCall: (cpu / requests) * 1e6 };
}

function parseCsv(out: string): number {
  // "test","rps",... then "SET","123456.79",...
  const line = out
    .trim()
    .split("\n")
    .find((l) => /^"(GET|SET)"/.test(l));
  if (!line) throw new Error(`cannot read redis-benchmark's output:\n${out}`);
  return Number(line.split(",")[1].replace(/"/g, ""));
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { maxBuffer: 1 << 20, timeout: 600_000 }, (e, stdout, stderr) =>
      e ? reject(new Error(`${cmd}: ${stderr || e.message}`)) : resolve(stdout),
    ),
  );
}

export interface CommandStat {
  calls: number;
  usecPerCall: number;
}

/** INFO commandstats as command → calls and µs per call (time inside the command). */
export async function commandStats(redis: Redis): Promise<Map<string, CommandStat>> {
  const stats = new Map<string, CommandStat>();
  for (const m of (await redis.info("commandstats")).matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=\d+,usec_per_call=([\d.]+)/gm)) {
    stats.set(m[1], { calls: Number(m[2]), usecPerCall: Number(m[3]) });
  }
  return stats;
}

/**
 * Redis' own CPU (used_cpu_user + used_cpu_sys of INFO cpu: getrusage, to the microsecond) through
 * `redis`. /proc counts in 10 ms ticks, too coarse for a few thousand calls of a few µs each; the
 * INFO call itself costs Redis a few µs, once per reading.
 */
export function redisCpuMeter(redis: Redis): CpuMeter {
  return async () => {
    const info = await redis.info("cpu");
    const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, "m").exec(info)?.[1] ?? NaN);
    return field("used_cpu_user") + field("used_cpu_sys");
  };
}

/** `used_memory` from INFO memory. */
export async function usedMemory(redis: Redis): Promise<number> {
  return Number(/^used_memory:(\d+)/m.exec(await redis.info("memory"))![1]);
}

export interface MemoryPerContext {
  count: number;
  /** The change stream's length (the store's history size). */
  history: number;
  valueBytes: number;
  plainKeyBytes: number;
  contextBytes: number;
  /** MEMORY USAGE of one context's data key, its share of the change stream, and of the two indexes. */
  dataKeyBytes: number;
  streamBytesPerContext: number;
  indexBytesPerContext: number;
}

/**
 * Redis memory per stored context beside a plain key: `count` plain SETs of the same 256-byte
 * value, then (after FLUSHALL) `count` contexts written through the real Redis store, each with two
 * metadata entries, with a change stream of `history` entries; used_memory growth / count for both,
 * and a breakdown by key type. Uses a Redis of its own: it flushes it.
 */
export async function memoryPerContext(url: string, count: number, value: string, history = count): Promise<MemoryPerContext> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    await redis.flushall();
    const key = (i: number) => `router:r${i}:system_message`;
    let base = await usedMemory(redis);
    for (let i = 0; i < count; i += 1000) {
      const pipe = redis.pipeline();
      for (let j = i; j < Math.min(count, i + 1000); j++) pipe.set(key(j), value);
      await pipe.exec();
    }
    const plainKeyBytes = ((await usedMemory(redis)) - base) / count;
    await redis.flushall();
    base = await usedMemory(redis);
    const store = await createRedisStore({ settings: { redisUrl: url }, historySize: history, log: () => {} });
    try {
      for (let i = 0; i < count; i += 500) {
        await store.write(
          Array.from({ length: Math.min(500, count - i) }, (_, j) => ({
            op: "set" as const,
            scope: "GLOBAL" as const,
            key: key(i + j),
            value,
            metadata: { source: "manifest", version: "1.0" },
          })),
        );
      }
      const contextBytes = ((await usedMemory(redis)) - base) / count;
      const usage = async (k: string) => Number(await redis.call("MEMORY", "USAGE", k, "SAMPLES", "0"));
      const indexBytes = (await usage(store.keys.byRevision("GLOBAL"))) + (await usage(store.keys.byName("GLOBAL")));
      return {
        count,
        history,
        valueBytes: Buffer.byteLength(value),
        plainKeyBytes,
        contextBytes,
        dataKeyBytes: await usage(store.keys.data("GLOBAL", key(0))),
        streamBytesPerContext: (await usage(store.keys.changes)) / count,
        indexBytesPerContext: indexBytes / count,
      };
    } finally {
      await store.close();
    }
  } finally {
    await redis.flushall();
    redis.disconnect();
  }
}
