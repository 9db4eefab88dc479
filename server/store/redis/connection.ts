import { readFileSync } from "node:fs";
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from "ioredis";
import { FabricError } from "@cache-fabric/client/api";
import type { RedisSettings } from "./settings.js";

/** A connection to a standalone/Sentinel-managed Redis, or to a Redis Cluster. */
export type RedisClient = Redis | Cluster;

export type ConnectionSettings = Pick<
  RedisSettings,
  | "redisUrl" | "redisDb" | "redisUsername" | "redisPassword" | "redisTls" | "redisTlsCaFile"
  | "redisConnectTimeoutMs" | "redisCommandTimeoutMs" | "redisRetryMinDelayMs" | "redisRetryMaxDelayMs"
  | "redisSentinels" | "redisSentinelName" | "redisClusterNodes"
>;

export interface ConnectOptions {
  /** Shown in CLIENT LIST. */
  name: string;
  /** Overrides the command timeout (the change reader's blocking connection waits longer). */
  commandTimeoutMs?: number;
  /** Gives up reconnecting after this many attempts (tests only: production retries forever). */
  retryLimit?: number;
  /** Connection events worth a log line: lost, restored. */
  log: (level: "info" | "warn" | "error", msg: string) => void;
}

/**
 * Opens a connection configured to fail fast and heal by itself:
 * - no offline queue and no retries per request: while the connection is down a command is
 *   refused at once, and commands in flight when it drops are failed at once, never replayed later
 *   (replaying a write the caller already saw fail would apply it behind their back);
 * - a command timeout, so a Redis that stops answering without closing the connection (stopped,
 *   overloaded, network black hole) still fails each call within the bound;
 * - a bounded connect attempt and reconnection forever with capped, jittered exponential backoff
 *   (jitter keeps a fleet of fabric servers from reconnecting in lockstep after a Redis restart).
 */
export function connect(settings: ConnectionSettings, options: ConnectOptions): RedisClient {
  const url = parseRedisUrl(settings.redisUrl);
  const tls = settings.redisTls || url.tls;
  const retry = backoff(settings.redisRetryMinDelayMs, settings.redisRetryMaxDelayMs, options.retryLimit);
  const common: RedisOptions = {
    connectionName: options.name,
    username: settings.redisUsername ?? url.username,
    password: settings.redisPassword ?? url.password,
    connectTimeout: settings.redisConnectTimeoutMs,
    commandTimeout: options.commandTimeoutMs ?? settings.redisCommandTimeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    enableReadyCheck: true,
    // READONLY: this connection reached a replica (after a failover the old master is demoted).
    // Reconnect, which asks Sentinel for the current master; the failed call itself is not resent.
    reconnectOnError: (err) => (err.message.startsWith("READONLY") ? 1 : false),
    keepAlive: 5000,
    // On disconnect, how long a socket may take to close before it is destroyed (default 2 s, which
    // keeps a stopping process alive that long after a failed connection attempt).
    disconnectTimeout: 200,
    ...(tls ? { tls: settings.redisTlsCaFile ? { ca: readFileSync(settings.redisTlsCaFile) } : {} } : {}),
  };

  let client: RedisClient;
  if (settings.redisClusterNodes) {
    const clusterOptions: ClusterOptions = {
      redisOptions: common,
      enableOfflineQueue: false,
      enableReadyCheck: true,
      clusterRetryStrategy: retry,
    };
    client = new Cluster(parseHostList(settings.redisClusterNodes, "REDIS_CLUSTER_NODES"), clusterOptions);
  } else if (settings.redisSentinels) {
    client = new Redis({
      ...common,
      sentinels: parseHostList(settings.redisSentinels, "REDIS_SENTINELS"),
      name: settings.redisSentinelName,
      db: settings.redisDb ?? url.db,
      retryStrategy: retry,
      sentinelRetryStrategy: retry,
      ...(tls ? { enableTLSForSentinelMode: true } : {}),
    });
  } else {
    client = new Redis({
      ...common,
      host: url.host,
      port: url.port,
      db: settings.redisDb ?? url.db,
      retryStrategy: retry,
    });
  }
  reportHealth(client, options);
  return client;
}

/**
 * Resolves once the connection is ready. Rejects with UNAVAILABLE after `timeoutMs` (the server
 * refuses to start against a Redis it cannot reach: a wrong address or password shows at once).
 */
export async function waitUntilReady(client: RedisClient, timeoutMs: number): Promise<void> {
  if (client.status === "ready") return;
  let lastError: unknown;
  const onError = (e: unknown) => (lastError = e);
  client.on("error", onError);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        client.off("ready", onReady);
        const why = (lastError as Error | undefined)?.message ?? "no answer";
        reject(new FabricError("UNAVAILABLE", `Redis not reachable within ${timeoutMs} ms (${why})`, { cause: lastError }));
      }, timeoutMs);
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      client.once("ready", onReady);
    });
  } finally {
    client.off("error", onError);
  }
}

/** Reconnection delays: min, 2·min, 4·min, ... capped at max, each with up to half of it as jitter. */
export function backoff(minMs: number, maxMs: number, limit?: number): (times: number) => number | null {
  return (times) => {
    if (limit !== undefined && times > limit) return null;
    const delay = Math.min(maxMs, minMs * 2 ** Math.min(times - 1, 30));
    return Math.round(delay / 2 + (Math.random() * delay) / 2);
  };
}

interface ParsedUrl {
  host: string;
  port: number;
  db?: number;
  username?: string;
  password?: string;
  tls: boolean;
}

/** redis://[user:password@]host[:port][/db] or rediss://... (TLS). */
export function parseRedisUrl(raw: string): ParsedUrl {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new FabricError("INVALID_ARGUMENT", `REDIS_URL: not a URL ("${raw}")`);
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw new FabricError("INVALID_ARGUMENT", `REDIS_URL: scheme must be redis:// or rediss:// (got ${url.protocol}//)`);
  }
  const path = url.pathname.replace(/^\//, "");
  const db = path === "" ? undefined : Number(path);
  if (db !== undefined && (!Number.isInteger(db) || db < 0)) {
    throw new FabricError("INVALID_ARGUMENT", `REDIS_URL: the path must be a database number (got "/${path}")`);
  }
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, "$1") || "127.0.0.1",
    port: url.port ? Number(url.port) : 6379,
    ...(db !== undefined ? { db } : {}),
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    tls: url.protocol === "rediss:",
  };
}

function parseHostList(raw: string, name: string): { host: string; port: number }[] {
  return raw.split(",").map((part) => {
    const m = /^\s*\[?([^\]\s]+?)\]?:(\d+)\s*$/.exec(part);
    if (!m) throw new FabricError("INVALID_ARGUMENT", `${name}: expected host:port[,host:port...] (got "${part}")`);
    return { host: m[1], port: Number(m[2]) };
  });
}

/** One log line when the connection is lost (not one per reconnection attempt) and one when it is back. */
function reportHealth(client: RedisClient, options: ConnectOptions): void {
  let everReady = false;
  let down = false;
  client.on("error", (e: Error) => {
    if (down || !everReady) return;
    down = true;
    options.log("warn", `${options.name}: Redis connection lost (${e.message}); reconnecting`);
  });
  client.on("close", () => {
    if (down || !everReady) return;
    down = true;
    options.log("warn", `${options.name}: Redis connection closed; reconnecting`);
  });
  client.on("ready", () => {
    if (down) options.log("info", `${options.name}: Redis connection restored`);
    everReady = true;
    down = false;
  });
}
