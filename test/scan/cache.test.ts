// The scan's persistent cache (src/scan/cache.ts) and the in-process caches of src/scan/index.ts:
// a report from a cache is the report a fresh scan makes, for every input a report depends on; a
// broken cache file is ignored and rebuilt; two scans writing at once leave a valid cache.
import { execFile } from "node:child_process";
import { cp, mkdtemp, readdir, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import type { SecurityReport } from "../../src/report/schema.js";
import { cachedScanWithStatus, nextCertificateChange, readCacheFile } from "../../src/scan/cache.js";
import { clearScanCache, runScan } from "../../src/scan/index.js";
import { cacheBase } from "../../src/system/state.js";
import { runCli } from "../helpers/cli.js";

const REPO_ROOT = join(import.meta.dirname, "..", "..");
const CLI = join(REPO_ROOT, "dist", "bundle", "main.js");
const EXAMPLE = join(REPO_ROOT, "examples", "homelab");

const dirs: string[] = [];
afterEach(async () => {
  while (dirs.length) await rm(dirs.pop()!, { recursive: true, force: true });
});

async function repo(): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), "nw-cache-test-")));
  dirs.push(dir);
  await cp(EXAMPLE, dir, { recursive: true });
  return dir;
}

/** A report without the time it was made. */
const body = (r: SecurityReport) => JSON.stringify({ ...r, generatedAt: undefined });

/** What a scan with no cache at all says (in-process caches cleared too). */
async function fresh(root: string, options: { severityThreshold?: "high" } = {}): Promise<string> {
  clearScanCache();
  return body(await runScan({ root, quick: true, ...options }));
}

async function cacheFiles(): Promise<string[]> {
  const dir = join(cacheBase(), "scan");
  return (await readdir(dir).catch(() => [])).map((f) => join(dir, f)).filter((f) => f.endsWith(".json"));
}

/** The cache files a piece of work made (the cache directory is shared by the file's tests). */
async function newCacheFiles(work: () => Promise<unknown>): Promise<string[]> {
  const before = new Set(await cacheFiles());
  await work();
  return (await cacheFiles()).filter((f) => !before.has(f));
}

