/**
 * Shared pieces of the benchmarks: a closed-loop load generator with latency percentiles, a fabric
 * server in its own process (so the load generator does not share its event loop), heap measurement.
 * Benchmarks print figures; they assert nothing about time.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { cpus, loadavg } from "node:os";
import { startServerProcess } from "../test/support/server-process.js";

export interface LoadResult {
  concurrency: number;
  ops: number;
  seconds: number;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

/** Runs `op` from `concurrency` loops for `seconds` (after a short warm-up), timing every call. */
export async function runLoad(concurrency: number, seconds: number, op: (i: number) => Promise<unknown>): Promise<LoadResult> {
  const warmEnd = Date.now() + Math.min(500, seconds * 200);
  let i = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < warmEnd) await op(i++);
    }),
  );
  const samples: number[] = [];
  const start = process.hrtime.bigint();
  const end = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        const t0 = process.hrtime.bigint();
        await op(i++);
        samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  return {
    concurrency,
    ops: samples.length,
    seconds: elapsed,
    opsPerSec: samples.length / elapsed,
    p50Ms: percentile(samples, 50),
    p99Ms: percentile(samples, 99),
  };
}

export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = Float64Array.from(samples).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function formatLoad(label: string, r: LoadResult): string {
  return `${label.padEnd(34)} c=${String(r.concurrency).padStart(3)}  ${r.opsPerSec.toFixed(0).padStart(7)} ops/s  p50 ${r.p50Ms.toFixed(3)} ms  p99 ${r.p99Ms.toFixed(3)} ms  (${r.ops} ops)`;
}

/** One line describing the machine and its load, printed first so figures can be read with their noise. */
export function machineLine(): string {
  const c = cpus();
  return `machine: ${c.length} x ${c[0]?.model ?? "cpu"}, node ${process.version}, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`;
}

/** A fabric server (`server/main.ts`) in a child process, as an operator runs it. */
export interface SpawnedServer {
  address: string;
  /** The launcher's pid: the server (and any cluster workers) are in its process tree. */
  pid: number;
  /** Everything it has written so far. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts `server/main.ts` in a child process on a free port and waits until it serves. */
export async function spawnFabricServer(env: Record<string, string> = {}, args: string[] = []): Promise<SpawnedServer> {
  const server = startServerProcess(["--listen", "127.0.0.1:0", ...args], env);
  const address = await server.serving();
  return {
    address,
    pid: server.child.pid!,
    output: server.output,
    stop: async () => {
      await server.stop();
    },
  };
}

/** Forces a full garbage collection, exposing `gc` if node was not started with --expose-gc. */
export function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  gc();
  gc();
}

export function heapUsed(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}
