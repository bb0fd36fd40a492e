// config-options-confusion: `options` and `config` mixed up in a module. Three shapes, each certain
// from the source alone:
// - reading `options.<path>` where the option's value is meant: the module argument `options` holds
//   option records (`.value`, `.isDefined`, `.default`...), so `mkIf options.services.x.enable`,
//   `if options.a.b then`, `!options.a.b`, `options.a.b && ...` or `"${options.a.b}"` evaluate an
//   attribute set where a value is expected, and fail. Reported only in those value positions and
//   only when the last attribute is not one of an option record's own (`options.x.y.value`,
//   `options.x.y.isDefined`, `options ? x` are right); the fix reads `config.<path>` when the
//   module function takes `config`.
// - an option declared under `config` (or in a module's short form, which is all config):
//   `services.x.port = mkOption { ... }` defines the value of an option with an option record.
// - a value written inside `options = { ... }` (`options.x.config.y = true;`, `options.x.y =
//   mkDefault 1;`): a definition where only declarations belong.
// The second shape is left alone for a top-level key the repository's own code takes out of module
// values before handing them to the module system (`removeAttrs m [ "opts" ]`, `removeAttrs m
// (attrNames defaults)` or `intersectAttrs defaults m` with `opts` among the defaults, `m ? opts`,
// `inherit (m) opts`, `m.opts` on a function's argument): a module wrapper of the repository's own,
// which turns `opts.x = mkOption` into a real declaration under `options`. It is also left alone
// under a tree the repository's own code walks to build a module's computed `options` from a
// nested key of each node (`nodeModule (den.aspects or { })` with `options = removeAttrs
// node.settings [ ... ]`): `den.aspects.<x>.settings.<name> = mkOption` is a declaration there.
import { replaceNode } from "../../nix/edit.js";
import { attrpathSegments, type OptionDefinition } from "../../nix/options.js";
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { isUnknownValue, staticStringValue, staticValue } from "../../nix/values.js";
import { calleeName, flattenApply, resolveVariable, unparen } from "../shared/syntax.js";
import { resolveValue } from "../shared/syntax.js";
import type { NixFileContext, Rule, RuleReport } from "../types.js";
import { nixosManual } from "../shared/references.js";

/** Attributes of an option record (what `options.<path>` legitimately ends in). */
const OPTION_ATTRS = new Set([
  "value", "isDefined", "default", "defaultText", "type", "description", "example", "highestPrio", "definitions", "definitionsWithLocations",
  "files", "declarations", "declarationPositions", "loc", "visible", "readOnly", "internal", "valueMeta", "apply", "relatedPackages", "isOption", "_type",
]);
const OPTION_MAKERS = new Set(["mkOption", "mkEnableOption", "mkPackageOption", "mkPackageOptionMD", "mkSinkUndeclaredOptions"]);
const DEFINITION_WRAPPERS = new Set(["mkDefault", "mkForce", "mkIf", "mkMerge", "mkOverride", "mkBefore", "mkAfter"]);
const CONDITION_FNS = new Set(["mkIf", "optional", "optionals", "optionalAttrs", "optionalString", "mkMerge"]);

/** Is this select node read where a value (not an option record) is needed? */
function valuePosition(sel: SyntaxNode): string | undefined {
  let n = sel;
  while (n.parent?.kind === K.NODE_PAREN) n = n.parent;
  const p = n.parent;
  if (!p) return undefined;
  switch (p.kind) {
    case K.NODE_IF_ELSE:
      return p.childNodes()[0] === n ? "an if condition" : undefined;
    case K.NODE_UNARY_OP:
      return p.firstToken(K.TOKEN_BANG) ? "a negation" : undefined;
    case K.NODE_BIN_OP: {
      const op = p.childTokens().find((t) => t.kind === K.TOKEN_AND || t.kind === K.TOKEN_OR || t.kind === K.TOKEN_IMPL);
      return op ? `a boolean \`${op.text}\`` : undefined;
    }
    case K.NODE_INTERPOL:
      return "a string interpolation";
    case K.NODE_APPLY: {
      const { fn, args } = flattenApply(outermostApply(p));
      const name = calleeName(fn);
      if (name && name !== "mkMerge" && CONDITION_FNS.has(name) && args[0] === n) return `the condition of ${name}`;
      return undefined;
    }
    default:
      return undefined;
  }
}

