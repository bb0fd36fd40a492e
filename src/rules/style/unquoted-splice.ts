// unquoted-splice (statix's unquoted_splice): an antiquotation `${...}` outside a string, i.e. a
// dynamic attribute name (`legacyPackages.${system}`, `{ ${name} = ...; }`); statix asks for it
// quoted, `."${system}"`. Current statix ships the lint but leaves it out of its default set, and
// NixOS code is full of the idiom, so it runs here only with `style: all` (optIn). Quoting is not always the same:
// a binding whose name is `null` is dropped (`{ ${null} = 1; }` is `{ }`) but `"${null}"` fails,
// and `"${x}"` accepts a set with `outPath` or a path (copying it to the store) where `${x}`
// demands a string. So the fix is for review, and names that may be `null` (a binding's
// dynamic name) are worth a look before applying it.
import { SyntaxKind as K } from "../../nix/syntax.js";
import { replaceNode } from "../../nix/edit.js";
import type { Rule } from "../types.js";
import { shortText } from "../shared/syntax.js";
import { statixMeta } from "./statix-lint.js";

export const unquotedSplice: Rule = {
  ...statixMeta("unquoted_splice", {
    id: "unquoted-splice",
    name: "Unquoted splice `${...}` in an attribute name",
    rationale:
      "An antiquotation belongs inside a quoted string; a bare `${...}` as an attribute name (`pkgs.${system}`) reads like an interpolation outside any string. statix's unquoted_splice asks for `\"${...}\"`.",
    fix: 'Quote the splice: `."${system}"`. Review it where the name may be `null` (a bare dynamic binding named `null` is dropped; quoted, it fails).',
    examples: {
      fire: ["{ nixpkgs, system }:\n{\n  pkgs = nixpkgs.legacyPackages.${system};\n}\n", "{ name }:\n{\n  ${name} = true;\n}\n"],
      silent: ['{ nixpkgs, system }:\n{\n  pkgs = nixpkgs.legacyPackages."${system}";\n  label = "host-${system}";\n}\n'],
    },
  }),

  optIn: true,

  checkNix(ctx) {
    for (const dyn of ctx.parsed.root.descendants(K.NODE_DYNAMIC)) {
      const binding = dyn.parent?.parent?.kind === K.NODE_ATTRPATH_VALUE || dyn.parent?.parent?.kind === K.NODE_INHERIT;
      ctx.report({
        node: dyn,
        message: `The splice \`${shortText(dyn, 60)}\` is not inside a string; quote it: \`"${shortText(dyn, 60)}"\`.`,
        fix: {
          safety: "review",
          description: binding
            ? 'Quote the splice (review: if the name can be `null`, the unquoted binding is dropped but the quoted one fails).'
            : "Quote the splice (the same attribute for every string name; a set with `outPath` or a path would now be accepted).",
          edits: [replaceNode(ctx.file, dyn, `"${dyn.text}"`)],
        },
      });
    }
  },
};
