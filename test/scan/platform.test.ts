// nix-darwin configurations in a NixOS repository: a Mac (found by darwin-only options in a file only
// it includes, or a darwin module no NixOS host imports) gets no findings of rules about NixOS
// options (firewall, systemd, sshd settings); the NixOS host next to it, sharing modules, keeps them.
import { describe, expect, it } from "vitest";
import { scanMemory } from "../helpers/memory.js";

const flake = `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = { self, nixpkgs, ... }: {
    nixosConfigurations.linux = nixpkgs.lib.nixosSystem { modules = [ ./hosts/linux.nix ]; };
    nixosConfigurations.mac = nixpkgs.lib.nixosSystem { modules = [ ./machines/mac/configuration.nix ]; };
  };
}
`;

const OPEN = `{ networking.firewall.enable = false; services.openssh.enable = true; services.openssh.settings.PermitRootLogin = "yes";
  systemd.services.myapp = { wantedBy = [ "multi-user.target" ]; serviceConfig.ExecStart = "/run/current-system/sw/bin/myapp --listen 0.0.0.0:80"; }; }\n`;

const FILES = {
  "flake.nix": flake,
  // A clan-style darwin machine listed among the hosts (Mic92/dotfiles' evo).
  "machines/mac/configuration.nix": `{ system.primaryUser = "joe"; nixpkgs.hostPlatform = "aarch64-darwin"; nix.enable = false; imports = [ ./ssh.nix ../../modules/shared.nix ]; }\n`,
  "machines/mac/ssh.nix": OPEN,
  "hosts/linux.nix": `{ imports = [ ./linux-ssh.nix ../modules/shared.nix ]; }\n`,
  "hosts/linux-ssh.nix": OPEN,
  // Shared by both: a darwin-only option guarded by a condition does not make it a darwin file.
  "modules/shared.nix": `{ lib, pkgs, ... }: { services.openssh.settings.PasswordAuthentication = true; system.defaults = lib.mkIf pkgs.stdenv.isDarwin { dock.autohide = true; }; }\n`,
  // A darwin module no host imports (a hosts/darwin/ tree of a darwinConfigurations flake).
  "hosts/darwin/default.nix": `{ homebrew.enable = true; networking.firewall.enable = false; services.openssh.enable = true; age.secrets.cert = { file = ./cert.age; mode = "0644"; }; }\n`,
};

const NIXOS_RULES = /^(firewall-|ssh-|systemd-service-exposure)/;

describe("nix-darwin configurations", () => {
  it("drops NixOS-only rules on files only Macs use, keeps them on the NixOS host and shared modules", async () => {
    const report = await scanMemory(FILES);
    const nixos = report.findings.filter((f) => NIXOS_RULES.test(f.ruleId));
    // Before: machines/mac/ssh.nix and hosts/darwin/default.nix had firewall, ssh and exposure findings.
    expect(nixos.filter((f) => f.file.startsWith("machines/mac/") || f.file.startsWith("hosts/darwin/"))).toEqual([]);
    expect(nixos.filter((f) => f.file === "hosts/linux-ssh.nix").map((f) => f.ruleId).sort()).toEqual(expect.arrayContaining(["firewall-disabled", "ssh-permit-root-login", "systemd-service-exposure"]));
    // The shared module's PasswordAuthentication is judged for the NixOS host.
    const shared = nixos.find((f) => f.file === "modules/shared.nix" && f.ruleId === "ssh-password-authentication");
    expect(shared?.host).toContain("linux");
    // Rules that apply on a Mac too stay, at full severity: a Mac uses the module, though no NixOS host does.
    const secret = report.findings.find((f) => f.ruleId === "world-readable-secret" && f.file === "hosts/darwin/default.nix");
    expect(secret?.severity).toBe("high");
    expect(secret?.message).not.toContain("no host enables");
    // nix.enable = false: the configuration does not manage Nix, so no missing garbage collection.
    expect(report.findings.filter((f) => f.ruleId === "missing-nix-gc").flatMap((f) => f.host ?? [])).toEqual(["linux"]);
  });
});
