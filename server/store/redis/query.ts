import type { Context, Scope } from "@cache-fabric/client/api";
import type { Glob } from "../../contexts/glob.js";
import { FabricError } from "@cache-fabric/client/api";
import type { QueryOutcome, StoreHeader } from "../types.js";
import type { RedisClient } from "./connection.js";
import { redisCall } from "./errors.js";
import type { KeyLayout } from "./keys.js";
import { luaScript } from "./lua-prelude.js";

/**
 * `cfPrefix` (read-only): the store header and, when at most ARGV[3] keys of the scope lie in the
 * name range [ARGV[1], ARGV[2]), those keys with their revisions.
 * KEYS: 1 HEAD, 2 META, 3 the scope's name index, 4 its revision index.
 * Reply: {0, revision, store id, 1, key, revision, key, revision, ...} or {0, revision, store id, 0}
 * when the range is larger; only {status} (read-scripts.ts READ_STATUS) without HEAD.
 */
export const PREFIX_SCRIPT = luaScript(
  "no-writes",
  String.raw`
local head = read_head(KEYS[1])
if not head then return {legacy(KEYS[2]) and 2 or 1} end
local out = {0, head.rev, head.id, 0}
if redis.call('ZLEXCOUNT', KEYS[3], ARGV[1], ARGV[2]) > tonumber(ARGV[3]) then return out end
out[4] = 1
for _, k in ipairs(redis.call('ZRANGEBYLEX', KEYS[3], ARGV[1], ARGV[2])) do
  out[#out + 1] = k
  out[#out + 1] = redis.call('ZSCORE', KEYS[4], k)
end
return out
`,
);

export interface QueryDeps {
  client: RedisClient;
  keys: KeyLayout;
  /** The live contexts at these keys of `scope` (null: absent or expired), in one round trip. */
  fetch(scope: Scope, keys: readonly string[]): Promise<{ revision: number; storeId: string; contexts: (Context | null)[] }>;
  /** The prefix lookup, see PREFIX_SCRIPT: [revision, store id, selective, key, revision, ...]. */
  prefix(scope: Scope, min: string | Buffer, max: string | Buffer, limit: number): Promise<[number, string, number, ...string[]]>;
  /** The store header and the first page of a revision-index walk (WITHSCORES), read atomically. */
  firstPage(scope: Scope, max: string, count: number): Promise<{ header: StoreHeader; page: string[] }>;
  /** Above this many keys sharing the literal prefix, the query walks the revision index instead. */
  prefixScanLimit: number;
}

type Candidate = [key: string, revision: number];

/** Revision-index entries read per step of a walk, at first and at most (it doubles each step). */
const FIRST_CHUNK = 64;
const MAX_CHUNK = 4096;

/**
 * Contexts of one scope matching `glob`, newest first, below `beforeRevision`, at most `limit`
 * (the Store.query contract). Never touches another scope's keys and never uses KEYS or SCAN:
 *
 * - an exact pattern (no wildcard) reads the one key;
 * - a pattern whose literal prefix is selective (at most `prefixScanLimit` keys of the scope start
 *   with it) takes those keys from the name index (ZRANGEBYLEX) with their revisions, filters them
 *   with the glob, sorts them newest first and reads the first `limit + 1`;
 * - otherwise it walks the revision index downwards from the cursor (ZREVRANGEBYSCORE, in chunks
 *   that double), filters names with the glob and reads matches until it has `limit + 1`.
 *
 * The glob runs in Node (core/glob.ts is the one definition of the syntax). The index read and the
 * context reads are separate round trips, so a context rewritten in between is skipped on this
 * page (its index entry moved above): `revision` is read first, and such a context has a change
 * above it, so a client that lists and then watches from `revision` still ends up with it. The
 * store id is read with `revision`; a page whose context reads saw another id (the history was
 * replaced between the round trips) is refused with UNAVAILABLE rather than mixing two histories.
 */
