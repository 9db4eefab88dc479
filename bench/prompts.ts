/**
 * `npm run bench:prompts`: how fast a label change reaches a fleet of label-following prompt caches,
 * and how fast a cache answers get() with a rollout to resolve.
 *
 * 1. Fan-out to 1,000 caches: a fabric server in its own process (memory store, search off); 1,000
 *    caches of one prompt and label, distinct sticky keys, spread over 10 client connections (100
 *    watches each, the server's default per-connection limit) in this process. A separate writer
 *    client changes the label; the clock stops when the last cache's onChange reports the new
 *    version. p50/p99 over several changes (after warm-up) of that "all 1,000 serve it" time:
 *    (a) moveLabel to a version no cache holds yet: each cache learns of the move by its watch and
 *        reads the version (caches on one connection share a read in flight);
 *    (b) abortRollout of a 50% rollout: the caches on B switch back to A, which they hold (no read):
 *        the path a gate's rollback takes.
 *    (c) for comparison, 1,000 bare watches of the label record on the same connections: the floor
 *        the caches build on (the fan-out and decoding alone).
 *    All caches live in this one process, so the figure includes decoding 1,000 copies of each
 *    change here; an agent process holds one cache.
 * 2. get() with rollout resolution on: one cache over the in-process core with a 50% rollout live;
 *    reads of its own sticky key (bucket computed once per label change), of 1,000 other sticky
 *    keys in turn (each resolved once, then remembered), and of a new key each time (a SHA-256 per
 *    read), one loop, for 1 s each.
 * Prints figures and the load average; asserts nothing. `BENCH_QUICK=1` runs fewer changes.
 */
import { setMaxListeners } from "node:events";
import { performance } from "node:perf_hooks";
import { FabricClient, createPromptCache, type LabelPromptCache } from "@cache-fabric/client";
import { labelKey } from "@cache-fabric/client/api";
import { createFabric } from "../server/fabric.js";
import { createMemoryStore } from "../server/store/memory.js";
import { machineLine, percentile, spawnFabricServer } from "./lib.js";

const QUICK = process.env.BENCH_QUICK === "1";
const CACHES = 1000;
const CONNECTIONS = 10;
const MOVES = QUICK ? 5 : 20;
const ABORTS = QUICK ? 3 : 10;
const WARMUP = 2;
const NAME = "bench:router";
const LABEL = "production";

interface Fleet {
  caches: LabelPromptCache[];
  /** Resolves when every cache reports `version` through onChange (or already serves it), with the time of the last report. */
  allOn(version: number): Promise<number>;
  close(): Promise<void>;
}

async function fleet(address: string): Promise<Fleet> {
  // A local subchannel pool per client: ten real connections (grpc-js would otherwise share one).
  const clients = Array.from({ length: CONNECTIONS }, () => new FabricClient({ address, channelOptions: { "grpc.use_local_subchannel_pool": 1 } }));
  let want = -1;
  let pending = 0;
  let done: (t: number) => void = () => {};
  const onVersion: number[] = [];
  const caches: LabelPromptCache[] = [];
  // Started 100 at a time, each batch loaded before the next, so the start-up reads (one watch and
  // one version read per cache) do not pile up past their deadlines on a busy machine.
  for (let i = 0; i < CACHES; i++) {
    caches.push(
      createPromptCache(clients[i % CONNECTIONS], {
        prompts: [NAME],
        label: LABEL,
        stickyKey: `user-${i}`,
        onChange: (_, now) => {
          const before = onVersion[i];
          onVersion[i] = now?.version ?? 0;
          if (want >= 0 && before !== want && onVersion[i] === want && --pending === 0) done(performance.now());
        },
      }),
    );
    if (caches.length % 100 === 0) {
      while (!caches.every((c) => c.get(NAME) !== undefined && !c.stale)) await new Promise((r) => setTimeout(r, 10));
    }
  }
  return {
    caches,
    allOn(version) {
      want = version;
      pending = caches.filter((_, i) => onVersion[i] !== version).length;
      return new Promise<number>((resolve) => {
        done = resolve;
        if (pending === 0) resolve(performance.now());
      });
    },
    async close() {
      for (const c of caches) await c.close();
      for (const c of clients) await c.close();
    },
  };
}

function line(what: string, samples: number[]): string {
  return `${what.padEnd(76)} p50 ${percentile(samples, 50).toFixed(1).padStart(6)} ms  p99 ${percentile(samples, 99).toFixed(1).padStart(6)} ms  (${samples.length} changes)`;
}

