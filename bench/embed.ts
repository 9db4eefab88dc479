/**
 * `npm run bench:embed`: embedding throughput and search latency.
 * 1. Embeddings/s for single requests and under 32 concurrent requests through the fabric's
 *    embedder, beside a bare onnxruntime session running the same model in the same run; the
 *    ratio is the fabric's overhead (tokenising, batching, queueing).
 * 2. Search latency p50/p99 through the fabric (embed the query, search the index, check hits
 *    against the store) at 10k and 100k indexed contexts embedded by the real model; at 100k the
 *    in-process index is approximate (HNSW), and recall@10 against an exact scan of the same
 *    vectors is printed. `BENCH_QUICK=1` stops after 10k.
 * Prints figures; asserts nothing.
 */
import { createFabric } from "../server/fabric.js";
import { createEmbedder } from "../server/search/embed/index.js";
import { createMemoryVectorIndex, type MemoryVectorIndex } from "../server/search/index/memory.js";
import type { VectorIndex } from "../server/search/types.js";
import { createMemoryStore } from "../server/store/memory.js";
import { benchBareSession, benchEmbedder, sampleTexts, shortTexts } from "./embed-model.js";
import { machineLine, percentile } from "./lib.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);

/** Writes go to both indexes, searches to the first: the second is the exact reference for recall. */
function tee(primary: MemoryVectorIndex, reference: VectorIndex): VectorIndex {
  return {
    init: async (d) => {
      await primary.init(d);
      await reference.init(d);
    },
    upsert: async (p) => {
      await primary.upsert(p);
      await reference.upsert(p);
    },
    delete: async (ids) => {
      await primary.delete(ids);
      await reference.delete(ids);
    },
    search: (v, o) => primary.search(v, o),
    score: (v, ids) => primary.score(v, ids),
    revisions: (ids) => primary.revisions(ids),
    count: () => primary.count(),
    clear: async () => {
      await primary.clear();
      await reference.clear();
    },
    close: async () => {
      await primary.close();
      await reference.close();
    },
  };
}

/** Distinct, sentence-like texts: a few hundred words combined. */
function corpus(n: number): string[] {
  const who = ["The user", "Our customer", "A developer", "The agent", "My manager", "The support team", "A student", "The doctor"];
  const act = ["wants to", "asked how to", "needs help to", "is trying to", "forgot how to", "would like to", "cannot", "plans to"];
  const what = ["reset a password", "book a flight", "cancel an order", "write a SQL query", "translate a letter", "plan a workout",
    "cook a vegetarian dinner", "fix a failing deployment", "update billing details", "learn Python", "file a tax return", "adopt a cat"];
  const when = ["today", "before Friday", "next month", "as soon as possible", "this weekend", "after the meeting", "tonight", "in the morning"];
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    out.push(`${who[i % who.length]} ${act[Math.floor(i / 8) % act.length]} ${what[Math.floor(i / 64) % what.length]} ${when[Math.floor(i / 768) % when.length]} (ticket ${i}).`);
  }
  return out;
}

async function main(): Promise<void> {
  console.log(machineLine());
  const embedder = await createEmbedder();
  console.log(`model ${embedder.modelId}, ${embedder.dimension} dims, 2 intra-op threads`);

  for (const [label, texts] of [["short queries (~8 tokens)", shortTexts()], ["sentences (~20 tokens)", sampleTexts()]] as const) {
    const bare = await benchBareSession(texts, SECONDS);
    const single = await benchEmbedder(embedder, texts, 1, SECONDS);
    const c32 = await benchEmbedder(embedder, texts, 32, SECONDS);
    console.log(`${label}:`);
    console.log(`  single requests   fabric embedder ${single.toFixed(0).padStart(6)}/s   bare session (1 per run)  ${bare.single.toFixed(0).padStart(6)}/s   ratio ${(single / bare.single).toFixed(2)}`);
    console.log(`  32 concurrent     fabric embedder ${c32.toFixed(0).padStart(6)}/s   bare session (32 per run) ${bare.batched32.toFixed(0).padStart(6)}/s   ratio ${(c32 / bare.batched32).toFixed(2)}`);
  }

  const sizes = process.env.BENCH_QUICK ? [10_000] : [10_000, 100_000];
  const queries = ["reset my password", "help with a database query", "vegetarian recipe for dinner", "deployment is broken",
    "learning to program in Python", "flight booking", "pet adoption", "gym training plan", "tax paperwork", "update my credit card"];
  for (const n of sizes) {
    const primary = createMemoryVectorIndex();
    const exact = createMemoryVectorIndex({ exactLimit: Number.MAX_SAFE_INTEGER });
    const index = tee(primary, exact);
    await index.init(embedder.dimension);
    const shared = { ...embedder, dimension: embedder.dimension, modelId: embedder.modelId, embed: (t: readonly string[]) => embedder.embed(t), close: async () => {} };
    const fabric = createFabric({ store: createMemoryStore({ historySize: 1000 }), search: { embedder: shared, index, indexKind: "memory" } });
    const texts = corpus(n);
    const t0 = performance.now();
    for (let i = 0; i < n; i += 1000) {
      await fabric.batch(texts.slice(i, i + 1000).map((value, j) => ({ op: "set" as const, key: `ticket:${i + j}`, value })));
    }
    await fabric.search({ query: "warm-up", waitForIndex: true }, { timeoutMs: 3_600_000 });
    const indexedMs = performance.now() - t0;
    await primary.whenIdle();
    const builtMs = performance.now() - t0;
    const latencies: number[] = [];
    let recallSum = 0;
    for (let r = 0; r < 20; r++) {
      for (const q of queries) {
        const s = performance.now();
        await fabric.search({ query: q, limit: 10 });
        latencies.push(performance.now() - s);
        if (r === 0) {
          const [v] = await embedder.embed([q]);
          const got = new Set((await primary.search(v, { limit: 10 })).map((h) => h.id));
          const want = await exact.search(v, { limit: 10 });
          recallSum += want.filter((h) => got.has(h.id)).length / want.length;
        }
      }
    }
    const stats = primary.stats();
    console.log(
      `search at ${n} contexts (${stats.mode}): p50 ${percentile(latencies, 50).toFixed(2)} ms  p99 ${percentile(latencies, 99).toFixed(2)} ms` +
        `  recall@10 vs exact ${(recallSum / queries.length).toFixed(3)}  (indexed in ${(indexedMs / 1000).toFixed(1)} s = ${(n / (indexedMs / 1000)).toFixed(0)} contexts/s, ready in ${(builtMs / 1000).toFixed(1)} s)`,
    );
    await fabric.close();
  }
  await embedder.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
