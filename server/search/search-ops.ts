import type { Fabric } from "../../client/types.js";
import type { ContextOps } from "../core/context-ops.js";
import { FabricError } from "../core/errors.js";
import type { Store } from "../store/types.js";

/** Semantic search settings (issue 5). */
export interface SearchOptions {}

export interface SearchOps extends Pick<Fabric, "search"> {
  closeSearch(): Promise<void>;
}

/** Search over an embedder and a vector index. Not implemented yet: answers UNIMPLEMENTED. */
export function createSearchOps(_deps: { store: Store; contextOps: ContextOps; options: SearchOptions | undefined }): SearchOps {
  return {
    search: async () => {
      throw new FabricError("UNIMPLEMENTED", "Search is not implemented yet");
    },
    closeSearch: async () => {},
  };
}
