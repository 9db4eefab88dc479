/**
 * The sentence-transformers loader on tiny BERT-shaped models the test writes itself (see
 * tiny-bert.ts), run by the real onnxruntime: mean pooling over the attention mask, L2 norm,
 * dimension from the model, optional token_type_ids, and a modelId that follows the files.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { createEmbedder } from "../../server/search/embed/index.js";
import { WordPieceTokenizer } from "../../server/search/embed/wordpiece-tokenizer.js";
import { type TinyBert, expectedEmbedding, writeTinyBert } from "./tiny-bert.js";

type Embedder = Awaited<ReturnType<typeof createEmbedder>>;

const norm = (v: Float32Array): number => Math.hypot(...v);
const maxDiff = (a: Float32Array, b: Float32Array): number => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);

describe("sentence-transformers loader (tiny BERT)", () => {
  const made: TinyBert[] = [];
  const embedders: Embedder[] = [];
  const load = async (bert: TinyBert, extra: Parameters<typeof createEmbedder>[0] = {}): Promise<Embedder> => {
    const e = await createEmbedder({ modelDir: bert.dir, threads: 1, ...extra });
    embedders.push(e);
    return e;
  };
  const make = (options: Parameters<typeof writeTinyBert>[0]): TinyBert => {
    const bert = writeTinyBert(options);
    made.push(bert);
    return bert;
  };
  const idsOf = (bert: TinyBert, text: string): number[] =>
    WordPieceTokenizer.fromJson(readFileSync(path.join(bert.dir, "tokenizer.json"), "utf8")).encode(text).ids;

  afterAll(async () => {
    await Promise.all(embedders.map((e) => e.close()));
    for (const m of made) rmSync(m.dir, { recursive: true, force: true });
  });

  it("mean-pools over the mask and normalises: matches the model computed by hand", async () => {
    const bert = make({ hidden: 8 });
    const e = await load(bert);
    const texts = ["hello world", "the cat sat on the mat", "Unbelievable!", ""];
    const vectors = await e.embed(texts);
    texts.forEach((t, i) => {
      expect(vectors[i]).toHaveLength(8);
      expect(maxDiff(vectors[i]!, expectedEmbedding(bert, idsOf(bert, t)))).toBeLessThan(1e-5);
      expect(norm(vectors[i]!)).toBeCloseTo(1, 5);
    });
  });

  it("gives a text the same vector alone and padded in a batch with a longer one", async () => {
    const bert = make({ hidden: 8 });
    const e = await load(bert, { batchWindowMs: 20 });
    const [alone] = await e.embed(["a dog"]);
    const runs = e.runCount;
    // Sent together, so they share one run and "a dog" is padded to the longer text's length.
    const [padded, long] = await e.embed(["a dog", "the cat sat on the mat , the dog sat on the cat"]);
    expect(e.runCount).toBe(runs + 1);
    expect(maxDiff(alone!, padded!)).toBeLessThan(1e-6);
    expect(maxDiff(alone!, long!)).toBeGreaterThan(0.01);
  });

  it("takes its dimension from the model", async () => {
    const e = await load(make({ hidden: 12, seed: 3 }));
    expect(e.dimension).toBe(12);
    const [v] = await e.embed(["hello"]);
    expect(v).toHaveLength(12);
    expect(norm(v!)).toBeCloseTo(1, 5);
  });

  it("works with exports that have no token_type_ids input", async () => {
    const bert = make({ hidden: 8, tokenTypes: false });
    const e = await load(bert);
    const [v] = await e.embed(["cats on a mat"]);
    expect(maxDiff(v!, expectedEmbedding(bert, idsOf(bert, "cats on a mat")))).toBeLessThan(1e-5);
  });

  it("truncates long texts to the tokenizer's max_length", async () => {
    const bert = make({ hidden: 8, maxLength: 8 });
    const e = await load(bert);
    const long = "the cat sat on the mat ".repeat(20);
    const ids = idsOf(bert, long);
    expect(ids).toHaveLength(8);
    const [v] = await e.embed([long]);
    expect(maxDiff(v!, expectedEmbedding(bert, ids))).toBeLessThan(1e-5);
  });

  it("names the model after its folder and content, so a changed model gets a new id", async () => {
    const bert = make({ hidden: 8, seed: 11 });
    const first = await load(bert);
    expect(first.modelId).toMatch(new RegExp(`^${path.basename(bert.dir)}-[0-9a-f]{12}$`));
    const again = await load(bert);
    expect(again.modelId).toBe(first.modelId);
    const tok = JSON.parse(readFileSync(path.join(bert.dir, "tokenizer.json"), "utf8"));
    tok.truncation.max_length = 12;
    writeFileSync(path.join(bert.dir, "tokenizer.json"), JSON.stringify(tok));
    const changed = await load(bert);
    expect(changed.modelId).not.toBe(first.modelId);
  });

  it("fails to load a folder without a model", async () => {
    const bert = make({ hidden: 8 });
    rmSync(path.join(bert.dir, "model.onnx"));
    await expect(createEmbedder({ modelDir: bert.dir })).rejects.toThrow();
  });
});
