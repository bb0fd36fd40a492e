// Modules that a framework assigns to hosts outside any import list, read statically (no
// evaluation): clan's inventory (`instances.<i>.roles.<role>.{machines,tags,extraModules}` with
// `module.name` naming a service module registered as `modules."<name>" = ./path`, and
// `machines.<m>.tags`). What buildHostGraph adds to each machine's files.
import { posix } from "node:path";
import { SyntaxKind as K, type SyntaxNode } from "../nix/syntax.js";
import { attrpathSegments, staticString, unparen } from "../nix/options.js";
import { boundValue, resolveLexical } from "../nix/scope.js";

/** A binding of a set flattened to its full path, for every level (`roles.x.machines.m = { }` and
 * `roles = { x = { machines = { m = { }; }; }; }` give the same paths). */
interface FlatBinding {
  path: string[];
  value: SyntaxNode;
}

function flatten(set: SyntaxNode, prefix: string[] = [], out: FlatBinding[] = [], depth = 0): FlatBinding[] {
  if (depth > 12) return out;
  for (const b of set.childNodes()) {
    if (b.kind !== K.NODE_ATTRPATH_VALUE) continue;
    const [path, raw] = b.childNodes();
    const value = unparen(raw);
    if (!path || !value) continue;
    const segs = attrpathSegments(path);
    if (segs.some((s) => s.dynamic)) continue;
    const full = [...prefix, ...segs.map((s) => s.name)];
    out.push({ path: full, value });
    if (value.kind === K.NODE_ATTR_SET) flatten(value, full, out, depth + 1);
  }
  return out;
}

/** The names a `tags`/`machines` value lists: `[ "a" "b" ]` or `{ a = { }; b = { }; }`. */
function listedNames(value: SyntaxNode): string[] {
  if (value.kind === K.NODE_LIST) return value.childNodes().map((c) => unparen(c)).flatMap((c) => (c?.kind === K.NODE_STRING ? [staticString(c) ?? ""] : [])).filter(Boolean);
  if (value.kind === K.NODE_ATTR_SET) return flatten(value).filter((b) => b.path.length === 1).map((b) => b.path[0]!);
  return [];
}

/** The local files a list of modules names (path literals, relative to the file's directory). */
function pathsIn(value: SyntaxNode, dir: string): string[] {
  const out: string[] = [];
  for (const p of value.kind === K.NODE_PATH ? [value] : value.descendants(K.NODE_PATH)) {
    if (p.inside(K.NODE_PATH) && p !== value) continue;
    if (p.firstChild(K.NODE_INTERPOL)) continue;
    const text = p.text;
    if (!text.startsWith("./") && !text.startsWith("../")) continue;
    const rel = posix.normalize(posix.join(dir, text));
    if (!rel.startsWith("../")) out.push(rel);
  }
  return out;
}

/**
 * The modules a list computed from a directory names: `map (m: ./modules + "/${m}") names`, where
 * `names` lists the directory's entries (`attrNames self.nixosModules`, `attrNames (readDir
 * ./modules)`): every module of the directory (its .nix files and subdirectories with a
 * default.nix). Names that a `m != "x"` filter of the expression leaves out are left out.
 */
