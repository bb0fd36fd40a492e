// nix.conf settings as a configuration can write them: `nix.settings.<name>`, a legacy NixOS option
// (`nix.trustedUsers`, `nix.useSandbox`), or a `name = value` line of `nix.extraOptions`. Each
// occurrence comes back with where to point: a node, or a range inside the extraOptions string.
import type { SyntaxNode } from "../../nix/syntax.js";
import { isDead } from "../shared/scope.js";
import { cookString, sourceRange, stringLines } from "../shared/string-lines.js";
import type { OptionDefinition } from "../../nix/options.js";
import { definitionPlatform, type Platform } from "../../nix/platform-branch.js";
import type { NixFileContext } from "../types.js";

/** `platform`: the site is inside a branch only that platform evaluates (`optionalAttrs isDarwin`):
 * a darwin branch of a shared module is nix-darwin's setting, not the NixOS hosts'. */
export type NixSettingSite =
  | { kind: "option"; def: OptionDefinition; optionPath: string; platform?: Platform }
  | { kind: "line"; def: OptionDefinition; optionPath: string; value: string; range: { line: number; column: number; endLine: number; endColumn: number }; node: SyntaxNode; platform?: Platform };

/** Every place a file sets a setting of the system's nix.conf. A home-manager module's
 * `nix.settings` write the user's ~/.config/nix/nix.conf instead, where the daemon ignores trusted
 * settings (sandbox, trusted-users, substituters, require-sigs) unless the user is trusted already:
 * none of them is a system setting. `prefix` reads the settings of another configuration the file
 * holds (`nix.linux-builder.config.`, the NixOS builder VM of a Mac). */
export function nixSettingSites(ctx: NixFileContext, name: string, legacy: string[], prefix = ""): NixSettingSite[] {
  const out: NixSettingSite[] = [];
  if (ctx.moduleClass === "home-manager") return out;
  for (const path of [`nix.settings.${name}`, `nix.settings."${name}"`, ...legacy].map((p) => prefix + p)) {
    for (const def of ctx.index.byPath.get(path) ?? []) if (!isDead(def)) out.push({ kind: "option", def, optionPath: def.path, ...platformOf(def) });
  }
  for (const def of ctx.index.byPath.get(`${prefix}nix.extraOptions`) ?? []) {
    if (isDead(def)) continue;
    const s = cookString(def.inner);
    if (!s) continue;
    for (const line of stringLines(s)) {
      const m = /^(\s*)([\w-]+)\s*=\s*(.*?)\s*(?:#.*)?$/.exec(line.text);
      if (!m || m[2] !== name) continue;
      const start = line.start + m[1]!.length;
      out.push({ kind: "line", def, optionPath: `${prefix}nix.extraOptions`, value: m[3]!, range: sourceRange(s, start, line.start + line.text.trimEnd().length), node: s.node, ...platformOf(def) });
    }
  }
  return out;
}

function platformOf(def: OptionDefinition): { platform?: Platform } {
  const p = definitionPlatform(def.conditions);
  return p ? { platform: p } : {};
}

/** A nix-darwin configuration. Decided by the scan (`moduleClass`: every host that includes the file
 * is a Mac, or no host does and it is a darwin module by its options or its path); a file NixOS hosts
 * include is theirs whatever its path says (`machines/`, `mac-mini/` of a Linux host). A file no
 * host includes and the scan did not place: by its name (`darwin.nix`, `macos/`) or darwin-only
 * options. */
export function isDarwin(ctx: NixFileContext): boolean {
  if (ctx.moduleClass === "darwin") return true;
  if (ctx.moduleClass || ctx.hosts.length) return false;
  if (/(^|\/)(darwin|macos|mac)([-_.][^/]*)?(\/|\.nix$)/i.test(ctx.file)) return true;
  return ctx.index.definitions.some((d) => d.segments[0]?.name === "homebrew" || (d.segments[0]?.name === "system" && d.segments[1]?.name === "defaults"));
}
