/**
 * The wire: API types ⇄ protobuf messages and errors ⇄ gRPC status codes, for both ends (the server's
 * handlers and the client's calls), so each mapping exists once.
 */
export * from "./convert.js";
export * from "./execution-convert.js";
export * from "./prompt-convert.js";
export * from "./input-checks.js";
export * from "./search-convert.js";
export * from "./watch-convert.js";
export * from "./grpc-definition.js";
export * from "./status.js";
