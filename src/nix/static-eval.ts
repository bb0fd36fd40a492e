// A small static evaluator for the attribute sets services are built from: let-bound and imported
// hardening sets, `a // b`, `lib.recursiveUpdate`, `mkMerge`, `optionalAttrs`/`mkIf` (taken as
// applying, as the option index does), priority wrappers, `map`/`forEach`/`concatMap` over a list
// it reads, functions of the repository called
// with known arguments (`callPackage`-style helpers, `mapAttrs`, `removeAttrs` included), and the
// module arguments a host builder hands its modules (`specialArgs = { helpers = import ./lib { }; }`,
// `_module.args`) when the caller knows them. Everything else stays unknown, and an attribute set that merges an unknown
// part records it in `partial`, so a caller can say its result is a bound, not the whole value.
// Reads only files of the scan (through `load`), never runs or fetches anything.
import { checkDeadline } from "./deadline.js";
import { attrpathSegments, calleeName, flattenApply, staticString, unparen } from "./options.js";
import { unescapeString } from "./lower.js";
import { resolveLexical } from "./scope.js";
import { SyntaxKind as K, type SyntaxNode } from "./syntax.js";

export interface EvalAttrs {
  kind: "attrs";
  attrs: Map<string, EvalValue>;
  /** Source text of merged parts that could not be read (`helpers.hardened`). */
  partial: string[];
  /** The attribute set literal this value is, and its file (not set for merged values). */
  node?: SyntaxNode;
  file?: string;
}
export interface EvalUnknown {
  kind: "unknown";
  text: string;
}
interface EvalLambda {
  kind: "lambda";
  node: SyntaxNode;
  env: Env;
  file: string;
}
interface EvalPath {
  kind: "path";
  file: string;
}
export type EvalValue = string | number | boolean | null | EvalValue[] | EvalAttrs | EvalUnknown | EvalLambda | EvalPath;

/** The values of one scope's names (which scope a name refers to is the name resolver's answer). */
interface Env {
  /** The let, rec set or lambda whose names these are. */
  scope?: SyntaxNode;
  /** Bindings are evaluated lazily (thunks), once. */
  names: Map<string, () => EvalValue>;
  up?: Env;
}

export interface EvalContext {
  /** The root of another file of the scan, by its repository-relative path. */
  load(file: string): SyntaxNode | undefined;
  /** The text of another file of the scan (`builtins.readFile ./script.bash`), if given. */
  readText?(file: string): string | undefined;
  /** Strings with interpolations are read too: each `${e}` whose value is a known string (or
   * number) is spliced in, any other becomes INTERPOLATION_MARK (NUL). Indented strings keep their
   * indentation. Off by default: a string holding a mark is not the option's value. */
  interpolate?: boolean;
  /** The module arguments a file's module function is called with, as far as the hosts that use
   * it give them statically (`specialArgs = { LT = import ./helpers { ... }; }`): each name's value
   * expression and the file it is written in. Unknown names stay unknown. */
  moduleArgs?(file: string): ReadonlyMap<string, ModuleArg> | undefined;
}

/** A module argument's value as a host builder writes it. */
export interface ModuleArg {
  node: SyntaxNode;
  file: string;
}

/** Stands for an interpolation whose value is not known, in strings read with `interpolate`. */
export const INTERPOLATION_MARK = "\u0000";

const MAX_DEPTH = 48;
const WRAPPERS = new Set(["mkForce", "mkDefault", "mkOverride", "mkOptionDefault", "mkBefore", "mkAfter", "mkOrder", "mkVMOverride", "mkImageMediaOverride"]);

// `lib.mkDefault`, `mkOptionDefault`... named alone, as a function value.
const WRAPPER_REF = /^(?:(?:lib|pkgs\.lib|builtins)\.)?(?:mkForce|mkDefault|mkOptionDefault|mkVMOverride|mkImageMediaOverride|mkBefore|mkAfter)$/;

/** An attribute map whose values are computed on first read (module arguments: only the names a
 * module reads are evaluated). */
class LazyAttrs extends Map<string, EvalValue> {
  constructor(
    init: Map<string, EvalValue>,
    private readonly thunks: Map<string, () => EvalValue>,
  ) {
    super(init);
  }
  override get(key: string): EvalValue | undefined {
    const t = this.thunks.get(key);
    return t ? t() : super.get(key);
  }
  override has(key: string): boolean {
    return this.thunks.has(key) || super.has(key);
  }
}

