// Syntax helpers shared by the rules: variable references and their bindings (from the name
// resolver, nix/scope.ts), values through let bindings, and callee matching. All of it reads the
// lossless tree; nothing is evaluated.
import { attrpathSegments, calleeName, flattenApply, unparen } from "../../nix/options.js";
import { resolveLexical, type LexicalResolution } from "../../nix/scope.js";
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";

export { calleeName, flattenApply, unparen };
export { isVariableReference, scopeBindings } from "../../nix/scope.js";

/** Where a variable is bound: the name resolver's lexical answer (nix/scope.ts). */
export type VariableBinding = LexicalResolution;

/** The binding a variable reference resolves to, lexically (a `with` never shadows a lexical
 * binding, so `with` scopes are passed over). Undefined for globals and names from `with`. */
export const resolveVariable = resolveLexical;

/** The value an identifier stands for, following `let`/`rec` bindings (up to `depth` hops). */
export function resolveValue(node: SyntaxNode | undefined, depth = 8): SyntaxNode | undefined {
  let n = unparen(node);
  for (let i = 0; n && n.kind === K.NODE_IDENT && i < depth; i++) {
    const b = resolveVariable(n);
    if (!b?.value) return n;
    n = unparen(b.value);
  }
  return n;
}

/** The dotted text of a select chain of plain identifiers (`pkgs.stdenv.mkDerivation`), else undefined. */
export function dottedName(node: SyntaxNode | undefined): string | undefined {
  const n = unparen(node);
  if (!n) return undefined;
  if (n.kind === K.NODE_IDENT) return n.text;
  if (n.kind !== K.NODE_SELECT || n.firstToken(K.TOKEN_OR_KW)) return undefined;
  const [base, path] = n.childNodes();
  const head = dottedName(base);
  if (head === undefined || !path) return undefined;
  const segs = attrpathSegments(path);
  if (segs.some((s) => s.dynamic)) return undefined;
  return [head, ...segs.map((s) => s.name)].join(".");
}

/** Is `inner` inside `outer` (or the same node)? */
export function contains(outer: SyntaxNode, inner: SyntaxNode): boolean {
  return inner.start >= outer.start && inner.end <= outer.end;
}

type Application = { node: SyntaxNode; fn: SyntaxNode; args: SyntaxNode[]; name: string | undefined };
// Several rules ask for the same tree's applications: computed once per tree.
const applicationsCache = new WeakMap<SyntaxNode, Application[]>();

/** Every application (outermost node of `f a b...`) in a tree, with its callee and arguments. */
export function applications(root: SyntaxNode): Application[] {
  const cached = applicationsCache.get(root);
  if (cached) return cached;
  const out: Application[] = [];
  applicationsCache.set(root, out);
  for (const n of root.descendants(K.NODE_APPLY)) {
    // Only the outermost APPLY of a chain (its parent is not an APPLY having it as function).
    const p = n.parent;
    if (p && p.kind === K.NODE_APPLY && p.childNodes()[0] === n) continue;
    const { fn, args } = flattenApply(n);
    out.push({ node: n, fn, args, name: calleeName(fn) });
  }
  return out;
}

/** The text of a string literal's pieces joined, interpolations replaced by `${…}`, for messages. */
export function shortText(node: SyntaxNode, max = 80): string {
  const t = node.text.replace(/\s+/g, " ");
  return t.length > max ? t.slice(0, max - 1) + "…" : t;
}
