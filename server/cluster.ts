import cluster, { type Worker } from "node:cluster";
import { availableParallelism } from "node:os";
import { AggregatorRegistry, Gauge, Registry } from "prom-client";
import { ConfigError } from "./config.js";
import type { Logger } from "./telemetry/logger.js";
import { serveMetrics, type MetricsEndpoint } from "./telemetry/metrics.js";

/**
 * Every core: FABRIC_WORKERS server processes on one port (node:cluster), sharing nothing but Redis.
 *
 * The primary holds the listening socket and hands each new connection to a worker in turn (Node's
 * round-robin scheduling); each worker is a whole fabric server (its own Redis connections, watch
 * hub, expiry sweeper, health, limits). grpc-js binds through node:http2, whose listening handle
 * cluster shares; Node 20 has no SO_REUSEPORT option on listen(), so cluster is the way to one port.
 * A watch on one worker sees writes made through another because changes travel through the Redis
 * stream, as between separate servers.
 *
 * Invariants:
 * - The primary opens no store and serves no gRPC: it forks, restarts, relays signals and serves the
 *   group's metrics. Settings reach workers unchanged (same argv and environment).
 * - A worker that exits while the primary runs is replaced in the same slot (after a backoff when
 *   it lived less than QUICK_EXIT_MS); one that fails before the group first served stops the
 *   group with exit code 1, as a single server that cannot start does.
 * - SIGTERM/SIGINT to the primary: every worker gets SIGTERM and runs the normal graceful shutdown
 *   (drain, grace); the primary exits 0 once all have exited cleanly, 1 otherwise. A worker still
 *   running after drain + grace + KILL_MARGIN_MS is killed.
 */

/** Set by the primary in each worker's environment: its slot, 1..N, stable across restarts. */
const SLOT_ENV = "FABRIC_CLUSTER_SLOT";
/**
 * Set by the primary for workers forked after the group first served: the address it serves on.
 * Node's cluster closes a shared port when its last worker exits; a replacement listening on port
 * 0 again would get a new port, so it listens on the group's.
 */
const LISTEN_ENV = "FABRIC_CLUSTER_LISTEN";
const MESSAGE = { ready: "fabric:ready", metricsRequest: "fabric:metrics?", metricsReply: "fabric:metrics" } as const;
/** A worker that dies sooner than this after its start is restarted with a growing delay. */
const QUICK_EXIT_MS = 10_000;
const MAX_RESTART_DELAY_MS = 10_000;
const KILL_MARGIN_MS = 5_000;
/** How long a metrics scrape waits for each worker. */
const METRICS_TIMEOUT_MS = 2_000;

/** What the cluster needs from the settings. */
export interface ClusterConfig {
  workers: number;
  store: "memory" | "redis";
  metricsListen?: string;
  shutdownGraceMs: number;
  shutdownDrainMs: number;
}

/** How many server processes the settings ask for: `0` is one per CPU core. */
export function workerCount(config: Pick<ClusterConfig, "workers">): number {
  return config.workers === 0 ? availableParallelism() : config.workers;
}

/**
 * True when this process should be the primary of a group: more than one worker asked for and this
 * is not already a worker. Refuses the memory store, whose data would be private to each process.
 */
export function isClusterPrimary(config: ClusterConfig): boolean {
  if (!cluster.isPrimary || workerCount(config) <= 1) return false;
  if (config.store !== "redis") {
    const asked = config.workers === 0 ? `0 (one per core: ${workerCount(config)})` : String(config.workers);
    throw new ConfigError(`FABRIC_WORKERS=${asked} needs FABRIC_STORE=redis: with the memory store each process would hold its own data and revisions`);
  }
  return true;
}

/** This process's part in a group, when it is a worker. */
export interface ClusterWorker {
  /** 1..N, stable across restarts; every metric of this worker carries it as the `worker` label. */
  readonly slot: number;
  /** The group's address when this worker replaces one (listen there, not on FABRIC_LISTEN's port 0). */
  readonly listen: string | undefined;
  /** Tells the primary this worker serves, and from now on answers its metrics scrapes from `registry`. */
  ready(address: string, registry: Registry): void;
}

/** The worker side, or undefined outside a group. */
export function clusterWorker(): ClusterWorker | undefined {
  if (!cluster.isWorker) return undefined;
  const slot = Number(process.env[SLOT_ENV]);
  return {
    slot,
    listen: process.env[LISTEN_ENV] || undefined,
    ready(address, registry) {
      registry.setDefaultLabels({ worker: String(slot) });
      process.on("message", (m: { type?: string; id?: number }) => {
        if (m?.type !== MESSAGE.metricsRequest) return;
        registry.getMetricsAsJSON().then(
          (metrics) => process.send?.({ type: MESSAGE.metricsReply, id: m.id, metrics }),
          () => process.send?.({ type: MESSAGE.metricsReply, id: m.id, metrics: [] }),
        );
      });
      process.send?.({ type: MESSAGE.ready, address });
    },
  };
}

/** One metric as a worker's registry reports it over IPC (Registry.getMetricsAsJSON). */
type MetricJson = Awaited<ReturnType<Registry["getMetricsAsJSON"]>>[number];

interface Slot {
  index: number;
  worker?: Worker;
  startedAt: number;
  restartDelayMs: number;
  ready: boolean;
}

/**
 * Runs the primary until SIGTERM/SIGINT, then exits the process. Logs
 * `cache fabric serving on <address> (<N> workers ...)` once every worker first serves.
 */
