// Lowering: from the lossless tree to Nix's abstract syntax, doing what the semantic actions of
// Nix's parser.y do: desugar operators, merge nested attribute paths, strip indentation, resolve
// path literals, and raise the errors Nix raises while parsing (duplicate attributes, duplicate
// formals, dynamic attributes in `let`/`inherit`, bad numbers). Undefined variables (Nix's
// bindVars) are found on the tree by the name resolver (scope.ts). Pure: the file's directory and
// $HOME come in as options.
import { dirname, posix } from "node:path";
import {
  type AttrDef,
  type AttrName,
  type BinaryOperator,
  type Expr,
  type ExprAttrs,
  type Formal,
} from "./ast.js";
import { checkDeadline } from "./deadline.js";
import { SyntaxKind as K, type SyntaxElement, type SyntaxNode, type SyntaxToken } from "./syntax.js";

export type Dialect = "nix-2.8" | "current";

export interface LowerOptions {
  /** Directory relative path literals resolve against (the file's directory). */
  baseDir?: string;
  /** What `~` means in `~/x` paths. */
  home?: string;
  /** Attribute-set merging rules: Nix 2.8's, or current Nix's recursive merge. */
  dialect?: Dialect;
  /** How messages name a position ("already defined at ..."); defaults to the raw offset. */
  formatPosition?: (offset: number) => string;
  /** Only the diagnostics are wanted (the expression is thrown away): the values of strings and
   * paths are not worked out (unescaping, stripping indentation, resolving paths), except in
   * attribute names, whose values decide what Nix reports. Their interpolations are still lowered,
   * in the same order, for the errors inside them. The scan lowers every file only for its
   * diagnostics; values were most of the lowering's work and garbage (olafkfreund/nixos_config). */
  diagnosticsOnly?: boolean;
}

export interface SemanticDiagnostic {
  message: string;
  /** Where Nix reports it. */
  offset: number;
  /** When Nix's parser raises it, for ordering against syntax errors (first one wins in Nix). */
  trigger: number;
  kind: "semantic" | "undefined-variable";
}

export interface LowerResult {
  expr: Expr;
  diagnostics: SemanticDiagnostic[];
}

const STATIC_ERROR: Expr = { type: "error" };
// What a string or path stands for when only diagnostics are wanted: never an attribute set or a
// call (the only values the lowering looks into or changes), as the real value is not either.
const UNVALUED_STRING: Expr = Object.freeze({ type: "string", value: "" }) as Expr;

export function lower(root: SyntaxNode, options: LowerOptions = {}): LowerResult {
  const lowerer = new Lowerer(options);
  const body = root.childNodes().find((n) => n.kind !== K.NODE_ERROR);
  const expr = body ? lowerer.expr(body) : STATIC_ERROR;
  return { expr, diagnostics: lowerer.diagnostics.sort((a, b) => a.trigger - b.trigger) };
}

/** The significant children of a node: nodes and non-trivia tokens, in order. */
function significant(node: SyntaxNode): SyntaxElement[] {
  const out: SyntaxElement[] = [];
  for (const c of node.children) if (!c.isToken || (c.kind !== K.TOKEN_WHITESPACE && c.kind !== K.TOKEN_COMMENT)) out.push(c);
  return out;
}

class Lowerer {
  readonly diagnostics: SemanticDiagnostic[] = [];
  private readonly baseDir: string;
  private readonly home: string;
  private readonly dialect: Dialect;
  private readonly at: (offset: number) => string;
  /** diagnosticsOnly, and not inside an attribute name: strings and paths are not valued. */
  private unvalued: boolean;

  constructor(options: LowerOptions) {
    this.unvalued = options.diagnosticsOnly === true;
    this.at = options.formatPosition ?? ((o) => `offset ${o}`);
    this.baseDir = options.baseDir ?? "/";
    this.home = options.home ?? process.env.HOME ?? "/";
    this.dialect = options.dialect ?? "current";
  }

