import { parsers, type Setting } from "../config.js";

/** How the server shows its state: health, metrics, logs. */
export const TELEMETRY_SETTINGS = {
  health: {
    env: "FABRIC_HEALTH",
    flag: "health",
    description: "Serve grpc.health.v1.Health (Check and Watch): NOT_SERVING while the store is unreachable and during shutdown.",
    default: true as boolean,
    parse: parsers.bool,
  },
  healthIntervalMs: {
    env: "FABRIC_HEALTH_INTERVAL_MS",
    flag: "health-interval-ms",
    description: "How often the store is probed for health (a revision read), and how long a probe may take.",
    default: 1000,
    parse: parsers.int(50, 3_600_000),
  },
  shutdownDrainMs: {
    env: "FABRIC_SHUTDOWN_DRAIN_MS",
    flag: "shutdown-drain-ms",
    description:
      "On SIGTERM/SIGINT, how long health reports NOT_SERVING while calls are still served, so load balancers stop routing first.",
    default: 0,
    parse: parsers.int(0, 600_000),
  },
  metricsListen: {
    env: "FABRIC_METRICS_LISTEN",
    flag: "metrics-listen",
    description: "host:port for Prometheus metrics over HTTP (GET /metrics); empty: no metrics endpoint.",
    default: undefined as string | undefined,
    parse: parsers.optional(parsers.string),
  },
  logLevel: {
    env: "FABRIC_LOG_LEVEL",
    flag: "log-level",
    description: "Least severe log level written (JSON lines on stdout): trace, debug, info, warn, error, fatal or silent.",
    default: "info" as LogLevel,
    parse: parsers.oneOf<LogLevel>("trace", "debug", "info", "warn", "error", "fatal", "silent"),
  },
} satisfies Record<string, Setting<unknown>>;

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";
