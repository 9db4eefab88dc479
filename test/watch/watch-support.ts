import type { WatchEvent, WatchMessage } from "@cache-fabric/client/api";
import type { FabricCore } from "../../server/fabric.js";
import type { WatchOps } from "../../server/watch/watch-ops.js";
import { eventually } from "../support/harness.js";

/** A watch being drained in the background into `messages`, with ways to wait on what arrived. */
export interface Collector {
  readonly messages: WatchMessage[];
  /** Set when the watch ended with an error. */
  readonly error: unknown;
  readonly done: boolean;
  events(): WatchEvent[];
  /** Resolves when the watch has delivered an event (or progress) at or past `revision`. */
  reach(revision: number, timeoutMs?: number): Promise<void>;
  until(predicate: (c: Collector) => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** Resolves when the watch has ended. */
  finished: Promise<void>;
}

export function collect(watch: AsyncIterable<WatchMessage>, onMessage?: (m: WatchMessage) => void | Promise<void>): Collector {
  const messages: WatchMessage[] = [];
  let error: unknown;
  let done = false;
  const finished = (async () => {
    try {
      for await (const m of watch) {
        messages.push(m);
        await onMessage?.(m);
      }
    } catch (e) {
      error = e;
    } finally {
      done = true;
    }
  })();
  const c: Collector = {
    messages,
    get error() {
      return error;
    },
    get done() {
      return done;
    },
    events: () => messages.flatMap((m) => (m.kind === "event" ? [m.event] : [])),
    reach: (revision, timeoutMs) =>
      c.until((x) => x.messages.some((m) => m.kind !== "created" && m.revision >= revision), `revision ${revision}`, timeoutMs),
    until: (predicate, what, timeoutMs = 5000) =>
      eventually(() => {
        if (predicate(c)) return true;
        if (done) throw new Error(`watch ended (${String(error)}) before ${what}; got ${JSON.stringify(summary(messages))}`);
        return false;
      }, what, timeoutMs),
    finished,
  };
  return c;
}

/** Compact form of messages, for assertions and failure output. */
export function summary(messages: WatchMessage[]): string[] {
  return messages.map((m) =>
    m.kind === "event" ? `${m.event.type} ${m.event.key}@${m.revision}` : m.kind === "reset" ? `reset@${m.revision}[${m.contexts.length}]` : `${m.kind}@${m.revision}`,
  );
}

/** Watcher counts of a core (the hub's own view, to see registrations come and go). */
export function watchStats(fabric: FabricCore) {
  return (fabric as FabricCore & WatchOps).watchStats();
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
