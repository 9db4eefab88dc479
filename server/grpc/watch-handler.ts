import { watchMessageToPb, watchRequestFromPb } from "@cache-fabric/client/wire";
import type { ContextService } from "@cache-fabric/client/gen/context";
import type { Fabric } from "@cache-fabric/client/api";
import type { ServiceHandlers } from "./adapter.js";

type WatchHandler = ServiceHandlers<(typeof ContextService)["method"]>["watch"];

/**
 * The Watch RPC: the core's raw watch (`resume: false`, the client resumes on its side) mapped to
 * WatchResponse messages. Cancellation and shutdown reach the watcher through the call's signal,
 * which unregisters it; a watcher that falls behind throws ABORTED, which the adapter sends as the
 * call's status.
 */
export function watchHandler(fabric: Fabric): WatchHandler {
  return async function* (request, context) {
    const input = { ...watchRequestFromPb(request), resume: false, signal: context.signal } as const;
    for await (const message of fabric.watch(input)) yield watchMessageToPb(message);
  };
}
