import { describe, expect, it } from "vitest";
import { renderSecurityText } from "../../src/report/security-text.js";
import { loadReport } from "./fixture.js";

describe("renderSecurityText", () => {
  const report = loadReport();
  const text = renderSecurityText(report);
  const lines = text.split("\n");

  it("starts with the tool, the root and one score line per host", () => {
    expect(lines[0]).toBe("nix-warden 0.1.0: security scan of /home/ops/infra");
    expect(lines).toContain("  web      score  41/100  4 findings (2 critical, 1 high, 1 medium)");
    expect(lines).toContain("  db       score  58/100  3 findings (1 critical, 1 high, 1 low)");
    // Findings tied to no host get their own line, so that shared problems do not vanish.
    expect(lines.some((l) => /^ {2}no host {2}score {3}- {7}\d+ findings? \(.*\) in modules not tied to a host/.test(l))).toBe(true);
  });

  it("groups findings by severity, critical first, each with file:line:col, title, message and fix", () => {
    const headers = lines.filter((l) => /^(CRITICAL|HIGH|MEDIUM|LOW) \(\d+\)$/.test(l));
    expect(headers).toEqual(["CRITICAL (2)", "HIGH (2)", "MEDIUM (2)", "LOW (1)"]);
    const i = lines.indexOf("  modules/users.nix:8:5  Plaintext password for user alice  (access/plaintext-password)  [web, db]");
    expect(i).toBeGreaterThan(lines.indexOf("CRITICAL (2)"));
    expect(i).toBeLessThan(lines.indexOf("HIGH (2)"));
    expect(lines[i + 1]).toBe("      users.users.alice.initialPassword is a plaintext literal: it is world-readable in the Nix store.");
    expect(lines[i + 2]).toBe('      evidence: initialPassword = "… (8 chars)";');
    expect(lines[i + 3]).toBe("      fix (auto): Replace initialPassword with hashedPasswordFile pointing at an agenix secret.");
    expect(text).toContain("  certs/internal-ca.pem:1:1  Certificate CN=internal.example.org expires in 12 days  (tls/certificate-expiring)\n");
  });

  it("puts the summary and the three worst things to fix in the head, before any finding, and the errors last", () => {
    const summary = lines.indexOf("Summary: 7 findings (2 critical, 2 high, 2 medium, 1 low); 2 suppressed; 2 errors.");
    expect(summary).toBeGreaterThan(0);
    expect(summary).toBeLessThan(lines.indexOf("CRITICAL (2)"));
    expect(text).toContain("  by category: access 2, secrets 2, firewall 1, service-hardening 1, tls 1\n");
    expect(text).toContain("  3 findings can be fixed automatically (nix-warden remediate).");
    const fixFirst = lines.indexOf("Fix first:");
    expect(fixFirst).toBeGreaterThan(summary);
    // Worst first, and at one severity a committed secret before an access problem.
    expect(lines.slice(fixFirst + 1, fixFirst + 7)).toEqual([
      "  1. critical  Hard-coded GitHub personal access token  (secrets/hardcoded-token)",
      "     hosts/web/configuration.nix:23:40; host web",
      "  2. critical  Plaintext password for user alice  (access/plaintext-password)",
      "     modules/users.nix:8:5; hosts db, web",
      "  3. high  SSH allows root login | with password  (access/ssh-root-login)",
      "     hosts/web/odd name.nix:4:3; host web",
    ]);
    expect(text.endsWith("Errors (2): these parts were not fully scanned\n  parse: unexpected '}' (expected an expression) (hosts/web/broken.nix:7:1)\n  nix eval: evaluation of nixosConfigurations.db timed out after 120 s\n")).toBe(true);
  });

  it("says clearly when nothing was found", () => {
    const clean = renderSecurityText(loadReport("security-report-clean.json"));
    expect(clean).toContain("No findings: nothing insecure was found in the scanned files.");
    expect(clean).toContain("  web  score 100/100  0 findings (none)");
    expect(clean).toContain("Summary: 0 findings (none).");
    expect(clean).not.toContain("Errors");
    expect(clean).not.toContain("Fix first");
  });

  it("colours only on request, and never passes terminal escapes from report strings", () => {
    expect(text).not.toContain("\u001b[");
    expect(renderSecurityText(report, { color: true })).toContain("\u001b[1;35mCRITICAL (2)\u001b[0m");
    const evil = { ...report, findings: [{ ...report.findings[0]!, title: "x\u001b]0;pwned\u0007y" }] };
    expect(renderSecurityText(evil)).not.toContain("\u001b]0;");
  });
});
