/**
 * The indexer embeds only the newest text of a key: changes superseded while they wait are never
 * embedded, a delete cancels a pending embed, a failed step is retried with what superseded it, and
 * `waitForIndex` still means "every acknowledged write is reflected". The real model embeds; a gate
 * in front of it holds the first model call so that writes pile up behind it deterministically.
 */
import { createFabric, type FabricCore } from "../../server/fabric.js";
import { createEmbedder, type OnnxEmbedder } from "../../server/search/embed/index.js";
import { createMemoryVectorIndex } from "../../server/search/index/memory.js";
import type { Indexer } from "../../server/search/indexer.js";
import type { Embedder } from "../../server/search/types.js";
import { createMemoryStore } from "../../server/store/memory.js";
import { eventually } from "../support/harness.js";

let model: OnnxEmbedder;
beforeAll(async () => {
  model = await createEmbedder();
});
afterAll(async () => {
  await model.close();
});

/** The real embedder behind a gate: every call is recorded; while held, calls wait. */
function gated(): { embedder: Embedder; calls: string[][]; hold(): void; release(): void; failNext(): void } {
  let gate: Promise<void> = Promise.resolve();
  let open: () => void = () => {};
  let failures = 0;
  const calls: string[][] = [];
  return {
    calls,
    hold: () => (gate = new Promise<void>((r) => (open = r))),
    release: () => open(),
    failNext: () => failures++,
    embedder: {
      dimension: model.dimension,
      modelId: model.modelId,
      async embed(texts, options) {
        calls.push([...texts]);
        await gate;
        if (failures > 0) {
          failures--;
          throw Object.assign(new Error("embedder queue is full (test)"), { code: "RESOURCE_EXHAUSTED" });
        }
        return model.embed(texts, options);
      },
      close: async () => {},
    },
  };
}

async function fabricWith(embedder: Embedder): Promise<{ fabric: FabricCore; indexer: Indexer }> {
  const index = createMemoryVectorIndex();
  await index.init(model.dimension);
  const fabric = createFabric({ store: createMemoryStore(), search: { embedder, index, indexKind: "memory" } });
  const indexer = (fabric as unknown as { indexer: Indexer }).indexer;
  await indexer.ready;
  return { fabric, indexer };
}

test("200 writes to one key while the embedder is busy: only the first and the last text are embedded", async () => {
  const g = gated();
  const { fabric, indexer } = await fabricWith(g.embedder);
  g.hold();
  await fabric.setContext({ key: "prompt:support", value: "version 0 of the prompt" });
  await eventually(() => g.calls.length === 1, "the first embed to start");
  // More writes than one indexing step takes (64): coalescing is per key, not per step.
  for (let i = 1; i <= 200; i++) await fabric.setContext({ key: "prompt:support", value: `You answer questions about invoices, version ${i}` });
  g.release();

  const [hit] = await fabric.search({ query: "invoices", waitForIndex: true });
  expect(hit).toMatchObject({ key: "prompt:support", value: "You answer questions about invoices, version 200" });
  // The search query itself goes to the embedder too: leave it out.
  const indexed = g.calls.filter((c) => c[0] !== "invoices");
  expect(indexed).toEqual([["version 0 of the prompt"], ["You answer questions about invoices, version 200"]]);
  expect(indexer.stats()).toEqual({ embedded: 2, chunks: 2, superseded: 199, pending: 0 });
  expect(indexer.indexedRevision).toBe(201);
  await fabric.close();
});

test("a delete cancels a pending embed", async () => {
  const g = gated();
  const { fabric, indexer } = await fabricWith(g.embedder);
  g.hold();
  await fabric.setContext({ key: "a", value: "the first context" });
  await eventually(() => g.calls.length === 1, "the first embed to start");
  await fabric.setContext({ key: "b", value: "a secret that is deleted before it is indexed" });
  await fabric.setContext({ key: "b", value: "the secret, edited" });
  await fabric.deleteContext({ key: "b" });
  g.release();

  await fabric.search({ query: "secret", waitForIndex: true });
  expect(g.calls.filter((c) => c[0] !== "secret")).toEqual([["the first context"]]);
  expect(indexer.stats()).toMatchObject({ embedded: 1, superseded: 2 });
  expect((await fabric.searchStatus()).vectors).toBe(1);
  await fabric.close();
});

test("many keys written several times each: one embedding per key, one step for all", async () => {
  const g = gated();
  const { fabric, indexer } = await fabricWith(g.embedder);
  g.hold();
  await fabric.setContext({ key: "warm", value: "holds the embedder" });
  await eventually(() => g.calls.length === 1, "the first embed to start");
  for (let round = 0; round < 5; round++) {
    await fabric.batch(Array.from({ length: 40 }, (_, i) => ({ op: "set" as const, key: `note:${i}`, value: `note ${i}, round ${round}` })));
  }
  g.release();
  await fabric.search({ query: "note", waitForIndex: true });
  const steps = g.calls.slice(1).filter((c) => c[0] !== "note");
  expect(steps).toHaveLength(1);
  const texts = steps[0];
  expect(texts).toHaveLength(40);
  expect(new Set(texts)).toEqual(new Set(Array.from({ length: 40 }, (_, i) => `note ${i}, round 4`)));
  expect(indexer.stats()).toEqual({ embedded: 41, chunks: 41, superseded: 160, pending: 0 });
  expect((await fabric.searchStatus()).vectors).toBe(41);
  await fabric.close();
});

test("a failed step is retried with the newest text of its keys; nothing is lost", async () => {
  const g = gated();
  const { fabric, indexer } = await fabricWith(g.embedder);
  g.hold();
  g.failNext();
  await fabric.setContext({ key: "k", value: "first text, whose embedding fails" });
  await eventually(() => g.calls.length === 1, "the first embed to start");
  await fabric.setContext({ key: "k", value: "second text about gardening" });
  g.release();
  const [hit] = await fabric.search({ query: "gardening", waitForIndex: true });
  expect(hit).toMatchObject({ key: "k", value: "second text about gardening" });
  expect(g.calls.filter((c) => c[0] !== "gardening")).toEqual([["first text, whose embedding fails"], ["second text about gardening"]]);
  expect(indexer.indexedRevision).toBe(2);
  await fabric.close();
});
