// Names and text that come from a scanned repository or a probed machine (file names, unit names,
// file contents) are written into diffs, shell scripts, terminals and markdown. A name may hold a
// newline (which would start a new diff header or script line), ESC (terminal control sequences),
// a quote or a backslash. These helpers write such text so that it stays one inert token: paths in
// diff headers are C-quoted as git quotes them (`git apply` and GNU `patch` both read that back),
// shell words are quoted, and text for a terminal or markdown shows control characters as escapes.
// Pure functions; importable from report, remediate and drift alike.

/** Characters git quotes in a path: C0 controls, `"`, `\`, DEL and everything outside ASCII. */
// eslint-disable-next-line no-control-regex
const GIT_QUOTED = /[\u0000-\u001f"\\\u007f-\u{10ffff}]/u;

const C_ESCAPES: Record<number, string> = { 7: "a", 8: "b", 9: "t", 10: "n", 11: "v", 12: "f", 13: "r", 34: '"', 92: "\\" };

/**
 * A path as git writes it in `diff --git`, `---` and `+++` lines: as is when it holds nothing
 * special, else in double quotes with C escapes and every other byte outside printable ASCII as
 * a three-digit octal escape (git's quote_c_style with core.quotePath on).
 */
export function gitQuotePath(path: string): string {
  if (!GIT_QUOTED.test(path)) return path;
  let out = '"';
  for (const byte of Buffer.from(path, "utf8")) {
    const named = C_ESCAPES[byte];
    if (named !== undefined) out += `\\${named}`;
    else if (byte < 0x20 || byte >= 0x7f) out += `\\${byte.toString(8).padStart(3, "0")}`;
    else out += String.fromCharCode(byte);
  }
  return out + '"';
}

/**
 * Reads a C-quoted path at the start of `s` (which starts with `"`). Returns the path and what
 * follows the closing quote, or undefined when the quoting is malformed or not valid UTF-8.
 */
export function gitUnquotePath(s: string): { path: string; rest: string } | undefined {
  if (!s.startsWith('"')) return undefined;
  const bytes: number[] = [];
  const names: Record<string, number> = Object.fromEntries(Object.entries(C_ESCAPES).map(([b, c]) => [c, Number(b)]));
  for (let i = 1; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"') {
      try {
        return { path: new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(bytes)), rest: s.slice(i + 1) };
      } catch {
        return undefined;
      }
    }
    if (c !== "\\") {
      bytes.push(...Buffer.from(c, "utf8"));
      continue;
    }
    const next = s[++i];
    if (next === undefined) return undefined;
    if (/[0-3]/.test(next) && /^[0-7]{2}$/.test(s.slice(i + 1, i + 3))) {
      bytes.push(parseInt(s.slice(i, i + 3), 8));
      i += 2;
    } else if (names[next] !== undefined) bytes.push(names[next]);
    else return undefined;
  }
  return undefined;
}

/**
 * The `diff --git`, `---` and `+++` lines of a file's diff. Names are quoted as git quotes them; a
 * name with a space gets a tab after it on the ---/+++ lines, as git writes it, so that `patch`
 * knows where the name ends.
 */
export function diffHeaders(file: string, created: boolean): string {
  const a = gitQuotePath(`a/${file}`);
  const b = gitQuotePath(`b/${file}`);
  const tab = file.includes(" ") ? "\t" : "";
  return `diff --git ${a} ${b}\n${created ? "new file mode 100644\n--- /dev/null\n" : `--- ${a}${tab}\n`}+++ ${b}${tab}\n`;
}

/** Control characters a terminal or a markdown viewer acts on: C0 (but see `keep`), DEL, C1, the
 * Unicode line/paragraph separators and the bidirectional overrides that reorder what is shown. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * `s` with every control character shown as an escape (`\x1b`, `\r`, `\n`, `\u202e`), except the
 * characters in `keep` (e.g. "\n" for multi-line text whose lines are meant). Backslashes are left
 * as they are: this is for reading, not for parsing back.
 */
export function escapeControls(s: string, keep = ""): string {
  return s.replace(CONTROL, (c) => {
    if (keep.includes(c)) return c;
    const code = c.charCodeAt(0);
    if (code === 10) return "\\n";
    if (code === 13) return "\\r";
    if (code === 9) return "\\t";
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/** Whether `s` holds a character escapeControls would rewrite. */
export function hasControls(s: string): boolean {
  CONTROL.lastIndex = 0;
  const found = CONTROL.test(s);
  CONTROL.lastIndex = 0;
  return found;
}

const SHELL_PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * One word for bash, exactly `arg` whatever it holds: bare when plainly safe, in single quotes
 * otherwise, and as ANSI-C `$'…'` when it holds control characters, so that a script or a
 * command shown in a terminal never carries a raw newline, CR or ESC (each is written as `\xHH`).
 */
export function shellWord(arg: string): string {
  if (arg !== "" && SHELL_PLAIN.test(arg)) return arg;
  if (!hasControls(arg)) return `'${arg.replace(/'/g, `'\\''`)}'`;
  let out = "$'";
  for (const ch of arg) {
    if (ch === "\\" || ch === "'") out += `\\${ch}`;
    else if (hasControls(ch)) out += [...Buffer.from(ch, "utf8")].map((b) => `\\x${b.toString(16).padStart(2, "0")}`).join("");
    else out += ch;
  }
  return out + "'";
}
