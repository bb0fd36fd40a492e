// redundant-pattern-bind (statix's redundant_pattern_bind): `{ ... } @ args:` (or
// `args @ { ... }:`) names the whole argument and takes nothing from it: `args:` says the same.
// As with empty-pattern, the only difference is on calls that fail today (the pattern insists on
// an attribute set); `builtins.functionArgs` is `{ }` for both.
import { SyntaxKind as K } from "../../nix/syntax.js";
import { replaceNode } from "../../nix/edit.js";
import type { Rule } from "../types.js";
import { statixMeta } from "./statix-lint.js";

export const redundantPatternBind: Rule = {
  ...statixMeta("redundant_pattern_bind", {
    id: "redundant-pattern-bind",
    name: "Redundant pattern bind `{ ... } @ args:`",
    rationale:
      "A pattern `{ ... }` bound with `@ args` takes no names from the argument, only the whole of it, which a plain parameter `args:` does. statix reports the same (redundant_pattern_bind).",
    fix: "Write the plain parameter (`args: body`).",
    examples: {
      fire: ["{\n  mkHost = { ... }@inputs: inputs.self;\n}\n", "let f = attrs @ { ... }: attrs; in f { }\n"],
      silent: ["{\n  mkHost = { self, ... }@inputs: inputs;\n  plain = inputs: inputs;\n  ignored = { ... }: 1;\n}\n"],
    },
  }),

  checkNix(ctx) {
    for (const pattern of ctx.parsed.root.descendants(K.NODE_PATTERN)) {
      const children = pattern.childNodes();
      if (children.length !== 1 || children[0]!.kind !== K.NODE_PAT_BIND) continue;
      if (!pattern.firstToken(K.TOKEN_ELLIPSIS)) continue; // `{ } @ a` insists on an empty set
      const name = children[0]!.childNodes()[0];
      if (name?.kind !== K.NODE_IDENT) continue;
      ctx.report({
        node: pattern,
        message: `This pattern takes nothing but the whole argument; write \`${name.text}\` instead.`,
        fix: { safety: "auto", description: `Replace the pattern with \`${name.text}\`.`, edits: [replaceNode(ctx.file, pattern, name.text)] },
      });
    }
  },
};
