// mkforce-habit: a file that forces many definitions with `mkForce` (priority 50). mkForce is
// the tool for winning against a definition one cannot change (a NixOS module's own, a profile
// imported from elsewhere); used as a habit it hides which definitions conflict, defeats every
// later override (the next module needs mkForce too, or `mkOverride 49`), and turns a
// configuration into a contest of priorities. One grouped finding per file with at least
// THRESHOLD uses outside VM tests, listing their lines; fewer uses are left alone (a handful of
// deliberate overrides is normal), and forced values that sit together in one nested attribute set
// count as one decision: at least MIN_DECISIONS are needed. A forced value with a comment beside or
// above it is explained (what the fix asks for) and does not count; so does one whose option a
// module the file imports from outside the repository may set (a nixpkgs profile such as
// `(modulesPath + "/virtualisation/openstack-config.nix")`, nixos-hardware, srvos, disko, a flake
// input's module: shared/external-modules.ts): forcing over a module one does not control is what
// mkForce is for.
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { moduleDefinitionSet } from "../../nix/edit.js";
import { hasComment } from "../style/expression.js";
import { hostExample } from "../shared/examples.js";
import type { Rule } from "../types.js";
import { applications, contains, dottedName } from "../shared/syntax.js";
import { externalImports } from "../shared/external-modules.js";
import { nixosManual } from "../shared/references.js";

const THRESHOLD = 5;
const MIN_DECISIONS = 3;

