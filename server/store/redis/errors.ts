import { FabricError } from "@cache-fabric/client/api";

/**
 * Redis error replies that mean "not now" rather than "wrong": the server is loading its data, busy
 * with a long script, a replica after a failover, a cluster in transition, refusing writes after a
 * failed save. The caller may retry, so they are UNAVAILABLE like a lost connection.
 */
const TRANSIENT_REPLIES = /^(LOADING|BUSY|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|MOVED|ASK|NOREPLICAS|MISCONF|NOAUTH|WRONGPASS|NOPERM)\b/;

/**
 * Maps anything a Redis call threw to a FabricError. The message says what happened in terms a
 * caller can act on and never carries the Redis address; the original error is kept as `cause` for
 * the server's logs.
 *
 * - Connection-level failures (no connection, connection lost mid-call, no answer within the
 *   command timeout) are UNAVAILABLE. A write that timed out may still have been applied: the
 *   caller learns the outcome from the revision or the change feed, as with any lost reply.
 * - Out of memory is RESOURCE_EXHAUSTED (nothing was written: write scripts are refused whole).
 * - Other error replies (a bug, or keys of this prefix changed outside the fabric) and programming
 *   errors are INTERNAL.
 */
export function toFabricError(e: unknown): FabricError {
  if (e instanceof FabricError) return e;
  const err = e as { name?: string; message?: string } | null;
  const message = err?.message ?? String(e);
  if (err?.name === "ReplyError") {
    if (message.startsWith("OOM")) {
      return new FabricError("RESOURCE_EXHAUSTED", "store is out of memory (Redis maxmemory reached)", { cause: e });
    }
    if (TRANSIENT_REPLIES.test(message)) {
      return new FabricError("UNAVAILABLE", `store unavailable: Redis answered ${message.split(" ")[0]}`, { cause: e });
    }
    return new FabricError("INTERNAL", "store error", { cause: e });
  }
  if (e instanceof TypeError || e instanceof RangeError || e instanceof SyntaxError || e instanceof ReferenceError) {
    return new FabricError("INTERNAL", "store error", { cause: e });
  }
  if (message === "Command timed out") {
    return new FabricError("UNAVAILABLE", "store unavailable: Redis did not answer in time", { cause: e });
  }
  return new FabricError("UNAVAILABLE", "store unavailable: no connection to Redis", { cause: e });
}

/** Runs `fn`, turning whatever it throws into a FabricError (see toFabricError). */
export async function redisCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toFabricError(e);
  }
}

/**
 * A failed write, named for what the caller can know: when the script may have reached Redis and
 * run (no answer within the timeout, or the connection lost while it was in flight) the message says
 * the write may have been applied, and how to find out; when it never left (no connection) or Redis
 * refused it whole (an error reply), nothing was written.
 */
export function writeFailure(e: unknown): FabricError {
  const error = toFabricError(e);
  if (error.code !== "UNAVAILABLE" || (e as { name?: string } | null)?.name === "ReplyError") return error;
  const message = (e as Error | null)?.message ?? "";
  // ioredis refuses a command at once, without sending it, while the connection is down.
  if (message.includes("enableOfflineQueue") || message.includes("isn't writeable")) {
    return new FabricError("UNAVAILABLE", `${error.message}; the write was not applied`, { cause: e });
  }
  return new FabricError(
    "UNAVAILABLE",
    `${error.message}; the write may have been applied (retry with the same idempotency key to apply it at most once, or read it back)`,
    { cause: e },
  );
}
