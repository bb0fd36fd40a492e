// Which files of a repository are home-manager modules. A home-manager module is read by the module
// system of a user's home configuration, not by NixOS: its `nix.settings` write
// ~/.config/nix/nix.conf (where the daemon ignores trusted settings unless the user is trusted),
// its `services.*` are user services. The host graph follows every path a host's files name, so a
// `home.nix` that `home-manager.users.alice = import ./home.nix` reaches is among the host's files
// all the same: this tells them apart. A file is a home-manager module when
// - a home-manager entry names it: the value of `home-manager.users.<user>` or
//   `home-manager.sharedModules` (written in any nesting), of `homeConfigurations`,
//   `homeManagerModules` or `homeModules` (flake outputs), or an argument of
//   `homeManagerConfiguration`; or
// - its body sets home-manager-only options (`home.*`: home.packages, home.stateVersion...,
//   `xdg.configFile`, `programs.home-manager`); or
// - it lives in a home tree (`home.nix`, `home/`, `home-manager/`, `homes/`, `hm/`);
// and, transitively, what such a module imports. Left out: a file that sets options home-manager
// does not have (`home-manager.*`, `boot`, `users`, `environment`, `networking`... a NixOS or
// nix-darwin module that happens to live in a home tree), and a file a system module imports or a
// `nixosSystem`/`darwinSystem` call lists (it is read as a system module too).
import { posix } from "node:path";
import { attrpathSegments, calleeName, flattenApply, unparen, type OptionIndex } from "../nix/options.js";
import { SyntaxKind as K, type SyntaxNode } from "../nix/syntax.js";

export interface ModuleFile {
  root: SyntaxNode | undefined;
  index: OptionIndex;
}

/** Bindings whose full attribute path (enclosing bindings' keys included) holds a home-manager module. */
const HM_KEY = /(^|\.)(home-manager\.(users\.[^.]+|sharedModules)|homeConfigurations|homeManagerModules|homeModules)(\.|$)/;
const HM_KEY_WORDS = /\b(home-manager|users|sharedModules|homeConfigurations|homeManagerModules|homeModules)\b/;
const HM_CALLS = new Set(["homeManagerConfiguration"]);
const SYSTEM_CALLS = new Set(["nixosSystem", "darwinSystem", "mkNixosSystem", "mkDarwinSystem"]);

/** A home tree by its path. */
const HOME_PATH = /(^|\/)(home\.nix$|(home|home-manager|homes|hm|home-modules)\/)/;

/** Top-level option namespaces home-manager does not have: a file defining them is a system module. */
const SYSTEM_NAMESPACES = new Set(["home-manager", "boot", "fileSystems", "swapDevices", "networking", "users", "security", "hardware", "environment", "virtualisation", "powerManagement", "time", "console", "homebrew", "system"]);

// Whether a file defines system or home options depends on its index alone (kept with its parse):
// a repeat scan after one file changed asks again only of that file.
const systemDefined = new WeakMap<OptionIndex, boolean>();
const homeDefined = new WeakMap<OptionIndex, boolean>();

function systemDefinitions(index: OptionIndex): boolean {
  let known = systemDefined.get(index);
  if (known === undefined) systemDefined.set(index, (known = definesSystemOptions(index)));
  return known;
}

function homeDefinitions(index: OptionIndex): boolean {
  let known = homeDefined.get(index);
  if (known === undefined) homeDefined.set(index, (known = definesHomeOptions(index)));
  return known;
}

function definesSystemOptions(index: OptionIndex): boolean {
  return index.definitions.some((d) => {
    const [a, b] = [d.segments[0]?.name, d.segments[1]?.name];
    if (a === undefined) return false;
    return SYSTEM_NAMESPACES.has(a) || (a === "systemd" && b !== undefined && b !== "user");
  });
}

function definesHomeOptions(index: OptionIndex): boolean {
  return index.definitions.some((d) => d.segments[0]?.name === "home" || d.path.startsWith("xdg.configFile") || d.path.startsWith("xdg.dataFile") || d.path.startsWith("programs.home-manager"));
}

/** The full key of a binding: its own attribute path after the keys of the bindings it is in. */
function fullKey(binding: SyntaxNode): string {
  const parts: string[] = [];
  let b: SyntaxNode | null = binding;
  while (b) {
    const ap = b.childNodes().find((c) => c.kind === K.NODE_ATTRPATH);
    parts.unshift(ap ? attrpathSegments(ap).map((s) => s.name).join(".") : "?");
    let p: SyntaxNode | null = b.parent;
    // Up to the binding whose value holds this one (not through its key).
    while (p && p.kind !== K.NODE_ATTRPATH_VALUE) p = p.parent;
    b = p;
  }
  return parts.join(".");
}

/** Local paths (`./x.nix`, `../y`) written in an expression, resolved against the file's directory
 * to files of the repository (a directory to its default.nix). */
function localFiles(expr: SyntaxNode, from: string, known: ReadonlyMap<string, ModuleFile>): string[] {
  const dir = posix.dirname(from) === "." ? "" : posix.dirname(from);
  const out: string[] = [];
  for (const n of [expr, ...expr.descendants(K.NODE_PATH)]) {
    if (n.kind !== K.NODE_PATH || n.inside(K.NODE_PATH)) continue;
    if (n.children.some((c) => c.kind === K.NODE_INTERPOL)) continue;
    const text = n.text;
    if (!text.startsWith("./") && !text.startsWith("../")) continue;
    const rel = posix.normalize(posix.join(dir, text)).replace(/\/$/, "");
    if (rel.startsWith("..")) continue;
    const file = known.has(rel) ? rel : known.has(`${rel}/default.nix`) ? `${rel}/default.nix` : undefined;
    if (file) out.push(file);
  }
  return out;
}

