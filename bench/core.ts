/**
 * `npm run bench:core`: the context path over gRPC with the memory store, search off beside search
 * on (the bundled model indexing every write), in one run.
 * - get/set latency p50/p99 and throughput at 1 and 64 concurrent calls, client and server in
 *   separate processes over loopback; every set writes a new text, so with search on every set
 *   is also an embedding to make (coalesced per key by the indexer);
 * - with search on: GetContext and health Check latency while idle and during a reindex of 10,000
 *   contexts (`BENCH_REINDEX` to change the count);
 * - memory per stored context at 100k contexts (in-process memory store, heap delta after GC).
 * The ratios the acceptance asks for are printed: set ops/s (search on / off) at 64 concurrent calls
 * (goal >= 0.8) and GetContext p99 during the reindex / idle (goal <= 3).
 */
import { FabricClient } from "@cache-fabric/client";
import { healthClient } from "../test/support/health-client.js";
import { createMemoryStore } from "../server/store/memory.js";
import { formatLoad, heapUsed, machineLine, percentile, runLoad, spawnFabricServer, type LoadResult } from "./lib.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const REINDEX = Number(process.env.BENCH_REINDEX ?? 10_000);
const PROMPT = "You are a helpful assistant. ".repeat(8); // ~230 bytes, a short system prompt

/** A distinct, sentence-like text per write, so nothing is embedded twice. */
const text = (i: number) => `${PROMPT}Ticket ${i}: the customer asks about order ${i * 7919 % 100_000}.`;

async function contextPath(label: string, address: string): Promise<{ set64: LoadResult }> {
  const client = new FabricClient({ address });
  try {
    for (let i = 0; i < 1000; i++) await client.setContext({ key: `prompt:${i}`, value: text(i) });
    let set64: LoadResult | undefined;
    for (const concurrency of [1, 64]) {
      const set = await runLoad(concurrency, SECONDS, (i) => client.setContext({ key: `prompt:${i % 1000}`, value: text(i) }));
      console.log(formatLoad(`setContext (${label})`, set));
      if (concurrency === 64) set64 = set;
      const get = await runLoad(concurrency, SECONDS, (i) => client.getContext({ key: `prompt:${i % 1000}` }));
      console.log(formatLoad(`getContext (${label})`, get));
    }
    return { set64: set64! };
  } finally {
    await client.close();
  }
}

/** Latency of sequential calls to `op` until `until()` says stop (at least `min` calls). */
async function sample(op: () => Promise<unknown>, until: () => boolean, min = 50): Promise<number[]> {
  const samples: number[] = [];
  while (samples.length < min || !until()) {
    const t0 = performance.now();
    await op();
    samples.push(performance.now() - t0);
  }
  return samples;
}

const fmt = (s: number[]) => `p50 ${percentile(s, 50).toFixed(2)} ms  p99 ${percentile(s, 99).toFixed(2)} ms  max ${s.reduce((m, x) => Math.max(m, x), 0).toFixed(1)} ms  (${s.length} calls)`;

async function duringReindex(address: string): Promise<number> {
  const client = new FabricClient({ address });
  const health = healthClient(address);
  try {
    for (let i = 0; i < REINDEX; i += 500) {
      await client.batch(Array.from({ length: Math.min(500, REINDEX - i) }, (_, j) => ({ op: "set" as const, key: `doc:${i + j}`, value: text(i + j) })));
    }
    await client.search({ query: "warm-up", waitForIndex: true }, { timeoutMs: 3_600_000 });
    const key = (i: number) => ({ key: `doc:${(i * 7) % REINDEX}` });
    let n = 0;
    const idleEnd = Date.now() + SECONDS * 1000;
    const idleGet = await sample(() => client.getContext(key(n++)), () => Date.now() > idleEnd, 200);
    const idleHealth = await sample(() => health.check(), () => true, 200);

    let done = false;
    let total = 0;
    const started = performance.now();
    const reindex = (async () => {
      for await (const p of client.reindex({ timeoutMs: 3_600_000 })) total = p.total;
      done = true;
    })();
    const busyGet: number[] = [];
    const busyHealth: number[] = [];
    while (!done) {
      busyGet.push(...(await sample(() => client.getContext(key(n++)), () => true, 20)));
      busyHealth.push(...(await sample(() => health.check(), () => true, 5)));
    }
    await reindex;
    const seconds = (performance.now() - started) / 1000;
    console.log(`reindex of ${total} contexts: ${seconds.toFixed(1)} s = ${(total / seconds).toFixed(0)} contexts/s`);
    console.log(`  getContext idle            ${fmt(idleGet)}`);
    console.log(`  getContext during reindex  ${fmt(busyGet)}`);
    console.log(`  health Check idle          ${fmt(idleHealth)}`);
    console.log(`  health Check during reindex ${fmt(busyHealth)}`);
    return percentile(busyGet, 99) / percentile(idleGet, 99);
  } finally {
    health.close();
    await client.close();
  }
}

async function main(): Promise<void> {
  console.log(machineLine());
  console.log("servers: memory store, each in its own process; client: FabricClient over loopback");
  const off = await spawnFabricServer({ FABRIC_STORE: "memory", FABRIC_SEARCH: "false" });
  let offResult;
  try {
    offResult = await contextPath("search off", off.address);
  } finally {
    await off.stop();
  }
  const on = await spawnFabricServer({ FABRIC_STORE: "memory", FABRIC_SEARCH: "true" });
  let onResult;
  let reindexRatio;
  try {
    onResult = await contextPath("search on", on.address);
    reindexRatio = await duringReindex(on.address);
  } finally {
    await on.stop();
  }
  const setRatio = onResult.set64.opsPerSec / offResult.set64.opsPerSec;
  console.log(`set ops/s at 64 concurrent calls, search on / off: ${setRatio.toFixed(2)} (goal >= 0.8)`);
  console.log(`getContext p99 during a ${REINDEX}-context reindex / idle: ${reindexRatio.toFixed(2)} (goal <= 3)`);
  console.log(machineLine());

  const n = 100_000;
  const store = createMemoryStore();
  const before = heapUsed();
  for (let i = 0; i < n; i += 1000) {
    await store.write(
      Array.from({ length: 1000 }, (_, j) => ({
        op: "set" as const,
        scope: "GLOBAL" as const,
        key: `router:r${i + j}:system_message`,
        // A distinct string per context, as values arriving over the wire are.
        value: `${PROMPT}${i + j}`,
        metadata: { source: "manifest", version: "1.0" },
      })),
    );
  }
  const after = heapUsed();
  const valueBytes = Buffer.byteLength(JSON.stringify(PROMPT));
  console.log(
    `memory store at ${n} contexts: ${((after - before) / n).toFixed(0)} bytes of heap per context ` +
      `(value ${valueBytes} B as JSON, key ~27 B, 2 metadata entries); store's own estimate ${((await store.memoryUsage()) / n).toFixed(0)} B`,
  );
  await store.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
