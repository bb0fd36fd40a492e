// Host attribution: which hosts (`nixosConfigurations.<host>` in flake.nix) include which files.
// Read statically from the flake: each host's expression is followed through `nixosSystem { modules
// = [...] }`, `++`, let-bound lists and helper functions called with literal arguments (`mkHost
// "nas" [ ./extra.nix ]` with `./hosts/${name}` inside, also a helper imported from another file),
// host sets computed with mapAttrs/genAttrs over what can be read or from a directory listing, then
// every module's imports and the files it refers to, transitively, with paths built from the
// host's specialArgs (`./${hostname}`) filled in per host. No evaluation, so nothing is fetched and
// nothing runs.
import { dirname, normalize, posix } from "node:path";
import { parse as parseToml } from "smol-toml";
import { diskSource } from "./source.js";
import { autoWireImport, autowiredEntries, autowiredHosts, builderModules, clanAssignments, interpolatedHostFolders, liteConfigHosts, type ClanFiles } from "./host-frameworks.js";
import { falseGate, gateFactKeys, GateReader, gatesAt, namesOption } from "./host-gates.js";
import { conditionsIn, HostValues, settingsReadingOptions, valueFactKeys } from "./host-values.js";
import { denHostFiles, denHosts } from "./host-aspects.js";
import { DepFrames, GateKeys } from "./gate-deps.js";
import { flakeOverlays, packageFilesOf, systemBuilders, usedPackageFiles, type PackageLayout, type SystemBuilder } from "./host-packages.js";
import { SyntaxKind as K, type SyntaxNode } from "../nix/syntax.js";
import { attrpathSegments, calleeName, flattenApply, staticString, unparen, type PathSegment } from "../nix/options.js";
import { resolveLexical } from "../nix/scope.js";
import { escapeRegExp } from "../text/regexp.js";

export interface HostDeclaration {
  name: string;
  /** The file that declares it. */
  file: string;
  /** The binding that declares it (or, for a directory host, its entry module's root). */
  node: SyntaxNode;
  /** Files (relative to the root) the host's configuration is made of. */
  files: Set<string>;
  source: "flake" | "directory";
  /** Module arguments the host's builder gives that are not plain strings (`specialArgs = { LT =
   * import ./helpers { ... }; }`): each name's value expression as written. */
  args?: ReadonlyMap<string, SyntaxNode>;
  /** A module the host's list names could not be found (`attrValues config.flake.nixosModules` of
   * an output the scan does not read): rules about defaults skip it, as for a directory host. */
  partial?: boolean;
  /** The literal (boolean, string, number, null) a module argument the host's builder gives holds
   * at an attribute path (`configVars.isMinimal`, `this.isServer`, `withSwap`): undefined when the
   * host gives no such argument or its value is not a literal that can be read. */
  argLiteral?(path: string): boolean | string | number | null | undefined;
}

export interface HostGraph {
  hosts: HostDeclaration[];
  /** Files that declare hosts (their findings belong to the host whose declaration holds them). */
  declarationFiles: Set<string>;
  /** For each file, the hosts that include it (for a declaration file, every host it declares). */
  hostsOf(file: string): string[];
  /** The hosts a node belongs to: by position in a declaration file, else the file's hosts that
   * turn on the options the node is gated on (host-gates.ts). */
  hostsAt(file: string, node?: SyntaxNode, at?: { line: number; column: number }): string[];
  /** An option the node's settings are gated on (`mkIf cfg.enable`) that no host importing the
   * module turns on where it can be read: those settings act on none of hostsOf(file) as far as
   * the scan can tell (hostsAt then keeps every importer). */
  gateOff?(file: string, node: SyntaxNode): string | undefined;
  /** Why the settings at a node of a module act on no host although hosts import it: behind
   * `mkIf` of a condition false whatever the host, or of an option of the repository no host turns
   * on and no file names otherwise (hostsAt then gives none). Undefined when a host may run them. */
  deadGate?(file: string, node?: SyntaxNode, at?: { line: number; column: number }): string | undefined;
  /** Entry modules of nix-darwin systems a framework builds (lite-config, nixos-unified): used by
   * a system, though by no NixOS host. */
  darwinModules?: ReadonlySet<string>;
  /** Folders a host listing's filter leaves out (`configurations/nixos/retired`): their files are
   * built by no host, though their parent is listed. */
  passedOver?: ReadonlySet<string>;
  /** What hostsAt's narrowing of a file depends on (its gates and the hosts turning them on), and
   * the hosts' values of the repository's options its settings read (valueOf), for caches keyed by
   * a file's hosts. */
  gateKey?(file: string): string;
  /** A host's value of a setting's expression that reads the repository's own options
   * (`services.openssh.enable = cfg.sshd.enable;`, the option declared with `default = true` and
   * set by no file of the host): host-values.ts. Undefined when it cannot be told. */
  valueOf?(host: string, file: string, expr: SyntaxNode): { value: string | number | boolean | null; why: string } | undefined;
  /** The gate keys worked out so far, with what each read: a graph built next keeps those that
   * nothing changed under (gate-deps.ts). */
  gateKeys?: GateKeys<GateReader, HostValues>;
}

/** What a module file refers to: its imports and other local files (relative to the root). */
export type ReferencesOf = (file: string) => string[];

/** What the walk has bound besides the source's own let and rec bindings (which the name
 * resolver gives): a helper's parameters bound to its arguments, a host's specialArgs. */
interface Env {
  values: Map<string, SyntaxNode | string>;
  up?: Env;
  /** The functions whose parameters `values` binds (bindArguments): a parameter is looked up in
   * the environment of its own function first, so that a helper's `hostname` and the `hostname`
   * of the function it is handed to stay apart. */
  binders?: Set<SyntaxNode>;
}

function lookup(env: Env | undefined, name: string): SyntaxNode | string | undefined {
  for (let e = env; e; e = e.up) {
    const v = e.values.get(name);
    if (v !== undefined) return v;
  }
  return undefined;
}

/** What a name reference stands for: its let or rec binding's value (through `inherit x;`), else
 * what the walk bound to the name. */
function lookupRef(ref: SyntaxNode, env: Env | undefined, depth = 0): SyntaxNode | string | undefined {
  const b = resolveLexical(ref);
  if (b?.value) return b.value;
  if (b && b.binder.kind === K.NODE_INHERIT && !b.inheritFrom && depth < 8) {
    const id = b.binder.childNodes().find((c) => c.kind === K.NODE_IDENT && c.text === ref.text);
    if (id) return lookupRef(id, env, depth + 1);
  }
  if (b && (b.kind === "param" || b.kind === "formal")) {
    for (let e = env; e; e = e.up) if (e.binders?.has(b.scope) && e.values.has(ref.text)) return e.values.get(ref.text);
  }
  return lookup(env, ref.text);
}

/** `e` of the `inherit (e) name;` a reference is bound by (through `inherit name;` of an outer
 * scope). */
function inheritedFrom(ref: SyntaxNode, depth = 0): SyntaxNode | undefined {
  const b = resolveLexical(ref);
  if (!b || b.value || depth > 8) return undefined;
  if (b.inheritFrom) return b.inheritFrom;
  if (b.binder.kind !== K.NODE_INHERIT) return undefined;
  const id = b.binder.childNodes().find((c) => c.kind === K.NODE_IDENT && c.text === ref.text);
  return id && id !== ref ? inheritedFrom(id, depth + 1) : undefined;
}

/** `a.b` where a `let` (or `rec` set) binds `a` by dotted paths (`a.b = [ ... ];`): the value of the
 * binding whose whole path is the selection. */
function dottedLetValue(base: SyntaxNode, segs: PathSegment[]): SyntaxNode | undefined {
  const b = resolveLexical(base);
  if (!b || b.value || b.binder.kind !== K.NODE_ATTRPATH_VALUE || segs.some((x) => x.dynamic)) return undefined;
  const holder = b.binder.parent;
  if (!holder) return undefined;
  const want = [base.text, ...segs.map((x) => x.name)];
  for (const c of holder.childNodes()) {
    if (c.kind !== K.NODE_ATTRPATH_VALUE) continue;
    const [path, value] = c.childNodes();
    const got = path ? attrpathSegments(path) : [];
    if (value && got.length === want.length && got.every((g, i) => !g.dynamic && g.name === want[i])) return value;
  }
  return undefined;
}

/** The expression a let-bound name stands for (followed a few times), parentheses off; the
 * expression itself when it is not a name bound to one. */
function deref(expr: SyntaxNode | undefined, env: Env | undefined): SyntaxNode | undefined {
  let n = unparen(expr);
  for (let hops = 0; n?.kind === K.NODE_IDENT && hops < 8; hops++) {
    const v = lookupRef(n, env);
    if (v === undefined || typeof v === "string") break;
    n = unparen(v);
  }
  return n;
}

/** The attributes a literal set gives (`{ hostname = "nas"; }`), as a helper's arguments. */
function setAttributes(set: SyntaxNode): Map<string, SyntaxNode> {
  const values = new Map<string, SyntaxNode>();
  for (const b of set.childNodes()) {
    if (b.kind !== K.NODE_ATTRPATH_VALUE) continue;
    const [path, value] = b.childNodes();
    const segs = path ? attrpathSegments(path) : [];
    if (segs.length === 1 && !segs[0]!.dynamic && value) values.set(segs[0]!.name, value);
  }
  return values;
}

/** A name in an interpolation: a reference, or `config.networking.hostName` (a value the host gives). */
function lookupInterpolated(inner: SyntaxNode, env: Env | undefined): SyntaxNode | string | undefined {
  return inner.kind === K.NODE_IDENT ? lookupRef(inner, env) : lookup(env, inner.text.replace(/\s+/g, ""));
}

/** `true`/`false`, a name bound to one (a helper's `darwin ? false` not given), or `!` of one. */
function staticBoolean(node: SyntaxNode | undefined, env: Env | undefined, depth = 0): boolean | undefined {
  const n = unparen(node);
  if (!n || depth > 8) return undefined;
  if (n.kind === K.NODE_IDENT) {
    if (n.text === "true" || n.text === "false") return n.text === "true";
    const v = lookupRef(n, env);
    return v && typeof v !== "string" ? staticBoolean(v, env, depth + 1) : undefined;
  }
  if (n.kind === K.NODE_UNARY_OP && n.text.trimStart().startsWith("!")) {
    const b = staticBoolean(n.childNodes()[0], env, depth + 1);
    return b === undefined ? undefined : !b;
  }
  // `hostname != null` with `hostname ? null` a helper's parameter, given or not.
  if (n.kind === K.NODE_BIN_OP) {
    const op = n.childTokens().find((t) => t.text === "==" || t.text === "!=")?.text;
    const sides = n.childNodes().map((c) => unparen(c));
    const other = sides.length === 2 && sides[1]?.kind === K.NODE_IDENT && sides[1].text === "null" && !resolveLexical(sides[1]) ? sides[0] : undefined;
    if (!op || !other) return undefined;
    const isNull = nullness(other, env, depth + 1);
    return isNull === undefined ? undefined : isNull === (op === "==");
  }
  return undefined;
}

/** Is an expression `null` (true), something else known (false), or unknown? A name bound to a
 * string or a literal is not null. */
function nullness(node: SyntaxNode | undefined, env: Env | undefined, depth: number): boolean | undefined {
  const n = unparen(node);
  if (!n || depth > 8) return undefined;
  if (n.kind === K.NODE_STRING || n.kind === K.NODE_PATH || n.kind === K.NODE_LITERAL) return false;
  if (n.kind !== K.NODE_IDENT) return undefined;
  if (n.text === "null" && !resolveLexical(n)) return true;
  const v = lookupRef(n, env);
  if (typeof v === "string") return false;
  return v ? nullness(v, env, depth + 1) : undefined;
}

/** The string attribute `attr` of a set a name is bound to (`host.name` with `host = { inherit
 * name; ... }` and `name` known), through `inherit (x) attr;`. */
function stringAttr(expr: SyntaxNode | undefined, attr: string, env: Env | undefined, depth = 0): string | undefined {
  const n = deref(expr, env);
  if (n?.kind !== K.NODE_ATTR_SET || depth > 6) return undefined;
  for (const b of n.childNodes()) {
    if (b.kind === K.NODE_ATTRPATH_VALUE) {
      const [path, value] = b.childNodes();
      const segs = path ? attrpathSegments(path) : [];
      if (segs.length !== 1 || segs[0]!.dynamic || segs[0]!.name !== attr) continue;
      const v = unparen(value);
      if (v?.kind === K.NODE_STRING) return staticString(v);
      const bound = v?.kind === K.NODE_IDENT ? lookupRef(v, env) : undefined;
      return typeof bound === "string" ? bound : undefined;
    }
    if (b.kind !== K.NODE_INHERIT) continue;
    const id = b.childNodes().find((c) => c.kind === K.NODE_IDENT && c.text === attr);
    if (!id) continue;
    const from = b.firstChild(K.NODE_INHERIT_FROM);
    if (from) return stringAttr(from.firstChild() ?? undefined, attr, env, depth + 1);
    const bound = lookupRef(id, env);
    return typeof bound === "string" ? bound : undefined;
  }
  return undefined;
}

/** A name's text: a string, a name bound to one, or `replaceStrings [ "." ] [ "-" ] name` of one. */
function nameText(expr: SyntaxNode | undefined, env: Env | undefined, depth = 0): string | undefined {
  const n = unparen(expr);
  if (!n || depth > 4) return undefined;
  if (n.kind === K.NODE_STRING) return stringValue(n, env);
  if (n.kind === K.NODE_IDENT) {
    const bound = lookupRef(n, env);
    return typeof bound === "string" ? bound : bound ? nameText(bound, env, depth + 1) : undefined;
  }
  if (n.kind !== K.NODE_APPLY) return undefined;
  const { fn, args } = flattenApply(n);
  if (calleeName(fn) !== "replaceStrings" || args.length !== 3) return undefined;
  const lits = (l: SyntaxNode | undefined) => {
    const list = unparen(l);
    if (list?.kind !== K.NODE_LIST) return undefined;
    const out = list.childNodes().map((c) => (unparen(c)?.kind === K.NODE_STRING ? stringValue(unparen(c)!, undefined) : undefined));
    return out.every((x) => x !== undefined) ? (out as string[]) : undefined;
  };
  const from = lits(args[0]);
  const to = lits(args[1]);
  const text = nameText(args[2], env, depth + 1);
  if (!from || !to || from.length !== to.length || text === undefined || from.some((f) => f === "")) return undefined;
  let out = "";
  for (let i = 0; i < text.length; ) {
    const k = from.findIndex((f) => text.startsWith(f, i));
    if (k < 0) out += text[i++];
    else {
      out += to[k];
      i += from[k]!.length;
    }
  }
  return out;
}

/** The text an interpolation gives: a known name or `config.networking.hostName`, a string
 * literal, or `if <known boolean> then "a" else "b"` (`../users/${user}/${if darwin then
 * "darwin" else "nixos"}.nix`). */
function interpolatedText(inner: SyntaxNode | undefined, env: Env | undefined, depth = 0): string | undefined {
  if (!inner || depth > 8) return undefined;
  if (inner.kind === K.NODE_IDENT || inner.kind === K.NODE_SELECT) {
    const v = lookupInterpolated(inner, env);
    if (typeof v === "string") return v;
    // `${host.name}` with `host` bound to a set that gives its name.
    const [base, path] = inner.kind === K.NODE_SELECT && !inner.firstToken(K.TOKEN_OR) ? inner.childNodes() : [];
    const segs = path ? attrpathSegments(path) : [];
    if (base?.kind === K.NODE_IDENT && segs.length === 1 && !segs[0]!.dynamic) {
      const s = stringAttr(base, segs[0]!.name, env);
      if (s !== undefined) return s;
    }
    const u = v ? unparen(v) : undefined;
    // `host = if hostname != null then hostname else hostname';` in a let: its branch's text.
    if (u?.kind === K.NODE_IF_ELSE || (u?.kind === K.NODE_IDENT && u !== inner)) return interpolatedText(u, env, depth + 1);
    return u?.kind === K.NODE_STRING ? staticString(u) : undefined;
  }
  if (inner.kind === K.NODE_STRING) return staticString(inner);
  if (inner.kind === K.NODE_IF_ELSE) {
    const [cond, yes, no] = inner.childNodes();
    const b = staticBoolean(cond, env);
    return b === undefined ? undefined : interpolatedText(unparen(b ? yes : no), env, depth + 1);
  }
  return undefined;
}

/** Resolve a path literal (possibly `./hosts/${name}` with `name` known) against a directory. */
function pathValue(node: SyntaxNode, env: Env | undefined, baseDir: string): string | undefined {
  let out = "";
  for (const c of node.children) {
    if (c.isToken) {
      if (c.kind === K.TOKEN_PATH || c.kind === K.TOKEN_PATH_CONTENT) out += c.text;
      else if (c.kind === K.TOKEN_HPATH) return undefined;
      continue;
    }
    if (c.kind === K.NODE_INTERPOL) {
      // A name the host gives its modules (`hostname`), or `config.networking.hostName`.
      const s = interpolatedText(unparen(c.firstChild()), env);
      if (s === undefined) return undefined;
      out += s;
    }
  }
  if (out.startsWith("/")) return undefined; // absolute: not in the repository
  return posix.normalize(posix.join(baseDir, out));
}

/** What a path relative to the root names: the repository on disk (its root), or a source's
 * `kind` (scan/source.ts). */
export type PathKinds = string | ((rel: string) => "file" | "directory" | undefined);

function kindsOf(root: PathKinds): (rel: string) => "file" | "directory" | undefined {
  return typeof root === "string" ? diskSource(root).kind : root;
}

/** A local path reference to a Nix module: a .nix file, or a directory with default.nix. */
export function resolveModuleFile(root: PathKinds, rel: string): string | undefined {
  if (rel.startsWith("..")) return undefined;
  const kind = kindsOf(root)(rel);
  if (kind === "directory") {
    const def = posix.join(rel, "default.nix");
    return kindsOf(root)(def) !== undefined ? def : undefined;
  }
  return kind === "file" ? normalize(rel).split("\\").join("/") : undefined;
}

/** Other Nix files of the repository, for helpers defined in another file (`libx = import ./lib
 * { ... }; ... libx.mkHost { hostname = "kara"; }`). `read` lists the files looked at, so cached
 * host lists are redone when one of them changes. */
export interface Reader {
  treeOf(file: string): SyntaxNode | undefined;
  /** The text of a repository file that is not Nix (a host registry read with fromTOML/fromJSON). */
  textOf?(file: string): string | undefined;
  read: Set<string>;
}

/** A host registry's entries: `fromTOML (readFile ./systems.toml)`, `fromJSON (readFile ./hosts.json)`,
 * `lib.importTOML ./x.toml`, `lib.importJSON ./x.json` (through let-bound names), and `a // b` of
 * such (the entries of the parts that can be read). Entry name to its value (an object). */
function registryEntries(expr: SyntaxNode | undefined, env: Env | undefined, dir: string, reader: Reader | undefined, depth = 0): Map<string, Record<string, unknown>> | undefined {
  const n = deref(expr, env);
  if (!n || !reader?.textOf || depth > 8) return undefined;
  if (n.kind === K.NODE_BIN_OP && n.firstToken(K.TOKEN_UPDATE)) {
    const parts = n.childNodes().map((c) => registryEntries(c, env, dir, reader, depth + 1));
    if (!parts.some(Boolean)) return undefined;
    return new Map(parts.flatMap((p) => (p ? [...p] : [])));
  }
  if (n.kind !== K.NODE_APPLY) return undefined;
  const { fn, args } = flattenApply(n);
  const name = calleeName(fn);
  let pathNode: SyntaxNode | undefined;
  if ((name === "fromTOML" || name === "fromJSON") && args.length === 1) {
    const read = deref(args[0], env);
    const call = read?.kind === K.NODE_APPLY ? flattenApply(read) : undefined;
    if (call && calleeName(call.fn) === "readFile" && call.args.length === 1) pathNode = deref(call.args[0], env);
  } else if ((name === "importTOML" || name === "importJSON") && args.length === 1) pathNode = deref(args[0], env);
  const rel = pathNode?.kind === K.NODE_PATH ? pathValue(pathNode, env, dir) : undefined;
  if (rel === undefined) return undefined;
  reader.read.add(rel);
  const text = reader.textOf(rel);
  if (text === undefined) return undefined;
  let data: unknown;
  try {
    data = /toml$/i.test(name ?? "") || rel.endsWith(".toml") ? parseToml(text) : JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) return undefined;
  const out = new Map<string, Record<string, unknown>>();
  for (const [k, v] of Object.entries(data)) if (typeof v === "object" && v !== null && !Array.isArray(v)) out.set(k, v as Record<string, unknown>);
  return out;
}

/** A registry entry that names another platform (`platform = "aarch64-darwin"`, `system = ...`)
 * is not a NixOS host: nixosSystem builds Linux systems only. */
function linuxEntry(entry: Record<string, unknown>): boolean {
  for (const key of ["platform", "system", "hostPlatform"]) {
    const v = entry[key];
    if (typeof v === "string" && !v.endsWith("-linux")) return false;
  }
  return true;
}

/** Does a host's configuration use a module whose path names the host (`nixos/<host>`,
 * `hosts/<host>.nix`) that exists? What tells the entries of a registry that a helper builds
 * NixOS hosts from (filtered in ways the scan cannot read) from the others. */
function namesOwnModule(files: Iterable<string>, host: string, nixFiles: ReadonlySet<string>): boolean {
  for (const f of files) {
    const segs = f.split("/");
    if (!segs.some((s) => s === host || s === `${host}.nix`)) continue;
    if (nixFiles.has(f) || nixFiles.has(`${f}/default.nix`)) return true;
  }
  return false;
}

/** A path of the repository an expression stands for, relative to the root: a path literal (read
 * against `dir`), a string from the flake's root (`"${self}/system"`), such a path extended
 * (`"${mod}/core/x.nix"`, `mod + "/core"`, `self + "/system"`) and a let-bound name of one. */
function repoPath(expr: SyntaxNode | undefined, env: Env | undefined, dir: string, depth = 0): string | undefined {
  const n = deref(expr, env);
  if (!n || depth > 8) return undefined;
  let base: string | undefined;
  let tail: string | undefined;
  if (n.kind === K.NODE_PATH) return pathValue(n, env, dir);
  // `configPath = self;` (self inherited from the flake's inputs): the repository's root.
  if (n.kind === K.NODE_IDENT && depth > 0 && ROOT_NAMES.has(n.text)) return "";
  if (n.kind === K.NODE_STRING) {
    const root = rootString(n);
    if (root !== undefined) return root;
    // `"${mod}/core/x.nix"`: a path the string's first interpolation names, then its text.
    const [head, ...rest] = n.children.filter((c) => !(c.isToken && c.kind !== K.TOKEN_STRING_CONTENT));
    if (!head || head.isToken || head.kind !== K.NODE_INTERPOL) return undefined;
    const inner = unparen((head as SyntaxNode).firstChild());
    if (inner?.kind !== K.NODE_IDENT) return undefined;
    base = repoPath(inner, env, dir, depth + 1);
    // `"${self}/systems/${name}/default.nix"` with `inherit (inputs) self;`: the flake's root.
    if (base === undefined && ROOT_NAMES.has(inner.text) && typeof lookupRef(inner, env) !== "string") base = "";
    let text = "";
    for (const c of rest) {
      if (c.isToken) text += c.text;
      else {
        const s = c.kind === K.NODE_INTERPOL ? interpolatedText(unparen((c as SyntaxNode).firstChild()), env) : undefined;
        if (s === undefined) return undefined;
        text += s;
      }
    }
    tail = text;
  } else if (n.kind === K.NODE_BIN_OP && n.firstToken(K.TOKEN_PLUS)) {
    // `self + "/system"`, `mod + "/core"`.
    const [left, right] = n.childNodes().map((c) => unparen(c));
    base = left && ROOT_NAMES.has(left.text.replace(/\s+/g, "")) ? "" : repoPath(left, env, dir, depth + 1);
    if (right?.kind === K.NODE_STRING) tail = stringValue(right, env);
    else if (right?.kind === K.NODE_PATH && right.text.startsWith("/") && !right.firstChild(K.NODE_INTERPOL)) tail = right.text;
  }
  if (base === undefined || tail === undefined || (tail !== "" && !tail.startsWith("/"))) return undefined;
  const joined = posix.normalize(posix.join(base === "" ? "." : base, tail));
  return joined === ".." || joined.startsWith("../") || joined.startsWith("/") ? undefined : joined;
}

// The directory of each file whose tree the host walk read: a path literal is relative to the file
// it is written in, also when a helper's body is read with a caller's argument (`configuration =
// ./hosts/${hostName}` given in flake.nix to a helper of lib/).
const fileDirs = new WeakMap<SyntaxNode, string>();

function writtenIn(n: SyntaxNode): string | undefined {
  let r = n;
  while (r.parent) r = r.parent;
  return fileDirs.get(r);
}

/** The top expression of a repository file `import`ed by path (a path literal, or a path from the
 * flake's root: `import "${self}/system"`, through let-bound names), with its directory. */
function importedFile(apply: SyntaxNode, env: Env | undefined, dir: string, reader: Reader | undefined): { body: SyntaxNode; dir: string; file: string } | undefined {
  const { fn, args } = flattenApply(apply);
  if (!reader || calleeName(fn) !== "import" || args.length === 0) return undefined;
  const rel = repoPath(args[0], env, dir);
  const file = rel === undefined ? undefined : rel.endsWith(".nix") ? rel : posix.join(rel, "default.nix");
  if (!file) return undefined;
  reader.read.add(file);
  const tree = reader.treeOf(file);
  if (tree) fileDirs.set(tree, posix.dirname(file) === "." ? "" : posix.dirname(file));
  let body = unparen(tree?.childNodes().find((c) => c.kind !== K.NODE_ERROR));
  // `import ./lib { inherit inputs; }`: the file's function applied to the arguments given.
  for (let i = 1; i < args.length && body?.kind === K.NODE_LAMBDA; i++) body = unparen(body.childNodes()[1]);
  return body ? { body, dir: posix.dirname(file) === "." ? "" : posix.dirname(file), file } : undefined;
}

/** The value `a.b.c` selects when `a` is a let-bound set or an imported file (`libx.genNixos` with
 * `libx = import ./lib { ... }`), with where it is to be read. */
function selectedValue(node: SyntaxNode, env: Env | undefined, dir: string, reader: Reader | undefined): { value: SyntaxNode; env: Env | undefined; dir: string } | undefined {
  const [base, path] = node.childNodes();
  if (!base || !path || node.firstToken(K.TOKEN_OR)) return undefined;
  const ub = unparen(base);
  if (ub?.kind !== K.NODE_IDENT && !(ub?.kind === K.NODE_APPLY && calleeName(flattenApply(ub).fn) === "import")) return undefined;
  let at: { value: SyntaxNode; env: Env | undefined; dir: string } | undefined = { value: base, env, dir };
  for (const seg of attrpathSegments(path)) at = at && !seg.dynamic ? resolveAttr(at.value, seg.name, at.env, at.dir, reader) : undefined;
  return at;
}

// Functions returning the set their function argument returns (given the set itself).
const FIXED_POINTS = new Set(["fix", "makeExtensible", "fix'"]);

/** The value of attribute `name` of a set expression, through let-bound names, `import`ed files and
 * `inherit (x) name;`, with the environment and directory it is to be read in. */
