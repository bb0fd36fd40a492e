// Maintenance notes (severity info): judged samples of public configurations called most
// anti-pattern findings "technically true, no security impact" (a package in two lists, mkForce
// over the repository's own value, a copied block). They stay in every output, but cost a host's
// score nothing, are never among the things to fix first, and are listed last under a heading that
// says what they are; JSON and SARIF keep them in full.
import { describe, expect, it } from "vitest";
import { SecurityReport, type Finding } from "../../src/report/schema.js";
import { renderSecurityMarkdown } from "../../src/report/security-markdown.js";
import { renderSecurityText } from "../../src/report/security-text.js";
import { renderSarif } from "../../src/report/sarif.js";
import { summarize } from "../../src/scan/score.js";
import { scanMemory } from "../helpers/memory.js";
import { loadReport } from "./fixture.js";

function finding(over: Partial<Finding> & Pick<Finding, "id" | "ruleId" | "severity" | "title" | "file">): Finding {
  return { category: "anti-pattern", message: `${over.title} at ${over.file}`, line: 1, column: 1, endLine: 1, endColumn: 2, evidence: "x = 1;", host: ["web"], ...over };
}

function report(): SecurityReport {
  const base = loadReport("security-report-clean.json");
  const findings: Finding[] = [
    ...Array.from({ length: 5 }, (_, i) =>
      finding({ id: `m${i}`, ruleId: "package-managed-twice", severity: "info", title: "Package installed by both the system and home-manager", file: `home/p${i}.nix` }),
    ),
    finding({ id: "w1", ruleId: "missing-nix-gc", severity: "info", title: "No automatic garbage collection", file: "flake.nix" }),
    finding({ id: "s1", ruleId: "ssh-password-authentication", category: "access", severity: "medium", title: "SSH accepts passwords", file: "hosts/web.nix" }),
  ];
  return SecurityReport.parse({ ...base, hosts: ["web"], findings, summary: summarize(findings, ["web"]) });
}

describe("maintenance notes (info)", () => {
  it("cost a host's score nothing and are counted apart", () => {
    const r = report();
    expect(r.summary.score).toEqual({ web: 96 });
    expect(r.summary.bySeverity).toMatchObject({ medium: 1, info: 6, low: 0 });
  });

  it("text: counted as maintenance in the head, never in Fix first, listed last under their own heading", () => {
    const text = renderSecurityText(report(), { color: false });
    expect(text).toMatch(/web\s+score {2}96\/100 {2}7 findings \(1 medium, 6 maintenance\)/);
    const fixFirst = text.slice(text.indexOf("Fix first:"), text.indexOf("MEDIUM (1)"));
    expect(fixFirst).toContain("1. medium  SSH accepts passwords");
    expect(fixFirst).not.toContain("package-managed-twice");
    expect(fixFirst).not.toContain("2.");
    expect(text).toContain("INFO: maintenance, not security (6)");
    expect(text.indexOf("INFO: maintenance")).toBeGreaterThan(text.indexOf("MEDIUM (1)"));
  });

  it("text: one line per maintenance rule (how many places, the first, the hosts); --verbose lists each with its message and fix", () => {
    const text = renderSecurityText(report(), { color: false });
    const info = text.slice(text.indexOf("INFO: maintenance"));
    expect(info.split("\n").filter((l) => l.startsWith("  ")).map((l) => l.trim())).toEqual([
      "Package installed by both the system and home-manager  (package-managed-twice)  5 places, first home/p0.nix:1:1  [web]",
      "No automatic garbage collection  (missing-nix-gc)  flake.nix:1:1  [web]",
      "(each place, message and fix: --verbose, or the JSON report)",
    ]);
    expect(info).not.toContain("at home/p0.nix");
    const verbose = renderSecurityText(report(), { color: false, verbose: true });
    for (let i = 0; i < 5; i++) expect(verbose).toContain(`Package installed by both the system and home-manager at home/p${i}.nix`);
  });

  it("text: a report of maintenance notes only has nothing to fix first", () => {
    const r = report();
    const only = SecurityReport.parse({ ...r, findings: r.findings.filter((f) => f.severity === "info"), summary: summarize(r.findings.filter((f) => f.severity === "info"), ["web"]) });
    const text = renderSecurityText(only, { color: false });
    expect(text).not.toContain("Fix first");
    expect(text).toMatch(/web\s+score 100\/100/);
  });

  it("markdown: a maintenance column, the count said apart, not in Fix first", () => {
    const md = renderSecurityMarkdown(report());
    expect(md).toContain("**7 findings**: 0 critical, 0 high, 1 medium, 0 low; 6 maintenance (info: no security impact, no effect on the scores).");
    expect(md).toContain("| Host | Score | Critical | High | Medium | Low | Maintenance |");
    expect(md).toContain("| web | 96/100 | 0 | 0 | 1 | 0 | 6 |");
    const fixFirst = md.slice(md.indexOf("### Fix first"), md.indexOf("## Findings"));
    expect(fixFirst).toContain("1. **medium**: SSH accepts passwords");
    expect(fixFirst).not.toContain("2. ");
    expect(md).toContain("### Info: maintenance, not security (6)");
  });

  it("SARIF keeps every one, as a note", () => {
    const sarif = renderSarif(report()) as unknown as { runs: Array<{ results: Array<{ ruleId: string; level: string }> }> };
    const results = sarif.runs[0]!.results;
    expect(results).toHaveLength(7);
    expect(results.filter((x) => x.level === "note").map((x) => x.ruleId).sort()).toEqual([...Array(5).fill("package-managed-twice"), "missing-nix-gc"].sort());
  });

  it("a scan: a maintenance finding says so in its message and leaves the host's score at 100", async () => {
    const r = await scanMemory({
      "flake.nix": `{\n  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";\n  outputs = { nixpkgs, ... }: {\n    nixosConfigurations.web = nixpkgs.lib.nixosSystem { system = "x86_64-linux"; modules = [ ./web.nix ]; };\n  };\n}\n`,
      "web.nix": `{ pkgs, lib, ... }:\n{\n  boot.loader.grub.device = "nodev";\n  fileSystems."/".device = "/dev/sda1";\n  environment.systemPackages = with pkgs; with lib; [ hello ];\n}\n`,
    });
    const gc = r.findings.find((f) => f.ruleId === "missing-nix-gc");
    expect(gc).toMatchObject({ severity: "info" });
    expect(gc!.message).toContain("(Maintenance, not security: it does not lower the host's score.)");
    const costly = r.findings.filter((f) => f.severity !== "info" && f.host?.includes("web"));
    expect(r.summary.score.web).toBe(100 - costly.reduce((n, f) => n + ({ critical: 20, high: 10, medium: 4, low: 1 } as Record<string, number>)[f.severity]!, 0));
  });
});
