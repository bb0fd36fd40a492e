// mkif-constant: `mkIf cond true/false` where the condition says it; fixes for review.
import { describe, expect, it } from "vitest";
import { sites } from "../../helpers/scan.js";
import { nixAvailable } from "../../helpers/nix.js";
import { flakeWith } from "../../../src/rules/shared/examples.js";
import { applyFix, findingsOf, lineOf, scanWith } from "./helpers.js";

const RULE = "mkif-constant";

const MODULE = `{ config, lib, ... }:
with lib;
{
  services.fail2ban.enable = lib.mkIf config.services.openssh.enable true;
  networking.firewall.enable = mkIf (!config.boot.isContainer) false;
  services.baz.enable = mkDefault (mkIf config.x.enable true);
  documentation.man.enable = mkIf (config.a.enable && config.b.enable) false;
  # services.quux.enable = mkIf c true;
  environment.etc."note".text = "mkIf c true";
  services.a.settings = mkIf config.b.enable { x = true; };
  services.c.enable = config.d.enable;
  services.e.enable = mkIf config.f.enable "true";
  services.g.settings = mkIf true { };
  services.foo.enable = mkIf (!config.services.bar.enable) false;
  systemd.services.backup.enable = mkIf config.backups.enable true;
  hardware.graphics.enable = mkIf config.gaming.enable true;
  services.h.port = mkIf config.h.enable true;
}
`;

describe(RULE, () => {
  it("reports mkIf with a constant boolean only where the option's default is the opposite constant", async () => {
    const report = await scanWith(RULE, { "flake.nix": flakeWith(["./module.nix"]), "module.nix": MODULE });
    // Silent: an enable option (default false) under mkIf false (always false: not the negated
    // condition), a systemd unit's enable (default true), graphics (set by desktop modules), an
    // option whose default is not known.
    expect(sites(report, RULE)).toEqual(["module.nix:4", "module.nix:5", "module.nix:6", "module.nix:7"]);
    const [first] = findingsOf(report, RULE);
    expect(first).toMatchObject({ severity: "info", optionPath: "services.fail2ban.enable", column: 30, category: "anti-pattern" });
    expect(first!.message).toContain("`config.services.openssh.enable` says it directly");
    expect(first!.message).toContain("defaults to false (an enable option) and nothing else in host example defines it");
    expect(first!.fix?.safety).toBe("review");
  });

  it.skipIf(!nixAvailable)("rewrites to the condition (negated for false); the patches apply and parse", async () => {
    const files = { "flake.nix": flakeWith(["./module.nix"]), "module.nix": MODULE };
    const report = await scanWith(RULE, files);
    const expected: Record<number, string> = {
      4: "  services.fail2ban.enable = config.services.openssh.enable;",
      5: "  networking.firewall.enable = config.boot.isContainer;",
      6: "  services.baz.enable = mkDefault (config.x.enable);",
      7: "  documentation.man.enable = !(config.a.enable && config.b.enable);",
    };
    for (const f of findingsOf(report, RULE)) {
      const patched = await applyFix(files, f);
      const text = patched["module.nix"]!;
      expect(text.split("\n")[f.line - 1]).toBe(expected[f.line]);
      const again = await scanWith(RULE, { ...files, "module.nix": text });
      expect(sites(again, RULE)).not.toContain(`module.nix:${f.line}`);
      expect(sites(again, RULE)).toHaveLength(3);
    }
  });

  it("adds parentheses around a negation in an operand position", async () => {
    const text = `{ lib, c }: { networking.firewall.enable = lib.mkIf c false || c; }\n`;
    const report = await scanWith(RULE, { "flake.nix": flakeWith(["./f.nix"]), "f.nix": text });
    const fixes = findingsOf(report, RULE).map((f) => f.fix!.patch!.split("\n").find((l) => l.startsWith("+{"))!);
    expect(fixes[0]).toContain("networking.firewall.enable = (!c) || c;");
    expect(lineOf(text, "networking")).toBe(1);
  });

  // A public repository had this flagged, with a rewrite that broke its evaluation: another module of
  // the host defines the option, so `option = cond` would define false next to it and conflict.
  const flake = `{
  outputs = { nixpkgs, ... }: {
    nixosConfigurations.laptop = nixpkgs.lib.nixosSystem { modules = [ ./gaming.nix ./desktop.nix ]; };
    nixosConfigurations.server = nixpkgs.lib.nixosSystem { modules = [ ./gaming.nix ]; };
  };
}
`;
  const gaming = `{ config, lib, ... }: { programs.steam.enable = lib.mkIf config.my.gaming true; }\n`;
  const desktop = `{ ... }: { programs.steam.enable = true; }\n`;

  it("is silent where another module of a host sharing the file defines the option: the rewrite of the shared file would conflict there (issue 12)", async () => {
    const report = await scanWith(RULE, { "flake.nix": flake, "gaming.nix": gaming, "desktop.nix": desktop });
    expect(findingsOf(report, RULE)).toEqual([]);
    // Look-alike: no host defines it elsewhere; one finding for both hosts, with the rewrite.
    const neither = flake.replace("./gaming.nix ./desktop.nix", "./gaming.nix");
    const found = findingsOf(await scanWith(RULE, { "flake.nix": neither, "gaming.nix": gaming }), RULE);
    expect(found.map((f) => [f.file, f.line, f.host])).toEqual([["gaming.nix", 1, ["laptop", "server"]]]);
    expect(found[0]!.message).toContain("nothing else in hosts laptop, server defines it");
    expect(found[0]!.fix?.patch).toContain("programs.steam.enable = config.my.gaming;");
  });

  it("never offers the rewrite when every host has another definition", async () => {
    const both = flake.replace("modules = [ ./gaming.nix ]; };\n  };", "modules = [ ./gaming.nix ./desktop.nix ]; };\n  };");
    const report = await scanWith(RULE, { "flake.nix": both, "gaming.nix": gaming, "desktop.nix": desktop });
    expect(findingsOf(report, RULE)).toEqual([]);
    // The same module alone in a file no host includes: whoever imports it may define the option
    // too (desktop.nix above), so it is not judged.
    const lone = await scanWith(RULE, { "gaming.nix": gaming });
    expect(sites(lone, RULE)).toEqual([]);
  });

  it("is silent on a module shared with nix-darwin (it tests the platform), whose defaults differ", async () => {
    const shared = `{ lib, pkgs, ... }: {\n  programs.zsh.enable = lib.mkIf pkgs.stdenv.isLinux true;\n  services.fail2ban.enable = lib.mkIf pkgs.stdenv.hostPlatform.isLinux true;\n}\n`;
    const report = await scanWith(RULE, { "flake.nix": flakeWith(["./shared.nix"]), "shared.nix": shared });
    expect(findingsOf(report, RULE)).toEqual([]);
  });
});
