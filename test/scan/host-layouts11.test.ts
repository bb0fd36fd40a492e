// Host attribution for layouts admins found wrong in round 10 (issue 11, point 3): a helper of an
// imported library that maps a set of hosts to nixosSystem calls, per-host folders it loads by the
// host's name, a listing helper handed to modules inside a specialArg set, options whose default
// follows another option, per-host arguments read with `or` defaults. Each case has a look-alike.
import { describe, expect, it } from "vitest";
import { hostsOf, PLAIN, ROOT_LOGIN } from "../helpers/hosts.js";
import { scanMemory } from "../helpers/memory.js";

const flake = (outputs: string, args = "{ self, nixpkgs, ... }@inputs") => `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = ${args}: ${outputs};
}`;

// `lib/default.nix`: `makeConfigurations systems` maps each entry to `makeHost`, which loads the
// host's folder, its configs/*.nix and the shared modules, and hands the modules `mylib`.
const library = `{ inputs }:
let lib = inputs.nixpkgs.lib; in
rec {
  allNixFiles = dir: builtins.map (n: "\${dir}/\${n}") (builtins.attrNames (lib.filterAttrs (n: v: lib.hasSuffix ".nix" n && v == "regular") (builtins.readDir dir)));
  allDirs = dir: builtins.map (n: "\${dir}/\${n}") (builtins.attrNames (lib.filterAttrs (n: v: v == "directory") (builtins.readDir dir)));
  makeConfigurations = systems: lib.mapAttrs (host: config: makeHost { hostname = host; isDesktop = config.isDesktop or true; }) systems;
  makeHost = { hostname, isDesktop }: lib.nixosSystem {
    specialArgs = { inherit isDesktop; mylib = { inherit allNixFiles allDirs; }; };
    modules =
      let
        machineDir = ../machines + "/\${hostname}";
        custom = machineDir + "/configs";
      in
      [ ../modules machineDir ] ++ lib.optionals (builtins.pathExists custom) (allNixFiles custom);
  };
}`;

const files = (extra: Record<string, string> = {}) => ({
  "flake.nix": flake(`let
      lib = import ./lib { inherit inputs; };
      systems = {
        desk = { };
        nas = { isDesktop = false; };
        stick = { isDesktop = false; };
      };
    in { nixosConfigurations = lib.makeConfigurations systems; }`),
  "lib/default.nix": library,
  "modules/default.nix": `{ config, lib, mylib, isDesktop, ... }: {
    imports = mylib.allDirs ./.;
    options.my.enable = (lib.mkEnableOption "my modules") // { default = true; };
    config = lib.mkIf config.my.enable {
      services.openssh.enable = true;
      services.openssh.settings.PasswordAuthentication = lib.mkIf isDesktop true;
    };
  }`,
  "modules/sudo/default.nix": `{ config, lib, ... }:
let cfg = config.my.sudo; in {
  options.my.sudo.enable = (lib.mkEnableOption "sudo") // { default = config.my.enable; };
  config = lib.mkIf cfg.enable { security.sudo.wheelNeedsPassword = false; };
}`,
  "machines/desk/default.nix": PLAIN,
  "machines/nas/default.nix": PLAIN,
  "machines/nas/configs/share.nix": ROOT_LOGIN,
  "machines/stick/default.nix": `{ my.enable = false; }`,
  ...extra,
});

describe("hosts a library helper maps from a set, with per-host folders", () => {
  it("lists the set's entries as hosts; a file of machines/<host>/configs is that host's alone", async () => {
    const { hosts, report } = await hostsOf(files(), "machines/nas/configs/share.nix");
    expect(report.hosts).toEqual(["desk", "nas", "stick"]);
    expect(hosts).toEqual(["nas"]);
  });

  it("look-alike: a configs file of another host names that host, not nas", async () => {
    const { hosts } = await hostsOf(files({ "machines/desk/configs/share.nix": ROOT_LOGIN }), "machines/desk/configs/share.nix");
    expect(hosts).toEqual(["desk"]);
  });

  it("a module listed by a helper inside a specialArg set (`mylib.allDirs ./.`) is every host's where its default-following gate holds", async () => {
    // my.sudo.enable defaults to my.enable (on by default, off on stick): reported at its severity.
    const { hosts, report } = await hostsOf(files(), "modules/sudo/default.nix", "sudo-nopasswd");
    expect(hosts).toEqual(["desk", "nas"]);
    expect(report.findings.find((f) => f.file === "modules/sudo/default.nix")?.message).not.toContain("no host enables this module");
  });

  it("a setting behind a per-host argument read with `or` (`config.isDesktop or true`) names the hosts where it holds", async () => {
    const { hosts } = await hostsOf(files(), "modules/default.nix", "ssh-password-authentication");
    expect(hosts).toEqual(["desk"]);
  });
});

