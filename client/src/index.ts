/**
 * The Cache Fabric client package: `FabricClient` (the fabric over gRPC), the `Fabric` interface it
 * shares with the in-process core, the error type, and the generated protobuf-es messages.
 */
export { FabricClient, type FabricClientOptions } from "./remote/fabric-client.js";
export { FabricError, type ErrorCode, ERROR_CODES } from "./api/errors.js";
export { createPromptCache, type PromptCache, type PromptCacheOptions } from "./agent/prompt-cache.js";
export {
  createLabelPromptCache,
  type CachedPrompt,
  type FallbackPrompt,
  type LabelPromptCache,
  type LabelPromptCacheOptions,
} from "./agent/label-prompt-cache.js";
export { trackExecution, promptFields, type TrackOptions, type PromptRunFields, type RegistryPromptRef } from "./agent/agent-tracker.js";
export * from "./api/types.js";
export * from "./api/prompts.js";
export * from "./api/prompt-resolve.js";
export { renderTemplate, templateVariables, type TemplateValue } from "./api/prompt-template.js";
export * as pb from "./gen/cachefabric/v1/context_pb.js";
export * as searchPb from "./gen/cachefabric/v1/search_pb.js";
export * as executionPb from "./gen/cachefabric/v1/execution_pb.js";
export * as promptPb from "./gen/cachefabric/v1/prompt_pb.js";
