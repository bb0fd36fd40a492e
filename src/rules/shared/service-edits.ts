// Where hardening options go in the Nix source of a service, so that the patch merges into what is
// there: inside the service's literal `serviceConfig = { ... }` (also the literal part of
// `base // { ... }`), as `serviceConfig.Key = ...;` next to dotted definitions, or as the full path
// next to the service's other definitions. Never a second `serviceConfig = ...` binding in a set
// that has one (Nix: "attribute 'serviceConfig' already defined"). The edited file is parsed as
// Nix 2.8 does before the edit is offered; an edit that does not parse is dropped.
import type { OptionDefinition } from "../../nix/options.js";
import { attrpathSegments, formatPath, unparen } from "../../nix/options.js";
import { editsBreakParse } from "../../nix/index.js";
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { addBindings, bindingsOf, indentUnit, setOf } from "../../nix/edit.js";
import type { TextEdit } from "../types.js";

export interface ServiceSite {
  file: string;
  text: string;
  root: SyntaxNode;
  name: string;
  anchor: OptionDefinition;
  serviceConfigDef?: OptionDefinition;
  serviceDef?: OptionDefinition;
}

/** The rightmost literal set of `a // b // { ... }` (keys added there win over the other parts). */
function literalPartOf(value: SyntaxNode | undefined): SyntaxNode | undefined {
  const n = unparen(value);
  if (!n) return undefined;
  if (n.kind === K.NODE_ATTR_SET) return n.firstToken(K.TOKEN_REC) ? undefined : n;
  if (n.kind === K.NODE_BIN_OP && n.childTokens()[0]?.kind === K.TOKEN_UPDATE) return literalPartOf(n.childNodes()[1]);
  return undefined;
}

function bindingNames(b: SyntaxNode): { names: string[]; value: SyntaxNode | undefined } | undefined {
  if (b.kind !== K.NODE_ATTRPATH_VALUE) return undefined;
  const [path, value] = b.childNodes();
  if (!path) return undefined;
  const segs = attrpathSegments(path);
  if (segs.some((s) => s.dynamic)) return undefined;
  return { names: segs.map((s) => s.name), value };
}

/** Adding `path = ...;` to `set` collides with a binding of the same path, or of a prefix whose
 * value is not a literal set Nix could merge with it. */
function collides(set: SyntaxNode, path: string[]): boolean {
  for (const b of bindingsOf(set)) {
    if (b.kind === K.NODE_INHERIT) {
      if (b.childNodes().some((n) => n.kind === K.NODE_IDENT && n.text === path[0])) return true;
      continue;
    }
    const bn = bindingNames(b);
    if (!bn) return true;
    const n = Math.min(bn.names.length, path.length);
    if (!bn.names.slice(0, n).every((x, i) => x === path[i])) continue;
    if (bn.names.length >= path.length) return true;
    if (unparen(bn.value)?.kind !== K.NODE_ATTR_SET) return true;
  }
  return false;
}

function settingLines(settings: Record<string, string>, prefix: string): string[] {
  return Object.entries(settings).map(([k, v]) => `${prefix}${k} = ${v};`);
}

function candidateEdits(site: ServiceSite, settings: Record<string, string>): TextEdit[] | undefined {
  const { file, text } = site;
  const keys = Object.keys(settings);
  // 1. Inside the service's own serviceConfig set (or the literal part of a `//` chain).
  const scDef = site.serviceConfigDef;
  if (scDef && scDef.conditions.length === 0) {
    const set = setOf(scDef.value) ?? literalPartOf(scDef.inner);
    if (set && keys.every((k) => !collides(set, [k]))) return [addBindings(file, text, set, settingLines(settings, ""))];
  }
  // 2. In the service's set: a new serviceConfig set, or dotted keys beside dotted ones.
  const svcSet = setOf(site.serviceDef?.value);
  if (svcSet) {
    if (!collides(svcSet, ["serviceConfig"])) {
      // Relative indentation: addBindings puts the binding's own indentation in front of each line.
      const unit = indentUnit(text);
      const body = settingLines(settings, "").map((l) => `${unit}${l}`);
      return [addBindings(file, text, svcSet, [`serviceConfig = {\n${body.join("\n")}\n};`])];
    }
    if (keys.every((k) => !collides(svcSet, ["serviceConfig", k]))) return [addBindings(file, text, svcSet, settingLines(settings, "serviceConfig."))];
  }
  // 3. Beside the definition the finding points at: the full remaining path in its set.
  const binding = site.anchor.binding;
  const set = binding.parent;
  const own = site.anchor.attrpath ? attrpathSegments(site.anchor.attrpath).length : 0;
  const prefixLen = site.anchor.segments.length - own;
  if (set && set.kind === K.NODE_ATTR_SET && own > 0 && prefixLen <= 3) {
    const rest = site.anchor.segments.slice(prefixLen, 3).map((s) => s.name);
    const paths = keys.map((k) => [...rest, "serviceConfig", k]);
    if (paths.every((p) => !collides(set, p))) {
      const lines = keys.map((k, i) => `${formatPath(paths[i]!.map((name) => ({ name, dynamic: false })))} = ${settings[k]};`);
      return [addBindings(file, text, set, lines)];
    }
  }
  return undefined;
}

/** Edits adding `settings` (key -> Nix value text) to the service's serviceConfig, or undefined
 * when there is no place they merge into, or the result would not parse. */
export function serviceConfigEdits(site: ServiceSite, settings: Record<string, string>): TextEdit[] | undefined {
  if (Object.keys(settings).length === 0) return undefined;
  const edits = candidateEdits(site, settings);
  if (!edits) return undefined;
  return editsBreakParse(site.text, edits) ? undefined : edits;
}
