// A small POSIX-shell reader, enough to find which commands a script runs: words with quote
// removal, comments, line continuations, the separators `;` `&` `&&` `||` `|` `|&` and newlines,
// redirections, here-documents, `$(...)` and backquote substitutions, and the reserved words of
// compound commands. On top of it, `effectiveCommands` looks through the wrappers that run another
// command: `sudo`/`doas`, `env`, `exec`, `nohup`, `timeout`..., `ssh host cmd` (and a here-document
// fed to ssh or a shell), `sh -c '...'`, `su -c`, `nix-shell --run`, `nix develop -c`.
// Every character keeps the offset it came from, so findings point at the original file, even
// when the script is a Nix string with interpolations.

/** Script text and, for each of its characters, the offset in the original file it comes from
 * (`offsets.length === text.length + 1`: the last entry is the end). */
export interface ShellSource {
  text: string;
  offsets: number[];
}

export interface ShellWord {
  /** The word after quote removal. */
  value: string;
  /** Original offsets of the word as written (start inclusive, end exclusive). */
  start: number;
  end: number;
  /** The word's characters come from one contiguous stretch of the original (it can be edited). */
  contiguous: boolean;
  /** Source of `value` (for re-parsing a word as a script: `ssh host 'cmd'`, `sh -c 'cmd'`). */
  source: ShellSource;
}

export interface ShellCommand {
  /** The command's words, assignments before it and redirections removed. */
  words: ShellWord[];
  /** A here-document given to the command (`cmd <<EOF ... EOF`). */
  heredoc?: ShellSource;
}

export function sourceOf(text: string, base = 0): ShellSource {
  const offsets = new Array<number>(text.length + 1);
  for (let i = 0; i <= text.length; i++) offsets[i] = base + i;
  return { text, offsets };
}

const OPERATORS = [";;", "&&", "||", "|&", ";", "&", "|", "(", ")", "<<<", "<<-", "<<", "<>", "<&", ">&", ">>", ">|", "&>>", "&>", "<", ">"];
const REDIRECTIONS = new Set(["<<<", "<<-", "<<", "<>", "<&", ">&", ">>", ">|", "&>>", "&>", "<", ">"]);
const SEPARATORS = new Set([";;", "&&", "||", "|&", ";", "&", "|", "(", ")"]);
const LEADING_RESERVED = new Set(["!", "{", "}", "then", "else", "elif", "do", "done", "fi", "esac", "if", "while", "until", "time", "coproc"]);
const SKIPPED_COMPOUND = new Set(["for", "select", "case", "function", "in"]);
const MAX_DEPTH = 6;

interface Token {
  kind: "word" | "op" | "newline" | "heredoc";
  op?: string;
  word?: ShellWord;
  body?: ShellSource;
}

function isSpace(c: string | undefined): boolean {
  return c === " " || c === "\t";
}

/** Find the index just past the `)` matching the `(` at `open`, skipping quotes and nesting. */
function matchParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\\") i++;
    else if (c === "'") {
      const j = text.indexOf("'", i + 1);
      i = j < 0 ? text.length : j;
    } else if (c === '"') {
      i = matchDoubleQuote(text, i);
    } else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return i + 1;
  }
  return text.length;
}

function matchDoubleQuote(text: string, open: number): number {
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\\") i++;
    else if (c === '"') return i;
    else if (c === "$" && text[i + 1] === "(") i = matchParen(text, i + 1) - 1;
  }
  return text.length;
}

function slice(src: ShellSource, start: number, end: number): ShellSource {
  return { text: src.text.slice(start, end), offsets: src.offsets.slice(start, end + 1) };
}

class Lexer {
  readonly tokens: Token[] = [];
  /** Scripts nested in substitutions, parsed separately. */
  readonly nested: ShellSource[] = [];
  private i = 0;
  /** Here-documents whose bodies start after the next newline. */
  private pending: Array<{ delimiter: string; stripTabs: boolean }> = [];
  private expectDelimiter: string | undefined;

  constructor(private readonly src: ShellSource) {}

