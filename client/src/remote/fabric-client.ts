import { randomUUID } from "node:crypto";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Value } from "@bufbuild/protobuf/wkt";
import {
  contextFromPb, fromBig, headerFromPb, metadataToPb, scopeFromPb, scopeToPb, secondsToPb, valueFromPb, valueToPb,
} from "../wire/convert.js";
import { FabricError } from "../api/errors.js";
import { executionCalls, type ExecutionCalls } from "./executions.js";
import { remotePrompts } from "./prompts.js";
import type { PromptRegistry } from "../api/prompts.js";
import {
  ContextService, type Context as PbContext, type DeleteContextResponse,
} from "../gen/cachefabric/v1/context_pb.js";
import { createPipeline } from "../api/pipeline.js";
import { reindexRemote, searchRemote, searchStatusRemote } from "./search.js";
import { createTransport, type Transport, type TransportOptions } from "./transport.js";
import type {
  BatchOperation, BatchOptions, BatchResult, CallOptions, CleanupInput, CleanupResult, Context, ContextRef,
  DeleteContextInput, DeleteOutcome, DeleteResult, Fabric, FabricStats, Pipeline, QueryInput, QueryPage, ReindexProgress,
  Scope, SearchInput, SearchResult, SearchStatus, SetContextInput, StoreHeaderInfo, WatchInput, WatchMessage, WriteOptions,
} from "../api/types.js";
import { SCOPES } from "../api/types.js";
import { watchRemote } from "./watch.js";

export type FabricClientOptions = TransportOptions;

const M = ContextService.method;

/**
 * The fabric over gRPC: the same `Fabric` interface as the in-process core, so code written against
 * one runs against the other. Every call has a deadline (`timeoutMs`, default 5 s); every failure is
 * a `FabricError` whose `code` is the gRPC status name.
 *
 * A call that fails with UNAVAILABLE is retried (`retry`, default 3 attempts with backoff from
 * 50 ms, within the deadline): reads as they are, writes with an idempotency key (the call's own, or
 * one generated per call), so a retried write applies at most once. The answers to writes carry
 * revisions and times, not the values written: `setContext` resolves to the context built from its
 * input and those, as the server stored it.
 *
 * @example
 * const fabric = new FabricClient({ address: "127.0.0.1:50051" });
 * await fabric.setContext({ key: "router:main:system_message", value: "You are a helpful assistant", scope: "GLOBAL" });
 * const ctx = await fabric.getContext({ key: "router:main:system_message", scope: "GLOBAL" });
 * console.log(ctx?.value ?? "default prompt");
 */
export class FabricClient implements Fabric {
  readonly transport: Transport;
  private readonly closing = new AbortController();
  private readonly executions: ExecutionCalls;
  /** The prompt registry (PromptService): versions, labels, history, rollouts. */
  readonly prompts: PromptRegistry;

  constructor(options: FabricClientOptions = {}) {
    this.transport = createTransport(options);
    this.executions = executionCalls(this.transport);
    this.prompts = remotePrompts(this.transport);
  }

  async setContext(input: SetContextInput, options?: WriteOptions): Promise<Context> {
    const request = setRequest(input);
    const key = this.idempotencyKey(options);
    const res = await this.transport.unary(M.setContext, { ...request, idempotencyKey: key ?? "" }, options, key !== undefined);
    tell(options, headerFromPb(res.header, res.context?.revision));
    return storedContext(required(res.context, "context"), request);
  }

  async getContext(ref: ContextRef, options?: CallOptions): Promise<Context | null> {
    const res = await this.transport.unary(M.getContext, { key: ref.key, scope: scopeToPb(ref.scope) }, options, true);
    tell(options, headerFromPb(res.header));
    return res.context ? contextFromPb(res.context) : null;
  }

  async deleteContext(input: DeleteContextInput, options?: WriteOptions): Promise<DeleteResult> {
    const key = this.idempotencyKey(options);
    const res = await this.transport.unary(M.deleteContext, { ...deleteRequest(input), idempotencyKey: key ?? "" }, options, key !== undefined);
    const header = headerFromPb(res.header, res.revision);
    tell(options, header);
    return { ...deleteOutcome(res), storeId: header.storeId };
  }