function outermostApply(n: SyntaxNode): SyntaxNode {
  let a = n;
  while (a.parent?.kind === K.NODE_APPLY && a.parent.childNodes()[0] === a) a = a.parent;
  return a;
}

/** `options.<a>.<b>...` read through the module argument `options`: the base identifier's binding. */
function optionsSelect(sel: SyntaxNode): { base: SyntaxNode; segments: string[]; lambda: SyntaxNode } | undefined {
  if (sel.firstToken(K.TOKEN_OR_KW)) return undefined;
  const [base, path] = sel.childNodes();
  if (base?.kind !== K.NODE_IDENT || base.text !== "options" || !path) return undefined;
  const b = resolveVariable(base);
  if (b?.kind !== "formal") return undefined;
  const segs = attrpathSegments(path);
  if (segs.length < 2 || segs.some((s) => s.dynamic)) return undefined;
  return { base, segments: segs.map((s) => s.name), lambda: b.scope };
}

function takesConfig(lambda: SyntaxNode): boolean {
  const param = lambda.childNodes()[0];
  return !!param && param.kind === K.NODE_PATTERN && param.childNodes().some((c) => c.kind === K.NODE_PAT_ENTRY && c.childNodes()[0]?.text === "config");
}

function checkReads(ctx: NixFileContext): void {
  for (const sel of ctx.parsed.root.descendants(K.NODE_SELECT)) {
    const o = optionsSelect(sel);
    if (!o || OPTION_ATTRS.has(o.segments.at(-1)!)) continue;
    const where = valuePosition(sel);
    if (!where) continue;
    const path = o.segments.join(".");
    const fixable = takesConfig(o.lambda);
    ctx.report({
      node: sel,
      key: `options read ${path}`,
      message: `\`options.${path}\` is read as ${where}, but the module argument \`options\` holds option declarations (attribute sets with .value, .isDefined, .default...), not values: this fails to evaluate or tests the wrong thing. The value is \`config.${path}\`.`,
      fix: fixable
        ? { safety: "review", description: `Read the value: \`config.${path}\` (or \`options.${path}.isDefined\` if whether it is set is what matters).`, edits: [replaceNode(ctx.file, o.base, "config")] }
        : { safety: "manual", description: `Read the value as \`config.${path}\` (take \`config\` in the module's arguments), or use \`options.${path}.isDefined\` / \`.value\`.` },
    });
  }
}

function makerName(value: SyntaxNode | undefined): string | undefined {
  const n = unparen(value);
  if (n?.kind !== K.NODE_APPLY) return undefined;
  const name = calleeName(flattenApply(n).fn);
  return name && OPTION_MAKERS.has(name) ? name : undefined;
}

function isDefinitionValue(d: OptionDefinition): string | undefined {
  const n = unparen(d.value);
  if (!n) return undefined;
  if (n.kind === K.NODE_APPLY) {
    const name = calleeName(flattenApply(n).fn);
    return name && DEFINITION_WRAPPERS.has(name) ? `\`${name} ...\`` : undefined;
  }
  if (n.kind === K.NODE_ATTR_SET || n.kind === K.NODE_LAMBDA) return undefined;
  const v = staticValue(n);
  if (isUnknownValue(v) || (typeof v === "object" && v !== null && !Array.isArray(v))) return undefined;
  return `the value ${n.text.length > 40 ? n.text.slice(0, 39) + "…" : n.text}`;
}

/** Is the declaration's binding inside an expression that is not a plain set of declarations
 * (`mkEnableOption "x" // { default = true; }`: the set there is an option record's attributes)? */
function insideExpression(d: OptionDefinition): boolean {
  for (let p = d.binding.parent; p; p = p.parent) {
    if (p.kind === K.NODE_BIN_OP || p.kind === K.NODE_APPLY) return true;
    if (p.kind === K.NODE_ATTRPATH_VALUE && p.childNodes()[0]?.text.split(".")[0]?.trim() === "options") return false;
  }
  return false;
}

