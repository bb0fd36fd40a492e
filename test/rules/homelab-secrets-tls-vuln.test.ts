// The bundled example repository: the secrets, TLS and vulnerability rules find its planted
// problems, each once, and nothing else.
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runScan } from "../../src/scan/index.js";

const HOMELAB = join(import.meta.dirname, "../../examples/homelab");
const MINE = new Set([
  "secret-in-nix-store", "hardcoded-secret", "plaintext-password-option", "secret-in-environment", "committed-secret-file", "world-readable-secret",
  "tls-old-protocol", "tls-weak-cipher", "nginx-addssl-without-forcessl", "acme-terms-and-contact", "certificate-expiry",
  "permitted-insecure-packages", "allow-insecure", "known-vulnerabilities-override",
]);

describe("examples/homelab", () => {
  it("yields exactly the planted findings of these rules", async () => {
    // A copy outside any git repository: the scan walks the directory as a user's checkout would be read.
    const dir = await mkdtemp(join(tmpdir(), "nix-warden-homelab-"));
    try {
      await cp(HOMELAB, dir, { recursive: true });
      const report = await runScan({ root: dir, quick: true, now: new Date("2026-01-01T00:00:00Z") });
      const got = report.findings.filter((f) => MINE.has(f.ruleId)).map((f) => `${f.ruleId} ${f.file}:${f.line} ${f.severity}`);
      expect(got.sort()).toEqual(
        [
          "secret-in-nix-store hosts/nas/default.nix:4 critical", // builtins.readFile ../../secrets/smtp-password.txt
          "secret-in-environment hosts/nas/default.nix:63 high", // environment.SMTP_PASSWORD = smtpPassword
          "secret-in-environment hosts/workstation/default.nix:8 critical", // GITHUB_TOKEN in environment.variables
          "plaintext-password-option hosts/nas/default.nix:51 high", // grafana admin_password
          "world-readable-secret hosts/nas/default.nix:57 high", // age.secrets.restic.mode = "0644"
          "hardcoded-secret scripts/deploy.sh:6 medium", // CACHIX_AUTH_TOKEN (a signed JWT)
          "hardcoded-secret scripts/deploy.sh:7 critical", // STRIPE_KEY
          "committed-secret-file secrets/deploy_ed25519:1 critical",
          "committed-secret-file secrets/wireguard.key:1 critical",
          "committed-secret-file secrets/smtp-password.txt:1 high",
          "tls-old-protocol hosts/nas/default.nix:19 medium",
          "tls-weak-cipher hosts/nas/default.nix:20 high",
          "nginx-addssl-without-forcessl hosts/nas/default.nix:23 low", // a static file site (root only)
          "acme-terms-and-contact hosts/nas/default.nix:22 low",
          "certificate-expiry secrets/files.example.org.crt:1 info", // expired, but no host refers to the file (nginx uses ACME)
          "permitted-insecure-packages hosts/nas/default.nix:74 medium",
          "allow-insecure hosts/laptop/default.nix:9 medium",
          "secret-in-nix-store modules/extras.nix:36 critical", // "${../secrets/deploy_ed25519}"
          "known-vulnerabilities-override modules/extras.nix:41 medium", // meta.knownVulnerabilities = [ ]
        ].sort(),
      );
      // Public material and encrypted files in secrets/ are not findings; nor is the VM test's password.
      const files = new Set(report.findings.filter((f) => MINE.has(f.ruleId)).map((f) => f.file));
      for (const quiet of ["secrets/restic.age", "secrets/secrets.nix", "secrets/homelab-ca.crt", "tests/web.nix", "home/alice.nix", "modules/common.nix"]) expect(files.has(quiet), quiet).toBe(false);
      for (const f of report.findings) expect(report.errors.filter((e) => e.source === `rule ${f.ruleId}`)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("rule metadata", async () => {
  const { ALL_RULES } = await import("../../src/rules/index.js");
  it("every rule here is registered once, with references, CIS and NIST CSF mappings", () => {
    const ids = ALL_RULES.map((r) => r.id);
    for (const id of MINE) {
      expect(ids.filter((x) => x === id), id).toHaveLength(1);
      const r = ALL_RULES.find((x) => x.id === id)!;
      expect(r.references.length, id).toBeGreaterThan(0);
      for (const ref of r.references) expect(ref.url, `${id}: ${ref.title}`).toMatch(/^https:\/\//);
      expect(r.compliance.cis.length, id).toBeGreaterThan(0);
      for (const n of r.compliance.nist) expect(n, id).toMatch(/^(?:GV|ID|PR|DE|RS|RC)\.[A-Z]{2}-\d{2}$/);
      expect(r.rationale.length).toBeGreaterThan(40);
      expect(r.fix.length).toBeGreaterThan(20);
    }
  });
});