const unknown = (n: SyntaxNode | undefined): EvalUnknown => ({ kind: "unknown", text: (n?.text ?? "").replace(/\s+/g, " ").slice(0, 80) });
export const isAttrs = (v: EvalValue): v is EvalAttrs => typeof v === "object" && v !== null && !Array.isArray(v) && v.kind === "attrs";
export const isEvalUnknown = (v: EvalValue): v is EvalUnknown => typeof v === "object" && v !== null && !Array.isArray(v) && v.kind === "unknown";

/** The value of a reference: the scope the name resolver says binds it, looked up in the environment. */
function lookup(env: Env | undefined, ref: SyntaxNode): (() => EvalValue) | undefined {
  const b = resolveLexical(ref);
  if (!b) return undefined;
  for (let e = env; e; e = e.up) if (e.scope === b.scope) return e.names.get(ref.text);
  return undefined;
}

function lazy(f: () => EvalValue): () => EvalValue {
  let done = false;
  let value: EvalValue = { kind: "unknown", text: "(cycle)" };
  let running = false;
  return () => {
    if (done) return value;
    if (running) return { kind: "unknown", text: "(cycle)" };
    running = true;
    value = f();
    done = true;
    return value;
  };
}

/** Normalise `dir/../x` within the repository; undefined when it leaves it. */
function joinRepo(fromFile: string, rel: string): string | undefined {
  const parts = fromFile.split("/").slice(0, -1);
  for (const seg of rel.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(seg);
  }
  return parts.join("/");
}

export class StaticEvaluator {
  constructor(private readonly ctx: EvalContext) {}

  /** The value of `node` in `file`, with the names bound around it (lets, rec sets, function
   * arguments: those are unknown unless the function was called here with known ones). */
  evalAt(node: SyntaxNode, file: string): EvalValue {
    return this.eval(node, this.envAround(node, file), file, 0);
  }

  /** The lexical environment of a node: enclosing `let`s and `rec` sets (outermost first). The
   * file's module function (its outermost lambda) gets the module arguments the caller knows. */
  private envAround(node: SyntaxNode, file: string, depth = 0): Env | undefined {
    const chain = node.ancestors().reverse();
    let env: Env | undefined;
    let outermost = true;
    for (const a of chain) {
      if (a.kind === K.NODE_LET_IN || (a.kind === K.NODE_ATTR_SET && a.firstToken(K.TOKEN_REC))) env = this.bindingsEnv(a, env, file, depth);
      else if (a.kind === K.NODE_LAMBDA) {
        const fileFunction = outermost && (a.parent?.kind === K.NODE_ROOT || (a.parent?.kind === K.NODE_PAREN && a.parent.parent?.kind === K.NODE_ROOT));
        env = this.paramEnv(a, fileFunction ? this.moduleArgsFor(file, depth) : undefined, env, file, depth);
        outermost = false;
      }
    }
    return env;
  }

  /** The module arguments of a file, as a set of lazily evaluated values (each in its own file). */
  private moduleArgsFor(file: string, depth: number): EvalAttrs | undefined {
    const given = this.ctx.moduleArgs?.(file);
    if (!given?.size || depth > MAX_DEPTH / 2) return undefined;
    let cached = this.argCache.get(file);
    if (!cached) {
      const attrs = new Map<string, EvalValue>();
      const thunks = new Map<string, () => EvalValue>();
      for (const [name, arg] of given) thunks.set(name, lazy(() => this.eval(arg.node, this.envAround(arg.node, arg.file, depth + 8), arg.file, depth + 8)));
      // A set whose values are computed when read: a Map with a getter per name.
      cached = { kind: "attrs", attrs: new LazyAttrs(attrs, thunks), partial: ["(module arguments the hosts do not give)"] };
      this.argCache.set(file, cached);
    }
    return cached;
  }

  private readonly argCache = new Map<string, EvalAttrs>();

