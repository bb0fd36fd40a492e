// Which of the hosts importing a module turn it on. A module's settings behind `mkIf cfg.enable`
// (`cfg = config.<path>`, an option the repository declares off by default) act only on the hosts
// that set `<path>.enable`; naming every importer over-reports. Read statically: a host turns it on
// when one of its files sets `<path>.enable` to anything but `false` (itself behind another such
// gate only when that gate's option is on for the host too).
import { isVariableReference, resolveLexical } from "../nix/scope.js";
import { SyntaxKind as K, type SyntaxNode } from "../nix/syntax.js";
import { attrpathSegments, flattenApply, calleeName, staticString, unparen } from "../nix/options.js";
import { isTestPath } from "./classify.js";
import { escapeRegExp } from "../text/regexp.js";
import { DepFrames } from "./gate-deps.js";

export interface GateHost {
  name: string;
  files: ReadonlySet<string>;
  /** For hosts declared in a file with others (flake.nix), the declaration's node. */
  node?: SyntaxNode;
  file: string;
  /** A literal the host's builder passes as a module argument, at an attribute path. */
  argLiteral?(path: string): boolean | string | number | null | undefined;
}

/** The options a node's settings are gated on (`mkIf cfg.enable`, `mkIf config.x.y.enable`), as
 * dotted paths, outermost first. */
export function gatesAt(node: SyntaxNode): string[] {
  let known = gatesCache.get(node);
  if (!known) gatesCache.set(node, (known = findGates(node)));
  return known;
}

// A node's gates depend on its tree alone (kept while the file is unchanged); the host graph asks
// for them on every scan, for every setting of every gated module.
const gatesCache = new WeakMap<SyntaxNode, string[]>();

function findGates(node: SyntaxNode): string[] {
  const out: string[] = [];
  let child: SyntaxNode = node;
  for (let n = node.parent; n; child = n, n = n.parent) {
    const options = n.kind === K.NODE_IF_ELSE ? ifThenGates(n, child) : n.kind === K.NODE_APPLY && n.childNodes()[1] === child ? mkIfGates(n) : NO_GATES;
    // Each unshifted in turn, as they were found: `mkIf (a.enable && b.enable)` gives b, a.
    for (const o of options) out.unshift(o);
  }
  return out;
}

// What an application gates its body on, per application node: every setting inside one `mkIf`
// asked again (the option index's bindings of a gated module, all of them, for the scan's cache
// keys), and reading the condition (let lookups included) was most of gatesAt's time.
const mkIfCache = new WeakMap<SyntaxNode, readonly string[]>();
const NO_GATES: readonly string[] = Object.freeze([]);

/** `if cond then body else ...` (a module writing `systemd.services = if cfg.enable then { ... }
 * else { }`): for a node of the `then` branch, the options `cond` names, as mkIf's. */
function ifThenGates(n: SyntaxNode, child: SyntaxNode): readonly string[] {
  const [cond, then] = n.childNodes();
  if (!cond || then !== child) return NO_GATES;
  const found: string[] = [];
  for (const sel of enableSelects(cond)) {
    const p = optionPath(sel);
    if (p) found.push(p);
  }
  return found.length ? found : NO_GATES;
}

/** `mkIf cond body` (the outer APPLY, whose argument is the body): the options `cond` names, in
 * order; none for any other application. */
function mkIfGates(n: SyntaxNode): readonly string[] {
  let known = mkIfCache.get(n);
  if (known) return known;
  const { fn, args } = flattenApply(n);
  if (calleeName(fn) !== "mkIf" || args.length !== 2) known = NO_GATES;
  else {
    const found: string[] = [];
    for (const sel of enableSelects(args[0]!)) {
      const p = optionPath(sel);
      if (p) found.push(p);
    }
    known = found.length ? found : NO_GATES;
  }
  mkIfCache.set(n, known);
  return known;
}

/** The condition of an enclosing `mkIf cond` (or `optionalAttrs cond`) that is false whatever
 * the host (`mkIf (enabled && x)` with `enabled = false;` in a let): its text, else undefined. */
export function falseGate(node: SyntaxNode): string | undefined {
  let child: SyntaxNode = node;
  for (let n = node.parent; n; child = n, n = n.parent) {
    if (n.kind !== K.NODE_APPLY || n.childNodes()[1] !== child) continue;
    const { fn, args } = flattenApply(n);
    const name = calleeName(fn);
    if ((name !== "mkIf" && name !== "optionalAttrs") || args.length !== 2) continue;
    if (staticBool(args[0]) === false) return unparen(args[0])!.text.replace(/\s+/g, " ").trim();
  }
  return undefined;
}

/** The value of a condition when the source alone decides it: `true`/`false` (not rebound), a
 * name a let of the file binds to one, `!`, `&&` (false when either side is), `||` (false only
 * when both sides are). Undefined when it depends on anything else. */
