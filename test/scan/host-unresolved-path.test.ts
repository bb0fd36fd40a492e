// A host whose builder imports `../hosts/${hostname}` with a name the scan cannot read (the
// helper is called through a wrapper `args: mkNixosSystem (args // { ... })`, carpenike-nix-config
// lib/mkSystem.nix): the host's own folder is unknown, so rules about defaults skip it
// (mkif-constant said "nothing else defines it" while the host's folder did).
import { describe, expect, it } from "vitest";
import { scanMemory } from "../helpers/memory.js";

const flake = (call: string) => `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  outputs = inputs@{ nixpkgs, ... }:
    let
      systems = import ./lib/systems.nix { inherit inputs; };
      wrapped = args: systems.mkNixosSystem (args // { extraModules = [ ]; });
    in
    {
      nixosConfigurations.forge = ${call} { system = "x86_64-linux"; hostname = "forge"; };
    };
}
`;
const systems = `{ inputs }:
{
  mkNixosSystem = { system, hostname, extraModules ? [ ] }:
    inputs.nixpkgs.lib.nixosSystem {
      inherit system;
      modules = [ ../modules/common.nix ../hosts/\${hostname} ] ++ extraModules;
    };
}
`;
const common = `{ config, lib, ... }:\n{\n  services.fail2ban.enable = lib.mkIf config.services.openssh.enable true;\n}\n`;

const found = async (call: string, host: string) =>
  (await scanMemory({ "flake.nix": flake(call), "lib/systems.nix": systems, "modules/common.nix": common, "hosts/forge/default.nix": host })).findings.filter((f) => f.ruleId === "mkif-constant");

describe("a host module path the scan cannot read", () => {
  it("makes the host partial: mkif-constant does not claim nothing else defines the option", async () => {
    expect(await found("wrapped", `{ ... }: { services.openssh.enable = true; services.fail2ban.enable = true; }\n`)).toEqual([]);
  });
  it("leaves a host whose folder is read as it was", async () => {
    expect((await found("systems.mkNixosSystem", `{ ... }: { services.openssh.enable = true; }\n`)).map((f) => f.host)).toEqual([["forge"]]);
    expect(await found("systems.mkNixosSystem", `{ ... }: { services.openssh.enable = true; services.fail2ban.enable = true; }\n`)).toEqual([]);
  });
});
