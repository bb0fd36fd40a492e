// Host attribution on layouts found in public configurations (issue 11, point 3; the causes the
// judged sample found): each case a layout that must name the right hosts, and a look-alike that
// must not name them.
import { describe, expect, it } from "vitest";
import type { SyntaxNode } from "../../src/nix/syntax.js";
import { scanMemory } from "../helpers/memory.js";

const ROOT_LOGIN = `{ services.openssh.enable = true; services.openssh.settings.PermitRootLogin = "yes"; }`;
const FIREWALL_OFF = `{ networking.firewall.enable = false; services.nginx.enable = true; }`;
const PLAIN = `{ networking.hostName = "x"; }`;

const flake = (outputs: string) => `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = { self, nixpkgs, ... }@inputs: ${outputs};
}`;

/** The hosts named by `rule`'s findings in each file (files without such a finding give []). */
async function hostsByFile(files: Record<string, string>, rule = "ssh-permit-root-login") {
  const report = await scanMemory(files);
  // Findings in dead code (no host imports the file, nothing names it) are listed apart.
  const all = [...report.findings, ...report.suppressed];
  const at = (file: string) => [...new Set(all.filter((f) => f.ruleId === rule && f.file === file).flatMap((f) => f.host ?? []))].sort();
  const fired = (file: string) => all.some((f) => f.ruleId === rule && f.file === file);
  const dead = (file: string) => report.suppressed.some((f) => f.ruleId === rule && f.file === file && f.suppressedBy.kind === "unused");
  return { report, at, fired, dead };
}

describe("interpolated import paths (ryan4yin-style host files)", () => {
  // Each host is a file of its own (loaded by haumea) whose modules are strings from the root,
  // with the host's let-bound name inside: `map mylib.relativeToRoot [ "hosts/idols-${name}" ]`.
  const hostFile = (name: string, list: string, key = "${name}") => `{ inputs, mylib, ... }@args: let
    name = "${name}";
    modules = {
      nixos-modules = (map mylib.relativeToRoot [ ${list} "hosts/idols-\${name}" ]) ++ [ { x.enable = true; } ];
    };
    extra = { nixos-modules = [ { y = 1; } ] ++ modules.nixos-modules; };
  in {
    nixosConfigurations."${key}" = mylib.nixosSystem (extra // args);
  }`;
  const files = {
    "flake.nix": flake(`inputs.haumea.lib.load { src = ./outputs; inputs = { inherit inputs; }; }`),
    "outputs/src/aqua.nix": hostFile("aqua", `"modules/server.nix"`),
    "outputs/src/ruby.nix": hostFile("ruby", `"modules/server.nix"`),
    "outputs/src/desk.nix": hostFile("desk", `"modules/desktop.nix"`, "${name}-niri"),
    "modules/server.nix": `{ imports = [ ./base ]; }`,
    "modules/desktop.nix": PLAIN,
    "modules/base/default.nix": ROOT_LOGIN,
    "hosts/idols-aqua/default.nix": `{ imports = [ ./firewall.nix ]; }`,
    "hosts/idols-aqua/firewall.nix": FIREWALL_OFF,
    "hosts/idols-ruby/default.nix": PLAIN,
    "hosts/idols-desk/default.nix": PLAIN,
    // Look-alike: a host folder no host file names.
    "hosts/idols-old/default.nix": ROOT_LOGIN,
  };

  it("a base module imported through a string path names every host that lists it", async () => {
    const { report, at } = await hostsByFile(files);
    expect(report.hosts).toEqual(["aqua", "desk-niri", "ruby"]);
    expect(at("modules/base/default.nix")).toEqual(["aqua", "ruby"]);
    const fw = await hostsByFile(files, "firewall-disabled");
    expect(fw.at("hosts/idols-aqua/firewall.nix")).toEqual(["aqua"]);
  });

  it("look-alike: a host folder that no host's name fills in belongs to no host", async () => {
    const { at, fired, dead } = await hostsByFile(files);
    expect(fired("hosts/idols-old/default.nix")).toBe(true);
    expect(at("hosts/idols-old/default.nix")).toEqual([]);
    expect(dead("hosts/idols-old/default.nix")).toBe(true);
  });
});

