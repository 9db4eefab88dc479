import * as grpc from "@grpc/grpc-js";
import { FabricClient } from "@cache-fabric/client";
import { ContextService } from "@cache-fabric/client/gen/context";
import { METRIC_NAMES } from "../../server/telemetry/metrics.js";
import { createMemoryStore } from "../../server/store/memory.js";
import { startOpsServer, type OpsTestServer } from "../support/ops-server.js";
import { rawCall } from "../support/raw-client.js";

/** Prometheus metrics scraped over HTTP from the separate port, and the JSON call log, over real gRPC. */

async function scrape(t: OpsTestServer): Promise<string> {
  const res = await fetch(`http://${t.ops.metricsAddress}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

/** The value of one series, by name and exact label set ("" for none). */
function sample(text: string, name: string, labels = ""): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ""} `));
  return line === undefined ? undefined : Number(line.split(" ").at(-1));
}

describe("metrics", () => {
  let t: OpsTestServer;
  let client: FabricClient;
  beforeAll(async () => {
    t = await startOpsServer(createMemoryStore(), { config: { metricsListen: "127.0.0.1:0" } });
    client = t.client();
  });
  afterAll(() => t.stop());

  test("served on their own HTTP port; anything but GET /metrics is 404", async () => {
    expect(t.ops.metricsAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(t.ops.metricsAddress).not.toBe(t.address);
    expect((await fetch(`http://${t.ops.metricsAddress}/`)).status).toBe(404);
    expect(await scrape(t)).toMatch(/# TYPE grpc_server_handled_total counter/);
  });

  test("request count and latency by method and code", async () => {
    await client.setContext({ key: "k", value: 1 });
    await client.getContext({ key: "k" });
    await client.getContext({ key: "missing" });
    await client.setContext({ key: "", value: 1 }).catch(() => undefined);
    const text = await scrape(t);
    const labels = (method: string, code: string) =>
      `grpc_type="unary",grpc_service="cachefabric.v1.ContextService",grpc_method="${method}",grpc_code="${code}"`;
    expect(sample(text, "grpc_server_handled_total", labels("GetContext", "OK"))).toBe(2);
    expect(sample(text, "grpc_server_handled_total", labels("SetContext", "OK"))).toBe(1);
    expect(sample(text, "grpc_server_handled_total", labels("SetContext", "INVALID_ARGUMENT"))).toBe(1);
    expect(sample(text, "grpc_server_handling_seconds_count", labels("GetContext", "OK"))).toBe(2);
    expect(sample(text, "grpc_server_handling_seconds_bucket", `le="+Inf",${labels("GetContext", "OK")}`)).toBe(2);
  });

  test("store latency per operation, cache hits and hit ratio, watchers, process metrics", async () => {
    const text = await scrape(t);
    expect(sample(text, "fabric_store_operation_seconds_count", 'operation="read",outcome="ok"')).toBeGreaterThanOrEqual(2);
    expect(sample(text, "fabric_store_operation_seconds_count", 'operation="write",outcome="ok"')).toBeGreaterThanOrEqual(1);
    expect(sample(text, "fabric_cache_hits_total")).toBe(1);
    expect(sample(text, "fabric_cache_misses_total")).toBe(1);
    expect(sample(text, "fabric_cache_hit_ratio")).toBe(0.5);
    expect(sample(text, "fabric_watchers")).toBe(0);
    expect(sample(text, "fabric_serving")).toBe(1);
    expect(text).toMatch(/^process_cpu_seconds_total /m);
  });

  test("other parts feed gauges (the embedder queue depth)", async () => {
    let depth = 7;
    const remove = t.ops.metrics.feedGauge(METRIC_NAMES.embedderQueueDepth, "Texts waiting to be embedded.", () => depth);
    expect(sample(await scrape(t), "fabric_embedder_queue_depth")).toBe(7);
    depth = 0;
    expect(sample(await scrape(t), "fabric_embedder_queue_depth")).toBe(0);
    remove();
    expect(sample(await scrape(t), "fabric_embedder_queue_depth")).toBeUndefined();
  });
});

describe("logs", () => {
  test("one JSON line per call: debug for OK, warn for the caller's errors, with method, code, duration and request id", async () => {
    const t = await startOpsServer(createMemoryStore(), { config: { logLevel: "debug" } });
    const raw = new grpc.Client(t.address, grpc.credentials.createInsecure());
    const md = new grpc.Metadata();
    md.set("x-request-id", "req-from-caller-42");
    await rawCall(raw, ContextService.method.stats, Buffer.alloc(0), md);
    await t.client().getContext({ key: "" }).catch(() => undefined);
    const ok = t.logs.find((l) => l.requestId === "req-from-caller-42");
    expect(ok).toMatchObject({ level: "debug", msg: "call", method: "cachefabric.v1.ContextService/Stats", code: "OK" });
    expect(typeof ok!.durationMs).toBe("number");
    expect(typeof ok!.time).toBe("string");
    const bad = t.logs.find((l) => l.code === "INVALID_ARGUMENT");
    expect(bad).toMatchObject({ level: "warn", msg: "call failed", method: "cachefabric.v1.ContextService/GetContext", error: "key: is required" });
    expect(bad!.requestId).toMatch(/^\d+-\d+$/); // generated when the caller sends none
    raw.close();
    await t.stop();
  });

  test("the log level filters: at info, successful calls are not logged, failures are", async () => {
    const t = await startOpsServer(createMemoryStore(), { config: { logLevel: "info" } });
    const client = t.client();
    await client.stats();
    await client.getContext({ key: "" }).catch(() => undefined);
    expect(t.logs.filter((l) => l.msg === "call")).toEqual([]);
    expect(t.logs.filter((l) => l.msg === "call failed")).toHaveLength(1);
    await t.stop();
  });

  test("lines written while a call is served carry its request id", async () => {
    const t = await startOpsServer(createMemoryStore(), { config: { logLevel: "debug" } });
    // The memory store's write runs inside the call: log from it, as a store or handler would.
    const store = t.fabric.store;
    const write = store.write.bind(store);
    (store as { write: typeof store.write }).write = async (ops) => {
      t.ops.logger.info("writing");
      return write(ops);
    };
    const raw = new grpc.Client(t.address, grpc.credentials.createInsecure());
    const md = new grpc.Metadata();
    md.set("x-request-id", "trace-me");
    const body = Buffer.from([0x0a, 0x01, 0x6b, 0x1a, 0x02, 0x20, 0x01]); // key "k", value bool true
    expect((await rawCall(raw, ContextService.method.setContext, body, md)).code).toBe(grpc.status.OK);
    expect(t.logs.find((l) => l.msg === "writing" && l.requestId === "trace-me")).toBeDefined();
    raw.close();
    await t.stop();
  });

  test("the warning when authentication is off is loud and names why", async () => {
    const t = await startOpsServer(createMemoryStore(), { config: { logLevel: "info" } });
    expect(t.logs.find((l) => l.auth === "off")).toMatchObject({ level: "warn", msg: expect.stringMatching(/^AUTHENTICATION IS OFF: no tokens are configured and 127\.0\.0\.1:0 is a loopback address, which counts as local development\. Every caller may read and write every context\./) });
    await t.stop();
  });
});
