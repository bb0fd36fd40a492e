// Host attribution for layouts admins found wrong in round 9 (issue 11, point 3): inline modules
// of a list a host's declaration names through a let binding, hosts commented out, per-host values
// a builder passes as literals. Each case has a look-alike.
import { describe, expect, it } from "vitest";
import { scanMemory } from "../helpers/memory.js";

const flake = (outputs: string, args = "{ self, nixpkgs, ... }@inputs") => `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = ${args}: ${outputs};
}`;

describe("inline modules of a let-bound list a host takes", () => {
  const files = (home: string) => ({
    "flake.nix": flake(`let
      withHome = [ { home-manager.useGlobalPkgs = true; home-manager.users.al = import ./home.nix; } ];
    in {
      nixosConfigurations.desk = nixpkgs.lib.nixosSystem { modules = [ ./desk.nix ] ++ withHome; };
    }`),
    "desk.nix": `{ networking.hostName = "desk"; system.stateVersion = "24.05"; home-manager.users.al = { imports = [ ./extra.nix ]; }; }`,
    "extra.nix": `{ programs.git.enable = true; }`,
    "home.nix": home,
  });

  it("reads home-manager.users.<user> from the list: home.stateVersion set there is seen", async () => {
    const report = await scanMemory(files(`{ home.stateVersion = "24.05"; }`));
    expect(report.findings.filter((f) => f.ruleId === "missing-home-stateversion")).toEqual([]);
  });

  it("look-alike: the list's module without home.stateVersion is reported", async () => {
    const report = await scanMemory(files(`{ programs.bash.enable = true; }`));
    expect(report.findings.filter((f) => f.ruleId === "missing-home-stateversion").length).toBeGreaterThan(0);
  });
});

describe("folder hosts of a flake whose host list is not read", () => {
  // The helper comes from a lib extended through a dynamic attribute: the scan falls back to
  // hosts/<name>/ folders, and keeps those the flake names in its nixosConfigurations.
  const files = (configurations: string) => ({
    "flake.nix": flake(`let
      ns = "me";
      lib = nixpkgs.lib.extend (final: _: import ./lib self final ns);
      inherit (lib.\${ns}) mkHost;
    in {
      nixosConfigurations = ${configurations};
      nixOnDroidConfigurations = builtins.listToAttrs [ (lib.\${ns}.mkDroid "phone") ];
      darwinConfigurations.mac = lib.\${ns}.mkMac "mac";
    }`),
    "lib/default.nix": `self: lib: ns: { \${ns}.mkHost = name: { inherit name; value = lib.nixosSystem { modules = [ ../shared.nix ../hosts/\${name} ]; }; }; }`,
    "shared.nix": `{ services.openssh.enable = true; services.openssh.settings.PermitRootLogin = "yes"; }`,
    "hosts/desk/default.nix": `{ networking.hostName = "desk"; }`,
    "hosts/tablet/default.nix": `{ networking.hostName = "tablet"; }`,
    "hosts/phone/default.nix": `{ environment.packages = [ ]; }`,
    "hosts/mac/default.nix": `{ networking.hostName = "mac"; }`,
  });

  it("a host commented out of the list, and a nix-on-droid one, are no hosts; one another configuration names stays", async () => {
    const report = await scanMemory(files(`builtins.listToAttrs [
        (mkHost "desk")
        # (mkHost "tablet")
      ]`));
    expect([...report.hosts].sort()).toEqual(["desk", "mac"]);
  });

  it("look-alike: a list read from the folder keeps every folder host", async () => {
    const report = await scanMemory(files(`builtins.listToAttrs (map mkHost (builtins.attrNames (builtins.readDir ./hosts)))`));
    expect([...report.hosts].sort()).toEqual(["desk", "mac", "phone", "tablet"]);
  });
});

describe("per-host values a builder passes as literal module arguments", () => {
  const files = {
    "flake.nix": flake(`let
      lib = nixpkgs.lib;
      vars = import ./vars { inherit lib; };
      full = { inherit vars; };
      small = { vars = lib.recursiveUpdate vars { isMinimal = true; }; };
      mk = name: args: extra: lib.nixosSystem {
        specialArgs = args;
        modules = [ ./common.nix ./hosts/\${name} { _module.args = { inherit extra; }; } ];
      };
    in {
      nixosConfigurations = {
        desk = mk "desk" full false;
        boot = mk "boot" small false;
        nas = mk "nas" full true;
      };
    }`),
    "vars/default.nix": `{ lib }: { user = "al"; isMinimal = false; }`,
    "common.nix": `{ lib, vars, extra, ... }: {
      config = lib.mkMerge [
        (lib.mkIf vars.isMinimal { services.openssh.enable = true; services.openssh.settings.PermitRootLogin = "yes"; })
        (lib.mkIf (!vars.isMinimal) { security.sudo.wheelNeedsPassword = false; })
        (lib.mkIf extra { networking.firewall.enable = false; })
      ];
    }`,
    "hosts/desk/default.nix": `{ networking.hostName = "desk"; }`,
    "hosts/boot/default.nix": `{ networking.hostName = "boot"; }`,
    "hosts/nas/default.nix": `{ networking.hostName = "nas"; }`,
  };
  const hostsOfRule = (report: Awaited<ReturnType<typeof scanMemory>>, rule: string) => [...new Set(report.findings.filter((f) => f.ruleId === rule && f.file === "common.nix").flatMap((f) => f.host ?? []))].sort();

  it("`mkIf vars.isMinimal` names the hosts whose specialArgs set make it true, `mkIf extra` those passing `_module.args.extra = true`", async () => {
    const report = await scanMemory(files);
    expect([...report.hosts].sort()).toEqual(["boot", "desk", "nas"]);
    expect(hostsOfRule(report, "ssh-permit-root-login")).toEqual(["boot"]);
    expect(hostsOfRule(report, "sudo-nopasswd")).toEqual(["desk", "nas"]);
    expect(hostsOfRule(report, "firewall-disabled")).toEqual(["nas"]);
  });

  it("look-alike: a value one host computes keeps every host", async () => {
    const report = await scanMemory({ ...files, "flake.nix": files["flake.nix"].replace("desk = mk \"desk\" full false;", "desk = mk \"desk\" { vars = vars // { isMinimal = builtins.pathExists ./x; }; } false;") });
    expect(hostsOfRule(report, "ssh-permit-root-login")).toEqual(["boot", "desk", "nas"]);
  });
});

