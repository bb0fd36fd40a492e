// readdir-module-discovery: `imports` (or a system's `modules` list) built by listing a directory,
// with builtins.readDir or lib.filesystem.listFilesRecursive, directly or through a helper
// function (`imports = lib.custom.scanPaths ./.;` with scanPaths defined in lib/). The whole
// repository is read at once, so helpers are followed across files: a helper is a named function
// (let-bound, or an attribute such as a lib's `scanPaths`) that lists a directory or calls such a
// helper. One finding per directory listing, at the listing, naming every place it builds imports.
//
// Only where the discovery is shown to be a hazard. Judges on nine repositories called the plain
// forms a deliberate convention, never a defect: a module folder importing its own files
// (kira-bruneau's modules/default.nix), a library's scanPaths or addModulesRecursive (m1cr0man),
// a folder of one file per admin (nix-community-infra), directories of mixins. It is reported when
// a recursive discovery keeps out by hand parts of the tree it lists (Infinisil/system's
// new-modules: `! hasPrefix "x/taffybar/" file`): the tree then holds .nix files that are not
// modules, and each new one anywhere below it is imported unless someone extends that list. A
// listing whose entries are not imported themselves is never reported: an attribute set of
// modules picked by key (`formats.${format}`, `hasAttr n official`, foo-dogsquared), or host
// directories of which only fixed files are imported (`./hosts/${name}/hardware.nix`).
import { attrpathSegments } from "../../nix/options.js";
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import type { NixFileContext, Rule } from "../types.js";
import { applications, calleeName, contains, resolveVariable, unparen } from "../shared/syntax.js";
import { staticString } from "../../nix/options.js";
import { nixManual, nixosManual } from "../shared/references.js";

const LISTING_FUNCTIONS = new Set(["readDir", "listFilesRecursive"]);

interface Listing {
  ctx: NixFileContext;
  call: SyntaxNode;
}

interface Helper {
  name: string;
  /** The binding (ATTRPATH_VALUE) that defines it. */
  binding: SyntaxNode;
  /** Exported as an attribute (matched by name from any file), or let-bound (matched lexically). */
  exported: boolean;
  listings: Set<Listing>;
}

/** The named function a node is inside: the nearest binding whose value is a lambda containing it. */
function enclosingNamedFunction(node: SyntaxNode): { name: string; binding: SyntaxNode; exported: boolean } | undefined {
  for (let p = node.parent; p; p = p.parent) {
    if (p.kind !== K.NODE_ATTRPATH_VALUE) continue;
    const [path, value] = p.childNodes();
    if (!path || unparen(value)?.kind !== K.NODE_LAMBDA || !contains(value!, node)) continue;
    const segs = attrpathSegments(path);
    const last = segs.at(-1);
    if (!last || last.dynamic) return undefined;
    return { name: last.name, binding: p, exported: p.parent?.kind === K.NODE_ATTR_SET };
  }
  return undefined;
}

/** Bindings that list a system's modules: `imports = ...`, and `modules = ...` given to a function
 * (nixosSystem, homeManagerConfiguration, evalModules). */
function moduleListBindings(root: SyntaxNode): SyntaxNode[] {
  let out = moduleListCache.get(root);
  if (!out) moduleListCache.set(root, (out = findModuleListBindings(root)));
  return out;
}

// The tree of an unchanged file is kept between scans: its module lists are found once.
const moduleListCache = new WeakMap<SyntaxNode, SyntaxNode[]>();

function findModuleListBindings(root: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (const n of root.descendants(K.NODE_ATTRPATH_VALUE)) {
    const path = n.childNodes()[0];
    if (!path) continue;
    const last = attrpathSegments(path).at(-1);
    if (!last || last.dynamic) continue;
    if (last.name === "imports") out.push(n);
    else if (last.name === "modules") {
      let set = n.parent;
      while (set?.parent?.kind === K.NODE_PAREN) set = set.parent;
      if (set?.kind === K.NODE_ATTR_SET && set.parent?.kind === K.NODE_APPLY) out.push(n);
    }
  }
  return out;
}