function listedDirectoryModules(value: SyntaxNode, dir: string, nixFiles: readonly string[]): string[] {
  const out: string[] = [];
  for (const op of value.kind === K.NODE_BIN_OP ? [value, ...value.descendants(K.NODE_BIN_OP)] : value.descendants(K.NODE_BIN_OP)) {
    if (!op.firstToken(K.TOKEN_PLUS)) continue;
    const [left, right] = op.childNodes().map((c) => unparen(c));
    if (left?.kind !== K.NODE_PATH || left.firstChild(K.NODE_INTERPOL) || right?.kind !== K.NODE_STRING) continue;
    // `"/${m}"`: one interpolation after a slash, nothing else.
    if (!/^"\/\$\{\s*[A-Za-z_][\w'-]*\s*\}"$/.test(right.text)) continue;
    if (!left.text.startsWith("./") && !left.text.startsWith("../") && left.text !== ".") continue;
    const listed = posix.normalize(posix.join(dir, left.text));
    if (listed.startsWith("../")) continue;
    const excluded = new Set([...value.text.matchAll(/!=\s*"([^"$\\]+)"/g)].map((m) => m[1]!));
    const prefix = listed === "." ? "" : `${listed}/`;
    for (const f of nixFiles) {
      if (!f.startsWith(prefix)) continue;
      const rest = f.slice(prefix.length).split("/");
      const name = rest.length === 1 ? rest[0]!.replace(/\.nix$/, "") : rest[0]!;
      if (excluded.has(name)) continue;
      if ((rest.length === 1 && rest[0] !== "default.nix") || (rest.length === 2 && rest[1] === "default.nix")) out.push(f);
    }
  }
  return out;
}

interface Role {
  machines: Set<string>;
  tags: Set<string>;
  extraModules: string[];
}

interface Instance {
  module?: string;
  roles: Map<string, Role>;
}

/** What clan gives a machine: modules (followed like imports) and service module files (part of
 * the machine; of their paths only those of the machine's roles are followed). */
export interface ClanFiles {
  modules: string[];
  services: string[];
}

/**
 * The files clan's inventory assigns to each machine: for every instance, the service module
 * registered under its `module.name` with the modules its roles name (`roles.<role>.perInstance.
 * nixosModule = ./desktop.nix`, only for the machines in that role; paths outside `roles` for all of
 * them), and each role's `extraModules`, for the machines a role lists by name or by tag (`all`
 * and `nixos`: every machine). `treeOf` gives the parsed .nix files.
 */
export function clanAssignments(nixFiles: readonly string[], treeOf: (file: string) => SyntaxNode | undefined, machines: readonly string[], resolve: (rel: string) => string | undefined): Map<string, ClanFiles> {
  const out = new Map<string, ClanFiles>();
  const flakeTree = treeOf("flake.nix");
  if (!flakeTree || !/\bclan\b|clan-core/.test(flakeTree.text)) return out;
  const instances: Instance[] = [];
  const registered = new Map<string, string>();
  const tagsOf = new Map<string, Set<string>>();
  const notNixos = new Set<string>();
  for (const file of nixFiles) {
    const tree = treeOf(file);
    if (!tree || !/roles|modules\s*\.|tags/.test(tree.text)) continue;
    const dir = posix.dirname(file) === "." ? "" : posix.dirname(file);
    for (const b of tree.descendants(K.NODE_ATTRPATH_VALUE)) {
      const [path, raw] = b.childNodes();
      const value = unparen(raw);
      if (!path || !value) continue;
      const segs = attrpathSegments(path).map((s) => (s.dynamic ? "*" : s.name));
      // `modules."@pinpox/navidrome" = ./clan-service-modules/navidrome.nix;` (clan's own
      // `modules`, the only set whose attributes are paths to service modules).
      const m = segs.lastIndexOf("modules");
      if (m >= 0 && m === segs.length - 2 && value.kind === K.NODE_PATH) {
        const [p] = pathsIn(value, dir);
        if (p) registered.set(segs.at(-1)!, p);
      }
      // `machines.<m>.tags = [ ... ]` of the inventory.
      const mt = segs.lastIndexOf("machines");
      if (mt >= 0 && segs.length === mt + 3 && segs[mt + 2] === "tags") addAll(tagsOf, segs[mt + 1]!, listedNames(value));
      if (mt >= 0 && segs.length === mt + 1 && value.kind === K.NODE_ATTR_SET) {
        for (const fb of flatten(value)) {
          if (fb.path.length === 2 && fb.path[1] === "tags") addAll(tagsOf, fb.path[0]!, listedNames(fb.value));
          // `evo = { machineClass = "darwin"; }`: not in the `nixos` tag.
          if (fb.path.length === 2 && fb.path[1] === "machineClass" && fb.value.kind === K.NODE_STRING && staticString(fb.value) !== "nixos") notNixos.add(fb.path[0]!);
        }
      }
      if (mt >= 0 && segs.length === mt + 3 && segs[mt + 2] === "machineClass" && value.kind === K.NODE_STRING && staticString(value) !== "nixos") notNixos.add(segs[mt + 1]!);
      // An instance: a set whose bindings hold `roles.<role>.machines|tags|extraModules`.
      if (value.kind !== K.NODE_ATTR_SET || b.parent?.kind !== K.NODE_ATTR_SET) continue;
      const flat = flatten(value);
      if (!flat.some((f) => f.path[0] === "roles" && f.path.length >= 3 && ["machines", "tags", "extraModules"].includes(f.path[2]!))) continue;
      const inst: Instance = { roles: new Map() };
      for (const f of flat) {
        if (f.path.join(".") === "module.name" && f.value.kind === K.NODE_STRING) inst.module = staticString(f.value);
        if (f.path[0] !== "roles" || f.path.length < 3) continue;
        let role = inst.roles.get(f.path[1]!);
        if (!role) inst.roles.set(f.path[1]!, (role = { machines: new Set(), tags: new Set(), extraModules: [] }));
        const key = f.path[2];
        // `roles.knot.machines.clementine.settings.host = ...` names clementine too.
        if (key === "machines" && f.path.length >= 4) role.machines.add(f.path[3]!);
        else if (key === "machines" && f.path.length === 3) for (const n of listedNames(f.value)) role.machines.add(n);
        else if (key === "tags" && f.path.length >= 4) role.tags.add(f.path[3]!);
        else if (key === "tags" && f.path.length === 3) for (const n of listedNames(f.value)) role.tags.add(n);
        else if (key === "extraModules" && f.path.length === 3) role.extraModules.push(...pathsIn(f.value, dir), ...listedDirectoryModules(f.value, dir, nixFiles));
      }
      instances.push(inst);
    }
  }
  const serviceParts = new Map<string, { common: string[]; byRole: Map<string, string[]> } | undefined>();
  const partsOf = (service: string) => {
    if (!serviceParts.has(service)) serviceParts.set(service, rolePaths(service, treeOf));
    return serviceParts.get(service);
  };
  for (const inst of instances) {
    const service = inst.module ? registered.get(inst.module) : undefined;
    const serviceFile = service ? resolve(service) : undefined;
    const parts = serviceFile ? partsOf(serviceFile) : undefined;
    for (const machine of machines) {
      const tags = tagsOf.get(machine) ?? new Set<string>();
      const nixos = !notNixos.has(machine);
      const roles = [...inst.roles].filter(([, r]) => r.machines.has(machine) || r.tags.has("all") || (nixos && r.tags.has("nixos")) || [...tags].some((t) => r.tags.has(t)));
      if (!roles.length) continue;
      let entry = out.get(machine);
      if (!entry) out.set(machine, (entry = { modules: [], services: [] }));
      for (const [name, r] of roles) entry.modules.push(...r.extraModules, ...(parts?.byRole.get(name) ?? []));
      if (serviceFile) {
        entry.services.push(serviceFile);
        entry.modules.push(...(parts?.common ?? []));
      }
    }
  }
  return out;
}

/** The local paths of a clan service module, by the role whose `roles.<role>` binding holds them,
 * and those outside any role. */
function rolePaths(file: string, treeOf: (file: string) => SyntaxNode | undefined): { common: string[]; byRole: Map<string, string[]> } | undefined {
  const tree = treeOf(file);
  if (!tree) return undefined;
  const dir = posix.dirname(file) === "." ? "" : posix.dirname(file);
  const common: string[] = [];
  const byRole = new Map<string, string[]>();
  for (const p of tree.descendants(K.NODE_PATH)) {
    if (p.inside(K.NODE_PATH)) continue;
    let role: string | undefined;
    for (let n = p.parent; n && role === undefined; n = n.parent) {
      if (n.kind !== K.NODE_ATTRPATH_VALUE) continue;
      const path = n.childNodes()[0];
      const segs = path ? attrpathSegments(path) : [];
      if (segs[0]?.name === "roles" && segs[1] && !segs[1].dynamic) role = segs[1].name;
      else if (segs.length === 1 && !segs[0]!.dynamic && n.parent?.kind === K.NODE_ATTR_SET) {
        // `roles = { desktop = { ... }; }`
        const outer = n.parent.parent;
        const outerPath = outer?.kind === K.NODE_ATTRPATH_VALUE ? outer.childNodes()[0] : undefined;
        if (outerPath && outerPath.text === "roles") role = segs[0]!.name;
      }
    }
    const paths = pathsIn(p, dir);
    if (role === undefined) common.push(...paths);
    else byRole.set(role, [...(byRole.get(role) ?? []), ...paths]);
  }
  return { common, byRole };
}

function addAll(map: Map<string, Set<string>>, key: string, values: string[]): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  for (const v of values) set.add(v);
}

