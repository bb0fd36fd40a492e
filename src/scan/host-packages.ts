// Package files a host uses. A repository's own packages (pkgs/foo.nix) are built by an overlay
// (`segoe-ui-ttf = prev.callPackage ./segoe-ui-ttf.nix { };`) that a host applies with
// `nixpkgs.overlays`, and installed by the host's modules as `pkgs.segoe-ui-ttf` or inside `with
// pkgs; [ ... ]`. The host graph follows path literals, so an overlay a host's module imports by
// path already brings its packages; this reads the chains it does not follow, and only to the
// packages a host's files name:
// - the overlays a host applies: `nixpkgs.overlays` set in the host's files, or in the modules of a
//   `nixosSystem` call that builds the host (`modules = [ { nixpkgs.overlays = ...; } ../hosts/${name} ]`
//   with the host's directory matching `../hosts/${name}`);
// - what an overlay value names: path literals (`import ../pkgs/default.nix inputs`) and the flake's
//   own overlays (`outputs.overlays.localPackages`, read from `overlays = import ./overlays { ... }`
//   in flake.nix and its `localPackages = final: prev: import ../pkgs final;`), then the files those
//   files name by path, two steps at most;
// - the packages those files define: bindings `name = <...>.callPackage ./path { ... }`;
// - a package is used when a file of the host names it: `pkgs.name`, or `name` under `with pkgs;`.
import { posix } from "node:path";
import { attrpathSegments, calleeName, flattenApply, unparen } from "../nix/options.js";
import { resolveLexical } from "../nix/scope.js";
import { SyntaxKind as K, type SyntaxNode } from "../nix/syntax.js";
import { escapeRegExp } from "../text/regexp.js";

export interface PackageLayout {
  files: readonly string[];
  treeOf(file: string): SyntaxNode | undefined;
  /** A path relative to the root to a file of the repository (a directory to its default.nix). */
  resolve(rel: string): string | undefined;
}

function dirOf(file: string): string {
  const d = posix.dirname(file);
  return d === "." ? "" : d;
}

/** Local path literals (no interpolation) in an expression, resolved against a directory. */
function pathsIn(expr: SyntaxNode, dir: string, layout: PackageLayout): string[] {
  const out: string[] = [];
  for (const n of [expr, ...expr.descendants(K.NODE_PATH)]) {
    if (n.kind !== K.NODE_PATH || (n !== expr && n.inside(K.NODE_PATH)) || n.firstChild(K.NODE_INTERPOL)) continue;
    if (!n.text.startsWith("./") && !n.text.startsWith("../")) continue;
    const rel = posix.normalize(posix.join(dir, n.text)).replace(/\/$/, "");
    const file = rel.startsWith("..") ? undefined : layout.resolve(rel);
    if (file) out.push(file);
  }
  return out;
}

/** The full key of a binding: the keys of the bindings it is in, then its own. */
function fullKey(binding: SyntaxNode): string[] {
  const parts: string[] = [];
  let b: SyntaxNode | null = binding;
  while (b) {
    const ap = b.childNodes().find((c) => c.kind === K.NODE_ATTRPATH);
    parts.unshift(...(ap ? attrpathSegments(ap).map((s) => (s.dynamic ? "?" : s.name)) : ["?"]));
    let p: SyntaxNode | null = b.parent;
    while (p && p.kind !== K.NODE_ATTRPATH_VALUE) p = p.parent;
    b = p;
  }
  return parts;
}

/** Values of `nixpkgs.overlays` (written in any nesting) in an expression. */
// A file's overlays depend on its tree alone: every host's files are asked on every host graph
// built, and a graph is built again whenever one file changes.
const overlaysCache = new WeakMap<SyntaxNode, SyntaxNode[]>();
function overlaysIn(tree: SyntaxNode): SyntaxNode[] {
  let found = overlaysCache.get(tree);
  if (!found) overlaysCache.set(tree, (found = tree.text.includes("overlays") ? overlayValues(tree) : []));
  return found;
}

