/**
 * `npm run bench:executions`: execution tracking with the memory store.
 * - RecordExecution throughput and p50/p99 at 1 and 64 concurrent calls, over loopback gRPC to a
 *   server in its own process;
 * - the time to compute ExecutionStats and FeedbackSummary over 100k executions (half with user
 *   feedback, a third with automated feedback), over gRPC to an in-process server; list pages; and
 *   ExportTrainingData streams of all 100k and of those with corrections.
 * Prints figures; asserts nothing.
 */
import { randomUUID } from "node:crypto";
import { FabricClient, type ExecutionInput } from "@cache-fabric/client";
import { createFabric } from "../server/fabric.js";
import { startFabricServer } from "../server/server.js";
import { createMemoryStore } from "../server/store/memory.js";
import { formatLoad, heapUsed, machineLine, runLoad, spawnFabricServer } from "./lib.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const N = Number(process.env.BENCH_EXECUTIONS ?? 100_000);

/** Ids as `recordExecution` generates them (UUIDs), made up front so feedback can refer to them. */
const IDS = Array.from({ length: N }, () => randomUUID());

/** A typical small execution: a user message in, a classification out. */
function execution(i: number, startedAt: number): ExecutionInput {
  return {
    id: IDS[i % N],
    startedAt,
    latencyMs: 20 + ((i * 7919) % 480),
    input: { text: `Customer message number ${i}: I cannot log in to my account since yesterday.` },
    output: { category: i % 3 === 0 ? "account" : "billing", confidence: 0.9 },
    promptKey: "router:main:system_message",
    promptRevision: 1 + Math.floor((i / N) * 4),
    ...(i % 20 === 0 ? { error: "upstream timeout" } : {}),
  };
}

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const t0 = process.hrtime.bigint();
  const out = await fn();
  console.log(`${label.padEnd(58)} ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0).padStart(6)} ms`);
  return out;
}

async function recordThroughput(): Promise<void> {
  // Search off: EXECUTION is not an indexed scope anyway; this keeps the model out of the server.
  const server = await spawnFabricServer({ FABRIC_STORE: "memory", FABRIC_SEARCH: "false" });
  const client = new FabricClient({ address: server.address });
  try {
    for (const concurrency of [1, 64]) {
      const r = await runLoad(concurrency, SECONDS, (i) => client.recordExecution(execution(i, Date.now())));
      console.log(formatLoad("recordExecution (gRPC, memory)", r));
    }
    const r = await runLoad(64, SECONDS, (i) => client.recordFeedback({ executionId: IDS[i % 1000], rating: 1 + (i % 5) }));
    console.log(formatLoad("recordFeedback (gRPC, memory)", r));
  } finally {
    await client.close();
    await server.stop();
  }
}

async function analyticsAt100k(): Promise<void> {
  const fabric = createFabric({ store: createMemoryStore() });
  const heapBefore = heapUsed();
  const t0 = Date.now() - N * 100; // one execution every 100 ms of history
  await timed(`fill: record ${N} executions + feedback (in process)`, async () => {
    for (let i = 0; i < N; i += 64) {
      await Promise.all(
        Array.from({ length: Math.min(64, N - i) }, async (_, j) => {
          const k = i + j;
          await fabric.recordExecution(execution(k, t0 + k * 100));
          if (k % 2 === 0) await fabric.recordFeedback({ executionId: IDS[k], rating: 1 + (k % 5), ...(k % 8 === 0 ? { corrections: { category: "account" } } : {}) });
          if (k % 3 === 0) await fabric.recordFeedback({ executionId: IDS[k], scores: [{ name: "auto_score", value: k % 4, max: 3 }] });
        }),
      );
    }
  });
  const stored = await fabric.countContexts();
  console.log(`stored: ${stored} contexts, ${((heapUsed() - heapBefore) / 1024 / 1024).toFixed(0)} MiB of heap`);

  const server = await startFabricServer({ fabric, listen: "127.0.0.1:0" });
  const client = new FabricClient({ address: server.address, timeoutMs: 120_000 });
  try {
    for (let run = 1; run <= 2; run++) {
      const s = await timed(`executionStats over ${N} executions (run ${run})`, () => client.executionStats());
      if (run === 2) {
        console.log(
          `  count ${s.count}, error rate ${(s.errorRate * 100).toFixed(1)}%, p50/p95/p99 ` +
            `${s.latencyP50Ms}/${s.latencyP95Ms}/${s.latencyP99Ms} ms, ${s.byPromptRevision.length} prompt revisions`,
        );
      }
    }
    await timed(`executionStats, one prompt key, ${N} executions`, () => client.executionStats({ promptKey: "router:main:system_message" }));
    // A window over startedAt: the fill backdates startedAt but writes everything now, so the scan cannot
    // stop early (it stops at records written before since - 10 min); this is the worst case.
    await timed("executionStats, last 1% of startedAt (full scan, see comment)", () => client.executionStats({ since: new Date(t0 + N * 99) }));
    const f = await timed(`feedbackSummary over ${N} executions`, () => client.feedbackSummary());
    console.log(`  rated ${f.ratedCount}, mean ${f.ratingMean.toFixed(2)}, automated ${f.automatedCount}, auto_score mean ${f.scores[0]?.mean.toFixed(3)}`);
    await timed("listExecutions, first page of 100", () => client.listExecutions({ limit: 100 }));
    await timed("listExecutions, status ERROR, first page of 100", () => client.listExecutions({ status: "ERROR", limit: 100 }));
    let exported = 0;
    await timed(`exportTrainingData, all ${N} (streamed)`, async () => {
      for await (const _ of client.exportTrainingData()) exported++;
    });
    let corrected = 0;
    await timed("exportTrainingData, hasCorrections (driven by feedback)", async () => {
      for await (const _ of client.exportTrainingData({ hasCorrections: true })) corrected++;
    });
    console.log(`  exported ${exported} examples, ${corrected} with corrections`);
  } finally {
    await client.close();
    await server.shutdown(1000);
    await fabric.close();
  }
}

async function main(): Promise<void> {
  console.log(machineLine());
  await recordThroughput();
  await analyticsAt100k();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
