// The content of a Nix string literal as the option receives it, line by line, with a map back to
// the source: rules that parse configuration text held in a string (pg_hba lines, /etc/exports,
// sudoers, nix.conf) can then point at the exact line and word inside the string, and fix it with
// an edit on the source. Interpolations (`${...}`) are unknown text: they become a NUL placeholder.
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { unparen } from "../../nix/options.js";

/** Stands for an interpolation in cooked text. */
export const INTERPOLATION = "\u0000";

/** Text for a message: each interpolation, as cooked text (INTERPOLATION) or a shell word read
 * from a script (`__nix_interpolation__`) holds it, shown as `${…}`. */
export function showInterpolations(text: string): string {
  return text.replaceAll(INTERPOLATION, "${…}").replaceAll("__nix_interpolation__", "${…}");
}

export interface CookedString {
  /** The string's value, interpolations replaced by INTERPOLATION. Indentation of `''` strings is
   * kept (the formats parsed here ignore leading whitespace). */
  text: string;
  /** Source offset of each character of `text`, plus one past the end. */
  offsets: number[];
  /** The literal node. */
  node: SyntaxNode;
}

export interface StringLine {
  /** Line text (cooked). */
  text: string;
  /** Index of the line's first character in the cooked text. */
  start: number;
  /** 0-based line number within the string. */
  index: number;
}

/** The cooked text of a string literal with its source offsets, or undefined for anything that
 * is not a string literal (a variable, a `readFile`, a concatenation). */
export function cookString(value: SyntaxNode | undefined): CookedString | undefined {
  const node = unparen(value);
  if (!node || node.kind !== K.NODE_STRING) return undefined;
  const { text, offsets } = cookLiteral(node, () => INTERPOLATION, true);
  const close = node.childTokens().at(-1);
  offsets.push(close && (close.kind === K.TOKEN_STRING_END || close.kind === K.TOKEN_IND_STRING_END) ? close.start : node.end);
  return { text, offsets, node };
}

/**
 * The value of a string literal `node` with the source offset of each character (escapes
 * unescaped, `\n` mapped to its backslash): cookString's for configuration text, the shell reader's
 * for scripts. Each interpolation becomes `interpolation(node)`; `foldCr` reads a CR or CRLF of the
 * source as one newline, else a CR stays. The caller adds the end offset.
 */
export function cookLiteral(node: SyntaxNode, interpolation: (interpol: SyntaxNode) => string, foldCr: boolean): { text: string; offsets: number[] } {
  const src = node.source.text;
  let text = "";
  const offsets: number[] = [];
  const push = (s: string, at: number) => {
    for (let i = 0; i < s.length; i++) {
      text += s[i];
      offsets.push(at);
    }
  };
  for (const c of node.children) {
    if (!c.isToken) {
      if (c.kind === K.NODE_INTERPOL) push(interpolation(c), c.start);
      continue;
    }
    if (c.kind === K.TOKEN_STRING_CONTENT) {
      // Backslash escapes of "..." strings: `\n` is one character mapped to the backslash.
      for (let i = c.start; i < c.end; i++) {
        const ch = src[i]!;
        if (ch === "\\" && i + 1 < c.end) {
          const e = src[i + 1]!;
          push(e === "n" ? "\n" : e === "r" ? "\r" : e === "t" ? "\t" : e, i);
          i++;
        } else if (ch === "\r" && foldCr) {
          push("\n", i);
          if (src[i + 1] === "\n") i++;
        } else push(ch, i);
      }
    } else if (c.kind === K.TOKEN_IND_STRING_CONTENT) {
      for (let i = c.start; i < c.end; i++) {
        const ch = src[i]!;
        if (ch === "\r" && foldCr) {
          push("\n", i);
          if (src[i + 1] === "\n") i++;
        } else push(ch, i);
      }
    } else if (c.kind === K.TOKEN_IND_STRING_ESCAPE) {
      const t = c.text;
      const v = t === "''$" || t === "$" ? "$" : t === "'''" ? "''" : t === "'" ? "'" : t.startsWith("''\\") ? unescapeOne(t.slice(3)) : t;
      push(v, c.start);
    }
  }
  return { text, offsets };
}

function unescapeOne(c: string): string {
  return c === "n" ? "\n" : c === "r" ? "\r" : c === "t" ? "\t" : c;
}

/** The lines of a cooked string (a trailing newline does not make an empty last line). */
export function stringLines(s: CookedString): StringLine[] {
  const out: StringLine[] = [];
  let start = 0;
  let index = 0;
  for (let i = 0; i <= s.text.length; i++) {
    if (i === s.text.length || s.text[i] === "\n") {
      if (i > start || i < s.text.length) out.push({ text: s.text.slice(start, i), start, index: index++ });
      start = i + 1;
    }
  }
  return out;
}

/** Logical lines: physical lines joined where one ends with a backslash (sudoers, exports). */
export function logicalLines(s: CookedString): StringLine[] {
  const physical = stringLines(s);
  const out: StringLine[] = [];
  let pending: StringLine | undefined;
  for (const l of physical) {
    if (pending) {
      // Keep cooked indices contiguous: replace the `\` + newline by two spaces.
      pending = { text: pending.text + "  " + l.text, start: pending.start, index: pending.index };
    } else pending = { ...l };
    if (pending.text.endsWith("\\")) {
      pending.text = pending.text.slice(0, -1);
      continue;
    }
    out.push(pending);
    pending = undefined;
  }
  if (pending) out.push(pending);
  return out;
}

/** A 1-based source range for cooked [start, end). */
export function sourceRange(s: CookedString, start: number, end: number): { line: number; column: number; endLine: number; endColumn: number } {
  const lines = s.node.source.lines;
  const a = lines.position(s.offsets[Math.max(0, Math.min(start, s.offsets.length - 1))]!);
  const lastChar = Math.max(start, end - 1);
  const bOffset = end > start ? s.offsets[Math.min(lastChar, s.offsets.length - 1)]! + 1 : s.offsets[Math.min(start, s.offsets.length - 1)]!;
  const b = lines.position(bOffset);
  return { line: a.line, column: a.column, endLine: b.line, endColumn: b.column };
}

/** The source offsets of cooked [start, end) when they are a contiguous piece of the source written
 * as-is (no escapes or interpolations inside), so an edit can replace them; else undefined. */
export function sourceSpan(s: CookedString, start: number, end: number): { start: number; end: number } | undefined {
  if (end <= start) return undefined;
  const first = s.offsets[start]!;
  for (let i = start; i < end; i++) {
    if (s.offsets[i] !== first + (i - start)) return undefined;
    if (s.text[i] === INTERPOLATION) return undefined;
  }
  return { start: first, end: first + (end - start) };
}

/** Whitespace-separated fields of a line, with their cooked start offsets. */
export function fields(line: StringLine): Array<{ text: string; start: number; end: number }> {
  const out: Array<{ text: string; start: number; end: number }> = [];
  const re = /[^\s]+/g;
  for (let m = re.exec(line.text); m; m = re.exec(line.text)) out.push({ text: m[0], start: line.start + m.index, end: line.start + m.index + m[0].length });
  return out;
}