  private error(message: string, offset: number, trigger: number): void {
    this.diagnostics.push({ message, offset, trigger, kind: "semantic" });
  }

  expr(node: SyntaxNode | undefined): Expr {
    if (!node) return STATIC_ERROR;
    checkDeadline();
    if (node.kind === K.NODE_BIN_OP || node.kind === K.NODE_APPLY) return this.spine(node);
    return this.single(node);
  }

  /** Operator and application chains are left-deep trees (`a + b + c`, `f a b c`); lower them
   * bottom-up without recursing down the left side, so thousands of terms are no problem. */
  private spine(top: SyntaxNode): Expr {
    const stack: SyntaxNode[] = [];
    let n: SyntaxNode | undefined = top;
    while (n && (n.kind === K.NODE_BIN_OP || n.kind === K.NODE_APPLY)) {
      stack.push(n);
      n = n.childNodes()[0];
    }
    let left = this.single(n);
    while (stack.length > 0) {
      const node = stack.pop()!;
      left = node.kind === K.NODE_BIN_OP ? this.binary(node, left) : this.apply(node, left);
    }
    return left;
  }

  private single(node: SyntaxNode | undefined): Expr {
    if (!node) return STATIC_ERROR;
    switch (node.kind) {
      case K.NODE_IDENT: {
        const tok = node.childTokens()[0]!;
        const name = tok.text;
        if (name === "__curPos") return { type: "pos", pos: node.start };
        return { type: "var", name, pos: node.start };
      }
      case K.NODE_LITERAL:
        return this.literal(node.childTokens()[0]!);
      case K.NODE_STRING:
        return this.string(node);
      case K.NODE_PATH:
        return this.path(node);
      case K.NODE_SEARCH_PATH: {
        const text = node.childTokens()[0]!.text;
        return call(varExpr("__findFile"), [varExpr("__nixPath"), { type: "string", value: text.slice(1, -1) }]);
      }
      case K.NODE_PAREN:
        return this.expr(node.firstChild());
      case K.NODE_LIST:
        return { type: "list", elems: node.childNodes().map((c) => this.expr(c)) };
      case K.NODE_ATTR_SET: {
        const attrs = this.binds(node);
        attrs.rec = node.firstToken(K.TOKEN_REC) !== undefined;
        attrs.node = node;
        return attrs;
      }
      case K.NODE_LEGACY_LET: {
        const attrs = this.binds(node);
        attrs.rec = true;
        return { type: "select", e: attrs, path: [{ name: "body" }] };
      }
      case K.NODE_LET_IN: {
        const attrs = this.binds(node);
        const body = this.expr(lastNode(node));
        if (attrs.dynamic.length > 0) this.error("dynamic attributes not allowed in let", node.start, node.end);
        return { type: "let", attrs, body };
      }
      case K.NODE_WITH: {
        const [a, b] = node.childNodes();
        return { type: "with", attrs: this.expr(a), body: this.expr(b) };
      }
      case K.NODE_ASSERT: {
        const [a, b] = node.childNodes();
        return { type: "assert", cond: this.expr(a), body: this.expr(b) };
      }
      case K.NODE_IF_ELSE: {
        const [c, t, e] = node.childNodes();
        return { type: "if", cond: this.expr(c), then: this.expr(t), else: this.expr(e) };
      }
      case K.NODE_LAMBDA:
        return this.lambda(node);
      case K.NODE_UNARY_OP: {
        const op = node.childTokens()[0]!;
        const operand = this.expr(node.firstChild());
        if (op.kind === K.TOKEN_BANG) return { type: "not", e: operand };
        return call(varExpr("__sub"), [{ type: "int", value: 0n }, operand]);
      }
      case K.NODE_HAS_ATTR: {
        const [e, path] = node.childNodes();
        return { type: "hasAttr", e: this.expr(e), path: this.attrPath(path) };
      }
      case K.NODE_SELECT: {
        const [e, path, def] = node.childNodes();
        const out: Expr = { type: "select", e: this.expr(e), path: this.attrPath(path) };
        if (def) out.def = this.expr(def);
        return out;
      }
      default:
        return STATIC_ERROR;
    }
  }

