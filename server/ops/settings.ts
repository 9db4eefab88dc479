import { parsers, type Setting } from "../config.js";

/**
 * Operations and security settings (issue 7), read by server/main.ts beside the other areas'.
 * Defaults keep `npm start` working on loopback for a newcomer; anything listening beyond loopback
 * must be configured on purpose (see `auth`).
 */
export const OPS_SETTINGS = {
  auth: {
    env: "FABRIC_AUTH",
    flag: "auth",
    description:
      "Bearer-token authentication: `on` (tokens required), `off` (local development only; warned at start), or `auto`: on when tokens are configured; without tokens, off with a warning on a loopback listen address and a refusal to start on any other.",
    default: "auto" as "auto" | "on" | "off",
    parse: parsers.oneOf("auto", "on", "off"),
  },
  authTokensFile: {
    env: "FABRIC_AUTH_TOKENS_FILE",
    flag: "auth-tokens-file",
    description: "Token and policy file (YAML or JSON; see README \"Authentication\"). Tokens may be stored as SHA-256 hashes.",
    default: undefined as string | undefined,
    parse: parsers.optional(parsers.string),
  },
  authTokens: {
    env: "FABRIC_AUTH_TOKENS",
    flag: "auth-tokens",
    description: "The same token document inline (for secrets injected as environment variables); merged with the file.",
    default: undefined as string | undefined,
    parse: parsers.optional(parsers.string),
  },
  rateLimitRps: {
    env: "FABRIC_RATE_LIMIT_RPS",
    flag: "rate-limit-rps",
    description: "Calls per second each token may make (token bucket; a token's own `rateLimit` wins); 0: unlimited.",
    default: 0,
    parse: parsers.int(0, 10_000_000),
  },
  rateLimitBurst: {
    env: "FABRIC_RATE_LIMIT_BURST",
    flag: "rate-limit-burst",
    description: "Calls a token may make at once above its rate (bucket size); 0: one second's worth.",
    default: 0,
    parse: parsers.int(0, 100_000_000),
  },
  maxWatchersPerConnection: {
    env: "FABRIC_MAX_WATCHERS_PER_CONNECTION",
    flag: "max-watchers-per-connection",
    description: "Open Watch streams one client connection may hold; more are refused with RESOURCE_EXHAUSTED. 0: unlimited.",
    default: 100,
    parse: parsers.int(0, 1_000_000),
  },
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
  reflection: {
    env: "FABRIC_REFLECTION",
    flag: "reflection",
    description: "Serve gRPC server reflection (v1 and v1alpha), so grpcurl and similar tools need no .proto files.",
    default: true as boolean,
    parse: parsers.bool,
  },
  tlsCertFile: {
    env: "FABRIC_TLS_CERT_FILE",
    flag: "tls-cert-file",
    description: "Server certificate chain (PEM). With the key, the server speaks TLS only.",
    default: undefined as string | undefined,
    parse: parsers.optional(parsers.string),
  },
  tlsKeyFile: {
    env: "FABRIC_TLS_KEY_FILE",
    flag: "tls-key-file",
    description: "Server private key (PEM).",
    default: undefined as string | undefined,
    parse: parsers.optional(parsers.string),
  },
  tlsClientCaFile: {
    env: "FABRIC_TLS_CLIENT_CA_FILE",
    flag: "tls-client-ca-file",
    description: "CA bundle (PEM) for mutual TLS: every client must present a certificate it signed.",
    default: undefined as string | undefined,
    parse: parsers.optional(parsers.string),
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