// What a module list reaches depends on its own file only (names resolve lexically): found once
// per tree, which is kept between scans while the file is unchanged.
type App = ReturnType<typeof applications>[number];
interface Reached {
  apps: App[];
  /** The expressions walked: the list's value and the let-bound values it uses. */
  exprs: SyntaxNode[];
}
const reachedCache = new WeakMap<SyntaxNode, Reached>();
const byNameCache = new WeakMap<SyntaxNode, Map<string, App[]>>();

/** A tree's applications whose callee has one of these names. */
function applicationsNamed(root: SyntaxNode, names: ReadonlySet<string>): App[] {
  let byName = byNameCache.get(root);
  if (!byName) {
    byName = new Map();
    for (const a of applications(root)) if (a.name) byName.set(a.name, [...(byName.get(a.name) ?? []), a]);
    byNameCache.set(root, byName);
  }
  const out: App[] = [];
  for (const name of names) out.push(...(byName.get(name) ?? []));
  return out;
}

/**
 * Is this use of a name a pick by key, not the whole value: `set.${key}`, `set.${key} or d`,
 * `hasAttr key set`, `set ? ${key}`, `getAttr key set`? An attribute set of modules built from a
 * listing and read one entry at a time imports the entry asked for, not every file.
 */
function pickedByKey(ident: SyntaxNode): boolean {
  let n = ident;
  while (n.parent?.kind === K.NODE_PAREN) n = n.parent;
  const p = n.parent;
  if (!p) return false;
  if ((p.kind === K.NODE_SELECT || p.kind === K.NODE_HAS_ATTR) && p.childNodes()[0] === n) {
    const path = p.childNodes()[1];
    return !!path && attrpathSegments(path).some((seg) => seg.dynamic);
  }
  if (p.kind === K.NODE_APPLY && p.childNodes()[1] === n) {
    const name = calleeName(flattenCallee(p));
    return name === "hasAttr" || name === "getAttr" || name === "attrByPath";
  }
  return false;
}

/** The applications (outermost `f a ...` nodes) a module list's value reaches, in order, directly
 * or through the let/rec-bound values of the names it uses (not through a pick by key). */
function reachedApplications(root: SyntaxNode, binding: SyntaxNode): Reached {
  const cached = reachedCache.get(binding);
  if (cached) return cached;
  const outermost = new Map(applications(root).map((a) => [a.node, a]));
  const out: App[] = [];
  const value = binding.childNodes()[1];
  const seen = new Set<SyntaxNode>();
  const queue: SyntaxNode[] = value ? [value] : [];
  while (queue.length) {
    const expr = queue.pop()!;
    if (seen.has(expr)) continue;
    seen.add(expr);
    expr.walk((n) => {
      if (n.kind === K.NODE_IDENT) {
        if (pickedByKey(n)) return;
        const b = resolveVariable(n);
        if (b?.value && !contains(b.value, binding)) queue.push(b.value);
        return;
      }
      const a = n.kind === K.NODE_APPLY ? outermost.get(n) : undefined;
      if (a) out.push(a);
    });
  }
  const reached = { apps: out, exprs: [...seen] };
  reachedCache.set(binding, reached);
  return reached;
}

/** Names a discovery compares entries with that are conventions, not a hand-kept exclusion:
 * the folder's own default.nix, the .nix suffix, entry types, hidden and `_`-prefixed entries. */
const CONVENTIONAL_NAME = /^(?:|\.|_|\.nix|default\.nix|flake\.nix|shell\.nix|directory|regular|symlink|unknown|\.noload|\..*)$/;
const NAME_TESTS = new Set(["hasPrefix", "hasSuffix", "hasInfix", "elem", "match"]);

/**
 * The names an expression keeps out of a listing by hand: string literals compared with `==` or
 * `!=`, or tested with hasPrefix/hasSuffix/hasInfix/elem/match, that are not conventions
 * (`"x/taffybar/"`, `"lib.nix"`).
 */
