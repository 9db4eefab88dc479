import { FabricError, type ErrorCode } from "../api/errors.js";
import type { Context, WatchInput, WatchMessage } from "../api/types.js";

/** Opens one raw watch stream (`resume: false` semantics): created, events, progress, or compacted. */
export type OpenWatch = (input: WatchInput) => AsyncIterable<WatchMessage>;

/** Reads every context the watch's filter matches (for a `reset`). */
export type ReadMatching = (input: WatchInput, signal?: AbortSignal) => Promise<Context[]>;

/** First retry soon (a restart or a failover is usually quick), then back off to a few seconds at most. */
export const DEFAULT_RETRY_INITIAL_DELAY_MS = 100;
export const DEFAULT_RETRY_MAX_DELAY_MS = 5000;

/**
 * Failures a new stream can fix: the server went away or restarted (UNAVAILABLE, CANCELLED by a
 * shutdown, INTERNAL for a reset HTTP/2 stream), the watcher fell behind (ABORTED), a limit that
 * frees up (RESOURCE_EXHAUSTED), a deadline. Anything else (INVALID_ARGUMENT, PERMISSION_DENIED,
 * UNIMPLEMENTED, ...) would fail the same way again and is thrown to the consumer.
 */
const RETRYABLE: ReadonlySet<ErrorCode> = new Set([
  "UNAVAILABLE", "ABORTED", "CANCELLED", "INTERNAL", "RESOURCE_EXHAUSTED", "DEADLINE_EXCEEDED",
]);

/**
 * A watch that survives its streams: the transport-free half of `watch()`, shared by the remote
 * client and the in-process core so both behave alike.
 *
 * It opens raw streams with `open` and keeps a resume point, the revision up to which it has
 * delivered every matching change. When a stream fails with a retryable code or ends, it waits
 * (exponential backoff from `initialDelayMs`, doubling, capped at `maxDelayMs`, each delay drawn
 * uniformly from its upper half so that clients cut off together do not return together) and opens
 * a new one with `startRevision` = the resume point; the server replays what was missed. The first
 * message of a resumed stream is passed on as `progress` (nothing is repeated, nothing skipped).
 *
 * When the resume point has left the server's history (`compacted`), and for `snapshot`, it
 * re-reads: it opens a live stream, waits for `created` (revision R), reads the matching contexts
 * (all state at or after R), yields `reset` with R, then passes on the events after R from the same
 * stream. Reading after registering is what makes the reset safe: a change made during the read is
 * both (maybe) in the read and certainly in the stream, never in neither.
 *
 * Revisions mean something only within one history (the store id every message carries), so it
 * re-reads the same way when the store is not the one it resumes from: a server answers a resume
 * with another store id as compacted, a new stream's `created` that names another store id is not
 * trusted either (a server older than store ids, or a resume that raced a reset), and a store that is
 * behind the resume point (OUT_OF_RANGE: it lost changes the watch delivered) is re-read too. The
 * `reset` then carries the new store id: a restarted memory server or a flushed Redis never leaves a
 * watch silently following the wrong history.
 *
 * Ends without an error when `signal` aborts or the consumer stops iterating.
 */
export function resumableWatch(open: OpenWatch, read: ReadMatching, input: WatchInput): AsyncIterable<WatchMessage> {
  return { [Symbol.asyncIterator]: () => run(open, read, input) };
}

async function* run(open: OpenWatch, read: ReadMatching, input: WatchInput): AsyncGenerator<WatchMessage> {
  const { snapshot, resume, startRevision, storeId: startStoreId, ...request } = input;
  const retry = typeof resume === "object" ? resume : {};
  const initialDelayMs = retry.initialDelayMs ?? DEFAULT_RETRY_INITIAL_DELAY_MS;
  const maxDelayMs = retry.maxDelayMs ?? DEFAULT_RETRY_MAX_DELAY_MS;
  const signal = input.signal;

  if (snapshot && startRevision) throw FabricError.invalid("snapshot", "cannot be combined with start_revision");
  /** The resume point; undefined: start live (from the server's current revision). */
  let resumeFrom: number | undefined = startRevision ? startRevision : undefined;
  /** The history the resume point belongs to, once known. */
  let storeId: string | undefined = startStoreId;
  let needReset = snapshot === true;
  let announced = false;
  let failures = 0;

  while (!signal?.aborted) {
    let compacted = false;
    try {
      const resuming = !needReset && resumeFrom !== undefined;
      const stream = open({
        ...request,
        startRevision: resuming ? resumeFrom : 0,
        ...(resuming && storeId ? { storeId } : {}),
        resume: false,
      });
      for await (const m of stream) {
        failures = 0;
        if (m.kind === "compacted") {
          compacted = true;
          break;
        }
        if (m.kind === "created") {
          if (resuming && storeId && m.storeId && m.storeId !== storeId) {
            // Registered in another history than the resume point's: re-read instead.
            compacted = true;
            break;
          }
          resumeFrom = m.revision;
          storeId = m.storeId ?? storeId;
          if (needReset) {
            const contexts = await read(input, signal);
            needReset = false;
            announced = true;
            yield { kind: "reset", contexts, revision: m.revision, ...(storeId ? { storeId } : {}) };
          } else {
            yield announced ? { kind: "progress", revision: m.revision, ...(storeId ? { storeId } : {}) } : m;
            announced = true;
          }
          continue;
        }
        if (m.kind === "reset") continue; // raw streams never send it
        if (resumeFrom !== undefined && m.revision <= resumeFrom && m.kind === "event") continue;
        resumeFrom = Math.max(resumeFrom ?? 0, m.revision);
        yield m;
      }
      if (signal?.aborted) return;
      if (compacted) {
        // Too old to resume: re-read from a live stream right away (no backoff: nothing failed).
        needReset = true;
        resumeFrom = undefined;
        continue;
      }
      throw new FabricError("UNAVAILABLE", "watch stream ended");
    } catch (e) {
      if (signal?.aborted) return;
      const error = FabricError.from(e);
      if (error.code === "OUT_OF_RANGE" && resumeFrom !== undefined && !needReset) {
        // The store is behind what this watch delivered: the changes since are not its history.
        retry.onRetry?.(error, failures + 1, 0);
        needReset = true;
        resumeFrom = undefined;
        continue;
      }
      if (!RETRYABLE.has(error.code)) throw error;
      failures++;
      const delayMs = backoffDelay(failures, initialDelayMs, maxDelayMs);
      retry.onRetry?.(error, failures, delayMs);
      await sleep(delayMs, signal);
    }
  }
}

/** Delay before retry `attempt` (1-based): min(max, initial·2^(attempt-1)), drawn from its upper half. */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
