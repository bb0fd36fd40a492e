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
// mkForce is for. So does a forced attribute of a systemd unit, user, group or /etc file the file
// does not create itself (no `script`/`ExecStart`, `isSystemUser`/`isNormalUser`, `text`/`source`
// of its own for it): the unit or user of a NixOS service module, whose values only mkForce beats.
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { moduleDefinitionSet } from "../../nix/edit.js";
import { hasComment } from "../style/expression.js";
import { hostExample } from "../shared/examples.js";
import type { Rule } from "../types.js";
import { attrpathSegments } from "../../nix/options.js";
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
      // The file writes these units itself (their ExecStart): forcing its own values is the habit.
      "{ lib, pkgs, ... }:\n{\n  systemd.services.sync = {\n    serviceConfig.ExecStart = \"${pkgs.rsync}/bin/rsync -a /src /dst\";\n    serviceConfig.DynamicUser = lib.mkForce false;\n  };\n  systemd.services.report = {\n    script = \"echo report\";\n    serviceConfig.User = lib.mkForce \"report\";\n  };\n  networking.useDHCP = lib.mkForce true;\n  time.timeZone = lib.mkForce \"UTC\";\n  services.openssh.enable = lib.mkForce true;\n}\n",
    ],
    silent: [
      // Forcing attributes of units, users and /etc files a NixOS service module creates (the file
      // does not write their ExecStart, isSystemUser or text): only mkForce beats the module's
      // normal-priority values.
      "{ config, lib, ... }:\n{\n  services.sanoid.enable = true;\n  services.home-assistant.enable = true;\n  systemd.services.sanoid.serviceConfig = {\n    DynamicUser = lib.mkForce false;\n    RootDirectory = lib.mkForce \"\";\n  };\n  systemd.services.home-assistant.serviceConfig.WorkingDirectory = lib.mkForce \"/srv/hass\";\n  users.users.hass = {\n    uid = lib.mkForce 990;\n    home = lib.mkForce \"/var/empty\";\n    isSystemUser = lib.mkForce true;\n  };\n  users.groups.hass.gid = lib.mkForce 990;\n  environment.etc.\"nut/ups.conf\".mode = lib.mkForce \"0640\";\n}\n",
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
    // A forced attribute of a unit, user, group or /etc file this file does not create (its
    // `script`/`ExecStart`, `isSystemUser`, `text` come from elsewhere): a NixOS service module's
    // own object (nixpkgs' beszel-hub DynamicUser, the sanoid/syncoid sandbox, the hass user,
    // the nut configuration files' mode), whose normal-priority values only mkForce beats. Read
    // from the attribute paths as written, so modules nested in a function (a clan service's
    // `nixosModule`) count too.
    const created = createdObjects(ctx.parsed.root);
    const againstModule = (node: SyntaxNode) => {
      const o = objectOf(writtenPath(node));
      return !!o && !created.has(o.key);
    };
    const unexplained = uses.filter((u) => !explained(ctx.parsed.root, ctx.text, u.node) && !againstExternal(u.node) && !againstModule(u.node));
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

/** Objects NixOS service modules create and a repository's module adjusts: the option path prefix
 * naming one (`systemd.services.<n>`), and the attributes that create it (what a module writing its
 * own unit, user or file defines). */
const OBJECTS: Array<{ prefix: string[]; creating: string[][] }> = [
  { prefix: ["systemd", "services"], creating: [["script"], ["serviceConfig", "ExecStart"], ["preStart"]] },
  { prefix: ["systemd", "user", "services"], creating: [["script"], ["serviceConfig", "ExecStart"], ["Service", "ExecStart"]] },
  { prefix: ["systemd", "timers"], creating: [["timerConfig"], ["wantedBy"]] },
  { prefix: ["systemd", "sockets"], creating: [["listenStreams"], ["socketConfig"]] },
  { prefix: ["users", "users"], creating: [["isSystemUser"], ["isNormalUser"]] },
  { prefix: ["users", "groups"], creating: [] },
  { prefix: ["environment", "etc"], creating: [["text"], ["source"]] },
];

interface ObjectRef { key: string; rest: string[]; kind: (typeof OBJECTS)[number] }

/** The attribute names leading to a node, as written: every binding whose value holds it, from the
 * outermost (through lists, mkMerge, mkIf, functions). A dynamic name is its text. */
function writtenPath(node: SyntaxNode): string[] {
  const out: string[][] = [];
  for (let c: SyntaxNode = node, p = node.parent; p; c = p, p = p.parent) {
    if (p.kind !== K.NODE_ATTRPATH_VALUE || p.childNodes()[1] !== c) continue;
    const path = p.childNodes()[0];
    out.push(path ? attrpathSegments(path).map((x) => x.name) : []);
  }
  return out.reverse().flat();
}

/** The object a path names an attribute of (`systemd.services.<n>` with the rest): the last one. */
function objectOf(names: readonly string[]): ObjectRef | undefined {
  for (let i = names.length - 1; i >= 0; i--) {
    for (const kind of OBJECTS) {
      const n = kind.prefix.length;
      if (names.length <= i + n + 1 || kind.prefix.some((x, j) => names[i + j] !== x)) continue;
      return { key: names.slice(i, i + n + 1).join("."), rest: names.slice(i + n + 1), kind };
    }
  }
  return undefined;
}

/** Objects the file creates: a creating attribute defined with a value that is not mkForce. */
function createdObjects(root: SyntaxNode): Set<string> {
  const out = new Set<string>();
  for (const b of root.descendants(K.NODE_ATTRPATH_VALUE)) {
    const value = b.childNodes()[1];
    if (!value || /^\s*\(?\s*(?:lib\.)?mkForce\b/.test(value.text)) continue;
    const o = objectOf(writtenPath(value));
    if (o && o.kind.creating.some((c) => c.every((x, i) => o.rest[i] === x))) out.add(o.key);
  }
  return out;
}

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