  run(): void {
    const t = this.src.text;
    while (this.i < t.length) {
      const c = t[this.i]!;
      if (isSpace(c) || c === "\r") this.i++;
      else if (c === "\\" && t[this.i + 1] === "\n") this.i += 2;
      else if (c === "\n") {
        this.i++;
        this.tokens.push({ kind: "newline" });
        for (const h of this.pending) this.heredocBody(h.delimiter, h.stripTabs);
        this.pending = [];
      } else if (c === "#") {
        while (this.i < t.length && t[this.i] !== "\n") this.i++;
      } else {
        const op = OPERATORS.find((o) => t.startsWith(o, this.i));
        if (op) {
          this.i += op.length;
          this.tokens.push({ kind: "op", op });
          if (op === "<<" || op === "<<-") this.expectDelimiter = op;
        } else {
          const w = this.word();
          if (this.expectDelimiter) {
            this.pending.push({ delimiter: w.value, stripTabs: this.expectDelimiter === "<<-" });
            this.expectDelimiter = undefined;
          }
        }
      }
    }
  }

  /** A here-document's body: the lines up to its delimiter line. They are data, not commands. */
  private heredocBody(delimiter: string, stripTabs: boolean): void {
    const t = this.src.text;
    const from = this.i;
    let lineStart = from;
    while (lineStart < t.length) {
      let lineEnd = t.indexOf("\n", lineStart);
      if (lineEnd < 0) lineEnd = t.length;
      let line = t.slice(lineStart, lineEnd);
      if (stripTabs) line = line.replace(/^\t+/, "");
      if (line.trim() === delimiter) {
        this.tokens.push({ kind: "heredoc", body: slice(this.src, from, lineStart) });
        this.i = Math.min(lineEnd + 1, t.length);
        return;
      }
      lineStart = lineEnd + 1;
    }
    this.tokens.push({ kind: "heredoc", body: slice(this.src, from, t.length) });
    this.i = t.length;
  }

  private word(): ShellWord {
    const t = this.src.text;
    const start = this.i;
    let value = "";
    const offs: number[] = [];
    const add = (ch: string, at: number) => {
      value += ch;
      offs.push(this.src.offsets[at]!);
    };
    while (this.i < t.length) {
      const c = t[this.i]!;
      if (isSpace(c) || c === "\n" || c === "\r") break;
      if (OPERATORS.some((o) => t.startsWith(o, this.i))) break;
      if (c === "\\") {
        if (t[this.i + 1] === "\n") {
          this.i += 2;
          continue;
        }
        if (this.i + 1 < t.length) add(t[this.i + 1]!, this.i + 1);
        this.i += 2;
      } else if (c === "'") {
        const j = t.indexOf("'", this.i + 1);
        const end = j < 0 ? t.length : j;
        for (let k = this.i + 1; k < end; k++) add(t[k]!, k);
        this.i = end + 1;
      } else if (c === '"') {
        const end = matchDoubleQuote(t, this.i);
        for (let k = this.i + 1; k < end; k++) {
          const d = t[k]!;
          if (d === "\\" && k + 1 < end && '$`"\\\n'.includes(t[k + 1]!)) {
            k++;
            if (t[k] !== "\n") add(t[k]!, k);
          } else if (d === "$" && t[k + 1] === "(") {
            const close = matchParen(t, k + 1);
            this.substitution(k + 2, close - 1);
            for (let m = k; m < close; m++) add(t[m]!, m);
            k = close - 1;
          } else if (d === "`") {
            const close = t.indexOf("`", k + 1);
            const e = close < 0 || close > end ? end : close;
            this.substitution(k + 1, e);
            for (let m = k; m <= e && m < end; m++) add(t[m]!, m);
            k = e;
          } else add(d, k);
        }
        this.i = end + 1;
      } else if (c === "$" && t[this.i + 1] === "(") {
        const close = matchParen(t, this.i + 1);
        if (t[this.i + 2] !== "(") this.substitution(this.i + 2, close - 1);
        for (let m = this.i; m < close; m++) add(t[m]!, m);
        this.i = close;
      } else if (c === "$" && t[this.i + 1] === "{") {
        const close = t.indexOf("}", this.i + 2);
        const e = close < 0 ? t.length : close + 1;
        for (let m = this.i; m < e; m++) add(t[m]!, m);
        this.i = e;
      } else if (c === "`") {
        const close = t.indexOf("`", this.i + 1);
        const e = close < 0 ? t.length : close;
        this.substitution(this.i + 1, e);
        for (let m = this.i; m <= e && m < t.length; m++) add(t[m]!, m);
        this.i = e + 1;
      } else {
        add(c, this.i);
        this.i++;
      }
    }
    this.i = Math.min(this.i, t.length);
    const rawEnd = this.i;
    const first = this.src.offsets[start]!;
    const last = this.src.offsets[rawEnd - 1]!;
    let contiguous = true;
    for (let k = start + 1; k < rawEnd; k++) if (this.src.offsets[k] !== this.src.offsets[k - 1]! + 1) contiguous = false;
    const word: ShellWord = { value, start: first, end: last + 1, contiguous, source: { text: value, offsets: [...offs, (offs.at(-1) ?? first) + 1] } };
    this.tokens.push({ kind: "word", word });
    return word;
  }

