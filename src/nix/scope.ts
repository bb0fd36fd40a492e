// Name resolution: what an identifier refers to, as Nix's `bindVars` decides it, read from the
// lossless tree (nothing is evaluated). The one place that knows Nix's scoping rules: `let`, `rec`
// sets, the legacy `let { }`, lambda parameters and formals (`x:`, `{ a ? d, ... }:`, `args@{ }`),
// `inherit x;` (read from the enclosing scope) and `inherit (e) x;`, `with` (a fallback that never
// shadows a lexical binding, nor a builtin), and the builtins bound at the top.
//
// Lazy: nothing is computed until a caller asks. The names each scope binds are computed once per
// scope node, and a reference's resolution once per identifier node (trees of unchanged files are
// kept between scans, so the caches also serve repeat scans). `unboundReferences` is the one
// whole-file walk, for the parser's undefined-variable check.
import { NIX_BASE_ENV } from "./ast.js";
import { checkDeadline } from "./deadline.js";
import { attrpathSegments } from "./read.js";
import { SyntaxKind as K, type SyntaxNode } from "./syntax.js";

/** A name a scope binds. */
export interface Binding {
  /** The node that binds it: ATTRPATH_VALUE or INHERIT (let, rec), IDENT_PARAM, PAT_ENTRY or PAT_BIND (lambda). */
  binder: SyntaxNode;
  /** The bound value when the source gives it (`x = value;`), else undefined (`a.b = …`, `inherit`, parameters). */
  value?: SyntaxNode;
  /** `inherit (e) x;`: the expression `e` the value is selected from. */
  inheritFrom?: SyntaxNode;
  /** `{ x ? d }:`: the formal's default. */
  default?: SyntaxNode;
}

/** What a reference refers to. */
export type Resolution =
  | ({ kind: "let" | "rec" | "param" | "formal"; name: string; /** LET_IN, LEGACY_LET, rec ATTR_SET or LAMBDA. */ scope: SyntaxNode } & Binding)
  /** Bound at the top of every file (a builtin, `true`, `import`…) or given as an extra global. */
  | { kind: "global"; name: string }
  /** Not bound lexically: one of these `with` expressions (innermost first) may provide it. */
  | { kind: "with"; name: string; withs: SyntaxNode[] }
  /** Bound nowhere: Nix rejects the file (`undefined variable`). */
  | { kind: "unbound"; name: string };

export type LexicalResolution = Extract<Resolution, { scope: SyntaxNode }>;

/** Is this identifier node a variable reference (not an attribute name or a parameter name)?
 * `true`, `false` and `null` are left out: rules treat them as the constants they nearly always are. */
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

export type ScopeBindings = ReadonlyMap<string, Binding>;
const scopeBindingsCache = new WeakMap<SyntaxNode, ScopeBindings>();

/** Does this node open a scope of names (let, legacy let, rec set, lambda)? */
export function isScopeNode(n: SyntaxNode): boolean {
  return n.kind === K.NODE_LAMBDA || n.kind === K.NODE_LET_IN || n.kind === K.NODE_LEGACY_LET || isRecSet(n);
}

/** A `rec { }` set. (`rec` is the node's first token: a node starts at its first significant
 * token. Constant time: the whole-file walk asks this for every binding of every set.) */
export function isRecSet(n: SyntaxNode): boolean {
  const first = n.children[0];
  return n.kind === K.NODE_ATTR_SET && !!first && first.isToken && first.kind === K.TOKEN_REC;
}

/** The names a scope node binds, each with its binder and value. */
export function scopeBindings(scope: SyntaxNode): ScopeBindings {
  let out = scopeBindingsCache.get(scope);
  if (!out) scopeBindingsCache.set(scope, (out = computeScopeBindings(scope)));
  return out;
}

