// What faster-groupby and faster-zipattrswith share (statix's faster_groupby and
// faster_zipattrswith, statix 0.5.x): a select ending in a function that Nix has as a builtin,
// taken from something other than `builtins` (`lib.groupBy`, `pkgs.lib.groupBy`). statix matches
// on the name alone, whatever the set; so does this. nixpkgs' lib defines these functions as
// `builtins.<name> or <fallback>`, so on a Nix that has the builtin the call is the same function:
// the fix is marked for review, because nothing in the file proves the set is nixpkgs' lib, and
// the message says the speed gain statix promised is one attribute lookup (statix removed both
// lints in 2025 for that reason).
import { SyntaxKind as K } from "../../nix/syntax.js";
import { replaceNode } from "../../nix/edit.js";
import { attrpathSegments } from "../../nix/options.js";
import type { Rule, RuleExamples } from "../types.js";
import { statixMeta } from "./statix-lint.js";

export function libBuiltinRule(spec: { id: string; lint: string; fn: string; since: string; examples: RuleExamples }): Rule {
  const builtin = `builtins.${spec.fn}`;
  return {
    ...statixMeta(spec.lint, {
      id: spec.id,
      name: `\`lib.${spec.fn}\` where \`${builtin}\` exists`,
      rationale: `Nix ${spec.since} and later have \`${builtin}\`; nixpkgs' \`lib.${spec.fn}\` is that builtin when it exists (and a slower Nix-language fallback before), so calling the builtin directly says what runs and needs no lib. statix 0.5.x reports it as ${spec.lint}; later statix dropped the lint, since the gain is one attribute lookup.`,
      fix: `Call \`${builtin}\` (the same function as nixpkgs' \`lib.${spec.fn}\` on Nix ${spec.since} or later).`,
      examples: spec.examples,
    }),

    checkNix(ctx) {
      for (const select of ctx.parsed.root.descendants(K.NODE_SELECT)) {
        if (select.firstToken(K.TOKEN_OR_KW)) continue;
        const [base, path] = select.childNodes();
        if (!base || !path) continue;
        const segs = attrpathSegments(path);
        const last = segs.at(-1);
        if (!last || last.dynamic || last.name !== spec.fn) continue;
        const from = segs.length === 1 ? base.text : `${base.text}.${segs.slice(0, -1).map((s) => s.node.text).join(".")}`;
        if (from === "builtins") continue;
        ctx.report({
          node: select,
          key: from,
          message: `Prefer \`${builtin}\` over \`${from}.${spec.fn}\`: nixpkgs' lib.${spec.fn} is that builtin on Nix ${spec.since} or later.`,
          fix: {
            safety: "review",
            description: `Replace \`${from}.${spec.fn}\` with \`${builtin}\` (the same function when \`${from}\` is nixpkgs' lib and Nix is ${spec.since} or later).`,
            edits: [replaceNode(ctx.file, select, builtin)],
          },
        });
      }
    },
  };
}
