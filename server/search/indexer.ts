import type { Context, Scope } from "@cache-fabric/client/api";
import { FabricError } from "@cache-fabric/client/api";
import { compileGlob } from "../contexts/glob.js";
import type { ChangeEvent, Store } from "../store/types.js";
import type { LexicalIndex } from "./lexical/bm25-index.js";
import { createTextExtractor, type TextExtractor } from "./text.js";
import type { DocumentVectors, Embedder, VectorIndex, VectorPoint } from "./types.js";

export interface IndexerOptions {
  store: Store;
  embedder: Embedder;
  index: VectorIndex;
  /** The lexical index kept beside the vectors (same texts, same filters); absent: vectors only. */
  lexical?: LexicalIndex;
  /** What text each context is indexed by (default: createTextExtractor()). */
  text?: TextExtractor;
  scopes: readonly Scope[];
  /** Most contexts embedded per step. Default 64. */
  batchSize?: number;
  /** Called when applying a change failed (the indexer retries); for logs and metrics. */
  onError?: (error: unknown) => void;
}

export interface Indexer {
  /** Resolves once the initial build (a scan of the indexed scopes) is done. */
  readonly ready: Promise<void>;
  /** Every change up to this store revision is reflected in the index. */
  readonly indexedRevision: number;
  /** Resolves once every change up to `revision` is reflected in the index. */
  waitFor(revision: number, signal?: AbortSignal): Promise<void>;
  /** Empties the index and embeds every context of the indexed scopes again. */
  rebuild(onProgress?: (done: number, total: number) => void): Promise<void>;
  /** What the indexer did: for tests, metrics and SearchStatus. */
  stats(): IndexerStats;
  close(): Promise<void>;
}

export interface IndexerStats {
  /** Texts handed to the embedder since start. */
  embedded: number;
  /** Vectors those texts gave (one per chunk). */
  chunks: number;
  /** Changes dropped unembedded because a newer change of the same key came before their turn. */
  superseded: number;
  /** Keys with a change waiting to be indexed. */
  pending: number;
}

/** The vector id of a context. */
export const vectorId = (scope: Scope, key: string) => `${scope}/${key}`;

const RETRY_MS = 500;

/** The newest change of one key not yet in the index, and the oldest revision folded into it. */
interface Pending {
  event: ChangeEvent;
  /** Revision of the oldest change of this key not yet reflected: what `applied` must stay below. */
  first: number;
}

/**
 * Keeps the vector index (and the lexical index beside it) in step with the store, off the write
 * path: it follows the store's change feed (the same one Watch uses), embeds PUTs of indexed scopes
 * in batches (long texts as several chunks) and removes the vectors of DELETE and EXPIRE (and of
 * PUTs whose value has no text).
 *
 * Invariants:
 * - Coalescing: at most one change per key waits. A newer change of a key replaces the waiting one
 *   (only the newest text of a key is embedded; a DELETE cancels a pending embed), keeping the older
 *   one's place in line and its `first` revision, so a key written continuously is not starved.
 *   A key whose step is in flight gets a new entry; the in-flight result is overwritten after it.
 * - `pending` is ordered by `first` (entries are appended as revisions grow, and a replaced entry
 *   keeps its place), and a step takes entries from its front. So `applied` — the highest revision
 *   R such that every change ≤ R is reflected in the index — is one below the `first` of the step in
 *   flight, else of the front entry, else the last revision the feed delivered. It only grows.
 *   Changes in other scopes count as applied at once.
 * - While a scan (initial build or rebuild) runs, the feed keeps flowing; `latest` remembers the
 *   revision last written for each id, so whichever of the scan and the feed comes second never
 *   puts back an older version (a scan result older than a change already applied is skipped).
 * - A start scans the indexed scopes and embeds only what the index does not already hold at the
 *   same revision, so a restart over a persistent index (Qdrant) re-embeds only what changed; the
 *   in-process lexical index is rebuilt from the scan in full (no model involved).
 * - The lexical index is written after the vector index, with the same text: a context is in it
 *   exactly when its vectors are.
 * - A failed step (embedder queue full, a worker restarting, Qdrant down) is retried after RETRY_MS:
 *   its entries go back to the front of the line, merged with any newer change of the same key;
 *   nothing is dropped, so `applied` never claims a change that is not in the index.
 * - Embedding is `background` priority: search queries are embedded first.
 */