/** Top-level names of NixOS and home-manager option trees: never a wrapper's own key. */
const OPTION_TREES = new Set([
  "services", "networking", "boot", "systemd", "environment", "users", "programs", "security", "nix", "nixpkgs", "hardware", "virtualisation", "fileSystems",
  "swapDevices", "system", "home", "xdg", "i18n", "time", "fonts", "documentation", "console", "powerManagement", "sound", "location", "wayland", "gtk", "qt",
  "home-manager", "homebrew", "launchd", "assertions", "warnings", "containers", "zramSwap", "specialisation", "config", "options", "imports", "_module",
]);
/** Too common a field of any attribute set for `m.<name>` on a function argument to say anything. */
const COMMON_FIELDS = new Set(["enable", "name", "value", "package", "path", "type", "default", "description", "config", "options", "imports", "outPath"]);

/** Static names of an attribute set expression (`{ a = ...; }`, a let-bound one, `x // y`). */
function setKeys(node: SyntaxNode | undefined, depth = 0): string[] {
  const n = resolveValue(node);
  if (!n || depth > 6) return [];
  if (n.kind === K.NODE_BIN_OP && n.childTokens().some((t) => t.kind === K.TOKEN_UPDATE)) return n.childNodes().flatMap((c) => setKeys(c, depth + 1));
  if (n.kind !== K.NODE_ATTR_SET) return [];
  const keys: string[] = [];
  for (const c of n.childNodes()) {
    if (c.kind === K.NODE_ATTRPATH_VALUE) {
      const first = c.childNodes()[0]?.childNodes()[0];
      if (first?.kind === K.NODE_IDENT) keys.push(first.text);
      else if (first?.kind === K.NODE_STRING) { const v = staticStringValue(first); if (v) keys.push(v); }
    } else if (c.kind === K.NODE_INHERIT) {
      for (const i of c.childNodes()) if (i.kind === K.NODE_IDENT) keys.push(i.text);
    }
  }
  return keys;
}

/** Names listed by `[ "a" "b" ]` or `attrNames <set>`. */
function listedNames(node: SyntaxNode | undefined): string[] {
  const n = resolveValue(node);
  if (!n) return [];
  if (n.kind === K.NODE_LIST) return n.childNodes().map((c) => staticStringValue(unparen(c))).filter((v): v is string => !!v);
  if (n.kind === K.NODE_APPLY) {
    const { fn, args } = flattenApply(n);
    if (calleeName(fn) === "attrNames" && args.length === 1) return setKeys(args[0]);
  }
  return [];
}

/** Is this a plain function argument (`m: ...`), the shape of a wrapper walking module values? */
function plainParam(node: SyntaxNode | undefined): boolean {
  const n = unparen(node);
  return n?.kind === K.NODE_IDENT && resolveVariable(n)?.kind === "param";
}

/** Keys the repository's own code takes out of module values (see the header). */
export function wrapperKeys(files: readonly NixFileContext[]): Set<string> {
  const keys = new Set<string>();
  const add = (k: string | undefined): void => {
    if (k && !OPTION_TREES.has(k)) keys.add(k);
  };
  for (const ctx of files) {
    const root = ctx.parsed.root;
    for (const app of root.descendants(K.NODE_APPLY)) {
      if (app.parent?.kind === K.NODE_APPLY && app.parent.childNodes()[0] === app) continue;
      const { fn, args } = flattenApply(app);
      const name = calleeName(fn);
      if (name === "removeAttrs" && args.length >= 2) listedNames(args[1]).forEach(add);
      else if (name === "intersectAttrs" && args.length >= 2) setKeys(args[0]).forEach(add);
    }
    for (const has of root.descendants(K.NODE_HAS_ATTR)) {
      const [base, path] = has.childNodes();
      const first = path?.childNodes()[0];
      if (plainParam(base) && first?.kind === K.NODE_IDENT && !COMMON_FIELDS.has(first.text)) add(first.text);
    }
    for (const from of root.descendants(K.NODE_INHERIT_FROM)) {
      if (!plainParam(from.childNodes()[0])) continue;
      for (const i of from.parent?.childNodes() ?? []) if (i.kind === K.NODE_IDENT && !COMMON_FIELDS.has(i.text)) add(i.text);
    }
    for (const sel of root.descendants(K.NODE_SELECT)) {
      const [base, path] = sel.childNodes();
      const first = path?.childNodes()[0];
      if (plainParam(base) && first?.kind === K.NODE_IDENT && !COMMON_FIELDS.has(first.text)) add(first.text);
    }
  }
  return keys;
}