/**
 * A flake built by a helper library (hlissner's `mkFlake { hosts = mapHosts ./hosts; }`): hosts
 * come from a directory, and a library file builds each of them with `mapAttrs (name: ...:
 * nixosSystem { modules = [ ../. ... ]; }) hosts`. That file and the modules it lists literally are
 * part of every host found in the directory. Read only when no `nixosConfigurations.<host>` could
 * be read.
 */
export function builderModules(nixFiles: readonly string[], treeOf: (file: string) => SyntaxNode | undefined, hostEntries: ReadonlySet<string>): { builders: string[]; modules: string[] } {
  const builders = new Set<string>();
  const modules = new Set<string>();
  for (const file of nixFiles) {
    if (hostEntries.has(file)) continue;
    for (const { call, list, dir } of nixosSystemModules(file, treeOf(file))) {
      // Each host's builder: mapped over the hosts, naming the host's folder by interpolation, or a
      // function given the host's module (`buildNixos = { system, module }: nixosSystem { modules =
      // [ ... module ]; }`).
      const givenModule = () => list.descendants(K.NODE_IDENT).some((i) => ["formal", "param"].includes(resolveLexical(i)?.kind ?? ""));
      if (!(mappedOverHosts(call) || list.descendants(K.NODE_PATH).some((p) => INTERPOLATED_HOST.test(p.text)) || givenModule())) continue;
      builders.add(file);
      for (const p of modulesListed(list, dir, nixFiles)) modules.add(p);
    }
  }
  return { builders: [...builders], modules: [...modules] };
}

