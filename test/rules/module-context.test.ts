// Settings read in the context the module system reads them in (issue 11): a home-manager module's
// nix.settings are the user's nix.conf, not the system's; a Mac's sandbox setting is not a Linux
// host's; mkForce against an imported profile or external module is the tool for it, not a habit.
import { describe, expect, it } from "vitest";
import { scanMemory } from "../helpers/memory.js";
import { homeManagerFiles } from "../../src/scan/home-manager.js";
import { parseNix } from "../../src/nix/index.js";
import { buildOptionIndex } from "../../src/nix/options.js";

const NIX_RULES = /^(nix-sandbox-disabled|nix-trusted-users|insecure-binary-cache)$/;

/** Findings of the nix.conf rules: `rule file:line severity`. */
async function nixFindings(files: Record<string, string>): Promise<string[]> {
  const report = await scanMemory(files);
  return report.findings.filter((f) => NIX_RULES.test(f.ruleId)).map((f) => `${f.ruleId} ${f.file}:${f.line} ${f.severity}`);
}

const flake = (modules: string[], extra = "") => `{
  outputs = { nixpkgs, home-manager, nix-darwin, ... }: {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem { system = "x86_64-linux"; modules = [ ${modules.join(" ")} ]; };
${extra}  };
}
`;

/** A home-manager module's nix.conf: every setting the system rules look at. */
const USER_NIX = `  nix.settings = {
    sandbox = false;
    trusted-users = [ "alice" ];
    substituters = [ "http://cache.example.org" ];
    require-sigs = false;
  };
`;

/** The same settings in a NixOS module: each rule fires. */
const SYSTEM_NIX = `{ ... }: {\n${USER_NIX}}\n`;

describe("home-manager modules are not the system's nix.conf", () => {
  it("a NixOS module's settings are reported (the control)", async () => {
    const found = await nixFindings({ "flake.nix": flake(["./configuration.nix"]), "configuration.nix": `{ imports = [ ./nix.nix ]; }\n`, "nix.nix": SYSTEM_NIX });
    expect(found.map((f) => f.split(" ")[0])).toEqual(expect.arrayContaining(["nix-sandbox-disabled", "nix-trusted-users", "insecure-binary-cache"]));
  });

  it("leaves out a module imported from home-manager.users.<user>, and what it imports", async () => {
    const found = await nixFindings({
      "flake.nix": flake(["./configuration.nix"]),
      "configuration.nix": `{ ... }: {\n  home-manager.users.alice = import ./alice.nix;\n}\n`,
      // No home.* option and no home path: only where it is imported from says what it is.
      "alice.nix": `{ ... }: {\n  imports = [ ./alice-nix.nix ];\n  programs.git.enable = true;\n}\n`,
      "alice-nix.nix": SYSTEM_NIX,
    });
    expect(found).toEqual([]);
  });

  it("leaves out sharedModules, nested home-manager = { users... } and homeConfigurations", async () => {
    const found = await nixFindings({
      "flake.nix": flake(["./configuration.nix"], `    homeConfigurations.bob = home-manager.lib.homeManagerConfiguration { modules = [ ./users/bob.nix ]; };\n`),
      "configuration.nix": `{ ... }: {\n  home-manager = {\n    sharedModules = [ ./shared-nix.nix ];\n    users.carol = { ... }: { imports = [ ./carol.nix ]; };\n  };\n}\n`,
      "shared-nix.nix": SYSTEM_NIX,
      "carol.nix": SYSTEM_NIX,
      "users/bob.nix": SYSTEM_NIX,
    });
    expect(found).toEqual([]);
  });

  it("leaves out a module that uses home-manager-only options, or lives in a home tree", async () => {
    const found = await nixFindings({
      "flake.nix": flake(["./configuration.nix"]),
      "configuration.nix": `{ ... }: { imports = [ ]; }\n`,
      "profiles/dev.nix": `{ pkgs, ... }: {\n  home.packages = [ pkgs.ripgrep ];\n${USER_NIX}}\n`,
      "home/nix.nix": SYSTEM_NIX,
    });
    expect(found).toEqual([]);
  });

  it("still reports a NixOS module in a home tree, or named home.nix, that sets system options", async () => {
    const found = await nixFindings({
      "flake.nix": flake(["./configuration.nix"]),
      // home.nix is a NixOS module here: it configures home-manager from the system.
      "configuration.nix": `{ ... }: { imports = [ ./home.nix ./home/cache.nix ]; }\n`,
      "home.nix": `{ ... }: {\n  home-manager.users.alice = { home.stateVersion = "24.11"; };\n  nix.settings.trusted-users = [ "alice" ];\n}\n`,
      // Imported by a NixOS module: a system module, wherever it lives.
      "home/cache.nix": `{ ... }: {\n  nix.settings.substituters = [ "http://cache.example.org" ];\n}\n`,
    });
    expect(found).toEqual(expect.arrayContaining(["nix-trusted-users home.nix:3 medium", "insecure-binary-cache home/cache.nix:2 medium"]));
  });

  it("still reports a module both a NixOS host and home-manager import", async () => {
    const found = await nixFindings({
      "flake.nix": flake(["./configuration.nix"]),
      "configuration.nix": `{ ... }: {\n  imports = [ ./common-nix.nix ];\n  home-manager.sharedModules = [ ./common-nix.nix ];\n}\n`,
      "common-nix.nix": `{ ... }: {\n  nix.settings.trusted-users = [ "alice" ];\n}\n`,
    });
    expect(found).toEqual(["nix-trusted-users common-nix.nix:2 medium"]);
  });

  it("classifies files the way the module system reads them", () => {
    const files = new Map(
      Object.entries({
        "flake.nix": `{ outputs = { home-manager, ... }: { homeManagerModules.default = ./hm/default.nix; nixosConfigurations.x = nixosSystem { modules = [ ./home/host.nix ]; }; }; }`,
        "hm/default.nix": `{ imports = [ ../tools/git.nix ]; }`,
        "tools/git.nix": `{ programs.git.enable = true; }`,
        "home/host.nix": `{ networking.hostName = "x"; }`,
        "home/sys.nix": `{ boot.loader.grub.enable = true; }`,
        "lib/pkgs.nix": `{ pkgs }: pkgs.hello`,
      }).map(([file, text]) => {
        const parsed = parseNix(text);
        return [file, { root: parsed.root, index: buildOptionIndex(parsed.root) }];
      }),
    );
    expect([...homeManagerFiles(files)].sort()).toEqual(["hm/default.nix", "tools/git.nix"]);
  });
});