/** A set of option declarations the repository's own code reads out of a nested attribute and
 * hands to the module system: a file that builds a module's `options = <computed>` (not a literal
 * set) from function arguments, reading `<arg>.<key>` / `<arg> ? <key>` on them, and walking a tree
 * it is given as `<a>.<b>` (`nodeModule (den.aspects or { })` over aspects whose `settings` hold
 * mkOption calls). A definition `<a>.<b>.<...>.<key>.<name> = mkOption` under such a root is data
 * that file turns into a declaration, not a value given an option record. */
export interface DeclarationTree {
  root: string[];
  key: string;
}

function computedOptions(root: SyntaxNode): boolean {
  for (const b of root.descendants(K.NODE_ATTRPATH_VALUE)) {
    const segs = b.childNodes()[0]?.childNodes() ?? [];
    if (segs.at(-1)?.kind !== K.NODE_IDENT || segs.at(-1)!.text !== "options") continue;
    const v = unparen(b.childNodes()[1]);
    if (!v || v.kind === K.NODE_ATTR_SET) continue;
    if (v.kind === K.NODE_APPLY && calleeName(flattenApply(v).fn) === "import") continue;
    const idents = v.kind === K.NODE_IDENT ? [v] : v.descendants(K.NODE_IDENT);
    if (idents.some((i) => { const k = resolveVariable(i)?.kind; return k === "param" || k === "let"; })) return true;
  }
  return false;
}

export function declarationTrees(files: readonly NixFileContext[]): DeclarationTree[] {
  const trees: DeclarationTree[] = [];
  for (const ctx of files) {
    const root = ctx.parsed.root;
    if (!computedOptions(root)) continue;
    const keys = new Set<string>();
    const add = (first: SyntaxNode | undefined): void => {
      if (first?.kind === K.NODE_IDENT && !COMMON_FIELDS.has(first.text) && !OPTION_TREES.has(first.text)) keys.add(first.text);
    };
    for (const has of root.descendants(K.NODE_HAS_ATTR)) {
      const [base, path] = has.childNodes();
      if (plainParam(base)) add(path?.childNodes()[0]);
    }
    const roots: string[][] = [];
    for (const sel of root.descendants(K.NODE_SELECT)) {
      const [base, path] = sel.childNodes();
      if (plainParam(base)) { add(path?.childNodes()[0]); continue; }
      if (base?.kind !== K.NODE_IDENT || !path || base.text === "lib" || base.text === "builtins") continue;
      const segs = attrpathSegments(path);
      if (segs.length >= 1 && !segs.some((x) => x.dynamic) && !OPTION_TREES.has(base.text)) roots.push([base.text, ...segs.map((x) => x.name)]);
    }
    for (const key of keys) for (const r of roots) if (!r.includes(key)) trees.push({ root: r, key });
  }
  return trees;
}

/** Is this definition's path under a declaration tree: `<root>.<...>.<key>.<name>`? */
function inDeclarationTree(d: OptionDefinition, trees: readonly DeclarationTree[]): boolean {
  const names = d.segments.map((s) => s.name);
  if (names[0] === "config") names.shift();
  return trees.some((t) => {
    if (names.length < t.root.length + 2 || t.root.some((r, i) => names[i] !== r)) return false;
    const k = names.indexOf(t.key, t.root.length);
    return k >= t.root.length && k < names.length - 1;
  });
}

function checkDeclarations(ctx: NixFileContext, keys: ReadonlySet<string>, trees: readonly DeclarationTree[], report: (r: RuleReport) => void): void {
  if (!ctx.index.isModule) return;
  for (const d of ctx.index.definitions) {
    if (d.segments.some((s) => s.name === "options" || s.name === "imports")) continue;
    if (keys.has(d.segments[0]!.name) && !d.via.includes("config")) continue;
    if (trees.length && inDeclarationTree(d, trees)) continue;
    const maker = makerName(d.inner ?? d.value);
    if (!maker || ctx.inTest(d.binding)) continue;
    report({
      node: d.attrpath ?? d.binding,
      optionPath: d.path,
      key: `declared under config ${d.path}`,
      message: `\`${d.path} = ${maker} ...\` declares an option where the module defines values (under \`config\`, or in a module written without \`options\`/\`config\`, which is all config): NixOS reads it as a value for ${d.path}, not as a new option.`,
      fix: { safety: "manual", description: `Move the declaration to \`options.${d.path} = ${maker} { ... };\` and keep only values under \`config\`.` },
    });
  }
}

