// What the statix-derived style rules of this folder share: their metadata frame (category
// anti-pattern, severity info (maintenance, not security), the style group, statix's documentation as reference) and a few
// syntax questions their checks ask.
import { SyntaxKind as K, isTrivia, type SyntaxNode } from "../../nix/syntax.js";
import type { RuleExamples, RuleMeta } from "../types.js";

const STYLE_COMPLIANCE = {
  cis: ["n/a: a property of the Nix language code, not a setting of the running system, which is what the CIS Linux benchmark audits"],
  nist: ["PR.PS-06"],
};

/** Metadata of a rule that carries one of statix's lints over (`lint` is statix's name). */
export function statixMeta(lint: string, meta: { id: string; name: string; rationale: string; fix: string; examples: RuleExamples; references?: RuleMeta["references"] }): RuleMeta {
  return {
    id: meta.id,
    name: meta.name,
    category: "anti-pattern",
    severity: "info",
    group: "style",
    rationale: meta.rationale,
    fix: meta.fix,
    references: [{ title: `statix lint ${lint}`, url: `https://github.com/oppiliappan/statix/blob/master/lib/src/lints/${lint}.rs` }, ...(meta.references ?? [])],
    compliance: { cis: [...STYLE_COMPLIANCE.cis], nist: [...STYLE_COMPLIANCE.nist] },
    examples: meta.examples,
  };
}

/** The significant tokens of a node, joined by single spaces: two expressions written with
 * different spacing or comments compare equal. */
export function tokenText(node: SyntaxNode): string {
  const out: string[] = [];
  for (const t of node.tokens()) if (!isTrivia(t.kind)) out.push(t.text);
  return out.join(" ");
}

/** Is the node an expression that may stand, unparenthesised, where the parser reads one operand
 * of a select's `or` default or an application argument (an atom)? */
export function isAtom(node: SyntaxNode): boolean {
  switch (node.kind) {
    case K.NODE_IDENT:
    case K.NODE_LITERAL:
    case K.NODE_STRING:
    case K.NODE_PATH:
    case K.NODE_SEARCH_PATH:
    case K.NODE_LIST:
    case K.NODE_PAREN:
    case K.NODE_ATTR_SET:
      return true;
    case K.NODE_SELECT:
      return true;
    default:
      return false;
  }
}
