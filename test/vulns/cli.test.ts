// The built CLI end to end: `vulns --root DIR` on a closure built by the local Nix (real store
// paths and .drv files), `vulns --flake . --host` on a real flake with a nixpkgs input in its
// flake.lock, and a missing cache. The planted vulnerable packages are reported; the look-alikes
// (a CVE fixed by a patch, another vendor's product of the same name, versions outside the range,
// a rejected CVE, a whitelisted CVE) are not.
import { execFileSync } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Finding, SecurityReport } from "../../src/report/schema.js";
import { cacheDir } from "../../src/system/state.js";
import type { VulnReport } from "../../src/vulns/index.js";
import { importNvdFiles } from "../../src/vulns/update.js";
import { cli } from "../helpers/cli.js";

const NVD = join(import.meta.dirname, "..", "fixtures", "vulns", "nvd");
const PAGES = ["full-page-1.json", "full-page-2.json", "full-page-3.json"].map((f) => join(NVD, f));

const PKGS_NIX = `
let
  mk = name: extra: derivation ({ inherit name; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo \${name} > $out" ]; } // extra);
in rec {
  openssl = mk "openssl-3.0.13" { pname = "openssl"; version = "3.0.13"; patches = [ ./CVE-2024-0727.patch ]; };
  curl = derivation { name = "curl-8.4.0"; system = builtins.currentSystem; builder = "/bin/sh"; outputs = [ "bin" "out" ]; args = [ "-c" "echo > $out; echo > $bin" ]; };
  curlNew = mk "curl-8.5.0" { pname = "curl"; version = "8.5.0"; };
  sudo = mk "sudo-1.9.15p5" { pname = "sudo"; version = "1.9.15p5"; };
  flex = mk "flex-2.6.4" { };
  toplevel = derivation {
    name = "nixos-system-web1-24.05";
    system = builtins.currentSystem;
    builder = "/bin/sh";
    args = [ "-c" "/bin/mkdir -p $out/sw && /bin/ln -s \${openssl} $out/sw/a && /bin/ln -s \${curl.bin} $out/sw/b && /bin/ln -s \${sudo} $out/sw/c && /bin/ln -s \${flex} $out/sw/d" ];
  };
}
`;

const WHITELIST = `["sudo-1.9.15p5"]\ncve = ["CVE-2025-32463"]\ncomment = "sudo --chroot is disabled by policy"\n`;

let dir: string;
let cachePath: string;
/** Store paths this file built, deleted again at the end (best effort: only if nothing else uses them). */
const built: string[] = [];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "nw-vulns-cli-"));
  cachePath = join(dir, "nvd.cache");
  await importNvdFiles(PAGES, cachePath, { updatedAt: "2025-08-01T00:00:00.000Z" });
  await writeFile(join(dir, "whitelist.toml"), WHITELIST);
}, 120_000);
afterAll(async () => {
  for (const top of built) {
    try {
      const closure = execFileSync("nix-store", ["--query", "--requisites", top], { encoding: "utf8", timeout: 60_000 }).trim().split("\n");
      execFileSync("nix-store", ["--delete", ...closure], { timeout: 60_000, stdio: "pipe" });
    } catch {
      // still referenced (a gc root elsewhere): leave it
    }
  }
  await rm(dir, { recursive: true, force: true });
});

function expectPlanted(report: VulnReport): void {
  const byPkg: Record<string, Finding> = Object.fromEntries(report.findings.map((f) => [f.optionPath, f]));
  expect(Object.keys(byPkg).sort()).toEqual(["packages.curl", "packages.openssl"]);
  expect(byPkg["packages.openssl"]!.references!.map((r) => r.title)).toEqual(["CVE-2024-2511"]);
  expect(byPkg["packages.curl"]!.references!.map((r) => r.title).sort()).toEqual(["CVE-2023-46218", "CVE-2023-46219"]);
  expect(byPkg["packages.curl"]).toMatchObject({ category: "vulnerability", ruleId: "vulnerable-package", severity: "medium" });
  expect(byPkg["packages.curl"]!.message).toMatch(/CVSS 4\.0 6\.3/);
  expect(byPkg["packages.curl"]!.fix!.description).toMatch(/curl 8\.5\.0 or later/);
  expect(report.patched.map((p) => `${p.package} ${p.cve}`)).toEqual(["openssl-3.0.13 CVE-2024-0727"]);
  expect(report.otherVendor.map((o) => `${o.package} ${o.cve} ${o.vendor}`)).toEqual(["flex-2.6.4 CVE-2011-2461 adobe"]);
  expect(report.suppressed.map((s) => s.title)).toEqual([expect.stringMatching(/^sudo 1\.9\.15p5: 1 known vulnerability \(CVE-2025-32463\)/)]);
  expect(report.suppressed[0]!.suppressedBy.reason).toMatch(/vulnix whitelist \[sudo-1\.9\.15p5\]: sudo --chroot is disabled/);
  const all = JSON.stringify(report.findings);
  for (const id of ["CVE-2024-0727", "CVE-2023-38545", "CVE-2023-99001", "CVE-2023-42465", "CVE-2011-2461", "CVE-2025-32463"]) expect(all).not.toContain(id);
  expect(report.advisories).toMatchObject({ status: "ok", updatedAt: "2025-08-01T00:00:00.000Z", records: 8 });
}

