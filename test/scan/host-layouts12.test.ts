// Host discovery for layouts round 12 found wrong (issue 11, point 3): the dendritic pattern (a
// flake-parts option `configurations.nixos.<host>.module` mapped into nixosConfigurations, modules
// under `flake.modules.nixos.<name>` and `flake.modules.generic.<name>` reached through `inherit
// (config.flake.modules) nixos;`), a colmena flake input, a folder listing that keeps only entries
// with a configuration.nix and renames them. Each case has look-alikes that must not be NixOS hosts.
import { describe, expect, it } from "vitest";
import { hostsOf, PLAIN, ROOT_LOGIN } from "../helpers/hosts.js";
import { scanMemory } from "../helpers/memory.js";

const SUDO = `{ security.sudo.wheelNeedsPassword = false; }`;
const FIREWALL_OFF = `{ networking.firewall.enable = false; }`;

const importTree = `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  inputs.flake-parts.url = "github:hercules-ci/flake-parts";
  inputs.import-tree.url = "github:vic/import-tree";
  outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } { imports = [ (inputs.import-tree ./modules) ]; };
}`;

// The option and the helper that builds both classes' systems from it.
const configurations = `{ inputs, lib, config, ... }:
let
  entries = kind: lib.mkOption {
    type = lib.types.lazyAttrsOf (lib.types.submodule { options.module = lib.mkOption { type = lib.types.deferredModule; default = { }; }; });
    default = { };
  };
  build = { builder, extraModules }: lib.mapAttrs (name: cfg: builder { modules = extraModules ++ [ cfg.module ]; });
  nixosConfigurations = build { builder = inputs.nixpkgs.lib.nixosSystem; extraModules = [ ]; } config.configurations.nixos;
  darwinConfigurations = build { builder = inputs.darwin.lib.darwinSystem; extraModules = [ ]; } config.configurations.darwin;
in {
  options.configurations = { nixos = entries "NixOS"; darwin = entries "nix-darwin"; };
  config.flake = { inherit nixosConfigurations darwinConfigurations; };
}`;

const dendritic = (extra: Record<string, string> = {}) => ({
  "flake.nix": importTree,
  "modules/configurations.nix": configurations,
  "modules/base.nix": `{ config, ... }:
let inherit (config.flake.modules) generic nixos darwin; in {
  flake.modules.nixos.base = { imports = [ generic.settings nixos.ssh ]; };
  flake.modules.darwin.base = { imports = [ generic.settings darwin.dock ]; };
}`,
  "modules/settings.nix": `{ flake.modules.generic.settings = { nix.settings.trusted-users = [ "@wheel" ]; }; }`,
  "modules/ssh.nix": `{ flake.modules.nixos.ssh = ${ROOT_LOGIN}; }`,
  "modules/dock.nix": `{ flake.modules.darwin.dock = { services.openssh.enable = true; services.openssh.settings.PermitRootLogin = "yes"; }; }`,
  "modules/games.nix": `{ flake.modules.nixos.games = ${SUDO}; }`,
  "modules/hosts/tower/default.nix": `{ config, ... }:
let inherit (config.flake.modules) nixos; in {
  configurations.nixos.tower.module = { imports = [ ./_hardware.nix nixos.base nixos.games ]; };
}`,
  "modules/hosts/tower/_hardware.nix": FIREWALL_OFF,
  "modules/hosts/laptop.nix": `{ config, ... }: {
  configurations.nixos.laptop.module = { imports = [ config.flake.modules.nixos.base ]; };
}`,
  "modules/hosts/mac.nix": `{ config, ... }: {
  configurations.darwin.mac.module = { imports = [ config.flake.modules.darwin.base ]; };
}`,
  ...extra,
});

