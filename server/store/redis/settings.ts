import { ConfigError, parsers, type Setting, type SettingValues } from "../../config.js";

const optionalInt = (min: number, max?: number) => parsers.optional(parsers.int(min, max));

/**
 * Settings of the Redis store (used when FABRIC_STORE=redis). Connection settings follow the
 * integration guide (URL, db, password, TLS); the rest bound how the fabric behaves when Redis is
 * slow or gone: a call fails with UNAVAILABLE within REDIS_COMMAND_TIMEOUT_MS instead of waiting,
 * and the connection is retried in the background with capped exponential backoff, forever.
 */
export const REDIS_SETTINGS = {
  redisUrl: {
    env: "REDIS_URL",
    flag: "redis-url",
    description:
      "Redis to use: redis://[user:password@]host:port[/db], or rediss:// for TLS. With REDIS_SENTINELS or REDIS_CLUSTER_NODES only its credentials, db and scheme are used.",
    default: "redis://127.0.0.1:6379",
    parse: parsers.string,
  },
  redisDb: {
    env: "REDIS_DB",
    flag: "redis-db",
    description: "Database number; overrides the one in REDIS_URL (not available with Cluster).",
    default: undefined as number | undefined,
    parse: optionalInt(0, 65535),
  },
  redisUsername: {
    env: "REDIS_USERNAME",
    flag: "redis-username",
    description: "ACL user name (Redis 6+); overrides the one in REDIS_URL.",
    default: undefined as string | undefined,
    parse: parsers.optional(parsers.string),
  },
  redisPassword: {
    env: "REDIS_PASSWORD",
    flag: "redis-password",
    description: "Password; overrides the one in REDIS_URL. Prefer the environment variable: flags show in process lists.",
    default: undefined as string | undefined,
    parse: parsers.optional(parsers.string),
  },
  redisTls: {
    env: "REDIS_TLS",
    flag: "redis-tls",
    description: "Connect with TLS (also implied by a rediss:// URL).",
    default: false,
    parse: parsers.bool,
  },
  redisTlsCaFile: {
    env: "REDIS_TLS_CA_FILE",
    flag: "redis-tls-ca-file",
    description: "PEM file of the CA that signed the Redis server certificate (default: the system CAs).",
    default: undefined as string | undefined,
    parse: parsers.optional(parsers.string),
  },
  redisKeyPrefix: {
    env: "REDIS_KEY_PREFIX",
    flag: "redis-key-prefix",
    description:
      "Prefix of every key, so several fabrics can share a Redis. It becomes a Cluster hash tag ({cf:}) unless it already holds one.",
    default: "cf:",
    parse: (raw: string, name: string) => {
      if (raw === "") throw new ConfigError(`${name}: must not be empty`);
      return raw;
    },
  },
  redisConnectTimeoutMs: {
    env: "REDIS_CONNECT_TIMEOUT_MS",
    flag: "redis-connect-timeout-ms",
    description: "How long one connection attempt may take; also how long the server waits for Redis at startup before giving up.",
    default: 5000,
    parse: parsers.int(100, 600_000),
  },
  redisCommandTimeoutMs: {
    env: "REDIS_COMMAND_TIMEOUT_MS",
    flag: "redis-command-timeout-ms",
    description:
      "The outage bound: a store call that gets no answer from Redis within this time fails with UNAVAILABLE. Calls fail at once while the connection is down.",
    default: 2000,
    parse: parsers.int(10, 600_000),
  },
  redisRetryMinDelayMs: {
    env: "REDIS_RETRY_MIN_DELAY_MS",
    flag: "redis-retry-min-delay-ms",
    description: "First delay before reconnecting after the connection is lost; doubles on each failed attempt.",
    default: 50,
    parse: parsers.int(1, 600_000),
  },
  redisRetryMaxDelayMs: {
    env: "REDIS_RETRY_MAX_DELAY_MS",
    flag: "redis-retry-max-delay-ms",
    description: "Cap on the delay between reconnection attempts (attempts never stop).",
    default: 2000,
    parse: parsers.int(1, 3_600_000),
  },
  redisSweepIntervalMs: {
    env: "REDIS_SWEEP_INTERVAL_MS",
    flag: "redis-sweep-interval-ms",
    description: "How often each server looks for expired contexts to remove (each removal is an EXPIRE change watchers see).",
    default: 250,
    parse: parsers.int(10, 3_600_000),
  },
  redisSentinels: {
    env: "REDIS_SENTINELS",
    flag: "redis-sentinels",
    description: "Sentinel mode: comma-separated host:port of the Sentinels; the master is found through them.",
    default: undefined as string | undefined,
    parse: parsers.optional(parsers.string),
  },
  redisSentinelName: {
    env: "REDIS_SENTINEL_NAME",
    flag: "redis-sentinel-name",
    description: "Sentinel mode: name of the monitored master.",
    default: "mymaster",
    parse: parsers.string,
  },
  redisClusterNodes: {
    env: "REDIS_CLUSTER_NODES",
    flag: "redis-cluster-nodes",
    description: "Cluster mode: comma-separated host:port of some cluster nodes to discover the cluster from.",
    default: undefined as string | undefined,
    parse: parsers.optional(parsers.string),
  },
} satisfies Record<string, Setting<unknown>>;

export type RedisSettings = SettingValues<typeof REDIS_SETTINGS>;

/** The defaults, for callers that build a Redis store without reading the environment. */
export function defaultRedisSettings(): RedisSettings {
  return Object.fromEntries(Object.entries(REDIS_SETTINGS).map(([k, s]) => [k, s.default])) as RedisSettings;
}
