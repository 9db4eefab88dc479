import type { ChannelOptions } from "@grpc/grpc-js";

/**
 * HTTP/2 keepalive for the server. A watch is a long-lived stream that may carry nothing for a long
 * time; when its client vanishes without closing the TCP connection (a crashed host, a NAT or load
 * balancer dropping state), nothing would ever end the call and its watcher would stay registered.
 * Pinging idle connections and closing those that do not answer ends such calls, which cancels their
 * watchers and frees their queues.
 */
export interface KeepaliveOptions {
  /** Ping a connection after this long without activity. */
  timeMs: number;
  /** Close the connection when the ping is not answered within this. */
  timeoutMs: number;
  /** Shortest client ping interval the server accepts (clients keeping their own watches alive). */
  minClientPingIntervalMs: number;
}

export const DEFAULT_KEEPALIVE: KeepaliveOptions = { timeMs: 30_000, timeoutMs: 10_000, minClientPingIntervalMs: 10_000 };

/**
 * The grpc-js server options for `options`. The two client-ping entries state the policy a
 * server-side ping limiter would enforce: clients may ping, even with no call open, as often as every
 * `minClientPingIntervalMs`. grpc-js 1.14 itself never rejects client pings (it has no ping-strike
 * limiter), so they only matter to transports that do; they keep the policy explicit.
 */
export function keepaliveChannelOptions(options: Partial<KeepaliveOptions> = {}): ChannelOptions {
  const o = { ...DEFAULT_KEEPALIVE, ...options };
  return {
    "grpc.keepalive_time_ms": o.timeMs,
    "grpc.keepalive_timeout_ms": o.timeoutMs,
    "grpc.keepalive_permit_without_calls": 1,
    "grpc.http2.min_ping_interval_without_data_ms": o.minClientPingIntervalMs,
  };
}
