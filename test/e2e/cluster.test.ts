import { FabricClient } from "@cache-fabric/client";
import type { WatchMessage } from "@cache-fabric/client/api";
import { eventually } from "../support/harness.js";
import { healthClient } from "../support/health-client.js";
import { startRedis, type RedisProcess } from "../support/redis-server.js";
import { alive, startServerProcess, type ServerProcess } from "../support/server-process.js";

/**
 * FABRIC_WORKERS as an operator runs it: server/main.ts as a process with two workers over a real
 * Redis. Which worker served a call is read from the group's metrics (every series carries its
 * worker's slot) and from the call log (every line carries its process id).
 */

const LONG = 120_000;

type LogLine = { pid: number; msg: string; method?: string };

function logLines(server: ServerProcess): LogLine[] {
  return server
    .output()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as LogLine);
}

/** slot → pid of every worker that logged it was ready, latest first wins. */
function workerPids(server: ServerProcess): Map<number, number> {
  const pids = new Map<number, number>();
  for (const line of logLines(server)) {
    const m = /^cache fabric worker (\d+) ready/.exec(line.msg);
    if (m) pids.set(Number(m[1]), line.pid);
  }
  return pids;
}

async function scrape(metricsAddress: string): Promise<string> {
  const res = await fetch(`http://${metricsAddress}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

/** OK GetContext calls per worker slot, from the group's metrics. */
async function getContextCalls(metricsAddress: string): Promise<Map<number, number>> {
  const calls = new Map<number, number>();
  for (const line of (await scrape(metricsAddress)).split("\n")) {
    if (!line.startsWith("grpc_server_handled_total{") || !line.includes('grpc_method="GetContext"') || !line.includes('grpc_code="OK"')) continue;
    const slot = /worker="(\d+)"/.exec(line);
    if (slot) calls.set(Number(slot[1]), Number(line.slice(line.lastIndexOf(" ") + 1)));
  }
  return calls;
}

describe("FABRIC_WORKERS=2 over Redis", () => {
  let redis: RedisProcess;
  let server: ServerProcess;
  let address: string;
  let metricsAddress: string;
  const clients: FabricClient[] = [];
  // Its own connection: grpc-js would otherwise share one connection between clients of one target.
  const newClient = () => {
    const c = new FabricClient({ address, channelOptions: { "grpc.use_local_subchannel_pool": 1 } });
    clients.push(c);
    return c;
  };

  /** The worker slot that serves `client`'s connection: the one whose GetContext count moved. */
  const slotOf = async (client: FabricClient): Promise<number> => {
    const before = await getContextCalls(metricsAddress);
    await client.getContext({ key: "probe" });
    const after = await getContextCalls(metricsAddress);
    const moved = [...after].filter(([slot, n]) => n > (before.get(slot) ?? 0)).map(([slot]) => slot);
    expect(moved).toHaveLength(1);
    return moved[0];
  };

  beforeAll(async () => {
    redis = await startRedis();
    server = startServerProcess(["--listen", "127.0.0.1:0", "--workers", "2"], {
      FABRIC_STORE: "redis",
      REDIS_URL: redis.url,
      FABRIC_SEARCH: "false",
      FABRIC_LOG_LEVEL: "debug",
      FABRIC_METRICS_LISTEN: "127.0.0.1:0",
    });
    address = await server.serving(LONG);
    metricsAddress = /metrics on http:\/\/([\d.:]+)\/metrics/.exec(server.output())![1];
  }, LONG);

  afterAll(async () => {
    for (const c of clients) await c.close();
    if (server) await server.stop("SIGKILL");
    for (const pid of workerPids(server).values()) if (alive(pid)) process.kill(pid, "SIGKILL");
    await redis?.stop();
  });

  test(
    "two worker processes serve one port; calls land on both; a watch on one sees writes through the other",
    async () => {
      const pids = workerPids(server);
      expect([...pids.keys()].sort()).toEqual([1, 2]);
      expect(new Set(pids.values()).size).toBe(2);
      const primary = logLines(server).find((l) => l.msg.startsWith("cache fabric serving on"))!.pid;
      expect([...pids.values()]).not.toContain(primary);

      // Connections are handed to the workers in turn: find one client on each.
      const bySlot = new Map<number, FabricClient>();
      for (let i = 0; i < 10 && bySlot.size < 2; i++) {
        const client = newClient();
        const slot = await slotOf(client);
        if (!bySlot.has(slot)) bySlot.set(slot, client);
      }
      expect([...bySlot.keys()].sort()).toEqual([1, 2]);

      // Health is each worker's own (a probe lands on one); the group's metrics show every worker's.
      const health = healthClient(address);
      await expect(health.check()).resolves.toEqual({ status: "SERVING" });
      health.close();
      const metrics = await scrape(metricsAddress);
      expect(metrics).toMatch(/^fabric_serving\{worker="1"\} 1$/m);
      expect(metrics).toMatch(/^fabric_serving\{worker="2"\} 1$/m);
      expect(metrics).toMatch(/^fabric_cluster_workers 2$/m);

      // The call log agrees: GetContext lines came from both worker processes.
      const callPids = new Set(
        logLines(server)
          .filter((l) => l.msg === "call" && l.method === "cachefabric.v1.ContextService/GetContext")
          .map((l) => l.pid),
      );
      expect(callPids).toEqual(new Set(pids.values()));

      const watcher = bySlot.get(1)!;
      const writer = bySlot.get(2)!;
      const abort = new AbortController();
      const seen: WatchMessage[] = [];
      const loop = (async () => {
        for await (const m of watcher.watch({ key: "shared:prompt", signal: abort.signal, resume: false })) seen.push(m);
      })().catch(() => undefined);
      await eventually(() => seen.some((m) => m.kind === "created"), "the watch on worker 1 to be created", 20_000);
      const written = await writer.setContext({ key: "shared:prompt", value: "written through worker 2" });
      await eventually(
        () => seen.some((m) => m.kind === "event" && m.event.revision === written.revision && m.event.context?.value === "written through worker 2"),
        "worker 1's watch to deliver the write made through worker 2",
        20_000,
      );
      // Both workers read the same data.
      expect((await watcher.getContext({ key: "shared:prompt" }))?.revision).toBe(written.revision);
      abort.abort();
      await loop;
    },
    LONG,
  );

  test(
    "workers that die are replaced in their slots, even all at once, and the group keeps serving",
    async () => {
      const before = workerPids(server);
      for (const pid of before.values()) process.kill(pid, "SIGKILL");
      await eventually(
        () => {
          const now = workerPids(server);
          return [1, 2].every((slot) => now.get(slot) !== undefined && now.get(slot) !== before.get(slot));
        },
        "new workers 1 and 2",
        60_000,
      );
      for (const slot of [1, 2])
        expect(server.output()).toMatch(new RegExp(`worker ${slot} \\(pid ${before.get(slot)}\\) exited with signal SIGKILL: restarting`));
      await eventually(async () => /^fabric_cluster_workers 2$/m.test(await scrape(metricsAddress)), "both workers serving again", 30_000);
      const client = newClient();
      await expect(client.setContext({ key: "after-restart", value: 1 })).resolves.toMatchObject({ key: "after-restart" });
      // The data written before the crash is still there: it lives in Redis, not in a worker.
      expect((await client.getContext({ key: "shared:prompt" }))?.value).toBe("written through worker 2");
    },
    LONG,
  );

  test(
    "SIGTERM to the primary stops every worker gracefully and exits 0",
    async () => {
      const pids = [...workerPids(server).values()];
      expect(await server.stop("SIGTERM")).toBe(0);
      const stopped = new Set(
        logLines(server)
          .filter((l) => l.msg === "stopped")
          .map((l) => l.pid),
      );
      for (const pid of pids) expect(stopped).toContain(pid);
      expect(stopped).toContain(logLines(server).find((l) => l.msg.startsWith("cache fabric serving on"))!.pid);
      await eventually(() => pids.every((pid) => !alive(pid)), "every worker to be gone", 10_000);
    },
    LONG,
  );
});

test(
  "FABRIC_WORKERS > 1 with the memory store is refused at start",
  async () => {
    const server = startServerProcess(["--listen", "127.0.0.1:0", "--workers", "2"], { FABRIC_STORE: "memory", FABRIC_SEARCH: "false" });
    expect(await server.exited).toBe(1);
    expect(server.output()).toMatch(/FABRIC_WORKERS=2 needs FABRIC_STORE=redis/);
    expect(server.output()).not.toMatch(/ready on/);
  },
  LONG,
);
