import { searchRequestToPb, searchResultFromPb, searchStatusFromPb } from "../wire/search-convert.js";
import { SearchService } from "../gen/cachefabric/v1/search_pb.js";
import type { Transport } from "./transport.js";
import type { CallOptions, ReindexProgress, SearchInput, SearchResult, SearchStatus } from "../api/types.js";

const M = SearchService.method;

/** `search()` over the wire: SearchService.Search. */
export async function searchRemote(transport: Transport, input: SearchInput, options?: CallOptions): Promise<SearchResult[]> {
  const res = await transport.unary(M.search, searchRequestToPb(input), options);
  return res.results.map(searchResultFromPb);
}

/** `reindex()` over the wire: a stream of progress messages. */
export async function* reindexRemote(transport: Transport, options?: CallOptions): AsyncIterable<ReindexProgress> {
  for await (const p of transport.serverStream(M.reindex, {}, options)) yield { done: Number(p.done), total: Number(p.total) };
}

export async function searchStatusRemote(transport: Transport, options?: CallOptions): Promise<SearchStatus> {
  return searchStatusFromPb(await transport.unary(M.searchStatus, {}, options));
}
