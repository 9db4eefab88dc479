/**
 * The USE-lite SentencePiece tokenizer. A small hand-made vocabulary pins the algorithm's rules
 * (Viterbi by score, ▁ for word starts, NFKC, unknown characters, merged unknowns, empty input); the
 * real 8,000-piece vocabulary checks the properties the embedder relies on.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { bundledSourceDir } from "../../server/search/embed/bundled-model.js";
import { type SentencePieceVocab, SentencePieceTokenizer } from "../../server/search/embed/sentencepiece-tokenizer.js";

// Ids 0..5 are reserved (unknown, control, user-defined) and never matched.
const SMALL: SentencePieceVocab = [
  ["\uFFFD", 0], ["<s>", 0], ["</s>", 0], ["extra_token_id_1", 0], ["extra_token_id_2", 0], ["extra_token_id_3", 0],
  ["▁", -2], // 6
  ["▁a", -1], // 7
  ["▁ç", -1], // 8
  ["a", -3], // 9
  [".", -1], // 10
  ["▁I", -1], // 11
  ["▁like", -1], // 12
  ["▁it", -1], // 13
  ["I", -2], // 14
  ["like", -2], // 15
  ["it", -2], // 16
  ["l", -3], // 17
  ["i", -3], // 18
  ["k", -3], // 19
  ["e", -3], // 20
  ["t", -3], // 21
  [":", null], // 22: a missing score counts as 0, as in the original (JS `null + x`)
];

describe("SentencePieceTokenizer (hand-made vocabulary)", () => {
  const tok = new SentencePieceTokenizer(SMALL);

  it("picks the best-scoring segmentation", () => {
    // ▁I + like + it + . = -6 beats any split into single letters.
    expect(tok.encode("Ilikeit.")).toEqual([11, 15, 16, 10]);
  });

  it("turns spaces into ▁ word starts and prefixes one", () => {
    expect(tok.encode("I like it.")).toEqual([11, 12, 13, 10]);
    // Every space is its own ▁; a leading space gives a lone ▁ before "▁I".
    expect(tok.encode(" I")).toEqual([6, 11]);
    expect(tok.encode("  ")).toEqual([6, 6, 6]);
  });

  it("is case-sensitive (no lowercasing)", () => {
    expect(tok.encode("i")).toEqual([6, 18]);
    expect(tok.encode("I")).toEqual([11]);
  });

  it("normalises with NFKC, so composed and decomposed forms agree", () => {
    expect(tok.encode("ça")).toEqual([8, 9]);
    expect(tok.encode("c\u0327a")).toEqual(tok.encode("ça"));
    // NFKC also folds compatibility forms: fullwidth Ｉ is I.
    expect(tok.encode("\uFF29")).toEqual([11]);
  });

  it("maps characters no piece starts with to the unknown id and merges runs of them", () => {
    expect(tok.encode("😹")).toEqual([6, 0]);
    expect(tok.encode("a😹😹")).toEqual([7, 0]);
    expect(tok.encode("a😹 😹")).toEqual([7, 0, 6, 0]);
    expect(tok.encode("😹a")).toEqual([6, 0, 9]);
  });

  it("treats a null score as 0", () => {
    // ":" scores 0, cheaper than anything, and is never unknown.
    expect(tok.encode("a:a")).toEqual([7, 22, 9]);
  });

  it("breaks score ties in favour of the later start, as the original does", () => {
    // With "▁ç" at -2, "▁ç" (−2) and "▁" + unknown "ç" (−2 + 0) tie at the same end; the later start wins.
    const tied = SMALL.map(([p, s]) => [p, p === "▁ç" ? -2 : s] as const);
    expect(new SentencePieceTokenizer(tied).encode("ça")).toEqual([6, 0, 9]);
  });

  it("gives no tokens for the empty string", () => {
    expect(tok.encode("")).toEqual([]);
  });

  it("is deterministic", () => {
    const text = "I like it. ça 😹 a:a Ilikeit.";
    const first = tok.encode(text);
    for (let i = 0; i < 5; i++) expect(new SentencePieceTokenizer(SMALL).encode(text)).toEqual(first);
  });
});

describe("SentencePieceTokenizer (USE-lite vocabulary)", () => {
  const vocab = JSON.parse(readFileSync(path.join(bundledSourceDir(), "vocab.json"), "utf8")) as SentencePieceVocab;
  const tok = new SentencePieceTokenizer(vocab);
  const pieces = (text: string): string[] => tok.encode(text).map((id) => vocab[id]![0]);

  it("covers the input exactly when every character is known", () => {
    for (const text of ["How do I reset my password?", "The weather is sunny today", "antidisestablishmentarianism, 3.14159!"]) {
      expect(pieces(text).join("")).toBe("▁" + text.replace(/ /g, "▁"));
    }
  });

  it("segments common words into whole pieces", () => {
    expect(pieces("the fox jumped over the lazy dog")[0]).toBe("▁the");
    expect(pieces("How do I reset my password?")).toEqual(expect.arrayContaining(["▁How", "▁do", "▁I", "▁my"]));
  });

  it("has a lone ▁ piece, used for texts without tokens", () => {
    expect(vocab[tok.separatorId]![0]).toBe("▁");
  });

  it("truncates to maxTokens exactly as the full segmentation starts", () => {
    const words = Array.from({ length: 300 }, (_, i) => ["alpha", "beta's", "gamma,", "δέλτα", "😹x", "co-operate"][i % 6]);
    const text = words.join(" ");
    const full = tok.encode(text);
    expect(full.length).toBeGreaterThan(128);
    expect(tok.encode(text, 128)).toEqual(full.slice(0, 128));
    expect(tok.encode("short text", 128)).toEqual(tok.encode("short text"));
  });

  it("looks only at the start of very long input when bounded", () => {
    const text = "word ".repeat(200_000) + "tail";
    expect(tok.encode(text, 128)).toEqual(tok.encode("word ".repeat(200), 128));
  });
});