describe("persistent scan cache", () => {
  it("answers an unchanged repository from the cache with the report a fresh scan makes", async () => {
    const root = await repo();
    const first = await cachedScanWithStatus({ root, quick: true });
    expect(first.fromCache).toBe(false);
    const second = await cachedScanWithStatus({ root, quick: true });
    expect(second.fromCache).toBe(true);
    expect(body(second.report)).toBe(body(first.report));
    expect(body(second.report)).toBe(await fresh(root));
    expect(second.report.findings.length).toBeGreaterThan(0);
    // Never in the repository.
    expect((await readdir(root)).some((f) => f.includes("cache") || f.startsWith(".nix-warden-"))).toBe(false);
  });

  it("with the cache off (--no-cache) neither reads nor writes it", async () => {
    const root = await repo();
    const made = await newCacheFiles(async () => {
      const off = await cachedScanWithStatus({ root, quick: true, cache: false });
      expect(off.fromCache).toBe(false);
      expect(body(off.report)).toBe(await fresh(root));
    });
    expect(made).toEqual([]);
    await cachedScanWithStatus({ root, quick: true });
    expect((await cachedScanWithStatus({ root, quick: true, cache: false })).fromCache).toBe(false);
  });

  it("scans again after a file changed, and reports the change", async () => {
    const root = await repo();
    await cachedScanWithStatus({ root, quick: true });
    const file = join(root, "modules", "extras.nix");
    await writeFile(file, `{ ... }: {\n  services.openssh.settings.PermitRootLogin = "yes";\n}\n`);
    const after = await cachedScanWithStatus({ root, quick: true });
    expect(after.fromCache).toBe(false);
    expect(body(after.report)).toBe(await fresh(root));
    // The same stamp check twice in a row: the second scan of the changed tree is cached again.
    expect((await cachedScanWithStatus({ root, quick: true })).fromCache).toBe(true);
  });

  it("memoryAfterFirst (the MCP server): the first scan uses the cache file, later ones scan in memory and see every change", async () => {
    const root = await repo();
    // Filled by another process before (here: a scan without the option).
    await cachedScanWithStatus({ root, quick: true });
    const first = await cachedScanWithStatus({ root, quick: true, memoryAfterFirst: true });
    expect(first.fromCache).toBe(true);
    // Later scans in this process: never the file, whatever it holds, and never a stale report.
    const file = join(root, "modules", "extras.nix");
    await writeFile(file, `{ ... }: {\n  services.openssh.settings.PermitRootLogin = "yes";\n}\n`);
    const made = await newCacheFiles(async () => {
      const later = await cachedScanWithStatus({ root, quick: true, memoryAfterFirst: true });
      expect(later.fromCache).toBe(false);
      expect(body(later.report)).toBe(await fresh(root));
      expect(body(later.report)).not.toBe(body(first.report));
    });
    expect(made).toEqual([]);
    // Other options are another first scan: from the file again once it holds them.
    await cachedScanWithStatus({ root, quick: true, severityThreshold: "high" });
    expect((await cachedScanWithStatus({ root, quick: true, severityThreshold: "high", memoryAfterFirst: true })).fromCache).toBe(true);
  });

  it("keys on the options: another threshold is another report", async () => {
    const root = await repo();
    await cachedScanWithStatus({ root, quick: true });
    const high = await cachedScanWithStatus({ root, quick: true, severityThreshold: "high" });
    expect(high.fromCache).toBe(false);
    expect(body(high.report)).toBe(await fresh(root, { severityThreshold: "high" }));
    expect((await cachedScanWithStatus({ root, quick: true })).fromCache).toBe(true);
  });

  it("keys on the tool: another build never reads this one's cache", async () => {
    const root = await repo();
    expect((await cachedScanWithStatus({ root, quick: true, build: "0.1.0:a" })).fromCache).toBe(false);
    expect((await cachedScanWithStatus({ root, quick: true, build: "0.1.0:a" })).fromCache).toBe(true);
    expect((await cachedScanWithStatus({ root, quick: true, build: "0.2.0:b" })).fromCache).toBe(false);
  });

  it("keys on .nix-warden.yaml: a new exception is applied, not served stale", async () => {
    const root = await repo();
    const before = await cachedScanWithStatus({ root, quick: true });
    // Secrets cannot be excepted: take another finding.
    const target = before.report.findings.find((f) => f.category !== "secrets")!;
    const config = await readFile(join(root, ".nix-warden.yaml"), "utf8");
    await writeFile(join(root, ".nix-warden.yaml"), `${config}  - rule: ${target.ruleId}\n    path: "${target.file}"\n    reason: accepted for the test\n`);
    const after = await cachedScanWithStatus({ root, quick: true });
    expect(after.fromCache).toBe(false);
    expect(body(after.report)).toBe(await fresh(root));
    expect(after.report.suppressed.length).toBeGreaterThan(before.report.suppressed.length);
  });

  it("ignores and rebuilds a truncated, garbled or foreign cache file", async () => {
    const root = await repo();
    let expected: SecurityReport | undefined;
    const [file] = await newCacheFiles(async () => (expected = (await cachedScanWithStatus({ root, quick: true })).report));
    expect(file).toBeDefined();
    const good = await readFile(file!, "utf8");
    const nl = good.indexOf("\n");
    // A report with its findings taken out, under a checksum that does not match it.
    const tampered = JSON.parse(good.slice(nl + 1)) as { report: SecurityReport };
    tampered.report.findings = [];
    const breakages = [
      good.slice(0, Math.floor(good.length / 2)), // truncated (a crash mid-write by another tool)
      good.slice(0, nl + 1) + JSON.stringify(tampered), // body changed, checksum not
      "\u0000\u0001garbage",
      "",
    ];
    for (const broken of breakages) {
      await writeFile(file!, broken);
      const again = await cachedScanWithStatus({ root, quick: true });
      expect(again.fromCache).toBe(false);
      expect(body(again.report)).toBe(body(expected!));
      // Rebuilt: valid again, and used.
      expect(readCacheFile(file!)).toBeDefined();
      expect((await cachedScanWithStatus({ root, quick: true })).fromCache).toBe(true);
    }
  });

  it("two CLI scans writing the cache at once both answer correctly and leave it valid", async () => {
    const root = await repo();
    const run = promisify(execFile);
    const scan = () => run(process.execPath, [CLI, "scan", root, "--quick", "--format", "json"], { env: process.env, maxBuffer: 1 << 26, timeout: 120_000 });
    const expected = await fresh(root);
    let outs: Array<{ stdout: string }> = [];
    const files = await newCacheFiles(async () => (outs = await Promise.all([scan(), scan()])));
    for (const out of outs) expect(body(JSON.parse(out.stdout) as SecurityReport)).toBe(expected);
    expect(files).toHaveLength(1);
    expect(readCacheFile(files[0]!)).toBeDefined();
    // No temp files left behind by either writer.
    expect((await readdir(join(cacheBase(), "scan"))).filter((f) => f.includes(".tmp-"))).toEqual([]);
    const c = await scan();
    expect(body(JSON.parse(c.stdout) as SecurityReport)).toBe(expected);
    // With --no-cache no cache file is involved: what the command says, in this process.
    const noCache = await runCli(["scan", root, "--quick", "--format", "json", "--no-cache"]);
    expect(body(JSON.parse(noCache.stdout) as SecurityReport)).toBe(expected);
  }, 240_000);

  it("holds a report with a certificate only until what the rule says about it changes", () => {
    const day = 24 * 60 * 60 * 1000;
    const now = Date.parse("2025-01-01T12:00:00Z");
    // Valid for long: until it enters the 30-day warning.
    expect(nextCertificateChange(now + 100 * day, now, 30)).toBe(now + 70 * day);
    // In the warning period, 10.5 days left ("in 10 days"): until 10 days are left.
    expect(nextCertificateChange(now + 10.5 * day, now, 30)).toBe(now + 0.5 * day);
    // Expired 2.25 days ago ("2 days ago"): until it reads "3 days ago".
    expect(nextCertificateChange(now - 2.25 * day, now, 30)).toBe(now + 0.75 * day);
  });

  it("a certificate in the repository: cached while its days stand still, scanned again when they move on", async () => {
    const root = await repo();
    // Expired: "expired on … (N days ago)" reads differently every day.
    const pem = await readFile(join(REPO_ROOT, "test", "fixtures", "secrets", "certs", "expired-leaf.pem"), "utf8");
    await writeFile(join(root, "ca.pem"), pem);
    const t0 = new Date();
    expect((await cachedScanWithStatus({ root, quick: true, now: t0 })).fromCache).toBe(false);
    expect((await cachedScanWithStatus({ root, quick: true, now: new Date(t0.getTime() + 1000) })).fromCache).toBe(true);
    const later = new Date(t0.getTime() + 400 * 24 * 60 * 60 * 1000);
    const moved = await cachedScanWithStatus({ root, quick: true, now: later });
    expect(moved.fromCache).toBe(false);
    clearScanCache();
    expect(body(moved.report)).toBe(body(await runScan({ root, quick: true, now: later })));
  });
});

