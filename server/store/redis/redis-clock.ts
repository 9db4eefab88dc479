import { performance } from "node:perf_hooks";

/** How long a reading of the Redis clock is trusted; after that, reads of expiring contexts take the exact path. */
export const CLOCK_SAMPLE_MAX_AGE_MS = 1000;
/** How much faster than this process's monotonic clock the Redis clock is allowed to run (1 ms per s). */
const DRIFT = 1e-3;

/**
 * An upper bound of the Redis clock, from TIME readings this server already makes (the sweeper's
 * `cfDue` every sweep interval, and each exact read), so that a plain read of an expiring context
 * can tell "certainly not expired yet" without asking Redis for the time.
 *
 * A reading T from a call sent at local monotonic time s was taken at some local time ≥ s, so at
 * any later local time t Redis' clock reads at most T + (t - s), plus 1 ms because TIME is taken
 * to the millisecond here, plus DRIFT for the two clocks' rates. A context with expiresAt above the
 * bound at the moment its reply arrived was live when Redis read it. Contexts closer to their expiry
 * than that, and all of them when no reading is recent (CLOCK_SAMPLE_MAX_AGE_MS) or the connection
 * was lost (a failover may move to a host with another clock), are left to the exact path.
 *
 * The one assumption: the Redis host's clock does not step forward by more than the drift allowance
 * between two readings (a second at most). A step that large (an NTP step on the Redis host) could
 * let a context be returned for up to a second after its expiry by Redis' clock; a step backwards
 * only makes the bound more cautious. A write's time seen above the bound also discards it.
 */
export class RedisClockBound {
  private sample: { sentAt: number; redisMs: number } | undefined;

  constructor(private readonly maxAgeMs = CLOCK_SAMPLE_MAX_AGE_MS) {}

  /** Local monotonic time, the clock `record` and `upperBound` take. */
  static now(): number {
    return performance.now();
  }

  /** A TIME reading (ms) from a call sent at local time `sentAt`. The newest reading wins. */
  record(sentAt: number, redisMs: number): void {
    if (!Number.isFinite(redisMs)) return;
    if (!this.sample || sentAt >= this.sample.sentAt) this.sample = { sentAt, redisMs };
  }

  /** The highest Redis time (ms) a command answered by local time `at` can have run at; undefined when unknown. */
  upperBound(at: number): number | undefined {
    const s = this.sample;
    if (!s) return undefined;
    const age = at - s.sentAt;
    if (age > this.maxAgeMs) return undefined;
    return s.redisMs + 1 + Math.max(0, age) * (1 + DRIFT);
  }

  /** Drops the reading (connection lost, or Redis time seen beyond the bound). */
  forget(): void {
    this.sample = undefined;
  }
}