describe("a helper of a library file written `with builtins; rec { ... }`", () => {
  it("reads the helper and its default module list (`modules ? [ ../modules ]`)", async () => {
    const report = await scanMemory({
      "flake.nix": flake(`let lib = import ./lib; in {
        nixosConfigurations.alpha = lib.mkSystem { name = "alpha"; inherit nixpkgs; };
        nixosConfigurations.beta = lib.mkSystem { name = "beta"; inherit nixpkgs; modules = [ ./other ]; };
      }`),
      "lib/default.nix": `with builtins; rec {
        mkSystem = { name, nixpkgs, modules ? [ ../modules ], ... }: nixpkgs.lib.nixosSystem {
          modules = [ { imports = modules; networking.hostName = name; } ];
        };
      }`,
      "modules/default.nix": `{ imports = [ ./ssh.nix ]; }`,
      "modules/ssh.nix": `{ services.openssh.enable = true; services.openssh.settings.PermitRootLogin = "yes"; }`,
      "other/default.nix": `{ security.sudo.wheelNeedsPassword = false; }`,
    });
    const of = (file: string) => [...new Set(report.findings.filter((f) => f.file === file).flatMap((f) => f.host ?? []))].sort();
    expect(of("modules/ssh.nix")).toEqual(["alpha"]);
    expect(of("other/default.nix")).toEqual(["beta"]);
  });
});

describe("overlay files that add packages, applied to every host", () => {
  it("names the hosts that mention the package; an overlay that also changes a nixpkgs package keeps every host", async () => {
    const drv = (name: string, from: string) => `${from}.stdenv.mkDerivation { pname = "${name}"; version = "1"; src = ./.; installPhase = ''
      mkdir -p $out/bin
    ''; }`;
    const report = await scanMemory({
      "flake.nix": flake(`let
        overlays = map (f: import (./overlays + "/\${f}")) (builtins.attrNames (builtins.readDir ./overlays));
        mk = host: nixpkgs.lib.nixosSystem { modules = [ { nixpkgs.overlays = overlays; } ./hosts/\${host}.nix ]; };
      in { nixosConfigurations = { red = mk "red"; blue = mk "blue"; }; }`),
      "overlays/tool.nix": `final: prev: { tool = ${drv("tool", "prev")}; }`,
      // Also changes nixpkgs' jq (a module may use it without naming it): read as before.
      "overlays/htop.nix": `final: prev: { jq = prev.jq.override { }; htop-extra = ${drv("htop-extra", "prev")}; }`,
      "hosts/red.nix": `{ pkgs, ... }: { environment.systemPackages = [ pkgs.tool ]; }`,
      "hosts/blue.nix": `{ pkgs, ... }: { environment.systemPackages = [ pkgs.git ]; }`,
    });
    const of = (file: string) => {
      const f = report.findings.filter((x) => x.ruleId === "installphase-without-runhook" && x.file === file);
      expect(f.length, file).toBeGreaterThan(0);
      return [...new Set(f.flatMap((x) => x.host ?? []))].sort();
    };
    expect(of("overlays/tool.nix")).toEqual(["red"]);
    expect(of("overlays/htop.nix")).toEqual(["blue", "red"]);
  });
});

describe("a host whose declared module is missing from the checkout", () => {
  it("is not reported as never collecting garbage; a host whose modules are all there is", async () => {
    const report = await scanMemory({
      "flake.nix": flake(`{
        nixosConfigurations.here = nixpkgs.lib.nixosSystem { modules = [ ./hosts/here/configuration.nix ]; };
        nixosConfigurations.gone = nixpkgs.lib.nixosSystem { modules = [ ./hosts/gone/configuration.nix ]; };
      }`),
      "hosts/here/configuration.nix": `{ networking.hostName = "here"; system.stateVersion = "24.05"; }`,
    });
    const gc = report.findings.filter((f) => f.ruleId === "missing-nix-gc").flatMap((f) => f.host ?? []);
    expect(gc).toEqual(["here"]);
  });
});
