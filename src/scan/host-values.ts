// Per-host values of the repository's own options, read statically, for gates that are values
// rather than `enable` switches (issue 11, point 3): `mkIf config.my.isServer`, `mkIf (!cfg.laptop)`,
// an `enable` whose default is computed from another option (`default = config.device.type ==
// "laptop"`). A host's value of an option is the highest-priority literal its files set
// (`mkForce` over a plain setting over `mkDefault`), else the option's declared default, evaluated
// for that host. Anything that cannot be read (a setting that is not a literal, a set written whole,
// a setting behind a condition that cannot be told, two settings that disagree) makes the value
// unknown, and an unknown value never drops a host.
import { resolveLexical } from "../nix/scope.js";
import { SyntaxKind as K, type SyntaxNode } from "../nix/syntax.js";
import { attrpathSegments, flattenApply, calleeName, staticString, unparen, unwrapValue } from "../nix/options.js";
import { aliasStep, builderDataSetting, settingOnHost, type GateHost } from "./host-gates.js";
import { DepFrames, settingKeys } from "./gate-deps.js";

export type Value = boolean | string | number | null;

interface Setting {
  file: string;
  node: SyntaxNode;
  /** The literal set, or undefined when it cannot be read. */
  value: Value | undefined;
  known: boolean;
  priority: number;
  /** Set under `specialisation.<name>.configuration`: holds in that variant of the host only. */
  variant?: string;
}

const UNKNOWN = Symbol("unknown");
const VARIANTS: ReadonlySet<string> = new Set(["v"]);
type Eval = Value | typeof UNKNOWN;

/** The hosts' values of options and conditions. `treeOf` gives parsed files. */
export class HostValues {
  private scanned = false;
  private settings = new Map<string, Setting[]>();
  /** Options whose whole set or parent is written in a way that cannot be read (`device = x;`). */
  // Settings that may set any option under a path (a computed name, a set written whole), by path.
  private opaque = new Map<string, Array<{ file: string; node: SyntaxNode }>>();
  private defaults = new Map<string, SyntaxNode | "false" | "none">();
  /** Where each option with one declaration is declared (`file:line`), for messages. */
  private declaredAt = new Map<string, string>();
  private readonly memo = new Map<string, Eval>();
  /** What each memoised option value read (gate-deps.ts). */
  private readonly memoDeps = new Map<string, Set<string>>();

  constructor(
    private readonly hosts: ReadonlyArray<GateHost & { partial?: boolean }>,
    private readonly treeOf: (file: string) => SyntaxNode | undefined,
    private readonly nixFiles: readonly string[],
    private readonly declarationFiles: ReadonlySet<string>,
    /** Notes what each answer reads (gate-deps.ts). */
    private readonly deps: DepFrames = new DepFrames(),
  ) {}

  /** The value of a condition on `host`, undefined when it cannot be told. */
  condition(host: GateHost & { partial?: boolean }, cond: SyntaxNode, variant?: string): boolean | undefined {
    // A host whose module list is not all read may set the value in a file not seen.
    if (host.partial) return undefined;
    // The same condition is asked of each host for the rule cache keys and again for the hosts of
    // each finding under it: worked out once per host and variant.
    let byHost = this.conditionMemo.get(cond);
    if (!byHost) this.conditionMemo.set(cond, (byHost = new Map()));
    const key = `${host.name}\0${variant ?? ""}`;
    const known = byHost.get(key);
    if (known) {
      this.deps.noteAll(known.deps);
      return known.out;
    }
    this.scan();
    const [v, deps] = this.deps.run(() => this.eval(host, cond, 0, variant));
    const out = typeof v === "boolean" ? v : undefined;
    byHost.set(key, { out, deps });
    return out;
  }

  // (Maps, not weak: a graph built next carries the answers over, see carryFrom.)
  private readonly conditionMemo = new Map<SyntaxNode, Map<string, { out: boolean | undefined; deps: Set<string> | undefined }>>();

  /** The host's value of an expression that reads the repository's own options (`cfg.sshd.enable`
   * with `cfg = config.sys.security`, `!config.my.isServer`): the same in the host and each of its
   * specialisations, else undefined; undefined too when it cannot be told (a partial host, an
   * option of nixpkgs, a setting not read). `why` says where the value comes from. */
  valueOf(host: GateHost & { partial?: boolean }, expr: SyntaxNode): { value: Value; why: string } | undefined {
    const e = unparen(expr);
    if (host.partial || !e || !EXPRESSION_KINDS.has(e.kind) || !readsOptions(e)) return undefined;
    expr = e;
    let byHost = this.valueMemo.get(expr);
    if (!byHost) this.valueMemo.set(expr, (byHost = new Map()));
    const known = byHost.get(host.name);
    if (known) {
      this.deps.noteAll(known.deps);
      return known.out;
    }
    this.scan();
    const [out, deps] = this.deps.run(() => {
      const base = this.eval(host, expr, 0);
      if (base === UNKNOWN || !this.variantsOf(host).every((v) => this.eval(host, expr, 0, v) === base)) return undefined;
      const read = optionsRead(expr).map((path) => this.origin(host, path)).filter((w): w is string => w !== undefined);
      return { value: base, why: read.join("; ") };
    });
    byHost.set(host.name, { out, deps });
    return out;
  }