describe("host folders listed with readDir, one filtered out, and modules a helper of lib/ lists", () => {
  const autowire = `{ lib }:
let safeReadDir = dir: if builtins.pathExists dir then builtins.readDir dir else { }; in {
  discoverModules = { dir }: lib.mapAttrs' (name: type: lib.nameValuePair (lib.removeSuffix ".nix" name) (import (dir + "/\${name}"))) (safeReadDir dir);
}`;
  const files = (filter: string) => ({
    "flake.nix": flake(`let
      lib = nixpkgs.lib;
      root = ./.;
      autowire = import ./lib/autowire.nix { inherit lib; };
      nixosModules = autowire.discoverModules { dir = root + /modules/nixos; };
      mkNixos = modules: nixpkgs.lib.nixosSystem { modules = modules ++ [ { imports = builtins.attrValues nixosModules; } ]; };
    in {
      nixosConfigurations =
        let
          hosts = lib.pipe (builtins.readDir (root + /configurations/nixos)) [
            (lib.filterAttrs (name: type: ${filter}))
            lib.attrNames
          ];
          mkHost = host: lib.nameValuePair host (mkNixos [ ./configurations/nixos/\${host} ]);
        in
        lib.listToAttrs (map mkHost hosts);
    }`),
    "lib/autowire.nix": autowire,
    "modules/nixos/sshd.nix": ROOT_LOGIN,
    "configurations/nixos/web/default.nix": PLAIN,
    "configurations/nixos/db/default.nix": PLAIN,
    "configurations/nixos/retired/default.nix": PLAIN,
    "configurations/nixos/retired/old/default.nix": `{ services.openssh.enable = true; services.openssh.settings.PasswordAuthentication = true; }`,
  });

  it("the folders are hosts but the one the filter leaves out; the listed modules are every host's; a retired host's file is built by none", async () => {
    const { hosts, report } = await hostsOf(files(`type == "directory" && name != "retired"`), "modules/nixos/sshd.nix");
    expect(report.hosts).toEqual(["db", "web"]);
    expect(hosts).toEqual(["db", "web"]);
    expect(report.findings.filter((f) => f.file.startsWith("configurations/nixos/retired/"))).toEqual([]);
    expect(report.suppressed.filter((f) => f.file === "configurations/nixos/retired/old/default.nix").map((f) => f.suppressedBy.kind)).toContain("unused");
  });

  it("look-alike: a filter leaving out another name keeps the folder a host of its own", async () => {
    const { report } = await hostsOf(files(`type == "directory" && name != "legacy"`), "modules/nixos/sshd.nix");
    expect(report.hosts).toEqual(["db", "retired", "web"]);
  });
});