export async function runQuery(
  deps: QueryDeps,
  scope: Scope,
  glob: Glob,
  options: { limit: number; beforeRevision?: number },
): Promise<QueryOutcome> {
  const before = options.beforeRevision ?? Infinity;
  const want = options.limit + 1;
  const found: Context[] = [];
  let revision: number;
  let storeId: string;

  // Reads the candidates (newest first) until `want` contexts are found; stale ones are skipped.
  const collect = async (candidates: readonly Candidate[]): Promise<void> => {
    for (let i = 0; i < candidates.length && found.length < want; ) {
      const slice = candidates.slice(i, i + (want - found.length));
      i += slice.length;
      const { contexts, storeId: readFrom } = await deps.fetch(scope, slice.map(([k]) => k));
      if (readFrom !== storeId) throw new FabricError("UNAVAILABLE", "the store's history changed during the query; retry");
      contexts.forEach((ctx, j) => {
        if (ctx && ctx.revision === slice[j][1] && ctx.revision < before) found.push(ctx);
      });
    }
  };

  if (glob.exact) {
    const { revision: rev, storeId: id, contexts } = await deps.fetch(scope, [glob.prefix]);
    revision = rev;
    storeId = id;
    if (contexts[0] && contexts[0].revision < before) found.push(contexts[0]);
  } else {
    let walk = true;
    if (glob.prefix) {
      const [rev, id, selective, ...flat] = await deps.prefix(
        scope,
        `[${glob.prefix}`,
        // Keys are ASCII, so prefix + 0xff sorts after every key that starts with the prefix.
        Buffer.concat([Buffer.from(`(${glob.prefix}`), Buffer.from([0xff])]),
        deps.prefixScanLimit,
      );
      revision = rev;
      storeId = id;
      if (selective === 1) {
        walk = false;
        const candidates: Candidate[] = [];
        for (let i = 0; i + 1 < flat.length; i += 2) {
          const r = Number(flat[i + 1]);
          if (r < before && glob.matches(flat[i])) candidates.push([flat[i], r]);
        }
        candidates.sort((a, b) => b[1] - a[1]);
        await collect(candidates);
      }
    }
    if (walk) {
      // The header is read with the first index page, before any context is collected.
      await walkRevisions(deps, scope, glob, before, () => found.length >= want, collect, (h) => {
        revision = h.revision;
        storeId = h.storeId;
      });
    }
  }

  const more = found.length > options.limit;
  const contexts = more ? found.slice(0, options.limit) : found;
  return {
    contexts,
    ...(more ? { nextBeforeRevision: contexts[contexts.length - 1].revision } : {}),
    revision: revision!,
    storeId: storeId!,
  };
}

async function walkRevisions(
  deps: QueryDeps,
  scope: Scope,
  glob: Glob,
  before: number,
  done: () => boolean,
  collect: (candidates: readonly Candidate[]) => Promise<void>,
  onHeader: (header: StoreHeader) => void,
): Promise<void> {
  const index = deps.keys.byRevision(scope);
  let max = before === Infinity ? "+inf" : `(${before}`;
  let chunk = FIRST_CHUNK;
  let header: StoreHeader | undefined;
  for (;;) {
    let page: string[];
    if (header === undefined) {
      ({ header, page } = await deps.firstPage(scope, max, chunk));
      onHeader(header);
    } else {
      page = await redisCall(() => deps.client.zrevrangebyscore(index, max, "-inf", "WITHSCORES", "LIMIT", 0, chunk));
    }
    const candidates: Candidate[] = [];
    for (let i = 0; i + 1 < page.length; i += 2) {
      if (glob.matches(page[i])) candidates.push([page[i], Number(page[i + 1])]);
    }
    await collect(candidates);
    if (done() || page.length < chunk * 2) return;
    max = `(${page[page.length - 1]}`;
    chunk = Math.min(MAX_CHUNK, chunk * 2);
  }
}
