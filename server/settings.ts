import { DEFAULT_MAX_MESSAGE_BYTES } from "@cache-fabric/client/api";
import { parsers, type Setting } from "./config.js";

/** The server's own settings: where it listens, what it stores, how much it accepts. */
export const SERVER_SETTINGS = {
  listen: {
    env: "FABRIC_LISTEN",
    flag: "listen",
    description: "Address to serve gRPC on (host:port; port 0 picks a free one).",
    default: "127.0.0.1:50051",
    parse: parsers.string,
  },
  store: {
    env: "FABRIC_STORE",
    flag: "store",
    description: "Context store: `memory` (development, nothing persisted) or `redis` (production).",
    default: "memory" as "memory" | "redis",
    parse: parsers.oneOf("memory", "redis"),
  },
  maxValueBytes: {
    env: "FABRIC_MAX_VALUE_BYTES",
    flag: "max-value-bytes",
    description: "Largest context value accepted, as JSON bytes.",
    default: 1024 * 1024,
    parse: parsers.int(1, 64 * 1024 * 1024),
  },
  maxMessageBytes: {
    env: "FABRIC_MAX_MESSAGE_BYTES",
    flag: "max-message-bytes",
    description:
      "Largest gRPC message received or sent, in bytes (a Batch carries many values). Query and ListExecutions pages are cut a little below it; FabricClient receives this much by default (raise its maxMessageBytes with this).",
    default: DEFAULT_MAX_MESSAGE_BYTES,
    parse: parsers.int(64 * 1024, 1024 * 1024 * 1024),
  },
  idempotencyWindowSeconds: {
    env: "FABRIC_IDEMPOTENCY_WINDOW_SECONDS",
    flag: "idempotency-window-seconds",
    description:
      "How long the outcome of a write sent with an idempotency key is remembered (a retry within it returns that outcome instead of writing again). Each such write keeps a small record in the store for this long (in Redis about 220 bytes for one write, 65 more per batch operation).",
    default: 300,
    parse: parsers.int(1, 7 * 24 * 3600),
  },
  historySize: {
    env: "FABRIC_HISTORY_SIZE",
    flag: "history-size",
    description: "Changes retained for watch resumption (memory store; the Redis stream length for Redis).",
    default: 10_000,
    parse: parsers.int(1, 100_000_000),
  },
  shutdownGraceMs: {
    env: "FABRIC_SHUTDOWN_GRACE_MS",
    flag: "shutdown-grace-ms",
    description: "On SIGTERM/SIGINT, how long in-flight calls may take before they are cut off.",
    default: 10_000,
    parse: parsers.int(0, 3_600_000),
  },
  workers: {
    env: "FABRIC_WORKERS",
    flag: "workers",
    description:
      'Server processes sharing the listen port (node:cluster), for every CPU core; 0: one per core. More than 1 needs FABRIC_STORE=redis (see README "Every core").',
    default: 1,
    parse: parsers.int(0, 1024),
  },
  reflection: {
    env: "FABRIC_REFLECTION",
    flag: "reflection",
    description: "Serve gRPC server reflection (v1 and v1alpha), so grpcurl and similar tools need no .proto files.",
    default: true as boolean,
    parse: parsers.bool,
  },
} satisfies Record<string, Setting<unknown>>;
