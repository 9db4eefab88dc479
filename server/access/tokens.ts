import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { SCOPES, type Scope } from "@cache-fabric/client/api";
import { ConfigError } from "../config.js";
import { compileGlob } from "../contexts/glob.js";
import { isValidUserId, type Grant, type Principal, type RateLimit } from "./policy.js";

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

/** Reads the token documents named by the settings; an empty table when neither is set. */
export function loadTokenTable(sources: { file?: string; inline?: string }): TokenTable {
  const principals: Principal[] = [];
  const digests = new Map<string, Principal>();
  const add = (text: string, origin: string) => {
    for (const { principal, digest } of parseTokenDocument(text, origin)) {
      if (principals.some((p) => p.name === principal.name)) throw new ConfigError(`${origin}: token name "${principal.name}" is used twice`);
      if (digests.has(digest)) throw new ConfigError(`${origin}: tokens "${digests.get(digest)!.name}" and "${principal.name}" have the same secret`);
      principals.push(principal);
      digests.set(digest, principal);
    }
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
  return {
    lookup: (secret) => digests.get(hashToken(secret)),
    size: principals.length,
    principals,
  };
}

/** Parses one document: `{ tokens: [...] }` or the list itself. Errors name the entry and field. */
export function parseTokenDocument(text: string, origin: string): { principal: Principal; digest: string }[] {
  let doc: unknown;
  try {
    doc = parseYaml(text); // YAML is a superset of JSON: one parser for both.
  } catch (e) {
    throw new ConfigError(`${origin}: not valid YAML or JSON (${(e as Error).message})`);
  }
  const list = Array.isArray(doc) ? doc : isObject(doc) && Array.isArray(doc.tokens) ? doc.tokens : undefined;
  if (!list) throw new ConfigError(`${origin}: expected a list of tokens, or an object with a "tokens" list`);
  return list.map((entry, i) => parseEntry(entry, `${origin}: tokens[${i}]`));
}

function parseEntry(entry: unknown, at: string): { principal: Principal; digest: string } {
  if (!isObject(entry)) throw new ConfigError(`${at}: must be an object`);
  const known = new Set(["name", "sha256", "token", "user", "grants", "rateLimit"]);
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
  const rateLimit = entry.rateLimit === undefined ? undefined : parseRateLimit(entry.rateLimit, `${here}.rateLimit`);
  const principal: Principal = { name, grants, ...(user !== undefined ? { user } : {}), ...(rateLimit ? { rateLimit } : {}) };
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