function resolveAttr(expr: SyntaxNode | undefined, name: string, env: Env | undefined, dir: string, reader: Reader | undefined, depth = 0): { value: SyntaxNode; env: Env | undefined; dir: string } | undefined {
  const n = deref(expr, env);
  if (!n || depth > 12) return undefined;
  switch (n.kind) {
    case K.NODE_APPLY: {
      const file = importedFile(n, env, dir, reader);
      if (file) return resolveAttr(file.body, name, undefined, file.dir, reader, depth + 1);
      // `lib.makeExtensible (final: { ... })`, `lib.fix (self: { ... })`: the set the function returns.
      const { fn, args } = flattenApply(n);
      // `mergeAttrsList [ (import ./a.nix x) (import ./b.nix x) ]`, `recursiveUpdate a b`: the last
      // set that has it.
      const merge = calleeName(fn) ?? "";
      if (merge === "mergeAttrsList" || ((merge === "recursiveUpdate" || merge === "mergeAttrs") && args.length === 2)) {
        const sets = merge === "mergeAttrsList" ? (deref(args[0], env)?.kind === K.NODE_LIST ? deref(args[0], env)!.childNodes() : []) : args;
        for (const set of [...sets].reverse()) {
          const found = resolveAttr(set, name, env, dir, reader, depth + 1);
          if (found) return found;
        }
        return undefined;
      }
      // flake-utils-plus' `exportModules [ ./modules/a.nix ./config/b.nix ]`: modules named by
      // their files' names.
      if (merge === "exportModules" && args.length === 1) {
        const list = deref(args[0], env);
        for (const c of list?.kind === K.NODE_LIST ? list.childNodes() : []) {
          const p = unparen(c);
          const base = p?.kind === K.NODE_PATH ? posix.basename(p.text).replace(/\.nix$/, "") : undefined;
          if (base === name) return { value: p!, env, dir: writtenIn(p!) ?? dir };
        }
        return undefined;
      }
      const f = FIXED_POINTS.has(calleeName(fn) ?? "") && args.length === 1 ? unparen(args[0]) : undefined;
      return f?.kind === K.NODE_LAMBDA ? resolveAttr(f.childNodes()[1], name, env, dir, reader, depth + 1) : undefined;
    }
    case K.NODE_LET_IN:
      return resolveAttr(n.childNodes().at(-1), name, env, dir, reader, depth + 1);
    // `with suites.nixosModules; [ containers ]`: the set the selection names, then its attribute.
    case K.NODE_SELECT: {
      if (n.firstToken(K.TOKEN_OR_KW)) return undefined;
      const [base, path] = n.childNodes();
      let at: { value: SyntaxNode; env: Env | undefined; dir: string } | undefined = base ? { value: base, env, dir } : undefined;
      for (const seg of path ? attrpathSegments(path) : []) at = at && !seg.dynamic ? resolveAttr(at.value, seg.name, at.env, at.dir, reader, depth + 1) : undefined;
      return at ? resolveAttr(at.value, name, at.env, at.dir, reader, depth + 1) : undefined;
    }
    // `inherit (util) host;` in a let: the attribute of the set it is taken from.
    case K.NODE_IDENT: {
      const from = inheritedFrom(n);
      const v = from ? resolveAttr(from, n.text, env, dir, reader, depth + 1) : undefined;
      return v ? resolveAttr(v.value, name, v.env, v.dir, reader, depth + 1) : undefined;
    }
    // `with builtins; rec { mkHost = ...; }` (a helper library's file): the set of its body.
    case K.NODE_WITH:
    case K.NODE_ASSERT:
      return resolveAttr(n.childNodes().at(-1), name, env, dir, reader, depth + 1);
    case K.NODE_BIN_OP: {
      // `defaults // given`: the right side's attribute when it has one, else the left's.
      if (!n.firstToken(K.TOKEN_UPDATE)) return undefined;
      const [left, right] = n.childNodes();
      return resolveAttr(right, name, env, dir, reader, depth + 1) ?? resolveAttr(left, name, env, dir, reader, depth + 1);
    }
    case K.NODE_ATTR_SET: {
      for (const b of n.childNodes()) {
        if (b.kind === K.NODE_ATTRPATH_VALUE) {
          const [path, value] = b.childNodes();
          const segs = path ? attrpathSegments(path) : [];
          if (value && segs.length === 1 && !segs[0]!.dynamic && segs[0]!.name === name) return { value, env, dir };
        } else if (b.kind === K.NODE_INHERIT && b.childNodes().some((c) => c.kind === K.NODE_IDENT && c.text === name)) {
          const from = b.firstChild(K.NODE_INHERIT_FROM);
          if (from) return resolveAttr(from.firstChild(), name, env, dir, reader, depth + 1);
          const v = lookupRef(b.childNodes().find((c) => c.kind === K.NODE_IDENT && c.text === name)!, env);
          return v && typeof v !== "string" ? { value: v, env, dir } : undefined;
        }
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** What the innermost `with` around `ref` that has it gives for its name, when the `with` opens a
 * set that can be read (`with import ./lib.nix { ... };`, a let-bound set). */
function withProvided(ref: SyntaxNode, env: Env | undefined, dir: string, reader: Reader | undefined): { value: SyntaxNode; env: Env | undefined; dir: string } | undefined {
  for (let p = ref.parent, child: SyntaxNode = ref; p; child = p, p = p.parent) {
    if (p.kind !== K.NODE_WITH || p.childNodes()[1] !== child) continue;
    const found = resolveAttr(p.childNodes()[0], ref.text, env, dir, reader);
    if (found) return found;
  }
  return undefined;
}

/** The files a host's expression names, and the string arguments it hands its modules
 * (`specialArgs = { inherit hostname; }`), which module paths such as `./${hostname}` use. */
export class HostFiles extends Set<string> {
  readonly args = new Map<string, string>();
  /** Module references resolved with the repository's layout (`self.nixosModules.x`,
   * `./. + "/hosts/${name}"`), with the directory they are read in. */
  readonly computed: Array<{ node: SyntaxNode; env: Env | undefined; dir: string }> = [];
  /** specialArgs that are not strings (`hostTypes = import ./lib/hostTypes.nix { }`), for modules
   * that import from them (`imports = hostTypes.workstation.imports`). */
  readonly argNodes = new Map<string, { node: SyntaxNode; env: Env | undefined; dir: string }>();
  /** Folders a helper lists as modules (`discoverModules { dir = root + /modules/nixos; }` reading
   * `readDir dir`): their .nix files and subfolders with a default.nix. */
  readonly listed = new Set<string>();
  /** A module path with an interpolation the scan could not read (`../hosts/${hostname}`): the
   * host's module list is known only in part. */
  unresolved = false;
}

/** The parameter of a helper whose directory it lists (`{ dir }: ... (safeReadDir dir)` with
 * `safeReadDir = dir: ... readDir dir`, or `readDir dir` itself). */
function listedParameter(lam: SyntaxNode): string | undefined {
  const param = lam.childNodes()[0];
  const names = new Set<string>();
  if (param?.kind === K.NODE_IDENT_PARAM) names.add(param.firstChild()?.text ?? "");
  else if (param?.kind === K.NODE_PATTERN) for (const e of param.childNodes()) if (e.kind === K.NODE_PAT_ENTRY && e.firstChild()?.kind === K.NODE_IDENT) names.add(e.firstChild()!.text);
  if (names.size === 0 || !lam.text.includes("readDir")) return undefined;
  for (const call of lam.descendants(K.NODE_APPLY)) {
    const [fn, arg] = call.childNodes();
    const a = unparen(arg);
    if (a?.kind !== K.NODE_IDENT || !names.has(a.text) || !fn) continue;
    if (/(?:^|\.)readDir$/.test(fn.text.replace(/\s+/g, ""))) return a.text;
    const helper = fn.kind === K.NODE_IDENT ? unparen(resolveLexical(fn)?.value) : undefined;
    if (helper?.kind === K.NODE_LAMBDA && helper !== lam && listsParameter(helper)) return a.text;
  }
  return undefined;
}

/** The string arguments in a `specialArgs = { ... }` set, as far as they are known. */
function collectArgs(set: SyntaxNode | undefined, env: Env | undefined, out: HostFiles, dir = ""): void {
  const n = unparen(set);
  if (n?.kind !== K.NODE_ATTR_SET) return;
  const asString = (v: SyntaxNode | string | undefined): string | undefined => {
    if (typeof v === "string") return v;
    const u = unparen(v);
    if (u?.kind === K.NODE_STRING) return staticString(u);
    return u?.kind === K.NODE_IDENT ? asString(lookupRef(u, env)) : undefined;
  };
  for (const b of n.childNodes()) {
    if (b.kind === K.NODE_ATTRPATH_VALUE) {
      const [path, value] = b.childNodes();
      const segs = path ? attrpathSegments(path) : [];
      const v = segs.length === 1 && !segs[0]!.dynamic ? asString(value) : undefined;
      if (v !== undefined) out.args.set(segs[0]!.name, v);
      else if (segs.length === 1 && !segs[0]!.dynamic && value) out.argNodes.set(segs[0]!.name, { node: value, env, dir });
    } else if (b.kind === K.NODE_INHERIT && !b.firstChild(K.NODE_INHERIT_FROM)) {
      for (const c of b.childNodes()) {
        if (c.kind !== K.NODE_IDENT) continue;
        const bound = lookupRef(c, env);
        const v = asString(bound);
        if (v !== undefined) out.args.set(c.text, v);
        else if (bound && typeof bound !== "string") out.argNodes.set(c.text, { node: bound, env, dir });
      }
    }
  }
}

/** The files a host expression in flake.nix names, following helpers and lists. */
/** The value of `name.a.b = value;` in the let (or rec set) that binds `name` in pieces, for a
 * reference `name.a.b` (kmein-niveum flake.nix: `modules = profiles.default ++ profiles.server ++
 * [ ... ]` with `profiles.server = [ configs/save-space.nix ... ];` in the let). */
function splitBinding(base: SyntaxNode, segs: PathSegment[]): SyntaxNode | undefined {
  if (base.kind !== K.NODE_IDENT || segs.some((x) => x.dynamic)) return undefined;
  const b = resolveLexical(base);
  if (!b || b.value || b.binder.kind !== K.NODE_ATTRPATH_VALUE) return undefined;
  const want = [base.text, ...segs.map((x) => x.name)].join(".");
  for (const c of b.scope.childNodes()) {
    if (c.kind !== K.NODE_ATTRPATH_VALUE) continue;
    const [p, value] = c.childNodes();
    const names = p ? attrpathSegments(p) : [];
    if (value && !names.some((x) => x.dynamic) && names.map((x) => x.name).join(".") === want) return value;
  }
  return undefined;
}

function collectHostFiles(expr: SyntaxNode, env: Env | undefined, flakeDir: string, out: HostFiles, reader: Reader | undefined, depth = 0): void {
  if (depth > 40) return;
  const n = unparen(expr);
  if (!n) return;
  switch (n.kind) {
    case K.NODE_PATH: {
      const p = pathValue(n, env, writtenIn(n) ?? flakeDir);
      if (p !== undefined) out.add(p);
      // `../hosts/${hostname}` whose name could not be read: a module of the host is unknown
      // (carpenike-nix-config lib/mkSystem.nix, called through `args: mkNixosSystem (args // { ... })`).
      else if (n.descendants(K.NODE_INTERPOL).length > 0) out.unresolved = true;
      return;
    }
    case K.NODE_IDENT: {
      const v = lookupRef(n, env);
      if (v && typeof v !== "string") collectHostFiles(v, env, flakeDir, out, reader, depth + 1);
      else if (v === undefined) {
        // `inherit (import mod) laptop;`: the attribute of the set it is selected from, read
        // where that set is (a list of an imported file holds paths relative to that file).
        const from = inheritedFrom(n);
        // `with nixosModules; [ personal ]` (flake-utils-plus' `exportModules [ ./config/personal.nix ]`).
        const at = from ? resolveAttr(from, n.text, env, flakeDir, reader) : resolveLexical(n) ? undefined : withProvided(n, env, writtenIn(n) ?? flakeDir, reader);
        if (at) collectHostFiles(at.value, at.env, at.dir, out, reader, depth + 1);
      }
      return;
    }
    case K.NODE_STRING: {
      // `"${self}/system/nix"`, `"${mod}/core/x.nix"` with `mod = "${self}/system"`.
      const p = repoPath(n, env, flakeDir);
      if (p !== undefined) out.add(p);
      return;
    }
    case K.NODE_SELECT: {
      // `self.nixosModules.default`: a module the flake exports, found in buildHostGraph.
      if (selfOutputRef(n)) {
        out.computed.push({ node: n, env, dir: flakeDir });
        return;
      }
      // `base-modules.nixos-modules`: a list kept in a let-bound set.
      // `(import mod).laptop`: a list of the set a file returns.
      const [base, path] = n.childNodes();
      const ub = unparen(base);
      const imports = ub?.kind === K.NODE_APPLY && calleeName(flattenApply(ub).fn) === "import";
      if ((base?.kind !== K.NODE_IDENT && !imports) || !base || !path || n.firstToken(K.TOKEN_OR)) return;
      // `profiles.server` with `let profiles.minimal = [ ... ]; profiles.server = [ ... ]; in`: the
      // let binds the name by dotted paths, so the name has no one value; the binding whose path is
      // the selection is the list (kmein/niveum flake.nix: its profiles of modules).
      const dotted = base.kind === K.NODE_IDENT ? dottedLetValue(base, attrpathSegments(path)) : undefined;
      if (dotted) {
        collectHostFiles(dotted, env, flakeDir, out, reader, depth + 1);
        return;
      }
      let at: { value: SyntaxNode; env: Env | undefined; dir: string } | undefined = { value: base, env, dir: flakeDir };
      for (const seg of attrpathSegments(path)) at = at && !seg.dynamic ? resolveAttr(at.value, seg.name, at.env, at.dir, reader) : undefined;
      // `profiles.server` with `let profiles.minimal = [ ... ]; profiles.server = [ ... ]; in`: the
      // let binds the set in pieces, each written with its full attribute path.
      const split = at ? undefined : splitBinding(base, attrpathSegments(path));
      if (split) at = { value: split, env, dir: flakeDir };
      if (at) collectHostFiles(at.value, at.env, at.dir, out, reader, depth + 1);
      return;
    }
    case K.NODE_LET_IN:
      collectHostFiles(n.childNodes().at(-1)!, env, flakeDir, out, reader, depth + 1);
      return;
    case K.NODE_APPLY: {
      // `map mylib.relativeToRoot [ "hosts/idols-${name}" ]`: paths from the flake's root, with
      // the host's let-bound names filled in (buildHostGraph).
      if (directoryListing(n) || isRootRelative(n)) {
        out.computed.push({ node: n, env, dir: flakeDir });
        return;
      }
      const { fn, args } = flattenApply(n);
      // `addModules ./modules [ "secrets" "sysconfig" ]`: a folder and names in it, the modules
      // `<folder>/<name>` (not the whole folder).
      const folder = args.length === 2 ? repoPath(args[0], env, flakeDir) : undefined;
      const names = folder !== undefined && !folder.endsWith(".nix") ? staticStrings(args[1], env) : undefined;
      if (names?.length && names.every(namesInFolder)) {
        for (const x of names) out.add(posix.normalize(posix.join(folder!, x)));
        return;
      }
      // A helper (bound in a let, a file's function, from a `with`, of the flake's outputs): its
      // body with its parameters bound to the arguments, read where it is written.
      const helper = calledHelper(fn, n, env, flakeDir, reader);
      if (helper) {
        const call = bindArguments(helper.lam, args, helper.env);
        // `autowire.discoverModules { dir = root + /modules/nixos; }`: the folder it lists.
        const listed = listedParameter(helper.lam);
        const given = listed !== undefined ? call.env.values.get(listed) : undefined;
        const folder = given !== undefined && typeof given !== "string" ? repoPath(given, env, flakeDir) : undefined;
        if (folder !== undefined) {
          out.listed.add(folder);
          return;
        }
        collectHostFiles(call.body, call.env, helper.dir, out, reader, depth + 1);
      }
      // `concatMap (name: optional (pathExists ./hosts/${name}/shared.nix) ./hosts/${name}/shared.nix)
      // hostNames`: the function names the modules (a file of each entry, when it exists), the
      // listing only the entries: their default.nix are not modules of the host.
      const mapper = calleeName(fn);
      const fnArg = unparen(args[0]);
      if ((mapper === "map" || mapper === "concatMap") && args.length === 2 && fnArg?.kind === K.NODE_LAMBDA && fnArg.text.includes("pathExists")) {
        collectHostFiles(fnArg, env, flakeDir, out, reader, depth + 1);
        return;
      }
      for (const arg of args) collectHostFiles(arg, env, flakeDir, out, reader, depth + 1);
      return;
    }
    case K.NODE_BIN_OP: {
      // `./. + "/hosts/${name}"`, `self + "/machines/${name}"`: one path, known per host.
      if (isPathConcat(n)) {
        // (`./.` is the directory of the file it is written in, also in a helper's body.)
        out.computed.push({ node: n, env, dir: writtenIn(n) ?? flakeDir });
        return;
      }
      // `mod + "/core"` with `mod = "${self}/system"`: one path.
      const joined = n.firstToken(K.TOKEN_PLUS) ? repoPath(n, env, flakeDir) : undefined;
      if (joined !== undefined) {
        out.add(joined);
        return;
      }
      for (const c of n.childNodes()) collectHostFiles(c, env, flakeDir, out, reader, depth + 1);
      return;
    }
    case K.NODE_LIST:
      for (const c of n.childNodes()) collectHostFiles(c, env, flakeDir, out, reader, depth + 1);
      return;
    case K.NODE_ATTR_SET:
      for (const b of n.childNodes()) {
        // `inherit specialArgs;`: a set bound in a let.
        const inherited = b.kind === K.NODE_INHERIT && !b.firstChild(K.NODE_INHERIT_FROM) ? b.childNodes().find((c) => c.kind === K.NODE_IDENT && c.text === "specialArgs") : undefined;
        if (inherited) {
          const bound = lookupRef(inherited, env);
          if (bound && typeof bound !== "string") collectArgs(deref(bound, env), env, out, flakeDir);
        }
        // `nixosSystem { inherit system modules; }` in a helper whose `modules` the walk bound to
        // the caller's list (a let-bound or lexically known list is read where it is written).
        if (b.kind === K.NODE_INHERIT && !b.firstChild(K.NODE_INHERIT_FROM)) {
          const mods = b.childNodes().find((c) => c.kind === K.NODE_IDENT && (c.text === "modules" || c.text === "imports"));
          const r = mods ? resolveLexical(mods) : undefined;
          const bound = mods && (r?.kind === "param" || r?.kind === "formal") ? lookup(env, mods.text) : undefined;
          if (bound && typeof bound !== "string") collectHostFiles(bound, env, flakeDir, out, reader, depth + 1);
        }
        if (b.kind !== K.NODE_ATTRPATH_VALUE) continue;
        const [path, value] = b.childNodes();
        const segs = path ? attrpathSegments(path) : [];
        // Arguments of nixosSystem that are not modules.
        if (segs[0]?.name === "specialArgs") {
          // `specialArgs = specialArgsFor name;`: a let-bound function's set, read with its
          // parameters bound.
          const v = deref(value, env);
          const f = v?.kind === K.NODE_APPLY ? flattenApply(v) : undefined;
          const lam = f && f.fn.kind === K.NODE_IDENT ? lambdaOf(f.fn, env) : undefined;
          if (lam && f) {
            const bound = bindArguments(lam, f.args, env);
            collectArgs(deref(bound.body, bound.env), bound.env, out, flakeDir);
          } else collectArgs(v, env, out, flakeDir);
        }
        // An inline module's `_module.args = { inherit disk withSwap; }`: arguments of every module
        // of the host, as specialArgs are.
        if (segs[0]?.name === "_module" && value) {
          if (segs.length === 2 && segs[1]!.name === "args") collectArgs(deref(value, env), env, out, flakeDir);
          else if (segs.length === 1) {
            const inner = deref(value, env);
            if (inner?.kind === K.NODE_ATTR_SET) for (const [k, v] of setAttributes(inner)) if (k === "args") collectArgs(deref(v, env), env, out, flakeDir);
          }
          continue;
        }
        if (segs[0]?.name === "specialArgs" || segs[0]?.name === "system" || segs[0]?.name === "pkgs") continue;
        if (value) collectHostFiles(value, env, flakeDir, out, reader, depth + 1);
      }
      return;
    case K.NODE_LAMBDA:
      // An inline module: the paths it mentions (imports, `import ./x.nix`) are part of the host.
      n.walk((c) => {
        // `import (./Users + "/${user}/${host}_home.nix")`: one path, known per host.
        if (c.kind === K.NODE_BIN_OP && isPathConcat(c)) {
          out.computed.push({ node: c, env, dir: writtenIn(c) ?? flakeDir });
          return false;
        }
        if (c.kind === K.NODE_PATH) {
          const p = pathValue(c, env, writtenIn(c) ?? flakeDir);
          if (p !== undefined) out.add(p);
          return false;
        }
      });
      return;
    case K.NODE_IF_ELSE:
      for (const c of n.childNodes().slice(1)) collectHostFiles(c, env, flakeDir, out, reader, depth + 1);
      return;
    case K.NODE_WITH: {
      // `with inputs.self.nixosModules; [ base ssh ]`: names of the flake's exported modules,
      // found in buildHostGraph; any other `with` (`with pkgs; [ ... ]`, `modules = with inputs; [
      // disko.nixosModules.disko ] ++ constructors;`): the paths of its body.
      const [space, body] = n.childNodes();
      const ref = space ? selfOutputRef(unparen(space)!) : undefined;
      if (ref && ref.name === undefined && body) {
        const walk = (e: SyntaxNode | undefined): void => {
          const u = unparen(e);
          if (u?.kind === K.NODE_LIST) {
            for (const c of u.childNodes()) {
              if (c.kind === K.NODE_IDENT && withOutputRef(c)) out.computed.push({ node: c, env, dir: flakeDir });
              else collectHostFiles(c, env, flakeDir, out, reader, depth + 1);
            }
          } else if (u?.kind === K.NODE_BIN_OP && u.firstToken(K.TOKEN_CONCAT)) for (const c of u.childNodes()) walk(c);
          else if (u) collectHostFiles(u, env, flakeDir, out, reader, depth + 1);
        };
        walk(body);
        return;
      }
      if (body) collectHostFiles(body, env, flakeDir, out, reader, depth + 1);
      return;
    }
    default:
      return;
  }
}

/** A name a helper joins to a folder (`"management/ssh"`, `"www/httpd.nix"`): a path inside it. */
function namesInFolder(name: string): boolean {
  return /^[\w.@-][\w./@-]*$/.test(name) && !name.includes("..");
}

/** The function a call applies when the scan can read it, with the environment and directory its
 * body is read in (undefined for `import`, whose arguments are all there is to read):
 * - bound in a let: `mkHost = name: ...; mkHost "nas"`;
 * - a file's function: `mkSystem = import ./lib/mksystem.nix { inherit nixpkgs; }; ... mkSystem
 *   "vm-aarch64" { user = "me"; }` (the parameters left after the import's own arguments);
 * - brought into scope by a `with`: `with import ./lib/output.nix { ... }; ... mkConfiguration {
 *   name = "nas"; }`;
 * - of the flake's own outputs: `self.lib.mkHost "nas" { }`;
 * - of a set defined elsewhere: `libx.mkHost { hostname = "kara"; }`, libx imported from ./lib. */
function calledHelper(fn: SyntaxNode, at: SyntaxNode, env: Env | undefined, dir: string, reader: Reader | undefined): { lam: SyntaxNode; env: Env | undefined; dir: string } | undefined {
  const callee = fn.kind === K.NODE_IDENT ? lookupRef(fn, env) : undefined;
  if (callee && typeof callee !== "string" && unparen(callee)?.kind === K.NODE_LAMBDA) return { lam: unparen(callee)!, env, dir };
  const imported = callee && typeof callee !== "string" ? deref(callee, env) : undefined;
  const helperFile = imported?.kind === K.NODE_APPLY ? importedFile(imported, env, dir, reader) : undefined;
  if (helperFile?.body.kind === K.NODE_LAMBDA) return { lam: helperFile.body, env: undefined, dir: helperFile.dir };
  if (calleeName(fn) === "import") return undefined;
  // `inherit (myLib) mkHost;` with `myLib = import ./lib { ... }`: the helper that file's set gives.
  const from = fn.kind === K.NODE_IDENT && callee === undefined ? inheritedFrom(fn) : undefined;
  const inherited = from ? resolveAttr(from, fn.text, env, dir, reader) : undefined;
  const inheritedLambda = unparen(inherited?.value);
  if (inherited && inheritedLambda?.kind === K.NODE_LAMBDA) return { lam: inheritedLambda, env: inherited.env, dir: inherited.dir };
  const given = fn.kind === K.NODE_IDENT && callee === undefined ? withProvided(fn, env, dir, reader) : undefined;
  const givenLambda = unparen(given?.value);
  if (given && givenLambda?.kind === K.NODE_LAMBDA) return { lam: givenLambda, env: given.env, dir: given.dir };
  const own = fn.kind === K.NODE_SELECT ? helperFunction(fn, env, at, dir, reader) : undefined;
  if (own) return own;
  const sel = fn.kind === K.NODE_SELECT ? fn.childNodes() : [];
  const attrs = sel[1] ? attrpathSegments(sel[1]) : [];
  // `inherit (myLib) mkHost;` whose value is a file's function after the import's arguments (`from`
  // above; mrjones2014-dotfiles flake.nix, whose hosts' own folders were read as no host's).
  if (!from && (sel[0]?.kind !== K.NODE_IDENT || attrs.length !== 1 || attrs[0]!.dynamic)) return undefined;
  const elsewhere = from ? resolveAttr(from, fn.text, env, dir, reader) : resolveAttr(sel[0], attrs[0]!.name, env, dir, reader);
  const lam = unparen(elsewhere?.value);
  // `utils.setUpNixOS { ... }` with `utils.setUpNixOS = import ./lib/setup-nixos.nix { inherit self; }`:
  // the file's function after the import's arguments.
  const file = elsewhere && lam?.kind === K.NODE_APPLY ? importedFile(lam, elsewhere.env, elsewhere.dir, reader) : undefined;
  if (file?.body.kind === K.NODE_LAMBDA) return { lam: file.body, env: undefined, dir: file.dir };
  return elsewhere && lam?.kind === K.NODE_LAMBDA ? { lam, env: elsewhere.env, dir: elsewhere.dir } : undefined;
}

/** A helper of the flake's own outputs (`self.lib.mkHost`, with `lib = import ./lib { ... }` beside
 * the hosts and `mkHost = import ./mkhost.nix { ... }` there): the file's function, read where it
 * is. The output is looked up in a set around `at` that also declares nixosConfigurations (the
 * flake's outputs), not in any set of a helper's file. */
function helperFunction(expr: SyntaxNode | undefined, env: Env | undefined, at: SyntaxNode, dir: string, reader: Reader | undefined): { lam: SyntaxNode; env: Env | undefined; dir: string } | undefined {
  const n = deref(expr, env);
  if (n?.kind !== K.NODE_SELECT || n.firstToken(K.TOKEN_OR)) return undefined;
  const [base, path] = n.childNodes();
  const segs = path ? attrpathSegments(path) : [];
  if (base?.kind !== K.NODE_IDENT || segs.length === 0 || segs.some((seg) => seg.dynamic)) return undefined;
  const names = segs.map((seg) => seg.name);
  if (base.text === "inputs" && names[0] === "self") names.shift();
  else if (base.text !== "self") return undefined;
  // The output's binding in a set holding the host declaration (the flake's outputs).
  const output = names.shift();
  let start: SyntaxNode | undefined;
  let startDir = dir;
  const outputOf = (p: SyntaxNode): SyntaxNode | undefined => {
    let found: SyntaxNode | undefined;
    let outputs = false;
    for (const b of p.childNodes()) {
      // `inherit sources utils vars;` among the outputs: the let-bound set.
      if (b.kind === K.NODE_INHERIT && !b.firstChild(K.NODE_INHERIT_FROM)) {
        const id = b.childNodes().find((c) => c.kind === K.NODE_IDENT && c.text === output);
        const v = id ? resolveLexical(id)?.value : undefined;
        if (v) found = v;
        continue;
      }
      const [bp, value] = b.kind === K.NODE_ATTRPATH_VALUE ? b.childNodes() : [];
      const key = bp ? attrpathSegments(bp).map((seg) => (seg.dynamic ? "*" : seg.name)).join(".") : "";
      if (value && (key === output || key === `flake.${output}`)) found = value;
      if (/^(?:flake\.)?nixosConfigurations(?:\.|$)/.test(key)) outputs = true;
    }
    return outputs ? found : undefined;
  };
  for (let p = at.parent; p && !start; p = p.parent) if (p.kind === K.NODE_ATTR_SET) start = outputOf(p);
  // In a helper's file (`self.utils.mkModules { ... }` in lib/setup.nix, `self` handed over by
  // flake.nix): the outputs of the repository's flake.
  if (!start && reader && writtenIn(at) !== undefined) {
    const flake = reader.treeOf("flake.nix");
    reader.read.add("flake.nix");
    for (const set of flake?.descendants(K.NODE_ATTR_SET) ?? []) if ((start = outputOf(set))) break;
    if (start) {
      startDir = "";
      env = undefined;
    }
  }
  if (!start) return undefined;
  let cur: { value: SyntaxNode; env: Env | undefined; dir: string } | undefined = { value: start, env, dir: startDir };
  for (const name of names) cur = cur && resolveAttr(cur.value, name, cur.env, cur.dir, reader);
  let v = cur ? deref(cur.value, cur.env) : undefined;
  if (!cur || !v) return undefined;
  if (v.kind === K.NODE_LAMBDA) return { lam: v, env: cur.env, dir: cur.dir };
  // `import ./mkhost.nix { inherit inputs lib; }`: the file's function after those arguments.
  const file = v.kind === K.NODE_APPLY ? importedFile(v, cur.env, cur.dir, reader) : undefined;
  v = file?.body;
  for (let i = 0; v?.kind === K.NODE_LET_IN && i < 4; i++) v = unparen(v.childNodes().at(-1));
  return file && v?.kind === K.NODE_LAMBDA ? { lam: v, env: undefined, dir: file.dir } : undefined;
}

export interface DeclaredHost {
  name: string;
  /** The file that declares it (flake.nix, or a flake-parts module). */
  file: string;
  /** The binding that declares it, or the host's entry module for directory hosts. */
  node: SyntaxNode;
  files: Set<string>;
  /** `flake`: read from a `nixosConfigurations` declaration, so its module list is known.
   * `directory`: guessed from a `hosts/<name>/` layout when no declaration could be read; the
   * host may include modules that were not found, so rules about defaults skip it. */
  source: "flake" | "directory";
  /** Files that build the host without being its modules (a helper library's file): part of the
   * host, their path references are not followed. */
  builders?: Set<string>;
  /** A host of a repository's own registry option (`my.nixosConfigurations.<name>.system = ...`,
   * turned into nixosSystem calls by the module declaring `options.my.nixosConfigurations`): the
   * option's path before `nixosConfigurations` (`my`). Its modules are found by registryHosts. */
  registry?: string;
  /** Folders of the listing the host was found in that its filter leaves out (`filterAttrs (n: _:
   * n != "retired")`): no host is built from them, whatever lists their parent. */
  passedOver?: readonly string[];
}

/** The name of an attribute, resolving `${name}` through let-bound strings. */
function segmentName(seg: PathSegment, env: Env | undefined): string {
  if (!seg.dynamic) return seg.name;
  const inner = seg.node.kind === K.NODE_DYNAMIC ? unparen(seg.node.firstChild()) : undefined;
  if (inner?.kind === K.NODE_IDENT) {
    const v = lookupRef(inner, env);
    if (typeof v === "string") return v;
    const s = v && typeof v !== "string" && unparen(v)?.kind === K.NODE_STRING ? staticString(unparen(v)!) : undefined;
    if (s !== undefined) return s;
  }
  // `"${name}-niri"`: a string key made of known names.
  if (seg.node.kind === K.NODE_STRING) return stringValue(seg.node, env) ?? "*";
  return "*";
}

/** Find `nixosConfigurations.<host>` declarations in a file (flake.nix, or any module of a
 * flake-parts flake: `flake.nixosConfigurations.<host> = ...`) and each host's files. */
/** Does evaluating `expr` read a directory (`builtins.readDir`), also inside a let-bound helper it calls? */
function readsDirectory(expr: SyntaxNode, env: Env | undefined, depth = 0, seen = new Set<SyntaxNode>()): boolean {
  if (depth > 8 || seen.has(expr)) return false;
  seen.add(expr);
  let found = false;
  expr.walk((n) => {
    if (found) return false;
    // `lib.exprsIn ./machines`: a listing helper of the repository's lib given a directory.
    if (n.kind === K.NODE_APPLY && directoryListing(n)) found = true;
    else if (n.kind === K.NODE_IDENT) {
      if (n.text === "readDir") found = true;
      else if (n.parent?.kind !== K.NODE_ATTRPATH) {
        const v = lookupRef(n, env);
        if (v && typeof v !== "string" && readsDirectory(v, env, depth + 1, seen)) found = true;
      }
    }
    return undefined;
  });
  return found;
}

/** The directories a computed host set reads its hosts from: path literals among its arguments. */
function hostDirectories(apply: SyntaxNode, env: Env | undefined, baseDir: string): string[] {
  const out: string[] = [];
  const visit = (n: SyntaxNode | undefined, depth: number): void => {
    n = unparen(n);
    if (!n || depth > 8) return;
    if (n.kind === K.NODE_PATH) {
      const p = pathValue(n, env, baseDir);
      if (p !== undefined) out.push(p);
    } else if (n.kind === K.NODE_BIN_OP && n.firstToken(K.TOKEN_PLUS)) {
      // `readDir (root + /configurations/nixos)` with `root = ./.;`.
      const p = repoPath(n, env, baseDir);
      if (p !== undefined) out.push(p);
    } else if (n.kind === K.NODE_APPLY) for (const a of flattenApply(n).args) visit(a, depth + 1);
    else if (n.kind === K.NODE_IDENT) {
      // `genAttrs hosts mkHost` with `hosts = attrNames (readDir ../hosts)` in a let.
      const v = lookupRef(n, env);
      if (v && typeof v !== "string") visit(v, depth + 1);
    }
  };
  visit(apply, 0);
  return out;
}

/** The entry names a computed host set's filter leaves out (`filterAttrs (name: type: type ==
 * "directory" && name != "retired")`, `!(elem name [ "a" "b" ])`), through let-bound names. */
function excludedEntries(apply: SyntaxNode, env: Env | undefined): Set<string> {
  const out = new Set<string>();
  const seen = new Set<SyntaxNode>();
  const visit = (n: SyntaxNode | undefined, depth: number): void => {
    n = unparen(n);
    if (!n || depth > 8 || seen.has(n)) return;
    seen.add(n);
    n.walk((c) => {
      if (c.kind === K.NODE_BIN_OP && c.childTokens().some((t) => t.text === "!=")) {
        for (const side of c.childNodes()) {
          const str = unparen(side)?.kind === K.NODE_STRING ? staticString(unparen(side)!) : undefined;
          if (str) out.add(str);
        }
      } else if (c.kind === K.NODE_UNARY_OP && c.text.trimStart().startsWith("!")) {
        const inner = unparen(c.childNodes()[0]);
        const call = inner?.kind === K.NODE_APPLY ? flattenApply(inner) : undefined;
        if (call && calleeName(call.fn) === "elem" && call.args.length === 2) for (const str of staticStrings(call.args[1], env) ?? []) out.add(str);
      } else if (c.kind === K.NODE_IDENT && c.parent?.kind !== K.NODE_ATTRPATH) {
        const v = lookupRef(c, env);
        // A let-bound step of the listing (`hosts = pipe (readDir ./x) [ ... ]`), not a builder.
        if (v && typeof v !== "string" && unparen(v)?.kind !== K.NODE_LAMBDA) visit(v, depth + 1);
      }
      return undefined;
    });
  };
  visit(apply, 0);
  return out;
}

/** The `nixosSystem { ... }` calls a helper reaches in its own file: in its body and in the
 * let-bound and rec-bound helpers it refers to (`mkAllNixos` calling `mkNixos`), not through
 * other files. */
function reachableBuilders(lam: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const seen = new Set<SyntaxNode>();
  const queue = [lam];
  while (queue.length > 0 && seen.size < 200) {
    const n = queue.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    n.walk((c) => {
      if (c.kind === K.NODE_APPLY && /(?:^|\.)nixosSystem$/.test(c.childNodes()[0]?.text.replace(/\s+/g, "") ?? "") && unparen(c.childNodes()[1])?.kind === K.NODE_ATTR_SET) out.push(c);
      if (c.kind === K.NODE_IDENT && c.parent?.kind !== K.NODE_ATTRPATH) {
        const v = resolveLexical(c)?.value;
        if (v && !seen.has(v)) queue.push(v);
      }
      return undefined;
    });
  }
  return [...new Set(out)];
}

/** The parameters of the enclosing functions that a builder's module paths interpolate
 * (`hostname` in `../nixos/${hostname}`). */
function interpolatedParameters(builder: SyntaxNode): string[] {
  const out = new Set<string>();
  for (const p of builder.descendants(K.NODE_PATH)) {
    for (const i of p.descendants(K.NODE_INTERPOL)) {
      const inner = unparen(i.firstChild());
      const r = inner?.kind === K.NODE_IDENT ? resolveLexical(inner) : undefined;
      if (r && (r.kind === "param" || r.kind === "formal")) out.add(inner!.text);
    }
  }
  return [...out];
}

// Functions that declare an option (`options.<path> = mkOption { ... }`), whose set is no host set.
const OPTION_DECLARATORS = /^(?:mkOption|mkEnableOption|mkPackageOption|mkSinkUndeclaredOptions)$/;

// Functions that merge host sets given as their arguments.
const MERGE_FUNCTIONS = new Set(["recursiveUpdate", "mergeAttrs", "mergeAttrsList"]);

/** A lambda, directly or through a let-bound name. */
function lambdaOf(expr: SyntaxNode | undefined, env: Env | undefined): SyntaxNode | undefined {
  const n = deref(expr, env);
  return n?.kind === K.NODE_LAMBDA ? n : undefined;
}

/** The function that builds each entry of a directory listing's host set when it is not written
 * `mapAttrs f (readDir ./hosts)`:
 * - `listToAttrs (map (x: { name = x; value = nixosSystem { ... }; }) (attrNames (readDir ./machines)))`,
 *   also with `forEach names (x: ...)`: the function, whose set is named by its parameter;
 * - `pipe ./. [ readDir (filterAttrs ...) (mapAttrs (x: _: evalModules { ... })) ]`, or
 *   `pipe ./. [ readDir attrNames (flip genAttrs (x: nixosSystem { ... })) ]`: the function of the
 *   last step;
 * - `genAttrs (attrNames (readDir ./machines)) mkHost`: the function given each name. */
function entryBuilder(apply: SyntaxNode, env: Env | undefined): SyntaxNode | undefined {
  const n = unparen(apply);
  if (n?.kind !== K.NODE_APPLY) return undefined;
  const { fn, args } = flattenApply(n);
  const callee = calleeName(fn);
  if (callee === "pipe" && args.length === 2) {
    const steps = deref(args[1], env);
    const last = steps?.kind === K.NODE_LIST ? deref(steps.childNodes().at(-1), env) : undefined;
    const step = last?.kind === K.NODE_APPLY ? flattenApply(last) : undefined;
    if (step && calleeName(step.fn) === "mapAttrs" && step.args.length === 1) return lambdaOf(step.args[0], env);
    // `(flip genAttrs (host: nixosSystem { ... }))` after `attrNames`: the function of each name.
    if (step && calleeName(step.fn) === "flip" && step.args.length === 2 && calleeName(unparen(step.args[0]) ?? step.fn) === "genAttrs") return lambdaOf(step.args[1], env);
    return undefined;
  }
  // `genAttrs (attrNames (readDir ./machines)) mkHost`: the function of each name.
  if (callee === "genAttrs" && args.length === 2) return lambdaOf(args[1], env);
  if (callee !== "listToAttrs" || args.length !== 1) return undefined;
  const inner = deref(args[0], env);
  const each = inner?.kind === K.NODE_APPLY ? flattenApply(inner) : undefined;
  if (!each || each.args.length !== 2) return undefined;
  const f = calleeName(each.fn) === "map" ? lambdaOf(each.args[0], env) : calleeName(each.fn) === "forEach" ? lambdaOf(each.args[1], env) : undefined;
  const param = f?.childNodes()[0];
  if (param?.kind !== K.NODE_IDENT_PARAM) return undefined;
  // The entry's `name` is the function's parameter: the set is keyed by the listing's names.
  let body = unparen(f!.childNodes()[1]);
  if (body?.kind === K.NODE_LET_IN) body = unparen(body.childNodes().at(-1));
  // `nameValuePair host (mkNixos [ ./hosts/${host} ])`.
  const pair = body?.kind === K.NODE_APPLY ? flattenApply(body) : undefined;
  if (pair && calleeName(pair.fn) === "nameValuePair" && pair.args.length === 2) return unparen(pair.args[0])?.text === param.childNodes()[0]?.text ? f : undefined;
  const name = body?.kind === K.NODE_ATTR_SET ? setAttributes(body).get("name") : undefined;
  return unparen(name)?.text === param.childNodes()[0]?.text ? f : undefined;
}

/** The body of `f a b ...` with the lambda's parameters bound to the arguments: a plain parameter
 * to its argument (a string literal as its text), a `{ a, b, ... }` pattern to the attributes of a
 * set given literally. */
function bindArguments(f: SyntaxNode, args: Array<SyntaxNode | string>, env: Env | undefined): { body: SyntaxNode; env: Env } {
  const values = new Map<string, SyntaxNode | string>();
  const binders = new Set<SyntaxNode>();
  let lam: SyntaxNode = f;
  for (const arg of args) {
    if (lam.kind !== K.NODE_LAMBDA) break;
    binders.add(lam);
    const [param, body] = lam.childNodes();
    if (param?.kind === K.NODE_IDENT_PARAM) {
      const a = typeof arg === "string" ? undefined : unparen(arg);
      // A name bound to a string where the call is (`modulesFor n` inside `n: ...` read for one
      // host): that string.
      const passed = a?.kind === K.NODE_IDENT ? lookupRef(a, env) : undefined;
      const text = a?.kind === K.NODE_STRING ? staticString(a) : typeof passed === "string" ? passed : undefined;
      values.set(param.childNodes()[0]!.text, typeof arg === "string" ? arg : (text ?? arg));
    } else if (param?.kind === K.NODE_PATTERN && typeof arg !== "string") {
      // `args@{ modules, ... }`: the whole set is also a name (`args.modules`).
      const at = param.childNodes().find((c) => c.kind === K.NODE_PAT_BIND)?.childNodes()[0];
      if (at?.kind === K.NODE_IDENT) values.set(at.text, arg);
      const set = unparen(arg);
      // `removeAttrs value [ "extraModules" ] // { modules = ..; }` (a set made of another): its
      // attributes, read through the names bound where it is written.
      const merged = set?.kind === K.NODE_ATTR_SET ? undefined : mergedAttributes(set, env);
      if (merged) {
        for (const [k, v] of merged) values.set(k, v);
        for (const e of param.childNodes()) {
          const [id, dflt] = e.kind === K.NODE_PAT_ENTRY ? e.childNodes() : [];
          if (id?.kind === K.NODE_IDENT && dflt && !values.has(id.text)) values.set(id.text, dflt);
        }
      }
      if (set?.kind === K.NODE_ATTR_SET) {
        for (const [k, v] of setAttributes(set)) values.set(k, v);
        // `{ inherit hostName; }`: what the name is where the set is written.
        for (const b of set.childNodes()) {
          if (b.kind !== K.NODE_INHERIT || b.firstChild(K.NODE_INHERIT_FROM)) continue;
          for (const id of b.childNodes()) {
            const v = id.kind === K.NODE_IDENT && !values.has(id.text) ? lookupRef(id, env) : undefined;
            if (v !== undefined) values.set(id.text, v);
          }
        }
        // The set is read whole: what it does not give takes the pattern's default
        // (`darwin ? false`).
        for (const e of param.childNodes()) {
          const [id, dflt] = e.kind === K.NODE_PAT_ENTRY ? e.childNodes() : [];
          if (id?.kind !== K.NODE_IDENT || !dflt || values.has(id.text)) continue;
          // `configurationName ? name`: another parameter's value.
          const other = unparen(dflt)?.kind === K.NODE_IDENT ? values.get(unparen(dflt)!.text) : undefined;
          values.set(id.text, other ?? dflt);
        }
      }
    }
    const next = unparen(body);
    if (!next) break;
    lam = next;
  }
  return { body: lam, env: { values, up: env, binders } };
}

/** The attributes of a set expression that is not a literal: `a // b` (b's over a's), `removeAttrs
 * x [ "n" ]` (x's but those), a name bound to one; undefined when a part cannot be read. */
function mergedAttributes(expr: SyntaxNode | undefined, env: Env | undefined, depth = 0): Map<string, SyntaxNode> | undefined {
  const n = deref(expr, env);
  if (!n || depth > 6) return undefined;
  if (n.kind === K.NODE_ATTR_SET) return setAttributes(n);
  if (n.kind === K.NODE_LET_IN) return mergedAttributes(n.childNodes().at(-1), env, depth + 1);
  if (n.kind === K.NODE_BIN_OP && n.firstToken(K.TOKEN_UPDATE)) {
    const [a, b] = n.childNodes().map((c) => mergedAttributes(c, env, depth + 1));
    return a && b ? new Map([...a, ...b]) : undefined;
  }
  if (n.kind !== K.NODE_APPLY) return undefined;
  const { fn, args } = flattenApply(n);
  if (calleeName(fn) !== "removeAttrs" || args.length !== 2) return undefined;
  const names = staticStrings(args[1], env);
  const from = mergedAttributes(args[0], env, depth + 1);
  if (!names || !from) return undefined;
  for (const name of names) from.delete(name);
  return from;
}

/** `f` of `flip f` (`lib.flip`): a function given its two arguments the other way round. */
function flippedFunction(expr: SyntaxNode | undefined, env: Env | undefined): SyntaxNode | undefined {
  const n = deref(expr, env);
  if (n?.kind !== K.NODE_APPLY) return undefined;
  const { fn, args } = flattenApply(n);
  return calleeName(fn) === "flip" && args.length === 1 ? args[0] : undefined;
}

// Functions merging a list of sets into one (`foldl' (a: b: a // b) { }` merges too).
const SET_FOLDS = new Set(["foldl'", "foldl", "foldr", "mergeAttrsList"]);

/** Is a fold's function a merge of two sets (`a: b: a // b`, `recursiveUpdate`)? */
function mergesSets(f: SyntaxNode | undefined, env: Env | undefined): boolean {
  const n = deref(f, env);
  if (!n) return false;
  if (MERGE_FUNCTIONS.has(calleeName(n) ?? "")) return true;
  let body = n;
  for (let i = 0; i < 2 && body.kind === K.NODE_LAMBDA; i++) body = unparen(body.childNodes()[1]) ?? body;
  return body !== n && body.kind === K.NODE_BIN_OP && !!body.firstToken(K.TOKEN_UPDATE);
}

/** The bindings of an attribute set expression that can be read without evaluating: a literal, a
 * let-bound name, `a // b`, or `self.<output>` defined in the same file (`flake.<output> = {...}`). */
function staticSetBindings(expr: SyntaxNode | undefined, env: Env | undefined, fileRoot: SyntaxNode, depth = 0): SyntaxNode[] {
  const n = deref(expr, env);
  if (!n || depth > 8) return [];
  if (n.kind === K.NODE_ATTR_SET) return n.childNodes().filter((b) => b.kind === K.NODE_ATTRPATH_VALUE);
  // `hosts = let mkRouter = ...; in { router = mkRouter ...; nas = { ... }; }`
  if (n.kind === K.NODE_LET_IN) return staticSetBindings(n.childNodes().at(-1), env, fileRoot, depth + 1);
  if (n.kind === K.NODE_BIN_OP) return n.childNodes().flatMap((c) => staticSetBindings(c, env, fileRoot, depth + 1));
  // `foldl' (a: b: a // b) { } (attrValues bySystem)`, `mergeAttrsList [ x y ]`: the sets merged
  // (a set of sets flattened one level: its values' bindings).
  if (n.kind === K.NODE_APPLY) {
    const { fn, args } = flattenApply(n);
    const callee = calleeName(fn) ?? "";
    if (!SET_FOLDS.has(callee) || args.length === 0 || (callee !== "mergeAttrsList" && !mergesSets(args[0], env))) return [];
    const sets = deref(args.at(-1), env);
    const call = sets?.kind === K.NODE_APPLY ? flattenApply(sets) : undefined;
    if (call && calleeName(call.fn) === "attrValues" && call.args.length === 1)
      return staticSetBindings(call.args[0], env, fileRoot, depth + 1).flatMap((b) => staticSetBindings(b.childNodes()[1], env, fileRoot, depth + 1));
    if (sets?.kind === K.NODE_LIST) return sets.childNodes().flatMap((c) => staticSetBindings(c, env, fileRoot, depth + 1));
    return [];
  }
  const output = n.kind === K.NODE_SELECT ? /^(?:inputs\.)?self\.([\w'-]+)$/.exec(n.text.replace(/\s+/g, ""))?.[1] : undefined;
  if (!output) return [];
  for (const b of fileRoot.descendants(K.NODE_ATTRPATH_VALUE)) {
    const [path, value] = b.childNodes();
    const names = path ? attrpathSegments(path).map((seg) => (seg.dynamic ? "*" : seg.name)) : [];
    if (value && (names.join(".") === `flake.${output}` || (names.length === 1 && names[0] === output))) return staticSetBindings(value, env, fileRoot, depth + 1);
  }
  return [];
}

/** The strings of a list expression that can be read without evaluating (a literal or let-bound list). */
function staticStrings(expr: SyntaxNode | undefined, env: Env | undefined): string[] | undefined {
  const n = deref(expr, env);
  if (n?.kind !== K.NODE_LIST) return undefined;
  const out: string[] = [];
  for (const el of n.childNodes()) {
    const str = unparen(el);
    const name = str?.kind === K.NODE_STRING ? staticString(str) : undefined;
    if (name === undefined) return undefined;
    out.push(name);
  }
  return out;
}

/**
 * The hosts a file declares under `nixosConfigurations`. `files` (the repository's files) lets a
 * host set computed from a directory (`mapAttrs mkHost (builtins.readDir ./hosts)`) name its
 * hosts: the subdirectories holding a default.nix.
 */
/** The entries of an option the repository's modules write (`configurations.nixos.<name>.module`,
 * `config.flake.modules.nixos.<name>` in any file), each with the files writing it. Only a file
 * whose text holds `needle` can write one, but any module may add an entry: every file is read. */
function optionEntryFiles(files: ReadonlySet<string>, reader: Reader, option: readonly string[], needle: string): Map<string, HostFiles> {
  const found = new Map<string, HostFiles>();
  for (const f of files) {
    const tree = f.endsWith(".nix") ? reader.treeOf(f) : undefined;
    if (!tree) continue;
    reader.read.add(f);
    if (!tree.text.includes(needle)) continue;
    for (const b of tree.descendants(K.NODE_ATTRPATH_VALUE)) {
      let full = bindingPath(b);
      if (full[0] === "config") full = full.slice(1);
      if (full.length <= option.length || !option.every((x, i) => full[i] === x)) continue;
      const name = full[option.length]!;
      let own = found.get(name);
      if (!own) found.set(name, (own = new HostFiles()));
      own.add(f);
    }
  }
  return found;
}

export function declaredHosts(fileRoot: SyntaxNode, file: string, files?: ReadonlySet<string>, reader?: Reader, within: string[] = [], given?: { args: SyntaxNode[]; env: Env | undefined }): DeclaredHost[] {
  const dir = posix.dirname(file) === "." ? "" : posix.dirname(file);
  fileDirs.set(fileRoot, dir);
  const nixFiles = files ?? new Set<string>();
  const hosts: DeclaredHost[] = [];
  const fromDirectory = (apply: SyntaxNode, env: Env | undefined): boolean => {
    if (!files || !readsDirectory(apply, env)) return false;
    const before = hosts.length;
    // `mapAttrs (name: _: <builder> { modules = ...; specialArgs = ...; }) (readDir ./hosts)`: the
    // function builds each host of the directory; read with the entry's name, it gives the host's
    // modules and arguments (when it names some, the host's module list is known).
    const call = unparen(apply)?.kind === K.NODE_APPLY ? flattenApply(unparen(apply)!) : undefined;
    const builder = call && calleeName(call.fn) === "mapAttrs" && call.args.length === 2 ? lambdaOf(call.args[0], env) : entryBuilder(apply, env);
    const excluded = excludedEntries(apply, env);
    for (const d of hostDirectories(apply, env, dir)) {
      const prefix = d === "." ? "" : `${d}/`;
      const seen = new Set<string>();
      for (const f of files) {
        const rest = f.startsWith(prefix) ? f.slice(prefix.length).split("/") : [];
        if (rest.length !== 2 || !rest[1]!.endsWith(".nix") || seen.has(rest[0]!) || excluded.has(rest[0]!)) continue;
        if (rest[1] !== "default.nix" && !builder) continue;
        if (builder) {
          const read = new HostFiles();
          const bound = bindArguments(builder, [rest[0]!, ""], env);
          collectHostFiles(bound.body, bound.env, dir, read, reader);
          if (read.size > 0 || read.computed.length > 0) {
            seen.add(rest[0]!);
            hosts.push({ name: rest[0]!, file, node: apply, files: read, source: "flake" });
            continue;
          }
          if (rest[1] !== "default.nix") continue;
        }
        seen.add(rest[0]!);
        // Its other modules are computed: rules about defaults skip it, as for a hosts/ layout.
        hosts.push({ name: rest[0]!, file, node: apply, files: new Set([f]), source: "directory" });
      }
      if (seen.size > 0) {
        const passed = [...excluded].filter((x) => [...files].some((f) => f.startsWith(`${prefix}${x}/`))).map((x) => `${prefix}${x}`);
        if (passed.length) for (const h of hosts.slice(before)) h.passedOver = passed;
        continue;
      }
      // A directory of host files (`machines/nas.nix`, listed by `exprsIn ./machines`) when it
      // has no host folders: each file is a host, with what the builder gives every host.
      for (const f of files) {
        const rest = f.startsWith(prefix) ? f.slice(prefix.length).split("/") : [];
        // (The file declaring the host set, listing its own folder, is no host.)
        if (rest.length !== 1 || !rest[0]!.endsWith(".nix") || rest[0] === "default.nix" || f === file) continue;
        const name = rest[0]!.replace(/\.nix$/, "");
        if (excluded.has(name) || excluded.has(rest[0]!)) continue;
        const own = new HostFiles();
        own.add(f);
        if (builder) {
          const bound = bindArguments(builder, [name, ""], env);
          collectHostFiles(bound.body, bound.env, dir, own, reader);
        }
        hosts.push({ name, file, node: apply, files: own, source: "directory" });
      }
    }
    return hosts.length > before;
  };
  /** The function that builds each host of a computed set: a helper of the flake's own outputs
   * (`self.lib.mkHost`, read in its file) or a lambda written here or bound by a let. */
  const hostBuilder = (expr: SyntaxNode | undefined, env: Env | undefined, at: SyntaxNode): { lam: SyntaxNode; env: Env | undefined; dir: string } | undefined => {
    const own = helperFunction(expr, env, at, dir, reader);
    if (own) return own;
    const lam = lambdaOf(expr, env);
    return lam ? { lam, env, dir } : undefined;
  };
  /** `mapAttrs (name: m: nixosSystem { modules = [ m ]; }) { a = ...; b = ...; }` names hosts a
   * and b, each made of the function's modules with its value; `genAttrs [ "a" "b" ] (name: ...)`
   * names a and b, made of the function's modules. */
  const fromComputedSet = (apply: SyntaxNode, env: Env | undefined): boolean => {
    let { fn, args } = flattenApply(apply);
    // `mkHosts { a = { }; }` with `mkHosts = mapAttrs mkHost` in a let: the partial application's
    // function, given its arguments then this call's.
    // `libx.genNixos hosts.nixos` with `libx = import ./lib { ... }` and `genNixos = mapAttrs
    // mkHost` in that file: the same, its function read where it is written.
    const library = fn.kind === K.NODE_SELECT ? selectedValue(fn, env, dir, reader) : undefined;
    const partial = fn.kind === K.NODE_IDENT ? deref(fn, env) : library ? deref(library.value, library.env) : undefined;
    let builderDir = dir;
    if (partial?.kind === K.NODE_APPLY) {
      const inner = flattenApply(partial);
      fn = inner.fn;
      args = [...inner.args, ...args];
      if (library) builderDir = library.dir;
    } else if (partial?.kind === K.NODE_LAMBDA && args.length >= 1) {
      // `lib.makeConfigurations systems` with `makeConfigurations = systems: mapAttrs (host:
      // cfg: makeHost { ... }) systems;` in the helper's file: its body with the call's arguments
      // bound, read where the helper is written.
      const call = bindArguments(partial, args, env);
      let body = deref(call.body, call.env);
      for (let i = 0; body?.kind === K.NODE_LET_IN && i < 4; i++) body = deref(body.childNodes().at(-1), call.env);
      const inner = body?.kind === K.NODE_APPLY ? flattenApply(body) : undefined;
      if (inner && calleeName(inner.fn) === "mapAttrs" && inner.args.length === 2) {
        fn = inner.fn;
        args = inner.args;
        env = call.env;
        if (library) builderDir = library.dir;
      }
    }
    // `lib.flip mapAttrs hosts (name: args: ...)` is `mapAttrs (name: args: ...) hosts`.
    if (calleeName(fn) === "flip" && args.length === 3 && calleeName(unparen(args[0]) ?? fn) === "mapAttrs") {
      fn = unparen(args[0])!;
      args = [args[2]!, args[1]!];
    }
    const callee = calleeName(fn);
    if (callee === "mapAttrs" && args.length === 2) {
      // `mapAttrs (flip (value: name: ...))`: the function takes the entry's value first.
      const flipped = flippedFunction(args[0], env);
      const found = hostBuilder(flipped ?? args[0], env, apply);
      const builder = found && builderDir !== dir && found.dir === dir ? { ...found, dir: builderDir } : found;
      const order = <T,>(name: string, value: T): Array<string | T> => (flipped ? [value, name] : [name, value]);
      // The set may live in another file (`mapAttrs load (import ../hosts.nix)`, a set of host
      // name = path, or `hosts.nixos` with `hosts = import ./hosts.nix`): its paths are relative
      // to that file.
      const setArg = deref(args[1], env);
      const chosen = setArg?.kind === K.NODE_SELECT ? selectedValue(setArg, env, dir, reader) : undefined;
      const chosenSet = chosen ? deref(chosen.value, chosen.env) : undefined;
      const imported = setArg?.kind === K.NODE_APPLY ? importedFile(setArg, env, dir, reader) : chosenSet?.kind === K.NODE_ATTR_SET ? { body: chosenSet, dir: chosen!.dir } : undefined;
      const bindings = imported ? staticSetBindings(imported.body, undefined, imported.body) : staticSetBindings(args[1], env, fileRoot);
      const before = hosts.length;
      // `mapAttrs (name: data: nixosSystem { ... }) (fromJSON (readFile ./hosts.json))`: the
      // registry's entries are the hosts (through `filterAttrs`, only those whose own module
      // exists: the filter is not read).
      const registry = bindings.length === 0 ? registryArgument(args[1], env) : undefined;
      for (const [name, entry] of registry?.entries ?? []) {
        if (!linuxEntry(entry)) continue;
        const files = new HostFiles();
        if (builder) {
          const call = bindArguments(builder.lam, order(name, ""), builder.env);
          collectHostFiles(call.body, call.env, builder.dir, files, reader);
        }
        if (registry!.filtered && !(files && namesOwnModule(files, name, nixFiles))) continue;
        hosts.push({ name, file, node: apply, files, source: "flake" });
      }
      for (const b of bindings) {
        const [path, value] = b.childNodes();
        const segs = path ? attrpathSegments(path) : [];
        if (segs.length !== 1 || segs[0]!.dynamic || !value) continue;
        const name = segs[0]!.name;
        const files = new HostFiles();
        const importedPath = imported && unparen(value)?.kind === K.NODE_PATH ? pathValue(unparen(value)!, undefined, imported.dir) : undefined;
        if (importedPath !== undefined) files.add(importedPath);
        if (builder) {
          // A path from the other file is added above; the function must not read it again
          // relative to this file.
          const call = bindArguments(builder.lam, order<SyntaxNode | string>(name, importedPath !== undefined ? "" : value), builder.env);
          collectHostFiles(call.body, call.env, builder.dir, files, reader);
        } else collectHostFiles(value, env, dir, files, reader);
        hosts.push({ name, file, node: b, files, source: "flake" });
      }
      // `mapAttrs f (import ./hosts/nixos { })` whose file gives `mapAttrs g machines`: the hosts
      // are the entries of `machines`, each the value g makes of it (read where g is written),
      // handed to f. The file is part of every host (its inline modules), its paths read by f.
      const nested = bindings.length === 0 && !registry ? nestedHostSet(imported ? imported.body : args[1], imported ? undefined : env) : undefined;
      for (const entry of nested?.entries ?? []) {
        const files = new HostFiles();
        const made = bindArguments(nested!.lam, nested!.flipped ? [entry.value, entry.name] : [entry.name, entry.value], nested!.env);
        if (builder) {
          const call = bindArguments(builder.lam, order(entry.name, made.body), { values: made.env.values, up: builder.env, binders: made.env.binders });
          collectHostFiles(call.body, call.env, builder.dir, files, reader);
        } else collectHostFiles(made.body, made.env, imported?.dir ?? dir, files, reader);
        hosts.push({ name: entry.name, file, node: apply, files, source: "flake", ...(imported && "file" in imported ? { builders: new Set([imported.file]) } : {}) });
      }
      return hosts.length > before;
    }
    if (callee === "genAttrs" && args.length === 2) {
      const names = staticStrings(args[0], env);
      const builder = hostBuilder(args[1], env, apply);
      if (!names?.length || !builder) return false;
      for (const name of names) {
        const files = new HostFiles();
        const call = bindArguments(builder.lam, [name], builder.env);
        collectHostFiles(call.body, call.env, builder.dir, files, reader);
        hosts.push({ name, file, node: apply, files, source: "flake" });
      }
      return true;
    }
    return false;
  };
  /** `mapAttrs g set` (after a let, `flip g` too) whose set's entries can be read: g, and the
   * entries with their values. */
  const nestedHostSet = (expr: SyntaxNode | undefined, env: Env | undefined, depth = 0): { lam: SyntaxNode; flipped: boolean; env: Env | undefined; entries: Array<{ name: string; value: SyntaxNode }> } | undefined => {
    let n = deref(expr, env);
    for (let i = 0; n?.kind === K.NODE_LET_IN && i < 4; i++) n = deref(n.childNodes().at(-1), env);
    if (n?.kind !== K.NODE_APPLY || depth > 2) return undefined;
    const { fn, args } = flattenApply(n);
    if (calleeName(fn) !== "mapAttrs" || args.length !== 2) return undefined;
    const flipped = flippedFunction(args[0], env);
    const lam = lambdaOf(flipped ?? args[0], env);
    if (!lam) return undefined;
    let root: SyntaxNode = n;
    while (root.parent) root = root.parent;
    const entries: Array<{ name: string; value: SyntaxNode }> = [];
    for (const b of staticSetBindings(args[1], env, root)) {
      const [path, value] = b.childNodes();
      const segs = path ? attrpathSegments(path) : [];
      if (segs.length === 1 && !segs[0]!.dynamic && value) entries.push({ name: segs[0]!.name, value });
    }
    return entries.length ? { lam, flipped: flipped !== undefined, env, entries } : undefined;
  };
  /** A registry given to mapAttrs, directly or through `filterAttrs`. */
  const registryArgument = (expr: SyntaxNode | undefined, env: Env | undefined): { entries: Map<string, Record<string, unknown>>; filtered: boolean } | undefined => {
    const n = deref(expr, env);
    const call = n?.kind === K.NODE_APPLY ? flattenApply(n) : undefined;
    if (call && calleeName(call.fn) === "filterAttrs" && call.args.length === 2) {
      const entries = registryEntries(call.args[1], env, dir, reader);
      return entries ? { entries, filtered: true } : undefined;
    }
    const entries = registryEntries(n, env, dir, reader);
    return entries ? { entries, filtered: false } : undefined;
  };
  /** `builder.mkAllNixos systems` with `systems = fromTOML (readFile ./systems.toml)`: a helper of
   * the repository builds the hosts from a registry. Each entry is a host when the nixosSystem
   * calls the helper reaches (in its file), read with the entry's name for the parameters their
   * module paths interpolate (`../nixos/${hostname}`), name a module of the host that exists:
   * how the helper filters the registry (Linux entries, not home-only ones) is not read, and an
   * entry without its own NixOS module is not taken for a host. */
  const fromRegistryHelper = (apply: SyntaxNode, env: Env | undefined): boolean => {
    const { fn, args } = flattenApply(apply);
    const registry = args.map((a) => registryEntries(a, env, dir, reader)).find(Boolean);
    if (!registry) return false;
    let helper: { value: SyntaxNode; dir: string } | undefined;
    if (fn.kind === K.NODE_IDENT) {
      const lam = lambdaOf(fn, env);
      helper = lam ? { value: lam, dir } : undefined;
    } else if (fn.kind === K.NODE_SELECT && !fn.firstToken(K.TOKEN_OR)) {
      const [base, path] = fn.childNodes();
      let at: { value: SyntaxNode; env: Env | undefined; dir: string } | undefined = base ? { value: base, env, dir } : undefined;
      for (const seg of path ? attrpathSegments(path) : []) at = at && !seg.dynamic ? resolveAttr(at.value, seg.name, at.env, at.dir, reader) : undefined;
      helper = at;
    }
    const lam = unparen(helper?.value);
    if (!helper || lam?.kind !== K.NODE_LAMBDA) return false;
    const builders = reachableBuilders(lam);
    if (builders.length === 0) return false;
    const before = hosts.length;
    for (const [name, entry] of registry) {
      if (!linuxEntry(entry)) continue;
      const files = new HostFiles();
      for (const b of builders) {
        const values = new Map<string, SyntaxNode | string>(interpolatedParameters(b).map((p) => [p, name]));
        collectHostFiles(b.childNodes()[1]!, { values }, helper.dir, files, reader);
      }
      if (namesOwnModule(files, name, nixFiles)) hosts.push({ name, file, node: apply, files, source: "flake" });
    }
    return hosts.length > before;
  };
  /** `makeSystems ./hosts { extraModules = ...; specialArgs = ...; }`: a helper given a folder of
   * host folders and the arguments every host gets. Each folder is a host (its set arguments are
   * arguments, not hosts), made of the files the helper loads from it (folderHostFiles) and the
   * modules the arguments list. */
  const fromFolderHelper = (apply: SyntaxNode, env: Env | undefined): boolean => {
    if (!files || !reader) return false;
    const { fn, args } = flattenApply(apply);
    const paths = args.map((a) => unparen(a)).filter((a) => a?.kind === K.NODE_PATH);
    const sets = args.map((a) => deref(a, env)).filter((a) => a?.kind === K.NODE_ATTR_SET);
    if (paths.length !== 1 || sets.length + paths.length !== args.length) return false;
    const folder = pathValue(paths[0]!, env, dir);
    if (folder === undefined || folder === "." || folder.startsWith("..")) return false;
    const names = hostFolders(nixFiles, folder);
    // A set keyed by the folders' names is the host set itself (`mkHosts ./hosts { nas = ...; }`).
    if (names.length === 0 || sets.some((set) => names.some((name) => setAttributes(set!).has(name)))) return false;
    const loads = folderHelperLoads(calleeName(fn), nixFiles, reader);
    const before = hosts.length;
    for (const name of names) {
      const own = folderHostFiles(nixFiles, `${folder}/${name}`, loads);
      const root = own[0] ? reader.treeOf(own[0]) : undefined;
      if (!root) continue;
      const read = new HostFiles();
      for (const f of own) read.add(f);
      for (const set of sets) collectHostFiles(set!, env, dir, read, reader);
      // A folder the arguments hand over (`extraModules = findModules ./modules`): its module tree.
      for (const f of [...read]) {
        if (f.endsWith(".nix") || nixFiles.has(`${f}/default.nix`) || ![...nixFiles].some((g) => g.startsWith(`${f}/`))) continue;
        read.delete(f);
        for (const g of moduleTree([...nixFiles], f)) read.add(g);
      }
      hosts.push({ name, file: own[0]!, node: root, files: read, source: "directory" });
    }
    // The helper's file and the modules its `nixosSystem` call lists for every host.
    const shared = loads ? builderModules([...nixFiles].filter((f) => f.endsWith(".nix")), reader.treeOf, new Set(hosts.slice(before).map((h) => h.file))) : undefined;
    for (const f of loads ? nixFiles : []) if (f.endsWith(".nix") && reader.treeOf(f)?.text.includes("nixosSystem")) reader.read.add(f);
    for (const h of shared?.builders.length ? hosts.slice(before) : []) {
      for (const f of shared!.modules) h.files.add(f);
      h.builders = new Set(shared!.builders);
    }
    return true;
  };
  /** The `nixosConfigurations.<name> = <system>` a function's result gives for one name (`{
   * nixosConfigurations.${hostName} = nixosSystem { ... }; apps = ...; }`), through the helpers it
   * calls (bound to their arguments, read where they are written). */
  const madeHost = (expr: SyntaxNode | undefined, env: Env | undefined, at: string, name: string, depth = 0): { value: SyntaxNode; env: Env | undefined; dir: string } | undefined => {
    const n = deref(expr, env);
    if (!n || depth > 6) return undefined;
    if (n.kind === K.NODE_LET_IN) return madeHost(n.childNodes().at(-1), env, at, name, depth + 1);
    if (n.kind === K.NODE_APPLY) {
      const { fn, args } = flattenApply(n);
      const helper = calledHelper(fn, n, env, at, reader);
      if (!helper) return undefined;
      const call = bindArguments(helper.lam, args, env);
      return madeHost(call.body, call.env, helper.dir, name, depth + 1);
    }
    if (n.kind !== K.NODE_ATTR_SET) return undefined;
    for (const b of n.childNodes()) {
      const [path, value] = b.kind === K.NODE_ATTRPATH_VALUE ? b.childNodes() : [];
      const segs = path ? attrpathSegments(path).map((seg) => segmentName(seg, env)) : [];
      if (value && segs.length === 2 && segs[0] === "nixosConfigurations" && segs[1] === name) return { value, env, dir: at };
    }
    return undefined;
  };
  /** Does a path exist in the repository (a file, or a directory holding one)? */
  const exists = (p: string): boolean => [...(files ?? [])].some((f) => f === p || f.startsWith(`${p}/`));
  /** A condition known without evaluating: `builtins.pathExists ./hosts/${name}/hardware.nix` with
   * the name known, or a known boolean. */
  const knownCondition = (c: SyntaxNode | undefined, env: Env | undefined): boolean | undefined => {
    const n = unparen(c);
    if (n?.kind === K.NODE_APPLY) {
      const { fn, args } = flattenApply(n);
      const arg = unparen(args[0]);
      if (calleeName(fn) === "pathExists" && args.length === 1 && arg?.kind === K.NODE_PATH) {
        const p = pathValue(arg, env, writtenIn(arg) ?? dir);
        return p === undefined ? undefined : exists(p);
      }
      // `pathExists (./. + "/${dir}/configuration.nix")` with the name known.
      if (calleeName(fn) === "pathExists" && args.length === 1 && arg?.kind === K.NODE_BIN_OP && isPathConcat(arg)) {
        const p = repoPath(arg, env, writtenIn(arg) ?? dir);
        return p === undefined || p.startsWith("..") ? undefined : exists(posix.normalize(p));
      }
    }
    return staticBoolean(n, env);
  };
  type Item = { node: SyntaxNode | string; env: Env | undefined };
  /** The elements of a list expression, each with what its names are bound to: a literal list,
   * `attrNames (readDir ./hosts)` (the directory's entries), `map f xs` and `concatMap f xs` (f
   * read for each element), `optional c x`, `optionals c xs`, `if c then a else b` and `a ++ b`
   * (a condition known without evaluating picks its branch). */
  const listItems = (expr: SyntaxNode | string, env: Env | undefined, depth = 0): Item[] | undefined => {
    if (typeof expr === "string" || depth > 8) return undefined;
    const n = deref(expr, env);
    if (!n) return undefined;
    if (n.kind === K.NODE_LIST) return n.childNodes().map((c) => ({ node: c, env }));
    // `machines.nixos` with `inherit (constants) machines; constants = import ./hosts/constants.nix;`:
    // the list the selection names, read where it is written.
    if (n.kind === K.NODE_SELECT) {
      const sel = selectedValue(n, env, dir, reader);
      return sel && sel.value !== n ? listItems(sel.value, sel.env, depth + 1) : undefined;
    }
    if (n.kind === K.NODE_BIN_OP && n.firstToken(K.TOKEN_CONCAT)) {
      const parts = n.childNodes().map((c) => listItems(c, env, depth + 1));
      return parts.every(Boolean) ? parts.flatMap((p) => p!) : undefined;
    }
    if (n.kind === K.NODE_IF_ELSE) {
      const [cond, yes, no] = n.childNodes();
      const b = knownCondition(cond, env);
      if (b !== undefined) return listItems((b ? yes : no)!, env, depth + 1);
      const both = [yes, no].map((c) => (c ? listItems(c, env, depth + 1) : undefined));
      return both.every(Boolean) ? both.flatMap((p) => p!) : undefined;
    }
    if (n.kind !== K.NODE_APPLY) return undefined;
    const { fn, args } = flattenApply(n);
    const callee = calleeName(fn);
    if (callee === "attrNames" && args.length === 1 && files) {
      const inner = deref(args[0], env);
      const call = inner?.kind === K.NODE_APPLY ? flattenApply(inner) : undefined;
      const path = call && calleeName(call.fn) === "readDir" ? unparen(call.args[0]) : undefined;
      const d = path?.kind === K.NODE_PATH ? pathValue(path, env, writtenIn(path) ?? dir) : undefined;
      if (d === undefined) return undefined;
      const prefix = d === "." || d === "" ? "" : `${d}/`;
      const names = new Set<string>();
      for (const f of files) if (f.startsWith(prefix)) names.add(f.slice(prefix.length).split("/")[0]!);
      return [...names].sort().map((name) => ({ node: name, env }));
    }
    if ((callee === "optional" || callee === "optionals") && args.length === 2) {
      if (knownCondition(args[0], env) === false) return [];
      return callee === "optional" ? [{ node: args[1]!, env }] : listItems(args[1]!, env, depth + 1);
    }
    if (callee === "filter" && args.length === 2) {
      // `filter (dir: pathExists (./. + "/${dir}/configuration.nix")) entries`: the elements
      // the condition does not rule out (known false: left out).
      const lam = lambdaOf(args[0], env);
      const items = lam ? listItems(args[1]!, env, depth + 1) : undefined;
      if (!lam || !items) return undefined;
      return items.filter((it) => {
        const bound = bindArguments(lam, [it.node], it.env);
        return knownCondition(bound.body, bound.env) !== false;
      });
    }
    if ((callee === "map" || callee === "concatMap") && args.length === 2) {
      const lam = lambdaOf(args[0], env);
      const items = lam ? listItems(args[1]!, env, depth + 1) : undefined;
      if (!lam || !items) return undefined;
      const out: Item[] = [];
      for (const it of items) {
        const bound = bindArguments(lam, [it.node], it.env);
        if (callee === "map") out.push({ node: bound.body, env: bound.env });
        else {
          const inner = listItems(bound.body, bound.env, depth + 1);
          if (!inner) return undefined;
          out.push(...inner);
        }
      }
      return out;
    }
    return undefined;
  };
  /** `listToAttrs (concatMap (host: if pathExists ./hosts/${host.name}/hardware.nix then [ {
   * inherit (host) name; value = nixosSystem { ... }; } ] else [ ]) hosts)`: each element whose
   * name is known is a host, made of what its value names. */
  const fromNameValueList = (apply: SyntaxNode, env: Env | undefined): boolean => {
    const { fn, args } = flattenApply(apply);
    if (calleeName(fn) !== "listToAttrs" || args.length !== 1) return false;
    const items = listItems(args[0]!, env);
    if (!items) return false;
    const before = hosts.length;
    for (const it of items) {
      let set = typeof it.node === "string" ? undefined : deref(it.node, it.env);
      // `let sys = ...; in { inherit name; value = nixosSystem { ... }; }`: the let's body.
      for (let i = 0; set?.kind === K.NODE_LET_IN && i < 4; i++) set = deref(set.childNodes().at(-1), it.env);
      // `nameValuePair name (nixosSystem { ... })`.
      const pair = set?.kind === K.NODE_APPLY ? flattenApply(set) : undefined;
      if (pair && calleeName(pair.fn) === "nameValuePair" && pair.args.length === 2) {
        const name = nameText(pair.args[0], it.env);
        if (name === undefined || hosts.some((h) => h.name === name)) continue;
        const own = new HostFiles();
        collectHostFiles(pair.args[1]!, it.env, dir, own, reader);
        hosts.push({ name, file, node: set!, files: own, source: "flake" });
        continue;
      }
      if (set?.kind !== K.NODE_ATTR_SET) continue;
      const name = stringAttr(set, "name", it.env);
      const value = setAttributes(set).get("value");
      if (name === undefined || !value || hosts.some((h) => h.name === name)) continue;
      const own = new HostFiles();
      collectHostFiles(value, it.env, dir, own, reader);
      // A name whose own module (`./hosts/${name}/configuration.nix`) the repository does not hold
      // cannot be built (its folder was removed or never committed): no host.
      const named = [...own].filter((f) => f.endsWith(".nix") && f.split("/").includes(name));
      if (files && named.length > 0 && named.every((f) => !files.has(f))) continue;
      hosts.push({ name, file, node: set, files: own, source: "flake" });
    }
    return hosts.length > before;
  };
  /** `mapDir (hostName: mkHost { inherit hostName; configuration = ./hosts/${hostName}; })
   * ./hosts`: a function called for each folder of a directory, whose result declares
   * `nixosConfigurations.<folder>`. Each folder is a host, with the modules its system is given
   * and the folder itself when the function names a path with the folder's name. */
  const fromEntryMapper = (apply: SyntaxNode, env: Env | undefined): boolean => {
    if (!files) return false;
    const { args } = flattenApply(apply);
    const lam = args.map((a) => unparen(a)).find((a) => a?.kind === K.NODE_LAMBDA && a.childNodes()[0]?.kind === K.NODE_IDENT_PARAM);
    const folder = args.map((a) => unparen(a)).find((a) => a?.kind === K.NODE_PATH);
    const d = folder ? pathValue(folder, env, dir) : undefined;
    if (!lam || d === undefined) return false;
    const prefix = d === "." || d === "" ? "" : `${d}/`;
    const names = new Set<string>();
    for (const f of files) {
      const rest = f.startsWith(prefix) ? f.slice(prefix.length).split("/") : [];
      if (rest.length >= 2) names.add(rest[0]!);
    }
    const param = lam.childNodes()[0]!.childNodes()[0]!.text;
    const namesFolder = interpolatedParameters(lam).includes(param);
    const before = hosts.length;
    for (const name of [...names].sort()) {
      const call = bindArguments(lam, [name], env);
      const made = madeHost(call.body, call.env, dir, name);
      if (!made) continue;
      const own = new HostFiles();
      if (namesFolder) own.add(`${prefix}${name}`);
      collectHostFiles(made.value, made.env, made.dir, own, reader);
      hosts.push({ name, file, node: apply, files: own, source: "flake" });
    }
    return hosts.length > before;
  };
  /** Host records given to a helper in a list (`[ { hostName = "a"; modules = [ ./a ]; } ]`): each
   * a host named by its string `hostName` (or `hostname`, `name`), made of its modules and of the
   * modules the helper's `nixosSystem` calls give every host. */
  const fromHostRecords = (apply: SyntaxNode, env: Env | undefined): boolean => {
    const { fn, args } = flattenApply(apply);
    const list = args.map((a) => deref(a, env)).find((a) => a?.kind === K.NODE_LIST);
    const records = list?.childNodes().map((c) => deref(c, env)) ?? [];
    const named = records.map((r) => {
      const attrs = r?.kind === K.NODE_ATTR_SET ? setAttributes(r) : undefined;
      const key = ["hostName", "hostname", "name"].find((k) => unparen(attrs?.get(k))?.kind === K.NODE_STRING);
      const name = key ? staticString(unparen(attrs!.get(key))!) : undefined;
      return name && /^[\w.-]+$/.test(name) ? { name, record: r!, attrs: attrs! } : undefined;
    });
    if (named.length === 0 || named.some((x) => x === undefined)) return false;
    const helper = hostBuilder(fn, env, apply);
    const before = hosts.length;
    for (const x of named) {
      const files = new HostFiles();
      const modules = x!.attrs.get("modules");
      if (modules) collectHostFiles(modules, env, dir, files, reader);
      const given = x!.attrs.get("specialArgs");
      if (given) collectArgs(deref(given, env), env, files, dir);
      for (const call of helper ? reachableBuilders(helper.lam) : []) collectHostFiles(call.childNodes()[1]!, helper!.env, helper!.dir, files, reader);
      hosts.push({ name: x!.name, file, node: x!.record, files, source: "flake" });
    }
    return hosts.length > before;
  };
  /** flake-utils-plus: `mkFlake { hosts.<name>.modules = [ ... ]; hostDefaults.modules = [ ... ]; }`,
   * each host made of its modules and the defaults. */
  const fromMkFlakeHosts = (apply: SyntaxNode, env: Env | undefined): boolean => {
    const { fn, args } = flattenApply(apply);
    const set = calleeName(fn) === "mkFlake" && args.length === 1 ? deref(args[0], env) : undefined;
    if (set?.kind !== K.NODE_ATTR_SET) return false;
    const bindings: Array<{ path: string[]; value: SyntaxNode }> = [];
    flatBindings(set, [], bindings);
    const defaults = bindings.filter((b) => b.path.join(".") === "hostDefaults.modules");
    const own = bindings.filter((b) => b.path.length === 3 && b.path[0] === "hosts" && b.path[2] === "modules" && b.path[1] !== "*");
    if (own.length === 0) return false;
    const names = [...new Set(own.map((b) => b.path[1]!))];
    // A host whose own module list names a file the repository does not hold cannot be built (its
    // host file was removed or never committed): no host.
    const missing = (value: SyntaxNode): boolean =>
      !!files &&
      value.descendants(K.NODE_PATH).some((p) => {
        if (p.firstChild(K.NODE_INTERPOL)) return false;
        for (let a = p.parent; a && a !== value; a = a.parent) if (a.kind === K.NODE_LAMBDA) return false;
        const rel = pathValue(p, undefined, dir);
        return rel !== undefined && !rel.startsWith("..") && !files.has(rel) && ![...files].some((f) => f.startsWith(`${rel}/`));
      });
    for (const name of names) {
      if (own.some((x) => x.path[1] === name && missing(x.value))) continue;
      const files = new HostFiles();
      for (const b of [...own.filter((x) => x.path[1] === name), ...defaults]) collectHostFiles(b.value, env, dir, files, reader);
      const node = own.find((x) => x.path[1] === name)!.value.parent ?? apply;
      hosts.push({ name, file, node, files, source: "flake" });
    }
    return true;
  };
  /** A function over a flake-parts option of the repository's own: `mkSystems { builder = ...; }
   * config.configurations.nixos`, `flip mapAttrs config.configurations.nixos (name: { module }:
   * nixosSystem { modules = [ module ]; })` (the dendritic pattern). The option's entries, written
   * in any module of the flake (`configurations.nixos.energy.module = { imports = [ ... ]; };`),
   * are the hosts, each made of the files writing its entry; the call's other arguments (the
   * builder, its extra modules) name no hosts. A registry named `...nixosConfigurations` is read
   * by registryHosts. */
  const fromOptionEntries = (apply: SyntaxNode, env: Env | undefined, piped: SyntaxNode[] = []): boolean => {
    if (!files || !reader) return false;
    let option: string[] | undefined;
    for (const a of [...flattenApply(apply).args, ...piped]) {
      const d = deref(a, env);
      const text = d?.kind === K.NODE_SELECT && !d.firstToken(K.TOKEN_OR_KW) && !d.firstToken(K.TOKEN_OR) ? d.text.replace(/\s+/g, "") : "";
      const m = /^config\.([\w'-]+(?:\.[\w'-]+)*)$/.exec(text);
      if (m && !m[1]!.startsWith("flake.") && !m[1]!.split(".").includes("nixosConfigurations")) option = m[1]!.split(".");
    }
    if (!option) return false;
    const last = option.at(-1)!;
    const found = optionEntryFiles(files, reader, option, last);
    found.delete("*");
    // The modules the option's submodule type gives every entry (`options.nixosHosts = mkOption {
    // type = attrsOf (submodule [ ({ name, ... }: { modules = [ config.flake.modules.nixos.core ];
    // }) ]); }`): every host's.
    const shared: Array<{ value: SyntaxNode; dir: string }> = [];
    for (const f of files) {
      const tree = f.endsWith(".nix") && found.size > 0 ? reader.treeOf(f) : undefined;
      if (!tree || !tree.text.includes("submodule") || !tree.text.includes(last)) continue;
      for (const b of tree.descendants(K.NODE_ATTRPATH_VALUE)) {
        const full = bindingPath(b);
        if (full[0] !== "options" || full.length !== option.length + 1 || !option.every((x, i) => full[i + 1] === x)) continue;
        const value = b.childNodes()[1];
        if (!value || !/\bsubmodule\b/.test(value.text)) continue;
        for (const m of value.descendants(K.NODE_ATTRPATH_VALUE)) {
          const [mp, mv] = m.childNodes();
          if (["modules", "config.modules"].includes(mp?.text.replace(/\s+/g, "") ?? "") && mv && unparen(mv)?.kind === K.NODE_LIST) shared.push({ value: mv, dir: posix.dirname(f) === "." ? "" : posix.dirname(f) });
        }
      }
    }
    for (const h of found.values()) for (const sh of shared) collectHostFiles(sh.value, undefined, sh.dir, h, reader);
    // Declared where the option's set is built (the entries' files are the hosts' modules, read
    // through their imports as any module is).
    for (const [name, own] of [...found].sort(([a], [b]) => a.localeCompare(b))) hosts.push({ name, file, node: apply, files: own, source: "flake" });
    // The option is the host set even when no module gives it an entry yet.
    return true;
  };
  /** `config.flake.modules.nixos |> filterAttrs (name: _: hasPrefix "hosts-" name) |> mapAttrs'
   * (name: module: { name = removePrefix "hosts-" name; value = nixosSystem { modules = [ module ];
   * }; })`: each module of the flake whose name has the prefix is a host (named without it), made
   * of the files writing that module. */
  const fromPrefixedModules = (pipe: SyntaxNode, env: Env | undefined): boolean => {
    if (!files || !reader) return false;
    const steps: SyntaxNode[] = [];
    let cur: SyntaxNode | undefined = pipe;
    while (cur?.kind === K.NODE_BIN_OP && cur.firstToken(K.TOKEN_PIPE_INTO)) {
      const [l, r]: Array<SyntaxNode | undefined> = cur.childNodes().map((c) => unparen(c));
      if (r) steps.unshift(r);
      cur = l;
    }
    const input = cur?.kind === K.NODE_SELECT ? cur.text.replace(/\s+/g, "") : "";
    const m = /^config\.([\w'-]+(?:\.[\w'-]+)*)$/.exec(input);
    if (!m) return false;
    const option = m[1]!.split(".");
    // The prefix a filter keeps (`hasPrefix p name`), through a let-bound string.
    const prefixOf = (step: SyntaxNode, fnName: string, test: string): string | undefined => {
      if (step.kind !== K.NODE_APPLY || calleeName(flattenApply(step).fn) !== fnName) return undefined;
      for (const a of step.descendants(K.NODE_APPLY)) {
        const { fn, args } = flattenApply(a);
        if (calleeName(fn) !== test || args.length !== 2) continue;
        const p = deref(args[0], env);
        const text = p?.kind === K.NODE_STRING ? staticString(p) : undefined;
        if (text) return text;
      }
      return undefined;
    };
    const kept = steps.map((st) => prefixOf(st, "filterAttrs", "hasPrefix")).find((x) => x !== undefined);
    const renamed = steps.map((st) => prefixOf(st, "mapAttrs'", "removePrefix")).find((x) => x !== undefined);
    if (kept === undefined || renamed !== kept) return false;
    const found = new Map<string, HostFiles>();
    for (const [name, own] of optionEntryFiles(files, reader, option, kept)) if (name.startsWith(kept) && name.length > kept.length) found.set(name.slice(kept.length), own);
    for (const [name, own] of [...found].sort(([a], [b]) => a.localeCompare(b))) hosts.push({ name, file, node: pipe, files: own, source: "flake" });
    return found.size > 0;
  };
  const visit = (node: SyntaxNode, env: Env | undefined, prefix: string[], depth: number): void => {
    const n = unparen(node);
    if (!n || depth > 64) return;
    // Inside `nixosConfigurations = ...`, a function builds each host of a computed set
    // (`mapAttrs (name: v: nixosSystem { system = ..; modules = ..; }) ..`): its set holds one
    // host's arguments, not host names.
    const hostSet = prefix.at(-1) === "nixosConfigurations";
    if (hostSet && n.kind === K.NODE_LAMBDA) return;
    if (hostSet && n.kind === K.NODE_LIST) {
      // mergeAttrsList [ { a = ...; } { b = ...; } ]
      for (const c of n.childNodes()) visit(c, env, prefix, depth + 1);
      return;
    }
    if (hostSet && n.kind === K.NODE_APPLY) {
      // `options.x.nixosConfigurations = mkOption { type = ...; default = ...; }` declares an
      // option: its arguments (type, default, description...) are no hosts.
      if (OPTION_DECLARATORS.test(calleeName(flattenApply(n).fn) ?? "")) return;
      // `nixosConfigurations = import ./nodes { nodes = { a = { modules = [ ./a ]; }; }; }`: the
      // imported file's value, given the arguments, is the host set (a directory read somewhere
      // in the arguments, `pkgs = mkPkgs { ... }`, lists no hosts).
      if (calleeName(flattenApply(n).fn) === "import" && flattenApply(n).args.length > 1) {
        const found = importedHostSet(n, env, prefix, depth);
        if (found.length > 0) return void hosts.push(...found);
      }
      if (fromOptionEntries(n, env) || fromNameValueList(n, env) || fromDirectory(n, env) || fromComputedSet(n, env) || fromRegistryHelper(n, env) || fromFolderHelper(n, env)) return;
      const { fn, args } = flattenApply(n);
      // `nixosConfigurations = import ./hosts/entry.nix { ... }`: the file's value is the host set.
      if (calleeName(fn) === "import") return void hosts.push(...importedHostSet(n, env, prefix, depth));
      // `mkHost { name = "nas"; ... }` with a helper that returns `{ ${name} = nixosSystem ...; }`:
      // the host is named by what the helper's result is keyed by, not by the arguments.
      const helper = lambdaOf(fn, env);
      if (helper) {
        const call = bindArguments(helper, args, env);
        if (keyedByParameter(call.body)) return visit(call.body, call.env, prefix, depth + 1);
      }
      // `mkConfigurations "x86_64-linux" [ { hostName = "laptop"; modules = [ ./hosts/laptop ]; } ]`:
      // a list of host records, each named by its `hostName` (not a set of hosts).
      if (fromHostRecords(n, env)) return;
      // A helper given the host set (`mkHosts { nas = ./nas.nix; }`) or a merge of sets: its set
      // arguments name hosts. A call among them (`genAttrs names (mkHost { minimal = false; })`)
      // is given one host's arguments, not host names.
      for (const a of args) {
        const arg = unparen(a);
        if (arg?.kind === K.NODE_APPLY && !MERGE_FUNCTIONS.has(calleeName(flattenApply(arg).fn) ?? "")) continue;
        if (arg) visit(arg, env, prefix, depth + 1);
      }
      return;
    }
    // `config.nixos.configurations |> lib.mapAttrs (name: { configuration, ... }: configuration)`:
    // the function applied to the option's entries (nix's pipe operator).
    if (hostSet && n.kind === K.NODE_BIN_OP && n.firstToken(K.TOKEN_PIPE_INTO)) {
      const [input, f] = n.childNodes().map((c) => unparen(c));
      if (input && f?.kind === K.NODE_APPLY && calleeName(flattenApply(f).fn) === "mapAttrs" && fromOptionEntries(f, env, [input])) return;
      if (fromPrefixedModules(n, env)) return;
    }
    if (n.kind === K.NODE_LAMBDA) return visit(n.childNodes()[1]!, env, prefix, depth + 1);
    if (n.kind === K.NODE_LET_IN) return visit(n.childNodes().at(-1)!, env, prefix, depth + 1);
    if (n.kind === K.NODE_WITH) return visit(n.childNodes()[1]!, env, prefix, depth + 1);
    if (n.kind === K.NODE_BIN_OP) {
      for (const c of n.childNodes()) visit(c, env, prefix, depth + 1);
      return;
    }
    if (n.kind === K.NODE_APPLY) {
      if (fromEntryMapper(n, env) || fromMkFlakeHosts(n, env)) return;
      // flake-utils / flake-parts wrappers: look into their arguments.
      for (const a of flattenApply(n).args) visit(a, env, prefix, depth + 1);
      return;
    }
    // `recursiveMergeAttrs ([ { ... } ] ++ (mapDir mkHost ./hosts))`: a list of output sets merged.
    if (n.kind === K.NODE_LIST && !hostSet && prefix.length === 0) {
      for (const c of n.childNodes()) visit(c, env, prefix, depth + 1);
      return;
    }
    if (n.kind !== K.NODE_ATTR_SET) return;
    for (const b of n.childNodes()) {
      const inherited = inheritedHostSet(b, prefix);
      if (inherited) visit(inherited, env, [...prefix, "nixosConfigurations"], depth + 1);
      if (b.kind !== K.NODE_ATTRPATH_VALUE) continue;
      const [path, value] = b.childNodes();
      if (!path || !value) continue;
      const segs = attrpathSegments(path).map((seg) => segmentName(seg, env));
      const full = [...prefix, ...segs];
      const at = full[0] === "options" ? -1 : full.indexOf("nixosConfigurations");
      const registry = at > 0 ? full.slice(full[0] === "config" ? 1 : 0, at).join(".") : "";
      if (at >= 0 && full.length >= at + 3 && registry !== "" && registry !== "flake" && full[at + 1] !== "*") {
        // `my.nixosConfigurations.<name>.system = "x86_64-linux";`: an entry of the repository's
        // own host registry (a submodule option whose config builds the system), not a system.
        const name = full[at + 1]!;
        let h = hosts.find((x) => x.registry === registry && x.name === name);
        if (!h) hosts.push((h = { name, file, node: b, files: new HostFiles(), source: "flake", registry }));
        if (full.length === at + 3 && full[at + 2] === "modules" && h.files instanceof HostFiles) collectHostFiles(value, env, dir, h.files, reader);
        continue;
      }
      if (at >= 0 && full.length === at + 2 && full[at + 1] !== "*") {
        const files = new HostFiles();
        collectHostFiles(value, env, dir, files, reader);
        hosts.push({ name: full[at + 1]!, file, node: b, files, source: "flake" });
      } else if (at >= 0 && full.length === at + 1) {
        // `nixosConfigurations = { a = ...; }`; a computed set (mapAttrs over a directory) is not
        // statically known.
        const set = unparen(value);
        if (set) visit(set, env, full, depth + 1);
      } else if (at < 0) visit(value, env, full, depth + 1);
    }
  };
  /** The hosts of an imported file whose value is the host set, read there. */
  const importedHostSet = (apply: SyntaxNode, env: Env | undefined, prefix: string[], depth: number): DeclaredHost[] => {
    const rel = reader && depth < 32 ? repoPath(flattenApply(apply).args[0], env, dir) : undefined;
    const target = rel === undefined ? undefined : rel.endsWith(".nix") ? rel : posix.join(rel, "default.nix");
    const tree = target && target !== file ? reader!.treeOf(target) : undefined;
    if (!tree) return [];
    reader!.read.add(target!);
    // `import ./nodes { nodes = { a = ...; }; }`: the file's function is given the call's arguments
    // (its `mapAttrs (k: v: mkHost v) nodes` reads the set written here).
    const found = declaredHosts(tree, target!, files, reader, prefix, { args: flattenApply(apply).args.slice(1), env });
    // A host whose binding is written here (the set handed to the file) is declared here.
    for (const h of found) {
      let r = h.node;
      while (r.parent) r = r.parent;
      if (r !== tree) h.file = file;
    }
    return found;
  };
  const body = unparen(fileRoot.childNodes().find((c) => c.kind !== K.NODE_ERROR));
  if (!body) return hosts;
  // A flake whose outputs are its folders (`mapAttrs (n: _: import (./. + "/${n}/_default.nix"))
  // (readDir ./.)`): nixosConfigurations/_default.nix is the host set.
  const entry = file === "flake.nix" && files && reader ? folderOutputEntry(body) : undefined;
  const outputFile = entry ? `nixosConfigurations/${entry}` : undefined;
  const outputTree = outputFile && files!.has(outputFile) ? reader!.treeOf(outputFile) : undefined;
  if (outputTree) {
    reader!.read.add(outputFile!);
    hosts.push(...declaredHosts(outputTree, outputFile!, files, reader, ["nixosConfigurations"]));
  }
  if (within.length > 0) {
    // The file's function (`{ self, ... }: ...`) returns the host set.
    let value: SyntaxNode | undefined = body;
    let env: Env | undefined;
    if (value.kind === K.NODE_LAMBDA && given && given.args.length > 0) {
      const call = bindArguments(value, given.args, given.env);
      value = unparen(call.body);
      env = call.env;
    }
    while (value?.kind === K.NODE_LAMBDA) value = unparen(value.childNodes()[1]);
    if (value) visit(value, env, within, 0);
  }
  else if (file === "flake.nix" && body.kind === K.NODE_ATTR_SET) {
    for (const b of body.childNodes()) {
      if (b.kind !== K.NODE_ATTRPATH_VALUE) continue;
      const [path, value] = b.childNodes();
      const segs = path ? attrpathSegments(path) : [];
      if (segs[0]?.name === "outputs" && value) visit(value, undefined, [], 0);
    }
  } else visit(body, undefined, [], 0);
  return hosts;
}

/** `inherit nixosConfigurations;` in the outputs, with `nixosConfigurations = mkHosts ./hosts { }`
 * bound by a let around them: the host set's expression. */
function inheritedHostSet(b: SyntaxNode, prefix: string[]): SyntaxNode | undefined {
  if (b.kind !== K.NODE_INHERIT || b.firstChild(K.NODE_INHERIT_FROM) || prefix.includes("nixosConfigurations")) return undefined;
  const id = b.childNodes().find((c) => c.kind === K.NODE_IDENT && c.text === "nixosConfigurations");
  const r = id ? resolveLexical(id) : undefined;
  return r?.kind === "let" || r?.kind === "rec" ? r.value : undefined;
}

/** The folders of `folder` holding Nix files, by name (not `_name` or `.name`, which host helpers
 * skip by convention). */
function hostFolders(nixFiles: ReadonlySet<string>, folder: string): string[] {
  const names = new Set<string>();
  for (const f of nixFiles) {
    if (!f.startsWith(`${folder}/`)) continue;
    const rest = f.slice(folder.length + 1).split("/");
    if (rest.length >= 2 && !/^[_.]/.test(rest[0]!)) names.add(rest[0]!);
  }
  return [...names].sort();
}

/** What a folder helper loads from each host's folder, read from its definition (a binding of its
 * name to a function that lists a directory, in any file of the repository): the file names its
 * strings give (`"${dir}/${name}/config.nix"`), and whether it lists the folder's modules
 * recursively (`listModulesRecursive hostPath`). Undefined when it is not found. */
function folderHelperLoads(name: string | undefined, nixFiles: ReadonlySet<string>, reader: Reader): { entries: string[]; recursive: boolean; file: string } | undefined {
  if (!name || !/^[\w'-]+$/.test(name)) return undefined;
  const binding = new RegExp(`(?<![\\w'.-])${escapeRegExp(name)}\\s*=`);
  for (const file of nixFiles) {
    const tree = file.endsWith(".nix") ? reader.treeOf(file) : undefined;
    if (!tree || !tree.text.includes(name) || !binding.test(tree.text)) continue;
    for (const b of tree.descendants(K.NODE_ATTRPATH_VALUE)) {
      const [path, value] = b.childNodes();
      const lam = unparen(value);
      if (path?.text.trim() !== name || lam?.kind !== K.NODE_LAMBDA || !lam.text.includes("readDir")) continue;
      reader.read.add(file);
      const entries = new Set<string>();
      for (const c of lam.descendants(K.NODE_STRING)) for (const m of c.text.matchAll(/\/([\w.-]+\.nix)\b/g)) entries.add(m[1]!);
      const recursive = lam.descendants(K.NODE_IDENT).some((id) => /Recursive|^rakeLeaves$/.test(id.text));
      return { entries: [...entries], recursive, file };
    }
  }
  return undefined;
}

/** A host folder's files as its helper loads them: every module under it for a recursive listing,
 * else the entries the helper names (or, when it cannot be read, default.nix / configuration.nix,
 * else the folder's top-level Nix files). The entry first. */
function folderHostFiles(nixFiles: ReadonlySet<string>, folder: string, loads: { entries: string[]; recursive: boolean; file: string } | undefined): string[] {
  const all = [...nixFiles].filter((f) => f.startsWith(`${folder}/`) && f.endsWith(".nix")).sort();
  const top = all.filter((f) => !f.slice(folder.length + 1).includes("/"));
  const named = [...(loads?.entries ?? []), ...HOST_ENTRIES].map((e) => `${folder}/${e}`).filter((f) => nixFiles.has(f));
  const own = loads?.recursive ? [...named, ...all] : named.length ? named : loads ? [] : top;
  return [...new Set(own.length ? own : loads?.recursive ? all : [])];
}

/** A flake whose outputs are its own folders: its outputs read the root (`readDir ./.`) and
 * import `./. + "/${n}/<entry>"` for a name n of it; the entry's file name (`_default.nix`). */
export function folderOutputEntry(flakeBody: SyntaxNode): string | undefined {
  if (!flakeBody.text.includes("readDir")) return undefined;
  const readsRoot = flakeBody.descendants(K.NODE_PATH).some((p) => p.text === "./." || p.text === "./");
  if (!readsRoot) return undefined;
  for (const str of flakeBody.descendants(K.NODE_STRING)) {
    const m = /^"\/\$\{\s*([\w'-]+)\s*\}\/([\w.-]+\.nix)"$/.exec(str.text);
    const inner = m ? str.descendants(K.NODE_IDENT)[0] : undefined;
    const r = inner ? resolveLexical(inner) : undefined;
    if (m && (r?.kind === "param" || r?.kind === "formal")) return m[2];
  }
  return undefined;
}

/** Is this (a function's result) a set keyed by a computed name: `{ ${name} = ...; }`? */
function keyedByParameter(body: SyntaxNode): boolean {
  let n = unparen(body);
  while (n?.kind === K.NODE_LET_IN) n = unparen(n.childNodes().at(-1));
  if (n?.kind !== K.NODE_ATTR_SET) return false;
  return n.childNodes().some((b) => {
    if (b.kind !== K.NODE_ATTRPATH_VALUE) return false;
    const segs = b.childNodes()[0] ? attrpathSegments(b.childNodes()[0]!) : [];
    return segs.length === 1 && segs[0]!.dynamic;
  });
}

/** The full attribute path of a binding: its own path after those of the bindings it is nested in. */
function bindingPath(b: SyntaxNode, stop?: (n: SyntaxNode) => boolean): string[] {
  const out: string[] = [];
  for (let n: SyntaxNode | null = b; n && !stop?.(n); n = n.parent) {
    if (n.kind !== K.NODE_ATTRPATH_VALUE) continue;
    const path = n.childNodes()[0];
    out.unshift(...(path ? attrpathSegments(path).map((seg) => (seg.dynamic ? "*" : seg.name)) : []));
  }
  return out;
}

// What `${self}` stands for while a registry's paths are read: the flake's root.
const FLAKE_ROOT = "\0root";

/** The `config` set of the submodule an option declaration's type is made of (`attrsOf (submodule
 * ({ name, config, ... }: { options = ...; config = { ... }; }))`), with the submodule's lambda. */
function submoduleConfig(decl: SyntaxNode): SyntaxNode | undefined {
  for (const apply of [decl, ...decl.descendants(K.NODE_APPLY)]) {
    if (apply.kind !== K.NODE_APPLY) continue;
    const { fn, args } = flattenApply(apply);
    if (calleeName(fn) !== "submodule" || args.length !== 1) continue;
    let body = unparen(args[0]);
    while (body?.kind === K.NODE_LAMBDA) body = unparen(body.childNodes()[1]);
    if (body?.kind === K.NODE_LET_IN) body = unparen(body.childNodes().at(-1));
    if (body?.kind !== K.NODE_ATTR_SET) continue;
    for (const b of body.childNodes()) {
      const [path, value] = b.kind === K.NODE_ATTRPATH_VALUE ? b.childNodes() : [];
      if (path?.text.trim() === "config" && unparen(value)?.kind === K.NODE_ATTR_SET) return unparen(value);
    }
  }
  return undefined;
}

/**
 * The hosts of a repository's own registry options given their modules: the module declaring
 * `options.<registry>.nixosConfigurations` builds each entry's system from its submodule's
 * config, where paths with `${name}` (`"${self}/hosts/${name}.nix"`, through other string
 * attributes of that config: `"${config.configFolder}/${name}.nix"`) name the entry's modules,
 * and `self.nixosModules` references add the flake's exported modules. An entry whose registry
 * option is declared nowhere the scan reads is dropped (it is not known to build a system).
 */
export function registryHosts(root: PathKinds, declared: DeclaredHost[], files: readonly string[], treeOf: (file: string) => SyntaxNode | undefined): DeclaredHost[] {
  const registries = new Set(declared.flatMap((h) => (h.registry ? [h.registry] : [])));
  // Entries written as hosts (`config.fp-lib.nixosConfigurations.tank = { ... }`) that a module of
  // the repository builds (registryBuilders): what the builder gives each is theirs.
  const entryRegistry = (h: DeclaredHost): string | undefined => {
    if (h.registry || h.source !== "flake" || h.node.kind !== K.NODE_ATTRPATH_VALUE) return undefined;
    const full = bindingPath(h.node);
    const at = full.indexOf("nixosConfigurations");
    const reg = at === full.length - 2 ? full.slice(full[0] === "config" ? 1 : 0, at).join(".") : "";
    return reg !== "" && reg !== "flake" ? reg : undefined;
  };
  const entries = new Set(declared.flatMap((h) => entryRegistry(h) ?? []));
  if (registries.size === 0 && entries.size === 0) return declared;
  const configs = new Map<string, { config: SyntaxNode; file: string }>();
  for (const file of files) {
    const tree = file.endsWith(".nix") ? treeOf(file) : undefined;
    if (!tree || !tree.text.includes("nixosConfigurations")) continue;
    for (const b of tree.descendants(K.NODE_ATTRPATH_VALUE)) {
      const full = bindingPath(b);
      if (full[0] !== "options" || full.at(-1) !== "nixosConfigurations") continue;
      const registry = full.slice(1, -1).join(".");
      const value = unparen(b.childNodes()[1]);
      const config = registries.has(registry) && !configs.has(registry) && value ? submoduleConfig(value) : undefined;
      if (config) configs.set(registry, { config, file });
    }
  }
  const reader: Reader = { treeOf, read: new Set() };
  const builders = registryBuilders(files, treeOf, new Set([...registries, ...entries]));
  const out: DeclaredHost[] = [];
  for (const h of declared) {
    const entry = entryRegistry(h);
    if (entry && builders.has(entry)) {
      const files = new HostFiles();
      for (const f of h.files) files.add(f);
      if (h.files instanceof HostFiles) files.computed.push(...h.files.computed);
      for (const b of builders.get(entry)!) registryBuilt(b, h.name, files, reader);
      out.push({ ...h, files });
      continue;
    }
    if (!h.registry) {
      out.push(h);
      continue;
    }
    const decl = configs.get(h.registry);
    if (!decl) continue;
    const dir = posix.dirname(decl.file) === "." ? "" : posix.dirname(decl.file);
    const values = new Map<string, SyntaxNode | string>([["name", h.name], ["self", FLAKE_ROOT], ["inputs.self", FLAKE_ROOT]]);
    const env: Env = { values };
    const bindings = decl.config.childNodes().filter((b) => b.kind === K.NODE_ATTRPATH_VALUE);
    // String attributes of the config, as `config.<attr>` (a few rounds: one may use another).
    for (let round = 0; round < 3; round++) {
      for (const b of bindings) {
        const [path, value] = b.childNodes();
        const v = unparen(value);
        const text = v?.kind === K.NODE_STRING ? stringValue(v, env) : undefined;
        if (path && text !== undefined) values.set(`config.${path.text.trim()}`, text);
      }
    }
    const files = new HostFiles();
    for (const f of h.files) files.add(f);
    if (h.files instanceof HostFiles) files.computed.push(...h.files.computed);
    const named = (n: SyntaxNode) => n.descendants(K.NODE_INTERPOL).some((i) => unparen(i.firstChild())?.text === "name");
    for (const n of decl.config.descendants(K.NODE_STRING)) {
      if (n.inside(K.NODE_STRING) || !named(n)) continue;
      const text = stringValue(n, env);
      if (text === undefined || !text.startsWith(`${FLAKE_ROOT}/`)) continue;
      const rel = posix.normalize(text.slice(FLAKE_ROOT.length + 1));
      if (!rel.startsWith("../") && resolveModuleFile(root, rel)) files.add(rel);
    }
    for (const n of decl.config.descendants(K.NODE_PATH)) {
      const p = !n.inside(K.NODE_PATH) && named(n) ? pathValue(n, env, dir) : undefined;
      if (p !== undefined && resolveModuleFile(root, p)) files.add(p);
    }
    for (const n of decl.config.descendants(K.NODE_SELECT)) if (!n.inside(K.NODE_SELECT) && selfOutputRef(n)) files.computed.push({ node: n, env: undefined, dir });
    for (const b of builders.get(h.registry) ?? []) registryBuilt(b, h.name, files, reader);
    out.push({ ...h, files });
  }
  return out;
}

/** A flake-parts module building the registry's systems itself: `flake.nixosConfigurations =
 * generateSystem cfg` with `cfg = config.<registry>.nixosConfigurations` and `generateSystem =
 * mapAttrs (name: conf: ... nixosSystem { ... })` in its let: the function, by registry. */
function registryBuilders(files: readonly string[], treeOf: (file: string) => SyntaxNode | undefined, registries: ReadonlySet<string>): Map<string, Array<{ lam: SyntaxNode; dir: string }>> {
  const out = new Map<string, Array<{ lam: SyntaxNode; dir: string }>>();
  for (const file of files) {
    const tree = file.endsWith(".nix") ? treeOf(file) : undefined;
    if (!tree || !tree.text.includes("nixosConfigurations") || !tree.text.includes("mapAttrs")) continue;
    for (const b of tree.descendants(K.NODE_ATTRPATH_VALUE)) {
      const full = bindingPath(b);
      if (full[0] === "options" || full.at(-1) !== "nixosConfigurations" || full.includes("*")) continue;
      const call = deref(b.childNodes()[1], undefined);
      if (call?.kind !== K.NODE_APPLY) continue;
      let { fn, args } = flattenApply(call);
      const partial = fn.kind === K.NODE_IDENT ? deref(fn, undefined) : undefined;
      if (partial?.kind === K.NODE_APPLY) ({ fn, args } = { fn: flattenApply(partial).fn, args: [...flattenApply(partial).args, ...args] });
      if (calleeName(fn) !== "mapAttrs" || args.length !== 2) continue;
      const set = deref(args[1], undefined);
      const path = set?.kind === K.NODE_SELECT && !set.firstToken(K.TOKEN_OR_KW) ? set.text.replace(/\s+/g, "") : "";
      const m = /^config\.(.+)\.nixosConfigurations$/.exec(path);
      const lam = m && registries.has(m[1]!) ? lambdaOf(args[0], undefined) : undefined;
      if (!lam) continue;
      const dir = posix.dirname(file) === "." ? "" : posix.dirname(file);
      out.set(m![1]!, [...(out.get(m![1]!) ?? []), { lam, dir }]);
    }
  }
  return out;
}

/** The modules a registry builder gives one entry: its function read with the entry's name, inside
 * flake-parts' `withSystem system (args: ...)`. What the entry's own set gives (`conf.extraModules`)
 * is read where the entry is written. */
function registryBuilt(builder: { lam: SyntaxNode; dir: string }, name: string, files: HostFiles, reader: Reader): void {
  const bound = bindArguments(builder.lam, [name, ""], undefined);
  let body: SyntaxNode | undefined = bound.body;
  for (let i = 0; i < 4 && body?.kind === K.NODE_APPLY; i++) {
    const { fn, args } = flattenApply(body);
    const last = unparen(args.at(-1));
    if (calleeName(fn) !== "withSystem" || last?.kind !== K.NODE_LAMBDA) break;
    body = unparen(last.childNodes()[1]);
  }
  if (body) collectHostFiles(body, bound.env, builder.dir, files, reader);
}

/** Hosts that flake-parts frameworks declare without a `nixosConfigurations` binding the scan can
 * read: nixos-unified's autowired `configurations/nixos/<name>` and lite-config's
 * `lite-config.hosts.<name>` (Linux ones). Their module lists are known, as a flake's are. */
export function frameworkHosts(root: PathKinds, files: readonly string[], treeOf: (file: string) => SyntaxNode | undefined): { hosts: DeclaredHost[]; darwinModules: Set<string> } {
  const found = [...autowiredHosts(files, treeOf), ...liteConfigHosts(files, treeOf, (rel) => resolveModuleFile(root, rel))];
  const hosts: DeclaredHost[] = found.filter((h) => !h.darwin).map((h) => ({ name: h.name, file: h.file, node: h.node, files: new Set(h.modules), source: "flake" as const }));
  // den's hosts (`den.hosts.<system>.<host>`): made of the aspects they reach, which the host
  // graph adds (host-aspects.ts); declared in a module of the flake, so a directory source.
  for (const h of denHosts(files.filter((f) => f.endsWith(".nix")), treeOf)) if (!hosts.some((x) => x.name === h.name)) hosts.push({ name: h.name, file: h.file, node: h.node, files: new Set(), source: "directory" });
  // The entry modules of the nix-darwin systems they build: used, though by no NixOS host.
  return { hosts, darwinModules: new Set(found.filter((h) => h.darwin).flatMap((h) => h.modules)) };
}

/** The bindings of a set under their full paths, through nested sets and functions returning one
 * (`nodes.b = { lib, ... }: { configuration = ...; }`). */
function flatBindings(set: SyntaxNode, prefix: string[], out: Array<{ path: string[]; value: SyntaxNode }>, depth = 0): void {
  if (depth > 6) return;
  for (const b of set.childNodes()) {
    if (b.kind !== K.NODE_ATTRPATH_VALUE) continue;
    const [path, raw] = b.childNodes();
    const segs = path ? attrpathSegments(path) : [];
    if (!raw || segs.length === 0 || segs.some((seg) => seg.dynamic)) continue;
    const full = [...prefix, ...segs.map((seg) => seg.name)];
    out.push({ path: full, value: raw });
    let value = unparen(raw);
    if (value?.kind === K.NODE_LAMBDA) value = unparen(value.childNodes()[1]);
    if (value?.kind === K.NODE_ATTR_SET && full.length < 4) flatBindings(value, full, out, depth + 1);
  }
}

/** The module files a NixOS module value names through its imports (a set or a function returning
 * one), or the paths of another expression (a list, a let-bound module). */
function moduleImports(value: SyntaxNode, dir: string, out: HostFiles, reader: Reader | undefined, env?: Env): void {
  let n = unparen(value);
  if (n?.kind === K.NODE_LAMBDA) n = unparen(n.childNodes()[1]);
  if (n?.kind !== K.NODE_ATTR_SET) {
    if (n) collectHostFiles(n, env, dir, out, reader);
    return;
  }
  for (const b of n.childNodes()) {
    const [path, v] = b.kind === K.NODE_ATTRPATH_VALUE ? b.childNodes() : [];
    const segs = path ? attrpathSegments(path) : [];
    if (v && segs.length === 1 && segs[0]!.name === "imports") collectHostFiles(v, env, dir, out, reader);
  }
}

/**
 * Machines of a deployment network that is not a flake (nixus: `nodes.<name>.configuration = {
 * imports = [ ... ]; }`, with `defaults.configuration` given to every node): each node is a host
 * whose modules are its configuration's imports and the defaults'. A NixOS test's `nodes.<name> =
 * { ... }` (a module, without `configuration`) is no host. The network's file builds the hosts
 * without being their module: the paths of its other options (deployment modules, secrets) are
 * not theirs.
 */
export function networkHosts(files: readonly string[], reader: Reader): DeclaredHost[] {
  const out: DeclaredHost[] = [];
  for (const file of files) {
    if (!file.endsWith(".nix")) continue;
    const root = reader.treeOf(file);
    if (!root || !/\bnodes\b/.test(root.text) || !root.text.includes("configuration")) continue;
    const dir = posix.dirname(file) === "." ? "" : posix.dirname(file);
    const sets: SyntaxNode[] = [];
    root.walk((n) => {
      if (n.kind === K.NODE_ATTR_SET && n.childNodes().some((b) => b.kind === K.NODE_ATTRPATH_VALUE && b.childNodes()[0]?.text.replace(/\s+/g, "").split(".")[0] === "nodes")) sets.push(n);
      return undefined;
    });
    for (const set of sets) {
      const flat: Array<{ path: string[]; value: SyntaxNode }> = [];
      flatBindings(set, [], flat);
      // `<...>.configuration = { imports = ...; }` or `<...>.configuration.imports = [ ... ]`.
      const configured = (b: { path: string[] }, at: number): boolean => b.path[at] === "configuration" && (b.path.length === at + 1 || (b.path.length === at + 2 && b.path[at + 1] === "imports"));
      const read = (b: { path: string[]; value: SyntaxNode }, own: HostFiles): void => (b.path.at(-1) === "imports" ? collectHostFiles(b.value, undefined, dir, own, reader) : moduleImports(b.value, dir, own, reader));
      const nodes = new Map<string, Array<{ path: string[]; value: SyntaxNode }>>();
      for (const b of flat) if (b.path[0] === "nodes" && b.path.length >= 3 && configured(b, 2)) nodes.set(b.path[1]!, [...(nodes.get(b.path[1]!) ?? []), b]);
      if (nodes.size === 0) continue;
      const defaults = flat.filter((b) => b.path[0] === "defaults" && configured(b, 1));
      for (const [name, configs] of nodes) {
        if (out.some((h) => h.name === name)) continue;
        const own = new HostFiles();
        for (const c of [...configs, ...defaults]) read(c, own);
        out.push({ name, file, node: configs[0]!.value, files: own, source: "directory", builders: new Set([file]) });
      }
    }
  }
  return out;
}

/**
 * The nodes of a colmena hive (`colmena = { meta = ...; defaults = <module>; web = <module>; }` in
 * a flake, or `colmena.lib.makeHive { ... }`): each node is a host made of its own module and the
 * defaults, which colmena calls with the node's `name` (`imports = [ ./machines/${name}.nix ]`).
 * emilylange/nixos-config: five servers built only by the hive, their modules reported as dead code.
 */
/** `import ./hive.nix inputs` (or `import ./hive`): the attribute set the imported file's value is,
 * through its function's parameters and a `let`, with that file's folder. */
function importedSet(call: SyntaxNode, dir: string, reader: Reader): { set: SyntaxNode; dir: string; file: string } | undefined {
  const { fn, args } = flattenApply(call);
  const target = calleeName(fn) === "import" ? unparen(args[0]) : undefined;
  const rel = target?.kind === K.NODE_PATH ? pathValue(target, undefined, dir) : undefined;
  if (rel === undefined || rel.startsWith("..")) return undefined;
  for (const file of rel.endsWith(".nix") ? [rel] : [`${rel}.nix`, posix.join(rel, "default.nix")]) {
    const tree = reader.treeOf(file);
    if (!tree) continue;
    reader.read.add(file);
    let value = unparen(tree.childNodes().find((c) => c.kind !== K.NODE_ERROR));
    for (let i = 0; i < 4 && value && (value.kind === K.NODE_LAMBDA || value.kind === K.NODE_LET_IN); i++) value = unparen(value.childNodes().at(-1));
    if (value?.kind === K.NODE_ATTR_SET) return { set: value, dir: posix.dirname(file) === "." ? "" : posix.dirname(file), file };
  }
  return undefined;
}

export function colmenaHosts(files: readonly string[], reader: Reader): DeclaredHost[] {
  const out: DeclaredHost[] = [];
  for (const file of files) {
    if (!file.endsWith(".nix")) continue;
    const root = reader.treeOf(file);
    if (!root || !/\bcolmena\b|\bmakeHive\b/.test(root.text)) continue;
    const dir = posix.dirname(file) === "." ? "" : posix.dirname(file);
    const hives: Array<{ set: SyntaxNode; dir: string; file: string }> = [];
    for (const b of root.descendants(K.NODE_ATTRPATH_VALUE)) {
      const [path, value] = b.childNodes();
      const v = unparen(value);
      // (`inputs.colmena = { url = ...; }` is the flake input, not a hive.)
      if (path?.text.replace(/\s+/g, "") === "colmena" && v?.kind === K.NODE_ATTR_SET && !bindingPath(b).includes("inputs") && !setAttributes(v).has("url")) hives.push({ set: v, dir, file });
    }
    for (const a of root.descendants(K.NODE_APPLY)) {
      const { fn, args } = flattenApply(a);
      const arg = unparen(args[0]);
      if (calleeName(fn) !== "makeHive" || args.length !== 1) continue;
      if (arg?.kind === K.NODE_ATTR_SET) hives.push({ set: arg, dir, file });
      // `makeHive (import ./hive.nix inputs)`: the hive is the set that file's function returns.
      else if (arg?.kind === K.NODE_APPLY) {
        const hive = importedSet(arg, dir, reader);
        if (hive) hives.push(hive);
      }
    }
    for (const { set: hive, dir, file } of hives) {
      const attrs = setAttributes(hive);
      const defaults = attrs.get("defaults");
      for (const [name, value] of attrs) {
        if (name === "meta" || name === "defaults" || out.some((h) => h.name === name)) continue;
        const own = new HostFiles();
        own.args.set("name", name);
        const env: Env = { values: new Map([["name", name]]) };
        moduleImports(value, dir, own, reader, env);
        if (defaults) moduleImports(defaults, dir, own, reader, env);
        out.push({ name, file, node: value, files: own, source: "directory", builders: new Set([file]) });
      }
    }
  }
  return out;
}

const HOST_DIRS = ["hosts", "machines", "systems", "nixos/hosts", "hosts/nixos", "nixos/machines"];
const HOST_ENTRIES = ["default.nix", "configuration.nix"];
// The modules of `machines/<name>/` clan imports itself (besides configuration.nix).
const CLAN_AUTOLOADED = new Set(["configuration.nix", "hardware-configuration.nix", "disko.nix"]);
// snowfall-lib: `systems/<arch>/<host>/default.nix`, every module under modules/nixos/ imported into
// every system, home configurations in `homes/<arch>/<user>@<host>/` with modules/home/. The folder
// is a system double or one of snowfall's image formats (`x86_64-iso`, `x86_64-install-iso`,
// `aarch64-sd-aarch64`): every one but darwin builds NixOS. Hand-written helpers that list
// `hosts/<system>/<host>/` the same way are read alike, without snowfall's module convention.
const SNOWFALL_SYSTEM = /^(systems|hosts)\/((?:x86_64|aarch64|i686|armv6l|armv7l|riscv64|powerpc64le)-(?!darwin\/)[a-z0-9_-]+)\/([^/]+)\/default\.nix$/;

/** The module file a path literal names (`./web.nix`, or `./web` with its default.nix), if present. */
function moduleFileOf(path: SyntaxNode, dir: string, present: ReadonlySet<string>): string | undefined {
  const rel = pathValue(path, undefined, dir);
  return rel === undefined ? undefined : [rel, `${rel}/default.nix`].find((x) => x.endsWith(".nix") && present.has(x));
}

/** The NixOS systems of a nilla project: every `systems.nixos.<name>` (or `config.systems.nixos.<name>`)
 * written as a set in one of its modules, made of the modules its `modules` list names. */
function nillaSystems(nixFiles: readonly string[], parsedRoot: (file: string) => SyntaxNode | undefined, present: ReadonlySet<string>): DeclaredHost[] {
  const out: DeclaredHost[] = [];
  if (!/\bnilla\.create\b/.test(parsedRoot("nilla.nix")?.text ?? "")) return out;
  for (const file of nixFiles) {
    const tree = parsedRoot(file);
    if (!tree || !/\bsystems\b/.test(tree.text) || !/\bnixos\b/.test(tree.text)) continue;
    const dir = posix.dirname(file) === "." ? "" : posix.dirname(file);
    for (const b of tree.descendants(K.NODE_ATTRPATH_VALUE)) {
      const [path, value] = b.childNodes();
      if (!path || !value) continue;
      // The segments of the nested sets down to the binding (not through a function's body).
      const segs = bindingPath(b, (p) => p.kind === K.NODE_LAMBDA || p.kind === K.NODE_APPLY);
      const rest = segs[0] === "config" ? segs.slice(1) : segs;
      const set = unparen(value);
      // `systems.nixos.web = { modules = [ ... ]; }`, or `systems.nixos.web.modules = [ ... ]`.
      if (rest[0] !== "systems" || rest[1] !== "nixos" || rest[2] === undefined || rest[2] === "*") continue;
      const modules = rest.length === 3 && set?.kind === K.NODE_ATTR_SET ? setAttributes(set).get("modules") : rest.length === 4 && rest[3] === "modules" ? value : undefined;
      if (!modules || out.some((h) => h.name === rest[2])) continue;
      const files = new Set<string>();
      for (const n of modules.descendants(K.NODE_PATH)) {
        const hit = n.inside(K.NODE_PATH) ? undefined : moduleFileOf(n, dir, present);
        if (hit) files.add(hit);
      }
      if (files.size > 0) out.push({ name: rest[2]!, file, node: b, files, source: "directory" });
    }
  }
  return out;
}

// clan-core's functions building a clan (`clan-core.lib.clan { ... }`, the older `lib.buildClan`).
const CLAN_CALL = /(?:^|\.)(?:buildClan|lib\.clan)$/;

/** Machines a clan declares in Nix, by name: clan-core's `lib.clan { machines.<n> = module;
 * inventory.machines.<n> = { ... }; }` (or `lib.buildClan`), and flake-parts' `clan = { ... }`
 * (clan-core's flake module). The module written for a machine (`machines.<n> = { imports = [
 * ./x.nix ]; }`) names its files; an inventory entry only the machine (a `machineClass = "darwin"`
 * one is a Mac). `inventory.json` and the machines/ folders are read elsewhere. */
function clanMachines(nixFiles: readonly string[], parsedRoot: (file: string) => SyntaxNode | undefined, present: ReadonlySet<string>): Array<{ name: string; file: string; node: SyntaxNode; files: string[] }> {
  const out: Array<{ name: string; file: string; node: SyntaxNode; files: string[] }> = [];
  if (!/clan/.test(parsedRoot("flake.nix")?.text ?? "")) return out;
  const nested = nixFiles.filter((f) => f.endsWith("/flake.nix")).map((f) => `${posix.dirname(f)}/`);
  const macs = new Set<string>();
  for (const file of nixFiles) {
    if (nested.some((d) => file.startsWith(d))) continue;
    const tree = parsedRoot(file);
    if (!tree || !/\bclan\b|buildClan/.test(tree.text) || !tree.text.includes("machines")) continue;
    const dir = posix.dirname(file) === "." ? "" : posix.dirname(file);
    for (const b of tree.descendants(K.NODE_ATTRPATH_VALUE)) {
      const [path, value] = b.childNodes();
      if (!path || !value) continue;
      const segs: string[] = attrpathSegments(path).map((x) => (x.dynamic ? "*" : x.name));
      let call = false;
      // The segments written in nested sets down to the binding (not through a function's body:
      // `machines = mapAttrs (n: c: { imports = ...; }) hosts` names no machine `imports`).
      let plain = segs.length;
      let crossed = false;
      for (let p = b.parent; p; p = p.parent) {
        if (p.kind === K.NODE_APPLY && CLAN_CALL.test(calleeName(flattenApply(p).fn) ?? "")) {
          call = true;
          break;
        }
        if (p.kind === K.NODE_ATTRPATH_VALUE) {
          const up = attrpathSegments(p.childNodes()[0]!).map((x) => (x.dynamic ? "*" : x.name));
          segs.unshift(...up);
          if (!crossed) plain += up.length;
        } else if (p.kind !== K.NODE_ATTR_SET && p.kind !== K.NODE_PAREN) crossed = true;
      }
      // The binding of a machine (`machines.<n> = ...`, or `machines.<n>.tags = ...` of one).
      const rest = call ? segs : segs[0] === "outputs" ? segs.slice(1) : segs;
      const prefix = call ? [] : ["clan"];
      const inventory = rest[prefix.length] === "inventory";
      const at = prefix.length + (inventory ? 1 : 0);
      // `machines = mapAttrs (name: _: { imports = [ ./machines/${name}/physical.nix ]; })
      // (filterAttrs (name: _: pathExists ./machines/${name}/physical.nix) (readDir ./machines))`:
      // a set computed from a folder, each entry a machine made of the file the function names in
      // its folder (an entry without that file is none).
      if (!inventory && rest.length === at + 1 && rest[at] === "machines" && rest.length - at <= plain && rest.slice(0, prefix.length).join(".") === prefix.join(".")) {
        for (const m of computedMachines(value, dir, present)) {
          const known = out.find((x) => x.name === m.name);
          if (known) known.files.push(m.file);
          else if (!macs.has(m.name)) out.push({ name: m.name, file, node: b, files: [m.file] });
        }
        continue;
      }
      if (rest.slice(0, prefix.length).join(".") !== prefix.join(".") || rest[at] !== "machines" || rest.length < at + 2 || rest.length - at > plain) continue;
      const name = rest[at + 1]!;
      if (name === "*" || macs.has(name)) continue;
      if (inventory && (/machineClass\s*=\s*"darwin"/.test(value.text) || (rest[at + 2] === "machineClass" && /"darwin"/.test(value.text)))) {
        macs.add(name);
        const i = out.findIndex((m) => m.name === name);
        if (i >= 0) out.splice(i, 1);
        continue;
      }
      const known = out.find((m) => m.name === name);
      if (known && inventory) continue;
      const files: string[] = [];
      if (!inventory) {
        for (const n of [value, ...value.descendants(K.NODE_PATH)]) {
          const hit = n.kind !== K.NODE_PATH || (n !== value && n.inside(K.NODE_PATH)) ? undefined : moduleFileOf(n, dir, present);
          if (hit) files.push(hit);
        }
      }
      if (known) known.files.push(...files);
      else out.push({ name, file, node: b, files });
    }
  }
  return out;
}

// `./machines/${name}/physical.nix`: a folder, the interpolated entry name, the file under it.
const ENTRY_FILE_PATH = /^(\.{1,2}\/(?:[\w.+-]+\/)*)\$\{\s*([A-Za-z_][\w'-]*)\s*\}\/([\w.+-]+(?:\/[\w.+-]+)*\.nix)$/;

/** The machines of a set computed from a folder listing (`mapAttrs (name: _: { imports = [
 * ./machines/${name}/physical.nix ]; }) (... (readDir ./machines))`): each entry of the folder
 * holding the file the function's module names by the entry's name (a parameter of a function
 * written in the value). Nothing when the value lists no folder. */
function computedMachines(value: SyntaxNode, dir: string, present: ReadonlySet<string>): Array<{ name: string; file: string }> {
  const out: Array<{ name: string; file: string }> = [];
  if (!/\breadDir\b/.test(value.text)) return out;
  for (const p of value.descendants(K.NODE_PATH)) {
    const m = ENTRY_FILE_PATH.exec(p.text.replace(/\s+/g, ""));
    if (!m) continue;
    // The interpolated name is a parameter of a function inside the value (the entry's name).
    const ident = p.descendants(K.NODE_IDENT).find((i) => i.text === m[2]);
    const bound = ident ? resolveLexical(ident) : undefined;
    if (!bound || bound.kind !== "param" || !(bound.scope.start >= value.start && bound.scope.end <= value.end)) continue;
    const folder = posix.normalize(posix.join(dir, m[1]!)).replace(/\/$/, "");
    if (folder.startsWith("..")) continue;
    const prefix = folder === "." ? "" : `${folder}/`;
    for (const f of present) {
      if (!f.startsWith(prefix)) continue;
      const name = f.slice(prefix.length).split("/")[0]!;
      if (f === `${prefix}${name}/${m[3]}` && !out.some((x) => x.name === name)) out.push({ name, file: f });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Hosts guessed from a `hosts/<name>/default.nix` (or configuration.nix) layout, a clan layout
 * (`machines/<name>/configuration.nix`) or a snowfall layout (`systems/<arch>/<name>/`). `files` is
 * every file of the repository (a host's folder holds its secrets and facts too). */
export function directoryHosts(files: readonly string[], parsedRoot: (file: string) => SyntaxNode | undefined): DeclaredHost[] {
  const out: DeclaredHost[] = [];
  const present = new Set(files);
  const under = (prefix: string) => files.filter((f) => f.startsWith(prefix));
  const bySystem = files.map((f) => SNOWFALL_SYSTEM.exec(f)).filter((m): m is RegExpExecArray => m !== null);
  const snowfall = bySystem.filter((m) => m[1] === "systems");
  const nixFiles = files.filter((f) => f.endsWith(".nix"));
  const folders = interpolatedHostFolders(nixFiles, parsedRoot);
  // The helpers that build the hosts of a folder: part of each of its hosts.
  const buildersOf = (entry: string): string[] => folders.filter((h) => entry.startsWith(`${h.dir}/`)).flatMap((h) => h.builders);
  if (snowfall.length > 0) {
    const everySystem = files.filter((f) => /^modules\/nixos\/(?:.+\/)?default\.nix$/.test(f));
    const everyHome = files.filter((f) => /^modules\/home\/(?:.+\/)?default\.nix$/.test(f));
    for (const m of snowfall.sort((a, b) => a[3]!.localeCompare(b[3]!))) {
      const root = parsedRoot(m[0]);
      if (!root) continue;
      const name = m[3]!;
      const homes = files.filter((f) => new RegExp(`^homes/[^/]+/[^/@]+@${escapeRegExp(name)}/`).test(f));
      // snowfall loads the folder's default.nix only: its other modules are the system's when
      // default.nix imports them (the graph follows its references); one nothing imports, such as
      // a bootstrap template copied to /etc/nixos by hand before installing, is not
      // (kenanpelit/nixosc systems/x86_64-linux/hay/templates/bootstrap.nix, judged wrong). The
      // folder's other files (secrets, keys) are the system's.
      const folder = under(`systems/${m[2]}/${name}/`).filter((f) => !f.endsWith(".nix"));
      const own = new Set([m[0], ...folder, ...everySystem, ...homes, ...(homes.length ? everyHome : [])]);
      // flake.nix's `mkFlake { channels-config = ...; systems.modules.nixos = [ ... ]; }` applies to
      // every system (its own path references are not the systems' modules).
      const builders = [...(present.has("flake.nix") ? ["flake.nix"] : []), ...buildersOf(m[0])];
      out.push({ name, file: m[0], node: root, files: own, source: "directory", builders: builders.length ? new Set(builders) : undefined });
    }
    if (out.length) return out;
  }
  // `hosts/<system>/<host>/default.nix`: the host's folder; what every host shares comes from the
  // helper that builds them (below).
  for (const m of bySystem.filter((b) => b[1] === "hosts").sort((a, b) => a[3]!.localeCompare(b[3]!))) {
    const root = parsedRoot(m[0]);
    if (root) out.push({ name: m[3]!, file: m[0], node: root, files: new Set([m[0]]), source: "directory" });
  }
  const namedByNix = (file: string): boolean => {
    const base = posix.basename(file);
    return nixFiles.some((f) => parsedRoot(f)?.text.includes(base));
  };
  // Folders a helper names with an interpolated path (`../system/host/${host}`): each entry of the
  // folder it builds is a host.
  for (const folder of out.length ? [] : folders) {
    for (const f of files) {
      if (!f.startsWith(`${folder.dir}/`)) continue;
      const rest = f.slice(folder.dir.length + 1).split("/");
      if (rest.length !== folder.depth + 1 || !HOST_ENTRIES.includes(rest[rest.length - 1]!) || (folder.depth === 2 && rest[0]!.endsWith("darwin"))) continue;
      const root = parsedRoot(f);
      const name = rest[rest.length - 2]!;
      if (root && !out.some((h) => h.name === name)) out.push({ name, file: f, node: root, files: new Set([f]), source: "directory", builders: new Set(folder.builders) });
    }
  }
  // A nilla project (nilla.nix calling `nilla.create`, with the nilla-nixos module): its NixOS
  // systems are `config.systems.nixos.<name> = { modules = [ ... ]; }` in its modules.
  for (const h of out.length ? [] : nillaSystems(nixFiles, parsedRoot, present)) out.push(h);
  for (const base of out.length ? [] : HOST_DIRS) {
    const names = new Set<string>();
    for (const f of files) {
      if (!f.startsWith(`${base}/`)) continue;
      const rest = f.slice(base.length + 1).split("/");
      if (rest.length === 2 && HOST_ENTRIES.includes(rest[1]!)) names.add(rest[0]!);
    }
    for (const name of [...names].sort()) {
      const entry = HOST_ENTRIES.map((e) => `${base}/${name}/${e}`).find((e) => present.has(e))!;
      const root = parsedRoot(entry);
      if (!root) continue;
      // clan loads a machine's configuration.nix, hardware-configuration.nix, disko.nix and
      // facter.json by convention, and its folder holds the machine's secrets and facts: those are
      // the machine's. Another module of the folder is the machine's only when something imports
      // it (the graph follows the entry's references); one nothing imports is dead code.
      // A shell script of the folder that no Nix file names (`reboot.sh`, run from the admin's
      // machine over ssh) is an operator's tool, not the machine's configuration.
      const own = base === "machines" ? under(`${base}/${name}/`).filter((f) => (!f.endsWith(".nix") || CLAN_AUTOLOADED.has(f.slice(base.length + name.length + 2))) && !(f.endsWith(".sh") && !namedByNix(f))) : [];
      out.push({ name, file: entry, node: root, files: new Set([entry, ...own]), source: "directory" });
    }
    if (out.length) break;
  }
  // A readTree depot (TVL's layout, no flake): a list of machines named in the depot's tree
  // (`with depot.ops.machines; [ web db ]`, `depot.ops.machines.web`), each the folder
  // `ops/machines/<name>/default.nix`.
  for (const f of out.length ? [] : nixFiles) {
    const tree = parsedRoot(f);
    if (!tree || !tree.text.includes("depot.")) continue;
    for (const w of tree.descendants(K.NODE_WITH)) {
      const [space, body] = w.childNodes().map((c) => unparen(c));
      const path = space?.kind === K.NODE_SELECT ? space.text.replace(/\s+/g, "") : "";
      const list = body?.kind === K.NODE_LIST ? body.childNodes().map((c) => unparen(c)) : [];
      if (!/^depot(?:\.[\w-]+)+$/.test(path) || list.length === 0 || list.some((c) => c?.kind !== K.NODE_IDENT)) continue;
      const dir = path.split(".").slice(1).join("/");
      const entries = list.map((c) => `${dir}/${c!.text}/default.nix`);
      if (!entries.every((e) => present.has(e))) continue;
      for (const entry of entries) {
        const root = parsedRoot(entry);
        const name = posix.basename(posix.dirname(entry));
        if (root && !out.some((h) => h.name === name)) out.push({ name, file: entry, node: root, files: new Set([entry]), source: "directory" });
      }
    }
  }
  // flake.nix writes its nixosConfigurations as a list of names the scan could not read through
  // (`listToAttrs [ (mkHost "desk" ...) ]` with a helper of an extended lib): a folder host it does
  // not name there (commented out, or built as another kind of configuration) is no host.
  const named = flakeHostNames(parsedRoot("flake.nix"));
  if (named && out.some((h) => named.has(h.name))) for (let i = out.length - 1; i >= 0; i--) if (!named.has(out[i]!.name)) out.splice(i, 1);
  // A helper library that builds every host of the directory gives each its shared modules.
  // (Not a nested flake's builder: `patterns/microvm/flake.nix` builds that flake's hosts.)
  const nestedFlakes = nixFiles.filter((f) => f.endsWith("/flake.nix")).map((f) => `${posix.dirname(f)}/`);
  const shared = out.length ? builderModules(nixFiles.filter((f) => !nestedFlakes.some((d) => f.startsWith(d))), parsedRoot, new Set(out.map((h) => h.file))) : undefined;
  for (const h of out) {
    for (const f of shared?.modules ?? []) h.files.add(f);
    if (shared?.builders.length) h.builders = new Set([...(h.builders ?? []), ...shared.builders]);
  }
  // Machines a clan declares in Nix: the module it gives a machine of a folder is that machine's;
  // one with no folder is a machine of its own.
  for (const m of clanMachines(nixFiles, parsedRoot, present)) {
    const known = out.find((h) => h.name === m.name);
    if (known) for (const f of m.files) known.files.add(f);
    else out.push({ name: m.name, file: m.file, node: m.node, files: new Set(m.files), source: "directory" });
  }

  return out;
}


/** Folder hosts (`hosts/<name>/configuration.nix`) besides the declared ones that a `nixosSystem`
 * call outside every `nixosConfigurations` names by a literal path (`foundry = nixosSystem {
 * modules = [ ./hosts/foundry/configuration.nix ]; }` whose images are another output): systems
 * the flake builds, in the folder its declared hosts come from. A folder no call names (a retired
 * machine, a darwin one built by `darwinSystem`) stays no host. */
export function builtFolderHosts(declared: readonly DeclaredHost[], files: readonly string[], parsedRoot: (file: string) => SyntaxNode | undefined): DeclaredHost[] {
  const held = new Set(declared.flatMap((h) => [...h.files]));
  const folders = directoryHosts(files, parsedRoot).filter((h) => !declared.some((d) => d.name === h.name) && !held.has(h.file));
  if (folders.length === 0) return [];
  // The host folders of the declared hosts: a candidate must sit beside them.
  const parents = new Set(declared.flatMap((h) => [...h.files]).filter((f) => f.endsWith(".nix")).map((f) => posix.dirname(posix.dirname(f))));
  const named = new Set<string>();
  for (const file of files) {
    const tree = file.endsWith(".nix") ? parsedRoot(file) : undefined;
    if (!tree || !tree.text.includes("nixosSystem")) continue;
    const dir = posix.dirname(file) === "." ? "" : posix.dirname(file);
    for (const call of tree.descendants(K.NODE_APPLY)) {
      const fn = call.childNodes()[0];
      if (!fn || !/(?:^|\.)nixosSystem$/.test(fn.text.replace(/\s+/g, ""))) continue;
      if (enclosingBindingNames(call).includes("nixosConfigurations")) continue;
      for (const p of call.descendants(K.NODE_PATH)) {
        if (p.firstChild(K.NODE_INTERPOL)) continue;
        const rel = pathValue(p, undefined, dir);
        if (rel !== undefined) named.add(rel);
      }
    }
  }
  return folders.filter((h) => parents.has(posix.dirname(posix.dirname(h.file))) && (named.has(h.file) || named.has(posix.dirname(h.file))));
}

function enclosingBindingNames(n: SyntaxNode): string[] {
  const out: string[] = [];
  for (let p = n.parent; p; p = p.parent) if (p.kind === K.NODE_ATTRPATH_VALUE) out.push(...attrpathSegments(p.childNodes()[0]!).map((x) => (x.dynamic ? "*" : x.name)));
  return out;
}

/** The names flake.nix's configurations write (`mkHost "desk" "me"`, `kratail2 = darwinSystem ...`,
 * `"me@box" = homeManagerConfiguration ...`), when its `nixosConfigurations` value lists no
 * directory (no path, no readDir): the names a folder host may have. nix-on-droid's
 * configurations are not systems the scan judges. */
function flakeHostNames(flake: SyntaxNode | undefined): Set<string> | undefined {
  if (!flake || !flake.text.includes("nixosConfigurations")) return undefined;
  let found: Set<string> | undefined;
  // `nixosConfigurations = ...`, `darwinConfigurations.mac = ...` (the names after it are hosts' too).
  const bindings = flake.descendants(K.NODE_ATTRPATH_VALUE).map((b) => {
    const segs = attrpathSegments(b.childNodes()[0]!);
    const at = segs.findIndex((seg) => !seg.dynamic && /Configurations$/.test(seg.name));
    return { b, kind: at < 0 ? "" : segs[at]!.name, after: at < 0 ? [] : segs.slice(at + 1).filter((seg) => !seg.dynamic).map((seg) => seg.name) };
  });
  for (const { b, kind, after } of bindings) {
    const value = b.childNodes()[1];
    if (!value || kind !== "nixosConfigurations" || after.length > 0) continue;
    if (value.kind === K.NODE_PATH || value.descendants(K.NODE_PATH).length > 0 || /readDir|listDir|Directory|import\b/.test(value.text)) return undefined;
    found ??= new Set();
  }
  if (!found) return undefined;
  for (const { b, kind, after } of bindings) {
    const value = b.childNodes()[1];
    if (!value || !kind || kind === "nixOnDroidConfigurations") continue;
    const add = (name: string) => {
      found!.add(name);
      if (name.includes("@")) found!.add(name.slice(name.lastIndexOf("@") + 1));
    };
    for (const name of after) add(name);
    for (const str of value.descendants(K.NODE_STRING)) {
      const v = staticString(str);
      if (v !== undefined) add(v);
    }
    for (const seg of value.descendants(K.NODE_ATTRPATH).flatMap((a) => attrpathSegments(a))) if (!seg.dynamic) add(seg.name);
  }
  return found;
}

/** The packages an overlay file adds, when that is all it does: `final: prev: { a = ...; b = ...; }`
 * (through a let) whose bindings are plain names none of which it reads from `prev`/`final`
 * (`a = prev.a.override ...` changes a package of nixpkgs a service may use unnamed). */
function addedPackages(tree: SyntaxNode): string[] | undefined {
  const outer = unparen(tree.childNodes().find((c) => c.kind !== K.NODE_ERROR));
  if (outer?.kind !== K.NODE_LAMBDA) return undefined;
  const [p1, inner] = outer.childNodes();
  const lam = unparen(inner);
  if (p1?.kind !== K.NODE_IDENT_PARAM || lam?.kind !== K.NODE_LAMBDA) return undefined;
  const [p2, body] = lam.childNodes();
  if (p2?.kind !== K.NODE_IDENT_PARAM) return undefined;
  let set = unparen(body);
  for (let i = 0; set?.kind === K.NODE_LET_IN && i < 4; i++) set = unparen(set.childNodes().at(-1));
  if (set?.kind !== K.NODE_ATTR_SET || set.firstToken(K.TOKEN_REC)) return undefined;
  const params = [p1.text.trim(), p2.text.trim()];
  const names: string[] = [];
  for (const b of set.childNodes()) {
    if (b.kind !== K.NODE_ATTRPATH_VALUE) return undefined;
    const segs = attrpathSegments(b.childNodes()[0]!);
    if (segs.length !== 1 || segs[0]!.dynamic) return undefined;
    names.push(segs[0]!.name);
  }
  const reads = new RegExp(`(?:${params.map(escapeRegExp).join("|")})\\s*\\.\\s*"?(?:${names.map(escapeRegExp).join("|")})(?![\\w'-])`);
  return names.length > 0 && !reads.test(tree.text) ? names : undefined;
}

/** What the host graph may read besides each file's references: every file of the repository (for
 * directory listings and per-machine folders) and parsed trees (for the modules the flake exports). */
export interface HostLayout {
  files: readonly string[];
  treeOf(file: string): SyntaxNode | undefined;
}

/**
 * The host graph: each host's files, closed over module references. `references` gives what a
 * module file refers to (computed by the scan from its parsed tree); `hostPaths` the references
 * known only per host or with the repository's layout (hostDependentPaths); `layout` the files
 * and trees those need.
 */
export function buildHostGraph(root: PathKinds, declared: DeclaredHost[], references: ReferencesOf, hostPaths: (file: string) => readonly SyntaxNode[] = () => [], layout?: HostLayout, previous?: HostGraph): HostGraph {
  const hosts: HostDeclaration[] = [];
  const byFile = new Map<string, Set<string>>();
  const declarationFiles = new Set(declared.filter((h) => h.source === "flake").map((h) => h.file));
  const outputs = layout ? flakeModuleOutputs(root, layout) : new Map<string, Map<string, string[]>>();
  const ctx: ResolveContext = { root, files: layout?.files ?? [], outputs, dirOutputs: layout ? flakeDirectoryOutputs(root, layout) : undefined, treeOf: layout?.treeOf };
  const shortNames = declared.map((h) => h.name.slice(h.name.lastIndexOf("#") + 1));
  const clan = layout ? clanAssignments(layout.files.filter((f) => f.endsWith(".nix")), layout.treeOf, shortNames, (rel) => resolveModuleFile(root, rel)) : new Map<string, ClanFiles>();
  const packages = layout ? packageContext(root, layout) : undefined;
  // den's aspects each host reaches (host-aspects.ts).
  const aspects = layout && layout.files.some((f) => f.endsWith(".nix") && layout.treeOf(f)?.text.includes("den.")) ? denHostFiles(layout.files.filter((f) => f.endsWith(".nix")), layout.treeOf) : undefined;
  // What the gate keys read of the hosts besides their files (gate-deps.ts): their arguments, as
  // text and by identity, and the files read for them.
  const argShape: string[] = [];
  const argIdentities: unknown[] = [];
  const argReads = new Set<string>();
  for (const h of declared) {
    const files = new Set<string>();
    const queue: string[] = [];
    if (h.source === "flake") queue.push(h.file); // inline modules live there
    for (const f of h.files) {
      const resolved = resolveModuleFile(root, f) ?? (h.source === "directory" && kindsOf(root)(f) === "file" ? f : undefined);
      if (resolved) queue.push(resolved);
      // A directory without a default.nix in a host's module list is handed to a helper that
      // computes the imports from it (`mkModuleTree' { path = ./modules/common; }`): a module tree.
      else if (h.source === "flake" && kindsOf(root)(f) === "directory") queue.push(...moduleTree(ctx.files, f));
    }
    // What the host hands its modules: its specialArgs strings and, by convention, its name as
    // networking.hostName (the name a nested flake's host has after its `dir#`).
    const values = new Map<string, string>(h.files instanceof HostFiles ? h.files.args : []);
    const shortName = h.name.slice(h.name.lastIndexOf("#") + 1);
    values.set("config.networking.hostName", shortName);
    const argNodes = h.files instanceof HostFiles ? h.files.argNodes : new Map<string, { node: SyntaxNode; env: Env | undefined; dir: string }>();
    // `${configVars.username}` in a module path: a string attribute of a non-string specialArg.
    const hostEnv: Env = { values: new ArgValues(values, argNodes, layout) };
    if (h.files instanceof HostFiles) for (const c of h.files.computed) queue.push(...computedTargets(c.node, { values: new Map(values), up: c.env }, c.dir, ctx, shortName));
    if (h.files instanceof HostFiles) for (const d of h.files.listed) queue.push(...listModules(ctx.files, d === "." ? "" : d, false));
    for (const f of aspects?.get(shortName) ?? []) queue.push(f);
    const unread = h.files instanceof HostFiles && (h.files.unresolved || h.files.computed.some((c) => unreadOutput(c.node, ctx)));
    // clan keeps a machine's generated secrets and facts in vars/per-machine/<host>/.
    const varsDir = `vars/per-machine/${shortName}/`;
    const sopsDir = `sops/machines/${shortName}/`;
    for (const f of ctx.files) if (f.startsWith(varsDir) || f.startsWith(sopsDir)) queue.push(f);
    // Service modules, their roles' modules and extraModules clan's inventory gives the machine.
    const given = clan.get(shortName);
    for (const f of given?.services ?? []) files.add(f);
    for (const f of given?.modules ?? []) {
      const resolved = resolveModuleFile(root, f) ?? (kindsOf(root)(f) === "file" ? f : undefined);
      if (resolved) queue.push(resolved);
    }
    for (const f of h.builders ?? []) files.add(f);
    // The flake's own modules a builder gives every host it builds (`modules = [ path ] ++
    // attrValues self.nixosModules`, through a let): each host's (EdenEast-nyx
    // modules/flake/hosts.nix).
    if (h.source === "directory" && layout) for (const f of h.builders ?? []) for (const t of builderOutputModules(f, layout.treeOf, ctx)) queue.push(t);
    // A flake.nix a module reaches (`flake = import "${self}/flake.nix"` to read its inputs) is read
    // as a value, not imported as a module: neither it nor the flake's outputs it names (every
    // flake-parts module, package, check) are the host's. The host's own declaration is queued.
    const entries = new Set(queue);
    // A host whose own modules import nix-darwin ones (a clan machine of class darwin importing
    // `self.darwinModules.build02`) is a Mac: the darwin modules it reaches are its own.
    const darwinRef = (n: SyntaxNode) => (selfOutputRef(n) ?? withOutputRef(n))?.output === "darwinModules" && !inDarwinModule(n);
    const mac = (h.files instanceof HostFiles && h.files.computed.some((c) => darwinRef(c.node))) || [...entries].some((f) => f.endsWith(".nix") && hostPaths(f).some(darwinRef));
    // The packages of a package set the host reaches (an overlay's `name = callPackage ./path { }`)
    // are the host's when it installs them (below), not all of them by reaching the set.
    const packageSets = new Map<string, string[]>();
    const drain = (blocked?: ReadonlySet<string>): void => {
      while (queue.length > 0) {
        const f = queue.pop()!;
        if (files.has(f) || blocked?.has(f)) continue;
        if ((f === "flake.nix" || f.endsWith("/flake.nix")) && !entries.has(f)) continue;
        files.add(f);
        if (!f.endsWith(".nix") || declarationFiles.has(f)) continue;
        const defined = packages && !blocked ? packageFilesOf(f, packages.layout) : undefined;
        for (const r of references(f)) {
          if (files.has(r)) continue;
          if (defined?.has(r)) packageSets.set(f, [...(packageSets.get(f) ?? []), r]);
          else queue.push(r);
        }
        const dir = posix.dirname(f) === "." ? "" : posix.dirname(f);
        for (const node of hostPaths(f)) {
          // A file defining both classes' modules (`flake.modules.nixos.base` beside
          // `flake.modules.darwin.base`): what the darwin module imports is the Macs', not the
          // NixOS hosts' that reach the file for its NixOS module.
          if (!mac && inDarwinModule(node)) continue;
          const custom = dirOutputTargets(node, ctx);
          const targets =
            custom ??
            ((node.kind === K.NODE_SELECT && !selfOutputRef(node)) || node.kind === K.NODE_WITH
              ? argImports(node, argNodes, ctx, layout)
              : (argListing(node, argNodes, hostEnv, dir, ctx, layout) ?? computedTargets(node, hostEnv, dir, ctx, shortName)));
          for (const t of targets) if (!files.has(t)) queue.push(t);
        }
      }
    };
    drain();
    // The repository's packages the host installs through an overlay it applies (host-packages.ts).
    if (packages) {
      const starts = [h.file, posix.dirname(h.file), ...h.files].map((f) => posix.normalize(f));
      const used = usedPackageFiles(files, starts, packages.builders, packages.layout, packages.flake);
      for (const f of used.files) if (!files.has(f)) queue.push(f);
      // A package set not read as an overlay the host applies (reached some other way): all its
      // packages, as before.
      for (const [set, defined] of packageSets) if (!used.read.has(set)) for (const f of defined) if (!files.has(f)) queue.push(f);
      drain(used.sources);
    }
    const argLiteral = layout && (values.size > 0 || argNodes.size > 0) ? literalArgs(values, argNodes, layout, argReads) : undefined;
    argShape.push(JSON.stringify([h.name, [...values], [...argNodes].map(([k, v]) => [k, v.dir])]));
    argIdentities.push(h.node, ...[...argNodes.values()].flatMap((v) => [v.node, v.env]));
    hosts.push({ name: h.name, file: h.file, node: h.node, files, source: h.source, ...(argNodes.size ? { args: new Map([...argNodes].map(([k, v]) => [k, v.node])) } : {}), ...(unread ? { partial: true } : {}), ...(argLiteral ? { argLiteral } : {}) });
    for (const f of files) {
      let set = byFile.get(f);
      if (!set) byFile.set(f, (set = new Set()));
      set.add(h.name);
    }
  }
  // An overlay file that only adds packages of its own (`self: super: { sprites = ...; }`, no
  // `super.sprites`), applied to every host through a listing of the overlays: the hosts whose
  // files mention one of its packages by name; the others never build it.
  if (layout) {
    for (const [f, holders] of byFile) {
      if (holders.size === 0 || !f.endsWith(".nix") || declarationFiles.has(f)) continue;
      const tree = layout.treeOf(f);
      const names = tree && /:\s*\w+\s*:/.test(tree.text) ? addedPackages(tree) : undefined;
      if (!names?.length) continue;
      const mention = new RegExp(`(?<![\\w'-])(?:${names.map(escapeRegExp).join("|")})(?![\\w'-])`);
      for (const h of hosts) {
        if (!holders.has(h.name)) continue;
        const uses = [...h.files].some((g) => g !== f && g.endsWith(".nix") && mention.test(layout.treeOf(g)?.text ?? ""));
        if (uses) continue;
        holders.delete(h.name);
        h.files.delete(f);
      }
    }
  }
  const frames = new DepFrames();
  const gates = layout ? new GateReader(hosts, layout.treeOf, layout.files.filter((f) => f.endsWith(".nix")), declarationFiles, frames) : undefined;
  /** Of a module's hosts, those that turn on the options its node is gated on (`mkIf
   * cfg.enable`); all of them when no host turns one on where it can be read. */
  const deadGate = (file: string, node: SyntaxNode): string | undefined => {
    if (declarationFiles.has(file) || !byFile.get(file)?.size) return undefined;
    const never = falseGate(node);
    if (never !== undefined) return `it is behind mkIf (${never}), which is false on every host`;
    const option = gates ? gatesAt(node).find((o) => gates.offEverywhere(o, file)) : undefined;
    return option ? `it is behind ${option}.enable, which no host turns on` : undefined;
  };
  // Gates that are per-host values (`mkIf config.my.isServer`, an enable whose default is computed
  // from `config.device.type`): the hosts on which the condition holds, when known on every one.
  const values = layout ? new HostValues(hosts, layout.treeOf, layout.files.filter((f) => f.endsWith(".nix")), declarationFiles, frames) : undefined;
  // The keys of the last graph that nothing changed under are kept (gate-deps.ts).
  const gateKeys = layout
    ? new GateKeys<GateReader, HostValues>(
        frames,
        {
          files: layout.files,
          treeOf: layout.treeOf,
          signature: JSON.stringify([[...declarationFiles].sort(), argShape, hosts.map((h) => [h.name, h.file, h.source ?? "", h.partial === true, [...h.files].sort()])]),
          identities: [...argIdentities, ...hosts.map((h) => h.node)],
          argReads,
          hostNames: hosts.map((h) => h.name),
        },
        previous?.gateKeys,
        { keys: (tree, out) => (valueFactKeys(tree, out), gateFactKeys(tree, out)), names: namesOption },
      )
    : undefined;
  if (gateKeys) {
    // The last graph's answers that nothing changed under, taken over.
    const last = gateKeys.takePrevious();
    if (last?.reader && gates) gates.carryFrom(last.reader, gateKeys.keeps, gateKeys.renames);
    if (last?.values && values) values.carryFrom(last.values, gateKeys.keeps, gateKeys.gone);
    gateKeys.reader = gates;
    gateKeys.values = values;
  }
  const gated = (names: string[], node: SyntaxNode, file: string): string[] => {
    if (deadGate(file, node)) return [];
    let out = names;
    for (const option of gates && names.length > 1 ? gatesAt(node) : []) {
      const on = gates!.enabledOn(option);
      const kept = on ? out.filter((h) => on.has(h)) : out;
      if (kept.length > 0) out = kept;
    }
    return values && out.length > 1 ? values.filter(out, node) : out;
  };
  /** Per condition of a file's settings, the hosts holding the file on which it holds (a rule cache key). */
  const valueKey = (file: string, tree: SyntaxNode): string => {
    if (!values) return "";
    const conditions = conditionsIn(tree);
    if (conditions.length === 0) return "";
    const holders = hosts.filter((h) => h.files.has(file));
    if (holders.length < 2) return "";
    const parts = conditions.map((c) => holders.map((h) => String(values.holdsOn(h, c) ?? "?")).join(","));
    return parts.join(";");
  };
  /** Per setting of a file whose value reads the repository's options, each holding host's value
   * of it (a rule cache key: the value is decided by other files). */
  const readKey = (file: string, tree: SyntaxNode): string => {
    const settings = settingsReadingOptions(tree);
    if (settings.length === 0) return "";
    const holders = hosts.filter((h) => h.files.has(file));
    return settings.map((e) => holders.map((h) => JSON.stringify(values!.valueOf(h, e)?.value ?? "?")).join(",")).join(";");
  };
  const hostByName = new Map(hosts.map((h) => [h.name, h]));
  const passedOver = new Set(declared.flatMap((h) => h.passedOver ?? []));
  return {
    hosts,
    declarationFiles,
    ...(passedOver.size ? { passedOver } : {}),
    valueOf: (host, file, expr) => {
      const h = hostByName.get(host);
      return h && values && h.files.has(file) ? values.valueOf(h, expr) : undefined;
    },
    hostsOf: (file) => [...(byFile.get(file) ?? [])].sort(),
    gateOff: (file, node) => {
      const importers = new Set(byFile.get(file) ?? []);
      if (!gates || importers.size === 0) return undefined;
      return gatesAt(node).find((option) => {
        const on = gates.enabledOn(option);
        return on !== undefined && ![...on].some((h) => importers.has(h));
      });
    },
    deadGate: (file, node, at) => {
      if (!node && at && file.endsWith(".nix")) node = nodeAt(layout?.treeOf(file), at);
      return node ? deadGate(file, node) : undefined;
    },
    // Asked of every file for every rule cache key (per file, per host holding it, per repository
    // rule): the same graph gives the same answer, worked out once per file.
    gateKey: (file) => {
      const compute = () => {
        const tree = gates && file.endsWith(".nix") ? layout!.treeOf(file) : undefined;
        let key = !tree || !tree.text.includes("mkIf") ? "" : [...gatedOptions(tree)].map((o) => `${o}=${[...(gates!.enabledOn(o) ?? [])].sort().join(",")}${gates!.offEverywhere(o, file) ? "!" : ""}`).join(";");
        if (tree && /\b(?:mkIf|optionalAttrs|optionals|optionalString|if)\b/.test(tree.text)) key += `|${valueKey(file, tree)}`;
        const read = tree && values ? readKey(file, tree) : "";
        if (read) key += `|${read}`;
        return key;
      };
      return gateKeys ? gateKeys.get(file, compute) : compute();
    },
    ...(gateKeys ? { gateKeys } : {}),
    hostsAt: (file, node, at) => {
      // A report with only a range (a line of a long string): the node there decides.
      if (!node && at && file.endsWith(".nix")) node = nodeAt(layout?.treeOf(file), at);
      if (!declarationFiles.has(file)) {
        const names = [...(byFile.get(file) ?? [])].sort();
        return node ? gated(names, node, file) : names;
      }
      if (!node) return [];
      return hosts.filter((h) => h.source === "flake" && h.file === file && node.start >= h.node.start && node.end <= h.node.end).map((h) => h.name).sort();
    },
  };
}

function packageContext(root: PathKinds, layout: HostLayout): { layout: PackageLayout; builders: SystemBuilder[]; flake: () => Map<string, string[]> } {
  const pl: PackageLayout = { files: layout.files, treeOf: layout.treeOf, resolve: (rel) => resolveModuleFile(root, rel) };
  let overlays: Map<string, string[]> | undefined;
  return { layout: pl, builders: systemBuilders(pl), flake: () => (overlays ??= flakeOverlays(pl)) };
}

/** The innermost node of a tree holding a 1-based line and column. */
function nodeAt(tree: SyntaxNode | undefined, at: { line: number; column: number }): SyntaxNode | undefined {
  if (!tree) return undefined;
  const offset = tree.source.lines.lineStart(at.line) + at.column - 1;
  let n: SyntaxNode = tree;
  for (;;) {
    const next = n.childNodes().find((c) => c.start <= offset && offset < c.end);
    if (!next) return n;
    n = next;
  }
}

interface ResolveContext {
  root: PathKinds;
  files: readonly string[];
  /** The module sets the flake exports (`nixosModules`, `homeManagerModules`): name to files. */
  outputs: Map<string, Map<string, string[]>>;
  /** Outputs the flake builds by listing a directory (`profiles = lib.findModules ./profiles`):
   * output name to the directory. */
  dirOutputs?: Map<string, string>;
  /** The repository's parsed files, to read a listing helper's definition (`importDir`). */
  treeOf?: (file: string) => SyntaxNode | undefined;
  /** Listing helpers' definitions found so far, by name (listingDefinition). */
  helpers?: Map<string, SyntaxNode | null>;
}

/** The definition of a listing helper called by name (`lib.my.importDir ./. { ... }`) in the
 * repository: a binding `<name> = <function>` or `<name> = import ./<file>.nix { ... }`, the
 * function the file holds after the import's arguments. Looked up once per name. */
function listingDefinition(name: string, ctx: ResolveContext): SyntaxNode | undefined {
  ctx.helpers ??= new Map();
  const known = ctx.helpers.get(name);
  if (known !== undefined) return known ?? undefined;
  let found: SyntaxNode | undefined;
  for (const f of ctx.files) {
    const tree = f.endsWith(".nix") ? ctx.treeOf?.(f) : undefined;
    if (!tree || !tree.text.includes(name)) continue;
    for (const b of tree.descendants(K.NODE_ATTRPATH_VALUE)) {
      const [path, value] = b.childNodes();
      const segs = path ? attrpathSegments(path) : [];
      if (segs.at(-1)?.name !== name || !value) continue;
      let v = unparen(value);
      if (v?.kind === K.NODE_APPLY && calleeName(flattenApply(v).fn) === "import") {
        const { args } = flattenApply(v);
        const target = unparen(args[0]);
        const rel = target?.kind === K.NODE_PATH ? pathValue(target, undefined, posix.dirname(f) === "." ? "" : posix.dirname(f)) : undefined;
        const file = rel === undefined ? undefined : rel.endsWith(".nix") ? rel : posix.join(rel, "default.nix");
        v = file ? unparen(ctx.treeOf?.(file)?.childNodes().find((c) => c.kind !== K.NODE_ERROR)) : undefined;
        for (let i = 1; i < args.length && v?.kind === K.NODE_LAMBDA; i++) v = unparen(v.childNodes()[1]);
      }
      if (v?.kind === K.NODE_LAMBDA) {
        found = v;
        break;
      }
    }
    if (found) break;
  }
  ctx.helpers.set(name, found ?? null);
  return found;
}

// Outputs of the flake that hold modules its hosts import as `self.<output>.<name>`.
// `darwinModules` is an output of its own: a NixOS host never imports nix-darwin's modules, and a
// Mac's `self.darwinModules.x` names one of them, not a `nixosModules.x` of the same name.
const MODULE_OUTPUTS = new Set(["nixosModules", "darwinModules", "homeManagerModules", "homeModules", "homeConfigurations"]);
// flake-parts' `flake.modules.<class>.<name>` registry: the classes that are module outputs above, and
// the dendritic pattern's `generic` (modules of any class, imported by NixOS and darwin ones alike)
// (`flake.modules.terranix.x`, `flake.modules.flake.x` and others are not modules of a system).
const MODULE_CLASSES = new Map([["nixos", "nixosModules"], ["darwin", "darwinModules"], ["generic", "genericModules"]]);
// How a module names its own flake: `self`, `inputs.self`, `outputs` (passed in specialArgs as
// `inherit (self) outputs`), `self.outputs`, `config.flake` (flake-parts).
// nixos-unified hands its modules `flake = { self, inputs, config; }` (`flake.inputs.self.x`).
// `flake-self` is a common specialArg name for the flake; `home-manager.users.me =
// flake-self.homeConfigurations.desktop` uses an exported home configuration as the user's module.
const SELF_OUTPUT = /^(?:inputs\.self|self|flake-self|outputs|inputs\.self\.outputs|self\.outputs|config\.flake|flake|flake\.self|flake\.inputs\.self)\.(nixosModules|darwinModules|homeManagerModules|homeModules|homeConfigurations|modules\.nixos|modules\.darwin|modules\.generic)(?:\.("[^"]+"|[\w'-]+))?$/;

// A flake output made by listing a directory into a set of modules (`profiles = lib.findModules
// ./profiles;`, `roles = importDir ./roles;`): the helper's name says it collects modules or a tree.
const DIRECTORY_OUTPUT_HELPER = /^(?:find|rake|import|load|collect|list|scan|get|map)\w*(?:Modules|Leaves|Dir|Tree)'?$/;
// Outputs that are not module sets, whatever builds them.
const NOT_MODULE_OUTPUTS = new Set(["packages", "legacyPackages", "devShells", "checks", "apps", "formatter", "overlays", "lib", "templates", "nixosConfigurations", "darwinConfigurations", "homeConfigurations", "deploy", "hydraJobs"]);

/** The outputs flake.nix builds by listing a directory of modules (`profiles = lib.findModules
 * ./profiles;`): their names and directories (ners/NixOS: `self.roles.server`, `self.profiles.network`,
 * `with inputs.self; [ roles.nixos ]` in the hosts' imports). */
function flakeDirectoryOutputs(root: PathKinds, layout: HostLayout): Map<string, string> {
  const out = new Map<string, string>();
  const flake = layout.treeOf("flake.nix");
  if (!flake || !/self/.test(flake.text)) return out;
  for (const b of flake.descendants(K.NODE_ATTRPATH_VALUE)) {
    const [path, value] = b.childNodes();
    const segs = path ? attrpathSegments(path) : [];
    if (segs.length !== 1 || segs[0]!.dynamic || !value) continue;
    const name = segs[0]!.name;
    if (MODULE_OUTPUTS.has(name) || NOT_MODULE_OUTPUTS.has(name) || b.ancestors().some((a) => a.kind === K.NODE_ATTRPATH_VALUE && /^inputs\b/.test(a.firstChild()?.text ?? ""))) continue;
    let v = unparen(value);
    if (v?.kind !== K.NODE_APPLY) continue;
    // `listToAttrs (findModules ./profiles)`: the helper gives name/value pairs.
    const outer = flattenApply(v);
    if (calleeName(outer.fn) === "listToAttrs" && outer.args.length === 1 && unparen(outer.args[0])?.kind === K.NODE_APPLY) v = unparen(outer.args[0])!;
    const { fn, args } = flattenApply(v);
    const arg = unparen(args[0]);
    // `nixosRoles = import ./roles` with roles/default.nix a set of `name = ./name.nix;`: the
    // folder's modules by name, as a listing gives them.
    const imported = calleeName(fn) === "import" && args.length === 1 && arg?.kind === K.NODE_PATH && pathSet(root, layout, pathValue(arg, undefined, ""));
    if (args.length !== 1 || arg?.kind !== K.NODE_PATH || (!imported && !DIRECTORY_OUTPUT_HELPER.test(calleeName(fn) ?? ""))) continue;
    const dir = pathValue(arg, undefined, "");
    if (dir === undefined || dir === "." || dir.startsWith("..") || kindsOf(root)(dir) !== "directory") continue;
    out.set(name, dir);
  }
  return out;
}

const SELF_NAMES = /^(?:inputs\.self|self|flake-self)$/;

/** Is `dir/default.nix` a set of paths (`{ server = ./server.nix; base = ./base.nix; }`)? */
function pathSet(root: PathKinds, layout: HostLayout, dir: string | undefined): boolean {
  if (dir === undefined || kindsOf(root)(dir) !== "directory") return false;
  const body = unparen(layout.treeOf(posix.join(dir, "default.nix"))?.childNodes().find((c) => c.kind !== K.NODE_ERROR));
  const bindings = body?.kind === K.NODE_ATTR_SET ? body.childNodes() : [];
  return bindings.length > 0 && bindings.every((b) => b.kind === K.NODE_ATTRPATH_VALUE && unparen(b.childNodes()[1])?.kind === K.NODE_PATH);
}

/** `with inputs.self.nixosProfiles; [ zsh ]`: the output of the flake's own a bare name in a list
 * is read from, by the innermost `with` naming one (`self.<output>`). */
function withSelfOutput(ident: SyntaxNode): string | undefined {
  if (ident.kind !== K.NODE_IDENT || ident.parent?.kind !== K.NODE_LIST || resolveLexical(ident)) return undefined;
  for (let p: SyntaxNode | null = ident.parent; p; p = p.parent) {
    if (p.kind !== K.NODE_WITH) continue;
    const m = /^(?:inputs\.self|self|flake-self)\.([\w'-]+)$/.exec(unparen(p.childNodes()[0])?.text.replace(/\s+/g, "") ?? "");
    if (m) return m[1];
  }
  return undefined;
}

/** The module a reference to a directory output names: `self.profiles.users.x` (or
 * `inputs.self...`), or `roles.nixos` inside `with inputs.self;` is `<dir>/users/x.nix` or
 * `<dir>/users/x/default.nix`. Undefined when the node is no such reference. */
function dirOutputTargets(node: SyntaxNode, ctx: ResolveContext): string[] | undefined {
  if (!ctx.dirOutputs?.size) return undefined;
  // `with inputs.self.nixosProfiles; [ zsh ]`; nested `with`s of several outputs: the first
  // that holds the name.
  if (node.kind === K.NODE_IDENT) {
    const outputs: string[] = [];
    for (let p: SyntaxNode | null = node.parent; p && node.parent?.kind === K.NODE_LIST; p = p.parent) {
      const m = p.kind === K.NODE_WITH ? /^(?:inputs\.self|self|flake-self)\.([\w'-]+)$/.exec(unparen(p.childNodes()[0])?.text.replace(/\s+/g, "") ?? "") : null;
      if (m && ctx.dirOutputs.has(m[1]!)) outputs.push(m[1]!);
    }
    if (outputs.length === 0 || resolveLexical(node)) return undefined;
    for (const o of outputs) {
      const at = posix.join(ctx.dirOutputs.get(o)!, node.text);
      // (A recursive listing names a module of a subfolder by its own name: `security/user.nix` is `user`.)
      const found = resolveModuleFile(ctx.root, `${at}.nix`) ?? resolveModuleFile(ctx.root, at) ?? flatModules(ctx.files, ctx.dirOutputs.get(o)!).get(node.text);
      if (found) return [found];
    }
    // (Not there: an outer `with` of another output may give it.)
    return undefined;
  }
  if (node.kind !== K.NODE_SELECT || node.firstToken(K.TOKEN_OR_KW)) return undefined;
  const text = node.text.replace(/\s+/g, "");
  let names: string[] | undefined;
  const m = /^(?:inputs\.self|self|flake-self)\.([\w'-]+(?:\.[\w'-]+)+)$/.exec(text);
  if (m) names = m[1]!.split(".");
  else if (/^[\w'-]+(?:\.[\w'-]+)+$/.test(text)) {
    // `with inputs.self; [ roles.nixos ]`: the base name comes from the `with` (no binding of it).
    const [base] = node.childNodes();
    if (base?.kind !== K.NODE_IDENT || resolveLexical(base)) return undefined;
    for (let p: SyntaxNode | null = node.parent; p; p = p.parent) {
      if (p.kind !== K.NODE_WITH) continue;
      const space = unparen(p.childNodes()[0]);
      if (space && p.childNodes()[0] !== node && SELF_NAMES.test(space.text.replace(/\s+/g, ""))) {
        names = text.split(".");
        break;
      }
    }
  }
  const dir = names ? ctx.dirOutputs.get(names[0]!) : undefined;
  if (!names || dir === undefined) return undefined;
  const at = posix.join(dir, ...names.slice(1));
  const found = resolveModuleFile(ctx.root, `${at}.nix`) ?? resolveModuleFile(ctx.root, at);
  return found ? [found] : [];
}

/** Is a node written inside a nix-darwin module the flake defines (`flake.modules.darwin.base =
 * { ... }`, `darwinModules.mac = { ... }`)? */
function inDarwinModule(node: SyntaxNode): boolean {
  for (let p: SyntaxNode | null = node.parent; p; p = p.parent) {
    if (p.kind !== K.NODE_ATTRPATH_VALUE) continue;
    const path = bindingPath(p);
    if (path.includes("darwinModules") || path.some((seg, i) => seg === "modules" && path[i + 1] === "darwin")) return true;
  }
  return false;
}

/** What a name bound to a namespace of the flake's modules stands for: `nixos` of `inherit
 * (config.flake.modules) nixos;` is `config.flake.modules.nixos`, as is a name a let binds to
 * that selection (the dendritic pattern's `nixos.base`). */
function boundNamespace(base: SyntaxNode): string | undefined {
  if (base.kind !== K.NODE_IDENT) return undefined;
  const from = inheritedFrom(base);
  if (from) return `${unparen(from)?.text ?? ""}.${base.text}`;
  const value = unparen(resolveLexical(base)?.value);
  return value?.kind === K.NODE_SELECT && !value.firstToken(K.TOKEN_OR_KW) ? value.text : undefined;
}

/** `self.nixosModules.name` (name undefined: the whole set, as in `attrValues outputs.nixosModules`). */
function selfOutputRef(node: SyntaxNode): { output: string; name?: string } | undefined {
  if (node.kind !== K.NODE_SELECT || node.firstToken(K.TOKEN_OR)) return undefined;
  // `self.nixosModules.default or { }`: the module when the flake exports it (the default is none).
  const [base, path] = node.childNodes();
  const text = node.firstToken(K.TOKEN_OR_KW) && base && path ? `${base.text}.${path.text}` : node.text;
  const m = SELF_OUTPUT.exec(text.replace(/\s+/g, "")) ?? (base && path ? SELF_OUTPUT.exec(`${boundNamespace(base) ?? ""}.${path.text}`.replace(/\s+/g, "")) : null);
  if (!m) return undefined;
  // flake-parts' `flake.modules.nixos.<name>` registry holds the same modules as nixosModules.
  const output = m[1]!.startsWith("modules.") ? MODULE_CLASSES.get(m[1]!.slice("modules.".length))! : m[1]!;
  return m[2] === undefined ? { output } : { output, name: m[2].replace(/^"|"$/g, "") };
}

/** The registry a bare name is read from: `with self.modules.nixos; [ role-devhost ]`. */
function withOutputRef(ident: SyntaxNode): { output: string; name?: string } | undefined {
  if (ident.kind !== K.NODE_IDENT || ident.parent?.kind !== K.NODE_LIST) return undefined;
  for (let p: SyntaxNode | null = ident.parent; p; p = p.parent) {
    if (p.kind !== K.NODE_WITH) continue;
    const ns = unparen(p.childNodes()[0]);
    const ref = ns ? selfOutputRef(ns) : undefined;
    if (ref && ref.name === undefined) return { output: ref.output, name: ident.text };
  }
  return undefined;
}

/** The namespace of a `with` (`with self.modules.nixos; [ ... ]`): not a use of the whole set. */
function isWithNamespace(node: SyntaxNode): boolean {
  return node.parent?.kind === K.NODE_WITH && node.parent.childNodes()[0] === node;
}

/** `./. + "/x/${name}"`, `self + "/machines/${name}"`, `"${self}/hosts/${name}"`-like concatenations. */
function isPathConcat(node: SyntaxNode): boolean {
  if (node.kind !== K.NODE_BIN_OP || !node.firstToken(K.TOKEN_PLUS)) return false;
  const [left, right] = node.childNodes().map((c) => unparen(c));
  const rootLeft = (left?.kind === K.NODE_IDENT && ROOT_NAMES.has(left.text)) || (left?.kind === K.NODE_SELECT && ROOT_NAMES.has(left.text.replace(/\s+/g, "")));
  // `self + /modules/nixos/x.nix`: an absolute path literal appended to the flake's root.
  if (rootLeft && right?.kind === K.NODE_PATH && right.text.startsWith("/") && !right.firstChild(K.NODE_INTERPOL)) return true;
  return (left?.kind === K.NODE_PATH || rootLeft) && right?.kind === K.NODE_STRING;
}
// Names that stand for the flake's root directory in a path concatenation.
const ROOT_NAMES = new Set(["self", "inputs.self", "src", "root", "flakeRoot"]);

// Helpers that list a directory's modules (Nix has no standard one; these names are common).
// `mapModules`/`mapModulesRec'` are hlissner's dotfiles loaders (copied into other configurations).
const LISTING_HELPERS = /^(?:scanPaths|listModules|importDir|importModules|modulesIn|exprsIn|addModulesRecursive|listNixFiles|listNixModules|nixFilesIn|filesIn|getModules|allModules|umport|listFilesRecursive|mapModules'?|mapModulesRec'?)$/;
const RECURSIVE_HELPERS = /^(?:umport|listFilesRecursive|addModulesRecursive|mapModulesRec'?)$/;

/** A host's values, also answering `name.attr` for a specialArg bound to a set of the flake
 * (`configVars = import ./vars { }`) whose attribute is a literal string. */
class ArgValues extends Map<string, SyntaxNode | string> {
  constructor(
    values: Map<string, string>,
    private readonly args: Map<string, { node: SyntaxNode; env: Env | undefined; dir: string }>,
    private readonly layout: HostLayout | undefined,
  ) {
    super(values);
  }
  override get(key: string): SyntaxNode | string | undefined {
    const own = super.get(key);
    if (own !== undefined || !this.layout || !key.includes(".")) return own;
    const [base, ...attrs] = key.split(".");
    const arg = this.args.get(base!);
    if (!arg) return undefined;
    const reader: Reader = { treeOf: this.layout.treeOf, read: new Set() };
    let at: { value: SyntaxNode; env: Env | undefined; dir: string } | undefined = { value: arg.node, env: arg.env, dir: arg.dir };
    for (const a of attrs) at = at && resolveAttr(at.value, a, at.env, at.dir, reader);
    const v = unparen(at?.value);
    const str = v?.kind === K.NODE_STRING ? staticString(v) : undefined;
    if (str !== undefined) super.set(key, str);
    return str;
  }
}

/** A host's module arguments read as literals at attribute paths (`configVars.isMinimal` with
 * `configVars = recursiveUpdate (import ./vars { }) { isMinimal = true; }`): through let, import,
 * `//` and merge functions; undefined when not a literal. The host's name (`config.networking.hostName`)
 * is no argument. */
function literalArgs(values: Map<string, string>, args: Map<string, { node: SyntaxNode; env: Env | undefined; dir: string }>, layout: HostLayout, read: Set<string>): (path: string) => boolean | string | number | null | undefined {
  const memo = new Map<string, boolean | string | number | null | undefined>();
  // Every tree read is noted in `read` (the gate keys that read a host's arguments depend on them).
  const reader: Reader = {
    treeOf: (f) => {
      read.add(f);
      return layout.treeOf(f);
    },
    read,
  };
  return (path) => {
    if (memo.has(path)) return memo.get(path);
    const [base, ...attrs] = path.split(".");
    let out: boolean | string | number | null | undefined;
    if (attrs.length === 0 && base !== "config" && values.has(base!)) out = values.get(base!);
    const arg = args.get(base!);
    if (out === undefined && arg) {
      let at: { value: SyntaxNode; env: Env | undefined; dir: string } | undefined = { value: arg.node, env: arg.env, dir: arg.dir };
      for (const a of attrs) at = at && resolveAttr(at.value, a, at.env, at.dir, reader);
      out = at ? literalOf(at.value, at.env) : undefined;
    }
    memo.set(path, out);
    return out;
  };
}

/** `true`, `false`, `null`, a string or a number, through names bound to one. */
function literalOf(node: SyntaxNode | undefined, env: Env | undefined, depth = 0): boolean | string | number | null | undefined {
  const n = unparen(node);
  if (!n || depth > 8) return undefined;
  if (n.kind === K.NODE_STRING) return staticString(n);
  if (n.kind === K.NODE_LITERAL) {
    const x = Number(n.text);
    return Number.isFinite(x) ? x : undefined;
  }
  // `config.isDesktop or true` with `config` bound to a host's literal set (`{ isDesktop = false; }`):
  // its attribute, else the default when the set has none.
  if (n.kind === K.NODE_SELECT) {
    const [base, path, dflt] = n.childNodes();
    let set = deref(base, env);
    for (const seg of path ? attrpathSegments(path) : []) {
      if (set?.kind !== K.NODE_ATTR_SET || seg.dynamic || set.childNodes().some((b) => b.kind !== K.NODE_ATTRPATH_VALUE)) return undefined;
      const value = setAttributes(set).get(seg.name);
      if (value === undefined && set.childNodes().some((b) => b.childNodes()[0]?.text.startsWith(`${seg.name}.`))) return undefined;
      if (value === undefined) return dflt && n.firstToken(K.TOKEN_OR_KW) ? literalOf(dflt, env, depth + 1) : undefined;
      set = deref(value, env);
    }
    return set ? literalOf(set, env, depth + 1) : undefined;
  }
  if (n.kind !== K.NODE_IDENT) return undefined;
  const v = lookupRef(n, env);
  if (typeof v === "string") return v;
  if (v) return literalOf(v, env, depth + 1);
  if (resolveLexical(n)) return undefined;
  return n.text === "true" ? true : n.text === "false" ? false : n.text === "null" ? null : undefined;
}

/** `hostTypes.workstation.imports` in a module's imports, with `hostTypes` a specialArg of the host
 * bound to an expression of the flake: the modules that list names, read through let, import and
 * helpers called with literal arguments. */
function argImports(node: SyntaxNode, args: Map<string, { node: SyntaxNode; env: Env | undefined; dir: string }>, ctx: ResolveContext, layout: HostLayout | undefined): string[] {
  const digga = diggaImports(node, args, ctx);
  if (digga) return digga;
  if (node.kind !== K.NODE_SELECT) return [];
  const [base, path] = node.childNodes();
  const arg = base?.kind === K.NODE_IDENT ? args.get(base.text) : undefined;
  if (!arg || !path || !layout) return [];
  const reader: Reader = { treeOf: layout.treeOf, read: new Set() };
  let at: { value: SyntaxNode; env: Env | undefined; dir: string } | undefined = { value: arg.node, env: arg.env, dir: arg.dir };
  for (const seg of attrpathSegments(path)) {
    if (!at || seg.dynamic) return [];
    at = resolveAttr(at.value, seg.name, at.env, at.dir, reader);
  }
  if (!at) return [];
  const found = new HostFiles();
  collectHostFiles(at.value, at.env, at.dir, found, reader);
  return [...found].map((p) => resolveModuleFile(ctx.root, p)).filter((p): p is string => p !== undefined);
}

/** `imports = allDirs "${self}/modules"` with `allDirs = dir: ... (readDir dir)` handed to the
 * modules in specialArgs: the modules of the folder the host's listing helper is given (undefined
 * when the call is not of a specialArg). */
function argListing(node: SyntaxNode, args: Map<string, { node: SyntaxNode; env: Env | undefined; dir: string }>, env: Env, dir: string, ctx: ResolveContext, layout?: HostLayout): string[] | undefined {
  if (node.kind !== K.NODE_APPLY) return undefined;
  const { fn, args: given } = flattenApply(node);
  let arg = fn.kind === K.NODE_IDENT ? args.get(fn.text) : undefined;
  // `pborlib.allDirs ./.` with `pborlib = { inherit allDirs; }` given in specialArgs: the helper
  // the argument's attribute is.
  const [base, path] = fn.kind === K.NODE_SELECT && !fn.firstToken(K.TOKEN_OR) ? fn.childNodes() : [];
  const held = base?.kind === K.NODE_IDENT ? args.get(base.text) : undefined;
  if (held && path) {
    const reader: Reader | undefined = layout ? { treeOf: layout.treeOf, read: new Set() } : undefined;
    let at: { value: SyntaxNode; env: Env | undefined; dir: string } | undefined = { value: held.node, env: held.env, dir: held.dir };
    for (const seg of attrpathSegments(path)) at = at && !seg.dynamic ? resolveAttr(at.value, seg.name, at.env, at.dir, reader) : undefined;
    if (at) arg = { node: at.value, env: at.env, dir: at.dir };
  }
  if (!arg || given.length !== 1) return undefined;
  const lam = lambdaOf(arg.node, arg.env);
  const listing = lam ? (listsParameter(lam) ? { recursive: false } : listingHelper(lam)) : undefined;
  // An attribute of a specialArg that lists nothing (`configLib.relativeToRoot "hosts/x"`): read
  // as any other computed path.
  if (!listing) return held ? undefined : [];
  // The folder: a path, a string from the flake's root, or a let-bound one (`modules = "${self}/x"`).
  const target = deref(given[0], env);
  const d = target?.kind === K.NODE_STRING ? (rootString(target) ?? hostRootString(target, env)) : target?.kind === K.NODE_PATH ? pathValue(target, env, dir) : undefined;
  return d === undefined ? [] : listModules(ctx.files, d === "." ? "" : d, listing.recursive);
}

/** A digga-style namespace of modules: `profiles = rakeLeaves ./profiles` (a directory tree as
 * nested attributes, a leaf being `<path>.nix` or `<path>/default.nix`), or suites built from it
 * (`buildSuites profiles (profiles: suites: { base = with profiles; [ a.b ]; server = suites.base
 * ++ [ ... ]; })`): named lists of profiles. */
type DiggaSpace = { kind: "profiles"; dir: string; prefix: string[] } | { kind: "suites"; set: SyntaxNode; names: Map<string, { ns: DiggaSpace; scope: SyntaxNode }>; withs: DiggaSpace[]; dir: string };

function rakedDirectory(expr: SyntaxNode | undefined, env: Env | undefined, dir: string): string | undefined {
  const n = deref(expr, env);
  const call = n?.kind === K.NODE_APPLY ? flattenApply(n) : undefined;
  if (!call || calleeName(call.fn) !== "rakeLeaves" || call.args.length !== 1) return undefined;
  const p = unparen(call.args[0]);
  return p?.kind === K.NODE_PATH ? pathValue(p, env, dir) : undefined;
}

function diggaSpace(arg: { node: SyntaxNode; env: Env | undefined; dir: string }): DiggaSpace | undefined {
  const raked = rakedDirectory(arg.node, arg.env, arg.dir);
  if (raked !== undefined) return { kind: "profiles", dir: raked, prefix: [] };
  const n = deref(arg.node, arg.env);
  // `with profiles; rec { base = [ core ]; server = base ++ [ services.openssh ]; }`
  if (n?.kind === K.NODE_WITH) {
    const [space, body] = n.childNodes();
    const dir = rakedDirectory(space, arg.env, arg.dir);
    const set = unparen(body);
    if (dir === undefined || set?.kind !== K.NODE_ATTR_SET) return undefined;
    return { kind: "suites", set, names: new Map(), withs: [{ kind: "profiles", dir, prefix: [] }], dir: arg.dir };
  }
  if (n?.kind !== K.NODE_APPLY) return undefined;
  const { args } = flattenApply(n);
  const profilesDir = args.map((a) => rakedDirectory(a, arg.env, arg.dir)).find((d) => d !== undefined);
  const outer = args.map((a) => lambdaOf(a, arg.env)).find((l) => unparen(l?.childNodes()[1])?.kind === K.NODE_LAMBDA);
  if (profilesDir === undefined || !outer) return undefined;
  const [p1, inner] = outer.childNodes();
  const lam2 = unparen(inner);
  const [p2, body] = lam2?.kind === K.NODE_LAMBDA ? lam2.childNodes() : [];
  const set = unparen(body);
  if (p1?.kind !== K.NODE_IDENT_PARAM || p2?.kind !== K.NODE_IDENT_PARAM || set?.kind !== K.NODE_ATTR_SET) return undefined;
  const names = new Map<string, { ns: DiggaSpace; scope: SyntaxNode }>();
  const suites: DiggaSpace = { kind: "suites", set, names, withs: [], dir: arg.dir };
  names.set(p1.text, { ns: { kind: "profiles", dir: profilesDir, prefix: [] }, scope: outer });
  names.set(p2.text, { ns: suites, scope: lam2! });
  return suites;
}

/** The profile files an expression of profiles and suites names (`suites.server ++ (with profiles;
 * [ services.openssh ])`): `names` are the parameters bound to namespaces (only as bound by their
 * own lambda), `withs` the namespaces a `with` opened (innermost last). */
function diggaFiles(expr: SyntaxNode | undefined, names: Map<string, { ns: DiggaSpace; scope: SyntaxNode }>, withs: DiggaSpace[], ctx: ResolveContext, seen: Set<SyntaxNode>, dir: string | undefined, depth = 0): string[] {
  const n = unparen(expr);
  if (!n || depth > 40) return [];
  const named = (id: SyntaxNode): DiggaSpace | undefined => {
    const e = names.get(id.text);
    return e && resolveLexical(id)?.scope === e.scope ? e.ns : undefined;
  };
  // A let-bound `profiles = rakeLeaves ./profiles` of the file being read.
  const raked = (id: SyntaxNode): DiggaSpace | undefined => {
    const v = resolveLexical(id)?.value;
    const d = v && dir !== undefined ? rakedDirectory(v, undefined, dir) : undefined;
    return d === undefined ? undefined : { kind: "profiles", dir: d, prefix: [] };
  };
  const leaf = (ns: DiggaSpace, path: string[]): string[] => {
    if (ns.kind === "suites") {
      if (path.length !== 1) return [];
      const v = setAttributes(ns.set).get(path[0]!);
      if (!v || seen.has(v)) return [];
      seen.add(v);
      return diggaFiles(v, ns.names, ns.withs, ctx, seen, ns.dir, depth + 1);
    }
    const rel = posix.join(ns.dir, ...ns.prefix, ...path);
    const kinds = kindsOf(ctx.root);
    if (kinds(`${rel}.nix`) === "file") return [`${rel}.nix`];
    return kinds(posix.join(rel, "default.nix")) === "file" ? [posix.join(rel, "default.nix")] : [];
  };
  // A name a `with` gives: the innermost namespace holding it.
  const fromWith = (path: string[]): string[] => {
    for (let i = withs.length - 1; i >= 0; i--) {
      const got = leaf(withs[i]!, path);
      if (got.length > 0) return got;
    }
    return [];
  };
  switch (n.kind) {
    case K.NODE_LIST:
      return n.childNodes().flatMap((c) => diggaFiles(c, names, withs, ctx, seen, dir, depth + 1));
    case K.NODE_BIN_OP:
      return n.firstToken(K.TOKEN_CONCAT) ? n.childNodes().flatMap((c) => diggaFiles(c, names, withs, ctx, seen, dir, depth + 1)) : [];
    case K.NODE_WITH: {
      const [space, body] = n.childNodes();
      const ns = namespaceOf(space);
      return diggaFiles(body, names, ns ? [...withs, ns] : withs, ctx, seen, dir, depth + 1);
    }
    case K.NODE_APPLY: {
      const { fn, args } = flattenApply(n);
      return /^(?:optional|optionals|flatten)$/.test(calleeName(fn) ?? "") ? diggaFiles(args.at(-1), names, withs, ctx, seen, dir, depth + 1) : [];
    }
    case K.NODE_SELECT: {
      if (n.firstToken(K.TOKEN_OR)) return [];
      const [base, path] = n.childNodes();
      const segs = path ? attrpathSegments(path) : [];
      if (base?.kind !== K.NODE_IDENT || segs.some((seg) => seg.dynamic)) return [];
      const ns = named(base) ?? raked(base);
      if (ns) return leaf(ns, segs.map((seg) => seg.name));
      return resolveLexical(base) ? [] : fromWith([base.text, ...segs.map((seg) => seg.name)]);
    }
    case K.NODE_IDENT: {
      const ns = named(n);
      if (ns?.kind === "suites") return [];
      // A let or rec binding (`server = base ++ [ ... ]` in a rec set of suites): its value.
      const b = resolveLexical(n);
      if (b?.value && !seen.has(b.value)) {
        seen.add(b.value);
        return diggaFiles(b.value, names, withs, ctx, seen, dir, depth + 1);
      }
      return b ? [] : fromWith([n.text]);
    }
    default:
      return [];
  }
  function namespaceOf(space: SyntaxNode | undefined): DiggaSpace | undefined {
    const u = unparen(space);
    if (u?.kind === K.NODE_IDENT) return named(u) ?? raked(u);
    if (u?.kind !== K.NODE_SELECT || u.firstToken(K.TOKEN_OR)) return undefined;
    const [base, path] = u.childNodes();
    const ns = base?.kind === K.NODE_IDENT ? (named(base) ?? raked(base)) : undefined;
    const segs = path ? attrpathSegments(path) : [];
    if (ns?.kind !== "profiles" || segs.some((seg) => seg.dynamic)) return undefined;
    return { kind: "profiles", dir: ns.dir, prefix: [...ns.prefix, ...segs.map((seg) => seg.name)] };
  }
}

/** `suites.server`, `profiles.services.openssh` or `with profiles; [ ... ]` in a module's imports,
 * with `suites`/`profiles` specialArgs of the host bound to digga-style namespaces: the profile
 * files named. Undefined when no specialArg the node uses is such a namespace. */
function diggaImports(node: SyntaxNode, args: Map<string, { node: SyntaxNode; env: Env | undefined; dir: string }>, ctx: ResolveContext): string[] | undefined {
  const head = node.kind === K.NODE_WITH ? unparen(node.childNodes()[0]) : node;
  const base = head?.kind === K.NODE_SELECT ? head.childNodes()[0] : head;
  const arg = base?.kind === K.NODE_IDENT ? args.get(base.text) : undefined;
  const scope = base ? resolveLexical(base)?.scope : undefined;
  // Only the module's own parameter (`{ suites, profiles, ... }:` of the file): a function inside
  // it (a home-manager user's module) is given other suites.
  let top: SyntaxNode = node;
  while (top.parent) top = top.parent;
  const fileFunction = unparen(top.childNodes().find((c) => c.kind !== K.NODE_ERROR));
  if (!arg || !base || !scope || scope !== fileFunction) return undefined;
  const ns = diggaSpace(arg);
  if (!ns) return undefined;
  const names = new Map([[base.text, { ns, scope }]]);
  // (The module's own directory is not known here: its let-bound namespaces are not read.)
  return [...new Set(diggaFiles(node, names, [], ctx, new Set(), undefined))];
}

/** `dir: ... readDir dir ...`: a function listing the directory it is given. */
function listsParameter(lam: SyntaxNode): boolean {
  const param = lam.childNodes()[0];
  if (param?.kind !== K.NODE_IDENT_PARAM || !lam.text.includes("readDir")) return false;
  const name = param.firstChild()?.text;
  return lam.descendants(K.NODE_IDENT).some((id) => {
    if (id.text !== "readDir") return false;
    let call: SyntaxNode | null | undefined = id.parent;
    if (call?.kind === K.NODE_ATTRPATH) call = call.parent;
    if (call?.kind === K.NODE_SELECT) call = call.parent;
    const arg = call?.kind === K.NODE_APPLY ? unparen(call.childNodes()[1]) : undefined;
    return arg?.kind === K.NODE_IDENT && arg.text === name;
  });
}

/** A let-bound helper of the file that lists the directory it is given, itself or through the
 * helpers it hands the directory to (`validFiles = dir: map (f: ./. + "/${f}") (filter (f: ... )
 * (files dir))`, `files = dir: ... (getDir dir)`, `getDir = dir: mapAttrs (...) (readDir dir)`):
 * whether the listing recurses (a helper of the chain calls itself), and the relative paths a
 * negated `hasPrefix "x/" f` filter of the chain leaves out. */
function listingHelper(lam: SyntaxNode, depth = 0, seen = new Set<SyntaxNode>()): { recursive: boolean; excluded: string[] } | undefined {
  const param = lam.childNodes()[0];
  if (depth > 6 || seen.has(lam) || param?.kind !== K.NODE_IDENT_PARAM) return undefined;
  seen.add(lam);
  const name = param.firstChild()?.text;
  const selfCall = lam.descendants(K.NODE_IDENT).some((id) => id.parent?.kind !== K.NODE_ATTRPATH && unparen(resolveLexical(id)?.value) === lam);
  const excluded: string[] = [];
  for (const call of lam.descendants(K.NODE_APPLY)) {
    const { fn, args } = flattenApply(call);
    const prefix = calleeName(fn) === "hasPrefix" && args.length >= 1 ? unparen(args[0]) : undefined;
    const negated = call.parent?.kind === K.NODE_UNARY_OP || (call.parent?.kind === K.NODE_PAREN && call.parent.parent?.kind === K.NODE_UNARY_OP);
    const text = prefix?.kind === K.NODE_STRING ? staticString(prefix) : undefined;
    if (text && negated) excluded.push(text);
  }
  if (listsParameter(lam)) return { recursive: selfCall, excluded };
  for (const call of lam.descendants(K.NODE_APPLY)) {
    const { fn, args } = flattenApply(call);
    const arg = unparen(args[0]);
    if (fn.kind !== K.NODE_IDENT || arg?.kind !== K.NODE_IDENT || arg.text !== name) continue;
    const inner = unparen(resolveLexical(fn)?.value);
    const found = inner?.kind === K.NODE_LAMBDA && inner !== lam ? listingHelper(inner, depth + 1, seen) : undefined;
    if (found) return { recursive: found.recursive || selfCall, excluded: [...excluded, ...found.excluded] };
  }
  return undefined;
}

/** A call listing a directory (`scanPaths ./.`, `map (f: ./. + "/${f}") (attrNames (readDir ./.))`):
 * the directory and whether the listing is recursive. */
function directoryListing(node: SyntaxNode): { path: SyntaxNode; recursive: boolean; readDir?: boolean; loader?: boolean; excluded?: string[] } | undefined {
  if (node.kind !== K.NODE_APPLY) return undefined;
  const { fn, args } = flattenApply(node);
  const name = calleeName(fn) ?? "";
  if (LISTING_HELPERS.test(name)) {
    const arg = args.map((a) => unparen(a)).find((a) => a?.kind === K.NODE_PATH);
    if (arg) return { path: arg, recursive: RECURSIVE_HELPERS.test(name), ...(name.startsWith("mapModules") ? { loader: true } : {}) };
    // umport { paths = [ ./modules ]; }
    const set = args.map((a) => unparen(a)).find((a) => a?.kind === K.NODE_ATTR_SET);
    const p = set?.descendants(K.NODE_PATH)[0];
    if (p) return { path: p, recursive: true };
    return undefined;
  }
  // `ls ./common-apps` with `ls = dir: map (f: dir + "/${f}") (attrNames (readDir dir))` in a let:
  // a helper of the file listing the directory it is given.
  if (fn.kind === K.NODE_IDENT && args.length >= 1) {
    const path = unparen(args[0]);
    const lam = unparen(resolveLexical(fn)?.value);
    if (path?.kind === K.NODE_PATH && lam?.kind === K.NODE_LAMBDA && listsParameter(lam)) return { path, recursive: false, readDir: true };
    const chain = path?.kind === K.NODE_PATH && lam?.kind === K.NODE_LAMBDA ? listingHelper(lam) : undefined;
    if (chain && path) return { path, recursive: chain.recursive, readDir: true, ...(chain.excluded.length ? { excluded: chain.excluded } : {}) };
  }
  if (!node.text.includes("readDir")) return undefined;
  // The `readDir <path>` inside: its path is the directory listed.
  for (const ident of node.descendants(K.NODE_IDENT)) {
    if (ident.text !== "readDir") continue;
    let call: SyntaxNode | null | undefined = ident.parent;
    if (call?.kind === K.NODE_ATTRPATH) call = call.parent; // builtins.readDir
    if (call?.kind === K.NODE_SELECT) call = call.parent;
    if (call?.kind !== K.NODE_APPLY) continue;
    const arg = unparen(call.childNodes()[1]);
    if (arg?.kind === K.NODE_PATH) return { path: arg, recursive: false, readDir: true };
    // `featuresDir = ./.; allEntries = builtins.readDir featuresDir;`
    const bound = arg?.kind === K.NODE_IDENT ? letBoundPath(arg) : undefined;
    if (bound) return { path: bound, recursive: false, readDir: true };
  }
  return undefined;
}

// The options a file's settings are gated on: its tree alone decides, kept while it is unchanged.
const gatedOptionsCache = new WeakMap<SyntaxNode, Set<string>>();
function gatedOptions(tree: SyntaxNode): Set<string> {
  let options = gatedOptionsCache.get(tree);
  if (!options) gatedOptionsCache.set(tree, (options = new Set(tree.descendants(K.NODE_ATTRPATH_VALUE).flatMap((b) => gatesAt(b)))));
  return options;
}

/** The path literal a name is bound to by an enclosing let (or rec set) of the same file. */
function letBoundPath(ident: SyntaxNode): SyntaxNode | undefined {
  const r = resolveLexical(ident);
  if (r?.kind !== "let" && r?.kind !== "rec") return undefined;
  const value = unparen(r.value);
  return value?.kind === K.NODE_PATH ? value : undefined;
}

/** The modules in a directory: its .nix files and subdirectories with a default.nix (recursive:
 * every .nix file below it). The directory's own default.nix is the module listing it, left out.
 * `loader` (hlissner's mapModules): names starting with `_` and folders holding `.noload` are not
 * loaded. */
function listModules(files: readonly string[], dir: string, recursive: boolean, loader = false): string[] {
  const prefix = dir === "" ? "" : `${dir}/`;
  const out: string[] = [];
  const noload = loader ? new Set(files.filter((f) => f.endsWith("/.noload")).map((f) => f.slice(0, -"/.noload".length))) : undefined;
  for (const f of files) {
    if (!f.startsWith(prefix) || !f.endsWith(".nix")) continue;
    const rest = f.slice(prefix.length).split("/");
    if (noload && (rest.some((seg) => seg.startsWith("_")) || rest.slice(0, -1).some((_, i) => noload.has(prefix + rest.slice(0, i + 1).join("/"))))) continue;
    if (recursive) out.push(f);
    else if (rest.length === 1 && rest[0] !== "default.nix") out.push(f);
    else if (rest.length === 2 && rest[1] === "default.nix") out.push(f);
  }
  return out;
}

/** The modules a recursive listing names by their own name (`findModules ./profiles`, flattened
 * through folders without a default.nix): a .nix file or a folder with a default.nix, by name. */
function flatModules(files: readonly string[], dir: string): Map<string, string> {
  const prefix = dir === "" ? "" : `${dir}/`;
  const withDefault = new Set(files.filter((f) => f.startsWith(prefix) && f.endsWith("/default.nix")).map((f) => f.slice(0, -"/default.nix".length)));
  const out = new Map<string, string>();
  for (const f of [...files].sort()) {
    if (!f.startsWith(prefix) || !f.endsWith(".nix")) continue;
    const rest = f.slice(prefix.length).split("/");
    // Inside a module folder (one with a default.nix above the file): part of that module.
    if (rest.slice(0, -1).some((_, i) => withDefault.has(prefix + rest.slice(0, i + 1).join("/")) && (i < rest.length - 2 || rest.at(-1) !== "default.nix"))) continue;
    if (rest.length === 1 && rest[0] === "default.nix") continue;
    const name = rest.at(-1) === "default.nix" ? rest.at(-2)! : rest.at(-1)!.slice(0, -".nix".length);
    if (!out.has(name)) out.set(name, f);
  }
  return out;
}

/** The modules of a directory handed whole to an import helper: its `module.nix` files at any
 * depth when it marks modules that way (each imports its siblings), else every .nix file below it
 * (a recursive listing, as `listFilesRecursive` helpers do). */
function moduleTree(files: readonly string[], dir: string): string[] {
  const prefix = `${dir}/`;
  const below = files.filter((f) => f.startsWith(prefix) && f.endsWith(".nix"));
  const marked = below.filter((f) => f === `${prefix}module.nix` || f.endsWith("/module.nix"));
  return marked.length ? marked : below;
}

/** The files other than .nix directly in a directory (not the repository's root). */
function dataFiles(files: readonly string[], dir: string): string[] {
  if (dir === "") return [];
  const prefix = `${dir}/`;
  return files.filter((f) => f.startsWith(prefix) && !f.endsWith(".nix") && !f.slice(prefix.length).includes("/"));
}

/** Where a flake keeps the modules of an output by convention, most specific first. */
const MODULE_DIRS: Record<string, readonly string[]> = {
  nixosModules: ["modules/nixos", "modules/shared", "nixos/modules", "modules"],
  darwinModules: ["modules/darwin", "modules/shared", "darwin/modules", "modules"],
  homeModules: ["modules/home", "modules/home-manager", "modules/shared", "home/modules"],
  homeManagerModules: ["modules/home", "modules/home-manager", "modules/shared", "home/modules"],
};
const namedByPath = new WeakMap<readonly string[], Map<string, Map<string, string>>>();

/**
 * `self.nixosModules.hardware-no-mitigations` where the exported set is computed by a discovery
 * function the scan does not evaluate (a readDir walk naming `hardware/no-mitigations.nix`
 * `hardware-no-mitigations`): the module whose path under the output's conventional folder gives
 * that name, its folders joined by `-` (`x/default.nix` is `x`, the folder's own default.nix is
 * `default`). Nothing when no path gives it.
 */
function modulesNamedByPath(ctx: ResolveContext, output: string, name: string): string[] {
  let byDir = namedByPath.get(ctx.files);
  if (!byDir) namedByPath.set(ctx.files, (byDir = new Map()));
  for (const dir of MODULE_DIRS[output] ?? []) {
    let names = byDir.get(dir);
    if (!names) {
      byDir.set(dir, (names = new Map()));
      for (const f of ctx.files) {
        if (!f.startsWith(`${dir}/`) || !f.endsWith(".nix")) continue;
        const key = f.slice(dir.length + 1).replace(/\.nix$/, "").replace(/\/default$/, "").split("/").join("-");
        // `<dir>/default.nix` is `default` (lovesegfault/nix-config: `self.nixosModules.default` is
        // modules/nixos/default.nix, the aggregator importing core.nix, resolved.nix...), except in
        // a bare `modules/`, whose default.nix is as often a set of modules or a flake-parts module.
        if ((key !== "default" || dir !== "modules") && !names.has(key)) names.set(key, f);
      }
    }
    const found = names.get(name);
    if (found) return [found];
  }
  return [];
}

/** The modules of the flake's outputs (`self.nixosModules`, `self.nixosModules.x`) that the
 * `nixosSystem` calls of a builder file list, directly or through a let-bound list. */
function builderOutputModules(file: string, treeOf: (file: string) => SyntaxNode | undefined, ctx: ResolveContext): string[] {
  const tree = file.endsWith(".nix") ? treeOf(file) : undefined;
  if (!tree || !tree.text.includes("nixosSystem") || !/\bself\b/.test(tree.text)) return [];
  const out: string[] = [];
  const seen = new Set<SyntaxNode>();
  const visit = (v: SyntaxNode, depth: number): void => {
    if (seen.has(v) || depth > 3) return;
    seen.add(v);
    for (const sel of [v, ...v.descendants(K.NODE_SELECT)]) {
      const ref = sel.kind === K.NODE_SELECT ? selfOutputRef(sel) : undefined;
      if (ref?.output !== "nixosModules") continue;
      const set = ctx.outputs.get(ref.output);
      out.push(...(ref.name === undefined ? (set ? [...set.values()].flat() : []) : (set?.get(ref.name) ?? [])));
    }
    for (const ident of v.kind === K.NODE_IDENT ? [v] : v.descendants(K.NODE_IDENT)) {
      const bound = resolveLexical(ident)?.value;
      if (bound) visit(bound, depth + 1);
    }
  };
  for (const call of tree.descendants(K.NODE_APPLY)) {
    const fn = call.childNodes()[0];
    if (!fn || !/(?:^|\.)nixosSystem$/.test(fn.text.replace(/\s+/g, ""))) continue;
    const set = unparen(call.childNodes()[1]);
    for (const b of set?.kind === K.NODE_ATTR_SET ? set.childNodes() : []) {
      const [path, value] = b.kind === K.NODE_ATTRPATH_VALUE ? b.childNodes() : [];
      if (path?.text.trim() === "modules" && value) visit(value, 0);
    }
  }
  return [...new Set(out)];
}

/** The files a host-dependent or layout-dependent reference names for one host. */
function computedTargets(node: SyntaxNode, env: Env, dir: string, ctx: ResolveContext, host?: string): string[] {
  const ref = selfOutputRef(node) ?? withOutputRef(node);
  if (ref) {
    const set = ctx.outputs.get(ref.output);
    if (ref.name === undefined) return set ? [...set.values()].flat() : [];
    return set?.get(ref.name) ?? modulesNamedByPath(ctx, ref.output, ref.name);
  }
  const listing = directoryListing(node);
  if (listing) {
    const d = pathValue(listing.path, env, dir);
    if (d === undefined) return [];
    const prefix = d === "." ? "" : `${d}/`;
    // A helper called by name whose definition the repository holds: recursive when it lists the
    // tree (`listFilesRecursive dir`), and the names its `exclude`/`excludeExact` arguments leave out.
    const name = node.kind === K.NODE_APPLY ? calleeName(flattenApply(node).fn) : undefined;
    const def = name && LISTING_HELPERS.test(name) ? listingDefinition(name, ctx) : undefined;
    const recursive = listing.recursive || (def !== undefined && /\blistFilesRecursive\b/.test(def.text));
    // (`excludeExact`: whole relative paths; another `exclude…`: a prefix or a suffix of one.)
    const dropped: Array<{ text: string; exact: boolean }> = [];
    if (def && node.kind === K.NODE_APPLY) {
      for (const a of flattenApply(node).args) {
        const set = unparen(a);
        if (set?.kind !== K.NODE_ATTR_SET) continue;
        for (const [k, v] of setAttributes(set)) if (/^exclude/.test(k) && def.text.includes(k)) for (const text of staticStrings(v, undefined) ?? []) dropped.push({ text, exact: /exact/i.test(k) });
      }
    }
    const modules = listModules(ctx.files, d === "." ? "" : d, recursive, listing.loader).filter((f) => {
      const rel = f.slice(prefix.length);
      return !listing.excluded?.some((x) => rel.startsWith(x)) && !dropped.some((x) => rel === x.text || (!x.exact && (rel.startsWith(x.text) || rel.endsWith(x.text))));
    });
    // `readDir ./bin` read for scripts (`writeShellScriptBin name (readFile (./bin + "/${f}"))`):
    // the files listed are the module's too.
    return listing.readDir ? [...modules, ...dataFiles(ctx.files, d === "." ? "" : d)] : modules;
  }
  if (node.kind === K.NODE_APPLY) {
    // configLib.relativeToRoot "home/${config.networking.hostName}.nix", and
    // `map configLib.relativeToRoot [ "hosts/common/core" ... ]`.
    const { fn, args } = flattenApply(node);
    const strings = calleeName(fn) === "map" ? (unparen(args[1])?.childNodes() ?? []) : [args[0]];
    const out: string[] = [];
    for (const el of strings) {
      const s = unparen(el);
      const p = s?.kind === K.NODE_STRING ? stringValue(s, env) : undefined;
      const resolved = p === undefined ? undefined : resolveModuleFile(ctx.root, posix.normalize(p));
      if (resolved) out.push(resolved);
    }
    return out;
  }
  const p = node.kind === K.NODE_STRING ? (rootString(node) ?? hostRootString(node, env)) : hostPathValue(node, env, dir);
  const resolved = p === undefined ? undefined : resolveModuleFile(ctx.root, p);
  if (resolved) return [resolved];
  const listed = p === undefined ? undefined : listedFolder(node, p, ctx.files);
  if (listed) return listed;
  const pattern = p === undefined && host !== undefined && node.kind === K.NODE_BIN_OP ? hostPathPattern(node, env, dir, host) : undefined;
  if (!pattern) return [];
  return ctx.files.filter((f) => f.endsWith(".nix") && (pattern.test(f) || (f.endsWith("/default.nix") && pattern.test(f.slice(0, -"/default.nix".length)))));
}

/** A reference to the flake's modules (`self.nixosModules`, `config.flake.nixosModules`) whose
 * output the scan found nowhere: the modules it names are unknown. */
function unreadOutput(node: SyntaxNode, ctx: ResolveContext): boolean {
  const ref = selfOutputRef(node) ?? withOutputRef(node);
  if (ref?.output !== "nixosModules") return false;
  const set = ctx.outputs.get(ref.output);
  if (!set) return true;
  // An output written where none of its names could be read (`flake.nixosModules = discovered //
  // more` of a function the scan does not run): a name no file's path gives is unknown too.
  return set.size === 0 && ref.name !== undefined && modulesNamedByPath(ctx, ref.output, ref.name).length === 0;
}

/** `listNixFilesRecursive (./. + "/${x}")`: a host's folder (with no default.nix) given to a
 * helper whose name says it lists files: the folder's Nix files, at any depth for a recursive
 * one (not those named `_x.nix`, which such helpers skip by convention). */
function listedFolder(node: SyntaxNode, folder: string, files: readonly string[]): string[] | undefined {
  let up = node.parent;
  while (up?.kind === K.NODE_PAREN) up = up.parent;
  if (up?.kind !== K.NODE_APPLY || unparen(up.childNodes()[1]) !== node) return undefined;
  const name = calleeName(flattenApply(up).fn) ?? "";
  if (!/^(?:list|find|scan|collect|get)\w*(?:Files|Modules|Paths|Nix)\w*$/.test(name)) return undefined;
  const recursive = /Recursive/.test(name);
  const prefix = folder === "." || folder === "" ? "" : `${folder}/`;
  const out = files.filter((f) => f.startsWith(prefix) && f.endsWith(".nix") && !posix.basename(f).startsWith("_") && (recursive || !f.slice(prefix.length).includes("/")));
  return out.length ? out : undefined;
}

/** `./Users + "/${user}/${host}_home.nix"` inside `map (user: ...) users`: the host's name is
 * known, the other names are parameters of a function the scan does not call (one per user). The
 * files the path can name, with those parameters standing for one path segment each, when the
 * host's own name is part of the path (so every file matched is named for this host). */
function hostPathPattern(node: SyntaxNode, env: Env, dir: string, host: string): RegExp | undefined {
  const [left, right] = node.childNodes().map((c) => unparen(c));
  if (left?.kind !== K.NODE_PATH || right?.kind !== K.NODE_STRING || left.firstChild(K.NODE_INTERPOL)) return undefined;
  const base = pathValue(left, env, dir);
  if (base === undefined || base.startsWith("..")) return undefined;
  let out = escapeRegExp(base === "." ? "" : base);
  let named = false;
  let unknown = false;
  for (const c of right.children) {
    if (c.isToken) {
      if (c.kind === K.TOKEN_STRING_CONTENT) out += escapeRegExp(c.text);
      continue;
    }
    if (c.kind !== K.NODE_INTERPOL) continue;
    const inner = unparen(c.firstChild());
    const text = inner && inner.kind !== K.NODE_STRING ? interpolatedText(inner, env) : undefined;
    if (text !== undefined) {
      named ||= text === host;
      out += escapeRegExp(text);
      continue;
    }
    // Only a plain parameter of a lambda (`user:`), one path segment.
    if (inner?.kind !== K.NODE_IDENT || resolveLexical(inner)?.kind !== "param") return undefined;
    unknown = true;
    out += "[^/]+";
  }
  if (!named || !unknown) return undefined;
  const rel = out.startsWith("/") ? out.slice(1) : out;
  if (rel.startsWith(".")) return undefined;
  return new RegExp(`^${rel}$`);
}

/** A string's value with its interpolations of known names filled in (undefined when one is unknown). */
function stringValue(node: SyntaxNode, env: Env | undefined): string | undefined {
  let out = "";
  for (const c of node.children) {
    if (c.isToken) {
      if (c.kind === K.TOKEN_STRING_CONTENT) out += c.text;
      continue;
    }
    if (c.kind !== K.NODE_INTERPOL) continue;
    const inner = unparen(c.firstChild());
    const str = inner && inner.kind !== K.NODE_STRING ? interpolatedText(inner, env) : undefined;
    if (str === undefined) return undefined;
    out += str;
  }
  return out;
}

/** The module sets the flake exports, read from flake.nix and the flake-parts modules it imports:
 * `nixosModules = import ./modules/nixos` (a file holding a set of imports), `nixosModules.x =
 * ./x.nix`, `nixosModules = { a = import ./a.nix; }`, `nixosModules = mapAttrs (...) (readDir ./m)`. */
function flakeModuleOutputs(root: PathKinds, layout: HostLayout): Map<string, Map<string, string[]>> {
  const out = new Map<string, Map<string, string[]>>();
  const flake = layout.treeOf("flake.nix");
  if (!flake) return out;
  const direct = ["flake.nix", ...moduleReferences(root, "flake.nix", flake).filter((f) => f.endsWith(".nix"))];
  // flake-parts modules anywhere in the repository (imported through folders of parts, not by
  // flake.nix itself) that write `flake.nixosModules...` or `flake = { nixosModules = ...; }`.
  const sources = [...direct];
  for (const f of layout.files) {
    if (!f.endsWith(".nix") || direct.includes(f) || (f !== "flake.nix" && f.endsWith("/flake.nix"))) continue;
    const text = layout.treeOf(f)?.text;
    if (text && FLAKE_PARTS_OUTPUT.test(text)) sources.push(f);
  }
  const directSet = new Set(direct);
  const add = (output: string, name: string, files: string[]) => {
    let set = out.get(output);
    if (!set) out.set(output, (set = new Map()));
    set.set(name, [...(set.get(name) ?? []), ...files]);
  };
  for (const file of sources) {
    const tree = layout.treeOf(file);
    if (!tree || !/Modules|homeConfigurations|modules\s*\.\s*(?:nixos|darwin|generic)/.test(tree.text)) continue;
    const dir = posix.dirname(file) === "." ? "" : posix.dirname(file);
    for (const b of tree.descendants(K.NODE_ATTRPATH_VALUE)) {
      const [path, value] = b.childNodes();
      if (!path || !value) continue;
      const segs = attrpathSegments(path).map((seg) => (seg.dynamic ? "*" : seg.name));
      // `nixosModules...` or flake-parts' `flake.modules.nixos...`.
      let at = segs.findIndex((seg) => MODULE_OUTPUTS.has(seg));
      let output: string | undefined = segs[at];
      let width = 1;
      if (at < 0) {
        // (snowfall's `systems.modules.nixos = [ ... ]` is a list every system gets, not this registry).
        at = segs.findIndex((seg, i) => seg === "modules" && (i === 0 || segs[i - 1] === "flake") && MODULE_CLASSES.has(segs[i + 1] ?? ""));
        output = at < 0 ? undefined : MODULE_CLASSES.get(segs[at + 1]!);
        width = 2;
      }
      if (at < 0 || output === undefined || segs.slice(0, at).includes("inputs")) continue;
      // In a file flake.nix does not import itself: only flake-parts' `flake.<output>`.
      if (!directSet.has(file) && (at > 0 ? segs[at - 1] : enclosingPath(b).at(-1)) !== "flake") continue;
      const rest = segs.slice(at + width);
      // `nixosModules.x = ./x.nix`, and flake-parts' `nixosModules.x.imports = [ ./a.nix ]` (a
      // binding inside the module x: its paths are x's).
      // A module written here (`nixosModules.mauville = { services.nfs... }`, or a let-bound
      // `module = { ... }` given as `nixosModules.default = module;`) in a flake-parts file: the
      // file is part of it.
      let inline = unparen(value);
      if (inline?.kind === K.NODE_IDENT) inline = unparen(resolveLexical(inline)?.value) ?? inline;
      const written = file !== "flake.nix" && (rest.length > 1 || inline?.kind === K.NODE_ATTR_SET || inline?.kind === K.NODE_LAMBDA);
      if (rest.length >= 1 && rest[0] !== "*") add(output, rest[0]!, [...(written ? [file] : []), ...exportedFiles(value, dir, root, layout)]);
      else if (rest.length === 0) for (const [name, files] of exportedSet(value, dir, root, layout, 0)) add(output, name, files);
    }
  }
  // A flake whose outputs are its folders: nixosModules/_default.nix listing its folder exports
  // the folder's modules.
  for (const [output, files] of folderOutputModules(flake, layout.files, layout.treeOf)) for (const [name, file] of files) add(output, name, [file]);
  // nixos-unified's autowiring exports modules/nixos/<name> as nixosModules.<name> (and
  // modules/home as homeModules, modules/darwin as darwinModules).
  if (autoWireImport(layout.files.filter((f) => f.endsWith(".nix")), layout.treeOf)) {
    for (const [dir, output] of [["modules/nixos", "nixosModules"], ["modules/home", "homeModules"]] as const) {
      for (const [name, file] of autowiredEntries(layout.files, dir)) if (!out.get(output)?.has(name)) add(output, name, [file]);
    }
  }
  // An exported module made of others (`web01.imports = [ self.nixosModules.server ./web01 ]`) is
  // their files too, followed through modules that name others in turn.
  const resolved = new Map<string, string[]>();
  const filesOf = (output: string, name: string, seen: Set<string>): string[] => {
    const key = `${output}\0${name}`;
    const done = resolved.get(key);
    if (done) return done;
    if (seen.has(key)) return [];
    seen.add(key);
    const files = (out.get(output)?.get(name) ?? []).flatMap((f) => {
      if (!f.startsWith(OUTPUT_REF)) return [f];
      const [o, n] = f.slice(OUTPUT_REF.length).split("\0") as [string, string | undefined];
      if (n !== undefined) return filesOf(o, n, seen);
      // The whole set (`attrValues self.homeManagerModules`): its modules' own files.
      return [...(out.get(o)?.values() ?? [])].flat().filter((g) => !g.startsWith(OUTPUT_REF));
    });
    seen.delete(key);
    const unique = [...new Set(files)];
    if (seen.size === 0) resolved.set(key, unique);
    return unique;
  };
  for (const [output, set] of out) for (const name of set.keys()) resolved.set(`${output}\0${name}`, filesOf(output, name, new Set()));
  for (const [output, set] of out) for (const name of set.keys()) set.set(name, resolved.get(`${output}\0${name}`)!);
  return out;
}

// `flake.nixosModules`, `flake.modules.nixos`, `flake = {`: a flake-parts module's outputs.
const FLAKE_PARTS_OUTPUT = /\bflake\s*(?:\.\s*(?:nixosModules|darwinModules|homeManagerModules|homeModules|modules\s*\.\s*(?:nixos|darwin|generic))\b|=\s*\{)/;

/** The attribute path of the bindings a binding is written in (`flake = { nixosModules = ...; }`
 * gives `flake` for the inner one). */
function enclosingPath(b: SyntaxNode): string[] {
  const out: string[] = [];
  for (let p = b.parent; p; p = p.parent) {
    if (p.kind !== K.NODE_ATTRPATH_VALUE) continue;
    const path = p.childNodes()[0];
    if (path) out.unshift(...attrpathSegments(path).map((seg) => (seg.dynamic ? "*" : seg.name)));
  }
  return out;
}

/** The modules a flake whose outputs are its folders exports: for an output folder of modules
 * (`nixosModules/`) whose entry lists the folder (`listNixFilesRecursive ./.`, `readDir ./.`), every
 * other Nix file below it, named by its path (`DM/lightDM.nix` is `DM-lightDM`). */
function folderOutputModules(flake: SyntaxNode, files: readonly string[], treeOf: (file: string) => SyntaxNode | undefined): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  const body = unparen(flake.childNodes().find((c) => c.kind !== K.NODE_ERROR));
  const entry = body ? folderOutputEntry(body) : undefined;
  if (!entry) return out;
  for (const output of MODULE_OUTPUTS) {
    const text = treeOf(`${output}/${entry}`)?.text;
    if (!text || !/readDir|list\w*Files|Recursive|find\w*Modules/.test(text)) continue;
    const set = new Map<string, string>();
    for (const f of files) {
      if (!f.startsWith(`${output}/`) || !f.endsWith(".nix") || f === `${output}/${entry}` || posix.basename(f).startsWith("_")) continue;
      set.set(f.slice(output.length + 1, -".nix".length).replace(/\/default$/, "").replace(/\//g, "-"), f);
    }
    out.set(output, set);
  }
  return out;
}

// Marks, among an exported module's files, every module of another output (`\0output:nixosModules`)
// or one of them (`\0output:nixosModules\0server`).
const OUTPUT_REF = "\0output:";

/** The named modules of an exported set expression. */
function exportedSet(expr: SyntaxNode, dir: string, root: PathKinds, layout: HostLayout, depth: number): Map<string, string[]> {
  const n = unparen(expr);
  const out = new Map<string, string[]>();
  if (!n || depth > 4) return out;
  if (n.kind === K.NODE_ATTR_SET) {
    for (const b of n.childNodes()) {
      if (b.kind !== K.NODE_ATTRPATH_VALUE) continue;
      const [path, value] = b.childNodes();
      const segs = path ? attrpathSegments(path) : [];
      // `x = ./x.nix;`, and `x.imports = [ ./a.nix ./b.nix ];` (the module x written by its imports).
      if (segs.length >= 1 && !segs[0]!.dynamic && value) out.set(segs[0]!.name, [...(out.get(segs[0]!.name) ?? []), ...exportedFiles(value, dir, root, layout)]);
    }
    return out;
  }
  // `listToAttrs (map ...) (readDir ./modules)) // { home-manager = ...; }`: both sets' modules.
  if (n.kind === K.NODE_BIN_OP && n.firstToken(K.TOKEN_UPDATE)) return mergedExports(n.childNodes().map((c) => exportedSet(c, dir, root, layout, depth + 1)));
  const listing = directoryListing(n);
  if (listing) {
    const d = pathValue(listing.path, undefined, dir);
    // Each entry's module may add the modules of another output (`imports = [ ... ] ++ attrValues
    // self.homeManagerModules`), resolved once every output is read.
    const more = n.descendants(K.NODE_SELECT).flatMap((s) => {
      const ref = selfOutputRef(s);
      return ref && ref.name === undefined ? [`${OUTPUT_REF}${ref.output}`] : [];
    });
    // `nameValuePair "role-${removeSuffix ".nix" name}" ...`: each entry's name with the same
    // literal text around it.
    const [before, after] = nameTemplate(n);
    for (const f of d === undefined ? [] : listModules(layout.files, d === "." ? "" : d, false)) {
      const name = f.endsWith("/default.nix") ? posix.basename(posix.dirname(f)) : posix.basename(f, ".nix");
      out.set(`${before}${name}${after}`, [f, ...more]);
    }
    return out;
  }
  // `modules "${inputs.self}/modules/nixos"` with `modules = path: ... readDir path ...` bound in
  // a let of the file: the directory's modules by name.
  // `listToAttrs (findModules ./modules)`: the helper gives the name/value pairs.
  const pairs = n.kind === K.NODE_APPLY && calleeName(flattenApply(n).fn) === "listToAttrs" && flattenApply(n).args.length === 1 ? unparen(flattenApply(n).args[0]) : undefined;
  if (pairs?.kind === K.NODE_APPLY && listingHelperCall(pairs, dir) !== undefined) {
    const { fn } = flattenApply(pairs);
    const lam = unparen(resolveLexical(fn)?.value);
    // A helper calling itself on the folders it finds lists the tree, each module by its name.
    const recursive = lam !== undefined && lam.descendants(K.NODE_IDENT).some((i) => i.text === fn.text);
    const d = listingHelperCall(pairs, dir)!;
    if (recursive) for (const [name, f] of flatModules(layout.files, d)) out.set(name, [f]);
    else for (const f of listModules(layout.files, d, false)) out.set(f.endsWith("/default.nix") ? posix.basename(posix.dirname(f)) : posix.basename(f, ".nix"), [f]);
    return out;
  }
  const helperListing = n.kind === K.NODE_APPLY ? listingHelperCall(n, dir) : undefined;
  if (helperListing !== undefined) {
    for (const f of listModules(layout.files, helperListing, false)) {
      const name = f.endsWith("/default.nix") ? posix.basename(posix.dirname(f)) : posix.basename(f, ".nix");
      out.set(name, [f]);
    }
    return out;
  }
  // `import ./modules/nixos`: the file's value, when it is a set of modules.
  if (n.kind === K.NODE_APPLY && calleeName(flattenApply(n).fn) === "import") {
    const p = unparen(flattenApply(n).args[0]);
    const rel = p?.kind === K.NODE_PATH ? pathValue(p, undefined, dir) : undefined;
    const file = rel === undefined ? undefined : resolveModuleFile(root, rel);
    const body = file ? unparen(layout.treeOf(file)?.childNodes().find((c) => c.kind !== K.NODE_ERROR)) : undefined;
    if (file && body?.kind === K.NODE_ATTR_SET && !looksLikeModule(body)) return exportedSet(body, posix.dirname(file) === "." ? "" : posix.dirname(file), root, layout, depth + 1);
    if (file) out.set("*", [file]);
    return out;
  }
  const files = exportedFiles(n, dir, root, layout);
  if (files.length) out.set("*", files);
  return out;
}

/** The literal text a listing's mapping function puts around each entry's name (`"role-${name}"`,
 * `nameValuePair "${n}-module"`): the one string with a single interpolation and text beside it,
 * given as a name (nameValuePair's first argument, `name = ...`). */
function nameTemplate(listing: SyntaxNode): [string, string] {
  const found: Array<[string, string]> = [];
  for (const str of listing.descendants(K.NODE_STRING)) {
    if (str.inside(K.NODE_STRING)) continue;
    const parts = str.children.filter((c) => !(c.isToken && c.kind !== K.TOKEN_STRING_CONTENT));
    const interpolations = parts.filter((c) => !c.isToken);
    if (interpolations.length !== 1) continue;
    const at = parts.indexOf(interpolations[0]!);
    const before = parts.slice(0, at).map((c) => c.text).join("");
    const after = parts.slice(at + 1).map((c) => c.text).join("");
    if ((!before && !after) || /[/"\\$]/.test(before + after)) continue;
    let up = str;
    while (up.parent?.kind === K.NODE_PAREN) up = up.parent;
    const call = up.parent?.kind === K.NODE_APPLY ? flattenApply(outermostApply(up.parent)) : undefined;
    const named = (call && calleeName(call.fn) === "nameValuePair" && call.args[0] === up) || (up.parent?.kind === K.NODE_ATTRPATH_VALUE && up.parent.childNodes()[0]?.text === "name");
    if (named) found.push([before, after]);
  }
  return found.length === 1 ? found[0]! : ["", ""];
}

/** The whole call a function application is the head of (`f a b`, from `f a`). */
function outermostApply(apply: SyntaxNode): SyntaxNode {
  let at = apply;
  while (at.parent?.kind === K.NODE_APPLY && at.parent.childNodes()[0] === at) at = at.parent;
  return at;
}

/** The modules of sets merged with `//`: a name the right set gives again is the right set's. */
function mergedExports(sets: Array<Map<string, string[]>>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const set of sets) for (const [name, files] of set) out.set(name, files);
  return out;
}

/** `f ./dir` or `f "${self}/dir"` with `f` a function of the same file (let or rec bound) that
 * reads a directory (`builtins.readDir`, also through the helpers it calls): the directory
 * (relative to the root; "" for the root). */
function listingHelperCall(apply: SyntaxNode, dir: string): string | undefined {
  const { fn, args } = flattenApply(apply);
  if (fn.kind !== K.NODE_IDENT || args.length !== 1) return undefined;
  const lam = unparen(resolveLexical(fn)?.value);
  if (lam?.kind !== K.NODE_LAMBDA || !readsDirectory(lam, undefined)) return undefined;
  const arg = unparen(args[0]);
  let d: string | undefined;
  if (arg?.kind === K.NODE_PATH) d = pathValue(arg, undefined, dir);
  else if (arg?.kind === K.NODE_STRING) d = rootString(arg);
  if (d === undefined || d.startsWith("..")) return undefined;
  return d === "." ? "" : d;
}

/** `"${self}/modules/nixos"`, `"${inputs.self}/x"`: a path from the flake's root, as a string. */
function rootString(str: SyntaxNode): string | undefined {
  const parts = str.children.filter((c) => !(c.isToken && c.kind !== K.TOKEN_STRING_CONTENT));
  const [head, ...rest] = parts;
  if (!head || head.isToken || head.kind !== K.NODE_INTERPOL || !ROOT_NAMES.has(unparen((head as SyntaxNode).firstChild())?.text.replace(/\s+/g, "") ?? "")) return undefined;
  if (rest.some((c) => !c.isToken)) return undefined;
  const tail = rest.map((c) => c.text).join("");
  if (!tail.startsWith("/")) return undefined;
  return posix.normalize(tail.slice(1) || ".");
}

/** A string from the flake's root with more interpolations (`"${self}/hosts/${hostname}"`). */
function rootInterpolated(str: SyntaxNode): boolean {
  const parts = str.children.filter((c) => !(c.isToken && c.kind !== K.TOKEN_STRING_CONTENT));
  const [head, next] = parts;
  return !!head && !head.isToken && head.kind === K.NODE_INTERPOL && ROOT_NAMES.has(unparen((head as SyntaxNode).firstChild())?.text.replace(/\s+/g, "") ?? "") && !!next?.isToken && next.text.startsWith("/") && parts.length > 2;
}

/** `"${self}/system/machine/${machineDir}"`: a string from the flake's root with the host's
 * arguments filled in. */
function hostRootString(str: SyntaxNode, env: Env): string | undefined {
  const parts = str.children.filter((c) => !(c.isToken && c.kind !== K.TOKEN_STRING_CONTENT));
  const [head, ...rest] = parts;
  if (!head || head.isToken || head.kind !== K.NODE_INTERPOL || !ROOT_NAMES.has(unparen((head as SyntaxNode).firstChild())?.text.replace(/\s+/g, "") ?? "")) return undefined;
  let tail = "";
  for (const c of rest) {
    if (c.isToken) tail += c.text;
    else {
      const inner = c.kind === K.NODE_INTERPOL ? unparen((c as SyntaxNode).firstChild()) : undefined;
      const text = inner && inner.kind !== K.NODE_STRING ? interpolatedText(inner, env) : undefined;
      if (text === undefined || text.includes("/..") || text.startsWith("..")) return undefined;
      tail += text;
    }
  }
  if (!tail.startsWith("/")) return undefined;
  return posix.normalize(tail.slice(1) || ".");
}

/** A set that is a module (options, imports, config) rather than a set of modules. */
function looksLikeModule(set: SyntaxNode): boolean {
  return set.childNodes().some((b) => {
    if (b.kind !== K.NODE_ATTRPATH_VALUE) return false;
    const first = b.childNodes()[0] ? attrpathSegments(b.childNodes()[0]!)[0]?.name : undefined;
    return first === "imports" || first === "options" || first === "config" || first === "services" || first === "boot" || first === "networking" || first === "systemd" || first === "environment";
  });
}

/** The files one exported module is made of: the local paths it names. */
function exportedFiles(expr: SyntaxNode, dir: string, root: PathKinds, layout: HostLayout): string[] {
  const n = unparen(expr);
  if (!n) return [];
  const listing = directoryListing(n);
  if (listing) {
    const d = pathValue(listing.path, undefined, dir);
    return d === undefined ? [] : listModules(layout.files, d === "." ? "" : d, listing.recursive, listing.loader);
  }
  const out = new Set<string>();
  if (n.kind === K.NODE_PATH) {
    const p = pathValue(n, undefined, dir);
    const r = p === undefined ? undefined : resolveModuleFile(root, p);
    if (r) out.add(r);
  }
  for (const c of n.descendants(K.NODE_PATH)) {
    if (c.inside(K.NODE_PATH) && c !== n) continue;
    const p = pathValue(c, undefined, dir);
    const r = p === undefined ? undefined : resolveModuleFile(root, p);
    if (r) out.add(r);
  }
  // `self.nixosModules.server` in the module's imports: another exported module, resolved once
  // every output is read.
  for (const c of n.kind === K.NODE_SELECT ? [n, ...n.descendants(K.NODE_SELECT)] : n.descendants(K.NODE_SELECT)) {
    const ref = selfOutputRef(c);
    if (ref?.name !== undefined) out.add(`${OUTPUT_REF}${ref.output}\0${ref.name}`);
  }
  return [...out];
}

// Module arguments that are never a host's specialArgs of modules.
const NOT_ARGS = new Set(["lib", "pkgs", "config", "inputs", "self", "outputs", "builtins", "options", "modulesPath"]);

/** References in a module that the host graph resolves per host or with the repository's layout:
 * `./${hostname}/extra.nix`, `./. + "/${hostname}.nix"`, `../hosts/${config.networking.hostName}.nix`,
 * `self.nixosModules.x` and `attrValues outputs.nixosModules`, directory listings (`scanPaths ./.`,
 * `readDir`), `relativeToRoot "home/${hostName}.nix"`. */
export function hostDependentPaths(tree: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (const n of tree.descendants(K.NODE_PATH)) {
    if (n.inside(K.NODE_PATH) || !n.firstChild(K.NODE_INTERPOL)) continue;
    out.push(n);
  }
  for (const n of tree.descendants(K.NODE_BIN_OP)) {
    const [left, right] = n.childNodes();
    if (!isPathConcat(n) || (left?.kind === K.NODE_PATH && left.firstChild(K.NODE_INTERPOL))) continue;
    if (right?.firstChild(K.NODE_INTERPOL) || left?.kind !== K.NODE_PATH) out.push(n);
  }
  // `"${inputs.self}/modules/shared/x.nix"`: a file from the flake's root, as a string.
  if (/\$\{\s*(?:inputs\.)?self\s*\}\//.test(tree.text)) for (const n of tree.descendants(K.NODE_STRING)) if (!n.inside(K.NODE_STRING) && (rootString(n) !== undefined || rootInterpolated(n))) out.push(n);
  if (/Modules|homeConfigurations|modules\.nixos|flake\.modules/.test(tree.text)) for (const n of tree.descendants(K.NODE_SELECT)) if (!n.inside(K.NODE_SELECT) && !isWithNamespace(n) && selfOutputRef(n)) out.push(n);
  if (/modules\.nixos|nixosModules/.test(tree.text)) for (const n of tree.descendants(K.NODE_IDENT)) if (withOutputRef(n)) out.push(n);
  // `with inputs.self.nixosProfiles; [ zsh ]`: a name of an output the flake builds from a folder
  // (resolved when the flake has such an output).
  if (/\bwith\s+(?:inputs\.)?self\./.test(tree.text)) for (const n of tree.descendants(K.NODE_IDENT)) if (!withOutputRef(n) && withSelfOutput(n) !== undefined && !out.includes(n)) out.push(n);
  // `self.profiles.network`: a module of an output the flake builds from a directory listing
  // (resolved when the flake has such an output).
  if (/\bself\b/.test(tree.text)) {
    for (const n of tree.descendants(K.NODE_SELECT)) {
      if (n.inside(K.NODE_SELECT) || selfOutputRef(n) || out.includes(n)) continue;
      if (n.parent?.kind === K.NODE_LIST && /^(?:inputs\.self|self|flake-self)\.[\w'-]+\.[\w'-]+/.test(n.text.replace(/\s+/g, ""))) out.push(n);
    }
  }
  // `imports = hostTypes.workstation.imports ++ [ ... ]`: modules reached through a specialArg.
  for (const b of tree.descendants(K.NODE_ATTRPATH_VALUE)) {
    const [path, value] = b.childNodes();
    if (!path || !value || path.text !== "imports") continue;
    for (const n of [value, ...value.descendants(K.NODE_SELECT)]) {
      const [base] = n.childNodes();
      if (n.kind === K.NODE_SELECT && base?.kind === K.NODE_IDENT && !NOT_ARGS.has(base.text) && !selfOutputRef(n) && !n.inside(K.NODE_SELECT)) out.push(n);
    }
    // `imports = allDirs "${self}/modules"`: a listing helper given as a specialArg.
    for (const n of [value, ...value.descendants(K.NODE_APPLY)]) {
      const call = unparen(n);
      if (call?.kind !== K.NODE_APPLY || (call.parent?.kind === K.NODE_APPLY && call.parent.childNodes()[0] === call)) continue;
      const { fn, args } = flattenApply(call);
      // `pborlib.allDirs ./.`: a helper held in an attribute of a specialArg.
      const head = fn.kind === K.NODE_SELECT && !fn.firstToken(K.TOKEN_OR) ? fn.childNodes()[0] : fn;
      const bound = head?.kind === K.NODE_IDENT ? resolveLexical(head) : undefined;
      if (head?.kind === K.NODE_IDENT && args.length === 1 && !NOT_ARGS.has(head.text) && bound && !bound.value && bound.binder.kind === K.NODE_PAT_ENTRY && !out.includes(call)) {
        if (fn !== head) out.splice(out.indexOf(fn) >>> 0, out.includes(fn) ? 1 : 0);
        out.push(call);
      }
    }
    // `with profiles; [ services.openssh ]`: names of a specialArg namespace (digga profiles).
    for (const n of [value, ...value.descendants(K.NODE_WITH)]) {
      const space = n.kind === K.NODE_WITH ? unparen(n.childNodes()[0]) : undefined;
      if (space?.kind === K.NODE_IDENT && !NOT_ARGS.has(space.text) && !n.parent?.inside(K.NODE_WITH)) out.push(n);
    }
  }
  const listings = /readDir|scanPaths|listModules|import(?:Dir|Modules)|listNix|nixFilesIn|filesIn|getModules|allModules|umport|listFilesRecursive|mapModules|relativeToRoot|addModulesRecursive/.test(tree.text);
  if (listings) {
    for (const n of tree.descendants(K.NODE_APPLY)) {
      if (n.parent?.kind === K.NODE_APPLY && n.parent.childNodes()[0] === n) continue; // not the whole call
      if (directoryListing(n) && !out.some((o) => o.kind === K.NODE_APPLY && n.start >= o.start && n.end <= o.end)) out.push(n);
      else if (isRootRelative(n)) out.push(n);
    }
  }
  return out;
}

/** `relativeToRoot "a/b"` or `map relativeToRoot [ "a" "b" ]` (a common helper: a path from the flake's root). */
function isRootRelative(n: SyntaxNode): boolean {
  const { fn, args } = flattenApply(n);
  if (calleeName(fn) === "relativeToRoot") return unparen(args[0])?.kind === K.NODE_STRING;
  const f = unparen(args[0]);
  return calleeName(fn) === "map" && args.length === 2 && f !== undefined && calleeName(f) === "relativeToRoot" && unparen(args[1])?.kind === K.NODE_LIST;
}

/** A host-dependent path resolved with the host's values (undefined when one is unknown). */
function hostPathValue(node: SyntaxNode, env: Env, dir: string): string | undefined {
  if (node.kind === K.NODE_PATH) return pathValue(node, env, dir);
  const [left, right] = node.childNodes().map((c) => unparen(c));
  // `self + "/x"`: the flake's root.
  const base = left?.kind === K.NODE_PATH ? pathValue(left, env, dir) : left && ROOT_NAMES.has(left.text.replace(/\s+/g, "")) ? "" : undefined;
  if (base === "" && right?.kind === K.NODE_PATH && right.text.startsWith("/") && !right.firstChild(K.NODE_INTERPOL)) {
    const joined = posix.normalize(right.text.replace(/^\/+/, ""));
    return joined.startsWith("../") ? undefined : joined;
  }
  if (base === undefined || right?.kind !== K.NODE_STRING) return undefined;
  const tail = stringValue(right, env);
  if (tail === undefined) return undefined;
  // Nix appends the string as is: `./. + "/x.nix"` is the directory's x.nix.
  const joined = posix.normalize(base === "" ? tail.replace(/^\/+/, "") : `${base}${tail}`);
  return joined.startsWith("/") || joined.startsWith("../") ? undefined : joined;
}

/** Local files a module refers to: every path literal that names an existing file or module
 * directory inside the root (imports, `import ./x.nix`, `readFile ./secret`, `./script.sh`). */
export function moduleReferences(root: PathKinds, file: string, tree: SyntaxNode): string[] {
  const dir = dirname(file) === "." ? "" : dirname(file);
  const out = new Set<string>();
  // Paths inside a path's interpolation (`./a/${./b}`) are part of it, not references.
  for (const n of tree.descendants(K.NODE_PATH)) {
    if (n.inside(K.NODE_PATH)) continue;
    const p = pathValue(n, undefined, dir);
    if (p === undefined) continue;
    const resolved = resolveModuleFile(root, p);
    if (resolved) out.add(resolved);
    // `addModules ../../modules [ "management/ssh" "www/httpd.nix" ]`: a folder handed to a
    // function with the names of modules in it.
    for (const name of namesGivenWith(n)) {
      const named = resolveModuleFile(root, posix.normalize(posix.join(p, name)));
      if (named) out.add(named);
    }
  }
  // `mod "sshd.nix"` with `mod = name: depot.path.origSrc + ("/ops/nixos-modules/" + name)` (a
  // readTree depot's root) or `self + "/modules/${name}"`: the module under the root.
  if (/\bdepot\.path\b|\bself\b/.test(tree.text)) {
    for (const n of tree.descendants(K.NODE_APPLY)) {
      const [fn, arg] = n.childNodes().map((c) => unparen(c));
      const name = arg?.kind === K.NODE_STRING ? staticString(arg) : undefined;
      const lam = fn?.kind === K.NODE_IDENT && name !== undefined ? unparen(resolveLexical(fn)?.value) : undefined;
      const under = lam?.kind === K.NODE_LAMBDA ? rootedFolder(lam) : undefined;
      if (under === undefined) continue;
      const resolved = resolveModuleFile(root, posix.normalize(posix.join(under, name!)));
      if (resolved) out.add(resolved);
    }
  }
  // `./. + "/../../users/me@home/home.nix"`: a path and a string known without evaluating.
  if (tree.text.includes("+")) {
    for (const n of tree.descendants(K.NODE_BIN_OP)) {
      const [left, right] = n.childNodes().map((c) => unparen(c));
      if (!isPathConcat(n) || left?.kind !== K.NODE_PATH || left.firstChild(K.NODE_INTERPOL) || right?.kind !== K.NODE_STRING) continue;
      const base = pathValue(left, undefined, dir);
      const tail = staticString(right);
      if (base === undefined || tail === undefined || !tail.startsWith("/")) continue;
      const joined = posix.normalize(posix.join(base, tail));
      const resolved = joined.startsWith("..") ? undefined : resolveModuleFile(root, joined);
      if (resolved) out.add(resolved);
    }
  }
  return [...out];
}

/** The folder below the root a function `name: <root> + ("/dir/" + name)` (or `<root> + "/dir/${name}"`)
 * puts its argument in, `<root>` being a readTree depot's `depot.path.origSrc` / `depot.path` or
 * the flake's `self`. */
function rootedFolder(lam: SyntaxNode): string | undefined {
  const param = lam.childNodes()[0];
  const name = param?.kind === K.NODE_IDENT_PARAM ? param.firstChild()?.text : undefined;
  const body = unparen(lam.childNodes()[1]);
  if (!name || body?.kind !== K.NODE_BIN_OP || !body.firstToken(K.TOKEN_PLUS)) return undefined;
  const [left, right] = body.childNodes().map((c) => unparen(c));
  if (!left || !/^(?:depot\.path(?:\.origSrc)?|self|inputs\.self)$/.test(left.text.replace(/\s+/g, ""))) return undefined;
  let folder: string | undefined;
  if (right?.kind === K.NODE_BIN_OP && right.firstToken(K.TOKEN_PLUS)) {
    const [a, b] = right.childNodes().map((c) => unparen(c));
    if (a?.kind === K.NODE_STRING && b?.kind === K.NODE_IDENT && b.text === name) folder = staticString(a);
  } else if (right?.kind === K.NODE_STRING) {
    // `"/dir/${name}"`: the text before the one interpolation, which is the parameter.
    const parts = right.children.filter((c) => !(c.isToken && c.kind !== K.TOKEN_STRING_CONTENT));
    const last = parts.at(-1);
    const inner = last && !last.isToken && last.kind === K.NODE_INTERPOL ? unparen((last as SyntaxNode).firstChild()) : undefined;
    if (inner?.kind === K.NODE_IDENT && inner.text === name && parts.slice(0, -1).every((c) => c.isToken)) folder = parts.slice(0, -1).map((c) => c.text).join("");
  }
  if (folder === undefined || !folder.startsWith("/")) return undefined;
  const rel = posix.normalize(folder.slice(1) || ".");
  return rel.startsWith("..") ? undefined : rel;
}

/** The strings of the list a path is handed with to a function (`f ./dir [ "a" "b/c.nix" ]`). */
function namesGivenWith(path: SyntaxNode): string[] {
  let arg: SyntaxNode = path;
  while (arg.parent?.kind === K.NODE_PAREN) arg = arg.parent;
  const call = arg.parent;
  if (call?.kind !== K.NODE_APPLY || call.childNodes()[1] !== arg) return [];
  // The list is the next argument: `(f ./dir) [ ... ]`.
  const outer = call.parent;
  const list = outer?.kind === K.NODE_APPLY && outer.childNodes()[0] === call ? unparen(outer.childNodes()[1]) : undefined;
  if (list?.kind !== K.NODE_LIST) return [];
  const names = staticStrings(list, undefined) ?? [];
  return names.filter(namesInFolder);
}
