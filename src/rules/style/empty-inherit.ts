// empty-inherit (statix W14): `inherit;` names nothing and does nothing. `inherit (x);` is left
// alone, as statix does.
import { SyntaxKind as K } from "../../nix/syntax.js";
import type { Rule, TextEdit } from "../types.js";
import { fixParses, styleMeta } from "./expression.js";

export const emptyInherit: Rule = {
  ...styleMeta({
    id: "empty-inherit",
    name: "`inherit;` that inherits nothing",
    statix: "empty_inherit",
    rationale: "An `inherit` without names does nothing: it is what an edit left behind, and it makes a reader look for what it was meant to bring in.",
    fix: "Delete the `inherit;`.",
    examples: {
      fire: [`{\n  inherit;\n  name = "demo";\n}\n`],
      silent: [`let\n  name = "demo";\nin\n{\n  inherit name;\n  inherit (builtins) length;\n}\n`],
    },
  }),

  checkNix(ctx) {
    for (const n of ctx.parsed.root.descendants(K.NODE_INHERIT)) {
      if (n.childNodes().length > 0) continue;
      // The statement and the blanks before it on its line (the whole line when it stands alone).
      let start = n.start;
      while (start > 0 && /[ \t]/.test(ctx.text[start - 1]!)) start--;
      let end = n.end;
      if ((start === 0 || ctx.text[start - 1] === "\n") && ctx.text[end] === "\n") end++;
      const edits: TextEdit[] = [{ file: ctx.file, start, end, text: "" }];
      ctx.report({
        node: n,
        key: "inherit;",
        message: "`inherit;` names nothing to inherit.",
        fix: fixParses(ctx, edits, true) ? { safety: "auto", description: "Delete the empty `inherit;`.", edits } : { safety: "manual", description: "Delete the empty `inherit;`." },
      });
    }
  },
};
