import { createFabric, type FabricCore } from "../../server/fabric.js";
import { createEmbedder } from "../../server/search/embed/index.js";
import { createMemoryVectorIndex } from "../../server/search/index/memory.js";
import { createMemoryStore } from "../../server/store/memory.js";
import { DISTRACTORS, DOCUMENTS } from "./quality-corpus.js";

/** The bundled model finds the intended paraphrase first in at least 90% of the hand-written queries. */
describe("search quality with the bundled model", () => {
  let fabric: FabricCore;
  beforeAll(async () => {
    const embedder = await createEmbedder();
    const index = createMemoryVectorIndex();
    await index.init(embedder.dimension);
    fabric = createFabric({ store: createMemoryStore(), search: { embedder, index, indexKind: "memory" } });
    const pipe = fabric.pipeline();
    for (const d of DOCUMENTS) pipe.setContext({ key: d.key, value: d.text });
    DISTRACTORS.forEach((text, i) => pipe.setContext({ key: `distractor:${i}`, value: text }));
    await pipe.execute();
  });
  afterAll(async () => {
    await fabric.close();
  });

  async function topOneRate(label: string, queryOf: (d: (typeof DOCUMENTS)[number]) => string): Promise<number> {
    const misses: string[] = [];
    for (const d of DOCUMENTS) {
      const [top] = await fabric.search({ query: queryOf(d), limit: 1, waitForIndex: true });
      if (top?.key !== d.key) misses.push(`"${queryOf(d)}" → ${top?.key} (wanted ${d.key})`);
    }
    const rate = (DOCUMENTS.length - misses.length) / DOCUMENTS.length;
    console.log(`search quality, ${label}: ${DOCUMENTS.length - misses.length}/${DOCUMENTS.length} = ${(rate * 100).toFixed(1)}% top-1${misses.length ? `\nmisses:\n  ${misses.join("\n  ")}` : ""}`);
    return rate;
  }

  test(`the intended document ranks first for >= 90% of ${DOCUMENTS.length} user queries`, async () => {
    expect(DOCUMENTS.length).toBeGreaterThanOrEqual(30);
    expect(await topOneRate("user queries", (d) => d.query)).toBeGreaterThanOrEqual(0.9);
  });

  test("the adversarial set (almost no shared words) is measured and better than chance", async () => {
    // Printed for the record; USE-lite is a small model and these are hard. Chance is 1/44.
    expect(await topOneRate("adversarial queries", (d) => d.hardQuery)).toBeGreaterThan(0.25);
  });
});
