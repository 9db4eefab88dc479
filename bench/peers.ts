/**
 * `npm run bench:peers`: the fabric beside its peers, same workloads, one run, one machine.
 *
 * Started here, each in its own process on free ports with temporary data: a private etcd
 * (/usr/bin/etcd), redis-server, the fabric server (server/main.ts: memory store, then Redis store
 * with 1 and 2 worker processes) and the ablation ladder's servers (bench/peers/ladder-server.ts,
 * from a bare grpc-js echo up to the full server). Load comes from:
 * - h2load (C, no Node client in the way): unary gRPC at 8 connections × 16 streams, request bodies
 *   encoded with the generated code (etcd's from a small local descriptor); every target is sent the
 *   exact frame once through grpc-js first and must answer OK, and the fabric's own call counters
 *   (FABRIC_METRICS_LISTEN) must show every h2load request answered OK;
 * - redis-benchmark at 8 connections × 16 pipelined requests (the same requests in flight);
 * - Node clients (FabricClient, a grpc-js etcd client, ioredis) at 1 and 64 calls in flight.
 * Server CPU per call is read from /proc (utime + stime of the server's process tree) over each
 * timed run; Redis's from its INFO cpu (to the µs: a few thousand fabric calls of a few µs each
 * are below /proc's 10 ms ticks). Also: Redis CPU and memory per context vs plain commands and keys
 * (memory at history = count and at a tenth of it), set → 1,000 watchers against each peer, and
 * prompt-cache get() with 1,000 caches in one process.
 *
 * Prints figures and ratios; asserts nothing. BENCH_SECONDS (default 5) per timed run; BENCH_QUICK=1
 * validates the harness in about two minutes (2 s runs, fewer fan-out writes). Arguments pick
 * sections: ladder, fabric, etcd, redis, fabric-redis, memory (default all).
 */
import { execFileSync } from "node:child_process";
import { Redis } from "ioredis";
import { FabricClient } from "@cache-fabric/client";
import { createPromptCache } from "@cache-fabric/client/agent";
import { ContextService, GetContextRequestSchema, GetContextResponseSchema, SetContextRequestSchema } from "@cache-fabric/client/gen/context";
import { grpcMethodPath, valueToPb } from "@cache-fabric/client/wire";
import { fromBinary } from "@bufbuild/protobuf";
import { startRedis, type RedisProcess } from "../test/support/redis-server.js";
import { formatLoad, machineLine, runLoad, spawnFabricServer, type LoadResult, type SpawnedServer } from "./lib.js";
import { createEtcdClient, startEtcd, type EtcdProcess } from "./peers/etcd.js";
import { etcd } from "./peers/etcd-proto.js";
import { etcdFanout, fabricFanout, OWN_CONNECTION, redisFanout, type FanoutResult } from "./peers/fanout.js";
import { checkFrame, encodeRequest, h2load, type H2loadResult } from "./peers/h2load.js";
import { treeCpuSeconds } from "./peers/process-cpu.js";
import { LADDER_KEY, PROMPT, RUNGS, startLadderServer, type Rung } from "./peers/ladder-server.js";
import { commandStats, memoryPerContext, redisBenchmark, redisCpuMeter, type MemoryPerContext, type RedisBenchmarkResult } from "./peers/redis-peer.js";
import type { CpuMeter } from "./peers/process-cpu.js";

const QUICK = process.env.BENCH_QUICK === "1";
/** Sections to run (`npm run bench:peers -- ladder etcd`); none named: all. */
const SECTIONS = ["ladder", "fabric", "etcd", "redis", "fabric-redis", "memory"] as const;
const chosen = process.argv.slice(2);
for (const name of chosen) if (!(SECTIONS as readonly string[]).includes(name)) throw new Error(`unknown section ${name}: one of ${SECTIONS.join(", ")}`);
const wanted = (section: (typeof SECTIONS)[number]) => chosen.length === 0 || chosen.includes(section);
const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 2 : 5));
const FANOUT = { watchers: 1000, connections: 10, writes: QUICK ? 10 : 30 };
const MEMORY_CONTEXTS = QUICK ? 2000 : 10_000;
/** Distinct keys of the Node-client read run that does not read one hot key. */
const SPREAD_KEYS = 1000;
const KEY = LADDER_KEY;