  private readonly valueMemo = new Map<SyntaxNode, Map<string, { out: { value: Value; why: string } | undefined; deps: Set<string> | undefined }>>();

  /** Takes over the answers of the last graph's HostValues (the same hosts) that nothing read
   * changed under (`keeps`), but for nodes of trees no longer there (`gone`). */
  carryFrom(prev: HostValues, keeps: (deps: ReadonlySet<string> | undefined) => boolean, gone: (node: SyntaxNode) => boolean): void {
    const carry = <T extends { deps: Set<string> | undefined }>(from: Map<SyntaxNode, Map<string, T>>, to: Map<SyntaxNode, Map<string, T>>) => {
      for (const [node, byHost] of from) {
        if (gone(node)) continue;
        let kept: Map<string, T> | undefined;
        for (const [k, v] of byHost) if (keeps(v.deps)) (kept ??= new Map()).set(k, v);
        if (kept) to.set(node, kept);
      }
    };
    carry(prev.conditionMemo, this.conditionMemo);
    carry(prev.valueMemo, this.valueMemo);
    for (const [key, deps] of prev.memoDeps) {
      if (!keeps(deps)) continue;
      this.memo.set(key, prev.memo.get(key)!);
      this.memoDeps.set(key, deps);
    }
    if (keeps(VARIANTS)) for (const [h, v] of prev.variantCache) this.variantCache.set(h, v);
  }

  /** Where a host's value of the repository's option comes from, for a message: the setting that
   * wins, or the declared default no file of the host overrides. */
  private origin(host: GateHost, path: string): string | undefined {
    const v = this.optionValue(host, path, 0);
    if (v === UNKNOWN) return undefined;
    const shown = JSON.stringify(v);
    let best: Setting | undefined;
    for (const s of this.settingsOf(path)) {
      if (!s.known || s.variant !== undefined || !this.holds(host, s.file, s.node) || s.value !== v) continue;
      if (enclosingConditions(s.node).some((c) => this.eval(host, c.cond, 1) !== !c.negate)) continue;
      if (!best || s.priority < best.priority) best = s;
    }
    if (best) return `${path} = ${shown}, set in ${best.file}:${best.node.line}`;
    this.deps.note(`d:${path}`);
    const decl = this.declaredAt.get(path);
    return `${path} = ${shown}, the default its declaration${decl ? ` in ${decl}` : ""} gives, which no file of host ${host.name} sets`;
  }

  /** The specialisations a host's files declare settings for. */
  private variantsOf(host: GateHost): string[] {
    // Which settings are a specialisation's is read from every file's facts (key "v").
    this.deps.note("v");
    let known = this.variantCache.get(host.name);
    if (!known) {
      this.scan();
      const found = new Set<string>();
      for (const s of this.variantSettings()) if (this.holds(host, s.file, s.node)) found.add(s.variant!);
      this.variantCache.set(host.name, (known = [...found]));
    }
    return known;
  }

  private readonly variantCache = new Map<string, string[]>();
  private variantList: Setting[] | undefined;

  /** The settings made for a specialisation, of all files (few, and asked of every host). */
  private variantSettings(): Setting[] {
    if (!this.variantList) {
      this.variantList = [];
      for (const list of this.settings.values()) for (const s of list) if (s.variant !== undefined) this.variantList.push(s);
    }
    return this.variantList;
  }

  /** Does an enclosing condition hold on `host` (undefined: cannot be told)? */
  holdsOn(host: GateHost, c: Condition): boolean | undefined {
    // A host with specialisations takes effect in each: the code is the host's when it holds in one.
    let unknown = false;
    for (const variant of [undefined, ...this.variantsOf(host)]) {
      const v = this.condition(host, c.cond, variant);
      if (v === undefined) unknown = true;
      else if (v !== c.negate) return true;
    }
    return unknown ? undefined : false;
  }

  /** The hosts (of `names`) on which the conditions enclosing `node` hold; `names` unchanged for a
   * condition not known on every one of them. */
  filter(names: string[], node: SyntaxNode): string[] {
    let out = names;
    for (const c of enclosingConditions(node)) {
      if (!mentionsConfigOrArg(c.cond)) continue;
      const hosts = out.map((n) => this.hosts.find((h) => h.name === n));
      if (hosts.some((h) => !h)) return out;
      const values = hosts.map((h) => this.holdsOn(h!, c));
      if (values.some((v) => v === undefined)) continue;
      const kept = out.filter((_, i) => values[i]);
      if (kept.length > 0) out = kept;
    }
    return out;
  }

