// mkif-constant: `mkIf cond true/false` where the condition says it; fixes for review.
import { describe, expect, it } from "vitest";
import { sites } from "../../helpers/scan.js";
import { nixAvailable } from "../../helpers/nix.js";
import { applyFix, findingsOf, lineOf, scanWith } from "./helpers.js";

const RULE = "mkif-constant";

const MODULE = `{ config, lib, ... }:
with lib;
{
  services.fail2ban.enable = lib.mkIf config.services.openssh.enable true;
  services.foo.enable = mkIf (!config.services.bar.enable) false;
  services.baz.enable = mkDefault (mkIf config.x.enable true);
  services.qux.enable = mkIf (config.a.enable && config.b.enable) false;
  # services.quux.enable = mkIf c true;
  environment.etc."note".text = "mkIf c true";
  services.a.settings = mkIf config.b.enable { x = true; };
  services.c.enable = config.d.enable;
  services.e.enable = mkIf config.f.enable "true";
  services.g.settings = mkIf true { };
}
`;

describe(RULE, () => {
  it("reports mkIf with a constant boolean, at the mkIf, and nothing else", async () => {
    const report = await scanWith(RULE, { "module.nix": MODULE });
    expect(sites(report, RULE)).toEqual(["module.nix:4", "module.nix:5", "module.nix:6", "module.nix:7"]);
    const [first] = findingsOf(report, RULE);
    expect(first).toMatchObject({ severity: "low", optionPath: "services.fail2ban.enable", column: 30, category: "anti-pattern" });
    expect(first!.message).toContain("`config.services.openssh.enable` says it directly");
    expect(first!.message).toContain("the mkIf leaves the option undefined");
    expect(first!.fix?.safety).toBe("review");
  });

  it.skipIf(!nixAvailable)("rewrites to the condition (negated for false); the patches apply and parse", async () => {
    const files = { "module.nix": MODULE };
    const report = await scanWith(RULE, files);
    const expected: Record<number, string> = {
      4: "  services.fail2ban.enable = config.services.openssh.enable;",
      5: "  services.foo.enable = config.services.bar.enable;",
      6: "  services.baz.enable = mkDefault (config.x.enable);",
      7: "  services.qux.enable = !(config.a.enable && config.b.enable);",
    };
    for (const f of findingsOf(report, RULE)) {
      const patched = await applyFix(files, f);
      const text = patched["module.nix"]!;
      expect(text.split("\n")[f.line - 1]).toBe(expected[f.line]);
      const again = await scanWith(RULE, { "module.nix": text });
      expect(sites(again, RULE)).not.toContain(`module.nix:${f.line}`);
      expect(sites(again, RULE)).toHaveLength(3);
    }
  });

  it("adds parentheses around a negation in an operand position", async () => {
    const text = `{ lib, c }: { x = [ (lib.mkIf c false) ]; y = lib.mkIf c false || c; }\n`;
    const report = await scanWith(RULE, { "f.nix": text });
    const fixes = findingsOf(report, RULE).map((f) => f.fix!.patch!.split("\n").find((l) => l.startsWith("+{"))!);
    expect(fixes[0]).toContain("x = [ (!c) ];");
    expect(fixes[1]).toContain("y = (!c) || c;");
    expect(lineOf(text, "y =")).toBe(1);
  });
});