describe("nix-darwin: decided by the hosts a file belongs to", () => {
  const mac = `{ ... }: {\n  imports = [ ./nix.nix ];\n  system.defaults.dock.autohide = true;\n  system.primaryUser = "alice";\n}\n`;

  it("leaves out the sandbox of a Mac that is among the hosts (clan, a darwin machine class)", async () => {
    const found = await nixFindings({
      "flake.nix": flake(["./hosts/mbp/configuration.nix"]),
      "hosts/mbp/configuration.nix": mac,
      "hosts/mbp/nix.nix": `{ nix.settings.sandbox = false; }\n`,
    });
    expect(found).toEqual([]);
  });

  it("reports the sandbox of a module a Linux host shares with a Mac", async () => {
    const found = await nixFindings({
      "flake.nix": `{\n  outputs = { nixpkgs, ... }: {\n    nixosConfigurations.mbp = nixpkgs.lib.nixosSystem { modules = [ ./mbp.nix ]; };\n    nixosConfigurations.web = nixpkgs.lib.nixosSystem { modules = [ ./web.nix ]; };\n  };\n}\n`,
      "mbp.nix": `{ ... }: {\n  imports = [ ./darwin/nix.nix ];\n  system.defaults.dock.autohide = true;\n}\n`,
      "web.nix": `{ ... }: {\n  imports = [ ./darwin/nix.nix ];\n  services.nginx.enable = true;\n}\n`,
      "darwin/nix.nix": `{ nix.settings.sandbox = false; }\n`,
    });
    expect(found).toEqual(["nix-sandbox-disabled darwin/nix.nix:1 medium"]);
  });

  it("judges a Linux host's trusted users as Linux, whatever the directory is called (machines/, mac-mini/)", async () => {
    const found = await nixFindings({
      "flake.nix": flake(["./machines/box/configuration.nix", "./mac-mini/nix.nix"]),
      "machines/box/configuration.nix": `{ nix.settings.trusted-users = [ "root" "deploy" ]; }\n`,
      "mac-mini/nix.nix": `{ nix.settings.trusted-users = [ "root" "alice" ]; }\n`,
    });
    expect(found.sort()).toEqual(["nix-trusted-users mac-mini/nix.nix:1 medium", "nix-trusted-users machines/box/configuration.nix:1 medium"]);
  });
});

describe("mkForce over a module from outside the repository", () => {
  const over = async (files: Record<string, string>) =>
    (await scanMemory(files)).findings.filter((f) => f.ruleId.startsWith("mkforce")).map((f) => `${f.ruleId} ${f.file}:${f.line} ${(f.host ?? []).join(",")}`);

  it("a profile one host imports does not excuse a value a module of every host forces", async () => {
    const found = await over({
      "flake.nix": `{\n  outputs = { nixpkgs, ... }: {\n    nixosConfigurations.cloud = nixpkgs.lib.nixosSystem { modules = [ ./common.nix ./cloud.nix ]; };\n    nixosConfigurations.desk = nixpkgs.lib.nixosSystem { modules = [ ./common.nix ./desk.nix ]; };\n  };\n}\n`,
      "common.nix": `{ lib, ... }: {\n  imports = [ ./defaults.nix ];\n  documentation.enable = lib.mkForce false;\n}\n`,
      "defaults.nix": `{ ... }: {\n  documentation.enable = true;\n}\n`,
      "cloud.nix": `{ modulesPath, ... }: {\n  imports = [ (modulesPath + "/virtualisation/openstack-config.nix") ];\n}\n`,
      "desk.nix": `{ ... }: { services.xserver.enable = true; }\n`,
    });
    expect(found).toEqual(["mkforce-over-own-definition defaults.nix:2 cloud,desk"]);
  });

  it("a file of the repository named after disko is read, not taken for disko's module", async () => {
    const found = await over({
      "flake.nix": flake(["./configuration.nix"]),
      "configuration.nix": `{ lib, ... }: {\n  imports = [ ./disko.nix ];\n  fileSystems."/".device = lib.mkForce "/dev/sda2";\n}\n`,
      "disko.nix": `{ ... }: {\n  fileSystems."/".device = "/dev/sda1";\n}\n`,
    });
    expect(found).toEqual(["mkforce-over-own-definition disko.nix:2 box"]);
  });
});
