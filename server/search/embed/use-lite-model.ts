/**
 * Runs the converted Universal Sentence Encoder lite: tokenizes with SentencePiece and feeds the
 * model its sparse input (`indices` [N,2] = (sentence, position), `values` [N] = token id), the
 * layout the original TF.js model takes. The model itself pads, masks, pools and L2-normalises.
 */
import { readFile } from "node:fs/promises";
import * as ort from "onnxruntime-node";
import { countModelRun, type EmbeddingModel, sessionOptions } from "./embedding-model.js";
import { type SentencePieceVocab, SentencePieceTokenizer } from "./sentencepiece-tokenizer.js";

/** USE-lite reads at most this many tokens per sentence (its graph drops positions >= 128). */
export const USE_MAX_TOKENS = 128;

/** Builds the sparse input tensors for rows of token ids. Every row must be non-empty. */
export function sparseBatch(rows: readonly (readonly number[])[]): { indices: ort.Tensor; values: ort.Tensor } {
  const n = rows.reduce((s, r) => s + r.length, 0);
  const indices = new BigInt64Array(n * 2);
  const values = new BigInt64Array(n);
  let k = 0;
  rows.forEach((row, i) => {
    if (row.length === 0) throw new Error(`row ${i} has no tokens`);
    row.forEach((id, j) => {
      indices[2 * k] = BigInt(i);
      indices[2 * k + 1] = BigInt(j);
      values[k++] = BigInt(id);
    });
  });
  return { indices: new ort.Tensor("int64", indices, [n, 2]), values: new ort.Tensor("int64", values, [n]) };
}

/**
 * Whitespace runs become one space, ends trimmed, as SentencePiece's own normaliser does: the TF.js
 * tokenizer only maps ASCII spaces to "▁", so a newline (one line per JSON leaf in object texts)
 * would be an unknown token and the next word would lose its word start. Texts without such runs
 * are unchanged.
 */
function spaced(text: string): string {
  return /\s\s|[^\S ]|^\s|\s$/.test(text) ? text.replace(/\s+/g, " ").trim() : text;
}

export interface UseLiteModelOptions {
  modelPath: string;
  vocabPath: string;
  modelId: string;
  intraOpThreads: number;
}

/** Loads the converted model and its vocabulary. */
export async function loadUseLiteModel(options: UseLiteModelOptions): Promise<EmbeddingModel> {
  const vocab = JSON.parse(await readFile(options.vocabPath, "utf8")) as SentencePieceVocab;
  const tokenizer = new SentencePieceTokenizer(vocab);
  const session = await ort.InferenceSession.create(options.modelPath, sessionOptions(options.intraOpThreads));
  const output = session.outputNames[0]!;
  const dimension = 512;

  // An empty text (or one NFKC normalises to nothing) has no tokens, and the model cannot represent
  // an empty row: it would silently shrink the batch. Such a text is embedded as a lone word start "▁".
  const encode = (text: string): number[] => {
    const ids = tokenizer.encode(spaced(text), USE_MAX_TOKENS);
    return ids.length > 0 ? ids : [tokenizer.separatorId >= 0 ? tokenizer.separatorId : 0];
  };

  return {
    modelId: options.modelId,
    dimension,
    window: USE_MAX_TOKENS,
    countTokens: (text) => tokenizer.encode(spaced(text)).length,
    async embedBatch(texts) {
      if (texts.length === 0) return [];
      countModelRun();
      const result = await session.run(sparseBatch(texts.map(encode)), [output]);
      const tensor = result[output]!;
      if (tensor.dims[0] !== texts.length || tensor.dims[1] !== dimension) {
        throw new Error(`model returned [${tensor.dims}] for ${texts.length} texts`);
      }
      const data = tensor.data as Float32Array;
      // Copies, so callers never hold the whole batch's buffer alive through one vector.
      return texts.map((_, i) => data.slice(i * dimension, (i + 1) * dimension));
    },
    release: () => session.release(),
  };
}
