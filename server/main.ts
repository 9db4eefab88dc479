#!/usr/bin/env node
import { checkUnknownFlags, ConfigError, readSettings } from "./config.js";
import { createFabric } from "./core/fabric.js";
import { startFabricServer } from "./server.js";
import { SERVER_SETTINGS } from "./settings.js";
import { createStoreFromConfig } from "./store/create.js";
import { EXECUTION_SETTINGS, executionOptionsFromConfig } from "./executions/settings.js";
import { REDIS_SETTINGS } from "./store/redis-settings.js";
import { keepaliveFromSettings, watchOptionsFromSettings, WATCH_SETTINGS } from "./watch/settings.js";

/** All settings the server reads, by area. */
export const ALL_SETTINGS = { ...SERVER_SETTINGS, ...WATCH_SETTINGS, ...REDIS_SETTINGS, ...EXECUTION_SETTINGS };

async function main(): Promise<void> {
  checkUnknownFlags(Object.values(ALL_SETTINGS));
  const config = readSettings(ALL_SETTINGS);
  const store = await createStoreFromConfig(config);
  const fabric = createFabric({ store, maxValueBytes: config.maxValueBytes, watch: watchOptionsFromSettings(config), executions: executionOptionsFromConfig(config) });
  const server = await startFabricServer({
    fabric,
    listen: config.listen,
    maxMessageBytes: config.maxMessageBytes,
    keepalive: keepaliveFromSettings(config),
  });
  log("info", `cache fabric serving on ${server.address} (store: ${config.store})`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log("info", `${signal}: shutting down (grace ${config.shutdownGraceMs} ms)`);
    await server.shutdown(config.shutdownGraceMs);
    await fabric.close();
    log("info", "stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

function log(level: string, msg: string): void {
  process.stdout.write(JSON.stringify({ time: new Date().toISOString(), level, msg }) + "\n");
}

if (require.main === module) {
  main().catch((e) => {
    if (e instanceof ConfigError) log("error", e.message);
    else log("error", `failed to start: ${(e as Error).stack ?? e}`);
    process.exit(1);
  });
}
