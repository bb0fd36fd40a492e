// Syntax helpers shared by the anti-pattern rules: lexical scopes (which binding an identifier
// refers to, as Nix's `bindVars` decides it), variable references, and callee matching. All of it
// reads the lossless tree; nothing is evaluated.
import { attrpathSegments, calleeName, flattenApply, unparen } from "../../nix/options.js";
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";

export { calleeName, flattenApply, unparen };

/** Where a variable is bound. */
export interface VariableBinding {
  kind: "let" | "rec" | "param" | "formal";
  /** The node that binds it: the binding (ATTRPATH_VALUE / INHERIT) or the parameter. */
  binder: SyntaxNode;
  /** The scope node: LET_IN, LEGACY_LET, ATTR_SET (rec) or LAMBDA. */
  scope: SyntaxNode;
  /** The bound value when it is known from the source (`x = value;`), else undefined. */
  value?: SyntaxNode;
}

/** Is this identifier node a variable reference (not an attribute name or a parameter name)? */
export function isVariableReference(ident: SyntaxNode): boolean {
  if (ident.kind !== K.NODE_IDENT) return false;
  const p = ident.parent;
  if (!p) return false;
  switch (p.kind) {
    case K.NODE_ATTRPATH:
    case K.NODE_IDENT_PARAM:
    case K.NODE_PAT_BIND:
      return false;
    case K.NODE_PAT_ENTRY:
      return p.childNodes()[0] !== ident;
    case K.NODE_INHERIT:
      // `inherit x;` reads x from the enclosing scope; `inherit (e) x;` does not.
      return !p.firstChild(K.NODE_INHERIT_FROM);
    default:
      return ident.text !== "true" && ident.text !== "false" && ident.text !== "null";
  }
}

type ScopeBindings = Map<string, { binder: SyntaxNode; value?: SyntaxNode }>;
// Resolving every identifier asks each enclosing scope for its names: computed once per scope node
// (trees of unchanged files are kept between scans, so this also serves repeat scans).
const scopeBindingsCache = new WeakMap<SyntaxNode, ScopeBindings>();

/** The names a scope node binds, each with its binder and value. */
export function scopeBindings(scope: SyntaxNode): ScopeBindings {
  let out = scopeBindingsCache.get(scope);
  if (!out) scopeBindingsCache.set(scope, (out = computeScopeBindings(scope)));
  return out;
}

function computeScopeBindings(scope: SyntaxNode): ScopeBindings {
  const out: ScopeBindings = new Map();
  if (scope.kind === K.NODE_LAMBDA) {
    const param = scope.childNodes()[0];
    if (param?.kind === K.NODE_IDENT_PARAM) {
      const id = param.childNodes()[0];
      if (id) out.set(id.text, { binder: param });
    } else if (param?.kind === K.NODE_PATTERN) {
      for (const c of param.childNodes()) {
        if (c.kind === K.NODE_PAT_ENTRY || c.kind === K.NODE_PAT_BIND) {
          const id = c.childNodes()[0];
          if (id?.kind === K.NODE_IDENT) out.set(id.text, { binder: c });
        }
      }
    }
    return out;
  }
  for (const b of scope.childNodes()) {
    if (b.kind === K.NODE_ATTRPATH_VALUE) {
      const [path, value] = b.childNodes();
      const first = path?.childNodes()[0];
      if (!first) continue;
      const seg = attrpathSegments(path!)[0]!;
      if (seg.dynamic) continue;
      // `a.b = 1; a.c = 2;` binds `a` once; the value is only known for single-segment paths.
      if (!out.has(seg.name)) out.set(seg.name, { binder: b, value: path!.childNodes().length === 1 ? value : undefined });
    } else if (b.kind === K.NODE_INHERIT) {
      for (const id of b.childNodes()) if (id.kind === K.NODE_IDENT) out.set(id.text, { binder: b });
    }
  }
  return out;
}

/** Does `node` lie in the part of `scope` where the scope's names are visible? */
function inScopeRegion(scope: SyntaxNode, node: SyntaxNode): boolean {
  if (scope.kind === K.NODE_ATTR_SET) {
    // A rec set's names are visible in its values (and in `inherit (expr)` sources), not in its
    // attribute names; plain `inherit x;` reads the enclosing scope, not the set.
    for (const b of scope.childNodes()) {
      if (node.start < b.start || node.end > b.end) continue;
      if (b.kind === K.NODE_ATTRPATH_VALUE) {
        const [path, value] = b.childNodes();
        if (value && node.start >= value.start && node.end <= value.end) return true;
        // Dynamic attribute names (`${...}`) see the rec set's names too.
        return !!path && isInDynamic(node, b);
      }
      if (b.kind === K.NODE_INHERIT) {
        const from = b.firstChild(K.NODE_INHERIT_FROM);
        return !!from && node.start >= from.start && node.end <= from.end;
      }
    }
    return false;
  }
  if (scope.kind === K.NODE_LAMBDA) {
    const param = scope.childNodes()[0];
    // Formals' defaults see the other formals; the parameter names themselves are not references.
    return !(param && node.start >= param.start && node.end <= param.end && param.kind === K.NODE_IDENT_PARAM);
  }
  if (scope.kind === K.NODE_LET_IN || scope.kind === K.NODE_LEGACY_LET) {
    // `inherit x;` in a let reads the enclosing scope (Nix would loop otherwise).
    for (const b of scope.childNodes()) {
      if (b.kind === K.NODE_INHERIT && node.start >= b.start && node.end <= b.end) {
        const from = b.firstChild(K.NODE_INHERIT_FROM);
        return !!from && node.start >= from.start && node.end <= from.end;
      }
    }
    return true;
  }
  return false;
}

function isInDynamic(node: SyntaxNode, stop: SyntaxNode): boolean {
  for (let p: SyntaxNode | null = node; p && p !== stop; p = p.parent) if (p.kind === K.NODE_DYNAMIC) return true;
  return false;
}

function isScopeNode(n: SyntaxNode): boolean {
  return n.kind === K.NODE_LAMBDA || n.kind === K.NODE_LET_IN || n.kind === K.NODE_LEGACY_LET || (n.kind === K.NODE_ATTR_SET && !!n.firstToken(K.TOKEN_REC));
}

/** The binding a variable reference resolves to, lexically (a `with` never shadows a lexical
 * binding, so `with` scopes are passed over). Undefined for globals and names from `with`. */
export function resolveVariable(ref: SyntaxNode, name = ref.text): VariableBinding | undefined {
  for (let p = ref.parent; p; p = p.parent) {
    if (!isScopeNode(p) || !inScopeRegion(p, ref)) continue;
    const b = scopeBindings(p).get(name);
    if (!b) continue;
    const kind = p.kind === K.NODE_LAMBDA ? (p.childNodes()[0]?.kind === K.NODE_IDENT_PARAM ? "param" : "formal") : p.kind === K.NODE_ATTR_SET ? "rec" : "let";
    return { kind, binder: b.binder, scope: p, value: b.value };
  }
  return undefined;
}

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