  private literal(tok: SyntaxToken): Expr {
    const text = tok.text;
    if (tok.kind === K.TOKEN_INT) {
      const value = BigInt(text);
      if (value > 9223372036854775807n) {
        this.error(`invalid integer '${text}'`, tok.start, tok.start);
        return { type: "int", value: 0n };
      }
      return { type: "int", value };
    }
    if (tok.kind === K.TOKEN_FLOAT) {
      const value = Number(text);
      // strtod's ERANGE: overflow to infinity, or underflow below the smallest normal double.
      const mantissaNonZero = /[1-9]/.test(text.replace(/[eE].*$/, ""));
      if (!Number.isFinite(value) || (mantissaNonZero && Math.abs(value) < 2.2250738585072014e-308)) {
        this.error(`invalid float '${text}'`, tok.start, tok.start);
      }
      return { type: "float", value };
    }
    return { type: "string", value: text }; // URI
  }

  private string(node: SyntaxNode): Expr {
    if (this.unvalued) return this.interpolationsOnly(node);
    const kids = significant(node);
    const indented = kids[0]?.kind === K.TOKEN_IND_STRING_START;
    const inner = kids.slice(1, kids[kids.length - 1]?.kind === (indented ? K.TOKEN_IND_STRING_END : K.TOKEN_STRING_END) ? -1 : undefined);
    if (indented) return this.indentedString(inner);
    const parts: Expr[] = [];
    for (const k of inner) {
      if (k.isToken) parts.push({ type: "string", value: unescapeString(k.text) });
      else parts.push(this.expr(k.firstChild()));
    }
    if (parts.length === 0) return { type: "string", value: "" };
    if (parts.length === 1 && inner[0]!.isToken) return parts[0]!;
    return { type: "concat", forceString: true, parts };
  }

  /** Nix's stripIndentation, step for step (parser.y). */
  private indentedString(inner: SyntaxElement[]): Expr {
    type Part = { expr: Expr } | { text: string; indent: boolean };
    const es: Part[] = inner.map((k) => {
      if (!k.isToken) return { expr: this.expr(k.firstChild()) };
      if (k.kind === K.TOKEN_IND_STRING_CONTENT) return { text: k.text, indent: true };
      return { text: indEscapeValue(k.text), indent: false };
    });
    if (es.length === 0) return { type: "string", value: "" };

    let atStartOfLine = true;
    let minIndent = 1000000;
    let curIndent = 0;
    for (const p of es) {
      if (!("text" in p) || !p.indent) {
        if (atStartOfLine) {
          atStartOfLine = false;
          if (curIndent < minIndent) minIndent = curIndent;
        }
        continue;
      }
      const s = p.text;
      for (let j = 0; j < s.length; j++) {
        const c = s[j];
        if (atStartOfLine) {
          if (c === " ") curIndent++;
          else if (c === "\n") curIndent = 0;
          else {
            atStartOfLine = false;
            if (curIndent < minIndent) minIndent = curIndent;
          }
        } else if (c === "\n") {
          atStartOfLine = true;
          curIndent = 0;
        }
      }
    }

    const out: Expr[] = [];
    atStartOfLine = true;
    let curDropped = 0;
    let remaining = es.length;
    for (const p of es) {
      if ("expr" in p) {
        atStartOfLine = false;
        curDropped = 0;
        out.push(p.expr);
      } else {
        const t = p.text;
        let s2 = "";
        let copyFrom = 0; // start of the run of characters kept as they are
        for (let j = 0; j < t.length; j++) {
          const c = t.charCodeAt(j);
          if (atStartOfLine) {
            if (c === 32) {
              // Indentation: dropped up to the minimum, then kept.
              if (curDropped++ < minIndent) {
                s2 += t.slice(copyFrom, j);
                copyFrom = j + 1;
              }
            } else if (c === 10) curDropped = 0;
            else {
              atStartOfLine = false;
              curDropped = 0;
            }
          } else if (c === 10) atStartOfLine = true;
        }
        s2 += t.slice(copyFrom);
        if (remaining === 1) {
          // Remove the last line if it is empty and consists only of spaces.
          const nl = s2.lastIndexOf("\n");
          if (nl >= 0 && /^ *$/.test(s2.slice(nl + 1))) s2 = s2.slice(0, nl + 1);
        }
        out.push({ type: "string", value: s2 });
      }
      remaining--;
    }
    if (out.length === 1 && out[0]!.type === "string") return out[0]!;
    return { type: "concat", forceString: true, parts: out };
  }

