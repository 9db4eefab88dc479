import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { ConfigError } from "../config.js";
import type { CallReport } from "../grpc/adapter.js";
import type { RolloutObserver } from "../prompts/registry.js";
import type { Store } from "../store/types.js";

/** Metric names other parts of the server feed (see `feedGauge`). */
export const METRIC_NAMES = {
  watchers: "fabric_watchers",
  embedderQueueDepth: "fabric_embedder_queue_depth",
} as const;

/** Latency buckets in seconds: sub-millisecond memory reads up to multi-second scans. */
const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Store methods timed by `instrumentStore`; the others (subscribe, close) are not operations. */
const TIMED_STORE_METHODS = new Set(["get", "read", "write", "query", "cleanup", "counts", "memoryUsage", "hitStats", "revision", "header", "changesSince"]);

export interface FabricMetrics {
  /** The Prometheus registry everything is registered on; other parts may register their own metrics. */
  readonly registry: Registry;
  /** Counts and times a finished call (wire to the adapter's onCallEnd). */
  observeCall(report: CallReport): void;
  /**
   * A gauge read from `read` at every scrape, e.g.
   * `metrics.feedGauge(METRIC_NAMES.embedderQueueDepth, "Texts waiting to be embedded", () => embedder.pendingCount)`.
   * `undefined` leaves the gauge without a sample. Returns a function that removes the gauge.
   */
  feedGauge(name: string, help: string, read: () => number | undefined | Promise<number | undefined>): () => void;
  /** The store with every operation timed into `fabric_store_operation_seconds`. */
  instrumentStore(store: Store): Store;
  /** Hit/miss counters and ratio of GetContext, read from the store at scrape time. */
  observeHitRate(store: Pick<Store, "hitStats">): void;
  /** The prompt registry's rollout metrics, fed by the registry (PromptRegistryOptions.observer). */
  readonly rollouts: RolloutObserver;
}

/**
 * The server's Prometheus metrics, on their own registry (so several servers in one process, as in
 * tests, never share series):
 *
 * - `grpc_server_handled_total{grpc_type,grpc_service,grpc_method,grpc_code}` and
 *   `grpc_server_handling_seconds{...same}`: every finished call, named as go-grpc-prometheus names
 *   them so stock gRPC dashboards work (Watch and export streams count their whole lifetime);
 * - `fabric_store_operation_seconds{operation,outcome}`: each store operation;
 * - `fabric_cache_hits_total`, `fabric_cache_misses_total`, `fabric_cache_hit_ratio`: GetContext
 *   hits as the store counts them (with Redis, shared by every server on that Redis);
 * - `fabric_watchers`, `fabric_embedder_queue_depth`, `fabric_serving`: gauges fed by their owners;
 * - `fabric_prompt_rollout_events_total{prompt,event}`: rollout events this server wrote (started,
 *   advanced, completed, promoted, rolled_back, aborted, paused, resumed), so a sum over servers
 *   counts each once; `fabric_prompt_gate_evaluations_total{prompt,verdict}` (pass, wait,
 *   regression): gates this server's controller evaluated; `fabric_prompt_rollouts_active`: live
 *   rollouts its last pass found (the same figure on every server of one store);
 * - Node.js process metrics (`process_*`, `nodejs_*`).
 */
