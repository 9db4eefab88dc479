import { parseExpiryMember, scopeNumber, type KeyLayout } from "./keys.js";
import { redisCall } from "./errors.js";

/** What the sweeper needs from the store: run the two scripts. */
export interface SweepScripts {
  /** cfDue: due members of the expiry set, at most `limit`. */
  due(limit: number): Promise<string[]>;
  /** cfExpire over the given candidates; the number actually expired. */
  expire(candidates: { scope: Parameters<typeof scopeNumber>[0]; key: string }[]): Promise<number>;
}

export interface SweeperOptions {
  keys: KeyLayout;
  scripts: SweepScripts;
  intervalMs: number;
  log: (level: "info" | "warn" | "error", msg: string) => void;
}

/** Candidates per expire script run: bounds how long one run keeps Redis busy. */
const BATCH = 256;

/**
 * Turns passed expiry times into EXPIRE changes. Every `intervalMs` it asks Redis which contexts are
 * due (by Redis' clock) and expires them through `cfExpire`, in batches, until none is due.
 *
 * Every fabric server runs one; no leader is needed because `cfExpire` re-checks each candidate
 * atomically and only the first run to reach it expires it (expire-script.ts). Reads never depend on
 * the sweeper: they hide a context whose time has passed, so the sweeper only decides how soon the
 * EXPIRE change is published (within about one interval) and the memory freed.
 */
export class ExpirySweeper {
  private timer: NodeJS.Timeout | undefined;
  /** The last sweep queued: sweeps run one after another, never two at once from one server. */
  private tail: Promise<void> = Promise.resolve();
  private closed = false;
  private failing = false;

  constructor(private readonly o: SweeperOptions) {
    this.schedule();
  }

  /**
   * Expires everything due at the time of the call: a sweep that starts after any in progress (which
   * may have listed due contexts before this call). Stats use it so counts never include the expired.
   */
  sweepNow(): Promise<void> {
    const run = this.tail.catch(() => {}).then(() => this.sweep());
    this.tail = run;
    return run;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.tail.catch(() => {});
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.sweepNow()
        .then(() => {
          if (this.failing) this.o.log("info", "expiry sweeper: running again");
          this.failing = false;
        })
        .catch((e) => {
          if (!this.failing) this.o.log("warn", `expiry sweeper: ${(e as Error).message}; will retry`);
          this.failing = true;
        })
        .finally(() => this.schedule());
    }, this.o.intervalMs);
    this.timer.unref();
  }

  private async sweep(): Promise<void> {
    for (;;) {
      if (this.closed) return;
      const members = await redisCall(() => this.o.scripts.due(BATCH));
      const candidates = members.map(parseExpiryMember).filter((c) => c !== undefined);
      if (candidates.length > 0) await redisCall(() => this.o.scripts.expire(candidates));
      if (members.length < BATCH) return;
    }
  }
}
