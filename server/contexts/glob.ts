import { FabricError } from "@cache-fabric/client/api";

/** A compiled glob over keys. */
export interface Glob {
  readonly source: string;
  /** The literal run before the first wildcard: every match starts with it (index range lookups). */
  readonly prefix: string;
  /** True when the pattern has no wildcard: it matches exactly one key. */
  readonly exact: boolean;
  matches(key: string): boolean;
}

export const MAX_PATTERN_LENGTH = 1024;

/**
 * Most steps a match of a key of `n` code points can take, whatever the pattern: n × 17 for a key of
 * ASCII characters (every stored key), about 8,700 at the 512-character limit; (n + 1)² / 4 + n for
 * any other key. A step is one pattern element compared with one key character, or one 32-bit word
 * of a bit-parallel search advanced by one key character.
 *
 * Why it holds: the pattern is cut at its stars into segments. The first is compared at the key's
 * start and the last at its end (n steps at most together); each middle segment is searched for at
 * its leftmost occurrence after the previous one, which is exact for globs (a star absorbs any gap),
 * so nothing is ever retried: no backtracking. The searches cover disjoint stretches of the key, each
 * character once. A segment of fewer than 8 elements is compared at each start (at most 7 steps a
 * character); a longer one runs Shift-And, ⌈length / 32⌉ words a character, at most 16 since a
 * segment longer than the key is refused before any comparison. Keys with other characters compare
 * each segment at each start, at most ((n + 1) / 2)² steps for the searches.
 */
export function matchStepBound(n: number, ascii = true): number {
  return ascii ? n * (1 + Math.max(BIT_PARALLEL_MIN - 1, Math.ceil(n / 32))) : Math.floor(((n + 1) * (n + 1)) / 4) + n;
}

/**
 * Compiles a glob: `*` any run of characters, `?` exactly one, `[abc]`/`[a-z]`/`[!a]`/`[^a]` one of
 * a class, `\x` the character x. The same syntax as Redis MATCH, so the Redis store can push it down.
 * Characters are Unicode code points (`?` matches one emoji). Inside a class every character is
 * itself (`\` included) and `-` between two makes a range; a class closes at the first `]` after its
 * first member. Empty means `*`. A malformed pattern is INVALID_ARGUMENT naming `field`.
 *
 * Matching takes at most `matchStepBound(key length)` steps (see there), never a backtracking search;
 * compiling costs O(128 × pattern length) once.
 */
export function compileGlob(pattern: string, field = "pattern"): Glob {
  const source = pattern === "" ? "*" : pattern;
  if (typeof source !== "string") throw FabricError.invalid(field, "must be a string");
  if (source.length > MAX_PATTERN_LENGTH) {
    throw FabricError.invalid(field, `must be at most ${MAX_PATTERN_LENGTH} characters`);
  }
  const parsed = parse(source, field);
  const { prefix, exact } = parsed;
  const plan = createPlan(parsed);
  // Literal code-unit comparisons agree with code-point matching unless the pattern holds a lone surrogate.
  const wellFormed = !LONE_SURROGATE.test(source);
  let matches: (key: string) => boolean;
  if (exact) matches = (key) => key === prefix;
  else if (wellFormed && plan.prefixOnly) matches = (key) => key.startsWith(prefix);
  else matches = (key) => (!wellFormed || key.startsWith(prefix)) && run(plan, key);
  return { source, prefix, exact, matches };
}

/** A glob matching exactly the keys that start with `prefix`. */
export function prefixGlob(prefix: string, field = "prefix"): Glob {
  return compileGlob(escapeGlob(prefix) + "*", field);
}

/** Escapes glob metacharacters so that `s` matches itself. */
export function escapeGlob(s: string): string {
  return s.replace(/[\\*?[\]]/g, "\\$&");
}

/**
 * Matches `key` against `glob` and counts the steps taken (the unit of `matchStepBound`): what tests
 * and benchmarks use to show a crafted pattern costs what the bound says, without timing anything.
 * Fast paths (exact, pure prefix, literal prefix mismatch) count 0.
 */
export function countMatchSteps(glob: Glob, key: string): { matched: boolean; steps: number } {
  steps = 0;
  const matched = glob.matches(key);
  return { matched, steps };
}

// ---- the compiled form ----

/** Pattern elements are numbers, so the matching loop stays monomorphic: a code point (≥ 0), ANY, or CLASS - i for classes[i]. */
const ANY = -1;
const CLASS = -2;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** One class, e.g. `[!a-z_]`: ASCII members as a bitmap (keys are ASCII), others as sorted disjoint ranges. */
interface CharClass {
  readonly negate: boolean;
  readonly ascii: Uint32Array;
  /** [lo0, hi0, lo1, hi1, ...], code points ≥ 128, sorted, disjoint. */
  readonly ranges: Int32Array;
}

/** Middle segments of at least this many elements are searched bit-parallel (Shift-And). */
const BIT_PARALLEL_MIN = 8;

