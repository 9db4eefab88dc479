import { ContextService } from "@cache-fabric/client/gen/context";
import { FabricError } from "@cache-fabric/client/api";
import type { CallReport, Interceptor } from "../grpc/adapter.js";

/** Marks a call counted against its connection, so only counted calls are released. */
const COUNTED = "fabric.watchCounted";

export interface WatchLimit {
  /** Refuses a Watch beyond the limit on its connection with RESOURCE_EXHAUSTED. */
  readonly interceptor: Interceptor;
  /** Releases a counted Watch when it ends (wire to the adapter's onCallEnd). */
  readonly onCallEnd: (report: CallReport) => void;
  /** Open Watch streams on all connections (the watchers gauge). */
  open(): number;
}

/**
 * Caps open Watch streams per client connection (grpc-js names a connection by its peer address and
 * port), so one client cannot hold an unbounded share of the watch hub. 0 disables the cap but keeps
 * the count for metrics.
 *
 * Invariant: a call is counted iff it carries the COUNTED attribute, and the adapter reports every
 * call exactly once when it ends (refused, failed, cancelled or finished), so counts return to zero
 * and the map holds only connections with open watches.
 */
export function watchLimit(maxPerConnection: number): WatchLimit {
  const perPeer = new Map<string, number>();
  let total = 0;
  const watch = ContextService.method.watch;
  return {
    interceptor(context) {
      if (context.method !== watch) return;
      const n = perPeer.get(context.peer) ?? 0;
      if (maxPerConnection > 0 && n >= maxPerConnection) {
        throw new FabricError("RESOURCE_EXHAUSTED", `at most ${maxPerConnection} open watches per connection; watch several keys with one Watch (\`keys\`) or open another connection`);
      }
      perPeer.set(context.peer, n + 1);
      total++;
      context.attributes.set(COUNTED, true);
    },
    onCallEnd(report) {
      const { context } = report;
      if (context.attributes.get(COUNTED) !== true) return;
      context.attributes.delete(COUNTED);
      const n = (perPeer.get(context.peer) ?? 1) - 1;
      if (n <= 0) perPeer.delete(context.peer);
      else perPeer.set(context.peer, n);
      total--;
    },
    open: () => total,
  };
}
