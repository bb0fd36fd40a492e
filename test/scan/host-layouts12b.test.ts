// Host discovery gaps left after round 12 (issue 11, point 3): modules every host takes by taking
// every value of the flake's own nixosModules set (`__attrValues self.nixosModules`,
// `builtins.attrValues self.nixosModules`, `lib.attrValues`), with look-alikes.
import { describe, expect, it } from "vitest";
import { hostsOf, PLAIN, ROOT_LOGIN } from "../helpers/hosts.js";
import { scanMemory } from "../helpers/memory.js";

const SUDO = `{ security.sudo.wheelNeedsPassword = false; }`;

const findModules = `findModules = dir: builtins.concatLists (builtins.attrValues (builtins.mapAttrs (name: type:
        if type == "regular" then [ { name = builtins.elemAt (builtins.match "(.*)\\\\.nix" name) 0; value = dir + "/\${name}"; } ]
        else if (builtins.readDir (dir + "/\${name}")) ? "default.nix" then [ { inherit name; value = dir + "/\${name}"; } ]
        else findModules (dir + "/\${name}")) (builtins.readDir dir)));`;

describe("every value of the flake's own nixosModules given to each host", () => {
  const files = (values: string, exportModules = "builtins.listToAttrs (findModules ./modules)", extra: Record<string, string> = {}) => ({
    "flake.nix": `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = { nixpkgs, self, ... }@inputs:
    let
      ${findModules}
    in {
      nixosModules = ${exportModules};
      nixosConfigurations = with nixpkgs.lib;
        let
          hosts = builtins.attrNames (builtins.readDir ./machines);
          mkHost = name: nixosSystem {
            system = "x86_64-linux";
            modules = ${values} ++ [ (import (./machines + "/\${name}")) { device = name; } ];
            specialArgs = { inherit inputs; };
          };
        in genAttrs hosts mkHost;
    };
}`,
    "modules/agent.nix": ROOT_LOGIN,
    "modules/wg.nix": SUDO,
    "machines/web/default.nix": PLAIN,
    "machines/desk/default.nix": PLAIN,
    ...extra,
  });

  for (const values of ["__attrValues self.nixosModules", "builtins.attrValues self.nixosModules", "(attrValues self.nixosModules)", "lib.attrValues inputs.self.nixosModules"]) {
    it(`\`${values}\`: each exported module belongs to every host`, async () => {
      const { hosts, report } = await hostsOf(files(values), "modules/agent.nix");
      expect(report.hosts).toEqual(["desk", "web"]);
      expect(hosts).toEqual(["desk", "web"]);
      expect((await hostsOf(files(values), "modules/wg.nix", "sudo-nopasswd")).hosts).toEqual(["desk", "web"]);
    });
  }

  it("a set of paths written out (`nixosModules = { agent = ./modules/agent.nix; }`) is taken the same way", async () => {
    const f = files("__attrValues self.nixosModules", "{ agent = ./modules/agent.nix; }");
    expect((await hostsOf(f, "modules/agent.nix")).hosts).toEqual(["desk", "web"]);
  });

  it("look-alike: hosts given no value of the set have none of its modules", async () => {
    const f = files("[ ]", "builtins.listToAttrs (findModules ./modules)", {});
    const report = await scanMemory(f);
    expect(report.findings.filter((x) => x.file === "modules/agent.nix").flatMap((x) => x.host ?? [])).toEqual([]);
  });

  it("look-alike: packages built with genAttrs over a folder listing are no hosts", async () => {
    const f = files("__attrValues self.nixosModules", "builtins.listToAttrs (findModules ./modules)", {
      "flake.nix": files("__attrValues self.nixosModules")["flake.nix"].replace("nixosModules =", `packages.x86_64-linux = nixpkgs.lib.genAttrs (builtins.attrNames (builtins.readDir ./pkgs)) (name: nixpkgs.legacyPackages.x86_64-linux.callPackage (./pkgs + "/\${name}") { });
      nixosModules =`),
      "pkgs/tool/default.nix": `{ stdenv }: stdenv.mkDerivation { name = "tool"; }`,
    });
    expect((await scanMemory(f)).hosts).toEqual(["desk", "web"]);
  });

  it("look-alike: a module the set does not export (outside modules/) stays without a host", async () => {
    const f = files("__attrValues self.nixosModules", "builtins.listToAttrs (findModules ./modules)", { "extra/agent.nix": ROOT_LOGIN });
    const report = await scanMemory(f);
    expect(report.findings.filter((x) => x.file === "extra/agent.nix").flatMap((x) => x.host ?? [])).toEqual([]);
  });
});
