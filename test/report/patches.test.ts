import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { patchFileName, patchProblem, planPatches, sanitizeNamePart, shortId, writeRemediationPatches } from "../../src/report/patches.js";
import type { Finding } from "../../src/report/schema.js";
import { loadReport } from "./fixture.js";

describe("patch file names", () => {
  it("NNN-<rule>-<short-id>.patch, sanitised", () => {
    expect(sanitizeNamePart("access/ssh-root-login")).toBe("access-ssh-root-login");
    expect(sanitizeNamePart("../../etc/passwd")).toBe("etc-passwd");
    expect(sanitizeNamePart("///")).toBe("x");
    expect(shortId("a")).toMatch(/^[0-9a-f]{8}$/);
    expect(patchFileName(7, { ruleId: "Firewall/Disabled!", id: "x" })).toBe(`007-firewall-disabled-${shortId("x")}.patch`);
  });

  it("plans auto fixes worst first and withholds patches that contain a secret", () => {
    const report = loadReport();
    expect(planPatches(report.findings).map((p) => p.finding.ruleId)).toEqual(["firewall/disabled", "access/ssh-root-login"]);
    expect(planPatches(report.findings, { allowSecrets: true }).map((p) => p.finding.ruleId)).toEqual([
      "access/plaintext-password",
      "firewall/disabled",
      "access/ssh-root-login",
    ]);
    expect(planPatches(report.findings, { safeties: ["review"] })).toEqual([]);
  });

  it("refuses patches that are not unified diffs or leave the repository", () => {
    expect(patchProblem("just text")).toMatch(/^not a unified diff/);
    expect(patchProblem("--- a/../../etc/passwd\n+++ b/../../etc/passwd\n@@ -1 +1 @@\n-x\n+y\n")).toBe("patch path '../../etc/passwd' leaves the repository");
    expect(patchProblem("--- /etc/passwd\n+++ /etc/passwd\n@@ -1 +1 @@\n-x\n+y\n")).toBe("patch path '/etc/passwd' leaves the repository");
    expect(patchProblem(loadReport().findings[2]!.fix!.patch!)).toBeUndefined();
  });
});

describe("writeRemediationPatches", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "nw-patches-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("writes one file per auto-fixable finding that git apply accepts", async () => {
    const report = loadReport();
    const repo = join(dir, "repo");
    // The files the fixture's patches were made against.
    const files: Record<string, string> = {
      "hosts/db/configuration.nix": [
        ...Array.from({ length: 11 }, (_, i) => `  # line ${i + 1}`),
        '  networking.hostName = "db";',
        "  networking.firewall.enable = false;",
        "  services.postgresql.enable = true;",
        "  services.postgresql.enableTCPIP = true;",
        "}",
        "",
      ].join("\n"),
      "hosts/web/odd name.nix": ["{", "  # ssh", "  services.openssh.enable = true;", '  services.openssh.settings.PermitRootLogin = "yes";', "}", ""].join("\n"),
    };
    for (const [p, content] of Object.entries(files)) {
      mkdirSync(join(repo, p, ".."), { recursive: true });
      writeFileSync(join(repo, p), content);
    }
    execFileSync("git", ["init", "-q", repo]);

    const out = join(dir, "remediation-patches");
    const result = await writeRemediationPatches(report.findings, out);
    expect(result.written.map((w) => w.ruleId)).toEqual(["firewall/disabled", "access/ssh-root-login"]);
    expect(result.errors.map((e) => e.message)).toEqual([
      "access/plaintext-password:modules/users.nix:users.users.alice.initialPassword: no patch file written: the patch contains the secret it removes; apply the fix with nix-warden remediate",
    ]);
    const names = readdirSync(out).sort();
    expect(names).toHaveLength(2);
    expect(names[0]).toMatch(/^001-firewall-disabled-[0-9a-f]{8}\.patch$/);
    expect(names[1]).toMatch(/^002-access-ssh-root-login-[0-9a-f]{8}\.patch$/);
    expect(readFileSync(join(out, names[0]!), "utf8")).toBe(report.findings[2]!.fix!.patch);
    for (const name of names) {
      execFileSync("git", ["apply", "--check", join(out, name)], { cwd: repo });
      execFileSync("git", ["apply", join(out, name)], { cwd: repo });
    }
    expect(readFileSync(join(repo, "hosts/db/configuration.nix"), "utf8")).toContain("networking.firewall.allowedTCPPorts = [ 5432 ];");
    expect(readFileSync(join(repo, "hosts/web/odd name.nix"), "utf8")).toContain('PermitRootLogin = "no";');
  });

  it("removes stale patch files of earlier runs, keeps unrelated files, leaves no temp files", async () => {
    const out = join(dir, "p");
    mkdirSync(out);
    writeFileSync(join(out, "009-old-rule-0123abcd.patch"), "old");
    writeFileSync(join(out, "notes.txt"), "mine");
    const result = await writeRemediationPatches(loadReport().findings, out);
    expect(result.removed).toEqual(["009-old-rule-0123abcd.patch"]);
    expect(readdirSync(out).filter((n) => !/^00[12]-/.test(n))).toEqual(["notes.txt"]);
  });

  it("replaces a planted symlink instead of writing through it", async () => {
    const out = join(dir, "p");
    mkdirSync(out);
    const victim = join(dir, "victim.txt");
    writeFileSync(victim, "untouched");
    const [first] = planPatches(loadReport().findings);
    symlinkSync(victim, join(out, first!.name));
    await writeRemediationPatches(loadReport().findings, out);
    expect(readFileSync(victim, "utf8")).toBe("untouched");
    expect(readFileSync(join(out, first!.name), "utf8")).toBe(first!.finding.fix!.patch);
  });

  it("skips a malicious patch with an error and writes the rest", async () => {
    const report = loadReport();
    const evil: Finding = {
      ...report.findings[2]!,
      id: "evil",
      fix: { safety: "auto", description: "x", patch: "--- a/../outside\n+++ b/../outside\n@@ -1 +1 @@\n-a\n+b\n" },
    };
    const out = join(dir, "p");
    const result = await writeRemediationPatches([evil, report.findings[3]!], out);
    expect(result.errors.map((e) => e.message)).toEqual(["evil: patch path '../outside' leaves the repository; no patch written"]);
    expect(result.written.map((w) => w.ruleId)).toEqual(["access/ssh-root-login"]);
    expect(existsSync(join(dir, "outside"))).toBe(false);
  });

  it("an output path that is a file gives an error entry, not a crash", async () => {
    const out = join(dir, "taken");
    writeFileSync(out, "a file");
    const result = await writeRemediationPatches(loadReport().findings, out);
    expect(result.written).toEqual([]);
    expect(result.errors.at(-1)!.message).toMatch(/^cannot use output directory/);
    expect(readFileSync(out, "utf8")).toBe("a file");
  });

  it.skipIf(process.getuid?.() === 0)("a failed write leaves nothing half-written (needs a non-root user)", async () => {
    const out = join(dir, "p");
    mkdirSync(out);
    execFileSync("chmod", ["555", out]);
    try {
      const result = await writeRemediationPatches(loadReport().findings, out);
      expect(result.written).toEqual([]);
      expect(result.errors.at(-1)!.message).toMatch(/^writing patches failed/);
      expect(readdirSync(out)).toEqual([]);
    } finally {
      execFileSync("chmod", ["755", out]);
    }
  });
});
