// Where a rule that needs more than one definition looks: a host (every file of a
// nixosConfiguration, so a default set in one module and changed in another is seen as NixOS sees
// it), or, for definitions no host includes (modules of a repository without a flake, inline
// modules outside any host, NixOS VM test nodes), the one file. A rule written against `Scope`
// runs both ways: `checkHost` for host files, `checkNix` for the rest, never twice for one
// definition.
import { definitionsByPath, type OptionDefinition, type OptionIndex } from "../../nix/options.js";
import { externalImportsIn, type ExternalImport } from "../../nix/external-modules.js";
import { priorityName, priorityNumber, winningDefinition, type Candidate } from "../../nix/priority.js";
import type { SyntaxNode } from "../../nix/syntax.js";
import { isUnknownValue, staticValue, type StaticValue } from "../../nix/values.js";
import type { HostContext, NixFileContext, ResolvedValue, RuleReport } from "../types.js";
import { filesAnswering } from "./track.js";

export interface ScopedDef {
  file: NixFileContext;
  def: OptionDefinition;
  /** Host scope: the host's value of a definition whose expression reads the repository's own
   * options (HostContext.definitions), which then counts as its value. */
  resolved?: ResolvedValue;
}

/** A definition's value as far as the scope tells: the literal, else the host's value of it. */
export function defValue(d: ScopedDef): StaticValue {
  const v = staticValue(d.def.inner);
  return d.resolved && isUnknownValue(v) ? d.resolved.value : v;
}

export interface Scope {
  kind: "host" | "file";
  /** The host's name (host scope). */
  host?: string;
  /** The host's declaration in flake.nix (host scope). */
  declaration?: { file: string; node: SyntaxNode };
  files: NixFileContext[];
  /** NixOS defaults apply: a host, as opposed to a lone module or a VM test node whose other
   * modules are not known. Rules reporting a default (an option left unset) only do so here. */
  defaultsApply: boolean;
  definitions(path: string): ScopedDef[];
  /** `*` matches one segment. */
  matching(pattern: string): ScopedDef[];
  report(file: NixFileContext, r: RuleReport): void;
  /** Does a definition act on the host (not behind the gate of a module it imports but does not
   * turn on)? Absent (file scopes): it does. */
  applies?(d: ScopedDef): boolean;
  /** Host scope: what the flake's input names point at (HostContext.inputRepositories). */
  inputRepositories?: ReadonlyMap<string, string | null>;
}

/** The scope restricted to the definitions that act on its host (HostContext.applies). */
export function appliedScope(scope: Scope): Scope {
  const applies = scope.applies;
  if (!applies) return scope;
  return { ...scope, definitions: (path) => scope.definitions(path).filter(applies), matching: (pattern) => scope.matching(pattern).filter(applies) };
}

/** The parts of a file that belong to a scope: all of it, except the file declaring the host in a
 * host scope, where only that host's declaration and what lies outside every host declaration
 * (helpers, shared module lists) count. */
export function scopeParts(scope: Scope, file: NixFileContext): SyntaxNode[] {
  if (scope.kind !== "host" || file.file !== scope.declaration?.file) return [file.parsed.root];
  const decls = file.hostDeclarations;
  const own = scope.declaration.node;
  const parts: SyntaxNode[] = [own];
  // Outside every declaration: the nodes not containing and not inside one.
  const visit = (n: SyntaxNode) => {
    for (const c of n.childNodes()) {
      if (decls.some((d) => d === c)) continue;
      if (decls.some((d) => d.start >= c.start && d.end <= c.end)) visit(c);
      else parts.push(c);
    }
  };
  visit(file.parsed.root);
  return parts;
}

/** Is this definition left to the per-file pass (no host scope sees it)? Host scopes see a host
 * file's definitions outside VM tests; in flake.nix, only those inside the host's declaration. */
export function isFileScoped(ctx: NixFileContext, def: OptionDefinition): boolean {
  if (ctx.inTest(def.binding)) return true;
  if (ctx.hosts.length === 0) return true;
  const decls = ctx.hostDeclarations;
  if (decls.length === 0) return false;
  return !decls.some((d) => def.binding.start >= d.start && def.binding.end <= d.end);
}

// A file's scope, per file context: every rule written against a Scope asks for it, and working it
// out (each definition's test context and host declarations) once per rule was 4% of a cold scan of
// olafkfreund/nixos_config. Null: no definition is left to the per-file pass.
const fileScopes = new WeakMap<NixFileContext, Scope | null>();

export function fileScope(ctx: NixFileContext): Scope | undefined {
  let s = fileScopes.get(ctx);
  if (s === undefined) fileScopes.set(ctx, (s = makeFileScope(ctx) ?? null));
  return s ?? undefined;
}

