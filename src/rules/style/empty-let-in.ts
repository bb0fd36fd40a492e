// empty-let-in (statix W02): `let in e` binds nothing and is `e`. Reported with or without comments
// inside; with comments the fix is left to the user (deleting `let … in` would delete them).
import { SyntaxKind as K } from "../../nix/syntax.js";
import type { Rule, TextEdit } from "../types.js";
import { fixParses, hasComment, styleMeta } from "./expression.js";

export const emptyLetIn: Rule = {
  ...styleMeta({
    id: "empty-let-in",
    name: "`let … in` that binds nothing",
    statix: "empty_let_in",
    rationale: "A `let` with no bindings is a leftover of an edit: it adds a level of nesting and makes a reader look for names that are not there.",
    fix: "Keep only the body of the `let … in`.",
    examples: {
      fire: [`{\n  greeting =\n    let\n    in\n    "hello";\n}\n`, `let\n  # nothing here any more\nin\n[ 1 2 ]\n`],
      silent: [`let\n  inherit (builtins) length;\nin\nlength [ 1 2 ]\n`, `{\n  letters = "let in";\n}\n`],
    },
  }),

  checkNix(ctx) {
    for (const n of ctx.parsed.root.descendants(K.NODE_LET_IN)) {
      const nodes = n.childNodes();
      if (nodes.some((c) => c.kind === K.NODE_ATTRPATH_VALUE || c.kind === K.NODE_INHERIT)) continue;
      const body = nodes.at(-1);
      if (!body) continue;
      const edits: TextEdit[] = [{ file: ctx.file, start: n.start, end: body.start, text: "" }];
      const ok = !hasComment(n, n.start, body.start) && fixParses(ctx, edits);
      ctx.report({
        node: n,
        key: "let in",
        message: "This `let … in` binds nothing: its body alone says the same.",
        fix: ok ? { safety: "auto", description: "Remove `let … in`, keeping the body.", edits } : { safety: "manual", description: "Remove `let … in`, keeping the body (and move the comments inside it where they belong)." },
      });
    }
  },
};
