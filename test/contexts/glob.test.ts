import { FabricError } from "@cache-fabric/client/api";
import { compileGlob, countMatchSteps, escapeGlob, matchStepBound, MAX_PATTERN_LENGTH, prefixGlob } from "../../server/contexts/glob.js";
import { LIMITS } from "../../server/contexts/validate.js";
import { prng } from "../support/prng.js";

describe("glob", () => {
  const KEY_CHARS = "ab-_.:/@+=,;|~#09";

  test("every key character matches itself, alone and next to wildcards", () => {
    for (const c of KEY_CHARS) {
      const key = `x${c}y`;
      expect(compileGlob(key).matches(key)).toBe(true);
      expect(compileGlob(`x${c}*`).matches(key)).toBe(true);
      expect(compileGlob(`*${c}y`).matches(key)).toBe(true);
      expect(compileGlob(`x?y`).matches(key)).toBe(true);
      expect(compileGlob(`x${c}*`).matches(`z${c}y`)).toBe(false);
    }
  });

  test("literal prefix and exactness", () => {
    expect(compileGlob("execution:*")).toMatchObject({ prefix: "execution:", exact: false });
    expect(compileGlob("faq:change-email")).toMatchObject({ prefix: "faq:change-email", exact: true });
    expect(compileGlob("a\\*b").matches("a*b")).toBe(true);
    expect(compileGlob("a\\*b").matches("axb")).toBe(false);
    expect(compileGlob("").source).toBe("*");
  });

  test("classes: ranges, negation, a literal ]", () => {
    expect(compileGlob("k[0-2]").matches("k1")).toBe(true);
    expect(compileGlob("k[0-2]").matches("k3")).toBe(false);
    expect(compileGlob("k[!0-2]").matches("k3")).toBe(true);
    expect(compileGlob("k[^a]").matches("ka")).toBe(false);
    expect(compileGlob("k[-a]").matches("k-")).toBe(true);
    expect(compileGlob("k[]a]").matches("k]")).toBe(true);
    expect(compileGlob("k[a-]").matches("k-")).toBe(true);
  });

  test("characters are code points: ? matches one astral character, classes hold them", () => {
    expect(compileGlob("a?b").matches("a😀b")).toBe(true);
    expect(compileGlob("a??b").matches("a😀b")).toBe(false);
    expect(compileGlob("[😀-😂]").matches("😁")).toBe(true);
    expect(compileGlob("[!😀]").matches("😀")).toBe(false);
    expect(compileGlob("*é").matches("café")).toBe(true);
    // A lone surrogate (possible in process, never on the wire, where strings are UTF-8) is itself.
    expect(compileGlob("\uD83D*").matches("\uD83D\uDE00")).toBe(false);
    expect(compileGlob("\uD83D*").matches("\uD83Dx")).toBe(true);
    expect(compileGlob("?\uDE00").matches("😀")).toBe(false);
  });

  test("escapeGlob and prefixGlob make text match itself", () => {
    const text = "user:[1]*?\\x";
    expect(compileGlob(escapeGlob(text)).matches(text)).toBe(true);
    expect(prefixGlob("user:1:").matches("user:1:prefs")).toBe(true);
    expect(prefixGlob("user:1:").matches("user:10:prefs")).toBe(false);
  });

  test("malformed patterns are INVALID_ARGUMENT naming the field", () => {
    const refused = (pattern: string, field?: string) => {
      try {
        compileGlob(pattern, field);
      } catch (e) {
        expect(FabricError.is(e, "INVALID_ARGUMENT")).toBe(true);
        return (e as Error).message;
      }
      throw new Error(`${pattern} was accepted`);
    };
    expect(refused("a[b", "prefix")).toMatch(/^prefix: has an unclosed '\[' at position 1/);
    expect(refused("a\\")).toMatch(/^pattern: ends with an unfinished escape/);
    expect(refused("x".repeat(1025))).toMatch(/^pattern: must be at most 1024/);
    expect(refused("k[z-a]")).toMatch(/^pattern: has a range out of order \(z-a\) in the class at position 1/);
    expect(refused("[a--]", "keys")).toMatch(/^keys: has a range out of order/);
    expect(refused("[!]")).toMatch(/^pattern: has an empty class at position 0/);
  });
});

/**
 * The matcher against the implementation it replaced, a RegExp compiled from the pattern: on small
 * inputs (where backtracking costs nothing) both must agree on every answer, on the literal prefix,
 * on exactness, and on which patterns are refused (the RegExp threw a SyntaxError, which reached
 * callers as INTERNAL, where the matcher now says INVALID_ARGUMENT).
 */
