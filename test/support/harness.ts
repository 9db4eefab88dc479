import { FabricClient, type FabricClientOptions } from "@cache-fabric/client";
import { createFabric, type FabricCore, type FabricOptions } from "../../server/fabric.js";
import { startFabricServer, type FabricServer, type FabricServerOptions } from "../../server/server.js";
import type { Store } from "../../server/store/types.js";

/** A real fabric server on a free loopback port, with a client connected to it. */
export interface TestServer {
  fabric: FabricCore;
  server: FabricServer;
  client: FabricClient;
  /** Another client on its own channel (several connections). */
  newClient(options?: FabricClientOptions): FabricClient;
  stop(): Promise<void>;
}

export async function startTestServer(
  store: Store,
  options: Omit<FabricOptions, "store"> = {},
  serverOptions: Omit<FabricServerOptions, "fabric"> = {},
): Promise<TestServer> {
  const fabric = createFabric({ store, ...options });
  const server = await startFabricServer({ fabric, listen: "127.0.0.1:0", ...serverOptions });
  const clients: FabricClient[] = [];
  const newClient = (o: FabricClientOptions = {}) => {
    const c = new FabricClient({ address: server.address, ...o });
    clients.push(c);
    return c;
  };
  const client = newClient();
  return {
    fabric,
    server,
    client,
    newClient,
    async stop() {
      for (const c of clients) await c.close();
      await server.shutdown(1000);
      await fabric.close();
    },
  };
}

/** Resolves when `predicate` holds, polling; rejects after `timeoutMs` naming `what`. */
export async function eventually(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