  private path(node: SyntaxNode): Expr {
    if (this.unvalued) return this.interpolationsOnly(node);
    const kids = significant(node);
    const head = kids[0] as SyntaxToken;
    const text = head.text;
    let value: string;
    if (head.kind === K.TOKEN_HPATH) value = this.home + text.slice(1);
    else {
      value = absPath(text, this.baseDir);
      // Nix adds back the trailing `/` of an interpolated path's first segment.
      if (text.endsWith("/") && text.length > 1) value += "/";
    }
    const first: Expr = { type: "path", value };
    const rest = kids.slice(1).filter((k) => k.kind !== K.TOKEN_PATH_END);
    if (rest.length === 0) return first;
    const parts: Expr[] = [first];
    for (const k of rest) {
      if (k.isToken) parts.push({ type: "string", value: k.text });
      else parts.push(this.expr(k.firstChild()));
    }
    return { type: "concat", forceString: false, parts };
  }

  /** A string or path when its value is not wanted: its interpolations lowered in order (as
   * string() and path() lower them) for their diagnostics. */
  private interpolationsOnly(node: SyntaxNode): Expr {
    for (const k of node.children) if (!k.isToken) this.expr(k.firstChild());
    return UNVALUED_STRING;
  }

  private lambda(node: SyntaxNode): Expr {
    const [param, body] = node.childNodes();
    const bodyExpr = this.expr(body);
    if (!param) return STATIC_ERROR;
    if (param.kind === K.NODE_IDENT_PARAM) {
      return { type: "lambda", arg: param.childNodes()[0]?.text ?? "", body: bodyExpr, pos: node.start };
    }
    // NODE_PATTERN
    let arg = "";
    const list: Formal[] = [];
    for (const c of param.childNodes()) {
      if (c.kind === K.NODE_PAT_BIND) arg = c.firstChild(K.NODE_IDENT)?.text ?? "";
      else if (c.kind === K.NODE_PAT_ENTRY) {
        const [name, def] = c.childNodes();
        const f: Formal = { name: name!.text, pos: name!.start };
        if (def) f.def = this.expr(def);
        list.push(f);
      }
    }
    const ellipsis = param.firstToken(K.TOKEN_ELLIPSIS) !== undefined;
    // Duplicate formals are found when the whole lambda has been parsed (toFormals).
    const seen = new Map<string, Formal>();
    let dup: Formal | undefined;
    for (const f of list) {
      if (seen.has(f.name)) {
        if (!dup || f.pos < dup.pos) dup = f;
      } else seen.set(f.name, f);
    }
    if (dup) this.error(`duplicate formal function argument '${dup.name}'`, dup.pos, node.end);
    else if (arg && seen.has(arg)) this.error(`duplicate formal function argument '${arg}'`, node.start, node.end);
    return { type: "lambda", arg, formals: { list, ellipsis }, body: bodyExpr, pos: node.start };
  }