describe("nix-warden vulns --root", () => {
  it("reads the closure of run/current-system from real store paths and reports only the planted vulnerabilities", async () => {
    const src = join(dir, "pkgs");
    await mkdir(src);
    await writeFile(join(src, "default.nix"), PKGS_NIX);
    await writeFile(join(src, "CVE-2024-0727.patch"), "--- a\n+++ b\n");
    const top = execFileSync("nix-build", [join(src, "default.nix"), "-A", "toplevel", "--no-out-link"], { encoding: "utf8", timeout: 120_000 }).trim();
    built.push(top);
    const root = join(dir, "machine");
    await mkdir(join(root, "run"), { recursive: true });
    await mkdir(join(root, "etc"));
    await writeFile(join(root, "etc", "hostname"), "web1\n");
    await symlink(top, join(root, "run", "current-system"));

    const r = cli(["vulns", "--root", root, "--advisories", cachePath, "--whitelist", join(dir, "whitelist.toml"), "--format", "json"]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as VulnReport;
    expect(report.hosts).toEqual(["web1"]);
    expectPlanted(report);
    const openssl = report.findings.find((f) => f.optionPath === "packages.openssl")!;
    expect(openssl).toMatchObject({ file: "run/current-system", line: 1, host: ["web1"] });
    expect(openssl.evidence).toMatch(/\/nix\/store\/[0-9a-z]{32}-openssl-3\.0\.13/);
    expect(openssl.message).toMatch(/name and version from derivation/);

    const text = cli(["vulns", "--root", root, "--advisories", cachePath, "--whitelist", join(dir, "whitelist.toml"), "--no-track"]);
    expect(text.stdout).toMatch(/Advisory data: NVD CVE API 2\.0, 8 records, updated 2025-08-01T00:00:00\.000Z \(\d+ days old\)/);
    expect(text.stdout).toMatch(/\[MEDIUM\] curl 8\.4\.0: 2 known vulnerabilities/);
    expect(text.stdout).toMatch(/fixed by a nixpkgs patch \(not reported\):\n {2}openssl-3\.0\.13 CVE-2024-0727/);
  }, 180_000);

  it("without a cache it says nothing was checked, and exits 3", async () => {
    const root = join(dir, "empty-machine");
    await mkdir(root, { recursive: true });
    const r = cli(["vulns", "--root", root, "--advisories", join(dir, "none.cache")]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/No advisory data .* vulnerabilities were NOT checked/);
    expect(r.stdout).not.toMatch(/0 vulnerable/);
  });
});

describe("nix-warden vulns --flake", () => {
  it("evaluates each host's systemPackages, reports a shared package once for both hosts, points at flake.lock, and tracks runs", async () => {
    const fake = join(dir, "fake-nixpkgs");
    await mkdir(fake);
    await writeFile(join(fake, "CVE-2024-0727.patch"), "--- a\n+++ b\n");
    await writeFile(join(fake, "pkgs.nix"), PKGS_NIX);
    await writeFile(join(fake, "flake.nix"), `{ outputs = { self }: { legacyPackages.x86_64-linux = import ./pkgs.nix; }; }\n`);
    const repo = join(dir, "repo");
    await mkdir(repo);
    await writeFile(
      join(repo, "flake.nix"),
      `{
  inputs.nixpkgs.url = "path:${fake}";
  outputs = { self, nixpkgs }: let pkgs = nixpkgs.legacyPackages.x86_64-linux; in {
    nixosConfigurations.web1 = { config.environment.systemPackages = [ pkgs.openssl pkgs.curl pkgs.sudo pkgs.flex ]; };
    nixosConfigurations.web2 = { config.environment.systemPackages = [ pkgs.openssl pkgs.curlNew ]; };
  };
}
`,
    );
    await writeFile(join(repo, "vulnix-whitelist.toml"), WHITELIST);
    const git = (...args: string[]) => execFileSync("git", ["-C", repo, ...args], { encoding: "utf8", timeout: 30_000, env: { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t" } });
    git("init", "-q");
    git("add", "-A");
    execFileSync("nix", ["--extra-experimental-features", "nix-command flakes", "flake", "lock", repo], { timeout: 120_000, stdio: "pipe" });
    git("add", "-A");
    git("commit", "-qm", "hosts");

    const r = cli(["vulns", "--flake", repo, "--advisories", cachePath, "--format", "json"]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as VulnReport;
    expect(report.hosts).toEqual(["web1", "web2"]);
    expectPlanted(report);
    const openssl = report.findings.find((f) => f.optionPath === "packages.openssl")!;
    expect(openssl.host).toEqual(["web1", "web2"]);
    expect(report.findings.find((f) => f.optionPath === "packages.curl")!.host).toEqual(["web1"]);
    expect(openssl.file).toBe("flake.lock");
    const lockLines = (await import("node:fs")).readFileSync(join(repo, "flake.lock"), "utf8").split("\n");
    expect(lockLines[openssl.line - 1]).toMatch(/^\s*"nixpkgs": \{/);
    expect(openssl.fix!.description).toMatch(/nix flake lock --update-input nixpkgs/);
    expect(report.tracking.web1).toMatchObject({ new: ["curl CVE-2023-46218", "curl CVE-2023-46219", "openssl CVE-2024-2511"] });

    // A second run compares with the first; an exception in .nix-warden.yaml suppresses curl.
    await writeFile(join(repo, ".nix-warden.yaml"), `exceptions:\n  - rule: vulnerable-package\n    option: packages.curl\n    reason: curl is only used against our own mirror\n`);
    const again = JSON.parse(cli(["vulns", "--flake", repo, "--host", "web1", "--advisories", cachePath, "--format", "json"]).stdout) as VulnReport;
    expect(again.findings.map((f) => f.optionPath)).toEqual(["packages.openssl"]);
    expect(again.suppressed.map((s) => s.suppressedBy.kind + " " + s.optionPath).sort()).toEqual(["config packages.curl", "config packages.sudo"]);
    expect(again.tracking.web1!.stillOpen).toEqual([{ key: "openssl CVE-2024-2511", since: expect.stringMatching(/^\d{4}-\d\d-\d\d$/) }]);
    expect(again.tracking.web1!.previousRun).toBeDefined();

    // Attack: the repository's whitelist is a symlink to a file outside it (here one that would
    // whitelist everything). It is not read, and the report says why.
    const outside = join(dir, "outside.toml");
    await writeFile(outside, `["openssl"]\ncomment = "planted outside the repository"\n`);
    await rm(join(repo, "vulnix-whitelist.toml"));
    await symlink(outside, join(repo, "vulnix-whitelist.toml"));
    const linked = JSON.parse(cli(["vulns", "--flake", repo, "--host", "web1", "--advisories", cachePath, "--format", "json", "--no-track"]).stdout) as VulnReport;
    expect(linked.findings.map((f) => f.optionPath)).toContain("packages.openssl");
    expect(JSON.stringify(linked)).not.toContain("planted outside the repository");
    expect(linked.errors.map((e) => e.message)).toContainEqual(expect.stringMatching(/vulnix-whitelist\.toml is not a regular file/));
    await rm(join(repo, "vulnix-whitelist.toml"));
    await writeFile(join(repo, "vulnix-whitelist.toml"), WHITELIST);

    // scan --vulns: the same findings inside the SecurityReport, from the user's cache.
    await copyFile(cachePath, join(await cacheDir("advisories"), "nvd.cache"));
    const scan = cli(["scan", repo, "--vulns", "--format", "json"]);
    const sec = JSON.parse(scan.stdout) as SecurityReport;
    expect(sec.findings.filter((f) => f.category === "vulnerability" && f.ruleId === "vulnerable-package").map((f) => f.optionPath)).toEqual(["packages.openssl"]);
    expect(sec.summary.byCategory.vulnerability).toBeGreaterThanOrEqual(1);
    expect((sec.inventory.vulnerabilities as { advisories: { status: string } }).advisories.status).toBe("ok");
  }, 240_000);
});
