// missing-nix-gc and missing-home-stateversion: conclusions about a whole host (or home
// configuration), drawn only when every module of it can be followed.
import { describe, expect, it } from "vitest";
import { sites } from "../../helpers/scan.js";
import { nixAvailable } from "../../helpers/nix.js";
import { applyFix, findingsOf, lineOf, scanWith } from "./helpers.js";

const GC = "missing-nix-gc";
const HM = "missing-home-stateversion";

const FLAKE = `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";
  inputs.srvos.url = "github:nix-community/srvos";
  outputs = { self, nixpkgs, srvos, ... }@inputs:
    let
      mkHost = name: extra: nixpkgs.lib.nixosSystem {
        system = "x86_64-linux";
        specialArgs = { inherit inputs; };
        modules = [ ./common.nix ./hosts/\${name} ] ++ extra;
      };
    in
    {
      nixosConfigurations = {
        nogc = mkHost "nogc" [ ];
        gc = mkHost "gc" [ ];
        nh = mkHost "nh" [ ];
        minfree = mkHost "minfree" [ ];
        disabled = mkHost "disabled" [ ];
        opaque = mkHost "opaque" [ ];
        viasrvos = mkHost "viasrvos" [ ];
        inline = mkHost "inline" [ { nix.gc.automatic = true; } ];
        conditional = mkHost "conditional" [ ];
      };
    };
}
`;

const host = (body: string) => `{ config, lib, pkgs, inputs, ... }:\n{\n${body}\n}\n`;

const GC_FILES: Record<string, string> = {
  "flake.nix": FLAKE,
  "common.nix": host('  time.timeZone = "UTC";\n  # nix.gc.automatic = true;\n  environment.etc.note.text = "nix.gc.automatic = true";'),
  "hosts/nogc/default.nix": host('  networking.hostName = "nogc";\n  system.stateVersion = "24.11";'),
  "hosts/gc/default.nix": host("  nix.gc = {\n    automatic = true;\n    dates = \"weekly\";\n  };"),
  "hosts/nh/default.nix": host("  programs.nh = { enable = true; clean.enable = true; };"),
  "hosts/minfree/default.nix": host("  nix.settings.min-free = 1073741824;"),
  "hosts/disabled/default.nix": host("  nix.gc.automatic = false;"),
  "hosts/opaque/default.nix": host('  imports = map (p: ./. + "/${p}") [ "a.nix" ];'),
  "hosts/viasrvos/default.nix": host("  imports = [ inputs.srvos.nixosModules.server ];"),
  "hosts/inline/default.nix": host('  networking.hostName = "inline";'),
  "hosts/conditional/default.nix": host("  nix.gc.automatic = lib.mkIf (config.networking.hostName != \"\") true;"),
};

describe(GC, () => {
  it("reports each host without garbage collection once, at its declaration, and only hosts it can see whole", async () => {
    const report = await scanWith(GC, GC_FILES);
    expect(sites(report, GC)).toEqual([`flake.nix:${lineOf(FLAKE, "nogc = mkHost")}`, `flake.nix:${lineOf(FLAKE, "disabled = mkHost")}`]);
    const [nogc, disabled] = findingsOf(report, GC);
    expect(nogc).toMatchObject({ host: ["nogc"], severity: "info", column: 9, optionPath: "nix.gc.automatic", fix: { safety: "review" } });
    expect(nogc!.message).toContain("Host nogc never collects garbage");
    expect(nogc!.message).toContain("defaults to false");
    expect(disabled!.message).toContain("nix.gc.automatic is false in hosts/disabled/default.nix:3");
    // A patch setting it true beside the host's own `false` would not evaluate: none, and where to look.
    expect(disabled!.fix).toMatchObject({ safety: "manual" });
    expect(disabled!.fix?.patch).toBeUndefined();
    expect(disabled!.fix?.description).toContain("switched off at hosts/disabled/default.nix:3");
  });

  it.skipIf(!nixAvailable)("adds nix.gc to the host's own module; the patch applies, parses, and the host is then clean", async () => {
    const report = await scanWith(GC, GC_FILES);
    const patched = await applyFix(GC_FILES, findingsOf(report, GC)[0]);
    expect(patched["hosts/nogc/default.nix"]).toContain('  nix.gc = { automatic = true; dates = "weekly"; options = "--delete-older-than 30d"; };\n}');
    expect(sites(await scanWith(GC, patched), GC)).toEqual([`flake.nix:${lineOf(FLAKE, "disabled = mkHost")}`]);
  });
});

const HM_FLAKE = `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";
  outputs = { self, nixpkgs, home-manager, ... }@inputs: {
    nixosConfigurations.desk = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      specialArgs = { inherit inputs; };
      modules = [
        home-manager.nixosModules.home-manager
        ./desk.nix
        { home-manager.users.alice = import ./home/alice.nix; }
      ];
    };
    nixosConfigurations.shared = nixpkgs.lib.nixosSystem {
      system = "x86_64-linux";
      modules = [ ./shared.nix ];
    };
    homeConfigurations.alice = home-manager.lib.homeManagerConfiguration {
      pkgs = nixpkgs.legacyPackages.x86_64-linux;
      modules = [ ./home/alice.nix ];
    };
    homeConfigurations.bob = home-manager.lib.homeManagerConfiguration {
      pkgs = nixpkgs.legacyPackages.x86_64-linux;
      modules = [ ./home/bob.nix { home.username = "bob"; } ];
    };
  };
}
`;

