import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  SearchMode as PbSearchMode,
  type SearchRequest,
  type SearchRequestSchema,
  type SearchResult as PbSearchResult,
  type SearchResultSchema,
  type SearchStatusResponse,
  type SearchStatusResponseSchema,
} from "../gen/cachefabric/v1/search_pb.js";
import { FabricError } from "../api/errors.js";
import type { Scope, SearchInput, SearchMode, SearchResult, SearchStatus } from "../api/types.js";
import { contextFromPb, contextToPb, metadataToPb, scopeFromPb, scopeToPb, toBig } from "./convert.js";

/**
 * Search messages ⇄ API types, for both ends. Two conventions of the wire live here only:
 * - `min_similarity` 0 means "the server's default" (proto3 has no presence for it): an API caller
 *   that leaves `minSimilarity` out sends 0, and one that asks for exactly 0 sends the smallest
 *   positive double, which no cosine falls between.
 * - optional numbers of a result (`vectorRank`, `lexicalRank`, `lexicalScore`, `lexicalCoverage`)
 *   travel as 0 for absent.
 */

const MODE_TO_PB: Record<SearchMode, PbSearchMode> = { vector: PbSearchMode.VECTOR, hybrid: PbSearchMode.HYBRID };

/** The client's request. */
export function searchRequestToPb(input: SearchInput): MessageInitShape<typeof SearchRequestSchema> {
  if (input.mode !== undefined && !Object.hasOwn(MODE_TO_PB, input.mode)) throw FabricError.invalid("mode", "must be vector or hybrid");
  const min = input.minSimilarity;
  return {
    query: input.query,
    scope: scopeToPb(input.scope),
    limit: input.limit ?? 0,
    minSimilarity: min === undefined ? 0 : min === 0 ? Number.MIN_VALUE : min,
    metadata: metadataToPb(input.metadata),
    waitForIndex: input.waitForIndex ?? false,
    mode: input.mode === undefined ? PbSearchMode.UNSPECIFIED : MODE_TO_PB[input.mode],
    keyPrefix: input.keyPrefix ?? "",
    within: (input.within ?? []).map((n, i) => ({ scope: scopeToPb(n.scope, `within[${i}].scope`), keyPrefix: n.keyPrefix ?? "" })),
  };
}

/** The server's view of a request. */
export function searchInputFromPb(req: SearchRequest): SearchInput {
  let mode: SearchMode | undefined;
  if (req.mode === PbSearchMode.VECTOR) mode = "vector";
  else if (req.mode === PbSearchMode.HYBRID) mode = "hybrid";
  else if (req.mode !== PbSearchMode.UNSPECIFIED) throw FabricError.invalid("mode", `unknown mode ${req.mode}`);
  return {
    query: req.query,
    scope: scopeFromPb(req.scope),
    limit: req.limit,
    ...(req.minSimilarity !== 0 ? { minSimilarity: req.minSimilarity } : {}),
    metadata: req.metadata,
    waitForIndex: req.waitForIndex,
    ...(mode ? { mode } : {}),
    ...(req.keyPrefix !== "" ? { keyPrefix: req.keyPrefix } : {}),
    ...(req.within.length > 0
      ? {
          within: req.within.map((n, i) => {
            const scope = scopeFromPb(n.scope, `within[${i}].scope`);
            if (!scope) throw FabricError.invalid(`within[${i}].scope`, "is required");
            return { scope, ...(n.keyPrefix !== "" ? { keyPrefix: n.keyPrefix } : {}) };
          }),
        }
      : {}),
  };
}

export function searchResultToPb(r: SearchResult): MessageInitShape<typeof SearchResultSchema> {
  return {
    context: contextToPb(r.context),
    similarity: r.similarity,
    score: r.score,
    vectorRank: r.vectorRank ?? 0,
    lexicalRank: r.lexicalRank ?? 0,
    lexicalScore: r.lexicalScore ?? 0,
    lexicalCoverage: r.lexicalCoverage ?? 0,
    chunk: r.chunk,
    matchedText: r.matchedText ?? "",
  };
}

export function searchResultFromPb(r: PbSearchResult): SearchResult {
  const context = contextFromPb(r.context!);
  return {
    context,
    similarity: r.similarity,
    score: r.score,
    ...(r.vectorRank > 0 ? { vectorRank: r.vectorRank } : {}),
    ...(r.lexicalRank > 0 ? { lexicalRank: r.lexicalRank, lexicalScore: r.lexicalScore, lexicalCoverage: r.lexicalCoverage } : {}),
    chunk: r.chunk,
    ...(r.matchedText !== "" ? { matchedText: r.matchedText } : {}),
    key: context.key,
    value: context.value,
  };
}

export function searchStatusToPb(s: SearchStatus): MessageInitShape<typeof SearchStatusResponseSchema> {
  return {
    model: s.model,
    dimension: s.dimension,
    index: s.index,
    scopes: s.scopes.map((x) => scopeToPb(x)),
    vectors: toBig(s.vectors),
    indexedRevision: toBig(s.indexedRevision),
    embedderQueue: toBig(s.embedderQueue),
    hybrid: s.hybrid,
    minSimilarity: s.minSimilarity,
  };
}

export function searchStatusFromPb(s: SearchStatusResponse): SearchStatus {
  return {
    model: s.model,
    dimension: s.dimension,
    index: s.index === "qdrant" ? "qdrant" : "memory",
    scopes: s.scopes.map((x) => scopeFromPb(x)).filter((x): x is Scope => x !== undefined),
    vectors: Number(s.vectors),
    indexedRevision: Number(s.indexedRevision),
    embedderQueue: Number(s.embedderQueue),
    hybrid: s.hybrid,
    minSimilarity: s.minSimilarity,
  };
}
