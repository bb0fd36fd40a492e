// Host attribution: which hosts (`nixosConfigurations.<host>` in flake.nix) include which files.
// Read statically from the flake: each host's expression is followed through `nixosSystem { modules
// = [...] }`, `++`, let-bound lists and helper functions called with literal arguments (`mkHost
// "nas" [ ./extra.nix ]` with `./hosts/${name}` inside), then every module's imports and the files
// it refers to, transitively. No evaluation, so nothing is fetched and nothing runs.
import { existsSync, statSync } from "node:fs";
import { dirname, join, normalize, posix } from "node:path";
import { SyntaxKind as K, type SyntaxNode } from "../nix/syntax.js";
import { attrpathSegments, calleeName, flattenApply, staticString, unparen } from "../nix/options.js";

export interface HostDeclaration {
  name: string;
  /** The binding that declares it in flake.nix. */
  node: SyntaxNode;
  /** Files (relative to the root) the host's configuration is made of. */
  files: Set<string>;
}

export interface HostGraph {
  hosts: HostDeclaration[];
  /** For each file, the hosts that include it. */
  hostsOf(file: string): string[];
}

/** What a module file refers to: its imports and other local files (relative to the root). */
export type ReferencesOf = (file: string) => string[];

interface Env {
  values: Map<string, SyntaxNode | string>;
  up?: Env;
}

function lookup(env: Env | undefined, name: string): SyntaxNode | string | undefined {
  for (let e = env; e; e = e.up) {
    const v = e.values.get(name);
    if (v !== undefined) return v;
  }
  return undefined;
}

function letEnv(node: SyntaxNode, up: Env | undefined): Env {
  const values = new Map<string, SyntaxNode | string>();
  for (const b of node.childNodes()) {
    if (b.kind !== K.NODE_ATTRPATH_VALUE) continue;
    const [path, value] = b.childNodes();
    const segs = path ? attrpathSegments(path) : [];
    if (segs.length === 1 && !segs[0]!.dynamic && value) values.set(segs[0]!.name, value);
  }
  return { values, up };
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
      const inner = unparen(c.firstChild());
      if (inner?.kind === K.NODE_IDENT) {
        const v = lookup(env, inner.text);
        if (typeof v === "string") {
          out += v;
          continue;
        }
        const s = v && typeof v !== "string" && v.kind === K.NODE_STRING ? staticString(v) : undefined;
        if (s !== undefined) {
          out += s;
          continue;
        }
      } else if (inner?.kind === K.NODE_STRING) {
        const s = staticString(inner);
        if (s !== undefined) {
          out += s;
          continue;
        }
      }
      return undefined;
    }
  }
  if (out.startsWith("/")) return undefined; // absolute: not in the repository
  return posix.normalize(posix.join(baseDir, out));
}

/** A local path reference to a Nix module: a .nix file, or a directory with default.nix. */
export function resolveModuleFile(root: string, rel: string): string | undefined {
  if (rel.startsWith("..")) return undefined;
  const abs = join(root, rel);
  try {
    const st = statSync(abs);
    if (st.isDirectory()) {
      const def = posix.join(rel, "default.nix");
      return existsSync(join(root, def)) ? def : undefined;
    }
    return st.isFile() ? normalize(rel).split("\\").join("/") : undefined;
  } catch {
    return undefined;
  }
}

