// Modules that a framework assigns to hosts outside any import list, read statically (no
// evaluation): clan's inventory (`instances.<i>.roles.<role>.{machines,tags,extraModules}` with
// `module.name` naming a service module registered as `modules."<name>" = ./path`, and
// `machines.<m>.tags`). What buildHostGraph adds to each machine's files.
import { posix } from "node:path";
import { SyntaxKind as K, type SyntaxNode } from "../nix/syntax.js";
import { attrpathSegments, staticString, unparen } from "../nix/options.js";

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

interface Instance {
  module?: string;
  /** Machines by role name, and the tags a role is given. */
  machines: Set<string>;
  tags: Set<string>;
  extraModules: string[];
}

/**
 * The files clan's inventory assigns to each machine: for every instance, the service module
 * registered under its `module.name` (and the files that module refers to, followed by the graph)
 * and the role's `extraModules`, for the machines listed by name or by tag (`all` and `nixos`: every
 * machine). `treeOf` gives the parsed .nix files; only files that mention `roles` are read.
 */
export function clanAssignments(nixFiles: readonly string[], treeOf: (file: string) => SyntaxNode | undefined, machines: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const flakeTree = treeOf("flake.nix");
  if (!flakeTree || !/\bclan\b|clan-core/.test(flakeTree.text)) return out;
  const instances: Instance[] = [];
  const registered = new Map<string, string>();
  const tagsOf = new Map<string, Set<string>>();
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
        for (const fb of flatten(value)) if (fb.path.length === 2 && fb.path[1] === "tags") addAll(tagsOf, fb.path[0]!, listedNames(fb.value));
      }
      // An instance: a set whose bindings hold `roles.<role>.machines|tags|extraModules`.
      if (value.kind !== K.NODE_ATTR_SET || b.parent?.kind !== K.NODE_ATTR_SET) continue;
      const flat = flatten(value);
      if (!flat.some((f) => f.path[0] === "roles" && f.path.length >= 3 && ["machines", "tags", "extraModules"].includes(f.path[2]!))) continue;
      const inst: Instance = { machines: new Set(), tags: new Set(), extraModules: [] };
      for (const f of flat) {
        if (f.path.join(".") === "module.name" && f.value.kind === K.NODE_STRING) inst.module = staticString(f.value);
        if (f.path[0] !== "roles" || f.path.length < 3) continue;
        const key = f.path[2];
        // `roles.knot.machines.clementine.settings.host = ...` names clementine too.
        if (key === "machines" && f.path.length >= 4) inst.machines.add(f.path[3]!);
        else if (key === "machines" && f.path.length === 3) for (const n of listedNames(f.value)) inst.machines.add(n);
        else if (key === "tags" && f.path.length >= 4) inst.tags.add(f.path[3]!);
        else if (key === "tags" && f.path.length === 3) for (const n of listedNames(f.value)) inst.tags.add(n);
        else if (key === "extraModules" && f.path.length === 3) inst.extraModules.push(...pathsIn(f.value, dir));
      }
      instances.push(inst);
    }
  }
  for (const inst of instances) {
    const files = [...inst.extraModules, ...(inst.module && registered.has(inst.module) ? [registered.get(inst.module)!] : [])];
    if (!files.length) continue;
    const every = inst.tags.has("all") || inst.tags.has("nixos");
    for (const machine of machines) {
      const tagged = [...(tagsOf.get(machine) ?? [])].some((t) => inst.tags.has(t));
      if (!every && !tagged && !inst.machines.has(machine)) continue;
      out.set(machine, [...(out.get(machine) ?? []), ...files]);
    }
  }
  return out;
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
    const tree = treeOf(file);
    if (!tree || !tree.text.includes("nixosSystem") || !tree.text.includes("mapAttrs")) continue;
    const dir = posix.dirname(file) === "." ? "" : posix.dirname(file);
    for (const call of tree.descendants(K.NODE_APPLY)) {
      const fn = call.childNodes()[0];
      if (!fn || !/(?:^|\.)nixosSystem$/.test(fn.text.replace(/\s+/g, "")) || !mappedOverHosts(call)) continue;
      const set = unparen(call.childNodes()[1]);
      if (set?.kind !== K.NODE_ATTR_SET) continue;
      const list = flatten(set).find((b) => b.path.length === 1 && b.path[0] === "modules");
      if (!list) continue;
      builders.add(file);
      for (const p of pathsIn(list.value, dir)) modules.add(p);
    }
  }
  return { builders: [...builders], modules: [...modules] };
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