  private bindingsEnv(set: SyntaxNode, up: Env | undefined, file: string, depth: number): Env {
    const env: Env = { scope: set, names: new Map(), up };
    for (const b of set.childNodes()) {
      if (b.kind === K.NODE_ATTRPATH_VALUE) {
        const [path, value] = b.childNodes();
        const segs = path ? attrpathSegments(path) : [];
        if (segs.length === 1 && !segs[0]!.dynamic && value) env.names.set(segs[0]!.name, lazy(() => this.eval(value, env, file, depth + 1)));
      } else if (b.kind === K.NODE_INHERIT) {
        const from = b.firstChild(K.NODE_INHERIT_FROM);
        for (const n of b.childNodes()) {
          if (n.kind !== K.NODE_IDENT) continue;
          const name = n.text;
          // `inherit (e) x;`: e sees the set's own names; `inherit x;` reads the enclosing scope.
          if (from) env.names.set(name, lazy(() => this.select(this.eval(from.firstChild(), env, file, depth + 1), [name], n)));
          else env.names.set(name, lazy(() => lookup(up, n)?.() ?? unknown(n)));
        }
      }
    }
    return env;
  }

  /** The parameters of a lambda, bound to `arg` (unknown when not called with one). */
  private paramEnv(lambda: SyntaxNode, arg: EvalValue | undefined, up: Env | undefined, file: string, depth: number): Env {
    const env: Env = { scope: lambda, names: new Map(), up };
    const param = lambda.childNodes()[0];
    if (!param) return env;
    if (param.kind === K.NODE_IDENT_PARAM) {
      const id = param.firstChild();
      if (id) env.names.set(id.text, () => arg ?? unknown(id));
      return env;
    }
    for (const c of param.childNodes()) {
      if (c.kind === K.NODE_PAT_BIND) {
        const id = c.firstChild(K.NODE_IDENT);
        if (id) env.names.set(id.text, () => arg ?? unknown(id));
      } else if (c.kind === K.NODE_PAT_ENTRY) {
        const [id, dflt] = c.childNodes();
        if (!id) continue;
        env.names.set(
          id.text,
          lazy(() => {
            const given = arg && isAttrs(arg) ? arg.attrs.get(id.text) : undefined;
            if (given !== undefined) return given;
            if (dflt && (!arg || isAttrs(arg))) return this.eval(dflt, env, file, depth + 1);
            return unknown(id);
          }),
        );
      }
    }
    return env;
  }

  private select(v: EvalValue, path: string[], at: SyntaxNode): EvalValue {
    let cur = v;
    for (const name of path) {
      if (!isAttrs(cur)) return unknown(at);
      const next = cur.attrs.get(name);
      if (next === undefined) return unknown(at);
      cur = next;
    }
    return cur;
  }

  eval(node: SyntaxNode | undefined, env: Env | undefined, file: string, depth: number): EvalValue {
    const n = unparen(node);
    if (!n) return unknown(node);
    if (depth > MAX_DEPTH) return unknown(n);
    checkDeadline();
    switch (n.kind) {
      case K.NODE_LITERAL: {
        const tok = n.childTokens()[0];
        return tok && (tok.kind === K.TOKEN_INT || tok.kind === K.TOKEN_FLOAT) ? Number(tok.text) : unknown(n);
      }
      case K.NODE_STRING: {
        const s = staticString(n);
        if (s !== undefined) return s;
        return this.ctx.interpolate ? this.interpolated(n, env, file, depth) : unknown(n);
      }
      case K.NODE_PATH: {
        if (n.firstChild(K.NODE_INTERPOL)) return unknown(n);
        const text = n.text;
        if (!text.startsWith("./") && !text.startsWith("../")) return unknown(n);
        const target = joinRepo(file, text);
        return target === undefined ? unknown(n) : { kind: "path", file: target };
      }
      case K.NODE_IDENT: {
        if (n.text === "true") return true;
        if (n.text === "false") return false;
        if (n.text === "null") return null;
        const b = lookup(env, n);
        return b ? b() : unknown(n);
      }
      case K.NODE_LIST:
        return n.childNodes().map((c) => this.eval(c, env, file, depth + 1));
      case K.NODE_ATTR_SET:
        return this.attrSet(n, env, file, depth);
      case K.NODE_LET_IN:
        return this.eval(n.childNodes().at(-1), this.bindingsEnv(n, env, file, depth), file, depth + 1);
      case K.NODE_WITH:
      case K.NODE_ASSERT:
        return this.eval(n.childNodes()[1], env, file, depth + 1);
      case K.NODE_LAMBDA:
        return { kind: "lambda", node: n, env: env ?? { names: new Map() }, file };
      case K.NODE_SELECT: {
        const [base, path, dflt] = n.childNodes();
        const segs = path ? attrpathSegments(path) : [];
        if (!base || segs.some((s) => s.dynamic)) return unknown(n);
        const v = this.select(this.eval(base, env, file, depth + 1), segs.map((s) => s.name), n);
        if (isEvalUnknown(v) && dflt) {
          const b = this.eval(base, env, file, depth + 1);
          // `x.a or d`: the default when the set is known and lacks the name.
          if (isAttrs(b) && b.partial.length === 0) return this.eval(dflt, env, file, depth + 1);
        }
        return isEvalUnknown(v) ? unknown(n) : v;
      }
      case K.NODE_BIN_OP: {
        const op = n.childTokens()[0];
        const [a, b] = n.childNodes();
        if (op?.kind === K.TOKEN_UPDATE) return merge(this.eval(a, env, file, depth + 1), this.eval(b, env, file, depth + 1), false, a, b);
        if (op?.kind === K.TOKEN_CONCAT) {
          const x = this.eval(a, env, file, depth + 1);
          const y = this.eval(b, env, file, depth + 1);
          return Array.isArray(x) && Array.isArray(y) ? [...x, ...y] : unknown(n);
        }
        return unknown(n);
      }
      case K.NODE_IF_ELSE: {
        const [c, a, b] = n.childNodes();
        const cond = this.eval(c, env, file, depth + 1);
        if (cond === true) return this.eval(a, env, file, depth + 1);
        if (cond === false) return this.eval(b, env, file, depth + 1);
        return unknown(n);
      }
      case K.NODE_APPLY:
        return this.apply(n, env, file, depth);
      default:
        return unknown(n);
    }
  }