export function createIndexer(options: IndexerOptions): Indexer {
  const { store, embedder, index, scopes, lexical } = options;
  const extractor = options.text ?? createTextExtractor();
  const indexed = new Set<Scope>(scopes);
  const batchSize = options.batchSize ?? 64;
  let pending = new Map<string, Pending>();
  /** `first` of the step in flight, if any, and how many keys it holds. */
  let inFlightFirst: number | undefined;
  let inFlightKeys = 0;
  /** Highest revision the feed delivered. */
  let received = 0;
  const waiters: { revision: number; resolve: () => void }[] = [];
  let latest: Map<string, number> | undefined = new Map();
  let applied = 0;
  let draining = false;
  let closed = false;
  let scanning = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  let initialDone = false;
  const counters = { embedded: 0, chunks: 0, superseded: 0 };

  const unsubscribe = store.subscribe((events) => {
    for (const e of events) {
      received = Math.max(received, e.revision);
      if (!indexed.has(e.scope)) continue;
      const id = vectorId(e.scope, e.key);
      const waiting = pending.get(id);
      if (waiting) {
        waiting.event = e;
        counters.superseded++;
      } else {
        pending.set(id, { event: e, first: e.revision });
      }
    }
    settle();
    void drain();
  });

  const advance = (revision: number) => {
    if (revision <= applied) return;
    applied = revision;
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i].revision <= applied) waiters.splice(i, 1)[0].resolve();
    }
  };

  /** Moves `applied` as far as the line allows (see the invariants); not before the initial scan is done. */
  const settle = () => {
    if (!initialDone) return;
    const front = pending.values().next();
    const bound = inFlightFirst ?? (front.done ? received + 1 : front.value.first);
    advance(bound - 1);
  };

  /** Embeds documents: chunked when the embedder can, else one vector per text. */
  const embedTexts = async (texts: string[]): Promise<DocumentVectors[]> => {
    if (embedder.embedDocuments) return embedder.embedDocuments(texts, { priority: "background" });
    const vectors = await embedder.embed(texts, { priority: "background" });
    return vectors.map((v, i) => ({ vectors: [v], spans: [[0, texts[i]!.length]] }));
  };

  /**
   * Upserts or removes vectors for the given contexts/removals, skipping anything older than what
   * is held. Contexts in `held` are in the vector index at this revision already (a restart over
   * Qdrant): they are not embedded again, only put in the lexical index.
   */
  const apply = async (puts: Context[], removals: { id: string; revision: number }[], held?: ReadonlyMap<string, number>): Promise<void> => {
    const fresh = (id: string, revision: number) => !latest || (latest.get(id) ?? -1) < revision;
    const upserts: { id: string; ctx: Context; text: string }[] = [];
    const kept: { id: string; ctx: Context; text: string }[] = [];
    // Removals carry the revision that removed the vector: a PUT with no text, a DELETE or an EXPIRE.
    const gone: { id: string; revision: number }[] = [];
    for (const ctx of puts) {
      const id = vectorId(ctx.scope, ctx.key);
      if (!fresh(id, ctx.revision)) continue;
      const text = extractor.textOf(ctx.scope, ctx.key, ctx.value);
      if (text === undefined) gone.push({ id, revision: ctx.revision });
      else (held?.get(id) === ctx.revision ? kept : upserts).push({ id, ctx, text });
    }
    for (const r of removals) if (fresh(r.id, r.revision)) gone.push(r);
    if (upserts.length) {
      counters.embedded += upserts.length;
      const docs = await embedTexts(upserts.map((u) => u.text));
      const points: VectorPoint[] = upserts.map((u, i) => {
        counters.chunks += docs[i]!.vectors.length;
        return {
          id: u.id,
          vectors: docs[i]!.vectors,
          spans: docs[i]!.spans,
          payload: { scope: u.ctx.scope, key: u.ctx.key, metadata: { ...u.ctx.metadata }, revision: u.ctx.revision },
        };
      });
      await index.upsert(points);
    }
    if (gone.length) await index.delete(gone.map((g) => g.id));
    if (lexical) {
      for (const u of [...upserts, ...kept]) lexical.upsert(u.id, u.text, { scope: u.ctx.scope, key: u.ctx.key, metadata: u.ctx.metadata });
      for (const g of gone) lexical.delete(g.id);
    }
    if (latest) {
      for (const u of [...upserts, ...kept]) latest.set(u.id, u.ctx.revision);
      for (const g of gone) latest.set(g.id, g.revision);
    }
  };

  /** Puts a failed step's entries back at the front of the line, merged with newer changes of their keys. */
  const requeue = (step: [string, Pending][]) => {
    const next = new Map<string, Pending>();
    for (const [id, entry] of step) {
      const newer = pending.get(id);
      next.set(id, newer ? { event: newer.event, first: entry.first } : entry);
    }
    for (const [id, entry] of pending) if (!next.has(id)) next.set(id, entry);
    pending = next;
  };

  async function drain(): Promise<void> {
    if (draining || closed) return;
    draining = true;
    try {
      while (pending.size > 0 && !closed) {
        const step: [string, Pending][] = [];
        for (const entry of pending) {
          step.push(entry);
          if (step.length === batchSize) break;
        }
        for (const [id] of step) pending.delete(id);
        inFlightFirst = step[0][1].first;
        inFlightKeys = step.length;
        const puts: Context[] = [];
        const removals: { id: string; revision: number }[] = [];
        for (const [id, { event: e }] of step) {
          if (e.type === "PUT" && e.context) puts.push(e.context);
          else removals.push({ id, revision: e.revision });
        }
        try {
          await apply(puts, removals);
        } catch (e) {
          requeue(step);
          inFlightFirst = undefined;
          inFlightKeys = 0;
          options.onError?.(e);
          retryTimer = setTimeout(() => void drain(), RETRY_MS);
          retryTimer.unref();
          return;
        }
        inFlightFirst = undefined;
        inFlightKeys = 0;
        settle();
      }
    } finally {
      draining = false;
    }
  }

  /** Scans the indexed scopes (newest first, pages of `batchSize`) and indexes what it finds. */
  async function scan(onProgress?: (done: number, total: number) => void): Promise<number> {
    scanning++;
    latest ??= new Map();
    try {
      const startRevision = await store.revision();
      const counts = await store.counts();
      const total = scopes.reduce((n, s) => n + counts[s], 0);
      let done = 0;
      onProgress?.(0, total);
      for (const scope of scopes) {
        let before: number | undefined;
        do {
          const page = await store.query(scope, compileGlob("*"), { limit: batchSize, ...(before !== undefined ? { beforeRevision: before } : {}) });
          for (;;) {
            try {
              // A persistent index (Qdrant) may already hold these at the same revision: skip
              // re-embedding them. A rebuild cleared the index first, so it skips nothing.
              const held = await index.revisions(page.contexts.map((c) => vectorId(c.scope, c.key)));
              await apply(page.contexts, [], held);
              break;
            } catch (e) {
              if (closed) throw e;
              options.onError?.(e);
              await new Promise((r) => setTimeout(r, RETRY_MS));
            }
          }
          done += page.contexts.length;
          onProgress?.(Math.min(done, total), Math.max(done, total));
          before = page.nextBeforeRevision;
        } while (before !== undefined && !closed);
      }
      return startRevision;
    } finally {
      // The per-id guard is only needed while a scan and the feed may interleave.
      if (--scanning === 0) latest = undefined;
    }
  }

  // The feed was subscribed above, before the scan starts: every change after the scan's start
  // revision arrives through it. Every change up to that revision is reflected once the scan is done
  // (a removal the scan could not see is the one exception: see search-ops.ts, hits are checked
  // against the store, so a vector left behind never surfaces).
  const ready = scan().then((startRevision) => {
    initialDone = true;
    advance(startRevision);
    settle();
  });
  ready.catch((e) => options.onError?.(e));

  return {
    ready,
    get indexedRevision() {
      return applied;
    },
    async waitFor(revision, signal) {
      await ready;
      if (revision <= applied) return;
      await new Promise<void>((resolve, reject) => {
        const waiter = { revision, resolve };
        waiters.push(waiter);
        signal?.addEventListener("abort", () => {
          const i = waiters.indexOf(waiter);
          if (i >= 0) waiters.splice(i, 1);
          reject(new FabricError("DEADLINE_EXCEEDED", `index did not reach revision ${revision} in time (at ${applied})`));
        }, { once: true });
      });
    },
    stats: () => ({ ...counters, pending: pending.size + inFlightKeys }),
    async rebuild(onProgress) {
      await ready;
      await index.clear();
      lexical?.clear();
      await scan(onProgress);
    },
    async close() {
      closed = true;
      unsubscribe();
      if (retryTimer) clearTimeout(retryTimer);
    },
  };
}
