// The option-path index: for every definition in a NixOS (or home-manager) module, its full
// attribute path as the module system sees it. `services.openssh = { settings.PermitRootLogin =
// "yes"; }` defines `services.openssh.settings.PermitRootLogin`. The walk looks through the module
// function and its `let`/`with`, the `config = ...` of the full module form, `lib.mkIf c {..}`,
// `mkMerge [..]`, `optionalAttrs`, `if/then/else`, `//`, `lib.recursiveUpdate a b`, priorities (`mkForce`, `mkDefault`,
// `mkOverride n`, `mkBefore`...) and let-bound attribute sets, recording the conditions it passed.
import { checkDeadline } from "./deadline.js";
import { attrpathSegments, attrSegment, calleeName, flattenApply, unparen, type PathSegment } from "./read.js";
import { resolveLexical } from "./scope.js";
import { SyntaxKind as K, type SyntaxNode } from "./syntax.js";

export { attrpathSegments, calleeName, calleeText, flattenApply, staticString, unparen, type PathSegment } from "./read.js";


export interface OptionCondition {
  kind: "mkIf" | "optionalAttrs" | "if" | "else";
  /** The condition's source text (for `else`, the text of the `if` condition it negates). */
  text: string;
  node: SyntaxNode;
}

export type Priority = "mkForce" | "mkDefault" | "mkOverride" | "mkOptionDefault" | "mkVMOverride" | "mkImageMediaOverride";

export interface OptionDefinition {
  /** Dotted path, segments quoted where needed: `fileSystems."/data".device`. */
  path: string;
  segments: PathSegment[];
  /** The binding that defines it (ATTRPATH_VALUE, or INHERIT for `inherit x;`). */
  binding: SyntaxNode;
  /** The attribute path node of the binding (for locating and editing). */
  attrpath: SyntaxNode | undefined;
  /** The value expression as written. */
  value: SyntaxNode | undefined;
  /** The value with priority and condition wrappers and parentheses taken off. */
  inner: SyntaxNode | undefined;
  conditions: OptionCondition[];
  priority?: Priority;
  /** How the walk got here: `let base`, `mkMerge`, `config`... */
  via: string[];
  /** No nested definitions below it (its value is not an attribute set we walked into). */
  isLeaf: boolean;
  line: number;
  column: number;
}

export interface OptionIndex {
  definitions: OptionDefinition[];
  /** Definitions by path (several when a module defines a path more than once). */
  byPath: Map<string, OptionDefinition[]>;
  /** `imports = [ ... ]` elements. */
  imports: SyntaxNode[];
  /** `options = ...` declarations (full module form), by path. */
  declarations: OptionDefinition[];
  /** The file is a module (as opposed to a package, an overlay, a flake...). */
  isModule: boolean;
}

/** How many let-bound names one definition is followed through. */
const MAX_LET_EXPANSIONS = 64;

const MODULE_KEYS = new Set(["imports", "options", "config", "_file", "key", "disabledModules", "meta", "freeformType", "_class"]);
const PRIORITY_FNS: Record<string, Priority | "order"> = {
  mkForce: "mkForce",
  mkDefault: "mkDefault",
  mkOverride: "mkOverride",
  mkOptionDefault: "mkOptionDefault",
  mkVMOverride: "mkVMOverride",
  mkImageMediaOverride: "mkImageMediaOverride",
  mkBefore: "order",
  mkAfter: "order",
  mkOrder: "order",
};