/** Every `nixosSystem { modules = ...; }` call of a file: the call, its modules value, the file's folder. */
function* nixosSystemModules(file: string, tree: SyntaxNode | undefined): Generator<{ call: SyntaxNode; list: SyntaxNode; dir: string }> {
  if (!tree || !tree.text.includes("nixosSystem")) return;
  const dir = posix.dirname(file) === "." ? "" : posix.dirname(file);
  for (const call of tree.descendants(K.NODE_APPLY)) {
    const fn = call.childNodes()[0];
    if (!fn || !/(?:^|\.)nixosSystem$/.test(fn.text.replace(/\s+/g, ""))) continue;
    const set = unparen(call.childNodes()[1]);
    const list = set?.kind === K.NODE_ATTR_SET ? flatten(set).find((b) => b.path.length === 1 && b.path[0] === "modules") : undefined;
    if (list) yield { call, list: list.value, dir };
  }
}

/** A folder of hosts that a helper builds with an interpolated path in a `nixosSystem` call's
 * modules (`../../systems/${system}/${hostname}`, `../system/host/${host}`): the folder, how many
 * interpolated segments name a host under it (one: `<folder>/<host>`, two: `<folder>/<system>/<host>`),
 * and the files that build them: the helper and the sibling files it imports (`./common.nix`). */
export interface HostFolder {
  dir: string;
  depth: 1 | 2;
  builders: string[];
}

const INTERPOLATED_HOST = /^(\.{1,2}\/(?:[\w.+-]+\/)*)\$\{[^{}]+\}(\/\$\{[^{}]+\})?\/?$/;

export function interpolatedHostFolders(nixFiles: readonly string[], treeOf: (file: string) => SyntaxNode | undefined): HostFolder[] {
  const present = new Set(nixFiles);
  const out: HostFolder[] = [];
  for (const file of nixFiles) {
    const tree = treeOf(file);
    if (!tree?.text.includes("${")) continue;
    let builders: string[] | undefined;
    for (const { list, dir } of nixosSystemModules(file, tree)) {
      for (const p of list.descendants(K.NODE_PATH)) {
        const m = INTERPOLATED_HOST.exec(p.text);
        if (!m) continue;
        const folder = posix.normalize(posix.join(dir, m[1]!)).replace(/\/$/, "");
        if (folder.startsWith("..") || folder === ".") continue;
        // The helper's own files: siblings it imports by a literal path.
        builders ??= [file, ...new Set(pathsIn(tree, dir).filter((f) => f.endsWith(".nix") && posix.dirname(f) === posix.dirname(file) && present.has(f) && f !== file))];
        out.push({ dir: folder, depth: m[2] ? 2 : 1, builders });
      }
    }
  }
  return out;
}

/** The modules a builder's `modules` value names literally: its paths, those of the let bindings
 * it refers to (`modules = shared ++ [ ... ]`), and every .nix file under a folder handed to a
 * function (`{ imports = nixFiles ../platforms/nixos; }`, a recursive listing). */
