import type { FlagSpec } from "../command.js";

/** Flags several commands take, described once. */
export const SCOPE_FLAG: FlagSpec = { kind: "string", help: "SCOPE  GLOBAL (default), EXECUTION, FEEDBACK or USER, any case" };
export const METADATA_FLAG: FlagSpec = { kind: "string", help: "K=V,...  metadata pairs" };
export const TTL_FLAG: FlagSpec = { kind: "string", help: "SECONDS  time to live" };
export const IF_REVISION_FLAG: FlagSpec = { kind: "string", help: "N  only if the context is at this revision (0: only if absent)" };