describe("the dendritic pattern: hosts are the entries of a flake-parts option mapped into nixosConfigurations", () => {
  it("names each configurations.nixos entry a host, not the helper's arguments; the darwin entry is none", async () => {
    const report = await scanMemory(dendritic());
    expect(report.hosts).toEqual(["laptop", "tower"]);
  });

  it("a module reached through `inherit (config.flake.modules) nixos;` belongs to every host importing it", async () => {
    const { hosts } = await hostsOf(dendritic(), "modules/ssh.nix");
    expect(hosts).toEqual(["laptop", "tower"]);
  });

  it("a module one host imports, and its own _hardware.nix, are that host's alone", async () => {
    expect((await hostsOf(dendritic(), "modules/games.nix", "sudo-nopasswd")).hosts).toEqual(["tower"]);
    expect((await hostsOf(dendritic(), "modules/hosts/tower/_hardware.nix", "firewall-disabled")).hosts).toEqual(["tower"]);
  });

  it("look-alike: a darwin module the shared file names for Macs is no NixOS host's", async () => {
    const report = await scanMemory(dendritic());
    const dock = report.findings.filter((f) => f.file === "modules/dock.nix");
    expect(dock.flatMap((f) => f.host ?? [])).toEqual([]);
  });

  it("a generic module (flake.modules.generic) imported by the NixOS base belongs to its hosts", async () => {
    const files = dendritic({ "modules/settings.nix": `{ flake.modules.generic.settings = ${FIREWALL_OFF}; }`, "modules/hosts/tower/_hardware.nix": PLAIN });
    expect((await hostsOf(files, "modules/settings.nix", "firewall-disabled")).hosts).toEqual(["laptop", "tower"]);
  });

  it("flip mapAttrs over the option names the same hosts", async () => {
    const files = dendritic({
      "modules/configurations.nix": `{ inputs, lib, config, ... }: {
  options.configurations.nixos = lib.mkOption { type = lib.types.lazyAttrsOf (lib.types.submodule { options.module = lib.mkOption { type = lib.types.deferredModule; }; }); };
  config.flake.nixosConfigurations = lib.flip lib.mapAttrs config.configurations.nixos (name: { module }: inputs.nixpkgs.lib.nixosSystem { modules = [ module ]; });
}`,
    });
    const report = await scanMemory(files);
    expect(report.hosts).toEqual(["laptop", "tower"]);
  });

  it("look-alike: a home-manager configuration and a devShell in the same tree are no hosts", async () => {
    const files = dendritic({
      "modules/home.nix": `{ inputs, ... }: { flake.homeConfigurations.me = inputs.home-manager.lib.homeManagerConfiguration { modules = [ ]; }; }`,
      "modules/shell.nix": `{ perSystem = { pkgs, ... }: { devShells.default = pkgs.mkShell { }; }; }`,
    });
    expect((await scanMemory(files)).hosts).toEqual(["laptop", "tower"]);
  });
});

describe("settings written in a host's own configurations.nixos.<host>.module", () => {
  it("are NixOS settings of that host", async () => {
    const files = dendritic({
      "modules/hosts/laptop.nix": `{ config, ... }: {
  configurations.nixos.laptop.module = { imports = [ config.flake.modules.nixos.base ]; networking.firewall.enable = false; };
}`,
    });
    expect((await hostsOf(files, "modules/hosts/laptop.nix", "firewall-disabled")).hosts).toEqual(["laptop"]);
  });
});

describe("a colmena flake input is no hive", () => {
  const files = {
    "flake.nix": `{
  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs";
    colmena = { url = "github:zhaofengli/colmena"; inputs.nixpkgs.follows = "nixpkgs"; };
  };
  outputs = { nixpkgs, colmena, ... }: {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem { modules = [ ./box.nix ]; };
    colmena = { meta.nixpkgs = import nixpkgs { system = "x86_64-linux"; }; web = { imports = [ ./web.nix ]; }; };
  };
}`,
    "box.nix": ROOT_LOGIN,
    "web.nix": PLAIN,
  };

  it("names the hive's nodes and the flake's hosts, not the input's url", async () => {
    const report = await scanMemory(files);
    expect(report.hosts).toEqual(["box", "web"]);
  });
});

describe("a folder listing kept by pathExists and renamed with replaceStrings", () => {
  const files = (extra: Record<string, string> = {}) => ({
    "flake.nix": `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  inputs.flake-parts.url = "github:hercules-ci/flake-parts";
  outputs = inputs: inputs.flake-parts.lib.mkFlake { inherit inputs; } { imports = [ ./targets/flake-module.nix ]; };
}`,
    "targets/flake-module.nix": `{ lib, self, ... }:
let
  entries = builtins.attrNames (builtins.readDir ./.);
  configs = builtins.filter (dir: builtins.pathExists (./. + "/\${dir}/configuration.nix")) entries;
in {
  flake.nixosConfigurations = lib.listToAttrs (builtins.map (name: lib.nameValuePair (builtins.replaceStrings [ "." ] [ "-" ] name) (lib.nixosSystem {
    modules = [ (./. + "/\${name}/configuration.nix") ];
  })) configs);
}`,
    "targets/wiki.example.org/configuration.nix": ROOT_LOGIN,
    "targets/staging.example.org/configuration.nix": PLAIN,
    // Look-alikes: a folder without configuration.nix, and the declaring file itself.
    "targets/admins/keys.nix": `{ }`,
    ...extra,
  });

  it("names the folders holding a configuration.nix, renamed as the listing renames them", async () => {
    const { hosts, report } = await hostsOf(files(), "targets/wiki.example.org/configuration.nix");
    expect(report.hosts).toEqual(["staging-example-org", "wiki-example-org"]);
    expect(hosts).toEqual(["wiki-example-org"]);
  });
});

