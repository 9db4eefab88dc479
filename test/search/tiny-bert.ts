/**
 * Test helper: writes a tiny BERT-shaped sentence-transformers folder (model.onnx + tokenizer.json)
 * so the sentence-transformers loader runs for real in onnxruntime without a downloaded model.
 *
 * The model: hidden = tanh((word[input_ids] + type[token_type_ids] + position[t]) · W + b), output
 * `last_hidden_state` [batch, seq, hidden]. Simple enough that `expectedEmbedding` computes the exact
 * answer in JS, yet every token (padding included) gets a distinct non-zero vector, so pooling that
 * ignored the attention mask would show.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { OnnxGraphBuilder, makeTensor } from "../../server/search/embed/onnx-builder.js";

/** Vocabulary of the tiny tokenizer (index = id). */
export const TINY_VOCAB = [
  "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
  "hello", "world", "the", "cat", "sat", "on", "mat", "##s", "un", "##believ", "##able", "cafe",
  ",", ".", "!", "?", "a", "dog", "##gy",
];

export interface TinyBertOptions {
  hidden: number;
  /** Declare a token_type_ids input (real BERT exports do; some exports drop it). */
  tokenTypes?: boolean;
  /** tokenizer.json truncation.max_length; null writes `"truncation": null`. */
  maxLength?: number | null;
  /** Seed of the deterministic weights. */
  seed?: number;
}

export interface TinyBert {
  dir: string;
  weights: { word: Float32Array; type: Float32Array; position: Float32Array; w: Float32Array; b: Float32Array };
  hidden: number;
}

const MAX_POSITIONS = 64;

/** Small deterministic pseudo-random floats in [-1, 1). */
function weights(count: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: count }, () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) / 2 ** 32) * 2 - 1;
  });
}

function tokenizerJson(maxLength: number | null): object {
  return {
    version: "1.0",
    truncation: maxLength === null ? null : { direction: "Right", max_length: maxLength, strategy: "LongestFirst", stride: 0 },
    padding: null,
    added_tokens: [],
    normalizer: { type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: {
      type: "TemplateProcessing",
      single: [{ SpecialToken: { id: "[CLS]", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }, { SpecialToken: { id: "[SEP]", type_id: 0 } }],
      pair: [],
      special_tokens: { "[CLS]": { id: "[CLS]", ids: [2], tokens: ["[CLS]"] }, "[SEP]": { id: "[SEP]", ids: [3], tokens: ["[SEP]"] } },
    },
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: {
      type: "WordPiece",
      unk_token: "[UNK]",
      continuing_subword_prefix: "##",
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(TINY_VOCAB.map((t, i) => [t, i])),
    },
  };
}

/** Writes the folder into a fresh temp dir (named `tiny-bert-h<hidden>-…`) and returns it. */
export function writeTinyBert(options: TinyBertOptions): TinyBert {
  const { hidden, tokenTypes = true, maxLength = 16, seed = 7 } = options;
  const dir = mkdtempSync(path.join(tmpdir(), `tiny-bert-h${hidden}-`));
  const w = {
    word: weights(TINY_VOCAB.length * hidden, seed),
    type: weights(2 * hidden, seed + 1),
    position: weights(MAX_POSITIONS * hidden, seed + 2),
    w: weights(hidden * hidden, seed + 3),
    b: weights(hidden, seed + 4),
  };

  const g = new OnnxGraphBuilder(17);
  const ids = g.input("input_ids", "int64", ["batch", "seq"]);
  g.input("attention_mask", "int64", ["batch", "seq"]);
  const types = tokenTypes ? g.input("token_type_ids", "int64", ["batch", "seq"]) : undefined;
  const word = g.initializer(makeTensor("word_embeddings", "float", [TINY_VOCAB.length, hidden], w.word));
  const type = g.initializer(makeTensor("token_type_embeddings", "float", [2, hidden], w.type));
  const position = g.initializer(makeTensor("position_embeddings", "float", [MAX_POSITIONS, hidden], w.position));
  const dense = g.initializer(makeTensor("dense_w", "float", [hidden, hidden], w.w));
  const bias = g.initializer(makeTensor("dense_b", "float", [hidden], w.b));

  // Positions 0..seq-1 from the input's shape, so padding really moves through the model.
  const seq = g.op("Gather", [g.op("Shape", [ids]), g.int64("one", [1], [])], { axis: 0 });
  const positions = g.op("Range", [g.int64("zero", [0], []), seq, g.int64("step", [1], [])]);
  let x = g.op("Add", [g.op("Gather", [word, ids], { axis: 0 }), g.op("Gather", [position, positions], { axis: 0 })]);
  if (types) x = g.op("Add", [x, g.op("Gather", [type, types], { axis: 0 })]);
  else x = g.op("Add", [x, g.op("Gather", [type, g.int64("type0", [0], [])], { axis: 0 })]);
  g.op("Tanh", [g.op("Add", [g.op("MatMul", [x, dense]), bias])], {}, "last_hidden_state");
  g.output("last_hidden_state", "float", ["batch", "seq", hidden]);

  writeFileSync(path.join(dir, "model.onnx"), g.build("tiny_bert"));
  writeFileSync(path.join(dir, "tokenizer.json"), JSON.stringify(tokenizerJson(maxLength)));
  return { dir, weights: w, hidden };
}

/** The embedding the loader must produce for token ids `ids` (specials included): computed in JS. */
export function expectedEmbedding(model: TinyBert, ids: readonly number[]): Float32Array {
  const h = model.hidden;
  const { word, type, position, w, b } = model.weights;
  const sum = new Float64Array(h);
  ids.forEach((id, t) => {
    const x = Array.from({ length: h }, (_, k) => word[id * h + k]! + type[k]! + position[t * h + k]!);
    for (let j = 0; j < h; j++) {
      let acc = b[j]!;
      for (let k = 0; k < h; k++) acc += x[k]! * w[k * h + j]!;
      sum[j]! += Math.tanh(acc);
    }
  });
  const mean = Array.from(sum, (v) => v / ids.length);
  const norm = Math.hypot(...mean);
  return Float32Array.from(mean, (v) => v / norm);
}