/** The values of the bindings whose full attribute path matches `key` (`words`, a cheap test of
 * the binding's own attribute path, comes first). */
function valuesUnder(root: SyntaxNode, words: RegExp, key: RegExp): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (const b of root.descendants(K.NODE_ATTRPATH_VALUE)) {
    const ap = b.childNodes().find((c) => c.kind === K.NODE_ATTRPATH);
    if (!ap || !words.test(ap.text)) continue;
    const value = b.childNodes().at(-1);
    if (value && value !== ap && key.test(fullKey(b))) out.push(value);
  }
  return out;
}

/** What one file says, kept with its parse: the files it names as home-manager modules, and as
 * system modules (`nixosSystem { modules = [ ... ]; }`). */
const namedCache = new WeakMap<SyntaxNode, { home: SyntaxNode[]; system: SyntaxNode[] }>();
function namedModules(root: SyntaxNode): { home: SyntaxNode[]; system: SyntaxNode[] } {
  let found = namedCache.get(root);
  if (found) return found;
  found = { home: valuesUnder(root, HM_KEY_WORDS, HM_KEY), system: [] };
  for (const a of root.descendants(K.NODE_APPLY)) {
    if (a.parent?.kind === K.NODE_APPLY && a.parent.firstChild() === a) continue;
    const { fn, args } = flattenApply(a);
    const name = calleeName(fn);
    if (name && HM_CALLS.has(name)) found.home.push(...args);
    if (name && SYSTEM_CALLS.has(name)) found.system.push(...args);
  }
  namedCache.set(root, found);
  return found;
}

/** The repository's files' local imports (each resolved once: several closures follow them), and
 * the files reached from some through imports without entering blocked ones. */
function importGraph(files: ReadonlyMap<string, ModuleFile>): { imports: (file: string) => string[]; closure: (from: Iterable<string>, blocked: ReadonlySet<string>) => Set<string> } {
  const importsOf = new Map<string, string[]>();
  const imports = (file: string): string[] => {
    let found = importsOf.get(file);
    if (found === undefined) {
      const f = files.get(file);
      importsOf.set(file, (found = f ? f.index.imports.flatMap((i) => localFiles(unparen(i) ?? i, file, files)) : []));
    }
    return found;
  };
  const closure = (from: Iterable<string>, blocked: ReadonlySet<string>): Set<string> => {
    const out = new Set<string>();
    const todo = [...from].filter((f) => !blocked.has(f));
    while (todo.length) {
      const f = todo.pop()!;
      if (out.has(f)) continue;
      out.add(f);
      for (const t of imports(f)) if (!blocked.has(t) && !out.has(t)) todo.push(t);
    }
    return out;
  };
  return { imports, closure };
}

/** The files of a repository that are home-manager modules (see above). */
export function homeManagerFiles(files: ReadonlyMap<string, ModuleFile>): Set<string> {
  const seeds = new Set<string>();
  const system = new Set<string>();
  for (const [file, f] of files) {
    if (f.index.isModule && (homeDefinitions(f.index) || HOME_PATH.test(file))) seeds.add(file);
    if (!f.root) continue;
    const named = namedModules(f.root);
    for (const v of named.home) for (const t of localFiles(v, file, files)) seeds.add(t);
    for (const v of named.system) for (const t of localFiles(v, file, files)) system.add(t);
  }
  const { imports, closure } = importGraph(files);
  const systemModules = new Set([...files].filter(([, f]) => systemDefinitions(f.index)).map(([file]) => file));
  // What system modules import, and what those import: system code, wherever it lives.
  const first = closure(seeds, systemModules);
  for (const [file, f] of files) if (f.index.isModule && !first.has(file)) for (const t of imports(file)) system.add(t);
  const blocked = new Set([...systemModules, ...closure(system, new Set())]);
  return closure(seeds, blocked);
}

/** Bindings whose full attribute path holds a nix-maid module (nix-maid's NixOS module: per user,
 * `users.users.<user>.maid`, and for every user, `maid.sharedModules`). */
const MAID_KEY = /(^|\.)(maid\.sharedModules|users\.users\.[^.]+\.maid|users\.[^.]+\.maid)(\.|$)/;
const maidCache = new WeakMap<SyntaxNode, SyntaxNode[]>();
function maidModules(root: SyntaxNode): SyntaxNode[] {
  let found = maidCache.get(root);
  if (found) return found;
  found = valuesUnder(root, /\bmaid\b|sharedModules/, MAID_KEY);
  maidCache.set(root, found);
  return found;
}

/**
 * The files of a repository that are nix-maid modules (github:viperML/nix-maid): named as the value
 * of `users.users.<user>.maid` or `maid.sharedModules`, and what they import. nix-maid evaluates
 * them per user: their `systemd.services` are the user's systemd user units, their `packages` the
 * user's. Left out: a file a system module imports or a `nixosSystem` call lists.
 */
export function nixMaidFiles(files: ReadonlyMap<string, ModuleFile>): Set<string> {
  const seeds = new Set<string>();
  const system = new Set<string>();
  for (const [file, f] of files) {
    if (!f.root) continue;
    for (const v of maidModules(f.root)) for (const t of localFiles(v, file, files)) seeds.add(t);
    for (const v of namedModules(f.root).system) for (const t of localFiles(v, file, files)) system.add(t);
  }
  if (seeds.size === 0) return seeds;
  const { imports, closure } = importGraph(files);
  const first = closure(seeds, new Set());
  for (const [file, f] of files) if (f.index.isModule && !first.has(file)) for (const t of imports(file)) system.add(t);
  return closure(seeds, closure(system, new Set()));
}