function handExclusions(exprs: Iterable<SyntaxNode>): string[] {
  const out = new Set<string>();
  for (const e of exprs) {
    e.walk((n) => {
      if (n.kind !== K.NODE_STRING) return;
      const v = staticString(n);
      if (v === undefined || CONVENTIONAL_NAME.test(v)) return;
      let c = n;
      while (c.parent?.kind === K.NODE_PAREN || c.parent?.kind === K.NODE_LIST) c = c.parent;
      const p = c.parent;
      if (!p) return;
      const compared = p.kind === K.NODE_BIN_OP && p.childTokens().some((t) => t.text === "==" || t.text === "!=");
      const tested = p.kind === K.NODE_APPLY && NAME_TESTS.has(calleeName(flattenCallee(p)) ?? "");
      if (compared || tested) out.add(v);
    });
  }
  return [...out];
}

/** Does the helper (a named function's binding) call itself: a discovery that recurses into
 * subdirectories? */
function recursesItself(binding: SyntaxNode): boolean {
  const [path, value] = binding.childNodes();
  const name = path ? attrpathSegments(path).at(-1)?.name : undefined;
  if (!name || !value || !smallHelper(binding)) return false;
  return value.descendants(K.NODE_APPLY).some((a) => calleeName(flattenCallee(a)) === name);
}

/** A binding small enough to be a listing helper (a few lines), not a host builder that also
 * lists a directory somewhere in its body (chayleaf/dotfiles flake.nix): only there do a
 * self-call and compared names speak of the listing. */
function smallHelper(binding: SyntaxNode): boolean {
  return binding.end - binding.start <= 1200;
}

