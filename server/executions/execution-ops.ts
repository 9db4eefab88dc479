import type {
  CallOptions, Context, Execution, ExecutionInput, ExecutionPage, ExecutionStats, ExecutionStatsInput, ExecutionWithFeedback,
  ExportInput, Fabric, Feedback, FeedbackInput, FeedbackSummary, FeedbackSummaryInput, ListExecutionsInput,
} from "@cache-fabric/client/api";
import { DEFAULT_MAX_MESSAGE_BYTES } from "@cache-fabric/client/api";
import { contextWireSize } from "@cache-fabric/client/wire";
import { pageBytesFor, type ContextOps } from "../contexts/context-ops.js";
import { FabricError } from "@cache-fabric/client/api";
import { prefixGlob } from "../contexts/glob.js";
import { decodePageToken, encodePageToken } from "../contexts/page-token.js";
import type { Store } from "../store/types.js";
import { FeedbackAccumulator, StatsAccumulator } from "./aggregate.js";
import {
  EXECUTION_KEY_PREFIX, FEEDBACK_KEY_PREFIX, decodeExecution, decodeFeedback, encodeExecution, encodeFeedback,
  executionKey, feedbackIdOf, feedbackKey,
} from "./records.js";
import { lookup, scanPages, writtenBeforeWindow } from "./scan.js";
import {
  normalizeExecution, normalizeFeedback, validateExecutionId, validateExportInput, validateFilter, validateListInput,
  type ExecutionFilter,
} from "./validate.js";

/** Execution tracking settings (issue 6); server/executions/settings.ts reads them from the environment. */
export interface ExecutionOptions {
  /**
   * TTL in seconds of records that name none: executions, and feedback on executions that are not
   * stored. Absent or 0: kept until deleted or cleaned up, like any context.
   */
  defaultRetentionSeconds?: number;
  /** Refuse feedback for an execution that is not stored, with NOT_FOUND. Default true. */
  requireKnownExecution?: boolean;
  /** Store page size for scans. Default 1,000. */
  scanPageSize?: number;
  /**
   * Records one ListExecutions call examines at most; a call that reaches it returns what it found
   * with a token to continue, so a rare filter cannot make one call walk the whole scope. Default 10,000.
   */
  maxScanPerList?: number;
  /** Executions per feedback join in an export (two point lookups each, issued together). Default 256. */
  exportBatchSize?: number;
  /**
   * Most bytes of executions one ListExecutions page holds, so that it fits in one response (the
   * fabric sets it from its message limit). Default: for DEFAULT_MAX_MESSAGE_BYTES.
   */
  maxPageBytes?: number;
}

/**
 * What an execution may take on the wire beyond its stored context's bound: its typed fields hold
 * what the context's value holds, in no more bytes, plus a few ids.
 */
const EXECUTION_EXTRA_BYTES = 64;

export type ExecutionOps = Pick<
  Fabric,
  | "recordExecution" | "recordFeedback" | "getExecution" | "listExecutions" | "executionStats" | "feedbackSummary"
  | "exportTrainingData"
>;

const EXECUTIONS = prefixGlob(EXECUTION_KEY_PREFIX);
const FEEDBACK = prefixGlob(FEEDBACK_KEY_PREFIX);

/**
 * Typed executions and feedback over the generic context API. Writes go through `contextOps`, so
 * they get the generic validation, size limit, revision, TTL and watch events like any context; reads
 * page through the store with its query (newest first) and decode records leniently (records.ts), so
 * typed and generic calls see the same data.
 *
 * Reads do not go through `getContext`: the guide's hit rate measures the application's cache reads,
 * and an export's thousands of "no feedback here" lookups would drown it.
 */
