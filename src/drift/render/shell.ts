// Quoting for bash: every argument becomes one word, exactly as given, whatever it holds (spaces,
// quotes, $, backticks, globs; control characters such as a newline or ESC are written as \xHH in
// $'…' so the script holds none raw). A leading dash is left to the command's `--`.
import { escapeControls, shellWord } from "../../text/safe-text.js";

export function shellQuote(arg: string): string {
  return shellWord(arg);
}

export function shellCommand(args: readonly string[]): string {
  return args.map(shellQuote).join(" ");
}

/** A string safe to put after '#' in a script: one line (line breaks become spaces), other control
 * characters shown as escapes. */
export function shellComment(text: string): string {
  return escapeControls(text.replace(/[\r\n]+/g, " "));
}
