/**
 * Checks the converted USE-lite ONNX model against the original TF.js graph, run by TensorFlow.js
 * itself (the `@energetic-ai/core` WebAssembly build, installed as the model package's peer
 * dependency). Both get the same token ids, so this isolates the converter; prints the largest
 * per-component difference. A development tool, not part of start-up.
 *
 *   npx tsx scripts/model/compare-with-tfjs.ts [cacheDir]
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as ort from "onnxruntime-node";
import { bundledSourceDir, ensureBundledModel } from "../../server/search/embed/bundled-model.js";
import { SentencePieceTokenizer } from "../../server/search/embed/sentencepiece-tokenizer.js";
import { sparseBatch } from "../../server/search/embed/use-lite-model.js";

// The TF.js API surface used here, typed locally: its own typings pull in packages we do not install.
interface TfTensor {
  array(): Promise<number[][]>;
  dispose(): void;
}
interface TfJs {
  ready(): Promise<void>;
  loadGraphModel(url: string): Promise<{ executeAsync(inputs: Record<string, TfTensor>): Promise<TfTensor> }>;
  tensor2d(values: number[][], shape: [number, number], dtype: "int32"): TfTensor;
  tensor1d(values: number[], dtype: "int32"): TfTensor;
}

const SENTENCES = [
  "How do I reset my password?",
  "I forgot my login credentials",
  "The weather is sunny today",
  "the fox jumped over the lazy dog",
  "Ça va? Naïve café — 東京 😹😹 ::: https://example.com/a?b=c",
  "A much longer sentence that goes on and on, with commas, numbers like 3.14159 and 42, and words like antidisestablishmentarianism.",
  "x",
];

async function main(): Promise<void> {
  const model = await ensureBundledModel(process.argv[2]);
  const tokenizer = new SentencePieceTokenizer(JSON.parse(readFileSync(model.vocabPath, "utf8")));
  const ids = SENTENCES.map((s) => tokenizer.encode(s, 128));

  const session = await ort.InferenceSession.create(model.modelPath, { intraOpNumThreads: 2, interOpNumThreads: 1 });
  const { indices, values } = sparseBatch(ids);
  const onnxOut = (await session.run({ indices, values })).embeddings!.data as Float32Array;

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tf = require("@energetic-ai/core") as TfJs;
  await tf.ready();
  const graph = await tf.loadGraphModel(`file://${path.join(bundledSourceDir(), "model.json")}`);
  const pairs = ids.flatMap((row, i) => row.map((_, j) => [i, j]));
  const tfOut = await graph.executeAsync({
    indices: tf.tensor2d(pairs, [pairs.length, 2], "int32"),
    values: tf.tensor1d(ids.flat(), "int32"),
  });
  const reference = await tfOut.array();

  let worst = 0;
  reference.forEach((row, i) => row.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - onnxOut[i * 512 + k]!)))));
  console.log(`${SENTENCES.length} sentences, max |onnx - tfjs| = ${worst.toExponential(2)}`);
  await session.release();
  if (worst > 1e-4) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
