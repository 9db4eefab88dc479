import { compileGlob, escapeGlob, prefixGlob } from "../../server/contexts/glob.js";

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
  });

  test("escapeGlob and prefixGlob make text match itself", () => {
    const text = "user:[1]*?\\x";
    expect(compileGlob(escapeGlob(text)).matches(text)).toBe(true);
    expect(prefixGlob("user:1:").matches("user:1:prefs")).toBe(true);
    expect(prefixGlob("user:1:").matches("user:10:prefs")).toBe(false);
  });

  test("malformed patterns name the field", () => {
    expect(() => compileGlob("a[b", "prefix")).toThrow(/^prefix: has an unclosed/);
    expect(() => compileGlob("a\\")).toThrow(/^pattern: ends with an unfinished escape/);
    expect(() => compileGlob("x".repeat(1025))).toThrow(/at most 1024/);
  });
});
