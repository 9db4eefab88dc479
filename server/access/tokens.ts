import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { SCOPES, type Scope } from "@cache-fabric/client/api";
import { ConfigError } from "../config.js";
import { compileGlob, type Glob } from "../contexts/glob.js";
import { isValidUserId, type Grant, type Principal, type PromptGrant, type RateLimit } from "./policy.js";

/**
 * The token table: bearer secrets → principals, loaded from a YAML or JSON document (a file, the
 * environment, or both). Secrets are kept only as SHA-256 digests, whether the document gave them
 * hashed (`sha256:`, recommended: the config then holds nothing a caller could present) or plain
 * (`token:`, hashed at load). A presented token is hashed and looked up by digest, so comparing never
 * branches on the secret's bytes.
 *
 * @example
 * # tokens.yaml
 * tokens:
 *   - name: nexus                       # appears in logs and metrics; never the secret
 *     sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
 *     grants:
 *       - { scope: GLOBAL, keys: "router:*", access: read-write }
 *   - name: alice-agent
 *     sha256: 60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752
 *     user: alice                       # USER scope confined to user:alice:*
 *     grants:
 *       - { scope: USER, access: read-write }
 *       - { scope: GLOBAL, keys: "router:*", access: read }
 *     rateLimit: { rps: 20, burst: 40 }
 *   - name: release-manager
 *     sha256: 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae
 *     grants:
 *       - { scope: GLOBAL, keys: "prompt:*", access: read }
 *     prompts:                          # registry rights (prompt-policy.ts)
 *       - { names: "*", publish: true, labels: [production, staging] }
 * protectedLabels: [production]         # moved only by a prompts grant naming them
 */
export interface TokenTable {
  /** The principal a presented secret authenticates, or undefined. */
  lookup(secret: string): Principal | undefined;
  readonly size: number;
  readonly principals: readonly Principal[];
}

