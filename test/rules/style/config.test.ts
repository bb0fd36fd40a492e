// The style lints are one group the user can switch off: `style: false` in .nix-warden.yaml.
import { describe, expect, it } from "vitest";
import { ALL_RULES } from "../../../src/rules/index.js";
import { scanMemory } from "../../helpers/memory.js";

const MODULE = `{ config, ... }:\n{\n  services.openssh.enable = (true);\n  services.openssh.settings.PermitRootLogin = "yes";\n  networking.firewall.enable = config.services.openssh.enable == true;\n}\n`;
const STYLE_IDS = new Set(ALL_RULES.filter((r) => r.group === "style").map((r) => r.id));

describe("style: false in .nix-warden.yaml", () => {
  it("every style lint is a maintenance (info) anti-pattern", () => {
    expect(STYLE_IDS.size).toBeGreaterThanOrEqual(10);
    for (const r of ALL_RULES.filter((x) => x.group === "style")) expect([r.id, r.category, r.severity]).toEqual([r.id, "anti-pattern", "info"]);
  });

  it("unsaid, style lints do not run in a security scan (the report says how to ask); style: on runs them beside the security findings", async () => {
    const unsaid = await scanMemory({ "configuration.nix": MODULE });
    expect(unsaid.findings.filter((f) => STYLE_IDS.has(f.ruleId))).toEqual([]);
    expect(unsaid.findings.map((f) => f.ruleId)).toContain("ssh-permit-root-login");
    expect(String(unsaid.inventory.styleLints)).toMatch(/^off: .*style: on/);
    for (const value of ["on", "true"]) {
      const ids = (await scanMemory({ "configuration.nix": MODULE, ".nix-warden.yaml": `style: ${value}\n` })).findings.map((f) => f.ruleId);
      expect(ids).toEqual(expect.arrayContaining(["useless-parens", "bool-comparison", "ssh-permit-root-login"]));
    }
  });

  for (const value of ["false", "off"]) {
    it(`style: ${value} turns them all off and nothing else`, async () => {
      const report = await scanMemory({ "configuration.nix": MODULE, ".nix-warden.yaml": `style: ${value}\n` });
      expect(report.errors).toEqual([]);
      expect(report.findings.filter((f) => STYLE_IDS.has(f.ruleId))).toEqual([]);
      expect(report.findings.map((f) => f.ruleId)).toContain("ssh-permit-root-login");
    });
  }

  it("unsaid, a repository with no NixOS host or configuration.nix is a library: no style lints, and the report says why", async () => {
    const lib = { "lib/strings.nix": "{ lib }:\n{\n  isOn = x: x == true;\n  n = (1);\n}\n" };
    const report = await scanMemory(lib);
    expect(report.findings.filter((f) => STYLE_IDS.has(f.ruleId))).toEqual([]);
    expect(String(report.inventory.styleLints)).toMatch(/Nix library/);
    for (const value of ["on", "true"]) {
      const on = await scanMemory({ ...lib, ".nix-warden.yaml": `style: ${value}\n` });
      expect(on.findings.map((f) => f.ruleId)).toEqual(expect.arrayContaining(["bool-comparison", "useless-parens"]));
    }
  });

  it("unquoted-splice runs only with style: all, as statix leaves it out of its default set", async () => {
    const host = { "configuration.nix": "{ pkgs, system, ... }:\n{\n  environment.systemPackages = [ pkgs.legacyPackages.${system}.hello ];\n}\n" };
    expect((await scanMemory(host)).findings.map((f) => f.ruleId)).not.toContain("unquoted-splice");
    const all = await scanMemory({ ...host, ".nix-warden.yaml": "style: all\n" });
    expect(all.findings.map((f) => f.ruleId)).toContain("unquoted-splice");
    expect(String(all.inventory.styleLints)).toMatch(/^all/);
  });

  it("rejects a value that is not a boolean, says so, and keeps the default (no style lints, security findings as usual)", async () => {
    const report = await scanMemory({ "configuration.nix": MODULE, ".nix-warden.yaml": "style: off-please\n" });
    expect(report.errors.map((e) => e.message).join("\n")).toMatch(/style/);
    expect(report.findings.filter((f) => STYLE_IDS.has(f.ruleId))).toEqual([]);
    expect(report.findings.map((f) => f.ruleId)).toContain("ssh-permit-root-login");
  });
});

describe("style lints on a file Nix rejects only for its names", () => {
  it("lint a fragment with free variables or a twice-defined attribute; other rules still wait for a file Nix accepts", async () => {
    const report = await scanMemory({
      "fragment.nix": `{\n  enabled = cfg.enable == true;\n  enabled = (cfg.enable);\n  services.openssh.settings.PermitRootLogin = "yes";\n}\n`,
      ".nix-warden.yaml": "style: on\n",
    });
    expect(report.errors.map((e) => `${e.source} ${e.file}`)).toEqual(["parse fragment.nix"]);
    expect(report.findings.map((f) => `${f.ruleId}:${f.line}`).sort()).toEqual(["bool-comparison:2", "useless-parens:3"]);
  });

  it("leaves a file with a syntax error alone", async () => {
    const report = await scanMemory({ "broken.nix": `{\n  a = (b) == true\n` });
    expect(report.findings.filter((f) => STYLE_IDS.has(f.ruleId))).toEqual([]);
  });
});
