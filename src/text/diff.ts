// Unified diffs (`git apply`-able) from text edits: edits are applied to the original text, and
// the hunks are computed with Myers' line diff, three lines of context, as `diff -u` prints them.
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

/** Lines without their `\n`; a last line without one carries diff's marker (so it differs from
 * the same line with a newline, and prints as `diff -u` prints it). */
function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  else lines[lines.length - 1] += "\n\\ No newline at end of file";
  return lines;
}

type Op = { kind: " " | "-" | "+"; line: string };

/** Myers' O(ND) diff over lines. */
function diffLines(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const v = new Int32Array(2 * max + 2);
  const trace: Int32Array[] = [];
  const off = max + 1;
  outer: for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x: number;
      if (k === -d || (k !== d && v[off + k - 1]! < v[off + k + 1]!)) x = v[off + k + 1]!;
      else x = v[off + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[off + k] = x;
      if (x >= n && y >= m) break outer;
    }
  }
  // Backtrack.
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const vd = trace[d]!;
    const k = x - y;
    let prevK: number;
    if (k === -d || (k !== d && vd[off + k - 1]! < vd[off + k + 1]!)) prevK = k + 1;
    else prevK = k - 1;
    const prevX = vd[off + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push({ kind: " ", line: a[--x]! });
      y--;
    }
    if (d > 0) {
      if (x === prevX) ops.push({ kind: "+", line: b[--y]! });
      else ops.push({ kind: "-", line: a[--x]! });
    }
  }
  return ops.reverse();
}

/** A unified diff of one file, with `a/` and `b/` prefixes and quoting as git writes them. Empty when the
 * texts are equal. `oldText === null` creates the file. */
export function unifiedDiff(file: string, oldText: string | null, newText: string, context = 3): string {
  if (oldText === newText) return "";
  const a = splitLines(oldText ?? "");
  const b = splitLines(newText);
  const ops = diffLines(a, b);
  const hunks: string[] = [];
  let i = 0;
  let aLine = 1;
  let bLine = 1;
  // Positions (in ops) of changes, grouped into hunks with `context` lines around.
  while (i < ops.length) {
    // find next change
    let j = i;
    let aAt = aLine;
    let bAt = bLine;
    while (j < ops.length && ops[j]!.kind === " ") {
      j++;
      aAt++;
      bAt++;
    }
    if (j >= ops.length) break;
    const startOp = Math.max(i, j - context);
    const lead = j - startOp;
    let hunkAStart = aAt - lead;
    let hunkBStart = bAt - lead;
    // extend the hunk while changes are within 2*context of each other
    let end = j;
    let lastChange = j;
    while (end < ops.length) {
      if (ops[end]!.kind !== " ") lastChange = end;
      else if (end - lastChange > 2 * context) break;
      end++;
    }
    const stopOp = Math.min(ops.length, lastChange + 1 + context);
    const body: string[] = [];
    let aCount = 0;
    let bCount = 0;
    for (let k = startOp; k < stopOp; k++) {
      const op = ops[k]!;
      body.push(op.kind + op.line);
      if (op.kind !== "+") aCount++;
      if (op.kind !== "-") bCount++;
    }
    if (aCount === 0) hunkAStart--;
    if (bCount === 0) hunkBStart--;
    hunks.push(`@@ -${hunkAStart}${aCount === 1 ? "" : `,${aCount}`} +${hunkBStart}${bCount === 1 ? "" : `,${bCount}`} @@\n${body.join("\n")}\n`);
    // advance line counters over the consumed ops
    for (let k = i; k < stopOp; k++) {
      const op = ops[k]!;
      if (op.kind !== "+") aLine++;
      if (op.kind !== "-") bLine++;
    }
    i = stopOp;
  }
  // The name is quoted as git quotes it: a newline in it must not start a header of its own.
  return diffHeaders(file, oldText === null) + hunks.join("");
}
