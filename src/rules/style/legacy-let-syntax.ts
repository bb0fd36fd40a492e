// legacy-let-syntax (statix W05): `let { body = e; … }`, the undocumented old form, which Nix reads
// as `(rec { body = e; … }).body`; the fix writes exactly that (nix-instantiate --parse prints the
// same for both). Without a `body` binding Nix rejects it anyway, and nothing is said, as statix.
import { SyntaxKind as K } from "../../nix/syntax.js";
import type { Rule, TextEdit } from "../types.js";
import { bindingNames, fixParses, styleMeta } from "./expression.js";

export const legacyLetSyntax: Rule = {
  ...styleMeta({
    id: "legacy-let-syntax",
    name: "Undocumented `let { body = …; }` syntax",
    statix: "legacy_let_syntax",
    rationale: "`let { … }` is an old form the Nix manual does not document: it evaluates the `body` attribute of a recursive set. Few readers know it, and tools and formatters may not.",
    fix: "Write `(rec { body = …; … }).body`, or better a `let … in` expression.",
    examples: {
      fire: [`let {\n  greeting = "hello";\n  body = greeting + ", world";\n}\n`],
      silent: [`let\n  greeting = "hello";\nin\ngreeting + ", world"\n`, `(rec {\n  greeting = "hello";\n  body = greeting;\n}).body\n`],
    },
  }),

  checkNix(ctx) {
    for (const n of ctx.parsed.root.descendants(K.NODE_LEGACY_LET)) {
      if (!bindingNames(n).has("body")) continue;
      const letTok = n.firstToken(K.TOKEN_LET);
      const close = n.firstToken(K.TOKEN_R_BRACE);
      if (!letTok || !close) continue;
      const edits: TextEdit[] = [
        { file: ctx.file, start: letTok.start, end: letTok.end, text: "(rec" },
        { file: ctx.file, start: close.end, end: close.end, text: ").body" },
      ];
      ctx.report({
        node: n,
        key: "let {",
        message: "`let { … }` is undocumented legacy syntax for `(rec { … }).body`.",
        fix: fixParses(ctx, edits, true) ? { safety: "auto", description: "Write `(rec { … }).body`, which is what Nix reads.", edits } : { safety: "manual", description: "Write `(rec { … }).body` or a `let … in` expression." },
      });
    }
  },
};