function referenceGlob(source: string): { prefix: string; exact: boolean; matches: (key: string) => boolean } {
  const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  let re = "^";
  let prefix = "";
  let literal = true;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") {
      if (i + 1 >= source.length) throw FabricError.invalid("pattern", "ends with an unfinished escape '\\'");
      const next = source[++i];
      re += escapeRegExp(next);
      if (literal) prefix += next;
    } else if (c === "*") {
      re += "[\\s\\S]*";
      literal = false;
    } else if (c === "?") {
      re += "[\\s\\S]";
      literal = false;
    } else if (c === "[") {
      const end = source.indexOf("]", i + 2);
      if (end < 0) throw FabricError.invalid("pattern", `has an unclosed '[' at position ${i}`);
      let body = source.slice(i + 1, end);
      let negate = false;
      if (body[0] === "!" || body[0] === "^") {
        negate = true;
        body = body.slice(1);
      }
      if (body === "") throw FabricError.invalid("pattern", `has an empty class at position ${i}`);
      re += `[${negate ? "^" : ""}${body.replace(/[\\\]^]/g, "\\$&")}]`;
      literal = false;
      i = end;
    } else {
      re += escapeRegExp(c);
      if (literal) prefix += c;
    }
  }
  const regexp = new RegExp(re + "$", "u");
  return { prefix, exact: literal, matches: literal ? (key) => key === prefix : (key) => regexp.test(key) };
}

describe("glob against the RegExp it replaced", () => {
  const SEED = Number(process.env.GLOB_SEED ?? 20261201);
  const random = prng(SEED);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  // Syntax, key characters, a range end, non-ASCII and astral characters. Keys also hold lone
  // surrogates; patterns do not, since the RegExp source glued a lone high surrogate to an escaped
  // low one (`\uD83D\\\uDE00` matched 😀): a glob reads a lone surrogate as itself (tested above).
  const PATTERN_ALPHABET = ["a", "b", "z", "-", ":", "*", "*", "?", "[", "]", "!", "^", "\\", "é", "😀", "😂"];
  const KEY_ALPHABET = ["a", "b", "z", "-", ":", "]", "!", "^", "\\", "*", "é", "😀", "😁", "\uD83D", "\uDE00"];
  const text = (alphabet: readonly string[], max: number) => Array.from({ length: Math.floor(random() * (max + 1)) }, () => pick(alphabet)).join("");

  test(`20,000 random patterns × 8 keys: same answers, prefixes and refusals (seed ${SEED})`, () => {
    const differences: unknown[] = [];
    let compared = 0;
    let refusedBoth = 0;
    for (let i = 0; i < 20_000 && differences.length < 5; i++) {
      const pattern = text(PATTERN_ALPHABET, 10) || "a";
      let reference: ReturnType<typeof referenceGlob> | undefined;
      let referenceError: unknown;
      try {
        reference = referenceGlob(pattern);
      } catch (e) {
        referenceError = e;
      }
      let glob: ReturnType<typeof compileGlob> | undefined;
      let error: unknown;
      try {
        glob = compileGlob(pattern);
      } catch (e) {
        error = e;
      }
      if (!reference || !glob) {
        // Both refuse, INVALID_ARGUMENT, with the same message, except that a reversed range, which
        // the RegExp found only after the whole parse, is now reported where it stands.
        const message = (error as Error | undefined)?.message ?? "";
        const same = referenceError instanceof FabricError ? message === referenceError.message || /range out of order/.test(message) : true;
        if (reference || !FabricError.is(error, "INVALID_ARGUMENT") || !same)
          differences.push({ pattern, referenceError: String(referenceError), error: String(error) });
        else refusedBoth++;
        continue;
      }
      if (glob.prefix !== reference.prefix || glob.exact !== reference.exact) differences.push({ pattern, prefix: glob.prefix, exact: glob.exact, reference });
      for (let k = 0; k < 8; k++) {
        // Half the keys are built from the pattern's own characters, so matches are common.
        const key = k % 2 === 0 ? text(KEY_ALPHABET, 8) : pattern.replace(/[*?[\]\\!^]/g, () => (random() < 0.5 ? "" : pick(KEY_ALPHABET)));
        const matched = glob.matches(key);
        if (matched !== reference.matches(key)) differences.push({ pattern, key, matched });
        compared++;
      }
    }
    expect(differences).toEqual([]);
    // The generator exercises both sides: many comparisons, and refusals (unclosed, empty, reversed classes).
    expect(compared).toBeGreaterThan(100_000);
    expect(refusedBoth).toBeGreaterThan(500);
  });

  test(`3,000 patterns with long segments between stars (the bit-parallel search) × 6 keys (seed ${SEED})`, () => {
    const ELEMENTS = ["a", "a", "b", "?", "[ab]", "[!a]", "[a-b]", "\\a"];
    const differences: unknown[] = [];
    let matched = 0;
    for (let i = 0; i < 3000 && differences.length < 5; i++) {
      const segment = () => Array.from({ length: 1 + Math.floor(random() * 40) }, () => pick(ELEMENTS)).join("");
      const parts = Array.from({ length: 1 + Math.floor(random() * 3) }, segment);
      const pattern = (random() < 0.5 ? "*" : "") + parts.join("*") + (random() < 0.5 ? "*" : "");
      const glob = compileGlob(pattern);
      const reference = referenceGlob(pattern);
      for (let k = 0; k < 6; k++) {
        // Keys from the pattern itself (wildcards filled in) match often; random ones rarely.
        const key =
          k < 3
            ? pattern
                .replace(/\\a/g, "a")
                .replace(/\[!?a?-?b?\]|\?/g, () => pick(["a", "b"]))
                .replace(/\*/g, () => text(["a", "b"], 6))
            : text(["a", "b", "a"], 80);
        const mine = glob.matches(key);
        if (mine !== reference.matches(key)) differences.push({ pattern, key, matched: mine });
        if (mine) matched++;
      }
    }
    expect(differences).toEqual([]);
    expect(matched).toBeGreaterThan(1500);
  });
});

