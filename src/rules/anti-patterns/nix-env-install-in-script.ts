// nix-env-install-in-script: a script (shell file, or a Nix string that is a script) runs
// `nix-env -i` / `--install`, possibly through sudo, ssh, `sh -c`... Comments, strings that are
// not scripts, and other nix-env operations (`--set` for system profiles, `-q`, `--rollback`)
// stay silent.
import type { Rule } from "../types.js";
import { commandEvidence, rangeOf, scriptCommandHooks, type ScriptCommand, type ScriptFile } from "./scripts.js";
import { commandName, type ShellWord } from "../../shell/parse.js";
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
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
  /\b(?:ln|cp|install|mv)\s+(?:-\S+\s+)*\S+\s+\/etc\/systemd\/system\b|nixos\.org\/nix\/install|install\.determinate\.systems|nix-installer|\b(?:apt-get|apt|dnf|yum|zypper|pacman|apk|brew)\s+(?:-\S+\s+)*(?:install|add|-S\w*)\b|\buname(?:\s+-s)?\)?"?\s*(?:=|==|!=)\s*"?Darwin\b|\bnon-NixOS\b/i;

// (A unit linked or copied into /etc/systemd/system: on NixOS that directory is the system's own,
// rebuilt from the configuration, so a script writing there installs on another distribution:
// jpetrucciani-nix mods/snowball.nix, a bundle whose installer runs `nix-env -i` of its own closure
// then links its units there, judged wrong at medium.)