const GET_PATH = grpcMethodPath(ContextService.method.getContext);
const SET_PATH = grpcMethodPath(ContextService.method.setContext);
const GET_MESSAGE = encodeRequest(GetContextRequestSchema, { key: KEY });
const SET_MESSAGE = encodeRequest(SetContextRequestSchema, { key: KEY, value: valueToPb(PROMPT), metadata: { source: "bench" } });
const etcdKey = new TextEncoder().encode(KEY);
const RANGE_SERIALIZABLE = encodeRequest(etcd.RangeRequest, { key: etcdKey, serializable: true });
const RANGE_LINEARIZABLE = encodeRequest(etcd.RangeRequest, { key: etcdKey });
const PUT_MESSAGE = encodeRequest(etcd.PutRequest, { key: etcdKey, value: new TextEncoder().encode(PROMPT) });

const uptime = () => execFileSync("uptime").toString().trim();
const n0 = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "—");
const ms = (x: number) => (Number.isFinite(x) ? `${x < 10 ? x.toFixed(2) : x.toFixed(0)} ms` : "—");
const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : "—");

/** Everything measured, for the summary. */
const figures = {
  ladder: new Map<Rung, H2loadResult>(),
  h2: new Map<string, H2loadResult>(),
  redisCpu: new Map<string, number>(),
  redisScript: new Map<string, { calls: number; usecPerCall: number }>(),
  redisBench: new Map<string, RedisBenchmarkResult>(),
  node: new Map<string, LoadResult>(),
  /** "<label> c=<n> <process>" → CPU µs per call. */
  nodeCpu: new Map<string, number>(),
  fanout: new Map<string, FanoutResult>(),
  promptCache: undefined as undefined | { readsPerSec: number; streams: number | undefined; readyMs: number },
  memory: [] as MemoryPerContext[],
};

function h2line(label: string, r: H2loadResult, extra = ""): string {
  return `h2load ${label.padEnd(40)} ${n0(r.reqPerSec).padStart(7)} req/s  server CPU ${r.cpuUsPerCall.map((c) => `${c.toFixed(0)} µs`).join(" + ")}/call  mean ${ms(r.meanMs)}${extra}`;
}

/** OK and failed calls of `method` the server has answered, summed over labels (and workers). */
async function handled(metricsAddress: string, method: string): Promise<{ ok: number; failed: number }> {
  const text = await (await fetch(`http://${metricsAddress}/metrics`)).text();
  let ok = 0;
  let failed = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith("grpc_server_handled_total{") || !line.includes(`grpc_method="${method}"`)) continue;
    const n = Number(line.slice(line.lastIndexOf(" ") + 1));
    if (line.includes('grpc_code="OK"')) ok += n;
    else failed += n;
  }
  return { ok, failed };
}

async function fabricWatchers(metricsAddress: string): Promise<number | undefined> {
  const text = await (await fetch(`http://${metricsAddress}/metrics`)).text();
  const values = [...text.matchAll(/^fabric_watchers(?:\{[^}]*\})? (\d+)/gm)].map((m) => Number(m[1]));
  return values.length ? values.reduce((a, b) => a + b, 0) : undefined;
}

function metricsAddressOf(server: SpawnedServer): string {
  const m = /metrics on http:\/\/([\d.:]+)\/metrics/.exec(server.output());
  if (!m) throw new Error("the fabric server did not report its metrics address");
  return m[1];
}

/**
 * h2load against a fabric server, checked end to end: the frame answers OK through grpc-js, and the
 * server's counters show every request h2load sent (warm-up included) answered OK, none failed.
 */
async function fabricH2load(
  label: string,
  server: SpawnedServer,
  path: string,
  message: Uint8Array,
  method: string,
  extraMeters: CpuMeter[] = [],
): Promise<H2loadResult> {
  await checkFrame(server.address, path, message);
  const metrics = metricsAddressOf(server);
  const before = await handled(metrics, method);
  const r = await h2load({ address: server.address, path, message, seconds: SECONDS, cpuPids: [server.pid], cpuMeters: extraMeters });
  const after = await handled(metrics, method);
  const ok = after.ok - before.ok;
  const failed = after.failed - before.failed;
  const verdict =
    failed === 0 && ok >= r.succeeded ? `verified: ${n0(ok)} OK, 0 failed` : `NOT VERIFIED: ${n0(ok)} OK, ${n0(failed)} failed for ${n0(r.succeeded)} sent`;
  console.log(h2line(label, r, `  (${verdict})`));
  figures.h2.set(label, r);
  return r;
}

/**
 * A Node client's closed loop at `concurrency` calls in flight; with `cpu`, the CPU per call of those
 * processes' trees over the whole loop (warm-up calls counted too, so the division is exact), less
 * what each spends idle (measured for a second first: Redis's cron and the fabric's background
 * reads would otherwise be charged to the calls of a slow loop). A process is named by its pid
 * (/proc) or by a meter of its own (Redis: INFO cpu).
 */