describe("hosts built by a helper file a let-bound set imports, reaching the flake's outputs through self", () => {
  const files = (hostModule: string) => ({
    "flake.nix": flake(`let
      utils = {
        toValues = attrs: nixpkgs.lib.attrValues attrs;
        mkModules = import ./lib/make-modules.nix { inherit self nixpkgs; };
        setUp = import ./lib/setup.nix { inherit self nixpkgs; };
      };
    in {
      inherit utils;
      nixosModules = { sshd = import ./modules/sshd.nix; };
      nixosConfigurations = {
        "laptop@home" = utils.setUp { name = "laptop@home"; };
        "desk@work" = utils.setUp { name = "desk@work"; };
      };
    }`),
    "lib/setup.nix": `{ self, nixpkgs }: { name }: nixpkgs.lib.nixosSystem {
      modules = self.utils.mkModules { extraModules = [ (../hosts + "/\${name}" + /configuration.nix) ]; };
    }`,
    "lib/make-modules.nix": `{ self, nixpkgs }: { extraModules ? [ ] }: [ { networking.firewall.enable = true; } ] ++ self.utils.toValues self.nixosModules ++ extraModules`,
    "modules/sshd.nix": `{ config, lib, ... }: { options.my.sshd.enable = lib.mkEnableOption "sshd"; config = lib.mkIf config.my.sshd.enable ${ROOT_LOGIN}; }`,
    "hosts/laptop@home/configuration.nix": hostModule,
    "hosts/desk@work/configuration.nix": PLAIN,
    "users/me@home/home.nix": `{ home.stateVersion = "24.05"; programs.git.enable = true; }`,
  });

  it("a host's folder with '@' in its name is that host's; the outputs' modules the helper adds are every host's, gated per host", async () => {
    const { hosts, report } = await hostsOf(files(`{ my.sshd.enable = true; home-manager.users.me = ./. + "/../../users/me@home/home.nix"; }`), "modules/sshd.nix");
    expect([...report.hosts].sort()).toEqual(["desk@work", "laptop@home"]);
    expect(hosts).toEqual(["laptop@home"]);
  });

  it("look-alike: the host file with a finding of its own names its host only", async () => {
    const { hosts } = await hostsOf(files(ROOT_LOGIN), "hosts/laptop@home/configuration.nix");
    expect(hosts).toEqual(["laptop@home"]);
  });
});

describe("a readTree depot (no flake): machines listed from the depot's tree, modules named under its root", () => {
  const files = (list: string) => ({
    "default.nix": `{ ... }: let readTree = import ./nix/readTree { }; in readTree.fix (self: readTree { args = { depot = self; }; path = ./.; })`,
    "nix/readTree/default.nix": `{ }: { fix = f: let x = f x; in x; }`,
    "ops/machines/all-systems.nix": `{ depot, ... }: (with depot.ops.machines; [ ${list} ])`,
    "ops/machines/web/default.nix": `{ depot, lib, ... }: { config, ... }:
let mod = name: depot.path.origSrc + ("/ops/modules/" + name); in {
  imports = [ (mod "defaults.nix") (mod "tunnel.nix") ];
}`,
    "ops/machines/db/default.nix": `{ depot, lib, ... }: { config, ... }:
let mod = name: depot.path.origSrc + ("/ops/modules/" + name); in {
  imports = [ (mod "defaults.nix") ];
}`,
    "ops/modules/defaults.nix": `{ depot, ... }: let mod = name: depot.path.origSrc + "/ops/modules/\${name}"; in { imports = [ (mod "sshd.nix") ]; }`,
    "ops/modules/sshd.nix": ROOT_LOGIN,
    "ops/modules/tunnel.nix": `{ services.openssh.enable = true; services.openssh.settings.PasswordAuthentication = true; }`,
    "patterns/vm/flake.nix": flake(`{ nixosConfigurations.vm = nixpkgs.lib.nixosSystem { modules = [ ({ name, ... }: { }) ./vm.nix ]; }; }`),
    "patterns/vm/vm.nix": PLAIN,
  });

  it("the listed machines are hosts; a module reached through a chain of defaults is each machine's that imports it", async () => {
    const { hosts, report } = await hostsOf(files("web db"), "ops/modules/sshd.nix");
    expect(report.hosts).toEqual(["db", "patterns/vm#vm", "web"]);
    expect(hosts).toEqual(["db", "web"]);
    expect((await hostsOf(files("web db"), "ops/modules/tunnel.nix", "ssh-password-authentication")).hosts).toEqual(["web"]);
  });

  it("look-alike: a machine the list does not name is no host", async () => {
    const { report } = await hostsOf(files("web"), "ops/modules/sshd.nix");
    expect(report.hosts).toEqual(["patterns/vm#vm", "web"]);
  });
});