export function staticBool(cond: SyntaxNode | undefined, depth = 0): boolean | undefined {
  const c = unparen(cond);
  if (!c || depth > 8) return undefined;
  if (c.kind === K.NODE_IDENT) {
    if (c.text === "true" || c.text === "false") return resolveLexical(c) ? undefined : c.text === "true";
    const bound = letBound(c, c.text);
    return bound ? staticBool(bound.value, depth + 1) : undefined;
  }
  if (c.kind === K.NODE_UNARY_OP && c.text.trimStart().startsWith("!")) {
    const v = staticBool(c.childNodes()[0], depth + 1);
    return v === undefined ? undefined : !v;
  }
  if (c.kind === K.NODE_BIN_OP) {
    const op = c.childTokens().find((t) => t.text === "&&" || t.text === "||")?.text;
    const [a, b] = c.childNodes();
    if (!op || !a || !b) return undefined;
    const x = staticBool(a, depth + 1);
    const y = staticBool(b, depth + 1);
    if (op === "&&") return x === false || y === false ? false : x === true && y === true ? true : undefined;
    return x === true || y === true ? true : x === false && y === false ? false : undefined;
  }
  return undefined;
}

/** `cfg.enable` / `config.a.b.enable` operands of a condition (through `&&`). */
function enableSelects(cond: SyntaxNode): SyntaxNode[] {
  const c = unparen(cond);
  if (!c) return [];
  if (c.kind === K.NODE_BIN_OP && c.text.includes("&&")) return c.childNodes().flatMap(enableSelects);
  return c.kind === K.NODE_SELECT && !c.firstToken(K.TOKEN_OR) ? [c] : [];
}

/** The option path a `<x>.enable` selection names: `config.a.b.enable` gives a.b; `cfg.enable`
 * with `cfg = config.a.b` (a let of the same file) too. */
function optionPath(sel: SyntaxNode): string | undefined {
  const [base, path] = sel.childNodes();
  if (!base || !path || base.kind !== K.NODE_IDENT) return undefined;
  const segs = names(path, sel);
  if (!segs || segs.at(-1) !== "enable") return undefined;
  if (base.text === "config") return segs.length > 1 ? segs.slice(0, -1).join(".") : undefined;
  // `cfg.enable` with `cfg = config.services.x`, `sys.services.x.enable` with `sys =
  // config.modules.system`, through a few let-bound aliases (`cfg = sys.services;`).
  let prefix: string[] = [];
  let at: SyntaxNode = sel;
  let name = base.text;
  for (let hops = 0; hops < 4; hops++) {
    const step = aliasStep(at, name, names);
    if (!step) return undefined;
    const vb = step.base;
    prefix = [...step.inner, ...prefix];
    if (vb.text === "config") {
      const full = [...prefix, ...segs.slice(0, -1)];
      return full.length ? full.join(".") : undefined;
    }
    at = vb;
    name = vb.text;
  }
  return undefined;
}

/** One step back through a let-bound alias of a selection's base: `cfg = sys.services;` gives the
 * base `sys` and the names `services`, `inherit (config) modules;` the base `config` and `modules`.
 * Undefined when `name` is not let-bound to such a selection. `namesOf` reads the alias's path. */
export function aliasStep(at: SyntaxNode, name: string, namesOf: (attrpath: SyntaxNode, sel: SyntaxNode) => string[] | undefined): { base: SyntaxNode; inner: string[] } | undefined {
  const r = resolveLexical(at, name);
  if (r?.kind !== "let" && r?.kind !== "rec") return undefined;
  let base: SyntaxNode | undefined;
  let inner: string[] | undefined;
  const from = unparen(r.inheritFrom);
  if (from) {
    base = from;
    inner = [name];
  } else {
    const v = unparen(r.value);
    if (v?.kind !== K.NODE_SELECT || v.firstToken(K.TOKEN_OR_KW)) return undefined;
    const [b, vp] = v.childNodes();
    base = b;
    inner = vp ? namesOf(vp, v) : undefined;
  }
  return base?.kind === K.NODE_IDENT && inner?.length ? { base, inner } : undefined;
}

/** Static names of an attrpath, `${appName}` filled from a let-bound string of the file. */
function names(attrpath: SyntaxNode, at: SyntaxNode): string[] | undefined {
  const out: string[] = [];
  for (const seg of attrpathSegments(attrpath)) {
    if (!seg.dynamic) {
      out.push(seg.name);
      continue;
    }
    const inner = seg.node.kind === K.NODE_DYNAMIC ? unparen(seg.node.firstChild()) : undefined;
    const v = inner?.kind === K.NODE_IDENT ? unparen(letBound(at, inner.text)?.value) : undefined;
    const s = v?.kind === K.NODE_STRING ? staticString(v) : undefined;
    if (s === undefined) return undefined;
    out.push(s);
  }
  return out;
}

/** The binding of `name` in the innermost enclosing let (or rec set) that binds it (the shared
 * name resolver; a parameter of the same name in between hides it). */
function letBound(at: SyntaxNode, name: string): { value: SyntaxNode } | undefined {
  const r = resolveLexical(at, name);
  return (r?.kind === "let" || r?.kind === "rec") && r.value ? { value: r.value } : undefined;
}

// Bindings whose value lists modules: a set inside is a module of its own.
const MODULE_LISTS = /(?:^|\.)(?:modules|imports|sharedModules|extraModules)$/;

