// package-managed-twice: the same package installed by a host's system (`environment.systemPackages`)
// and by a home-manager user of that host (`home-manager.users.<n>.home.packages`, or
// `home.packages` in a home-manager module the host includes). Both copies end up on the user's
// PATH, from two package sets that need not agree (home-manager without useGlobalPkgs has its
// own nixpkgs), so which version runs depends on PATH order, and an update of one list silently
// does nothing. Maintenance (info): it does not make the host less secure. Only definitions that
// hold whenever their module is on (unconditional, or under `mkIf <...>.enable`, and then only on
// the hosts that turn that module on, by the scan's host gates) and packages named plainly (`pkgs.ripgrep`, `ripgrep` under `with pkgs;`)
// are compared. One finding per home-manager list, naming the packages and the system lists; when both lists are in one file, the fix
// takes them out of the home-manager list (the system copy still reaches the user).
import type { OptionDefinition } from "../../nix/options.js";
import { flakeWith, hostExample } from "../shared/examples.js";
import { removeListElements } from "../shared/edits.js";
import { isDead } from "../shared/scope.js";
import { fixParses } from "../style/expression.js";
import { staticValue } from "../../nix/values.js";
import type { HostContext, NixFileContext, Rule } from "../types.js";
import { hostDefinitions } from "./host.js";
import { homePackageDefinitions, packagesOf, type PackageRef } from "./package-lists.js";
import { nixosManual } from "../shared/references.js";

type Def = { file: NixFileContext; def: OptionDefinition };

/** A definition that holds whenever its module is on: unconditional, or under `mkIf` of an enable
 * switch (`config = mkIf cfg.enable { ... }`, the shape of every feature module). */
function holds(x: Def): boolean {
  return !isDead(x.def) && x.def.conditions.every((c) => c.kind === "mkIf" && /(^|\.)enable$/.test(c.text.trim()));
}

/** Does this host get the list? Its enable guards are read per host with the scan's host gates: a
 * list under `mkIf cfg.enable` of a module the host imports without turning it on (or that no
 * host turns on) is not installed there. */
function onHost(h: HostContext, x: Def): boolean {
  if (x.def.conditions.length === 0) return true;
  const node = x.def.attrpath ?? x.def.binding;
  return (h.applies?.(x.file.file, node) ?? true) && !h.gateOff?.(x.file.file, node);
}

function lists(h: HostContext, defs: Def[]): Array<{ x: Def; pkgs: PackageRef[] }> {
  return defs.filter((x) => holds(x) && onHost(h, x)).map((x) => ({ x, pkgs: packagesOf(x.def.inner).filter((p) => !p.conditional) })).filter((l) => l.pkgs.length > 0);
}

/** A feature module listing what its own program needs at run time (`home.packages = [ cfg.package
 * pkgs.libnotify ]` under `mkIf cfg.enable` in the module declaring `cfg`'s options): it is
 * self-contained on purpose, and a system list holding the same dependency is no duplicate to undo. */
