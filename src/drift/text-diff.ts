// A small line diff (longest common subsequence) for showing how a file under /etc differs from the
// version NixOS manages, with values that look secret redacted: a diff must never carry a secret
// into a report.

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

const SECRET_KEY = /(pass(word|wd|phrase)?|secret|token|api[_-]?key|private[_-]?key|psk|credential|auth)/i;

/** A line with the value of a secret-looking assignment replaced (key = value, key: value, key value). */
export function redactLine(line: string): string {
  const m = /^(\s*[#;]?\s*[^\s=:]*?)(\s*[=:]\s*|\s+)(.+)$/.exec(line);
  if (m && SECRET_KEY.test(m[1] as string) && (m[3] as string).trim() !== "") return `${m[1]}${m[2]}[redacted]`;
  // Long opaque tokens anywhere (keys, hashes of passwords): keep the shape, not the value.
  return line.replace(/[A-Za-z0-9+/_$.-]{40,}={0,2}/g, (t) => `${t.slice(0, 4)}…[redacted ${t.length} chars]`);
}

/** "+ added line" / "- removed line", redacted, at most `max` lines. */
export function formatDiff(changes: LineChange[], max = 20): string {
  const shown = changes.slice(0, max).map((c) => `${c.op} ${redactLine(c.line)}`);
  if (changes.length > max) shown.push(`… ${changes.length - max} more changed lines`);
  return shown.join("\n");
}