async function nodeLoad(
  label: string,
  concurrency: number,
  op: (i: number) => Promise<unknown>,
  cpu: Record<string, number | CpuMeter> = {},
): Promise<LoadResult> {
  const meters = Object.values(cpu).map((m): CpuMeter => (typeof m === "number" ? () => treeCpuSeconds(m) : m));
  const read = () => Promise.all(meters.map((m) => m()));
  const idleStart = await read();
  const idleT0 = performance.now();
  if (meters.length > 0) await new Promise((r) => setTimeout(r, 1000));
  const idleEnd = await read();
  const idleSeconds = (performance.now() - idleT0) / 1000;
  const idleRate = meters.map((_, i) => (idleEnd[i] - idleStart[i]) / idleSeconds);
  let calls = 0;
  const before = await read();
  const t0 = performance.now();
  const r = await runLoad(concurrency, SECONDS, (i) => {
    calls++;
    return op(i);
  });
  const elapsed = (performance.now() - t0) / 1000;
  const after = await read();
  const perCall = Object.keys(cpu).map((name, i) => [name, ((after[i] - before[i] - idleRate[i] * elapsed) / calls) * 1e6] as const);
  figures.node.set(`${label} c=${concurrency}`, r);
  for (const [name, us] of perCall) figures.nodeCpu.set(`${label} c=${concurrency} ${name}`, us);
  console.log(
    `node   ${formatLoad(label, r)}${perCall.map(([name, us], i) => `  ${name} CPU ${us.toFixed(1)} µs/call (idle ${(idleRate[i] * 100).toFixed(1)}% off)`).join("")}`,
  );
  return r;
}

function fanoutLine(label: string, r: FanoutResult): string {
  return (
    `fanout ${label.padEnd(34)} N=${r.watchers} on ${r.connections} conn: all have it p50 ${ms(r.allP50Ms)} p99 ${ms(r.allP99Ms)}, missed ${r.missed}; ` +
    `writer p50 ${ms(r.writerIdleP50Ms)} idle, ${ms(r.writerDuringP50Ms)} during fan-out; CPU per delivery: server ${r.serverCpuUsPerDelivery.toFixed(1)} µs, watchers' process ${r.clientCpuUsPerDelivery.toFixed(1)} µs`
  );
}

async function ladder(): Promise<void> {
  console.log(`\n-- ablation ladder: server CPU per GetContext at each level of the stack (h2load 8×16, ${SECONDS} s each)`);
  for (const rung of RUNGS) {
    const server = await startLadderServer(rung);
    try {
      const answer = await checkFrame(server.address, GET_PATH, GET_MESSAGE);
      if (rung !== "echo" && fromBinary(GetContextResponseSchema, answer).context?.key !== KEY) throw new Error(`ladder ${rung}: wrong answer`);
      const r = await h2load({ address: server.address, path: GET_PATH, message: GET_MESSAGE, seconds: SECONDS, cpuPids: [server.pid] });
      figures.ladder.set(rung, r);
      console.log(h2line(`ladder ${rung}`, r));
    } finally {
      await server.stop();
    }
  }
}

async function promptCaches(address: string, metricsAddress: string, count: number): Promise<void> {
  const client = new FabricClient({ address, channelOptions: OWN_CONNECTION });
  const t0 = performance.now();
  const caches = Array.from({ length: count }, () => createPromptCache(client, { keys: [KEY] }));
  await Promise.all(caches.map((c) => c.ready));
  const readyMs = performance.now() - t0;
  const streams = await fabricWatchers(metricsAddress);
  let reads = 0;
  let sink = 0;
  const start = performance.now();
  while (performance.now() - start < 1000) {
    for (let j = 0; j < 10_000; j++) sink += (caches[j % count].get(KEY) as string).length;
    reads += 10_000;
  }
  const readsPerSec = reads / ((performance.now() - start) / 1000);
  figures.promptCache = { readsPerSec, streams, readyMs };
  console.log(
    `cache  prompt cache get() with ${count} caches of one key in this process: ${(readsPerSec / 1e6).toFixed(1)} M reads/s; ` +
      `all ready in ${ms(readyMs)}; the server holds ${streams ?? "?"} watch streams for them (checksum ${sink % 10})`,
  );
  await Promise.all(caches.map((c) => c.close()));
  await client.close();
}

