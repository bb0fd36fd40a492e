// mkif-constant: `option = mkIf cond true` (or `false`) where the condition itself says it. The
// two forms differ when cond is false: the mkIf leaves the option undefined, the bare condition
// defines the constant's opposite. So it is reported only where that changes nothing: the option's
// default is known to be that opposite (KNOWN_DEFAULT below) and no other definition of it is in
// the scope (the host's files, or the one file for code no host includes). Elsewhere `mkIf cond
// true` is the right idiom and nothing is said, so the rewrite is never offered where it breaks.
import type { OptionDefinition } from "../../nix/options.js";
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { replaceNode } from "../../nix/edit.js";
import { scoped, segmentsMatch, type Scope } from "../shared/scope.js";
import type { NixFileContext, Rule } from "../types.js";
import { applications, shortText, unparen } from "../shared/syntax.js";
import { hostExample } from "../shared/examples.js";
import { nixosManual } from "../shared/references.js";
import { fileAnswers } from "../shared/track.js";

/** The definition whose value the application is (or is a leaf part of). */
function definitionOf(ctx: NixFileContext, app: SyntaxNode): OptionDefinition | undefined {
  for (const d of ctx.index.definitions) {
    if (d.inner === app || d.value === app || (d.value && app.start >= d.value.start && app.end <= d.value.end && d.isLeaf)) return d;
  }
  return undefined;
}

// Without nixpkgs' option declarations, defaults are known from a table. The assumption: an option
// named `enable` is an mkEnableOption and defaults to false, except the ones below, which default to
// true, are computed, or are set by other NixOS modules (a desktop turns on graphics, polkit, dbus
// at mkDefault priority: the bare condition's `false` would override that). Other options are not
// judged at all.
const DEFAULT_TRUE = [
  "networking.firewall.enable",
  "boot.loader.grub.enable",
  "documentation.enable",
  "documentation.man.enable",
  "documentation.info.enable",
  "documentation.doc.enable",
  "documentation.nixos.enable",
  "nix.enable",
  "security.sudo.enable",
  "networking.dhcpcd.enable",
  "services.nscd.enable",
  "fonts.fontconfig.enable",
  "programs.command-not-found.enable",
  "systemd.oomd.enable",
  // Entries of attribute sets of submodules whose `enable` defaults to true.
  "systemd.*.*.enable",
  "systemd.user.*.*.enable",
  "boot.initrd.systemd.*.*.enable",
  "environment.etc.*.enable",
  "fileSystems.*.enable",
  "users.users.*.enable",
  "home.file.*.enable",
  "xdg.configFile.*.enable",
  "xdg.dataFile.*.enable",
];
const DEFAULT_COMPUTED_OR_SHARED = [
  "hardware.graphics.enable",
  "hardware.opengl.enable",
  "security.polkit.enable",
  "services.dbus.enable",
  "services.udisks2.enable",
  "services.upower.enable",
  "services.gvfs.enable",
  "services.avahi.enable",
  "services.pipewire.enable",
  "services.pulseaudio.enable",
  "hardware.pulseaudio.enable",
  "security.rtkit.enable",
  "networking.networkmanager.enable",
  "programs.dconf.enable",
  "xdg.portal.enable",
  "services.power-profiles-daemon.enable",
  "services.timesyncd.enable",
  "services.logrotate.enable",
  "networking.resolvconf.enable",
  "services.xserver.enable",
  "services.geoclue2.enable",
  "services.accounts-daemon.enable",
  "xdg.mime.enable",
  "xdg.icons.enable",
  "xdg.menus.enable",
  "xdg.autostart.enable",
  "xdg.sounds.enable",
];

/** The option's default when the table knows it: false, true, or undefined (unknown or computed). */
export function knownDefault(def: OptionDefinition): boolean | undefined {
  if (def.segments.some((s) => s.dynamic)) return undefined;
  if (DEFAULT_COMPUTED_OR_SHARED.some((p) => segmentsMatch(def, p))) return undefined;
  if (DEFAULT_TRUE.some((p) => segmentsMatch(def, p))) return true;
  return def.segments.at(-1)?.name === "enable" ? false : undefined;
}

