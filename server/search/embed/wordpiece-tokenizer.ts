/**
 * WordPiece tokenizer read from a HuggingFace `tokenizer.json`, the format sentence-transformers
 * exports ship (e.g. all-MiniLM-L6-v2). Implements the BERT pipeline those files describe:
 * BertNormalizer (clean text, pad CJK, strip accents, lowercase) → BertPreTokenizer (split on
 * whitespace and punctuation) → greedy longest-match WordPiece with a `##` continuation prefix →
 * `[CLS] … [SEP]`. Any other component type is rejected at load, so an unsupported tokenizer fails
 * at start-up instead of producing ids the model was not trained on.
 */

interface TokenizerJson {
  truncation?: { max_length?: number } | null;
  padding?: { pad_id?: number } | null;
  normalizer?: NormalizerJson | null;
  pre_tokenizer?: { type: string; pretokenizers?: Array<{ type: string }> } | null;
  post_processor?: PostProcessorJson | null;
  model: {
    type: string;
    vocab: Record<string, number>;
    unk_token?: string;
    continuing_subword_prefix?: string;
    max_input_chars_per_word?: number;
  };
}

interface NormalizerJson {
  type: string;
  clean_text?: boolean;
  handle_chinese_chars?: boolean;
  strip_accents?: boolean | null;
  lowercase?: boolean;
  normalizers?: NormalizerJson[];
}

interface PostProcessorJson {
  type: string;
  cls?: [string, number];
  sep?: [string, number];
  special_tokens?: Record<string, { ids: number[] }>;
  single?: Array<{ SpecialToken?: { id: string }; Sequence?: { id: string } }>;
}

/** Default max sequence length (special tokens included) when tokenizer.json sets no truncation. */
export const DEFAULT_MAX_SEQUENCE_LENGTH = 256;

/** One tokenized text, ready for a BERT-shaped model. */
export interface Encoding {
  ids: number[];
}

type Normalize = (s: string) => string;

