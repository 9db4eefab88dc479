import { FabricClient } from "@cache-fabric/client";
import { createMemoryStore } from "../../server/store/memory.js";
import type { Store } from "../../server/store/types.js";
import { startTestServer } from "../support/harness.js";
import { startServerProcess } from "../support/server-process.js";

/** A real memory store whose writes take `delayMs` longer: an in-flight call that outlives a shutdown request. */
function slowWrites(store: Store, delayMs: number): Store {
  return Object.assign(Object.create(store) as Store, {
    write: async (ops: Parameters<Store["write"]>[0]) => {
      await new Promise((r) => setTimeout(r, delayMs));
      return store.write(ops);
    },
  });
}

describe("graceful shutdown", () => {
  test("in-flight calls finish, new calls are refused", async () => {
    const t = await startTestServer(slowWrites(createMemoryStore(), 400));
    const inflight = t.client.setContext({ key: "k", value: "written during shutdown" });
    await new Promise((r) => setTimeout(r, 100));
    const stopped = t.server.shutdown(5000);
    await expect(inflight).resolves.toMatchObject({ key: "k", revision: 1 });
    const late = new FabricClient({ address: t.server.address, timeoutMs: 1000 });
    await expect(late.getContext({ key: "k" })).rejects.toMatchObject({ code: "UNAVAILABLE" });
    await stopped;
    await late.close();
    await t.stop();
  });

  test("the server process exits cleanly on SIGTERM", async () => {
    const server = startServerProcess(["--listen", "127.0.0.1:0"], { FABRIC_SEARCH: "false" });
    const client = new FabricClient({ address: await server.serving() });
    await client.setContext({ key: "k", value: 1 });
    expect(await server.stop("SIGTERM")).toBe(0);
    expect(server.output()).toMatch(/SIGTERM: shutting down/);
    await client.close();
  });

  test("a bad setting stops the server at start with a message naming it", async () => {
    const server = startServerProcess(["--max-value-bytes", "-5"]);
    expect(await server.exited).toBe(1);
    expect(server.output()).toMatch(/--max-value-bytes: must be an integer/);
  });
});
