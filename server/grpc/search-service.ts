import { searchInputFromPb, searchResultToPb, searchStatusToPb, toBig } from "@cache-fabric/client/wire";
import type { SearchService } from "@cache-fabric/client/gen/search";
import type { Fabric } from "@cache-fabric/client/api";
import type { ServiceHandlers } from "./adapter.js";

type Handlers = ServiceHandlers<(typeof SearchService)["method"]>;

/** SearchService over a Fabric: proto ⇄ API types (client/src/wire/search-convert.ts), nothing else. */
export function searchServiceHandlers(fabric: Fabric): Handlers {
  return {
    async search(req, ctx) {
      const results = await fabric.search(searchInputFromPb(req), { signal: ctx.signal });
      return { results: results.map(searchResultToPb) };
    },
    async *reindex(_req, ctx) {
      for await (const p of fabric.reindex({ signal: ctx.signal })) yield { done: toBig(p.done), total: toBig(p.total) };
    },
    async searchStatus() {
      return searchStatusToPb(await fabric.searchStatus());
    },
  };
}
