// systemd-service-exposure reads hardening sets that reach a module as a module argument the host
// builder gives statically: `specialArgs = { H = import ./helpers { ... }; }` (here through a host
// set computed from `readDir ./hosts` and a `specialArgsFor name` helper, with the helper set
// built by `callPackageWith` and `mapAttrs (k: lib.mkOptionDefault)`), or `_module.args.H = ...`.
// When no host gives the argument, the score stays a bound (said so, rated lower). A unit with a
// User= of its own is never said to "run as root".
import { describe, expect, it } from "vitest";
import { scanFiles } from "../helpers/scan.js";
import { byService, exposureOf } from "../helpers/service-exposure.js";


const HARDEN_FILE = `{ lib, ... }:
let
  base = {
    CapabilityBoundingSet = "";
    NoNewPrivileges = true;
    PrivateDevices = true;
    PrivateTmp = true;
    PrivateMounts = true;
    ProtectClock = true;
    ProtectControlGroups = true;
    ProtectHome = true;
    ProtectHostname = true;
    ProtectKernelLogs = true;
    ProtectKernelModules = true;
    ProtectKernelTunables = true;
    ProtectProc = "invisible";
    ProcSubset = "pid";
    ProtectSystem = "strict";
    RestrictAddressFamilies = [ "AF_UNIX" "AF_INET" "AF_INET6" ];
    RestrictNamespaces = true;
    RestrictRealtime = true;
    RestrictSUIDSGID = true;
    LockPersonality = true;
    MemoryDenyWriteExecute = true;
    RemoveIPC = true;
    SystemCallArchitectures = "native";
    SystemCallFilter = [ "@system-service" "~@privileged @resources" ];
  };
in
{
  hardened = lib.mapAttrs (k: lib.mkOptionDefault) base;
}
`;

const HELPERS = `{ lib, pkgs ? { }, config ? { }, ... }:
let
  call = path: builtins.removeAttrs (lib.callPackageWith (pkgs // helpers) path { }) [ "override" "overrideDerivation" ];
  helpers = rec {
    inherit lib config;
    inherit (call ./harden.nix) hardened;
    port = 8080;
  };
in
helpers
`;

const SERVICE = (arg: string) => `{ config, lib, ${arg}, ... }:
{
  sops.secrets.bridge-token.owner = "bridge";
  systemd.services.bridge = {
    wantedBy = [ "multi-user.target" ];
    script = ''
      export TOKEN=$(cat \${config.sops.secrets.bridge-token.path})
      exec bridge --listen 127.0.0.1:8080
    '';
    serviceConfig = ${arg}.hardened // {
      Restart = "always";
      User = "bridge";
      Group = "bridge";
    };
  };
}
`;

describe("hardening sets handed to modules as module arguments", () => {
  it("reads a helper set the flake passes in specialArgs (host set from readDir, callPackageWith, mapAttrs)", async () => {
    const report = await scanFiles({
      "flake.nix": `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  outputs = { self, nixpkgs, ... }@inputs:
    let
      lib = nixpkgs.lib;
      specialArgsFor = n: {
        inherit inputs;
        H = import ./helpers { inherit lib inputs; inherit (self.nixosConfigurations."\${n}") config pkgs; };
      };
    in
    {
      nixosConfigurations = lib.mapAttrs (n: _: lib.nixosSystem {
        system = "x86_64-linux";
        modules = [ (./hosts + "/\${n}/configuration.nix") ];
        specialArgs = specialArgsFor n;
      }) (builtins.readDir ./hosts);
    };
}
`,
      "helpers/default.nix": HELPERS,
      "helpers/harden.nix": HARDEN_FILE,
      "hosts/web/configuration.nix": `{ ... }: { imports = [ ../../modules/bridge.nix ]; }\n`,
      "hosts/db/configuration.nix": `{ ... }: { imports = [ ../../modules/bridge.nix ]; }\n`,
      "modules/bridge.nix": SERVICE("H"),
    });
    expect(report.hosts.sort()).toEqual(["db", "web"]);
    expect(byService(report).bridge).toBeUndefined();
    expect(exposureOf(report, "bridge")).toBeLessThan(3);
  });

  it("reads one given with _module.args in a module of every host", async () => {
    const report = await scanFiles({
      "flake.nix": `{
  outputs = { nixpkgs, ... }: {
    nixosConfigurations.web = nixpkgs.lib.nixosSystem { modules = [ ./common.nix ./bridge.nix ]; };
  };
}
`,
      "common.nix": `{ lib, ... }: { _module.args.H = import ./helpers { inherit lib; }; }\n`,
      "helpers/default.nix": HELPERS,
      "helpers/harden.nix": HARDEN_FILE,
      "bridge.nix": SERVICE("H"),
    });
    expect(byService(report).bridge).toBeUndefined();
  });

  it("keeps the score a bound when no host gives the argument, and never says a unit with User= must run as root", async () => {
    const report = await scanFiles({
      "flake.nix": `{
  outputs = { nixpkgs, ... }: {
    nixosConfigurations.web = nixpkgs.lib.nixosSystem { modules = [ ./bridge.nix ]; };
  };
}
`,
      "helpers/default.nix": HELPERS,
      "helpers/harden.nix": HARDEN_FILE,
      "bridge.nix": SERVICE("H"),
    });
    const f = byService(report).bridge!;
    expect(f).toBeDefined();
    expect(f.message).toContain("at most");
    expect(f.message).toContain("bound, not a measurement");
    expect(f.message).not.toContain("measured with systemd-analyze");
    expect(f.message).not.toMatch(/must run as root/);
    expect(["low", "info"]).toContain(f.severity);
  });

  it("does not take an argument two hosts give differently", async () => {
    const report = await scanFiles({
      "flake.nix": `{
  outputs = { nixpkgs, ... }: {
    nixosConfigurations.a = nixpkgs.lib.nixosSystem { modules = [ ./bridge.nix ]; specialArgs = { H = import ./helpers { lib = nixpkgs.lib; }; }; };
    nixosConfigurations.b = nixpkgs.lib.nixosSystem { modules = [ ./bridge.nix ]; specialArgs = { H = { hardened = { }; }; }; };
  };
}
`,
      "helpers/default.nix": HELPERS,
      "helpers/harden.nix": HARDEN_FILE,
      "bridge.nix": SERVICE("H"),
    });
    expect(byService(report).bridge?.message).toContain("at most");
  });
});
