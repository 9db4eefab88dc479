/**
 * The shared contract: the `Fabric` interface and its types, the error type, and the pipeline over
 * any batch function. Nothing here knows a transport; the server's core implements the same interface.
 */
export * from "./types.js";
export * from "./errors.js";
export * from "./pipeline.js";
export * from "./prompts.js";
export * from "./prompt-resolve.js";
export * from "./prompt-records.js";
export * from "./prompt-template.js";
