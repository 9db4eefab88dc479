/**
 * Unary gRPC load from h2load (Debian's nghttp2-client), a C load generator, so a server's own
 * capacity shows without a Node client's CPU in the way: each request is an HTTP/2 POST with
 * `content-type: application/grpc` and `te: trailers`, its body a gRPC frame (1 byte "not
 * compressed", 4 bytes big-endian length, then the encoded request message).
 *
 * h2load counts HTTP status only, and gRPC sends its status in trailers behind a 200: `checkFrame`
 * sends the very same frame once through grpc-js first, so a run never measures a server busy
 * refusing its requests.
 */
import { create, toBinary, type DescMessage } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { treeCpuSeconds, type CpuMeter } from "./process-cpu.js";

export interface H2loadOptions {
  /** host:port */
  address: string;
  /** `/package.Service/Method` */
  path: string;
  /** The encoded request message (without the gRPC frame header). */
  message: Uint8Array;
  /** Connections (h2load -c). Default 8. */
  clients?: number;
  /** Streams in flight per connection (h2load -m). Default 16. */
  streams?: number;
  seconds: number;
  /** Processes whose CPU (with their descendants') is measured over the timed run, not the warm-up. */
  cpuPids?: number[];
  /** More CPU measured over the timed run (after cpuPids in cpuUsPerCall). */
  cpuMeters?: CpuMeter[];
}

export interface H2loadResult {
  done: number;
  succeeded: number;
  failed: number;
  seconds: number;
  reqPerSec: number;
  /** Mean time per request, as h2load reports it. */
  meanMs: number;
  /** CPU per request done, in microseconds, of each `cpuPids` tree then each `cpuMeters` (same order) over the timed run. */
  cpuUsPerCall: number[];
  /** The timed run's start and end on the monotonic clock (µs), e.g. to cut a CPU profile to it. */
  windowUs: [number, number];
}

/** The bytes of one request message: `request` encoded with `schema` (generated or reflected). */
export function encodeRequest(schema: DescMessage, request: Record<string, unknown>): Uint8Array {
  return toBinary(schema, create(schema, request));
}

/** The gRPC frame of one uncompressed message. */
export function grpcFrame(message: Uint8Array): Buffer {
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  return frame;
}

/** Sends `message` once to `path` through grpc-js, byte for byte; rejects unless the status is OK. */
export async function checkFrame(address: string, path: string, message: Uint8Array): Promise<Buffer> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const identity = (b: Buffer) => b;
  try {
    return await new Promise<Buffer>((resolve, reject) =>
      client.makeUnaryRequest(path, identity, identity, Buffer.from(message), new grpc.Metadata(), { deadline: Date.now() + 10_000 }, (e, r) =>
        e ? reject(new Error(`${path} on ${address}: ${e.message}`)) : resolve(r!),
      ),
    );
  } finally {
    client.close();
  }
}

/** Runs h2load for `seconds` after a 1 s warm-up run whose figures (and CPU) are dropped. */
export async function h2load(options: H2loadOptions): Promise<H2loadResult> {
  const dir = mkdtempSync(join(tmpdir(), "cf-h2load-"));
  const body = join(dir, "body");
  writeFileSync(body, grpcFrame(options.message));
  const args = (duration: number) => [
    "-c",
    String(options.clients ?? 8),
    "-m",
    String(options.streams ?? 16),
    "-t",
    "1",
    "-D",
    String(duration),
    "-d",
    body,
    "-H",
    "content-type: application/grpc",
    "-H",
    "te: trailers",
    `http://${options.address}${options.path}`,
  ];
  try {
    await run(args(1));
    const meters: CpuMeter[] = [...(options.cpuPids ?? []).map((pid) => () => treeCpuSeconds(pid)), ...(options.cpuMeters ?? [])];
    const before = await Promise.all(meters.map((m) => m()));
    const start = monotonicUs();
    const result = parse(await run(args(options.seconds)));
    const windowUs: [number, number] = [start, monotonicUs()];
    const after = await Promise.all(meters.map((m) => m()));
    const cpuUsPerCall = meters.map((_, i) => ((after[i] - before[i]) / result.done) * 1e6);
    return { ...result, cpuUsPerCall, windowUs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** CLOCK_MONOTONIC in µs: the clock V8's CPU profiles count in, in any process on this machine. */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile("h2load", args, { maxBuffer: 1 << 20, timeout: 600_000 }, (e, stdout, stderr) =>
      e ? reject(new Error(`h2load ${args.join(" ")}: ${stderr || e.message}`)) : resolve(stdout),
    ),
  );
}

function parse(out: string): Omit<H2loadResult, "cpuUsPerCall" | "windowUs"> {
  const finished = /finished in ([\d.]+)(m?s), ([\d.]+) req\/s/.exec(out);
  const requests = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed/.exec(out);
  const request = /time for request:\s+\S+\s+\S+\s+([\d.]+)(us|ms|s)/.exec(out);
  if (!finished || !requests) throw new Error(`cannot read h2load's output:\n${out}`);
  const seconds = Number(finished[1]) / (finished[2] === "ms" ? 1000 : 1);
  const unit = { us: 1e-3, ms: 1, s: 1000 }[(request?.[2] ?? "ms") as "us" | "ms" | "s"];
  return {
    done: Number(requests[3]),
    succeeded: Number(requests[4]),
    failed: Number(requests[5]),
    seconds,
    reqPerSec: Number(finished[3]),
    meanMs: request ? Number(request[1]) * unit : NaN,
  };
}
