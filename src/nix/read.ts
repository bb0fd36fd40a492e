// Reading the tree without evaluating: parentheses, applications (`f a b`), callee names,
// attribute paths and literal strings. Below the option index and the name resolver, which both use it.
import { checkDeadline } from "./deadline.js";
import { unescapeString } from "./lower.js";
import { SyntaxKind as K, type SyntaxNode } from "./syntax.js";

export interface PathSegment {
  name: string;
  /** `${expr}` or an interpolated string: the name is only known at evaluation. */
  dynamic: boolean;
  node: SyntaxNode;
}

/** Strip parentheses. */
export function unparen(node: SyntaxNode | undefined): SyntaxNode | undefined {
  let n = node;
  while (n && n.kind === K.NODE_PAREN) n = n.firstChild();
  return n;
}

/** For `f a b`: the function node and its arguments. */
export function flattenApply(node: SyntaxNode): { fn: SyntaxNode; args: SyntaxNode[] } {
  const args: SyntaxNode[] = [];
  let n: SyntaxNode = node;
  while (n.kind === K.NODE_APPLY) {
    checkDeadline();
    const [f, a] = n.childNodes();
    if (!f || !a) break;
    // push and reverse, not unshift: unshift moves every element each time (quadratic in `f a b c …`)
    args.push(a);
    n = unparen(f) ?? f;
  }
  args.reverse();
  return { fn: n, args };
}

/** The name a function is called by: `mkIf` for `mkIf`, `lib.mkIf`, `lib.modules.mkIf`. */
export function calleeName(fn: SyntaxNode): string | undefined {
  if (fn.kind === K.NODE_IDENT) return fn.text;
  if (fn.kind === K.NODE_SELECT) {
    const path = fn.childNodes()[1];
    const last = path?.childNodes().at(-1);
    if (last?.kind === K.NODE_IDENT) return last.text;
  }
  return undefined;
}

/** The full dotted text of a callee (`lib.mkIf`), for display. */
export function calleeText(fn: SyntaxNode): string {
  return fn.text.replace(/\s+/g, " ");
}

/** The segments of an attribute path node. */
export function attrpathSegments(attrpath: SyntaxNode): PathSegment[] {
  return attrpath.childNodes().map((a) => attrSegment(a));
}

export function attrSegment(a: SyntaxNode): PathSegment {
  if (a.kind === K.NODE_IDENT) return { name: a.text, dynamic: false, node: a };
  if (a.kind === K.NODE_STRING) {
    const lit = staticString(a);
    return lit !== undefined ? { name: lit, dynamic: false, node: a } : { name: a.text, dynamic: true, node: a };
  }
  // NODE_DYNAMIC: `${"x"}` is static
  const inner = unparen(a.firstChild());
  const lit = inner && inner.kind === K.NODE_STRING ? staticString(inner) : undefined;
  return lit !== undefined ? { name: lit, dynamic: false, node: a } : { name: a.text, dynamic: true, node: a };
}

/** The value of a string literal without interpolation (`"x"`, `''x''`), else undefined. */
export function staticString(node: SyntaxNode): string | undefined {
  if (node.kind !== K.NODE_STRING) return undefined;
  if (node.firstChild(K.NODE_INTERPOL)) return undefined;
  const toks = node.childTokens();
  const indented = toks[0]?.kind === K.TOKEN_IND_STRING_START;
  if (!indented) {
    return unescapeString(toks.filter((t) => t.kind === K.TOKEN_STRING_CONTENT).map((t) => t.text).join(""));
  }
  // Indented strings: good enough for names and rule checks (indentation stripped line-wise).
  let s = "";
  for (const t of toks) {
    if (t.kind === K.TOKEN_IND_STRING_CONTENT) s += t.text;
    else if (t.kind === K.TOKEN_IND_STRING_ESCAPE) s += t.text === "'''" ? "''" : t.text === "''$" || t.text === "$" ? "$" : t.text === "'" ? "'" : unescapeString(t.text.slice(2));
  }
  const lines = s.split("\n");
  const indents = lines.filter((l) => l.trim() !== "").map((l) => l.length - l.trimStart().length);
  const min = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(Math.min(min, l.length - l.trimStart().length))).join("\n");
}
