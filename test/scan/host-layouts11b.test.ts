// Host attribution, issue 11 point 3, continued: a builder that writes a module's set whole from an
// argument each host's call gives (`jd = finalConfig.config;` in mkHost, `systemConfig =
// chairliftConfig;` in flake.nix), and a module's name as a plain string that turns nothing on.
// Each case has a look-alike.
import { describe, expect, it } from "vitest";
import { hostsOf, PLAIN, ROOT_LOGIN } from "../helpers/hosts.js";
import { scanMemory } from "../helpers/memory.js";

const flake = (outputs: string) => `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = { self, nixpkgs, ... }@inputs: ${outputs};
}`;

describe("per-host settings handed to a builder that writes them as a module's set (jd = systemConfig)", () => {
  const files = (serverExtra = "", desk = "{ core.enable = true; }") => ({
    "flake.nix": flake(`let
      inherit (nixpkgs) lib;
      util = import ./lib { inherit lib; };
      inherit (util) utils;
      inherit (util) host;
      defaultServer = { core.enable = true; };
      serverConfig = utils.recursiveMerge [ defaultServer { pastebin.enable = true; metrics = { # not yet
        enable = false; }; ${serverExtra} } ];
      deskConfig = ${desk};
    in {
      nixosConfigurations = {
        server = host.mkHost { name = "server"; systemConfig = serverConfig; };
        desk = host.mkHost { name = "desk"; systemConfig = deskConfig; };
      };
    }`),
    "lib/default.nix": `{ lib }: rec { utils = import ./utils.nix; user = import ./user.nix; host = import ./host.nix { inherit lib utils; }; }`,
    "lib/user.nix": `{ mkUser = { userConfig }: { modules = [ { jd = userConfig; } ]; }; }`,
    "lib/utils.nix": `{ recursiveMerge = sets: builtins.foldl' (a: b: a // b) { } sets; }`,
    "lib/host.nix": `{ lib, utils }: {
      mkHost = { name, systemConfig }:
        let finalConfig = { config = systemConfig; }; in
        lib.nixosSystem {
          modules = [ ../modules { jd = finalConfig.config; networking.hostName = name; } ];
        };
    }`,
    "modules/default.nix": `{ imports = [ ./pastebin.nix ./metrics.nix ]; }`,
    "modules/pastebin.nix": `{ config, lib, ... }: let cfg = config.jd.pastebin; in {
      options.jd.pastebin.enable = lib.mkEnableOption "pastebin";
      config = lib.mkIf cfg.enable ${ROOT_LOGIN};
    }`,
    "modules/metrics.nix": `{ config, lib, ... }: let cfg = config.jd.metrics; in {
      options.jd.metrics.enable = lib.mkOption { type = lib.types.bool; default = false; };
      config = lib.mkIf cfg.enable { security.sudo.wheelNeedsPassword = false; };
    }`,
  });

  it("a module the host's own set turns on names that host only", async () => {
    const { report, hosts } = await hostsOf(files(), "modules/pastebin.nix");
    expect(report.hosts).toEqual(["desk", "server"]);
    expect(hosts).toEqual(["server"]);
  });

  it("look-alike: the other host's set turning it on names that host too", async () => {
    const { hosts } = await hostsOf(files("", "{ pastebin.enable = true; }"), "modules/pastebin.nix");
    expect(hosts).toEqual(["desk", "server"]);
  });

  it("a module every host's set leaves off (enable = false after a comment) names no host", async () => {
    const report = await scanMemory(files());
    expect(report.findings.filter((f) => f.file === "modules/metrics.nix" && (f.host ?? []).length > 0)).toEqual([]);
    // Look-alike: the desk's set turning it on names the desk.
    const on = await hostsOf(files("", "{ metrics.enable = true; }"), "modules/metrics.nix", "sudo-nopasswd");
    expect(on.hosts).toEqual(["desk"]);
  });

  it("look-alike: a module whose set another module writes from a function (jd = genAttrs ..) is not taken as off", async () => {
    const report = await scanMemory({
      ...files(),
      "modules/default.nix": `{ lib, ... }: { imports = [ ./pastebin.nix ./metrics.nix ]; jd = lib.genAttrs [ "metrics" ] (n: { enable = true; }); }`,
    });
    const hosts = report.findings.filter((f) => f.file === "modules/metrics.nix").flatMap((f) => f.host ?? []);
    expect([...new Set(hosts)].sort()).toEqual(["desk", "server"]);
  });
});

describe("a module's name as a plain string in a host's list of something else", () => {
  const files = (nasExtra: string) => ({
    "flake.nix": flake(`{
      nixosConfigurations.desk = nixpkgs.lib.nixosSystem { modules = [ ./modules/paperless.nix ./hosts/desk.nix ]; };
      nixosConfigurations.nas = nixpkgs.lib.nixosSystem { modules = [ ./modules/paperless.nix ./hosts/nas.nix ]; };
    }`),
    "modules/paperless.nix": `{ config, lib, ... }: let cfg = config.my.services.paperless; in {
      options.my.services.paperless.enable = lib.mkEnableOption "paperless";
      config = lib.mkIf cfg.enable ${ROOT_LOGIN};
    }`,
    "hosts/desk.nix": PLAIN,
    "hosts/nas.nix": `{ lib, ... }: { my.databases = [ "forgejo" "paperless" ]; ${nasExtra} }`,
  });

  it("names no host: a database called paperless turns no module on", async () => {
    const report = await scanMemory(files(""));
    expect(report.findings.filter((f) => f.file === "modules/paperless.nix" && (f.host ?? []).length > 0)).toEqual([]);
  });

  it("look-alike: the name in a file that makes modules' settings from names still counts", async () => {
    const report = await scanMemory(files(`my.services = lib.genAttrs [ "paperless" ] (n: { enable = true; });`));
    expect(report.findings.filter((f) => f.file === "modules/paperless.nix").flatMap((f) => f.host ?? []).length).toBeGreaterThan(0);
  });
});