export async function runClusterPrimary(config: ClusterConfig, logger: Logger, describe: string): Promise<void> {
  const count = workerCount(config);
  const slots: Slot[] = Array.from({ length: count }, (_, i) => ({ index: i + 1, startedAt: 0, restartDelayMs: 0, ready: false }));
  let groupServing = false;
  let groupAddress: string | undefined;
  let stopping = false;
  let endpoint: MetricsEndpoint | undefined;
  let announce: (address: string) => void = () => {};
  const firstServing = new Promise<string>((resolve) => (announce = resolve));

  const fork = (slot: Slot) => {
    slot.startedAt = Date.now();
    slot.ready = false;
    const worker = cluster.fork({ [SLOT_ENV]: String(slot.index), ...(groupAddress ? { [LISTEN_ENV]: groupAddress } : {}) });
    slot.worker = worker;
    worker.on("message", (m: { type?: string; address?: string }) => {
      if (m?.type !== MESSAGE.ready) return;
      slot.ready = true;
      if (!groupServing && slots.every((s) => s.ready)) announce(m.address!);
    });
    worker.once("exit", (code, signal) => onExit(slot, worker, code, signal));
  };

  const onExit = (slot: Slot, worker: Worker, code: number | null, signal: string | null) => {
    if (slot.worker !== worker) return;
    slot.worker = undefined;
    slot.ready = false;
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (stopping) return;
    if (!groupServing) {
      logger.error(`worker ${slot.index} (pid ${worker.process.pid}) exited with ${how} before the group served: stopping`);
      void stop("start-up failure", 1);
      return;
    }
    const lived = Date.now() - slot.startedAt;
    slot.restartDelayMs = lived < QUICK_EXIT_MS ? Math.min(MAX_RESTART_DELAY_MS, Math.max(250, slot.restartDelayMs * 2)) : 0;
    logger.error(`worker ${slot.index} (pid ${worker.process.pid}) exited with ${how}: restarting in ${slot.restartDelayMs} ms`);
    // Not unref'd: with every worker gone this timer is what keeps the primary alive to restart them.
    setTimeout(() => {
      if (!stopping && !slot.worker) fork(slot);
    }, slot.restartDelayMs);
  };

  const stop = async (reason: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${reason}: stopping ${count} workers (drain ${config.shutdownDrainMs} ms, grace ${config.shutdownGraceMs} ms)`);
    let clean = exitCode === 0;
    const exits = slots
      .filter((s) => s.worker)
      .map((s) => {
        const worker = s.worker!;
        return new Promise<void>((resolve) => {
          if (worker.process.exitCode !== null || worker.process.signalCode !== null) return resolve();
          const kill = setTimeout(
            () => {
              logger.error(`worker ${s.index} (pid ${worker.process.pid}) still running after the grace period: killing it`);
              worker.process.kill("SIGKILL");
            },
            config.shutdownDrainMs + config.shutdownGraceMs + KILL_MARGIN_MS,
          );
          worker.process.once("exit", (code) => {
            clearTimeout(kill);
            if (code !== 0) clean = false;
            resolve();
          });
          worker.process.kill("SIGTERM");
        });
      });
    await Promise.all(exits);
    await endpoint?.close();
    logger.info(clean ? "stopped" : "stopped (not every worker exited cleanly)");
    process.exit(clean ? 0 : 1);
  };

  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
  // Token rotation reaches every worker.
  process.on("SIGHUP", () => {
    for (const s of slots) s.worker?.process.kill("SIGHUP");
  });

  for (const slot of slots) fork(slot);
  const address = await firstServing;
  groupServing = true;
  groupAddress = address;
  if (config.metricsListen) {
    endpoint = await serveMetrics(groupRegistry(slots), config.metricsListen);
    logger.info({ metrics: endpoint.address }, `metrics on http://${endpoint.address}/metrics (every worker's series, labelled worker="1".."${count}")`);
  }
  logger.info(`cache fabric serving on ${address} (${count} workers; ${describe})`);
}

/**
 * The group's metrics: every worker's registry, asked over IPC at scrape time and merged by name
 * (prom-client's aggregation). Each worker labels its series `worker="<slot>"`, so nothing is summed
 * away: per-process series stay apart and `sum without (worker)` gives the group. Store-wide series
 * (fabric_cache_*, shared through Redis) repeat in every worker: read one, do not sum them.
 * The primary adds `fabric_cluster_workers`, the workers serving now.
 */
function groupRegistry(slots: readonly Slot[]): Registry {
  const own = new Registry();
  new Gauge({
    name: "fabric_cluster_workers",
    help: "Worker processes of this group serving now (FABRIC_WORKERS).",
    registers: [own],
    collect() {
      this.set(slots.filter((s) => s.ready).length);
    },
  });
  let nextId = 0;
  const ask = (worker: Worker) =>
    new Promise<MetricJson[]>((resolve) => {
      const id = ++nextId;
      const timer = setTimeout(() => finish([]), METRICS_TIMEOUT_MS);
      const onMessage = (m: { type?: string; id?: number; metrics?: MetricJson[] }) => {
        if (m?.type === MESSAGE.metricsReply && m.id === id) finish(m.metrics ?? []);
      };
      const finish = (metrics: MetricJson[]) => {
        clearTimeout(timer);
        worker.off("message", onMessage);
        resolve(metrics);
      };
      worker.on("message", onMessage);
      try {
        worker.send({ type: MESSAGE.metricsRequest, id });
      } catch {
        finish([]);
      }
    });
  return new (class extends Registry {
    override async metrics(): Promise<string> {
      const live = slots.filter((s) => s.ready && s.worker?.isConnected()).map((s) => s.worker!);
      const parts = await Promise.all([own.getMetricsAsJSON(), ...live.map(ask)]);
      return AggregatorRegistry.aggregate(parts).metrics();
    }
  })();
}
