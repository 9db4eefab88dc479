import { parsers, type Setting, type SettingValues } from "../config.js";
import type { KeepaliveOptions } from "./keepalive.js";
import type { WatchOptions } from "./watch-ops.js";

/**
 * Watch and connection-liveness settings. Defaults are sized for agents that hold a few long-lived
 * watches each: a watcher may fall 1,000 messages behind before it is told to resync, idle watches
 * hear from the server every 10 s (so a client can tell a quiet watch from a dead one), and a
 * connection that stops answering pings is dropped within 40 s, reclaiming its watchers.
 */
export const WATCH_SETTINGS = {
  watchQueueSize: {
    env: "FABRIC_WATCH_QUEUE_SIZE",
    flag: "watch-queue-size",
    description: "Messages a watcher may have queued before it is ended with ABORTED (it resumes from its last revision).",
    default: 1000,
    parse: parsers.int(1, 1_000_000),
  },
  watchProgressIntervalMs: {
    env: "FABRIC_WATCH_PROGRESS_INTERVAL_MS",
    flag: "watch-progress-interval-ms",
    description: "Default interval between progress messages on an idle watch (a request may ask for another, >= 100 ms).",
    default: 10_000,
    parse: parsers.int(100, 3_600_000),
  },
  keepaliveTimeMs: {
    env: "FABRIC_KEEPALIVE_TIME_MS",
    flag: "keepalive-time-ms",
    description: "The server pings each connection after this long without activity (HTTP/2 PING).",
    default: 30_000,
    parse: parsers.int(1000, 24 * 3_600_000),
  },
  keepaliveTimeoutMs: {
    env: "FABRIC_KEEPALIVE_TIMEOUT_MS",
    flag: "keepalive-timeout-ms",
    description: "A connection whose ping is not answered within this is closed; its calls and watchers end.",
    default: 10_000,
    parse: parsers.int(100, 3_600_000),
  },
  keepaliveMinClientPingMs: {
    env: "FABRIC_KEEPALIVE_MIN_CLIENT_PING_MS",
    flag: "keepalive-min-client-ping-ms",
    description: "Shortest client keepalive ping interval the server declares acceptable, with or without calls in flight.",
    default: 10_000,
    parse: parsers.int(1000, 24 * 3_600_000),
  },
} satisfies Record<string, Setting<unknown>>;

type WatchSettingValues = SettingValues<typeof WATCH_SETTINGS>;

/** The fabric core's watch options from parsed settings. */
export function watchOptionsFromSettings(values: WatchSettingValues): WatchOptions {
  return { queueSize: values.watchQueueSize, progressIntervalMs: values.watchProgressIntervalMs };
}

/** The server's keepalive options from parsed settings. */
export function keepaliveFromSettings(values: WatchSettingValues): KeepaliveOptions {
  return {
    timeMs: values.keepaliveTimeMs,
    timeoutMs: values.keepaliveTimeoutMs,
    minClientPingIntervalMs: values.keepaliveMinClientPingMs,
  };
}
