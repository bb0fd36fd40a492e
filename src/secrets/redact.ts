// The one way a secret is shown: never the value, only enough to recognise it. Long values keep their
// first 4 and last 3 characters (`sk_l…Lb0 (32 chars)`); values under 20 characters show only their
// length, because 7 visible characters of a 12-character secret would leave too little hidden.

/** Values shorter than this show only their length. */
export const REDACT_MIN_VISIBLE_LENGTH = 20;

/** Control characters (newlines in a PEM block) would break a one-line evidence string. */
function printable(chars: string[]): string {
  return chars.map((c) => (c.charCodeAt(0) < 0x20 || c === "\u007f" ? " " : c)).join("");
}

export function redact(secret: string): string {
  const chars = [...secret];
  const length = `(${chars.length} chars)`;
  if (chars.length < REDACT_MIN_VISIBLE_LENGTH) return `… ${length}`;
  return `${printable(chars.slice(0, 4))}…${printable(chars.slice(-3))} ${length}`;
}

export interface RedactableRange {
  start: number;
  end: number;
}

/**
 * Replaces every matched range of `text` with the redaction of what it covers. Overlapping or
 * touching ranges are merged first, so no part of any secret survives between two replacements.
 */
export function redactAll(text: string, matches: readonly RedactableRange[]): string {
  const ranges = matches
    .map((m) => ({ start: Math.max(0, Math.min(m.start, text.length)), end: Math.max(0, Math.min(m.end, text.length)) }))
    .filter((r) => r.end > r.start)
    .sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: RedactableRange[] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else merged.push({ ...r });
  }
  let out = "";
  let pos = 0;
  for (const r of merged) {
    out += text.slice(pos, r.start) + redact(text.slice(r.start, r.end));
    pos = r.end;
  }
  return out + text.slice(pos);
}