/** The files a host expression in flake.nix names, following helpers and lists. */
function collectHostFiles(expr: SyntaxNode, env: Env | undefined, flakeDir: string, out: Set<string>, depth = 0): void {
  if (depth > 40) return;
  const n = unparen(expr);
  if (!n) return;
  switch (n.kind) {
    case K.NODE_PATH: {
      const p = pathValue(n, env, flakeDir);
      if (p !== undefined) out.add(p);
      return;
    }
    case K.NODE_IDENT: {
      const v = lookup(env, n.text);
      if (v && typeof v !== "string") collectHostFiles(v, env, flakeDir, out, depth + 1);
      return;
    }
    case K.NODE_LET_IN:
      collectHostFiles(n.childNodes().at(-1)!, letEnv(n, env), flakeDir, out, depth + 1);
      return;
    case K.NODE_APPLY: {
      const { fn, args } = flattenApply(n);
      // A helper defined in a let: bind its parameters to the arguments and read its body.
      const callee = fn.kind === K.NODE_IDENT ? lookup(env, fn.text) : undefined;
      if (callee && typeof callee !== "string" && unparen(callee)?.kind === K.NODE_LAMBDA) {
        let lam: SyntaxNode | undefined = unparen(callee);
        const values = new Map<string, SyntaxNode | string>();
        for (const arg of args) {
          if (!lam || lam.kind !== K.NODE_LAMBDA) break;
          const [param, body] = lam.childNodes();
          if (param?.kind === K.NODE_IDENT_PARAM) {
            const name = param.childNodes()[0]!.text;
            const a = unparen(arg);
            const s = a?.kind === K.NODE_STRING ? staticString(a) : undefined;
            values.set(name, s !== undefined ? s : arg);
          } else if (param?.kind === K.NODE_PATTERN) {
            const set = unparen(arg);
            if (set?.kind === K.NODE_ATTR_SET) {
              for (const [k, v] of letEnv(set, undefined).values) values.set(k, v);
            }
          }
          lam = unparen(body);
        }
        if (lam) collectHostFiles(lam, { values, up: env }, flakeDir, out, depth + 1);
        for (const arg of args) collectHostFiles(arg, env, flakeDir, out, depth + 1);
        return;
      }
      if (calleeName(fn) === "import") {
        for (const arg of args) collectHostFiles(arg, env, flakeDir, out, depth + 1);
        return;
      }
      for (const arg of args) collectHostFiles(arg, env, flakeDir, out, depth + 1);
      return;
    }
    case K.NODE_BIN_OP:
    case K.NODE_LIST:
      for (const c of n.childNodes()) collectHostFiles(c, env, flakeDir, out, depth + 1);
      return;
    case K.NODE_ATTR_SET:
      for (const b of n.childNodes()) {
        if (b.kind !== K.NODE_ATTRPATH_VALUE) continue;
        const [path, value] = b.childNodes();
        const segs = path ? attrpathSegments(path) : [];
        // Arguments of nixosSystem that are not modules.
        if (segs[0]?.name === "specialArgs" || segs[0]?.name === "system" || segs[0]?.name === "pkgs") continue;
        if (value) collectHostFiles(value, env, flakeDir, out, depth + 1);
      }
      return;
    case K.NODE_LAMBDA:
      // An inline module: the paths it mentions (imports, `import ./x.nix`) are part of the host.
      n.walk((c) => {
        if (c.kind === K.NODE_PATH) {
          const p = pathValue(c, env, flakeDir);
          if (p !== undefined) out.add(p);
          return false;
        }
      });
      return;
    case K.NODE_IF_ELSE:
      for (const c of n.childNodes().slice(1)) collectHostFiles(c, env, flakeDir, out, depth + 1);
      return;
    default:
      return;
  }
}

