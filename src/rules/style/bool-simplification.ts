// bool-simplification (statix W18): `!(a == b)` is `a != b` (Nix defines `!=` as the negated `==`),
// so the rewrite is exact. The parentheses stay where the surrounding operator binds tighter than
// `!=` would (`!(a == b) == c` becomes `(a != b) == c`).
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import type { Rule, TextEdit } from "../types.js";
import { deleteToken, fixParses, isLooseSlot, operatorOf, styleMeta } from "./expression.js";

/** Operators binding looser than `!=`: its result can stand as their operand bare. */
const LOOSER = new Set([K.TOKEN_AND, K.TOKEN_OR, K.TOKEN_IMPL]);

function parensNeeded(n: SyntaxNode): boolean {
  if (isLooseSlot(n)) return false;
  const p = n.parent!;
  return !(p.kind === K.NODE_BIN_OP && LOOSER.has(operatorOf(p)?.kind ?? K.TOKEN_ERROR));
}

export const boolSimplification: Rule = {
  ...styleMeta({
    id: "bool-simplification",
    name: "`!(a == b)` instead of `a != b`",
    statix: "bool_simplification",
    rationale: "A negated equality reads as two steps where `!=` says it in one; Nix defines `a != b` as `!(a == b)`, so nothing but readability changes.",
    fix: "Write `a != b`.",
    examples: {
      fire: [`let\n  a = 1;\n  b = 2;\nin\n{\n  differ = !(a == b);\n  both = !(a == b) && true;\n  odd = !(a == b) == false;\n}\n`],
      silent: [`let\n  a = 1;\n  b = 2;\nin\n{\n  differ = a != b;\n  same = !(a != b);\n  neither = !(a < b);\n}\n`],
    },
  }),

  checkNix(ctx) {
    for (const n of ctx.parsed.root.descendants(K.NODE_UNARY_OP)) {
      const bang = n.firstToken(K.TOKEN_BANG);
      const paren = n.childNodes()[0];
      if (!bang || paren?.kind !== K.NODE_PAREN) continue;
      const eq = paren.childNodes()[0];
      const op = eq?.kind === K.NODE_BIN_OP ? operatorOf(eq) : undefined;
      if (op?.kind !== K.TOKEN_EQ) continue;
      const lp = paren.firstToken(K.TOKEN_L_PAREN);
      const rp = paren.firstToken(K.TOKEN_R_PAREN);
      if (!lp || !rp) continue;
      const keep = parensNeeded(n);
      const edits: TextEdit[] = [];
      // `!` and the space up to `(`; then `(` and `)` unless they are needed.
      const between = ctx.text.slice(bang.end, lp.start);
      if (/^\s*$/.test(between)) edits.push({ file: ctx.file, start: bang.start, end: keep ? lp.start : lp.end, text: "" });
      else edits.push(deleteToken(ctx.file, ctx.text, bang), ...(keep ? [] : [deleteToken(ctx.file, ctx.text, lp)]));
      edits.push({ file: ctx.file, start: op.start, end: op.end, text: "!=" });
      if (!keep) edits.push(deleteToken(ctx.file, ctx.text, rp));
      const [a, b] = eq!.childNodes();
      const result = `${keep ? "(" : ""}${a?.text ?? "a"} != ${b?.text ?? "b"}${keep ? ")" : ""}`.replace(/\s+/g, " ");
      ctx.report({
        node: n,
        key: n.text.replace(/\s+/g, " "),
        message: `\`${n.text.replace(/\s+/g, " ")}\` negates an equality: write \`${result.length > 80 ? "… != …" : result}\`.`,
        fix: fixParses(ctx, edits) ? { safety: "auto", description: "Write `!=` (Nix defines `a != b` as `!(a == b)`).", edits } : { safety: "manual", description: "Write `a != b`." },
      });
    }
  },
};