export const mkforceHabit: Rule = {
  id: "mkforce-habit",
  name: "`mkForce` as a habit (many forced definitions in one file)",
  category: "anti-pattern",
  severity: "info",
  rationale:
    "Maintenance, not security: `mkForce` makes a definition win over every normal one. Needed once in a while against a definition one cannot change, it is a smell when a file forces many values: the conflicts it papers over are not visible, the next module that needs a different value must force harder (`mkOverride 49`), and defaults meant to be overridable were written at normal priority instead of with `mkDefault`. A file that forces most of what it sets is fighting the module system instead of using it.",
  fix: "Find the definitions the forced values conflict with: make those `mkDefault` (in your own modules), or drop the conflicting import; keep `mkForce` only where a module you do not control sets the value, with a comment saying which.",
  references: [
    nixosManual("Option Definitions, setting priorities (mkForce, mkDefault)", "sec-option-definitions-setting-priorities"),
  ],
  compliance: {
    cis: ["n/a: concerns how the configuration is assembled, not a setting of the running system, which is what the CIS Linux benchmark audits"],
    nist: ["PR.PS-01"],
  },
  examples: {
    fire: [
      hostExample(
        "{ lib, ... }:\n{\n  networking.hostName = lib.mkForce \"vm\";\n  networking.useDHCP = lib.mkForce true;\n  services.openssh.enable = lib.mkForce true;\n  boot.loader.grub.enable = lib.mkForce false;\n  boot.loader.systemd-boot.enable = lib.mkForce true;\n  time.timeZone = lib.mkForce \"UTC\";\n}\n",
      ),
      "{ lib, ... }:\nwith lib;\n{\n  programs.git.enable = mkForce true;\n  programs.vim.enable = mkForce true;\n  programs.zsh.enable = mkForce true;\n  programs.tmux.enable = mkForce true;\n  programs.htop.enable = mkForce true;\n}\n",
      // disko's module sets file systems, not these: a habit all the same.
      "{ lib, inputs, ... }:\n{\n  imports = [ inputs.disko.nixosModules.disko ];\n  networking.useDHCP = lib.mkForce true;\n  services.openssh.enable = lib.mkForce true;\n  time.timeZone = lib.mkForce \"UTC\";\n  zramSwap.enable = lib.mkForce false;\n  documentation.enable = lib.mkForce false;\n}\n",
    ],
    silent: [
      // Forcing over what an imported nixpkgs profile sets: what mkForce is for.
      "{ lib, modulesPath, ... }:\n{\n  imports = [ (modulesPath + \"/virtualisation/openstack-config.nix\") ];\n  boot.consoleLogLevel = lib.mkForce 7;\n  boot.kernelParams = lib.mkForce [ \"console=ttyS0\" ];\n  boot.loader.grub.device = lib.mkForce \"/dev/xvda\";\n  boot.loader.systemd-boot.enable = lib.mkForce false;\n  services.cloud-init.enable = lib.mkForce false;\n  networking.useDHCP = lib.mkForce true;\n}\n",
      // A few deliberate overrides.
      "{ lib, ... }:\n{\n  # The installer profile turns on wireless; this image uses NetworkManager.\n  networking.wireless.enable = lib.mkForce false;\n  services.openssh.settings.PermitRootLogin = lib.mkForce \"no\";\n}\n",
      // One block forcing another module's values: one decision.
      "{ lib, ... }:\n{\n  # disko's labels differ from the legacy partition table of this machine.\n  fileSystems = {\n    \"/\".device = lib.mkForce \"/dev/disk/by-partlabel/root\";\n    \"/boot\".device = lib.mkForce \"/dev/disk/by-partlabel/ESP\";\n    \"/home\".device = lib.mkForce \"/dev/disk/by-partlabel/root\";\n    \"/nix\".device = lib.mkForce \"/dev/disk/by-partlabel/root\";\n    \"/var\".device = lib.mkForce \"/dev/disk/by-partlabel/root\";\n  };\n}\n",
      // Each override says why.
      "{ lib, ... }:\n{\n  # The installer profile enables wireless; NetworkManager here.\n  networking.wireless.enable = lib.mkForce false;\n  console.keyMap = lib.mkForce \"us\"; # no colemak on the phone\n  # Hangs on this hardware.\n  systemd.services.NetworkManager-wait-online.enable = lib.mkForce false;\n  # Pulls in 675 MB of voices.\n  services.speechd.enable = lib.mkForce false;\n  # The emoji font needs Python tools that do not cross-compile.\n  fonts.fontconfig.defaultFonts.emoji = lib.mkForce [ ];\n}\n",
      // mkDefault is the opposite: overridable defaults.
      "{ lib, ... }:\n{\n  networking.useDHCP = lib.mkDefault true;\n  services.openssh.enable = lib.mkDefault true;\n  boot.loader.grub.enable = lib.mkDefault false;\n  time.timeZone = lib.mkDefault \"UTC\";\n  i18n.defaultLocale = lib.mkDefault \"en_US.UTF-8\";\n  console.keyMap = lib.mkDefault \"us\";\n}\n",
      // The word in strings and comments does not count.
      "{ ... }:\n{\n  # mkForce mkForce mkForce mkForce mkForce\n  environment.etc.notes.text = \"lib.mkForce lib.mkForce lib.mkForce lib.mkForce lib.mkForce\";\n}\n",
    ],
  },

  checkNix(ctx) {
    if (!ctx.text.includes("mkForce")) return;
    const uses = applications(ctx.parsed.root).filter((a) => {
      if (a.name !== "mkForce" || a.args.length !== 1 || ctx.inTest(a.node)) return false;
      const callee = dottedName(a.fn);
      return callee === "mkForce" || callee === "lib.mkForce";
    });
    if (uses.length < THRESHOLD) return;
    // A forced value with a comment beside it or just above it
    // says why: it is the deliberate override the fix recommends, not a habit.
    // A forced value whose option an imported profile or external module may set is forced over
    // that module: the tool doing its job.
    const externals = externalImports(ctx.index);
    const forcedDefs = externals.length ? ctx.index.definitions.filter((d) => d.priority === "mkForce" && d.value) : [];
    const againstExternal = (node: SyntaxNode) => forcedDefs.some((d) => contains(d.value!, node) && externals.some((e) => e.sets(d)));
    const unexplained = uses.filter((u) => !explained(ctx.parsed.root, ctx.text, u.node) && !againstExternal(u.node));
    if (unexplained.length < THRESHOLD) return;
    // Forced values that are siblings in one nested attribute set are one decision (a block that
    // overrides another module's filesystems or graphics stack, say); at a module's top level each
    // forced value is one. A habit is many decisions, not one big block.
    const top = moduleDefinitionSet(ctx.parsed.root);
    const nested = new Set<SyntaxNode | undefined>();
    let decisions = 0;
    for (const u of unexplained) {
      const set = enclosingSet(u.node);
      if (set === top) decisions++;
      else if (!nested.has(set)) {
        nested.add(set);
        decisions++;
      }
    }
    if (decisions < MIN_DECISIONS) return;
    const lines = unexplained.map((u) => u.node.line);
    const shown = lines.slice(0, 12).join(", ") + (lines.length > 12 ? `, and ${lines.length - 12} more` : "");
    ctx.report({
      node: unexplained[0]!.node,
      key: "mkForce habit",
      message: `${unexplained.length} definitions in this file are forced with mkForce without a comment saying why (lines ${shown}): forcing as a habit hides which definitions conflict, and every later override must force harder.`,
      fix: { safety: "manual", description: "Resolve each conflict at its source (mkDefault in your own modules, or drop the conflicting import); keep mkForce only against modules you do not control, with a comment." },
    });
  },
};

/** The attribute set a definition's value is in. */
function enclosingSet(node: SyntaxNode): SyntaxNode | undefined {
  for (let p = node.parent; p; p = p.parent) if (p.kind === K.NODE_ATTR_SET) return p;
  return undefined;
}

/** Is there a comment on the line of the binding that holds `node` or on the line before it? (A
 * comment above a whole block is usually a section title, not a reason for forcing.) */
function explained(root: SyntaxNode, text: string, node: SyntaxNode): boolean {
  let b: SyntaxNode | null = node.parent;
  while (b && b.kind !== K.NODE_ATTRPATH_VALUE) b = b.parent;
  if (!b) return false;
  let start = b.start;
  while (start > 0 && text[start - 1] !== "\n") start--;
  if (start > 0) {
    start--;
    while (start > 0 && text[start - 1] !== "\n") start--;
  }
  const lineEnd = text.indexOf("\n", node.end);
  return hasComment(root, start, lineEnd < 0 ? text.length : lineEnd);
}