/** The full option path a binding sets, through the sets it is nested in (`config.` dropped);
 * undefined when a name cannot be read or the binding is not in a plain module set. */
function fullPath(b: SyntaxNode): string[] | undefined {
  const parts: string[][] = [];
  for (let n: SyntaxNode | null = b; n; n = n.parent) {
    if (n.kind !== K.NODE_ATTRPATH_VALUE) continue;
    const path = n.childNodes()[0];
    // An inline module in a module list (`modules = [ { my.x.enable = true; } ]`) starts there.
    if (n !== b && path && MODULE_LISTS.test(path.text) && unparen(n.childNodes()[1])?.kind !== K.NODE_ATTR_SET) break;
    const segs = path ? names(path, n) : undefined;
    if (!segs) return undefined;
    parts.unshift(segs);
  }
  const flat = parts.flat();
  return flat[0] === "config" ? flat.slice(1) : flat;
}

/** `false`, also wrapped in mkDefault / mkForce / mkOverride. */
function isFalse(value: SyntaxNode | undefined): boolean {
  let v = unparen(value);
  while (v?.kind === K.NODE_APPLY) v = unparen(flattenApply(v).args.at(-1));
  return v?.kind === K.NODE_IDENT && v.text === "false";
}

/** `enabled` or `lib.<ns>.enabled` (a set `{ enable = true; }` by the snowfall-lib convention), or
 * a let-bound name whose value is `{ enable = true; }`. */
function isEnabledSet(value: SyntaxNode | undefined, at: SyntaxNode): boolean {
  const v = unparen(value);
  if (!v) return false;
  if (v.kind === K.NODE_SELECT) return /(?:^|\.)enabled$/.test(v.text.replace(/\s+/g, ""));
  if (v.kind !== K.NODE_IDENT) return false;
  const bound = letBound(at, v.text);
  if (bound) {
    const set = unparen(bound.value);
    return set?.kind === K.NODE_ATTR_SET && /^\{\s*enable\s*=\s*true\s*;\s*\}$/.test(set.text);
  }
  // `inherit (lib.khanelinix) enabled;` (no value to read) or a module argument.
  return v.text === "enabled";
}

// Library functions that build a value or a single option, not a set of options with an `enable`.
const NOT_OPTION_HELPERS = /^mk(?:Enable|Package|PackageOption|)Option(?:MD)?$|^mk(?:If|Merge|Default|Force|Override|OptionDefault|Before|After|Order|VMOverride|ImageMediaOverride|Derivation|ShellScript|RenamedOptionModule|RemovedOptionModule|AliasOptionModule|ChangedOptionModule|MergedOptionModule|SinkUndeclaredOptions)$/;

/** An `enable` that is off unless set (mkEnableOption, mkBoolOpt false, mkOption { default = false; }). */
const OFF_BY_DEFAULT = /mkEnableOption|mkBoolOpt\s+false|default\s*=\s*false/;
/** A default other than false (`mkEnableOption "x" // { default = config.my.enable; }`, `default =
 * true`): the option is on wherever that default holds, not off unless set. */
const OTHER_DEFAULT = /\bdefault\s*=\s*(?!(?:lib\.)?(?:mkDefault\s+)?false\s*;)[^;\s]/;
function offByDefault(text: string): boolean {
  return OFF_BY_DEFAULT.test(text) && !OTHER_DEFAULT.test(text);
}

/**
 * For each gate, the hosts (among `hosts`) that turn its option on. `treeOf` gives parsed files.
 * Memoised per option; undefined for an option that is not the repository's own, off by default.
 */
export class GateReader {
  private readonly enablers = new Map<string, Set<string> | undefined>();
  /** What each answer of enablers read (gate-deps.ts). */
  private readonly enablerDeps = new Map<string, Set<string>>();
  private readonly settings = new Map<string, Array<{ file: string; node: SyntaxNode }>>();
  /** Options the repository declares with an `enable` off by default. */
  private readonly declaredOff = new Set<string>();
  /** Options whose default is another option's enable (`default = config.my.enable;`). */
  private readonly follows = new Map<string, string>();
  private scanned = false;

  constructor(
    private readonly hosts: readonly GateHost[],
    private readonly treeOf: (file: string) => SyntaxNode | undefined,
    private readonly nixFiles: readonly string[],
    private readonly declarationFiles: ReadonlySet<string>,
    /** Notes what each answer reads (gate-deps.ts). */
    private readonly deps: DepFrames = new DepFrames(),
  ) {}

  /** Takes over the answers of the last graph's GateReader (the same hosts) that nothing read
   * changed under (`keeps`; `names(option)`: a changed file names the option otherwise). */
  carryFrom(prev: GateReader, keeps: (deps: ReadonlySet<string> | undefined) => boolean, names: (option: string) => boolean): void {
    for (const [option, deps] of prev.enablerDeps) {
      if (!keeps(deps)) continue;
      this.enablers.set(option, prev.enablers.get(option));
      this.enablerDeps.set(option, deps);
    }
    for (const [key, v] of prev.offCache) if (!names(key.slice(0, key.indexOf("\0")))) this.offCache.set(key, v);
  }

