/**
 * Hybrid ranking: the vector similarity, raised by how much of the query a context's text matches
 * word for word (BM25 coverage, see lexical/bm25-index.ts):
 *
 *   score = similarity + weight × max(0, coverage − gate) / (1 − gate)
 *
 * Coverage is the BM25 score over the score of an average-length document holding every query
 * term once, so it is comparable across queries (0: no query term, 1: all of them, rare ones
 * weighing more). Below `gate` a lexical match counts for nothing: sharing one common word with
 * the query is not evidence. This weighted fusion was chosen over reciprocal-rank fusion on the
 * labelled set (test/search/quality-corpus.ts): RRF rewards the first lexical rank however weak the
 * match, and put incidental word matches above the right answer for paraphrased queries; the
 * weights below kept user-style queries' top-1 within 3 points among 212 distractors (README
 * "Semantic search" has the figures).
 */
export interface FusionWeights {
  /** What full coverage adds to the similarity. */
  weight: number;
  /** Coverage below which a lexical match adds nothing. */
  gate: number;
}

export const DEFAULT_FUSION: FusionWeights = { weight: 0.4, gate: 0.2 };

/** The hybrid score of a context with this similarity and lexical coverage (0 when no term matched). */
export function fusedScore(similarity: number, coverage: number, w: FusionWeights = DEFAULT_FUSION): number {
  return similarity + (w.weight * Math.max(0, coverage - w.gate)) / (1 - w.gate);
}
