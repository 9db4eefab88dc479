/**
 * SentencePiece (unigram) tokenizer for Universal Sentence Encoder lite, reproducing the TF.js
 * universal-sentence-encoder tokenizer that the model was published with, quirks included, because
 * the model only gives its trained vectors for the ids that tokenizer produces:
 *
 * - Input is NFKC-normalised, then prefixed with "▁" and every ASCII space replaced by "▁"
 *   (no lowercasing: the vocabulary is cased). An empty string gives no tokens.
 * - Segmentation is Viterbi over the piece scores. Pieces 0..5 (unknown, control and user-defined
 *   symbols) are never matched. A missing score (null in vocab.json) counts as 0, as JS `null + x`.
 * - A position where no piece starts becomes one unknown token (id 0, score 0) covering one code point.
 * - Ties go to the candidate considered last (ascending start position), and an end position whose
 *   best score is exactly 0 counts as unset, as in the original.
 * - The backward pass steps by the piece's UTF-16 length, as the original does.
 * - Consecutive unknown tokens are merged into one.
 */

/** vocab.json: `[piece, score]` pairs; the index is the token id. */
export type SentencePieceVocab = ReadonlyArray<readonly [string, number | null]>;

const SEPARATOR = "\u2581";
/** Ids below this are unk/control/user-defined symbols and are not matched against text. */
const RESERVED_SYMBOLS = 6;
const UNKNOWN_ID = 0;

interface TrieNode {
  children: Map<string, TrieNode>;
  /** Token id when a piece ends here, else -1. */
  id: number;
  score: number;
}

const newNode = (): TrieNode => ({ children: new Map(), id: -1, score: 0 });

/** Tokenizes text into USE-lite token ids. Immutable after construction; safe to share. */
export class SentencePieceTokenizer {
  private readonly root = newNode();
  /** UTF-16 length of each piece, for the backward pass. */
  private readonly pieceLength: Int32Array;
  /**
   * True when no piece has "▁" after its first symbol. Then no piece crosses a word start, so the
   * segmentation of a prefix ending before a "▁" is exactly the start of the whole text's
   * segmentation, which is what makes `maxTokens` truncation exact.
   */
  private readonly wordStartsAreBoundaries: boolean;
  /** Id of the lone "▁" piece (used for texts that would otherwise have no tokens), or -1. */
  readonly separatorId: number;

  constructor(vocab: SentencePieceVocab, reservedSymbols = RESERVED_SYMBOLS) {
    if (vocab.length <= reservedSymbols) throw new Error("SentencePiece vocabulary is too small");
    this.pieceLength = Int32Array.from(vocab, ([piece]) => piece.length);
    let boundaries = true;
    let separatorId = -1;
    for (let id = reservedSymbols; id < vocab.length; id++) {
      const [piece, score] = vocab[id]!;
      if (piece === SEPARATOR) separatorId = id;
      const symbols = Array.from(piece);
      if (symbols.indexOf(SEPARATOR, 1) > 0) boundaries = false;
      let node = this.root;
      for (const s of symbols) {
        let next = node.children.get(s);
        if (!next) node.children.set(s, (next = newNode()));
        node = next;
      }
      node.id = id;
      node.score = score ?? 0;
    }
    this.wordStartsAreBoundaries = boundaries;
    this.separatorId = separatorId;
  }

  /**
   * Token ids of `text`. With `maxTokens`, returns the first `maxTokens` ids of the full
   * segmentation while only segmenting about as much text as needed (exact when word starts are
   * piece boundaries, which holds for the USE vocabulary).
   */
  encode(text: string, maxTokens?: number): number[] {
    if (maxTokens !== undefined && text.length > rawLimit(maxTokens)) {
      let cut = rawLimit(maxTokens);
      // Never split a surrogate pair.
      if (/[\uD800-\uDBFF]/.test(text[cut - 1]!)) cut--;
      text = text.slice(0, cut);
    }
    const normalized = text.normalize("NFKC");
    if (normalized.length === 0) return [];
    let symbols = Array.from(SEPARATOR + normalized.replace(/ /g, SEPARATOR));
    if (maxTokens !== undefined && this.wordStartsAreBoundaries) {
      // Every word (a run starting at "▁") yields at least one token: maxTokens words are enough.
      let words = 0;
      for (let i = 0; i < symbols.length; i++) {
        if (symbols[i] === SEPARATOR && ++words > maxTokens) {
          symbols = symbols.slice(0, i);
          break;
        }
      }
    }
    const ids = this.viterbi(symbols);
    return maxTokens !== undefined && ids.length > maxTokens ? ids.slice(0, maxTokens) : ids;
  }

  private viterbi(symbols: readonly string[]): number[] {
    const n = symbols.length;
    // best[e]: score of the best segmentation of symbols[0, e); words[e]: id of its last piece.
    // Candidates are relaxed start by start, so each end sees its candidates in ascending start
    // order (shorter-to-longer end within a start), exactly the order in which the original visits
    // its lattice; with its tie rule (>=) and its "0 means unset" rule that order decides ties.
    // best[i] is final when start i is processed: every piece ending at i starts before i.
    const best = new Float64Array(n + 1);
    const words = new Int32Array(n + 1);
    const relax = (end: number, score: number, id: number): void => {
      if (best[end] === 0 || score >= best[end]!) {
        best[end] = score;
        words[end] = id;
      }
    };
    for (let i = 0; i < n; i++) {
      let node = this.root.children.get(symbols[i]!);
      let matched = false;
      for (let j = i; node; ) {
        if (node.id >= 0) {
          relax(j + 1, node.score + best[i]!, node.id);
          matched = true;
        }
        if (++j >= n) break;
        node = node.children.get(symbols[j]!);
      }
      // No piece starts here: one unknown token (score 0) for this one code point.
      if (!matched) relax(i + 1, best[i]!, UNKNOWN_ID);
    }

    const reversed: number[] = [];
    for (let pos = n; pos > 0; pos -= Math.max(1, this.pieceLength[words[pos]!]!)) reversed.push(words[pos]!);

    const ids: number[] = [];
    for (let k = reversed.length - 1; k >= 0; k--) {
      const id = reversed[k]!;
      // Merge runs of unknowns; the original merges while walking backwards, which keeps one per run.
      if (id === UNKNOWN_ID && ids.length > 0 && ids[ids.length - 1] === UNKNOWN_ID) continue;
      ids.push(id);
    }
    return ids;
  }
}

/** How much raw text to look at for `maxTokens` tokens: generous, so only pathological inputs are cut. */
function rawLimit(maxTokens: number): number {
  // A piece is at most 16 symbols in the USE vocabulary, so 128 tokens span at most ~2K symbols.
  return Math.max(2048, maxTokens * 32);
}
