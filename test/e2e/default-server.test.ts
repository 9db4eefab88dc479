import { spawn, type ChildProcess } from "node:child_process";
import { statSync } from "node:fs";
import { join } from "node:path";
import { FabricClient } from "@cache-fabric/client";
import { eventually } from "../support/harness.js";
import { alive, startServerProcess, type ServerProcess } from "../support/server-process.js";

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

/**
 * `npm start` as a newcomer runs it: it builds only when the build is stale (tsc --build), execs node
 * (so npm's signal forwarding reaches the server itself), and SIGTERM ends it cleanly, leaving no
 * server process behind.
 */
describe("npm start", () => {
  const root = join(__dirname, "../..");
  const built = join(root, "dist/server/main.js");

  function npmStart(): { child: ChildProcess; output: () => string; serving: () => Promise<{ address: string; pid: number }>; exited: Promise<number | null> } {
    const child = spawn("npm", ["start", "--", "--listen", "127.0.0.1:0", "--search", "false"], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    let done = false;
    void exited.then(() => (done = true));
    return {
      child,
      output: () => out,
      exited,
      async serving() {
        // A first start compiles the whole server: wide margin for a loaded machine.
        await eventually(() => done || /serving on [\d.:]+/.test(out), "npm start serving", 300_000);
        const line = out.split("\n").find((l) => l.includes("serving on"));
        if (!line) throw new Error(`npm start exited: ${out}`);
        const { pid, msg } = JSON.parse(line) as { pid: number; msg: string };
        return { address: /serving on ([\d.:]+)/.exec(msg)![1], pid };
      },
    };
  }

  test("serves, rebuilds nothing when the build is current, and stops on SIGTERM with exit 0 and no orphan", async () => {
    const first = npmStart();
    const { pid: firstPid } = await first.serving();
    first.child.kill("SIGTERM");
    expect(await first.exited).toBe(0);
    expect(alive(firstPid)).toBe(false);
    const builtAt = statSync(built).mtimeMs;

    const second = npmStart();
    const { address, pid } = await second.serving();
    // The server itself, not a shell or npm between them: npm's SIGTERM reaches it.
    expect(pid).not.toBe(second.child.pid);
    expect(statSync(built).mtimeMs).toBe(builtAt);
    const client = new FabricClient({ address });
    await client.setContext({ key: "npm:start", value: "up" });
    expect((await client.getContext({ key: "npm:start" }))?.value).toBe("up");
    await client.close();
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
    expect(second.output()).toMatch(/"msg":"stopped"/);
    expect(alive(pid)).toBe(false);
  }, 600_000);
});
