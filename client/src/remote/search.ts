import { contextFromPb, metadataToPb, scopeFromPb, scopeToPb } from "../wire/convert.js";
import { SearchService } from "../gen/cachefabric/v1/search_pb.js";
import type { Transport } from "./transport.js";
import type { CallOptions, ReindexProgress, Scope, SearchInput, SearchResult, SearchStatus } from "../api/types.js";

const M = SearchService.method;

/** `search()` over the wire: SearchService.Search. */
export async function searchRemote(transport: Transport, input: SearchInput, options?: CallOptions): Promise<SearchResult[]> {
  const res = await transport.unary(
    M.search,
    {
      query: input.query,
      scope: scopeToPb(input.scope),
      limit: input.limit ?? 0,
      minSimilarity: input.minSimilarity ?? -1,
      metadata: metadataToPb(input.metadata),
      waitForIndex: input.waitForIndex ?? false,
    },
    options,
  );
  return res.results.map((r) => {
    const context = contextFromPb(r.context!);
    return { context, similarity: r.similarity, key: context.key, value: context.value };
  });
}

/** `reindex()` over the wire: a stream of progress messages. */
export async function* reindexRemote(transport: Transport, options?: CallOptions): AsyncIterable<ReindexProgress> {
  for await (const p of transport.serverStream(M.reindex, {}, options)) yield { done: Number(p.done), total: Number(p.total) };
}

export async function searchStatusRemote(transport: Transport, options?: CallOptions): Promise<SearchStatus> {
  const s = await transport.unary(M.searchStatus, {}, options);
  return {
    model: s.model,
    dimension: s.dimension,
    index: s.index === "qdrant" ? "qdrant" : "memory",
    scopes: s.scopes.map((x) => scopeFromPb(x)).filter((x): x is Scope => x !== undefined),
    vectors: Number(s.vectors),
    indexedRevision: Number(s.indexedRevision),
    embedderQueue: Number(s.embedderQueue),
  };
}