  private interpolated(n: SyntaxNode, env: Env | undefined, file: string, depth: number): string {
    let out = "";
    for (const c of n.children) {
      if (!c.isToken) {
        if (c.kind !== K.NODE_INTERPOL) continue;
        const v = this.eval(c.firstChild(), env, file, depth + 1);
        out += typeof v === "string" ? v : typeof v === "number" ? String(v) : INTERPOLATION_MARK;
      } else if (c.kind === K.TOKEN_STRING_CONTENT) out += unescapeString(c.text);
      else if (c.kind === K.TOKEN_IND_STRING_CONTENT) out += c.text;
      else if (c.kind === K.TOKEN_IND_STRING_ESCAPE) out += c.text === "'''" ? "''" : c.text === "''$" || c.text === "$" ? "$" : c.text === "'" ? "'" : unescapeString(c.text.slice(2));
    }
    return out;
  }

  private attrSet(n: SyntaxNode, env: Env | undefined, file: string, depth: number): EvalValue {
    const scope = n.firstToken(K.TOKEN_REC) ? this.bindingsEnv(n, env, file, depth) : env;
    const out: EvalAttrs = { kind: "attrs", attrs: new Map(), partial: [], node: n, file };
    for (const b of n.childNodes()) {
      if (b.kind === K.NODE_INHERIT) {
        const from = b.firstChild(K.NODE_INHERIT_FROM);
        for (const id of b.childNodes()) {
          if (id.kind !== K.NODE_IDENT) continue;
          const v = from ? this.select(this.eval(from.firstChild(), scope, file, depth + 1), [id.text], id) : (lookup(env, id)?.() ?? unknown(id));
          out.attrs.set(id.text, v);
        }
        continue;
      }
      if (b.kind !== K.NODE_ATTRPATH_VALUE) continue;
      const [path, value] = b.childNodes();
      const segs = path ? attrpathSegments(path) : [];
      if (segs.length === 0 || segs.some((s) => s.dynamic)) {
        out.partial.push(b.text.slice(0, 60));
        continue;
      }
      let cur = out;
      for (const s of segs.slice(0, -1)) {
        let next = cur.attrs.get(s.name);
        if (!next || !isAttrs(next)) cur.attrs.set(s.name, (next = { kind: "attrs", attrs: new Map(), partial: [] }));
        cur = next;
      }
      const last = segs[segs.length - 1]!.name;
      const v = this.eval(value, scope, file, depth + 1);
      const prev = cur.attrs.get(last);
      cur.attrs.set(last, prev && isAttrs(prev) && isAttrs(v) ? merge(prev, v, true) : v);
    }
    return out;
  }

