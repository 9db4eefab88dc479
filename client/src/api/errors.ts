/**
 * The closed set of error codes the fabric uses, named as gRPC names them so that a caller in any
 * language reads the same code from the status.
 */
export const ERROR_CODES = [
  "CANCELLED",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "UNAUTHENTICATED",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * The one error type of the fabric, on both sides of the wire. The server maps it to a gRPC status
 * (code + message, never the `cause`); the client turns every failed call back into one.
 *
 * @example
 * try { await fabric.setContext({ key: "", value: 1 }); }
 * catch (e) { if (FabricError.is(e, "INVALID_ARGUMENT")) console.log(e.message); }
 */
export class FabricError extends Error {
  override readonly name = "FabricError";

  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** True when `e` is a FabricError, with the given code if one is named. */
  static is(e: unknown, code?: ErrorCode): e is FabricError {
    return e instanceof FabricError && (code === undefined || e.code === code);
  }

  /**
   * Normalises anything thrown into a FabricError. Unknown errors become INTERNAL with a generic
   * message; the original is kept as `cause` for logs and never sent to a caller.
   */
  static from(reason: unknown): FabricError {
    if (reason instanceof FabricError) return reason;
    const code = (reason as { code?: unknown } | null)?.code;
    if (typeof code === "string" && (ERROR_CODES as readonly string[]).includes(code)) {
      return new FabricError(code as ErrorCode, (reason as Error).message ?? String(reason), { cause: reason });
    }
    return new FabricError("INTERNAL", "internal error", { cause: reason });
  }

  /** Shorthand for the error bad input gets: names the field and the rule it broke. */
  static invalid(field: string, rule: string): FabricError {
    return new FabricError("INVALID_ARGUMENT", `${field}: ${rule}`);
  }
}
