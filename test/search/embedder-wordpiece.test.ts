/**
 * The BERT WordPiece tokenizer read from tokenizer.json, on the tiny vocabulary the tests' model
 * uses: normalisation, punctuation splitting, ## continuations, unknown words, special tokens and
 * truncation, plus rejection of tokenizers it does not implement.
 */
import { TINY_VOCAB } from "./tiny-bert.js";
import { DEFAULT_MAX_SEQUENCE_LENGTH, WordPieceTokenizer } from "../../server/search/embed/wordpiece-tokenizer.js";

const vocab = Object.fromEntries(TINY_VOCAB.map((t, i) => [t, i]));
const base = {
  truncation: { max_length: 16 },
  normalizer: { type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
  pre_tokenizer: { type: "BertPreTokenizer" },
  post_processor: {
    type: "TemplateProcessing",
    single: [{ SpecialToken: { id: "[CLS]" } }, { Sequence: { id: "A" } }, { SpecialToken: { id: "[SEP]" } }],
    special_tokens: { "[CLS]": { ids: [2] }, "[SEP]": { ids: [3] } },
  },
  model: { type: "WordPiece", unk_token: "[UNK]", continuing_subword_prefix: "##", max_input_chars_per_word: 100, vocab },
};
const tok = new WordPieceTokenizer(base);
const tokens = (text: string, t = tok): string[] => t.encode(text).ids.map((id) => TINY_VOCAB[id]!);

describe("WordPieceTokenizer", () => {
  it("lowercases, splits punctuation and wraps in [CLS] … [SEP]", () => {
    expect(tokens("Hello, World!")).toEqual(["[CLS]", "hello", ",", "world", "!", "[SEP]"]);
  });

  it("splits words into the longest known pieces with ## continuations", () => {
    expect(tokens("cats")).toEqual(["[CLS]", "cat", "##s", "[SEP]"]);
    expect(tokens("Unbelievable")).toEqual(["[CLS]", "un", "##believ", "##able", "[SEP]"]);
    expect(tokens("doggy dogs")).toEqual(["[CLS]", "dog", "##gy", "dog", "##s", "[SEP]"]);
  });

  it("strips accents when lowercasing (strip_accents: null)", () => {
    expect(tokens("Café")).toEqual(["[CLS]", "cafe", "[SEP]"]);
  });

  it("turns a word with any unmatched part into one [UNK]", () => {
    expect(tokens("the xyz cat")).toEqual(["[CLS]", "the", "[UNK]", "cat", "[SEP]"]);
    expect(tokens("catz")).toEqual(["[CLS]", "[UNK]", "[SEP]"]);
  });

  it("treats tabs and newlines as spaces and drops control characters", () => {
    expect(tokens("the\tcat\nsat\u0000\u200b")).toEqual(["[CLS]", "the", "cat", "sat", "[SEP]"]);
  });

  it("gives only the special tokens for empty text", () => {
    expect(tokens("")).toEqual(["[CLS]", "[SEP]"]);
  });

  it("truncates to max_length, special tokens included", () => {
    const ids = tok.encode("the cat sat on the mat ".repeat(10)).ids;
    expect(ids).toHaveLength(16);
    expect(TINY_VOCAB[ids[0]!]).toBe("[CLS]");
    expect(TINY_VOCAB[ids[15]!]).toBe("[SEP]");
    expect(tok.maxLength).toBe(16);
  });

  it("reads only as much of a huge text as its tokens can use", () => {
    expect(tokens("the cat " + "x".repeat(1_000_000))).toEqual(["[CLS]", "the", "cat", "[UNK]", "[SEP]"]);
    expect(tok.encode("the mat ".repeat(200_000)).ids).toEqual(tok.encode("the mat ".repeat(20)).ids);
  });

  it("defaults to 256 tokens without a truncation setting", () => {
    expect(new WordPieceTokenizer({ ...base, truncation: null }).maxLength).toBe(DEFAULT_MAX_SEQUENCE_LENGTH);
    expect(DEFAULT_MAX_SEQUENCE_LENGTH).toBe(256);
  });

  it("accepts the BertProcessing post-processor", () => {
    const t = new WordPieceTokenizer({ ...base, post_processor: { type: "BertProcessing", cls: ["[CLS]", 2], sep: ["[SEP]", 3] } });
    expect(tokens("a dog", t)).toEqual(["[CLS]", "a", "dog", "[SEP]"]);
  });

  it("rejects tokenizers it does not implement instead of guessing", () => {
    expect(() => new WordPieceTokenizer({ ...base, model: { ...base.model, type: "BPE" } })).toThrow(/BPE/);
    expect(() => new WordPieceTokenizer({ ...base, pre_tokenizer: { type: "Metaspace" } })).toThrow(/Metaspace/);
    expect(() => new WordPieceTokenizer({ ...base, normalizer: { type: "Precompiled" } })).toThrow(/Precompiled/);
  });
});
