import { FabricError } from "@cache-fabric/client/api";
import type { Interceptor } from "../grpc/adapter.js";
import { principalOf } from "./authenticate.js";
import type { RateLimit } from "./policy.js";

/** Calls made without a principal (authentication off) share one bucket under this name. */
export const ANONYMOUS = "(anonymous)";

export interface RateLimiterOptions {
  /** Applies to every token without its own `rateLimit`; rps 0 means unlimited. */
  defaults: RateLimit;
  /** Injectable clock (milliseconds) for tests. */
  now?: () => number;
}

/**
 * Per-token rate limiting as a token bucket: each token's bucket holds up to `burst` calls and
 * refills at `rps` per second; a call that finds it empty is refused with RESOURCE_EXHAUSTED before
 * its handler runs (and costs nothing else). Runs after authentication, so buckets are keyed by the
 * configured token name: the map is bounded by the token table, never by what callers send.
 */
export function rateLimiter(options: RateLimiterOptions): Interceptor {
  const now = options.now ?? (() => performance.now());
  const buckets = new Map<string, { tokens: number; at: number }>();
  return (context) => {
    const principal = principalOf(context.attributes);
    const limit = principal?.rateLimit ?? options.defaults;
    if (!(limit.rps > 0)) return;
    const name = principal?.name ?? ANONYMOUS;
    const t = now();
    const burst = Math.max(1, limit.burst);
    const bucket = buckets.get(name) ?? { tokens: burst, at: t };
    // Invariant: 0 <= tokens <= burst; refill is continuous, so no timer is needed.
    bucket.tokens = Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * limit.rps);
    bucket.at = t;
    buckets.set(name, bucket);
    if (bucket.tokens < 1) {
      const retryMs = Math.ceil(((1 - bucket.tokens) / limit.rps) * 1000);
      throw new FabricError("RESOURCE_EXHAUSTED", `rate limit of ${limit.rps} calls/s exceeded for token "${name}"; retry in ${retryMs} ms`);
    }
    bucket.tokens -= 1;
  };
}