  private binary(node: SyntaxNode, a: Expr): Expr {
    const r = node.childNodes()[1];
    const op = node.childTokens()[0]!.kind;
    const b = this.expr(r);
    const simple = (o: BinaryOperator): Expr => ({ type: "binop", op: o, a, b });
    switch (op) {
      case K.TOKEN_EQ:
        return simple("==");
      case K.TOKEN_NEQ:
        return simple("!=");
      case K.TOKEN_AND:
        return simple("&&");
      case K.TOKEN_OR:
        return simple("||");
      case K.TOKEN_IMPL:
        return simple("->");
      case K.TOKEN_UPDATE:
        return simple("//");
      case K.TOKEN_CONCAT:
        return simple("++");
      case K.TOKEN_PLUS:
        return { type: "concat", forceString: false, parts: [a, b] };
      case K.TOKEN_MINUS:
        return call(varExpr("__sub"), [a, b]);
      case K.TOKEN_STAR:
        return call(varExpr("__mul"), [a, b]);
      case K.TOKEN_SLASH:
        return call(varExpr("__div"), [a, b]);
      case K.TOKEN_LESS:
        return call(varExpr("__lessThan"), [a, b]);
      case K.TOKEN_MORE:
        return call(varExpr("__lessThan"), [b, a]);
      case K.TOKEN_LEQ:
        return { type: "not", e: call(varExpr("__lessThan"), [b, a]) };
      case K.TOKEN_GEQ:
        return { type: "not", e: call(varExpr("__lessThan"), [a, b]) };
      case K.TOKEN_PIPE_INTO:
        return applyTo(b, a);
      case K.TOKEN_PIPE_FROM:
        return applyTo(a, b);
      default:
        return STATIC_ERROR;
    }
  }

  private apply(node: SyntaxNode, fn: Expr): Expr {
    const argNode = node.childNodes()[1];
    // `f or`: Nix's backwards-compatible call of a variable named `or`, always a new call.
    if (argNode?.kind === K.NODE_IDENT && argNode.firstToken(K.TOKEN_OR_KW)) {
      return call(fn, [{ type: "var", name: "or", pos: node.start }]);
    }
    return applyTo(fn, this.expr(argNode));
  }

  private attrPath(node: SyntaxNode | undefined): AttrName[] {
    if (!node) return [];
    return node.childNodes().map((a) => this.attrName(a));
  }

  private attrName(node: SyntaxNode): AttrName {
    if (node.kind === K.NODE_IDENT) return { name: node.text };
    // An attribute name's value decides what Nix reports (a static name or a dynamic one, and
    // which): valued in full, whatever is inside it.
    const unvalued = this.unvalued;
    this.unvalued = false;
    try {
      return this.attrNameValued(node);
    } finally {
      this.unvalued = unvalued;
    }
  }

  private attrNameValued(node: SyntaxNode): AttrName {
    if (node.kind === K.NODE_STRING) {
      const e = this.expr(node);
      return e.type === "string" ? { name: e.value } : { expr: e };
    }
    // NODE_DYNAMIC: `${"a"}` is static in Nix, anything else dynamic.
    const e = this.expr(node.firstChild());
    return e.type === "string" ? { name: e.value } : { expr: e };
  }

  /** The bindings of an attribute set or let, with Nix's addAttr rules. */
  private binds(node: SyntaxNode): ExprAttrs {
    const attrs: ExprAttrs = { type: "attrs", rec: false, attrs: new Map(), dynamic: [] };
    // Nix positions an inherited variable at the start of the (left-recursive) binding list,
    // which is the end of the token that opens it: `{` or `let`.
    const open = node.firstToken(K.TOKEN_L_BRACE) ?? node.firstToken(K.TOKEN_LET);
    const listStart = open ? open.end : node.start;
    for (const b of node.childNodes()) {
      // A binding without its `;` never reached Nix's semantic action (the parse failed first),
      // except for an inherit's dynamic names, which Nix rejects as soon as it reads each one.
      const complete = b.firstToken(K.TOKEN_SEMICOLON) !== undefined;
      if (b.kind === K.NODE_INHERIT) {
        this.inherit(attrs, b, listStart, complete);
        continue;
      }
      if (b.kind === K.NODE_ATTRPATH_VALUE) {
        const [pathNode, valueNode] = b.childNodes();
        if (!complete) {
          // Its value was still parsed, and Nix raised the errors inside it as it went.
          if (valueNode) this.expr(valueNode);
          continue;
        }
        if (!pathNode || pathNode.kind !== K.NODE_ATTRPATH) continue;
        const path = this.attrPath(pathNode);
        const value = this.expr(valueNode);
        if (path.length > 0) this.addAttr(attrs, path, value, pathNode.start, b.end);
      }
    }
    return attrs;
  }

