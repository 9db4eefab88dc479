import {
  SCOPES, type Context, type Fabric, type ReindexProgress, type Scope, type SearchInput, type SearchMode, type SearchNamespace, type SearchResult,
} from "@cache-fabric/client/api";
import type { ContextOps } from "../contexts/context-ops.js";
import { FabricError } from "@cache-fabric/client/api";
import { compileGlob, escapeGlob } from "../contexts/glob.js";
import { LIMITS, validateMetadata, validateScope } from "../contexts/validate.js";
import type { Store } from "../store/types.js";
import { DEFAULT_FUSION, fusedScore, type FusionWeights } from "./fusion.js";
import { createIndexer, type Indexer } from "./indexer.js";
import { createLexicalIndex, type LexicalHit, type LexicalIndex } from "./lexical/bm25-index.js";
import { createTextExtractor, type TextRule } from "./text.js";
import type { Embedder, VectorFilter, VectorHit, VectorIndex } from "./types.js";

/** Semantic search: an embedder, a vector index and the scopes to index. Absent: search is off. */
export interface SearchOptions {
  embedder: Embedder & { pendingCount?: number };
  index: VectorIndex;
  indexKind: "memory" | "qdrant";
  /** Default GLOBAL and USER. */
  scopes?: readonly Scope[];
  /** Ranking for a search that names none. Default "hybrid". */
  mode?: SearchMode;
  /** Threshold for a search that names none. Default DEFAULT_MIN_SIMILARITY. */
  minSimilarity?: number;
  /** What text is indexed, per key pattern (before the built-in rules; see text.ts). */
  textRules?: readonly TextRule[];
  /** Hybrid fusion weights. Default DEFAULT_FUSION. */
  fusion?: FusionWeights;
  /** Called when indexing a change failed (it is retried). */
  onIndexError?: (error: unknown) => void;
}

export interface SearchOps extends Pick<Fabric, "search" | "reindex" | "searchStatus"> {
  /** The indexer, for tests and metrics; undefined when search is off. */
  readonly indexer: Indexer | undefined;
  /** The lexical index beside the vectors, for tests; undefined when search is off. */
  readonly lexical: LexicalIndex | undefined;
  closeSearch(): Promise<void>;
}

export const DEFAULT_SEARCH_SCOPES: readonly Scope[] = ["GLOBAL", "USER"];
export const MAX_QUERY_CHARS = 10_000;
/**
 * The threshold a search gets when it names none: the similarity above which the bundled model's
 * hits were relevant on the labelled set (README "Semantic search" has the measured precision and
 * recall; test/search/search-quality.test.ts prints them).
 */
export const DEFAULT_MIN_SIMILARITY = 0.4;
const MAX_LIMIT = 100;
const MAX_NAMESPACES = 64;
/** How long `waitForIndex` may wait when the call has no deadline of its own. */
const WAIT_FOR_INDEX_MS = 30_000;

/** A candidate on its way to a result. */
interface Candidate {
  hit: VectorHit;
  vectorRank?: number;
  lexical?: { rank: number; score: number; coverage: number };
  score: number;
}

/**
 * `search` finds contexts by meaning: embed the query, ask the index for the nearest contexts (the
 * filter applied inside it: scope, key prefix, metadata, namespaces), in hybrid mode also ask the
 * lexical index for the best BM25 matches under the same filter and fuse (the similarity raised by
 * the lexical coverage, fusion.ts), then read each candidate's context from the store and keep it only if its revision is
 * the one that was indexed. So a result is never a deleted, expired or since-changed context (no
 * stale hit), whatever the index still holds; `waitForIndex` additionally makes a search see every
 * write acknowledged before it. The threshold applies to the cosine similarity of every result,
 * lexical matches included.
 */
