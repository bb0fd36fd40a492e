// A host's definitions, completed with the inline modules of its declaration in flake.nix that the
// option index does not see: the index reads inline modules in `modules = [ ... ]` lists, but a
// host declared through a helper (`nas = mkHost "nas" [ { nix.gc.automatic = true; } ];`) passes
// them in the helper's arguments.
import { indexModule, type OptionDefinition } from "../../nix/options.js";
import { globToRegExp } from "../../text/glob.js";
import { posix } from "node:path";
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import type { HostContext, NixFileContext } from "../types.js";
import { calleeName, dottedName, flattenApply, resolveValue, unparen } from "../shared/syntax.js";
import { filesAnswering } from "../shared/track.js";

type Def = { file: NixFileContext; def: OptionDefinition };

const extraCache = new WeakMap<HostContext, Def[]>();

function declarationExtras(h: HostContext): Def[] {
  const cached = extraCache.get(h);
  if (cached) return cached;
  const out: Def[] = [];
  const decl = h.declaration;
  const flake = decl ? h.files.find((f) => f.file === decl.file) : undefined;
  if (decl && flake) {
    const known = new Set(flake.index.definitions.map((d) => d.binding));
    // `modules = commonHome;` with `commonHome = [ { home-manager.users.x = ...; } ]` bound in a
    // let of the file: that list's inline modules are the host's too.
    const lists: SyntaxNode[] = [decl.node];
    const seen = new Set<SyntaxNode>();
    for (let i = 0; i < lists.length && i < 16; i++) {
      lists[i]!.walk((n) => {
        if (n.kind === K.NODE_IDENT) {
          const v = resolveValue(n);
          const list = v?.kind === K.NODE_LIST && v !== n && !seen.has(v) && !(v.start >= decl.node.start && v.end <= decl.node.end) ? v : undefined;
          if (list) {
            seen.add(list);
            lists.push(list);
          }
          return;
        }
        if (n.kind !== K.NODE_LIST) return;
        for (const el of n.childNodes()) {
          const m = unparen(el);
          if (m?.kind !== K.NODE_ATTR_SET && m?.kind !== K.NODE_LAMBDA) continue;
          const idx = indexModule(m);
          if (!idx.isModule) continue;
          for (const def of idx.definitions) if (!known.has(def.binding) || lists[i] !== decl.node) out.push({ file: flake, def });
        }
      });
    }
  }
  extraCache.set(h, out);
  return out;
}

/** Every definition of a path in the host, inline modules of its declaration included. */
export function hostDefinitions(h: HostContext, path: string): Def[] {
  return [...h.definitions(path), ...declarationExtras(h).filter((x) => x.def.path === path)];
}

/** Definitions whose path matches a glob (`*` one segment, `**` any), inline modules included. */
export function hostMatching(h: HostContext, pattern: string): Def[] {
  const re = globToRegExp(pattern, ".");
  return [...h.matching(pattern), ...declarationExtras(h).filter((x) => re.test(x.def.path))];
}

/**
 * Can every module of the host be seen? A host-level "nothing sets X" conclusion is only sound
 * when it can: the host has module files besides flake.nix, and every `imports` list in them is
 * made of local paths that resolve to scanned files, inline modules, modules of flake inputs
 * (`inputs.x.nixosModules.y`) or of nixpkgs (`modulesPath + ...`, `<nixpkgs/...>`). An import
 * computed by a function (`map relativeToRoot [...]`, `scanPaths ./.`) or a missing file makes the
 * host opaque, and the caller stays silent. Returns why the host is opaque, or undefined.
 */
export function hostOpacity(h: HostContext): string | undefined {
  const cached = opacityCache.get(h);
  if (cached !== undefined) return cached ?? undefined;
  const result = computeOpacity(h);
  opacityCache.set(h, result ?? null);
  return result;
}

const opacityCache = new WeakMap<HostContext, string | null>();

function computeOpacity(h: HostContext): string | undefined {
  const flakeFile = h.declaration?.file;
  // The files that may decide: the flake's, those that are no module, and those naming imports
  // (a file of none of these is a module without imports, and has no part in the answer).
  const deciding = filesAnswering(h.files, `hostOpacity\0${flakeFile ?? ""}`, (c) => c.file === flakeFile || !c.index.isModule || c.text.includes("imports"));
  const modules = deciding.length < h.files.length || deciding.some((f) => f.file !== flakeFile && f.index.isModule);
  if (!modules) return "none of its modules could be followed from flake.nix";
  const byPath = new Set(h.files.map((f) => f.file));
  const missing = missingModuleFile(h, byPath);
  if (missing) return missing;
  for (const f of deciding) {
    const scope = f.file === flakeFile ? h.declaration?.node : f.parsed.root;
    if (!scope) continue;
    // The bindings of the tree in pre-order (kept per tree): the first `imports` that cannot be
    // followed is the answer. A walk over every node of every file of every host was most of a
    // repeat scan's time.
    for (const n of scope.descendants(K.NODE_ATTRPATH_VALUE)) {
      const [path, value] = n.childNodes();
      if (path?.text !== "imports") continue;
      if (!followableList(value, f, byPath, 0)) return `${f.file}:${n.line} computes its imports`;
    }
  }
  return undefined;
}

/**
 * A Nix file the host's declaration names (`modules = [ ./hosts/vamp/configuration.nix ]`) that is
 * not in the repository (git-ignored, never committed): the host cannot be evaluated from it, so
 * nothing can be said about what it lacks (reckenrode-nixos-configs vamp, judged wrong for
 * missing-nix-gc).
 */
