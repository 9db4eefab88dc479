/**
 * `npm run bench:watch`: how fast a change reaches its watchers, what a watcher costs, how fast a
 * prompt cache reads.
 * 1. Fan-out delay over gRPC: a fabric server in its own process (memory store); N watchers of one
 *    key (N = 100 and 1,000) on one client connection and spread over 10; a separate writer calls
 *    setContext and the clock stops when every watcher has the event. p50/p99 over 50 writes (after
 *    5 warm-up writes) of that "all N have it" delay, and the p50 of single deliveries. The
 *    watchers all live in this one process, so the figure includes decoding N copies here.
 * 2. Memory per watcher, as heap growth / N after a forced full GC (V8's gc exposed at run time via
 *    --expose-gc set from code, see bench/lib.ts): (a) an idle in-process watcher of the core (hub
 *    entry, queue, progress timer, parked iterator), (b) an idle watch over gRPC with client and server
 *    in this process (both ends' stream objects), (c) a stalled watcher holding a full queue.
 * 3. Prompt cache get() rate: local reads of a 100-key cache, one loop, for 1 s.
 * Prints figures; asserts nothing. `BENCH_QUICK=1` runs N = 100 only.
 */
import { setMaxListeners } from "node:events";
import { FabricClient } from "@cache-fabric/client";
import { createPromptCache } from "@cache-fabric/client/agent";
import type { WatchMessage } from "@cache-fabric/client/api";
import { createFabric, type FabricCore } from "../server/fabric.js";
import { startFabricServer } from "../server/server.js";
import { createMemoryStore } from "../server/store/memory.js";
import type { WatchOps } from "../server/watch/watch-ops.js";
import { heapUsed, machineLine, percentile, spawnFabricServer } from "./lib.js";

const WRITES = 50;
const WARMUP = 5;
const QUICK = process.env.BENCH_QUICK === "1";

async function fanout(address: string, watchers: number, connections: number): Promise<string> {
  // Each its own connection: grpc-js otherwise shares one between clients of one target.
  const clients = Array.from({ length: connections }, () => new FabricClient({ address, channelOptions: { "grpc.use_local_subchannel_pool": 1 } }));
  const writer = new FabricClient({ address });
  const key = `bench:fanout:${watchers}:${connections}`;
  const abort = new AbortController();
  setMaxListeners(0, abort.signal);
  let created = 0;
  let target = -1;
  let arrived = 0;
  let t0 = 0;
  const single: number[] = [];
  let allArrived: (t: number) => void = () => {};
  const onMessage = (m: WatchMessage) => {
    if (m.kind === "created") created++;
    if (m.kind !== "event" || m.event.context?.value !== target) return;
    const now = performance.now();
    single.push(now - t0);
    if (++arrived === watchers) allArrived(now);
  };
  const loops = Array.from({ length: watchers }, async (_, i) => {
    for await (const m of clients[i % connections].watch({ key, signal: abort.signal })) onMessage(m);
  });
  while (created < watchers) await new Promise((r) => setTimeout(r, 5));

  const all: number[] = [];
  for (let i = 0; i < WARMUP + WRITES; i++) {
    arrived = 0;
    target = i;
    const done = new Promise<number>((resolve) => (allArrived = resolve));
    if (i === WARMUP) single.length = 0;
    t0 = performance.now();
    await writer.setContext({ key, value: i });
    const t = await done;
    if (i >= WARMUP) all.push(t - t0);
  }
  abort.abort();
  await Promise.all(loops);
  for (const c of [...clients, writer]) await c.close();
  return (
    `fan-out N=${String(watchers).padStart(5)} on ${String(connections).padStart(2)} connection${connections > 1 ? "s" : " "}` +
    `  all N have it: p50 ${percentile(all, 50).toFixed(2)} ms  p99 ${percentile(all, 99).toFixed(2)} ms` +
    `   one delivery: p50 ${percentile(single, 50).toFixed(2)} ms`
  );
}

const stats = (fabric: FabricCore) => (fabric as FabricCore & WatchOps).watchStats();

async function until(predicate: () => boolean): Promise<void> {
  while (!predicate()) await new Promise((r) => setTimeout(r, 5));
}