/** A segment between two stars, searched for at its leftmost occurrence. */
interface MiddleSegment {
  readonly elements: Int32Array;
  /** 32-bit words of Shift-And state (0: compared at each start instead). */
  readonly words: number;
  /** For each ASCII code point c, at [c × words, (c + 1) × words): bit i set when element i matches c. */
  readonly masks: Uint32Array;
}

/** The pattern cut at its stars: `head*mid1*mid2*tail` (head alone when there is no star). */
interface Plan {
  readonly head: Int32Array;
  readonly middle: readonly MiddleSegment[];
  readonly tail: Int32Array;
  readonly classes: readonly CharClass[];
  /** Membership of ASCII code points in each class, negation applied: 4 words per class, in class order. */
  readonly asciiBits: Uint32Array;
  readonly starred: boolean;
  /** Fewest code points a matching key has. */
  readonly minLength: number;
  /** `literal*`: a prefix test decides. */
  readonly prefixOnly: boolean;
}

interface Parsed {
  segments: number[][];
  classes: CharClass[];
  prefix: string;
  exact: boolean;
}

function parse(source: string, field: string): Parsed {
  const segments: number[][] = [[]];
  const classes: CharClass[] = [];
  let current = segments[0];
  let prefix = "";
  let literal = true;
  const literalChar = (cp: number) => {
    current.push(cp);
    if (literal) prefix += String.fromCodePoint(cp);
  };
  for (let i = 0; i < source.length; ) {
    const cp = source.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    if (cp === 0x5c /* \ */) {
      if (i + 1 >= source.length) throw FabricError.invalid(field, "ends with an unfinished escape '\\'");
      const next = source.codePointAt(i + 1)!;
      literalChar(next);
      i += 1 + (next > 0xffff ? 2 : 1);
    } else if (cp === 0x2a /* * */) {
      literal = false;
      // Consecutive stars are one star.
      if (current.length > 0 || segments.length === 1) segments.push((current = []));
      i += 1;
    } else if (cp === 0x3f /* ? */) {
      literal = false;
      current.push(ANY);
      i += 1;
    } else if (cp === 0x5b /* [ */) {
      // The first `]` after the first member closes the class, so `[]a]` holds `]` and `a`.
      const end = source.indexOf("]", i + 2);
      if (end < 0) throw FabricError.invalid(field, `has an unclosed '[' at position ${i}`);
      current.push(CLASS - classes.length);
      classes.push(parseClass(source.slice(i + 1, end), i, field));
      literal = false;
      i = end + 1;
    } else {
      literalChar(cp);
      i += width;
    }
  }
  return { segments, classes, prefix, exact: literal };
}

function parseClass(text: string, position: number, field: string): CharClass {
  let body = text;
  let negate = false;
  if (body[0] === "!" || body[0] === "^") {
    negate = true;
    body = body.slice(1);
  }
  if (body === "") throw FabricError.invalid(field, `has an empty class at position ${position}`);
  const members = Array.from(body, (c) => c.codePointAt(0)!);
  const spans: [number, number][] = [];
  // `a-z` is a range; a `-` first, last, or right after a range is itself.
  for (let i = 0; i < members.length; ) {
    const lo = members[i++];
    if (i + 1 < members.length && members[i] === 0x2d /* - */) {
      const hi = members[i + 1];
      i += 2;
      if (lo > hi) {
        throw FabricError.invalid(
          field,
          `has a range out of order (${String.fromCodePoint(lo)}-${String.fromCodePoint(hi)}) in the class at position ${position}`,
        );
      }
      spans.push([lo, hi]);
    } else {
      spans.push([lo, lo]);
    }
  }
  const ascii = new Uint32Array(4);
  const wide: [number, number][] = [];
  for (const [lo, hi] of spans) {
    for (let c = lo; c <= Math.min(hi, 127); c++) ascii[c >>> 5] |= 1 << (c & 31);
    if (hi >= 128) wide.push([Math.max(lo, 128), hi]);
  }
  wide.sort((a, b) => a[0] - b[0]);
  const merged: number[] = [];
  for (const [lo, hi] of wide) {
    const last = merged.length - 1;
    if (last > 0 && lo <= merged[last] + 1) merged[last] = Math.max(merged[last], hi);
    else merged.push(lo, hi);
  }
  return { negate, ascii, ranges: Int32Array.from(merged) };
}

function createPlan({ segments, classes }: Parsed): Plan {
  const starred = segments.length > 1;
  const head = Int32Array.from(segments[0]);
  const tail = Int32Array.from(starred ? segments[segments.length - 1] : []);
  const minLength = segments.reduce((n, s) => n + s.length, 0);
  const prefixOnly = segments.length === 2 && tail.length === 0 && head.every((e) => e >= 0);
  const asciiBits = new Uint32Array(classes.length * 4);
  classes.forEach((k, i) => {
    for (let w = 0; w < 4; w++) asciiBits[i * 4 + w] = k.negate ? ~k.ascii[w] : k.ascii[w];
  });
  const middle = starred ? segments.slice(1, -1).map((s) => middleSegment(Int32Array.from(s), asciiBits)) : [];
  return { head, middle, tail, classes, asciiBits, starred, minLength, prefixOnly };
}

