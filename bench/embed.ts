/**
 * `npm run bench:embed`: embedding throughput and search latency.
 * 1. Embeddings/s for single requests and under 32 concurrent requests through the fabric's
 *    embedder, beside a bare onnxruntime session running the same model in the same run; the
 *    ratio is the fabric's overhead (tokenising, batching, queueing).
 * 2. Search latency p50/p99 through the fabric (embed the query, search the index, check hits
 *    against the store) at 10k and 100k indexed contexts embedded by the real model, unfiltered
 *    and with filters (scope, one user's key prefix, metadata, two namespaces), hybrid and vector
 *    ranking; at 100k the in-process index is approximate (HNSW), and recall@10 against an exact
 *    scan of the same vectors is printed. `BENCH_QUICK=1` stops after 10k.
 * 3. Indexing throughput with chunking on: long texts (~300 tokens, 3 chunks each) through the
 *    fabric's indexer, documents/s and chunks/s.
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
  // Niceness 0: this measures the model, and the machine may be shared with other work.
  const embedder = await createEmbedder({ nice: 0 });
  console.log(`model ${embedder.modelId}, ${embedder.dimension} dims, 1 worker, 2 intra-op threads`);

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
    const shared = { ...embedder, dimension: embedder.dimension, modelId: embedder.modelId, embed: (t: readonly string[]) => embedder.embed(t), embedDocuments: (t: readonly string[]) => embedder.embedDocuments(t), close: async () => {} };
    const fabric = createFabric({ store: createMemoryStore({ historySize: 1000 }), search: { embedder: shared, index, indexKind: "memory" } });
    const texts = corpus(n);
    // Half in GLOBAL, half in USER spread over n/20 users (10 memories each); a team per context.
    const users = Math.max(1, Math.floor(n / 20));
    const at = (i: number) => (i % 2 ? { scope: "USER" as const, key: `user:u${i % users}:ticket:${i}` } : { scope: "GLOBAL" as const, key: `ticket:${i}` });
    const t0 = performance.now();
    for (let i = 0; i < n; i += 1000) {
      await fabric.batch(texts.slice(i, i + 1000).map((value, j) => ({ op: "set" as const, ...at(i + j), value, metadata: { team: `t${(i + j) % 20}` } })));
    }
    await fabric.search({ query: "warm-up", waitForIndex: true }, { timeoutMs: 3_600_000 });
    const indexedMs = performance.now() - t0;
    await primary.whenIdle();
    const builtMs = performance.now() - t0;
    let recallSum = 0;
    for (const q of queries) {
      const [v] = await embedder.embed([q]);
      const got = new Set((await primary.search(v, { limit: 10 })).map((h) => h.id));
      const want = await exact.search(v, { limit: 10 });
      recallSum += want.filter((h) => got.has(h.id)).length / want.length;
    }
    const stats = primary.stats();
    console.log(
      `search at ${n} contexts (${stats.mode}; recall@10 vs exact ${(recallSum / queries.length).toFixed(3)}; indexed in ${(indexedMs / 1000).toFixed(1)} s = ${(n / (indexedMs / 1000)).toFixed(0)} contexts/s, ready in ${(builtMs / 1000).toFixed(1)} s):`,
    );
    const filters: Array<[string, Record<string, unknown>]> = [
      ["unfiltered", {}],
      ["scope USER", { scope: "USER" }],
      [`one user's prefix (10 of ${n})`, { scope: "USER", keyPrefix: "user:u7:" }],
      ["metadata team=t3 (1 in 20)", { metadata: { team: "t3" } }],
      ["two namespaces (a user + GLOBAL)", { within: [{ scope: "USER", keyPrefix: "user:u7:" }, { scope: "GLOBAL" }] }],
    ];
    for (const mode of ["hybrid", "vector"] as const) {
      for (const [label, filter] of filters) {
        const latencies: number[] = [];
        for (let r = 0; r < 10; r++) {
          for (const q of queries) {
            const s = performance.now();
            await fabric.search({ query: q, limit: 10, mode, minSimilarity: -1, ...filter });
            latencies.push(performance.now() - s);
          }
        }
        console.log(`  ${mode.padEnd(6)} ${label.padEnd(38)} p50 ${percentile(latencies, 50).toFixed(2).padStart(6)} ms  p99 ${percentile(latencies, 99).toFixed(2).padStart(6)} ms`);
      }
    }
    await fabric.close();
  }

  // Indexing with chunking: ~300-token texts, several chunks each.
  {
    const docs = Number(process.env.BENCH_LONG ?? 1000);
    const index = createMemoryVectorIndex();
    await index.init(embedder.dimension);
    const shared = { dimension: embedder.dimension, modelId: embedder.modelId, embed: (t: readonly string[]) => embedder.embed(t), embedDocuments: (t: readonly string[]) => embedder.embedDocuments(t), close: async () => {} };
    const fabric = createFabric({ store: createMemoryStore({ historySize: 1000 }), search: { embedder: shared, index, indexKind: "memory" } });
    const long = corpus(docs * 12);
    const t0 = performance.now();
    for (let i = 0; i < docs; i += 100) {
      await fabric.batch(Array.from({ length: Math.min(100, docs - i) }, (_, j) => ({ op: "set" as const, key: `doc:${i + j}`, value: long.slice((i + j) * 12, (i + j + 1) * 12).join(" ") })));
    }
    await fabric.search({ query: "warm-up", waitForIndex: true }, { timeoutMs: 3_600_000 });
    const seconds = (performance.now() - t0) / 1000;
    const vectors = index.stats().vectors;
    console.log(`indexing long texts with chunking: ${docs} texts (~300 tokens), ${vectors} chunks in ${seconds.toFixed(1)} s = ${(docs / seconds).toFixed(0)} texts/s, ${(vectors / seconds).toFixed(0)} chunks/s`);
    await fabric.close();
  }
  await embedder.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