describe("glob cost at the documented limits", () => {
  const KEY = LIMITS.maxKeyLength; // 512
  const BOUND = matchStepBound(KEY);
  const a = (n: number) => "a".repeat(n);

  test("the bound at the limits: about 8,700 steps per stored key, whatever the pattern", () => {
    expect(MAX_PATTERN_LENGTH).toBe(1024);
    expect(BOUND).toBe(8_704);
    // A key with non-ASCII characters (never stored, possible in process) has the quadratic bound.
    expect(matchStepBound(KEY, false)).toBe(66_304);
  });

  // Patterns of the issue (each blocked the old RegExp matcher for seconds to forever) and the worst
  // cases of this matcher, at the pattern and key limits.
  const crafted: Array<[string, string, string]> = [
    ["the issue's *a…*b", "s:" + "*a".repeat(10) + "*b", "s:" + a(KEY - 2)],
    ["*a×511 then *b (1024 characters)", "*a".repeat(511) + "*b", a(KEY)],
    ["*a*a*b", "*a*a*b", a(KEY - 9)],
    ["*a?… stars and ? alternating", "*a?".repeat(341) + "b", a(KEY)],
    ["stars and classes", "*[a-z]".repeat(170) + "*b", a(KEY)],
    ["short segments compared at each start", ("*" + a(6) + "b").repeat(60) + "*", a(KEY)],
    ["one long literal segment", "*" + a(KEY / 2 - 1) + "b*", a(KEY)],
    ["one long ? segment", "*" + "?".repeat(KEY / 2 - 2) + "ab*", a(KEY)],
    ["one long class segment", "*" + "[a]".repeat(KEY / 2 - 1) + "[b]*", a(KEY)],
    ["the longest segment a key can hold (16 words)", "*" + a(KEY - 12) + "b*", a(KEY)],
    ["many middle segments", ("*" + a(7) + "b").repeat(113) + "*", a(KEY)],
  ];

  test.each(crafted)("%s: refused within the bound", (_name, pattern, key) => {
    expect(pattern.length).toBeLessThanOrEqual(MAX_PATTERN_LENGTH);
    expect(key.length).toBeLessThanOrEqual(KEY);
    const { matched, steps } = countMatchSteps(compileGlob(pattern), key);
    expect(matched).toBe(false);
    expect(steps).toBeLessThanOrEqual(BOUND);
  });

  test("the issue's patterns are refused in a handful of steps (the last segment is anchored at the end)", () => {
    for (const pattern of ["s:" + "*a".repeat(10) + "*b", "*a*a*b", "*a".repeat(511) + "*b"]) {
      expect(countMatchSteps(compileGlob(pattern), "s:" + a(KEY - 2)).steps).toBeLessThan(10);
    }
  });

  test("the bound is tight: the worst case takes nearly all of it (the counter counts)", () => {
    const { steps } = countMatchSteps(compileGlob("*" + a(KEY - 12) + "b*"), a(KEY));
    expect(steps).toBeGreaterThan(0.9 * BOUND);
  });

  test("a key with a non-ASCII character is compared at each start, within its own bound", () => {
    const { matched, steps } = countMatchSteps(compileGlob("*" + a(KEY / 2 - 1) + "b*"), "é" + a(KEY - 1));
    expect(matched).toBe(false);
    expect(steps).toBeGreaterThan(BOUND);
    expect(steps).toBeLessThanOrEqual(matchStepBound(KEY, false));
  });

  test("2,000 random adversarial patterns at the limits stay within the bound (seeded)", () => {
    const random = prng(7);
    const pieces = ["*", "a", "a", "a", "?", "[a-c]", "[!b]", "b"];
    let worst = 0;
    for (let i = 0; i < 2000; i++) {
      let pattern = "";
      const target = 16 + Math.floor(random() * (MAX_PATTERN_LENGTH - 16));
      while (pattern.length < target - 5) pattern += pieces[Math.floor(random() * pieces.length)];
      const key = (a(KEY - 1 - Math.floor(random() * 4)) + "ab".slice(0, 1 + Math.floor(random() * 2))).slice(0, KEY);
      const { steps } = countMatchSteps(compileGlob(pattern), key);
      expect(steps).toBeLessThanOrEqual(matchStepBound(key.length));
      worst = Math.max(worst, steps);
    }
    expect(worst).toBeGreaterThan(0);
  });
});