function checkValuesUnderOptions(ctx: NixFileContext): void {
  if (!ctx.index.isModule) return;
  for (const d of ctx.index.declarations) {
    if (!d.isLeaf || d.segments.some((s) => s.name === "options") || insideExpression(d)) continue;
    const what = isDefinitionValue(d);
    if (!what || ctx.inTest(d.binding)) continue;
    const underConfig = d.segments.findIndex((s) => s.name === "config");
    ctx.report({
      node: d.attrpath ?? d.binding,
      optionPath: `options.${d.path}`,
      key: `value under options ${d.path}`,
      message:
        underConfig >= 0
          ? `\`options.${d.path}\` writes ${what} under \`config\` inside the \`options\` block: \`options\` only declares options (mkOption), so this is not a definition of ${d.segments.slice(underConfig + 1).map((s) => s.name).join(".")} and the module fails to evaluate.`
          : `\`options.${d.path}\` gives ${what} where an option declaration (mkOption) is expected: values belong under \`config\`.`,
      fix: { safety: "manual", description: underConfig >= 0 ? `Move the definition out of \`options\`, to \`config.${d.segments.slice(underConfig + 1).map((s) => s.name).join(".")}\`.` : `Declare it with mkOption under \`options\`, or move the value to \`config.${d.path}\`.` },
    });
  }
}