export function createSearchOps(deps: { store: Store; contextOps: ContextOps; options: SearchOptions | undefined }): SearchOps {
  const { store, options } = deps;
  if (!options) {
    const off = () => new FabricError("UNIMPLEMENTED", "search is disabled on this server (FABRIC_SEARCH=off)");
    return {
      indexer: undefined,
      lexical: undefined,
      search: async () => {
        throw off();
      },
      reindex: () => {
        throw off();
      },
      searchStatus: async () => {
        throw off();
      },
      closeSearch: async () => {},
    };
  }
  const scopes = options.scopes ?? DEFAULT_SEARCH_SCOPES;
  const defaultMode: SearchMode = options.mode ?? "hybrid";
  const defaultMin = options.minSimilarity ?? DEFAULT_MIN_SIMILARITY;
  const fusion = options.fusion ?? DEFAULT_FUSION;
  const text = createTextExtractor(options.textRules);
  const lexical = createLexicalIndex();
  const indexer = createIndexer({ store, embedder: options.embedder, index: options.index, lexical, text, scopes, onError: options.onIndexError });

  /** The current context at `key`, without counting a hit or miss (searches are not cache reads). */
  const current = async (scope: Scope, key: string): Promise<Context | undefined> =>
    (await store.query(scope, compileGlob(escapeGlob(key)), { limit: 1 })).contexts[0];

  const checkPrefix = (prefix: unknown, field: string): string | undefined => {
    if (prefix === undefined || prefix === "") return undefined;
    if (typeof prefix !== "string") throw FabricError.invalid(field, "must be a string");
    if (prefix.length > LIMITS.maxKeyLength) throw FabricError.invalid(field, `must be at most ${LIMITS.maxKeyLength} characters`);
    return prefix;
  };

  /** The index filter of a search; namespaces of scopes that are not indexed match nothing and are dropped. */
  const filterOf = (input: SearchInput, scope: Scope | undefined): VectorFilter => {
    const metadata = validateMetadata(input.metadata);
    const keyPrefix = checkPrefix(input.keyPrefix, "key_prefix");
    let anyOf: SearchNamespace[] | undefined;
    if (input.within !== undefined) {
      if (!Array.isArray(input.within) || input.within.length > MAX_NAMESPACES) throw FabricError.invalid("within", `must be a list of at most ${MAX_NAMESPACES} namespaces`);
      anyOf = input.within
        .map((n, i) => {
          if (n === null || typeof n !== "object") throw FabricError.invalid(`within[${i}]`, "must be { scope, keyPrefix? }");
          const prefix = checkPrefix(n.keyPrefix, `within[${i}].key_prefix`);
          return { scope: validateScope(n.scope, `within[${i}].scope`), ...(prefix ? { keyPrefix: prefix } : {}) };
        })
        .filter((n) => scopes.includes(n.scope));
    }
    return {
      ...(scope ? { scope } : {}),
      ...(keyPrefix ? { keyPrefix } : {}),
      ...(Object.keys(metadata).length ? { metadata } : {}),
      ...(anyOf ? { anyOf } : {}),
    };
  };

  return {
    indexer,
    lexical,
    async search(input: SearchInput, callOptions): Promise<SearchResult[]> {
      if (!input || typeof input.query !== "string" || input.query.trim() === "") throw FabricError.invalid("query", "is required");
      if (input.query.length > MAX_QUERY_CHARS) throw FabricError.invalid("query", `must be at most ${MAX_QUERY_CHARS} characters`);
      const scope = input.scope === undefined ? undefined : validateScope(input.scope);
      if (scope && !scopes.includes(scope)) {
        throw FabricError.invalid("scope", `${scope} is not indexed (indexed: ${scopes.join(", ")}; see FABRIC_SEARCH_SCOPES)`);
      }
      const limit = input.limit === undefined || input.limit === 0 ? 10 : input.limit;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw FabricError.invalid("limit", `must be an integer from 1 to ${MAX_LIMIT}`);
      const minSimilarity = input.minSimilarity ?? defaultMin;
      if (typeof minSimilarity !== "number" || !(minSimilarity >= -1 && minSimilarity <= 1)) {
        throw FabricError.invalid("min_similarity", "must be a number from -1 to 1");
      }
      const mode = input.mode ?? defaultMode;
      if (mode !== "vector" && mode !== "hybrid") throw FabricError.invalid("mode", "must be vector or hybrid");
      const filter = filterOf(input, scope);

      if (input.waitForIndex) {
        const revision = await store.revision();
        const signal = callOptions?.signal ?? AbortSignal.timeout(callOptions?.timeoutMs ?? WAIT_FOR_INDEX_MS);
        await indexer.waitFor(revision, signal);
      }
      const [vector] = await options.embedder.embed([input.query]);
      // Candidates from each ranking: more than wanted, since fusion reorders them and hits found
      // stale below are dropped.
      const depth = Math.min(200, Math.max(30, limit * 2));
      const vectorHits = await options.index.search(vector, { limit: depth, minSimilarity, filter });
      const candidates = new Map<string, Candidate>();
      vectorHits.forEach((hit, i) => candidates.set(hit.id, { hit, vectorRank: i + 1, score: 0 }));
      if (mode === "hybrid") {
        const lexicalHits: LexicalHit[] = lexical.search(input.query, { limit: depth, filter });
        // Lexical matches the vector search did not return still need their similarity (for the
        // threshold, and to report it): the index scores exactly those.
        const missing = lexicalHits.filter((h) => !candidates.has(h.id)).map((h) => h.id);
        const scored = new Map((missing.length ? await options.index.score(vector, missing) : []).map((h) => [h.id, h]));
        lexicalHits.forEach((h, i) => {
          const known = candidates.get(h.id);
          const lex = { rank: i + 1, score: h.score, coverage: h.coverage };
          if (known) known.lexical = lex;
          else {
            const hit = scored.get(h.id);
            if (hit && hit.score >= minSimilarity) candidates.set(h.id, { hit, lexical: lex, score: 0 });
          }
        });
      }
      const ranked = [...candidates.values()];
      for (const c of ranked) c.score = mode === "hybrid" ? fusedScore(c.hit.score, c.lexical?.coverage ?? 0, fusion) : c.hit.score;
      ranked.sort((a, b) => b.score - a.score || b.hit.score - a.hit.score);

      const results: SearchResult[] = [];
      for (let i = 0; i < ranked.length && results.length < limit; ) {
        const batch = ranked.slice(i, i + limit - results.length + 4);
        i += batch.length;
        const checked = await Promise.all(
          batch.map(async (c) => {
            const ctx = await current(c.hit.payload.scope as Scope, c.hit.payload.key);
            return ctx && ctx.revision === c.hit.payload.revision ? { ctx, c } : undefined;
          }),
        );
        for (const r of checked) if (r && results.length < limit) results.push(resultOf(r.ctx, r.c));
      }
      return results;
    },

    reindex(): AsyncIterable<ReindexProgress> {
      return {
        async *[Symbol.asyncIterator]() {
          const updates: ReindexProgress[] = [];
          let wake: (() => void) | undefined;
          let finished = false;
          let failure: unknown;
          void indexer
            .rebuild((done, total) => {
              updates.push({ done, total });
              wake?.();
            })
            .catch((e) => (failure = e))
            .finally(() => {
              finished = true;
              wake?.();
            });
          for (;;) {
            while (updates.length) yield updates.shift()!;
            if (finished) break;
            await new Promise<void>((r) => (wake = r));
            wake = undefined;
          }
          if (failure) throw failure;
        },
      };
    },

    async searchStatus() {
      return {
        model: options.embedder.modelId,
        dimension: options.embedder.dimension,
        index: options.indexKind,
        scopes: SCOPES.filter((s) => scopes.includes(s)),
        vectors: await options.index.count(),
        indexedRevision: indexer.indexedRevision,
        embedderQueue: options.embedder.pendingCount ?? 0,
        hybrid: defaultMode === "hybrid",
        minSimilarity: defaultMin,
      };
    },

    async closeSearch() {
      await indexer.close();
      await options.index.close();
      await options.embedder.close();
    },
  };

  function resultOf(ctx: Context, c: Candidate): SearchResult {
    const span = c.hit.span;
    const matched = span ? text.textOf(ctx.scope, ctx.key, ctx.value)?.slice(span[0], span[1]) : undefined;
    return {
      context: ctx,
      similarity: c.hit.score,
      score: c.score,
      ...(c.vectorRank ? { vectorRank: c.vectorRank } : {}),
      ...(c.lexical ? { lexicalRank: c.lexical.rank, lexicalScore: c.lexical.score, lexicalCoverage: c.lexical.coverage } : {}),
      chunk: c.hit.chunk,
      ...(matched ? { matchedText: matched } : {}),
      key: ctx.key,
      value: ctx.value,
    };
  }
}
