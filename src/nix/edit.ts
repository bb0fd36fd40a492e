// Minimal text edits computed on the lossless syntax tree: replace one value, add attributes to an
// existing set (indented like their siblings, comments untouched), add a list element, create an
// attribute path where none exists. Each returns TextEdits; nothing here writes files.
import { SyntaxKind as K, type SyntaxNode } from "./syntax.js";
import { attrpathSegments, formatPath, unparen, type OptionDefinition, type OptionIndex } from "./options.js";
import type { TextEdit } from "../text/edit.js";

export type NixValue = string | number | boolean | null | NixValue[] | { [key: string]: NixValue } | { nix: string };

/** A Nix literal for a JavaScript value. `{ nix: "..." }` is inserted verbatim (an expression). */
export function toNix(value: NixValue, indent = "", unit = "  "): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : String(value);
  if (typeof value === "string") return nixString(value);
  if (Array.isArray(value)) return value.length === 0 ? "[ ]" : `[ ${value.map((v) => toNix(v, indent, unit)).join(" ")} ]`;
  if ("nix" in value && typeof value.nix === "string" && Object.keys(value).length === 1) return value.nix;
  const entries = Object.entries(value as Record<string, NixValue>);
  if (entries.length === 0) return "{ }";
  const inner = indent + unit;
  return `{\n${entries.map(([k, v]) => `${inner}${attrName(k)} = ${toNix(v, inner, unit)};`).join("\n")}\n${indent}}`;
}

export function nixString(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\$\{/g, "\\${").replace(/\n/g, "\\n").replace(/\t/g, "\\t").replace(/\r/g, "\\r")}"`;
}

export function attrName(name: string): string {
  return /^[a-zA-Z_][a-zA-Z0-9_'-]*$/.test(name) && !KEYWORDS.has(name) ? name : nixString(name);
}

const KEYWORDS = new Set(["if", "then", "else", "assert", "with", "let", "in", "rec", "inherit", "or"]);

/** The whitespace at the start of the line that holds `offset`. */
export function lineIndent(text: string, offset: number): string {
  let start = offset;
  while (start > 0 && text[start - 1] !== "\n") start--;
  let end = start;
  while (end < text.length && (text[end] === " " || text[end] === "\t")) end++;
  return text.slice(start, end);
}

/** The file's indentation unit: the most common step between nested lines (default two spaces). */
export function indentUnit(text: string): string {
  const counts = new Map<number, number>();
  let prev = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const n = line.length - line.trimStart().length;
    if (line.startsWith("\t")) return "\t";
    const step = n - prev;
    if (step > 0 && step <= 8) counts.set(step, (counts.get(step) ?? 0) + 1);
    prev = n;
  }
  let best = 2;
  let bestCount = 0;
  for (const [step, count] of counts) if (count > bestCount) [best, bestCount] = [step, count];
  return " ".repeat(best);
}

function isMultiline(text: string, node: SyntaxNode): boolean {
  return text.slice(node.start, node.end).includes("\n");
}

/** The bindings (attrpath = value; / inherit) of a set, let or legacy let. */
export function bindingsOf(set: SyntaxNode): SyntaxNode[] {
  return set.childNodes().filter((c) => c.kind === K.NODE_ATTRPATH_VALUE || c.kind === K.NODE_INHERIT);
}

/** Replace a node's text. */
export function replaceNode(file: string, node: SyntaxNode, text: string): TextEdit {
  return { file, start: node.start, end: node.end, text };
}

/** Add `path = value;` lines to an attribute set, after its last binding, indented like it (or one
 * level deeper than the closing brace). A one-line set stays on one line. */
export function addBindings(file: string, text: string, set: SyntaxNode, lines: string[]): TextEdit {
  const close = set.firstToken(K.TOKEN_R_BRACE);
  if (!close) throw new Error("attribute set without a closing brace");
  const bindings = bindingsOf(set);
  if (!isMultiline(text, set)) {
    // `{ a = 1; }` -> `{ a = 1; b = 2; }`, `{ }` -> `{ b = 2; }`
    const before = text.slice(0, close.start);
    const pad = /\s$/.test(before) ? "" : " ";
    return { file, start: close.start, end: close.start, text: `${pad}${lines.join(" ")} ` };
  }
  const unit = indentUnit(text);
  const last = bindings[bindings.length - 1];
  const indent = last ? lineIndent(text, last.start) : lineIndent(text, close.start) + unit;
  // A multi-line binding keeps its own relative indentation under ours.
  lines = lines.map((l) => l.replace(/\n/g, `\n${indent}`));
  if (last) {
    // After the last binding's line (keeping a trailing comment on that line where it is).
    let at = last.end;
    while (at < text.length && text[at] !== "\n") at++;
    const body = lines.map((l) => `\n${indent}${l}`).join("");
    return { file, start: at, end: at, text: body };
  }
  // Empty multi-line set: before the closing brace's line.
  let lineStart = close.start;
  while (lineStart > 0 && text[lineStart - 1] !== "\n") lineStart--;
  const onOwnLine = text.slice(lineStart, close.start).trim() === "";
  if (onOwnLine) return { file, start: lineStart, end: lineStart, text: lines.map((l) => `${indent}${l}\n`).join("") };
  return { file, start: close.start, end: close.start, text: lines.map((l) => `${l} `).join("") };
}