function modulesListed(value: SyntaxNode, dir: string, nixFiles: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<SyntaxNode>();
  const visit = (v: SyntaxNode, depth: number): void => {
    if (seen.has(v) || depth > 4) return;
    seen.add(v);
    for (const p of pathsIn(v, dir)) {
      const listed = nixFiles.includes(p) || nixFiles.includes(`${p}/default.nix`) ? [] : nixFiles.filter((f) => f.startsWith(`${p}/`));
      out.push(...(listed.length ? listed : [p]));
    }
    for (const ident of v.kind === K.NODE_IDENT ? [v] : v.descendants(K.NODE_IDENT)) {
      const bound = boundValue(ident);
      if (bound) visit(bound, depth + 1);
    }
  };
  visit(value, 0);
  return out;
}

/** Is this call in the function a `mapAttrs` applies to a set (each host's builder)? */
function mappedOverHosts(node: SyntaxNode): boolean {
  for (let n: SyntaxNode | null = node.parent; n; n = n.parent) {
    if (n.kind !== K.NODE_LAMBDA) continue;
    let up = n.parent;
    while (up?.kind === K.NODE_PAREN) up = up.parent;
    if (up?.kind !== K.NODE_APPLY) continue;
    let head: SyntaxNode | undefined = up;
    while (head?.kind === K.NODE_APPLY) head = head.childNodes()[0];
    if (head && /(?:^|\.)mapAttrs$/.test(head.text.replace(/\s+/g, ""))) return true;
  }
  return false;
}

/** A host a framework declares outside `nixosConfigurations`: its name, where it is declared (the
 * file and binding), and the modules it is built from. */
export interface FrameworkHost {
  name: string;
  file: string;
  node: SyntaxNode;
  modules: string[];
  /** A nix-darwin system the framework builds (not a NixOS host; its modules are used all the same). */
  darwin?: boolean;
}

/** The binding that imports nixos-unified's autowiring (`inputs.nixos-unified.flakeModules.autoWire`
 * in a flake-parts module's imports), if any. */
export function autoWireImport(nixFiles: readonly string[], treeOf: (file: string) => SyntaxNode | undefined): { file: string; node: SyntaxNode } | undefined {
  for (const file of nixFiles) {
    const tree = treeOf(file);
    if (!tree || !tree.text.includes("autoWire")) continue;
    for (const sel of tree.descendants(K.NODE_SELECT)) {
      if (!/(?:^|\.)flakeModules\.autoWire$/.test(sel.text.replace(/\s+/g, ""))) continue;
      // In an imports list: the module is used, not only named.
      for (let p = sel.parent; p; p = p.parent) {
        if (p.kind !== K.NODE_ATTRPATH_VALUE) continue;
        if (p.childNodes()[0]?.text.replace(/\s+/g, "").split(".").at(-1) === "imports") return { file, node: sel };
        break;
      }
    }
  }
  return undefined;
}

/** The modules of a directory the way nixos-unified autowires them: `<dir>/<name>.nix` (also
 * `default.nix`, as `default`) and `<dir>/<name>/default.nix`, by name. */
export function autowiredEntries(files: readonly string[], dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const prefix = `${dir}/`;
  for (const f of files) {
    if (!f.startsWith(prefix)) continue;
    const rest = f.slice(prefix.length).split("/");
    if (rest.length === 1 && rest[0]!.endsWith(".nix")) out.set(rest[0]!.slice(0, -4), f);
    else if (rest.length === 2 && rest[1] === "default.nix") out.set(rest[0]!, f);
  }
  return out;
}

/**
 * nixos-unified's autowiring: with `flakeModules.autoWire` imported, every
 * `configurations/nixos/<name>.nix` or `configurations/nixos/<name>/default.nix` is
 * `nixosConfigurations.<name>` (built by `mkLinuxSystem` from that module; `configurations/darwin`
 * and `configurations/home` are nix-darwin and home-manager configurations, not NixOS hosts).
 */
