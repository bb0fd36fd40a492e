// nix-darwin configurations in a NixOS repository. A Mac built by darwinSystem (a clan machine with
// `system.primaryUser`, a hosts/darwin/ tree, a module setting `homebrew` or `system.defaults`) has
// no NixOS firewall, systemd, openssh settings or kernel: rules about those options judge NixOS
// defaults that do not exist there, and were reported as if the Mac were a NixOS host. Such
// findings are left out on files only darwin configurations use.
import type { OptionDefinition } from "../nix/options.js";
import { staticValue } from "../nix/values.js";
import type { NixFileContext } from "../rules/types.js";

/** Rules about NixOS modules and defaults (firewall, systemd, sshd settings, the kernel, users'
 * passwords, NixOS service modules): meaningless on nix-darwin. */
const NIXOS_ONLY_CATEGORIES = new Set(["firewall", "service-hardening"]);
const NIXOS_ONLY_RULES = new Set([
  "kernel-mitigations-disabled",
  "kernel-sysctl-weakened",
  "ssh-permit-root-login",
  "ssh-password-authentication",
  "ssh-keyboard-interactive",
  "user-plaintext-password",
  "root-equivalent-group",
  "nfs-no-root-squash",
  "app-auth-disabled",
  "acme-terms-and-contact",
  "nginx-addssl-without-forcessl",
]);

/** Options that exist on Macs too: Syncthing (home-manager's module, and repositories' own darwin
 * modules of it): a GUI there on every interface is reachable from every network the laptop joins
 * (kradalby/dotfiles common/darwin/syncthing.nix, judged missed). */
const DARWIN_TOO_OPTIONS = /^services\.syncthing\./;

export function nixosOnly(rule: { id: string; category: string }, optionPath?: string): boolean {
  if (optionPath !== undefined && DARWIN_TOO_OPTIONS.test(optionPath)) return false;
  return NIXOS_ONLY_CATEGORIES.has(rule.category) || NIXOS_ONLY_RULES.has(rule.id);
}

/** A definition only nix-darwin has, made unconditionally (a shared module guards them with
 * `mkIf isDarwin`, and a NixOS host could not evaluate them otherwise). */
function darwinDefinition(d: OptionDefinition): boolean {
  if (d.conditions.length) return false;
  const [a, b] = [d.segments[0]?.name, d.segments[1]?.name];
  // (home-manager has `launchd.agents` too: only nix-darwin's daemons and user agents count.)
  if (a === "homebrew" || a === "nix-homebrew" || (a === "launchd" && (b === "daemons" || b === "user"))) return true;
  if (a === "system" && (b === "defaults" || b === "primaryUser" || b === "keyboard")) return true;
  if (d.path === "nixpkgs.hostPlatform" || d.path === "nixpkgs.system") {
    const v = staticValue(d.inner);
    return typeof v === "string" && v.endsWith("-darwin");
  }
  return false;
}

/** A darwin path: `darwin/`, `darwinModules/`, `hosts/darwin/`, `macos/`. */
const DARWIN_PATH = /(^|\/)(darwin|darwinModules|darwin-modules|macos)(\/|$)/i;

export class Platforms {
  private readonly darwinHosts = new Set<string>();
  private readonly darwinFiles = new Set<string>();

  /** A host is a Mac when a file only it includes makes darwin-only definitions (a shared file
   * wrongly attributed to a NixOS host must not turn that host into a Mac). */
  constructor(files: readonly Pick<NixFileContext, "file" | "index">[], hostsOf: (file: string) => readonly string[], darwinModules?: ReadonlySet<string>) {
    // The entry modules of nix-darwin systems a framework builds (lite-config, nixos-unified).
    for (const f of darwinModules ?? []) if (hostsOf(f).length === 0) this.darwinFiles.add(f);
    for (const f of files) {
      if (!f.index.definitions.some(darwinDefinition)) continue;
      this.darwinFiles.add(f.file);
      const hosts = hostsOf(f.file);
      if (hosts.length === 1) this.darwinHosts.add(hosts[0]!);
    }
  }

  /** Hosts found to be nix-darwin machines. */
  get darwin(): ReadonlySet<string> {
    return this.darwinHosts;
  }

  /** Is the code only used by nix-darwin: every host that includes it is a Mac, or no host does and
   * the file is a darwin module by its options or its path? */
  darwinOnly(file: string, hosts: readonly string[]): boolean {
    if (hosts.length) return hosts.every((h) => this.darwinHosts.has(h));
    return this.darwinFiles.has(file) || DARWIN_PATH.test(file);
  }
}