function makeFileScope(ctx: NixFileContext): Scope | undefined {
  const defs = ctx.index.definitions.filter((d) => isFileScoped(ctx, d));
  if (defs.length === 0) return undefined;
  const byPath = definitionsByPath(defs);
  return {
    kind: "file",
    files: [ctx],
    defaultsApply: false,
    definitions: (path) => (byPath.get(path) ?? []).map((def) => ({ file: ctx, def })),
    matching: (pattern) => {
      const parts = pattern.split(".");
      return defs.filter((def) => partsMatch(def, parts)).map((def) => ({ file: ctx, def }));
    },
    report: (_file, r) => ctx.report(r),
  };
}

/** `a.*.c` against a definition's segments (quoted names with dots inside match as one segment). */
export function segmentsMatch(def: OptionDefinition, pattern: string): boolean {
  return partsMatch(def, pattern.split("."));
}

/** segmentsMatch with the pattern split once (filters over every definition of a file). */
function partsMatch(def: OptionDefinition, parts: readonly string[]): boolean {
  if (parts.length !== def.segments.length) return false;
  return parts.every((p, i) => p === "*" || (!def.segments[i]!.dynamic && def.segments[i]!.name === p));
}

// A file's definitions matching a pattern, per option index (which lives as long as the file's
// parse): every host rule asks the same patterns of every file of every host.
const matchingByIndex = new WeakMap<OptionIndex, Map<string, OptionDefinition[]>>();
function segmentsMatching(index: OptionIndex, pattern: string): OptionDefinition[] {
  let byPattern = matchingByIndex.get(index);
  if (!byPattern) matchingByIndex.set(index, (byPattern = new Map()));
  let found = byPattern.get(pattern);
  if (!found) {
    const parts = pattern.split(".");
    byPattern.set(pattern, (found = index.definitions.filter((def) => partsMatch(def, parts))));
  }
  return found;
}

export function hostScope(h: HostContext): Scope {
  // As the scan's host definitions: outside VM tests, and in flake.nix inside this host's declaration.
  const inHost = (file: NixFileContext, def: OptionDefinition) =>
    !file.inTest(def.binding) && (file.file !== h.declaration?.file || (def.binding.start >= h.declaration.node.start && def.binding.end <= h.declaration.node.end));
  return {
    kind: "host",
    host: h.host,
    declaration: h.declaration,
    files: h.files,
    defaultsApply: !h.partial,
    definitions: (path) => h.definitions(path),
    // A file none of whose definitions matches has no part in the answer (rules/shared/track.ts).
    matching: (pattern) =>
      filesAnswering(h.files, `segmentsMatching\0${pattern}`, (c) => segmentsMatching(c.index, pattern).length > 0).flatMap((file) =>
        segmentsMatching(file.index, pattern)
          .filter((def) => inHost(file, def))
          .map((def) => ({ file, def })),
      ),
    report: (file, r) => h.report({ ...r, file: file.file }),
    ...(h.applies ? { applies: (d: ScopedDef) => h.applies!(d.file.file, d.def.binding) } : {}),
    ...(h.inputRepositories ? { inputRepositories: h.inputRepositories } : {}),
  };
}

/** checkNix + checkHost for a rule written against a Scope. */
export function scoped(check: (scope: Scope) => void): { checkNix(ctx: NixFileContext): void; checkHost(h: HostContext): void } {
  return {
    checkNix(ctx) {
      const s = fileScope(ctx);
      if (s) check(s);
    },
    checkHost(h) {
      check(hostScope(h));
    },
  };
}

/** A definition that can never apply: under `mkIf false`, `optionalAttrs false`, `if false`. */
export function isDead(def: OptionDefinition): boolean {
  return def.conditions.some((c) => (c.kind === "else" ? c.text.trim() === "true" : c.text.trim() === "false"));
}

/** The module system's priority number of a definition (lower wins). */
export function priorityOf(def: OptionDefinition): number {
  return priorityNumber(def);
}

export type Effective =
  | { kind: "unset" }
  | { kind: "known"; value: StaticValue; at: ScopedDef }
  /** `conflict`: definitions of the same priority with different values (NixOS refuses to build). */
  | { kind: "unknown"; at: ScopedDef; conflict?: StaticValue[] };

function candidates(defs: ScopedDef[]): Candidate<ScopedDef>[] {
  return defs.filter((d) => !isDead(d.def) && d.def.isLeaf).map((d) => ({ priority: priorityNumber(d.def), value: defValue(d), origin: d }));
}

/**
 * The value an option ends up with, as far as the repository's source tells: the winning
 * definition by the module system's priorities (conditional ones included: they usually apply).
 * Unknown when the winner cannot be read or definitions of the winning priority disagree.
 */
export function effectiveValue(defs: ScopedDef[]): Effective {
  const w = winningDefinition(candidates(defs));
  if (w.kind === "unset") return w;
  if (w.kind === "known") return { kind: "known", value: w.value, at: w.at };
  if (w.kind === "conflict") return { kind: "unknown", at: w.at, conflict: w.values };
  return { kind: "unknown", at: w.at };
}

