// mkforce-over-own-definition: a module of the repository sets an option at normal priority and a
// host (another file of the same host) forces a different value over it with mkForce. The module
// meant a default, and wrote it so that it can only be overridden by force: `mkDefault` in the
// module lets the host set its value plainly, and keeps mkForce for what cannot be changed at the
// source. Only what the repository's own files define is judged (nixpkgs' modules are not read),
// only leaf definitions without conditions, and the fix (wrapping the module's value in
// `lib.mkDefault`) is offered where `lib` is an argument of that module. One finding per module
// file, listing its forced values and where they are forced. A forced value whose option a module
// the host imports from outside the repository may set (a nixpkgs profile, nixos-hardware, srvos,
// disko, a flake input's module: shared/external-modules.ts) imported by the forcing file itself
// (or a nixpkgs profile imported wherever it is) is left alone: that module sets it too, at normal
// priority, so mkForce is needed whatever the repository's own module writes. Nor is an override
// explained where it is forced (a comment on its line or heading its paragraph): deliberate and
// documented, judged a matter of taste.
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { replaceNode } from "../../nix/edit.js";
import { hostExample } from "../shared/examples.js";
import { isDead } from "../shared/scope.js";
import { fixParses } from "../style/expression.js";
import type { OptionDefinition } from "../../nix/options.js";
import type { NixFileContext, Rule } from "../types.js";
import { scopeBindings, unparen } from "../shared/syntax.js";
import { staticValue } from "../../nix/values.js";
import { externalImports } from "../shared/external-modules.js";
import { nixosManual } from "../shared/references.js";
import { fileAnswers } from "../shared/track.js";

/** Does the file's own function take `lib`? */
function takesLib(ctx: NixFileContext): boolean {
  const top = unparen(ctx.parsed.root.childNodes().find((c) => c.kind !== K.NODE_ERROR));
  return top?.kind === K.NODE_LAMBDA && scopeBindings(top).has("lib");
}

/** Can the text stand as a function argument without parentheses? */
function isAtom(n: SyntaxNode): boolean {
  return [K.NODE_IDENT, K.NODE_LITERAL, K.NODE_STRING, K.NODE_LIST, K.NODE_ATTR_SET, K.NODE_PAREN, K.NODE_PATH].includes(n.kind) || (n.kind === K.NODE_SELECT && !n.firstToken(K.TOKEN_OR_KW));
}

/** Is the override explained where it is written: a comment giving a reason on its line, inside
 * its value, or just above it (or just above the attribute set holding it, up to three levels)?
 * A commented, deliberate per-host override (kradalby-dotfiles machines/storage.bassan/syncthing.nix,
 * bbigras-nix-config's ncro.nix following ncro's documented advice) was judged a matter of taste,
 * not worth a finding: the reader already knows why it is forced. An override nobody explained
 * still is, and so is one under a mere heading (`# Samba`) or one whose neighbour's comment is
 * about the neighbour. */
