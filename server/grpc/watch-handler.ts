import { watchMessageToPb, watchRequestFromPb } from "../../client/watch-convert.js";
import type { ContextService } from "../../client/gen/cachefabric/v1/context_pb.js";
import type { Fabric } from "../../client/types.js";
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
