// The syntax tree as JSON (`nix-warden parse --format json`): every node and token with its kind,
// range, line and column, so other tools can consume what the parser sees.
import type { ParsedNix } from "./index.js";
import { kindName, type SyntaxElement } from "./syntax.js";

export interface JsonElement {
  kind: string;
  start: number;
  end: number;
  line: number;
  column: number;
  text?: string;
  children?: JsonElement[];
}

export function elementToJson(el: SyntaxElement): JsonElement {
  const { line, column } = el.source.lines.position(el.start);
  const base = { kind: kindName(el.kind), start: el.start, end: el.end, line, column };
  if (el.isToken) return { ...base, text: el.text };
  return { ...base, children: el.children.map(elementToJson) };
}

export function treeToJson(parsed: ParsedNix): { path?: string; diagnostics: ParsedNix["diagnostics"]; error?: ParsedNix["error"]; tree: JsonElement } {
  return {
    path: parsed.source.path,
    diagnostics: parsed.diagnostics,
    error: parsed.error,
    tree: elementToJson(parsed.root),
  };
}