describe("import lists built from readDir (badele-style feature modules)", () => {
  const files = {
    "flake.nix": flake(`{
      nixosModules.homelab = { lib, ... }: { imports = [ (import ./modules/features { inherit lib; }) ]; };
      nixosConfigurations.alpha = nixpkgs.lib.nixosSystem { modules = [ self.nixosModules.homelab ./alpha.nix ]; };
      nixosConfigurations.beta = nixpkgs.lib.nixosSystem { modules = [ ./beta.nix ]; };
    }`),
    // The directory is a let-bound name, not a path literal at the readDir call.
    "modules/features/default.nix": `{ lib }: let
      featuresDir = ./.;
      directories = lib.filterAttrs (name: type: type == "directory") (builtins.readDir featuresDir);
    in { imports = lib.mapAttrsToList (name: _: featuresDir + "/\${name}/default.nix") directories; }`,
    "modules/features/sshd/default.nix": ROOT_LOGIN,
    "alpha.nix": PLAIN,
    "beta.nix": PLAIN,
    // Look-alike: a folder next to the features directory, listed by nothing.
    "modules/unlisted/default.nix": ROOT_LOGIN,
  };

  it("a feature module in a directory listed through a let-bound path belongs to the hosts importing the listing", async () => {
    const { at } = await hostsByFile(files);
    expect(at("modules/features/sshd/default.nix")).toEqual(["alpha"]);
  });

  it("look-alike: a module outside the listed directory stays without host", async () => {
    const { at, fired, dead } = await hostsByFile(files);
    expect(fired("modules/unlisted/default.nix")).toBe(true);
    expect(at("modules/unlisted/default.nix")).toEqual([]);
    expect(dead("modules/unlisted/default.nix")).toBe(true);
  });
});

describe("clan inventory: services and extraModules assigned to machines by name and by tag", () => {
  const files = {
    "flake.nix": flake(`let clan = inputs.clan-core.lib.clan {
        inherit self;
        modules."@me/navidrome" = ./services/navidrome.nix;
        modules."@me/git" = ./services/git;
        inventory = import ./inventory.nix { };
      }; in { inherit (clan.config) nixosConfigurations; }`),
    "inventory.nix": `{ ... }: {
      machines = { alpha.tags = [ "server" ]; beta.tags = [ "desktop" ]; gamma.tags = [ ]; mac = { machineClass = "darwin"; }; };
      instances = {
        music = { module.name = "@me/navidrome"; module.input = "self"; roles.default.machines.alpha = { }; };
        git = { module.name = "@me/git"; roles.knot.machines.gamma.settings.host = "git.example"; };
        desk = { module.name = "importer"; roles.default.tags = [ "desktop" ]; roles.default.extraModules = [ ./modules/desktop.nix ]; };
        base = { module.name = "importer"; roles.default.tags.all = { }; roles.default.extraModules = [ ./modules/base.nix ]; };
        linux = { module.name = "importer"; roles.default.tags.nixos = { }; roles.default.extraModules = [ ./modules/linux.nix ]; };
      };
    }`,
    "machines/alpha/configuration.nix": PLAIN,
    "machines/beta/configuration.nix": PLAIN,
    "machines/gamma/configuration.nix": PLAIN,
    "services/navidrome.nix": `{ _class = "clan.service"; roles.default.perInstance = { ... }: { nixosModule = { imports = [ ./navidrome-sshd.nix ]; }; }; }`,
    "services/navidrome-sshd.nix": ROOT_LOGIN,
    "services/git/default.nix": `{ _class = "clan.service"; roles.knot.perInstance = { ... }: { nixosModule = import ./knot.nix; }; }`,
    "services/git/knot.nix": ROOT_LOGIN,
    "modules/desktop.nix": ROOT_LOGIN,
    "modules/base.nix": FIREWALL_OFF,
    "modules/linux.nix": `{ services.grafana.settings.security.admin_password = "changeme"; }`,
    "machines/mac/configuration.nix": PLAIN,
    // Look-alike: a service module registered but given to no machine.
    "services/unused.nix": `{ _class = "clan.service"; roles.default.perInstance = { ... }: { nixosModule = { imports = [ ./unused-sshd.nix ]; }; }; }`,
    "services/unused-sshd.nix": ROOT_LOGIN,
  };

  it("names the machines an instance's roles list, by name, by tag and by `all`", async () => {
    const { report, at } = await hostsByFile(files);
    expect(report.hosts).toEqual(["alpha", "beta", "gamma", "mac"]);
    expect(at("services/navidrome-sshd.nix")).toEqual(["alpha"]);
    // clan's `nixos` tag: every machine but those of another class.
    expect((await hostsByFile(files, "plaintext-password-option")).at("modules/linux.nix")).toEqual(["alpha", "beta", "gamma"]);
    expect(at("services/git/knot.nix")).toEqual(["gamma"]);
    expect(at("modules/desktop.nix")).toEqual(["beta"]);
    expect((await hostsByFile(files, "firewall-disabled")).at("modules/base.nix")).toEqual(["alpha", "beta", "gamma", "mac"]);
  });

  it("look-alike: a service module no instance uses belongs to no machine", async () => {
    const { at, fired } = await hostsByFile(files);
    expect(fired("services/unused-sshd.nix")).toBe(true);
    expect(at("services/unused-sshd.nix")).toEqual([]);
  });
});