  private eval(host: GateHost, node: SyntaxNode | undefined, depth: number, variant?: string): Eval {
    const c = unparen(node);
    if (!c) return UNKNOWN;
    if (depth > 12) {
      // Cut short: an answer that depends on where it was first asked is never carried over.
      this.deps.note("*");
      return UNKNOWN;
    }
    switch (c.kind) {
      case K.NODE_STRING: {
        const s = staticString(c);
        return s === undefined ? UNKNOWN : s;
      }
      case K.NODE_LITERAL: {
        const n = Number(c.text);
        return Number.isFinite(n) ? n : UNKNOWN;
      }
      case K.NODE_IDENT: {
        const r = resolveLexical(c);
        if (!r && (c.text === "true" || c.text === "false")) return c.text === "true";
        if (!r && c.text === "null") return null;
        if ((r?.kind === "let" || r?.kind === "rec") && r.value && !r.inheritFrom) return this.eval(host, r.value, depth + 1, variant);
        // `mkIf withSwap`: a module argument the host's builder passes as a literal.
        return r?.kind === "formal" ? this.argValue(host, c.text) : UNKNOWN;
      }
      case K.NODE_SELECT: {
        const path = configPath(c);
        if (path) return this.optionValue(host, path.join("."), depth + 1, variant);
        return this.argValue(host, argPath(c));
      }
      case K.NODE_UNARY_OP: {
        if (!c.text.trimStart().startsWith("!")) return UNKNOWN;
        const v = this.eval(host, c.childNodes()[0], depth + 1, variant);
        return typeof v === "boolean" ? !v : UNKNOWN;
      }
      case K.NODE_BIN_OP: {
        const op = c.childTokens().find((t) => ["&&", "||", "==", "!="].includes(t.text))?.text;
        const [a, b] = c.childNodes();
        if (!op || !a || !b) return UNKNOWN;
        const x = this.eval(host, a, depth + 1, variant);
        if (op === "&&" && x === false) return false;
        if (op === "||" && x === true) return true;
        const y = this.eval(host, b, depth + 1, variant);
        if (op === "&&") return y === false ? false : x === true && y === true ? true : UNKNOWN;
        if (op === "||") return y === true ? true : x === false && y === false ? false : UNKNOWN;
        if (x === UNKNOWN || y === UNKNOWN) return UNKNOWN;
        return op === "==" ? x === y : x !== y;
      }
      case K.NODE_APPLY:
        return this.evalApply(host, c, depth, variant);
      default:
        return UNKNOWN;
    }
  }

  /** The literal the host's builder passes at an argument path (`configVars.isMinimal`). */
  private argValue(host: GateHost, path: string | undefined): Eval {
    this.deps.note(`arg:${host.name}`);
    const v = path === undefined ? undefined : host.argLiteral?.(path);
    return v === undefined ? UNKNOWN : v;
  }

  /** `elem v [ .. ]`, `builtins.any (x: v == x) [ .. ]`. */
  private evalApply(host: GateHost, c: SyntaxNode, depth: number, variant?: string): Eval {
    const { fn, args } = flattenApply(c);
    const name = calleeName(fn);
    if (args.length !== 2) return UNKNOWN;
    const list = unparen(args[1]);
    if (list?.kind !== K.NODE_LIST) return UNKNOWN;
    const items: Value[] = [];
    for (const item of list.childNodes()) {
      const v = this.eval(host, item, depth + 1, variant);
      if (v === UNKNOWN) return UNKNOWN;
      items.push(v);
    }
    if (name === "elem") {
      const v = this.eval(host, args[0], depth + 1, variant);
      return v === UNKNOWN ? UNKNOWN : items.includes(v);
    }
    if (name === "any") {
      // `x: <expr> == x` (either side): the other side is the value sought.
      const lambda = unparen(args[0]);
      if (lambda?.kind !== K.NODE_LAMBDA) return UNKNOWN;
      const [param, body] = lambda.childNodes();
      const p = param?.kind === K.NODE_IDENT_PARAM ? param.text.trim() : undefined;
      const eq = unparen(body);
      if (!p || eq?.kind !== K.NODE_BIN_OP || !eq.childTokens().some((t) => t.text === "==")) return UNKNOWN;
      const [a, b] = eq.childNodes().map((n) => unparen(n));
      const other = a?.kind === K.NODE_IDENT && a.text === p ? b : b?.kind === K.NODE_IDENT && b.text === p ? a : undefined;
      if (!other || other.descendants(K.NODE_IDENT).some((n) => n.text === p && !(n.parent?.kind === K.NODE_ATTRPATH))) return UNKNOWN;
      const v = this.eval(host, other, depth + 1, variant);
      return v === UNKNOWN ? UNKNOWN : items.includes(v);
    }
    return UNKNOWN;
  }

  /** The host's value of the repository's option `path`. */
  private optionValue(host: GateHost, path: string, depth: number, variant?: string): Eval {
    const key = `${host.name}\0${path}\0${variant ?? ""}`;
    if (this.memo.has(key)) {
      // No keys yet: a cycle, which reads as unknown (and is never carried over).
      this.deps.noteAll(this.memoDeps.get(key));
      return this.memo.get(key)!;
    }
    this.memo.set(key, UNKNOWN); // a cycle reads as unknown
    const [v, deps] = this.deps.run(() => this.computeOption(host, path, depth, variant));
    this.memo.set(key, v);
    if (deps) this.memoDeps.set(key, deps);
    return v;
  }

