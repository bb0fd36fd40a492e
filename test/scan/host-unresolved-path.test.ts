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

describe("a host folder named only by an interpolated path of a partial host", () => {
  const plain = `{ ... }: { users.users.root.password = "hunter22"; }\n`;
  it("stays in the findings (not dead code); a file the path cannot name is listed apart", async () => {
    const report = await scanMemory({ "flake.nix": flake("wrapped"), "lib/systems.nix": systems, "modules/common.nix": common, "hosts/forge/default.nix": plain, "hosts/forge/old/stale.nix": plain });
    expect(report.findings.filter((f) => f.ruleId === "user-plaintext-password").map((f) => f.file)).toEqual(["hosts/forge/default.nix"]);
    expect(report.suppressed.filter((f) => f.suppressedBy.kind === "unused").map((f) => f.file)).toEqual(["hosts/forge/old/stale.nix"]);
  });
  it("look-alike: where the host's folder is read, the file belongs to the host", async () => {
    const report = await scanMemory({ "flake.nix": flake("systems.mkNixosSystem"), "lib/systems.nix": systems, "modules/common.nix": common, "hosts/forge/default.nix": plain });
    expect(report.findings.filter((f) => f.ruleId === "user-plaintext-password").map((f) => f.host)).toEqual([["forge"]]);
  });
});