describe("helper libraries that build hosts (hlissner-style mapHosts and module loader)", () => {
  const files = {
    "flake.nix": flake(`let lib = import ./lib { inherit self; }; in lib.mkFlake inputs { hosts = lib.mapHosts ./hosts; }`),
    "lib/default.nix": `{ self }: import ./flakes.nix { inherit self; }`,
    "lib/flakes.nix": `{ self }: rec {
      mapHosts = dir: { };
      mkFlake = inputs: { hosts ? { }, ... }: {
        nixosConfigurations = builtins.mapAttrs (hostName: { path, config }:
          inputs.nixpkgs.lib.nixosSystem {
            modules = [ { nixpkgs.config.permittedInsecurePackages = [ "python-2.7.18" ]; } ../. ];
          }) hosts;
        installer = inputs.nixpkgs.lib.nixosSystem { modules = [ ../installer.nix ]; };
      };
    }`,
    "default.nix": `{ hey, lib, ... }: { imports = hey.lib.mapModulesRec' ./modules import; }`,
    "modules/security.nix": ROOT_LOGIN,
    "modules/services/web.nix": FIREWALL_OFF,
    "hosts/soba/default.nix": `{ system = "x86_64-linux"; modules.services.web.enable = true; }`,
    "hosts/udon/default.nix": `{ system = "x86_64-linux"; }`,
    // Look-alikes: a system the library builds once, not for each host; modules the loader skips
    // (a `_` name, a folder marked .noload).
    "installer.nix": ROOT_LOGIN,
    "modules/_drafts/sshd.nix": ROOT_LOGIN,
    "modules/themes/.noload": "",
    "modules/themes/sshd.nix": ROOT_LOGIN,
  };

  it("the library's modules and every module its loader lists belong to every host of the directory", async () => {
    const { report, at } = await hostsByFile(files);
    expect(report.hosts).toEqual(["soba", "udon"]);
    expect(at("modules/security.nix")).toEqual(["soba", "udon"]);
    expect((await hostsByFile(files, "permitted-insecure-packages")).at("lib/flakes.nix")).toEqual(["soba", "udon"]);
  });

  it("look-alike: a system the library builds outside the host map gives its modules to no host", async () => {
    const { at, fired } = await hostsByFile(files);
    for (const file of ["installer.nix", "modules/_drafts/sshd.nix", "modules/themes/sshd.nix"]) {
      expect(fired(file), file).toBe(true);
      expect(at(file), file).toEqual([]);
    }
  });
});

describe("snowfall: flake-wide settings and scripts a home module reads from a directory", () => {
  const SCRIPT = `#!/bin/sh\nread -r WIFI_PASS\niwctl --passphrase "$WIFI_PASS" station wlan0 connect home\n`;
  const files = {
    "flake.nix": flake(`inputs.snowfall-lib.mkFlake {
      inherit inputs; src = ./.;
      channels-config = { permittedInsecurePackages = [ "electron-36.9.5" ]; };
    }`),
    "systems/x86_64-linux/hay/default.nix": PLAIN,
    "systems/x86_64-linux/vhay/default.nix": PLAIN,
    "homes/x86_64-linux/kenan@hay/default.nix": `{ my.user.scripts.enable = true; }`,
    "modules/home/scripts/default.nix": `{ pkgs, lib, ... }: let
      scripts = lib.filterAttrs (name: type: lib.hasSuffix ".sh" name) (builtins.readDir ./bin);
      mk = name: _: pkgs.writeShellScriptBin name (builtins.readFile (./bin + "/\${name}"));
    in { home.packages = builtins.attrValues (lib.mapAttrs mk scripts); }`,
    "modules/home/scripts/bin/wifi.sh": SCRIPT,
    // Look-alike: a script next to the module that nothing reads.
    "modules/home/scripts/old/wifi.sh": SCRIPT,
  };

  it("channels-config in flake.nix belongs to every system, and a directory's scripts to the system with the home", async () => {
    const { report, at } = await hostsByFile(files, "permitted-insecure-packages");
    expect(report.hosts).toEqual(["hay", "vhay"]);
    expect(at("flake.nix")).toEqual(["hay", "vhay"]);
    expect((await hostsByFile(files, "secret-on-command-line")).at("modules/home/scripts/bin/wifi.sh")).toEqual(["hay"]);
  });

  it("look-alike: a script in a directory no module reads belongs to no system", async () => {
    const { at, fired } = await hostsByFile(files, "secret-on-command-line");
    expect(fired("modules/home/scripts/old/wifi.sh")).toBe(true);
    expect(at("modules/home/scripts/old/wifi.sh")).toEqual([]);
  });
});