describe("flake-utils-plus: mkFlake { hosts.<name>.modules; hostDefaults.modules } with exportModules", () => {
  const files = (extra: Record<string, string> = {}) => ({
    "flake.nix": flake(
      `let suites = import ./suites.nix { inherit utils; }; in
      with suites.nixosModules;
      utils.lib.mkFlake {
        inherit self inputs;
        hosts.desk.modules = suites.desktopModules ++ [ ./hosts/desk.host.nix ];
        hosts.server.modules = [ containers ./hosts/server.host.nix ];
        hosts.gone.modules = suites.desktopModules ++ [ ./hosts/gone.host.nix ];
        hostDefaults.modules = suites.sharedModules;
      }`,
      "{ self, nixpkgs, utils, ... }@inputs",
    ),
    "suites.nix": `{ utils }:
let
  nixosModules = utils.lib.exportModules [ ./config/personal.nix ./config/desktop.nix ./config/containers.nix ];
  sharedModules = with nixosModules; [ personal ];
  desktopModules = with nixosModules; [ desktop ];
in { inherit nixosModules sharedModules desktopModules; }`,
    "config/personal.nix": `{ security.sudo.wheelNeedsPassword = false; }`,
    "config/desktop.nix": ROOT_LOGIN,
    "config/containers.nix": PLAIN,
    "hosts/desk.host.nix": PLAIN,
    "hosts/server.host.nix": PLAIN,
    ...extra,
  });

  it("hostDefaults' modules are every host's, a suite's those of the hosts listing it; a host whose own file is missing is no host", async () => {
    const { hosts, report } = await hostsOf(files(), "config/personal.nix", "sudo-nopasswd");
    expect([...report.hosts].sort()).toEqual(["desk", "server"]);
    expect(hosts).toEqual(["desk", "server"]);
    expect((await hostsOf(files(), "config/desktop.nix")).hosts).toEqual(["desk"]);
  });

  it("look-alike: once the host's file exists, it is a host", async () => {
    const { hosts } = await hostsOf(files({ "hosts/gone.host.nix": PLAIN }), "config/desktop.nix");
    expect(hosts).toEqual(["desk", "gone"]);
  });
});

describe("look-alike: a specialArg's helper that lists nothing (`configLib.relativeToRoot`)", () => {
  it("still resolves its path with the host's values", async () => {
    const { hosts } = await hostsOf(
      {
        "flake.nix": flake(`let
          configLib = import ./lib { lib = nixpkgs.lib; };
          configVars = { username = "ta"; };
          mk = name: nixpkgs.lib.nixosSystem { specialArgs = { inherit configLib configVars; }; modules = [ ./hosts/\${name} ]; };
        in { nixosConfigurations = { a = mk "a"; b = mk "b"; }; }`),
        "lib/default.nix": `{ lib }: { relativeToRoot = lib.path.append ../.; }`,
        "hosts/a/default.nix": `{ configLib, configVars, ... }: { imports = [ (configLib.relativeToRoot "users/\${configVars.username}") ]; }`,
        "hosts/b/default.nix": PLAIN,
        "users/ta/default.nix": ROOT_LOGIN,
      },
      "users/ta/default.nix",
    );
    expect(hosts).toEqual(["a"]);
  });
});