  private computeOption(host: GateHost, path: string, depth: number, variant?: string): Eval {
    // Only options the repository declares: a nixpkgs option's default is not read here.
    this.deps.note(`d:${path}`);
    const def = this.defaults.get(path);
    if (def === undefined || def === "none") return UNKNOWN;
    // Looked up by each prefix of the path: the list of opaque settings is long in large repositories.
    const parts = path.split(".");
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join(".");
      this.deps.note(`o:${prefix}`);
      for (const o of this.opaque.get(prefix) ?? []) if (this.holds(host, o.file, o.node)) return UNKNOWN;
    }
    // A set the host's builder writes whole from the host's own argument (`jd = systemConfig`):
    // what it gives is read by the gate reader; here unknown unless it leaves the option unset.
    if (builderDataSetting(host, path, this.nixFiles, this.treeOf, (k) => this.deps.note(k)) instanceof Object) return UNKNOWN;
    let best: { priority: number; value: Value } | undefined;
    let conflict = false;
    for (const s of this.settingsOf(path)) {
      if (!this.holds(host, s.file, s.node) || (s.variant !== undefined && s.variant !== variant)) continue;
      if (!s.known) return UNKNOWN;
      // A setting behind a condition counts where the condition holds; unknown when it cannot be told.
      let applies = true;
      for (const c of enclosingConditions(s.node)) {
        const v = this.eval(host, c.cond, depth + 1, variant);
        if (typeof v !== "boolean") return UNKNOWN;
        if (v === c.negate) applies = false;
      }
      if (!applies) continue;
      if (!best || s.priority < best.priority) {
        best = { priority: s.priority, value: s.value! };
        conflict = false;
      } else if (s.priority === best.priority && s.value !== best.value) conflict = true;
    }
    if (conflict) return UNKNOWN;
    if (best) return best.value;
    return def === "false" ? false : this.eval(host, def, depth + 1, variant);
  }

  /** The settings of an option: by its path, and by a longer path ending with it (a host's module
   * written as a helper's argument in flake.nix, `red = mkMachine { config = { site.x = false; };
   * }`, whose path the scan reads as `outputs.nixosConfigurations.red.config.site.x`). */
  private settingsOf(path: string): Setting[] {
    this.deps.note(`s:${path}`);
    this.deps.note(`e:${path}`);
    const last = path.slice(path.lastIndexOf(".") + 1);
    const longer = (this.byLast.get(last) ?? []).filter((s) => s.path.endsWith(`.${path}`) && !s.path.startsWith("options."));
    const exact = this.settings.get(path) ?? [];
    return longer.length ? [...exact, ...longer] : exact;
  }

  /** Settings by the last name of their path. */
  private byLast = new Map<string, Array<Setting & { path: string }>>();

  private holds(h: GateHost, file: string, node: SyntaxNode): boolean {
    return settingOnHost(h, file, node, this.declarationFiles);
  }

  private scan(): void {
    if (this.scanned) return;
    this.scanned = true;
    const index = factIndex(this.nixFiles, this.treeOf);
    this.settings = index.settings;
    this.opaque = index.opaque;
    this.defaults = index.defaults;
    this.declaredAt = index.declaredAt;
    this.byLast = index.byLast;
  }
}

/** Every file's facts, by path (HostValues reads them; never changed once made). */
interface FactIndex {
  settings: Map<string, Setting[]>;
  opaque: Map<string, Array<{ file: string; node: SyntaxNode }>>;
  /** The declarations of each option, in file order (defaults and declaredAt are made from them). */
  declarations: Map<string, Array<{ file: string; decl: SyntaxNode | "false" | "none"; at: SyntaxNode }>>;
  defaults: Map<string, SyntaxNode | "false" | "none">;
  declaredAt: Map<string, string>;
  byLast: Map<string, Array<Setting & { path: string }>>;
}

// The index of the last files read, with their trees: a graph built after one file changed (a
// repeat scan) updates the lists that file's facts are in, rather than reading every file again.
let lastIndex: { files: readonly string[]; trees: Array<SyntaxNode | undefined>; index: FactIndex } | undefined;

/** Forget the last index (with the parse cache: its trees are let go). */
export function clearFactIndex(): void {
  lastIndex = undefined;
}

function factIndex(files: readonly string[], treeOf: (file: string) => SyntaxNode | undefined): FactIndex {
  const trees = files.map((f) => treeOf(f));
  const prev = lastIndex;
  let index: FactIndex | undefined;
  if (prev && prev.files.length === files.length && prev.files.every((f, i) => f === files[i])) {
    const changed: number[] = [];
    for (let i = 0; i < files.length; i++) if (prev.trees[i] !== trees[i]) changed.push(i);
    if (changed.length === 0) index = prev.index;
    else if (changed.length <= 16) index = updatedIndex(prev.index, files, changed, prev.trees, trees);
  }
  index ??= updatedIndex(undefined, files, files.map((_, i) => i), [], trees);
  lastIndex = { files, trees, index };
  return index;
}