describe("modules behind `mkIf cfg.enable`: the hosts that turn them on", () => {
  const gated = (body: string) => `{ config, lib, ... }: let cfg = config.my.av; in {
    options.my.av.enable = lib.mkEnableOption "on-access scanning";
    config = lib.mkIf cfg.enable ${body};
  }`;
  const files = {
    "flake.nix": flake(`{
      nixosConfigurations.alpha = nixpkgs.lib.nixosSystem { modules = [ ./common.nix ./alpha.nix ]; };
      nixosConfigurations.beta = nixpkgs.lib.nixosSystem { modules = [ ./common.nix ./beta.nix ]; };
      nixosConfigurations.gamma = nixpkgs.lib.nixosSystem { modules = [ ./common.nix ./gamma.nix ]; };
    }`),
    "common.nix": `{ imports = [ ./modules/av.nix ./modules/db.nix ./modules/web.nix ./modules/unused.nix ]; }`,
    "modules/av.nix": gated(ROOT_LOGIN),
    // A report with only a range (a line of a long string) is narrowed too.
    "modules/db.nix": `{ config, lib, ... }: let cfg = config.my.db; in {
      options.my.db = { enable = lib.mkEnableOption "db"; };
      config = lib.mkMerge [
        { my.db.port = 5432; }
        (lib.mkIf cfg.enable {
          services.postgresql.enable = true;
          services.postgresql.authentication = ''
            local all postgres trust
          '';
        })
      ];
    }`,
    "alpha.nix": `{ my.av.enable = false; }`,
    "beta.nix": `{ my.av.enable = true; my.db = { enable = true; }; }`,
    "gamma.nix": `{ lib, ... }: { my.db.enable = lib.mkDefault true; }`,
    // Look-alikes: an option of nixpkgs (turned on where the scan may not see), and a module of
    // the repository no host turns on: every importer stays named.
    "modules/web.nix": `{ config, lib, ... }: { config = lib.mkIf config.services.nginx.enable { networking.firewall.enable = false; }; }`,
    "modules/unused.nix": `{ config, lib, ... }: let cfg = config.my.unused; in {
      options.my.unused.enable = lib.mkEnableOption "x";
      config = lib.mkIf cfg.enable { networking.firewall.allowedTCPPortRanges = [ { from = 1; to = 65535; } ]; };
    }`,
  };

  it("names only the hosts that set the enable (not false), also for range-only reports", async () => {
    const { at } = await hostsByFile(files);
    expect(at("modules/av.nix")).toEqual(["beta"]);
    expect((await hostsByFile(files, "database-trust-auth")).at("modules/db.nix")).toEqual(["beta", "gamma"]);
  });

  it("look-alike: a nixpkgs option's gate keeps every importer", async () => {
    expect((await hostsByFile(files, "firewall-disabled")).at("modules/web.nix")).toEqual(["alpha", "beta", "gamma"]);
  });

  it("a module of the repository no host turns on acts on none: its findings are listed apart, with no host", async () => {
    const { report } = await hostsByFile(files, "firewall-wide-port-range");
    expect(report.findings.filter((f) => f.file === "modules/unused.nix")).toEqual([]);
    const off = report.suppressed.filter((f) => f.file === "modules/unused.nix");
    expect(off.map((f) => f.ruleId)).toEqual(["firewall-wide-port-range"]);
    for (const f of off) {
      expect(f.host ?? []).toEqual([]);
      expect(f.suppressedBy).toEqual({ kind: "unused", reason: "no host runs this part of modules/unused.nix: it is behind my.unused.enable, which no host turns on", file: "modules/unused.nix" });
    }
  });
});

