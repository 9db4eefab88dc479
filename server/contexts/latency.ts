/**
 * Mean latency of context operations in this process, for `getAvgLatency` and Stats. Kept as an
 * exponentially weighted mean so that it follows the current load rather than all history.
 */
export interface LatencyMeter {
  /** Runs `fn`, recording how long it took (failures count too: a slow error is still slow). */
  time<T>(fn: () => Promise<T>): Promise<T>;
  averageMs(): number;
}

export function createLatencyMeter(alpha = 0.05): LatencyMeter {
  let avg = 0;
  let count = 0;
  const record = (ms: number) => {
    count++;
    // Plain mean for the first samples, then exponential weighting.
    avg = count < 1 / alpha ? avg + (ms - avg) / count : avg + alpha * (ms - avg);
  };
  return {
    async time(fn) {
      const start = process.hrtime.bigint();
      try {
        return await fn();
      } finally {
        record(Number(process.hrtime.bigint() - start) / 1e6);
      }
    },
    averageMs: () => avg,
  };
}