function overlayValues(expr: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (const b of expr.descendants(K.NODE_ATTRPATH_VALUE)) {
    const ap = b.childNodes().find((c) => c.kind === K.NODE_ATTRPATH);
    if (!ap || !/\boverlays\b/.test(ap.text)) continue;
    const key = fullKey(b);
    if (key.at(-1) !== "overlays" || key.at(-2) !== "nixpkgs") continue;
    const value = b.childNodes().at(-1);
    if (value && value !== ap) out.push(value);
  }
  return out;
}

// `outputs.overlays.x`, `self.overlays.x`, `inputs.self.overlays`: the flake's own overlays.
const SELF_OVERLAYS = /^(?:outputs|self|inputs\.self|self\.outputs|inputs\.self\.outputs)\.overlays(?:\.("[^"]+"|[\w'-]+))?$/;

/** The flake's `overlays` output: each overlay's name and the files its value names by path; the
 * empty name for the whole set. */
export function flakeOverlays(layout: PackageLayout): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const flake = layout.treeOf("flake.nix");
  if (!flake || !flake.text.includes("overlays")) return out;
  for (const b of flake.descendants(K.NODE_ATTRPATH_VALUE)) {
    const ap = b.childNodes().find((c) => c.kind === K.NODE_ATTRPATH);
    if (!ap || fullKey(b).at(-1) !== "overlays" || fullKey(b).includes("nixpkgs")) continue;
    const value = unparen(b.childNodes().at(-1));
    if (!value || value === ap) continue;
    // `overlays = import ./overlays { inherit inputs; }`: the file's set.
    const files = pathsIn(value, "", layout);
    out.set("", files);
    for (const file of files) {
      const tree = layout.treeOf(file);
      if (!tree) continue;
      let body = unparen(tree.firstChild()) ?? tree;
      while (body.kind === K.NODE_LAMBDA) body = unparen(body.childNodes().at(-1)) ?? body;
      if (body.kind === K.NODE_LET_IN) body = unparen(body.childNodes().at(-1)) ?? body;
      if (body.kind !== K.NODE_ATTR_SET) continue;
      for (const e of body.childNodes()) {
        if (e.kind !== K.NODE_ATTRPATH_VALUE) continue;
        const [path, v] = e.childNodes();
        const segs = path ? attrpathSegments(path) : [];
        if (segs.length === 1 && !segs[0]!.dynamic && v) out.set(segs[0]!.name, pathsIn(v, dirOf(file), layout));
      }
    }
    break;
  }
  return out;
}

/** The files an overlay value (a list, a let-bound name's value aside) names. */
function overlayFiles(value: SyntaxNode, file: string, layout: PackageLayout, flake: () => Map<string, string[]>): string[] {
  const out = new Set(pathsIn(value, dirOf(file), layout));
  for (const n of [value, ...value.descendants(K.NODE_SELECT)]) {
    if (n.kind !== K.NODE_SELECT || n.inside(K.NODE_SELECT)) continue;
    const m = SELF_OVERLAYS.exec(n.text.replace(/\s+/g, ""));
    if (!m) continue;
    const name = m[1]?.replace(/^"|"$/g, "");
    const set = flake();
    if (name === undefined) for (const [k, files] of set) { if (k !== "") for (const f of files) out.add(f); }
    else for (const f of set.get(name) ?? []) out.add(f);
  }
  return [...out];
}

/** Bindings `name = <...>.callPackage ./path { ... }` of a file: the package's name and file. */
const definedCache = new WeakMap<SyntaxNode, Array<[string, string]>>();
function definedPackages(file: string, layout: PackageLayout): Array<[string, string]> {
  const tree = layout.treeOf(file);
  if (!tree) return [];
  let found = definedCache.get(tree);
  if (found) return found;
  found = [];
  if (tree.text.includes("callPackage")) {
    for (const b of tree.descendants(K.NODE_ATTRPATH_VALUE)) {
      const [path, v] = b.childNodes();
      const segs = path?.kind === K.NODE_ATTRPATH ? attrpathSegments(path) : [];
      const value = unparen(v);
      // A binding of a set (not a let's name a module installs itself).
      if (segs.length !== 1 || segs[0]!.dynamic || value?.kind !== K.NODE_APPLY || b.parent?.kind !== K.NODE_ATTR_SET) continue;
      const { fn, args } = flattenApply(value);
      if (calleeName(fn) !== "callPackage") continue;
      const target = unparen(args[0]);
      if (target?.kind !== K.NODE_PATH) continue;
      for (const f of pathsIn(target, dirOf(file), layout)) found.push([segs[0]!.name, f]);
    }
  }
  definedCache.set(tree, found);
  return found;
}

