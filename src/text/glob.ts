// Glob patterns for paths and option paths in `.nix-warden.yaml`: `**` matches across `/` (or `.`
// for option paths), `*` within one segment, `?` one character.
export function globToRegExp(pattern: string, separator: "/" | "." = "/"): RegExp {
  const sep = separator === "/" ? "/" : "\\.";
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*") {
      if (pattern[i + 1] === "*") {
        // `**/` also matches nothing at all
        const slash = pattern[i + 2] === separator;
        re += slash ? `(?:.*${sep})?` : ".*";
        i += slash ? 2 : 1;
      } else re += `[^${separator === "/" ? "/" : "."}]*`;
    } else if (c === "?") re += `[^${separator === "/" ? "/" : "."}]`;
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

export function globMatch(pattern: string, value: string, separator: "/" | "." = "/"): boolean {
  return globToRegExp(pattern, separator).test(value);
}