/** The index with the facts of the files at `changed` (in `before`) replaced by those in `after`;
 * every list in file order, as reading the files one by one gives. A new index: `prev` is shared. */
function updatedIndex(prev: FactIndex | undefined, files: readonly string[], changed: number[], before: ReadonlyArray<SyntaxNode | undefined>, after: ReadonlyArray<SyntaxNode | undefined>): FactIndex {
  const index: FactIndex = {
    settings: new Map(prev?.settings),
    opaque: new Map(prev?.opaque),
    declarations: new Map(prev?.declarations),
    defaults: new Map(prev?.defaults),
    declaredAt: new Map(prev?.declaredAt),
    byLast: new Map(prev?.byLast),
  };
  const gone = new Set(prev ? changed.map((i) => files[i]!) : []);
  // The lists a changed file's facts were or are in: the others' entries kept, its own added.
  const touched = { settings: new Set<string>(), opaque: new Set<string>(), declarations: new Set<string>(), byLast: new Set<string>() };
  const entries = <T>(map: Map<string, T[]>, key: string, mark: Set<string>): T[] => {
    let list = map.get(key);
    if (!mark.has(key)) {
      mark.add(key);
      list = (list ?? []).filter((e) => !gone.has((e as { file: string }).file));
      map.set(key, list);
    }
    return list!;
  };
  const lastOf = (path: string) => path.slice(path.lastIndexOf(".") + 1);
  if (prev) {
    for (const i of changed) {
      const tree = before[i];
      if (!tree) continue;
      for (const f of treeFacts(tree)) {
        if (f.kind === "opaque") entries(index.opaque, f.path, touched.opaque);
        else if (f.kind === "default") entries(index.declarations, f.path, touched.declarations);
        else {
          entries(index.settings, f.path, touched.settings);
          entries(index.byLast, lastOf(f.path), touched.byLast);
        }
      }
    }
  }
  for (const i of changed) {
    const tree = after[i];
    if (!tree) continue;
    const file = files[i]!;
    for (const f of treeFacts(tree)) {
      if (f.kind === "opaque") entries(index.opaque, f.path, touched.opaque).push({ file, node: f.node });
      else if (f.kind === "default") entries(index.declarations, f.path, touched.declarations).push({ file, decl: f.decl, at: f.at });
      else {
        // One object in both lists (never changed once made): a copy for each was 64,000
        // objects of olafkfreund/nixos_config's scan, alive to its end.
        const setting = { file, path: f.path, ...f.setting };
        entries(index.settings, f.path, touched.settings).push(setting);
        entries(index.byLast, lastOf(f.path), touched.byLast).push(setting);
      }
    }
  }
  // In file order (a stable sort keeps each file's facts in their order); empty lists dropped.
  let order: Map<string, number> | undefined;
  const settle = <T extends { file: string }>(map: Map<string, T[]>, keys: Set<string>) => {
    for (const key of keys) {
      const list = map.get(key)!;
      if (list.length === 0) map.delete(key);
      else if (prev && list.some((e) => gone.has(e.file))) {
        order ??= new Map(files.map((f, i) => [f, i]));
        list.sort((a, b) => order!.get(a.file)! - order!.get(b.file)!);
      }
    }
  };
  settle(index.settings, touched.settings);
  settle(index.opaque, touched.opaque);
  settle(index.declarations, touched.declarations);
  settle(index.byLast, touched.byLast);
  // An option declared twice has no one default to read ("none"); its place is the last one's.
  for (const path of touched.declarations) {
    const list = index.declarations.get(path);
    if (!list) {
      index.defaults.delete(path);
      index.declaredAt.delete(path);
      continue;
    }
    index.defaults.set(path, list.length > 1 ? "none" : list[0]!.decl);
    const last = list[list.length - 1]!;
    index.declaredAt.set(path, `${last.file}:${last.at.line}`);
  }
  return index;
}

/** The keys a tree's facts are looked up by (gate-deps.ts): a file changing from one tree to
 * another changes the answers that read one of its keys, before or after. */
export function valueFactKeys(tree: SyntaxNode, out: Set<string>): void {
  for (const f of treeFacts(tree)) {
    if (f.kind === "opaque") out.add(`o:${f.path}`);
    else if (f.kind === "default") out.add(`d:${f.path}`);
    else {
      settingKeys(f.path, out);
      if (f.setting.variant !== undefined) out.add("v");
    }
  }
}

type TreeFact =
  | { kind: "opaque"; path: string; node: SyntaxNode }
  | { kind: "default"; path: string; decl: SyntaxNode | "false" | "none"; at: SyntaxNode }
  | { kind: "setting"; path: string; setting: Omit<Setting, "file"> };