/** Find `nixosConfigurations` in a flake's syntax tree and each host's files. */
export function flakeHosts(flakeRoot: SyntaxNode, flakeFile: string): Array<{ name: string; node: SyntaxNode; files: Set<string> }> {
  const flakeDir = posix.dirname(flakeFile) === "." ? "" : posix.dirname(flakeFile);
  const hosts: Array<{ name: string; node: SyntaxNode; files: Set<string> }> = [];
  const visit = (node: SyntaxNode, env: Env | undefined, prefix: string[]): void => {
    const n = unparen(node);
    if (!n) return;
    if (n.kind === K.NODE_LAMBDA) return visit(n.childNodes()[1]!, env, prefix);
    if (n.kind === K.NODE_LET_IN) return visit(n.childNodes().at(-1)!, letEnv(n, env), prefix);
    if (n.kind === K.NODE_WITH) return visit(n.childNodes()[1]!, env, prefix);
    if (n.kind === K.NODE_BIN_OP) {
      for (const c of n.childNodes()) visit(c, env, prefix);
      return;
    }
    if (n.kind === K.NODE_APPLY) {
      // flake-utils / flake-parts wrappers: look into their arguments.
      for (const a of flattenApply(n).args) visit(a, env, prefix);
      return;
    }
    if (n.kind !== K.NODE_ATTR_SET) return;
    const scope = n.firstToken(K.TOKEN_REC) ? letEnv(n, env) : env;
    for (const b of n.childNodes()) {
      if (b.kind !== K.NODE_ATTRPATH_VALUE) continue;
      const [path, value] = b.childNodes();
      if (!path || !value) continue;
      const segs = attrpathSegments(path).map((s) => (s.dynamic ? "*" : s.name));
      const full = [...prefix, ...segs];
      const at = full.indexOf("nixosConfigurations");
      if (at >= 0 && full.length === at + 2 && full[at + 1] !== "*") {
        const files = new Set<string>();
        collectHostFiles(value, scope, flakeDir, files);
        hosts.push({ name: full[at + 1]!, node: b, files });
      } else if (at >= 0 && full.length === at + 1) {
        const set = unparen(value);
        if (set?.kind === K.NODE_ATTR_SET) visit(set, scope, full);
        else if (set) {
          // `nixosConfigurations = builtins.mapAttrs mkHost ...`: hosts not statically known.
        }
      } else if (at < 0) visit(value, scope, full);
    }
  };
  const body = flakeRoot.childNodes().find((c) => c.kind !== K.NODE_ERROR);
  if (!body) return hosts;
  const top = unparen(body);
  if (top?.kind !== K.NODE_ATTR_SET) return hosts;
  for (const b of top.childNodes()) {
    if (b.kind !== K.NODE_ATTRPATH_VALUE) continue;
    const [path, value] = b.childNodes();
    const segs = path ? attrpathSegments(path) : [];
    if (segs[0]?.name === "outputs" && value) visit(value, undefined, []);
  }
  return hosts;
}

/**
 * The host graph: each host's files from the flake, closed over module references. `references`
 * gives what a module file refers to (computed by the scan from its parsed tree).
 */
export function buildHostGraph(
  root: string,
  declared: Array<{ name: string; node: SyntaxNode; files: Set<string> }>,
  flakeFile: string | undefined,
  references: ReferencesOf,
): HostGraph {
  const hosts: HostDeclaration[] = [];
  const byFile = new Map<string, Set<string>>();
  for (const h of declared) {
    const files = new Set<string>();
    const queue: string[] = [];
    if (flakeFile) queue.push(flakeFile); // inline modules live there
    for (const f of h.files) {
      const resolved = resolveModuleFile(root, f);
      if (resolved) queue.push(resolved);
    }
    while (queue.length > 0) {
      const f = queue.pop()!;
      if (files.has(f)) continue;
      files.add(f);
      if (f.endsWith(".nix") && f !== flakeFile) for (const r of references(f)) if (!files.has(r)) queue.push(r);
    }
    hosts.push({ name: h.name, node: h.node, files });
    for (const f of files) {
      let set = byFile.get(f);
      if (!set) byFile.set(f, (set = new Set()));
      set.add(h.name);
    }
  }
  return {
    hosts,
    hostsOf: (file) => [...(byFile.get(file) ?? [])].sort(),
  };
}

/** Local files a module refers to: every path literal that names an existing file or module
 * directory inside the root (imports, `import ./x.nix`, `readFile ./secret`, `./script.sh`). */
export function moduleReferences(root: string, file: string, tree: SyntaxNode): string[] {
  const dir = dirname(file) === "." ? "" : dirname(file);
  const out = new Set<string>();
  tree.walk((n) => {
    if (n.kind !== K.NODE_PATH) return;
    const p = pathValue(n, undefined, dir);
    if (p === undefined) return false;
    const resolved = resolveModuleFile(root, p);
    if (resolved) out.add(resolved);
    return false;
  });
  return [...out];
}
