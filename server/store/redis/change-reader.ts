import type { ChangeEvent, StoreHeader } from "../types.js";
import { decodeChange, revisionOf } from "./change-stream.js";
import type { RedisClient } from "./connection.js";
import { toFabricError } from "./errors.js";
import { parseHead } from "./head.js";

export interface ChangeReaderOptions {
  /** A connection of its own: XREAD BLOCK holds it for up to `blockMs` at a time. */
  client: RedisClient;
  streamKey: string;
  /** HEAD (keys.ts): read with every XREAD for the id of the history it belongs to. */
  headKey: string;
  /** Deliver changes with revisions above this one, of the history with this id. */
  afterRevision: number;
  storeId: string;
  /** The store's identity and revision, creating the identity when Redis has none (IDENTITY_SCRIPT). */
  identity: () => Promise<StoreHeader>;
  /** Gives the history with id `from` a new identity (ROTATE_SCRIPT); the header after. */
  rotate: (from: string) => Promise<StoreHeader>;
  /** The history was replaced: changes delivered after this belong to `header.storeId`, after `header.revision`. */
  reset: (header: StoreHeader) => void;
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
 * Invariants: `last` is the revision of the last change delivered, in the history `storeId`; each
 * XREAD asks for entries after `<last>-0`, so a lost connection or a Redis restart resumes exactly
 * where delivery stopped, and an entry at or below `last` is never delivered again. If the reader
 * was away for longer than the stream retains (more than the history size of changes), the entries
 * in between are gone: the next delivered revision is then above last + 1, and a listener sees the
 * gap in the revisions (there are never gaps otherwise) and must re-read, as for a compacted Watch.
 *
 * The history itself can be replaced under a running fabric: FLUSHALL, a Redis restarted without
 * its data, a restore from an older snapshot. Its revisions then start again below `last`, and an
 * XREAD after `<last>-0` would wait for ever (or, once the new history passes `last`, hand over its
 * changes as if they continued the old one). So every XREAD is pipelined with a read of the store's
 * id, answered right after it on the same connection: entries are delivered only when the id is the
 * one followed. When it is not (or is gone: the reader then creates the new one), or when Redis comes
 * back after an outage with a lower revision than `last` (the history is then given a new id), the
 * reader announces `reset` and follows the new history from its current revision. An idle reader
 * notices within one `blockMs`.
 */
export class ChangeReader {
  private last: number;
  private id: string;
  private closed = false;
  private wake: (() => void) | undefined;
  private readonly done: Promise<void>;

  constructor(private readonly o: ChangeReaderOptions) {
    this.last = o.afterRevision;
    this.id = o.storeId;
    this.done = this.run();
  }

  /** Revision of the last change delivered. */
  get lastRevision(): number {
    return this.last;
  }

  /** The identity of the history being followed. */
  get storeId(): string {
    return this.id;
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
        const [reply, id] = await this.readOnce();
        if (this.closed) break;
        // Entries of another history (or none: flushed) are never delivered as this one's.
        if (id !== this.id) this.follow(await this.o.identity());
        else if (reply) this.handle(reply[0][1]);
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

  /** One XREAD after `last`, and the store id read right after it (null: none). */
  private async readOnce(): Promise<[[string, [string, string[]][]][] | null, string | null]> {
    const results = await this.o.client
      .pipeline()
      .xread("COUNT", BATCH, "BLOCK", this.o.blockMs, "STREAMS", this.o.streamKey, `${this.last}-0`)
      .get(this.o.headKey)
      .exec();
    const failed = results?.find(([err]) => err);
    if (!results || failed) throw failed?.[0] ?? new Error("pipeline aborted");
    const head = results[1][1] as string | null;
    return [results[0][1] as [string, [string, string[]][]][] | null, head === null ? null : parseHead(head).storeId];
  }

  /**
   * After an outage: Redis may have come back with another history (flushed, restarted without its
   * data: a new id) or with an older revision than the one delivered (restored from an older
   * snapshot, a failover to a replica that was behind: same id, revisions that will be reused). In
   * both cases the history followed is gone; follow the current one.
   */
  private async checkContinuity(): Promise<void> {
    const header = await this.o.identity();
    if (header.storeId === this.id && header.revision < this.last) {
      this.o.log("error", `change reader: the store revision went back from ${this.last} to ${header.revision} (Redis lost data); the history gets a new identity`);
      this.follow(await this.o.rotate(this.id));
    } else {
      this.follow(header);
    }
  }

  /** Follows `header`'s history from its revision, announcing the change when it is another one. */
  private follow(header: StoreHeader): void {
    if (header.storeId === this.id) return;
    this.o.log(
      "warn",
      `change reader: the store's history was replaced (id ${this.id} -> ${header.storeId}, revision ${header.revision}: Redis lost or was flushed of its data); watchers are told to re-read`,
    );
    this.id = header.storeId;
    this.last = header.revision;
    this.o.reset(header);
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