function computeScopeBindings(scope: SyntaxNode): ScopeBindings {
  const out = new Map<string, Binding>();
  if (scope.kind === K.NODE_LAMBDA) {
    const param = scope.childNodes()[0];
    if (param?.kind === K.NODE_IDENT_PARAM) {
      const id = param.childNodes()[0];
      if (id) out.set(id.text, { binder: param });
    } else if (param?.kind === K.NODE_PATTERN) {
      for (const c of param.childNodes()) {
        if (c.kind !== K.NODE_PAT_ENTRY && c.kind !== K.NODE_PAT_BIND) continue;
        const [id, dflt] = c.childNodes();
        if (id?.kind === K.NODE_IDENT) out.set(id.text, c.kind === K.NODE_PAT_ENTRY && dflt ? { binder: c, default: dflt } : { binder: c });
      }
    }
    return out;
  }
  if (!isScopeNode(scope)) return out;
  for (const b of scope.childNodes()) {
    if (b.kind === K.NODE_ATTRPATH_VALUE) {
      const [path, value] = b.childNodes();
      if (!path?.childNodes()[0]) continue;
      const seg = attrpathSegments(path)[0]!;
      if (seg.dynamic) continue;
      // `a.b = 1; a.c = 2;` binds `a` once; the value is only known for single-segment paths.
      if (!out.has(seg.name)) out.set(seg.name, { binder: b, value: path.childNodes().length === 1 ? value : undefined });
    } else if (b.kind === K.NODE_INHERIT) {
      const from = b.firstChild(K.NODE_INHERIT_FROM)?.firstChild();
      for (const id of b.childNodes()) if (id.kind === K.NODE_IDENT) out.set(id.text, from ? { binder: b, inheritFrom: from } : { binder: b });
    }
  }
  return out;
}

/**
 * The scope whose names are visible inside `child`, a child node of `parent`, besides those visible
 * in `parent` itself: the one rule both walks (up from a reference, down from the root) follow.
 * A let's and a rec set's names are visible in their values and dynamic names and in `inherit (e)`
 * sources, not in plain `inherit x;` (which reads the enclosing scope); a lambda's in its formals'
 * defaults and its body; a `with`'s attributes in its body. Undefined when no scope opens.
 */
function scopeOpenedBy(parent: SyntaxNode, child: SyntaxNode): SyntaxNode | undefined {
  switch (parent.kind) {
    case K.NODE_LAMBDA:
      return child.kind === K.NODE_IDENT_PARAM ? undefined : parent;
    case K.NODE_LET_IN:
    case K.NODE_LEGACY_LET:
      return child.kind === K.NODE_INHERIT ? undefined : parent;
    case K.NODE_ATTR_SET:
      return child.kind === K.NODE_ATTRPATH_VALUE && isRecSet(parent) ? parent : undefined;
    case K.NODE_INHERIT: {
      const owner = parent.parent;
      return child.kind === K.NODE_INHERIT_FROM && owner && isScopeNode(owner) ? owner : undefined;
    }
    case K.NODE_WITH:
      // `with e; body`: e is not in its own scope.
      return parent.firstChild() !== child ? parent : undefined;
    default:
      return undefined;
  }
}

function lexicalKind(scope: SyntaxNode): LexicalResolution["kind"] {
  if (scope.kind === K.NODE_LAMBDA) return scope.childNodes()[0]?.kind === K.NODE_IDENT_PARAM ? "param" : "formal";
  return scope.kind === K.NODE_ATTR_SET ? "rec" : "let";
}

const resolutionCache = new WeakMap<SyntaxNode, Resolution>();

/**
 * What the name `name` (by default the identifier's own text) means at `at`, the reference (or
 * any node: the name is looked up as if written there). Lexical scopes first, innermost out; then
 * the builtins and `globals`; then the enclosing `with`s; else unbound.
 */