/** Append an element to a list literal, in its style (one line, or one element per line). */
export function appendToList(file: string, text: string, list: SyntaxNode, element: string): TextEdit {
  const close = list.firstToken(K.TOKEN_R_BRACK);
  if (!close) throw new Error("list without a closing bracket");
  const elems = list.childNodes();
  if (!isMultiline(text, list)) {
    const before = text.slice(0, close.start);
    const pad = /\s$/.test(before) ? "" : " ";
    return { file, start: close.start, end: close.start, text: `${pad}${element} ` };
  }
  const last = elems[elems.length - 1];
  const indent = last ? lineIndent(text, last.start) : lineIndent(text, close.start) + indentUnit(text);
  if (last) return { file, start: last.end, end: last.end, text: `\n${indent}${element}` };
  let lineStart = close.start;
  while (lineStart > 0 && text[lineStart - 1] !== "\n") lineStart--;
  return { file, start: lineStart, end: lineStart, text: `${indent}${element}\n` };
}

/** The attribute set a value ultimately is (through parens, `mkIf c { }`, `mkForce { }`...). */
export function setOf(value: SyntaxNode | undefined): SyntaxNode | undefined {
  let n = unparen(value);
  for (let guard = 0; n && guard < 16; guard++) {
    if (n.kind === K.NODE_ATTR_SET) return n;
    if (n.kind === K.NODE_APPLY) {
      const args = n.childNodes();
      n = unparen(args[args.length - 1]);
      continue;
    }
    return undefined;
  }
  return undefined;
}

/** The set a module's top-level definitions live in: the body set, or its `config = { ... }`. */
export function moduleDefinitionSet(root: SyntaxNode): SyntaxNode | undefined {
  let n = unparen(root.childNodes().find((c) => c.kind !== K.NODE_ERROR));
  for (let guard = 0; n && guard < 32; guard++) {
    if (n.kind === K.NODE_LAMBDA || n.kind === K.NODE_WITH || n.kind === K.NODE_ASSERT) n = unparen(n.childNodes()[1]);
    else if (n.kind === K.NODE_LET_IN) n = unparen(n.childNodes().at(-1));
    else break;
  }
  if (!n || n.kind !== K.NODE_ATTR_SET) return undefined;
  for (const b of bindingsOf(n)) {
    if (b.kind !== K.NODE_ATTRPATH_VALUE) continue;
    const [path, value] = b.childNodes();
    const segs = path ? attrpathSegments(path) : [];
    if (segs.length === 1 && segs[0]!.name === "config") return setOf(value) ?? n;
  }
  return n;
}

/**
 * Set an option in a module file to a value, minimally:
 * - a leaf definition of the path exists: replace its value (inside any mkForce/mkIf wrapper);
 * - a definition of a prefix holds a set: add the rest of the path inside that set;
 * - otherwise: add the whole path to the module's top-level set.
 */
export function setOption(file: string, text: string, root: SyntaxNode, index: OptionIndex, path: string[], valueText: string): TextEdit | undefined {
  const dotted = formatPath(path.map((name) => ({ name, dynamic: false })));
  const existing = index.byPath.get(dotted)?.filter((d) => d.conditions.length === 0 || d.inner);
  const target = existing?.[0];
  if (target?.inner) return replaceNode(file, target.inner, valueText.replace(/\n/g, `\n${lineIndent(text, target.binding.start)}`));
  // Longest prefix that is a set we can add to.
  for (let n = path.length - 1; n >= 1; n--) {
    const prefix = formatPath(path.slice(0, n).map((name) => ({ name, dynamic: false })));
    const defs: OptionDefinition[] = index.byPath.get(prefix) ?? [];
    for (const d of defs) {
      const set = setOf(d.value);
      if (set && d.conditions.length === 0) {
        const rest = formatPath(path.slice(n).map((name) => ({ name, dynamic: false })));
        return addBindings(file, text, set, [`${rest} = ${valueText};`]);
      }
    }
  }
  const top = moduleDefinitionSet(root);
  if (!top) return undefined;
  return addBindings(file, text, top, [`${dotted} = ${valueText};`]);
}
