// A host found by its directory (hosts/<name>/configuration.nix) is partial: rules about defaults
// skip it. A classic configuration outside any flake, configuration.nix beside its
// hardware-configuration.nix, whose every import is a file of the repository or a nixpkgs /
// nixos-hardware / home-manager search path, is the whole configuration (Xe/nixos-configs
// hosts/kahless): NixOS defaults apply to it.
import { describe, expect, it } from "vitest";
import { scanMemory } from "../helpers/memory.js";

const hardware = `{ modulesPath, ... }: { imports = [ (modulesPath + "/installer/scan/not-detected.nix") ]; fileSystems."/".device = "/dev/sda1"; }\n`;
const host = (imports: string) => `{ config, pkgs, ... }: {\n  imports = [ ./hardware-configuration.nix ../../common ${imports} ];\n  services.openssh.enable = true;\n}\n`;
const common = `{ imports = [ <home-manager/nixos> ./users.nix ]; }\n`;
const users = `{ users.users.alice = { isNormalUser = true; extraGroups = [ "wheel" ]; hashedPassword = "$6$abc$def"; }; }\n`;

const sshFindings = async (files: Record<string, string>) => (await scanMemory(files)).findings.filter((f) => f.ruleId === "ssh-password-authentication");

describe("a complete classic configuration found by its directory", () => {
  it("is judged with NixOS defaults", async () => {
    const found = await sshFindings({
      "hosts/alpha/configuration.nix": host(""),
      "hosts/alpha/hardware-configuration.nix": hardware,
      "common/default.nix": common,
      "common/users.nix": users,
    });
    expect(found.map((f) => f.host)).toEqual([["alpha"]]);
  });

  it("stays partial with an import the scan cannot read, without its hardware configuration, or inside a flake", async () => {
    const cases: Array<Record<string, string>> = [
      // A channel of another project (agenix): its module may set anything.
      { "hosts/alpha/configuration.nix": host("<agenix/modules/age.nix>"), "hosts/alpha/hardware-configuration.nix": hardware, "common/default.nix": common, "common/users.nix": users },
      // A computed import.
      { "hosts/alpha/configuration.nix": host("(import ../../lib).modules.base"), "hosts/alpha/hardware-configuration.nix": hardware, "common/default.nix": common, "common/users.nix": users },
      // No hardware-configuration.nix: not the file nixos-rebuild is given as it stands.
      { "hosts/alpha/configuration.nix": host(""), "common/default.nix": common, "common/users.nix": users },
    ];
    for (const files of cases) {
      expect(await sshFindings(files)).toEqual([]);
    }
  });
});