function middleSegment(elements: Int32Array, asciiBits: Uint32Array): MiddleSegment {
  if (elements.length < BIT_PARALLEL_MIN) return { elements, words: 0, masks: new Uint32Array(0) };
  const words = Math.ceil(elements.length / 32);
  const masks = new Uint32Array(128 * words);
  elements.forEach((e, i) => {
    for (let c = 0; c < 128; c++) {
      const member = e === ANY || (e >= 0 ? e === c : ((asciiBits[((CLASS - e) << 2) | (c >>> 5)] >>> (c & 31)) & 1) === 1);
      if (member) masks[c * words + (i >>> 5)] |= 1 << (i & 31);
    }
  });
  return { elements, words, masks };
}

// ---- matching ----

/** Steps of the current match (see countMatchSteps); matching is synchronous, so one counter serves. */
let steps = 0;
/** The key as code points, reused between matches (keys are at most a few hundred characters). */
let scratch = new Int32Array(1024);
/** Whether the last key decoded into `scratch` was all ASCII. */
let scratchAscii = true;
/** Shift-And state, reused: at most ⌈1024 / 32⌉ words. */
const state = new Uint32Array(Math.ceil(MAX_PATTERN_LENGTH / 32));

function run(plan: Plan, key: string): boolean {
  const n = toCodePoints(key);
  const cps = scratch;
  if (!plan.starred) return n === plan.head.length && matchAt(plan.head, plan, cps, 0);
  if (n < plan.minLength) return false;
  if (!matchAt(plan.head, plan, cps, 0) || !matchAt(plan.tail, plan, cps, n - plan.tail.length)) return false;
  let from = plan.head.length;
  const end = n - plan.tail.length;
  for (const segment of plan.middle) {
    const at = segment.words > 0 && scratchAscii ? shiftAndFind(segment, cps, from, end) : compareFind(segment.elements, plan, cps, from, end);
    if (at < 0) return false;
    from = at + segment.elements.length;
  }
  return true;
}

/** The leftmost start in [from, end) where `elements` match, comparing at each start; -1 if none. */
function compareFind(elements: Int32Array, plan: Plan, cps: Int32Array, from: number, end: number): number {
  const last = end - elements.length;
  for (let at = from; at <= last; at++) if (matchAt(elements, plan, cps, at)) return at;
  return -1;
}

/**
 * The same, bit-parallel: bit i of the state says the last i + 1 characters match the segment's
 * first i + 1 elements; every character shifts the state in and masks it with what that character
 * matches. ASCII keys only (the masks are per ASCII code point).
 */
function shiftAndFind(segment: MiddleSegment, cps: Int32Array, from: number, end: number): number {
  const { words, masks } = segment;
  const length = segment.elements.length;
  const top = words - 1;
  const found = 1 << ((length - 1) & 31);
  state.fill(0, 0, words);
  for (let j = from; j < end; j++) {
    const base = cps[j] * words;
    let carry = 1;
    for (let w = 0; w < words; w++) {
      const x = state[w];
      state[w] = ((x << 1) | carry) & masks[base + w];
      carry = x >>> 31;
    }
    if ((state[top] & found) !== 0) {
      steps += (j - from + 1) * words;
      return j - length + 1;
    }
  }
  steps += Math.max(0, end - from) * words;
  return -1;
}

function matchAt(segment: Int32Array, plan: Plan, cps: Int32Array, at: number): boolean {
  const { classes, asciiBits } = plan;
  const length = segment.length;
  for (let j = 0; j < length; j++) {
    const e = segment[j];
    if (e === ANY) continue;
    const c = cps[at + j];
    if (e >= 0 ? e !== c : c < 128 ? ((asciiBits[((CLASS - e) << 2) | (c >>> 5)] >>> (c & 31)) & 1) === 0 : !inClass(classes[CLASS - e], c)) {
      steps += j + 1;
      return false;
    }
  }
  steps += length;
  return true;
}

/** Membership of a code point ≥ 128 (ASCII is decided by the plan's bitmap): a binary search over the ranges. */
function inClass(k: CharClass, c: number): boolean {
  let lo = 0;
  let hi = k.ranges.length / 2 - 1;
  let member = false;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (c < k.ranges[2 * mid]) hi = mid - 1;
    else if (c > k.ranges[2 * mid + 1]) lo = mid + 1;
    else {
      member = true;
      break;
    }
  }
  return member !== k.negate;
}

/** Decodes `key` into `scratch` as code points (a lone surrogate is itself), returning how many. */
function toCodePoints(key: string): number {
  if (scratch.length < key.length) scratch = new Int32Array(key.length);
  let n = 0;
  let high = 0;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    high |= c;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < key.length) {
      const d = key.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        scratch[n++] = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
        i++;
        continue;
      }
    }
    scratch[n++] = c;
  }
  scratchAscii = high < 128;
  return n;
}
