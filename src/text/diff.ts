// Unified diffs (`git apply`-able) from text edits: edits are applied to the original text, and
// the hunks are computed with Myers' line diff (jsdiff), three lines of context, as `diff -u`
// prints them.
import { structuredPatch } from "diff";
import { diffHeaders } from "./safe-text.js";
import type { TextEdit } from "./edit.js";

/** Apply non-overlapping edits to a text (order does not matter). Throws on overlap. */
export function applyEdits(text: string, edits: readonly Pick<TextEdit, "start" | "end" | "text">[]): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  let out = "";
  let pos = 0;
  for (const e of sorted) {
    if (e.start < pos) throw new Error(`overlapping edits at offset ${e.start}`);
    if (e.end < e.start || e.end > text.length) throw new Error(`edit out of range: ${e.start}-${e.end}`);
    out += text.slice(pos, e.start) + e.text;
    pos = e.end;
  }
  return out + text.slice(pos);
}

/** A unified diff of one file, with `a/` and `b/` prefixes and quoting as git writes them. Empty when the
 * texts are equal. `oldText === null` creates the file. */
export function unifiedDiff(file: string, oldText: string | null, newText: string, context = 3): string {
  if (oldText === newText) return "";
  // jsdiff gives the hunks (Myers' line diff, `\ No newline at end of file` markers); the headers
  // are ours, quoted as git quotes names: a newline in a name must not start a header of its own.
  const { hunks } = structuredPatch(file, file, oldText ?? "", newText, undefined, undefined, { context });
  // An empty side starts at the line before it, as `diff -u` and git print it (jsdiff gives the line after).
  const range = (start: number, count: number) => `${count === 0 ? start - 1 : start}${count === 1 ? "" : `,${count}`}`;
  const body = hunks.map((h) => `@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@\n${h.lines.join("\n")}\n`);
  return diffHeaders(file, oldText === null) + body.join("");
}