async function fabricMemory(): Promise<void> {
  console.log("\n-- fabric, memory store (server/main.ts in its own process, search off)");
  const server = await spawnFabricServer({
    FABRIC_STORE: "memory",
    FABRIC_SEARCH: "false",
    FABRIC_METRICS_LISTEN: "127.0.0.1:0",
    FABRIC_MAX_WATCHERS_PER_CONNECTION: "0",
  });
  const client = new FabricClient({ address: server.address, channelOptions: OWN_CONNECTION });
  try {
    await client.setContext({ key: KEY, value: PROMPT, metadata: { source: "bench" } });
    await fabricH2load("fabric memory GetContext", server, GET_PATH, GET_MESSAGE, "GetContext");
    await fabricH2load("fabric memory SetContext", server, SET_PATH, SET_MESSAGE, "SetContext");
    for (const c of [1, 64]) await nodeLoad("fabric memory getContext", c, () => client.getContext({ key: KEY }), { server: server.pid });
    await nodeLoad("fabric memory setContext", 64, () => client.setContext({ key: KEY, value: PROMPT }), { server: server.pid });
    const fan = await fabricFanout(server.address, { ...FANOUT, serverPid: server.pid });
    figures.fanout.set("fabric", fan);
    console.log(fanoutLine("fabric watch (memory)", fan));
    await promptCaches(server.address, metricsAddressOf(server), 1000);
  } finally {
    await client.close();
    await server.stop();
  }
}

async function etcdPeer(peer: EtcdProcess): Promise<void> {
  console.log("\n-- etcd 3.4 (single member, fsync on commit)");
  const client = createEtcdClient(peer.address, OWN_CONNECTION);
  try {
    await client.put(KEY, PROMPT);
    for (const [label, message] of [
      ["etcd Range serializable", RANGE_SERIALIZABLE],
      ["etcd Range linearizable", RANGE_LINEARIZABLE],
    ] as const) {
      await checkFrame(peer.address, grpcMethodPath(etcd.range), message);
      const r = await h2load({ address: peer.address, path: grpcMethodPath(etcd.range), message, seconds: SECONDS, cpuPids: [peer.pid] });
      figures.h2.set(label, r);
      console.log(h2line(label, r));
    }
    await checkFrame(peer.address, grpcMethodPath(etcd.put), PUT_MESSAGE);
    const put = await h2load({ address: peer.address, path: grpcMethodPath(etcd.put), message: PUT_MESSAGE, seconds: SECONDS, cpuPids: [peer.pid] });
    figures.h2.set("etcd Put", put);
    console.log(h2line("etcd Put", put));
    for (const c of [1, 64]) await nodeLoad("etcd range (serializable)", c, () => client.range(KEY, true), { server: peer.pid });
    await nodeLoad("etcd put", 64, () => client.put(KEY, PROMPT), { server: peer.pid });
    const fan = await etcdFanout(peer.address, { ...FANOUT, serverPid: peer.pid });
    figures.fanout.set("etcd", fan);
    console.log(fanoutLine("etcd watch", fan));
  } finally {
    client.close();
  }
}

async function redisPeer(redis: RedisProcess, pid: number, redisCpu: CpuMeter): Promise<void> {
  console.log("\n-- Redis 7 (redis-benchmark 8 connections × 16 pipelined; ioredis)");
  for (const command of ["get", "set"] as const) {
    const r = await redisBenchmark(redis.port, pid, command, SECONDS);
    figures.redisBench.set(r.command, r);
    console.log(`redis-benchmark ${r.command.padEnd(32)} ${n0(r.reqPerSec).padStart(9)} req/s  Redis CPU ${r.cpuUsPerCall.toFixed(1)} µs/call`);
  }
  const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  try {
    await client.set(KEY, PROMPT);
    for (const c of [1, 64]) await nodeLoad("ioredis GET", c, () => client.get(KEY), { Redis: redisCpu });
    await nodeLoad("ioredis SET", 64, () => client.set(KEY, PROMPT), { Redis: redisCpu });
  } finally {
    client.disconnect();
  }
  const fan = await redisFanout(redis.url, { ...FANOUT, serverPid: pid });
  figures.fanout.set("redis", fan);
  console.log(fanoutLine("Redis pub/sub, in-process fan-out", fan));
}