// What a file's tree says of the repository's options, per tree: a repeat scan reads no unchanged
// tree again (the host graph, and with it HostValues, is made anew after any change).
const treeFactsCache = new WeakMap<SyntaxNode, TreeFact[]>();

function treeFacts(tree: SyntaxNode): TreeFact[] {
  const known = treeFactsCache.get(tree);
  if (known) return known;
  const out: TreeFact[] = [];
  for (const b of tree.descendants(K.NODE_ATTRPATH_VALUE)) {
    const full = fullPath(b);
    if (full === "dynamic") {
      // `${name}.enable = true;`: any option under the names read before it may be set here.
      const prefix = staticPrefix(b);
      if (prefix) out.push({ kind: "opaque", path: prefix.join("."), node: b });
      continue;
    }
    if (!full || full.length === 0) continue;
    const value = unparen(b.childNodes()[1]);
    if (full[0] === "options") {
      const decl = declaredDefault(value);
      // Declared twice: its default is not one place to read (scan() keeps "none" then).
      if (decl !== undefined && full.length > 1) out.push({ kind: "default", path: full.slice(1).join("."), decl, at: b });
      continue;
    }
    if (transparent(value)) continue;
    // `specialisation.<name>.configuration.<path>`: a setting of that variant of the host.
    const special = full[0] === "specialisation" && full[2] === "configuration" && full.length > 3 ? full[1] : undefined;
    const path = (special !== undefined ? full.slice(3) : full).join(".");
    const variant = special !== undefined ? { variant: special } : {};
    const lit = literal(value);
    if (lit) out.push({ kind: "setting", path, setting: { node: b, value: lit.value, known: true, priority: lit.priority, ...variant } });
    else {
      // Not a literal: unknown as an option's value, and as any option under it.
      out.push({ kind: "setting", path, setting: { node: b, value: undefined, known: false, priority: 0, ...variant } });
      out.push({ kind: "opaque", path, node: b });
    }
  }
  // `inherit (x) type;` inside a set: a value not read here.
  for (const inh of tree.descendants(K.NODE_INHERIT)) {
    const at = inh.parent?.kind === K.NODE_ATTRPATH_VALUE ? inh.parent : inh.parent?.parent?.kind === K.NODE_ATTRPATH_VALUE ? inh.parent.parent : undefined;
    const base = at ? fullPath(at) : [];
    if (!base || base === "dynamic") continue;
    for (const name of inh.childNodes().filter((n) => n.kind === K.NODE_IDENT)) out.push({ kind: "opaque", path: [...base, name.text].join("."), node: inh });
  }
  treeFactsCache.set(tree, out);
  return out;
}

export interface Condition {
  cond: SyntaxNode;
  /** The `else` branch: holds where `cond` is false. */
  negate: boolean;
}

/** The conditions enclosing a node: `mkIf cond body`, `optionalAttrs cond set`, `if cond then`. */
export function enclosingConditions(node: SyntaxNode): Condition[] {
  const out: Condition[] = [];
  let child: SyntaxNode = node;
  for (let n = node.parent; n; child = n, n = n.parent) {
    if (n.kind === K.NODE_IF_ELSE) {
      const [cond, then, otherwise] = n.childNodes();
      if (cond && then === child) out.unshift({ cond, negate: false });
      else if (cond && otherwise === child) out.unshift({ cond, negate: true });
      continue;
    }
    if (n.kind !== K.NODE_APPLY || n.childNodes()[1] !== child) continue;
    const { fn, args } = flattenApply(n);
    const name = calleeName(fn);
    if ((name === "mkIf" || name === "optionalAttrs" || name === "optionals" || name === "optionalString") && args.length === 2 && args[1] === child) out.unshift({ cond: args[0]!, negate: false });
  }
  return out;
}

// A file's conditions depend on its tree alone (kept while the file is unchanged).
const conditionsCache = new WeakMap<SyntaxNode, Condition[]>();

/** Every condition of a file a host's value could decide (`mkIf c`, `optionalAttrs c`, `if c`). */
export function conditionsIn(tree: SyntaxNode): Condition[] {
  let known = conditionsCache.get(tree);
  if (known) return known;
  known = [];
  for (const n of tree.descendants(K.NODE_IF_ELSE)) {
    const cond = n.childNodes()[0];
    if (cond && mentionsConfigOrArg(cond)) known.push({ cond, negate: false });
  }
  for (const n of tree.descendants(K.NODE_APPLY)) {
    if (n.parent?.kind === K.NODE_APPLY && n.parent.childNodes()[0] === n) continue;
    const { fn, args } = flattenApply(n);
    const name = calleeName(fn);
    if ((name === "mkIf" || name === "optionalAttrs" || name === "optionals" || name === "optionalString") && args.length === 2 && mentionsConfigOrArg(args[0]!)) known.push({ cond: args[0]!, negate: false });
  }
  conditionsCache.set(tree, known);
  return known;
}

