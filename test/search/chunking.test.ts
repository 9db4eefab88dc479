/**
 * Long texts are split into overlapping windows that fit the model (USE-lite reads 128 tokens and
 * ignores the rest), each embedded; short texts stay one chunk, embedded exactly as before.
 * The real SentencePiece tokenizer counts tokens; the real model embeds.
 */
import { readFileSync } from "node:fs";
import { chunkText } from "../../server/search/embed/chunker.js";
import { createEmbedder, ensureBundledModel, SentencePieceTokenizer, type OnnxEmbedder } from "../../server/search/embed/index.js";

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

/** ~300 tokens: a support policy whose last paragraph, about pets, is far past the first window. */
const POLICY =
  "Shipping policy. Orders placed before noon on a working day leave our warehouse the same day and are delivered " +
  "by a tracked courier within two to four working days in most of Europe. Orders to islands, to mountain villages " +
  "and to countries outside the customs union can take up to ten days, and the courier may ask the recipient to pay " +
  "import duties on delivery. We send a tracking link by email as soon as the parcel leaves, and a second message " +
  "when the courier has it out for delivery. If nobody is at home the courier leaves a card and tries again the next " +
  "working day; after three attempts the parcel waits at the nearest pickup point for fourteen days and then comes " +
  "back to us, and we refund the order minus the shipping cost. Returns are free within thirty days for unused items " +
  "in their original packaging; print the label from your account page and drop the parcel at any post office. " +
  "Refunds reach the original payment method within five working days of the return arriving at our warehouse. " +
  "Pets and animals: we cannot ship live animals, and aquarium fish, reptiles and birds are not sold online; pet food " +
  "and dog toys ship like any other item, but cat litter over ten kilograms goes by freight and costs extra.";

describe("chunking", () => {
  let tokenizer: SentencePieceTokenizer;
  let embedder: OnnxEmbedder;
  const count = (t: string) => tokenizer.encode(t).length;
  beforeAll(async () => {
    const model = await ensureBundledModel();
    tokenizer = new SentencePieceTokenizer(JSON.parse(readFileSync(model.vocabPath, "utf8")));
    embedder = await createEmbedder();
  });
  afterAll(async () => {
    await embedder.close();
  });

  it("windows of at most 128 tokens, on word boundaries, overlapping, covering the whole text", () => {
    const total = count(POLICY);
    expect(total).toBeGreaterThan(256);
    const spans = chunkText(POLICY, count, { window: 128, overlap: 32, maxChunks: 16 });
    expect(spans.length).toBeGreaterThanOrEqual(3);
    expect(spans[0][0]).toBe(0);
    expect(spans.at(-1)![1]).toBe(POLICY.length);
    spans.forEach(([start, end], i) => {
      const chunk = POLICY.slice(start, end);
      expect(count(chunk)).toBeLessThanOrEqual(128);
      expect(start === 0 || /\s/.test(POLICY[start - 1]!)).toBe(true);
      expect(end === POLICY.length || /\s/.test(POLICY[end]!)).toBe(true);
      if (i > 0) {
        const [prevStart, prevEnd] = spans[i - 1];
        expect(start).toBeGreaterThan(prevStart);
        expect(start).toBeLessThan(prevEnd); // overlap
        const shared = count(POLICY.slice(start, prevEnd));
        expect(shared).toBeGreaterThan(0);
        expect(shared).toBeLessThanOrEqual(32);
      }
    });
  });

  it("a text that fits is one chunk, the whole text; maxChunks caps the rest", () => {
    expect(chunkText("How do I reset my password?", count, { window: 128, overlap: 32, maxChunks: 16 })).toEqual([[0, 27]]);
    expect(chunkText(POLICY, count, { window: 128, overlap: 32, maxChunks: 2 })).toHaveLength(2);
    expect(chunkText("", count, { window: 128, overlap: 32, maxChunks: 16 })).toEqual([[0, 0]]);
  });

  it("embedDocuments embeds every chunk; the tail is found by the chunk that holds it", async () => {
    const [doc] = await embedder.embedDocuments([POLICY]);
    expect(doc.vectors.length).toBe(doc.spans.length);
    expect(doc.vectors.length).toBeGreaterThanOrEqual(3);
    const [first] = await embedder.embed([POLICY.slice(...doc.spans[0])]);
    expect(dot(first!, doc.vectors[0]!)).toBeGreaterThan(0.9999);
    // Truncated at 128 tokens, the whole text's single vector never saw the paragraph about pets.
    const [whole, query] = await embedder.embed([POLICY, "can you ship a live animal like a pet bird"]);
    const best = Math.max(...doc.vectors.map((v) => dot(v, query!)));
    const last = doc.vectors.length - 1;
    expect(dot(doc.vectors[last]!, query!)).toBe(best);
    expect(best).toBeGreaterThan(dot(whole!, query!) + 0.05);
  });

  it("a short document is one chunk with the same vector as a query of the same text", async () => {
    const [doc] = await embedder.embedDocuments(["How do I reset my password?"]);
    const [query] = await embedder.embed(["How do I reset my password?"]);
    expect(doc.spans).toEqual([[0, 27]]);
    expect(dot(doc.vectors[0]!, query!)).toBeGreaterThan(0.99999);
  });
});