const DESK = `{ config, lib, inputs, ... }:
{
  system.stateVersion = "24.05";
  home-manager.users.bob = import ./home/bob.nix;
  home-manager.users.carol = { pkgs, ... }: {
    home.packages = [ pkgs.git ];
  };
  home-manager.users.dave = {
    home.username = "dave";
  };
  home-manager.users.erin = inputs.dotfiles.homeModules.erin;
  home-manager.users.frank = { ... }: { home.stateVersion = "24.05"; };
  home-manager.users.grace = { };
  home-manager.users.grace.home.stateVersion = "24.05";
}
`;

const HM_FILES: Record<string, string> = {
  "flake.nix": HM_FLAKE,
  "desk.nix": DESK,
  "shared.nix": `{ ... }:\n{\n  home-manager.sharedModules = [ { home.stateVersion = "24.05"; } ];\n  home-manager.users.heidi = { home.username = "heidi"; };\n}\n`,
  "home/alice.nix": `{ pkgs, ... }:\n{\n  home.username = "alice";\n  # home.stateVersion = "24.05";\n}\n`,
  "home/bob.nix": `{ ... }:\n{\n  imports = [ ./common.nix ];\n  home.username = "bob";\n}\n`,
  "home/common.nix": `{ ... }:\n{\n  home.stateVersion = "24.05";\n}\n`,
};

describe(HM, () => {
  it("follows home-manager configurations through their modules and imports before reporting", async () => {
    const report = await scanWith(HM, HM_FILES);
    expect(sites(report, HM)).toEqual([
      `desk.nix:${lineOf(DESK, "users.carol")}`,
      `desk.nix:${lineOf(DESK, "users.dave")}`,
      `flake.nix:${lineOf(HM_FLAKE, "home-manager.users.alice")}`,
      `flake.nix:${lineOf(HM_FLAKE, "modules = [ ./home/alice.nix ]")}`,
    ]);
    const alice = findingsOf(report, HM).find((f) => f.optionPath === "home-manager.users.alice.home.stateVersion")!;
    expect(alice).toMatchObject({ severity: "medium", host: ["desk"], fix: { safety: "review" } });
    expect(alice.message).toContain("The home-manager configuration of alice (home/alice.nix) never sets home.stateVersion");
    const standalone = findingsOf(report, HM).at(-1)!;
    expect(standalone.message).toContain("This home-manager configuration never sets home.stateVersion");
  });

  it("follows per-host home files named after the host's literal host name", async () => {
    const flake = `{
  outputs = { self, nixpkgs, ... }: {
    nixosConfigurations.one = nixpkgs.lib.nixosSystem { modules = [ ./hosts/one.nix ./users.nix ]; };
    nixosConfigurations.two = nixpkgs.lib.nixosSystem { modules = [ ./hosts/two.nix ./users.nix ]; };
    nixosConfigurations.three = nixpkgs.lib.nixosSystem { modules = [ ./hosts/three.nix ./users.nix ]; };
  };
}
`;
    const users = "{ config, ... }:\n{\n  home-manager.users.ivan = import ./home/${config.networking.hostName}.nix;\n}\n";
    const report = await scanWith(HM, {
      "flake.nix": flake,
      "users.nix": users,
      "hosts/one.nix": `{ ... }: { networking.hostName = "one"; system.stateVersion = "24.05"; }\n`,
      "hosts/two.nix": `{ ... }: { networking.hostName = "two"; }\n`,
      "hosts/three.nix": `{ lib, ... }: { networking.hostName = lib.mkDefault (toString 3); }\n`,
      "home/one.nix": `{ ... }: { imports = [ ./common.nix ]; }\n`,
      "home/two.nix": `{ ... }: { home.stateVersion = "24.05"; }\n`,
      "home/3.nix": `{ ... }: { }\n`,
      "home/common.nix": `{ ... }: { home.username = "ivan"; }\n`,
    });
    // two sets it; three's host name is not a literal, so its file is unknown.
    expect(findingsOf(report, HM).map((f) => [f.file, f.line, f.host])).toEqual([["users.nix", 3, ["one"]]]);
    expect(findingsOf(report, HM)[0]!.message).toContain("of ivan (home/one.nix)");
    expect(findingsOf(report, HM)[0]!.fix?.patch).toContain('+{ ... }: { imports = [ ./common.nix ]; home.stateVersion = "24.05"; }');
  });

  it("stays silent when a module of the host cannot be followed", async () => {
    const files = { ...HM_FILES, "desk.nix": DESK.replace("{\n  system.stateVersion", '{\n  imports = map (p: ./. + "/${p}") [ "x.nix" ];\n  system.stateVersion') };
    const report = await scanWith(HM, files);
    expect(sites(report, HM)).toEqual([`flake.nix:${lineOf(HM_FLAKE, "modules = [ ./home/alice.nix ]")}`]);
  });

  it.skipIf(!nixAvailable)("adds home.stateVersion (the host's system.stateVersion) to the user's module, for review", async () => {
    const report = await scanWith(HM, HM_FILES);
    const byUser = (u: string) => findingsOf(report, HM).find((f) => f.optionPath === `home-manager.users.${u}.home.stateVersion`);
    const alice = await applyFix(HM_FILES, byUser("alice"));
    expect(alice["home/alice.nix"]).toBe(`{ pkgs, ... }:\n{\n  home.username = "alice";\n  home.stateVersion = "24.05";\n  # home.stateVersion = "24.05";\n}\n`);
    const carol = await applyFix(HM_FILES, byUser("carol"));
    expect(carol["desk.nix"]).toContain('    home.packages = [ pkgs.git ];\n    home.stateVersion = "24.05";\n  };');
    const after = await scanWith(HM, carol);
    expect(sites(after, HM)).not.toContain(`desk.nix:${lineOf(DESK, "users.carol")}`);
  });
});