/** A set (or `mkIf c { .. }`, `mkMerge [ .. ]`) whose bindings are read one by one. */
function transparent(value: SyntaxNode | undefined): boolean {
  const v = unparen(value);
  if (v?.kind === K.NODE_ATTR_SET) return true;
  if (v?.kind !== K.NODE_APPLY) return false;
  const { fn, args } = flattenApply(v);
  const name = calleeName(fn);
  const last = unparen(args.at(-1));
  if (name === "mkMerge") return last?.kind === K.NODE_LIST && last.childNodes().every((n) => transparent(n));
  return /^(?:mkIf|mkDefault|mkForce|mkOverride|optionalAttrs)$/.test(name ?? "") && transparent(last);
}

// Per tree: the settings' expressions that read the repository's options.
const readingCache = new WeakMap<SyntaxNode, SyntaxNode[]>();

/** The values of a tree's settings (unwrapped as the option index does: mkIf, mkDefault..) that
 * are expressions reading options of `config` (`cfg.sshd.enable`, `!config.my.isServer`), whose
 * per-host value HostValues.valueOf may tell. */
export function settingsReadingOptions(tree: SyntaxNode): SyntaxNode[] {
  let known = readingCache.get(tree);
  if (known) return known;
  known = [];
  if (/\b(?:config|cfg)\b/.test(tree.text)) {
    for (const b of tree.descendants(K.NODE_ATTRPATH_VALUE)) {
      const inner = unparen(unwrapValue(b.childNodes()[1]).inner);
      if (inner && EXPRESSION_KINDS.has(inner.kind) && readsOptions(inner)) known.push(inner);
    }
  }
  readingCache.set(tree, known);
  return known;
}

const EXPRESSION_KINDS: ReadonlySet<K> = new Set([K.NODE_SELECT, K.NODE_UNARY_OP, K.NODE_BIN_OP, K.NODE_APPLY]);

/** The options of `config` an expression reads (`cfg.x` through a let alias too), in order. */
function optionsRead(expr: SyntaxNode): string[] {
  const out: string[] = [];
  const visit = (n: SyntaxNode) => {
    if (n.kind === K.NODE_SELECT) {
      const p = configPath(n);
      if (p && !out.includes(p.join("."))) out.push(p.join("."));
      return;
    }
    for (const c of n.childNodes()) visit(c);
  };
  visit(expr);
  return out;
}

/** Does an expression read an option of `config` (the only values a host's files decide)? */
function readsOptions(expr: SyntaxNode): boolean {
  // Asked of a setting's expression each time a host's value of it is (kept with the tree).
  let known = readsCache.get(expr);
  if (known === undefined) readsCache.set(expr, (known = mentionsConfigOrArg(expr) && optionsRead(expr).length > 0));
  return known;
}

const readsCache = new WeakMap<SyntaxNode, boolean>();

/** Does a condition read anything a host could set (a `config.` path, a let alias of one)? */
function mentionsConfigOrArg(cond: SyntaxNode): boolean {
  if (/\b(?:config|cfg)\b|\w\.\w/.test(cond.text)) return true;
  // `mkIf withSwap`: a module argument (a host's builder may pass it as a literal).
  const u = unparen(cond);
  return [...(u?.kind === K.NODE_IDENT ? [u] : []), ...cond.descendants(K.NODE_IDENT)].some((n) => n.parent?.kind !== K.NODE_ATTRPATH && resolveLexical(n)?.kind === "formal");
}

/** `true`/`false`/a string/a number, also through mkDefault (lower priority) / mkForce (higher). */
function literal(value: SyntaxNode | undefined): { value: Value; priority: number } | undefined {
  let v = unparen(value);
  let priority = 100;
  while (v?.kind === K.NODE_APPLY) {
    const { fn, args } = flattenApply(v);
    const name = calleeName(fn);
    if (name === "mkDefault") priority = 1000;
    else if (name === "mkForce") priority = 50;
    else if (name === "mkOverride" && args.length === 2 && /^\d+$/.test(args[0]!.text.trim())) priority = Number(args[0]!.text.trim());
    else return undefined;
    v = unparen(args.at(-1));
  }
  if (!v) return undefined;
  if (v.kind === K.NODE_IDENT && (v.text === "true" || v.text === "false") && !resolveLexical(v)) return { value: v.text === "true", priority };
  if (v.kind === K.NODE_STRING) {
    const s = staticString(v);
    return s === undefined ? undefined : { value: s, priority };
  }
  if (v.kind === K.NODE_LITERAL && Number.isFinite(Number(v.text))) return { value: Number(v.text), priority };
  return undefined;
}

/** The default an option declaration gives: its `default = ..` node, "false" for mkEnableOption
 * alone, undefined for anything that is not a declaration read here. */
