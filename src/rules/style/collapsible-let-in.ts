// collapsible-let-in (statix W06): a `let … in` whose body is directly another `let … in`; the two
// can be one. Merging is exact only when the inner `let` binds no name the outer one binds (Nix
// rejects a name bound twice) and no name the outer bindings read from further out (merged, they
// would read the inner binding instead): then the fix is automatic; otherwise it is the user's.
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import type { Rule, TextEdit } from "../types.js";
import { bindingNames, fixParses, hasComment, styleMeta } from "./expression.js";
import { isVariableReference } from "../shared/syntax.js";

/** The names the outer `let`'s bindings read that the inner `let` would capture once merged. */
function captured(outer: SyntaxNode, innerNames: Set<string>): string[] {
  const out = new Set<string>();
  for (const b of outer.childNodes()) {
    if (b.kind !== K.NODE_ATTRPATH_VALUE && b.kind !== K.NODE_INHERIT) continue;
    b.walk((n) => {
      if (n.kind === K.NODE_IDENT && innerNames.has(n.text) && isVariableReference(n)) out.add(n.text);
    });
  }
  return [...out];
}

export const collapsibleLetIn: Rule = {
  ...styleMeta({
    id: "collapsible-let-in",
    name: "Nested `let … in` that can be one",
    statix: "collapsible_let_in",
    rationale: "`let a = …; in let b = …; in e` nests where one `let` would do: bindings of one `let` may already refer to each other, so the second level adds indentation and nothing else.",
    fix: "Move the inner bindings into the outer `let` and drop the inner `in let`.",
    examples: {
      fire: [`let\n  a = 2;\n  b = 3;\nin\nlet\n  c = a * b;\nin\nc + 1\n`, `{ x ? 1 }:\nlet\n  y = x;\nin\nlet\n  x = 2;\nin\ny + x\n`],
      silent: [`let\n  a = 2;\n  c = a * 3;\nin\nc + 1\n`, `let\n  a = 2;\nin\n(a: let b = a; in b) 5\n`],
    },
  }),

  checkNix(ctx) {
    for (const n of ctx.parsed.root.descendants(K.NODE_LET_IN)) {
      const inner = n.childNodes().at(-1);
      if (inner?.kind !== K.NODE_LET_IN) continue;
      const innerLet = inner.firstToken(K.TOKEN_LET);
      const lastOuter = n.childNodes().filter((c) => c.kind === K.NODE_ATTRPATH_VALUE || c.kind === K.NODE_INHERIT).at(-1);
      const from = lastOuter?.end ?? n.firstToken(K.TOKEN_LET)?.end;
      if (!innerLet || from === undefined) continue;
      const outerNames = bindingNames(n);
      const innerNames = bindingNames(inner);
      const twice = [...innerNames].filter((x) => outerNames.has(x));
      const capture = captured(n, innerNames);
      const edits: TextEdit[] = [{ file: ctx.file, start: from, end: innerLet.end, text: "" }];
      const why = twice.length ? `both bind ${twice.map((x) => `\`${x.replace("\0", "")}\``).join(", ")}` : capture.length ? `the outer bindings read ${capture.map((x) => `\`${x}\``).join(", ")} from further out, which the inner \`let\` rebinds` : undefined;
      const ok = !why && !hasComment(n, from, innerLet.end) && fixParses(ctx, edits);
      ctx.report({
        node: n,
        key: "let in let",
        message: `This \`let … in\` has another \`let … in\` (line ${inner.line}) as its body: the two can be one${why ? ` once names are renamed (${why})` : ""}.`,
        fix: ok
          ? { safety: "auto", description: "Merge the inner bindings into the outer `let`.", edits }
          : { safety: "manual", description: why ? `Rename first (${why}), then merge the two \`let\`s.` : "Merge the inner bindings into the outer `let` (a comment sits between them)." },
      });
    }
  },
};