/** `!c` for the condition node `c` (an atom or a parenthesised expression). */
function negated(cond: SyntaxNode): string {
  const inner = unparen(cond);
  // `!(!x)` reads badly: `mkIf (!x) false` is `x`.
  if (inner?.kind === K.NODE_UNARY_OP && inner.childTokens()[0]?.kind === K.TOKEN_BANG) {
    const operand = inner.childNodes()[0]!;
    return operand.kind === K.NODE_IDENT || operand.kind === K.NODE_SELECT || operand.kind === K.NODE_PAREN ? operand.text : `(${operand.text})`;
  }
  return `!${cond.text}`;
}

/** A module written for NixOS and nix-darwin alike: it tests the platform (`pkgs.stdenv.isLinux`,
 * `isDarwin`, `hostPlatform.isLinux`). nix-darwin's defaults differ from NixOS' (its
 * programs.zsh.enable defaults to true) and its hosts are not among the scan's NixOS hosts, so
 * "defaults to false and nothing else defines it" cannot be known for it. */
const PLATFORM_TEST = /\b(?:isLinux|isDarwin|(?:host|build|target)Platform\.is[A-Z]\w*)\b/;

/** `mkIf c true`, `mkIf c false` applications of a file. */
function constantMkIfs(ctx: NixFileContext): ReturnType<typeof applications> {
  return applications(ctx.parsed.root).filter((app) => {
    if (app.name !== "mkIf" || app.args.length !== 2) return false;
    const value = unparen(app.args[1]);
    return value?.kind === K.NODE_IDENT && (value.text === "true" || value.text === "false");
  });
}

function check(scope: Scope): void {
  // Only where every module of the host is known: a file no host includes (or a host whose modules
  // are partly unknown) may be imported next to a module that defines the option, and then the
  // rewrite's `false` conflicts with it or overrides its `true`.
  if (!scope.defaultsApply) return;
  for (const ctx of scope.files) {
    // A file without a constant mkIf (or testing the platform) has no part in the result.
    if (!fileAnswers(ctx, "constantMkIfs", (c) => !PLATFORM_TEST.test(c.text) && constantMkIfs(c).length > 0)) continue;
    for (const app of constantMkIfs(ctx)) {
      const value = unparen(app.args[1])!;
      const def = definitionOf(ctx, app.node);
      if (!def) continue;
      // Judged once, by the scope that sees the definition (the host's, or the file's).
      const others = scope.definitions(def.path);
      if (!others.some((o) => o.def === def)) continue;
      const cond = app.args[0]!;
      const constant = value.text === "true";
      // Safe only when the option is otherwise the opposite constant: its default, and nothing else defines it.
      if (knownDefault(def) !== !constant || others.length > 1) continue;
      let replacement = constant ? cond.text : negated(cond);
      // An operator result in a position other than a binding's value or parentheses needs parens.
      const parent = app.node.parent;
      const standalone = parent && (parent.kind === K.NODE_ATTRPATH_VALUE || parent.kind === K.NODE_PAREN);
      if (!standalone && !constant) replacement = `(${replacement})`;
      const optionPath = def.path;
      const where = `host ${scope.host}`;
      // The rewrite edits a file other hosts import too, and each host is judged alone: it is safe
      // only if it is safe for every host the file is part of, so the finding stands only where
      // each of them reports it (RuleReport.everyHost). librephoenix-nixos-config modules/user/editor:
      // two of the six hosts set userSettings.emacs.enable = true, where the rewrite's false
      // conflicts (judged wrong: reported for the other four, with a rewrite that breaks two).
      const shared = ctx.hosts.length > 1 && scope.kind === "host";
      scope.report(ctx, {
        node: app.node,
        optionPath,
        ...(shared ? { everyHost: [...ctx.hosts] } : {}),
        message:
          `${optionPath} = ${shortText(app.node)} is the condition ${constant ? "itself" : "negated"} written as a conditional definition: ` +
          `\`${replacement}\` says it directly. The forms differ only when ${shortText(cond, 60)} is ${constant ? "false" : "true"}, and then both give ` +
          `${constant ? "false" : "true"} here: ${optionPath} ${constant ? "defaults to false (an enable option)" : "defaults to true"} and nothing else in ${where} defines it.`,
        fix: {
          safety: "review",
          description: `Replace with \`${replacement}\`. Keep the mkIf instead if a module outside the repository (or added later) defines ${optionPath}: then leaving it undefined is what the mkIf is for.`,
          edits: [replaceNode(ctx.file, app.node, replacement)],
        },
      });
    }
  }
}

