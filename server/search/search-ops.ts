import { SCOPES, type Context, type Fabric, type ReindexProgress, type Scope, type SearchInput, type SearchResult } from "@cache-fabric/client/api";
import type { ContextOps } from "../contexts/context-ops.js";
import { FabricError } from "@cache-fabric/client/api";
import { compileGlob, escapeGlob } from "../contexts/glob.js";
import { validateMetadata, validateScope } from "../contexts/validate.js";
import type { Store } from "../store/types.js";
import { createIndexer, type Indexer } from "./indexer.js";
import type { Embedder, VectorIndex } from "./types.js";

/** Semantic search: an embedder, a vector index and the scopes to index. Absent: search is off. */
export interface SearchOptions {
  embedder: Embedder & { pendingCount?: number };
  index: VectorIndex;
  indexKind: "memory" | "qdrant";
  /** Default GLOBAL and USER. */
  scopes?: readonly Scope[];
  /** Called when indexing a change failed (it is retried). */
  onIndexError?: (error: unknown) => void;
}

export interface SearchOps extends Pick<Fabric, "search" | "reindex" | "searchStatus"> {
  /** The indexer, for tests and metrics; undefined when search is off. */
  readonly indexer: Indexer | undefined;
  closeSearch(): Promise<void>;
}

export const DEFAULT_SEARCH_SCOPES: readonly Scope[] = ["GLOBAL", "USER"];
export const MAX_QUERY_CHARS = 10_000;
const MAX_LIMIT = 100;
/** How long `waitForIndex` may wait when the call has no deadline of its own. */
const WAIT_FOR_INDEX_MS = 30_000;

/**
 * `search` finds contexts by meaning: embed the query, ask the index for nearest vectors (filters
 * pushed down), then read each hit's context from the store and keep it only if its revision is
 * the one that was embedded. So a result is never a deleted, expired or since-changed context
 * (no stale hit), whatever the index still holds; `waitForIndex` additionally makes a search see
 * every write acknowledged before it.
 */
export function createSearchOps(deps: { store: Store; contextOps: ContextOps; options: SearchOptions | undefined }): SearchOps {
  const { store, options } = deps;
  if (!options) {
    const off = () => new FabricError("UNIMPLEMENTED", "search is disabled on this server (FABRIC_SEARCH=off)");
    return {
      indexer: undefined,
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
  const indexer = createIndexer({ store, embedder: options.embedder, index: options.index, scopes, onError: options.onIndexError });

  /** The current context at `key`, without counting a hit or miss (searches are not cache reads). */
  const current = async (scope: Scope, key: string): Promise<Context | undefined> =>
    (await store.query(scope, compileGlob(escapeGlob(key)), { limit: 1 })).contexts[0];

  return {
    indexer,
    async search(input: SearchInput, callOptions): Promise<SearchResult[]> {
      if (!input || typeof input.query !== "string" || input.query.trim() === "") throw FabricError.invalid("query", "is required");
      if (input.query.length > MAX_QUERY_CHARS) throw FabricError.invalid("query", `must be at most ${MAX_QUERY_CHARS} characters`);
      const scope = input.scope === undefined ? undefined : validateScope(input.scope);
      if (scope && !scopes.includes(scope)) {
        throw FabricError.invalid("scope", `${scope} is not indexed (indexed: ${scopes.join(", ")}; see FABRIC_SEARCH_SCOPES)`);
      }
      const limit = input.limit === undefined || input.limit === 0 ? 10 : input.limit;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw FabricError.invalid("limit", `must be an integer from 1 to ${MAX_LIMIT}`);
      const minSimilarity = input.minSimilarity ?? -1;
      if (typeof minSimilarity !== "number" || !(minSimilarity >= -1 && minSimilarity <= 1)) {
        throw FabricError.invalid("min_similarity", "must be a number from -1 to 1");
      }
      const metadata = validateMetadata(input.metadata);

      if (input.waitForIndex) {
        const revision = await store.revision();
        const signal = callOptions?.signal ?? AbortSignal.timeout(callOptions?.timeoutMs ?? WAIT_FOR_INDEX_MS);
        await indexer.waitFor(revision, signal);
      }
      const [vector] = await options.embedder.embed([input.query]);
      // Ask for a few more than wanted: hits found stale below are dropped.
      const hits = await options.index.search(vector, {
        limit: Math.min(limit * 2 + 4, limit + 50),
        minSimilarity,
        filter: { ...(scope ? { scope } : {}), ...(Object.keys(metadata).length ? { metadata } : {}) },
      });
      const checked = await Promise.all(
        hits.map(async (hit) => {
          const ctx = await current(hit.payload.scope as Scope, hit.payload.key);
          return ctx && ctx.revision === hit.payload.revision ? { ctx, similarity: hit.score } : undefined;
        }),
      );
      return checked
        .filter((r): r is { ctx: Context; similarity: number } => r !== undefined)
        .slice(0, limit)
        .map(({ ctx, similarity }) => ({ context: ctx, similarity, key: ctx.key, value: ctx.value }));
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
      };
    },

    async closeSearch() {
      await indexer.close();
      await options.index.close();
      await options.embedder.close();
    },
  };
}
