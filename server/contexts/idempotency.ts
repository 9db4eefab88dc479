import { FabricError } from "@cache-fabric/client/api";

/**
 * Idempotency keys as callers send them. A key names one write (SetContext, DeleteContext, Batch)
 * for the idempotency window: the store remembers that write's outcome under it, so a retry after a
 * lost answer returns the outcome instead of applying again (server/store/write-outcome.ts).
 */

/** How long an outcome is remembered by default: long enough for any client's retries of one call. */
export const DEFAULT_IDEMPOTENCY_WINDOW_MS = 5 * 60_000;

const MAX_KEY_LENGTH = 128;
const KEY_RE = /^[A-Za-z0-9_\-.:/+=]+$/;

/** The key, or undefined when none was given (absent or empty); INVALID_ARGUMENT when malformed. */
export function validateIdempotencyKey(key: unknown, field = "idempotency_key"): string | undefined {
  if (key === undefined || key === null || key === "") return undefined;
  if (typeof key !== "string") throw FabricError.invalid(field, "must be a string");
  if (key.length > MAX_KEY_LENGTH) throw FabricError.invalid(field, `must be at most ${MAX_KEY_LENGTH} characters (got ${key.length})`);
  if (!KEY_RE.test(key)) throw FabricError.invalid(field, "may contain only letters, digits and _ - . : / + =");
  return key;
}
