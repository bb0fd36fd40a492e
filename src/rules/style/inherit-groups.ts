// What manual-inherit and manual-inherit-from share: the bindings of one attribute set (or `let`)
// that can be inherited from the same place become one finding with one `inherit … a b c;`, not
// one finding per line; the edit puts the `inherit` where the first of them was and removes the
// others with their lines.
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import type { TextEdit } from "../types.js";

/** The bindings of a set, `let` or `rec { }` that `n` is a direct binding of. */
export function bindingSet(n: SyntaxNode): SyntaxNode | undefined {
  const p = n.parent;
  return p && (p.kind === K.NODE_ATTR_SET || p.kind === K.NODE_LET_IN || p.kind === K.NODE_LEGACY_LET) ? p : undefined;
}

/** Groups items by a key, keeping the order of first appearance. */
export function groupBy<T>(items: readonly T[], key: (t: T) => string): T[][] {
  const out = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const list = out.get(k);
    if (list) list.push(it);
    else out.set(k, [it]);
  }
  return [...out.values()];
}

/** The range of a binding with its line, when nothing else is on that line (its indentation, the
 * binding and the line break), else the binding alone. */
function removal(text: string, n: SyntaxNode): { start: number; end: number } {
  const lineStart = text.lastIndexOf("\n", n.start - 1) + 1;
  const nl = text.indexOf("\n", n.end);
  const lineEnd = nl === -1 ? text.length : nl;
  if (text.slice(lineStart, n.start).trim() === "" && text.slice(n.end, lineEnd).trim() === "") {
    return { start: lineStart, end: nl === -1 ? lineEnd : nl + 1 };
  }
  // Several bindings on one line (`{ a = a; b = b; }`): the binding and the spaces after it.
  let end = n.end;
  while (end < lineEnd && text[end] === " ") end++;
  return { start: n.start, end };
}

/** One `inherit` for the group: the first binding becomes `statement`, the others go. */
export function groupEdits(file: string, text: string, nodes: readonly SyntaxNode[], statement: string): TextEdit[] {
  const [first, ...rest] = nodes;
  return [{ file, start: first!.start, end: first!.end, text: statement }, ...rest.map((n) => ({ file, ...removal(text, n), text: "" }))];
}