export const readdirModuleDiscovery: Rule = {
  id: "readdir-module-discovery",
  name: "Modules discovered by listing a directory tree that holds non-modules",
  category: "anti-pattern",
  severity: "info",
  rationale:
    "Maintenance, not security. Importing a folder's modules by listing it (builtins.readDir, listFilesRecursive, a library's scanPaths) is a common, deliberate convention and is not reported by itself. It becomes a hazard when a recursive discovery has to keep parts of its tree out by hand (`! hasPrefix \"x/taffybar/\" file`): the tree then holds .nix files that are not modules of the system (a package, a helper, an experiment), and each new one anywhere below it silently becomes part of the configuration, or breaks evaluation, unless someone remembers to extend the exclusion list. Listings whose entries are not imported themselves (modules picked by key, fixed files of host directories) are not reported.",
  fix: "Move what is not a module out of the discovered tree (or mark it with the discovery's convention, such as a leading `_`), or list that part's modules explicitly in `imports`.",
  references: [
    nixosManual("Writing NixOS Modules (imports)", "sec-writing-modules"),
    nixManual("builtins.readDir", "language/builtins#builtins-readDir"),
  ],
  compliance: {
    cis: ["n/a: concerns how the configuration source is assembled, not a setting of the running system, which is what the CIS Linux benchmark audits"],
    nist: ["ID.AM-02", "PR.PS-01"],
  },
  examples: {
    fire: [{
      // A recursive discovery with a subtree kept out by hand.
      "modules/default.nix": `{ lib, ... }:
let
  tree = dir: lib.mapAttrs (name: type: if type == "directory" then tree "\${dir}/\${name}" else type) (builtins.readDir dir);
  files = dir: lib.collect lib.isString (lib.mapAttrsRecursive (path: _: lib.concatStringsSep "/" path) (tree dir));
  modules = dir: map (f: ./. + "/\${f}") (lib.filter (f: lib.hasSuffix ".nix" f && f != "default.nix" && !lib.hasPrefix "desktop/bar/" f) (files dir));
in
{
  imports = modules ./.;
}
`,
      "modules/desktop/bar/default.nix": "{ stdenv }: stdenv.mkDerivation { pname = \"bar\"; version = \"1\"; src = ./.; }\n",
    }],
    silent: [`{ ... }:
{
  imports = [
    ./modules/ssh.nix
    ./modules/backup.nix
  ];
}
`,
      // A module folder importing its own files: the convention, not reported.
      `{
  imports = builtins.concatMap (m: if m != "default.nix" then [ ./\${m} ] else [ ]) (builtins.attrNames (builtins.readDir ./.));
}
`,
      // Host directories: only fixed files of each are imported, never the entries themselves.
      `{ lib, ... }:
let hostNames = builtins.attrNames (builtins.readDir ./hosts);
in {
  imports = lib.concatMap (name: lib.optional (builtins.pathExists ./hosts/\${name}/shared.nix) ./hosts/\${name}/shared.nix) hostNames;
}
`,
      // An attribute set of modules read by key: only the chosen one is imported.
      `{ lib, format, ... }:
let
  formats = builtins.readDir ./formats;
  formatModules = lib.mapAttrs' (n: _: lib.nameValuePair (lib.removeSuffix ".nix" n) (./formats + "/\${n}")) formats;
in {
  imports = [ formatModules.\${format} ];
}
`,
      // The module \`cachix use\` generates: every file of ./cachix adds one binary cache.
      {
        "cachix.nix": `# WARN: this file will get overwritten by $ cachix use <name>
{ pkgs, lib, ... }:

let
  folder = ./cachix;
  toImport = name: value: folder + ("/" + name);
  filterCaches = key: value: value == "regular" && lib.hasSuffix ".nix" key;
  imports = lib.mapAttrsToList toImport (lib.filterAttrs filterCaches (builtins.readDir folder));
in {
  inherit imports;
  nix.settings.substituters = [ "https://cache.nixos.org/" ];
}
`,
        "cachix/nix-community.nix": `{
  nix.settings = {
    substituters = [ "https://nix-community.cachix.org" ];
    trusted-public-keys = [ "nix-community.cachix.org-1:mB9FSh9qf2dCimDSUo8Zy7bkq5CX+/rkCWyvRCYg3Fs=" ];
  };
}
`,
      },
    ],
  },

  checkRepository(files, sink) {
    // Most repositories list no directory at all: then there is nothing to follow.
    if (!files.some((f) => f.text.includes("readDir") || f.text.includes("listFilesRecursive"))) return;
    // 1. Directory listings, and the helpers they are in (to a fixpoint: helpers calling helpers).
    const helpers = new Map<SyntaxNode, Helper>();
    const exportedByName = new Map<string, Helper[]>();
    // Names of the helpers found so far: most applications call something else, and are passed
    // over without resolving their callee.
    const helperNames = new Set<string>();
    const addHelper = (node: SyntaxNode, from: Iterable<Listing>): boolean => {
      const f = enclosingNamedFunction(node);
      if (!f) return false;
      let h = helpers.get(f.binding);
      let changed = false;
      if (!h) {
        h = { ...f, listings: new Set() };
        helpers.set(f.binding, h);
        helperNames.add(f.name);
        if (f.exported) exportedByName.set(f.name, [...(exportedByName.get(f.name) ?? []), h]);
        changed = true;
      }
      for (const l of from) {
        if (!h.listings.has(l)) {
          h.listings.add(l);
          changed = true;
        }
      }
      return changed;
    };
    const listingByCall = new Map<SyntaxNode, Listing>();
    for (const ctx of files) {
      for (const a of applicationsNamed(ctx.parsed.root, LISTING_FUNCTIONS)) {
        if (a.args.length < 1) continue;
        const l = { ctx, call: a.node };
        listingByCall.set(a.node, l);
        addHelper(a.node, [l]);
      }
    }
    /** The helper an application calls, if any. */
    const helperCalled = (a: App): Helper | undefined => {
      const { fn, name } = a;
      if (!name || !helperNames.has(name)) return undefined;
      if (fn.kind === K.NODE_IDENT) {
        const b = resolveVariable(fn);
        if (b) return helpers.get(b.binder) ?? (b.kind === "rec" ? exportedByName.get(name)?.find((h) => h.binding === b.binder) : undefined);
      }
      const candidates = exportedByName.get(name);
      return candidates?.length === 1 ? candidates[0] : undefined;
    };
    for (let round = 0, changed = true; changed && round < 8; round++) {
      changed = false;
      for (const ctx of files) {
        for (const a of applicationsNamed(ctx.parsed.root, helperNames)) {
          const h = helperCalled(a);
          if (h && addHelper(a.node, h.listings)) changed = true;
        }
      }
    }

    // 2. Module lists that reach a listing (directly, through let-bound values, or via a helper).
    const uses = new Map<Listing, Array<{ ctx: NixFileContext; binding: SyntaxNode; via?: string; exprs: SyntaxNode[] }>>();
    for (const ctx of files) {
      for (const binding of moduleListBindings(ctx.parsed.root)) {
        const found = new Map<Listing, string | undefined>();
        const reached = reachedApplications(ctx.parsed.root, binding);
        for (const a of reached.apps) {
          const l = listingByCall.get(a.node);
          if (l) found.set(l, undefined);
          const h = helperCalled(a);
          if (h) for (const l of h.listings) if (!found.has(l)) found.set(l, h.name);
        }
        for (const [l, via] of found) {
          const list = uses.get(l) ?? [];
          list.push({ ctx, binding, via, exprs: reached.exprs });
          uses.set(l, list);
        }
      }
    }

    // 3. One finding per listing used to build module lists, where the discovery is recursive and
    // keeps parts of its tree out by hand.
    const helperOf = (l: Listing): Helper[] => [...helpers.values()].filter((h) => h.listings.has(l));
    for (const [l, list] of uses) {
      const own = helperOf(l);
      const recursive = calleeName(flattenCallee(l.call)) === "listFilesRecursive" || own.some((h) => recursesItself(h.binding));
      if (!recursive) continue;
      // Where names are kept out: the listing's own small helpers, and the small functions of the
      // listing's file that its module lists reach (Infinisil's validFiles). Not the rest of what a
      // module list reaches: a platform test (`== "linux"`) elsewhere is no exclusion.
      const near = list.flatMap((u) => u.exprs.filter((e) => sameSource(e, l.call) && (unparen(e)?.kind === K.NODE_LAMBDA || e === u.binding.childNodes()[1]) && e.end - e.start <= 1200));
      // An exclusion only keeps something out when a .nix file of the repository lies there: one
      // copied from another configuration that names nothing here (`"x/taffybar/"`) leaves a
      // listing that imports every file below it, which is all modules.
      const excluded = handExclusions([...own.filter((h) => smallHelper(h.binding)).map((h) => h.binding), ...near]).filter((x) => namesARepositoryFile(x, files));
      if (!excluded.length) continue;
      const where = list.map((u) => `${u.ctx.file}:${u.binding.line}`);
      const shown = where.slice(0, 5).join(", ") + (where.length > 5 ? `, and ${where.length - 5} more` : "");
      const via = [...new Set(list.map((u) => u.via).filter((v): v is string => !!v))];
      const names = excluded.slice(0, 4).map((x) => `"${x}"`).join(", ") + (excluded.length > 4 ? `, and ${excluded.length - 4} more` : "");
      sink.report(l.ctx, {
        node: l.call,
        key: `listing ${l.call.text.replace(/\s+/g, " ")}`,
        message: `This recursive directory listing${via.length ? ` (through ${via.map((v) => `\`${v}\``).join(", ")})` : ""} builds the module list${list.length > 1 ? "s" : ""} at ${shown}, and keeps out by hand what must not be imported (${names}): the tree holds .nix files that are not modules, and a new one anywhere below it becomes part of the configuration unless someone remembers to extend that list.`,
        fix: { safety: "manual", description: "Move what is not a module out of the discovered tree, or list the modules of that part explicitly in `imports` instead of excluding the rest by name." },
      });
    }
  },
};

/** Does some .nix file of the repository lie at the excluded name (a path prefix or a file name,
 * relative to wherever the listing starts)? */
function namesARepositoryFile(excluded: string, files: readonly NixFileContext[]): boolean {
  // Loosely (a name prefix, suffix or path part anywhere): a listing is dropped only when nothing matches.
  const part = excluded.replace(/^\.\//, "");
  if (!part) return true;
  return files.some((f) => `/${f.file}`.includes(part));
}

function sameSource(a: SyntaxNode, b: SyntaxNode): boolean {
  let ra = a;
  while (ra.parent) ra = ra.parent;
  let rb = b;
  while (rb.parent) rb = rb.parent;
  return ra === rb;
}

function flattenCallee(app: SyntaxNode): SyntaxNode {
  let n = app;
  while (n.kind === K.NODE_APPLY) n = unparen(n.childNodes()[0]) ?? n;
  return n;
}
