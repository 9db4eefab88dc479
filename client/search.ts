import type { Transport } from "./transport.js";
import type { CallOptions, SearchInput, SearchResult } from "./types.js";
import { FabricError } from "./errors.js";

/** The client's `search()` (issue 5). Not implemented yet. */
export async function searchRemote(_transport: Transport, _input: SearchInput, _options?: CallOptions): Promise<SearchResult[]> {
  throw new FabricError("UNIMPLEMENTED", "search is not implemented yet");
}