async function fabricRedis(redis: RedisProcess, redisCpu: CpuMeter, workers: number): Promise<void> {
  const label = `fabric redis ×${workers}`;
  console.log(`\n-- fabric over Redis, ${workers} server process${workers > 1 ? "es" : ""} (FABRIC_WORKERS=${workers})`);
  const server = await spawnFabricServer(
    { FABRIC_STORE: "redis", REDIS_URL: redis.url, REDIS_KEY_PREFIX: `bench${workers}:`, FABRIC_SEARCH: "false", FABRIC_METRICS_LISTEN: "127.0.0.1:0" },
    ["--workers", String(workers)],
  );
  const admin = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  const client = new FabricClient({ address: server.address, channelOptions: OWN_CONNECTION });
  try {
    await client.setContext({ key: KEY, value: PROMPT, metadata: { source: "bench" } });
    for (const [method, path, message] of [
      ["GetContext", GET_PATH, GET_MESSAGE],
      ["SetContext", SET_PATH, SET_MESSAGE],
    ] as const) {
      await admin.config("RESETSTAT");
      const r = await fabricH2load(`${label} ${method}`, server, path, message, method, [redisCpu]);
      figures.redisCpu.set(`${label} ${method}`, r.cpuUsPerCall[1]);
      const stats = await commandStats(admin);
      const scripts = [...stats].filter(([name]) => name === "evalsha" || name === "eval");
      const calls = scripts.reduce((sum, [, s]) => sum + s.calls, 0);
      const usec = scripts.reduce((sum, [, s]) => sum + s.calls * s.usecPerCall, 0) / Math.max(1, calls);
      figures.redisScript.set(`${label} ${method}`, { calls, usecPerCall: usec });
      const others = [...stats].filter(([name]) => !["evalsha", "eval", "config", "info"].includes(name)).map(([name, s]) => `${name} ${n0(s.calls)}`);
      console.log(
        `       Redis: ${r.cpuUsPerCall[1].toFixed(1)} µs CPU per ${method}; scripts ${n0(calls)} calls at ${usec.toFixed(1)} µs inside each; other commands: ${others.join(", ") || "none"}`,
      );
    }
    // The same client pattern as ioredis GET above, so Redis's CPU per read compares like for like.
    for (const c of [1, 64]) await nodeLoad(`${label} getContext`, c, () => client.getContext({ key: KEY }), { server: server.pid, Redis: redisCpu });
    if (workers === 1) {
      // Distinct keys: the reads of one turn still share one MGET, but no longer one entry.
      const keys = Array.from({ length: SPREAD_KEYS }, (_, i) => `${KEY}:${i}`);
      for (let i = 0; i < keys.length; i += 500) {
        const batch = client.pipeline();
        for (const key of keys.slice(i, i + 500)) batch.setContext({ key, value: PROMPT });
        await batch.execute();
      }
      await nodeLoad(`${label} getContext, ${n0(SPREAD_KEYS)} keys`, 64, (i) => client.getContext({ key: keys[i % keys.length] }), { server: server.pid, Redis: redisCpu });
      // The fabric's own read (one MGET of the record and the store header) sent straight from ioredis
      // at its full rate: what the same command costs Redis when many arrive per wake-up.
      const root = "{bench1:}";
      const dataKey = `${root}d:GLOBAL:${KEY}`;
      if ((await admin.exists(dataKey, `${root}head`)) !== 2) throw new Error(`no record at ${dataKey}: the Redis key layout changed`);
      for (const c of [1, 64]) await nodeLoad("direct: MGET record + head", c, () => admin.mget(dataKey, `${root}head`), { Redis: redisCpu });
    }
  } finally {
    await client.close();
    admin.disconnect();
    await server.stop();
  }
}

