// empty-pattern (statix's empty_pattern): a function whose argument is the empty pattern
// `{ ... }` binds nothing; `_:` says "argument ignored" plainly. As in statix, a function whose
// body is an attribute set with `imports` (a NixOS module) is left alone: `{ ... }:` is the
// module convention. Going further than statix, a function that is the whole file is left alone
// too: that is how NixOS modules and `callPackage`d files open, with or without `imports`, and
// statix's `imports` test only approximates it (its own examples are all inside expressions, so
// they are reported the same). The fix changes behaviour only where the original fails: `{ ... }:` insists
// on an attribute set (and forces the argument), `_:` takes anything. For every call that
// evaluates today the result is the same, and `builtins.functionArgs` is `{ }` for both, so the
// module system and `callPackage` call it the same way.
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { replaceNode } from "../../nix/edit.js";
import { attrpathSegments } from "../../nix/options.js";
import type { Rule } from "../types.js";
import { statixMeta } from "./statix-lint.js";
import { unparen } from "../shared/syntax.js";

function isModuleBody(body: SyntaxNode | undefined): boolean {
  if (body?.kind !== K.NODE_ATTR_SET) return false;
  return body.childNodes().some((b) => {
    if (b.kind !== K.NODE_ATTRPATH_VALUE) return false;
    const path = b.childNodes()[0];
    return !!path && attrpathSegments(path).map((s) => s.name).join(".") === "imports";
  });
}

/** Is the function the file's whole expression (under parentheses at most)? */
function isWholeFile(lambda: SyntaxNode): boolean {
  let p = lambda.parent;
  while (p?.kind === K.NODE_PAREN) p = p.parent;
  return p?.kind === K.NODE_ROOT;
}

export const emptyPattern: Rule = {
  ...statixMeta("empty_pattern", {
    id: "empty-pattern",
    name: "Empty function pattern `{ ... }:`",
    rationale:
      "A function whose argument pattern is `{ ... }` with no names binds nothing; the intent (the argument is ignored) reads more plainly as `_:`. statix reports the same (empty_pattern); NixOS modules (a body with `imports`, or a function that is the whole file) keep the conventional form.",
    fix: "Write `_:` for the argument (`_: body`); every call that works today gives the same value.",
    examples: {
      fire: [
        "{\n  greeting = { ... }: \"hello\";\n}\n",
        "map ({ ... }: 1) [ { a = 1; } ]\n",
      ],
      silent: [
        "{ ... }:\n{\n  imports = [ ./hardware.nix ];\n}\n",
        "{ ... }:\n{\n  services.openssh.enable = true;\n}\n",
        "{\n  f = { name, ... }: name;\n  g = { ... }@args: args;\n  h = _: 1;\n}\n",
        "{ lib }:\n{\n  toJSON = { }: lib.strings.toJSON;\n}\n",
      ],
    },
  }),

  checkNix(ctx) {
    for (const lambda of ctx.parsed.root.descendants(K.NODE_LAMBDA)) {
      const [param, body] = lambda.childNodes();
      if (param?.kind !== K.NODE_PATTERN) continue;
      if (param.childNodes().length > 0) continue; // names or an `@` bind
      // `{ }:` (no `...`) is not empty-handed: it insists on an empty set, an API shape kept for
      // later options (nixpkgs' `generators.toJSON = { }: ...`); statix's lint is about `{ ... }`.
      if (!param.childTokens().some((t) => t.kind === K.TOKEN_ELLIPSIS)) continue;
      if (isModuleBody(unparen(body)) || isWholeFile(lambda)) continue;
      ctx.report({
        node: param,
        message: "This function's argument pattern `{ ... }` is empty; write `_` to say the argument is ignored.",
        fix: { safety: "auto", description: "Replace `{ ... }` with `_`.", edits: [replaceNode(ctx.file, param, "_")] },
      });
    }
  },
};
