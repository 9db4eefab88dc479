import type { SearchService } from "../../client/gen/cachefabric/v1/search_pb.js";
import type { Fabric } from "../../client/types.js";
import { FabricError } from "../core/errors.js";
import type { ServiceHandlers } from "./adapter.js";

type Handlers = ServiceHandlers<(typeof SearchService)["method"]>;

/** SearchService over a Fabric (issue 5). Not implemented yet. */
export function searchServiceHandlers(_fabric: Fabric): Handlers {
  return {
    async search() {
      throw new FabricError("UNIMPLEMENTED", "Search is not implemented yet");
    },
  };
}
