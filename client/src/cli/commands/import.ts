import { readFile } from "node:fs/promises";
import { FabricError } from "../../api/errors.js";
import { SCOPES, type JsonValue, type Scope, type SetContextInput } from "../../api/types.js";
import type { Command } from "../command.js";
import { boolFlag, intFlag, metadataFlag, numberFlag, positionals, scopeFlag } from "../flag-values.js";
import { createProgress } from "../progress.js";
import { METADATA_FLAG, SCOPE_FLAG, TTL_FLAG } from "./shared-flags.js";

/** The server's limit on operations per batch. */
const MAX_BATCH = 10_000;

/**
 * `cache-fabric import <manifest>`: the guide's "store on startup". Loads prompts from a JSON or YAML
 * manifest and stores them in batches, with a progress bar. A manifest is either a map of key →
 * value (a prompt string, or any JSON value):
 *
 *   router:main:system_message: "You are a helpful assistant"
 *   router:tool_router:system_message: "Tool router prompt"
 *
 * or a list of entries:
 *
 *   - { key: "router:main:system_message", value: "You are...", scope: GLOBAL, metadata: { version: "2" }, ttl: 3600 }
 *
 * Every entry gets metadata `source: manifest` (as in the guide) unless `--metadata` or the entry says
 * otherwise. The whole manifest is checked before anything is sent. Each batch is atomic; when one
 * fails, the batches before it are stored and the error names the entries of the failed one.
 */
export const command: Command = {
  summary: "store prompts from a JSON/YAML manifest (map key → prompt, or a list of entries), in batches",
  usage: "cache-fabric import <manifest.json|.yaml> [--scope S] [--metadata k=v,...] [--ttl SECONDS] [--batch-size 1..10000] [--dry-run]",
  flags: {
    scope: { ...SCOPE_FLAG, help: "SCOPE  for entries that name none (default GLOBAL), any case" },
    metadata: { ...METADATA_FLAG, help: "K=V,...  metadata for every entry (besides source=manifest)" },
    ttl: TTL_FLAG,
    "batch-size": { kind: "string", help: "N  contexts per atomic batch, 1-10000 (default 500)" },
    "dry-run": { kind: "boolean", help: "check the manifest, send nothing" },
  },
  async run({ client, args, flags, out }) {
    const [manifest] = positionals(args, ["manifest"]);
    const dryRun = boolFlag(flags, "dry-run");
    const defaults = { scope: scopeFlag(flags), metadata: { source: "manifest", ...metadataFlag(flags) }, ttl: numberFlag(flags, "ttl", 0) };
    const batchSize = intFlag(flags, "batch-size", 1, MAX_BATCH) ?? 500;
    const entries = parseManifest(await readManifest(manifest), defaults);
    if (dryRun) {
      out.write(`${entries.length} contexts would be imported from ${manifest} (dry run: nothing sent)\n`);
      return;
    }
    const progress = createProgress("import", entries.length);
    let revision = 0;
    try {
      for (let start = 0; start < entries.length; start += batchSize) {
        const batch = entries.slice(start, start + batchSize);
        try {
          revision = (await client.batch(batch.map((e) => ({ op: "set" as const, ...e })))).revision;
        } catch (e) {
          const err = FabricError.from(e);
          throw new FabricError(err.code, `entries ${start}..${start + batch.length - 1} not stored (${start} stored before): ${err.message}`, { cause: e });
        }
        progress.tick(batch.length);
      }
    } finally {
      progress.done();
    }
    const batches = Math.ceil(entries.length / batchSize);
    out.write(`imported ${entries.length} contexts in ${batches} batch${batches === 1 ? "" : "es"} (revision ${revision})\n`);
  },
};

async function readManifest(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw FabricError.invalid("manifest", `cannot read ${path} (${(e as Error).message})`);
  }
  try {
    // JSON.parse for .json gives exact positions; YAML (a superset of JSON) for everything else.
    return /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw FabricError.invalid("manifest", `${path} is not valid ${/\.json$/i.test(path) ? "JSON" : "YAML"} (${(e as Error).message})`);
  }
}

interface Defaults {
  scope?: Scope;
  metadata: Record<string, string>;
  ttl?: number;
}

/** The manifest as batch entries; refuses the whole manifest on the first bad entry, naming it. */
export function parseManifest(doc: unknown, defaults: Defaults): SetContextInput[] {
  const base = (key: string, value: JsonValue): SetContextInput => ({
    key,
    value,
    metadata: { ...defaults.metadata },
    ...(defaults.scope ? { scope: defaults.scope } : {}),
    ...(defaults.ttl !== undefined ? { ttl: defaults.ttl } : {}),
  });
  if (Array.isArray(doc)) return doc.map((entry, i) => listEntry(entry, `entries[${i}]`, base));
  if (isObject(doc)) {
    return Object.entries(doc).map(([key, value]) => {
      if (value === undefined) throw FabricError.invalid(key, "has no value");
      return base(key, value as JsonValue);
    });
  }
  throw FabricError.invalid("manifest", "must be a map of key → value, or a list of { key, value, scope?, metadata?, ttl? }");
}

function listEntry(entry: unknown, at: string, base: (key: string, value: JsonValue) => SetContextInput): SetContextInput {
  if (!isObject(entry)) throw FabricError.invalid(at, "must be an object { key, value, scope?, metadata?, ttl? }");
  for (const k of Object.keys(entry)) {
    if (!["key", "value", "scope", "metadata", "ttl"].includes(k))
      throw FabricError.invalid(`${at}.${k}`, "unknown field (expected key, value, scope, metadata, ttl)");
  }
  if (typeof entry.key !== "string" || entry.key === "") throw FabricError.invalid(`${at}.key`, "is required (a string)");
  if (!("value" in entry) || entry.value === undefined) throw FabricError.invalid(`${at}.value`, "is required (use null for an empty value)");
  const out = base(entry.key, entry.value as JsonValue);
  if (entry.scope !== undefined) {
    const scope = typeof entry.scope === "string" ? entry.scope.toUpperCase() : "";
    if (!(SCOPES as readonly string[]).includes(scope)) throw FabricError.invalid(`${at}.scope`, `must be one of ${SCOPES.join(", ")} (any case)`);
    out.scope = scope as Scope;
  }
  if (entry.metadata !== undefined) {
    if (!isObject(entry.metadata)) throw FabricError.invalid(`${at}.metadata`, "must be a map of strings");
    for (const [k, v] of Object.entries(entry.metadata)) {
      if (typeof v !== "string") throw FabricError.invalid(`${at}.metadata.${k}`, "must be a string");
      Object.defineProperty(out.metadata!, k, { value: v, enumerable: true, writable: true, configurable: true });
    }
  }
  if (entry.ttl !== undefined) {
    if (typeof entry.ttl !== "number" || !(entry.ttl > 0)) throw FabricError.invalid(`${at}.ttl`, "must be a positive number of seconds");
    out.ttl = entry.ttl;
  }
  return out;
}

/** yaml is loaded only when a YAML manifest is read: every other command starts without it. */
function parseYaml(text: string): unknown {
  const yaml = require("yaml") as typeof import("yaml");
  return yaml.parse(text);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