function missingModuleFile(h: HostContext, byPath: ReadonlySet<string>): string | undefined {
  const decl = h.declaration;
  if (!decl) return undefined;
  const dir = posix.dirname(decl.file);
  for (const p of decl.node.descendants(K.NODE_PATH)) {
    if (p.inside(K.NODE_PATH) || p.firstChild(K.NODE_INTERPOL) || !/^\.\.?\//.test(p.text) || !moduleListElement(p)) continue;
    const rel = posix.normalize(posix.join(dir === "." ? "" : dir, p.text)).replace(/\/$/, "");
    if (rel.startsWith("..")) continue;
    // Only a `.nix` file: a directory or another file (`./keys/host.pub`) may not be Nix at all.
    if (posix.extname(rel) !== ".nix" || byPath.has(rel) || h.lookup?.(rel)) continue;
    return `${decl.file}:${p.line} names ${rel}, which is not in the repository`;
  }
  return undefined;
}

/** Is the path an element of a module list (`modules = [ ./x.nix ]`, `imports = [ ... ] ++ ...`),
 * not a value read by the configuration (`config = import ./secret/znc.nix`)? */
function moduleListElement(path: SyntaxNode): boolean {
  let n: SyntaxNode | null = path.parent;
  while (n?.kind === K.NODE_PAREN) n = n.parent;
  if (n?.kind !== K.NODE_LIST) return false;
  while (n.parent && (n.parent.kind === K.NODE_BIN_OP || n.parent.kind === K.NODE_PAREN)) n = n.parent;
  const b = n.parent;
  if (b?.kind !== K.NODE_ATTRPATH_VALUE) return false;
  const last = b.childNodes()[0]?.childNodes().at(-1)?.text;
  return last === "modules" || last === "imports";
}

function followableList(node: SyntaxNode | undefined, from: NixFileContext, files: Set<string>, depth: number): boolean {
  const n = resolveValue(node);
  if (!n || depth > 16) return false;
  if (n.kind === K.NODE_LIST) return n.childNodes().every((e) => followableModule(e, from, files, depth + 1));
  // `with inputs.self.nixosModules; [ a b ]`: modules the flake exports, named in its namespace
  // (the host graph follows them like `self.nixosModules.a`).
  if (n.kind === K.NODE_WITH) {
    const [space, body] = n.childNodes();
    const list = body ? unparen(body) : undefined;
    if (!MODULE_SET.test(dottedName(space) ?? "") || list?.kind !== K.NODE_LIST) return false;
    return list.childNodes().every((e) => e.kind === K.NODE_IDENT || followableModule(e, from, files, depth + 1));
  }
  if (n.kind === K.NODE_BIN_OP && n.childTokens()[0]?.kind === K.TOKEN_CONCAT) return n.childNodes().every((c) => followableList(c, from, files, depth + 1));
  if (n.kind === K.NODE_APPLY) {
    const { fn, args } = flattenApply(n);
    const name = calleeName(fn);
    if (name === "optionals" && args.length === 2) return followableList(args[1], from, files, depth + 1);
    if (name === "optional" && args.length === 2) return followableModule(args[1]!, from, files, depth + 1);
    // `builtins.attrValues outputs.nixosModules`: every module a flake exports, like one input module.
    if (name === "attrValues" && args.length === 1) return MODULE_SET.test(dottedName(args[0]) ?? "");
  }
  return false;
}

const MODULE_SET = /(^|\.)(nixosModules|homeManagerModules|homeModules|darwinModules|flakeModules)$/;

function followableModule(node: SyntaxNode, from: NixFileContext, files: Set<string>, depth: number): boolean {
  const n = resolveValue(node);
  if (!n || depth > 16) return false;
  switch (n.kind) {
    case K.NODE_ATTR_SET:
    case K.NODE_LAMBDA:
    case K.NODE_SEARCH_PATH:
      return true;
    case K.NODE_SELECT:
      // A module of a flake input or another flake output (`inputs.x.nixosModules.y`).
      return /(^|\.)(nixosModules|homeManagerModules|homeModules|darwinModules|nixosModule|flakeModules|modules)\b/.test(dottedName(n) ?? "");
    case K.NODE_PATH: {
      if (n.firstChild(K.NODE_INTERPOL) || !/^\.\.?\//.test(n.text)) return false;
      const dir = posix.dirname(from.file);
      const rel = posix.normalize(posix.join(dir === "." ? "" : dir, n.text));
      return files.has(rel) || files.has(posix.join(rel, "default.nix"));
    }
    case K.NODE_STRING:
    case K.NODE_BIN_OP:
      // `"${modulesPath}/profiles/x.nix"`, `modulesPath + "/profiles/x.nix"`: nixpkgs' own modules.
      if (/^\(?"?\$?\{?modulesPath\b/.test(n.text)) return true;
      // `inputs.srvos.nixosModules.common + "/openssh.nix"`: a file of a flake input's module
      // folder, like the input's modules themselves.
      if (n.kind === K.NODE_BIN_OP && n.firstToken(K.TOKEN_PLUS)) {
        const [left, right] = n.childNodes().map((c) => unparen(c));
        return left?.kind === K.NODE_SELECT && /^inputs\.[\w-]+\.(nixosModules|modules)\b/.test(dottedName(left) ?? "") && right?.kind === K.NODE_STRING && !right.firstChild(K.NODE_INTERPOL);
      }
      return false;
    case K.NODE_APPLY: {
      const { fn, args } = flattenApply(n);
      return calleeName(fn) === "import" && !!args[0] && unparen(args[0])?.kind === K.NODE_PATH && followableModule(args[0], from, files, depth + 1);
    }
    default:
      return false;
  }
}