export const mkifConstant: Rule = {
  id: "mkif-constant",
  name: "`mkIf cond true` where the condition itself would do",
  category: "anti-pattern",
  severity: "info",
  rationale:
    "Maintenance, not security: `option = mkIf cond true` says the same as `option = cond` in a roundabout way and hides the intent. They are NOT equivalent in every case: when cond is false, the mkIf form defines nothing, so the option keeps its default (which may be true, or computed from other options) and other modules may set it freely, while `option = cond` defines false, which overrides a true default and conflicts with another module's `true` at the same priority. So the rewrite is right when the option defaults to false (true for `mkIf cond false`) and no other module sets it; otherwise say what is meant (`mkDefault cond`, or a comment). nix-warden reports it only there: an `enable` option (assumed to default to false, except a table of ones that default to true or are set by other NixOS modules) that no other file of a NixOS host defines, the host's modules all known. A module no host includes is not judged (whoever imports it may define the option), nor a module that tests the platform (`stdenv.isLinux`, `isDarwin`): it is shared with nix-darwin, whose defaults differ (programs.zsh.enable defaults to true there). Elsewhere `mkIf cond true` is the right idiom and nothing is said.",
  fix: "Write the condition itself (`option = cond;`, or `option = !cond;` for `mkIf cond false`) after checking that the option's default is the opposite constant and that no other module defines it; keep the mkIf, with a comment, when leaving the option undefined is intended.",
  references: [
    nixosManual("Option Definitions, conditional definitions (mkIf)", "sec-option-definitions-delaying-conditionals"),
    nixosManual("Writing NixOS Modules", "sec-writing-modules"),
  ],
  compliance: {
    cis: ["n/a: concerns how the Nix source says something, not a setting of the running system, which is what the CIS Linux benchmark audits"],
    nist: ["PR.PS-01"],
  },
  examples: {
    fire: [
      hostExample(`{ config, lib, ... }:
{
  services.fail2ban.enable = lib.mkIf config.services.openssh.enable true;
}
`),
    ],
    silent: [
      hostExample(`{ config, lib, ... }:
{
  services.fail2ban.enable = config.services.openssh.enable;
}
`),
      // A module shared with nix-darwin (it tests the platform): programs.zsh.enable defaults to true
      // there, and \`= pkgs.stdenv.isLinux\` would define false against that (srid's primary-as-admin.nix).
      hostExample(`{ lib, pkgs, ... }:
{
  programs.zsh.enable = lib.mkIf pkgs.stdenv.isLinux true;
  security = lib.optionalAttrs pkgs.stdenv.isLinux { sudo.execWheelOnly = true; };
}
`),
      // A module no host includes: whoever imports it may define the option elsewhere.
      {
        "modules/fail2ban.nix": `{ config, lib, ... }:
{
  services.fail2ban.enable = lib.mkIf config.services.openssh.enable true;
}
`,
      },
      // Another module of the host defines it: the mkIf is what lets both stand.
      {
        ...hostExample(`{ config, lib, ... }:
{
  imports = [ ./ids.nix ];
  services.fail2ban.enable = lib.mkIf config.services.openssh.enable true;
}
`),
        "ids.nix": `{ lib, ... }: { services.fail2ban.enable = lib.mkDefault true; }\n`,
      },
      // A module two hosts share, and one of them defines the option: the rewrite would conflict
      // there, so it is not offered to the other either.
      {
        "flake.nix": `{\n  outputs = { nixpkgs, ... }: {\n    nixosConfigurations.alpha = nixpkgs.lib.nixosSystem { modules = [ ./fail2ban.nix ]; };\n    nixosConfigurations.beta = nixpkgs.lib.nixosSystem { modules = [ ./fail2ban.nix ./beta.nix ]; };\n  };\n}\n`,
        "fail2ban.nix": `{ config, lib, ... }:\n{\n  services.fail2ban.enable = lib.mkIf config.services.openssh.enable true;\n}\n`,
        "beta.nix": `{ ... }: { services.fail2ban.enable = true; }\n`,
      },
    ],
  },
  ...scoped(check),
};
