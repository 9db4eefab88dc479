import { Writable } from "node:stream";
import { FabricClient, type FabricClientOptions } from "@cache-fabric/client";
import { readSettings } from "../../server/config.js";
import { createFabric, type FabricCore, type FabricOptions } from "../../server/fabric.js";
import { createOps, OPS_SETTINGS, type Ops, type OpsConfig } from "../../server/operations.js";
import { createLogger } from "../../server/telemetry/logger.js";
import { startFabricServer, type FabricServer, type FabricServerOptions } from "../../server/server.js";
import type { Store } from "../../server/store/types.js";

/**
 * A real fabric server on a free loopback port, wired the way server/main.ts wires it (createOps:
 * auth, limits, TLS, health, reflection, metrics, call log), with the log captured as parsed JSON
 * lines. Settings are the ops defaults with `config` on top.
 */
export interface OpsTestServer {
  fabric: FabricCore;
  server: FabricServer;
  ops: Ops;
  address: string;
  /** Every log line written so far, parsed. */
  logs: Record<string, unknown>[];
  /** A client on its own channel; closed by stop(). */
  client(options?: FabricClientOptions): FabricClient;
  stop(): Promise<void>;
}

export interface OpsTestOptions {
  config?: Partial<OpsConfig>;
  fabric?: Omit<FabricOptions, "store">;
  server?: Omit<FabricServerOptions, "fabric">;
}

export async function startOpsServer(store: Store, options: OpsTestOptions = {}): Promise<OpsTestServer> {
  const config: OpsConfig = { ...readSettings(OPS_SETTINGS, [], {}), logLevel: "debug", ...options.config };
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split("\n")) if (line) logs.push(JSON.parse(line));
      done();
    },
  });
  const logger = createLogger({ level: config.logLevel, destination: sink });
  const listen = "127.0.0.1:0";
  const ops = createOps(config, { listen, store, logger });
  // The registry reports to the metrics, as server/main.ts wires it.
  const prompts = { observer: ops.metrics.rollouts, ...options.fabric?.prompts };
  const fabric = createFabric({ store: ops.metrics.instrumentStore(store), ...options.fabric, prompts });
  const server = await startFabricServer({ fabric: ops.serve(fabric), listen, ...ops.serverOptions, ...options.server });
  await ops.start();
  const clients: FabricClient[] = [];
  const address = server.address;
  return {
    fabric,
    server,
    ops,
    address,
    logs,
    client(o = {}) {
      const c = new FabricClient({ address, ...o });
      clients.push(c);
      return c;
    },
    async stop() {
      for (const c of clients) await c.close();
      await ops.drain();
      await server.shutdown(1000);
      await fabric.close();
      await ops.close();
    },
  };
}

/** An inline token document (FABRIC_AUTH_TOKENS) from plain objects. */
export function tokenDocument(tokens: object[]): string {
  return JSON.stringify({ tokens });
}

/** The standard cast of the auth tests: plain secrets (>= 16 characters) and their principals. */
export const SECRETS = {
  admin: "admin-secret-0123456789",
  reader: "reader-secret-0123456789",
  alice: "alice-secret-0123456789",
  bob: "bob-secret-0123456789",
  limited: "limited-secret-0123456789",
} as const;

export const CAST = tokenDocument([
  { name: "admin", token: SECRETS.admin, grants: [{ scope: "*", access: "read-write" }] },
  { name: "reader", token: SECRETS.reader, grants: [{ scope: "*", access: "read" }] },
  {
    name: "alice",
    token: SECRETS.alice,
    user: "alice",
    grants: [
      { scope: "USER", access: "read-write" },
      { scope: "GLOBAL", keys: "router:*", access: "read" },
    ],
  },
  {
    name: "bob",
    token: SECRETS.bob,
    user: "bob",
    grants: [{ scope: "USER", access: "read-write" }],
  },
]);
