// Hosts built by helpers and frameworks the flake does not spell out as `nixosConfigurations.<name>
// = ...` (issue 11, point 3): a helper file's function called with a host's name, a registry file
// (fromTOML/fromJSON) whose entries a helper turns into hosts, nixos-unified's autowiring and
// lite-config. Each case has look-alikes that must not become hosts or be attributed.
import { describe, expect, it } from "vitest";
import { scanMemory } from "../helpers/memory.js";

const ROOT_LOGIN = `{ services.openssh.enable = true; services.openssh.settings.PermitRootLogin = "yes"; }`;
const PLAIN = `{ networking.hostName = "x"; }`;

const flake = (outputs: string) => `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = { self, nixpkgs, ... }@inputs: ${outputs};
}`;

async function scan(files: Record<string, string>) {
  const report = await scanMemory(files);
  const at = (file: string, rule = "ssh-permit-root-login") => [...new Set(report.findings.filter((f) => f.file === file && f.ruleId === rule).flatMap((f) => f.host ?? []))].sort();
  const fired = (file: string, rule = "ssh-permit-root-login") => report.findings.some((f) => f.file === file && f.ruleId === rule);
  return { report, at, fired };
}

// A registry of systems, as wimpysworld/nix-config keeps it: Linux workstations, a home-only
// entry (no NixOS module of its own) and a Mac.
const REGISTRY = `# systems
[alpha]
kind = "computer"
platform = "x86_64-linux"

[alpha.gpu]
vendors = ["amd"]

[beta]
kind = "server"
platform = "aarch64-linux"
tags = ["scrutiny"]

[deck]
kind = "computer"
platform = "x86_64-linux"
tags = ["steamdeck"]

[mac]
kind = "computer"
platform = "aarch64-darwin"
`;

const BUILDERS = `{ inputs, outputs }:
let
  lib = inputs.nixpkgs.lib;
  isLinuxEntry = e: lib.hasSuffix "-linux" e.platform;
  isHomeOnly = e: builtins.elem "steamdeck" (e.tags or [ ]);
  generateConfigs = predicate: systems: lib.mapAttrs (name: entry: { hostname = name; inherit (entry) platform; }) (lib.filterAttrs (_: e: predicate e) systems);
in
rec {
  mkNixos = { hostname, platform ? "x86_64-linux" }: inputs.nixpkgs.lib.nixosSystem {
    system = platform;
    modules = [ ../nixos ../nixos/\${hostname} ];
  };
  mkDarwin = { hostname, platform }: inputs.nix-darwin.lib.darwinSystem { modules = [ ../darwin/\${hostname} ]; };
  mkAllNixos = systems: lib.mapAttrs (_: c: mkNixos c) (generateConfigs (e: isLinuxEntry e && !isHomeOnly e) systems);
  mkAllDarwin = systems: lib.mapAttrs (_: c: mkDarwin c) (generateConfigs (e: !isLinuxEntry e) systems);
}`;

