import { createServer, Socket, type Server } from "node:net";
import { FabricClient } from "@cache-fabric/client";
import { CLIENT_KEEPALIVE_DEFAULTS } from "../../client/src/remote/transport.js";
import { keepaliveChannelOptions } from "../../server/watch/keepalive.js";
import { createMemoryStore } from "../../server/store/memory.js";
import { eventually, startTestServer } from "../support/harness.js";
import { collect, watchStats } from "./watch-support.js";

/**
 * A TCP relay that can go silent without closing anything: what a crashed host or a NAT that forgot
 * the connection looks like to the server. Nothing arrives, nothing is refused.
 */
async function blackholeableProxy(target: number): Promise<{ port: number; blackhole(): void; close(): Promise<void> }> {
  let silent = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (silent) return void client.destroy();
    const upstream = new Socket();
    upstream.connect(target, "127.0.0.1");
    for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
      sockets.add(from);
      from.on("data", (d) => {
        if (!silent) to.write(d);
      });
      from.on("error", () => {});
      from.on("close", () => to.destroy());
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    blackhole: () => {
      silent = true;
    },
    // server.close() waits for every connection to end: destroy them all, and do not wait forever
    // for a straggler (a teardown must not hang the test).
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        const timer = setTimeout(resolve, 1000);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

async function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe("server keepalive", () => {
  test("defaults ping idle connections and let clients ping", () => {
    expect(keepaliveChannelOptions()).toEqual({
      "grpc.keepalive_time_ms": 30_000,
      "grpc.keepalive_timeout_ms": 10_000,
      "grpc.keepalive_permit_without_calls": 1,
      "grpc.http2.min_ping_interval_without_data_ms": 10_000,
    });
  });

  test("a watch whose client went silent is detected by keepalive and its watcher reclaimed", async () => {
    // Short enough to test quickly, long enough that a CPU-starved CI run still answers pings in time.
    const t = await startTestServer(createMemoryStore(), {}, { keepalive: { timeMs: 500, timeoutMs: 1000 } });
    const proxy = await blackholeableProxy(t.server.port);
    const client = new FabricClient({ address: `127.0.0.1:${proxy.port}` });
    const w = collect(client.watch({ key: "k", resume: false }));
    await w.until((c) => c.messages.length > 0, "created");
    expect(watchStats(t.fabric).watchers).toBe(1);
    await t.fabric.setContext({ key: "k", value: 1 });
    await w.reach(1);

    proxy.blackhole();
    const silentAt = Date.now();
    await eventually(() => watchStats(t.fabric).watchers === 0, "the dead watcher to be reclaimed", 10_000);
    // One ping interval plus its timeout, with slack for a loaded machine.
    expect(Date.now() - silentAt).toBeLessThan(5000);
    // Each teardown step is bounded and named, so a hang reports where it is.
    await within(5000, client.close(), "client.close()");
    await within(5000, proxy.close(), "proxy.close()");
    await within(5000, t.stop(), "server stop");
  });

  test("clients ping by default, no faster than the server accepts", () => {
    const server = keepaliveChannelOptions();
    expect(CLIENT_KEEPALIVE_DEFAULTS["grpc.keepalive_time_ms"]).toBeGreaterThanOrEqual(server["grpc.http2.min_ping_interval_without_data_ms"]);
    expect(CLIENT_KEEPALIVE_DEFAULTS["grpc.keepalive_permit_without_calls"]).toBe(1);
  });

  test("a client whose server went silent notices through its own keepalive and its watch fails over", async () => {
    // The server does not ping (a very long interval): only the client can notice.
    const t = await startTestServer(createMemoryStore(), {}, { keepalive: { timeMs: 3_600_000, timeoutMs: 3_600_000 } });
    const proxy = await blackholeableProxy(t.server.port);
    const client = new FabricClient({
      address: `127.0.0.1:${proxy.port}`,
      channelOptions: { "grpc.keepalive_time_ms": 500, "grpc.keepalive_timeout_ms": 1000 },
    });
    const w = collect(client.watch({ key: "k", resume: false }));
    await w.until((c) => c.messages.length > 0, "created");
    proxy.blackhole();
    const silentAt = Date.now();
    await eventually(() => w.done, "the client to give up on the silent server", 10_000);
    expect(Date.now() - silentAt).toBeLessThan(8000);
    // A retryable code: a resumable watch (the default) reconnects on it.
    expect((w.error as { code?: string }).code).toBe("UNAVAILABLE");
    await within(5000, client.close(), "client.close()");
    await within(5000, proxy.close(), "proxy.close()");
    await within(5000, t.stop(), "server stop");
  });
});