const SIMPLE_ID = /^[a-zA-Z_][a-zA-Z0-9_'-]*$/;

export function formatPath(segments: readonly { name: string; dynamic: boolean }[]): string {
  return segments.map((s) => (s.dynamic || SIMPLE_ID.test(s.name) ? s.name : JSON.stringify(s.name))).join(".");
}

interface WalkState {
  prefix: PathSegment[];
  conditions: OptionCondition[];
  priority?: Priority;
  via: string[];
  /** The module being indexed: a name bound outside it (an inline module's flake.nix) is not followed. */
  module: SyntaxNode;
  /** Let-bound names being expanded (cycle guard). */
  expanding: Set<SyntaxNode>;
}

/** The value a let- or rec-bound name stands for, when bound inside the module being indexed. */
function letValue(ref: SyntaxNode, module: SyntaxNode): SyntaxNode | undefined {
  const b = resolveLexical(ref);
  return b?.value && b.scope.start >= module.start && b.scope.end <= module.end ? b.value : undefined;
}

class IndexBuilder {
  readonly definitions: OptionDefinition[] = [];
  readonly declarations: OptionDefinition[] = [];
  readonly imports: SyntaxNode[] = [];

  /** Walk a value defining `state.prefix`. Returns true when it descended into an attribute set. */
  walkValue(node: SyntaxNode | undefined, state: WalkState, out = this.definitions): boolean {
    const n = unparen(node);
    if (!n) return false;
    checkDeadline();
    switch (n.kind) {
      case K.NODE_ATTR_SET:
        this.walkAttrs(n, state, out);
        return true;
      case K.NODE_LET_IN:
        return this.walkValue(n.childNodes().at(-1), state, out);
      case K.NODE_WITH:
        return this.walkValue(n.childNodes()[1], state, out);
      case K.NODE_IF_ELSE: {
        const [cond, a, b] = n.childNodes();
        if (!cond) return false;
        const text = cond.text;
        const x = this.walkValue(a, { ...state, conditions: [...state.conditions, { kind: "if", text, node: cond }] }, out);
        const y = this.walkValue(b, { ...state, conditions: [...state.conditions, { kind: "else", text, node: cond }] }, out);
        return x || y;
      }
      case K.NODE_BIN_OP: {
        const op = n.childTokens()[0];
        if (op?.kind !== K.TOKEN_UPDATE) return false;
        const [a, b] = n.childNodes();
        const x = this.walkValue(a, state, out);
        const y = this.walkValue(b, state, out);
        return x || y;
      }
      case K.NODE_IDENT: {
        const bound = letValue(n, state.module);
        // A cycle, or a chain of names too long to be a module (`v2 = v1; v1 = v0; …`): each step
        // copies the chain so far, so an unbounded one costs quadratic time and the stack.
        if (!bound || state.expanding.has(bound) || state.expanding.size >= MAX_LET_EXPANSIONS) return false;
        const expanding = new Set(state.expanding).add(bound);
        return this.walkValue(bound, { ...state, via: [...state.via, `let ${n.text}`], expanding }, out);
      }
      case K.NODE_APPLY: {
        const { fn, args } = flattenApply(n);
        const name = calleeName(fn);
        if (!name) return false;
        if ((name === "mkIf" || name === "optionalAttrs") && args.length === 2) {
          const cond = args[0]!;
          return this.walkValue(args[1], { ...state, conditions: [...state.conditions, { kind: name, text: cond.text, node: cond }] }, out);
        }
        if (name === "mkMerge" && args.length === 1) {
          const list = unparen(args[0]);
          if (list?.kind !== K.NODE_LIST) return false;
          let any = false;
          for (const el of list.childNodes()) any = this.walkValue(el, { ...state, via: [...state.via, "mkMerge"] }, out) || any;
          return any;
        }
        // `lib.recursiveUpdate a b`: both sides define, as with `a // b` (deeper, which the walk
        // does anyway: it records definitions, not the merged value).
        if (name === "recursiveUpdate" && args.length === 2) {
          const x = this.walkValue(args[0], { ...state, via: [...state.via, "recursiveUpdate"] }, out);
          const y = this.walkValue(args[1], { ...state, via: [...state.via, "recursiveUpdate"] }, out);
          return x || y;
        }
        const prio = PRIORITY_FNS[name];
        if (prio && args.length >= 1) {
          const inner = args[args.length - 1];
          return this.walkValue(inner, prio === "order" ? state : { ...state, priority: prio }, out);
        }
        return false;
      }
      default:
        return false;
    }
  }

  private walkAttrs(set: SyntaxNode, state: WalkState, out: OptionDefinition[]): void {
    for (const b of set.childNodes()) {
      if (b.kind === K.NODE_ATTRPATH_VALUE) {
        const [attrpath, value] = b.childNodes();
        if (!attrpath || attrpath.kind !== K.NODE_ATTRPATH) continue;
        const segments = [...state.prefix, ...attrpathSegments(attrpath)];
        this.define(b, attrpath, value, segments, state, out);
      } else if (b.kind === K.NODE_INHERIT) {
        for (const name of b.childNodes()) {
          if (name.kind === K.NODE_INHERIT_FROM) continue;
          const segments = [...state.prefix, attrSegment(name)];
          out.push(this.makeDefinition(b, undefined, name, segments, state, true));
        }
      }
    }
  }

  /** Options declared under `options = ...` (full module form). */
  walkDeclarations(binding: SyntaxNode, attrpath: SyntaxNode, value: SyntaxNode | undefined, segments: PathSegment[], state: WalkState): void {
    if (segments.length > 0) this.declarations.push(this.makeDefinition(binding, attrpath, value, segments, state, true));
    this.walkValue(value, { ...state, prefix: segments }, this.declarations);
  }

  define(binding: SyntaxNode, attrpath: SyntaxNode, value: SyntaxNode | undefined, segments: PathSegment[], state: WalkState, out: OptionDefinition[] = this.definitions): void {
    const def = this.makeDefinition(binding, attrpath, value, segments, state, true);
    out.push(def);
    // Conditions and priorities wrapped around the value apply to what is inside it.
    const { inner, conditions, priority } = unwrapValue(value);
    def.inner = inner;
    if (priority) def.priority = priority;
    // Most values are not wrapped in a condition: their definitions share the walk's conditions
    // array (never modified once built) instead of each holding a copy of it.
    if (conditions.length > 0) def.conditions = [...state.conditions, ...conditions];
    const descended = this.walkValue(value, { ...state, prefix: segments }, out);
    def.isLeaf = !descended;
  }

  makeDefinition(binding: SyntaxNode, attrpath: SyntaxNode | undefined, value: SyntaxNode | undefined, segments: PathSegment[], state: WalkState, isLeaf: boolean): OptionDefinition {
    const at = attrpath ?? binding;
    return {
      path: formatPath(segments),
      segments,
      binding,
      attrpath,
      value,
      inner: value,
      conditions: state.conditions,
      priority: state.priority,
      via: state.via,
      isLeaf,
      line: at.line,
      column: at.column,
    };
  }
}

/** Take priority and condition wrappers and parentheses off a value. */
export function unwrapValue(value: SyntaxNode | undefined): { inner: SyntaxNode | undefined; conditions: OptionCondition[]; priority?: Priority } {
  const conditions: OptionCondition[] = [];
  let priority: Priority | undefined;
  let n = unparen(value);
  for (let guard = 0; n && n.kind === K.NODE_APPLY && guard < 32; guard++) {
    const { fn, args } = flattenApply(n);
    const name = calleeName(fn);
    if ((name === "mkIf" || name === "optionalAttrs") && args.length === 2) {
      conditions.push({ kind: name, text: args[0]!.text, node: args[0]! });
      n = unparen(args[1]);
      continue;
    }
    const prio = name ? PRIORITY_FNS[name] : undefined;
    if (prio && args.length >= 1) {
      if (prio !== "order") priority = prio;
      n = unparen(args[args.length - 1]);
      continue;
    }
    break;
  }
  return { inner: n, conditions, priority };
}

/** The module body inside `{ config, lib, ... }: let ... in with ...; { ... }`. */
function moduleBody(root: SyntaxNode): SyntaxNode | undefined {
  let n = unparen(root.kind === K.NODE_ROOT ? root.childNodes().find((c) => c.kind !== K.NODE_ERROR) : root);
  for (let guard = 0; n && guard < 64; guard++) {
    if (n.kind === K.NODE_LAMBDA) n = unparen(n.childNodes()[1]);
    else if (n.kind === K.NODE_LET_IN) n = unparen(n.childNodes().at(-1));
    else if (n.kind === K.NODE_WITH || n.kind === K.NODE_ASSERT) n = unparen(n.childNodes()[1]);
    else break;
  }
  return n;
}

function topLevelKeys(set: SyntaxNode): string[] {
  const keys: string[] = [];
  for (const b of set.childNodes()) {
    if (b.kind !== K.NODE_ATTRPATH_VALUE) continue;
    const first = b.childNodes()[0]?.childNodes()[0];
    if (first?.kind === K.NODE_IDENT) keys.push(first.text);
  }
  return keys;
}

/** Index one module: a file's root, or an inline module (a lambda or attribute set in a `modules`
 * list). */
export function indexModule(node: SyntaxNode): OptionIndex {
  const builder = new IndexBuilder();
  const body = moduleBody(node);
  let isModule = false;
  const state: WalkState = { prefix: [], conditions: [], via: [], module: node, expanding: new Set() };
  if (body) {
    const bodySet = body.kind === K.NODE_ATTR_SET ? body : undefined;
    const keys = bodySet ? topLevelKeys(bodySet) : [];
    const fullForm = keys.includes("config") || keys.includes("options");
    if (bodySet && keys.includes("outputs") && (keys.includes("inputs") || keys.includes("description"))) {
      // A flake, not a module: its inline modules are found by the caller.
    } else if (bodySet) {
      isModule = true;
      for (const b of bodySet.childNodes()) {
        if (b.kind !== K.NODE_ATTRPATH_VALUE) continue;
        const [attrpath, value] = b.childNodes();
        if (!attrpath || attrpath.kind !== K.NODE_ATTRPATH) continue;
        const segs = attrpathSegments(attrpath);
        const head = segs[0]!;
        if (!head.dynamic && head.name === "imports" && segs.length === 1) {
          const list = unparen(value);
          if (list?.kind === K.NODE_LIST) builder.imports.push(...list.childNodes());
          continue;
        }
        if (!head.dynamic && head.name === "options") {
          builder.walkDeclarations(b, attrpath, value, segs.slice(1), state);
          continue;
        }
        if (fullForm) {
          if (!head.dynamic && head.name === "config") {
            const rest = segs.slice(1);
            if (rest.length === 0) builder.walkValue(value, { ...state, via: ["config"] });
            else builder.define(b, attrpath, value, rest, { ...state, via: ["config"] });
          }
          continue;
        }
        if (!head.dynamic && MODULE_KEYS.has(head.name) && segs.length === 1) continue;
        builder.define(b, attrpath, value, segs, state);
      }
    } else {
      // `lib.mkIf c { ... }` or `mkMerge [ ... ]` as the whole module.
      const before = builder.definitions.length;
      builder.walkValue(body, state);
      isModule = builder.definitions.length > before;
    }
  }
  const byPath = definitionsByPath(builder.definitions);
  return { definitions: builder.definitions, byPath, imports: builder.imports, declarations: builder.declarations, isModule };
}

/** Definitions grouped by option path, each group in the order given. */
export function definitionsByPath(definitions: readonly OptionDefinition[]): Map<string, OptionDefinition[]> {
  const byPath = new Map<string, OptionDefinition[]>();
  for (const d of definitions) {
    const list = byPath.get(d.path);
    if (list) list.push(d);
    else byPath.set(d.path, [d]);
  }
  return byPath;
}

/** Is this binding inside the value of an `options` attribute (`options = { ... }`,
 * `options.a = { ... }`, `{ options.b = ...; }` of a submodule), at any depth? */
function inOptionsTree(binding: SyntaxNode): boolean {
  for (let p = binding.parent; p; p = p.parent) {
    if (p.kind !== K.NODE_ATTRPATH_VALUE) continue;
    const path = p.childNodes()[0];
    if (path?.kind === K.NODE_ATTRPATH && path.childNodes().some((a) => a.kind === K.NODE_IDENT && a.text === "options")) return true;
  }
  return false;
}

/** A NixOS VM test's arguments (`{ name; nodes = ...; testScript = ...; }`; the old single-machine
 * form `{ machine = ...; testScript = ...; }`): where `machine` and `defaults` are modules. A set
 * without `testScript` or `nodes` is not one, so its `defaults = { ... }` is just a name. */
function isTestSet(set: SyntaxNode | undefined): boolean {
  if (set?.kind !== K.NODE_ATTR_SET) return false;
  return topLevelKeys(set).some((k) => k === "testScript" || k === "nodes");
}

/** Where a flake-parts module keeps a NixOS module of its own: `flake.nixosModules.<name>`, the
 * dendritic registry `flake.modules.nixos.<name>` (import-tree layouts: AlexNabokikh-nix-config's
 * modules/users.nix), and den's aspects, `den.aspects.<name>.nixos` (hmajid2301-nixicle). Their
 * values are modules, so what they set are NixOS options (not `flake.modules.nixos.users.security...`).
 * Only the NixOS class: `flake.modules.darwin.*` and `den.aspects.<name>.darwin` are nix-darwin's,
 * `.homeManager` home-manager's. The dendritic `flake.modules.generic.<name>` (modules of any
 * class) and a host's own `configurations.nixos.<host>.module` are NixOS modules too. */
/** An aspect of den (`den.aspects.<name>`), whose value may be a function returning the aspect. */
const DEN_ASPECT = /^den\.aspects\.[^.]+$/;
const NIXOS_MODULE_SLOT = /^(?:flake\.nixosModules\.[^.]+|flake\.modules\.(?:nixos|generic)\.[^.]+|configurations\.nixos\.[^.]+\.module|den\.aspects\.[^.]+\.nixos)$/;

/** Index a whole file: the file as a module, plus every inline module in a `modules = [ ... ]`
 * list (flake.nix's `nixosSystem { modules = [ ... ]; }`) and every node of a NixOS VM test
 * (`nodes.<name> = { ... }: { ... }`, `nodes = { a = ...; }`, `machine = ...`, `defaults = ...`). */
export function buildOptionIndex(root: SyntaxNode): OptionIndex {
  const main = indexModule(root);
  const inline: OptionIndex[] = [];
  const added = new Set<SyntaxNode>();
  const addModule = (el: SyntaxNode | undefined) => {
    let m = unparen(el);
    // A module kept in a let binding (`let module = { ... }; in { flake.nixosModules.default =
    // module; }`: alyraffauf-nixcfg's shared programs), read where it is written, once.
    for (let hop = 0; m?.kind === K.NODE_IDENT && hop < 4; hop++) m = unparen(resolveLexical(m)?.value);
    if (m && (m.kind === K.NODE_LAMBDA || m.kind === K.NODE_ATTR_SET) && !added.has(m)) {
      added.add(m);
      const idx = indexModule(m);
      if (idx.isModule) inline.push(idx);
    }
  };
  const mainBody = main.isModule ? unparen(root.childNodes().find((c) => c.kind !== K.NODE_ERROR)) : undefined;
  const mainPaths = new Map(main.definitions.map((d) => [d.binding, d.path]));
  for (const node of root.descendants(K.NODE_ATTRPATH_VALUE)) {
    // Inside the file's own module, nested `modules`/`nodes` are options, not inline modules;
    // except a flake-parts module's own NixOS modules (`flake.nixosModules.<name> = { ... }`).
    const mainPath = mainBody && node.start >= mainBody.start && node.end <= mainBody.end ? mainPaths.get(node) : undefined;
    if (mainPath !== undefined) {
      const set = unparen(node.childNodes()[1]);
      if (mainPath === "flake.nixosModules" && set?.kind === K.NODE_ATTR_SET) {
        for (const b of set.childNodes()) if (b.kind === K.NODE_ATTRPATH_VALUE && b.childNodes()[0]?.childNodes().length === 1) addModule(b.childNodes()[1]);
      } else if (NIXOS_MODULE_SLOT.test(mainPath)) addModule(set);
      else if (DEN_ASPECT.test(mainPath) && set?.kind === K.NODE_LAMBDA) {
        // A parametric aspect (`den.aspects.root = { config, ... }: { nixos = { ... }; }`): the
        // aspect its function returns keeps its NixOS module under `nixos` as a plain aspect does
        // (drupol-infra modules/users/root: root's initialPassword there was read by no rule).
        let body: SyntaxNode | undefined = set;
        for (let hop = 0; body?.kind === K.NODE_LAMBDA && hop < 4; hop++) body = unparen(body.childNodes().at(-1));
        if (body?.kind === K.NODE_ATTR_SET && !body.firstToken(K.TOKEN_REC)) {
          for (const b of body.childNodes()) if (b.kind === K.NODE_ATTRPATH_VALUE && b.childNodes()[0]?.text.trim() === "nixos") addModule(b.childNodes()[1]);
        }
      }
      continue;
    }
    const [attrpath, value] = node.childNodes();
    // Anything inside an option declaration (`options = { ... }` of a module, a let-bound
    // submodule's `options`, `types.submodule { options = ...; }`) declares: a `nodes`, `machine`
    // or `modules` there is an option's name, not a module.
    if (inOptionsTree(node)) continue;
    const names = attrpath?.childNodes().map((a) => (a.kind === K.NODE_IDENT ? a.text : "")) ?? [];
    const last = names[names.length - 1];
    const list = unparen(value);
    if (last === "modules" && list?.kind === K.NODE_LIST) {
      for (const el of list.childNodes()) addModule(el);
    } else if (names.length >= 2 && (names[names.length - 2] === "nodes" || names[names.length - 2] === "nixosModules")) {
      addModule(value);
    } else if ((last === "nodes" || last === "nixosModules") && list?.kind === K.NODE_ATTR_SET) {
      // VM test nodes, and a flake's own NixOS modules (`flake.nixosModules.web = { ... };`).
      for (const b of list.childNodes()) if (b.kind === K.NODE_ATTRPATH_VALUE) addModule(b.childNodes()[1]);
    } else if ((last === "machine" || last === "defaults") && names.length === 1 && isTestSet(node.parent ?? undefined)) {
      addModule(value);
    }
  }
  if (inline.length === 0) return main;
  const definitions = [...main.definitions, ...inline.flatMap((i) => i.definitions)];
  const byPath = definitionsByPath(definitions);
  return {
    definitions,
    byPath,
    imports: [...main.imports, ...inline.flatMap((i) => i.imports)],
    declarations: [...main.declarations, ...inline.flatMap((i) => i.declarations)],
    isModule: main.isModule || inline.length > 0,
  };
}
