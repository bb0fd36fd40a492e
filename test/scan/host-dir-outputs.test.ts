// Host attribution through flake outputs built by listing a directory of modules (`profiles =
// lib.findModules ./profiles; roles = lib.findModules ./roles;`), which hosts import as
// `self.roles.server`, `inputs.self.profiles.users.alice` or `with inputs.self; [ roles.base ]`
// (ners/NixOS: profiles/network.nix turned the firewall off on every host, and was reported as dead
// code). The look-alikes: a module of the same folder no host names, and an output that is not
// built from a directory.
import { describe, expect, it } from "vitest";
import { hostsOf, PLAIN, ROOT_LOGIN } from "../helpers/hosts.js";

const files = {
  "flake.nix": `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = inputs@{ self, nixpkgs, ... }:
    let lib = import ./lib { inherit inputs; };
    in {
      profiles = lib.findModules ./profiles;
      roles = lib.findModules ./roles;
      extras = import ./extras.nix;
      nixosConfigurations = {
        server = nixpkgs.lib.nixosSystem { modules = [ ./hosts/server ]; specialArgs = { inherit inputs; }; };
        laptop = nixpkgs.lib.nixosSystem { modules = [ ./hosts/laptop ]; specialArgs = { inherit inputs; }; };
      };
    };
}`,
  "lib/default.nix": `{ inputs }: { findModules = dir: builtins.mapAttrs (n: _: dir + "/\${n}") (builtins.readDir dir); }`,
  "hosts/server/default.nix": `{ inputs, ... }: { imports = with inputs; [ self.roles.server self.profiles.users.alice ]; }`,
  "hosts/laptop/default.nix": `{ inputs, ... }: { imports = [ inputs.self.roles.base ]; }`,
  "roles/server.nix": `{ inputs, ... }: { imports = with inputs.self; [ roles.base ]; }`,
  "roles/base.nix": `{ inputs, ... }: { imports = with inputs.self; [ profiles.network ]; }`,
  "profiles/network.nix": ROOT_LOGIN,
  "profiles/users/alice/default.nix": `{ networking.firewall.enable = false; }`,
  "profiles/unused.nix": `# unused\n${ROOT_LOGIN}`,
  "extras.nix": PLAIN,
};

describe("host attribution: outputs listing a directory of modules", () => {
  it("`self.roles.x`, `inputs.self.profiles.users.x` and `with inputs.self; [ roles.x ]` name the modules of the listed folders", async () => {
    expect((await hostsOf(files, "profiles/network.nix")).hosts).toEqual(["laptop", "server"]);
    expect((await hostsOf(files, "profiles/users/alice/default.nix", "firewall-disabled")).hosts).toEqual(["server"]);
  });

  it("a module of the folder no host names stays no host's", async () => {
    const { report } = await hostsOf(files, "profiles/network.nix");
    const unused = [...report.findings, ...report.suppressed].filter((f) => f.file === "profiles/unused.nix");
    for (const f of unused) expect(f.host ?? []).toEqual([]);
  });
});

describe("host attribution: module lists a let binds by dotted paths", () => {
  it("`let profiles.base = [ ... ]; profiles.server = profiles.base ++ [ ... ]; in` names the modules of each list, for the hosts that use it", async () => {
    const files = {
      "flake.nix": `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = { self, nixpkgs, ... }: {
    nixosConfigurations =
      let
        profiles.base = [ configs/base.nix ];
        profiles.server = [ configs/monitoring.nix ];
        profiles.desktop = [ configs/desktop.nix ];
      in
      {
        web = nixpkgs.lib.nixosSystem { modules = profiles.base ++ profiles.server ++ [ systems/web.nix ]; };
        laptop = nixpkgs.lib.nixosSystem { modules = profiles.base ++ profiles.desktop ++ [ systems/laptop.nix ]; };
      };
  };
}`,
      "configs/base.nix": `{ networking.firewall.enable = false; }`,
      "configs/monitoring.nix": ROOT_LOGIN,
      "configs/desktop.nix": PLAIN,
      "systems/web.nix": PLAIN,
      "systems/laptop.nix": PLAIN,
    };
    expect((await hostsOf(files, "configs/monitoring.nix")).hosts).toEqual(["web"]);
    expect((await hostsOf(files, "configs/base.nix", "firewall-disabled")).hosts).toEqual(["laptop", "web"]);
  });
});

describe("host attribution: colmena hives", () => {
  it("each node of `colmena.lib.makeHive { defaults = { name, ... }: { imports = [ ./machines/${name}.nix ]; }; web = { }; }` is a host made of its module and the defaults", async () => {
    const files = {
      "flake.nix": `{
  inputs.colmena.url = "github:zhaofengli/colmena";
  outputs = { self, nixpkgs, colmena, ... }@inputs: rec {
    colmenaHive = colmena.lib.makeHive {
      meta.nixpkgs = import nixpkgs { system = "x86_64-linux"; };
      defaults = { name, ... }: { imports = [ ./machines/\${name}.nix ./presets/server ]; };
      web = { };
      db = { imports = [ ./extra/db.nix ]; };
    };
    nixosConfigurations = colmenaHive.nodes;
  };
}`,
      "machines/web.nix": ROOT_LOGIN,
      "machines/db.nix": PLAIN,
      "machines/old.nix": `{ networking.firewall.enable = false; }`,
      "presets/server/default.nix": `{ networking.firewall.enable = false; }`,
      "extra/db.nix": PLAIN,
    };
    expect((await hostsOf(files, "machines/web.nix")).hosts).toEqual(["web"]);
    expect((await hostsOf(files, "presets/server/default.nix", "firewall-disabled")).hosts).toEqual(["db", "web"]);
    // A machine file no node is named for stays no host's.
    const { report } = await hostsOf(files, "machines/web.nix");
    for (const f of [...report.findings, ...report.suppressed].filter((x) => x.file === "machines/old.nix")) expect(f.host ?? []).toEqual([]);
  });
});
