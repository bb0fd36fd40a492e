// readdir-module-discovery: `imports` (or a system's `modules` list) built by listing a directory,
// with builtins.readDir or lib.filesystem.listFilesRecursive, directly or through a helper
// function (`imports = lib.custom.scanPaths ./.;` with scanPaths defined in lib/). The whole
// repository is read at once, so helpers are followed across files: a helper is a named function
// (let-bound, or an attribute such as a lib's `scanPaths`) that lists a directory or calls such a
// helper. One finding per directory listing, at the listing, naming every place it builds imports.
import { attrpathSegments } from "../../nix/options.js";
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import type { NixFileContext, Rule } from "../types.js";
import { applications, calleeName, contains, resolveValue, resolveVariable, unparen } from "../shared/syntax.js";
import { posix } from "node:path";
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
const reachedCache = new WeakMap<SyntaxNode, App[]>();
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

/** The applications (outermost `f a ...` nodes) a module list's value reaches, in order, directly
 * or through the let/rec-bound values of the names it uses. */
function reachedApplications(root: SyntaxNode, binding: SyntaxNode): App[] {
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
        const b = resolveVariable(n);
        if (b?.value && !contains(b.value, binding)) queue.push(b.value);
        return;
      }
      const a = n.kind === K.NODE_APPLY ? outermost.get(n) : undefined;
      if (a) out.push(a);
    });
  }
  reachedCache.set(binding, out);
  return out;
}

export const readdirModuleDiscovery: Rule = {
  id: "readdir-module-discovery",
  name: "Modules imported by listing a directory (builtins.readDir)",
  category: "anti-pattern",
  severity: "info",
  rationale:
    "Maintenance, not security: `imports` built from `builtins.readDir` (directly or through a helper such as `scanPaths`) makes every .nix file that appears in the directory part of the system, unlisted. Adding a file (a stray experiment, a file from a merge, a backup copy) changes the machine without any line saying so; a reviewer cannot see from the host's configuration what it consists of, and removing a module needs deleting a file rather than a line.",
  fix: "List the modules in `imports` explicitly; a new module is then a reviewed one-line change.",
  references: [
    nixosManual("Writing NixOS Modules (imports)", "sec-writing-modules"),
    nixManual("builtins.readDir", "language/builtins#builtins-readDir"),
  ],
  compliance: {
    cis: ["n/a: concerns how the configuration source is assembled, not a setting of the running system, which is what the CIS Linux benchmark audits"],
    nist: ["ID.AM-02", "PR.PS-01"],
  },
  examples: {
    fire: [`{ lib, ... }:
{
  imports = map (name: ./modules + "/\${name}") (builtins.attrNames (builtins.readDir ./modules));
}
`],
    silent: [`{ ... }:
{
  imports = [
    ./modules/ssh.nix
    ./modules/backup.nix
  ];
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
    const uses = new Map<Listing, Array<{ ctx: NixFileContext; binding: SyntaxNode; via?: string }>>();
    for (const ctx of files) {
      for (const binding of moduleListBindings(ctx.parsed.root)) {
        const found = new Map<Listing, string | undefined>();
        for (const a of reachedApplications(ctx.parsed.root, binding)) {
          const l = listingByCall.get(a.node);
          if (l) found.set(l, undefined);
          const h = helperCalled(a);
          if (h) for (const l of h.listings) if (!found.has(l)) found.set(l, h.name);
        }
        for (const [l, via] of found) {
          const list = uses.get(l) ?? [];
          list.push({ ctx, binding, via });
          uses.set(l, list);
        }
      }
    }

    // 3. One finding per listing used to build module lists.
    for (const [l, list] of uses) {
      if (listsBinaryCaches(l, files)) continue;
      const where = list.map((u) => `${u.ctx.file}:${u.binding.line}`);
      const shown = where.slice(0, 5).join(", ") + (where.length > 5 ? `, and ${where.length - 5} more` : "");
      const via = [...new Set(list.map((u) => u.via).filter((v): v is string => !!v))];
      const local = list.length === 1 && list[0]!.ctx === l.ctx && !list[0]!.via;
      sink.report(l.ctx, {
        node: l.call,
        key: `listing ${l.call.text.replace(/\s+/g, " ")}`,
        message: local
          ? `The module list at line ${list[0]!.binding.line} is built by listing a directory (${calleeName(flattenCallee(l.call)) ?? "readDir"}): every .nix file that appears there becomes part of the configuration without being named.`
          : `This directory listing${via.length ? ` (through ${via.map((v) => `\`${v}\``).join(", ")})` : ""} builds module lists in ${list.length} place${list.length > 1 ? "s" : ""} (${shown}): every .nix file that appears in those directories becomes part of the configuration without being named.`,
        fix: { safety: "manual", description: "List the modules explicitly in `imports` (one reviewed line per module)." },
      });
    }
  },
};

/** Options a `cachix use` cache file sets: a binary cache and its key, nothing else. */
const CACHE_OPTIONS = /^nix\.(settings\.(extra-)?(substituters|trusted-public-keys)|binaryCaches|binaryCachePublicKeys|trustedBinaryCaches)$/;

/**
 * Is this the module `cachix use --mode nixos` writes (cachix.nix importing every file of
 * ./cachix, one per cache), or a copy of it: a listing of a directory whose .nix files only add
 * binary caches and their keys? Its files are generated one per cache, and each can only add a
 * substituter, so nothing hides there that an `imports` line would show (NobbZ/nixos-config's
 * nixos/modules/cachix). When the directory's files are not in the scan, the template's own shape
 * (its `filterCaches` helper, a `cachix` path) decides.
 */
function listsBinaryCaches(l: Listing, files: readonly NixFileContext[]): boolean {
  const app = l.call.kind === K.NODE_APPLY ? l.call : undefined;
  const arg = app?.childNodes().at(-1);
  const target = resolveValue(arg);
  if (target?.kind !== K.NODE_PATH || !/^\.{1,2}\//.test(target.text)) return false;
  const dir = posix.normalize(posix.join(posix.dirname(l.ctx.file), target.text));
  const inside = files.filter((f) => f.file.startsWith(`${dir}/`) && !f.file.slice(dir.length + 1).includes("/"));
  if (inside.length > 0) return inside.every((f) => f.index.definitions.length > 0 && f.index.definitions.every((d) => d.path === "nix" || d.path === "nix.settings" || CACHE_OPTIONS.test(d.path)));
  return /\bfilterCaches\b/.test(l.ctx.text) && /cachix/i.test(`${l.ctx.file} ${target.text}`);
}

function flattenCallee(app: SyntaxNode): SyntaxNode {
  let n = app;
  while (n.kind === K.NODE_APPLY) n = unparen(n.childNodes()[0]) ?? n;
  return n;
}
