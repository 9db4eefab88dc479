import type { ChangeEvent } from "../types.js";
import { decodeChange, revisionOf } from "./change-stream.js";
import type { RedisClient } from "./connection.js";
import { toFabricError } from "./errors.js";

export interface ChangeReaderOptions {
  /** A connection of its own: XREAD BLOCK holds it for up to `blockMs` at a time. */
  client: RedisClient;
  streamKey: string;
  metaKey: string;
  /** Deliver changes with revisions above this one. */
  afterRevision: number;
  /** How long one XREAD waits for new entries. Its connection's command timeout must exceed it. */
  blockMs: number;
  /** Delay between attempts while Redis is unreachable: min, doubling, capped at max. */
  retryMinDelayMs: number;
  retryMaxDelayMs: number;
  deliver: (events: ChangeEvent[]) => void;
  /** False while nobody listens: entries are then skipped without decoding (their values are not parsed). */
  wanted: () => boolean;
  log: (level: "info" | "warn" | "error", msg: string) => void;
}

/** Entries read per XREAD. */
const BATCH = 512;

/**
 * Follows the change stream and hands each change to `deliver`, in revision order, exactly once.
 *
 * This is how a fabric server learns of every change, whichever server made it: a write through any
 * server appends to the one stream in the same script that applies it, and every server's reader
 * reads it from there. (Keyspace notifications are not used: Pub/Sub drops messages whenever a
 * subscriber is disconnected.)
 *
 * Invariants: `last` is the revision of the last change delivered; each XREAD asks for entries
 * after `<last>-0`, so a lost connection or a Redis restart resumes exactly where delivery stopped,
 * and an entry at or below `last` is never delivered again. If the reader was away for longer than
 * the stream retains (more than the history size of changes), the entries in between are gone: the
 * next delivered revision is then above last + 1, and a listener sees the gap in the revisions
 * (there are never gaps otherwise) and must re-read, as for a compacted Watch.
 */
export class ChangeReader {
  private last: number;
  private closed = false;
  private wake: (() => void) | undefined;
  private readonly done: Promise<void>;

  constructor(private readonly o: ChangeReaderOptions) {
    this.last = o.afterRevision;
    this.done = this.run();
  }

  /** Revision of the last change delivered. */
  get lastRevision(): number {
    return this.last;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    this.o.client.disconnect();
    await this.done;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      try {
        if (failures > 0) {
          await this.checkContinuity();
          this.o.log("info", `change reader: following the change stream again from revision ${this.last}`);
          failures = 0;
        }
        const reply = await this.o.client.xread("COUNT", BATCH, "BLOCK", this.o.blockMs, "STREAMS", this.o.streamKey, `${this.last}-0`);
        if (reply && !this.closed) this.handle(reply[0][1]);
      } catch (e) {
        if (this.closed) break;
        if (failures++ === 0) this.o.log("warn", `change reader: ${toFabricError(e).message}; retrying`);
        // A command that timed out may have left a half-dead connection: start a fresh one.
        if ((e as Error).message === "Command timed out") this.o.client.disconnect(true);
        await this.sleep(Math.min(this.o.retryMaxDelayMs, this.o.retryMinDelayMs * 2 ** Math.min(failures - 1, 30)));
      }
    }
  }

  private handle(entries: [string, string[]][]): void {
    const events: ChangeEvent[] = [];
    const wanted = this.o.wanted();
    for (const entry of entries) {
      const revision = revisionOf(entry[0]);
      if (revision <= this.last) continue;
      if (revision > this.last + 1) {
        this.o.log("warn", `change reader: changes ${this.last + 1}..${revision - 1} were trimmed from the stream before this server read them`);
      }
      this.last = revision;
      if (!wanted) continue;
      try {
        events.push(decodeChange(entry));
      } catch (e) {
        this.o.log("error", `change reader: skipping change ${revision}: ${(e as Error).message}`);
      }
    }
    if (events.length > 0) this.o.deliver(events);
  }

  /**
   * After an outage: if Redis came back with an older revision than the one delivered (it lost
   * data: no persistence, or a failover to a replica that was behind), waiting for entries after
   * `last` would wait for ever; follow the stream from Redis' revision instead, and say so.
   */
  private async checkContinuity(): Promise<void> {
    const rev = Number((await this.o.client.hget(this.o.metaKey, "rev")) ?? 0);
    if (rev < this.last) {
      this.o.log("error", `change reader: the store revision went back from ${this.last} to ${rev} (Redis lost data); following from ${rev}`);
      this.last = rev;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