  /** The hosts that turn `option` on, or undefined when that cannot be told. */
  enabledOn(option: string, depth = 0): Set<string> | undefined {
    if (this.enablers.has(option)) {
      // No keys: a cycle, or an answer cut short by the depth (never carried over).
      this.deps.noteAll(this.enablerDeps.get(option));
      return this.enablers.get(option);
    }
    this.enablers.set(option, undefined); // a cycle reads as unknown
    const [on, deps] = this.deps.run(() => this.enablersOf(option, depth));
    // Cut short by the depth: the answer depends on where it was first asked.
    if (deps && (on !== undefined || depth <= 4)) this.enablerDeps.set(option, deps);
    return on;
  }

  private enablersOf(option: string, depth: number): Set<string> | undefined {
    this.scan();
    // Options of nixpkgs are not narrowed: they may be turned on where this scan cannot see.
    if (depth > 4) {
      this.deps.note("*");
      return undefined;
    }
    // go: the option's declarations (off by default, or following another option's enable).
    this.deps.note(`go:${option}`);
    // `default = config.<other>.enable`: on where the other option is on (and where set).
    const follows = this.declaredOff.has(option) ? undefined : this.follows.get(option);
    const base = follows !== undefined && follows !== option ? this.enabledOn(follows, depth + 1) : undefined;
    if (!this.declaredOff.has(option) && !base) return undefined;
    this.deps.note(`gs:${option}`);
    const on = new Set<string>(base ?? []);
    for (const s of this.settings.get(option) ?? []) {
      // A setting behind another gate counts on the hosts where that gate is on.
      let where: Set<string> | undefined = new Set(this.hosts.filter((h) => settingOnHost(h, s.file, s.node, this.declarationFiles)).map((h) => h.name));
      for (const g of gatesAt(s.node)) {
        const inner = this.enabledOn(g, depth + 1);
        if (inner) where = new Set([...where].filter((h) => inner.has(h)));
      }
      for (const h of where) on.add(h);
    }
    for (const h of this.hosts) if (!on.has(h.name) && this.dataSetEnables(h, option)) on.add(h.name);
    this.enablers.set(option, on);
    return on;
  }

  /** Is `option` off on every host: no host turns it on where it can be read, and no file but
   * `declaringFile` names it otherwise (`<name>.enable` or `<name> = {` not followed by a literal
   * false, or the name as a string, as a generated set of modules would)? Then settings gated on it
   * act nowhere. A test file no host includes does not count: it turns the option on in its test. */
  offEverywhere(option: string, declaringFile: string): boolean {
    const on = this.enabledOn(option);
    if (!on || on.size > 0) return false;
    // Read from the text of every file (namesOption).
    this.deps.note("n");
    this.deps.note(`n:${option}`);
    const key = `${option}\0${declaringFile}`;
    let known = this.offCache.get(key);
    if (known === undefined) this.offCache.set(key, (known = !this.namedElsewhere(option, declaringFile)));
    return known;
  }

  private readonly offCache = new Map<string, boolean>();

  private namedElsewhere(option: string, declaringFile: string): boolean {
    if (!option.split(".").at(-1)) return true;
    // What a file's text says of an option depends on the text alone: kept with its tree, so that
    // a scan after one file changed reads only that file again, not every file for every gate.
    let names: Namer | undefined;
    for (const file of this.namingFiles()) {
      if (file === declaringFile) continue;
      const tree = this.treeOf(file);
      if (!tree) continue;
      let known = namesCache.get(tree);
      if (!known) namesCache.set(tree, (known = new Map()));
      let named = known.get(option);
      if (named === undefined) known.set(option, (named = (names ??= optionNamer(option))(tree.text, tree)));
      if (named && namedOutsideOwnGate(tree, option, (names ??= optionNamer(option)))) return true;
    }
    return false;
  }

  private naming: string[] | undefined;
  /** The files that may turn an option on outside its module: all but a test no host includes
   * (`modules/hello/test.nix` turning the module on in a VM test's node turns it on in that test
   * only, not on a host). */
  private namingFiles(): string[] {
    return (this.naming ??= this.nixFiles.filter((file) => !(isTestPath(file) && !this.hosts.some((h) => h.files.has(file)))));
  }

  /** Does the host's own data set turn `option` on: a builder's module writing a set whole from
   * one of the builder's arguments (`jd = finalConfig.config;` with `finalConfig` made from the
   * formal `systemConfig`), and the host's call giving that argument a set of the flake (`systemConfig
   * = chairliftConfig;` with `chairliftConfig = { microbin.enable = true; }`)? */
  private dataSetEnables(h: GateHost, option: string): boolean {
    const v = builderDataSetting(h, `${option}.enable`, this.nixFiles, this.treeOf, (k) => this.deps.note(k));
    return v !== undefined && v !== "unset" && !isFalse(v);
  }

