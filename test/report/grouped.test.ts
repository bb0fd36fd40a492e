// A report a person can read (issue 12): on a large repository the same hardening fix was printed
// 94 times, one list of insecure packages gave 14 entries, and the summary came last. The text and
// markdown reports now open with a head that fits one screen, then one entry per rule listing its
// places, worst first across categories; --verbose and the JSON keep every finding.
import { describe, expect, it } from "vitest";
import type { Finding, SecurityReport } from "../../src/report/schema.js";
import { renderSecurityMarkdown } from "../../src/report/security-markdown.js";
import { renderSecurityText } from "../../src/report/security-text.js";
import { loadReport } from "./fixture.js";

const HARDENING_FIX = "Add to serviceConfig: DynamicUser, ProtectSystem, ProtectHome, PrivateTmp, NoNewPrivileges, PrivateDevices, PrivateMounts, ProtectKernelTunables, ProtectKernelModules, ProtectKernelLogs, ProtectClock, ProtectControlGroups, ProtectHostname, ProtectProc, ProcSubset, RestrictAddressFamilies, RestrictNamespaces, RestrictRealtime, RestrictSUIDSGID, LockPersonality, MemoryDenyWriteExecute, RemoveIPC, SystemCallArchitectures, SystemCallFilter, CapabilityBoundingSet, UMask.";

function finding(over: Partial<Finding> & Pick<Finding, "id" | "ruleId" | "category" | "severity" | "title" | "file">): Finding {
  return { message: `${over.title} at ${over.file}`, line: 1, column: 1, endLine: 1, endColumn: 2, evidence: "x = 1;", ...over };
}

function bigReport(): SecurityReport {
  const base = loadReport("security-report-clean.json");
  const hosts = Array.from({ length: 33 }, (_, i) => `node${String(i).padStart(2, "0")}`);
  const findings: Finding[] = [];
  for (let i = 0; i < 94; i++) {
    findings.push(
      finding({
        id: `h${i}`,
        ruleId: "systemd-service-exposure",
        category: "service-hardening",
        severity: "high",
        title: `systemd service 'oneshot-${i}' runs as root without sandboxing`,
        file: `hosts/node${String(i % 33).padStart(2, "0")}/hardware.nix`,
        line: 10 + i,
        host: [hosts[i % 33]!],
        fix: { safety: "review", description: HARDENING_FIX },
      }),
    );
  }
  for (let i = 0; i < 14; i++) {
    findings.push(
      finding({
        id: `p${i}`,
        ruleId: "permitted-insecure-packages",
        category: "vulnerability",
        severity: "medium",
        title: "insecure package explicitly permitted",
        file: "modules/insecure.nix",
        line: 3 + i,
        message: `nixpkgs.config.permittedInsecurePackages permits pkg${i}-1.0`,
        evidence: `"pkg${i}-1.0"`,
        host: hosts,
        fix: { safety: "manual", description: `Check the advisory (\`nix eval nixpkgs#pkg${i}.meta.knownVulnerabilities\`) and remove this entry.` },
      }),
    );
  }
  // One committed secret, at the same severity as the hardening findings: it comes first.
  findings.push(
    finding({ id: "s1", ruleId: "committed-secret-file", category: "secrets", severity: "high", title: "unencrypted secret file committed", file: "secrets/api-token", fix: { safety: "manual", description: "Remove it and rotate it." } }),
  );
  const score = Object.fromEntries(hosts.map((h, i) => [h, 40 + i]));
  return { ...base, hosts, summary: { ...base.summary, score }, findings };
}

const ruleInfo = (id: string) => (id === "permitted-insecure-packages" ? { name: "insecure package explicitly permitted", fix: "Upgrade or replace each package, then remove its entry." } : undefined);

describe("grouped reports", () => {
  const report = bigReport();
  const text = renderSecurityText(report, { ruleInfo });
  const lines = text.split("\n");

  it("the head (up to the first finding) fits on one screen even with 33 hosts", () => {
    const head = lines.slice(0, lines.indexOf("HIGH (95)"));
    expect(head.length).toBeLessThanOrEqual(40);
    expect(head).toContain("  … and 22 more hosts scoring 51/100 or better (every score is in the JSON report)");
    expect(head[3]).toMatch(/^ {2}node00 +score {2}40\/100/); // worst score first
    expect(head).toContain("Fix first:");
    expect(head).toContain("  1. high  unencrypted secret file committed  (committed-secret-file)");
    expect(head).toContain("  2. high  systemd service '…' runs as root without sandboxing  (systemd-service-exposure)");
  });

  it("prints the hardening fix once for its 94 findings and the insecure packages as one entry", () => {
    expect(text.split(HARDENING_FIX).length - 1).toBe(1);
    expect(text).toContain("  systemd service '…' runs as root without sandboxing  (systemd-service-exposure)  94 places  [node00, node01, node02, node03, node04, node05 and 27 more]");
    expect(text).toContain("      … and 86 more places (--verbose, or the JSON report)");
    expect(text).toContain("      hosts/node00/hardware.nix:10:1  systemd service 'oneshot-0' runs as root without sandboxing  [node00]");
    expect(lines.filter((l) => l.includes("(permitted-insecure-packages)") && !/^ {2}\d\. /.test(l))).toEqual(["  insecure package explicitly permitted  (permitted-insecure-packages)  14 places  [node00, node01, node02, node03, node04, node05 and 27 more]"]);
    // Each package's own fix differs: the rule's generic fix is said once.
    expect(text).toContain("      fix (manual): Upgrade or replace each package, then remove its entry.");
    expect(text).toContain('      modules/insecure.nix:3:1  "pkg0-1.0"');
    // The committed secret comes before the hardening group at the same severity.
    expect(text.indexOf("secrets/api-token:1:1")).toBeLessThan(text.indexOf("(systemd-service-exposure)  94 places"));
    expect(lines.length).toBeLessThan(80);
  });

  it("--verbose lists every finding with its own fix, as before", () => {
    const verbose = renderSecurityText(report, { verbose: true, ruleInfo });
    expect(verbose.split(HARDENING_FIX).length - 1).toBe(94);
    expect(verbose.split("\n").filter((l) => l.startsWith("  modules/insecure.nix:"))).toHaveLength(14);
    expect(verbose).toContain("Summary: 109 findings (95 high, 14 medium).");
  });

  it("markdown: the executive summary fits a screen; one entry per rule lists every place with its anchor", () => {
    const md = renderSecurityMarkdown(report, { ruleInfo });
    const head = md.slice(0, md.indexOf("\n## Findings")).split("\n");
    expect(head.length).toBeLessThanOrEqual(40);
    expect(md.split(HARDENING_FIX).length - 1).toBe(1);
    expect(md).toContain("#### systemd service '…' runs as root without sandboxing (94 places)");
    expect(md).toContain("#### insecure package explicitly permitted (14 places)");
    // Every finding keeps a numbered anchor (the quick-fix table and "Fix first" link to them).
    for (let n = 1; n <= 109; n++) expect(md).toContain(`<a id="finding-${n}"></a>`);
    const verbose = renderSecurityMarkdown(report, { ruleInfo, verbose: true });
    expect(verbose.split(HARDENING_FIX).length - 1).toBe(94);
  });
});