  private inherit(attrs: ExprAttrs, node: SyntaxNode, listStart: number, complete: boolean): void {
    const from = node.firstChild(K.NODE_INHERIT_FROM);
    const fromExpr = from ? this.expr(from.firstChild()) : undefined;
    const names = node
      .childNodes()
      .filter((c) => c.kind === K.NODE_IDENT || c.kind === K.NODE_STRING || c.kind === K.NODE_DYNAMIC);
    const listPos = names[0]?.start ?? node.end;
    for (const n of names) {
      const an = this.attrName(n);
      if (an.name === undefined) {
        this.error("dynamic attributes not allowed in inherit", n.start, n.end);
        continue;
      }
      if (!complete) continue;
      const name = an.name;
      const prev = attrs.attrs.get(name);
      if (prev) {
        this.error(`attribute '${showId(name)}' already defined at ${this.at(prev.pos)}`, listPos, node.end);
        continue;
      }
      if (fromExpr) attrs.attrs.set(name, { e: { type: "select", e: fromExpr, path: [{ name }] }, inherited: false, pos: listPos });
      else attrs.attrs.set(name, { e: { type: "var", name, pos: listStart }, inherited: true, pos: listPos });
    }
  }

  private addAttr(attrs: ExprAttrs, path: AttrName[], e: Expr, pos: number, trigger: number): void {
    let cur = attrs;
    for (let i = 0; i < path.length - 1; i++) {
      const a = path[i]!;
      if (a.name !== undefined) {
        const j = cur.attrs.get(a.name);
        if (j) {
          if (j.inherited || j.e.type !== "attrs") {
            this.dupAttr(this.dialect === "current" ? path.slice(0, i + 1) : path, pos, j.pos, trigger);
            return;
          }
          cur = j.e;
        } else {
          const nested: ExprAttrs = { type: "attrs", rec: false, attrs: new Map(), dynamic: [] };
          cur.attrs.set(a.name, { e: nested, inherited: false, pos });
          cur = nested;
        }
      } else {
        const nested: ExprAttrs = { type: "attrs", rec: false, attrs: new Map(), dynamic: [] };
        cur.dynamic.push({ nameExpr: a.expr, valueExpr: nested, pos });
        cur = nested;
      }
    }
    const last = path[path.length - 1]!;
    if (last.name === undefined) {
      cur.dynamic.push({ nameExpr: last.expr, valueExpr: e, pos });
      return;
    }
    this.addAttrSymbol(cur, path, last.name, { e, inherited: false, pos }, trigger);
  }

