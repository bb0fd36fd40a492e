// Host attribution for builder layouts the admin found wrong on a fresh sample (issue 11, point 3):
// colmena hives (`defaults` given to every node, `makeHive { ... }` merged into
// nixosConfigurations), modules a host builder adds to every host (`pipe ./. [ readDir attrNames
// (flip genAttrs (host: nixosSystem { ... })) ]`), options behind an enable flag. Each case has a
// look-alike that must not be named.
import { describe, expect, it } from "vitest";
import { hostsOf, PLAIN, ROOT_LOGIN } from "../helpers/hosts.js";

const PASSWORDS = `{ services.openssh.enable = true; services.openssh.settings.PasswordAuthentication = true; }`;

const flake = (outputs: string, args = "{ self, nixpkgs, colmena, ... }@inputs") => `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  inputs.colmena.url = "github:zhaofengli/colmena";
  outputs = ${args}: ${outputs};
}`;

// A module of the flake's own, off unless a host turns it on.
const gatedModule = (option: string) => `{ config, lib, ... }:
let cfg = config.my.${option}; in {
  options.my.${option}.enable = lib.mkEnableOption "${option}";
  config = lib.mkIf cfg.enable ${ROOT_LOGIN};
}`;

describe("host attribution: colmena hives, builder-added modules, enable flags", () => {
  it("nodes of `makeHive { defaults = { name, ... }: { imports = [ ./machines/${name}.nix ./common ]; }; <node> = { }; }` merged with `// hive.nodes`: common is every node's and the desktop's; a machine file is its node's", async () => {
    const files = {
      "flake.nix": flake(`rec {
        hive = colmena.lib.makeHive {
          meta.nixpkgs = import nixpkgs { system = "x86_64-linux"; };
          defaults = { name, lib, ... }: {
            imports = [ ./machines/\${name}.nix ./common ] ++ (import ./modules/list.nix);
          };
          cedar = { };
          oak = { };
        };
        nixosConfigurations = {
          desk = nixpkgs.lib.nixosSystem { modules = [ ./machines/desk.nix ./common ] ++ (import ./modules/list.nix); };
        } // hive.nodes;
      }`),
      "common/default.nix": PASSWORDS,
      "modules/list.nix": `[ ./tunnel ]`,
      "modules/tunnel/default.nix": gatedModule("tunnel"),
      "machines/desk.nix": PLAIN,
      "machines/cedar.nix": `{ my.tunnel.enable = true; }`,
      "machines/oak.nix": ROOT_LOGIN,
    };
    expect((await hostsOf(files, "common/default.nix", "ssh-password-authentication")).hosts).toEqual(["cedar", "desk", "oak"]);
    // Behind its enable flag, the module is the host's that turns it on, not every importer's.
    expect((await hostsOf(files, "modules/tunnel/default.nix")).hosts).toEqual(["cedar"]);
    // The look-alike: a machine file is its own node's alone.
    const { report } = await hostsOf(files, "machines/oak.nix");
    const oak = report.findings.filter((x) => x.file === "machines/oak.nix");
    expect(oak.length).toBeGreaterThan(0);
    for (const f of oak) expect(f.host).toEqual(["oak"]);
  });

  it("nodes of a flake's `colmena = { meta = ...; defaults = { imports = [ ./base.nix ]; }; <node> = { imports = [ ... ]; }; }`: base is every node's; the input `colmena.url` is no hive", async () => {
    const files = {
      "flake.nix": flake(`{
        colmena = {
          meta = { nixpkgs = import nixpkgs { system = "x86_64-linux"; }; };
          defaults = { imports = [ ./base.nix ]; };
          web = { imports = [ ./hosts/web.nix ]; deployment.targetHost = "web.example"; };
          db = { name, ... }: { imports = [ ./hosts/db.nix ]; };
        };
      }`),
      "base.nix": ROOT_LOGIN,
      "hosts/web.nix": PLAIN,
      "hosts/db.nix": `{ services.openssh.enable = true; services.openssh.settings.PasswordAuthentication = true; }`,
    };
    const { hosts, report } = await hostsOf(files, "base.nix");
    expect(hosts).toEqual(["db", "web"]);
    expect(report.hosts).toEqual(["db", "web"]);
    for (const f of report.findings.filter((x) => x.file === "hosts/db.nix")) expect(f.host).toEqual(["db"]);
  });

  it("hosts of `pipe ./. [ readDir (flip removeAttrs [ \"default.nix\" ]) attrNames (flip genAttrs (host: nixosSystem { modules = [ ../profiles/common.nix ./${host} ]; })) ]`: the common profile is every host's, a host's folder its own", async () => {
    const files = {
      "flake.nix": flake(`{ nixosConfigurations = import ./hosts inputs; }`),
      "hosts/default.nix": `{ self, nixpkgs, ... }: let inherit (nixpkgs) lib; in lib.pipe ./. [
        builtins.readDir
        (lib.flip removeAttrs [ "default.nix" ])
        builtins.attrNames
        (lib.flip lib.genAttrs (host: lib.nixosSystem { modules = [ ../profiles/common.nix ./\${host} ]; }))
      ]`,
      "profiles/common.nix": ROOT_LOGIN,
      "profiles/unused.nix": ROOT_LOGIN,
      "hosts/north/default.nix": `{ imports = [ ./web.nix ]; }`,
      "hosts/north/web.nix": `{ services.openssh.enable = true; services.openssh.settings.PasswordAuthentication = true; }`,
      "hosts/south/default.nix": PLAIN,
    };
    expect((await hostsOf(files, "profiles/common.nix")).hosts).toEqual(["north", "south"]);
    // The look-alikes: a profile no host imports is no host's; north's folder is north's.
    const { report } = await hostsOf(files, "profiles/common.nix");
    expect(report.findings.filter((x) => x.file === "profiles/unused.nix").flatMap((x) => x.host ?? [])).toEqual([]);
    const web = report.findings.filter((x) => x.file === "hosts/north/web.nix");
    expect(web.length).toBeGreaterThan(0);
    for (const f of web) expect(f.host).toEqual(["north"]);
  });

  it("hosts of `libx.genNixos hosts.nixos` (`libx = import ./lib { ... }`, `genNixos = mapAttrs mkHost`, `hosts = import ./hosts.nix`), modules `with inputs; [ ... ] ++ [ \"${self}/system\" ]`, folders listed by a specialArg helper (`imports = allDirs \"${self}/modules\"`) and `\"${self}/system/machine/${machineDir}\"`", async () => {
    const files = {
      "flake.nix": flake(`let
        hosts = import ./hosts.nix;
        libx = import ./lib { inherit self inputs; };
      in { nixosConfigurations = libx.genNixos hosts.nixos; }`),
      "hosts.nix": `{ nixos = { red = { user = "a"; }; blue = { user = "b"; }; }; darwin = { }; }`,
      "lib/default.nix": `{ self, inputs }: let
        allDirs = dirName: builtins.filter (m: builtins.pathExists m) (map (m: "\${dirName}/\${m}") (builtins.attrNames (builtins.readDir dirName)));
        mkHost = machineDir: { user ? "x", kind ? "nixos" }: inputs.nixpkgs.lib.nixosSystem {
          specialArgs = { inherit self allDirs machineDir kind user; };
          modules = with inputs; [ disko.nixosModules.disko ] ++ [ "\${self}/system" ];
        };
      in { genNixos = builtins.mapAttrs mkHost; }`,
      "system/default.nix": `{ self, machineDir, kind, lib, ... }: let
        machinePath = "\${self}/system/machine/\${machineDir}";
      in { imports = [ "\${self}/modules" "\${self}/system/\${kind}/modules" ] ++ lib.optional (builtins.pathExists machinePath) machinePath; }`,
      "modules/default.nix": `{ self, allDirs, ... }: { imports = allDirs "\${self}/modules"; }`,
      "modules/ssh/default.nix": PASSWORDS,
      "system/nixos/modules/default.nix": `{ self, allDirs, ... }: let dir = "\${self}/system/nixos/modules"; in { imports = allDirs dir; }`,
      "system/nixos/modules/tunnel/default.nix": gatedModule("tunnel"),
      "system/machine/red/default.nix": `{ my.tunnel.enable = true; }`,
      "system/machine/blue/default.nix": PLAIN,
      "system/machine/blue/web.nix": ROOT_LOGIN,
    };
    const { hosts, report } = await hostsOf(files, "modules/ssh/default.nix", "ssh-password-authentication");
    expect(hosts).toEqual(["blue", "red"]);
    expect(report.hosts).toEqual(["blue", "red"]);
    expect((await hostsOf(files, "system/nixos/modules/tunnel/default.nix")).hosts).toEqual(["red"]);
    // The look-alike: blue's folder file that its default.nix does not import is no host's.
    expect(report.findings.filter((x) => x.file === "system/machine/blue/web.nix").flatMap((x) => x.host ?? [])).toEqual([]);
  });

  it("host records given to a helper in a list (`mkConfigurations \"x86_64-linux\" [ { hostName = \"LAPTOP-1\"; modules = [ ./hosts/laptop ]; } ]`): each record is a host named by its hostName, not its attributes", async () => {
    const files = {
      "flake.nix": flake(`{
        lib = import ./lib { inherit (nixpkgs) lib; };
        nixosConfigurations = self.lib.mkConfigurations "x86_64-linux" [
          { hostName = "LAPTOP-1"; modules = [ ./hosts/laptop ]; }
          { hostName = "ISO-1"; modules = [ ./hosts/iso ]; specialArgs = { flavour = "iso"; }; }
        ];
      }`),
      "lib/default.nix": `{ lib }: {
        mkConfigurations = system: list: lib.listToAttrs (map ({ hostName, modules, ... }: {
          name = hostName;
          value = lib.nixosSystem { modules = [ ../common.nix { networking.hostName = hostName; } ] ++ modules; };
        }) list);
      }`,
      "common.nix": PASSWORDS,
      "hosts/laptop/default.nix": ROOT_LOGIN,
      "hosts/iso/default.nix": PLAIN,
    };
    const { hosts, report } = await hostsOf(files, "hosts/laptop/default.nix");
    expect(hosts).toEqual(["LAPTOP-1"]);
    expect(report.hosts).toEqual(["ISO-1", "LAPTOP-1"]);
    expect((await hostsOf(files, "common.nix", "ssh-password-authentication")).hosts).toEqual(["ISO-1", "LAPTOP-1"]);
  });

  it("modules of a folder the flake exports (`roles = lib.findModules ./roles;`) imported as `self.roles.desktop` or `with inputs.self; [ profiles.base ]`: the folder's module is the importing hosts'", async () => {
    const files = {
      "flake.nix": flake(`let lib = import ./lib.nix; in {
        roles = lib.findModules ./roles;
        profiles = lib.findModules ./profiles;
        nixosConfigurations.desk = nixpkgs.lib.nixosSystem { specialArgs = { inherit inputs; }; modules = [ ./hosts/desk.nix ]; };
        nixosConfigurations.nas = nixpkgs.lib.nixosSystem { specialArgs = { inherit inputs; }; modules = [ ./hosts/nas.nix ]; };
      }`),
      "lib.nix": `{ findModules = dir: builtins.mapAttrs (n: _: dir + "/\${n}") (builtins.readDir dir); }`,
      "hosts/desk.nix": `{ inputs, ... }: { imports = with inputs; [ self.roles.desktop ]; }`,
      "hosts/nas.nix": `{ inputs, ... }: { imports = with inputs.self; [ profiles.base ]; }`,
      "roles/desktop.nix": `{ inputs, ... }: { imports = with inputs.self; [ profiles.base profiles.users.alice ]; }`,
      "profiles/base.nix": PASSWORDS,
      "profiles/users/alice/default.nix": ROOT_LOGIN,
      "profiles/unused.nix": ROOT_LOGIN,
    };
    expect((await hostsOf(files, "profiles/base.nix", "ssh-password-authentication")).hosts).toEqual(["desk", "nas"]);
    const { hosts, report } = await hostsOf(files, "profiles/users/alice/default.nix");
    expect(hosts).toEqual(["desk"]);
    // The look-alike: a module of the folder that nothing imports is no host's.
    expect(report.findings.filter((x) => x.file === "profiles/unused.nix").flatMap((x) => x.host ?? [])).toEqual([]);
  });

  it("a helper of a library taken with `inherit (util) host;` (`util = import ./lib { ... }`, `host = import ./host.nix { ... }`, a file whose body is `with builtins; { mkHost = ...; }`): each host has the helper's modules", async () => {
    const files = {
      "flake.nix": flake(`let
        util = import ./lib { inherit inputs; };
        inherit (util) host;
      in {
        nixosConfigurations.lift = host.mkHost { name = "lift"; };
        nixosConfigurations.cabin = host.mkHost { name = "cabin"; };
      }`),
      "lib/default.nix": `{ inputs }: rec { host = import ./host.nix { inherit inputs; }; }`,
      "lib/host.nix": `{ inputs }: with builtins; { mkHost = { name }: inputs.nixpkgs.lib.nixosSystem { modules = [ ../modules/system { networking.hostName = name; } ]; }; }`,
      "modules/system/default.nix": `{ imports = [ ./ssh.nix ]; }`,
      "modules/system/ssh.nix": PASSWORDS,
      "modules/other.nix": ROOT_LOGIN,
    };
    const { hosts, report } = await hostsOf(files, "modules/system/ssh.nix", "ssh-password-authentication");
    expect(hosts).toEqual(["cabin", "lift"]);
    // The look-alike: a module the helper does not import is no host's.
    expect(report.findings.filter((x) => x.file === "modules/other.nix").flatMap((x) => x.host ?? [])).toEqual([]);
  });
});
