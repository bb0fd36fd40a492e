// manual-inherit-from (statix W04): `{ b = a.b; }` where `inherit (a) b;` says the same. Nix
// evaluates the source of `inherit (a)` in the same scope as the value `a.b` (the enclosing one
// in a plain set, the set's own in `let`/`rec`), so the rewrite is exact. `b = a.b or c;` is not
// the same (the default would be lost) and is left alone, unlike statix.
import { SyntaxKind as K } from "../../nix/syntax.js";
import type { Rule, TextEdit } from "../types.js";
import { fixParses, styleMeta } from "./expression.js";

export const manualInheritFrom: Rule = {
  ...styleMeta({
    id: "manual-inherit-from",
    name: "`b = a.b;` instead of `inherit (a) b;`",
    statix: "manual_inherit_from",
    rationale: "`inherit (a) b;` says \"take `b` from `a`\" once, where `b = a.b;` repeats the name and invites a typo between the two.",
    fix: "Write `inherit (a) b;` (several names from one set can share one: `inherit (a) b c;`).",
    examples: {
      fire: [`let\n  versions = { stable = "24.11"; unstable = "25.05"; };\nin\n{\n  stable = versions.stable;\n  unstable = versions.unstable;\n}\n`, `let\n  length = builtins.length;\n  inherit (builtins) head;\nin\n{ inherit length head; }\n`],
      silent: [`let\n  versions = { stable = "24.11"; };\nin\n{\n  current = versions.stable;\n  stable = versions.stable or "none";\n  nested.stable = versions.stable;\n  deep = versions.deep.stable;\n}\n`],
    },
  }),

  checkNix(ctx) {
    for (const n of ctx.parsed.root.descendants(K.NODE_ATTRPATH_VALUE)) {
      const [path, value] = n.childNodes();
      const keys = path?.childNodes() ?? [];
      if (keys.length !== 1 || keys[0]!.kind !== K.NODE_IDENT || value?.kind !== K.NODE_SELECT || value.firstToken(K.TOKEN_OR_KW)) continue;
      const [base, selPath] = value.childNodes();
      const sel = selPath?.childNodes() ?? [];
      if (!base || sel.length !== 1 || sel[0]!.kind !== K.NODE_IDENT || sel[0]!.text !== keys[0]!.text) continue;
      const name = sel[0]!.text;
      const from = base.kind === K.NODE_PAREN ? base.text : `(${base.text})`;
      const edits: TextEdit[] = [{ file: ctx.file, start: n.start, end: n.end, text: `inherit ${from} ${name};` }];
      const shownFrom = from.length > 60 ? "(…)" : from.replace(/\s+/g, " ");
      ctx.report({
        node: n,
        key: `${name} = ${base.text.replace(/\s+/g, " ")}.${name}`,
        message: `\`${name} = ….${name};\` is better written \`inherit ${shownFrom} ${name};\`.`,
        fix: fixParses(ctx, edits) ? { safety: "auto", description: `Write \`inherit ${shownFrom} ${name};\` (the same value).`, edits } : { safety: "manual", description: `Write \`inherit ${shownFrom} ${name};\`.` },
      });
    }
  },
};
