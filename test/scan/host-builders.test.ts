// Hosts built by a function over a directory listing (`mapAttrs (n: _: <builder> { modules =
// modulesFor n; specialArgs = specialArgsFor n; }) (builtins.readDir ./hosts)`, each host's entry a
// `configuration.nix`), and role modules importing whole directories through a let-bound listing
// helper (`imports = let ls = dir: map (f: dir + "/${f}") (attrNames (readDir dir)); in ls
// ./common-apps`). A finding in such a directory names the hosts of the roles importing it, and
// only them.
import { describe, expect, it } from "vitest";
import { scanMemory } from "../helpers/memory.js";

const ROOT_LOGIN = `{ services.openssh.enable = true; services.openssh.settings.PermitRootLogin = "yes"; }`;

const FILES: Record<string, string> = {
  "flake.nix": `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = { self, nixpkgs, ... }@inputs:
    let
      lib = nixpkgs.lib;
      modulesFor = n: [ ./nixos/base.nix (./hosts + "/\${n}/configuration.nix") ];
    in {
      nixosConfigurations = lib.mapAttrs (n: _:
        let system = "x86_64-linux"; in
        (import (nixpkgs + "/nixos/lib/eval-config.nix")) { inherit system; modules = modulesFor n; }
      ) (builtins.readDir ./hosts);
    };
}
`,
  "nixos/base.nix": `{ networking.domain = "example.org"; }\n`,
  "nixos/server.nix": `{ ... }:
{
  imports =
    let
      ls = dir: builtins.map (f: (dir + "/\${f}")) (builtins.attrNames (builtins.readDir dir));
    in
    (ls ./common-apps) ++ (ls ./server-apps);
}
`,
  "nixos/client.nix": `{ ... }:
{
  imports =
    let
      ls = dir: builtins.map (f: (dir + "/\${f}")) (builtins.attrNames (builtins.readDir dir));
    in
    (ls ./common-apps) ++ (ls ./client-apps);
}
`,
  "nixos/common-apps/ssh.nix": ROOT_LOGIN,
  "nixos/server-apps/web.nix": `{ services.nginx.enable = true; }\n`,
  "nixos/client-apps/desktop.nix": `{ services.xserver.enable = true; }\n`,
  "hosts/srv/configuration.nix": `{ imports = [ ../../nixos/server.nix ]; }\n`,
  "hosts/laptop/configuration.nix": `{ imports = [ ../../nixos/client.nix ]; }\n`,
  "hosts/bare/configuration.nix": `{ networking.hostName = "bare"; }\n`,
};

describe("hosts built over a directory listing", () => {
  it("reads each host's modules through the builder, and directory imports of role modules", async () => {
    const report = await scanMemory(FILES);
    expect([...report.hosts].sort()).toEqual(["bare", "laptop", "srv"]);
    const hostsOf = (file: string) => [...new Set(report.findings.filter((f) => f.ruleId === "ssh-permit-root-login" && f.file === file).flatMap((f) => f.host ?? []))].sort();
    expect(hostsOf("nixos/common-apps/ssh.nix")).toEqual(["laptop", "srv"]);
    // The role modules' flat listings are the convention readdir-module-discovery leaves alone.
    expect(report.findings.filter((f) => f.ruleId === "readdir-module-discovery")).toEqual([]);
  });
});

describe("settings gated on an option only some hosts turn on", () => {
  it("follows let-bound aliases of config and option sets made by the repository's helpers", async () => {
    const host = (name: string, on: boolean) => `{ config.networking.hostName = "${name}";${on ? " config.modules.system.services.repo.enable = true;" : ""} }\n`;
    const report = await scanMemory({
      "flake.nix": `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = { nixpkgs, ... }: {
    nixosConfigurations.a = nixpkgs.lib.nixosSystem { modules = [ ./options.nix ./server.nix ./repo.nix ./hosts/a.nix ]; };
    nixosConfigurations.b = nixpkgs.lib.nixosSystem { modules = [ ./options.nix ./server.nix ./repo.nix ./hosts/b.nix ]; };
    nixosConfigurations.c = nixpkgs.lib.nixosSystem { modules = [ ./options.nix ./server.nix ./repo.nix ./hosts/c.nix ]; };
  };
}
`,
      "options.nix": `{ lib, ... }:
let mkService = { name, port ? 0 }: { enable = lib.mkEnableOption name; port = lib.mkOption { default = port; }; };
in {
  options.modules.system = {
    services = {
      mail.enable = lib.mkEnableOption "mail";
      repo = mkService { name = "repo"; port = 8084; };
    };
  };
}
`,
      "server.nix": `{ config, lib, ... }:
let
  sys = config.modules.system;
  cfg = sys.services;
in {
  config = lib.mkIf sys.services.repo.enable { services.repod.enable = true; services.repod.port = cfg.repo.port; };
}
`,
      "repo.nix": `{ config, lib, ... }:
let
  inherit (config) services;
  cfg = services.repod;
in {
  options.services.repod = { enable = lib.mkEnableOption "repod"; port = lib.mkOption { default = 80; }; };
  config = lib.mkIf cfg.enable {
    services.openssh.enable = true;
    services.openssh.settings.PermitRootLogin = "yes";
  };
}
`,
      "hosts/a.nix": host("a", true),
      "hosts/b.nix": host("b", true),
      "hosts/c.nix": host("c", false),
    });
    const hosts = [...new Set(report.findings.filter((f) => f.ruleId === "ssh-permit-root-login" && f.file === "repo.nix").flatMap((f) => f.host ?? []))].sort();
    expect(hosts).toEqual(["a", "b"]);
  });
});
