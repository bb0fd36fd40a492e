// Small edits the access and firewall rules share: take elements out of a list literal, and find
// the list a definition holds.
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { unparen } from "../../nix/options.js";
import type { TextEdit } from "../types.js";

/** The list literal a value is (through parentheses), or undefined. */
export function listOf(value: SyntaxNode | undefined): SyntaxNode | undefined {
  const n = unparen(value);
  return n?.kind === K.NODE_LIST ? n : undefined;
}

/**
 * Remove elements from a list literal. An element alone on its line (with its trailing comment)
 * takes the whole line with it; otherwise the element and the whitespace before it go, so
 * `[ 22 5432 80 ]` becomes `[ 22 80 ]`.
 */
export function removeListElements(file: string, text: string, list: SyntaxNode, elements: SyntaxNode[]): TextEdit[] {
  const edits: TextEdit[] = [];
  for (const el of elements) {
    let lineStart = el.start;
    while (lineStart > 0 && text[lineStart - 1] !== "\n") lineStart--;
    let lineEnd = el.end;
    while (lineEnd < text.length && text[lineEnd] !== "\n") lineEnd++;
    const before = text.slice(lineStart, el.start);
    const after = text.slice(el.end, lineEnd);
    if (before.trim() === "" && (after.trim() === "" || /^\s*#/.test(after)) && lineStart > list.start && lineEnd < list.end) {
      edits.push({ file, start: lineStart, end: Math.min(lineEnd + 1, text.length), text: "" });
      continue;
    }
    let start = el.start;
    while (start > list.start + 1 && (text[start - 1] === " " || text[start - 1] === "\t")) start--;
    // Keep one space after `[` when the element was first.
    if (text[start - 1] === "[") start = el.start;
    let end = el.end;
    if (start === el.start) while (end < list.end - 1 && (text[end] === " " || text[end] === "\t")) end++;
    edits.push({ file, start, end, text: "" });
  }
  // Neighbouring elements: merge the overlapping removals (and do not leave a double space).
  edits.sort((a, b) => a.start - b.start);
  const merged: TextEdit[] = [];
  for (const e of edits) {
    const last = merged[merged.length - 1];
    if (last && e.start <= last.end) last.end = Math.max(last.end, e.end);
    else merged.push({ ...e });
  }
  for (const e of merged) if (text[e.start - 1] === " " && text[e.end] === " " && text[e.end + 1] !== "]" && e.end < list.end - 1) e.end++;
  return merged;
}