export function autowiredHosts(files: readonly string[], treeOf: (file: string) => SyntaxNode | undefined): FrameworkHost[] {
  const at = autoWireImport(files.filter((f) => f.endsWith(".nix")), treeOf);
  if (!at) return [];
  const hosts = (dir: string, darwin: boolean) => [...autowiredEntries(files, dir)].sort(([a], [b]) => a.localeCompare(b)).map(([name, entry]) => ({ name, file: at.file, node: at.node, modules: [entry], ...(darwin ? { darwin } : {}) }));
  return [...hosts("configurations/nixos", false), ...hosts("configurations/darwin", true)];
}

/**
 * lite-config (a flake-parts module): `lite-config = { hosts.<name>.system = "x86_64-linux";
 * hostModuleDir = ./hosts; systemModules = [ ... ]; }` builds `nixosConfigurations.<name>` for the
 * Linux hosts from `<hostModuleDir>/<name>` (or `hosts.<name>.hostModule`) and the system modules
 * (those under a condition on `isDarwin` left out); hosts of a darwin system are nix-darwin's
 * (returned marked `darwin`, with their host module only).
 */
export function liteConfigHosts(files: readonly string[], treeOf: (file: string) => SyntaxNode | undefined, resolve: (rel: string) => string | undefined): FrameworkHost[] {
  const out: FrameworkHost[] = [];
  for (const file of files) {
    if (!file.endsWith(".nix")) continue;
    const tree = treeOf(file);
    if (!tree || !/lite-(?:config|system)/.test(tree.text)) continue;
    const dir = posix.dirname(file) === "." ? "" : posix.dirname(file);
    for (const b of tree.descendants(K.NODE_ATTRPATH_VALUE)) {
      const [path, raw] = b.childNodes();
      const last = path ? attrpathSegments(path).at(-1) : undefined;
      if (!last || last.dynamic || !["lite-config", "lite-system"].includes(last.name)) continue;
      let set = unparen(raw);
      // `lite-config = { lib, ... }: { ... }` (a module), through a let.
      for (let i = 0; i < 4 && set && (set.kind === K.NODE_LAMBDA || set.kind === K.NODE_LET_IN); i++) set = unparen(set.childNodes().at(-1));
      if (set?.kind !== K.NODE_ATTR_SET) continue;
      const flat = flatten(set);
      const hostDir = flat.find((f) => f.path.length === 1 && f.path[0] === "hostModuleDir" && f.value.kind === K.NODE_PATH);
      const moduleDir = hostDir ? pathsIn(hostDir.value, dir)[0] : undefined;
      const shared = flat.filter((f) => f.path.length === 1 && (f.path[0] === "systemModules" || f.path[0] === "systemModule")).flatMap((f) => linuxPaths(f.value, dir));
      for (const h of flat) {
        if (h.path.length !== 3 || h.path[0] !== "hosts" || h.path[2] !== "system") continue;
        const system = h.value.kind === K.NODE_STRING ? staticString(h.value) : undefined;
        const darwin = system?.endsWith("-darwin") ?? false;
        if (!system?.endsWith("-linux") && !darwin) continue;
        const name = h.path[1]!;
        const own = flat.find((f) => f.path.join("/") === `hosts/${name}/hostModule`);
        const entry = own ? pathsIn(own.value, dir)[0] : moduleDir !== undefined ? posix.join(moduleDir, name) : undefined;
        const module = entry === undefined ? undefined : resolve(entry);
        if (darwin) out.push({ name, file, node: b, modules: module ? [module] : [], darwin });
        else out.push({ name, file, node: b, modules: [...(module ? [module] : []), ...shared] });
      }
    }
  }
  return out;
}

/** The local paths a module list names, leaving out those under a condition on `isDarwin`
 * (`lib.optionals hostPlatform.isDarwin [ ./modules/darwin/common ]`). */
function linuxPaths(value: SyntaxNode, dir: string): string[] {
  return pathsIn(value, dir).length === 0
    ? []
    : (value.kind === K.NODE_PATH ? [value] : value.descendants(K.NODE_PATH)).flatMap((p) => {
        for (let n = p.parent; n && n !== value.parent; n = n.parent) {
          if (n.kind === K.NODE_APPLY && /isDarwin/.test(n.childNodes()[0]?.text ?? "")) return [];
          if (n.kind === K.NODE_IF_ELSE && /isDarwin/.test(n.childNodes()[0]?.text ?? "") && n.childNodes()[1] && p.start >= n.childNodes()[1]!.start && p.end <= n.childNodes()[1]!.end) return [];
        }
        return pathsIn(p, dir);
      });
}
