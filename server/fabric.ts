import type { Fabric } from "@cache-fabric/client/api";
import type { Store } from "./store/types.js";
import { DEFAULT_MAX_MESSAGE_BYTES } from "@cache-fabric/client/api";
import { createContextOps, pageBytesFor } from "./contexts/context-ops.js";
import { createLatencyMeter, type LatencyMeter } from "./contexts/latency.js";
import { createWatchOps, type WatchOptions } from "./watch/watch-ops.js";
import { createSearchOps, type SearchOptions } from "./search/search-ops.js";
import { createExecutionOps, type ExecutionOptions } from "./executions/execution-ops.js";
import { createPromptRegistry, type PromptRegistryCore, type PromptRegistryOptions } from "./prompts/registry.js";
import { REGISTRY_RESERVED_KEYS } from "./prompts/keys.js";

export interface FabricOptions {
  store: Store;
  /** Largest value accepted, as JSON bytes. Default 1 MiB. */
  maxValueBytes?: number;
  /**
   * The message limit the fabric's answers must fit (the server's FABRIC_MAX_MESSAGE_BYTES): Query
   * and ListExecutions pages are cut a little below it. Default DEFAULT_MAX_MESSAGE_BYTES (16 MiB).
   */
  maxMessageBytes?: number;
  /** How long the outcome of a write with an idempotency key is remembered. Default 5 minutes. */
  idempotencyWindowMs?: number;
  watch?: WatchOptions;
  /** Semantic search (an embedder and a vector index); absent: search is off and answers UNIMPLEMENTED. */
  search?: SearchOptions;
  executions?: ExecutionOptions;
  prompts?: PromptRegistryOptions;
}

/** The in-process fabric with the hooks the server needs besides the public API. */
export interface FabricCore extends Fabric {
  readonly store: Store;
  readonly latency: LatencyMeter;
  /** The registry with its rollout controller (tests drive `prompts.controller.tick()`). */
  readonly prompts: PromptRegistryCore;
}

export const DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;

/**
 * The in-process fabric: the guide's API over a Store, with no transport. The gRPC server wraps one;
 * tests and embedded users call it directly. Each area (contexts, watch, search, executions) is its
 * own module (the prompt registry too); this function only wires them together and owns their lifecycle.
 *
 * @example
 * const fabric = createFabric({ store: createMemoryStore() });
 * await fabric.setContext({ key: "router:main:system_message", value: "You are a helpful assistant" });
 */
export function createFabric(options: FabricOptions): FabricCore {
  const { store } = options;
  const latency = createLatencyMeter();
  const maxPageBytes = pageBytesFor(options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES);
  const contextOps = createContextOps({
    store,
    latency,
    maxValueBytes: options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES,
    reserved: REGISTRY_RESERVED_KEYS,
    maxPageBytes,
    ...(options.idempotencyWindowMs !== undefined ? { idempotencyWindowMs: options.idempotencyWindowMs } : {}),
  });
  const watchOps = createWatchOps({ store, options: options.watch ?? {} });
  const searchOps = createSearchOps({ store, contextOps, options: options.search });
  const executionOps = createExecutionOps({ store, contextOps, options: { maxPageBytes, ...options.executions } });
  const prompts = createPromptRegistry({
    store,
    executions: executionOps,
    maxValueBytes: options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES,
    ...(options.prompts ? { options: options.prompts } : {}),
  });
  let closed: Promise<void> | undefined;
  return {
    store,
    latency,
    ...contextOps,
    ...watchOps,
    ...searchOps,
    ...executionOps,
    prompts,
    close() {
      closed ??= (async () => {
        await prompts.close();
        await watchOps.closeWatch();
        await searchOps.closeSearch();
        await store.close();
      })();
      return closed;
    },
  };
}
