// deprecated-is-null (statix's deprecated_is_null, statix 0.5.x): `isNull x` where `x == null`
// says the same without a builtin. Nix's manual called `isNull` deprecated from 2006 until Nix
// 2.20 withdrew that (NixOS/nix#9645), and statix dropped the lint after it; the rule is kept for
// users of statix 0.5.x (the version nixpkgs ships), and its message says the deprecation is gone.
// Only the builtin is reported: a lexical binding named `isNull` (a `let`, a parameter) is left
// alone (`with` never shadows a builtin, so it needs no check).
import { SyntaxKind as K } from "../../nix/syntax.js";
import { replaceNode } from "../../nix/edit.js";
import type { Rule } from "../types.js";
import { dottedName, resolveVariable } from "../shared/syntax.js";
import { isLooseSlot } from "./expression.js";
import { statixMeta } from "./statix-lint.js";

export const deprecatedIsNull: Rule = {
  ...statixMeta("deprecated_is_null", {
    id: "deprecated-is-null",
    name: "`isNull x` instead of `x == null`",
    rationale:
      "`isNull x` is `x == null` spelt with a builtin. Nix's manual marked `isNull` deprecated until Nix 2.20 withdrew the deprecation; statix 0.5.x (the version nixpkgs packages) still reports it as deprecated_is_null. Style only: both mean the same.",
    fix: "Write `x == null` (parenthesised where it is an operand).",
    references: [{ title: "NixOS/nix#9645: undeprecate isNull", url: "https://github.com/NixOS/nix/pull/9645" }],
    examples: {
      fire: ["{ value ? null }:\n{\n  missing = isNull value;\n  both = builtins.isNull value && true;\n}\n"],
      silent: ["let isNull = x: false; in { a = isNull null; b = map builtins.isNull [ 1 ]; c = 1 == null; }\n"],
    },
  }),

  checkNix(ctx) {
    for (const apply of ctx.parsed.root.descendants(K.NODE_APPLY)) {
      const [fn, arg] = apply.childNodes();
      if (!fn || !arg) continue;
      const name = dottedName(fn);
      if (name === "isNull") {
        if (fn.kind !== K.NODE_IDENT || resolveVariable(fn)) continue;
      } else if (name === "builtins.isNull") {
        const base = fn.childNodes()[0]!;
        if (resolveVariable(base)) continue;
      } else continue;
      const comparison = `${arg.text} == null`;
      ctx.report({
        node: apply,
        message: `\`${name} x\` is \`x == null\`; write \`${comparison.length > 60 ? "x == null" : comparison}\`. (Nix 2.20 withdrew the old deprecation of isNull; this is style only.)`,
        fix: {
          safety: "auto",
          description: "Replace the call with a comparison with `null` (the same value for every argument).",
          edits: [replaceNode(ctx.file, apply, isLooseSlot(apply) ? comparison : `(${comparison})`)],
        },
      });
    }
  },
};
