import type { Store } from "./types.js";
import { createMemoryStore } from "./memory.js";
import { createRedisStore } from "./redis/redis-store.js";
import { REDIS_SETTINGS, type RedisSettings } from "./redis/settings.js";

/** What picks and shapes the store: FABRIC_STORE, FABRIC_HISTORY_SIZE and (for Redis) the REDIS_* settings. */
export interface StoreConfig extends Partial<RedisSettings> {
  store: "memory" | "redis";
  historySize: number;
}

/**
 * The store the settings ask for. For Redis this connects and waits for Redis (up to
 * REDIS_CONNECT_TIMEOUT_MS), so a wrong address or password stops the server at startup.
 */
export async function createStoreFromConfig(config: StoreConfig): Promise<Store> {
  switch (config.store) {
    case "memory":
      return createMemoryStore({ historySize: config.historySize });
    case "redis": {
      const settings = Object.fromEntries(Object.keys(REDIS_SETTINGS).map((k) => [k, config[k as keyof RedisSettings]]));
      return createRedisStore({ historySize: config.historySize, settings });
    }
  }
}