describe("clan service roles and home-manager configurations the flake exports", () => {
  const files = {
    "flake.nix": flake(`let clan = inputs.clan-core.lib.clan {
        inherit self;
        modules."@me/machine-type" = ./services/machine-type;
        inventory = {
          machines = { desk.tags = [ "desktop" ]; srv.tags = [ "server" ]; };
          instances.machine-type = { module.name = "@me/machine-type"; roles.desktop.tags.desktop = { }; roles.server.tags.server = { }; };
        };
      }; in {
        nixosConfigurations = clan.config.nixosConfigurations;
        homeConfigurations = builtins.listToAttrs (map (name: {
          inherit name;
          value = { ... }: { imports = [ (./home/profiles + "/\${name}") ] ++ (builtins.attrValues self.homeManagerModules); };
        }) (builtins.attrNames (builtins.readDir ./home/profiles)));
        homeManagerModules = builtins.listToAttrs (map (name: {
          inherit name;
          value = import (./home/modules + "/\${name}");
        }) (builtins.attrNames (builtins.readDir ./home/modules)));
      }`),
    "machines/desk/configuration.nix": PLAIN,
    "machines/srv/configuration.nix": PLAIN,
    "services/machine-type/default.nix": `{ _class = "clan.service";
      roles.desktop.perInstance.nixosModule = ./desktop.nix;
      roles.server.perInstance.nixosModule = ./server.nix;
    }`,
    "services/machine-type/desktop.nix": `{ flake-self, ... }: { home-manager.users.me = flake-self.homeConfigurations.desktop; }`,
    "services/machine-type/server.nix": FIREWALL_OFF,
    "home/profiles/desktop/default.nix": PLAIN,
    "home/modules/wifi/default.nix": `{ pkgs, ... }: { home.packages = [ (pkgs.writeShellScriptBin "wifi" ''iwctl --passphrase "$PASS" station wlan0 connect home'') ]; }`,
  };

  it("a role's module goes to the machines in that role, and the home configuration it uses to them too", async () => {
    const fw = await hostsByFile(files, "firewall-disabled");
    expect(fw.report.hosts).toEqual(["desk", "srv"]);
    expect(fw.at("services/machine-type/server.nix")).toEqual(["srv"]);
    expect((await hostsByFile(files, "secret-on-command-line")).at("home/modules/wifi/default.nix")).toEqual(["desk"]);
  });
});

describe("gateOff: a gated module no importing host turns on", () => {
  it("names the option for a module no host enables, and nothing for one a host enables", async () => {
    const { loadRepository } = await import("../../src/scan/repo.js");
    const { memorySource } = await import("../../src/scan/source.js");
    const mod = (name: string) => `{ config, lib, ... }: let cfg = config.my.${name}; in {
      options.my.${name}.enable = lib.mkEnableOption "${name}";
      config = lib.mkIf cfg.enable { services.openssh.enable = true; };
    }`;
    const repo = await loadRepository("/memory", {
      source: memorySource({
        "flake.nix": flake(`{
          nixosConfigurations.alpha = nixpkgs.lib.nixosSystem { modules = [ ./a.nix ./b.nix { my.b.enable = true; } ]; };
          nixosConfigurations.beta = nixpkgs.lib.nixosSystem { modules = [ ./a.nix ./b.nix ]; };
        }`),
        "a.nix": mod("a"),
        "b.nix": mod("b"),
      }),
    });
    const nodeIn = (file: string): SyntaxNode => {
      let found: SyntaxNode | undefined;
      repo.nixFiles.get(file)!.parsed.root.walk((n) => {
        if (!found && n.text === "services.openssh.enable") found = n;
        return undefined;
      });
      return found!;
    };
    expect(repo.graph.gateOff?.("a.nix", nodeIn("a.nix"))).toBe("my.a");
    expect(repo.graph.gateOff?.("b.nix", nodeIn("b.nix"))).toBeUndefined();
    expect(repo.graph.hostsAt("b.nix", nodeIn("b.nix"))).toEqual(["alpha"]);
    // Enabled nowhere: its settings act on no host.
    expect(repo.graph.hostsAt("a.nix", nodeIn("a.nix"))).toEqual([]);
    expect(repo.graph.deadGate?.("a.nix", nodeIn("a.nix"))).toBe("it is behind my.a.enable, which no host turns on");
    expect(repo.graph.deadGate?.("b.nix", nodeIn("b.nix"))).toBeUndefined();
  });
});

