/**
 * What an agent builds on any `Fabric` (in-process or remote): the resumable watch, the prompt cache,
 * execution tracking.
 */
export * from "./resumable-watch.js";
export * from "./prompt-cache.js";
export * from "./label-prompt-cache.js";
export * from "./agent-tracker.js";