/** SHA-256 of a token, as the token file's `sha256:` expects it (lower-case hex). */
export function hashToken(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** Shortest plain `token:` accepted: guessing must be out of reach (hashes cannot be checked). */
export const MIN_PLAIN_TOKEN_LENGTH = 16;

/**
 * Reads the token documents named by the settings; an empty table when neither is set. The labels
 * either document protects are protected for every token of both (a union: a document cannot
 * unprotect what the other protects).
 */
export function loadTokenTable(sources: { file?: string; inline?: string }): TokenTable {
  let principals: Principal[] = [];
  const byDigest = new Map<string, Principal>();
  const protectedLabels = new Map<string, Glob>();
  const add = (text: string, origin: string) => {
    const doc = parseDocument(text, origin);
    for (const { principal, digest } of doc.entries) {
      if (principals.some((p) => p.name === principal.name)) throw new ConfigError(`${origin}: token name "${principal.name}" is used twice`);
      if (byDigest.has(digest)) throw new ConfigError(`${origin}: tokens "${byDigest.get(digest)!.name}" and "${principal.name}" have the same secret`);
      principals.push(principal);
      byDigest.set(digest, principal);
    }
    for (const g of doc.protectedLabels) protectedLabels.set(g.source, g);
  };
  if (sources.file) {
    let text: string;
    try {
      text = readFileSync(sources.file, "utf8");
    } catch (e) {
      throw new ConfigError(`FABRIC_AUTH_TOKENS_FILE: cannot read ${sources.file} (${(e as Error).message})`);
    }
    add(text, sources.file);
  }
  if (sources.inline) add(sources.inline, "FABRIC_AUTH_TOKENS");
  const digests = new Map<string, Principal>();
  if (protectedLabels.size > 0) {
    const all = [...protectedLabels.values()];
    const stamped = new Map(principals.map((p) => [p, { ...p, protectedLabels: all }]));
    principals = [...stamped.values()];
    for (const [digest, p] of byDigest) digests.set(digest, stamped.get(p)!);
  } else {
    for (const [digest, p] of byDigest) digests.set(digest, p);
  }
  return {
    lookup: (secret) => digests.get(hashToken(secret)),
    size: principals.length,
    principals,
  };
}

/**
 * Parses one document: `{ tokens: [...], protectedLabels?: [...] }` or the list of tokens itself.
 * Each principal carries the document's protected labels. Errors name the entry and field.
 */
export function parseTokenDocument(text: string, origin: string): { principal: Principal; digest: string }[] {
  const { entries, protectedLabels } = parseDocument(text, origin);
  return protectedLabels.length > 0 ? entries.map((e) => ({ ...e, principal: { ...e.principal, protectedLabels } })) : entries;
}

function parseDocument(text: string, origin: string): { entries: { principal: Principal; digest: string }[]; protectedLabels: Glob[] } {
  let doc: unknown;
  try {
    doc = parseYaml(text); // YAML is a superset of JSON: one parser for both.
  } catch (e) {
    throw new ConfigError(`${origin}: not valid YAML or JSON (${(e as Error).message})`);
  }
  const list = Array.isArray(doc) ? doc : isObject(doc) && Array.isArray(doc.tokens) ? doc.tokens : undefined;
  if (!list) throw new ConfigError(`${origin}: expected a list of tokens, or an object with a "tokens" list`);
  let protectedLabels: Glob[] = [];
  if (isObject(doc)) {
    for (const k of Object.keys(doc)) if (k !== "tokens" && k !== "protectedLabels") throw new ConfigError(`${origin}: ${k}: unknown field (expected tokens, protectedLabels)`);
    protectedLabels = globList(doc.protectedLabels ?? [], `${origin}: protectedLabels`, "labels");
  }
  return { entries: list.map((entry, i) => parseEntry(entry, `${origin}: tokens[${i}]`)), protectedLabels };
}

function parseEntry(entry: unknown, at: string): { principal: Principal; digest: string } {
  if (!isObject(entry)) throw new ConfigError(`${at}: must be an object`);
  const known = new Set(["name", "sha256", "token", "user", "grants", "prompts", "rateLimit"]);
  for (const k of Object.keys(entry)) if (!known.has(k)) throw new ConfigError(`${at}.${k}: unknown field (expected ${[...known].join(", ")})`);
  const name = entry.name;
  if (typeof name !== "string" || !/^[A-Za-z0-9_\-.:@]{1,128}$/.test(name)) {
    throw new ConfigError(`${at}.name: required, 1..128 of letters, digits, _ - . : @`);
  }
  const here = `${at} (${name})`;
  let digest: string;
  if (entry.sha256 !== undefined && entry.token !== undefined) throw new ConfigError(`${here}: give sha256 or token, not both`);
  if (typeof entry.sha256 === "string") {
    if (!/^[0-9a-fA-F]{64}$/.test(entry.sha256)) throw new ConfigError(`${here}.sha256: must be 64 hex digits (sha256 of the token)`);
    digest = entry.sha256.toLowerCase();
  } else if (typeof entry.token === "string") {
    if (entry.token.length < MIN_PLAIN_TOKEN_LENGTH) throw new ConfigError(`${here}.token: must be at least ${MIN_PLAIN_TOKEN_LENGTH} characters`);
    digest = hashToken(entry.token);
  } else {
    throw new ConfigError(`${here}: needs sha256 (recommended) or token`);
  }
  let user: string | undefined;
  if (entry.user !== undefined) {
    if (typeof entry.user !== "string" || !isValidUserId(entry.user)) {
      throw new ConfigError(`${here}.user: 1..128 key characters other than ':'`);
    }
    user = entry.user;
  }
  const grantsIn = entry.grants ?? [];
  if (!Array.isArray(grantsIn)) throw new ConfigError(`${here}.grants: must be a list`);
  const grants = grantsIn.flatMap((g, j) => parseGrant(g, `${here}.grants[${j}]`));
  const promptsIn = entry.prompts ?? [];
  if (!Array.isArray(promptsIn)) throw new ConfigError(`${here}.prompts: must be a list`);
  const promptGrants = promptsIn.map((g, j) => parsePromptGrant(g, `${here}.prompts[${j}]`));
  const rateLimit = entry.rateLimit === undefined ? undefined : parseRateLimit(entry.rateLimit, `${here}.rateLimit`);
  const principal: Principal = {
    name,
    grants,
    ...(promptGrants.length > 0 ? { promptGrants } : {}),
    ...(user !== undefined ? { user } : {}),
    ...(rateLimit ? { rateLimit } : {}),
  };
  return { principal, digest };
}

const ACCESS = { read: [true, false], write: [false, true], "read-write": [true, true] } as const;

function parseGrant(g: unknown, at: string): Grant[] {
  if (!isObject(g)) throw new ConfigError(`${at}: must be an object`);
  for (const k of Object.keys(g)) if (!["scope", "keys", "access"].includes(k)) throw new ConfigError(`${at}.${k}: unknown field (expected scope, keys, access)`);
  const access = ACCESS[g.access as keyof typeof ACCESS];
  if (typeof g.access !== "string" || !access) throw new ConfigError(`${at}.access: must be read, write or read-write`);
  const keysSource = g.keys ?? "*";
  if (typeof keysSource !== "string") throw new ConfigError(`${at}.keys: must be a glob string`);
  let keys;
  try {
    keys = compileGlob(keysSource, "keys");
  } catch (e) {
    throw new ConfigError(`${at}.${(e as Error).message}`);
  }
  const scopesIn: unknown[] = Array.isArray(g.scope) ? g.scope : [g.scope];
  if (scopesIn.length === 0) throw new ConfigError(`${at}.scope: must name at least one scope`);
  return scopesIn.map((s) => {
    if (s !== "*" && !(SCOPES as readonly unknown[]).includes(s)) {
      throw new ConfigError(`${at}.scope: must be "*" or one of ${SCOPES.join(", ")} (or a list of them)`);
    }
    return { scope: s as Scope | "*", read: access[0], write: access[1], keys };
  });
}

/** `{ names?: glob, publish?: bool, labels?: glob | [glob] }`: a registry right (see prompt-policy.ts). */
function parsePromptGrant(g: unknown, at: string): PromptGrant {
  if (!isObject(g)) throw new ConfigError(`${at}: must be an object`);
  for (const k of Object.keys(g)) if (!["names", "publish", "labels"].includes(k)) throw new ConfigError(`${at}.${k}: unknown field (expected names, publish, labels)`);
  const names = globList(g.names ?? "*", `${at}.names`, "names");
  if (names.length !== 1) throw new ConfigError(`${at}.names: must be one glob string`);
  if (g.publish !== undefined && typeof g.publish !== "boolean") throw new ConfigError(`${at}.publish: must be true or false`);
  const labels = globList(g.labels ?? [], `${at}.labels`, "labels");
  const publish = g.publish === true;
  if (!publish && labels.length === 0) throw new ConfigError(`${at}: grants nothing: set publish: true, labels, or both`);
  return { names: names[0], publish, labels };
}

/** A glob string or a list of them (`labels: production` or `labels: [production, "tenant-*"]`). */
function globList(v: unknown, at: string, field: string): Glob[] {
  const list: unknown[] = Array.isArray(v) ? v : [v];
  return list.map((source, i) => {
    const where = Array.isArray(v) ? `${at}[${i}]` : at;
    if (typeof source !== "string" || source === "") throw new ConfigError(`${where}: must be a non-empty glob string`);
    try {
      return compileGlob(source, field);
    } catch (e) {
      throw new ConfigError(`${where}: ${(e as Error).message.replace(/^[^:]*: /, "")}`);
    }
  });
}

function parseRateLimit(r: unknown, at: string): RateLimit {
  if (!isObject(r)) throw new ConfigError(`${at}: must be { rps, burst? }`);
  const rps = r.rps;
  const burst = r.burst ?? rps;
  if (typeof rps !== "number" || !(rps >= 0) || !Number.isFinite(rps)) throw new ConfigError(`${at}.rps: must be a number >= 0 (0: unlimited)`);
  if (typeof burst !== "number" || !(burst >= 1 || rps === 0) || !Number.isFinite(burst)) throw new ConfigError(`${at}.burst: must be a number >= 1`);
  return { rps, burst };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
