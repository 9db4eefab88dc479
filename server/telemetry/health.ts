import type * as grpc from "@grpc/grpc-js";
import { HealthImplementation, type ServingStatus } from "grpc-health-check";
import type { Logger } from "pino";
import type { Store } from "../store/types.js";

export interface HealthOptions {
  /** Probed with `revision()`, the cheapest read every store has. */
  store: Pick<Store, "revision">;
  /** Fully-qualified service names reported besides the server as a whole (""). */
  services: readonly string[];
  /** Between probes; also the longest a probe may take before it counts as a failure. */
  intervalMs: number;
  logger?: Logger;
  /** Told about every transition (metrics). */
  onChange?: (serving: boolean) => void;
}

export interface FabricHealth {
  /** Registers grpc.health.v1.Health (Check, Watch, List) on `server`. */
  addToServer(server: grpc.Server): void;
  /** Starts probing the store: the first probe runs now. */
  start(): void;
  /**
   * Shutdown begins: everything turns NOT_SERVING (open health watches are told), then those
   * watches are ended so they do not hold the server open. Probing stops. Idempotent.
   */
  shutdown(): void;
  serving(): boolean;
  /** Runs one probe now and applies its result (tests, and `start`). */
  probe(): Promise<boolean>;
}

/**
 * gRPC health checking (grpc.health.v1, via grpc-health-check's HealthImplementation) driven by the
 * store: the fabric cannot answer without its store, so every service is NOT_SERVING while a probe
 * fails or times out, SERVING again after the next one succeeds, and NOT_SERVING from the moment
 * shutdown begins. Until the first probe answers the server reports NOT_SERVING (not yet ready).
 *
 * Invariants: probes never overlap (the next is scheduled after the previous settles); after
 * `shutdown()` no status changes and no write reaches a health watch stream (they are ended).
 */
export function createHealth(options: HealthOptions): FabricHealth {
  const names = ["", ...options.services];
  const impl = new HealthImplementation(Object.fromEntries(names.map((n) => [n, "NOT_SERVING" as ServingStatus])));
  const watches = new Set<grpc.ServerWritableStream<unknown, unknown>>();
  let current = false;
  let known = false;
  let started = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const set = (serving: boolean, reason?: string) => {
    if (stopped || (known && serving === current)) return;
    const first = !known;
    known = true;
    current = serving;
    for (const n of names) impl.setStatus(n, serving ? "SERVING" : "NOT_SERVING");
    options.onChange?.(serving);
    if (serving) options.logger?.info(first ? "health: SERVING" : "health: store reachable again, SERVING");
    else options.logger?.warn({ reason }, "health: store unreachable, NOT_SERVING");
  };

  const probe = async (): Promise<boolean> => {
    let timeout: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        options.store.revision(),
        new Promise((_, reject) => {
          timeout = setTimeout(() => reject(new Error(`store did not answer within ${options.intervalMs} ms`)), options.intervalMs);
        }),
      ]);
      set(true);
      return true;
    } catch (e) {
      set(false, (e as Error)?.message ?? String(e));
      return false;
    } finally {
      clearTimeout(timeout);
    }
  };

  const loop = async () => {
    await probe();
    if (!stopped) {
      timer = setTimeout(loop, options.intervalMs);
      timer.unref();
    }
  };

  return {
    addToServer(server) {
      // The library's Watch streams never end on their own; keep them to end them at shutdown.
      const tracking = {
        addService(service: grpc.ServiceDefinition, implementation: grpc.UntypedServiceImplementation) {
          const watch = implementation.watch as (call: grpc.ServerWritableStream<unknown, unknown>) => void;
          server.addService(service, {
            ...implementation,
            watch(call: grpc.ServerWritableStream<unknown, unknown>) {
              if (stopped) return call.end();
              watches.add(call);
              const forget = () => watches.delete(call);
              call.once("cancelled", forget);
              call.once("finish", forget);
              watch(call);
            },
          });
        },
      };
      impl.addToServer(tracking as never);
    },
    start() {
      if (started || stopped) return;
      started = true;
      void loop();
    },
    shutdown() {
      if (stopped) return;
      for (const n of names) impl.setStatus(n, "NOT_SERVING");
      if (current) options.onChange?.(false);
      current = false;
      stopped = true;
      clearTimeout(timer);
      for (const call of watches) call.end();
      watches.clear();
      options.logger?.info("health: shutting down, NOT_SERVING");
    },
    serving: () => current,
    probe,
  };
}