export function createMetrics(): FabricMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labelNames = ["grpc_type", "grpc_service", "grpc_method", "grpc_code"] as const;
  const handled = new Counter({ name: "grpc_server_handled_total", help: "gRPC calls finished, by method and status code.", labelNames, registers: [registry] });
  const handling = new Histogram({
    name: "grpc_server_handling_seconds",
    help: "Time from a call's arrival to its status, by method and status code.",
    labelNames,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const storeLatency = new Histogram({
    name: "fabric_store_operation_seconds",
    help: "Store operation latency, by operation and outcome (ok, error).",
    labelNames: ["operation", "outcome"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });

  const feedGauge: FabricMetrics["feedGauge"] = (name, help, read) => {
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        this.reset();
        const value = await read();
        if (value !== undefined) this.set(value);
      },
    });
    return () => registry.removeSingleMetric(name);
  };

  const rolloutEvents = new Counter({
    name: "fabric_prompt_rollout_events_total",
    help: "Rollout events this server wrote, by prompt and event (started, advanced, completed, promoted, rolled_back, aborted, paused, resumed).",
    labelNames: ["prompt", "event"] as const,
    registers: [registry],
  });
  const gateEvaluations = new Counter({
    name: "fabric_prompt_gate_evaluations_total",
    help: "Rollout gates this server's controller evaluated, by prompt and verdict (pass, wait, regression).",
    labelNames: ["prompt", "verdict"] as const,
    registers: [registry],
  });
  const activeRollouts = new Gauge({
    name: "fabric_prompt_rollouts_active",
    help: "Rollouts running or paused, as this server's last controller pass found them.",
    registers: [registry],
  });
  const rollouts: RolloutObserver = {
    event: (e) => rolloutEvents.inc({ prompt: e.prompt, event: e.kind.toLowerCase() }),
    evaluation: (e) => gateEvaluations.inc({ prompt: e.prompt, verdict: e.verdict.toLowerCase() }),
    active: (n) => activeRollouts.set(n),
  };

  return {
    registry,
    feedGauge,
    rollouts,
    observeCall(report) {
      const labels = {
        grpc_type: report.method.methodKind === "unary" ? "unary" : "server_stream",
        grpc_service: report.method.parent.typeName,
        grpc_method: report.method.name,
        grpc_code: report.code,
      };
      handled.inc(labels);
      handling.observe(labels, report.durationMs / 1000);
    },
    instrumentStore(store) {
      return new Proxy(store, {
        get(target, prop, receiver) {
          const value = Reflect.get(target, prop, receiver);
          if (typeof value !== "function") return value;
          if (typeof prop !== "string" || !TIMED_STORE_METHODS.has(prop)) return value.bind(target);
          return async (...args: unknown[]) => {
            const end = storeLatency.startTimer({ operation: prop });
            try {
              const result = await value.apply(target, args);
              end({ outcome: "ok" });
              return result;
            } catch (e) {
              end({ outcome: "error" });
              throw e;
            }
          };
        },
      });
    },
    observeHitRate(store) {
      // One read per scrape feeds all three series.
      let pending: Promise<{ hits: number; misses: number } | undefined> | undefined;
      const read = () =>
        (pending ??= store.hitStats().then(
          (s) => s,
          () => undefined,
        ).finally(() => setImmediate(() => (pending = undefined))));
      for (const [name, help, kind] of [
        ["fabric_cache_hits_total", "GetContext calls that found a context.", "hits"],
        ["fabric_cache_misses_total", "GetContext calls that found none.", "misses"],
      ] as const) {
        new Counter({
          name,
          help,
          registers: [registry],
          async collect() {
            const s = await read();
            this.reset();
            if (s) this.inc(s[kind]);
          },
        });
      }
      feedGauge("fabric_cache_hit_ratio", "Fraction of GetContext calls that found a context (0 before any).", async () => {
        const s = await read();
        return s && (s.hits + s.misses > 0 ? s.hits / (s.hits + s.misses) : 0);
      });
    },
  };
}

export interface MetricsEndpoint {
  /** host:port it listens on. */
  readonly address: string;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` from `registry` on its own HTTP port, away from gRPC: scraping needs no
 * token and no TLS client certificate, and a busy scrape never competes with calls on one socket.
 * Bind it where only the monitoring network reaches.
 */
export async function serveMetrics(registry: Registry, listen: string): Promise<MetricsEndpoint> {
  const { host, port } = splitHostPort(listen);
  const server: Server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found: GET /metrics\n");
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
      (e) => res.writeHead(500, { "content-type": "text/plain" }).end(`metrics failed: ${(e as Error).message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  return {
    address: `${host.includes(":") ? `[${host}]` : host}:${bound.port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

function splitHostPort(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(listen);
  if (!m) throw new ConfigError(`FABRIC_METRICS_LISTEN: must be host:port (got "${listen}")`);
  return { host: m[1] ?? (m[2] || "0.0.0.0"), port: Number(m[3]) };
}