export const configOptionsConfusion: Rule = {
  id: "config-options-confusion",
  name: "`options` and `config` mixed up in a module",
  category: "anti-pattern",
  severity: "low",
  rationale:
    "A module's `options` declares what can be set (option records made by mkOption) and `config` holds the values. Reading `options.x.y` where the value of x.y is meant, declaring an option under `config`, or writing a value inside `options` does not do what it says: evaluation fails, or a condition tests an attribute set instead of the setting.",
  fix: "Read values from `config.<path>` (`options.<path>.isDefined` / `.value` when the declaration itself is what matters); declare options only under `options`, and define values only under `config`.",
  references: [
    nixosManual("Writing NixOS Modules", "sec-writing-modules"),
    nixosManual("Option Declarations", "sec-option-declarations"),
  ],
  compliance: {
    cis: ["n/a: concerns how a module is written, not a setting of the running system, which is what the CIS Linux benchmark audits"],
    nist: ["PR.PS-06"],
  },
  examples: {
    fire: [
      `{ config, lib, options, ... }:\n{\n  config = lib.mkIf options.services.nginx.enable {\n    networking.firewall.allowedTCPPorts = [ 80 ];\n  };\n}\n`,
      `{ lib, ... }:\n{\n  services.myapp.port = lib.mkOption {\n    type = lib.types.port;\n    default = 8080;\n    description = "Port of myapp.";\n  };\n}\n`,
      `{ lib, ... }:\n{\n  options.services.myapp = {\n    enable = lib.mkEnableOption "myapp";\n    config.services.nginx.enable = true;\n  };\n}\n`,
      // The repository has a module wrapper taking `opts` out of its modules, but this module
      // declares under a real option tree: still a value given an option record.
      {
        "lib/wrapper.nix": `lib:\nlet\n  defaults = { opts = { }; enableOpt = true; };\nin\nmodule: {\n  options.my = module.opts or { };\n  config = removeAttrs module (builtins.attrNames defaults);\n}\n`,
        "modules/app.nix": `{ lib, cfg }:\n{\n  opts.port = lib.mkOption { type = lib.types.port; default = 80; description = "Port."; };\n  services.myapp.port = lib.mkOption { type = lib.types.port; default = 8080; description = "Port of myapp."; };\n}\n`,
      },
      // A function's argument read for \`enable\` says nothing about module values: a top-level
      // \`enable = mkEnableOption\` is still a value.
      {
        "lib/enabled.nix": `lib: instances: lib.filterAttrs (name: inst: inst.enable) instances\n`,
        "modules/app.nix": `{ lib, ... }:\n{\n  enable = lib.mkEnableOption "myapp";\n}\n`,
      },
      // The repository turns `den.aspects.<x>.settings` into option declarations, but this
      // declaration is under a NixOS option tree, not under that framework's tree.
      {
        "lib/settings-type.nix": `{ den, lib }:\nlet\n  nodeModule = node: {\n    options = removeAttrs (node.settings or { }) [ "imports" "config" ];\n    config = node.settings.config or { };\n  };\nin\nlib.types.submodule (nodeModule (den.aspects or { }))\n`,
        "modules/app.nix": `{ lib, ... }:\n{\n  services.myapp.settings.port = lib.mkOption { type = lib.types.port; default = 8080; description = "Port."; };\n}\n`,
      },
    ],
    silent: [
      `{ config, lib, options, ... }:\n{\n  config = lib.mkIf (options.services.nginx.enable.isDefined && config.services.nginx.enable) {\n    networking.firewall.allowedTCPPorts = [ 80 ];\n  };\n}\n`,
      `{ lib, options, ... }:\n{\n  config = lib.optionalAttrs (options ? virtualisation.vmVariant) {\n    virtualisation.vmVariant.virtualisation.memorySize = 2048;\n  };\n}\n`,
      `{ lib, ... }:\n{\n  options.services.myapp = {\n    enable = lib.mkEnableOption "myapp";\n    config = lib.mkOption { type = lib.types.attrs; default = { }; description = "Extra configuration of myapp."; };\n  };\n}\n`,
      `{ lib, ... }:\n{\n  options.services.myapp.settings = lib.mkOption {\n    type = lib.types.submodule {\n      options.port = lib.mkOption { type = lib.types.port; default = 80; description = "Port."; };\n      config.port = lib.mkDefault 8080;\n    };\n    description = "Settings.";\n  };\n}\n`,
      `{ lib, ... }:\nlet\n  options = { web.enable = true; };\nin\n{\n  services.nginx.enable = lib.mkIf options.web.enable true;\n}\n`,
      // The repository's own module wrapper turns each module's top-level `opts` into declarations
      // under `options.<ns>.<category>` and strips its keys (`removeAttrs ... (attrNames defaults)`)
      // from what it hands the module system: `opts.port = mkOption` declares an option.
      {
        "lib/wrapper.nix": `lib: ns:\nlet\n  defaults = { opts = { }; enableOpt = true; conditions = [ ]; };\nin\npath: module:\nlet\n  moduleOpts = defaults // builtins.intersectAttrs defaults module;\nin\n{\n  options.\${ns}.\${baseNameOf path} = moduleOpts.opts;\n  config = removeAttrs module (builtins.attrNames defaults);\n}\n`,
        "modules/app.nix": `{ lib, cfg }:\n{\n  enableOpt = false;\n  opts.port = lib.mkOption { type = lib.types.port; default = 8080; description = "Port of myapp."; };\n  services.myapp.port = cfg.port;\n}\n`,
      },
      // The same convention read from the module values (\`m ? opts\`).
      {
        "lib/wrapper.nix": `{ lib }:\nmodules: map (m: { options.my = if m ? opts then m.opts else { }; config = m.config or { }; }) modules\n`,
        "modules/app.nix": `{ lib, ... }:\n{\n  opts.enableFoo = lib.mkEnableOption "foo";\n}\n`,
      },
      // A framework file builds a submodule's `options` from each node's `settings` while walking
      // the tree it is given (`den.aspects`): mkOption calls under `den.aspects.<x>.settings` are the
      // declarations it consumes.
      {
        "lib/settings-type.nix": `{ den, lib }:\nlet\n  nodeModule = node: {\n    options = removeAttrs (node.settings or { }) [ "imports" "config" ];\n    config = node.settings.config or { };\n  };\nin\nlib.types.submodule (nodeModule (den.aspects or { }))\n`,
        "modules/app.nix": `{ lib, ... }:\n{\n  den.aspects.app.settings.port = lib.mkOption { type = lib.types.port; default = 8080; description = "Port."; };\n  den.aspects.app.nixos = { services.myapp.enable = true; };\n}\n`,
      },
    ],
  },
  checkNix(ctx) {
    checkReads(ctx);
    checkValuesUnderOptions(ctx);
  },
  checkRepository(files, sink) {
    const keys = wrapperKeys(files);
    const trees = declarationTrees(files);
    for (const ctx of files) checkDeclarations(ctx, keys, trees, (r) => sink.report(ctx, r));
  },
};
