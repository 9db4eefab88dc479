import { FabricClient } from "@cache-fabric/client";
import { startServerProcess, type ServerProcess } from "../support/server-process.js";

/** The server as `npm start` runs it (defaults only) serves every service, search included. */
describe("the default server process", () => {
  let server: ServerProcess;
  let client: FabricClient;
  beforeAll(async () => {
    server = startServerProcess(["--listen", "127.0.0.1:0"]);
    client = new FabricClient({ address: await server.serving(), timeoutMs: 20_000 });
  });
  afterAll(async () => {
    await client.close();
    expect(await server.stop()).toBe(0);
  });

  test("contexts, watch, search with the bundled model, executions", async () => {
    const watch = (async () => {
      for await (const m of client.watch({ key: "prompt:python" })) if (m.kind === "event") return m.event.context?.value;
    })();
    await new Promise((r) => setTimeout(r, 200));
    await client.setContext({ key: "prompt:python", value: "You are a helpful assistant focused on Python" });
    await client.setContext({ key: "prompt:travel", value: "You book flights and hotels" });
    expect(await watch).toBe("You are a helpful assistant focused on Python");

    const status = await client.searchStatus();
    expect(status).toMatchObject({ dimension: 512, index: "memory", scopes: ["GLOBAL", "USER"] });
    expect(status.model).toMatch(/^use-lite-/);
    const [top] = await client.search({ query: "Python programming help", waitForIndex: true });
    expect(top.key).toBe("prompt:python");

    const e = await client.recordExecution({ input: { q: "hi" }, output: { a: "hello" }, latencyMs: 12 });
    await client.recordFeedback({ executionId: e.id, rating: 5 });
    expect((await client.getExecution(e.id))?.feedback?.rating).toBe(5);
  });
});
