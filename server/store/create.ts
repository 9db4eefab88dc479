import type { Store } from "./types.js";
import { createMemoryStore } from "./memory.js";

export interface StoreConfig {
  store: "memory" | "redis";
  historySize: number;
}

/** The store the settings ask for. */
export async function createStoreFromConfig(config: StoreConfig): Promise<Store> {
  switch (config.store) {
    case "memory":
      return createMemoryStore({ historySize: config.historySize });
    case "redis":
      throw new Error("FABRIC_STORE=redis is not available yet");
  }
}
