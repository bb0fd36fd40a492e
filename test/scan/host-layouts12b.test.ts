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

describe("clan machines declared in Nix (clan-core's lib.clan / lib.buildClan, its flake-parts module)", () => {
  const lib = (machines: string, folders: Record<string, string> = {}) => ({
    "flake.nix": `{
  inputs.clan-core.url = "https://git.clan.lol/clan/clan-core/archive/main.tar.gz";
  inputs.nixpkgs.follows = "clan-core/nixpkgs";
  outputs = { self, clan-core, ... }:
    let
      clan = clan-core.lib.buildClan {
        directory = self;
        meta.name = "demo";
        ${machines}
      };
    in { inherit (clan) nixosConfigurations clanInternals; };
}`,
    "modules/shared.nix": ROOT_LOGIN,
    "modules/desktop.nix": SUDO,
    ...folders,
  });

  it("a machine written in `machines` with no folder is a host made of the modules it imports", async () => {
    const files = lib(`machines = { gamma = { imports = [ ./modules/shared.nix ]; }; web = { imports = [ ./modules/desktop.nix ]; }; };`);
    const { hosts, report } = await hostsOf(files, "modules/shared.nix");
    expect(report.hosts).toEqual(["gamma", "web"]);
    expect(hosts).toEqual(["gamma"]);
  });

  it("a machine of a folder takes the modules the clan call gives it too", async () => {
    const files = lib(`machines.alpha.imports = [ ./modules/shared.nix ];`, { "machines/alpha/configuration.nix": PLAIN, "machines/beta/configuration.nix": PLAIN });
    const { hosts, report } = await hostsOf(files, "modules/shared.nix");
    expect(report.hosts).toEqual(["alpha", "beta"]);
    expect(hosts).toEqual(["alpha"]);
  });

  it("flake-parts' `clan = { ... }`: machines and inventory machines are hosts, a darwin inventory machine is not", async () => {
    const files = {
      "flake.nix": `{
  inputs.clan-core.url = "https://git.clan.lol/clan/clan-core/archive/main.tar.gz";
  inputs.flake-parts.url = "github:hercules-ci/flake-parts";
  outputs = inputs@{ flake-parts, ... }: flake-parts.lib.mkFlake { inherit inputs; } {
    systems = [ "x86_64-linux" ];
    imports = [ inputs.clan-core.flakeModules.default ./clan.nix ];
  };
}`,
      "clan.nix": `{ clan = {
  meta.name = "demo";
  machines.gamma = { imports = [ ./modules/shared.nix ]; };
  inventory.machines.delta.tags = [ "server" ];
  inventory.machines.mac = { machineClass = "darwin"; };
  inventory.instances.admin.roles.default.machines.gamma = { };
}; }`,
      "modules/shared.nix": ROOT_LOGIN,
    };
    const { hosts, report } = await hostsOf(files, "modules/shared.nix");
    expect(report.hosts).toEqual(["delta", "gamma"]);
    expect(hosts).toEqual(["gamma"]);
  });

  it("look-alike: `machines` of a service instance's role, or inside a machine's module, names no host", async () => {
    const files = lib(`machines.gamma = { imports = [ ./modules/shared.nix ]; services.monitor.machines.db = { }; };
        inventory.instances.admin.roles.default.machines.ghost = { };`);
    expect((await scanMemory(files)).hosts).toEqual(["gamma"]);
  });
});

describe("clan machines built by a function", () => {
  it("look-alike: `machines = mapAttrs (name: c: { imports = ...; config = ...; }) hosts` names no machine 'imports' or 'config'", async () => {
    const files = {
      "flake.nix": `{
  inputs.clan-core.url = "https://git.clan.lol/clan/clan-core/archive/main.tar.gz";
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  inputs.flake-parts.url = "github:hercules-ci/flake-parts";
  outputs = inputs@{ flake-parts, nixpkgs, ... }: flake-parts.lib.mkFlake { inherit inputs; } ({ self, ... }: {
    systems = [ "x86_64-linux" ];
    imports = [ inputs.clan-core.flakeModules.default ];
    clan.machines = builtins.mapAttrs (hostname: c: { imports = c._module.args.modules; config = { }; }) self.base;
    clan.inventory.machines = builtins.mapAttrs (hostname: _: { machineClass = "darwin"; }) self.macs;
  });
}`,
      "modules/shared.nix": ROOT_LOGIN,
    };
    expect((await scanMemory(files)).hosts).toEqual([]);
  });
});

describe("a nilla project: NixOS systems under systems.nixos.<name>", () => {
  const files = (extra: Record<string, string> = {}) => ({
    "nilla.nix": `let pins = import ./npins; nilla = import pins.nilla; in nilla.create { includes = [ ./nilla "\${pins.nilla-nixos}/modules/nixos.nix" ]; }`,
    "flake.nix": `{ outputs = { self, ... }: { darwinConfigurations = (import ./nilla.nix).systems.macos; }; }`,
    "nilla/default.nix": `{ includes = [ ./systems ]; }`,
    "nilla/systems/default.nix": `{ includes = [ ./nixos/web ./nixos/desk ./macos/mac ]; }`,
    "nilla/systems/nixos/web/default.nix": `{ config }: {
  config = {
    colmena.nodes.web.deployment.tags = [ "server" ];
    systems.nixos.web = { pkgs = config.inputs.nixpkgs.result.x86_64-linux; args.host = "web"; modules = [ ./configuration.nix ../modules ]; };
  };
}`,
    "nilla/systems/nixos/web/configuration.nix": `{ security.sudo.wheelNeedsPassword = false; }`,
    "nilla/systems/nixos/desk/default.nix": `{ config }: { config.systems.nixos.desk.modules = [ ./configuration.nix ../modules ]; }`,
    "nilla/systems/nixos/desk/configuration.nix": PLAIN,
    "nilla/systems/nixos/modules/default.nix": `{ imports = [ ./ssh.nix ]; }`,
    "nilla/systems/nixos/modules/ssh.nix": ROOT_LOGIN,
    "nilla/systems/macos/mac/default.nix": `{ config }: { config.systems.macos.mac = { modules = [ ./configuration.nix ]; }; }`,
    "nilla/systems/macos/mac/configuration.nix": ROOT_LOGIN,
    "nilla/explain.nix": `{ config }: { config.explain = builtins.mapAttrs (name: s: { "systems.nixos.\${name}" = { modules = [ ./x.nix ]; }; }) config.systems.nixos; }`,
    ...extra,
  });

  it("each system is a host, the modules its list names are its own", async () => {
    const { hosts, report } = await hostsOf(files(), "nilla/systems/nixos/modules/ssh.nix");
    expect(report.hosts).toEqual(["desk", "web"]);
    expect(hosts).toEqual(["desk", "web"]);
    expect((await hostsOf(files(), "nilla/systems/nixos/web/configuration.nix", "sudo-nopasswd")).hosts).toEqual(["web"]);
  });

  it("look-alike: a macos system, and names computed in a function, are no NixOS hosts", async () => {
    const report = await scanMemory(files());
    expect(report.findings.filter((f) => f.file === "nilla/systems/macos/mac/configuration.nix").flatMap((f) => f.host ?? [])).toEqual([]);
  });

  it("look-alike: the same layout without nilla.nix declares nothing", async () => {
    const f: Record<string, string> = files();
    delete f["nilla.nix"];
    expect((await scanMemory(f)).hosts).toEqual([]);
  });
});
