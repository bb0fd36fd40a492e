// bool-comparison (statix W01): `x == true`, `x != false`, `true == x`, `x == false`... compare
// with a boolean literal where `x` or `!x` says the same. Reported wherever one side is Nix's own
// `true`/`false` (not a rebound name), both sides literal included, as statix does.
//
// The rewrite keeps the meaning only when `x` is a boolean: `null == true` is false, while `null`
// in a condition is an error. So the fix is automatic only when `x` is a boolean by its form (a
// comparison, `!`, `&&`, `||`, `->`, `?`, a boolean literal); otherwise it is offered for review.
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import type { Rule, TextEdit } from "../types.js";
import { fixParses, hasComment, isBuiltinConstant, operatorOf, styleMeta } from "./expression.js";

const BOOLEAN_OPERATORS = new Set([K.TOKEN_EQ, K.TOKEN_NEQ, K.TOKEN_LESS, K.TOKEN_LEQ, K.TOKEN_MORE, K.TOKEN_GEQ, K.TOKEN_AND, K.TOKEN_OR, K.TOKEN_IMPL]);

function literalBool(n: SyntaxNode | undefined): boolean | undefined {
  if (!n) return undefined;
  if (isBuiltinConstant(n, "true")) return true;
  if (isBuiltinConstant(n, "false")) return false;
  return undefined;
}

/** Is the expression a boolean whatever its operands are? */
function booleanByForm(n: SyntaxNode): boolean {
  if (n.kind === K.NODE_PAREN) return !!n.childNodes()[0] && booleanByForm(n.childNodes()[0]!);
  if (n.kind === K.NODE_HAS_ATTR) return true;
  if (n.kind === K.NODE_UNARY_OP) return !!n.firstToken(K.TOKEN_BANG);
  if (n.kind === K.NODE_BIN_OP) return BOOLEAN_OPERATORS.has(operatorOf(n)?.kind ?? K.TOKEN_ERROR);
  return literalBool(n) !== undefined;
}

/** Operands `!` can take without parentheses (it binds looser than application, select and `?`). */
const BANG_TAKES_BARE = new Set([K.NODE_IDENT, K.NODE_SELECT, K.NODE_APPLY, K.NODE_PAREN, K.NODE_HAS_ATTR, K.NODE_LITERAL, K.NODE_STRING, K.NODE_LIST, K.NODE_ATTR_SET]);

/** Kinds a type test's comparisons are chained with: `||`, `&&`, if-else, parentheses. */
const CHAIN = new Set([K.NODE_BIN_OP, K.NODE_IF_ELSE, K.NODE_PAREN, K.NODE_UNARY_OP]);

/** Is `operand` also compared with the literal `other` in the chain holding `comparison`? */
function typeTest(comparison: SyntaxNode, operand: string, other: boolean): boolean {
  let top = comparison;
  for (let p = comparison.parent, i = 0; p && CHAIN.has(p.kind) && i < 8; p = p.parent, i++) top = p;
  if (top === comparison) return false;
  for (const c of top.descendants(K.NODE_BIN_OP)) {
    if (c === comparison) continue;
    const op = operatorOf(c)?.kind;
    if (op !== K.TOKEN_EQ && op !== K.TOKEN_NEQ) continue;
    const [l, r] = c.childNodes();
    if (!l || !r) continue;
    if ((literalBool(l) === other && r.text === operand) || (literalBool(r) === other && l.text === operand)) return true;
    // `b == false || b == null || b == 0`: the operand is compared with non-booleans too, so it may
    // be one, and `!b` would fail where the comparison does not.
    const lit = (n: SyntaxNode) => n.kind === K.NODE_LITERAL || isBuiltinConstant(n, "null") || n.kind === K.NODE_STRING;
    if ((lit(l) && literalBool(l) === undefined && r.text === operand) || (lit(r) && literalBool(r) === undefined && l.text === operand)) return true;
  }
  return false;
}

