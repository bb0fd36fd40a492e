// nix-sandbox-disabled: `nix.settings.sandbox = false` (legacy `nix.useSandbox`, or a `sandbox =`
// line of nix.extraOptions). Without the sandbox, builders run with the host's whole filesystem
// and network in view: a derivation (from any user allowed to build, or from an input someone
// else controls) can read what the build users can read, reach the network, and leave state that
// taints other builds. "relaxed" keeps the sandbox except for derivations that opt out
// (__noChroot): low. Not reported where it is no Linux system's setting: on nix-darwin (files only
// Macs use, by the hosts that include them) the sandbox is off by default and turning it off is
// usual (so is a darwin-only branch of a module NixOS hosts share: `lib.optionalAttrs isDarwin`,
// `mkIf pkgs.stdenv.isDarwin`, the else of `if isLinux`), and a home-manager module writes the
// user's nix.conf, where the daemon ignores it. The
// NixOS builder VM a Mac runs (`nix.linux-builder.config`) is a Linux system: its setting is read.
import { replaceNode } from "../../nix/edit.js";
import { staticValue } from "../../nix/values.js";
import type { Severity } from "../../report/schema.js";
import { isDarwin, nixSettingSites } from "./nix-settings.js";
import type { NixFileContext, Rule } from "../types.js";
import { hostExample } from "../shared/examples.js";
import { nixConfSetting, nixosOption } from "../shared/references.js";


function checkNix(ctx: NixFileContext): void {
  // A shared module's darwin-only branch (`optionalAttrs isDarwin { sandbox = false; }`) is the Macs'
  // setting, as a darwin file is.
  const sites = [...(isDarwin(ctx) ? [] : nixSettingSites(ctx, "sandbox", ["nix.useSandbox"]).filter((s) => s.platform !== "darwin")), ...nixSettingSites(ctx, "sandbox", ["nix.useSandbox"], "nix.linux-builder.config.")];
  for (const site of sites) {
    const value = site.kind === "line" ? (site.value === "false" ? false : site.value === "relaxed" ? "relaxed" : site.value === "true" ? true : undefined) : staticValue(site.def.inner);
    if (value !== false && value !== "relaxed") continue;
    const severity: Severity = value === "relaxed" ? "low" : "medium";
    const message =
      value === "relaxed"
        ? `${site.optionPath} sets the Nix sandbox to "relaxed": derivations that ask for it (__noChroot = true) build without isolation, with the host's filesystem and network in view.`
        : `${site.optionPath} turns the Nix build sandbox off: every build sees the host's filesystem and network, so a malicious or compromised derivation can read what the build users can read, fetch and exfiltrate freely, and taint later builds.`;
    const fix = { safety: "review" as const, description: "Set it to true (the NixOS default). Builds that depend on impurities need fixing (fixed-output derivations for downloads)." };
    if (site.kind === "line") {
      ctx.report({ range: site.range, optionPath: site.optionPath, key: "sandbox", severity, title: "Nix build sandbox disabled", message, fix: { ...fix, safety: "manual" } });
    } else {
      ctx.report({
        node: site.def.inner ?? site.def.binding,
        optionPath: site.optionPath,
        severity,
        title: "Nix build sandbox disabled",
        message,
        fix: { ...fix, edits: site.def.inner ? [replaceNode(ctx.file, site.def.inner, "true")] : undefined },
      });
    }
  }
}

export const nixSandboxDisabled: Rule = {
  id: "nix-sandbox-disabled",
  examples: {
    fire: [
      hostExample(`{ nix.settings.sandbox = false; }\n`),
      // A Mac's Linux builder VM is a NixOS system.
      {
        "flake.nix": `{\n  outputs = { nix-darwin, ... }: {\n    darwinConfigurations.mbp = nix-darwin.lib.darwinSystem { modules = [ ./darwin/mbp.nix ]; };\n  };\n}\n`,
        "darwin/mbp.nix": `{\n  nix.linux-builder = {\n    enable = true;\n    config = { nix.settings.sandbox = false; };\n  };\n}\n`,
      },
      // The Linux branch of a shared module is the NixOS hosts' setting.
      hostExample(`{ lib, pkgs, ... }: {\n  nix.settings = lib.optionalAttrs pkgs.stdenv.isLinux { sandbox = false; };\n}\n`),
    ],
    silent: [
      hostExample(`{ nix.settings.sandbox = true; }\n`),
      // A module shared by NixOS and nix-darwin: the false is the Macs' only.
      hostExample(
        `{ lib, pkgs, ... }:\nlet inherit (pkgs.stdenv) isDarwin; in {\n  nix = lib.mkMerge [\n    (lib.optionalAttrs (!isDarwin) { settings.sandbox = true; })\n    (lib.optionalAttrs isDarwin { settings.sandbox = false; })\n  ];\n}\n`,
      ),
      hostExample(`{ lib, pkgs, ... }: {\n  nix.settings.sandbox = lib.mkIf pkgs.stdenv.hostPlatform.isDarwin false;\n}\n`),
      hostExample(`{ pkgs, ... }: {\n  nix.settings = if pkgs.stdenv.isLinux then { sandbox = true; } else { sandbox = false; };\n}\n`),
      // nix-darwin: the sandbox is off by default on macOS.
      {
        "flake.nix": `{\n  outputs = { nix-darwin, ... }: {\n    darwinConfigurations.mbp = nix-darwin.lib.darwinSystem { modules = [ ./darwin/mbp.nix ]; };\n  };\n}\n`,
        "darwin/mbp.nix": `{\n  nix.settings.sandbox = false;\n  system.defaults.dock.autohide = true;\n}\n`,
      },
      // A home-manager module: the user's nix.conf, where the daemon ignores it.
      hostExample(`{ home-manager.users.alice = import ./home.nix; }\n`, "configuration.nix", { "home.nix": `{ pkgs, ... }: {\n  home.packages = [ pkgs.hello ];\n  nix.settings.sandbox = false;\n}\n` }),
    ],
  },
  name: "Nix build sandbox disabled",
  category: "access",
  severity: "medium",
  rationale:
    "The Nix sandbox isolates each build in its own namespaces with only its declared inputs. Without it builds run in the host's filesystem and network, so one malicious derivation or compromised input can read data, reach the network and contaminate other builds.",
  fix: "Leave nix.settings.sandbox at its default (true on Linux).",
  references: [
    nixConfSetting("sandbox"),
    nixosOption("nix.settings.sandbox"),
  ],
  compliance: { cis: ["1.5 Additional Process Hardening"], nist: ["PR.PS-01", "PR.IR-01"] },
  checkNix,
};