/** Why a shell script is meant for a machine that is not NixOS, or undefined. */
export function foreignMachineScript(text: string): string | undefined {
  for (const line of text.split("\n")) {
    if (/^\s*#/.test(line)) continue;
    const m = FOREIGN_MACHINE.exec(line);
    if (m) return m[0];
  }
  return undefined;
}

/** nix-env options that take the next word as their value (`-f file`, `-p profile`), and those
 * that take two (`--arg name expr`). */
const ONE_VALUE = new Set(["-f", "--file", "-p", "--profile", "-I", "--include", "--option-file", "--attr-path"]);
const TWO_VALUES = new Set(["--arg", "--argstr", "--option"]);

/** The words of a nix-env call that select what to install (names, attribute paths, store paths),
 * without the options and their values; and the file given with -f, if any. */
export function nixEnvSelectors(argv: ShellWord[]): { selectors: ShellWord[]; file?: string } {
  const selectors: ShellWord[] = [];
  let file: string | undefined;
  for (let i = 1; i < argv.length; i++) {
    const v = argv[i]!.value;
    if (ONE_VALUE.has(v)) {
      if (v === "-f" || v === "--file") file = argv[i + 1]?.value;
      i++;
    } else if (TWO_VALUES.has(v)) i += 2;
    else if (/^-[a-zA-Z]*f$/.test(v) && !v.startsWith("--")) {
      // `-if file`, `-irf file`: the compound ends with f, whose value is the next word.
      file = argv[i + 1]?.value;
      i++;
    } else if (!v.startsWith("-")) selectors.push(argv[i]!);
  }
  return { selectors, file };
}

/** A word that is one of the script's arguments (`$1`, `"$@"`), or a variable the script sets from
 * one (`PACKAGE="$1"`). */
function fromArguments(word: string, script: string): boolean {
  if (/^\$\{?(?:[1-9]|@|\*)\}?$/.test(word)) return true;
  const v = /^\$\{?([A-Za-z_]\w*)\}?$/.exec(word)?.[1];
  return v !== undefined && new RegExp(`(?:^|[\\s;])${v}=["']?\\$\\{?(?:[1-9]|@|\\*)\\}?["']?(?:\\s|;|$)`, "m").test(script);
}

/** The text of the innermost Nix string holding `offset`: the script a command belongs to. */
function enclosingString(root: SyntaxNode, offset: number): string | undefined {
  let found: SyntaxNode | undefined;
  let node: SyntaxNode | undefined = root;
  while (node) {
    let next: SyntaxNode | undefined;
    for (const c of node.childNodes()) {
      if (c.start <= offset && offset < c.end) {
        next = c;
        break;
      }
    }
    if (next?.kind === K.NODE_STRING) found = next;
    node = next;
  }
  return found?.text;
}

function check(cmds: ScriptCommand[], { text, lines, report, root }: ScriptFile): void {
  // A bootstrap script for another distribution or macOS (installs Nix, runs apt/brew): silent
  // (issue 12: scripts meant for non-NixOS machines were reported as bypassing the configuration).
  let foreign: string | undefined | null = null;
  for (const { argv, what } of cmds) {
    const flag = nixEnvInstallFlag(argv);
    if (!flag) continue;
    // The script a command of a Nix file belongs to is its string; a shell script is the file.
    const script = root ? (enclosingString(root, argv[0]!.start) ?? "") : text;
    if (what === "shell script") {
      if (foreign === null) foreign = foreignMachineScript(text);
      if (foreign) continue;
    } else if (foreignMachineScript(script)) continue;
    const { selectors, file } = nixEnvSelectors(argv);
    // `nix-env -i -f packages.nix` (or `-irf`) with nothing selected installs every package the
    // file lists: the declarative profile of a machine that is not NixOS, kept in a file of its own
    // (jpetrucciani-nix examples/cfg.nix's `hms`, judged wrong).
    if (file !== undefined && selectors.length === 0) continue;
    const evidence = commandEvidence(text, argv);
    const pkgs = selectors.map((w) => w.value);
    // A wrapper whose packages are the names its caller types (`pkg install <name>`, `PACKAGE="$1";
    // nix-env -iA "$PACKAGE"`): a command for the user at a prompt, the same as typing nix-env
    // there, not a script that changes the machine on every run (lucasew-nixcfg nix/pkgs/pkg.nix,
    // judged wrong at medium, "should be info").
    const interactive = pkgs.length > 0 && pkgs.every((p) => fromArguments(p, script));
    report({
      range: rangeOf(lines, argv[0]!.start, argv.at(-1)!.end),
      key: `${what}: ${evidence}`,
      evidence,
      severity: interactive ? "info" : undefined,
      message: interactive
        ? `${what === "shell script" ? "This script" : `The script in ${what}`} runs \`${evidence}\`: a command wrapper that installs whatever package its user names into their profile, outside the declared configuration. (Maintenance, not security: it is nix-env at a prompt under another name.)`
        : `${what === "shell script" ? "This script" : `The script in ${what}`} runs \`${evidence}\`: it installs ${pkgs.length ? pkgs.join(", ") : "packages"} into a profile outside the declared configuration.`,
      fix: {
        safety: "manual",
        description: interactive
          ? "Nothing to fix if the wrapper is meant for trying packages; prefer `nix shell nixpkgs#<name>` for that, and declare what stays (environment.systemPackages, users.users.<name>.packages or home.packages)."
          : "Declare the package (environment.systemPackages, users.users.<name>.packages or home.packages) and deploy; use `nix shell`/`nix run` for one-off tools.",
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
` },
    // A wrapper that installs what its user types (reported as info), and a named package from a
    // file (-f takes the file, the package is still chosen by the script).
    { "pkgs/pkg.nix": `{ writeShellScriptBin }:
writeShellScriptBin "pkg" ''
  case "$1" in
    install) shift; PACKAGE="$1"; shift; nix-env -iA "$PACKAGE" -f '<nixpkgs>' "$@" ;;
    list) nix-env --query ;;
  esac
''
` },
    { "scripts/tools.sh": `#!/bin/sh
nix-env -f ~/src/nixpkgs -iA ripgrep
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
` },
    // Every package of a file of its own: a declarative profile (\`nix-env -irf\`).
    { "home/profile.nix": `{ pkgs, ... }: {
  home.packages = [ (pkgs.writeShellScriptBin "sync-profile" ''
    nix-env -irf ~/packages.nix
  '') ];
}
` },
    // The installer of a bundle for another distribution: it links its units into
    // /etc/systemd/system, which on NixOS belongs to the configuration.
    { "pkgs/bundle.nix": `{ writeShellScriptBin, bundle }:
writeShellScriptBin "install-bundle" ''
  sudo -i nix-env -i \${bundle}
  sudo ln -sf /nix/var/nix/profiles/default/lib/systemd/system/app.service /etc/systemd/system/app.service
  sudo systemctl daemon-reload
''
` }],
  },

  ...scriptCommandHooks(check),
};
