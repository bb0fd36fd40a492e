// Host attribution for layouts fresh admins found wrong (issue 11, point 3): hosts built from a
// directory listing through `listToAttrs`/`pipe`, a helper given a folder of hosts and the
// arguments every host gets, modules gated with `if cfg.enable then`, modules left off by every
// host. Each case has a look-alike that must not be named.
import { describe, expect, it } from "vitest";
import { hostsOf, PLAIN, ROOT_LOGIN } from "../helpers/hosts.js";
import { scanMemory } from "../helpers/memory.js";

const flake = (outputs: string, args = "{ self, nixpkgs, ... }@inputs") => `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = ${args}: ${outputs};
}`;

// A module of the flake's own, off unless a host turns it on.
const gatedModule = (option: string, gate: (body: string) => string) => `{ config, lib, ... }:
let cfg = config.my.${option}; in {
  options.my.${option}.enable = lib.mkEnableOption "${option}";
  config = ${gate(ROOT_LOGIN)};
}`;

describe("host attribution: directory listings, folder helpers, gates", () => {
  it("hosts of `listToAttrs (map (x: { name = x; value = nixosSystem { ... }; }) (attrNames (readDir ./machines)))`: a machine's folder is that machine's; every module of `listToAttrs ... // { }` is every host's", async () => {
    const files = {
      "flake.nix": flake(`{
        nixosModules = builtins.listToAttrs (map (x: { name = x; value = import ./modules/\${x}; }) (builtins.attrNames (builtins.readDir ./modules)))
          // { extra = { imports = [ ./extra ]; }; };
        nixosConfigurations = builtins.listToAttrs (map (x: {
          name = x;
          value = nixpkgs.lib.nixosSystem {
            modules = [ (./machines + "/\${x}/configuration.nix") { imports = builtins.attrValues self.nixosModules; } ];
          };
        }) (builtins.attrNames (builtins.readDir ./machines)));
      }`),
      "modules/ssh/default.nix": ROOT_LOGIN,
      "extra/default.nix": PLAIN,
      "machines/alpha/configuration.nix": `{ imports = [ ./web.nix ]; }`,
      "machines/alpha/web.nix": `{ services.openssh.enable = true; services.openssh.settings.PasswordAuthentication = true; }`,
      "machines/beta/configuration.nix": PLAIN,
      "machines/gamma/configuration.nix": PLAIN,
    };
    expect((await hostsOf(files, "modules/ssh/default.nix")).hosts).toEqual(["alpha", "beta", "gamma"]);
    // The look-alike: a file of alpha's folder is alpha's alone, not every machine's.
    const { report } = await hostsOf(files, "modules/ssh/default.nix");
    const web = report.findings.filter((x) => x.file === "machines/alpha/web.nix");
    expect(web.length).toBeGreaterThan(0);
    for (const f of web) expect(f.host).toEqual(["alpha"]);
  });

  it("hosts of `pipe ./. [ readDir (filterAttrs ...) (mapAttrs (x: _: evalModules { modules = ...; })) ]`: each folder is a host, its files listed from `./. + \"/${x}\"`", async () => {
    const files = {
      "flake.nix": flake(`{ nixosConfigurations = import ./hosts/entry.nix { inherit self nixpkgs; }; }`),
      "hosts/entry.nix": `{ self, nixpkgs }: let lib = nixpkgs.lib; in lib.pipe ./. [
        builtins.readDir
        (lib.filterAttrs (_: v: v == "directory"))
        (builtins.mapAttrs (x: _: lib.evalModules { modules = [ (./. + "/\${x}/main.nix") ../shared.nix ]; }))
      ]`,
      "hosts/desk/main.nix": ROOT_LOGIN,
      "hosts/laptop/main.nix": PLAIN,
      "shared.nix": PLAIN,
    };
    const { hosts, report } = await hostsOf(files, "hosts/desk/main.nix");
    expect(hosts).toEqual(["desk"]);
    expect([...report.hosts].sort()).toEqual(["desk", "laptop"]);
  });

  it("a helper given a folder of hosts and the arguments every host gets (`makeSystems ./hosts { extraModules = findModules ./modules; }`): the folders are the hosts, not `extraModules`", async () => {
    const files = {
      "flake.nix": flake(`let lib = (import ./lib { inherit nixpkgs; }).mkLib; in {
        nixosConfigurations = lib.makeSystems ./hosts {
          specialArgs = { inherit inputs; };
          extraModules = lib.findModules ./modules;
        };
      }`),
      "lib/default.nix": `{ nixpkgs }: { mkLib = nixpkgs.lib.extend (final: prev: import ./hosts.nix { lib = prev; }); }`,
      "lib/hosts.nix": `{ lib }: {
        makeSystems = systemsDir: { extraModules ? [ ], specialArgs ? { } }:
          builtins.listToAttrs (lib.lists.forEach (builtins.attrNames (builtins.readDir systemsDir)) (system: {
            name = system;
            value = lib.nixosSystem { inherit specialArgs; modules = [ "\${systemsDir}/\${system}/config.nix" ] ++ extraModules; };
          }));
      }`,
      "hosts/aurora/config.nix": PLAIN,
      "hosts/equinox/config.nix": PLAIN,
      "modules/ssh.nix": ROOT_LOGIN,
    };
    const { hosts, report } = await hostsOf(files, "modules/ssh.nix");
    expect(hosts).toEqual(["aurora", "equinox"]);
    expect([...report.hosts].sort()).toEqual(["aurora", "equinox"]);
  });

  it("a folder helper that lists each host's folder recursively (`listModulesRecursive hostPath`), its hosts inherited from a let (`inherit nixosConfigurations;`): a module of hera's folder that default.nix does not import is hera's", async () => {
    const files = {
      "flake.nix": flake(
        `let
          lib = inputs.nixpkgs.lib.extend (self: super: import ./lib { lib = self; });
          nixosConfigurations = lib.my.mkHosts ./hosts { extraModules = [ ./common.nix ]; };
        in { inherit nixosConfigurations; }`,
        "inputs @ { ... }",
      ),
      "lib/default.nix": `{ lib }: { my = import ./generators.nix { inherit lib; }; }`,
      "lib/generators.nix": `{ lib }: rec {
        listModulesRecursive' = dir: lib.filter (lib.hasSuffix ".nix") (lib.filesystem.listFilesRecursive dir);
        mkHost = hostname: { hostPath, extraModules ? [ ] }: lib.nixosSystem { modules = [ hostPath ] ++ extraModules; };
        mkHosts = hostsDir: { extraModules ? [ ], ... }: lib.pipe (builtins.readDir hostsDir) [
          (lib.filterAttrs (path: _: !(lib.hasPrefix "_" path)))
          (lib.mapAttrs' (name: type: let hostPath = hostsDir + "/\${name}"; in
            lib.nameValuePair name (mkHost name { inherit hostPath; extraModules = (listModulesRecursive' hostPath) ++ extraModules; })))
        ];
      }`,
      "common.nix": PLAIN,
      "hosts/hera/default.nix": PLAIN,
      "hosts/hera/nextcloud.nix": ROOT_LOGIN,
      "hosts/feb/default.nix": PLAIN,
      "hosts/_template/default.nix": ROOT_LOGIN,
    };
    const { hosts, report } = await hostsOf(files, "hosts/hera/nextcloud.nix");
    expect(hosts).toEqual(["hera"]);
    // `_template` is skipped by the helper: no host.
    expect([...report.hosts].sort()).toEqual(["feb", "hera"]);
  });

  it("a module gated with `if cfg.enable then { ... } else { }` names the hosts that turn it on", async () => {
    const files = {
      "flake.nix": flake(`{
        nixosConfigurations.alpha = nixpkgs.lib.nixosSystem { modules = [ ./modules/ssh.nix { my.ssh.enable = true; } ]; };
        nixosConfigurations.beta = nixpkgs.lib.nixosSystem { modules = [ ./modules/ssh.nix ]; };
      }`),
      "modules/ssh.nix": gatedModule("ssh", (body) => `(if cfg.enable then ${body} else { })`),
    };
    expect((await hostsOf(files, "modules/ssh.nix")).hosts).toEqual(["alpha"]);
  });

  it("a module only set off (`my.x = { enable = false; port = 1; }`) is no host's; a package's `owner = \"x\"` and an overlay named like the option set do not turn it on", async () => {
    const files = {
      "flake.nix": flake(`{
        overlays.my = final: prev: { ssh = prev.callPackage ./pkgs/ssh.nix { }; };
        nixosConfigurations.alpha = nixpkgs.lib.nixosSystem { modules = [ ./modules/ssh.nix ./hosts/alpha.nix ]; };
        nixosConfigurations.beta = nixpkgs.lib.nixosSystem { modules = [ ./modules/ssh.nix ]; };
      }`),
      "modules/ssh.nix": gatedModule("ssh", (body) => `lib.mkIf cfg.enable ${body}`),
      "hosts/alpha.nix": `{ my.ssh = { enable = false; port = 2222; }; }`,
      "pkgs/ssh.nix": `{ stdenv, fetchFromGitHub }: stdenv.mkDerivation { pname = "x"; version = "1"; src = fetchFromGitHub { owner = "ssh"; repo = "ssh"; rev = "1"; hash = ""; }; }`,
    };
    const report = await scanMemory(files);
    const f = report.findings.filter((x) => x.ruleId === "ssh-permit-root-login" && x.file === "modules/ssh.nix");
    for (const x of f) expect(x.host ?? []).toEqual([]);
    // The look-alike: turned on by alpha, it is alpha's.
    const on = await hostsOf({ ...files, "hosts/alpha.nix": `{ my.ssh = { port = 2222; enable = true; }; }` }, "modules/ssh.nix");
    expect(on.hosts).toEqual(["alpha"]);
  });
  it("entries of a repository's registry (`config.fp-lib.nixosConfigurations.tank = { }`) built by a flake-parts module (`flake.nixosConfigurations = generateSystem cfg`, `generateSystem = mapAttrs (name: conf: withSystem ... (_: nixosSystem { modules = [ \"${configDir}/configuration.nix\" ]; }))`): machines/<name>/ is that entry's", async () => {
    const files = {
      "flake.nix": flake(`inputs.flake-parts.lib.mkFlake { inherit inputs; } { imports = [ ./parts/types.nix ./parts/system.nix ./machines ]; }`),
      "parts/types.nix": `{ lib, ... }: {
        options.fp-lib.nixosConfigurations = lib.mkOption {
          default = { };
          type = lib.types.attrsOf (lib.types.submodule ({ name, ... }: { options.extraModules = lib.mkOption { default = [ ]; }; }));
        };
      }`,
      "parts/system.nix": `{ self, config, inputs, lib, withSystem, ... }:
      let
        cfg = config.fp-lib.nixosConfigurations;
        generateSystem = lib.mapAttrs (name: conf: withSystem "x86_64-linux" ({ system, ... }:
          let configDir = "\${self}/machines/\${name}"; in
          lib.nixosSystem { modules = [ "\${configDir}/configuration.nix" ../modules/base.nix ] ++ conf.extraModules; }));
      in { flake.nixosConfigurations = generateSystem cfg; }`,
      "machines/default.nix": `{ config.fp-lib.nixosConfigurations = { tank = { }; zenbook = { }; }; }`,
      "machines/tank/configuration.nix": ROOT_LOGIN,
      "machines/zenbook/configuration.nix": PLAIN,
      "modules/base.nix": `{ services.openssh.enable = true; services.openssh.settings.PermitRootLogin = "without-password"; services.openssh.settings.PasswordAuthentication = true; }`,
    };
    const { hosts, report } = await hostsOf(files, "machines/tank/configuration.nix");
    expect(hosts).toEqual(["tank"]);
    // Its module list is read whole: a rule about a missing setting (nix.gc) speaks for it.
    expect(report.findings.filter((f) => f.ruleId === "missing-nix-gc").flatMap((f) => f.host ?? [])).toContain("tank");
    // The look-alike: the list also names the flake's modules through an output the scan does not
    // read (`attrValues config.flake.nixosModules`, built from option values): one of them may set
    // it, so the host is partial and no such finding is made.
    const partial = await scanMemory({ ...files, "parts/system.nix": files["parts/system.nix"].replace("++ conf.extraModules", "++ (lib.attrValues config.flake.nixosModules) ++ conf.extraModules") });
    expect(partial.findings.filter((f) => f.ruleId === "missing-nix-gc").map((f) => [f.file, f.host])).toEqual([]);
    expect(partial.findings.filter((f) => f.ruleId === "ssh-permit-root-login").flatMap((f) => f.host ?? [])).toEqual(["tank"]);
  });
});
