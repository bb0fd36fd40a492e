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

// Compiled patterns by separator and pattern: a scan asks the same few globs (suppressions, rule
// paths) of every file, and compiling each time was 1.3% of a cold scan of olafkfreund/nixos_config.
const compiled = new Map<string, RegExp>();

export function globMatch(pattern: string, value: string, separator: "/" | "." = "/"): boolean {
  const key = `${separator}${pattern}`;
  let re = compiled.get(key);
  if (!re) {
    // A bound for a long-running server fed many configurations.
    if (compiled.size >= 10_000) compiled.clear();
    compiled.set(key, (re = globToRegExp(pattern, separator)));
  }
  return re.test(value);
}
