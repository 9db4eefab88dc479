// Error codes ⇄ gRPC status codes: the one mapping, for both ends of the wire. (The error type itself,
// in api/errors.ts, knows no transport.)
import { status as GrpcStatus } from "@grpc/grpc-js";
import { ERROR_CODES, type ErrorCode } from "../api/errors.js";

/** gRPC status code for a fabric error code. */
export function toGrpcStatus(code: ErrorCode): GrpcStatus {
  return GrpcStatus[code];
}

/** Fabric error code for a gRPC status code; OK and UNKNOWN (never sent by the fabric) become INTERNAL. */
export function fromGrpcStatus(status: number): ErrorCode {
  const name = GrpcStatus[status] as string | undefined;
  return name && (ERROR_CODES as readonly string[]).includes(name) ? (name as ErrorCode) : "INTERNAL";
}
