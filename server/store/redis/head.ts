import { FabricError } from "@cache-fabric/client/api";
import type { StoreHeader } from "../types.js";

/** HEAD parsed: the store header and the last write's time by the fabric's clock (ms). */
export interface Head extends StoreHeader {
  clock: number;
}

/**
 * Parses HEAD (keys.ts): `<revision> <clock> <id>`, written only by the scripts (lua-prelude.ts
 * `write_head`). One string, so that a plain MGET reads it in the same command as the records whose
 * history it names.
 */
export function parseHead(text: string): Head {
  const a = text.indexOf(" ");
  const b = a < 0 ? -1 : text.indexOf(" ", a + 1);
  const revision = Number(text.slice(0, a));
  const clock = Number(text.slice(a + 1, b));
  if (b < 0 || !Number.isSafeInteger(revision) || !Number.isSafeInteger(clock) || b + 1 >= text.length) {
    throw new FabricError("INTERNAL", "the store header in Redis is not readable");
  }
  return { revision, clock, storeId: text.slice(b + 1) };
}
