// useless-parens (statix W08): parentheses that change nothing: around a binding's value
// (`a = (b);`), around the body of a `let` (`in (e)`), and elsewhere around an expression that
// binds tighter than anything around it can (a name, a string, a list, a set, a number, a path,
// `a.b`, or another parenthesised expression), as statix has it. Two look-alikes are left alone
// because the parentheses do mean something there: `(a.b) or c` (without them `or` becomes the
// default of the selection) and `(a.b).c or d` (with them, a missing `a.b` is an error).
//
// The fix deletes the two parentheses only; each is checked to be the very same expression to
// Nix's parser afterwards (what nix-instantiate --parse prints is identical).
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import type { NixFileContext, Rule, TextEdit } from "../types.js";
import { fixParses, isLooseSlot, styleMeta } from "./expression.js";

const TIGHT = new Set([K.NODE_LIST, K.NODE_PAREN, K.NODE_STRING, K.NODE_ATTR_SET, K.NODE_IDENT, K.NODE_LITERAL, K.NODE_PATH, K.NODE_SEARCH_PATH]);

/** The first significant token after an offset. */
function nextWord(ctx: NixFileContext, from: number): string {
  return /^(?:\s|#[^\n]*\n|\/\*[\s\S]*?\*\/)*([A-Za-z_][A-Za-z0-9_'-]*)?/.exec(ctx.text.slice(from, from + 200))?.[1] ?? "";
}

/** Why these parentheses can go, or undefined when they cannot. */
function uselessBecause(ctx: NixFileContext, paren: SyntaxNode): string | undefined {
  const inner = paren.childNodes()[0];
  const p = paren.parent;
  if (!inner || !p) return undefined;
  if (p.kind === K.NODE_ATTRPATH_VALUE && p.childNodes()[1] === paren) return "around the value of a binding";
  if (p.kind === K.NODE_LET_IN && p.childNodes().at(-1) === paren) return "around the body of a `let`";
  const tight = TIGHT.has(inner.kind) || (inner.kind === K.NODE_SELECT && !inner.firstToken(K.TOKEN_OR_KW));
  if (!tight) return undefined;
  if (inner.kind === K.NODE_IDENT && inner.text === "or") return undefined;
  // `(a.b) or c`: the parenthesised selection is applied to a variable named `or`.
  if (inner.kind === K.NODE_SELECT && nextWord(ctx, paren.end) === "or") return undefined;
  // `(a.b).c or d`: the default covers only `.c` with them, the whole path without.
  if (inner.kind === K.NODE_SELECT && p.kind === K.NODE_SELECT && p.childNodes()[0] === paren && p.firstToken(K.TOKEN_OR_KW)) return undefined;
  return isLooseSlot(paren) ? "around an expression standing alone" : "around a simple expression";
}

/** Neighbours a deleted parenthesis cannot glue to. */
const SAFE_BEFORE = /[\s([{=:;,!]/;
const SAFE_AFTER = /[\s)\]};,.?]/;

export const uselessParens: Rule = {
  ...styleMeta({
    id: "useless-parens",
    name: "Parentheses that change nothing",
    statix: "useless_parens",
    rationale: "Parentheses around a binding's value, a `let` body, or a name, string, list or set group nothing: they make a reader look for a precedence question that is not there.",
    fix: "Remove the parentheses.",
    examples: {
      fire: [
        `let\n  name = ("demo");\n  sum = (1 + 2);\n  set = ({ a = 1; });\nin\n[\n  (name)\n  (set.a)\n  sum\n]\n`,
        `let\n  a = 1;\nin\n(a + 1)\n`,
      ],
      silent: [
        `let\n  set = { a = { b = 1; }; };\n  f = x: x;\nin\n[\n  (f 1)\n  (set.a or 2)\n  ((set.a).b or 3)\n  (-1)\n  (f set).a\n]\n`,
        `let\n  set = { inherit (builtins) length; };\nin\nset.length [ ]\n`,
      ],
    },
  }),

  checkNix(ctx) {
    const found: Array<{ paren: SyntaxNode; why: string; edits: TextEdit[] }> = [];
    for (const paren of ctx.parsed.root.descendants(K.NODE_PAREN)) {
      const why = uselessBecause(ctx, paren);
      const lp = paren.firstToken(K.TOKEN_L_PAREN);
      const rp = paren.firstToken(K.TOKEN_R_PAREN);
      if (!why || !lp || !rp) continue;
      // Deleting `(`/`)` must not glue neighbours into one token (`f(x)` → `f x`, not `fx`), also
      // when the neighbour is another parenthesis deleted at the same time (`(a)(b)`): a
      // parenthesis is dropped only next to a blank or a delimiter, else it becomes a space.
      const open = SAFE_BEFORE.test(ctx.text[lp.start - 1] ?? " ") ? "" : " ";
      const close = SAFE_AFTER.test(ctx.text[rp.end] ?? " ") ? "" : " ";
      found.push({ paren, why, edits: [{ file: ctx.file, start: lp.start, end: lp.end, text: open }, { file: ctx.file, start: rp.start, end: rp.end, text: close }] });
    }
    if (found.length === 0) return;
    // One parse checks them all; only when that fails is each checked alone.
    const allOk = fixParses(ctx, found.flatMap((f) => f.edits), true);
    for (const { paren, why, edits } of found) {
      const ok = allOk || fixParses(ctx, edits, true);
      const inner = paren.childNodes()[0]!;
      const shown = inner.text.length > 40 ? "…" : inner.text.replace(/\s+/g, " ");
      ctx.report({
        node: paren,
        key: `(${inner.text.replace(/\s+/g, " ").slice(0, 80)})`,
        message: `These parentheses ${why} (\`(${shown})\`) can be omitted.`,
        fix: ok ? { safety: "auto", description: "Remove the parentheses (Nix parses the same expression).", edits } : { safety: "manual", description: "Remove the parentheses." },
      });
    }
  },
};