/** What a host ends up with for an option, counting the known external modules it imports
 * (srvos...) and naming the unknown ones it depends on. */
export type HostValue =
  | { kind: "unset"; dependsOn: string[] }
  | { kind: "known"; value: StaticValue; at?: ScopedDef; external?: { module: string; source: string }; priority: number; dependsOn: string[] }
  | { kind: "unknown"; at?: ScopedDef; conflict?: StaticValue[]; why: string; dependsOn: string[] };

type Origin = { def: ScopedDef } | { module: string; source: string };

/** The external modules a scope imports (host scope: its files and its declaration). */
export function externalImports(scope: Scope): ExternalImport[] {
  // A host's scope is made again for each rule, over the same list of files: read them once.
  const known = importsByFiles.get(scope.files);
  if (known && known.declaration === scope.declaration?.node && known.repos === scope.inputRepositories) return known.imports;
  const out: ExternalImport[] = [];
  for (const f of filesAnswering(scope.files, "externalImports", (c) => c.text.includes("nixosModules") || c.text.includes("srvos"))) {
    out.push(...externalImportsIn(scopeParts(scope, f), scope.inputRepositories));
  }
  importsByFiles.set(scope.files, { declaration: scope.declaration?.node, repos: scope.inputRepositories, imports: out });
  return out;
}

const importsByFiles = new WeakMap<readonly NixFileContext[], { declaration: SyntaxNode | undefined; repos: ReadonlyMap<string, string | null> | undefined; imports: ExternalImport[] }>();

/** The winning value of an option for a scope, as `winningDefinition` decides it over the
 * repository's definitions and the settings of the known external modules it imports. */
export function hostValue(scope: Scope, ...paths: string[]): HostValue {
  const imports = scope.kind === "host" ? externalImports(scope) : [];
  const dependsOn = [...new Set(imports.filter((i) => !i.known).map((i) => i.name))];
  const all: Candidate<Origin>[] = candidates(definitionsOf(scope, ...paths)).map((c) => ({ ...c, origin: { def: c.origin } }));
  const seen = new Set<string>();
  for (const imp of imports) {
    if (!imp.known || seen.has(imp.name)) continue;
    seen.add(imp.name);
    for (const s of imp.known.settings) if (paths.includes(s.path)) all.push({ priority: s.priority, value: s.value, origin: { module: imp.name, source: imp.known.source } });
  }
  const w = winningDefinition(all);
  const at = (o: Origin) => ("def" in o ? o.def : undefined);
  if (w.kind === "unset") return { kind: "unset", dependsOn };
  if (w.kind === "known") {
    const ext = "module" in w.at ? { module: w.at.module, source: w.at.source } : undefined;
    return { kind: "known", value: w.value, at: at(w.at), external: ext, priority: w.priority, dependsOn };
  }
  if (w.kind === "conflict") {
    const who = w.all.map((o) => ("module" in o ? o.module : `${o.def.file.file}:${o.def.def.line}`)).join(" and ");
    return { kind: "unknown", at: at(w.at), conflict: w.values, why: `definitions of equal priority (${priorityName(w.priority)}) disagree: ${who}; NixOS refuses to build this host until one wins`, dependsOn };
  }
  return { kind: "unknown", at: at(w.at), why: "the winning definition is computed", dependsOn };
}

/** Definitions of the paths, in the scope. */
export function definitionsOf(scope: Scope, ...paths: string[]): ScopedDef[] {
  return paths.flatMap((p) => scope.definitions(p));
}

/** Is a whole attribute set given as something we cannot read (`services.openssh = cfg;`), so
 * its options may be set without us seeing it? */
export function opaquePrefix(scope: Scope, path: string): boolean {
  const parts = path.split(".");
  for (let n = 1; n < parts.length; n++) {
    const prefix = parts.slice(0, n).join(".");
    for (const d of scope.definitions(prefix)) {
      if (isDead(d.def)) continue;
      if (d.def.isLeaf) {
        const v = staticValue(d.def.inner);
        if (typeof v === "object" && v !== null && !Array.isArray(v) && (v as { unknown?: boolean }).unknown) return true;
      }
    }
  }
  return false;
}

/** The enable switch of a service is on in the scope (statically true at the winning priority). */
export function isEnabled(scope: Scope, ...enablePaths: string[]): ScopedDef | undefined {
  const e = effectiveValue(definitionsOf(scope, ...enablePaths));
  return e.kind === "known" && e.value === true ? e.at : undefined;
}

/** The enable switch is statically off (so the service's settings do nothing). */
export function isDisabled(scope: Scope, ...enablePaths: string[]): boolean {
  const e = effectiveValue(definitionsOf(scope, ...enablePaths));
  return e.kind === "known" && e.value === false;
}
