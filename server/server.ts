import * as grpc from "@grpc/grpc-js";
import { setMaxListeners } from "node:events";
import { ContextService } from "@cache-fabric/client/gen/context";
import { ExecutionService } from "@cache-fabric/client/gen/execution";
import { SearchService } from "@cache-fabric/client/gen/search";
import { PromptService } from "@cache-fabric/client/gen/prompt";
import { DEFAULT_MAX_MESSAGE_BYTES, type Fabric } from "@cache-fabric/client/api";
import { addService, type AdapterHooks } from "./grpc/adapter.js";
import { contextServiceHandlers } from "./grpc/context-service.js";
import { executionServiceHandlers } from "./grpc/execution-service.js";
import { searchServiceHandlers } from "./grpc/search-service.js";
import { promptServiceHandlers } from "./grpc/prompt-service.js";
import { keepaliveChannelOptions, type KeepaliveOptions } from "./watch/keepalive.js";

export interface FabricServerOptions {
  fabric: Fabric;
  /** host:port; port 0 picks a free port. Default 127.0.0.1:50051. */
  listen?: string;
  credentials?: grpc.ServerCredentials;
  /**
   * Largest message received or sent. Default DEFAULT_MAX_MESSAGE_BYTES, which is also what a
   * FabricClient receives by default: give the fabric (createFabric's maxMessageBytes) the same figure
   * so its pages fit, and clients too when raising it.
   */
  maxMessageBytes?: number;
  hooks?: Omit<AdapterHooks, "shutdownSignal">;
  /** HTTP/2 keepalive, so dead watch streams are detected and reclaimed; defaults in server/watch/keepalive.ts. */
  keepalive?: Partial<KeepaliveOptions>;
  /** Extra grpc-js channel options; they win over the keepalive ones. */
  channelOptions?: grpc.ChannelOptions;
  /** Registers more services (health, reflection) on the same server. */
  extraServices?: (server: grpc.Server) => void;
}

export interface FabricServer {
  readonly server: grpc.Server;
  /** The bound port (useful with port 0). */
  readonly port: number;
  /** host:port a client can dial. */
  readonly address: string;
  /**
   * Graceful stop: new calls are refused, open streams end with UNAVAILABLE (clients reconnect
   * elsewhere), unary calls in flight finish; after `graceMs` whatever is left is cut off.
   */
  shutdown(graceMs?: number): Promise<void>;
}

/** Serves the fabric's four services over gRPC. */
export async function startFabricServer(options: FabricServerOptions): Promise<FabricServer> {
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const server = new grpc.Server({
    "grpc.max_receive_message_length": maxMessageBytes,
    "grpc.max_send_message_length": maxMessageBytes,
    ...keepaliveChannelOptions(options.keepalive),
    ...options.channelOptions,
  });
  const shutdownController = new AbortController();
  // Every open server stream listens for shutdown; thousands of long-lived Watch streams are normal.
  setMaxListeners(0, shutdownController.signal);
  const hooks: AdapterHooks = { ...options.hooks, shutdownSignal: shutdownController.signal };
  addService(server, ContextService, contextServiceHandlers(options.fabric, { maxMessageBytes }), hooks);
  addService(server, SearchService, searchServiceHandlers(options.fabric), hooks);
  addService(server, ExecutionService, executionServiceHandlers(options.fabric), hooks);
  addService(server, PromptService, promptServiceHandlers(options.fabric), hooks);
  options.extraServices?.(server);

  const listen = options.listen ?? "127.0.0.1:50051";
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(listen, options.credentials ?? grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  const host = listen.slice(0, listen.lastIndexOf(":"));
  let stopping: Promise<void> | undefined;
  return {
    server,
    port,
    address: `${host}:${port}`,
    shutdown(graceMs = 10_000) {
      stopping ??= new Promise<void>((resolve) => {
        shutdownController.abort();
        // Resolves on whichever comes first: every session closed (tryShutdown's callback), or the
        // grace period over and the rest cut off. tryShutdown's callback is not relied on after a
        // forced stop: a session stuck on a dead peer must not keep shutdown waiting for ever.
        let finished = false;
        const finish = () => {
          if (finished) return;
          finished = true;
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          server.forceShutdown();
          finish();
        }, graceMs);
        server.tryShutdown(finish);
      });
      return stopping;
    },
  };
}