function summary(): void {
  const h = (k: string) => figures.h2.get(k);
  const echo = figures.ladder.get("echo");
  const get = h("fabric memory GetContext");
  const range = h("etcd Range serializable");
  const r1 = h("fabric redis ×1 GetContext");
  const r2 = h("fabric redis ×2 GetContext");
  const rbGet = figures.redisBench.get("GET");
  const rbSet = figures.redisBench.get("SET");
  const fan = figures.fanout;
  const node = (k: string) => figures.node.get(k);
  const cell = (r: H2loadResult | undefined, f: (r: H2loadResult) => string) => (r ? f(r) : "—");
  const rps = (r?: H2loadResult) => cell(r, (x) => n0(x.reqPerSec));
  const cpu = (r?: H2loadResult) => cell(r, (x) => `${x.cpuUsPerCall[0].toFixed(0)} µs`);
  const us = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? "—" : `${x.toFixed(1)} µs`);
  const nc = (k: string) => figures.nodeCpu.get(k);
  const perDelivery = (k: string) => {
    const f = fan.get(k);
    return f ? `${f.serverCpuUsPerDelivery.toFixed(1)} / ${f.clientCpuUsPerDelivery.toFixed(1)} µs` : "—";
  };
  const redisRw = (label: string) => `${us(figures.redisCpu.get(`${label} GetContext`))} / ${us(figures.redisCpu.get(`${label} SetContext`))}`;
  const rows: string[][] = [
    ["workload", "fabric (memory)", "fabric (Redis, 1 proc)", "fabric (Redis, 2 procs)", "etcd 3.4", "Redis 7", "bare grpc-js echo"],
    [
      "h2load reads/s, 8×16",
      rps(get),
      rps(r1),
      rps(r2),
      `${rps(range)} (serializable), ${rps(h("etcd Range linearizable"))} (linearizable)`,
      rbGet ? `${n0(rbGet.reqPerSec)} (GET, 8×16 pipelined)` : "—",
      rps(echo),
    ],
    ["server CPU per read", cpu(get), cpu(r1), cpu(r2), cpu(range), rbGet ? `${rbGet.cpuUsPerCall.toFixed(1)} µs` : "—", cpu(echo)],
    [
      "h2load writes/s, 8×16",
      rps(h("fabric memory SetContext")),
      rps(h("fabric redis ×1 SetContext")),
      rps(h("fabric redis ×2 SetContext")),
      `${rps(h("etcd Put"))} (Put, fsync)`,
      rbSet ? `${n0(rbSet.reqPerSec)} (SET)` : "—",
      "—",
    ],
    [
      "server CPU per write",
      cpu(h("fabric memory SetContext")),
      cpu(h("fabric redis ×1 SetContext")),
      cpu(h("fabric redis ×2 SetContext")),
      cpu(h("etcd Put")),
      rbSet ? `${rbSet.cpuUsPerCall.toFixed(1)} µs` : "—",
      "—",
    ],
    [
      "Redis CPU per read / write (h2load)",
      "—",
      redisRw("fabric redis ×1"),
      redisRw("fabric redis ×2"),
      "—",
      rbGet && rbSet ? `${rbGet.cpuUsPerCall.toFixed(1)} / ${rbSet.cpuUsPerCall.toFixed(1)} µs (pipelined)` : "—",
      "—",
    ],
    [
      "Redis CPU per read, Node client 1 / 64 in flight",
      "—",
      `${us(nc("fabric redis ×1 getContext c=1 Redis"))} / ${us(nc("fabric redis ×1 getContext c=64 Redis"))}`,
      `${us(nc("fabric redis ×2 getContext c=1 Redis"))} / ${us(nc("fabric redis ×2 getContext c=64 Redis"))}`,
      "—",
      `${us(nc("ioredis GET c=1 Redis"))} / ${us(nc("ioredis GET c=64 Redis"))} (GET)`,
      "—",
    ],
    [
      `Redis CPU per read, Node client 64 in flight over ${n0(SPREAD_KEYS)} keys`,
      "—",
      us(nc(`fabric redis ×1 getContext, ${n0(SPREAD_KEYS)} keys c=64 Redis`)),
      "—",
      "—",
      "—",
      "—",
    ],
    [
      "Redis CPU per read, the fabric's MGET sent directly, 1 / 64 in flight",
      "—",
      `${us(nc("direct: MGET record + head c=1 Redis"))} / ${us(nc("direct: MGET record + head c=64 Redis"))}`,
      "—",
      "—",
      "—",
      "—",
    ],
    [
      "Node client, 1 in flight, get p50",
      ms(node("fabric memory getContext c=1")?.p50Ms ?? NaN),
      ms(node("fabric redis ×1 getContext c=1")?.p50Ms ?? NaN),
      ms(node("fabric redis ×2 getContext c=1")?.p50Ms ?? NaN),
      ms(node("etcd range (serializable) c=1")?.p50Ms ?? NaN),
      ms(node("ioredis GET c=1")?.p50Ms ?? NaN),
      "—",
    ],
    [
      "Node client, 64 in flight, get ops/s",
      n0(node("fabric memory getContext c=64")?.opsPerSec ?? NaN),
      n0(node("fabric redis ×1 getContext c=64")?.opsPerSec ?? NaN),
      n0(node("fabric redis ×2 getContext c=64")?.opsPerSec ?? NaN),
      n0(node("etcd range (serializable) c=64")?.opsPerSec ?? NaN),
      n0(node("ioredis GET c=64")?.opsPerSec ?? NaN),
      "—",
    ],
    [
      "server CPU per get, Node client 64 in flight",
      us(nc("fabric memory getContext c=64 server")),
      us(nc("fabric redis ×1 getContext c=64 server")),
      us(nc("fabric redis ×2 getContext c=64 server")),
      us(nc("etcd range (serializable) c=64 server")),
      us(nc("ioredis GET c=64 Redis")),
      "—",
    ],
    [
      "Node client, 64 in flight, set ops/s",
      n0(node("fabric memory setContext c=64")?.opsPerSec ?? NaN),
      "—",
      "—",
      n0(node("etcd put c=64")?.opsPerSec ?? NaN),
      n0(node("ioredis SET c=64")?.opsPerSec ?? NaN),
      "—",
    ],
    [
      "set → all 1,000 watchers p50 / p99 (missed)",
      ...["fabric"].map((k) => (fan.get(k) ? `${ms(fan.get(k)!.allP50Ms)} / ${ms(fan.get(k)!.allP99Ms)} (${fan.get(k)!.missed})` : "—")),
      "—",
      "—",
      fan.get("etcd") ? `${ms(fan.get("etcd")!.allP50Ms)} / ${ms(fan.get("etcd")!.allP99Ms)} (${fan.get("etcd")!.missed}; one watch per stream)` : "—",
      fan.get("redis")
        ? `${ms(fan.get("redis")!.allP50Ms)} / ${ms(fan.get("redis")!.allP99Ms)} (${fan.get("redis")!.missed}; one SUBSCRIBE, in-process fan-out)`
        : "—",
      "—",
    ],
    [
      "writer p50 idle → during fan-out",
      fan.get("fabric") ? `${ms(fan.get("fabric")!.writerIdleP50Ms)} → ${ms(fan.get("fabric")!.writerDuringP50Ms)}` : "—",
      "—",
      "—",
      fan.get("etcd") ? `${ms(fan.get("etcd")!.writerIdleP50Ms)} → ${ms(fan.get("etcd")!.writerDuringP50Ms)}` : "—",
      fan.get("redis") ? `${ms(fan.get("redis")!.writerIdleP50Ms)} → ${ms(fan.get("redis")!.writerDuringP50Ms)}` : "—",
      "—",
    ],
    ["fan-out CPU per delivery: server / watchers' process", perDelivery("fabric"), "—", "—", perDelivery("etcd"), perDelivery("redis"), "—"],
  ];
  console.log("\n== summary\n");
  for (const [i, row] of rows.entries()) {
    console.log(`| ${row.join(" | ")} |`);
    if (i === 0) console.log(`|${row.map(() => "---").join("|")}|`);
  }

  console.log("\nladder (server CPU per GetContext, µs; step = added by that level):");
  let previous: number | undefined;
  for (const rung of RUNGS) {
    const r = figures.ladder.get(rung);
    if (!r) continue;
    const c = r.cpuUsPerCall[0];
    console.log(
      `  ${rung.padEnd(11)} ${c.toFixed(0).padStart(4)} µs  ${previous === undefined ? "" : `${c - previous >= 0 ? "+" : ""}${(c - previous).toFixed(0)} µs`}  (${n0(r.reqPerSec)} req/s)`,
    );
    // als-abort and histogram are side branches off preencoded: steps after them count from preencoded.
    previous = rung === "als-abort" || rung === "histogram" ? figures.ladder.get("preencoded")?.cpuUsPerCall[0] : c;
  }

  const pc = figures.promptCache;
  const script = figures.redisScript.get("fabric redis ×1 GetContext");
  console.log("\nagainst issue 12's acceptance (figures from this run):");
  const lines = [
    `h2load GetContext (memory) / etcd serializable Range: ${ratio(get?.reqPerSec ?? NaN, range?.reqPerSec ?? NaN)} (goal ≥ 1.0×)`,
    `server CPU per GetContext / bare grpc-js echo: ${ratio(get?.cpuUsPerCall[0] ?? NaN, echo?.cpuUsPerCall[0] ?? NaN)} (goal ≤ 1.3×)`,
    `h2load GetContext over Redis, 2 processes / 1: ${ratio(r2?.reqPerSec ?? NaN, r1?.reqPerSec ?? NaN)} (goal ≥ 1.5× where the machine has the cores; here h2load, Redis and the workers share 2)`,
    `set → all 1,000 watchers p99: ${ms(fan.get("fabric")?.allP99Ms ?? NaN)}, ${ratio(fan.get("fabric")?.allP99Ms ?? NaN, fan.get("redis")?.allP99Ms ?? NaN)} Redis pub/sub's, missed ${fan.get("fabric")?.missed ?? "—"} (goal ≤ 50 ms, ≤ 10×, none missed)`,
    `writer SetContext p50 during fan-out / idle: ${ratio(fan.get("fabric")?.writerDuringP50Ms ?? NaN, fan.get("fabric")?.writerIdleP50Ms ?? NaN)} (goal ≤ 2×)`,
    `prompt cache get() with 1,000 caches: ${pc ? `${(pc.readsPerSec / 1e6).toFixed(1)} M reads/s over ${pc.streams ?? "?"} server streams` : "—"} (goal ≥ 10 M reads/s, coalesced onto one stream)`,
    `Redis CPU per GetContext / per plain GET (ioredis, 64 in flight): h2load ${ratio(figures.redisCpu.get("fabric redis ×1 GetContext") ?? NaN, nc("ioredis GET c=64 Redis") ?? NaN)} ` +
      `(${us(figures.redisCpu.get("fabric redis ×1 GetContext"))} vs ${us(nc("ioredis GET c=64 Redis"))}; ${script && script.calls > 0 ? `${n0(script.calls)} script calls, the sweeper's` : "no scripts"}), ` +
      `Node client at 64 in flight ${ratio(nc("fabric redis ×1 getContext c=64 Redis") ?? NaN, nc("ioredis GET c=64 Redis") ?? NaN)} ` +
      `(over ${n0(SPREAD_KEYS)} keys ${ratio(nc(`fabric redis ×1 getContext, ${n0(SPREAD_KEYS)} keys c=64 Redis`) ?? NaN, nc("ioredis GET c=64 Redis") ?? NaN)}), at 1 in flight ${ratio(nc("fabric redis ×1 getContext c=1 Redis") ?? NaN, nc("ioredis GET c=1 Redis") ?? NaN)} ` +
      `(one call at a time, the fabric's rate is far below GET's and Redis sleeps and wakes for each call; ` +
      `the fabric's MGET sent straight from ioredis costs ${us(nc("direct: MGET record + head c=64 Redis"))} at 64 in flight) (goal ≤ 2×)`,
    ...figures.memory.map(
      (m) =>
        `Redis memory per ${m.valueBytes}-byte context / plain key, history ${n0(m.history)} for ${n0(m.count)} contexts: ${ratio(m.contextBytes, m.plainKeyBytes)} (${n0(m.contextBytes)} vs ${n0(m.plainKeyBytes)} bytes; ` +
        `data key ${n0(m.dataKeyBytes)}, change stream ${n0(m.streamBytesPerContext)}, indexes ${n0(m.indexBytesPerContext)} per context) (goal ≤ 2×)`,
    ),
  ];
  for (const line of lines) console.log(`  ${line}`);
}