  private apply(n: SyntaxNode, env: Env | undefined, file: string, depth: number): EvalValue {
    const { fn, args } = flattenApply(n);
    const name = calleeName(fn);
    const ev = (x: SyntaxNode | undefined) => this.eval(x, env, file, depth + 1);
    if (name && WRAPPERS.has(name) && args.length >= 1) return ev(args[args.length - 1]);
    if ((name === "mkIf" || name === "optionalAttrs") && args.length === 2) {
      // Taken as applying (as the option index does); a statically false condition drops it.
      const c = ev(args[0]);
      return c === false ? { kind: "attrs", attrs: new Map(), partial: [] } : ev(args[1]);
    }
    if (name === "mkMerge" && args.length === 1) {
      const list = ev(args[0]);
      if (!Array.isArray(list)) return unknown(n);
      return list.reduce<EvalValue>((acc, x) => merge(acc, x, true), { kind: "attrs", attrs: new Map(), partial: [] });
    }
    if (name === "readFile" && args.length === 1 && this.ctx.readText) {
      const target = ev(args[0]);
      if (typeof target !== "object" || target === null || Array.isArray(target) || target.kind !== "path") return unknown(n);
      return this.ctx.readText(target.file) ?? unknown(n);
    }
    if (name === "recursiveUpdate" && args.length === 2) return merge(ev(args[0]), ev(args[1]), true, args[0], args[1]);
    // `removeAttrs set [ "a" ]`: the set without those names (an unknown list removes nothing
    // known: the result is then partial).
    if (name === "removeAttrs" && args.length === 2) {
      const set = ev(args[0]);
      const names = ev(args[1]);
      if (!isAttrs(set)) return unknown(n);
      const out: EvalAttrs = { kind: "attrs", attrs: new Map(set.attrs), partial: [...set.partial] };
      if (Array.isArray(names)) {
        for (const x of names) {
          if (typeof x === "string") out.attrs.delete(x);
          else out.partial.push(args[1]!.text.slice(0, 60));
        }
      }
      else out.partial.push(args[1]!.text.slice(0, 60));
      return out;
    }
    // `mapAttrs f set`: f applied to each name and value (`mapAttrs (k: lib.mkOptionDefault) s`).
    if (name === "mapAttrs" && args.length === 2) {
      const f = ev(args[0]);
      const set = ev(args[1]);
      if (!isAttrs(set) || typeof f !== "object" || f === null || Array.isArray(f) || f.kind !== "lambda") return unknown(n);
      const out: EvalAttrs = { kind: "attrs", attrs: new Map(), partial: [...set.partial] };
      for (const [k, v] of set.attrs) out.attrs.set(k, this.call(this.call(f, k, n, depth), v, n, depth));
      return out;
    }
    // `map f list` (`builtins.map`, `lib.map`, `lib.lists.map`), `lib.forEach list f` and
    // `concatMap f list`: f applied to each element of a list the evaluator reads (sudo rules
    // built with `map (c: { command = "/run/current-system/sw/bin/${c}"; ... }) [ ... ]`).
    if ((name === "map" || name === "forEach" || name === "concatMap") && args.length === 2 && isListLibrary(fn)) {
      const [fNode, listNode] = name === "forEach" ? [args[1], args[0]] : [args[0], args[1]];
      const list = ev(listNode);
      const f = ev(fNode);
      if (!Array.isArray(list) || list.length > MAX_LIST || !isCallable(f)) return unknown(n);
      const mapped = list.map((x) => this.call(f, x, n, depth));
      if (name !== "concatMap") return mapped;
      return mapped.every(Array.isArray) ? mapped.flat() : unknown(n);
    }
    // `callPackageWith autoArgs path overrides` (and `callPackage path overrides` when `pkgs` is
    // not known): the file's function called with autoArgs and the overrides.
    if ((name === "callPackageWith" && args.length === 3) || (name === "callPackage" && args.length === 2)) {
      const [auto, path, overrides] = name === "callPackageWith" ? [ev(args[0]), args[1], args[2]] : [undefined, args[0], args[1]];
      const target = ev(path);
      const f = typeof target === "object" && target !== null && !Array.isArray(target) && target.kind === "path" ? this.importFile(target.file, depth) : target;
      const given = merge(auto ?? unknown(fn), ev(overrides), false, fn, overrides);
      return this.call(f, given, n, depth);
    }
    if (name === "import" && fn.kind === K.NODE_IDENT && args.length >= 1) {
      const target = ev(args[0]);
      if (typeof target !== "object" || target === null || Array.isArray(target) || target.kind !== "path") return unknown(n);
      let v = this.importFile(target.file, depth);
      if (isEvalUnknown(v)) return unknown(n);
      for (const a of args.slice(1)) v = this.call(v, ev(a), n, depth);
      return v;
    }
    let v = ev(fn);
    for (const a of args) v = this.call(v, ev(a), n, depth);
    return v;
  }

