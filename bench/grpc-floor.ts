/**
 * The floor under every gRPC figure: a bare grpc-js unary echo (no protobuf, no fabric; the ladder's
 * first rung, bench/peers/ladder-server.ts), server in its own process as in bench:core, driven by a
 * Node grpc-js client at 1 and 64 concurrent calls. The fabric's own cost is what bench:core adds on
 * top of this (bench:peers measures the same floor with h2load and server CPU per call).
 * `npx tsx bench/grpc-floor.ts`; prints figures, asserts nothing.
 */
import * as grpc from "@grpc/grpc-js";
import { formatLoad, machineLine, runLoad } from "./lib.js";
import { LADDER_PATH, startLadderServer } from "./peers/ladder-server.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const identity = (b: Buffer) => b;

async function main(): Promise<void> {
  console.log(machineLine());
  const server = await startLadderServer("echo");
  const client = new grpc.Client(server.address, grpc.credentials.createInsecure());
  const payload = Buffer.alloc(300, 120); // about a setContext request with a short prompt
  const call = () =>
    new Promise<void>((resolve, reject) =>
      client.makeUnaryRequest(LADDER_PATH, identity, identity, payload, new grpc.Metadata(), { deadline: Date.now() + 5000 }, (e) =>
        e ? reject(e) : resolve(),
      ),
    );
  try {
    for (const c of [1, 64]) console.log(formatLoad("bare grpc-js echo (300 B)", await runLoad(c, SECONDS, call)));
  } finally {
    client.close();
    await server.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