  private substitution(from: number, to: number): void {
    if (to > from) this.nested.push(slice(this.src, from, to));
  }
}

/** The simple commands of a script (including those inside substitutions), as written. */
export function parseShell(src: ShellSource, depth = 0): ShellCommand[] {
  const out: ShellCommand[] = [];
  if (depth > MAX_DEPTH) return out;
  const lexer = new Lexer(src);
  lexer.run();
  const tokens = lexer.tokens;
  let words: ShellWord[] = [];
  let current: ShellCommand = { words };
  // Commands waiting for their here-document bodies, in the order of their `<<`.
  const awaiting: ShellCommand[] = [];
  const finish = () => {
    if (words.length) out.push(current);
    words = [];
    current = { words };
  };
  for (let k = 0; k < tokens.length; k++) {
    const tok = tokens[k]!;
    if (tok.kind === "newline") {
      finish();
      continue;
    }
    if (tok.kind === "heredoc") {
      const cmd = awaiting.shift();
      if (cmd) cmd.heredoc = tok.body;
      continue;
    }
    if (tok.kind === "op") {
      const op = tok.op!;
      if (SEPARATORS.has(op)) {
        finish();
        continue;
      }
      if (REDIRECTIONS.has(op)) {
        // An fd number written right before the operator (`2>`) is part of it.
        const prev = words.at(-1);
        if (prev && /^\d+$/.test(prev.value) && tokens[k - 1]?.kind === "word") words.pop();
        if (tokens[k + 1]?.kind === "word") {
          k++;
          if (op === "<<" || op === "<<-") awaiting.push(current);
        }
        continue;
      }
    }
    if (tok.kind === "word") {
      const w = tok.word!;
      // Assignments before the command name are not the command.
      if (words.length === 0 && /^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=/.test(w.value)) continue;
      words.push(w);
    }
  }
  finish();
  for (const n of lexer.nested) out.push(...parseShell(n, depth + 1));
  // Drop the reserved words that open or close compound commands; skip `for x in ...`-like heads.
  const result: ShellCommand[] = [];
  for (const c of out) {
    let i = 0;
    while (i < c.words.length && LEADING_RESERVED.has(c.words[i]!.value)) i++;
    const rest = c.words.slice(i);
    if (rest.length === 0 || SKIPPED_COMPOUND.has(rest[0]!.value)) continue;
    result.push({ words: rest, ...(c.heredoc ? { heredoc: c.heredoc } : {}) });
  }
  return result;
}

/** A command's name without its directory (`/run/current-system/sw/bin/nix-env` -> `nix-env`). */
export function commandName(word: ShellWord | undefined): string {
  if (!word) return "";
  const v = word.value;
  return v.slice(v.lastIndexOf("/") + 1);
}

/** A source that is the given words joined by spaces (what a remote shell receives from ssh). */
function joinWords(words: ShellWord[]): ShellSource {
  let text = "";
  const offsets: number[] = [];
  words.forEach((w, i) => {
    if (i > 0) {
      text += " ";
      offsets.push(w.source.offsets[0]!);
    }
    text += w.source.text;
    offsets.push(...w.source.offsets.slice(0, w.source.text.length));
  });
  offsets.push((offsets.at(-1) ?? 0) + 1);
  return { text, offsets };
}

const SHELLS = new Set(["sh", "bash", "dash", "zsh", "ksh", "ash", "mksh"]);
// Options that take a separate argument.
const SUDO_ARG = new Set(["-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-T", "-U", "-R", "--user", "--group", "--chdir", "--host", "--prompt", "--role", "--type", "--command-timeout", "--other-user", "--close-from", "--chroot"]);
const SSH_ARG = "bcDEeFIiJLlmOopQRSWwB";
const TIMEOUT_ARG = new Set(["-s", "-k", "--signal", "--kill-after"]);