  /** The value of a file of the scan (a directory's default.nix), unknown when not loaded. */
  private importFile(file: string, depth: number): EvalValue {
    const direct = this.ctx.load(file);
    const root = direct ?? this.ctx.load(`${file}/default.nix`.replace(/^\//, ""));
    if (!root) return { kind: "unknown", text: file };
    const file2 = direct ? file : `${file}/default.nix`;
    const body = root.kind === K.NODE_ROOT ? root.childNodes().find((c) => c.kind !== K.NODE_ERROR) : root;
    return this.eval(body, undefined, file2, depth + 1);
  }

  private call(f: EvalValue, arg: EvalValue, at: SyntaxNode, depth: number): EvalValue {
    // A priority wrapper of an unknown library (`lib.mkOptionDefault` passed as a function): it
    // gives its argument, at a priority.
    if (isEvalUnknown(f) && WRAPPER_REF.test(f.text)) return arg;
    if (typeof f !== "object" || f === null || Array.isArray(f) || f.kind !== "lambda") return unknown(at);
    const env = this.paramEnv(f.node, arg, f.env, f.file, depth + 1);
    return this.eval(f.node.childNodes()[1], env, f.file, depth + 1);
  }
}

/** The longest list `map` is applied over. */
const MAX_LIST = 1000;

/** The callee of `map`/`forEach`/`concatMap` is the library's: `builtins.map`, `lib.map`,
 * `lib.lists.forEach`, `pkgs.lib.concatMap`, or a bare `map` no let, rec set or parameter binds
 * (the builtin, or the one a `with lib;` gives). A function of the repository named `map`, or an
 * attribute of something else (`cfg.map`), is not. */
function isListLibrary(fn: SyntaxNode): boolean {
  if (fn.kind === K.NODE_IDENT) return resolveLexical(fn) === undefined;
  if (fn.kind !== K.NODE_SELECT) return false;
  const [base, path] = fn.childNodes();
  const segs = path ? attrpathSegments(path).map((s) => s.name) : [];
  const prefix = [base?.text ?? "", ...segs.slice(0, -1)].join(".");
  return /^(?:builtins|(?:pkgs\.)?lib(?:\.lists)?)$/.test(prefix);
}

const isCallable = (f: EvalValue): boolean =>
  (typeof f === "object" && f !== null && !Array.isArray(f) && f.kind === "lambda") || (isEvalUnknown(f) && WRAPPER_REF.test(f.text));

/** `a // b` (shallow) or recursiveUpdate/module merge (deep): an unknown side makes the result
 * partial, with the keys of the known side. */
function merge(a: EvalValue, b: EvalValue, deep: boolean, an?: SyntaxNode, bn?: SyntaxNode): EvalValue {
  const empty = (): EvalAttrs => ({ kind: "attrs", attrs: new Map(), partial: [] });
  const asAttrs = (v: EvalValue, node?: SyntaxNode): EvalAttrs | undefined => {
    if (isAttrs(v)) return v;
    if (isEvalUnknown(v)) return { ...empty(), partial: [node ? unknown(node).text : v.text] };
    return undefined;
  };
  const x = asAttrs(a, an);
  const y = asAttrs(b, bn);
  if (!x || !y) return { kind: "unknown", text: "(not an attribute set)" };
  const out: EvalAttrs = { kind: "attrs", attrs: new Map(x.attrs), partial: [...x.partial, ...y.partial] };
  for (const [k, v] of y.attrs) {
    const prev = out.attrs.get(k);
    out.attrs.set(k, deep && prev && isAttrs(prev) && isAttrs(v) ? (merge(prev, v, true) as EvalAttrs) : v);
  }
  return out;
}
