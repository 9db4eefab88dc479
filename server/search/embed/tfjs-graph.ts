/**
 * Reader for a TensorFlow.js graph model on disk (`model.json` + binary weight shards), the format the
 * bundled USE-lite package ships. Only what the ONNX converter needs: the GraphDef nodes and every
 * weight decoded into a typed array by name. Nothing here runs TensorFlow.
 */
import { readFile } from "node:fs/promises";
import * as path from "node:path";

/** A TensorFlow attribute value as the TF.js converter serialises it to JSON. */
export interface TfAttr {
  i?: string | number;
  f?: number;
  b?: boolean;
  s?: string | number[];
  type?: string | number;
  list?: { i?: Array<string | number>; f?: number[]; s?: string[]; type?: Array<string | number> };
  tensor?: unknown;
  shape?: { dim?: Array<{ size: string | number }> };
}

/** One node of the GraphDef. Inputs are `name`, `name:k` (k-th output) or `^name` (control edge). */
export interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttr>;
}

/** A decoded weight. Float weights stay float32; integer weights are kept as the JS numbers they hold. */
export interface TfWeight {
  dtype: "float32" | "int32";
  shape: number[];
  data: Float32Array | Int32Array;
}

export interface TfGraphModel {
  nodes: TfNode[];
  weights: Map<string, TfWeight>;
}

interface WeightsManifestEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: unknown;
}

interface ModelJson {
  modelTopology: { node: TfNode[] };
  weightsManifest: Array<{ paths: string[]; weights: WeightsManifestEntry[] }>;
}

/** The files a graph model consists of, in the order the weights are laid out; used for content hashing. */
export async function graphModelFiles(modelJsonPath: string): Promise<string[]> {
  const json = JSON.parse(await readFile(modelJsonPath, "utf8")) as ModelJson;
  const dir = path.dirname(modelJsonPath);
  return [modelJsonPath, ...json.weightsManifest.flatMap((g) => g.paths.map((p) => path.join(dir, p)))];
}

/**
 * Loads `model.json` and its shards. Each manifest group's shards are concatenated and its weights
 * read back to back from that buffer (the TF.js layout); quantised weights are rejected rather than
 * silently misread.
 */
export async function readTfGraphModel(modelJsonPath: string): Promise<TfGraphModel> {
  const json = JSON.parse(await readFile(modelJsonPath, "utf8")) as ModelJson;
  const dir = path.dirname(modelJsonPath);
  const weights = new Map<string, TfWeight>();
  for (const group of json.weightsManifest) {
    const buffer = Buffer.concat(await Promise.all(group.paths.map((p) => readFile(path.join(dir, p)))));
    let offset = 0;
    for (const entry of group.weights) {
      if (entry.quantization) throw new Error(`weight ${entry.name}: quantised weights are not supported`);
      const count = entry.shape.reduce((a, b) => a * b, 1);
      const bytes = count * 4;
      if (offset + bytes > buffer.length) throw new Error(`weight ${entry.name}: shards are shorter than the manifest says`);
      // Copy into a fresh, aligned buffer: the shard buffer's offset is not a multiple of 4 in general.
      const slice = new Uint8Array(buffer.buffer, buffer.byteOffset + offset, bytes).slice();
      let data: Float32Array | Int32Array;
      if (entry.dtype === "float32") data = new Float32Array(slice.buffer);
      else if (entry.dtype === "int32") data = new Int32Array(slice.buffer);
      else throw new Error(`weight ${entry.name}: dtype ${entry.dtype} is not supported`);
      weights.set(entry.name, { dtype: entry.dtype, shape: entry.shape, data });
      offset += bytes;
    }
    if (offset !== buffer.length) throw new Error(`weights group ${group.paths[0]}: ${buffer.length - offset} bytes left over`);
  }
  return { nodes: json.modelTopology.node, weights };
}