export function resolve(at: SyntaxNode, name = at.text, globals?: ReadonlySet<string>): Resolution {
  const cacheable = !globals && name === at.text && at.kind === K.NODE_IDENT;
  if (cacheable) {
    const hit = resolutionCache.get(at);
    if (hit) return hit;
  }
  let withs: SyntaxNode[] | undefined;
  let result: Resolution | undefined;
  for (let child = at, p = at.parent; p; child = p, p = p.parent) {
    const scope = scopeOpenedBy(p, child);
    if (!scope) continue;
    if (scope.kind === K.NODE_WITH) {
      (withs ??= []).push(scope);
      continue;
    }
    const b = scopeBindings(scope).get(name);
    if (b) {
      result = { kind: lexicalKind(scope), name, scope, ...b };
      break;
    }
  }
  result ??= NIX_BASE_ENV.has(name) || globals?.has(name) ? { kind: "global", name } : withs ? { kind: "with", name, withs } : { kind: "unbound", name };
  if (cacheable) resolutionCache.set(at, result);
  return result;
}

/** Where a reference is bound lexically (let, rec, parameter, formal); undefined for builtins, names
 * a `with` may provide, and unbound names. */
export function resolveLexical(at: SyntaxNode, name = at.text): LexicalResolution | undefined {
  const r = resolve(at, name);
  return "scope" in r ? r : undefined;
}

/** The value expression a let- or rec-bound reference stands for (`x = value;`), else undefined. */
export function boundValue(ref: SyntaxNode): SyntaxNode | undefined {
  return resolveLexical(ref)?.value;
}

/** A scope open during the walk: its names, or null for a `with`. */
interface Frame {
  names: ScopeBindings | null;
  up: Frame | undefined;
}

/**
 * Every reference in the tree that nothing binds (no lexical scope, no builtin, no `globals`, no
 * enclosing `with`), in source order: Nix's undefined-variable check. One walk down the tree with
 * an explicit stack (operator chains make deep trees), carrying the scopes open at each node.
 * Every parse runs it, so it keeps nothing: a scope's names are taken from the cache when a caller
 * already asked for them, else computed for this walk only (caching every scope of every file in a
 * WeakMap more than doubled the parse time in garbage collection).
 */
export function unboundReferences(root: SyntaxNode, globals?: ReadonlySet<string>): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const isBound = (name: string, frames: Frame | undefined): boolean => {
    if (NIX_BASE_ENV.has(name) || globals?.has(name)) return true;
    for (let f = frames; f; f = f.up) if (f.names === null || f.names.has(name)) return true;
    return false;
  };
  const open = (scope: SyntaxNode, up: Frame | undefined): Frame => ({
    names: scope.kind === K.NODE_WITH ? null : (scopeBindingsCache.get(scope) ?? computeScopeBindings(scope)),
    up,
  });
  const nodes: SyntaxNode[] = [root];
  const frames: Array<Frame | undefined> = [undefined];
  while (nodes.length > 0) {
    checkDeadline();
    const n = nodes.pop()!;
    const f = frames.pop();
    if (n.kind === K.NODE_IDENT) {
      // `__curPos` is no variable: the parser turns it into the current position. (`true`,
      // `false` and `null`, which isVariableReference leaves out, are builtins: always bound.)
      const name = n.text;
      if (name !== "__curPos" && isVariableReference(n) && !isBound(name, f)) out.push(n);
      continue; // an identifier has no child nodes
    }
    // `children`, not `childNodes()`: no array cached on every node of every file for this one walk.
    const children = n.children;
    // The children a scope opens for share one frame (a let's bindings and body).
    let opened: SyntaxNode | undefined;
    let frame: Frame | undefined;
    for (let i = children.length - 1; i >= 0; i--) {
      const c = children[i]!;
      if (c.isToken) continue;
      const scope = scopeOpenedBy(n, c);
      nodes.push(c);
      if (!scope) frames.push(f);
      else {
        if (scope !== opened) {
          opened = scope;
          frame = open(scope, f);
        }
        frames.push(frame);
      }
    }
  }
  return out;
}
