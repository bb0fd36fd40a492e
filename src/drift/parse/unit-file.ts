// systemd unit files and drop-ins (systemd.syntax(7)): [Section] headers, Key=Value assignments,
// '#'/';' comments, lines continued with a trailing backslash. Values are kept in order per key;
// an empty assignment ("ExecStart=") resets the list, as systemd does for list settings.

export interface UnitFile {
  /** section -> key -> values in order (after resets). */
  sections: Record<string, Record<string, string[]>>;
}

export function parseUnitFile(text: string): UnitFile {
  return mergeUnitFiles([text]);
}

/** Merges drop-ins over a unit, in order: later files win, empty assignments reset lists. */
export function mergeUnitFiles(files: string[]): UnitFile {
  const merged: UnitFile["sections"] = {};
  for (const text of files) {
    const lines = text.split("\n");
    let current: Record<string, string[]> | undefined;
    for (let i = 0; i < lines.length; i++) {
      let line = (lines[i] as string).replace(/\r$/, "");
      while (line.endsWith("\\") && i + 1 < lines.length) line = line.slice(0, -1) + " " + (lines[++i] as string).replace(/\r$/, "");
      const t = line.trim();
      if (t === "" || t.startsWith("#") || t.startsWith(";")) continue;
      const sec = /^\[([^\]]+)\]$/.exec(t);
      if (sec) {
        current = merged[sec[1] as string] ??= {};
        continue;
      }
      const eq = t.indexOf("=");
      if (eq < 0 || !current) continue;
      const key = t.slice(0, eq).trim();
      const value = t.slice(eq + 1).trim();
      if (value === "") current[key] = [];
      else (current[key] ??= []).push(value);
    }
  }
  return { sections: merged };
}

/**
 * Splits an Exec line into words the way systemd does (quotes, backslash escapes), after dropping
 * the special prefixes (@, -, :, +, !). With '@' the second word is argv[0]; the path stays first.
 */
export function execWords(line: string): string[] {
  let s = line.trim();
  let at = false;
  while (/^[@\-:+!]/.test(s)) {
    if (s[0] === "@") at = true;
    s = s.slice(1);
  }
  const words: string[] = [];
  let cur = "";
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === "\\" && i + 1 < s.length) cur += unescape(s[++i] as string);
      else cur += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === " " || c === "\t") {
      if (inWord) words.push(cur);
      cur = "";
      inWord = false;
    } else if (c === "\\" && i + 1 < s.length) {
      cur += unescape(s[++i] as string);
      inWord = true;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  if (at && words.length >= 2) words.splice(1, 1);
  return words;
}

function unescape(c: string): string {
  return c === "n" ? "\n" : c === "t" ? "\t" : c;
}
