// Host attribution across repository layouts: a finding in a shared module names every host that
// imports it, however the import is written (issue 11, point 3). Each case has a look-alike host
// that does not import the module and must not be named.
import { describe, expect, it } from "vitest";
import { renderSecurityText } from "../../src/report/security-text.js";
import { hostsOf, PLAIN, ROOT_LOGIN } from "../helpers/hosts.js";
import { scanMemory } from "../helpers/memory.js";

const flake = (outputs: string) => `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = { self, nixpkgs, ... }@inputs: ${outputs};
}`;

describe("host attribution across layouts", () => {
  it("self.nixosModules built from a directory listing (mapAttrs over readDir)", async () => {
    const { hosts } = await hostsOf(
      {
        "flake.nix": flake(`{
          nixosModules = nixpkgs.lib.mapAttrs (name: _: import ./modules/\${name}) (builtins.readDir ./modules);
          nixosConfigurations.alpha = nixpkgs.lib.nixosSystem { modules = [ self.nixosModules.ssh ./hosts/alpha.nix ]; };
          nixosConfigurations.beta = nixpkgs.lib.nixosSystem { modules = [ self.nixosModules.web ./hosts/beta.nix ]; };
        }`),
        "modules/ssh/default.nix": ROOT_LOGIN,
        "modules/web/default.nix": `{ services.nginx.enable = true; }`,
        "hosts/alpha.nix": PLAIN,
        "hosts/beta.nix": PLAIN,
      },
      "modules/ssh/default.nix",
    );
    expect(hosts).toEqual(["alpha"]);
  });

  it("every module the flake exports, imported through a common module (attrValues outputs.nixosModules)", async () => {
    const { hosts } = await hostsOf(
      {
        "flake.nix": flake(`let outputs = self; in {
          nixosModules = import ./modules/nixos;
          nixosConfigurations.alpha = nixpkgs.lib.nixosSystem { specialArgs = { inherit outputs; }; modules = [ ./hosts/alpha ]; };
          nixosConfigurations.beta = nixpkgs.lib.nixosSystem { specialArgs = { inherit outputs; }; modules = [ ./hosts/beta ]; };
          nixosConfigurations.gamma = nixpkgs.lib.nixosSystem { modules = [ ./hosts/gamma ]; };
        }`),
        "modules/nixos/default.nix": `{ ssh = import ./ssh.nix; other = import ./other.nix; }`,
        "modules/nixos/ssh.nix": ROOT_LOGIN,
        "modules/nixos/other.nix": PLAIN,
        "hosts/common/default.nix": `{ outputs, ... }: { imports = builtins.attrValues outputs.nixosModules; }`,
        "hosts/alpha/default.nix": `{ imports = [ ../common ]; }`,
        "hosts/beta/default.nix": `{ imports = [ ../common ]; }`,
        "hosts/gamma/default.nix": PLAIN,
      },
      "modules/nixos/ssh.nix",
    );
    expect(hosts).toEqual(["alpha", "beta"]);
  });

  it("import lists computed from readDir and from a listing helper (scanPaths ./.)", async () => {
    const files = {
      "flake.nix": flake(`{
        nixosConfigurations.alpha = nixpkgs.lib.nixosSystem { modules = [ ./hosts/alpha ]; };
        nixosConfigurations.beta = nixpkgs.lib.nixosSystem { modules = [ ./hosts/beta ]; };
      }`),
      "hosts/alpha/default.nix": `{ lib, ... }: { imports = map (f: ./common + "/\${f}") (builtins.attrNames (builtins.readDir ./common)); }`,
      "hosts/alpha/common/ssh.nix": ROOT_LOGIN,
      "hosts/beta/default.nix": `{ configLib, ... }: { imports = configLib.scanPaths ./services; }`,
      "hosts/beta/services/sshd/default.nix": ROOT_LOGIN,
      "hosts/beta/services/default.nix": `{ imports = [ ]; }`,
    };
    expect((await hostsOf(files, "hosts/alpha/common/ssh.nix")).hosts).toEqual(["alpha"]);
    expect((await hostsOf(files, "hosts/beta/services/sshd/default.nix")).hosts).toEqual(["beta"]);
  });

  it("interpolated host paths: ./hosts/prefix-${name}, ./. + \"/hosts/${name}\", self + \"/machines/${name}\"", async () => {
    const files = {
      "flake.nix": flake(`let
          mkA = name: nixpkgs.lib.nixosSystem { modules = [ ./hosts/srv-\${name} ]; };
          mkB = name: nixpkgs.lib.nixosSystem { modules = [ (./. + "/boxes/\${name}") ]; };
          mkC = name: nixpkgs.lib.nixosSystem { modules = [ (import (self + "/machines/\${name}")) ]; };
        in {
          nixosConfigurations.alpha = mkA "alpha";
          nixosConfigurations.beta = mkB "beta";
          nixosConfigurations.gamma = mkC "gamma";
        }`),
      "hosts/srv-alpha/default.nix": ROOT_LOGIN,
      "hosts/srv-beta/default.nix": ROOT_LOGIN,
      "boxes/beta/default.nix": ROOT_LOGIN,
      "machines/gamma/default.nix": ROOT_LOGIN,
    };
    const { report } = await hostsOf(files, "hosts/srv-alpha/default.nix");
    const hostsAt = (file: string) => report.findings.filter((f) => f.file === file && f.ruleId === "ssh-permit-root-login").flatMap((f) => f.host ?? []);
    expect(hostsAt("hosts/srv-alpha/default.nix")).toEqual(["alpha"]);
    expect(hostsAt("boxes/beta/default.nix")).toEqual(["beta"]);
    expect(hostsAt("machines/gamma/default.nix")).toEqual(["gamma"]);
    // hosts/srv-beta is no host's module (beta is built from boxes/).
    expect(hostsAt("hosts/srv-beta/default.nix")).toEqual([]);
  });

  it("clan layout: machines/<host>/ and vars/per-machine/<host>/ belong to that machine", async () => {
    const files = {
      "flake.nix": flake(`inputs.clan-core.lib.clan { inherit self; meta.name = "x"; }`),
      "machines/alpha/configuration.nix": `{ imports = [ ../../modules/shared.nix ]; }`,
      "machines/beta/configuration.nix": `{ imports = [ ../../modules/shared.nix ./sshd.nix ]; }`,
      "machines/beta/sshd.nix": ROOT_LOGIN,
      "modules/shared.nix": `{ services.openssh.enable = true; services.openssh.settings.PasswordAuthentication = true; }`,
      "vars/per-machine/alpha/openssh/ssh.id_ed25519/value": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n",
    };
    const { report } = await hostsOf(files, "machines/beta/sshd.nix");
    expect(report.hosts).toEqual(["alpha", "beta"]);
    const at = (file: string, rule: string) => [...new Set(report.findings.filter((f) => f.file === file && f.ruleId === rule).flatMap((f) => f.host ?? []))].sort();
    expect(at("machines/beta/sshd.nix", "ssh-permit-root-login")).toEqual(["beta"]);
    // A module both machines import: before, these hosts were guessed from the layout and rules
    // judging a host's settings skipped them, so the password login went unreported.
    expect(at("modules/shared.nix", "ssh-password-authentication")).toEqual(["alpha", "beta"]);
    const key = report.findings.filter((f) => f.file.startsWith("vars/per-machine/alpha/"));
    expect(key.length).toBeGreaterThan(0);
    for (const f of key) expect(f.host).toEqual(["alpha"]);
  });

  it("clan layout: a module of a machine's folder that nothing imports is dead code, not the machine's", async () => {
    const files = {
      "flake.nix": flake(`inputs.clan-core.lib.clan { inherit self; meta.name = "x"; }`),
      "machines/alpha/configuration.nix": `{ lib, ... }: { imports = [ ./web.nix ./services ] ++ lib.filesystem.listFilesRecursive ./extra; }`,
      "machines/alpha/web.nix": ROOT_LOGIN,
      "machines/alpha/services/default.nix": `{ imports = [ ./db.nix ]; }`,
      "machines/alpha/services/db.nix": `{ services.postgresql.enable = true; services.postgresql.authentication = "host all all 0.0.0.0/0 trust"; }`,
      "machines/alpha/extra/nfs.nix": `{ services.nfs.server.exports = "/srv *(rw,no_root_squash)"; }`,
      // clan loads these itself.
      "machines/alpha/hardware-configuration.nix": `{ networking.firewall.enable = false; }`,
      "machines/alpha/disko.nix": `{ nix.settings.trusted-users = [ "bob" ]; }`,
      // Imported by nothing (an import commented out): dead.
      "machines/alpha/blog.nix": `{ security.sudo.wheelNeedsPassword = false; }`,
      "machines/beta/configuration.nix": `{ imports = [ ../alpha/shared.nix ]; }`,
      // Another machine's configuration imports it: that machine's, not alpha's.
      "machines/alpha/shared.nix": `{ security.sudo.wheelNeedsPassword = false; }`,
    };
    const report = await scanMemory(files);
    expect(report.hosts).toEqual(["alpha", "beta"]);
    const at = (file: string, rule: string) => [...new Set(report.findings.filter((f) => f.file === file && f.ruleId === rule).flatMap((f) => f.host ?? []))].sort();
    expect(at("machines/alpha/web.nix", "ssh-permit-root-login")).toEqual(["alpha"]);
    expect(at("machines/alpha/hardware-configuration.nix", "firewall-disabled")).toEqual(["alpha"]);
    expect(at("machines/alpha/disko.nix", "nix-trusted-users")).toEqual(["alpha"]);
    // Through a directory import and a listing helper.
    for (const file of ["machines/alpha/services/db.nix", "machines/alpha/extra/nfs.nix"]) expect(report.findings.some((f) => f.file === file), file).toBe(true);
    for (const f of report.findings.filter((x) => x.file.startsWith("machines/alpha/services/") || x.file.startsWith("machines/alpha/extra/"))) expect(f.host).toEqual(["alpha"]);
    expect(at("machines/alpha/shared.nix", "sudo-nopasswd")).toEqual(["beta"]);
    // Before: blog.nix was alpha's.
    expect(report.findings.filter((f) => f.file === "machines/alpha/blog.nix" && f.ruleId === "sudo-nopasswd")).toEqual([]);
    const dead = report.suppressed.filter((f) => f.file === "machines/alpha/blog.nix");
    expect(dead.map((f) => [f.ruleId, f.suppressedBy?.kind])).toEqual([["sudo-nopasswd", "unused"]]);
  });

  it("snowfall layout: systems/<arch>/<host>/ and every module under modules/nixos/", async () => {
    const files = {
      "flake.nix": flake(`inputs.snowfall-lib.mkFlake { inherit inputs; src = ./.; }`),
      "systems/x86_64-linux/alpha/default.nix": PLAIN,
      "systems/x86_64-linux/beta/default.nix": `{ imports = [ ./sshd.nix ]; }`,
      "systems/x86_64-linux/beta/sshd.nix": ROOT_LOGIN,
      "systems/aarch64-darwin/mac/default.nix": PLAIN,
      "modules/nixos/firewall/default.nix": `{ lib, config, ... }: { networking.firewall.enable = false; services.nginx.enable = true; }`,
    };
    const { report } = await hostsOf(files, "systems/x86_64-linux/beta/sshd.nix");
    expect(report.hosts).toEqual(["alpha", "beta"]);
    const fw = report.findings.filter((f) => f.ruleId === "firewall-disabled");
    expect(fw.length).toBe(1);
    // A module every host imports: named for every host, and judged with what the hosts run.
    expect(fw[0]!.host).toEqual(["alpha", "beta"]);
    expect(fw[0]!.message).not.toMatch(/no network service is enabled/);
    expect(fw[0]!.severity).toBe("high");
  });

  it("snowfall layout: a module of the system's folder that default.nix does not import (a bootstrap template copied by hand) is not the system's; one it imports is", async () => {
    const files = {
      "flake.nix": flake(`inputs.snowfall-lib.mkFlake { inherit inputs; src = ./.; }`),
      "systems/x86_64-linux/gamma/default.nix": `{ imports = [ ./hardware.nix ]; }`,
      "systems/x86_64-linux/gamma/hardware.nix": `{ services.openssh.enable = true; }`,
      "systems/x86_64-linux/gamma/templates/bootstrap.nix": ROOT_LOGIN,
    };
    const report = await scanMemory(files);
    expect(report.hosts).toEqual(["gamma"]);
    const template = "systems/x86_64-linux/gamma/templates/bootstrap.nix";
    // Not a finding of gamma: listed apart, as a module no host uses.
    expect(report.findings.filter((f) => f.file === template)).toEqual([]);
    expect(report.suppressed.some((f) => f.file === template && f.ruleId === "ssh-permit-root-login")).toBe(true);
    // The module default.nix imports is gamma's.
    const imported = await scanMemory({ ...files, "systems/x86_64-linux/gamma/hardware.nix": ROOT_LOGIN });
    expect(imported.findings.find((f) => f.file === "systems/x86_64-linux/gamma/hardware.nix" && f.ruleId === "ssh-permit-root-login")?.host).toEqual(["gamma"]);
  });

  it("modules every host of a type imports through a specialArg (imports = hostTypes.workstation.imports)", async () => {
    const files = {
      "flake.nix": flake(`let
          hostTypes = import ./lib/hostTypes.nix { };
          mk = host: { specialArgs = { inherit hostTypes host; }; modules = [ ./hosts/\${host}/configuration.nix ]; };
        in {
          nixosConfigurations.alpha = nixpkgs.lib.nixosSystem (mk "alpha");
          nixosConfigurations.beta = nixpkgs.lib.nixosSystem (mk "beta");
          nixosConfigurations.gamma = nixpkgs.lib.nixosSystem (mk "gamma");
        }`),
      "lib/hostTypes.nix": `{ ... }: let template = profile: import ../templates/desktop.nix { inherit profile; }; in {
        workstation = { imports = [ (template "workstation") ]; };
        server = { imports = [ ../templates/server.nix ]; };
      }`,
      "templates/desktop.nix": `{ profile }: { imports = [ ../modules/sshd.nix ]; }`,
      "templates/server.nix": PLAIN,
      "modules/sshd.nix": ROOT_LOGIN,
      "hosts/alpha/configuration.nix": `{ hostTypes, ... }: { imports = hostTypes.workstation.imports ++ [ ]; }`,
      "hosts/beta/configuration.nix": `{ hostTypes, ... }: { imports = hostTypes.workstation.imports; }`,
      "hosts/gamma/configuration.nix": `{ hostTypes, ... }: { imports = hostTypes.server.imports; }`,
    };
    expect((await hostsOf(files, "modules/sshd.nix")).hosts).toEqual(["alpha", "beta"]);
  });

  it("relativeToRoot paths built from a specialArg set's string (configVars.username), with `inherit specialArgs`", async () => {
    const files = {
      "flake.nix": flake(`let
          configVars = import ./vars { };
          specialArgs = { inherit configVars; };
        in {
          nixosConfigurations.alpha = nixpkgs.lib.nixosSystem { inherit specialArgs; modules = [ ./hosts/alpha ]; };
          nixosConfigurations.beta = nixpkgs.lib.nixosSystem { inherit specialArgs; modules = [ ./hosts/beta ]; };
        }`),
      "vars/default.nix": `{ ... }: { username = "ta"; }`,
      "hosts/alpha/default.nix": `{ configLib, configVars, ... }: { imports = [ (configLib.relativeToRoot "users/\${configVars.username}") ]; }`,
      "hosts/beta/default.nix": PLAIN,
      "users/ta/default.nix": ROOT_LOGIN,
      "users/other/default.nix": ROOT_LOGIN,
    };
    const { report } = await hostsOf(files, "users/ta/default.nix");
    expect(report.findings.filter((f) => f.file === "users/ta/default.nix" && f.ruleId === "ssh-permit-root-login").flatMap((f) => f.host ?? [])).toEqual(["alpha"]);
    expect(report.findings.filter((f) => f.file === "users/other/default.nix" && f.ruleId === "ssh-permit-root-login").flatMap((f) => f.host ?? [])).toEqual([]);
  });

  it("the host table shows findings tied to no host instead of only the hosts' scores", async () => {
    const report = await scanMemory({
      "flake.nix": flake(`{ nixosConfigurations.alpha = nixpkgs.lib.nixosSystem { modules = [ ./alpha.nix ]; }; }`),
      "alpha.nix": PLAIN,
      // Named by a file host attribution does not follow (a clan-style inventory): used, by no known host.
      "inventory.nix": `{ roles.default.extraModules = [ ./modules/orphan.nix ]; }`,
      "modules/orphan.nix": ROOT_LOGIN,
      // Named by nothing: dead code, left out of the findings and said so in the summary.
      "modules/stale.nix": ROOT_LOGIN,
    });
    const text = renderSecurityText(report, { color: false });
    // alpha's one finding is a maintenance note (no nix.gc): it costs the score nothing.
    expect(text).toMatch(/alpha\s+score 100\/100 {2}1 finding \(1 maintenance\)/);
    expect(text).toMatch(/no host\s+score\s+-\s+1 finding \(1 high\) in modules not tied to a host/);
    expect(text).toContain("1 finding left out in modules no host imports (dead code; listed in the JSON report)");
  });

  it("flake-parts: hosts built by mapAttrs over a name = path set imported from another file (knopki/devops-at-home)", async () => {
    const files = {
      "flake.nix": flake(`inputs.flake-parts.lib.mkFlake { inherit inputs; } { imports = [ ./lib/flake-modules/modules.nix ./lib/flake-modules/nixos-configurations.nix ]; }`),
      "lib/flake-modules/nixos-configurations.nix": `{ inputs, self, lib, ... }:
let
  inherit (lib.attrsets) mapAttrs;
  namePaths = import ../../configurations/nixos-configurations.nix;
  loadConfiguration = _: path: import path { inherit inputs self; };
in
{ config.flake = { nixosConfigurations = mapAttrs loadConfiguration namePaths; }; }`,
      // flake-parts' module registry, used as `with self.modules.nixos; [ role-server ]`.
      "lib/flake-modules/modules.nix": `{ ... }: let nixosModules = import ../../modules/nixos/nixos-modules.nix; in { config.flake = { nixosModules = import ../../modules/nixos/nixos-modules.nix; modules.nixos = nixosModules; }; }`,
      "modules/nixos/nixos-modules.nix": `{ role-server = ./roles/server.nix; role-desktop = ./roles/desktop.nix; }`,
      "modules/nixos/roles/server.nix": `{ services.nfs.server.exports = "/srv *(rw,no_root_squash)"; }`,
      "modules/nixos/roles/desktop.nix": PLAIN,
      "configurations/nixos-configurations.nix": `{ alien = ./alien/nixos-configuration.nix; rog = ./rog/nixos-configuration.nix; }`,
      "configurations/alien/nixos-configuration.nix": `{ inputs, self, ... }: inputs.nixpkgs.lib.nixosSystem { modules = with self.modules.nixos; [ role-server ./ssh.nix ]; }`,
      "configurations/alien/ssh.nix": ROOT_LOGIN,
      "configurations/rog/nixos-configuration.nix": `{ inputs, self, ... }: inputs.nixpkgs.lib.nixosSystem { modules = with self.modules.nixos; [ role-desktop ./networking.nix ]; }`,
      "configurations/rog/networking.nix": PLAIN,
    };
    expect((await hostsOf(files, "configurations/alien/ssh.nix")).hosts).toEqual(["alien"]);
    // Before: no host at all; then the registry's modules were not followed.
    expect((await hostsOf(files, "modules/nixos/roles/server.nix", "nfs-no-root-squash")).hosts).toEqual(["alien"]);
  });

  it("flake-parts: module lists of a file imported by a path from the flake's root (fufexan/dotfiles: `mod = \"${self}/system\"; inherit (import mod) laptop;`)", async () => {
    const files = {
      "flake.nix": flake(`inputs.flake-parts.lib.mkFlake { inherit inputs; } { imports = [ ./hosts ]; }`),
      "hosts/default.nix": `{ self, inputs, ... }: {
  flake.nixosConfigurations =
    let
      inherit (inputs.nixpkgs.lib) nixosSystem;
      mod = "\${self}/system";
      inherit (import mod) laptop;
    in
    {
      io = nixosSystem { modules = laptop ++ [ ./io "\${mod}/extra/ssh.nix" ]; };
      desk = nixosSystem { modules = (import (self + "/system")).desktop ++ [ ./desk ]; };
      wsl = nixosSystem { modules = [ ./wsl "\${mod}/nix" ]; };
    };
}`,
      // Paths of the lists are relative to system/; `server` is a list no host uses.
      "system/default.nix": `let
  desktop = [ ./core ];
  laptop = desktop ++ [ ./power.nix ];
  server = [ ./server.nix ];
in { inherit desktop laptop server; }`,
      "system/core/default.nix": `{ imports = [ ../nix ]; }`,
      "system/nix/default.nix": `{ nix.settings.trusted-users = [ "builder" ]; }`,
      "system/power.nix": `{ services.nfs.server.exports = "/srv *(rw,no_root_squash)"; }`,
      "system/extra/ssh.nix": ROOT_LOGIN,
      "system/server.nix": ROOT_LOGIN,
      "hosts/io/default.nix": PLAIN,
      "hosts/desk/default.nix": PLAIN,
      "hosts/wsl/default.nix": PLAIN,
    };
    const { hosts, report } = await hostsOf(files, "system/nix/default.nix", "nix-trusted-users");
    expect(report.hosts).toEqual(["desk", "io", "wsl"]);
    // Before: no host (the lists of the imported file were not read, nor "\${mod}/nix").
    expect(hosts).toEqual(["desk", "io", "wsl"]);
    expect((await hostsOf(files, "system/power.nix", "nfs-no-root-squash")).hosts).toEqual(["io"]);
    expect((await hostsOf(files, "system/extra/ssh.nix")).hosts).toEqual(["io"]);
    // Look-alike: a list the file defines that no host uses stays unattributed (named, so not dead code).
    expect((await hostsOf(files, "system/server.nix")).hosts).toEqual([]);
  });

  it("clan + flake-parts: `flake.nixosModules.<n>.imports`, `flake.darwinModules` and terranix modules (clan-lol/clan-infra)", async () => {
    const files = {
      "flake.nix": flake(`inputs.flake-parts.lib.mkFlake { inherit inputs; } {
        imports = [ inputs.clan-core.flakeModules.default ./checks/flake-module.nix ./machines/flake-module.nix ./modules/flake-module.nix ];
      }`),
      "machines/flake-module.nix": `{ self, ... }: {
  clan = { inherit self; inventory.machines = { alpha = { }; beta = { }; mac.machineClass = "darwin"; }; };
  perSystem = { ... }: { terranix.terranixConfigurations.tf.modules = [ self.modules.terranix.alpha self.modules.terranix.beta ]; };
}`,
      "modules/flake-module.nix": `{ self, inputs, ... }: {
  flake.nixosModules = {
    server = { imports = [ ./shared.nix ./signing.nix ]; };
    hetzner.imports = [ ./initrd.nix ];
    alpha.imports = [ self.nixosModules.server ./web.nix ];
  };
  flake.darwinModules = {
    base = ./darwin/base.nix;
    mac.imports = [ self.darwinModules.base ];
  };
  flake.modules.terranix.alpha = ../machines/alpha/terraform-configuration.nix;
  flake.modules.terranix.beta = ../machines/beta/terraform-configuration.nix;
}`,
      "checks/flake-module.nix": `{ perSystem = { pkgs, ... }: { checks.vm = pkgs.testers.runNixOSTest { nodes.m = ./vm.nix; }; }; }`,
      "checks/vm.nix": ROOT_LOGIN,
      // Reads the flake's inputs: flake.nix is a value here, not a module of the machines.
      "modules/signing.nix": `{ self, ... }: let flake = import "\${self}/flake.nix"; in { nix.settings.trusted-users = [ "signer" ]; }`,
      "modules/shared.nix": `{ services.openssh.enable = true; services.openssh.settings.PasswordAuthentication = true; }`,
      "modules/initrd.nix": `{ boot.initrd.network.ssh.enable = true; networking.firewall.enable = false; }`,
      "modules/web.nix": ROOT_LOGIN,
      "modules/darwin/base.nix": `{ nix.settings.trusted-users = [ "mac-admin" ]; }`,
      "machines/alpha/configuration.nix": `{ self, ... }: { imports = [ self.nixosModules.alpha self.nixosModules.hetzner ]; }`,
      "machines/alpha/terraform-configuration.nix": `{ resource.hcloud_server.alpha = { }; services.openssh.settings.PermitRootLogin = "yes"; }`,
      "machines/beta/configuration.nix": `{ self, ... }: { imports = [ self.nixosModules.server ]; }`,
      "machines/beta/terraform-configuration.nix": `{ resource.hcloud_server.beta = { }; services.openssh.settings.PermitRootLogin = "yes"; }`,
      "machines/mac/configuration.nix": `{ self, ... }: { imports = [ self.darwinModules.mac ]; nixpkgs.hostPlatform = "aarch64-darwin"; }`,
    };
    const report = await scanMemory(files);
    expect(report.hosts).toEqual(["alpha", "beta", "mac"]);
    const at = (file: string, rule: string) => [...new Set(report.findings.filter((f) => f.file === file && f.ruleId === rule).flatMap((f) => f.host ?? []))].sort();
    // Through `self.nixosModules.alpha` whose `alpha.imports` names `self.nixosModules.server`.
    expect(at("modules/web.nix", "ssh-permit-root-login")).toEqual(["alpha"]);
    expect(at("modules/shared.nix", "ssh-password-authentication")).toEqual(["alpha", "beta"]);
    expect(at("modules/signing.nix", "nix-trusted-users")).toEqual(["alpha", "beta"]);
    expect(at("modules/initrd.nix", "firewall-disabled")).toEqual(["alpha"]);
    // Look-alikes: a darwin module is the Mac's only; the flake, its checks and the terranix
    // modules (which name a machine but are not its configuration) are no NixOS machine's.
    expect(at("modules/darwin/base.nix", "nix-trusted-users")).toEqual(["mac"]);
    for (const f of report.findings.filter((x) => x.file === "flake.nix" || x.file.startsWith("checks/") || x.file.endsWith("terraform-configuration.nix"))) {
      expect(f.host ?? [], `${f.ruleId} in ${f.file}`).toEqual([]);
    }
  });

  it("home-manager users per host: users = map (user: import (./Users + \"/${user}/${host}_home.nix\")) (olafkfreund/nixos_config)", async () => {
    const HM_MKIF = `{ lib, ... }: { programs.zoxide = lib.mkIf true { enable = true; }; }`;
    const files = {
      "flake.nix": flake(`let
        makeNixosSystem = host: {
          specialArgs = { inherit host; };
          modules = [
            ./hosts/\${host}/configuration.nix
            {
              home-manager.users = builtins.listToAttrs (map (user: { name = user; value = import (./Users + "/\${user}/\${host}_home.nix"); }) [ "olaf" ]);
            }
          ];
        };
      in {
        nixosConfigurations = {
          desk = nixpkgs.lib.nixosSystem (makeNixosSystem "desk");
          laptop = nixpkgs.lib.nixosSystem (makeNixosSystem "laptop");
          server = nixpkgs.lib.nixosSystem (makeNixosSystem "server");
        };
      }`),
      "hosts/desk/configuration.nix": PLAIN,
      "hosts/laptop/configuration.nix": PLAIN,
      "hosts/server/configuration.nix": PLAIN,
      "Users/olaf/desk_home.nix": `{ imports = [ ./profile.nix ]; }`,
      "Users/olaf/laptop_home.nix": `{ imports = [ ./profile.nix ../../home/desktop/extra.nix ]; }`,
      // server has no home file of its own: none of the home modules are its.
      "Users/olaf/profile.nix": `{ imports = [ ../../home/desktop ]; }`,
      "home/desktop/default.nix": `{ imports = [ ./proton ]; }`,
      "home/desktop/proton/default.nix": HM_MKIF,
      "home/desktop/extra.nix": HM_MKIF,
      // Look-alike: a home file named for no host.
      "Users/olaf/old_home.nix": `{ imports = [ ../../home/unused.nix ]; }`,
      "home/unused.nix": HM_MKIF,
    };
    // Before: no host (the path names the user as a parameter of the function map calls).
    expect((await hostsOf(files, "home/desktop/proton/default.nix", "mkif-trivial")).hosts).toEqual(["desk", "laptop"]);
    expect((await hostsOf(files, "home/desktop/extra.nix", "mkif-trivial")).hosts).toEqual(["laptop"]);
    expect((await hostsOf(files, "home/unused.nix", "mkif-trivial")).hosts).toEqual([]);
  });

  it("packages installed through an overlay the host applies: nixosSystem modules of a builder, outputs.overlays (oddlama, wimpysworld)", async () => {
    const PKG = `{ stdenvNoCC }: stdenvNoCC.mkDerivation { pname = "font"; version = "1"; src = ./.; installPhase = ''
      mkdir -p $out/share/fonts
      cp *.ttf $out/share/fonts
    ''; }`;
    const RULE = "installphase-without-runhook";
    // Hosts from hosts/<name>/, built by a flake-parts module whose nixosSystem applies ../pkgs as an overlay.
    const builder = {
      "flake.nix": flake(`inputs.flake-parts.lib.mkFlake { inherit inputs; } { imports = [ ./flake/hosts.nix ]; }`),
      "flake/hosts.nix": `{ inputs, ... }: {
        flake = let
          mkHost = name: inputs.nixpkgs.lib.nixosSystem {
            modules = [ { nixpkgs.overlays = (import ../pkgs/default.nix inputs); } ../hosts/\${name} ];
          };
        in { nixosConfigurations = inputs.nixpkgs.lib.genAttrs (builtins.attrNames (builtins.readDir ../hosts)) mkHost; };
      }`,
      "pkgs/default.nix": `inputs: [ (final: prev: { segoe-ui = prev.callPackage ./segoe-ui.nix { }; other-font = prev.callPackage ./other-font.nix { }; }) ]`,
      "pkgs/segoe-ui.nix": PKG,
      "pkgs/other-font.nix": PKG.replace('"font"', '"other-font"'),
      "hosts/kroma/default.nix": `{ imports = [ ../../config/fonts.nix ]; }`,
      "hosts/nom/default.nix": `{ pkgs, ... }: { users.users.malte.packages = [ pkgs.segoe-ui ]; }`,
      "hosts/ward/default.nix": `{ pkgs, ... }: { environment.systemPackages = [ pkgs.htop ]; }`,
      "config/fonts.nix": `{ pkgs, ... }: { fonts.packages = with pkgs; [ segoe-ui dejavu_fonts ]; }`,
    };
    // Before: no host (the overlay is applied outside the hosts' modules).
    expect((await hostsOf(builder, "pkgs/segoe-ui.nix", RULE)).hosts).toEqual(["kroma", "nom"]);
    // Look-alike: a package of the same overlay that no host installs.
    expect((await hostsOf(builder, "pkgs/other-font.nix", RULE)).hosts).toEqual([]);

    // The overlay named through the flake's overlays output, from a common module of the hosts.
    const output = {
      "flake.nix": flake(`{
        overlays = import ./overlays { inherit inputs; };
        nixosConfigurations.bane = nixpkgs.lib.nixosSystem { specialArgs = { outputs = self; }; modules = [ ./nixos/bane.nix ./common ]; };
        nixosConfigurations.skrye = nixpkgs.lib.nixosSystem { specialArgs = { outputs = self; }; modules = [ ./nixos/skrye.nix ./common ]; };
        nixosConfigurations.bare = nixpkgs.lib.nixosSystem { modules = [ ./nixos/bare.nix ]; };
      }`),
      "overlays/default.nix": `{ inputs, ... }: { localPackages = final: _prev: import ../pkgs final; modified = final: prev: { }; }`,
      "pkgs/default.nix": `pkgs: { spaceport-font = pkgs.callPackage ./fonts/spaceport { }; unused-font = pkgs.callPackage ./fonts/unused { }; }`,
      "pkgs/fonts/spaceport/default.nix": PKG,
      "pkgs/fonts/unused/default.nix": PKG.replace('"font"', '"unused-font"'),
      "common/default.nix": `{ outputs, ... }: { nixpkgs.overlays = [ outputs.overlays.localPackages outputs.overlays.modified ]; }`,
      "nixos/bane.nix": `{ pkgs, ... }: { fonts.packages = [ pkgs.spaceport-font ]; }`,
      "nixos/skrye.nix": PLAIN,
      // Installs a package of the same name, but applies no overlay of the repository.
      "nixos/bare.nix": `{ pkgs, ... }: { fonts.packages = [ pkgs.spaceport-font ]; }`,
    };
    expect((await hostsOf(output, "pkgs/fonts/spaceport/default.nix", RULE)).hosts).toEqual(["bane"]);
    expect((await hostsOf(output, "pkgs/fonts/unused/default.nix", RULE)).hosts).toEqual([]);
  });

  it("clan layout: a shell script of a machine's folder that no Nix file names is an operator's tool, not the machine's", async () => {
    const SCRIPT = `#!/usr/bin/env bash\nssh -o StrictHostKeyChecking=no root@alpha.example.org reboot\n`;
    const files = {
      "flake.nix": flake(`inputs.clan-core.lib.clan { inherit self; meta.name = "x"; }`),
      "machines/alpha/configuration.nix": `{ pkgs, ... }: { environment.systemPackages = [ (pkgs.writeShellScriptBin "tunnel" (builtins.readFile ./tunnel.sh)) ]; }`,
      "machines/alpha/reboot.sh": SCRIPT,
      // Named by the machine's configuration: the machine runs it.
      "machines/alpha/tunnel.sh": SCRIPT,
      "machines/alpha/facter.json": `{ "version": 1 }`,
    };
    const report = await scanMemory(files);
    const at = (file: string) => report.findings.filter((f) => f.file === file && f.ruleId === "ssh-host-key-checking-disabled").map((f) => f.host ?? []);
    // Before: ["alpha"].
    expect(at("machines/alpha/reboot.sh")).toEqual([[]]);
    expect(at("machines/alpha/tunnel.sh")).toEqual([["alpha"]]);
  });

  it("helper-built hosts without a readable nixosConfigurations: a builder naming `../systems/${system}/${hostname}`, its sibling files, snowfall image formats; a template flake's host does not hide them (khaneliman-style)", async () => {
    const files = {
      "flake.nix": flake(`inputs.flake-parts.lib.mkFlake { inherit inputs; } { imports = [ ./flake/configs.nix ]; }`),
      "flake/configs.nix": `{ self, lib, ... }: { flake.nixosConfigurations = lib.mapAttrs' (_: { system, hostname }: { name = hostname; value = self.lib.mkSystem { inherit system hostname; }; }) (self.lib.systems ../systems); }`,
      "lib/system/mk-system.nix": `{ inputs }: { system, hostname }: let common = import ./common.nix { inherit inputs; }; in inputs.nixpkgs.lib.nixosSystem { inherit system; modules = [ { nixpkgs.config = common.nixpkgsConfig; } ../../systems/\${system}/\${hostname} ]; }`,
      "lib/system/common.nix": `{ inputs }: { nixpkgsConfig.permittedInsecurePackages = [ "olm-3.2.16" ]; }`,
      "lib/unrelated.nix": `{ }: { nixpkgs.config.permittedInsecurePackages = [ "openssl-1.1.1w" ]; }`,
      "systems/x86_64-linux/alpha/default.nix": ROOT_LOGIN,
      "systems/x86_64-iso/rescue/default.nix": PLAIN,
      "systems/aarch64-darwin/mac/default.nix": ROOT_LOGIN,
      "templates/container/flake.nix": flake(`{ nixosConfigurations.container = nixpkgs.lib.nixosSystem { modules = [ ./configuration.nix ]; }; }`),
      "templates/container/configuration.nix": PLAIN,
    };
    const { hosts, report } = await hostsOf(files, "systems/x86_64-linux/alpha/default.nix");
    expect(hosts).toEqual(["alpha"]);
    expect(report.hosts).toEqual(["alpha", "rescue", "templates/container#container"]);
    const insecure = report.findings.filter((f) => f.ruleId === "permitted-insecure-packages");
    expect(insecure.find((f) => f.file === "lib/system/common.nix")?.host).toEqual(["alpha", "rescue"]);
    // A file no builder reads stays unattributed.
    expect(insecure.find((f) => f.file === "lib/unrelated.nix")?.host ?? []).toEqual([]);
  });

  it("hosts/<system>/<host>/ built by a function given the host's module, with shared modules listed from a folder (nmasur-style)", async () => {
    const files = {
      "flake.nix": flake(`let lib = import ./lib inputs; in { nixosConfigurations = lib.flatten (builtins.mapAttrs (system: hosts: builtins.mapAttrs (name: module: lib.buildNixos { inherit system module; }) hosts) lib.linuxHosts); }`),
      "lib/default.nix": `inputs: rec {
        nixFiles = dir: inputs.nixpkgs.lib.filesystem.listFilesRecursive dir;
        buildNixos = { system, module }: inputs.nixpkgs.lib.nixosSystem { inherit system; modules = [ { imports = nixFiles ../platforms/nixos; } module ]; };
      }`,
      "platforms/nixos/modules/ssh.nix": ROOT_LOGIN,
      "platforms/darwin/modules/ssh.nix": ROOT_LOGIN,
      "hosts/x86_64-linux/arrow/default.nix": PLAIN,
      "hosts/x86_64-linux/swan/default.nix": PLAIN,
      "hosts/aarch64-darwin/mac/default.nix": PLAIN,
    };
    const { hosts, report } = await hostsOf(files, "platforms/nixos/modules/ssh.nix");
    expect(report.hosts).toEqual(["arrow", "swan"]);
    expect(hosts).toEqual(["arrow", "swan"]);
    const darwin = report.findings.filter((f) => f.ruleId === "ssh-permit-root-login" && f.file === "platforms/darwin/modules/ssh.nix");
    expect(darwin.flatMap((f) => f.host ?? [])).toEqual([]);
  });

  it("a folder of hosts named by an interpolated path in a builder, its shared modules a let binding (gvolpe-style: ../system/host/${host})", async () => {
    const files = {
      "flake.nix": flake(`{ nixosConfigurations = (import ./lib/overlays.nix inputs).mkNixos { }; }`),
      "lib/overlays.nix": `inputs: { mkNixos = { }: import ../outputs/os.nix { inherit inputs; }; }`,
      "outputs/os.nix": `{ inputs }: let
        hosts = [ "alpha" "beta" ];
        shared = [ ../system/configuration.nix ];
        make = host: { \${host} = inputs.nixpkgs.lib.nixosSystem { modules = shared ++ [ ../system/host/\${host} ]; }; };
      in inputs.nixpkgs.lib.mergeAttrsList (map make hosts)`,
      "system/configuration.nix": ROOT_LOGIN,
      "system/host/alpha/default.nix": PLAIN,
      "system/host/beta/default.nix": PLAIN,
      "system/wm/gnome.nix": ROOT_LOGIN,
    };
    const { hosts, report } = await hostsOf(files, "system/configuration.nix");
    expect(report.hosts).toEqual(["alpha", "beta"]);
    expect(hosts).toEqual(["alpha", "beta"]);
    // A module nothing imports is nobody's.
    expect(report.findings.filter((f) => f.file === "system/wm/gnome.nix").flatMap((f) => f.host ?? [])).toEqual([]);
  });

  it("self.nixosModules.<name> of a set a discovery function computes: the module whose path under modules/nixos/ gives the name (hardware/no-mitigations.nix is hardware-no-mitigations; lovesegfault-style)", async () => {
    const files = {
      "flake.nix": flake(`{
        nixosModules = (import ./lib/discover.nix) ./modules/nixos;
        nixosConfigurations.alpha = nixpkgs.lib.nixosSystem { modules = [ self.nixosModules.hardware-ssh ./hosts/alpha.nix ]; };
        nixosConfigurations.beta = nixpkgs.lib.nixosSystem { modules = [ self.nixosModules.missing ./hosts/beta.nix ]; };
      }`),
      "lib/discover.nix": `dir: builtins.listToAttrs (map (f: { name = f; value = dir + "/\${f}"; }) (builtins.attrNames (builtins.readDir dir)))`,
      "modules/nixos/hardware/ssh.nix": ROOT_LOGIN,
      "modules/nixos/hardware-other.nix": PLAIN,
      "hosts/alpha.nix": PLAIN,
      "hosts/beta.nix": PLAIN,
    };
    const { hosts } = await hostsOf(files, "modules/nixos/hardware/ssh.nix");
    expect(hosts).toEqual(["alpha"]);
  });

  it("hosts from a helper that returns `{ ${name} = nixosSystem ...; }`, merged with mkMerge in a flake-parts module; its arguments are not hosts (linyinfeng-style)", async () => {
    const report = await scanMemory({
      "flake.nix": flake(`inputs.flake-parts.lib.mkFlake { inherit inputs; } { imports = [ ./flake/hosts.nix ]; }`),
      "flake/hosts.nix": `{ inputs, lib, ... }:
let
  mkHost = { name, system, extraModules ? [ ], configurationName ? name }: {
    \${name} = inputs.nixpkgs.lib.nixosSystem {
      modules = [ ../nixos/common.nix ] ++ extraModules ++ lib.optional (configurationName != null) ../nixos/hosts/\${configurationName};
    };
  };
in
{
  flake.nixosConfigurations = lib.mkMerge [
    (mkHost { name = "alpha"; system = "x86_64-linux"; extraModules = [ ]; })
    (mkHost { name = "beta"; system = "x86_64-linux"; })
  ];
}`,
      "nixos/common.nix": PLAIN,
      "nixos/hosts/alpha/default.nix": ROOT_LOGIN,
      "nixos/hosts/beta/default.nix": PLAIN,
    });
    expect([...report.hosts].sort()).toEqual(["alpha", "beta"]);
    const f = report.findings.filter((x) => x.ruleId === "ssh-permit-root-login");
    expect(f.map((x) => [x.file, x.host])).toEqual([["nixos/hosts/alpha/default.nix", ["alpha"]]]);
  });

  it("hosts of `lib.flip mapAttrs hosts (name: args@{ modules, ... }: nixosSystem { modules = common ++ args.modules; })` over a let-bound table (chayleaf-style)", async () => {
    const { hosts, report } = await hostsOf(
      {
        "flake.nix": flake(`let
          lib = nixpkgs.lib;
          hosts = let mkRouter = variant: cfg: cfg // { modules = cfg.modules ++ [ ./devices/router-\${variant}.nix ]; }; in {
            router = mkRouter "emmc" { system = "aarch64-linux"; modules = [ ]; };
            server = { system = "aarch64-linux"; modules = [ ./devices/server.nix ]; };
            desk = { system = "x86_64-linux"; modules = [ ./devices/desk.nix ]; };
          };
        in {
          nixosConfigurations = lib.flip builtins.mapAttrs hosts (name: args@{ modules, ... }: lib.nixosSystem {
            inherit (args) system;
            modules = [ ./common.nix ] ++ args.modules;
          });
        }`),
        "common.nix": PLAIN,
        "devices/server.nix": ROOT_LOGIN,
        "devices/desk.nix": PLAIN,
        "devices/router-emmc.nix": PLAIN,
      },
      "devices/server.nix",
    );
    expect(hosts).toEqual(["server"]);
    expect([...report.hosts].sort()).toEqual(["desk", "router", "server"]);
  });

  it("a folder of host files listed by a helper of the repository's lib (`mapAttrs (k: nixos: nixosSystem { modules = attrValues (modulesIn ./modules) ++ [ nixos ]; }) (catAttrs' \"nixos\" (exprsIn ./machines))`; ncfavier-style)", async () => {
    const { hosts, report } = await hostsOf(
      {
        "flake.nix": flake(`let
          lib = nixpkgs.lib.extend (import ./lib);
          machines = lib.exprsIn ./machines;
        in with lib; {
          nixosConfigurations = mapAttrs (k: nixos: lib.nixosSystem {
            modules = attrValues (modulesIn ./modules) ++ [ nixos ];
          }) (catAttrs' "nixos" machines);
        }`),
        "lib/default.nix": `final: prev: { }`,
        "machines/nas.nix": `{ nixos = { networking.hostName = "nas"; }; }`,
        "machines/laptop.nix": `{ nixos = { networking.hostName = "laptop"; }; }`,
        "modules/ssh.nix": ROOT_LOGIN,
      },
      "modules/ssh.nix",
    );
    expect([...report.hosts].sort()).toEqual(["laptop", "nas"]);
    expect(hosts).toEqual(["laptop", "nas"]);
  });

  it("self.nixosModules.default of such a set is the folder's own default.nix, and `with self.nixosModules; [ core ]` inside it is modules/nixos/core.nix (lovesegfault: core.nix and resolved.nix were no host's)", async () => {
    const files = {
      "flake.nix": flake(`{
        nixosModules = (import ./lib/discover.nix) ./modules/nixos;
        nixosConfigurations.alpha = nixpkgs.lib.nixosSystem { modules = [ ./hosts/alpha.nix ]; };
      }`),
      "lib/discover.nix": `dir: builtins.listToAttrs (map (f: { name = f; value = dir + "/\${f}"; }) (builtins.attrNames (builtins.readDir dir)))`,
      "modules/nixos/default.nix": `{ self, ... }: { imports = with self.nixosModules; [ core ]; }\n`,
      "modules/nixos/core.nix": ROOT_LOGIN,
      "hosts/alpha.nix": `{ self, ... }: { imports = [ self.nixosModules.default ]; }\n`,
    };
    const { hosts } = await hostsOf(files, "modules/nixos/core.nix");
    expect(hosts).toEqual(["alpha"]);
  });

  it("hosts built by a helper a `with import ./lib/output.nix { ... };` brings into scope, its paths from `configPath = self`; a host's modules named by `addModules <folder> [ names ]` and listed by `addModulesRecursive ./modules` (m1cr0man-style)", async () => {
    const report = await scanMemory({
      "flake.nix": `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = { self, nixpkgs, ... }@inputs:
    with import ./lib/output.nix { inherit inputs; };
    {
      nixosConfigurations = {
        nas = mkConfiguration { name = "nas"; };
        desk = mkConfiguration { name = "desk"; };
      };
    };
}`,
      "lib/output.nix": `{ inputs }:
let
  inherit (inputs) self nixpkgs;
  configPath = self;
  myModulesPath = "\${configPath}/modules";
in
rec {
  nixosSystem = modules: import "\${nixpkgs.outPath}/nixos/lib/eval-config.nix" { inherit modules; };
  addModules = dir: names: map (n: "\${dir}/\${n}") names;
  mkConfiguration = { name, modules ? [ ] }: nixosSystem (modules ++ [ "\${configPath}/hosts/\${name}/configuration.nix" ] ++ addModules myModulesPath [ "base.nix" ]);
}`,
      "lib/module.nix": `{ addModulesRecursive = dir: builtins.attrNames (builtins.readDir dir); }`,
      "hosts/nas/configuration.nix": `{ lib, ... }: { imports = lib.my.addModules ../../modules [ "ssh" ] ++ lib.my.addModulesRecursive ./modules; }`,
      "hosts/nas/modules/db.nix": `{ services.postgresql.enable = true; services.postgresql.authentication = "host all all 0.0.0.0/0 trust"; }`,
      "hosts/desk/configuration.nix": `{ networking.hostName = "desk"; }`,
      "modules/base.nix": `{ services.openssh.enable = true; services.openssh.settings.PasswordAuthentication = true; }`,
      "modules/ssh/default.nix": ROOT_LOGIN,
      "modules/unused.nix": `{ services.openssh.settings.PermitRootLogin = "yes"; }`,
    });
    const hostsOfFile = (file: string) => [...new Set(report.findings.filter((f) => f.file === file).flatMap((f) => f.host ?? []))].sort();
    expect([...report.hosts].sort()).toEqual(["desk", "nas"]);
    expect(hostsOfFile("modules/base.nix")).toEqual(["desk", "nas"]);
    expect(hostsOfFile("modules/ssh/default.nix")).toEqual(["nas"]);
    expect(hostsOfFile("hosts/nas/modules/db.nix")).toEqual(["nas"]);
    // Named by no host: no host.
    expect(hostsOfFile("modules/unused.nix")).toEqual([]);
  });

  it("hosts of `mkHosts = mapAttrs self.lib.mkHost` with `lib = import ./lib { }` a makeExtensible set and mkHost a file's function using `class ? \"nixos\"` in its module paths (isabelroses-style)", async () => {
    const files = {
      "flake.nix": `{ inputs.nixpkgs.url = "github:NixOS/nixpkgs"; outputs = inputs: import ./modules/flake inputs; }`,
      "modules/flake/default.nix": `inputs:
let
  inherit (inputs) nixpkgs self;
  inherit (nixpkgs) lib;
  mkHosts = lib.attrsets.mapAttrs self.lib.mkHost;
in {
  lib = import ./lib { inherit lib inputs; };
  nixosConfigurations = mkHosts {
    alpha = { };
    beta = { class = "iso"; };
  };
}`,
      "modules/flake/lib/default.nix": `{ lib, inputs }: lib.fixedPoints.makeExtensible (final: { mkHost = import ./mkhost.nix { inherit inputs lib; }; })`,
      "modules/flake/lib/mkhost.nix": `{ lib, inputs }:
let inherit (inputs) self; in
name: { arch ? "x86_64", class ? "nixos" }:
let evalHost = if class == "darwin" then inputs.darwin.lib.darwinSystem else inputs.nixpkgs.lib.nixosSystem; in
evalHost {
  specialArgs = { inherit inputs self; };
  modules = [ "\${self}/systems/\${name}/default.nix" "\${self}/modules/\${class}/default.nix" { networking.hostName = name; } ];
}`,
      "modules/nixos/default.nix": `{ imports = [ ./ssh.nix ]; }`,
      "modules/nixos/ssh.nix": ROOT_LOGIN,
      "modules/iso/default.nix": PLAIN,
      "systems/alpha/default.nix": PLAIN,
      "systems/beta/default.nix": PLAIN,
    };
    const { hosts, report } = await hostsOf(files, "modules/nixos/ssh.nix");
    expect([...report.hosts].sort()).toEqual(["alpha", "beta"]);
    expect(hosts).toEqual(["alpha"]);
  });
  it("digga-style profiles and suites as specialArgs: `imports = suites.server ++ (with profiles; [ services.x ])`, profiles from rakeLeaves; a home-manager user's own `suites` is not the host's (linyinfeng-style)", async () => {
    const files = {
      "flake.nix": flake(`let
        lib = nixpkgs.lib;
        profiles = self.lib.rakeLeaves ./nixos/profiles;
        buildSuites = profiles: f: lib.mapAttrs (_: lib.flatten) (lib.fix (f profiles));
        suites = buildSuites profiles (profiles: suites: {
          base = with profiles; [ users.root ];
          server = suites.base ++ (with profiles.services; [ openssh ]);
          desktop = suites.base ++ [ profiles.graphical ];
        });
        specialArgs = { inherit inputs self profiles suites; };
      in {
        nixosConfigurations.alpha = nixpkgs.lib.nixosSystem { inherit specialArgs; modules = [ ./nixos/hosts/alpha ]; };
        nixosConfigurations.beta = nixpkgs.lib.nixosSystem { inherit specialArgs; modules = [ ./nixos/hosts/beta ]; };
        nixosConfigurations.gamma = nixpkgs.lib.nixosSystem { inherit specialArgs; modules = [ ./nixos/hosts/gamma ]; };
      }`),
      "nixos/profiles/users/root.nix": PLAIN,
      "nixos/profiles/services/openssh/default.nix": ROOT_LOGIN,
      "nixos/profiles/services/fail2ban.nix": ROOT_LOGIN,
      "nixos/profiles/graphical.nix": PLAIN,
      "nixos/hosts/alpha/default.nix": `{ suites, profiles, ... }: { imports = suites.server; }`,
      "nixos/hosts/beta/default.nix": `{ suites, profiles, ... }: { imports = suites.desktop ++ (with profiles; [ services.fail2ban ]); }`,
      "nixos/hosts/gamma/default.nix": `{ suites, ... }: { imports = suites.desktop; home-manager.users.me = { suites, ... }: { imports = suites.server; }; }`,
    };
    expect((await hostsOf(files, "nixos/profiles/services/openssh/default.nix")).hosts).toEqual(["alpha"]);
    expect((await hostsOf(files, "nixos/profiles/services/fail2ban.nix")).hosts).toEqual(["beta"]);
  });
  it("digga importables: `suites = with profiles; rec { base = [ core ]; server = base ++ [ services.openssh ]; }` given as a specialArg; a host importing only suites.base does not get the server's profiles", async () => {
    const files = {
      "flake.nix": flake(`let
        profiles = inputs.digga.lib.rakeLeaves ./profiles;
        suites = with profiles; rec { base = [ core ]; server = base ++ [ services.openssh ]; };
      in {
        nixosConfigurations.alpha = nixpkgs.lib.nixosSystem { specialArgs = { inherit suites profiles; }; modules = [ ./hosts/alpha.nix ]; };
        nixosConfigurations.beta = nixpkgs.lib.nixosSystem { specialArgs = { inherit suites profiles; }; modules = [ ./hosts/beta.nix ]; };
      }`),
      "profiles/core/default.nix": `{ services.openssh.enable = true; services.openssh.settings.PasswordAuthentication = true; }`,
      "profiles/services/openssh.nix": `{ services.openssh.settings.PermitRootLogin = "yes"; }`,
      "hosts/alpha.nix": `{ suites, ... }: { imports = suites.server; }`,
      "hosts/beta.nix": `{ suites, profiles, ... }: { imports = suites.base ++ [ profiles.core ]; }`,
    };
    expect((await hostsOf(files, "profiles/services/openssh.nix")).hosts).toEqual(["alpha"]);
    expect((await hostsOf(files, "profiles/core/default.nix", "ssh-password-authentication")).hosts).toEqual(["alpha", "beta"]);
  });

  it("hosts of `genAttrs [ ... ] self.lib.mkHost` with mkHost a file's function of the flake's lib", async () => {
    const files = {
      "flake.nix": flake(`{
        lib = import ./lib { inherit inputs; };
        nixosConfigurations = nixpkgs.lib.genAttrs [ "alpha" "beta" ] self.lib.mkHost;
      }`),
      "lib/default.nix": `{ inputs }: { mkHost = import ./mkhost.nix { inherit inputs; }; }`,
      "lib/mkhost.nix": `{ inputs }: name: inputs.nixpkgs.lib.nixosSystem { modules = [ ../hosts/\${name}.nix ]; }`,
      "hosts/alpha.nix": `{ imports = [ ../modules/ssh.nix ]; }`,
      "hosts/beta.nix": PLAIN,
      "modules/ssh.nix": ROOT_LOGIN,
    };
    const { hosts, report } = await hostsOf(files, "modules/ssh.nix");
    expect([...report.hosts].sort()).toEqual(["alpha", "beta"]);
    expect(hosts).toEqual(["alpha"]);
  });
  it("hosts declared one by one with a helper of the flake's own outputs (`nixosConfigurations.alpha = self.lib.mkHost \"alpha\" { }`), its `class ? \"nixos\"` default in a module path", async () => {
    const files = {
      "flake.nix": flake(`{
        lib = import ./lib { inherit inputs; };
        nixosConfigurations.alpha = self.lib.mkHost "alpha" { };
        nixosConfigurations.beta = self.lib.mkHost "beta" { class = "iso"; };
      }`),
      "lib/default.nix": `{ inputs }: inputs.nixpkgs.lib.fix (final: { mkHost = import ./mkhost.nix { inherit inputs; }; })`,
      "lib/mkhost.nix": `{ inputs }: name: { class ? "nixos" }: inputs.nixpkgs.lib.nixosSystem { modules = [ ../hosts/\${name}.nix ../modules/\${class} ]; }`,
      "hosts/alpha.nix": PLAIN,
      "hosts/beta.nix": PLAIN,
      "modules/nixos/default.nix": ROOT_LOGIN,
      "modules/iso/default.nix": PLAIN,
    };
    const { hosts, report } = await hostsOf(files, "modules/nixos/default.nix");
    expect([...report.hosts].sort()).toEqual(["alpha", "beta"]);
    expect(hosts).toEqual(["alpha"]);
  });
});