  /** Every `<path>.enable = <not false>` in the repository's files, by path. */
  private scan(): void {
    if (this.scanned) return;
    this.scanned = true;
    for (const file of this.nixFiles) {
      const tree = this.treeOf(file);
      if (!tree || !tree.text.includes("enable")) continue;
      const facts = enableFacts(tree);
      for (const o of facts.declaredOff) this.declaredOff.add(o);
      for (const [o, other] of facts.follows) this.follows.set(o, other);
      for (const { option, node } of facts.settings) {
        let list = this.settings.get(option);
        if (!list) this.settings.set(option, (list = []));
        list.push({ file, node });
      }
    }
  }
}

// The text before an option's name when it is read from `config` (`config.a.b.` right before it).
const READ_BEFORE = /\bconfig(?:\s*\.\s*[\w'-]+)*\s*\.\s*$/;

// What makes attributes (or modules) out of names: a file holding none of these uses a module's
// name as a string for something else.
const GENERATES = /\$\{|\b(?:genAttrs|listToAttrs|nameValuePair|setAttrByPath|mapAttrs\w*|forEach|map|concatMap|foldl'?|foldr|imap[01]?|filter|elem|attrByPath|getAttr|hasAttr|builtins)\b/;

// Whether a file's text names an option (optionNamer), by tree and option.
const namesCache = new WeakMap<SyntaxNode, Map<string, boolean>>();

/** Does a tree's text name `option` (as GateReader.offEverywhere reads every file)? */
export function namesOption(tree: SyntaxNode, option: string): boolean {
  if (!option.split(".").at(-1)) return true;
  let known = namesCache.get(tree);
  if (!known) namesCache.set(tree, (known = new Map()));
  let named = known.get(option);
  // As GateReader.namedElsewhere reads it: what the repeat scan compares must be what was read.
  const namer = optionNamer(option);
  if (named === undefined) known.set(option, (named = namer(tree.text, tree)));
  return named && namedOutsideOwnGate(tree, option, namer);
}

/** The keys a tree's enables are looked up by (gate-deps.ts). */
export function gateFactKeys(tree: SyntaxNode, out: Set<string>): void {
  for (const p of passThroughs(tree)) for (const builder of p.formals.values()) out.add(`pt:${builder}`);
  if (!tree.text.includes("enable")) return;
  const facts = enableFacts(tree);
  for (const o of facts.declaredOff) out.add(`go:${o}`);
  for (const [o] of facts.follows) out.add(`go:${o}`);
  for (const { option } of facts.settings) out.add(`gs:${option}`);
}

// Whether a file names an option outside the settings gated on that option itself, by tree and option.
const ownGateCache = new WeakMap<SyntaxNode, Map<string, boolean>>();

/** Does a file that names `option` (optionNamer) name it somewhere other than inside settings gated
 * on that same option, or inside option declarations? A module's sibling files (`drone/server/default.nix` with `users.users.drone
 * = { ... }` and `User = "drone"` under `mkIf cfg.enable`, cfg = config.my.services.drone) name the
 * option's last name only where it is already on: that turns nothing on. */
function namedOutsideOwnGate(tree: SyntaxNode, option: string, namer: Namer): boolean {
  let known = ownGateCache.get(tree);
  if (!known) ownGateCache.set(tree, (known = new Map()));
  let named = known.get(option);
  if (named === undefined) {
    const own = (at: number): boolean => {
      const node = tree.nodeAt(at);
      return node !== undefined && (gatesAt(node).includes(option) || inOptionDeclarations(node));
    };
    known.set(option, (named = namer(tree.text, tree, own)));
  }
  return named;
}

/** Inside `options.<path> = ...` (a declaration, which turns nothing on). */
function inOptionDeclarations(node: SyntaxNode): boolean {
  for (let n: SyntaxNode | null = node; n; n = n.parent) {
    if (n.kind === K.NODE_ATTRPATH_VALUE && /^options\b/.test(n.childNodes()[0]?.text ?? "")) return true;
  }
  return false;
}

/** Does a file's text name `option` otherwise than turning it off: `<name>.enable` or
 * `<name> = {` not followed by a literal false, the name as a string (as a generated set of modules
 * would), or the set holding it written whole by a function (`my.services = genAttrs names (..)`)
 * or a member of it named at run time (`my.services.${n}.enable`)? */
/** Does a text (of `tree`, when given) name the option; `skip(at)`: a mention at that offset does
 * not count (namedOutsideOwnGate). */
type Namer = (text: string, tree?: SyntaxNode, skip?: (at: number) => boolean) => boolean;

function optionNamer(option: string): Namer {
  const owner = option.split(".").at(-1)!;
  const name = escapeRegExp(owner);
  // Named by its last two names (`my.services`): a lone `services` is every module's systemd.services.
  const parent = option
    .split(".")
    .slice(-3, -1)
    .map((n) => escapeRegExp(n))
    .join("\\s*\\.\\s*");
  // (Not a binding under another set: `overlays.mayniklas = final: prev: ...` is no option set; only
  // `config.` may come before.)
  const generated = parent ? new RegExp(`(?<![\\w'-])(?<!(?<!\\bconfig\\s*)\\.\\s*)${parent}\\s*(?:=\\s*(?![\\s{]|\\{)|\\.\\s*\\$\\{)`) : undefined;
  const mention = new RegExp(`(?<![\\w'-])${name}\\s*(?:\\.\\s*enable\\b|=\\s*\\{)|"${name}"`, "g");
  const FALSE = String.raw`(?:lib\.)?(?:mkForce\s+|mkDefault\s+|mkOverride\s+\d+\s+)?false\s*;`;
  // (`<name> = { enable = false; port = 8989; }`: the set's first attribute turns it off, the others
  // are settings of a module left off; comments before it are passed over.)
  const offSetting = new RegExp(String.raw`^\s*=\s*${FALSE}|^\s*enable\s*=\s*${FALSE}`);
  // The regexes run only on files holding the names they look for (a plain search is far cheaper).
  const parentName = option.split(".").at(-2);
  return (text, tree, skip) => {
    let generates: boolean | undefined;
    if (generated && parentName !== undefined && text.includes(parentName)) {
      const hit = !skip ? generated.test(text) : [...text.matchAll(new RegExp(generated.source, "g"))].some((m) => !skip(m.index));
      if (hit && (!tree || writtenWhole(tree, option))) return true;
    }
    if (!text.includes(owner)) return false;
    for (const m of text.matchAll(mention)) {
      if (skip?.(m.index)) continue;
      // `<name>.enable = false;`, `<name> = { enable = false; }`: says it is off.
      if (!m[0].startsWith('"') && offSetting.test(text.slice(m.index + m[0].length, m.index + m[0].length + 200).replace(/#[^\n]*/g, ""))) continue;
      // `hasMonitoring = config.jd.monitoring.enable;`: a read of the option, which turns nothing on.
      if (m[0].endsWith("enable") && READ_BEFORE.test(text.slice(Math.max(0, m.index - 120), m.index)) && !/^\s*=(?!=)/.test(text.slice(m.index + m[0].length, m.index + m[0].length + 8))) continue;
      // A package's `pname = "hello"` (its source's `owner`/`repo`, its `mainProgram`) names a
      // program, not the module.
      if (m[0].startsWith('"') && /\b(?:pname|owner|repo|mainProgram)\s*=\s*$/.test(text.slice(Math.max(0, m.index - 40), m.index))) continue;
      // A plain string in a file that makes no attribute from a name (no `${..}`, genAttrs,
      // listToAttrs, ...) names something else: the `"paperless"` of a host's list of PostgreSQL
      // databases (`postgresql.configurations = [ "forgejo" "paperless" ]`) turns no module on.
      if (m[0].startsWith('"') && !(generates ??= GENERATES.test(text))) continue;
      return true;
    }
    return false;
  };
}

/** Does a file write the set holding `option` whole (`my.services = genAttrs names f;`), as far as
 * its tree tells: not when each binding of that name is under another set (a flake's
 * `homeConfigurations.jd = mkHMUser { .. }` for the option jd.monitoring) or hands on a builder's
 * argument (`jd = finalConfig.config;` in mkHost), whose per-host sets the gate reader reads. */
function writtenWhole(tree: SyntaxNode, option: string): boolean {
  const parent = option.split(".").slice(0, -1);
  const last = parent.at(-1);
  if (!last) return true;
  const through = passThroughs(tree);
  let seen = false;
  for (const b of tree.descendants(K.NODE_ATTRPATH_VALUE)) {
    const path = b.childNodes()[0];
    const segs = path ? attrpathSegments(path) : [];
    // (`users.users.${name}` is no binding of the option's set; `${x} = ..` may be.)
    if (!segs.some((x) => !x.dynamic && x.name === last) && !segs[0]?.dynamic) continue;
    seen = true;
    const full = fullPath(b);
    if (!full) return true;
    if (full.length > parent.length || full.some((x, i) => x !== parent[parent.length - full.length + i])) continue;
    if (unparen(b.childNodes()[1])?.kind === K.NODE_ATTR_SET) continue;
    if (through.some((p) => p.path.join(".") === full.join(".") && [...p.formals.values()].length > 0)) continue;
    return true;
  }
  return !seen;
}

// A file's enables depend on its tree alone, and a tree is kept while the file is unchanged: read
// once, not on every scan.
interface EnableFacts {
  declaredOff: string[];
  settings: Array<{ option: string; node: SyntaxNode }>;
  /** Options whose default is another option's `enable`: the option, the other. */
  follows: Array<[string, string]>;
}
const enableFactsCache = new WeakMap<SyntaxNode, EnableFacts>();
const DEFAULT_FOLLOWS = /\bdefault\s*=\s*config\s*\.\s*([\w'-]+(?:\s*\.\s*[\w'-]+)*?)\s*\.\s*enable\s*;/;

/** The options a file declares off by default, and the `<path>.enable = <not false>` it sets. */
function enableFacts(tree: SyntaxNode): EnableFacts {
  const cached = enableFactsCache.get(tree);
  if (cached) return cached;
  const declaredOff: string[] = [];
  const follows: Array<[string, string]> = [];
  const settings: Array<{ option: string; node: SyntaxNode }> = [];
  for (const b of tree.descendants(K.NODE_ATTRPATH_VALUE)) {
    const [path, value] = b.childNodes();
    if (!path) continue;
    const isEnable = /\benable$/.test(path.text);
    // `reposilite = mkService { ... };` inside `options.x = { services = { ... }; }`: a set of
    // options made by the repository's own helper, at any depth of the options tree.
    const called = unparen(value)?.kind === K.NODE_APPLY ? calleeName(flattenApply(unparen(value)!).fn) : undefined;
    const helperSet = called !== undefined && /^mk[A-Z]/.test(called) && !NOT_OPTION_HELPERS.test(called);
    if (isEnable || path.text.startsWith("options") || helperSet) {
      // `options.a.b.enable = mkEnableOption ..;`, `options.a.b = { enable = ..; }`
      const full = fullPath(b);
      if (full?.[0] === "options" && full.length > 1) {
        if (full.at(-1) === "enable" && offByDefault(value?.text ?? "")) declaredOff.push(full.slice(1, -1).join("."));
        const other = full.at(-1) === "enable" ? DEFAULT_FOLLOWS.exec(value?.text ?? "")?.[1] : undefined;
        if (other) follows.push([full.slice(1, -1).join("."), other.replace(/\s+/g, "")]);
        const inner = /\benable\s*=\s*([^;]*)/.exec(value?.text ?? "")?.[1];
        if (inner !== undefined && offByDefault(inner)) declaredOff.push(full.slice(1).join("."));
        // `options.x.${appName} = mkFeatureOptions { ... }`: a set of options made by the
        // repository's own helper, which declares `enable` (off unless it says otherwise).
        const v = unparen(value);
        const helper = v?.kind === K.NODE_APPLY ? calleeName(flattenApply(v).fn) : undefined;
        if (helper && !/^mk(?:Enable|Package)?Option$/.test(helper) && inner === undefined && !/default\s*=\s*true/.test(v!.text)) declaredOff.push(full.slice(1).join("."));
      }
    }
    if (!isEnable) {
      // `my.security.doas = enabled;`: the snowfall-lib convention (`enabled = { enable = true; }`
      // in the repository's lib, a let or `inherit (lib.<ns>) enabled`) turns the module on.
      if (!isEnabledSet(value, b)) continue;
      const full = fullPath(b);
      if (full && full.length >= 1 && full[0] !== "options") settings.push({ option: full.join("."), node: b });
      continue;
    }
    const full = fullPath(b);
    if (!full || full.length < 2 || full[0] === "options" || isFalse(value)) continue;
    settings.push({ option: full.slice(0, -1).join("."), node: b });
  }
  const facts = { declaredOff, settings, follows };
  enableFactsCache.set(tree, facts);
  return facts;
}

/** Is a setting at `node` of `file` part of host `h`: in one of its files, and in a file declaring
 * hosts only inside the host's own declaration. */
export function settingOnHost(h: GateHost, file: string, node: SyntaxNode, declarationFiles: ReadonlySet<string>): boolean {
  if (!h.files.has(file)) return false;
  if (!declarationFiles.has(file) || h.file !== file || !h.node) return true;
  return node.start >= h.node.start && node.end <= h.node.end;
}

const callCache = new WeakMap<GateHost, { callee: string; args: Map<string, SyntaxNode[]> }>();

/** A setting of `path` in a set the host's builder writes whole from one of its arguments (`jd =
 * finalConfig.config;` in `mkHost = { systemConfig, ... }: ..`, with `systemConfig =
 * chairliftConfig;` in the host's call): the value the host's set gives, "unset" when such a set
 * covers the path but does not set it, undefined when no such set covers it. */
export function builderDataSetting(h: GateHost, path: string, nixFiles: readonly string[], treeOf: (file: string) => SyntaxNode | undefined, note?: (key: string) => void): SyntaxNode | "unset" | undefined {
  if (!h.node) return undefined;
  const segs = path.split(".");
  let call = callCache.get(h);
  if (!call) callCache.set(h, (call = callArguments(h.node)));
  if (call.args.size === 0) return undefined;
  // Read from every file passing one of the builder's arguments on (gate-deps.ts: pt:<builder>).
  note?.(`pt:${call.callee}`);
  let covered = false;
  // The builder is wherever the repository defines the function the host calls (lib/host.nix's
  // mkHost is not among the host's modules).
  for (const file of nixFiles) {
    const tree = treeOf(file);
    if (!tree || !tree.text.includes(call.callee) || !tree.text.includes(segs[0]!)) continue;
    for (const p of passThroughs(tree)) {
      if (p.path.length >= segs.length || p.path.some((x, i) => x !== segs[i])) continue;
      for (const [formal, builder] of p.formals) {
        const sets = builder === call.callee ? call.args.get(formal) : undefined;
        if (!sets) continue;
        covered = true;
        const v = lookupIn(sets, segs.slice(p.path.length), 0);
        if (v) return v;
      }
    }
  }
  return covered ? "unset" : undefined;
}

/** The attribute sets a host's call hands its builder (`host.mkHost { systemConfig = laptopConfig; }`
 * with `laptopConfig = { ... }` in a let): by argument name, the set. */
function callArguments(node: SyntaxNode): { callee: string; args: Map<string, SyntaxNode[]> } {
  const out = new Map<string, SyntaxNode[]>();
  for (const call of [node, ...node.descendants(K.NODE_APPLY)]) {
    if (call.kind !== K.NODE_APPLY) continue;
    const arg = unparen(call.childNodes()[1]);
    const callee = calleeName(call.childNodes()[0]);
    if (arg?.kind !== K.NODE_ATTR_SET || !callee) continue;
    for (const b of arg.childNodes()) {
      if (b.kind !== K.NODE_ATTRPATH_VALUE) continue;
      const [path, value] = b.childNodes();
      const segs = path ? attrpathSegments(path) : [];
      const sets = segs.length === 1 && !segs[0]!.dynamic ? derefSets(value) : [];
      if (sets.length) out.set(segs[0]!.name, sets);
    }
    return { callee, args: out };
  }
  return { callee: "", args: out };
}

/** The attribute sets a value is made of, later ones overriding: through let-bound names, `a // b`
 * and a merge of a list (`recursiveMerge [ defaultServerConfig { microbin.enable = true; } ]`). */
function derefSets(value: SyntaxNode | undefined, depth = 0): SyntaxNode[] {
  let v = unparen(value);
  if (!v || depth > 6) return [];
  if (v.kind === K.NODE_IDENT) v = unparen(letBound(v, v.text)?.value);
  if (!v) return [];
  if (v.kind === K.NODE_ATTR_SET) return [v];
  if (v.kind === K.NODE_BIN_OP && v.childTokens().some((t) => t.text === "//")) return v.childNodes().flatMap((c) => derefSets(c, depth + 1));
  if (v.kind === K.NODE_APPLY) {
    const last = unparen(flattenApply(v).args.at(-1));
    if (last?.kind === K.NODE_LIST) return last.childNodes().flatMap((c) => derefSets(c, depth + 1));
  }
  return [];
}

/** The value at `segs` in sets merged in order (`a.b.enable = x;` or `a = { b = { enable = x; }; }`):
 * the last set's that gives one. */
function lookupIn(sets: SyntaxNode[], segs: string[], depth: number): SyntaxNode | undefined {
  if (depth > 6) return undefined;
  let found: SyntaxNode | undefined;
  for (const set of sets) {
    for (const b of set.childNodes()) {
      if (b.kind !== K.NODE_ATTRPATH_VALUE) continue;
      const [path, value] = b.childNodes();
      const names = path ? attrpathSegments(path).map((x) => (x.dynamic ? undefined : x.name)) : [];
      if (names.length > segs.length || names.some((n, i) => n !== segs[i])) continue;
      const v = names.length === segs.length ? value : lookupIn(derefSets(value), segs.slice(names.length), depth + 1);
      if (v) found = v;
    }
  }
  return found;
}

// A file's pass-throughs depend on its tree alone.
const passCache = new WeakMap<SyntaxNode, Array<{ path: string[]; formals: Map<string, string> }>>();

/** Settings of a module that write a set whole from a function's formal argument, through lets
 * (`jd = finalConfig.config;` with `finalConfig = foldl' f { config = systemConfig; } ..` in
 * `mkHost = { systemConfig, ... }: ...`): the option path, and each formal reached with the name
 * its function is bound to. */
function passThroughs(tree: SyntaxNode): Array<{ path: string[]; formals: Map<string, string> }> {
  let known = passCache.get(tree);
  if (known) return known;
  known = [];
  for (const b of tree.descendants(K.NODE_ATTRPATH_VALUE)) {
    const v = unparen(b.childNodes()[1]);
    if (v?.kind !== K.NODE_SELECT && v?.kind !== K.NODE_IDENT) continue;
    const full = fullPath(b);
    if (!full?.length || full[0] === "options") continue;
    const formals = new Map<string, string>();
    reachedFormals(v, formals, 0, new Set());
    if (formals.size) known.push({ path: full, formals });
  }
  passCache.set(tree, known);
  return known;
}

function reachedFormals(v: SyntaxNode, out: Map<string, string>, depth: number, seen: Set<SyntaxNode>): void {
  if (depth > 4 || seen.has(v)) return;
  seen.add(v);
  for (const id of v.kind === K.NODE_IDENT ? [v] : v.descendants(K.NODE_IDENT)) {
    if (!isVariableReference(id)) continue;
    const r = resolveLexical(id);
    if (r?.kind === "formal") {
      // The name the function is bound to: `mkHost = { systemConfig, ... }: ...`.
      const binding = r.scope.parent?.kind === K.NODE_ATTRPATH_VALUE ? r.scope.parent.childNodes()[0] : undefined;
      const name = binding ? attrpathSegments(binding).at(-1) : undefined;
      if (name && !name.dynamic) out.set(r.name, name.name);
    } else if ((r?.kind === "let" || r?.kind === "rec") && r.value) reachedFormals(r.value, out, depth + 1, seen);
  }
}