describe("in-process caches", () => {
  it("a repeat scan after edits to a script, a host file and the host list equals a fresh scan", async () => {
    const root = await repo();
    clearScanCache();
    await runScan({ root, quick: true });
    const edits: Array<[string, string]> = [
      ["scripts/deploy.sh", `#!/bin/sh\nexport AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"\nnix-env -iA nixpkgs.hello\n`],
      ["modules/extras.nix", `{ ... }: {\n  services.openssh.settings.PasswordAuthentication = true;\n  networking.firewall.enable = false;\n}\n`],
    ];
    for (const [file, text] of edits) {
      await writeFile(join(root, file), text);
      const warm = body(await runScan({ root, quick: true }));
      expect(warm).toBe(await fresh(root));
      await runScan({ root, quick: true });
    }
    // The flake names other hosts: host rules and repository rules must not answer from before.
    const flake = await readFile(join(root, "flake.nix"), "utf8");
    await writeFile(join(root, "flake.nix"), flake.replace(/nixosConfigurations\s*=\s*\{/, (m) => `${m}\n      extra = nixpkgs.lib.nixosSystem { modules = [ ./modules/extras.nix ]; };`));
    const warm = body(await runScan({ root, quick: true }));
    expect(warm).toBe(await fresh(root));
  }, 120_000);

  it("a repeat scan after each kind of change equals a fresh scan: a module every host imports, a file of one host, a file a rule reads, .nix-warden.yaml", async () => {
    const root = await repo();
    clearScanCache();
    await runScan({ root, quick: true });
    const edit = async (file: string, change: (text: string) => string) => {
      const path = join(root, file);
      await writeFile(path, change(await readFile(path, "utf8")));
    };
    const steps: Array<[string, string, (text: string) => string]> = [
      // Shared by every host: a comment only (the benchmark's edit), then a setting each host has.
      ["modules/common.nix", "modules/common.nix", (t) => `${t}\n# an edit that changes no setting\n`],
      ["modules/common.nix", "modules/common.nix", (t) => t.replace('PermitRootLogin = "yes"', 'PermitRootLogin = "prohibit-password"').replace("wheelNeedsPassword = false", "wheelNeedsPassword = true")],
      ["modules/common.nix", "modules/common.nix", (t) => t.replace("  time.timeZone", "  networking.firewall.enable = false;\n  time.timeZone")],
      // One host's file: a setting moves lines, another appears.
      ["hosts/nas/default.nix", "hosts/nas/default.nix", (t) => t.replace("{", "{\n  # moved down a line\n")],
      ["hosts/laptop/default.nix", "hosts/laptop/default.nix", (t) => t.replace(/\}\s*$/, "  nix.settings.sandbox = false;\n  boot.kernelParams = [ \"mitigations=off\" ];\n}\n")],
      // A file no rule parses but one reads (`builtins.readFile ../../secrets/smtp-password.txt`):
      // encrypted now.
      ["secrets/smtp-password.txt", "secrets/smtp-password.txt", () => "-----BEGIN AGE ENCRYPTED FILE-----\nYWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBzb21ldGhpbmcK\n-----END AGE ENCRYPTED FILE-----\n"],
      // The settings: an exception added, then the style lints turned on.
      [".nix-warden.yaml", ".nix-warden.yaml", (t) => `${t}  - rule: firewall-disabled\n    path: "modules/**"\n    reason: "testing an exception"\n`],
      [".nix-warden.yaml", ".nix-warden.yaml", (t) => `style: on\n${t}`],
    ];
    const changed: boolean[] = [];
    for (const [what, file, change] of steps) {
      const before = body(await runScan({ root, quick: true }));
      await edit(file, change);
      const warm = body(await runScan({ root, quick: true }));
      changed.push(warm !== before);
      expect(warm, `after changing ${what}`).toBe(await fresh(root));
      // The caches again filled (fresh cleared them) before the next change.
      await runScan({ root, quick: true });
    }
    // Every change but the comment changes the report (so the comparisons above compare something).
    expect(changed).toEqual([false, true, true, true, true, true, true, true]);
  }, 180_000);

  it("an unchanged repository's repeat scan is the last report, which a caller's changes to it do not reach", async () => {
    const root = await repo();
    clearScanCache();
    const first = await runScan({ root, quick: true });
    const expected = body(first);
    first.findings.length = 0;
    first.errors.push({ source: "test", message: "changed by the caller" });
    const second = await runScan({ root, quick: true });
    expect(body(second)).toBe(expected);
    second.findings[0]!.message = "changed again";
    expect(body(await runScan({ root, quick: true }))).toBe(expected);
    // Other options, other .nix-warden.yaml, another day: not the last report.
    expect(body(await runScan({ root, quick: true, severityThreshold: "high" }))).toBe(await fresh(root, { severityThreshold: "high" }));
    await runScan({ root, quick: true });
    await writeFile(join(root, ".nix-warden.yaml"), "style: on\n");
    const styled = body(await runScan({ root, quick: true }));
    expect(styled).not.toBe(expected);
    expect(styled).toBe(await fresh(root));
  }, 120_000);

  it("a repeat scan of a repository holding a certificate is the last report only while its days stand still", async () => {
    const root = await repo();
    const pem = await readFile(join(REPO_ROOT, "test", "fixtures", "secrets", "certs", "expired-leaf.pem"), "utf8");
    await writeFile(join(root, "ca.pem"), pem);
    clearScanCache();
    const t0 = new Date();
    const first = await runScan({ root, quick: true, now: t0 });
    expect(body(await runScan({ root, quick: true, now: new Date(t0.getTime() + 1000) }))).toBe(body(first));
    for (const days of [1, 400]) {
      const later = new Date(t0.getTime() + days * 24 * 60 * 60 * 1000);
      const warm = body(await runScan({ root, quick: true, now: later }));
      expect(warm).not.toBe(body(first));
      clearScanCache();
      expect(warm).toBe(body(await runScan({ root, quick: true, now: later })));
    }
  }, 120_000);
});
