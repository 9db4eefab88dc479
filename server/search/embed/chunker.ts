/**
 * Splits a long text into overlapping windows that each fit the model, on word boundaries, so a
 * text longer than the model's window is seen whole instead of cut after its first window (USE-lite
 * reads 128 tokens; a typical execution record is 160–180).
 *
 * Invariants:
 * - A text whose words fit in `window` tokens is one chunk, the whole text `[0, length)`: short
 *   texts embed exactly as they did before chunking existed.
 * - Otherwise chunks are `[start, end)` ranges of the original text (UTF-16 offsets), starting and
 *   ending on word boundaries, each of at most `window` tokens by the model's own count, each
 *   starting after the previous one's start (progress), consecutive ones sharing about `overlap`
 *   tokens of words so that a phrase split by one boundary is whole in the next window.
 * - A single word longer than the window is a chunk by itself (the model truncates it).
 * - At most `maxChunks` chunks; the text after the last one is not embedded.
 */
export interface ChunkOptions {
  /** Tokens per chunk, by `countTokens`. */
  window: number;
  /** Tokens shared by consecutive chunks. */
  overlap: number;
  maxChunks: number;
}

/** Chunk spans of `text`; `countTokens(word)` is the model's token count of one word. */
export function chunkText(text: string, countTokens: (word: string) => number, options: ChunkOptions): Array<[number, number]> {
  const words: Array<{ start: number; end: number; tokens: number }> = [];
  let total = 0;
  for (const m of text.matchAll(/\S+/g)) {
    const tokens = Math.max(1, countTokens(m[0]));
    words.push({ start: m.index!, end: m.index! + m[0].length, tokens });
    total += tokens;
  }
  if (words.length === 0 || total <= options.window || options.maxChunks <= 1) return [[0, text.length]];
  const chunks: Array<[number, number]> = [];
  let first = 0;
  while (first < words.length && chunks.length < options.maxChunks) {
    let last = first;
    let tokens = words[first].tokens;
    while (last + 1 < words.length && tokens + words[last + 1].tokens <= options.window) tokens += words[++last].tokens;
    chunks.push([words[first].start, words[last].end]);
    if (last === words.length - 1) break;
    // Step back from the end by about `overlap` tokens, but always move forward.
    let next = last + 1;
    let shared = 0;
    while (next - 1 > first && shared + words[next - 1].tokens <= options.overlap) shared += words[--next].tokens;
    first = next;
  }
  return chunks;
}

/** Tokens consecutive chunks share: as asked (default a quarter of the window), at most half of it. */
export function chunkOverlap(window: number, asked: number | undefined): number {
  return Math.min(asked ?? Math.floor(window / 4), Math.floor(window / 2));
}
