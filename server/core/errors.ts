/** The server uses the same error type as the client package; see client/errors.ts. */
export { FabricError, type ErrorCode, ERROR_CODES, toGrpcStatus, fromGrpcStatus } from "../../client/errors.js";
