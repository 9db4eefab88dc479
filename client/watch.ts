import type { Transport } from "./transport.js";
import type { WatchInput, WatchMessage } from "./types.js";
import { FabricError } from "./errors.js";

/** The client's `watch()` (issue 4). Not implemented yet. */
export function watchRemote(_transport: Transport, _input: WatchInput): AsyncIterable<WatchMessage> {
  return {
    [Symbol.asyncIterator]() {
      throw new FabricError("UNIMPLEMENTED", "watch is not implemented yet");
    },
  };
}