/** The files a file's package set defines (`name = callPackage ./path { }`): a host uses them when
 * it names the package, not by reaching the set. */
export function packageFilesOf(file: string, layout: PackageLayout): Set<string> {
  return new Set(definedPackages(file, layout).map(([, f]) => f));
}

/** Package names a file installs or refers to from pkgs: `pkgs.name`, `name` under `with pkgs;`
 * (and a package of a nested set: `pkgs.github.com.me.tool` names each of its keys). */
const usedCache = new WeakMap<SyntaxNode, Set<string>>();
function usedNames(tree: SyntaxNode): Set<string> {
  let used = usedCache.get(tree);
  if (used) return used;
  used = new Set();
  for (const s of tree.descendants(K.NODE_SELECT)) {
    const [base, path] = s.childNodes();
    if (base?.kind !== K.NODE_IDENT || base.text !== "pkgs" || path?.kind !== K.NODE_ATTRPATH) continue;
    for (const seg of attrpathSegments(path)) if (!seg.dynamic) used.add(seg.name);
  }
  for (const w of tree.descendants(K.NODE_WITH)) {
    const [ns, body] = w.childNodes();
    if (ns?.text !== "pkgs" || !body) continue;
    for (const id of body.descendants(K.NODE_IDENT)) if (id.parent?.kind !== K.NODE_ATTRPATH && id.parent?.kind !== K.NODE_SELECT) used.add(id.text);
    for (const s of body.descendants(K.NODE_SELECT)) {
      const base = s.childNodes()[0];
      if (base?.kind === K.NODE_IDENT) used.add(base.text);
    }
  }
  usedCache.set(tree, used);
  return used;
}

/** `nixosSystem { modules = [ ... ../hosts/${name} ... ]; }` calls: the files their host-dependent
 * module paths can name (as a pattern), and the overlay values set in their inline modules. */
export interface SystemBuilder {
  file: string;
  patterns: RegExp[];
  overlays: SyntaxNode[];
}


/** The text of a module path naming a host's folder by interpolation, each interpolation as
 * `placeholder`: `../hosts/${name}`, or a let-bound `machineDir = ../machines + "/${hostname}"`
 * (pborzenkov-nix-config lib/default.nix). Undefined for anything else. */
function hostPathPattern(p: SyntaxNode | undefined, placeholder: string): string | undefined {
  if (p?.kind === K.NODE_IDENT) {
    const v = unparen(resolveLexical(p)?.value);
    if (v?.kind !== K.NODE_BIN_OP || !v.childTokens().some((t) => t.text === "+")) return undefined;
    const [a, b] = v.childNodes().map((n) => unparen(n));
    if (a?.kind !== K.NODE_PATH || a.firstChild(K.NODE_INTERPOL) || b?.kind !== K.NODE_STRING || !b.firstChild(K.NODE_INTERPOL)) return undefined;
    let rest = "";
    for (const c of b.children) rest += c.isToken ? (c.text === '"' ? "" : c.text) : placeholder;
    return rest.startsWith("/") ? a.text.replace(/\/$/, "") + rest : undefined;
  }
  if (p?.kind !== K.NODE_PATH || !p.firstChild(K.NODE_INTERPOL)) return undefined;
  let text = "";
  for (const c of p.children) text += c.isToken ? c.text : placeholder;
  return text;
}

