// Lexing and parsing cost linear time. A 200 KB attribute path `a.b.b.b…` used to take close to a
// minute: the lexer rescanned the rest of the run of path (and URI-scheme) characters at every
// identifier in it. The lexer counts its character steps; these inputs must cost a bounded number
// of steps per character, and four times the input at most about four times the steps.
import { describe, expect, it } from "vitest";
import { DeadlineExceeded, withDeadline } from "../../src/nix/deadline.js";
import { lex } from "../../src/nix/lexer.js";
import { parseNix } from "../../src/nix/index.js";

const repeat = (unit: string, bytes: number) => unit.repeat(Math.ceil(bytes / unit.length));

// Each: the source for about `n` bytes.
const ADVERSARIAL: Record<string, (n: number) => string> = {
  "a long attribute path": (n) => `{ x = a${repeat(".b", n)}; }`,
  "a long path in inherit (x)": (n) => `{ x }: { inherit (x${repeat(".b", n)}) y; }`,
  "a long or chain": (n) => `{ a }: { x = a.b${repeat(" or a.b", n)}; }`,
  "a path run ending in a slash that is no path": (n) => `{ x = a${repeat(".b", n)}/ ; }`,
  "a run of URI-scheme characters without a colon": (n) => `{ x = a${repeat("+b", n)}; }`,
  "unterminated comment openers": (n) => `{ } ${repeat("/*", n)}`,
  "search path openers before a long path": (n) => `{ } ${repeat("<", n / 2)}${repeat("a/", n / 2)}`,
  "home path segments": (n) => `{ x = ~${repeat("/a", n)}; }`,
  "many interpolations": (n) => `{ y = "a"; x = "${repeat("${y}", n)}"; }`,
  "a long list of selects": (n) => `{ a }: { x = [${repeat(" a.b.c", n)} ]; }`,
};

describe("lexing is linear", () => {
  for (const [name, make] of Object.entries(ADVERSARIAL)) {
    it(`${name}: steps grow with the input, not its square`, () => {
      const small = make(20_000);
      const big = make(80_000);
      const s = lex(small).steps;
      const b = lex(big).steps;
      // A few steps per character (a token and the run it scanned), never thousands.
      expect(b / big.length).toBeLessThan(4);
      expect(b / s).toBeLessThan(4 * 1.2);
    });
  }

  it("lexes the same tokens as before the run caches (spot check)", () => {
    const toks = lex("a.b/c ~/x/y <a/b> x:y a+b:c /* c */ a.b.c");
    expect(toks.kinds.length).toBeGreaterThan(10);
    // `a.b/c` is one path, `<a/b>` one search path, `x:y` and `a+b:c` URIs.
    const text = "a.b/c ~/x/y <a/b> x:y a+b:c /* c */ a.b.c";
    const words = toks.kinds.map((_, i) => text.slice(toks.starts[i], toks.ends[i])).filter((t) => t.trim()); // (paths end in an empty PATH_END)
    expect(words).toEqual(["a.b/c", "~/x/y", "<a/b>", "x:y", "a+b:c", "/* c */", "a", ".", "b", ".", "c"]);
  });
});

describe("parsing a 200 KB attribute path", () => {
  it("takes well under 5 s (it took about a minute)", () => {
    const text = ADVERSARIAL["a long attribute path"]!(200_000);
    const t = performance.now();
    const p = parseNix(text);
    expect(performance.now() - t).toBeLessThan(5_000);
    expect(p.error?.message).toBe("undefined variable 'a'");
  });
});

describe("withDeadline", () => {
  it("interrupts a parse that runs over its budget with DeadlineExceeded", () => {
    const text = ADVERSARIAL["a long list of selects"]!(400_000);
    expect(() => withDeadline(1, () => parseNix(text))).toThrow(DeadlineExceeded);
    expect(() => withDeadline(1, () => parseNix(text))).toThrow("took longer than 0.001 s; skipped");
    // Outside a budget the same parse completes.
    expect(parseNix(text).error).toBeUndefined();
  });
});