async function main(): Promise<void> {
  // The test helpers unref their redis-server children: without a handle of our own the loop could
  // empty while we wait for one to exit, and node would quit silently mid-run.
  const keepAlive = setInterval(() => {}, 60_000);
  console.log(machineLine());
  console.log(`uptime at start: ${uptime()}`);
  console.log(`timed runs: ${SECONDS} s each${QUICK ? " (BENCH_QUICK)" : ""}; h2load 8 connections × 16 streams, 1 thread; 256-byte value`);
  const redis = await startRedis();
  const probe = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  const redisPid = Number(/^process_id:(\d+)/m.exec(await probe.info("server"))![1]);
  // The probe's connection stays open to read Redis' CPU (INFO cpu) around each timed run.
  const redisCpu = redisCpuMeter(probe);
  const peer = await startEtcd();
  try {
    if (wanted("ladder")) await ladder();
    if (wanted("fabric")) await fabricMemory();
    if (wanted("etcd")) await etcdPeer(peer);
    if (wanted("redis")) await redisPeer(redis, redisPid, redisCpu);
    if (wanted("fabric-redis")) for (const workers of [1, 2]) await fabricRedis(redis, redisCpu, workers);
  } finally {
    probe.disconnect();
    await peer.stop();
    await redis.stop();
  }
  if (wanted("memory")) {
    console.log("\n-- Redis memory per stored context (a Redis of its own)");
    const memRedis = await startRedis();
    try {
      // History = count: every context's change still in the stream (the worst case); a tenth: the
      // stream bounded below the key count, as FABRIC_HISTORY_SIZE (10,000) is for larger stores.
      for (const history of [MEMORY_CONTEXTS, MEMORY_CONTEXTS / 10]) {
        const m = await memoryPerContext(memRedis.url, MEMORY_CONTEXTS, PROMPT, history);
        figures.memory.push(m);
        console.log(
          `memory ${n0(m.contextBytes)} bytes per context (through the Redis store, history ${n0(history)}) vs ${n0(m.plainKeyBytes)} per plain SET of the same value`,
        );
      }
    } finally {
      await memRedis.stop();
    }
  }
  summary();
  console.log(`\nuptime at end: ${uptime()}`);
  clearInterval(keepAlive);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
