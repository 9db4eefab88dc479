import { contextToPb, scopeFromPb, scopeToPb, toBig } from "@cache-fabric/client/wire";
import type { SearchService } from "@cache-fabric/client/gen/search";
import type { Fabric } from "@cache-fabric/client/api";
import type { ServiceHandlers } from "./adapter.js";

type Handlers = ServiceHandlers<(typeof SearchService)["method"]>;

/** SearchService over a Fabric: proto ⇄ API types, nothing else. */
export function searchServiceHandlers(fabric: Fabric): Handlers {
  return {
    async search(req, ctx) {
      const results = await fabric.search(
        {
          query: req.query,
          scope: scopeFromPb(req.scope),
          limit: req.limit,
          // proto3 cannot tell 0 from unset; 0 is a meaningful threshold, so -1 (everything) is the client's "unset".
          minSimilarity: req.minSimilarity,
          metadata: req.metadata,
          waitForIndex: req.waitForIndex,
        },
        { signal: ctx.signal },
      );
      return { results: results.map((r) => ({ context: contextToPb(r.context), similarity: r.similarity })) };
    },
    async *reindex(_req, ctx) {
      for await (const p of fabric.reindex({ signal: ctx.signal })) yield { done: toBig(p.done), total: toBig(p.total) };
    },
    async searchStatus() {
      const s = await fabric.searchStatus();
      return {
        model: s.model,
        dimension: s.dimension,
        index: s.index,
        scopes: s.scopes.map((x) => scopeToPb(x)),
        vectors: toBig(s.vectors),
        indexedRevision: toBig(s.indexedRevision),
        embedderQueue: toBig(s.embedderQueue),
      };
    },
  };
}
