// nix.conf settings as a configuration can write them: `nix.settings.<name>`, a legacy NixOS option
// (`nix.trustedUsers`, `nix.useSandbox`), or a `name = value` line of `nix.extraOptions`. Each
// occurrence comes back with where to point: a node, or a range inside the extraOptions string.
import type { SyntaxNode } from "../../nix/syntax.js";
import { isDead } from "../shared/scope.js";
import { cookString, sourceRange, stringLines } from "../shared/string-lines.js";
import type { OptionDefinition } from "../../nix/options.js";
import type { NixFileContext } from "../types.js";

export type NixSettingSite =
  | { kind: "option"; def: OptionDefinition; optionPath: string }
  | { kind: "line"; def: OptionDefinition; optionPath: string; value: string; range: { line: number; column: number; endLine: number; endColumn: number }; node: SyntaxNode };

/** Every place a file sets a nix.conf setting. */
export function nixSettingSites(ctx: NixFileContext, name: string, legacy: string[]): NixSettingSite[] {
  const out: NixSettingSite[] = [];
  for (const path of [`nix.settings.${name}`, `nix.settings."${name}"`, ...legacy]) {
    for (const def of ctx.index.byPath.get(path) ?? []) if (!isDead(def)) out.push({ kind: "option", def, optionPath: def.path });
  }
  for (const def of ctx.index.byPath.get("nix.extraOptions") ?? []) {
    if (isDead(def)) continue;
    const s = cookString(def.inner);
    if (!s) continue;
    for (const line of stringLines(s)) {
      const m = /^(\s*)([\w-]+)\s*=\s*(.*?)\s*(?:#.*)?$/.exec(line.text);
      if (!m || m[2] !== name) continue;
      const start = line.start + m[1]!.length;
      out.push({ kind: "line", def, optionPath: "nix.extraOptions", value: m[3]!, range: sourceRange(s, start, line.start + line.text.trimEnd().length), node: s.node });
    }
  }
  return out;
}

/** A nix-darwin configuration (by its path, or darwin-only options in the file). */
export function isDarwin(ctx: NixFileContext): boolean {
  if (/(^|\/)(darwin|macos|mac)[^/]*\//i.test(ctx.file) || /(^|\/)(darwin|macos)[^/]*\.nix$/i.test(ctx.file)) return true;
  return ctx.index.definitions.some((d) => d.segments[0]?.name === "homebrew" || (d.segments[0]?.name === "system" && d.segments[1]?.name === "defaults"));
}