function skipOptions(words: ShellWord[], i: number, takesArg: (opt: string) => boolean): number {
  while (i < words.length) {
    const v = words[i]!.value;
    if (v === "--") return i + 1;
    if (!v.startsWith("-") || v === "-") return i;
    i += takesArg(v) && !v.includes("=") ? 2 : 1;
  }
  return i;
}

/**
 * The commands a script really runs: its simple commands with wrappers looked through, and the
 * scripts given to ssh, shells, su and nix-shell parsed in turn. Each result is an argv whose first
 * word is the command.
 */
export function effectiveCommands(src: ShellSource, depth = 0): ShellWord[][] {
  const out: ShellWord[][] = [];
  if (depth > MAX_DEPTH) return out;
  for (const cmd of parseShell(src, depth)) out.push(...unwrap(cmd.words, cmd.heredoc, depth));
  return out;
}

function unwrap(argv: ShellWord[], heredoc: ShellSource | undefined, depth: number): ShellWord[][] {
  let words = argv;
  for (let guard = 0; guard < 16 && words.length > 0; guard++) {
    const name = commandName(words[0]);
    const rest = words.slice(1);
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]!.value)) {
      words = rest;
      continue;
    }
    if (name === "sudo" || name === "doas" || name === "run0" || name === "pkexec") {
      words = rest.slice(skipOptions(rest, 0, (o) => SUDO_ARG.has(o.split("=")[0]!) || (name === "doas" && (o === "-u" || o === "-C"))));
      continue;
    }
    if (name === "env") {
      let i = skipOptions(rest, 0, (o) => o === "-u" || o === "--unset" || o === "-C" || o === "--chdir" || o === "-S");
      while (i < rest.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(rest[i]!.value)) i++;
      words = rest.slice(i);
      continue;
    }
    if (name === "exec" || name === "command" || name === "builtin" || name === "nohup" || name === "time" || name === "chronic") {
      words = rest.slice(skipOptions(rest, 0, () => false));
      continue;
    }
    if (name === "nice" || name === "ionice" || name === "stdbuf") {
      words = rest.slice(skipOptions(rest, 0, (o) => /^-[ncpo]$/.test(o)));
      continue;
    }
    if (name === "timeout") {
      const i = skipOptions(rest, 0, (o) => TIMEOUT_ARG.has(o));
      words = rest.slice(i + 1); // the duration
      continue;
    }
    if (name === "ssh") {
      const i = skipOptions(rest, 0, (o) => o.length === 2 && SSH_ARG.includes(o[1]!));
      const remote = rest.slice(i + 1); // after the destination
      if (remote.length) return effectiveCommands(joinWords(remote), depth + 1);
      return heredoc ? effectiveCommands(heredoc, depth + 1) : [];
    }
    if (SHELLS.has(name)) {
      const c = rest.findIndex((w) => /^-[a-zA-Z]*c[a-zA-Z]*$/.test(w.value));
      if (c >= 0) {
        const script = rest.slice(c + 1).find((w) => !w.value.startsWith("-"));
        return script ? effectiveCommands(script.source, depth + 1) : [];
      }
      // `bash <<EOF` / `sh -s <<EOF`: the here-document is the script; `bash file.sh`: not ours.
      const operand = rest.find((w) => !w.value.startsWith("-"));
      return !operand && heredoc ? effectiveCommands(heredoc, depth + 1) : [words];
    }
    if (name === "su") {
      const c = rest.findIndex((w) => w.value === "-c" || w.value === "--command" || w.value.startsWith("--command="));
      if (c < 0) return [words];
      const w = rest[c]!;
      if (w.value.startsWith("--command=")) {
        const src = w.source;
        const skip = "--command=".length;
        return effectiveCommands({ text: src.text.slice(skip), offsets: src.offsets.slice(skip) }, depth + 1);
      }
      const script = rest[c + 1];
      return script ? effectiveCommands(script.source, depth + 1) : [];
    }
    if (name === "nix-shell") {
      const r = rest.findIndex((w) => w.value === "--run" || w.value === "--command");
      const script = r >= 0 ? rest[r + 1] : undefined;
      return script ? [words, ...effectiveCommands(script.source, depth + 1)] : [words];
    }
    if (name === "nix" && (rest[0]?.value === "develop" || rest[0]?.value === "shell")) {
      const c = rest.findIndex((w) => w.value === "-c" || w.value === "--command");
      return c >= 0 ? [words, ...unwrap(rest.slice(c + 1), undefined, depth + 1)] : [words];
    }
    return [words];
  }
  return words.length ? [words] : [];
}
