import { boundaryPrefixes, compileFilter, isBoundaryPrefix, matchesEverything, matchesNothing, type FilterSubject } from "../filter.js";
import type { VectorFilter } from "../types.js";
import { analyze } from "./analyzer.js";

/** A lexical hit: a context id and its BM25 score (higher is better; not comparable across queries). */
export interface LexicalHit {
  id: string;
  score: number;
  /**
   * How much of the query the document matches, in [0, 1]: its score over the score of a document
   * of average length holding each query term once (the sum of the terms' IDFs, unknown terms
   * included). Comparable across queries, unlike `score`.
   */
  coverage: number;
}

export interface LexicalSearchOptions {
  limit: number;
  /** The same filter as the vector search: only passing contexts count, in the scores too. */
  filter?: VectorFilter;
}

/** BM25 over the texts the vector index embeds, kept beside it by the indexer. */
export interface LexicalIndex {
  /** Indexes (or re-indexes) the text of context `id`. */
  upsert(id: string, text: string, subject: FilterSubject): void;
  delete(id: string): void;
  clear(): void;
  search(query: string, options: LexicalSearchOptions): LexicalHit[];
  /** Contexts held. */
  readonly size: number;
}

export interface Bm25Options {
  /** Term-frequency saturation. Default 1.2. */
  k1?: number;
  /** Length normalisation. Default 0.75. */
  b?: number;
}

/** Words per passage; about USE-lite's 128-token window, so lexical and vector chunks are alike. */
export const PASSAGE_WORDS = 96;
/** Words consecutive passages share. */
export const PASSAGE_OVERLAP = 24;

/** One passage of a context's text (a short text is one passage). */
interface Doc {
  id: string;
  subject: FilterSubject;
  length: number;
  /** Distinct term ids of the document, and how often each occurs. */
  terms: number[];
  tfs: number[];
}

/** Growable postings of one term: document numbers and term frequencies; dead entries are skipped. */
class Postings {
  docs = new Int32Array(4);
  tfs = new Uint16Array(4);
  n = 0;
  /** Entries whose document has gone (compacted once they are half the list). */
  dead = 0;

  add(doc: number, tf: number): void {
    if (this.n === this.docs.length) {
      const docs = new Int32Array(this.n * 2);
      docs.set(this.docs);
      this.docs = docs;
      const tfs = new Uint16Array(this.n * 2);
      tfs.set(this.tfs);
      this.tfs = tfs;
    }
    this.docs[this.n] = doc;
    this.tfs[this.n++] = Math.min(tf, 65_535);
  }

  compact(live: (doc: number) => boolean): void {
    let w = 0;
    for (let r = 0; r < this.n; r++) {
      if (!live(this.docs[r]!)) continue;
      this.docs[w] = this.docs[r]!;
      this.tfs[w++] = this.tfs[r]!;
    }
    this.n = w;
    this.dead = 0;
  }
}

/** Document count and total length of a set of documents: what BM25's IDF and length norm need. */
interface Stats {
  n: number;
  length: number;
}

/**
 * An in-process BM25 index (Robertson/Spärck Jones; k1 = 1.2, b = 0.75, IDF = ln(1 + (N − df + ½)/(df + ½))).
 *
 * Long texts are indexed as overlapping passages of PASSAGE_WORDS words, and a context scores as its
 * best passage, as in the vector index: otherwise length normalisation would bury a long document
 * whose one relevant paragraph matches the query well. N and df count passages.
 *
 * A filtered search scores as if the index held only the documents that pass the filter: N, the
 * average length and every term's document frequency are those of the filtered set. So a search
 * narrowed to one user's memories ranks them exactly as an index of only that user's memories
 * would (what "filters inside the index" promises), not by statistics of everyone else's texts.
 * The statistics are kept for the whole index, per scope and per (scope, key prefix ending in `:`
 * or `/`); other filters (metadata, several namespaces) count their set in one pass.
 *
 * Invariants: document numbers are never reused (postings of a deleted document are dead entries,
 * skipped, and dropped once they are half of a term's list, or all at once when deleted documents
 * are half the numbers handed out); `stats` always equal the sums over live documents.
 */