  async query(input: QueryInput, options?: CallOptions): Promise<QueryPage> {
    const res = await this.transport.unary(
      M.query,
      { scope: scopeToPb(input.scope), pattern: input.pattern ?? "", limit: input.limit ?? 0, pageToken: input.pageToken ?? "" },
      options,
      true,
    );
    const header = headerFromPb(res.header, res.revision);
    tell(options, header);
    return {
      contexts: res.contexts.map(contextFromPb),
      revision: fromBig(res.revision),
      storeId: header.storeId,
      ...(res.nextPageToken ? { nextPageToken: res.nextPageToken } : {}),
    };
  }

  async batch(operations: BatchOperation[], options?: BatchOptions): Promise<BatchResult> {
    const requests = operations.map((o) => (o.op === "set" ? setRequest(o) : deleteRequest(o)));
    const key = this.idempotencyKey(options);
    const res = await this.transport.unary(
      M.batch,
      {
        operations: operations.map((o, i) =>
          o.op === "set"
            ? { op: { case: "set" as const, value: requests[i] as SetRequest } }
            : { op: { case: "delete" as const, value: requests[i] } },
        ),
        idempotencyKey: key ?? "",
        returnValues: options?.returnValues === true,
      },
      options,
      key !== undefined,
    );
    const header = headerFromPb(res.header, res.revision);
    tell(options, header);
    if (res.results.length !== operations.length) throw new FabricError("INTERNAL", "server sent a batch answer of another length");
    return {
      revision: fromBig(res.revision),
      storeId: header.storeId,
      ...(res.valuesOmitted ? { valuesOmitted: true } : {}),
      results: res.results.map((r, i) => {
        if (r.result.case === "set") return { op: "set" as const, context: storedContext(r.result.value, requests[i] as SetRequest) };
        if (r.result.case === "delete") return { op: "delete" as const, ...deleteOutcome(r.result.value) };
        throw new FabricError("INTERNAL", "server sent an empty batch result");
      }),
    };
  }

  pipeline(): Pipeline {
    return createPipeline((operations, options) => this.batch(operations, options));
  }

  async stats(options?: CallOptions): Promise<FabricStats> {
    const res = await this.transport.unary(M.stats, {}, options, true);
    const header = headerFromPb(res.header, res.revision);
    tell(options, header);
    const counts = Object.fromEntries(SCOPES.map((s) => [s, 0])) as Record<Scope, number>;
    for (const c of res.counts) {
      const scope = scopeFromPb(c.scope);
      if (scope) counts[scope] = Number(c.count);
    }
    return {
      counts,
      totalCount: Number(res.totalCount),
      memoryUsageBytes: Number(res.memoryUsageBytes),
      hitRate: res.hitRate,
      hits: Number(res.hits),
      misses: Number(res.misses),
      avgLatencyMs: res.avgLatencyMs,
      storeId: header.storeId,
      revision: Number(res.revision),
    };
  }

  async countContexts(scope?: Scope, options?: CallOptions): Promise<number> {
    const stats = await this.stats(options);
    return scope === undefined ? stats.totalCount : stats.counts[scope];
  }

  async getMemoryUsage(options?: CallOptions): Promise<number> {
    return (await this.stats(options)).memoryUsageBytes;
  }

  async getHitRate(options?: CallOptions): Promise<number> {
    return (await this.stats(options)).hitRate;
  }

  async getAvgLatency(options?: CallOptions): Promise<number> {
    return (await this.stats(options)).avgLatencyMs;
  }

  async cleanup(input: CleanupInput, options?: CallOptions): Promise<CleanupResult> {
    const before = input.before instanceof Date ? input.before : new Date(input.before);
    if (Number.isNaN(before.getTime())) throw FabricError.invalid("before", "must be a date (Date, ISO-8601 string or epoch milliseconds)");
    const res = await this.transport.unary(
      M.cleanup,
      { before: timestampFromDate(before), scope: scopeToPb(input.scope), pattern: input.pattern ?? "" },
      options,
    );
    const header = headerFromPb(res.header, res.revision);
    tell(options, header);
    return { deleted: Number(res.deleted), revision: Number(res.revision), storeId: header.storeId };
  }