function explained(text: string, binding: SyntaxNode): boolean {
  const { start, end } = binding;
  let eol = text.indexOf("\n", end);
  if (eol < 0) eol = text.length;
  const trailing = /#(.*)$/.exec(text.slice(end, eol));
  if (trailing && REASON.test(trailing[1]!)) return true;
  // A comment inside the forced value saying why it is forced.
  if (/#[^\n]*\b(?:mkForce|forc|overrid)/i.test(text.slice(start, end))) return true;
  const above = (at: number): boolean => {
    const block: string[] = [];
    let lineStart = text.lastIndexOf("\n", at - 1) + 1;
    while (lineStart > 0 && block.length < 20) {
      const s = text.lastIndexOf("\n", lineStart - 2) + 1;
      const l = text.slice(s, lineStart - 1).trim();
      if (!l.startsWith("#")) break;
      block.unshift(l.replace(/^#+/, ""));
      lineStart = s;
    }
    return block.length > 0 && REASON.test(block.join(" "));
  };
  if (above(start)) return true;
  return binding
    .ancestors()
    .filter((a) => a.kind === K.NODE_ATTRPATH_VALUE)
    .slice(0, 3)
    .some((a) => above(a.start));
}

/** Words of a comment that gives a reason, as opposed to a heading (`# Samba`, `# network manager`). */
const REASON =
  /\b(?:because|since|so that|so the|instead|rather than|needs?|needed|requires?|required|don'?t|doesn'?t|does not|do not|isn'?t|not|never|only|avoid|prevents?|breaks?|broken|fix(?:es)?|work-?around|conflicts?|overrid\w*|forc\w*|mkForce|replaces?|otherwise|this (?:host|machine|system)|per[- ]host|was causing|causes?|issue|bug|crash\w*|fails?|slow|speed up|too (?:big|large|slow)|is not small)\b/i;

export const mkforceOverOwnDefinition: Rule = {
  id: "mkforce-over-own-definition",
  name: "Value written at normal priority, then forced with mkForce by another module",
  category: "anti-pattern",
  severity: "info",
  rationale:
    "Maintenance, not security: A shared module that sets `services.nginx.user = \"nginx\";` at normal priority leaves a host that wants another value no way but `lib.mkForce`: two normal definitions that differ are an evaluation error. The module meant a default; written with `lib.mkDefault`, the host sets its value plainly and `mkForce` stays reserved for what cannot be changed at the source. Each forced override of the repository's own module is a sign of the priority system ignored.",
  fix: "Write the module's value as `lib.mkDefault <value>` and drop the host's `lib.mkForce`.",
  references: [
    nixosManual("Option Definitions, setting priorities (mkDefault, mkForce)", "sec-option-definitions-setting-priorities"),
  ],
  compliance: {
    cis: ["n/a: concerns how the configuration is assembled, not a setting of the running system, which is what the CIS Linux benchmark audits"],
    nist: ["PR.PS-01"],
  },
  examples: {
    fire: [
      hostExample("{ lib, ... }:\n{\n  imports = [ ./common.nix ];\n  services.nginx.user = lib.mkForce \"www\";\n}\n", "configuration.nix", {
        "common.nix": "{ lib, ... }:\n{\n  services.nginx.user = \"nginx\";\n  time.timeZone = \"UTC\";\n}\n",
      }),
      // One value forced by two hosts is one value, forced in two places.
      {
        "flake.nix": `{\n  outputs = { nixpkgs, ... }: {\n    nixosConfigurations.kara = nixpkgs.lib.nixosSystem { modules = [ ./base.nix ./kara.nix ]; };\n    nixosConfigurations.volnir = nixpkgs.lib.nixosSystem { modules = [ ./base.nix ./volnir.nix ]; };\n  };\n}\n`,
        "base.nix": "{ ... }:\n{\n  zramSwap.enable = true;\n}\n",
        "kara.nix": "{ lib, ... }:\n{\n  zramSwap.enable = lib.mkForce false;\n}\n",
        "volnir.nix": "{ lib, ... }:\n{\n  zramSwap.enable = lib.mkForce false;\n}\n",
      },
      // disko's module is imported, but it does not set zram: forced over the repository's own value.
      hostExample("{ lib, disko, ... }:\n{\n  imports = [ disko.nixosModules.default ./base.nix ];\n  zramSwap.enable = lib.mkForce false;\n}\n", "configuration.nix", {
        "base.nix": "{ ... }:\n{\n  zramSwap.enable = true;\n}\n",
      }),
      // The comment is the module's, not the override's: its author knows the value is forced
      // elsewhere, which is what mkDefault says (bbigras-nix-config dconf.enable, judged right).
      hostExample("{ lib, ... }:\n{\n  imports = [ ./home.nix ];\n  home.packages = [ ];\n\n  dconf.enable = lib.mkForce true;\n}\n", "configuration.nix", {
        "home.nix": "{ ... }:\n{\n  # XXX: Manually enabled in the graphic module\n  dconf.enable = false;\n}\n",
      }),
      // A heading is no reason.
      hostExample("{ lib, ... }:\n{\n  imports = [ ./common.nix ];\n\n  # network manager\n  networking.networkmanager.enable = lib.mkForce false;\n}\n", "configuration.nix", {
        "common.nix": "{ ... }:\n{\n  networking.networkmanager.enable = true;\n}\n",
      }),
      // The same module, turned on by the host: the force acts and the host's value is dead weight.
      {
        "flake.nix": `{\n  outputs = { nixpkgs, ... }: {\n    nixosConfigurations.daisy = nixpkgs.lib.nixosSystem { modules = [ ./modules ./daisy.nix ]; };\n  };\n}\n`,
        "modules/default.nix": "{ ... }:\n{\n  imports = [ ./sway.nix ./kde.nix ];\n}\n",
        "modules/sway.nix": "{ lib, config, ... }:\nlet cfg = config.my.sway;\nin\n{\n  options.my.sway.enable = lib.mkEnableOption \"sway\";\n  config = lib.mkIf cfg.enable {\n    my.kde.enable = lib.mkForce false;\n  };\n}\n",
        "modules/kde.nix": "{ lib, ... }:\n{\n  options.my.kde.enable = lib.mkEnableOption \"kde\";\n}\n",
        "daisy.nix": "{ ... }:\n{\n  my.sway.enable = true;\n  my.kde.enable = true;\n}\n",
      },
    ],
    silent: [
      // The force sits behind `mkIf cfg.enable` of a module this host does not turn on: the host's
      // own value is live.
      {
        "flake.nix": `{\n  outputs = { nixpkgs, ... }: {\n    nixosConfigurations.water = nixpkgs.lib.nixosSystem { modules = [ ./modules ./water.nix ]; };\n  };\n}\n`,
        "modules/default.nix": "{ ... }:\n{\n  imports = [ ./sway.nix ./kde.nix ];\n}\n",
        "modules/sway.nix": "{ lib, config, ... }:\nlet cfg = config.my.sway;\nin\n{\n  options.my.sway.enable = lib.mkEnableOption \"sway\";\n  config = lib.mkIf cfg.enable {\n    my.kde.enable = lib.mkForce false;\n  };\n}\n",
        "modules/kde.nix": "{ lib, ... }:\n{\n  options.my.kde.enable = lib.mkEnableOption \"kde\";\n}\n",
        "water.nix": "{ ... }:\n{\n  my.kde.enable = true;\n}\n",
      },
      // The installer profile the host imports sets it too: mkForce is needed whatever common.nix says.
      hostExample("{ lib, modulesPath, ... }:\n{\n  imports = [ \"${modulesPath}/installer/cd-dvd/installation-cd-minimal.nix\" ./common.nix ];\n  networking.wireless.enable = lib.mkForce false;\n}\n", "configuration.nix", {
        "common.nix": "{ ... }:\n{\n  networking.wireless.enable = true;\n}\n",
      }),
      // nixos-hardware's module for the machine sets thermald: forced over it.
      hostExample("{ lib, inputs, ... }:\n{\n  imports = [ inputs.nixos-hardware.nixosModules.lenovo-thinkpad-t480 ./common.nix ];\n  services.thermald.enable = lib.mkForce false;\n}\n", "configuration.nix", {
        "common.nix": "{ ... }:\n{\n  services.thermald.enable = true;\n}\n",
      }),
      // The module writes a default: the host sets its value plainly.
      hostExample("{ lib, ... }:\n{\n  imports = [ ./common.nix ];\n  services.nginx.user = \"www\";\n}\n", "configuration.nix", {
        "common.nix": "{ lib, ... }:\n{\n  services.nginx.user = lib.mkDefault \"nginx\";\n}\n",
      }),
      // Forcing over nixpkgs' own definitions cannot be judged here.
      hostExample("{ lib, ... }:\n{\n  networking.wireless.enable = lib.mkForce false;\n}\n"),
      // lanzaboote's documented idiom: systemd-boot forced off where lanzaboote is enabled.
      hostExample("{ lib, ... }:\n{\n  imports = [ ./hardware.nix ];\n  boot.lanzaboote.enable = true;\n  boot.loader.systemd-boot.enable = lib.mkForce false;\n}\n", "configuration.nix", {
        "hardware.nix": "{ ... }:\n{\n  boot.loader.systemd-boot.enable = true;\n}\n",
      }),
      // A deliberate override, explained where it is forced (a comment heading its paragraph).
      hostExample("{ lib, ... }:\n{\n  imports = [ ./common.nix ];\n\n  # Untrusted offsite mirror: receive the folders encrypted. If a folder is added to\n  # common.nix, add its mkForce line here too.\n  services.syncthing.settings.folders = {\n    \"/storage/software\".type = lib.mkForce \"receiveencrypted\";\n    \"/storage/pictures\".type = lib.mkForce \"receiveencrypted\";\n  };\n}\n", "configuration.nix", {
        "common.nix": "{ ... }:\n{\n  services.syncthing.settings.folders = {\n    \"/storage/software\".type = \"sendreceive\";\n    \"/storage/pictures\".type = \"sendreceive\";\n  };\n}\n",
      }),
      // A conditional definition in the module is not a default.
      hostExample("{ lib, ... }:\n{\n  imports = [ ./common.nix ];\n  services.nginx.user = lib.mkForce \"www\";\n}\n", "configuration.nix", {
        "common.nix": "{ config, lib, ... }:\n{\n  services.nginx.user = lib.mkIf config.services.nginx.enable \"nginx\";\n}\n",
      }),
    ],
  },

  checkHost(h) {
    // lanzaboote replaces the systemd-boot module and documents `boot.loader.systemd-boot.enable =
    // lib.mkForce false;` beside `boot.lanzaboote.enable = true;`: the idiom, whatever set it true.
    const lanzaboote = h.definitions("boot.lanzaboote.enable").some(({ def }) => !isDead(def) && staticValue(def.inner) !== false);
    // Modules from outside the repository the host imports (their definitions are not read), with
    // the file importing each: a forced value is aimed at one the forcing file imports itself, or
    // at a nixpkgs profile imported wherever the forcing file is (a profile one host imports says
    // nothing of a value a module of all hosts forces).
    // Only files importing an external module or forcing a value take part (rules/shared/track.ts).
    const taking = h.files.filter((f) => fileAnswers(f, "externalsOrForced", (c) => externalImports(c.index).length > 0 || c.index.definitions.some((d) => d.priority === "mkForce")));
    const externals = taking.flatMap((f) => externalImports(f.index).map((e) => ({ e, file: f, hosts: new Set(f.hosts) })));
    // Per module file: its normal-priority definitions that some other file of the host forces.
    const byFile = new Map<NixFileContext, Map<OptionDefinition, string[]>>();
    const forcers = new Map<NixFileContext, Set<NixFileContext>>();
    for (const f of taking) {
      for (const forced of f.index.definitions) {
        if (forced.priority !== "mkForce" || !forced.isLeaf || isDead(forced) || !forced.inner || f.inTest(forced.binding)) continue;
        if (lanzaboote && forced.path === "boot.loader.systemd-boot.enable" && staticValue(forced.inner) === false) continue;
        if (explained(f.text, forced.binding)) continue;
        // Behind `mkIf cfg.enable` of a module this host does not turn on: the force does not act
        // here, and the host's own value is live (MayNiklas-nixos modules/sway forces kde.enable
        // off, which only hosts enabling mayniklas.sway get: judged wrong on water-on-fire).
        if (h.applies && !h.applies(f.file, forced.binding)) continue;
        if (h.gateOff?.(f.file, forced.binding)) continue;
        if (externals.some(({ e, file, hosts }) => e.sets(forced) && (file === f || (e.profile && f.hosts.every((x) => hosts.has(x)))))) continue;
        for (const { file, def } of h.definitions(forced.path)) {
          if (file === f || def.priority || def.conditions.length || !def.isLeaf || !def.value || !def.inner || isDead(def)) continue;
          if (def.inner.text.replace(/\s+/g, " ") === forced.inner.text.replace(/\s+/g, " ")) continue;
          const defs = byFile.get(file) ?? new Map<OptionDefinition, string[]>();
          byFile.set(file, defs);
          defs.set(def, [...(defs.get(def) ?? []), `${f.file}:${forced.line}`]);
          forcers.set(file, (forcers.get(file) ?? new Set()).add(f));
        }
      }
    }
    // One finding per module file, at its first such definition, listing them all.
    for (const [file, defs] of byFile) {
      const list = [...defs].sort((a, b) => a[0].binding.start - b[0].binding.start);
      const first = list[0]![0];
      const edits = takesLib(file)
        ? list.filter(([d]) => d.value === d.inner).map(([d]) => replaceNode(file.file, d.value!, `lib.mkDefault ${isAtom(unparen(d.value)!) ? d.value!.text : `(${d.value!.text})`}`))
        : [];
      const complete = edits.length === list.length && fixParses(file, edits);
      // Items of several hosts name one value forced in several places: merged, so "2 values" is
      // never one value forced by two hosts.
      const merged = (xs: string[]) => {
        const byValue = new Map<string, Set<string>>();
        for (const x of xs) {
          const m = /^(`[^`]+` \(line \d+), forced in (.*)\)$/.exec(x);
          const [head, sites] = m ? [m[1]!, m[2]!.split(", ")] : [x, []];
          const set = byValue.get(head) ?? new Set<string>();
          for (const site of sites) set.add(site);
          byValue.set(head, set);
        }
        return [...byValue].map(([head, sites]) => (sites.size ? `${head}, forced in ${[...sites].sort().join(", ")})` : head));
      };
      // Which way it goes: a file more hosts include (a shared module) forcing what a file of fewer
      // hosts (a host's own) sets is a shared module overriding a host, not a host overriding a default.
      const sharedForces = [...(forcers.get(file) ?? [])].every((f) => f.hosts.length > file.hosts.length);
      const render = (all: string[]) => {
        const xs = merged(all);
        const what = xs.length === 1 ? "This value is" : `${xs.length} values of this ${sharedForces ? "file" : "module"} are`;
        return sharedForces
          ? `${what} set at normal priority here and forced over with mkForce by a module that more hosts include: ${xs.slice(0, 6).join("; ")}${xs.length > 6 ? `; and ${xs.length - 6} more` : ""}. When the forcing module is meant to win, the definition here is dead weight: drop it, or make it \`lib.mkDefault\`.`
          : `${what} set at normal priority and forced over with mkForce elsewhere: ${xs.slice(0, 6).join("; ")}${xs.length > 6 ? `; and ${xs.length - 6} more` : ""}. A value meant to be overridden is a default (\`lib.mkDefault\`).`;
      };
      const items = list.map(([d, sites]) => `\`${d.path}\` (line ${d.line}, forced in ${[...new Set(sites)].join(", ")})`);
      h.report({
        file: file.file,
        node: first.binding,
        key: "forced defaults",
        ...(sharedForces ? { title: "Value a host sets at normal priority, forced by a shared module" } : {}),
        // Hosts that include this module list their forced values: one finding, their union.
        message: render(items),
        detail: { items, render },
        fix: complete
          ? { safety: "review", description: "Make them `lib.mkDefault` here, then drop the mkForce where they are overridden.", edits }
          : { safety: "manual", description: "Write these values with `lib.mkDefault` and drop the mkForce where they are overridden." },
      });
    }
  },
};
