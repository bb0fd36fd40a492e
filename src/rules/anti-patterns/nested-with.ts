// nested-with: `with a; with b; expr`, a `with` whose body is directly another `with`. Only the
// chained form is reported: a module-wide `with lib;` and a `with pkgs; [ ... ]` deep inside it
// are scoped far apart and are common, deliberate style; the chain is where names become
// ambiguous in one expression.
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import type { Rule } from "../types.js";
import { antiPatternMeta } from "./catalogue.js";
import { shortText, unparen } from "./syntax.js";

function withBody(w: SyntaxNode): SyntaxNode | undefined {
  return unparen(w.childNodes()[1]);
}

/** Is `w` the body of another `with` (so not the head of a chain)? */
function isChained(w: SyntaxNode): boolean {
  let p = w.parent;
  while (p && p.kind === K.NODE_PAREN) p = p.parent;
  return !!p && p.kind === K.NODE_WITH && withBody(p) === w;
}

export const nestedWith: Rule = {
  ...antiPatternMeta("nested-with"),

  checkNix(ctx) {
    ctx.parsed.root.walk((n) => {
      if (n.kind !== K.NODE_WITH || isChained(n)) return;
      const chain: SyntaxNode[] = [n];
      for (let b = withBody(n); b?.kind === K.NODE_WITH; b = withBody(b)) chain.push(b);
      if (chain.length < 2) return;
      const scopes = chain.map((w) => shortText(w.childNodes()[0]!, 40));
      const last = chain.at(-1)!;
      const semi = last.firstToken(K.TOKEN_SEMICOLON);
      const lines = ctx.parsed.source.lines;
      const a = lines.position(n.start);
      const b = lines.position(semi ? semi.end : last.childNodes()[0]!.end);
      ctx.report({
        range: { line: a.line, column: a.column, endLine: b.line, endColumn: b.column },
        key: `with ${scopes.join("; with ")}`,
        evidence: chain.map((w) => `with ${shortText(w.childNodes()[0]!, 40)};`).join(" "),
        message: `${chain.length} nested \`with\` scopes (${scopes.join(", ")}): every name in the expression may come from any of them, decided only at evaluation.`,
        fix: {
          safety: "manual",
          description: `Keep at most one \`with\` and qualify the other names (e.g. \`${scopes.at(-1)}.name\`) or bring them in with \`inherit (${scopes.at(-1)}) ...;\`.`,
        },
      });
    });
  },
};