  watch(input: WatchInput): AsyncIterable<WatchMessage> {
    // close() ends every watch of this client cleanly, as a consumer's own signal would.
    const signal = input.signal ? AbortSignal.any([input.signal, this.closing.signal]) : this.closing.signal;
    return watchRemote(this.transport, { ...input, signal });
  }

  search(input: SearchInput, options?: CallOptions): Promise<SearchResult[]> {
    return searchRemote(this.transport, input, options);
  }

  reindex(options?: CallOptions): AsyncIterable<ReindexProgress> {
    return reindexRemote(this.transport, options);
  }

  searchStatus(options?: CallOptions): Promise<SearchStatus> {
    return searchStatusRemote(this.transport, options);
  }

  recordExecution: ExecutionCalls["recordExecution"] = (...args) => this.executions.recordExecution(...args);
  recordFeedback: ExecutionCalls["recordFeedback"] = (...args) => this.executions.recordFeedback(...args);
  getExecution: ExecutionCalls["getExecution"] = (...args) => this.executions.getExecution(...args);
  listExecutions: ExecutionCalls["listExecutions"] = (...args) => this.executions.listExecutions(...args);
  executionStats: ExecutionCalls["executionStats"] = (...args) => this.executions.executionStats(...args);
  feedbackSummary: ExecutionCalls["feedbackSummary"] = (...args) => this.executions.feedbackSummary(...args);
  exportTrainingData: ExecutionCalls["exportTrainingData"] = (...args) => this.executions.exportTrainingData(...args);

  /** Ends this client's watches, cancels its other streams (they fail with CANCELLED) and closes the channel. */
  async close(): Promise<void> {
    this.closing.abort();
    this.transport.close();
  }

  /** The call's idempotency key, or a generated one when this client retries writes. */
  private idempotencyKey(options: WriteOptions | undefined): string | undefined {
    return options?.idempotencyKey || (this.transport.retriesWrites ? randomUUID() : undefined);
  }
}

type SetRequest = ReturnType<typeof setRequest>;

/**
 * The context as stored: revisions and times from the server's answer, value and metadata from the
 * request (the server leaves them out of its answer unless asked: the caller has them).
 */
function storedContext(pb: PbContext, request: SetRequest): Context {
  const ctx = contextFromPb(pb);
  if (pb.value === undefined) {
    ctx.value = valueFromPb(request.value as Value | undefined) ?? null;
    ctx.metadata = { ...request.metadata };
  }
  return ctx;
}

function tell(options: CallOptions | undefined, header: StoreHeaderInfo): void {
  options?.onHeader?.(header);
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new FabricError("INTERNAL", `server sent a response without ${what}`);
  return value;
}

function setRequest(input: SetContextInput) {
  let value;
  try {
    value = input.value === undefined ? undefined : valueToPb(input.value);
  } catch (e) {
    throw FabricError.invalid("value", `is not JSON data (${(e as Error).message})`);
  }
  return {
    key: input.key,
    scope: scopeToPb(input.scope),
    value,
    metadata: metadataToPb(input.metadata),
    ttl: secondsToPb(input.ttl),
    ifRevision: toInt64(input.ifRevision, "if_revision"),
  };
}

function deleteRequest(input: DeleteContextInput) {
  return { key: input.key, scope: scopeToPb(input.scope), ifRevision: toInt64(input.ifRevision, "if_revision") };
}

function deleteOutcome(res: DeleteContextResponse): DeleteOutcome {
  return {
    deleted: res.deleted,
    revision: Number(res.revision),
    ...(res.previous ? { previous: contextFromPb(res.previous) } : {}),
  };
}

function toInt64(n: number | undefined, field: string): bigint | undefined {
  if (n === undefined) return undefined;
  if (!Number.isSafeInteger(n)) throw FabricError.invalid(field, "must be an integer");
  return BigInt(n);
}
