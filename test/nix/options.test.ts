// The option-path index: full paths as NixOS sees them, through every wrapper a module uses.
import { describe, expect, it } from "vitest";
import { parseNix } from "../../src/nix/index.js";
import { buildOptionIndex, indexModule } from "../../src/nix/options.js";

function paths(text: string) {
  const p = parseNix(text);
  expect(p.error).toBeUndefined();
  return buildOptionIndex(p.root);
}

function leafPaths(text: string): string[] {
  return paths(text)
    .definitions.filter((d) => d.isLeaf)
    .map((d) => d.path);
}

describe("option-path index", () => {
  it("joins nested sets and dotted paths", () => {
    expect(leafPaths("{ ... }: { services.openssh = { enable = true; settings.PermitRootLogin = \"yes\"; }; }")).toEqual([
      "services.openssh.enable",
      "services.openssh.settings.PermitRootLogin",
    ]);
  });

  it("also lists the intermediate definitions, not as leaves", () => {
    const idx = paths("{ services.openssh = { enable = true; }; }");
    expect(idx.definitions.map((d) => [d.path, d.isLeaf])).toEqual([
      ["services.openssh", false],
      ["services.openssh.enable", true],
    ]);
  });

  it("strips `config` in the full module form and records declarations apart", () => {
    const idx = paths(`{ lib, config, ... }: {
      options.my.enable = lib.mkEnableOption "x";
      config = { services.nginx.enable = true; };
      imports = [ ./a.nix ];
    }`);
    expect(idx.definitions.filter((d) => d.isLeaf).map((d) => d.path)).toEqual(["services.nginx.enable"]);
    expect(idx.declarations.map((d) => d.path)).toContain("my.enable");
    expect(idx.imports).toHaveLength(1);
  });

  it("keeps declarations nested two levels down in `options = { ... }` out of the definitions", () => {
    // Before, `modules.z = { enable = ...; }` under `options` was filed as a definition of
    // modules.z.enable (the nested walk wrote into the definitions, not the declarations).
    const idx = paths(`{ lib, config, ... }: {
      options = { modules.z = { enable = lib.mkEnableOption "z"; port = lib.mkOption { default = 1; }; }; };
      config = lib.mkIf config.modules.z.enable { services.udev.extraRules = ""; };
    }`);
    expect(idx.definitions.map((d) => d.path)).toEqual(["services.udev.extraRules"]);
    expect(idx.declarations.map((d) => d.path).sort()).toEqual(["modules.z", "modules.z.enable", "modules.z.port"]);
  });

  it("treats `config.x = ...` at the top as the full form too", () => {
    expect(leafPaths("{ config.networking.hostName = \"a\"; options = { }; }")).toEqual(["networking.hostName"]);
  });

  it("looks through mkIf, mkMerge, optionalAttrs, if/else and //, recording conditions", () => {
    const idx = paths(`{ config, lib, ... }: let cfg = config.my; in {
      config = lib.mkMerge [
        (lib.mkIf config.a { services.x.enable = true; })
        (lib.optionalAttrs cfg.b { services.y.enable = true; })
        (if cfg.c then { services.z.enable = true; } else { services.w.enable = true; })
        ({ services.u.enable = true; } // { services.v.enable = true; })
      ];
    }`);
    const byPath = Object.fromEntries(idx.definitions.filter((d) => d.isLeaf).map((d) => [d.path, d]));
    expect(Object.keys(byPath).sort()).toEqual(
      ["services.u.enable", "services.v.enable", "services.w.enable", "services.x.enable", "services.y.enable", "services.z.enable"].sort(),
    );
    expect(byPath["services.x.enable"]!.conditions.map((c) => [c.kind, c.text])).toEqual([["mkIf", "config.a"]]);
    expect(byPath["services.y.enable"]!.conditions.map((c) => c.kind)).toEqual(["optionalAttrs"]);
    expect(byPath["services.w.enable"]!.conditions.map((c) => [c.kind, c.text])).toEqual([["else", "cfg.c"]]);
    expect(byPath["services.x.enable"]!.via).toContain("mkMerge");
  });

  it("looks through lib.recursiveUpdate a b (both sides define), with the conditions of a let-bound side", () => {
    const idx = paths(`{ config, lib, vars, ... }: let
      full = lib.optionalAttrs (!vars.isMinimal) { users.users.alice.hashedPasswordFile = "/run/secrets/alice"; };
    in {
      config = lib.recursiveUpdate full {
        users.users.alice = { isNormalUser = true; password = "changeme"; };
      };
    }`);
    expect(idx.isModule).toBe(true);
    const pw = idx.byPath.get("users.users.alice.password")![0]!;
    expect(pw.via).toContain("recursiveUpdate");
    expect(pw.conditions).toEqual([]);
    const file = idx.byPath.get("users.users.alice.hashedPasswordFile")![0]!;
    expect(file.conditions.map((c) => c.kind)).toEqual(["optionalAttrs"]);
    // Look-alike: recursiveUpdate with one argument (a partial application) defines nothing.
    expect(paths(`{ lib, ... }: { x = lib.recursiveUpdate { services.a.enable = true; }; }`).byPath.has("x.services.a.enable")).toBe(false);
  });

  it("records priorities and unwraps the value", () => {
    const idx = paths(`{ lib, ... }: {
      services.openssh.settings.PermitRootLogin = lib.mkForce "yes";
      networking.firewall.enable = lib.mkOverride 50 (lib.mkIf true false);
      boot.kernelParams = lib.mkBefore [ "quiet" ];
    }`);
    const d = idx.byPath.get("services.openssh.settings.PermitRootLogin")![0]!;
    expect(d.priority).toBe("mkForce");
    expect(d.inner?.text).toBe('"yes"');
    const f = idx.byPath.get("networking.firewall.enable")![0]!;
    expect(f.priority).toBe("mkOverride");
    expect(f.inner?.text).toBe("false");
    expect(f.conditions.map((c) => c.text)).toEqual(["true"]);
    expect(idx.byPath.get("boot.kernelParams")![0]!.inner?.text).toBe('[ "quiet" ]');
  });

  it("follows let-bound attribute sets", () => {
    const idx = paths(`{ pkgs, ... }:
      let common = { serviceConfig.User = "root"; }; in
      { systemd.services.backup = common // { script = "x"; }; }`);
    const d = idx.byPath.get("systemd.services.backup.serviceConfig.User")![0]!;
    expect(d.via).toContain("let common");
    expect(d.line).toBe(2);
    expect(idx.byPath.has("systemd.services.backup.script")).toBe(true);
  });

  it("follows a name only to the binding it refers to (the name resolver's answer)", () => {
    // A rec set's own name, and a let inside a let-bound value.
    expect(leafPaths("rec { common = { enable = true; }; services.a = common; }")).toContain("services.a.enable");
    expect(leafPaths("let c = let inner = { enable = true; }; in inner; in { services.a = c; }")).toEqual(["services.a.enable"]);
    // Look-alikes: the body's `common` is a function's formal, or a plain set's attribute, not the let.
    expect(leafPaths("let common = { enable = true; }; in { common, ... }: { services.a = common; }")).toEqual(["services.a"]);
    expect(leafPaths("let common = { enable = true; }; in { common = { x = 1; }; services.a = common; }")).toEqual(["common.x", "services.a.enable"]);
  });

  it("indexes an inline module on its own: a let of flake.nix around it is not followed", () => {
    const idx = paths(`{ inputs = { }; outputs = { nixpkgs, ... }: let common = { enable = true; }; in {
      nixosConfigurations.a = nixpkgs.lib.nixosSystem { modules = [ ({ ... }: { services.a = common; }) ]; };
    }; }`);
    expect(idx.definitions.filter((d) => d.isLeaf).map((d) => d.path)).toEqual(["services.a"]);
  });

  it("does not loop on self-referencing lets", () => {
    expect(() => paths("let a = a // { x = 1; }; in { y = a; }")).not.toThrow();
  });

  it("quotes segments that are not identifiers and keeps dynamic ones", () => {
    expect(leafPaths('name: { fileSystems."/data".device = "/dev/sda1"; systemd.services.${name}.enable = true; }')).toEqual([
      'fileSystems."/data".device',
      "systemd.services.${name}.enable",
    ]);
  });

  it("finds inline modules in a flake's `modules` list, not the flake's own attributes", () => {
    const idx = paths(`{
      inputs.nixpkgs.url = "github:NixOS/nixpkgs";
      outputs = { nixpkgs, ... }: {
        nixosConfigurations.h = nixpkgs.lib.nixosSystem {
          modules = [ ./configuration.nix ({ pkgs, ... }: { services.openssh.enable = true; }) ];
        };
      };
    }`);
    expect(idx.definitions.map((d) => d.path)).toEqual(["services.openssh.enable"]);
  });

  it("indexes a flake's own NixOS modules (nixosModules.<name>, and flake.nixosModules in a flake-parts module) as modules", () => {
    const flake = paths(`{
      inputs.nixpkgs.url = "github:NixOS/nixpkgs";
      outputs = { self, ... }: {
        nixosModules.metrics = { pkgs, ... }: { systemd.services.metrics.serviceConfig.User = "metrics"; };
        nixosModules = { web = { services.nginx.enable = true; }; };
      };
    }`);
    expect(flake.definitions.filter((d) => d.isLeaf).map((d) => d.path).sort()).toEqual(["services.nginx.enable", "systemd.services.metrics.serviceConfig.User"]);
    const parts = paths(`{ inputs, ... }: {
      flake.nixosModules = { vault = { networking.firewall.enable = false; }; };
      flake.nixosModules.web = { config, ... }: { services.nginx.enable = true; };
      perSystem.packages.x = 1;
    }`);
    const leaves = parts.definitions.filter((d) => d.isLeaf).map((d) => d.path);
    expect(leaves).toContain("networking.firewall.enable");
    expect(leaves).toContain("services.nginx.enable");
    // The flake-parts module's own options stay as they are.
    expect(leaves).toContain("perSystem.packages.x");
  });

  it("indexes the dendritic flake.modules.nixos.<name> and den's den.aspects.<name>.nixos as NixOS modules, not their darwin or home-manager siblings", () => {
    const dendritic = paths(`{
      flake.modules.nixos.users = { config, ... }: { security.sudo.wheelNeedsPassword = false; };
      flake.modules.nixos = { nix = { nix.settings.sandbox = false; }; };
      flake.modules.darwin.users = { config, ... }: { security.sudo.extraConfig = "me ALL = (ALL) NOPASSWD: ALL"; };
      flake.modules.homeManager.shell = { programs.fish.enable = true; };
    }`);
    const leaves = dendritic.definitions.filter((d) => d.isLeaf).map((d) => d.path);
    expect(leaves).toContain("security.sudo.wheelNeedsPassword");
    expect(leaves).toContain("nix.settings.sandbox");
    expect(leaves).not.toContain("security.sudo.extraConfig");
    expect(leaves).not.toContain("programs.fish.enable");
    const den = paths(`{ den, ... }: {
      den.aspects.vps = {
        includes = [ den.aspects.server ];
        nixos = { lib, ... }: { security.sudo.wheelNeedsPassword = lib.mkForce false; };
        darwin = { security.pam.enableSudoTouchIdAuth = true; };
      };
      den.aspects.redis.nixos = { services.redis.servers.main.openFirewall = true; };
    }`);
    const denLeaves = den.definitions.filter((d) => d.isLeaf).map((d) => d.path);
    expect(denLeaves).toContain("security.sudo.wheelNeedsPassword");
    expect(denLeaves).toContain("services.redis.servers.main.openFirewall");
    expect(denLeaves).not.toContain("security.pam.enableSudoTouchIdAuth");
  });

  it("indexes a flake's NixOS module kept in a let binding (`nixosModules.default = module`), once however often it is named", () => {
    const idx = paths(`_: let
      module = { security.sudo.wheelNeedsPassword = false; };
      alias = module;
    in {
      flake = {
        nixosModules.default = module;
        nixosModules.again = alias;
        systemModules.default = module;
        darwinModules.default = { security.sudo.extraConfig = "%admin ALL=(ALL) NOPASSWD: ALL"; };
      };
    }`);
    const leaves = idx.definitions.filter((d) => d.isLeaf).map((d) => d.path);
    expect(leaves.filter((p) => p === "security.sudo.wheelNeedsPassword")).toHaveLength(1);
    expect(leaves).not.toContain("security.sudo.extraConfig");
  });

  it("says a package expression is not a module", () => {
    const p = parseNix("{ stdenv }: stdenv.mkDerivation { pname = \"x\"; }");
    expect(indexModule(p.root).isModule).toBe(false);
  });

  it("gives inherit definitions their path", () => {
    expect(paths("{ lib, ... }: let hostName = \"a\"; in { networking = { inherit hostName; }; }").byPath.has("networking.hostName")).toBe(true);
  });
});
