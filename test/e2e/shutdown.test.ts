import { spawn } from "node:child_process";
import { join } from "node:path";
import { FabricClient } from "../../client/index.js";
import { createMemoryStore } from "../../server/store/memory.js";
import type { Store } from "../../server/store/types.js";
import { startTestServer } from "../support/harness.js";

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
    const root = join(__dirname, "../..");
    const child = spawn(process.execPath, [join(root, "node_modules/tsx/dist/cli.mjs"), join(root, "server/main.ts"), "--listen", "127.0.0.1:0"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const address = await new Promise<string>((resolve, reject) => {
      child.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /serving on ([\d.:]+)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.once("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    const client = new FabricClient({ address });
    await client.setContext({ key: "k", value: 1 });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(out).toMatch(/SIGTERM: shutting down/);
    await client.close();
  });

  test("a bad setting stops the server at start with a message naming it", async () => {
    const root = join(__dirname, "../..");
    const child = spawn(process.execPath, [join(root, "node_modules/tsx/dist/cli.mjs"), join(root, "server/main.ts"), "--max-value-bytes", "-5"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(1);
    expect(out).toMatch(/--max-value-bytes: must be an integer/);
  });
});
