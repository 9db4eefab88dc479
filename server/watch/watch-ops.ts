import type { Fabric } from "../../client/types.js";
import { FabricError } from "../core/errors.js";
import type { Store } from "../store/types.js";

/** Watch tuning (issue 4). */
export interface WatchOptions {}

export interface WatchOps extends Pick<Fabric, "watch"> {
  closeWatch(): Promise<void>;
}

/** Watch over the store's change feed. Not implemented yet: answers UNIMPLEMENTED. */
export function createWatchOps(_deps: { store: Store; options: WatchOptions }): WatchOps {
  return {
    watch() {
      throw new FabricError("UNIMPLEMENTED", "Watch is not implemented yet");
    },
    closeWatch: async () => {},
  };
}
