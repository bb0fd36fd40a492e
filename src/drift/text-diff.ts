// A small line diff (longest common subsequence) for showing how a file under /etc differs from the
// version NixOS manages, with secrets redacted as the scan redacts them (the project's detectors,
// not a keyword list that takes `author` or `tokenizer` for a secret): a diff must never carry a
// secret into a report.
import { redactText } from "./redact.js";

export interface LineChange {
  op: "+" | "-";
  line: string;
}

const MAX_LINES = 2000;

export function diffLines(before: string, after: string): LineChange[] {
  const a = before.split("\n").slice(0, MAX_LINES);
  const b = after.split("\n").slice(0, MAX_LINES);
  if (a[a.length - 1] === "") a.pop();
  if (b[b.length - 1] === "") b.pop();
  const n = a.length;
  const m = b.length;
  // lcs[i][j] = length of the LCS of a[i..] and b[j..]
  const lcs: Uint16Array[] = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const out: LineChange[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) out.push({ op: "-", line: a[i++] as string });
    else out.push({ op: "+", line: b[j++] as string });
  }
  while (i < n) out.push({ op: "-", line: a[i++] as string });
  while (j < m) out.push({ op: "+", line: b[j++] as string });
  return out;
}

/** A changed line with every secret in it redacted. */
export function redactLine(line: string): string {
  return redactText(line);
}

/** "+ added line" / "- removed line", redacted, at most `max` lines. */
export function formatDiff(changes: LineChange[], max = 20): string {
  const shown = changes.slice(0, max).map((c) => `${c.op} ${redactLine(c.line)}`);
  if (changes.length > max) shown.push(`… ${changes.length - max} more changed lines`);
  return shown.join("\n");
}