function declaredDefault(value: SyntaxNode | undefined): SyntaxNode | "false" | "none" | undefined {
  const v = unparen(value);
  if (!v) return undefined;
  // `mkEnableOption ".." // { default = x; }`
  if (v.kind === K.NODE_BIN_OP && v.childTokens().some((t) => t.text === "//")) {
    const [a, b] = v.childNodes().map((n) => unparen(n));
    const left = a?.kind === K.NODE_APPLY ? calleeName(flattenApply(a).fn) : undefined;
    if (left === "mkEnableOption" && b?.kind === K.NODE_ATTR_SET) return defaultIn(b) ?? "false";
    return left?.startsWith("mk") ? "none" : undefined;
  }
  if (v.kind !== K.NODE_APPLY) return undefined;
  const { fn, args } = flattenApply(v);
  const name = calleeName(fn);
  if (name === "mkEnableOption") return "false";
  if (name === "mkOption" && args.length === 1 && unparen(args[0])?.kind === K.NODE_ATTR_SET) return defaultIn(unparen(args[0])!) ?? "none";
  return name && /^mk\w*Opt/.test(name) ? "none" : undefined;
}

function defaultIn(set: SyntaxNode): SyntaxNode | undefined {
  for (const b of set.childNodes()) {
    if (b.kind !== K.NODE_ATTRPATH_VALUE) continue;
    const [p, v] = b.childNodes();
    if (p?.text.trim() === "default") return v;
  }
  return undefined;
}

/** The option path a selection names under `config`: `config.a.b` gives a.b; `cfg.b` with `cfg =
 * config.a` (a let of the same file) too. */
export function configPath(sel: SyntaxNode): string[] | undefined {
  if (sel.firstToken(K.TOKEN_OR_KW)) return undefined;
  const [base, path] = sel.childNodes();
  if (!base || !path || base.kind !== K.NODE_IDENT) return undefined;
  const segs = names(path);
  if (!segs) return undefined;
  let prefix: string[] = [];
  let at: SyntaxNode = sel;
  let name = base.text;
  for (let hops = 0; hops < 5; hops++) {
    if (name === "config" && !resolveLexical(at, name)?.value) return [...prefix, ...segs];
    const step = aliasStep(at, name, names);
    if (!step) return undefined;
    prefix = [...step.inner, ...prefix];
    at = step.base;
    name = step.base.text;
  }
  return undefined;
}

/** `configVars.isMinimal` with `configVars` a formal of the module's function (`{ configVars,
 * ... }:`): the argument's dotted path; undefined for anything else (a let-bound set, `config`). */
function argPath(sel: SyntaxNode): string | undefined {
  if (sel.firstToken(K.TOKEN_OR_KW)) return undefined;
  const [base, path] = sel.childNodes();
  if (!base || !path || base.kind !== K.NODE_IDENT || base.text === "config" || base.text === "lib" || base.text === "pkgs") return undefined;
  if (resolveLexical(base)?.kind !== "formal") return undefined;
  const segs = names(path);
  return segs ? [base.text, ...segs].join(".") : undefined;
}

function names(attrpath: SyntaxNode): string[] | undefined {
  const out: string[] = [];
  for (const seg of attrpathSegments(attrpath)) {
    if (seg.dynamic) return undefined;
    out.push(seg.name);
  }
  return out;
}

const MODULE_LISTS = /(?:^|\.)(?:modules|imports|sharedModules|extraModules)$/;

/** The option path a binding sets, through the sets it is nested in (`config.` dropped). */
function fullPath(b: SyntaxNode): string[] | "dynamic" | undefined {
  const parts: string[][] = [];
  let child: SyntaxNode = b;
  for (let n: SyntaxNode | null = b; n; child = n, n = n.parent) {
    // A let's binding (or one in a set a let binds) is no setting; a let's body is.
    if ((n.kind === K.NODE_LET_IN || n.kind === K.NODE_LEGACY_LET) && child.kind === K.NODE_ATTRPATH_VALUE) return undefined;
    if (n.kind !== K.NODE_ATTRPATH_VALUE) continue;
    const path = n.childNodes()[0];
    if (n !== b && path && MODULE_LISTS.test(path.text) && unparen(n.childNodes()[1])?.kind !== K.NODE_ATTR_SET) break;
    const segs = path ? names(path) : undefined;
    if (!segs) return "dynamic";
    parts.unshift(segs);
  }
  const flat = parts.flat();
  return flat[0] === "config" ? flat.slice(1) : flat;
}

/** For a binding whose path has a name computed at run time, the static names before it (through
 * the sets it is nested in); undefined when that cannot be read. */
function staticPrefix(b: SyntaxNode): string[] | undefined {
  const chain: SyntaxNode[] = [];
  let child: SyntaxNode = b;
  for (let n: SyntaxNode | null = b; n; child = n, n = n.parent) {
    if ((n.kind === K.NODE_LET_IN || n.kind === K.NODE_LEGACY_LET) && child.kind === K.NODE_ATTRPATH_VALUE) return undefined;
    if (n.kind === K.NODE_ATTRPATH_VALUE) chain.unshift(n);
  }
  const out: string[] = [];
  for (const n of chain) {
    const path = n.childNodes()[0];
    if (!path) return undefined;
    for (const seg of attrpathSegments(path)) {
      if (seg.dynamic) return out[0] === "config" ? out.slice(1) : out;
      out.push(seg.name);
    }
  }
  return undefined;
}
