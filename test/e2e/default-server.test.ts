import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { FabricClient } from "../../client/index.js";

/** The server as `npm start` runs it (defaults only) serves every service, search included. */
describe("the default server process", () => {
  let child: ChildProcess;
  let client: FabricClient;
  beforeAll(async () => {
    const root = join(__dirname, "../..");
    child = spawn(process.execPath, [join(root, "node_modules/tsx/dist/cli.mjs"), join(root, "server/main.ts"), "--listen", "127.0.0.1:0"], {
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
    client = new FabricClient({ address, timeoutMs: 20_000 });
  });
  afterAll(async () => {
    await client.close();
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
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
