/**
 * The ablation ladder: one GetContext path served at increasing levels of the fabric's stack, each
 * in its own process, so h2load and the CPU meter tell where a call's microseconds go. Every rung
 * answers `/cachefabric.v1.ContextService/GetContext` for the same request bytes.
 *
 *   echo          bare grpc-js: the request bytes sent back (identity (de)serialisers)
 *   preencoded    the real GetContextResponse, encoded once at start and sent as bytes every call
 *   als-abort     preencoded + what the adapter does per call around a handler: an AbortController
 *                 with a `cancelled` listener, AsyncLocalStorage.run, an async function
 *   histogram     preencoded + prom-client: a labelled counter and histogram observed per call
 *   protobuf      request decoded with fromBinary, a held response message encoded with toBinary per call
 *   convert       protobuf + the API → proto converter (contextToPb) per call, as the handler does
 *   adapter       the real thing without operations: startFabricServer over createFabric(memory)
 *   full          adapter + operations as server/main.ts wires them: metrics, call log, rate-limit
 *                 and watcher-limit interceptors, health, the timed store
 *
 * `startLadderServer(rung)` forks this file; the child prints its port over IPC.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { AsyncLocalStorage } from "node:async_hooks";
import { fork } from "node:child_process";
import { Counter, Histogram, Registry } from "prom-client";
import { ContextService, GetContextRequestSchema, GetContextResponseSchema } from "@cache-fabric/client/gen/context";
import { contextToPb, grpcMethodPath } from "@cache-fabric/client/wire";
import type { Context } from "@cache-fabric/client/api";
import { readSettings } from "../../server/config.js";
import { createFabric } from "../../server/fabric.js";
import { createOps, OPS_SETTINGS } from "../../server/operations.js";
import { startFabricServer } from "../../server/server.js";
import { createMemoryStore } from "../../server/store/memory.js";
import { createLogger } from "../../server/telemetry/logger.js";

export const RUNGS = ["echo", "preencoded", "als-abort", "histogram", "protobuf", "convert", "adapter", "full"] as const;
export type Rung = (typeof RUNGS)[number];

/** The context every rung answers with: a 256-byte prompt, as the peer benchmark stores. */
export const LADDER_KEY = "bench:prompt";
export const PROMPT = "You are a helpful assistant. Answer briefly, cite sources, ask when unsure. ".repeat(4).slice(0, 256);

/** The one path every rung answers: GetContext's. */
export const LADDER_PATH = grpcMethodPath(ContextService.method.getContext);

export interface LadderServer {
  readonly address: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export async function startLadderServer(rung: Rung): Promise<LadderServer> {
  const child = fork(__filename, ["serve", rung], { execArgv: process.execArgv, stdio: ["ignore", "ignore", "inherit", "ipc"] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("message", (m: { port: number }) => resolve(m.port));
    child.once("exit", (code) => reject(new Error(`ladder server ${rung} exited with ${code}`)));
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    address: `127.0.0.1:${port}`,
    pid: child.pid!,
    async stop() {
      child.kill("SIGKILL");
      await exited;
    },
  };
}

function storedContext(): Context {
  const now = new Date();
  return {
    key: LADDER_KEY,
    scope: "GLOBAL",
    value: PROMPT,
    metadata: { source: "bench" },
    revision: 1,
    createRevision: 1,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
}

const identity = (b: Buffer) => b;

type RawCall = grpc.ServerUnaryCall<Buffer, Buffer>;

/** A grpc-js server with one unary GetContext handler over raw bytes. */
async function serveRaw(handle: (call: RawCall, answer: grpc.sendUnaryData<Buffer>) => void): Promise<number> {
  const server = new grpc.Server();
  const method: grpc.MethodDefinition<Buffer, Buffer> = {
    path: LADDER_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  };
  server.addService({ getContext: method }, { getContext: handle });
  return bind(server);
}

/** serveRaw for a synchronous bytes → bytes answer. */
const serveBytes = (answer: (request: Buffer) => Buffer) => serveRaw((call, cb) => cb(null, answer(call.request)));

function bind(server: grpc.Server): Promise<number> {
  return new Promise((resolve, reject) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
}

const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

async function serve(rung: Rung): Promise<number> {
  const context = storedContext();
  const heldResponse = create(GetContextResponseSchema, { context: contextToPb(context) });
  const encoded = asBuffer(toBinary(GetContextResponseSchema, heldResponse));
  switch (rung) {
    case "echo":
      return serveBytes((request) => request);
    case "preencoded":
      return serveBytes(() => encoded);
    case "als-abort": {
      // The adapter's per-call scaffolding, reproduced around the pre-encoded answer.
      const storage = new AsyncLocalStorage<object>();
      return serveRaw((call, cb) => {
        const controller = new AbortController();
        const onCancel = () => controller.abort();
        call.on("cancelled", onCancel);
        const ctx = { signal: controller.signal, metadata: call.metadata, peer: call.getPeer(), attributes: new Map() };
        void storage.run(ctx, async () => {
          try {
            await Promise.resolve();
            cb(null, encoded);
          } finally {
            call.removeListener("cancelled", onCancel);
          }
        });
      });
    }
    case "histogram": {
      const registry = new Registry();
      const labelNames = ["grpc_type", "grpc_service", "grpc_method", "grpc_code"] as const;
      const handled = new Counter({ name: "handled_total", help: "h", labelNames, registers: [registry] });
      const handling = new Histogram({
        name: "handling_seconds",
        help: "h",
        labelNames,
        registers: [registry],
        buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      });
      return serveBytes(() => {
        const start = process.hrtime.bigint();
        const labels = { grpc_type: "unary", grpc_service: "cachefabric.v1.ContextService", grpc_method: "GetContext", grpc_code: "OK" };
        handled.inc(labels);
        handling.observe(labels, Number(process.hrtime.bigint() - start) / 1e9);
        return encoded;
      });
    }
    case "protobuf":
      return serveBytes((request) => {
        fromBinary(GetContextRequestSchema, request);
        return asBuffer(toBinary(GetContextResponseSchema, heldResponse));
      });
    case "convert":
      return serveBytes((request) => {
        fromBinary(GetContextRequestSchema, request);
        return asBuffer(toBinary(GetContextResponseSchema, create(GetContextResponseSchema, { context: contextToPb(context) })));
      });
    case "adapter": {
      const fabric = createFabric({ store: createMemoryStore() });
      await fabric.setContext({ key: LADDER_KEY, value: PROMPT, metadata: { source: "bench" } });
      return (await startFabricServer({ fabric, listen: "127.0.0.1:0" })).port;
    }
    case "full": {
      const store = createMemoryStore();
      const config = readSettings(OPS_SETTINGS, [], {});
      const ops = createOps(config, { listen: "127.0.0.1:0", store, logger: createLogger({ level: config.logLevel }) });
      const fabric = createFabric({ store: ops.metrics.instrumentStore(store) });
      await fabric.setContext({ key: LADDER_KEY, value: PROMPT, metadata: { source: "bench" } });
      const server = await startFabricServer({ fabric: ops.serve(fabric), listen: "127.0.0.1:0", ...ops.serverOptions });
      await ops.start();
      return server.port;
    }
  }
}

if (process.argv[2] === "serve") {
  serve(process.argv[3] as Rung).then(
    (port) => process.send!({ port }),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
