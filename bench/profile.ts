/**
 * `npx tsx bench/profile.ts [GetContext|SetContext ...]`: where a fabric server's CPU goes under
 * h2load load. For each workload a fresh server/main.ts (memory store, search off, defaults
 * otherwise) runs under `node --cpu-prof`; h2load sends that unary call at 8 connections × 16
 * streams for BENCH_SECONDS (default 10); SIGTERM makes the server exit and write its profile. The
 * profile's self time is summed by area (node's HTTP/2, grpc-js, protobuf-es, GC, AsyncLocalStorage,
 * AbortController, prom-client, the fabric's own folders, ...) and the top functions are listed.
 * Only samples taken during the timed run count (start-up and warm-up are cut off). The .cpuprofile files are kept (open them in Chrome DevTools or speedscope). Asserts nothing.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FabricClient } from "@cache-fabric/client";
import { ContextService, GetContextRequestSchema, SetContextRequestSchema } from "@cache-fabric/client/gen/context";
import { grpcMethodPath, valueToPb } from "@cache-fabric/client/wire";
import { machineLine } from "./lib.js";
import { checkFrame, encodeRequest, h2load } from "./peers/h2load.js";
import { LADDER_KEY, PROMPT } from "./peers/ladder-server.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const root = join(__dirname, "..");

const WORKLOADS = {
  GetContext: { path: grpcMethodPath(ContextService.method.getContext), message: encodeRequest(GetContextRequestSchema, { key: LADDER_KEY }) },
  SetContext: {
    path: grpcMethodPath(ContextService.method.setContext),
    message: encodeRequest(SetContextRequestSchema, { key: LADDER_KEY, value: valueToPb(PROMPT), metadata: { source: "bench" } }),
  },
};

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** The area a function belongs to, from its script URL (first match wins). */
const AREAS: [string, (f: ProfileNode["callFrame"]) => boolean][] = [
  ["idle", (f) => f.functionName === "(idle)"],
  ["GC", (f) => f.functionName === "(garbage collector)"],
  ["native, unattributed ((program))", (f) => f.functionName === "(program)"],
  ["node http2", (f) => /^node:(internal\/)?http2/.test(f.url)],
  ["grpc-js", (f) => f.url.includes("/@grpc/grpc-js/")],
  ["protobuf-es", (f) => f.url.includes("/@bufbuild/protobuf/")],
  [
    "AsyncLocalStorage / async hooks",
    (f) => /^node:(internal\/)?async_(hooks|local_storage)/.test(f.url) || f.url.startsWith("node:internal/async_local_storage"),
  ],
  ["AbortController / EventTarget", (f) => /^node:internal\/(abort_controller|event_target)/.test(f.url)],
  ["node streams", (f) => f.url.startsWith("node:internal/streams")],
  ["node timers / microtasks", (f) => /^node:internal\/(timers|process\/task_queues)/.test(f.url)],
  ["node events", (f) => f.url === "node:events"],
  ["node perf_hooks (event-loop delay, GC observers)", (f) => f.url.startsWith("node:internal/perf") || f.url.startsWith("node:perf_hooks")],
  ["node TextEncoder / buffers", (f) => /^node:(internal\/encoding|buffer|internal\/buffer)/.test(f.url)],
  ["node other", (f) => f.url.startsWith("node:")],
  ["prom-client", (f) => f.url.includes("/prom-client/")],
  ["pino", (f) => f.url.includes("/pino")],
  ["proto ⇄ API converters (client/src/wire)", (f) => f.url.includes("/client/src/wire/")],
  ["generated code (client/src/gen)", (f) => f.url.includes("/client/src/gen/")],
  ["adapter (server/grpc)", (f) => f.url.includes("/server/grpc/")],
  ["access: auth, limits (server/access)", (f) => f.url.includes("/server/access/")],
  ["telemetry (server/telemetry)", (f) => f.url.includes("/server/telemetry/")],
  ["store (server/store)", (f) => f.url.includes("/server/store/")],
  ["core (server, other)", (f) => f.url.includes("/server/")],
  ["client package, other", (f) => f.url.includes("/client/src/")],
  ["other node_modules", (f) => f.url.includes("/node_modules/")],
  ["V8 builtins and bindings (no script)", (f) => f.url === ""],
];

const areaOf = (f: ProfileNode["callFrame"]) => AREAS.find(([, test]) => test(f))?.[0] ?? "other";

/** Self time per function and area, counting only samples inside `windowUs` (the timed load, not start-up). */
function summarise(profile: CpuProfile, windowUs: [number, number]): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  let t = profile.startTime;
  profile.samples.forEach((id, i) => {
    t += profile.timeDeltas[i] ?? 0;
    if (t >= windowUs[0] && t <= windowUs[1]) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    const area = areaOf(frame);
    if (area === "idle") continue;
    busy += us;
    areas.set(area, (areas.get(area) ?? 0) + us);
    const where = frame.url ? `${frame.url.replace(/^file:\/\/.*?\/(node_modules|server|client)\//, "$1/")}:${frame.lineNumber + 1}` : "";
    const name = `${frame.functionName || "(anonymous)"} ${where}`.trim();
    functions.set(name, (functions.get(name) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
  return [
    `busy (not idle) ${(busy / 1000).toFixed(0)} ms of samples; self time by area:`,
    ...[...areas].sort((a, b) => b[1] - a[1]).map(([area, us]) => `  ${pct(us)}  ${area}`),
    "top functions by self time:",
    ...[...functions]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 25)
      .map(([name, us]) => `  ${pct(us)}  ${name}`),
  ];
}

async function profileWorkload(name: keyof typeof WORKLOADS): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), `cf-profile-${name}-`));
  const child = spawn(process.execPath, [...process.execArgv, "--cpu-prof", "--cpu-prof-dir", dir, join(root, "server/main.ts"), "--listen", "127.0.0.1:0"], {
    env: { ...process.env, FABRIC_STORE: "memory", FABRIC_SEARCH: "false" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /serving on ([\d.:]+)/.exec(out);
      if (m) {
        clearInterval(timer);
        resolve(m[1]);
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`server exited: ${out}`));
      }
    }, 25);
  });
  const client = new FabricClient({ address });
  await client.setContext({ key: LADDER_KEY, value: PROMPT, metadata: { source: "bench" } });
  await client.close();
  const { path, message } = WORKLOADS[name];
  await checkFrame(address, path, message);
  const r = await h2load({ address, path, message, seconds: SECONDS, cpuPids: [child.pid!] });
  child.kill("SIGTERM");
  await exited;
  const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
  if (!file) throw new Error(`no profile written in ${dir}`);
  console.log(`\n== ${name}: ${r.reqPerSec.toFixed(0)} req/s, server CPU ${r.cpuUsPerCall[0].toFixed(0)} µs/call; profile ${join(dir, file)}`);
  for (const line of summarise(JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile, r.windowUs)) console.log(line);
}

async function main(): Promise<void> {
  console.log(machineLine());
  const chosen = (process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(WORKLOADS)) as (keyof typeof WORKLOADS)[];
  for (const name of chosen) {
    if (!(name in WORKLOADS)) throw new Error(`unknown workload ${name}: one of ${Object.keys(WORKLOADS).join(", ")}`);
    await profileWorkload(name);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
