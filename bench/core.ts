/**
 * `npm run bench:core`: the fabric over gRPC with the memory store.
 * - get/set latency p50/p99 and throughput at 1 and 64 concurrent calls, client and server in
 *   separate processes over loopback;
 * - memory per stored context at 100k contexts (in-process memory store, heap delta after GC).
 */
import { FabricClient } from "@cache-fabric/client";
import { createMemoryStore } from "../server/store/memory.js";
import { formatLoad, heapUsed, machineLine, runLoad, spawnFabricServer } from "./lib.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const PROMPT = "You are a helpful assistant. ".repeat(8); // ~230 bytes, a short system prompt

async function main(): Promise<void> {
  console.log(machineLine());
  // Search off: with it on, every set is also embedded in the same process, and the 2 cores go to
  // the model (bench:embed measures that). This measures the context path itself.
  const server = await spawnFabricServer({ FABRIC_STORE: "memory", FABRIC_SEARCH: "false" });
  console.log("server: memory store, search off, in its own process; client: FabricClient over loopback");
  const client = new FabricClient({ address: server.address });
  try {
    for (let i = 0; i < 1000; i++) await client.setContext({ key: `prompt:${i}`, value: PROMPT });
    for (const concurrency of [1, 64]) {
      const set = await runLoad(concurrency, SECONDS, (i) => client.setContext({ key: `prompt:${i % 1000}`, value: PROMPT }));
      console.log(formatLoad("setContext (gRPC, memory)", set));
      const get = await runLoad(concurrency, SECONDS, (i) => client.getContext({ key: `prompt:${i % 1000}` }));
      console.log(formatLoad("getContext (gRPC, memory)", get));
    }
  } finally {
    await client.close();
    await server.stop();
  }

  const n = 100_000;
  const store = createMemoryStore();
  const before = heapUsed();
  for (let i = 0; i < n; i += 1000) {
    await store.write(
      Array.from({ length: 1000 }, (_, j) => ({
        op: "set" as const,
        scope: "GLOBAL" as const,
        key: `router:r${i + j}:system_message`,
        // A distinct string per context, as values arriving over the wire are.
        value: `${PROMPT}${i + j}`,
        metadata: { source: "manifest", version: "1.0" },
      })),
    );
  }
  const after = heapUsed();
  const valueBytes = Buffer.byteLength(JSON.stringify(PROMPT));
  console.log(
    `memory store at ${n} contexts: ${((after - before) / n).toFixed(0)} bytes of heap per context ` +
      `(value ${valueBytes} B as JSON, key ~27 B, 2 metadata entries); store's own estimate ${((await store.memoryUsage()) / n).toFixed(0)} B`,
  );
  await store.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
