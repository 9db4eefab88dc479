/**
 * Filters are applied inside the index: with 10,000 users' memories indexed, a USER-bound caller's
 * search returns exactly the top 10 that a search over that user's contexts alone returns, in the
 * in-process index (in HNSW mode) and over the Qdrant adapter (the loopback stand-in, validated
 * against Qdrant's schema), in hybrid and in vector ranking. The real model embeds; texts are
 * embedded once and the vectors reused for the second index (a memo in front of the model).
 */
import type { Fabric, SearchMode } from "@cache-fabric/client/api";
import { authorizeFabric } from "../../server/access/authorize-fabric.js";
import type { Principal } from "../../server/access/policy.js";
import { compileGlob } from "../../server/contexts/glob.js";
import { createFabric, type FabricCore } from "../../server/fabric.js";
import { createEmbedder, type OnnxEmbedder } from "../../server/search/embed/index.js";
import { createMemoryVectorIndex } from "../../server/search/index/memory.js";
import { createQdrantVectorIndex } from "../../server/search/index/qdrant.js";
import type { DocumentVectors, Embedder, VectorIndex } from "../../server/search/types.js";
import { createMemoryStore } from "../../server/store/memory.js";
import { startQdrantStandIn, type QdrantStandIn } from "../support/qdrant-standin.js";

const USERS = 10_000;
const FOCUS = ["u17", "u4242", "u9001"];
const HOBBIES = [
  "hiking",
  "chess",
  "baking sourdough",
  "watercolour painting",
  "jazz piano",
  "road cycling",
  "bird watching",
  "salsa dancing",
  "rock climbing",
  "knitting",
];
const FOODS = ["spicy Thai curries", "vegan ramen", "Italian espresso", "Mexican tacos", "Japanese sushi", "French cheese", "Indian dal", "Greek salads"];
const TASKS = [
  "renew the passport",
  "book a dentist appointment",
  "pay the electricity bill",
  "call grandma on Sunday",
  "return the library books",
  "fix the bike tyre",
  "plan the team offsite",
  "send the tax documents",
];

/** One memory per user, plus 30 for each focus user: about their plans, tastes and chores. */
function memories(): Array<{ key: string; text: string }> {
  const out: Array<{ key: string; text: string }> = [];
  for (let i = 0; i < USERS; i++) {
    out.push({ key: `user:u${i}:memory:0`, text: `Enjoys ${HOBBIES[i % 10]} and ${FOODS[(i * 3) % 8]}; reminder to ${TASKS[(i * 7) % 8]} (note ${i}).` });
  }
  for (const u of FOCUS) {
    for (let m = 1; m <= 30; m++) {
      out.push({
        key: `user:${u}:memory:${m}`,
        text: `Wants to ${TASKS[(m * 5) % 8]} before ${["Monday", "Friday", "the holidays", "next month"][m % 4]}; lately into ${HOBBIES[(m * 3) % 10]} and ${FOODS[m % 8]}.`,
      });
    }
  }
  return out;
}

const QUERIES = ["what food does this user like", "remind me about bills and payments", "hobbies involving music", "outdoor sports", "tasks for the weekend"];

let model: OnnxEmbedder;
let standIn: QdrantStandIn;
const memo = new Map<string, DocumentVectors>();

/** The real model behind a memo: each text is embedded once, whichever index asks. */
const memoized = (): Embedder => ({
  dimension: model.dimension,
  modelId: model.modelId,
  embed: (t, o) => model.embed(t, o),
  async embedDocuments(texts, o) {
    const missing = [...new Set(texts.filter((t) => !memo.has(t)))];
    if (missing.length) (await model.embedDocuments(missing, o)).forEach((d, i) => memo.set(missing[i]!, d));
    return texts.map((t) => memo.get(t)!);
  },
  close: async () => {},
});

async function fabricOver(index: VectorIndex, kind: "memory" | "qdrant", data: Array<{ key: string; text: string }>): Promise<FabricCore> {
  await index.init(model.dimension);
  const fabric = createFabric({ store: createMemoryStore({ historySize: 1000 }), search: { embedder: memoized(), index, indexKind: kind, scopes: ["USER"] } });
  for (let i = 0; i < data.length; i += 1000) {
    await fabric.batch(data.slice(i, i + 1000).map((d) => ({ op: "set" as const, scope: "USER" as const, key: d.key, value: d.text })));
  }
  await fabric.search({ query: "ready", scope: "USER", waitForIndex: true }, { timeoutMs: 900_000 });
  return fabric;
}

const userToken = (user: string): Principal => ({ name: `${user}-agent`, user, grants: [{ scope: "USER", read: true, write: true, keys: compileGlob("*") }] });

const top = async (f: Fabric, query: string, mode: SearchMode) =>
  (await f.search({ query, scope: "USER", limit: 10, minSimilarity: -1, mode })).map((r) => ({ key: r.key, similarity: r.similarity, score: r.score }));

describe(`a USER-bound search among ${USERS.toLocaleString("en")} users' memories`, () => {
  const all = memories();
  const fabrics: FabricCore[] = [];
  const refs = new Map<string, FabricCore>();

  beforeAll(async () => {
    // Full priority for the model: this suite checks results, and CI runs a CPU burner beside it.
    model = await createEmbedder({ nice: 0 });
    standIn = await startQdrantStandIn();
    for (const u of FOCUS)
      refs.set(
        u,
        await fabricOver(
          createMemoryVectorIndex(),
          "memory",
          all.filter((d) => d.key.startsWith(`user:${u}:`)),
        ),
      );
  }, 900_000);

  afterAll(async () => {
    for (const f of [...fabrics, ...refs.values()]) await f.close();
    expect(standIn.violations()).toEqual([]);
    await standIn.close();
    await model.close();
  });

  const cases: Array<[string, () => { index: VectorIndex; kind: "memory" | "qdrant" }]> = [
    // exactLimit below the data size: the index serves from its HNSW graph, and must fall back to
    // an exact scan of the user's few vectors rather than starve.
    ["the in-process index (HNSW mode)", () => ({ index: createMemoryVectorIndex({ exactLimit: 5_000 }), kind: "memory" })],
    [
      "the Qdrant adapter (loopback stand-in)",
      () => ({ index: createQdrantVectorIndex({ url: standIn.url, collection: `filters_${Date.now()}` }), kind: "qdrant" }),
    ],
  ];

  test.each(cases)(
    "over %s: the same top 10 as a search over that user's contexts alone",
    async (_name, make) => {
      const { index, kind } = make();
      const fabric = await fabricOver(index, kind, all);
      fabrics.push(fabric);
      if (kind === "memory") expect((index as ReturnType<typeof createMemoryVectorIndex>).stats().mode).toBe("hnsw");
      for (const u of FOCUS) {
        const asUser = authorizeFabric(fabric, { principal: () => userToken(u) });
        for (const mode of ["hybrid", "vector"] as const) {
          for (const q of QUERIES) {
            const got = await top(asUser, q, mode);
            const want = await top(refs.get(u)!, q, mode);
            expect(got.map((r) => r.key)).toEqual(want.map((r) => r.key));
            got.forEach((r, i) => {
              expect(r.similarity).toBeCloseTo(want[i]!.similarity, 5);
              expect(r.score).toBeCloseTo(want[i]!.score, 5);
            });
            expect(got).toHaveLength(10);
            expect(got.every((r) => r.key.startsWith(`user:${u}:`))).toBe(true);
          }
        }
      }
    },
    900_000,
  );
});
