import type { ContextService } from "../../client/gen/cachefabric/v1/context_pb.js";
import type { Fabric } from "../../client/types.js";
import { FabricError } from "../core/errors.js";
import type { ServiceHandlers } from "./adapter.js";

type WatchHandler = ServiceHandlers<(typeof ContextService)["method"]>["watch"];

/** The Watch RPC over `fabric.watch` (issue 4). Not implemented yet. */
export function watchHandler(_fabric: Fabric): WatchHandler {
  // eslint-disable-next-line require-yield
  return async function* () {
    throw new FabricError("UNIMPLEMENTED", "Watch is not implemented yet");
  };
}