async function fanout(): Promise<string[]> {
  const server = await spawnFabricServer({ FABRIC_SEARCH: "false", FABRIC_ROLLOUT_EVALUATION_INTERVAL_MS: "0" });
  const writer = new FabricClient({ address: server.address });
  try {
    const p = writer.prompts;
    const versions = WARMUP + MOVES + 2;
    for (let v = 1; v <= versions; v++) await p.publish({ name: NAME, text: `You route {{topic}} questions, take ${v}.` });
    await p.moveLabel({ name: NAME, label: LABEL, version: 1, reason: "start" });
    const f = await fleet(server.address);
    const out: string[] = [];

    const moves: number[] = [];
    for (let i = 0; i < WARMUP + MOVES; i++) {
      const to = i + 2;
      const all = f.allOn(to);
      const t0 = performance.now();
      await p.moveLabel({ name: NAME, label: LABEL, version: to, reason: `take ${to}` });
      const t = await all;
      if (i >= WARMUP) moves.push(t - t0);
    }
    out.push(line(`moveLabel to a new version: all ${CACHES} caches serve it`, moves));

    // A 50% rollout to the next version, then aborted: the caches on B return to A (held: no read).
    const a = WARMUP + MOVES + 1;
    const aborts: number[] = [];
    let onB = 0;
    for (let i = 0; i < WARMUP + ABORTS; i++) {
      const started = await p.startRollout({ name: NAME, label: LABEL, toVersion: a + 1, steps: [{ percent: 50, bakeMs: 3_600_000 }], reason: "bench" });
      // Wait until every cache serves the rollout's split (those on B have read B).
      while (!f.caches.every((c) => c.get(NAME)!.labelRevision >= started.label.revision)) await new Promise((r) => setTimeout(r, 2));
      onB = f.caches.filter((c) => c.get(NAME)!.version === a + 1).length;
      const all = f.allOn(a);
      const t0 = performance.now();
      await p.abortRollout({ name: NAME, label: LABEL, reason: "bench" });
      const t = await all;
      if (i >= WARMUP) aborts.push(t - t0);
    }
    out.push(line(`abortRollout at 50% (${onB} caches on B): all back on A`, aborts));
    await f.close();
    out.push(line(`for comparison, ${CACHES} bare watches of the label record: all have the move`, await bareWatches(server.address, p)));
    return out;
  } finally {
    await writer.close();
    await server.stop();
  }
}

/** The floor: the same number of plain watches of the label record on the same connections, no cache. */
async function bareWatches(address: string, p: FabricClient["prompts"]): Promise<number[]> {
  const clients = Array.from({ length: CONNECTIONS }, () => new FabricClient({ address, channelOptions: { "grpc.use_local_subchannel_pool": 1 } }));
  const abort = new AbortController();
  setMaxListeners(0, abort.signal);
  let created = 0;
  let arrived = 0;
  let done: (t: number) => void = () => {};
  const loops = Array.from({ length: CACHES }, async (_, i) => {
    for await (const m of clients[i % CONNECTIONS].watch({ key: labelKey(NAME, LABEL), signal: abort.signal })) {
      if (m.kind === "created") created++;
      else if (m.kind === "event" && ++arrived === CACHES) done(performance.now());
    }
  });
  while (created < CACHES) await new Promise((r) => setTimeout(r, 5));
  const current = (await p.get({ name: NAME, label: LABEL }))!.label!.version;
  const samples: number[] = [];
  for (let i = 0; i < WARMUP + MOVES; i++) {
    arrived = 0;
    const all = new Promise<number>((resolve) => (done = resolve));
    const t0 = performance.now();
    await p.moveLabel({ name: NAME, label: LABEL, version: i % 2 === 0 ? 1 : current, reason: "bare" });
    const t = await all;
    if (i >= WARMUP) samples.push(t - t0);
  }
  abort.abort();
  await Promise.all(loops);
  for (const c of clients) await c.close();
  return samples;
}

async function reads(): Promise<string[]> {
  const fabric = createFabric({ store: createMemoryStore(), prompts: { evaluationIntervalMs: 0 } });
  for (const text of ["A {{x}}", "B {{x}}"]) await fabric.prompts.publish({ name: NAME, text });
  await fabric.prompts.moveLabel({ name: NAME, label: LABEL, version: 1, reason: "A" });
  await fabric.prompts.startRollout({ name: NAME, label: LABEL, toVersion: 2, steps: [{ percent: 50, bakeMs: 3_600_000 }], reason: "bench" });
  const cache = createPromptCache(fabric, { prompts: [NAME], label: LABEL, stickyKey: "user-7" });
  await cache.ready;
  const keys = Array.from({ length: 1000 }, (_, i) => `user-${i}`);
  const rate = (read: (j: number) => number): number => {
    let n = 0;
    let sink = 0;
    const start = performance.now();
    while (performance.now() - start < 1000) {
      for (let j = 0; j < 10_000; j++) sink += read(j);
      n += 10_000;
    }
    if (sink === 0.5) console.log(sink); // keeps the loop's work observable
    return n / ((performance.now() - start) / 1000);
  };
  const own = rate(() => cache.get(NAME)!.version);
  const others = rate((j) => cache.get(NAME, keys[j % 1000])!.version);
  let fresh = 0;
  const unseen = rate(() => cache.get(NAME, `session-${fresh++}`)!.version);
  const onB = keys.filter((k) => cache.get(NAME, k)!.version === 2).length;
  await cache.close();
  await fabric.close();
  return [
    `get() of the cache's own sticky key, 50% rollout live:            ${(own / 1e6).toFixed(1)} M reads/s`,
    `get(name, stickyKey) over 1,000 keys in turn (${onB} on B; each resolved once, then remembered): ${(others / 1e6).toFixed(1)} M reads/s`,
    `get(name, stickyKey) of a new key each time (a SHA-256 each): ${(unseen / 1e6).toFixed(2)} M reads/s`,
  ];
}

async function main(): Promise<void> {
  setMaxListeners(0);
  console.log(machineLine());
  for (const l of await fanout()) console.log(l);
  for (const l of await reads()) console.log(l);
  console.log(machineLine());
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
