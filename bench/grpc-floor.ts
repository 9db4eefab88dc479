/**
 * The floor under every gRPC figure: a bare grpc-js unary echo (no protobuf, no fabric), server in
 * its own process as in bench:core, at 1 and 64 concurrent calls. The fabric's own cost is what
 * bench:core adds on top of this. `npx tsx bench/grpc-floor.ts`; prints figures, asserts nothing.
 */
import * as grpc from "@grpc/grpc-js";
import { fork } from "node:child_process";
import { formatLoad, machineLine, runLoad } from "./lib.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const identity = (b: Buffer) => b;
const method: grpc.MethodDefinition<Buffer, Buffer> = {
  path: "/bench.Echo/Echo",
  requestStream: false,
  responseStream: false,
  requestSerialize: identity,
  requestDeserialize: identity,
  responseSerialize: identity,
  responseDeserialize: identity,
};

async function serve(): Promise<void> {
  const server = new grpc.Server();
  server.addService({ Echo: method }, { Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, call.request) });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  process.send!({ port });
}

async function main(): Promise<void> {
  console.log(machineLine());
  const child = fork(__filename, ["serve"], { execArgv: process.execArgv });
  const port = await new Promise<number>((resolve) => child.once("message", (m: { port: number }) => resolve(m.port)));
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  const payload = Buffer.alloc(300, 120); // about a setContext request with a short prompt
  const call = () =>
    new Promise<void>((resolve, reject) =>
      client.makeUnaryRequest(method.path, identity, identity, payload, new grpc.Metadata(), { deadline: Date.now() + 5000 }, (e) => (e ? reject(e) : resolve())),
    );
  for (const c of [1, 64]) console.log(formatLoad("bare grpc-js echo (300 B)", await runLoad(c, SECONDS, call)));
  client.close();
  child.kill();
}

if (process.argv[2] === "serve") void serve();
else main().catch((e) => {
  console.error(e);
  process.exit(1);
});
