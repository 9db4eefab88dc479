import { create, type DescMessage, type DescMethod, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { tlsCredentials, type TlsOptions } from "./credentials.js";
import { grpcMethodDefinition } from "../wire/grpc-definition.js";
import { FabricError } from "../api/errors.js";
import { fromGrpcStatus } from "../wire/status.js";
import { backoffDelay } from "../agent/resumable-watch.js";
import { DEFAULT_MAX_MESSAGE_BYTES, type CallOptions } from "../api/types.js";

/** How a client retries a call that failed with UNAVAILABLE. */
export interface RetryOptions {
  /** Attempts in all, the first included. Default 3. */
  maxAttempts?: number;
  /** Delay before the first retry; doubles for each further one, drawn from its upper half. Default 50 ms. */
  initialDelayMs?: number;
  /** Cap on the delay between attempts. Default 1,000 ms. */
  maxDelayMs?: number;
}

export const DEFAULT_RETRY: Required<RetryOptions> = { maxAttempts: 3, initialDelayMs: 50, maxDelayMs: 1000 };

export interface TransportOptions {
  /** host:port of a fabric server. Default 127.0.0.1:50051. */
  address?: string;
  /** Default insecure (plain text on loopback), or TLS from `tls`; see README for TLS and mTLS. */
  credentials?: grpc.ChannelCredentials;
  /** TLS (with `ca`) or mutual TLS (with `cert` and `key` too): `tlsCredentials(tls)`; `credentials` wins. */
  tls?: TlsOptions;
  /** Deadline for each unary call unless the call says otherwise. Default 5,000 ms. */
  timeoutMs?: number;
  /** Sent as `authorization: Bearer <token>` on every call. */
  token?: string;
  /**
   * Largest message received (and sent). Default DEFAULT_MAX_MESSAGE_BYTES, the server's default
   * FABRIC_MAX_MESSAGE_BYTES; set both to the same figure when raising it. (grpc-js alone would
   * receive 4 MiB: a large page or batch answer would then fail after the server had done the work.)
   */
  maxMessageBytes?: number;
  /**
   * Retries of calls that failed with UNAVAILABLE (server restarting, unreachable, its store briefly
   * unavailable), with capped, jittered exponential backoff, within the call's deadline: reads
   * always, writes because each carries an idempotency key (generated unless the call gives one), so
   * a retry of a write that did apply returns its outcome instead of applying it again. Streams are
   * not retried here (`watch()` resumes on its own). `false`: no retries, and no generated keys.
   */
  retry?: RetryOptions | false;
  channelOptions?: grpc.ChannelOptions;
}

/** Unary and server-streaming calls typed from protobuf-es descriptors, errors as FabricError. */
export interface Transport {
  /**
   * One unary call. `retryable`: the call may be sent again after UNAVAILABLE (a read, or a write
   * with an idempotency key); it then is, per the client's retry options, within the deadline.
   */
  unary<I extends DescMessage, O extends DescMessage>(
    method: DescMethod & { input: I; output: O },
    request: MessageInitShape<I>,
    options?: CallOptions,
    retryable?: boolean,
  ): Promise<MessageShape<O>>;
  serverStream<I extends DescMessage, O extends DescMessage>(
    method: DescMethod & { input: I; output: O },
    request: MessageInitShape<I>,
    options?: CallOptions,
  ): AsyncIterable<MessageShape<O>>;
  readonly defaultTimeoutMs: number;
  /** Whether writes are retried (and so should carry idempotency keys). */
  readonly retriesWrites: boolean;
  close(): void;
}

/**
 * Keepalive a client gets unless its `channelOptions` say otherwise: a watch or prompt cache on a
 * server that vanished without closing the connection (a crashed host, a dropped NAT entry) notices
 * within about 40 s and reconnects, instead of waiting for ever. 30 s is above the fabric server's
 * declared minimum ping interval (FABRIC_KEEPALIVE_MIN_CLIENT_PING_MS, 10 s), so it is not refused.
 */
export const CLIENT_KEEPALIVE_DEFAULTS: grpc.ChannelOptions = {
  "grpc.keepalive_time_ms": 30_000,
  "grpc.keepalive_timeout_ms": 10_000,
  "grpc.keepalive_permit_without_calls": 1,
};

/** The client side of the protobuf-es ⇄ grpc-js bridge: one channel, one place that maps errors. */
export function createTransport(options: TransportOptions = {}): Transport {
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const client = new grpc.Client(
    options.address ?? "127.0.0.1:50051",
    options.credentials ?? (options.tls ? tlsCredentials(options.tls) : grpc.credentials.createInsecure()),
    {
      ...CLIENT_KEEPALIVE_DEFAULTS,
      "grpc.max_receive_message_length": maxMessageBytes,
      "grpc.max_send_message_length": maxMessageBytes,
      ...options.channelOptions,
    },
  );
  const defaultTimeoutMs = options.timeoutMs ?? 5000;
  const retry = options.retry === false ? undefined : { ...DEFAULT_RETRY, ...options.retry };
  // Open server streams (watches, exports), so close() can end them: grpc-js lets them outlive the channel.
  const streams = new Set<grpc.ClientReadableStream<unknown>>();
  const metadata = () => {
    const md = new grpc.Metadata();
    if (options.token) md.set("authorization", `Bearer ${options.token}`);
    return md;
  };
  return {
    defaultTimeoutMs,
    retriesWrites: retry !== undefined,
    async unary(method, request, callOptions = {}, retryable = false) {
      const def = grpcMethodDefinition(method);
      const message = create(method.input, request);
      // One deadline for the call, whatever the number of attempts.
      const deadline = Date.now() + (callOptions.timeoutMs ?? defaultTimeoutMs);
      const attempt = () =>
        new Promise<never>((resolve, reject) => {
          if (callOptions.signal?.aborted) return reject(new FabricError("CANCELLED", "call cancelled"));
          const call = client.makeUnaryRequest(
            def.path,
            def.requestSerialize,
            def.responseDeserialize,
            message,
            metadata(),
            { deadline },
            (err, response) => {
              callOptions.signal?.removeEventListener("abort", onAbort);
              if (err) reject(toFabricError(err));
              else resolve(response as never);
            },
          );
          const onAbort = () => call.cancel();
          callOptions.signal?.addEventListener("abort", onAbort, { once: true });
        });
      for (let n = 1; ; n++) {
        try {
          return await attempt();
        } catch (e) {
          if (!retry || !retryable || !FabricError.is(e, "UNAVAILABLE") || n >= retry.maxAttempts) throw e;
          const delayMs = backoffDelay(n, retry.initialDelayMs, retry.maxDelayMs);
          if (Date.now() + delayMs >= deadline || callOptions.signal?.aborted) throw e;
          await new Promise((r) => setTimeout(r, delayMs));
        }
      }
    },
    serverStream(method, request, callOptions = {}) {
      const def = grpcMethodDefinition(method);
      const message = create(method.input, request);
      return {
        async *[Symbol.asyncIterator]() {
          const call = client.makeServerStreamRequest(
            def.path,
            def.requestSerialize,
            def.responseDeserialize,
            message,
            metadata(),
            callOptions.timeoutMs ? { deadline: Date.now() + callOptions.timeoutMs } : {},
          );
          const onAbort = () => call.cancel();
          callOptions.signal?.addEventListener("abort", onAbort, { once: true });
          streams.add(call);
          try {
            for await (const response of call) yield response as never;
          } catch (e) {
            // Ended by the caller's signal: the iterator finishes without an error. Ended by close():
            // CANCELLED, so a consumer never mistakes a cut-off export for a complete one.
            if (callOptions.signal?.aborted) return;
            throw toFabricError(e);
          } finally {
            streams.delete(call);
            callOptions.signal?.removeEventListener("abort", onAbort);
            call.cancel();
          }
        },
      };
    },
    close() {
      for (const call of streams) call.cancel();
      client.close();
    },
  };
}

function toFabricError(e: unknown): FabricError {
  const err = e as Partial<grpc.ServiceError>;
  if (typeof err.code === "number") return new FabricError(fromGrpcStatus(err.code), err.details || err.message || "call failed", { cause: e });
  return FabricError.from(e);
}