describe("hosts built by helpers and frameworks", () => {
  it("a helper that is a file's function, called with the host's name (mkSystem = import ./lib/mksystem.nix { ... })", async () => {
    const { report, at } = await scan({
      "flake.nix": flake(`let mkSystem = import ./lib/mksystem.nix { inherit nixpkgs inputs; }; in {
        nixosConfigurations.vm = mkSystem "vm" { system = "aarch64-linux"; user = "me"; };
        nixosConfigurations.wsl = mkSystem "wsl" { system = "x86_64-linux"; user = "me"; wsl = true; };
        darwinConfigurations.mbp = mkSystem "mbp" { system = "aarch64-darwin"; user = "me"; darwin = true; };
      }`),
      "lib/mksystem.nix": `{ nixpkgs, inputs }: name: { system, user, darwin ? false, wsl ? false }:
let
  machineConfig = ../machines/\${name}.nix;
  userOSConfig = ../users/\${user}/\${if darwin then "darwin" else "nixos"}.nix;
  systemFunc = if darwin then inputs.darwin.lib.darwinSystem else nixpkgs.lib.nixosSystem;
in systemFunc { inherit system; modules = [ machineConfig userOSConfig ]; }`,
      "machines/vm.nix": `{ imports = [ ./shared.nix ]; }`,
      "machines/wsl.nix": PLAIN,
      "machines/shared.nix": ROOT_LOGIN,
      "machines/mbp.nix": ROOT_LOGIN,
      "users/me/nixos.nix": `{ users.users.me.password = "hunter2"; }`,
      "users/me/darwin.nix": `{ users.users.me.password = "hunter2"; }`,
    });
    expect(report.hosts).toEqual(["vm", "wsl"]);
    expect(at("machines/shared.nix")).toEqual(["vm"]);
    // The Mac's module is no NixOS host's.
    expect(at("machines/mbp.nix")).toEqual([]);
    // `${if darwin then "darwin" else "nixos"}` with darwin left at its default: nixos.nix.
    expect(at("users/me/nixos.nix", "user-plaintext-password")).toEqual(["vm", "wsl"]);
    expect(at("users/me/darwin.nix", "user-plaintext-password")).toEqual([]);
  });

  it("a registry file (fromTOML) turned into hosts by a helper of the repository: the entries with a NixOS module of their own", async () => {
    const { report, at } = await scan({
      "flake.nix": flake(`let
        systems = builtins.fromTOML (builtins.readFile ./lib/registry-systems.toml);
        builder = import ./lib { inherit inputs; outputs = self; };
      in {
        nixosConfigurations = builder.mkAllNixos systems;
        darwinConfigurations = builder.mkAllDarwin systems;
      }`),
      "lib/registry-systems.toml": REGISTRY,
      "lib/default.nix": `{ inputs, outputs }: let builders = import ./flake-builders.nix { inherit inputs outputs; }; in { inherit (builders) mkAllNixos mkAllDarwin; }`,
      "lib/flake-builders.nix": BUILDERS,
      "nixos/default.nix": `{ imports = [ ./_mixins/ssh ]; }`,
      "nixos/_mixins/ssh/default.nix": ROOT_LOGIN,
      "nixos/alpha/default.nix": PLAIN,
      "nixos/beta/default.nix": `{ imports = [ ./extra.nix ]; }`,
      "nixos/beta/extra.nix": `{ networking.firewall.enable = false; services.nginx.enable = true; }`,
      // A folder named like no entry is not a host.
      "nixos/retired/default.nix": ROOT_LOGIN,
      "darwin/mac/default.nix": ROOT_LOGIN,
    });
    // deck (home-only: no nixos/deck) and mac (darwin) are not NixOS hosts.
    expect(report.hosts).toEqual(["alpha", "beta"]);
    expect(at("nixos/_mixins/ssh/default.nix")).toEqual(["alpha", "beta"]);
    expect(at("nixos/beta/extra.nix", "firewall-disabled")).toEqual(["beta"]);
    expect(at("nixos/retired/default.nix")).toEqual([]);
    expect(at("darwin/mac/default.nix")).toEqual([]);
  });

  it("a registry read by mapAttrs directly (fromJSON of a hosts file): every Linux entry is a host", async () => {
    const { report, at } = await scan({
      "flake.nix": flake(`let
        hosts = builtins.fromJSON (builtins.readFile ./hosts.json);
      in {
        nixosConfigurations = builtins.mapAttrs (name: data: nixpkgs.lib.nixosSystem {
          modules = [ { networking.hostName = name; } ./common.nix ];
        }) hosts;
      }`),
      "hosts.json": JSON.stringify({ hetzner1: { labels: { arch: "aarch64-linux" } }, hetzner2: { id: 2 }, mini: { system: "aarch64-darwin" } }),
      "common.nix": ROOT_LOGIN,
    });
    expect(report.hosts).toEqual(["hetzner1", "hetzner2"]);
    expect(at("common.nix")).toEqual(["hetzner1", "hetzner2"]);
  });

  it("look-alikes: a TOML file that is not the host set, a registry no helper builds NixOS hosts from, a module directory that is not host-per-folder", async () => {
    const { report, at } = await scan({
      "flake.nix": flake(`let
        users = builtins.fromTOML (builtins.readFile ./users.toml);
        systems = builtins.fromTOML (builtins.readFile ./systems.toml);
        lib = import ./lib.nix { inherit inputs; };
      in {
        homeConfigurations = lib.mkHomes users;
        nixosConfigurations.box = nixpkgs.lib.nixosSystem { specialArgs = { inherit users; }; modules = [ ./box.nix ]; };
        packages = lib.mkPackages systems;
      }`),
      "users.toml": `[alice]\nshell = "fish"\n\n[bob]\nshell = "zsh"\n`,
      "systems.toml": `[alpha]\nplatform = "x86_64-linux"\n`,
      "lib.nix": `{ inputs }: {
        mkHomes = users: builtins.mapAttrs (name: _: inputs.home-manager.lib.homeManagerConfiguration { modules = [ ./home/\${name} ]; }) users;
        mkPackages = systems: builtins.mapAttrs (name: _: { }) systems;
      }`,
      "home/alice/default.nix": ROOT_LOGIN,
      "box.nix": `{ imports = [ ./modules/ssh ]; }`,
      "modules/ssh/default.nix": ROOT_LOGIN,
      "modules/alpha/default.nix": ROOT_LOGIN,
      "nixos/alpha/default.nix": ROOT_LOGIN,
    });
    expect(report.hosts).toEqual(["box"]);
    expect(at("modules/ssh/default.nix")).toEqual(["box"]);
    expect(at("home/alice/default.nix")).toEqual([]);
    expect(at("modules/alpha/default.nix")).toEqual([]);
    expect(at("nixos/alpha/default.nix")).toEqual([]);
  });

  it("nixos-unified autowiring: configurations/nixos/<name> are hosts, modules/nixos/<name> their self.nixosModules, self + /path imports", async () => {
    const files = {
      "flake.nix": flake(`inputs.flake-parts.lib.mkFlake { inherit inputs; } {
        imports = (with builtins; map (fn: ./modules/flake-parts/\${fn}) (attrNames (readDir ./modules/flake-parts)));
      }`),
      "modules/flake-parts/nixos-flake.nix": `{ inputs, ... }: { imports = [ inputs.nixos-unified.flakeModules.default inputs.nixos-unified.flakeModules.autoWire ]; }`,
      "configurations/nixos/alpha/default.nix": `{ flake, ... }: let inherit (flake.inputs) self; in { imports = [ self.nixosModules.default ./configuration.nix (self + /modules/nixos/linux/docker.nix) ]; }`,
      "configurations/nixos/alpha/configuration.nix": PLAIN,
      "configurations/nixos/beta.nix": `{ flake, ... }: { imports = [ flake.inputs.self.nixosModules.common ]; }`,
      "configurations/darwin/mac/default.nix": `{ flake, ... }: { imports = [ flake.inputs.self.nixosModules.common ]; }`,
      "configurations/home/me@mac.nix": ROOT_LOGIN,
      "modules/nixos/default.nix": `{ flake, ... }: { imports = [ flake.inputs.self.nixosModules.common ]; }`,
      "modules/nixos/common.nix": ROOT_LOGIN,
      "modules/nixos/linux/docker.nix": `{ virtualisation.docker.enable = true; users.users.me.extraGroups = [ "docker" ]; }`,
      "modules/nixos/linux/unused.nix": ROOT_LOGIN,
    };
    const { report, at } = await scan(files);
    expect(report.hosts).toEqual(["alpha", "beta"]);
    expect(at("modules/nixos/common.nix")).toEqual(["alpha", "beta"]);
    expect(at("modules/nixos/linux/docker.nix", "root-equivalent-group")).toEqual(["alpha"]);
    expect(at("modules/nixos/linux/unused.nix")).toEqual([]);
    expect(at("configurations/home/me@mac.nix")).toEqual([]);
    // Without the autoWire import, the same folders declare nothing.
    const { report: plain } = await scan({ ...files, "modules/flake-parts/nixos-flake.nix": `{ inputs, ... }: { imports = [ inputs.nixos-unified.flakeModules.default ]; }` });
    expect(plain.hosts).toEqual([]);
  });

  it("lite-config: Linux hosts from hostModuleDir, system modules for all of them (not the darwin ones), nixosModules from a readDir helper", async () => {
    const { report, at } = await scan({
      "flake.nix": flake(`inputs.flake-parts.lib.mkFlake { inherit inputs; } {
        imports = [ ./modules inputs.lite-config.flakeModule ];
        lite-config = { lib, ... }: {
          hostModuleDir = ./hosts;
          hosts = {
            build01.system = "x86_64-linux";
            build02.system = "aarch64-linux";
            mac01.system = "aarch64-darwin";
          };
          systemModules = [
            ({ hostPlatform, ... }: {
              imports = lib.optionals hostPlatform.isDarwin [ ./modules/darwin/common ] ++ lib.optionals hostPlatform.isLinux [ ./modules/nixos/common ];
            })
          ];
        };
      }`),
      "modules/default.nix": `{ inputs, lib, ... }:
let
  importDir = path: lib.mapAttrs (name: _: path + "/\${name}") (builtins.readDir path);
  modules = path: importDir path;
in { flake.nixosModules = modules "\${inputs.self}/modules/nixos"; }`,
      "modules/nixos/common/default.nix": ROOT_LOGIN,
      "modules/nixos/builder.nix": `{ inputs, ... }: { imports = [ "\${inputs.self}/modules/shared/builder.nix" ]; }`,
      "modules/shared/builder.nix": `{ nix.settings.trusted-users = [ "builder" ]; }`,
      "modules/darwin/common/default.nix": ROOT_LOGIN,
      "hosts/build01/default.nix": `{ inputs, ... }: { imports = [ inputs.self.nixosModules.builder ]; }`,
      "hosts/build02/default.nix": PLAIN,
      "hosts/mac01/default.nix": `{ nix.settings.trusted-users = [ "root" "alice" ]; services.openssh.settings.PermitRootLogin = "yes"; }`,
      "hosts/freebsd/configuration.nix": ROOT_LOGIN,
    });
    // mac01 is nix-darwin's, freebsd a folder no host is built from.
    expect(report.hosts).toEqual(["build01", "build02"]);
    expect(at("modules/nixos/common/default.nix")).toEqual(["build01", "build02"]);
    expect(at("modules/darwin/common/default.nix")).toEqual([]);
    // The Mac's module: no NixOS host's, but used by a nix-darwin system (not "unused"), and
    // NixOS-only rules (sshd settings) stay silent there; the daemon's trusted users are judged as
    // a Mac's (the user is its administrator: low).
    const mac = report.findings.filter((f) => f.file === "hosts/mac01/default.nix");
    expect(mac.map((f) => `${f.ruleId} ${f.severity}`)).toEqual(["nix-trusted-users low"]);
    expect(mac[0]!.host ?? []).toEqual([]);
    expect(mac[0]!.message).not.toMatch(/no host imports it/);
    expect(at("hosts/freebsd/configuration.nix")).toEqual([]);
    expect(at("modules/shared/builder.nix", "nix-trusted-users")).toEqual(["build01"]);
  });

  // A flake-parts module declaring its own host registry (an attrsOf submodule option whose config
  // builds nixosSystem from paths with the entry's name), with entries defined in another module.
  const REGISTRY_OPTION = (prefix: string) => `{ self, inputs, config, lib, ... }:
let
  cfg = config.${prefix}.nixosConfigurations;
in {
  options = {
    ${prefix}.nixosConfigurations = lib.mkOption {
      description = "hosts";
      default = { };
      type = lib.types.attrsOf (lib.types.submodule ({ name, config, ... }: {
        options = {
          system = lib.mkOption { type = lib.types.str; };
          modules = lib.mkOption { type = lib.types.listOf lib.types.unspecified; default = [ ]; };
          folder = lib.mkOption { type = lib.types.str; readOnly = true; };
          finalSystem = lib.mkOption { type = lib.types.unspecified; readOnly = true; };
        };
        config = {
          folder = "\${self}/nixos/systems";
          finalSystem = inputs.nixpkgs.lib.nixosSystem {
            modules = [ (import "\${config.folder}/\${name}.nix") "\${config.folder}/hardware/\${name}.nix" ]
              ++ config.modules ++ builtins.attrValues self.nixosModules;
          };
        };
      }));
    };
  };
  config.flake.nixosConfigurations = builtins.mapAttrs (_: c: c.finalSystem) cfg;
}`;

  it("a repository's own host registry option: its entries are the hosts, the option's arguments are not", async () => {
    const { report, at } = await scan({
      "flake.nix": flake(`inputs.flake-parts.lib.mkFlake { inherit inputs; } { imports = [ ./parts/systems.nix ./nixos/systems ./parts/modules.nix ]; }`),
      "parts/systems.nix": REGISTRY_OPTION("acme"),
      "parts/modules.nix": `{ flake.nixosModules.base = ../nixos/modules/base.nix; }`,
      "nixos/systems/default.nix": `_: { acme.nixosConfigurations.rhea.system = "x86_64-linux"; acme.nixosConfigurations.rhea.modules = [ ./extra.nix ]; }`,
      "nixos/systems/rhea.nix": `_: { imports = [ ./rhea/web.nix ]; }`,
      "nixos/systems/rhea/web.nix": ROOT_LOGIN,
      "nixos/systems/hardware/rhea.nix": `{ networking.firewall.enable = false; }`,
      "nixos/systems/extra.nix": `{ nix.settings.trusted-users = [ "bob" ]; }`,
      "nixos/systems/dione.nix": ROOT_LOGIN,
      "nixos/modules/base.nix": `{ security.sudo.wheelNeedsPassword = false; }`,
    });
    expect(report.hosts).toEqual(["rhea"]);
    // The entry module (through the registry's string attribute), the files it imports, the
    // hardware module, the entry's own modules and the flake's exported modules.
    expect(at("nixos/systems/rhea/web.nix")).toEqual(["rhea"]);
    expect(at("nixos/systems/hardware/rhea.nix", "firewall-disabled")).toEqual(["rhea"]);
    expect(at("nixos/systems/extra.nix", "nix-trusted-users")).toEqual(["rhea"]);
    expect(at("nixos/modules/base.nix", "sudo-nopasswd")).toEqual(["rhea"]);
    // An entry file of no registered host: no host's.
    expect(at("nixos/systems/dione.nix")).toEqual([]);
  });

  it("look-alikes: an option declaration alone names no host, nor an entry of a registry declared nowhere", async () => {
    const { report } = await scan({
      "flake.nix": flake(`inputs.flake-parts.lib.mkFlake { inherit inputs; } { imports = [ ./parts/systems.nix ./parts/other.nix ]; }`),
      "parts/systems.nix": REGISTRY_OPTION("acme"),
      // `options.x.nixosConfigurations = mkOption { type = ...; }` in a plain set, and an entry of
      // an undeclared registry.
      "parts/other.nix": `{ lib, ... }: { options.other.nixosConfigurations = lib.mkOption { type = lib.types.attrs; default = { }; }; config.unknown.nixosConfigurations.ghost.system = "x86_64-linux"; }`,
      "hosts/alpha/default.nix": ROOT_LOGIN,
    });
    expect(report.hosts).not.toContain("type");
    expect(report.hosts).not.toContain("default");
    expect(report.hosts).not.toContain("ghost");
    expect(report.hosts).toEqual(["alpha"]);
  });
});
