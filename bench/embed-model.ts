/**
 * Embedding throughput: the bare onnxruntime session on the converted USE-lite model (the ceiling)
 * versus our embedder (tokenisation + batching + copies on top). `bench/embed.ts` calls these; run
 * this file alone for the figures:
 *
 *   npx tsx bench/embed-model.ts [seconds per figure, default 3]
 *
 * Prints figures and asserts nothing about time.
 */
import { readFileSync } from "node:fs";
import * as ort from "onnxruntime-node";
import { createEmbedder, ensureBundledModel } from "../server/search/embed/index.js";
import { sessionOptions } from "../server/search/embed/embedding-model.js";
import { SentencePieceTokenizer, type SentencePieceVocab } from "../server/search/embed/sentencepiece-tokenizer.js";
import { USE_MAX_TOKENS, sparseBatch } from "../server/search/embed/use-lite-model.js";
import type { Embedder } from "../server/search/types.js";

/** Short questions (about 8 tokens each), the kind of text a search query is. */
export function shortTexts(count = 256): string[] {
  const subjects = ["my password", "the invoice", "a refund", "my account", "the API key", "a ticket", "the plan", "my email"];
  const verbs = ["How do I reset", "Where is", "Can I change", "Why was", "Who owns"];
  return Array.from({ length: count }, (_, i) => `${verbs[i % verbs.length]} ${subjects[(i * 3) % subjects.length]} ${i}?`);
}

/** Sentence-length texts (about 20 tokens) resembling stored contexts, varied so batches are not uniform. */
export function sampleTexts(count = 256): string[] {
  const openings = ["How do I", "Why does the service", "Please summarise how to", "The agent should", "Remember that users", "Explain why we"];
  const actions = ["reset a password", "rotate the API keys", "retry a failed payment", "escalate an urgent ticket", "cache the system prompt", "compare two invoices"];
  const tails = ["", " before the end of the day", " when the customer is on a legacy plan", " without losing the conversation history", " and log the outcome for later review"];
  return Array.from({ length: count }, (_, i) => `${openings[i % openings.length]} ${actions[(i * 5) % actions.length]}${tails[(i * 3) % tails.length]} (#${i}).`);
}

/** Runs `step` repeatedly for about `seconds`; returns items per second. */
async function timed(seconds: number, step: () => Promise<number>): Promise<number> {
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  let items = 0;
  while (performance.now() < end) items += await step();
  return items / ((performance.now() - start) / 1000);
}

export interface BareSessionFigures {
  /** One text per `session.run`. */
  single: number;
  /** 32 texts per `session.run`. */
  batched32: number;
}

/**
 * Throughput of a raw InferenceSession (same options as the embedder: 2 intra-op threads) on the
 * converted model, in embeddings/s. Texts are tokenised and their tensors built beforehand, so this
 * measures the model alone.
 */
export async function benchBareSession(texts: readonly string[], seconds: number, threads = 2): Promise<BareSessionFigures> {
  const model = await ensureBundledModel();
  const tokenizer = new SentencePieceTokenizer(JSON.parse(readFileSync(model.vocabPath, "utf8")) as SentencePieceVocab);
  const rows = texts.map((t) => tokenizer.encode(t, USE_MAX_TOKENS)).filter((r) => r.length > 0);
  const session = await ort.InferenceSession.create(model.modelPath, sessionOptions(threads));
  try {
    const singles = rows.map((r) => sparseBatch([r]));
    const batches: Array<ReturnType<typeof sparseBatch>> = [];
    for (let i = 0; i + 32 <= rows.length; i += 32) batches.push(sparseBatch(rows.slice(i, i + 32)));
    if (batches.length === 0) throw new Error("benchBareSession needs at least 32 non-empty texts");
    await session.run(singles[0]!); // warm-up

    let i = 0;
    const single = await timed(seconds, async () => {
      await session.run(singles[i++ % singles.length]!);
      return 1;
    });
    let j = 0;
    const batched32 = await timed(seconds, async () => {
      await session.run(batches[j++ % batches.length]!);
      return 32;
    });
    return { single, batched32 };
  } finally {
    await session.release();
  }
}

/**
 * Throughput of an embedder, in embeddings/s, with `concurrency` callers each embedding one text
 * per call back to back (the shape of independent requests; batching comes from the embedder).
 */
export async function benchEmbedder(embedder: Embedder, texts: readonly string[], concurrency: number, seconds = 3): Promise<number> {
  await embedder.embed([texts[0]!]); // warm-up
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      await embedder.embed([texts[next++ % texts.length]!]);
      done++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return done / ((performance.now() - start) / 1000);
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 3);
  const texts = sampleTexts();
  const t0 = performance.now();
  const prepared = await ensureBundledModel();
  console.log(`model ${prepared.modelId} ready in ${Math.round(performance.now() - t0)} ms (${prepared.converted ? "converted" : "cached"})`);

  for (const [label, set] of [["short (~8 tokens)", shortTexts()], ["sentences (~20 tokens)", texts]] as const) {
    const bare = await benchBareSession(set, seconds);
    console.log(`bare session, ${label}: ${bare.single.toFixed(0)}/s one text per run, ${bare.batched32.toFixed(0)}/s 32 per run`);
  }

  const embedder = await createEmbedder({});
  try {
    for (const concurrency of [1, 8, 64]) {
      const rate = await benchEmbedder(embedder, texts, concurrency, seconds);
      console.log(`embedder, sentences, ${String(concurrency).padStart(2)} concurrent callers: ${rate.toFixed(0)} embeddings/s`);
    }
  } finally {
    await embedder.close();
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
