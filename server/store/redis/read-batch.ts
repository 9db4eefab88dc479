import type { Context, Scope } from "@cache-fabric/client/api";
import type { ReadOutcome, StoreHeader } from "../types.js";

/** One context to read. */
export interface ContextRef {
  scope: Scope;
  key: string;
}

/** Contexts read together (null where absent or expired), with the header of the history they belong to. */
export interface Fetched extends StoreHeader {
  contexts: (Context | null)[];
  /** Where a stored record could not be read (sparse): that read fails, the others of its batch do not. */
  errors?: Error[];
}

/** Distinct contexts per fetch: bounds one MGET's reply. */
const MAX_BATCH = 256;

/**
 * Coalesces the single-context reads made in one event-loop turn into one fetch (one MGET): Redis
 * then reads, runs and answers one command for all of them, where one each would cost it a wake-up,
 * a read and a write per call — the bulk of what a plain read costs Redis when calls arrive one by
 * one. Reads of the same context share one entry (and one parsed Context: contexts are shared, as
 * the memory store's are). Each batch is sent at the end of the turn (setImmediate) as a command of
 * its own, so every call keeps the command timeout as its outage bound.
 *
 * Linearizable like a read of its own: every read of a batch was made before the batch is sent, so
 * the state it returns is one that existed after the read began and before it ended.
 */
export function createReadBatcher(fetch: (refs: readonly ContextRef[]) => Promise<Fetched>): (ref: ContextRef) => Promise<ReadOutcome> {
  type Waiter = { at: number; resolve: (r: ReadOutcome) => void; reject: (e: unknown) => void };
  let refs: ContextRef[] = [];
  let index = new Map<string, number>();
  let waiters: Waiter[] = [];
  let scheduled = false;

  const flush = () => {
    scheduled = false;
    if (refs.length === 0) return; // flushed early: the batch reached MAX_BATCH
    const batch = { refs, waiters };
    refs = [];
    index = new Map();
    waiters = [];
    fetch(batch.refs).then(
      ({ contexts, errors, revision, storeId }) => {
        for (const w of batch.waiters) {
          const error = errors?.[w.at];
          if (error) w.reject(error);
          else w.resolve({ context: contexts[w.at], revision, storeId });
        }
      },
      (e) => {
        for (const w of batch.waiters) w.reject(e);
      },
    );
  };

  return (ref) =>
    new Promise<ReadOutcome>((resolve, reject) => {
      const id = `${ref.scope}\u0000${ref.key}`;
      let at = index.get(id);
      if (at === undefined) {
        if (refs.length >= MAX_BATCH) flush();
        at = refs.length;
        refs.push(ref);
        index.set(id, at);
      }
      waiters.push({ at, resolve, reject });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
}