function ownDependencies(x: Def): boolean {
  if (x.def.conditions.length === 0 || x.file.index.declarations.length === 0) return false;
  // The list installs the module's own program (`cfg.package`, an option of the module) beside its dependencies.
  const list = x.def.inner;
  return !!list && /(?:^|[\s[(])(?:cfg|config(?:\.[\w-]+)+)\.package\b/.test(list.text);
}

function checkHost(h: HostContext): void {
  // home-manager.useGlobalPkgs: home-manager builds from the system's pkgs, so both lists give the
  // same store path: nothing runs a different version, whatever the PATH order; only the two
  // lists to keep remain.
  const globalPkgs = hostDefinitions(h, "home-manager.useGlobalPkgs").some((x) => !isDead(x.def) && staticValue(x.def.inner) === true);
  const system = lists(h, hostDefinitions(h, "environment.systemPackages"));
  if (system.length === 0) return;
  const home = lists(h, homePackageDefinitions(h)).filter((u) => !ownDependencies(u.x));
  for (const u of home) {
    // One finding per home-manager list, naming every system list it repeats.
    const dup: PackageRef[] = [];
    const from: Def[] = [];
    const fromLists: typeof system = [];
    for (const s of system) {
      const names = new Set(s.pkgs.map((p) => p.name));
      const here = u.pkgs.filter((p) => names.has(p.name) && !dup.includes(p));
      if (here.length === 0) continue;
      dup.push(...here);
      from.push(s.x);
      fromLists.push(s);
    }
    if (dup.length === 0) continue;
    const uniq = [...new Set(dup.map((p) => p.name))].sort();
    const user = u.x.def.segments[0]?.name === "home-manager" ? u.x.def.segments[2]?.name : undefined;
    const list = dup[0]!.list;
    // Only where the lists are in one file: a home-manager module file may also serve other hosts
    // or a standalone home configuration that do not install the system copy.
    const edits = from.every((s) => s.file === u.x.file) && dup.every((p) => p.list === list) ? removeListElements(u.x.file.file, u.x.file.text, list, dup.map((p) => p.node)) : undefined;
    const ok = !!edits && fixParses(u.x.file, edits);
    // Where the repeated package is in the system list (its first one), not where the list starts.
    const names = new Set(uniq);
    const places = fromLists
      .map((s) => {
        const first = s.pkgs.find((p) => names.has(p.name));
        return `${s.x.file.file}:${first ? s.x.file.parsed.source.lines.position(first.node.start).line : s.x.def.line}`;
      })
      .sort();
    const conditional = [u.x, ...from].filter((x) => x.def.conditions.length > 0);
    const guards = [...new Set(conditional.flatMap((x) => x.def.conditions.map((c) => c.text.trim())))];
    h.report({
      file: u.x.file.file,
      node: u.x.def.attrpath ?? u.x.def.binding,
      optionPath: u.x.def.path,
      key: "installed twice",
      message:
        `${uniq.join(", ")} ${uniq.length === 1 ? "is" : "are"} installed twice: in ${u.x.def.path}${user ? ` (user ${user})` : ""} and in environment.systemPackages (${places.slice(0, 3).join(", ")}${places.length > 3 ? ` and ${places.length - 3} more` : ""})` +
        `${guards.length ? ` (under \`mkIf ${guards.slice(0, 3).join("`, `mkIf ")}\`, which holds on this host)` : ""}. ` +
        (globalPkgs
          ? "With home-manager.useGlobalPkgs both are the same store path: nothing changes at run time, but removing or changing the package in one list does nothing."
          : "home-manager.useGlobalPkgs = true is not in this host's modules as nix-warden reads them (a helper building the host may still set it); without it the two copies may come from differently configured package sets: which version runs depends on PATH order, and updating one list may change nothing.") +
        " Maintenance, not security.",
      detail: { items: uniq, render: (items) => items.join(", ") },
      fix: ok
        ? { safety: "review", description: `Remove ${uniq.join(", ")} from ${u.x.def.path} (the system-wide copy still reaches the user), or from environment.systemPackages if only this user needs ${uniq.length === 1 ? "it" : "them"}.`, edits }
        : { safety: "manual", description: `Keep each of ${uniq.join(", ")} in one list: environment.systemPackages for every user, or ${u.x.def.path} for this user only.` },
    });
  }
}

const HM_HOST = (sys: string, home: string) =>
  hostExample(`{ pkgs, ... }:\n{\n  environment.systemPackages = with pkgs; [\n${sys}\n  ];\n  home-manager.users.alice = { pkgs, ... }: {\n    home.packages = with pkgs; [\n${home}\n    ];\n  };\n}\n`);

export const packageManagedTwice: Rule = {
  id: "package-managed-twice",
  name: "Package installed by both the system and home-manager",
  category: "anti-pattern",
  severity: "info",
  rationale:
    "Maintenance, not security: A package in both environment.systemPackages and a user's home.packages is two installs from two lists (and, without home-manager's useGlobalPkgs, two package sets): which version runs depends on PATH order, and an update or removal in one list silently does nothing.",
  fix: "Install each package in one place: environment.systemPackages for what every user (and root) needs, home.packages for one user's tools.",
  references: [
    { title: "home-manager manual: NixOS module (useGlobalPkgs, useUserPackages)", url: "https://nix-community.github.io/home-manager/index.xhtml#sec-install-nixos-module" },
    nixosManual("Declarative Package Management", "sec-declarative-package-mgmt"),
  ],
  compliance: {
    cis: ["n/a: the CIS Linux benchmark audits which software is installed, not how many declarations install it"],
    nist: ["ID.AM-02", "PR.PS-01"],
  },
  examples: {
    fire: [
      HM_HOST("    git\n    ripgrep\n    htop", "      ripgrep\n      neovim\n      htop"),
      {
        "flake.nix": flakeWith(["./configuration.nix"]),
        "configuration.nix": `{ pkgs, ... }:\n{\n  environment.systemPackages = [ pkgs.jq pkgs.curl ];\n  home-manager.users.bob = import ./home.nix;\n}\n`,
        "home.nix": `{ pkgs, ... }:\n{\n  home.packages = [ pkgs.jq pkgs.yq ];\n}\n`,
      },
      // useGlobalPkgs: the same store path twice; still two lists to keep (info, said so).
      hostExample(`{ pkgs, ... }:\n{\n  home-manager.useGlobalPkgs = true;\n  environment.systemPackages = [ pkgs.ripgrep ];\n  home-manager.users.alice.home.packages = [ pkgs.ripgrep ];\n}\n`),
      // Feature modules: each list holds whenever its module is enabled.
      {
        "flake.nix": flakeWith(["./configuration.nix"]),
        "configuration.nix": `{ ... }:\n{\n  imports = [ ./tools.nix ];\n  my.tools.enable = true;\n}\n`,
        "tools.nix": `{ pkgs, lib, config, ... }:\n{\n  options.my.tools.enable = lib.mkEnableOption "tools";\n  config = lib.mkIf config.my.tools.enable {\n    environment.systemPackages = [ pkgs.tmux pkgs.git ];\n    home-manager.users.alice.home.packages = [ pkgs.tmux ];\n  };\n}\n`,
      },
    ],
    silent: [
      HM_HOST("    git\n    ripgrep", "      neovim\n      fd"),
      // Conditional on something else than a module's switch: they may never be installed together.
      hostExample(`{ pkgs, lib, config, ... }:\n{\n  environment.systemPackages = lib.mkIf (config.networking.hostName == "kiosk") [ pkgs.firefox ];\n  home-manager.users.alice.home.packages = [ pkgs.firefox ];\n}\n`),
      // Feature modules that no host turns on together: the kiosk host enables the browser module,
      // the office host the work-tools module, so no host gets both copies.
      {
        "flake.nix": `{\n  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";\n  outputs = { nixpkgs, ... }: {\n    nixosConfigurations.kiosk = nixpkgs.lib.nixosSystem { system = "x86_64-linux"; modules = [ ./kiosk.nix ]; };\n    nixosConfigurations.office = nixpkgs.lib.nixosSystem { system = "x86_64-linux"; modules = [ ./office.nix ]; };\n  };\n}\n`,
        "kiosk.nix": `{ ... }:\n{\n  imports = [ ./browser.nix ./work.nix ];\n  my.browser.enable = true;\n  my.work.enable = false;\n}\n`,
        "office.nix": `{ ... }:\n{\n  imports = [ ./browser.nix ./work.nix ];\n  my.work.enable = true;\n}\n`,
        "browser.nix": `{ config, lib, pkgs, ... }:\nlet cfg = config.my.browser; in\n{\n  options.my.browser.enable = lib.mkEnableOption "browser";\n  config = lib.mkIf cfg.enable {\n    environment.systemPackages = [ pkgs.firefox ];\n  };\n}\n`,
        "work.nix": `{ config, lib, pkgs, ... }:\nlet cfg = config.my.work; in\n{\n  options.my.work.enable = lib.mkEnableOption "work tools";\n  config = lib.mkIf cfg.enable {\n    home-manager.users.alice.home.packages = [ pkgs.firefox ];\n  };\n}\n`,
      },
      // A feature module listing its own runtime dependency (notify-send for its idle manager).
      {
        "flake.nix": flakeWith(["./configuration.nix"]),
        "configuration.nix": `{ pkgs, ... }:\n{\n  environment.systemPackages = [ pkgs.libnotify ];\n  home-manager.users.alice = import ./idle.nix;\n}\n`,
        "idle.nix": `{ config, lib, pkgs, ... }:\nlet cfg = config.my.idle; in\n{\n  options.my.idle = {\n    enable = lib.mkEnableOption "idle manager";\n    package = lib.mkPackageOption pkgs "swayidle" { };\n  };\n  config = lib.mkIf cfg.enable {\n    home.packages = [ cfg.package pkgs.libnotify ];\n  };\n}\n`,
      },
      // Different packages that share a last name.
      hostExample(`{ pkgs, ... }:\n{\n  environment.systemPackages = [ pkgs.python3Packages.black ];\n  home-manager.users.alice.home.packages = [ pkgs.black ];\n}\n`),
    ],
  },
  checkHost,
};