export const boolComparison: Rule = {
  ...styleMeta({
    id: "bool-comparison",
    name: "Comparison with a boolean literal",
    statix: "bool_comparison",
    rationale: "`x == true` is `x`, and `x == false` is `!x`, when `x` is a boolean: the comparison adds words, not meaning. When `x` may be something else (null, a string), the comparison hides that doubt instead of saying it.",
    fix: "Use the value itself (`x` for `x == true` or `x != false`) or its negation (`!x` for `x == false` or `x != true`).",
    examples: {
      fire: [
        `let\n  enable = true;\n  debug = false;\nin\n{\n  a = if enable == true then "on" else "off";\n  b = debug != true;\n  c = (1 < 2) == false;\n}\n`,
        `{ config, lib, ... }:\n{\n  services.nginx.enable = config.services.openssh.enable == true;\n}\n`,
      ],
      silent: [
        // Compared with something else than a boolean literal, or `true` rebound.
        `let\n  a = 1;\n  b = 2;\n  true = "yes";\nin\n{\n  x = a == b;\n  y = a != b;\n  z = "yes" == true;\n  w = a == null;\n}\n`,
        // Type tests: the comparison with both literals is the point (v may be any value).
        `{\n  boolTo = b: if b == false || b == null || b == 0 then "no" else "yes";\n  isBool = v: v == true || v == false;\n  show = v: if true == v then "yes" else if false == v then "no" else toString v;\n}\n`,
      ],
    },
  }),

  checkNix(ctx) {
    for (const n of ctx.parsed.root.descendants(K.NODE_BIN_OP)) {
      const op = operatorOf(n);
      if (op?.kind !== K.TOKEN_EQ && op?.kind !== K.TOKEN_NEQ) continue;
      const [lhs, rhs] = n.childNodes();
      if (!lhs || !rhs) continue;
      const lb = literalBool(lhs);
      const rb = literalBool(rhs);
      // statix's choice: a literal on the left is the boolean side, else the right.
      const boolSide = lb !== undefined ? lhs : rb !== undefined ? rhs : undefined;
      if (!boolSide) continue;
      const value = boolSide === lhs ? lb! : rb!;
      const other = boolSide === lhs ? rhs : lhs;
      // `v == true || v == false`, `if true == v then … else if false == v then …`: a type test,
      // where the comparison is the point (`v` may be anything); statix's rewrite would change it.
      if (typeTest(n, other.text, !value)) continue;
      const negate = (op.kind === K.TOKEN_EQ) !== value;
      const shown = other.text.replace(/\s+/g, " ");
      const result = negate ? (BANG_TAKES_BARE.has(other.kind) ? `!${shown}` : `!(${shown})`) : shown;
      // Keep the operand's text as it is: delete the operator and the literal, add `!` if needed.
      const edits: TextEdit[] = boolSide === lhs ? [{ file: ctx.file, start: n.start, end: other.start, text: "" }] : [{ file: ctx.file, start: other.end, end: n.end, text: "" }];
      if (negate) {
        if (BANG_TAKES_BARE.has(other.kind)) edits.push({ file: ctx.file, start: other.start, end: other.start, text: "!" });
        else edits.push({ file: ctx.file, start: other.start, end: other.start, text: "!(" }, { file: ctx.file, start: other.end, end: other.end, text: ")" });
      }
      const dropped = boolSide === lhs ? [n.start, other.start] : [other.end, n.end];
      const ok = !hasComment(n, dropped[0]!, dropped[1]!) && fixParses(ctx, edits);
      const sure = booleanByForm(other);
      ctx.report({
        node: n,
        key: n.text.replace(/\s+/g, " "),
        message: `\`${n.text.replace(/\s+/g, " ")}\` compares ${shown.length > 60 ? "a value" : `\`${shown}\``} with the boolean literal \`${value}\`: write \`${result.length > 60 ? (negate ? "!…" : "…") : result}\`.`,
        fix: ok
          ? {
              safety: sure ? "auto" : "review",
              description: sure ? `Write \`${result}\` (the same boolean).` : `Write \`${result}\`: the same as long as \`${shown}\` is a boolean (check it cannot be null or another type).`,
              edits,
            }
          : { safety: "manual", description: `Write \`${result}\` by hand (a comment sits inside the comparison).` },
      });
    }
  },
};
