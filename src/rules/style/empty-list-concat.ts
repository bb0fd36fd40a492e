// empty-list-concat (statix's empty_list_concat): `[] ++ x` or `x ++ []` is `x`. The other operand
// replaces the whole operation as it is written: an operand of `++` already binds at least as
// tightly as `++`, so it fits wherever the operation stood. The only difference is on input that
// fails today (`[] ++ x` insists that `x` is a list); for every list the value is the same.
// Nested operations (`[] ++ [] ++ x`) are reported each, as statix does; applying one fix and
// scanning again offers the next.
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { replaceNode } from "../../nix/edit.js";
import type { Rule } from "../types.js";
import { statixMeta } from "./statix-lint.js";

function isEmptyList(n: SyntaxNode | undefined): boolean {
  return n?.kind === K.NODE_LIST && n.childNodes().length === 0;
}

export const emptyListConcat: Rule = {
  ...statixMeta("empty_list_concat", {
    id: "empty-list-concat",
    name: "Concatenation with the empty list",
    rationale: "`[] ++ x` and `x ++ []` are `x`: the concatenation does nothing. statix reports the same (empty_list_concat).",
    fix: "Drop the empty list and the `++`.",
    examples: {
      fire: ["{ pkgs, extra }:\n{\n  environment.systemPackages = [ ] ++ extra;\n  fonts.packages = [ pkgs.dejavu_fonts ] ++ [ ];\n}\n"],
      silent: ["{ pkgs, lib, extra, wanted }:\n{\n  environment.systemPackages = [ pkgs.git ] ++ extra;\n  fonts.packages = lib.optionals wanted [ ] ++ extra;\n  other = [ [ ] ] ++ extra;\n}\n"],
    },
  }),

  checkNix(ctx) {
    for (const op of ctx.parsed.root.descendants(K.NODE_BIN_OP)) {
      if (!op.firstToken(K.TOKEN_CONCAT)) continue;
      const [lhs, rhs] = op.childNodes();
      if (!lhs || !rhs) continue;
      const kept = isEmptyList(lhs) ? rhs : isEmptyList(rhs) ? lhs : undefined;
      if (!kept) continue;
      ctx.report({
        node: op,
        message: "Concatenation with the empty list `[ ]` does nothing; keep the other operand.",
        fix: { safety: "auto", description: "Replace the concatenation with its other operand.", edits: [replaceNode(ctx.file, op, kept.text)] },
      });
    }
  },
};