describe("den aspects: hosts made of the aspects they include", () => {
  const HASH = "$argon2id$v=19$m=65540,t=3,p=4$bXlzYWx0bXlzYWx0$Pq4Vw1dYPkTpGxJx4qdu3rKiWJ0DhzEBOYp3Zx9Qk9I";
  const files = (boxIncludes: string) => ({
    "flake.nix": flake(`inputs.flake-parts.lib.mkFlake { inherit inputs; } { imports = [ (inputs.import-tree ./modules) ]; }`),
    "modules/hosts.nix": `{ ... }: { den.hosts.x86_64-linux = { box = { users.al = { }; }; laptop = { users.al = { }; }; }; }`,
    "modules/defaults.nix": `{ den, ... }: { den.default.includes = [ den.aspects.base ]; }`,
    "modules/aspects/base.nix": `{ ... }: { den.aspects.base.nixos = { services.other.settings.admin_hash = "${HASH}"; }; }`,
    "modules/aspects/media.nix": `{ ... }: { den.aspects.media.nixos = { services.vaultwarden.config.ADMIN_TOKEN = "${HASH}"; }; }`,
    "modules/aspects/unused.nix": `{ ... }: { den.aspects.unused.nixos = { services.openssh.enable = true; services.openssh.settings.PasswordAuthentication = true; }; }`,
    "hosts/box/default.nix": `{ den, ... }: { den.aspects = { al.provides.box = { includes = [ ${boxIncludes} ]; }; box = { nixos = { networking.hostName = "box"; }; }; }; }`,
    "hosts/laptop/default.nix": `{ den, ... }: { den.aspects.laptop = { nixos = { networking.hostName = "laptop"; }; }; }`,
  });

  it("an aspect a host's user provides for it is that host's; den.default's are every host's", async () => {
    const { hosts, report } = await hostsOf(files("den.aspects.media"), "modules/aspects/media.nix", "committed-password-hash");
    expect([...report.hosts].sort()).toEqual(["box", "laptop"]);
    expect(hosts).toEqual(["box"]);
    expect((await hostsOf(files("den.aspects.media"), "modules/aspects/base.nix", "committed-password-hash")).hosts).toEqual(["box", "laptop"]);
    expect(report.findings.filter((f) => f.file === "modules/aspects/unused.nix" && (f.host ?? []).length > 0)).toEqual([]);
  });

  it("look-alike: an aspect no host includes names no host", async () => {
    const report = await scanMemory(files(""));
    expect(report.findings.filter((f) => f.file === "modules/aspects/media.nix" && (f.host ?? []).length > 0)).toEqual([]);
  });
});

describe("flake-parts files writing a module inline: flake.nixosModules.<name> = { ... } or a let-bound module", () => {
  const files = (hostModules: string) => ({
    "flake.nix": flake(`inputs.flake-parts.lib.mkFlake { inherit inputs; } { imports = [ (inputs.import-tree ./nix) ]; }`),
    "nix/hosts/nas/default.nix": `{ inputs, self, ... }: { flake.nixosConfigurations.nas = inputs.nixpkgs.lib.nixosSystem { modules = [ ${hostModules} ]; }; }`,
    "nix/hosts/web/default.nix": `{ inputs, self, ... }: { flake.nixosConfigurations.web = inputs.nixpkgs.lib.nixosSystem { modules = [ self.nixosModules.default ]; }; }`,
    "nix/hosts/nas/nfs.nix": `_: { flake.nixosModules.nas = ${ROOT_LOGIN}; }`,
    "nix/shared/sudo.nix": `_: let module = { services.vaultwarden.config.ADMIN_TOKEN = "$argon2id$v=19$m=65540,t=3,p=4$bXlzYWx0bXlzYWx0$Pq4Vw1dYPkTpGxJx4qdu3rKiWJ0DhzEBOYp3Zx9Qk9I"; }; in { flake = { nixosModules.default = module; }; }`,
    "nix/shared/state.nix": `_: { flake.nixosModules.nas.system.stateVersion = "25.05"; }`,
  });

  it("the file is part of the module: nas's own file is nas's, the default module's every host's", async () => {
    const f = files("self.nixosModules.default self.nixosModules.nas");
    expect((await hostsOf(f, "nix/hosts/nas/nfs.nix")).hosts).toEqual(["nas"]);
    expect((await hostsOf(f, "nix/shared/sudo.nix", "committed-password-hash")).hosts).toEqual(["nas", "web"]);
  });

  it("`self.nixosModules.default or { }` names the module as plainly; look-alike: a host not listing nas's module does not take its file", async () => {
    const f = files("(self.nixosModules.default or { })");
    expect((await hostsOf(f, "nix/shared/sudo.nix", "committed-password-hash")).hosts).toEqual(["nas", "web"]);
    const report = await scanMemory(f);
    expect(report.findings.filter((x) => x.file === "nix/hosts/nas/nfs.nix" && (x.host ?? []).length > 0)).toEqual([]);
  });
});

