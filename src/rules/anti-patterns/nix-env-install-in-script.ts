// nix-env-install-in-script: a script (shell file, or a Nix string that is a script) runs
// `nix-env -i` / `--install`, possibly through sudo, ssh, `sh -c`... Comments, strings that are
// not scripts, and other nix-env operations (`--set` for system profiles, `-q`, `--rollback`)
// stay silent.
import type { Rule } from "../types.js";
import { commandEvidence, rangeOf, scriptCommandHooks, type ScriptCommand, type ScriptFile } from "./scripts.js";
import { commandName, type ShellWord } from "../../shell/parse.js";
import { nixosManual } from "../shared/references.js";

/** The word that makes a nix-env call an installation, if it is one. Nix expands compound short
 * options (`-iA` is `-i -A`), so any `-letters` word holding `i` counts. */
export function nixEnvInstallFlag(argv: ShellWord[]): ShellWord | undefined {
  if (commandName(argv[0]) !== "nix-env") return undefined;
  // Asking for help or a dry run installs nothing.
  if (argv.some((w) => w.value === "--help" || w.value === "--dry-run")) return undefined;
  for (const w of argv.slice(1)) {
    if (w.value === "--install") return w;
    if (/^-[a-zA-Z]+$/.test(w.value) && w.value.includes("i")) return w;
  }
  return undefined;
}

/** What says a shell script sets up a machine that is not NixOS: it installs Nix itself, drives
 * another distribution's package manager (or Homebrew), or branches on macOS. There nix-env (or a
 * profile install before home-manager exists) is how packages get onto the machine: no NixOS
 * configuration is bypassed. */
const FOREIGN_MACHINE =
  /nixos\.org\/nix\/install|install\.determinate\.systems|nix-installer|\b(?:apt-get|apt|dnf|yum|zypper|pacman|apk|brew)\s+(?:-\S+\s+)*(?:install|add|-S\w*)\b|\buname(?:\s+-s)?\)?"?\s*(?:=|==|!=)\s*"?Darwin\b|\bnon-NixOS\b/i;

/** Why a shell script is meant for a machine that is not NixOS, or undefined. */
export function foreignMachineScript(text: string): string | undefined {
  for (const line of text.split("\n")) {
    if (/^\s*#/.test(line)) continue;
    const m = FOREIGN_MACHINE.exec(line);
    if (m) return m[0];
  }
  return undefined;
}

function check(cmds: ScriptCommand[], { text, lines, report }: ScriptFile): void {
  // A bootstrap script for another distribution or macOS (installs Nix, runs apt/brew): silent
  // (issue 12: scripts meant for non-NixOS machines were reported as bypassing the configuration).
  let foreign: string | undefined | null = null;
  for (const { argv, what } of cmds) {
    const flag = nixEnvInstallFlag(argv);
    if (!flag) continue;
    if (what === "shell script") {
      if (foreign === null) foreign = foreignMachineScript(text);
      if (foreign) continue;
    }
    const evidence = commandEvidence(text, argv);
    const pkgs = argv.slice(1).filter((w) => !w.value.startsWith("-")).map((w) => w.value);
    report({
      range: rangeOf(lines, argv[0]!.start, argv.at(-1)!.end),
      key: `${what}: ${evidence}`,
      evidence,
      message: `${what === "shell script" ? "This script" : `The script in ${what}`} runs \`${evidence}\`: it installs ${pkgs.length ? pkgs.join(", ") : "packages"} into a profile outside the declared configuration.`,
      fix: {
        safety: "manual",
        description: "Declare the package (environment.systemPackages, users.users.<name>.packages or home.packages) and deploy; use `nix shell`/`nix run` for one-off tools.",
      },
    });
  }

}

export const nixEnvInstallInScript: Rule = {
  id: "nix-env-install-in-script",
  name: "`nix-env -i` in a script",
  category: "anti-pattern",
  severity: "medium",
  rationale:
    "`nix-env -i` installs into a user or root profile, outside the declared configuration: the package is not in the repository, does not change with `nixos-rebuild`, keeps whatever version the channel had that day (no security updates), and survives unnoticed. A script that does it on every run (a deploy script, a systemd unit, an activation script) turns the machine into something the configuration no longer describes.",
  fix: "Declare the package (`environment.systemPackages`, `users.users.<name>.packages`, or home-manager's `home.packages`) and deploy; for a one-off tool use `nix shell` / `nix run`, which leave no profile behind.",
  references: [
    nixosManual("Ad-Hoc Package Management", "sec-ad-hoc-packages"),
    nixosManual("Declarative Package Management", "sec-declarative-package-mgmt"),
  ],
  compliance: {
    cis: ["1.8 Ensure updates, patches, and additional security software are installed"],
    nist: ["ID.AM-02", "PR.PS-02"],
  },
  examples: {
    fire: [{ "scripts/deploy.sh": `#!/usr/bin/env bash
set -euo pipefail
nixos-rebuild switch --flake .#nas --target-host root@nas
ssh root@nas nix-env -iA nixos.htop
` },
    // A script that only mentions apt in a comment is still about a NixOS machine.
    { "scripts/setup.sh": `#!/usr/bin/env bash
# (no apt-get install here: this is NixOS)
nix-env -iA nixos.git
` }],
    silent: [{ "scripts/deploy.sh": `#!/usr/bin/env bash
set -euo pipefail
# htop comes from environment.systemPackages; never \`nix-env -iA\` on the hosts.
nixos-rebuild switch --flake .#nas --target-host root@nas
` },
    // A bootstrap script for another distribution: it installs Nix itself, then home-manager.
    { "bootstrap.sh": `#!/usr/bin/env bash
set -euo pipefail
sudo apt-get install -y curl git
curl -L https://nixos.org/nix/install | sh
nix-env -iA nixpkgs.home-manager
` },
    { "mac/setup.sh": `#!/bin/sh
if [ "$(uname)" = "Darwin" ]; then brew install --cask iterm2; fi
nix-env -iA nixpkgs.git
` }],
  },

  ...scriptCommandHooks(check),
};
