/**
 * Turns text into the terms the lexical (BM25) index counts: NFKC, lower case, runs of letters and
 * digits (any script), English stop words dropped, English words stemmed with Porter's English
 * (Porter2/Snowball) stemmer from `wink-porter2-stemmer` ("promoted" and "promote", "refunds" and
 * "refund", "formally" and "formal" meet). Words with digits or non-Latin letters are kept as they
 * are. Deterministic and the same for documents and queries.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const porter2 = require("wink-porter2-stemmer") as (word: string) => string;

/** Common English function words: they carry no topic and would only add noise to scores. */
const STOP_WORDS = new Set(
  (
    "a about above after again against all am an and any are as at be because been before being below between both but by can could did " +
    "do does doing down during each few for from further had has have having he her here hers herself him himself his how i if in into is it " +
    "its itself just me more most my myself no nor not now of off on once only or other our ours ourselves out over own same she should so " +
    "some such than that the their theirs them themselves then there these they this those through to too under until up very was we were " +
    "what when where which while who whom why will with would you your yours yourself yourselves"
  ).split(" "),
);

/** Longest term kept; longer runs (hashes, base64) are cut, so one token cannot bloat the index. */
const MAX_TERM_CHARS = 40;

/** The stem of a lower-case word: Porter2 for plain a–z words of four letters or more, else the word. */
export function stem(word: string): string {
  return word.length > 3 && /^[a-z]+$/.test(word) ? porter2(word) : word;
}

/** The terms of `text`, in order, repeats kept (term frequency counts them). */
export function analyze(text: string): string[] {
  const out: string[] = [];
  for (const m of text
    .normalize("NFKC")
    .toLowerCase()
    .matchAll(/[\p{L}\p{N}]+/gu)) {
    const word = m[0].length > MAX_TERM_CHARS ? m[0].slice(0, MAX_TERM_CHARS) : m[0];
    if (STOP_WORDS.has(word)) continue;
    out.push(stem(word));
  }
  return out;
}
