// Quoting for POSIX shells: every argument becomes one word, exactly as given, whatever it holds
// (spaces, quotes, $, backticks, globs, newlines, a leading dash is left to the command's `--`).

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function shellQuote(arg: string): string {
  if (arg !== "" && SAFE.test(arg)) return arg;
  // Single quotes keep everything literal; a single quote itself is closed, escaped, reopened.
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function shellCommand(args: readonly string[]): string {
  return args.map(shellQuote).join(" ");
}

/** A string safe to put after '#' in a script: one line, no control characters. */
export function shellComment(text: string): string {
  // Control characters (code points below 32, and DEL) become "?".
  return [...text.replace(/[\r\n]+/g, " ")].map((c) => (c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127 ? "?" : c)).join("");
}
