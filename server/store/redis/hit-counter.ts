import type { RedisClient } from "./connection.js";
import { redisCall } from "./errors.js";

/**
 * GetContext hits and misses, shared by every fabric server of one Redis: each server counts in
 * memory and adds its counts to the META hash (HINCRBY) every `flushMs`, and before answering
 * `stats()`, so a server's own reads always show at once and other servers' within `flushMs`.
 *
 * Why not HINCRBY inside the get script: that makes every read a write — appended to the AOF (one
 * fsync per read under `appendfsync always`), sent to every replica, refused when Redis is out of
 * memory, impossible on a replica. A read stays a read; the counters cost one command per second.
 * A flush that fails keeps its counts for the next one (a flush that timed out after Redis applied
 * it may count those reads twice: these are statistics, not data).
 */
export class HitCounter {
  private hits = 0;
  private misses = 0;
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly client: RedisClient,
    private readonly metaKey: string,
    flushMs: number,
  ) {
    this.timer = setInterval(() => void this.flush().catch(() => {}), flushMs);
    this.timer.unref();
  }

  record(hit: boolean): void {
    if (hit) this.hits++;
    else this.misses++;
  }

  /** Adds this server's pending counts to Redis, then reads the shared totals. */
  async totals(): Promise<{ hits: number; misses: number }> {
    // A flush already in flight may have started before the latest reads: flush until none is left.
    while (this.flushing || this.hits > 0 || this.misses > 0) await this.flush();
    const [hits, misses] = await redisCall(() => this.client.hmget(this.metaKey, "hits", "misses"));
    return { hits: Number(hits ?? 0), misses: Number(misses ?? 0) };
  }

  /** Flushes what is pending; stops the timer. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush().catch(() => {});
  }

  private flush(): Promise<void> {
    // One flush at a time, so that counts taken by a flush in flight are not taken twice.
    this.flushing ??= this.flushOnce().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async flushOnce(): Promise<void> {
    const hits = this.hits;
    const misses = this.misses;
    if (hits === 0 && misses === 0) return;
    this.hits = 0;
    this.misses = 0;
    try {
      await redisCall(async () => {
        const results = await this.client.multi().hincrby(this.metaKey, "hits", hits).hincrby(this.metaKey, "misses", misses).exec();
        const failed = results?.find(([err]) => err);
        if (!results || failed) throw failed?.[0] ?? new Error("transaction aborted");
      });
    } catch (e) {
      this.hits += hits;
      this.misses += misses;
      throw e;
    }
  }
}
