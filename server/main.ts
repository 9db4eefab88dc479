#!/usr/bin/env node
import { checkUnknownFlags, ConfigError, readSettings } from "./config.js";
import { clusterWorker, isClusterPrimary, runClusterPrimary } from "./cluster.js";
import { createFabric } from "./fabric.js";
import { startFabricServer } from "./server.js";
import { SERVER_SETTINGS } from "./settings.js";
import { createStoreFromConfig } from "./store/create.js";
import { EXECUTION_SETTINGS, executionOptionsFromConfig } from "./executions/settings.js";
import { PROMPT_SETTINGS, promptOptionsFromConfig } from "./prompts/settings.js";
import { REDIS_SETTINGS } from "./store/redis/settings.js";
import { keepaliveFromSettings, watchOptionsFromSettings, WATCH_SETTINGS } from "./watch/settings.js";
import { createSearchFromConfig } from "./search/create.js";
import { SEARCH_SETTINGS } from "./search/settings.js";
import { createOps } from "./operations.js";
import { createLogger, type Logger } from "./telemetry/logger.js";
import { METRIC_NAMES } from "./telemetry/metrics.js";
import { ACCESS_SETTINGS } from "./access/settings.js";
import { TELEMETRY_SETTINGS } from "./telemetry/settings.js";

/** All settings the server reads, by area. */
export const ALL_SETTINGS = { ...SERVER_SETTINGS, ...SEARCH_SETTINGS, ...WATCH_SETTINGS, ...REDIS_SETTINGS, ...ACCESS_SETTINGS, ...TELEMETRY_SETTINGS, ...EXECUTION_SETTINGS, ...PROMPT_SETTINGS };

async function main(): Promise<void> {
  checkUnknownFlags(Object.values(ALL_SETTINGS));
  const config = readSettings(ALL_SETTINGS);
  logger = createLogger({ level: config.logLevel });
  if (isClusterPrimary(config)) return runClusterPrimary(config, logger, `store: ${config.store}`);
  // In a group (FABRIC_WORKERS > 1) the primary serves the metrics endpoint for every worker.
  const worker = clusterWorker();
  const listen = worker?.listen ?? config.listen;
  const rawStore = await createStoreFromConfig(config);
  // Operations (auth, TLS, limits, health, reflection, metrics, call log) around the server; health
  // probes the store itself, the fabric gets it with every operation timed.
  const ops = createOps(worker ? { ...config, metricsListen: undefined } : config, { listen, store: rawStore, logger });
  const store = ops.metrics.instrumentStore(rawStore);
  const search = await createSearchFromConfig(config, (e) => log("warn", `indexing failed, retrying: ${(e as Error).message}`));
  const embedder = search?.embedder;
  if (embedder && typeof embedder.pendingCount === "number") {
    ops.metrics.feedGauge(METRIC_NAMES.embedderQueueDepth, "Texts waiting to be embedded.", () => embedder.pendingCount);
  }
  const fabric = createFabric({
    store,
    maxValueBytes: config.maxValueBytes,
    maxMessageBytes: config.maxMessageBytes,
    idempotencyWindowMs: config.idempotencyWindowSeconds * 1000,
    search,
    watch: watchOptionsFromSettings(config),
    executions: executionOptionsFromConfig(config),
    prompts: promptOptionsFromConfig(config, (e) => log("warn", `rollout controller pass failed, retrying: ${e.message}`), ops.metrics.rollouts),
  });
  const server = await startFabricServer({
    fabric: ops.serve(fabric),
    listen,
    maxMessageBytes: config.maxMessageBytes,
    keepalive: keepaliveFromSettings(config),
    ...ops.serverOptions,
  });
  await ops.start();
  log("info", `${worker ? `cache fabric worker ${worker.slot} ready` : "cache fabric serving"} on ${server.address} (store: ${config.store}, search: ${search ? `${search.embedder.modelId} over the ${search.indexKind} index` : "off"}, ${ops.tls}, auth ${ops.auth.enabled ? "on" : "off"})`);
  worker?.ready(server.address, ops.metrics.registry);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log("info", `${signal}: shutting down (grace ${config.shutdownGraceMs} ms)`);
    await ops.drain();
    await server.shutdown(config.shutdownGraceMs);
    await fabric.close();
    await ops.close();
    log("info", "stopped");
    process.exit(0);
  };
  process.on("SIGHUP", () => {
    try {
      ops.reloadTokens();
    } catch (e) {
      log("error", `SIGHUP: ${(e as Error).message}`);
    }
  });
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

/** JSON lines on stdout (pino); replaced by one at the configured level once settings are read. */
let logger: Logger = createLogger();

function log(level: "info" | "warn" | "error", msg: string): void {
  logger[level](msg);
}

if (require.main === module) {
  main().catch((e) => {
    if (e instanceof ConfigError) log("error", e.message);
    else log("error", `failed to start: ${(e as Error).stack ?? e}`);
    process.exit(1);
  });
}
