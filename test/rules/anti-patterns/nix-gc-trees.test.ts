// missing-nix-gc sees what every host imports through a module tree (a directory handed whole to an
// import helper: `mkModuleTree' { path = ./modules/common; }`, whose `module.nix` files mark the
// modules and import their siblings), and leaves live installer images alone (nixpkgs'
// installation-cd/iso-image modules, or isoImage set): they keep no generations to collect.
import { describe, expect, it } from "vitest";
import { scanMemory } from "../../helpers/memory.js";

const gcHosts = async (files: Record<string, string>) => (await scanMemory(files)).findings.filter((f) => f.ruleId === "missing-nix-gc").flatMap((f) => f.host ?? []).sort();

const treeFlake = (trees: string) => `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = { self, nixpkgs, ... }:
    let
      lib = nixpkgs.lib;
      common = ./modules + /common;
      server = ./modules + /roles/server;
      modulesFor = hostname: { moduleTrees ? [ common ], roles ? [ ] }:
        lib.flatten [ (./hosts + "/\${hostname}.nix") (map (path: self.lib.mkModuleTree { inherit path; }) (moduleTrees ++ roles)) ];
    in {
      nixosConfigurations.web = lib.nixosSystem { modules = modulesFor "web" ${trees}; };
    };
}
`;

describe("missing-nix-gc through module trees and on live images", () => {
  it("sees nix.gc set in a module.nix of a tree every host gets", async () => {
    const files = {
      "flake.nix": treeFlake(`{ roles = [ server ]; }`),
      "hosts/web.nix": `{ networking.hostName = "web"; }\n`,
      "modules/common/system/nix/module.nix": `{ imports = [ ./settings.nix ]; }\n`,
      "modules/common/system/nix/settings.nix": `{ nix.gc = { automatic = true; dates = "weekly"; }; }\n`,
      "modules/roles/server/module.nix": `{ services.openssh.enable = true; }\n`,
    };
    expect(await gcHosts(files)).toEqual([]);
    // The look-alike: the same tree without garbage collection.
    expect(await gcHosts({ ...files, "modules/common/system/nix/settings.nix": `{ nix.settings.auto-optimise-store = true; }\n` })).toEqual(["web"]);
  });

  it("leaves a live installer ISO alone, not a host that only mentions one", async () => {
    const flake = (modules: string) => `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = { nixpkgs, ... }: {
    nixosConfigurations.iso = nixpkgs.lib.nixosSystem { modules = [ ${modules} ./iso.nix ]; };
  };
}
`;
    const iso = `{ networking.hostName = "installer"; }\n`;
    expect(await gcHosts({ "flake.nix": flake(`(nixpkgs + "/nixos/modules/installer/cd-dvd/installation-cd-minimal.nix")`), "iso.nix": iso })).toEqual([]);
    expect(await gcHosts({ "flake.nix": flake(""), "iso.nix": `{ isoImage.squashfsCompression = "zstd"; }\n` })).toEqual([]);
    expect(await gcHosts({ "flake.nix": flake(""), "iso.nix": `{ networking.hostName = "box"; environment.etc.note.text = "built like installation-cd-minimal.nix"; }\n` })).toEqual(["iso"]);
  });
});