export function createExecutionOps(deps: { store: Store; contextOps: ContextOps; options: ExecutionOptions }): ExecutionOps {
  const { store, contextOps } = deps;
  const retentionSeconds = deps.options.defaultRetentionSeconds || undefined;
  const requireKnown = deps.options.requireKnownExecution ?? true;
  const pageSize = deps.options.scanPageSize ?? 1000;
  const maxScanPerList = deps.options.maxScanPerList ?? 10_000;
  const exportBatchSize = deps.options.exportBatchSize ?? 256;
  const maxPageBytes = deps.options.maxPageBytes ?? pageBytesFor(DEFAULT_MAX_MESSAGE_BYTES);

  const getExecutionRecord = async (id: string): Promise<Execution | null> => {
    const ctx = await lookup(store, "EXECUTION", executionKey(id));
    return ctx && decodeExecution(ctx);
  };
  const getFeedback = async (id: string, automated: boolean): Promise<Feedback | undefined> => {
    const ctx = await lookup(store, "FEEDBACK", feedbackKey(id, automated));
    return (ctx && decodeFeedback(ctx)) ?? undefined;
  };
  const withFeedback = async (execution: Execution): Promise<ExecutionWithFeedback> => {
    const [feedback, automatedFeedback] = await Promise.all([getFeedback(execution.id, false), getFeedback(execution.id, true)]);
    return { execution, ...(feedback ? { feedback } : {}), ...(automatedFeedback ? { automatedFeedback } : {}) };
  };

  /**
   * Executions in `filter`, newest written first, a page at a time; stops at the window's start
   * (scan.ts, RECORD_LAG_MS).
   */
  async function* executionsIn(filter: ExecutionFilter, options: CallOptions | undefined): AsyncGenerator<Execution[]> {
    const pages = scanPages(store, "EXECUTION", EXECUTIONS, { pageSize, ...(options?.signal ? { signal: options.signal } : {}) });
    for await (const page of pages) {
      const matched: Execution[] = [];
      let ended = false;
      for (const ctx of page) {
        if (writtenBeforeWindow(ctx, filter.sinceMs)) {
          ended = true;
          break;
        }
        const e = decodeExecution(ctx);
        if (e && matches(e, filter)) matched.push(e);
      }
      yield matched;
      if (ended) return;
    }
  }

  return {
    async recordExecution(input: ExecutionInput): Promise<Execution> {
      const { record, ttlMs } = normalizeExecution(input, Date.now());
      const { value, metadata } = encodeExecution(record);
      const ttl = ttlMs !== undefined ? ttlMs / 1000 : retentionSeconds;
      const ctx = await asRecordError("execution", () =>
        contextOps.setContext({ key: executionKey(record.id), scope: "EXECUTION", value, metadata, ...(ttl ? { ttl } : {}) }),
      );
      return decodeExecution(ctx)!;
    },

    async recordFeedback(input: FeedbackInput): Promise<Feedback> {
      const { record, ttlMs } = normalizeFeedback(input, Date.now());
      let ttl = ttlMs !== undefined ? ttlMs / 1000 : undefined;
      if (requireKnown || ttl === undefined) {
        // Not atomic with the write below: an execution deleted in between leaves orphan feedback,
        // which every read ignores (reads start from executions).
        const execution = await getExecutionRecord(record.executionId);
        if (!execution && requireKnown) {
          throw new FabricError(
            "NOT_FOUND",
            `feedback.execution_id: no execution "${record.executionId}" (EXECUTION/${executionKey(record.executionId)}); record the execution first`,
          );
        }
        // Feedback lives as long as its execution; on an unknown execution, the default retention.
        if (ttl === undefined) {
          ttl = execution ? (execution.expiresAt ? Math.max(0.001, (execution.expiresAt.getTime() - Date.now()) / 1000) : undefined) : retentionSeconds;
        }
      }
      const { value, metadata } = encodeFeedback(record);
      const ctx = await asRecordError("feedback", () =>
        contextOps.setContext({
          key: feedbackKey(record.executionId, record.automated),
          scope: "FEEDBACK",
          value,
          metadata,
          ...(ttl ? { ttl } : {}),
        }),
      );
      return decodeFeedback(ctx)!;
    },

    async getExecution(id: string): Promise<ExecutionWithFeedback | null> {
      const execution = await getExecutionRecord(validateExecutionId(id, "id"));
      return execution && withFeedback(execution);
    },

    async listExecutions(input?: ListExecutionsInput, options?: CallOptions): Promise<ExecutionPage> {
      const filter = validateListInput(input);
      const fingerprint = ["executions", filter.promptKey ?? "", filter.status ?? "", filter.sinceMs, filter.untilMs].join("\u0000");
      const cursor = decodePageToken(filter.pageToken, fingerprint);
      const executions: Execution[] = [];
      let scanned = 0;
      let bytes = 0;
      /** Where the next page starts (strictly below this revision); undefined when nothing follows. */
      let next: number | undefined;
      const pages = scanPages(store, "EXECUTION", EXECUTIONS, {
        pageSize: Math.min(pageSize, Math.max(filter.limit + 1, 100)),
        ...(cursor ? { beforeRevision: cursor.beforeRevision } : {}),
        ...(options?.signal ? { signal: options.signal } : {}),
      });
      scan: for await (const page of pages) {
        for (const ctx of page) {
          if (writtenBeforeWindow(ctx, filter.sinceMs)) {
            next = undefined;
            break scan;
          }
          const e = decodeExecution(ctx);
          if (e && matches(e, filter)) {
            bytes += contextWireSize(ctx) + EXECUTION_EXTRA_BYTES;
            // Full by count, or by bytes (a page must fit in one response): the next page starts after the last one returned.
            if (executions.length === filter.limit || (bytes > maxPageBytes && executions.length > 0)) {
              next = executions[executions.length - 1].revision;
              break scan;
            }
            executions.push(e);
          }
          if (++scanned >= maxScanPerList) {
            next = ctx.revision;
            break scan;
          }
        }
      }
      return {
        executions,
        ...(next !== undefined ? { nextPageToken: encodePageToken(fingerprint, { beforeRevision: next }) } : {}),
      };
    },

    async executionStats(input?: ExecutionStatsInput, options?: CallOptions): Promise<ExecutionStats> {
      const filter = validateFilter({ ...input, status: undefined });
      const acc = new StatsAccumulator();
      for await (const page of executionsIn(filter, options)) for (const e of page) acc.add(e);
      return acc.result();
    },

    async feedbackSummary(input?: FeedbackSummaryInput, options?: CallOptions): Promise<FeedbackSummary> {
      const filter = validateFilter({ ...input, status: undefined });
      const acc = new FeedbackAccumulator();
      for await (const page of executionsIn(filter, options)) for (const e of page) acc.addExecution(e);
      // One pass over the feedback written since the window began (newest first), joined by id:
      // cheaper than two point lookups per execution when most executions have feedback.
      const pages = scanPages(store, "FEEDBACK", FEEDBACK, { pageSize, ...(options?.signal ? { signal: options.signal } : {}) });
      scan: for await (const page of pages) {
        for (const ctx of page) {
          if (writtenBeforeWindow(ctx, filter.sinceMs)) break scan;
          const ids = feedbackIdOf(ctx.key);
          const f = ids && decodeFeedback(ctx);
          if (ids && f) acc.addFeedback(f, ids.automated);
        }
      }
      return acc.result();
    },

    exportTrainingData(input?: ExportInput, options?: CallOptions): AsyncIterable<ExecutionWithFeedback> {
      return {
        async *[Symbol.asyncIterator]() {
          const filter = validateExportInput(input);
          if (filter.minRating !== undefined || filter.hasCorrections) {
            // Every example has user feedback: walk the (fewer) feedback records instead of every execution.
            const wanted = (f: Feedback) =>
              (filter.minRating === undefined || (f.rating ?? 0) >= filter.minRating) &&
              (!filter.hasCorrections || f.corrections !== undefined);
            yield* exportByFeedback(filter, wanted, options);
            return;
          }
          for await (const page of executionsIn(filter, options)) {
            for (let i = 0; i < page.length; i += exportBatchSize) {
              yield* await Promise.all(page.slice(i, i + exportBatchSize).map(withFeedback));
            }
          }
        },
      };
    },
  };

  /** Export driven by user feedback records, newest first, each joined with its execution. */
  async function* exportByFeedback(
    filter: ExecutionFilter,
    wanted: (feedback: Feedback) => boolean,
    options: CallOptions | undefined,
  ): AsyncGenerator<ExecutionWithFeedback> {
    const pages = scanPages(store, "FEEDBACK", FEEDBACK, { pageSize, ...(options?.signal ? { signal: options.signal } : {}) });
    for await (const page of pages) {
      const candidates: Feedback[] = [];
      let ended = false;
      for (const ctx of page) {
        if (writtenBeforeWindow(ctx, filter.sinceMs)) {
          ended = true;
          break;
        }
        const ids = feedbackIdOf(ctx.key);
        const feedback = ids && !ids.automated ? decodeFeedback(ctx) : null;
        if (feedback && wanted(feedback)) candidates.push(feedback);
      }
      for (let i = 0; i < candidates.length; i += exportBatchSize) {
        const joined = await Promise.all(
          candidates.slice(i, i + exportBatchSize).map(async (feedback) => {
            const [execution, automatedFeedback] = await Promise.all([
              getExecutionRecord(feedback.executionId),
              getFeedback(feedback.executionId, true),
            ]);
            return execution && matches(execution, filter)
              ? { execution, feedback, ...(automatedFeedback ? { automatedFeedback } : {}) }
              : undefined;
          }),
        );
        for (const x of joined) if (x) yield x;
      }
      if (ended) return;
    }
  }
}

function matches(e: Execution, f: ExecutionFilter): boolean {
  const t = e.startedAt.getTime();
  return (
    t >= f.sinceMs &&
    t < f.untilMs &&
    (f.promptKey === undefined || e.promptKey === f.promptKey) &&
    (f.promptLabel === undefined || e.promptLabel === f.promptLabel) &&
    (f.status === undefined || e.status === f.status)
  );
}

/**
 * The generic path names the stored context's `value` when the whole record is too large; say which
 * record it is instead, so the caller knows what to shrink.
 */
async function asRecordError(what: "execution" | "feedback", write: () => Promise<Context>): Promise<Context> {
  try {
    return await write();
  } catch (e) {
    if (FabricError.is(e, "INVALID_ARGUMENT") && e.message.startsWith("value:")) {
      throw FabricError.invalid(what, `the stored record${e.message.slice("value:".length)}`);
    }
    throw e;
  }
}