/** (a) Idle in-process watchers: each registered, its `created` taken, parked on next(). */
async function memoryInProcess(n: number): Promise<string> {
  const fabric = createFabric({ store: createMemoryStore() });
  const abort = new AbortController();
  setMaxListeners(0, abort.signal);
  const before = heapUsed();
  const parked: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const it = fabric.watch({ key: `k${i}`, resume: false, signal: abort.signal })[Symbol.asyncIterator]();
    parked.push(it.next().then(() => it.next()));
  }
  await until(() => stats(fabric).synced === n);
  const perWatcher = (heapUsed() - before) / n;
  abort.abort();
  await Promise.all(parked);
  await fabric.close();
  return `memory per idle in-process watcher (N=${n}):            ${perWatcher.toFixed(0)} bytes`;
}

/** (b) Idle watches over gRPC, client and server both in this process, one connection. */
async function memoryOverGrpc(n: number): Promise<string> {
  const fabric = createFabric({ store: createMemoryStore() });
  const server = await startFabricServer({ fabric, listen: "127.0.0.1:0" });
  const client = new FabricClient({ address: server.address });
  await client.setContext({ key: "warm", value: 1 });
  const abort = new AbortController();
  setMaxListeners(0, abort.signal);
  const before = heapUsed();
  let created = 0;
  const loops = Array.from({ length: n }, async (_, i) => {
    for await (const m of client.watch({ key: `k${i}`, signal: abort.signal })) if (m.kind === "created") created++;
  });
  await until(() => created === n);
  const perWatch = (heapUsed() - before) / n;
  abort.abort();
  await Promise.all(loops);
  await client.close();
  await server.shutdown(1000);
  await fabric.close();
  return `memory per idle gRPC watch, client + server (N=${n}):   ${perWatch.toFixed(0)} bytes`;
}

/** (c) Watchers that stopped reading, each holding a full queue of shared event messages. */
async function memoryStalled(n: number, queueSize: number): Promise<string> {
  const fabric = createFabric({ store: createMemoryStore({ historySize: queueSize }), watch: { queueSize } });
  const abort = new AbortController();
  setMaxListeners(0, abort.signal);
  for (let i = 0; i < queueSize; i++) await fabric.setContext({ key: "k", value: i });
  const before = heapUsed();
  for (let i = 0; i < n; i++) fabric.watch({ key: "k", resume: false, signal: abort.signal });
  await until(() => stats(fabric).synced === n);
  for (let i = 0; i < queueSize - 1; i++) await fabric.setContext({ key: "k", value: i });
  const perWatcher = (heapUsed() - before) / n;
  abort.abort();
  await fabric.close();
  return `memory per stalled watcher with a full queue of ${queueSize} (N=${n}): ${perWatcher.toFixed(0)} bytes (events shared; the next one ends it with ABORTED)`;
}

async function promptCacheReads(): Promise<string> {
  const fabric = createFabric({ store: createMemoryStore() });
  const keys = Array.from({ length: 100 }, (_, i) => `router:${i}:system_message`);
  for (const key of keys) await fabric.setContext({ key, value: `You are agent ${key}` });
  const cache = createPromptCache(fabric, { keys });
  await cache.ready;
  let reads = 0;
  let sink = 0;
  const start = performance.now();
  while (performance.now() - start < 1000) {
    for (let j = 0; j < 10_000; j++) sink += (cache.get(keys[j % 100]) as string).length;
    reads += 10_000;
  }
  const perSec = reads / ((performance.now() - start) / 1000);
  await cache.close();
  await fabric.close();
  return `prompt cache get(): ${(perSec / 1e6).toFixed(1)} M reads/s (100 keys, one loop; checksum ${sink % 10})`;
}

async function main(): Promise<void> {
  console.log(machineLine());
  // One connection carries up to 1,000 watches here: lift the per-connection cap (issue 7's, default 100).
  const server = await spawnFabricServer({ FABRIC_MAX_WATCHERS_PER_CONNECTION: "0" });
  try {
    for (const n of QUICK ? [100] : [100, 1000]) {
      for (const connections of [1, 10]) console.log(await fanout(server.address, n, connections));
    }
  } finally {
    await server.stop();
  }
  console.log(await memoryInProcess(10_000));
  console.log(await memoryOverGrpc(QUICK ? 500 : 2000));
  console.log(await memoryStalled(1000, 1000));
  console.log(await promptCacheReads());
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