describe("roles and profiles: outputs of the flake's own built from its folders", () => {
  const files = (extra: Record<string, string> = {}) => ({
    "flake.nix": `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = { nixpkgs, self, ... }@inputs:
    let
      findModules = dir: builtins.concatLists (builtins.attrValues (builtins.mapAttrs (name: type:
        if type == "regular" then [ { name = builtins.elemAt (builtins.match "(.*)\\\\.nix" name) 0; value = dir + "/\${name}"; } ]
        else if (builtins.readDir (dir + "/\${name}")) ? "default.nix" then [ { inherit name; value = dir + "/\${name}"; } ]
        else findModules (dir + "/\${name}")) (builtins.readDir dir)));
    in {
      nixosProfiles = builtins.listToAttrs (findModules ./profiles);
      nixosRoles = import ./roles;
      nixosConfigurations = with nixpkgs.lib; genAttrs [ "web" "desk" ] (name: nixosSystem {
        modules = [ (import (./machines + "/\${name}")) ];
        specialArgs = { inherit inputs; };
      });
    };
}`,
    "roles/default.nix": `{ server = ./server.nix; base = ./base.nix; }`,
    "roles/base.nix": `{ inputs, ... }: { imports = with inputs.self.nixosProfiles; [ network user ]; }`,
    "roles/server.nix": `{ inputs, ... }: { imports = [ ./base.nix inputs.self.nixosProfiles.boot ]; security.sudo.wheelNeedsPassword = false; }`,
    "profiles/network.nix": ROOT_LOGIN,
    "profiles/boot.nix": FIREWALL_OFF,
    "profiles/security/user.nix": SUDO,
    "machines/web/default.nix": `{ inputs, ... }: { imports = [ inputs.self.nixosRoles.server ]; }`,
    "machines/desk/default.nix": `{ inputs, ... }: { imports = [ inputs.self.nixosRoles.base ]; }`,
    ...extra,
  });

  it("a role names its hosts; a profile a role names, with `with self.nixosProfiles;`, every host of the role", async () => {
    expect((await hostsOf(files(), "roles/server.nix", "sudo-nopasswd")).hosts).toEqual(["web"]);
    expect((await hostsOf(files(), "profiles/network.nix")).hosts).toEqual(["desk", "web"]);
    expect((await hostsOf(files(), "profiles/boot.nix", "firewall-disabled")).hosts).toEqual(["web"]);
  });

  it("a profile in a subfolder is named by its own name, as the recursive listing names it", async () => {
    expect((await hostsOf(files(), "profiles/security/user.nix", "sudo-nopasswd")).hosts).toEqual(["desk", "web"]);
  });
});

describe("a host importing a nix-darwin module keeps the darwin modules it reaches", () => {
  const files = {
    "flake.nix": `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  inputs.flake-parts.url = "github:hercules-ci/flake-parts";
  outputs = inputs@{ self, nixpkgs, ... }: inputs.flake-parts.lib.mkFlake { inherit inputs; } {
    imports = [ ./modules/flake-module.nix ];
    flake.nixosConfigurations.linux = nixpkgs.lib.nixosSystem { modules = [ ./machines/linux.nix ]; };
    flake.nixosConfigurations.builder = nixpkgs.lib.nixosSystem { modules = [ ./machines/builder.nix ]; };
  };
}`,
    "modules/flake-module.nix": `{ self, ... }: {
  flake.nixosModules.server = { imports = [ ./admins.nix ]; };
  flake.darwinModules = {
    server.imports = [ ./admins.nix ./mac-only.nix ];
    builder.imports = [ self.darwinModules.server ];
  };
}`,
    "modules/admins.nix": SUDO,
    "modules/mac-only.nix": FIREWALL_OFF,
    "machines/linux.nix": `{ self, ... }: { imports = [ self.nixosModules.server ]; }`,
    // A machine of the list whose own module imports a darwin module (a clan machine of class darwin).
    "machines/builder.nix": `{ self, ... }: { imports = [ self.darwinModules.builder ]; }`,
  };

  // (A path literal inside the darwin module, `./mac-only.nix`, is still read as a reference of
  // the whole file, so linux reaches it too: the skip covers references to the flake's outputs.)
  it("the shared module the darwin module imports through self.darwinModules stays the darwin-importing host's", async () => {
    expect((await hostsOf(files, "modules/admins.nix", "sudo-nopasswd")).hosts).toEqual(["builder", "linux"]);
  });
});