export function createLexicalIndex(options: Bm25Options = {}): LexicalIndex {
  const k1 = options.k1 ?? 1.2;
  const b = options.b ?? 0.75;
  let docs: (Doc | undefined)[] = [];
  /** Context id → its passages' document numbers. */
  let byId = new Map<string, number[]>();
  let termIds = new Map<string, number>();
  let postings: Postings[] = [];
  let deadDocs = 0;
  const stats = new Map<string, Stats>();
  const ALL = "";
  const scopeKey = (scope: string) => `${scope}\u0000`;
  const prefixKey = (scope: string, prefix: string) => `${scope}\u0000${prefix}`;

  const count = (subject: FilterSubject, length: number, delta: 1 | -1) => {
    for (const key of [ALL, scopeKey(subject.scope), ...boundaryPrefixes(subject.key).map((p) => prefixKey(subject.scope, p))]) {
      const s = stats.get(key) ?? { n: 0, length: 0 };
      s.n += delta;
      s.length += delta * length;
      if (s.n === 0) stats.delete(key);
      else stats.set(key, s);
    }
  };

  const live = (doc: number) => docs[doc] !== undefined;

  const remove = (id: string) => {
    const nums = byId.get(id);
    if (nums === undefined) return;
    byId.delete(id);
    for (const num of nums) {
      const doc = docs[num]!;
      docs[num] = undefined;
      deadDocs++;
      count(doc.subject, doc.length, -1);
      for (const t of doc.terms) {
        const p = postings[t]!;
        if (++p.dead * 2 > p.n && p.n > 8) p.compact(live);
      }
    }
    if (deadDocs * 2 > docs.length && docs.length > 64) renumber();
  };

  const addPassage = (id: string, terms: readonly string[], subject: FilterSubject): number => {
    const tfs = new Map<number, number>();
    for (const term of terms) {
      let t = termIds.get(term);
      if (t === undefined) {
        t = postings.length;
        termIds.set(term, t);
        postings.push(new Postings());
      }
      tfs.set(t, (tfs.get(t) ?? 0) + 1);
    }
    const num = docs.length;
    docs.push({ id, subject, length: terms.length, terms: [...tfs.keys()], tfs: [...tfs.values()] });
    for (const [t, tf] of tfs) postings[t]!.add(num, tf);
    count(subject, terms.length, 1);
    return num;
  };

  /** Drops every dead entry at once: live documents get fresh, dense numbers. */
  const renumber = () => {
    const old = docs;
    docs = [];
    byId = new Map();
    for (const p of postings) p.n = p.dead = 0;
    for (const doc of old) {
      if (!doc) continue;
      const num = docs.length;
      docs.push(doc);
      byId.set(doc.id, [...(byId.get(doc.id) ?? []), num]);
      doc.terms.forEach((t, i) => postings[t]!.add(num, doc.tfs[i]!));
    }
    deadDocs = 0;
  };

  /** N and total length of the documents `filter` lets through. */
  const statsOf = (filter: VectorFilter | undefined, test: (s: FilterSubject) => boolean): Stats => {
    if (matchesEverything(filter)) return stats.get(ALL) ?? { n: 0, length: 0 };
    const f = filter!;
    const simple = Object.keys(f.metadata ?? {}).length === 0 && f.anyOf === undefined;
    if (simple && f.scope !== undefined && (!f.keyPrefix || isBoundaryPrefix(f.keyPrefix))) {
      return stats.get(f.keyPrefix ? prefixKey(f.scope, f.keyPrefix) : scopeKey(f.scope)) ?? { n: 0, length: 0 };
    }
    const s = { n: 0, length: 0 };
    for (const doc of docs) {
      if (doc && test(doc.subject)) {
        s.n++;
        s.length += doc.length;
      }
    }
    return s;
  };

  return {
    get size() {
      return byId.size;
    },

    upsert(id, text, subject) {
      remove(id);
      const own: FilterSubject = { scope: subject.scope, key: subject.key, metadata: { ...subject.metadata } };
      const nums: number[] = [];
      for (const passage of passages(text)) nums.push(addPassage(id, analyze(passage), own));
      byId.set(id, nums);
    },

    delete: remove,

    clear() {
      docs = [];
      byId = new Map();
      termIds = new Map();
      postings = [];
      deadDocs = 0;
      stats.clear();
    },

    search(query, { limit, filter }) {
      if (matchesNothing(filter) || limit < 1) return [];
      const test = compileFilter(filter);
      const everything = matchesEverything(filter);
      const { n, length } = statsOf(filter, test);
      if (n === 0) return [];
      const avgdl = length / n || 1;
      const scores = new Map<number, number>();
      /** The score of an average-length document holding every query term once: Σ IDF. */
      let ideal = 0;
      const unknownIdf = Math.log(1 + (n + 0.5) / 0.5);
      for (const term of new Set(analyze(query))) {
        const t = termIds.get(term);
        if (t === undefined) {
          ideal += unknownIdf;
          continue;
        }
        const p = postings[t]!;
        // Pass 1: the term's document frequency within the filtered set.
        let df = 0;
        for (let i = 0; i < p.n; i++) {
          const doc = docs[p.docs[i]!];
          if (doc && (everything || test(doc.subject))) df++;
        }
        const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
        ideal += idf;
        if (df === 0) continue;
        // Pass 2: accumulate.
        for (let i = 0; i < p.n; i++) {
          const num = p.docs[i]!;
          const doc = docs[num];
          if (!doc || !(everything || test(doc.subject))) continue;
          const tf = p.tfs[i]!;
          const s = (idf * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * doc.length) / avgdl));
          scores.set(num, (scores.get(num) ?? 0) + s);
        }
      }
      // Best passage per context.
      const best = new Map<string, number>();
      for (const [num, score] of scores) {
        const id = docs[num]!.id;
        if (score > (best.get(id) ?? -Infinity)) best.set(id, score);
      }
      const ranked = [...best].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1)).slice(0, limit);
      return ranked.map(([id, score]) => ({ id, score, coverage: ideal > 0 ? Math.min(1, score / ideal) : 0 }));
    },
  };
}

/** A text's passages: itself when short, else windows of PASSAGE_WORDS words overlapping by PASSAGE_OVERLAP. */
function passages(text: string): string[] {
  const words = text.match(/\S+/g) ?? [];
  if (words.length <= PASSAGE_WORDS) return [text];
  const out: string[] = [];
  for (let start = 0; ; start += PASSAGE_WORDS - PASSAGE_OVERLAP) {
    out.push(words.slice(start, start + PASSAGE_WORDS).join(" "));
    if (start + PASSAGE_WORDS >= words.length) return out;
  }
}
