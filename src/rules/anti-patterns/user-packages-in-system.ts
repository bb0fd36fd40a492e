// user-packages-in-system: desktop applications of one person (browsers, chat clients, music
// players, editors, games) in `environment.systemPackages` of a host that already keeps per-user
// package lists (`users.users.<n>.packages`, or home-manager users). Whether a program is a
// "user" program is a judgment, so the rule stays narrow: only a fixed list of well-known GUI
// applications, only on hosts whose own configuration shows per-user lists are in use, one
// finding per system list naming the applications, low. Lists under a condition (a feature
// module's `mkIf cfg.enable`) are left alone.
import { flakeWith, hostExample } from "../shared/examples.js";
import { isDead } from "../shared/scope.js";
import type { HostContext, Rule } from "../types.js";
import { hostDefinitions, hostMatching } from "./host.js";
import { homePackageDefinitions, packagesOf } from "./package-lists.js";
import { nixosManual } from "../shared/references.js";

/** Well-known desktop applications one person uses (attribute names in nixpkgs). */
export const USER_APPS = new Set([
  "firefox", "firefox-wayland", "firefox-bin", "librewolf", "chromium", "google-chrome", "brave", "vivaldi", "floorp", "ungoogled-chromium",
  "discord", "vesktop", "webcord", "slack", "signal-desktop", "telegram-desktop", "element-desktop", "zoom-us", "teams-for-linux", "whatsapp-for-linux", "zapzap",
  "spotify", "spotify-qt", "tidal-hifi", "vscode", "vscode-fhs", "vscodium", "zed-editor", "jetbrains.idea-ultimate", "jetbrains.idea-community",
  "jetbrains.pycharm-professional", "jetbrains.pycharm-community", "sublime4", "obsidian", "logseq", "joplin-desktop", "notion-app-enhanced",
  "steam", "lutris", "heroic", "prismlauncher", "minecraft", "thunderbird", "evolution", "betterbird", "gimp", "inkscape", "krita", "blender",
  "kdenlive", "shotcut", "obs-studio", "audacity", "darktable", "rawtherapee", "libreoffice", "libreoffice-fresh", "onlyoffice-bin", "onlyoffice-desktopeditors",
  "anki", "calibre", "bitwarden", "bitwarden-desktop", "keepassxc", "1password-gui", "nextcloud-client", "dropbox", "transmission_4-gtk", "qbittorrent",
]);

function usesPerUserLists(h: HostContext): boolean {
  const live = (xs: ReturnType<typeof hostMatching>) => xs.some((x) => !isDead(x.def));
  return live(hostMatching(h, "users.users.*.packages")) || live(homePackageDefinitions(h));
}

function checkHost(h: HostContext): void {
  // A list under a condition belongs to a feature module a host switches on (`mkIf cfg.enable`):
  // installing system-wide there is that module's design, not a habit of the host.
  const system = hostDefinitions(h, "environment.systemPackages").filter((x) => !isDead(x.def) && x.def.conditions.length === 0);
  if (system.length === 0) return;
  if (!usesPerUserLists(h)) return;
  for (const x of system) {
    const apps = [...new Set(packagesOf(x.def.inner).map((p) => p.name).filter((n) => USER_APPS.has(n)))].sort();
    if (apps.length === 0) continue;
    h.report({
      file: x.file.file,
      node: x.def.attrpath ?? x.def.binding,
      optionPath: x.def.path,
      key: `user apps ${x.def.line}`,
      // One message for every host sharing the list, so the scan merges them into one finding.
      message: `environment.systemPackages installs ${apps.join(", ")} for every account (root and service users included), on a host that keeps per-user package lists (users.users.<name>.packages or home-manager's home.packages): personal desktop applications belong to the user who runs them.`,
      detail: { items: apps, render: (items) => items.join(", ") },
      fix: { safety: "manual", description: `Move ${apps.join(", ")} to the user's own list (users.users.<name>.packages or home-manager's home.packages); keep system-wide what every account or a system service needs.` },
    });
  }
}

export const userPackagesInSystem: Rule = {
  id: "user-packages-in-system",
  name: "Personal desktop applications installed system-wide",
  category: "anti-pattern",
  severity: "info",
  rationale:
    "Maintenance, not security: environment.systemPackages is for what the system and every account need. A browser, chat client or editor there is installed for root and every service account too, and on a host that already keeps per-user package lists it splits one user's setup across two places.",
  fix: "Install personal applications in users.users.<name>.packages or home-manager's home.packages; keep environment.systemPackages for system tools.",
  references: [
    nixosManual("Declarative Package Management", "sec-declarative-package-mgmt"),
    { title: "NixOS options: users.users.<name>.packages", url: "https://search.nixos.org/options?query=users.users.%3Cname%3E.packages" },
  ],
  compliance: {
    cis: ["n/a: the CIS Linux benchmark does not say which account software is installed for"],
    nist: ["ID.AM-02", "PR.PS-01"],
  },
  examples: {
    fire: [
      hostExample(`{ pkgs, ... }:\n{\n  environment.systemPackages = with pkgs; [ git firefox discord spotify ];\n  users.users.alice.packages = [ pkgs.neovim ];\n}\n`),
      {
        "flake.nix": flakeWith(["./configuration.nix"]),
        "configuration.nix": `{ pkgs, ... }:\n{\n  environment.systemPackages = [ pkgs.vim pkgs.vscode ];\n  home-manager.users.alice = import ./home.nix;\n}\n`,
        "home.nix": `{ pkgs, ... }:\n{\n  home.packages = [ pkgs.ripgrep ];\n}\n`,
      },
    ],
    silent: [
      // No per-user lists on this host: a single-user desktop may well install everything system-wide.
      hostExample(`{ pkgs, ... }:\n{\n  environment.systemPackages = with pkgs; [ git firefox discord ];\n}\n`),
      // System tools only.
      hostExample(`{ pkgs, ... }:\n{\n  environment.systemPackages = with pkgs; [ git curl htop ];\n  users.users.alice.packages = [ pkgs.firefox ];\n}\n`),
      // A let-bound `firefox` is not the package.
      hostExample(`{ pkgs, ... }:\nlet\n  firefox = pkgs.writeShellScriptBin "kiosk" "exec cage firefox";\nin\n{\n  environment.systemPackages = with pkgs; [ firefox ];\n  users.users.kiosk.packages = [ pkgs.cage ];\n}\n`),
    ],
  },
  checkHost,
};
