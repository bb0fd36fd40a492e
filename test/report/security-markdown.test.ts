import { describe, expect, it } from "vitest";
import { renderSecurityMarkdown } from "../../src/report/security-markdown.js";
import { loadReport } from "./fixture.js";

function section(md: string, heading: string): string {
  const start = md.indexOf(`\n${heading}\n`);
  expect(start, heading).toBeGreaterThanOrEqual(0);
  const next = md.indexOf("\n## ", start + heading.length + 2);
  return md.slice(start, next === -1 ? undefined : next);
}

describe("renderSecurityMarkdown", () => {
  const report = loadReport();
  const md = renderSecurityMarkdown(report);

  it("executive summary: totals, a score row per host (worst first), counts by category, what to fix first", () => {
    const summary = section(md, "## Executive summary");
    expect(summary).toContain("**7 findings**: 2 critical, 2 high, 2 medium, 1 low. 2 suppressed. 2 errors (see [Errors](#errors)).");
    expect(summary).toContain("| web | 41/100 | 2 | 1 | 1 | 0 | 0 |\n| db | 58/100 | 1 | 1 | 0 | 1 | 0 |");
    expect(summary).toContain("By category: access 2, secrets 2, firewall 1, service-hardening 1, tls 1.");
    expect(summary).toContain("### Fix first\n\n1. **critical**: Hard-coded GitHub personal access token, `hosts/web/configuration.nix:23:40` (web) ([1](#finding-1))\n");
    expect(summary).toContain("3. **high**: SSH allows root login | with password, `hosts/web/odd name.nix:4:3` (web) ([3](#finding-3))");
  });

  it("findings by severity, critical first, numbered, each with its location and why it matters", () => {
    const findings = section(md, "## Findings");
    const order = ["### Critical (2)", "### High (2)", "### Medium (2)", "### Low (1)"].map((h) => findings.indexOf(h));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(findings).toContain("#### 4. Firewall disabled\n\n- **Location:** `hosts/db/configuration.nix:13:3`\n- **Rule:** `firewall/disabled` (firewall, high)");
    expect(findings).toContain("**Why it matters:** networking.firewall.enable = false exposes every listening service");
  });

  it("shows the code before and after a fix and the deploy command for each host of the finding", () => {
    const fw = md.slice(md.indexOf("#### 4. Firewall disabled"), md.indexOf("#### 5."));
    expect(fw).toContain("Before:\n\n```nix\n  networking.firewall.enable = false;\n```");
    expect(fw).toContain("After:\n\n```nix\n  networking.firewall.enable = true;\n  networking.firewall.allowedTCPPorts = [ 5432 ];\n```");
    expect(fw).toContain("Deploy the fix:\n\n```sh\nnixos-rebuild switch --flake .#db\n```");
    const pw = md.slice(md.indexOf("#### 2. Plaintext password"), md.indexOf("#### 3."));
    expect(pw).toContain("```sh\nnixos-rebuild switch --flake .#web\nnixos-rebuild switch --flake .#db\n```");
  });

  it("never shows a secret from a patch: the removed password line is redacted", () => {
    expect(md).not.toContain("changeme");
    const pw = md.slice(md.indexOf("#### 2. Plaintext password"), md.indexOf("#### 3."));
    expect(pw).toContain('Before:\n\n```nix\n    initialPassword = "… (8 chars)";\n```');
    expect(pw).not.toContain("Patch: ");
  });

  it("quick fixes: the auto-fixable findings with their patch files, and the withheld one", () => {
    const quick = section(md, "## Quick fixes");
    expect(quick).toMatch(/2 findings can be fixed automatically/);
    expect(quick).toMatch(/\| \[4\]\(#finding-4\) \| high \| Firewall disabled \| `remediation-patches\/001-firewall-disabled-[0-9a-f]{8}\.patch` \| db \|/);
    expect(quick).toContain("SSH allows root login \\| with password");
    expect(quick).toMatch(/```sh\ngit apply remediation-patches\/001-firewall-disabled-[0-9a-f]{8}\.patch\ngit apply remediation-patches\/002-access-ssh-root-login-[0-9a-f]{8}\.patch\n```/);
    expect(quick).toContain("One automatic fix touches a secret, so no patch file is written (it would contain the secret); apply it with `nix-warden remediate`: [2](#finding-2).");
  });

  it("suppressed findings and errors", () => {
    const sup = section(md, "## Suppressed findings");
    expect(sup).toContain("| medium | `firewall/open-port` | `hosts/web/configuration.nix:18:3` | reverse proxy health check, reviewed 2026-10 | inline: `hosts/web/configuration.nix:17` | – |");
    expect(sup).toContain("| low | `anti-pattern/with-pkgs` | `modules/packages.nix:3:28` | style choice of this repository | config: `.nix-warden.toml:4` | 2027-01-01 |");
    const errors = section(md, "## Errors");
    expect(errors).toContain("- **parse**: unexpected '}' (expected an expression) (`hosts/web/broken.nix:7:1`)");
    expect(errors).toContain("- **nix eval**: evaluation of nixosConfigurations.db timed out after 120 s");
  });

  it("a clean report says so and has no findings, suppressed or errors sections", () => {
    const clean = renderSecurityMarkdown(loadReport("security-report-clean.json"));
    expect(clean).toContain("**No findings.** Nothing insecure was found in the scanned files.");
    expect(clean).toContain("No finding can be fixed automatically.");
    for (const h of ["## Findings", "## Suppressed findings", "## Errors"]) expect(clean).not.toContain(`\n${h}\n`);
  });

  it("escapes what would break the markdown: backticks in code, HTML in text", () => {
    const odd = loadReport();
    odd.findings = [{ ...odd.findings[2]!, title: "<script>alert(1)</script>", evidence: "a ``` b", optionPath: "x.`y`" }];
    const out = renderSecurityMarkdown(odd);
    expect(out).toContain("#### 1. &lt;script&gt;alert(1)&lt;/script&gt;");
    expect(out).toContain("````\na ``` b\n````");
    expect(out).toContain("- **Option:** `` x.`y` ``");
  });
});