  private addAttrSymbol(attrs: ExprAttrs, path: AttrName[], name: string, def: AttrDef, trigger: number): void {
    const j = attrs.attrs.get(name);
    if (!j) {
      attrs.attrs.set(name, def);
      return;
    }
    const ae = def.e;
    const jAttrs = j.e;
    if (ae.type !== "attrs" || jAttrs.type !== "attrs" || j.inherited) {
      this.dupAttr(path, def.pos, j.pos, trigger);
      return;
    }
    if (this.dialect === "nix-2.8") {
      // Nix 2.8 merges one level only, reports a clash at the earlier definition, and drops the
      // merged set's dynamic attributes.
      for (const [k, ad] of ae.attrs) {
        const j2 = jAttrs.attrs.get(k);
        if (j2) {
          this.error(`attribute '${showId(k)}' already defined at ${this.at(ad.pos)}`, j2.pos, trigger);
          return;
        }
        jAttrs.attrs.set(k, ad);
      }
      return;
    }
    for (const [k, ad] of ae.attrs) this.addAttrSymbol(jAttrs, [...path, { name: k }], k, ad, trigger);
    jAttrs.dynamic.push(...ae.dynamic);
  }

  private dupAttr(path: AttrName[], pos: number, prevPos: number, trigger: number): void {
    this.error(`attribute '${showAttrPathPlain(path)}' already defined at ${this.at(prevPos)}`, pos, trigger);
  }
}

function varExpr(name: string): Expr {
  return { type: "var", name, pos: -1 };
}

function call(fn: Expr, args: Expr[]): Expr {
  return { type: "call", fn, args };
}

/** Nix's expr_app: applying a call adds an argument to it instead of nesting. */
function applyTo(fn: Expr, arg: Expr): Expr {
  if (fn.type === "call") {
    fn.args.push(arg);
    return fn;
  }
  return call(fn, [arg]);
}

function lastNode(node: SyntaxNode): SyntaxNode | undefined {
  const nodes = node.childNodes();
  const last = nodes[nodes.length - 1];
  return last && last.kind !== K.NODE_ATTRPATH_VALUE && last.kind !== K.NODE_INHERIT ? last : undefined;
}

/** Nix's unescapeStr for "..." strings: `\n \r \t`, any other `\x` is x, CR and CRLF become LF,
 * and (as in Nix) the value stops at a NUL character. */
export function unescapeString(raw: string): string {
  let out = "";
  for (let i = 0; i < raw.length; i++) {
    let c = raw[i]!;
    if (c === "\0") break;
    if (c === "\\") {
      c = raw[++i] ?? "";
      if (c === "\0") break;
      out += c === "n" ? "\n" : c === "r" ? "\r" : c === "t" ? "\t" : c;
    } else if (c === "\r") {
      out += "\n";
      if (raw[i + 1] === "\n") i++;
    } else out += c;
  }
  return out;
}

/** The value of an indented-string escape token. */
function indEscapeValue(text: string): string {
  if (text === "''$" || text === "$") return "$";
  if (text === "'''") return "''";
  if (text === "'") return "'";
  // ''\x
  return unescapeString(text.slice(2));
}

/** Nix's absPath + canonPath: lexical, no symlinks resolved. */
export function absPath(path: string, base: string): string {
  const joined = path.startsWith("/") ? path : `${base}/${path}`;
  const parts: string[] = [];
  for (const seg of joined.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") parts.pop();
    else parts.push(seg);
  }
  return "/" + parts.join("/");
}

export function fileBaseDir(filePath: string): string {
  return dirname(posix.resolve(filePath));
}

/** Nix's showId: identifiers bare, anything else (and `if`) quoted. */
export function showId(s: string): string {
  if (s === "") return '""';
  if (s === "if") return '"if"';
  if (/^[a-zA-Z_][a-zA-Z0-9_'-]*$/.test(s)) return s;
  return showString(s);
}

/** Nix's showString: escapes `"`, `\`, `$`, newline, CR, tab. */
export function showString(s: string): string {
  let out = '"';
  for (const c of s) {
    if (c === '"' || c === "\\" || c === "$") out += "\\" + c;
    else if (c === "\n") out += "\\n";
    else if (c === "\r") out += "\\r";
    else if (c === "\t") out += "\\t";
    else out += c;
  }
  return out + '"';
}

function showAttrPathPlain(path: AttrName[]): string {
  return path.map((a) => (a.name !== undefined ? showId(a.name) : '"${..}"')).join(".");
}
