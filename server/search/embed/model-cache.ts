/**
 * Where converted models live. The default is `.cache/models/` under the project root (gitignored),
 * so a fresh checkout converts once on first start and reuses the result; `FABRIC_MODEL_CACHE`
 * moves it (e.g. to a volume in a container).
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import * as path from "node:path";

/** The nearest folder at or above `from` holding a package.json: the project root at run time. */
export function projectRoot(from: string = __dirname): string {
  let dir = path.resolve(from);
  for (;;) {
    if (existsSync(path.join(dir, "package.json"))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

/** Cache folder for the bundled USE-lite model: `$FABRIC_MODEL_CACHE` or `<root>/.cache/models/use-lite`. */
export function defaultBundledModelDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.FABRIC_MODEL_CACHE;
  return base ? path.resolve(base) : path.join(projectRoot(), ".cache", "models", "use-lite");
}

/** SHA-256 (hex) of the files' contents, in order, each preceded by its base name and size. */
export async function hashFiles(files: readonly string[]): Promise<string> {
  const hash = createHash("sha256");
  for (const file of files) {
    hash.update(`${path.basename(file)}\0${(await stat(file)).size}\0`);
    // Streamed so that hashing a large model never holds it in memory.
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  }
  return hash.digest("hex");
}

/** SHA-256 (hex) of one file's bytes, nothing else: what the manifest records for the model. */
export async function hashFile(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}