export function systemBuilders(layout: PackageLayout): SystemBuilder[] {
  const out: SystemBuilder[] = [];
  for (const file of layout.files) {
    if (!file.endsWith(".nix")) continue;
    const tree = layout.treeOf(file);
    if (!tree || !tree.text.includes("nixosSystem") || !tree.text.includes("overlays")) continue;
    for (const a of tree.descendants(K.NODE_APPLY)) {
      if (a.parent?.kind === K.NODE_APPLY && a.parent.firstChild() === a) continue;
      const { fn, args } = flattenApply(a);
      if (calleeName(fn) !== "nixosSystem") continue;
      const set = unparen(args[0]);
      if (set?.kind !== K.NODE_ATTR_SET) continue;
      const modules = set.childNodes().find((b) => b.kind === K.NODE_ATTRPATH_VALUE && b.childNodes()[0]?.text === "modules")?.childNodes()[1];
      if (!modules) continue;
      const patterns: RegExp[] = [];
      for (const list of [modules, ...modules.descendants(K.NODE_LIST)]) {
        if (list.kind !== K.NODE_LIST) continue;
        for (const el of list.childNodes()) {
          const placeholder = "\0";
          const text = hostPathPattern(unparen(el), placeholder);
          const folderForm = unparen(el)?.kind === K.NODE_IDENT;
          if (text === undefined) continue;
          if (!text.startsWith("./") && !text.startsWith("../")) continue;
          const rel = posix.normalize(posix.join(dirOf(file), text));
          if (rel.startsWith("..") || rel.startsWith(placeholder)) continue;
          // (The folder's default.nix, or any file in it: a folder with no default.nix is imported
          // through files of its own, machineDir + "/hardware-configuration.nix".)
          patterns.push(new RegExp(`^${rel.split(placeholder).map(escapeRegExp).join("[^/]+")}(?:/default\\.nix)?$`));
          if (folderForm) patterns.push(new RegExp(`^${rel.split(placeholder).map(escapeRegExp).join("[^/]+")}/`));
        }
      }
      const overlays = overlayValues(modules);
      if (patterns.length && overlays.length) out.push({ file, patterns, overlays });
    }
  }
  return out;
}

/** The package files a host's files use through the overlays it applies (see above), and the
 * overlay files read for them (`src = ./.` in a package of pkgs/ names pkgs/default.nix: not a
 * reason to give the host every package of the overlay). */
export function usedPackageFiles(
  hostFiles: ReadonlySet<string>,
  entries: readonly string[],
  builders: readonly SystemBuilder[],
  layout: PackageLayout,
  flake: () => Map<string, string[]>,
): { files: string[]; sources: ReadonlySet<string>; read: ReadonlySet<string> } {
  const none = { files: [], sources: new Set<string>(), read: new Set<string>() };
  const overlays: Array<{ value: SyntaxNode; file: string }> = [];
  for (const f of hostFiles) {
    const tree = f.endsWith(".nix") ? layout.treeOf(f) : undefined;
    if (tree) for (const v of overlaysIn(tree)) overlays.push({ value: v, file: f });
  }
  for (const b of builders) if (entries.some((e) => b.patterns.some((p) => p.test(e)))) for (const v of b.overlays) overlays.push({ value: v, file: b.file });
  if (!overlays.length) return none;
  // The overlay files and the files they name, two steps.
  const sources = new Set<string>();
  let frontier = overlays.flatMap((o) => overlayFiles(o.value, o.file, layout, flake));
  for (let step = 0; step < 3 && frontier.length; step++) {
    const next: string[] = [];
    for (const f of frontier) {
      if (sources.has(f) || !f.endsWith(".nix")) continue;
      sources.add(f);
      const tree = layout.treeOf(f);
      if (tree && step < 2) next.push(...pathsIn(tree, dirOf(f), layout));
    }
    frontier = next;
  }
  const defined = new Map<string, string[]>();
  for (const f of sources) for (const [name, file] of definedPackages(f, layout)) defined.set(name, [...(defined.get(name) ?? []), file]);
  if (!defined.size) return none;
  const out = new Set<string>();
  for (const f of hostFiles) {
    if (sources.has(f) || !f.endsWith(".nix")) continue;
    const tree = layout.treeOf(f);
    if (!tree) continue;
    for (const name of usedNames(tree)) for (const file of defined.get(name) ?? []) out.add(file);
  }
  return { files: [...out], sources: new Set([...sources].filter((f) => !out.has(f))), read: sources };
}