const CONTROL = /\p{C}/u;
const WHITESPACE = /[\t\n\r\p{White_Space}]/u;
const NONSPACING_MARK = /\p{Mn}/gu;
// ASCII punctuation (which includes symbols such as $ + < = > ^ ` | ~) or any Unicode punctuation.
const PUNCTUATION = /^(?:[!-/:-@[-`{-~]|\p{P})$/u;

function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) || (cp >= 0x2b740 && cp <= 0x2b81f) || (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

function bertNormalizer(cfg: NormalizerJson): Normalize {
  const clean = cfg.clean_text ?? true;
  const chinese = cfg.handle_chinese_chars ?? true;
  const lowercase = cfg.lowercase ?? true;
  const strip = cfg.strip_accents ?? lowercase;
  return (text) => {
    let out = "";
    for (const ch of text) {
      if (clean) {
        if (ch === "\0" || ch === "\uFFFD") continue;
        if (WHITESPACE.test(ch)) {
          out += " ";
          continue;
        }
        if (CONTROL.test(ch)) continue;
      }
      out += chinese && isChineseChar(ch.codePointAt(0)!) ? ` ${ch} ` : ch;
    }
    if (strip) out = out.normalize("NFD").replace(NONSPACING_MARK, "");
    return lowercase ? out.toLowerCase() : out;
  };
}

function normalizerOf(cfg: NormalizerJson | null | undefined): Normalize {
  if (!cfg) return (s) => s;
  switch (cfg.type) {
    case "BertNormalizer":
      return bertNormalizer(cfg);
    case "Lowercase":
      return (s) => s.toLowerCase();
    case "NFD":
    case "NFC":
    case "NFKD":
    case "NFKC":
      return (s) => s.normalize(cfg.type as "NFD");
    case "StripAccents":
      return (s) => s.replace(NONSPACING_MARK, "");
    case "Sequence": {
      const steps = (cfg.normalizers ?? []).map(normalizerOf);
      return (s) => steps.reduce((acc, f) => f(acc), s);
    }
    default:
      throw new Error(`tokenizer.json: normalizer ${cfg.type} is not supported`);
  }
}

/** BertPreTokenizer: words are runs between whitespace; every punctuation char is its own word. */
function bertPreTokenize(text: string): string[] {
  const words: string[] = [];
  let current = "";
  for (const ch of text) {
    if (WHITESPACE.test(ch)) {
      if (current) words.push(current);
      current = "";
    } else if (PUNCTUATION.test(ch)) {
      if (current) words.push(current);
      words.push(ch);
      current = "";
    } else {
      current += ch;
    }
  }
  if (current) words.push(current);
  return words;
}

/** Finds the [CLS]/[SEP] ids the post-processor adds around a single sequence. */
function specialIds(json: TokenizerJson, vocab: Map<string, number>): { prefix: number[]; suffix: number[] } {
  const pp = json.post_processor;
  if (!pp) return { prefix: [], suffix: [] };
  if (pp.type === "BertProcessing" && pp.cls && pp.sep) return { prefix: [pp.cls[1]], suffix: [pp.sep[1]] };
  if (pp.type === "TemplateProcessing" && pp.single) {
    const seq = pp.single.findIndex((p) => p.Sequence);
    const ids = (p: { SpecialToken?: { id: string } }): number[] => {
      const name = p.SpecialToken!.id;
      const found = pp.special_tokens?.[name]?.ids ?? (vocab.has(name) ? [vocab.get(name)!] : undefined);
      if (!found) throw new Error(`tokenizer.json: special token ${name} has no id`);
      return found;
    };
    return { prefix: pp.single.slice(0, seq).flatMap(ids), suffix: pp.single.slice(seq + 1).flatMap(ids) };
  }
  throw new Error(`tokenizer.json: post-processor ${pp.type} is not supported`);
}

/** BERT WordPiece tokenizer; immutable after construction. */
export class WordPieceTokenizer {
  private readonly vocab: Map<string, number>;
  private readonly normalize: Normalize;
  private readonly unkId: number;
  private readonly prefix: string;
  private readonly maxCharsPerWord: number;
  private readonly special: { prefix: number[]; suffix: number[] };
  /** Longest encoding produced, special tokens included. */
  readonly maxLength: number;
  /** Id used to pad shorter rows of a batch (masked out anyway). */
  readonly padId: number;

  constructor(json: TokenizerJson) {
    if (json.model?.type !== "WordPiece") throw new Error(`tokenizer.json: model ${json.model?.type} is not supported (WordPiece only)`);
    const pre = json.pre_tokenizer;
    const preTypes = pre ? (pre.type === "Sequence" ? (pre.pretokenizers ?? []).map((p) => p.type) : [pre.type]) : [];
    for (const t of preTypes) {
      if (t !== "BertPreTokenizer") throw new Error(`tokenizer.json: pre-tokenizer ${t} is not supported`);
    }
    this.vocab = new Map(Object.entries(json.model.vocab));
    this.normalize = normalizerOf(json.normalizer);
    const unk = json.model.unk_token ?? "[UNK]";
    if (!this.vocab.has(unk)) throw new Error(`tokenizer.json: unknown token ${unk} is not in the vocabulary`);
    this.unkId = this.vocab.get(unk)!;
    this.prefix = json.model.continuing_subword_prefix ?? "##";
    this.maxCharsPerWord = json.model.max_input_chars_per_word ?? 100;
    this.special = specialIds(json, this.vocab);
    this.maxLength = json.truncation?.max_length ?? DEFAULT_MAX_SEQUENCE_LENGTH;
    if (this.maxLength <= this.special.prefix.length + this.special.suffix.length) throw new Error("tokenizer.json: max_length leaves no room for text");
    this.padId = json.padding?.pad_id ?? this.vocab.get("[PAD]") ?? 0;
  }

  /** Most text tokens one encoding holds (special tokens excluded): the model's window. */
  get window(): number {
    return this.maxLength - this.special.prefix.length - this.special.suffix.length;
  }

  /** Tokens of `text` without special tokens and truncation (for chunking). */
  countTokens(text: string): number {
    const ids: number[] = [];
    for (const word of bertPreTokenize(this.normalize(text))) this.wordPiece(word, ids);
    return ids.length;
  }

  /** Parses the contents of a tokenizer.json file. */
  static fromJson(text: string): WordPieceTokenizer {
    return new WordPieceTokenizer(JSON.parse(text) as TokenizerJson);
  }

  /**
   * Ids with special tokens, truncated (on the right) to `maxLength`. Only the first
   * `maxLength * 128` characters are read, so a huge text costs no more than the tokens it can keep
   * (the rest could only matter after runs of over 128 ignorable characters per kept token).
   */
  encode(text: string): Encoding {
    const budget = this.window;
    const limit = this.maxLength * 128;
    if (text.length > limit) text = text.slice(0, /[\uD800-\uDBFF]/.test(text[limit - 1]!) ? limit - 1 : limit);
    const ids: number[] = [];
    for (const word of bertPreTokenize(this.normalize(text))) {
      if (ids.length >= budget) break;
      this.wordPiece(word, ids);
    }
    if (ids.length > budget) ids.length = budget;
    return { ids: [...this.special.prefix, ...ids, ...this.special.suffix] };
  }

  /** Greedy longest-match-first; a word with any unmatched rest becomes a single unknown token. */
  private wordPiece(word: string, out: number[]): void {
    const chars = Array.from(word);
    if (chars.length > this.maxCharsPerWord) {
      out.push(this.unkId);
      return;
    }
    const pieces: number[] = [];
    for (let start = 0; start < chars.length; ) {
      let end = chars.length;
      let id: number | undefined;
      for (; end > start; end--) {
        const sub = (start > 0 ? this.prefix : "") + chars.slice(start, end).join("");
        id = this.vocab.get(sub);
        if (id !== undefined) break;
      }
      if (id === undefined) {
        out.push(this.unkId);
        return;
      }
      pieces.push(id);
      start = end;
    }
    out.push(...pieces);
  }
}