describe("a listing helper called by name whose definition the repository holds (`lib.my.importDir ./. { exclude...; }`)", () => {
  const files = (definition: string) => ({
    "flake.nix": flake(`let lib = nixpkgs.lib.extend (final: prev: { my = import ./lib { lib = final; }; }); in {
      nixosConfigurations.box = lib.nixosSystem { specialArgs = { inherit lib; }; modules = [ ./modules/nixos.nix ./hosts/box.nix ]; };
    }`),
    "lib/default.nix": `{ lib }: { importDir = import ./importDir.nix { inherit lib; }; }`,
    "lib/importDir.nix": definition,
    "modules/nixos.nix": `{ lib, ... }: { imports = lib.my.importDir ./. { exclude = [ "darwin.nix" ]; excludeExact = [ "nixos.nix" ]; }; }`,
    "modules/upgrade/nixos.nix": ROOT_LOGIN,
    "modules/upgrade/darwin.nix": `{ system.defaults.dock.autohide = true; services.openssh.enable = true; services.openssh.settings.PermitRootLogin = "yes"; }`,
    "hosts/box.nix": PLAIN,
  });
  const RECURSIVE = `{ lib }: dir: { exclude ? [ ], excludeExact ? [ ] }: lib.filter (f: !(lib.any (p: lib.hasSuffix p (toString f)) exclude) && !(lib.elem (baseNameOf f) excludeExact)) (lib.filesystem.listFilesRecursive dir)`;

  it("lists the folder's tree when the helper recurses, leaving out what its exclude arguments name", async () => {
    const report = await scanMemory(files(RECURSIVE));
    expect(report.findings.filter((f) => f.file === "modules/upgrade/nixos.nix" && f.ruleId === "ssh-permit-root-login").flatMap((f) => f.host ?? [])).toEqual(["box"]);
    expect(report.findings.filter((f) => f.file === "modules/upgrade/darwin.nix").flatMap((f) => f.host ?? [])).toEqual([]);
  });

  it("look-alike: a helper listing one level leaves nested folders' files to no host", async () => {
    const report = await scanMemory(files(`{ lib }: dir: { exclude ? [ ], excludeExact ? [ ] }: map (n: dir + "/\${n}") (builtins.attrNames (builtins.readDir dir))`));
    expect(report.findings.filter((f) => f.file === "modules/upgrade/nixos.nix").flatMap((f) => f.host ?? [])).toEqual([]);
  });
});

describe("a module off by default that no host turns on, whose option another module reads", () => {
  const files = (deskModule: string) => ({
    "flake.nix": flake(`{
      nixosConfigurations.desk = nixpkgs.lib.nixosSystem { modules = [ ./modules/monitoring.nix ./modules/dns.nix ./hosts/desk.nix ]; };
      nixosConfigurations.nas = nixpkgs.lib.nixosSystem { modules = [ ./modules/monitoring.nix ./modules/dns.nix ./hosts/nas.nix ]; };
    }`),
    "modules/monitoring.nix": `{ config, lib, ... }: let cfg = config.jd.monitoring; in {
      options.jd.monitoring.enable = lib.mkOption { type = lib.types.bool; default = false; };
      config = lib.mkIf cfg.enable ${ROOT_LOGIN};
    }`,
    "modules/dns.nix": `{ config, lib, ... }: let hasMonitoring = config.jd.monitoring.enable; in { services.unbound.enable = lib.mkDefault hasMonitoring; }`,
    "hosts/desk.nix": deskModule,
    "hosts/nas.nix": PLAIN,
  });

  it("names no host: a read of the option (config.jd.monitoring.enable) turns nothing on", async () => {
    const report = await scanMemory(files(PLAIN));
    expect(report.findings.filter((f) => f.file === "modules/monitoring.nix" && (f.host ?? []).length > 0)).toEqual([]);
  });

  it("look-alike: a host turning it on (config.jd.monitoring.enable = true) is named", async () => {
    const { hosts } = await hostsOf(files(`{ config, ... }: { config.jd.monitoring.enable = true; }`), "modules/monitoring.nix");
    expect(hosts).toEqual(["desk"]);
  });
});
