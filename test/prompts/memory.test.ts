import { createMemoryStore } from "../../server/store/memory.js";
import type { Store } from "../../server/store/types.js";
import { describePrompts } from "./suite.js";

/**
 * A second "server" over the same memory store shares the store object; only the first closes it
 * (each test server closes its store when it stops).
 */
function sharing(store: Store): Store {
  return new Proxy(store, {
    get(target, prop) {
      if (prop === "close") return async () => {};
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

describePrompts("memory store", { fresh: async () => createMemoryStore(), peer: async (store) => sharing(store) });
