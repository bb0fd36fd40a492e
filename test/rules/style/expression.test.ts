// isLooseSlot: the one answer the style rules share to "may any expression stand here without
// parentheses?" (useless-parens, bool-simplification and deprecated-is-null ask it).
import { describe, expect, it } from "vitest";
import { parseNix } from "../../../src/nix/index.js";
import { SyntaxKind as K, type SyntaxNode } from "../../../src/nix/syntax.js";
import { isLooseSlot } from "../../../src/rules/style/expression.js";

/** The application nodes of a file, each with whether it stands in a loose slot. */
function slots(text: string): [string, boolean][] {
  const out: [string, boolean][] = [];
  const walk = (n: SyntaxNode): void => {
    if (n.kind === K.NODE_APPLY) out.push([n.text, isLooseSlot(n)]);
    for (const c of n.childNodes()) walk(c);
  };
  walk(parseNix(text).root);
  return out;
}

describe("isLooseSlot", () => {
  it("is true where the syntax around delimits the expression", () => {
    expect(slots("f x")).toEqual([["f x", true]]);
    expect(slots("{ a = f x; }")).toEqual([["f x", true]]);
    expect(slots("let a = 1; in f x")).toEqual([["f x", true]]);
    expect(slots("if f x then g y else h z")).toEqual([["f x", true], ["g y", true], ["h z", true]]);
    expect(slots("assert f x; with g y; h z")).toEqual([["f x", true], ["g y", true], ["h z", true]]);
    expect(slots('"${f x}"')).toEqual([["f x", true]]);
    expect(slots("s.${f x}")).toEqual([["f x", true]]);
    expect(slots("{ inherit (f x) a; }")).toEqual([["f x", true]]);
    expect(slots("{ a ? f x }: a")).toEqual([["f x", true]]);
    expect(slots("x: f x")).toEqual([["f x", true]]);
    expect(slots("let { body = f x; }")).toEqual([["f x", true]]);
  });

  it("is false for a bare operand, true again inside parentheses", () => {
    expect(slots("(f x) + 1").map(([, loose]) => loose)).toEqual([true]);
    expect(slots("[ (f x) ]").map(([, loose]) => loose)).toEqual([true]);
    expect(slots("f x + 1")).toEqual([["f x", false]]);
    expect(slots("!f x")).toEqual([["f x", false]]);
    expect(slots("g (f x)")).toEqual([["g (f x)", true], ["f x", true]]);
    expect(slots("(f x).y")).toEqual([["f x", true]]);
  });
});
