/**
 * Set → all N watchers, the same protocol against each peer: N watchers of one key spread over
 * `connections` client connections in this process; `writes` sequential writes of a new value, each
 * timed from the write's start until every watcher has that value (or a per-write bound passes, and
 * the watchers still without it count as missed); the writer's own call latency during the fan-out
 * beside the same write with nobody watching.
 *
 * - fabric: FabricClient.watch (resumable, as agents use it), one gRPC stream per watcher.
 * - etcd: one Watch stream with one watch per watcher.
 * - Redis: one SUBSCRIBE connection and N listeners in this process (Redis does not fan out to N
 *   streams here: the figure is the in-process floor the issue compares with).
 * The watchers' decoding runs in this process, on the same 2 cores as the server; CPU per delivery
 * is reported for both sides.
 */
import { setMaxListeners, EventEmitter } from "node:events";
import { Redis } from "ioredis";
import { FabricClient } from "@cache-fabric/client";
import { percentile } from "../lib.js";
import { createEtcdClient } from "./etcd.js";
import { treeCpuSeconds } from "./process-cpu.js";

export interface FanoutResult {
  watchers: number;
  connections: number;
  /** Write start → every watcher has it, per write. */
  allP50Ms: number;
  allP99Ms: number;
  /** Deliveries that did not arrive within the per-write bound, over all writes. */
  missed: number;
  writerIdleP50Ms: number;
  writerDuringP50Ms: number;
  /** CPU per delivery (writes × watchers) during the timed writes: the server's tree, and this (watching) process. */
  serverCpuUsPerDelivery: number;
  clientCpuUsPerDelivery: number;
}

export interface FanoutOptions {
  watchers: number;
  connections: number;
  writes: number;
  /** Per-write bound on waiting for every watcher. Default 15 s. */
  boundMs?: number;
  /** The server process whose CPU is measured over the timed writes. */
  serverPid?: number;
}

/** What one peer needs to provide: write a value, and open a watcher that reports values it sees. */
interface FanoutPeer {
  write(value: string): Promise<unknown>;
  /** Opens one watcher on connection `connection`; resolves once it is registered. */
  watch(connection: number, onValue: (value: string) => void): Promise<void>;
  close(): Promise<void>;
}

const IDLE_WRITES = 30;
const WARMUP_WRITES = 3;

async function measure(peer: FanoutPeer, options: FanoutOptions): Promise<FanoutResult> {
  const idle: number[] = [];
  for (let i = 0; i < IDLE_WRITES; i++) {
    const t0 = performance.now();
    await peer.write(`idle-${i}`);
    idle.push(performance.now() - t0);
  }
  let target = "";
  let arrived = 0;
  let allArrived: () => void = () => {};
  const onValue = (value: string) => {
    if (value === target && ++arrived === options.watchers) allArrived();
  };
  // Registered in batches so thousands of stream openings do not all wait on one another.
  for (let i = 0; i < options.watchers; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, options.watchers - i) }, (_, j) => peer.watch((i + j) % options.connections, onValue)));
  }
  const all: number[] = [];
  const writer: number[] = [];
  let missed = 0;
  let serverCpu = 0;
  let clientCpu = process.cpuUsage();
  for (let i = 0; i < WARMUP_WRITES + options.writes; i++) {
    if (i === WARMUP_WRITES) {
      serverCpu = options.serverPid ? treeCpuSeconds(options.serverPid) : 0;
      clientCpu = process.cpuUsage();
    }
    arrived = 0;
    target = `v-${i}`;
    const done = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), options.boundMs ?? 15_000);
      allArrived = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
    const t0 = performance.now();
    await peer.write(target);
    const wrote = performance.now();
    const complete = await done;
    if (i < WARMUP_WRITES) continue;
    writer.push(wrote - t0);
    if (complete) all.push(performance.now() - t0);
    else missed += options.watchers - arrived;
  }
  const deliveries = options.writes * options.watchers;
  const serverCpuUsPerDelivery = options.serverPid ? ((treeCpuSeconds(options.serverPid) - serverCpu) * 1e6) / deliveries : NaN;
  const client = process.cpuUsage(clientCpu);
  await peer.close();
  return {
    serverCpuUsPerDelivery,
    clientCpuUsPerDelivery: (client.user + client.system) / deliveries,
    watchers: options.watchers,
    connections: options.connections,
    allP50Ms: percentile(all, 50),
    allP99Ms: percentile(all, 99),
    missed,
    writerIdleP50Ms: percentile(idle, 50),
    writerDuringP50Ms: percentile(writer, 50),
  };
}

/** grpc-js shares one connection between clients of one target unless each has its own subchannel pool. */
export const OWN_CONNECTION = { "grpc.use_local_subchannel_pool": 1 } as const;

export async function fabricFanout(address: string, options: FanoutOptions): Promise<FanoutResult> {
  const key = "bench:fanout";
  const clients = Array.from({ length: options.connections }, () => new FabricClient({ address, channelOptions: OWN_CONNECTION }));
  const writer = new FabricClient({ address, channelOptions: OWN_CONNECTION });
  const abort = new AbortController();
  setMaxListeners(0, abort.signal);
  const loops: Promise<void>[] = [];
  return measure(
    {
      write: (value) => writer.setContext({ key, value }),
      watch: (connection, onValue) =>
        new Promise<void>((resolve) => {
          loops.push(
            (async () => {
              for await (const m of clients[connection].watch({ key, signal: abort.signal })) {
                if (m.kind === "created") resolve();
                else if (m.kind === "event" && typeof m.event.context?.value === "string") onValue(m.event.context.value);
              }
            })(),
          );
        }),
      async close() {
        abort.abort();
        await Promise.allSettled(loops);
        for (const c of [...clients, writer]) await c.close();
      },
    },
    options,
  );
}

export async function etcdFanout(address: string, options: FanoutOptions): Promise<FanoutResult> {
  const key = "bench:fanout";
  const clients = Array.from({ length: options.connections }, () => createEtcdClient(address, OWN_CONNECTION));
  const writer = createEtcdClient(address, OWN_CONNECTION);
  const watches: { cancel(): void }[] = [];
  return measure(
    {
      write: (value) => writer.put(key, value),
      watch: async (connection, onValue) => {
        watches.push(await clients[connection].watch(key, onValue));
      },
      async close() {
        for (const w of watches) w.cancel();
        for (const c of [...clients, writer]) c.close();
      },
    },
    options,
  );
}

export async function redisFanout(url: string, options: FanoutOptions): Promise<FanoutResult> {
  const channel = "bench:fanout";
  const subscriber = new Redis(url, { maxRetriesPerRequest: 1 });
  const publisher = new Redis(url, { maxRetriesPerRequest: 1 });
  const local = new EventEmitter();
  local.setMaxListeners(0);
  subscriber.on("message", (_channel: string, message: string) => local.emit("value", message));
  await subscriber.subscribe(channel);
  return measure(
    {
      write: (value) => publisher.publish(channel, value),
      watch: async (_connection, onValue) => {
        local.on("value", onValue);
      },
      async close() {
        subscriber.disconnect();
        publisher.disconnect();
      },
    },
    { ...options, connections: 1 },
  );
}
