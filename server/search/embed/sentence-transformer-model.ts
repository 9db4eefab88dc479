/**
 * Loads a sentence-transformers ONNX export from a folder (`model.onnx` + `tokenizer.json`, e.g.
 * all-MiniLM-L6-v2) and embeds like sentence-transformers does for those models: BERT inputs padded
 * to the longest text of the batch, mean pooling of the token vectors over the attention mask, then
 * L2 normalisation. Padding therefore never changes a text's vector (up to float rounding).
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import * as path from "node:path";
import * as ort from "onnxruntime-node";
import { countModelRun, type EmbeddingModel, normalizeInPlace, sessionOptions } from "./embedding-model.js";
import { WordPieceTokenizer } from "./wordpiece-tokenizer.js";

export interface SentenceTransformerOptions {
  modelDir: string;
  intraOpThreads: number;
}

const KNOWN_INPUTS = new Set(["input_ids", "attention_mask", "token_type_ids"]);
/** Output names that hold per-token vectors, in order of preference; else the first output. */
const TOKEN_OUTPUTS = ["last_hidden_state", "token_embeddings"];

async function shortHash(files: readonly string[]): Promise<string> {
  const hash = createHash("sha256");
  for (const f of files) for await (const chunk of createReadStream(f)) hash.update(chunk as Buffer);
  return hash.digest("hex").slice(0, 12);
}

/** Builds the padded int64 [batch, seq] inputs the model declares. */
function bertInputs(rows: readonly number[][], padId: number, inputNames: readonly string[]): { feeds: Record<string, ort.Tensor>; mask: BigInt64Array; seq: number } {
  const batch = rows.length;
  const seq = Math.max(...rows.map((r) => r.length));
  const ids = new BigInt64Array(batch * seq).fill(BigInt(padId));
  const mask = new BigInt64Array(batch * seq);
  rows.forEach((row, b) => {
    row.forEach((id, t) => {
      ids[b * seq + t] = BigInt(id);
      mask[b * seq + t] = 1n;
    });
  });
  const dims = [batch, seq];
  const all: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor("int64", ids, dims),
    attention_mask: new ort.Tensor("int64", mask, dims),
    // Single-segment input: every token is segment 0.
    token_type_ids: new ort.Tensor("int64", new BigInt64Array(batch * seq), dims),
  };
  const feeds: Record<string, ort.Tensor> = {};
  for (const name of inputNames) feeds[name] = all[name]!;
  return { feeds, mask, seq };
}

/** Mean of the token vectors whose mask is 1, per row; [batch, seq, dim] → batch × [dim]. */
function meanPool(hidden: Float32Array, mask: BigInt64Array, batch: number, seq: number, dim: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (let b = 0; b < batch; b++) {
    const v = new Float32Array(dim);
    let count = 0;
    for (let t = 0; t < seq; t++) {
      if (mask[b * seq + t] === 0n) continue;
      count++;
      const base = (b * seq + t) * dim;
      for (let k = 0; k < dim; k++) v[k]! += hidden[base + k]!;
    }
    // sentence-transformers clamps the count at 1e-9; every row has at least its special tokens.
    const scale = 1 / Math.max(count, 1e-9);
    for (let k = 0; k < dim; k++) v[k]! *= scale;
    out.push(normalizeInPlace(v));
  }
  return out;
}

/**
 * Loads `modelDir/model.onnx` and `modelDir/tokenizer.json`. The dimension is read from a warm-up
 * run, so any hidden size works; `modelId` is the folder name plus a hash of both files.
 */
export async function loadSentenceTransformerModel(options: SentenceTransformerOptions): Promise<EmbeddingModel> {
  const modelPath = path.join(options.modelDir, "model.onnx");
  const tokenizerPath = path.join(options.modelDir, "tokenizer.json");
  const tokenizer = WordPieceTokenizer.fromJson(await readFile(tokenizerPath, "utf8"));
  const session = await ort.InferenceSession.create(modelPath, sessionOptions(options.intraOpThreads));
  try {
    for (const name of session.inputNames) {
      if (!KNOWN_INPUTS.has(name)) throw new Error(`${modelPath}: unexpected model input ${name}`);
    }
    if (!session.inputNames.includes("input_ids")) throw new Error(`${modelPath}: the model has no input_ids input`);
    const output = TOKEN_OUTPUTS.find((n) => session.outputNames.includes(n)) ?? session.outputNames[0]!;
    const modelId = `${path.basename(path.resolve(options.modelDir))}-${await shortHash([modelPath, tokenizerPath])}`;

    const run = async (texts: readonly string[]): Promise<Float32Array[]> => {
      const rows = texts.map((t) => tokenizer.encode(t).ids);
      const { feeds, mask, seq } = bertInputs(rows, tokenizer.padId, session.inputNames);
      countModelRun();
      const result = (await session.run(feeds, [output]))[output]!;
      const data = result.data as Float32Array;
      if (result.dims.length === 2) {
        // Already pooled by the export (a sentence_embedding output): only normalise.
        const dim = result.dims[1]!;
        return texts.map((_, b) => normalizeInPlace(data.slice(b * dim, (b + 1) * dim)));
      }
      if (result.dims.length !== 3 || result.dims[0] !== texts.length || result.dims[1] !== seq) {
        throw new Error(`${modelPath}: output ${output} has shape [${result.dims}], expected [batch, seq, hidden]`);
      }
      return meanPool(data, mask, texts.length, seq, result.dims[2]!);
    };

    const dimension = (await run(["warm up"]))[0]!.length;
    return {
      modelId,
      dimension,
      window: tokenizer.window,
      countTokens: (text) => tokenizer.countTokens(text),
      embedBatch: async (texts) => (texts.length === 0 ? [] : run(texts)),
      release: () => session.release(),
    };
  } catch (e) {
    await session.release();
    throw e;
  }
}
