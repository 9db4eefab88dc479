import { create, type DescMessage, type DescMethod, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import * as grpc from "@grpc/grpc-js";
import { AsyncLocalStorage } from "node:async_hooks";
import { FabricError, type ErrorCode } from "@cache-fabric/client/api";
import { grpcServiceDefinition, toGrpcStatus } from "@cache-fabric/client/wire";
import { decodeRequest } from "./decode-request.js";

/**
 * The only place that touches grpc-js server calls. Handlers are plain async functions typed from
 * the protobuf-es service descriptor, `(request, context) => Promise<Response>` or, for server
 * streams, `(request, context) => AsyncIterable<Response>`; they throw FabricError and never see a
 * grpc-js call object. This wrapper maps thrown errors to status codes (in one place), turns
 * cancellation and deadlines into an AbortSignal, runs interceptors (authentication, rate limits)
 * and then decodes the request (bad bytes are INVALID_ARGUMENT, see decode-request.ts) before a
 * handler, and reports every finished call (metrics, logs).
 */

export interface CallContext {
  readonly method: DescMethod;
  /** Aborted when the client cancels, the deadline passes or the server shuts down. */
  readonly signal: AbortSignal;
  readonly metadata: grpc.Metadata;
  readonly peer: string;
  /** Set by interceptors for the handler, e.g. the authenticated principal. */
  readonly attributes: Map<string, unknown>;
  /** A request id for logs: the caller's `x-request-id` or a generated one. */
  readonly requestId: string;
}

type UnaryHandler<I extends DescMessage, O extends DescMessage> = (
  request: MessageShape<I>,
  context: CallContext,
) => Promise<MessageInitShape<O>>;

type ServerStreamHandler<I extends DescMessage, O extends DescMessage> = (
  request: MessageShape<I>,
  context: CallContext,
) => AsyncIterable<MessageInitShape<O>>;

type HandlerFor<M> = M extends { methodKind: "unary"; input: infer I extends DescMessage; output: infer O extends DescMessage }
  ? UnaryHandler<I, O>
  : M extends { methodKind: "server_streaming"; input: infer I extends DescMessage; output: infer O extends DescMessage }
    ? ServerStreamHandler<I, O>
    : never;

/** Every method of a service, typed from its descriptor. */
export type ServiceHandlers<S extends GenServiceMethods> = { [K in keyof S]: HandlerFor<S[K]> };

/**
 * Runs before the request is decoded, so an unauthenticated or rate-limited caller costs no decoding
 * and learns nothing about its bytes; throws a FabricError to refuse the call.
 */
export type Interceptor = (context: CallContext) => void | Promise<void>;

export interface CallReport {
  method: DescMethod;
  code: ErrorCode | "OK";
  durationMs: number;
  context: CallContext;
  error?: FabricError;
}

export interface AdapterHooks {
  interceptors?: Interceptor[];
  onCallEnd?: (report: CallReport) => void;
  /** Aborting it ends every open server stream with UNAVAILABLE (graceful shutdown). */
  shutdownSignal?: AbortSignal;
}

let requestCounter = 0;

const callStorage = new AsyncLocalStorage<CallContext>();

/**
 * The call being served, anywhere below a handler (including inside a server-stream's iterator).
 * Lets cross-cutting layers (authorisation over the Fabric, logs) know the caller without threading
 * it through every signature. Undefined outside a gRPC call (e.g. the in-process core used directly).
 */
export function currentCall(): CallContext | undefined {
  return callStorage.getStore();
}

/** Registers `handlers` for `service` on `server`, wrapped as described above. */
export function addService<S extends GenServiceMethods>(
  server: grpc.Server,
  service: GenService<S>,
  handlers: ServiceHandlers<S>,
  hooks: AdapterHooks = {},
): void {
  const definition = grpcServiceDefinition(service, { rawRequests: true });
  const implementation: grpc.UntypedServiceImplementation = {};
  for (const method of service.methods) {
    const handler = (handlers as Record<string, unknown>)[method.localName] as
      | UnaryHandler<DescMessage, DescMessage>
      | ServerStreamHandler<DescMessage, DescMessage>;
    implementation[method.localName] =
      method.methodKind === "unary"
        ? unary(method, handler as UnaryHandler<DescMessage, DescMessage>, hooks)
        : serverStream(method, handler as ServerStreamHandler<DescMessage, DescMessage>, hooks);
  }
  server.addService(definition, implementation);
}

function makeContext(
  method: DescMethod,
  call: grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>,
  hooks: AdapterHooks,
  streaming: boolean,
): { context: CallContext; controller: AbortController; dispose: () => void } {
  const controller = new AbortController();
  const onCancel = () => controller.abort(new FabricError("CANCELLED", "call cancelled by the client"));
  call.on("cancelled", onCancel);
  // Shutdown ends open streams (watchers reconnect elsewhere); unary calls in flight run to completion.
  const shutdown = streaming ? hooks.shutdownSignal : undefined;
  const onShutdown = () => controller.abort(new FabricError("UNAVAILABLE", "server is shutting down"));
  shutdown?.addEventListener("abort", onShutdown);
  if (shutdown?.aborted) onShutdown();
  const supplied = call.metadata.get("x-request-id")[0];
  const context: CallContext = {
    method,
    signal: controller.signal,
    metadata: call.metadata,
    peer: call.getPeer(),
    attributes: new Map(),
    requestId: typeof supplied === "string" && supplied.length <= 128 ? supplied : `${process.pid}-${++requestCounter}`,
  };
  const dispose = () => {
    call.removeListener("cancelled", onCancel);
    shutdown?.removeEventListener("abort", onShutdown);
  };
  return { context, controller, dispose };
}

async function intercept(hooks: AdapterHooks, context: CallContext): Promise<void> {
  for (const interceptor of hooks.interceptors ?? []) await interceptor(context);
}

function report(hooks: AdapterHooks, context: CallContext, start: bigint, error?: FabricError): void {
  hooks.onCallEnd?.({
    method: context.method,
    code: error ? error.code : "OK",
    durationMs: Number(process.hrtime.bigint() - start) / 1e6,
    context,
    ...(error ? { error } : {}),
  });
}

/**
 * Longest status message sent. Details travel in the HTTP/2 trailers, and messages may echo caller
 * input (a key, a metadata name): unbounded, a 100 KB key in an error overflows the peer's header
 * list limit and the whole connection is reset, failing every call multiplexed on it (in a mesh,
 * other callers' calls too).
 */
export const MAX_STATUS_DETAILS = 1024;

function toStatus(error: FabricError): Partial<grpc.StatusObject> {
  const { message } = error;
  const details = message.length <= MAX_STATUS_DETAILS ? message : `${message.slice(0, MAX_STATUS_DETAILS - 40)}… (${message.length} characters in all)`;
  return { code: toGrpcStatus(error.code), details };
}

function unary(method: DescMethod, handler: UnaryHandler<DescMessage, DescMessage>, hooks: AdapterHooks) {
  return (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
    const start = process.hrtime.bigint();
    const { context, dispose } = makeContext(method, call, hooks, false);
    void callStorage.run(context, async () => {
      try {
        await intercept(hooks, context);
        const response = await handler(decodeRequest(method.input, call.request as Buffer), context);
        callback(null, create(method.output, response));
        report(hooks, context, start);
      } catch (e) {
        const error = FabricError.from(e);
        callback(toStatus(error));
        report(hooks, context, start, error);
      } finally {
        dispose();
      }
    });
  };
}

function serverStream(method: DescMethod, handler: ServerStreamHandler<DescMessage, DescMessage>, hooks: AdapterHooks) {
  return (call: grpc.ServerWritableStream<unknown, unknown>) => {
    const start = process.hrtime.bigint();
    const { context, dispose } = makeContext(method, call, hooks, true);
    void callStorage.run(context, async () => {
      try {
        await intercept(hooks, context);
        for await (const message of handler(decodeRequest(method.input, call.request as Buffer), context)) {
          if (context.signal.aborted) break;
          // Respect backpressure: a slow reader makes the handler wait rather than buffer without bound.
          if (!call.write(create(method.output, message))) await drained(call, context.signal);
        }
        if (context.signal.aborted && context.signal.reason instanceof FabricError && context.signal.reason.code !== "CANCELLED") {
          throw context.signal.reason;
        }
        call.end();
        report(hooks, context, start);
      } catch (e) {
        const error = FabricError.from(e);
        call.emit("error", toStatus(error));
        report(hooks, context, start, error);
      } finally {
        dispose();
      }
    });
  };
}

function drained(call: grpc.ServerWritableStream<unknown, unknown>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      call.removeListener("drain", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    call.once("drain", done);
    signal.addEventListener("abort", done);
  });
}