// (The vehicle is a per-file rule, firewall-wide-port-range: firewall-sensitive-port judges each
// host, whether something listens on the port, and a host rule's reports where a gate is off are
// dropped rather than listed apart.)
// pinpox/nixos modules/home-assistant (enabled by no host, set false by one) and
// wimpysworld/nix-config hermes-backup (`mkIf (enabled && ...)` with `enabled = false;`): settings
// behind a gate that is off on every host belong to no host.
describe("gates off on every host", () => {
  const FIREWALL = `{ networking.firewall.allowedTCPPortRanges = [ { from = 1; to = 65535; } ]; }`;
  const module = (name: string, set = "services") => `{ config, lib, ... }: let cfg = config.my.${set}.${name}; in {
    options.my.${set}.${name}.enable = lib.mkEnableOption "${name}";
    config = lib.mkIf cfg.enable ${FIREWALL};
  }`;
  const conditioned = (cond: string) => `{ config, lib, ... }: let enabled = false; on = true; in lib.mkIf (${cond}) ${FIREWALL}`;
  const files = {
    "flake.nix": flake(`{
      nixosConfigurations.alpha = nixpkgs.lib.nixosSystem { modules = [ ./common.nix ./alpha.nix ]; };
      nixosConfigurations.beta = nixpkgs.lib.nixosSystem { modules = [ ./common.nix ./beta.nix ]; };
      nixosConfigurations.gamma = nixpkgs.lib.nixosSystem { modules = [ ./common.nix ]; };
    }`),
    "common.nix": `{ imports = [ ./hass.nix ./one.nix ./named.nix ./and-false.nix ./or-false.nix ./not-on.nix ./and-unknown.nix ./dyn.nix ]; }`,
    "alpha.nix": `{ my.services = { hass.enable = false; one.enable = true; }; }`,
    "beta.nix": `{ lib, ... }: {
      imports = [ { my.generated = lib.genAttrs (lib.splitString "," (builtins.readFile ./on.txt)) (_: { enable = true; }); } ];
      config.my.dynamic.\${lib.head [ "dyn" ]}.enable = true;
      config.my.services.hass = { enable = lib.mkForce false; };
    }`,
    "hass.nix": module("hass"),
    "one.nix": module("one"),
    // Turned on where the scan cannot read it (a generated set naming the module): kept.
    "named.nix": module("named", "generated"),
    "dyn.nix": module("dyn", "dynamic"),
    "and-false.nix": conditioned(`config.services.mosquitto.enable && enabled`),
    "or-false.nix": conditioned(`config.services.mosquitto.enable || enabled`),
    "not-on.nix": conditioned(`!on && config.services.mosquitto.enable`),
    "and-unknown.nix": conditioned(`config.services.mosquitto.enable && on`),
  };

  it("a module every host leaves off (or sets false) is listed apart with no host; one host turning it on gets exactly that host", async () => {
    const { at, dead } = await hostsByFile(files, "firewall-wide-port-range");
    expect(at("hass.nix")).toEqual([]);
    expect(dead("hass.nix")).toBe(true);
    expect(at("one.nix")).toEqual(["alpha"]);
    expect(dead("one.nix")).toBe(false);
  });

  it("a condition with a let-bound false in a conjunction is false on every host; a disjunction or an unknown operand is not", async () => {
    const { report, at, dead } = await hostsByFile(files, "firewall-wide-port-range");
    for (const file of ["and-false.nix", "not-on.nix"]) {
      expect(at(file)).toEqual([]);
      expect(dead(file)).toBe(true);
    }
    expect(report.suppressed.find((f) => f.file === "and-false.nix")!.suppressedBy.reason).toContain("mkIf (config.services.mosquitto.enable && enabled), which is false on every host");
    for (const file of ["or-false.nix", "and-unknown.nix"]) {
      expect(at(file)).toEqual(["alpha", "beta", "gamma"]);
      expect(dead(file)).toBe(false);
    }
  });

  it("look-alike: a module that may be turned on in a way the scan cannot read keeps its importers", async () => {
    const { at, dead } = await hostsByFile(files, "firewall-wide-port-range");
    // Its set written whole by a function, or one of its members named at run time.
    for (const file of ["named.nix", "dyn.nix"]) {
      expect(at(file)).toEqual(["alpha", "beta", "gamma"]);
      expect(dead(file)).toBe(false);
    }
  });
});
