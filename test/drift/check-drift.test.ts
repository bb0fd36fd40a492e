// The whole check: the example configuration against the example machine (drift in every category)
// and against a machine that matches it (nothing to report); the CLI's outputs and exit codes; the demo.
import { execFileSync } from "node:child_process";
import { cp, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { run as cli } from "../../src/cli/drift.js";
import { UsageError } from "../../src/cli/args.js";
import { prepareExample, runDriftDemo, runExampleCheck, type ExampleWorkspace } from "../../src/drift/demo.js";
import { checkDrift } from "../../src/drift/index.js";
import { DriftReportX } from "../../src/drift/model.js";
import { DriftReport, DRIFT_CATEGORIES } from "../../src/report/schema.js";
import { materializeRoot } from "../../src/drift/root-spec.js";
import { nixAvailable } from "../helpers/nix.js";
import { EXAMPLE, exampleDeclared, fixture, makeRoot, tempDir } from "./helpers.js";

const ENV = { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.invalid", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.invalid", GIT_CONFIG_GLOBAL: "/dev/null" };
let ws: ExampleWorkspace | undefined;
afterEach(async () => {
  await ws?.cleanup();
  ws = undefined;
  vi.restoreAllMocks();
});

describe.skipIf(!nixAvailable)("checkDrift on the example machine", () => {
  it("finds drift in every category, each with evidence, a cause where one is known, and remediation", async () => {
    ws = await prepareExample();
    const r = await runExampleCheck(ws);
    expect(DriftReportX.safeParse(r).success).toBe(true);
    expect(DriftReport.safeParse(r).success).toBe(true); // the DESIGN.md contract
    expect(r.errors).toEqual([]);
    expect(r.declaredFrom).toBe(`${ws.repo}#nixosConfigurations.web1`);
    expect(Object.keys(r.summary.byCategory).sort()).toEqual([...DRIFT_CATEGORIES].sort());
    const subjects = r.items.map((i) => `${i.category}:${i.subject}:${i.severity}`);
    for (const s of [
      "group:mallory in wheel:critical",
      "user:mallory:critical",
      "package:htop-3.3.0:high",
      "package:cowsay-3.7.0:high",
      "service:redis-imperative.service:high",
      "service:logrotate.service:high",
      "service:adhoc-http.service:medium",
      "service-config:prometheus-node-exporter.service:high",
      "file:/etc/hosts:high",
      "file:/etc/backup.conf:medium",
      "network:listening tcp 0.0.0.0:6379:high",
      "network:nameservers:low",
      "mount:/mnt/backup:medium",
      "generation:current-system:high",
      "git:uncommitted changes:high",
      "git:untracked files:high",
      "git:configuration revision:high",
    ])
      expect(subjects).toContain(s);
    expect(r.items.every((i) => i.evidence.length > 0 && i.remediation.length > 0)).toBe(true);
    // Only what leaves no trace on the machine lacks a cause.
    expect(r.items.filter((i) => !i.cause).map((i) => i.subject).sort()).toEqual(["booted-system", "configuration revision", "no upstream"]);
    // Every safe reversion is guarded, so the script can run twice.
    for (const i of r.items) for (const x of i.remediation) if (x.strategy === "revert" && x.safety === "auto") expect(x.guard).toBeDefined();
    // Sorted by severity.
    const ranks = r.items.map((i) => ["low", "medium", "high", "critical"].indexOf(i.severity));
    expect(ranks).toEqual([...ranks].sort((a, b) => b - a));
  });

  it("reports nothing for a machine that matches its configuration (clean, pushed repository)", async () => {
    const base = await tempDir();
    const root = join(base, "root");
    await materializeRoot(fixture("roots", "clean"), root);
    const repo = join(base, "nixos");
    const remote = join(base, "remote.git");
    await cp(join(EXAMPLE, "flake"), repo, { recursive: true });
    execFileSync("git", ["init", "-q", "--bare", "-b", "main", remote], { env: ENV });
    for (const args of [["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "x"], ["remote", "add", "origin", remote], ["push", "-q", "-u", "origin", "main"]]) execFileSync("git", ["-C", repo, ...args], { env: ENV, stdio: "ignore" });
    const r = await checkDrift({ flake: repo, root });
    expect(r.errors).toEqual([]);
    expect(r.items.map((i) => `${i.category}:${i.subject}: ${i.evidence}`)).toEqual([]);
    expect(r.drifted).toBe(false);
    expect(r.host).toBe("web1"); // from the root's hostname
  });
});

describe.skipIf(!nixAvailable)("examples/drift/declared.json", () => {
  it("is exactly what the extractor produces for the example host (the demo's fallback without Nix)", async () => {
    ws = await prepareExample();
    const { evalDeclared } = await import("../../src/drift/declared/eval.js");
    expect((await evalDeclared(ws.repo, "web1")).value).toEqual(exampleDeclared());
  });
});

describe("checkDrift with a declared state from a file", () => {
  it("works without Nix, filters by --alert-threshold and applies exceptions", async () => {
    ws = await prepareExample();
    await cp(join(EXAMPLE, "declared.json"), join(ws.dir, "declared.json"));
    const { writeFile } = await import("node:fs/promises");
    await writeFile(join(ws.repo, ".nix-warden.yaml"), 'drift:\n  ignore:\n    - category: package\n      subject: "*"\n      reason: "packages are reviewed elsewhere"\n');
    const r = await checkDrift({ flake: ws.repo, declaredFile: join(ws.dir, "declared.json"), root: ws.root, alertThreshold: "high" });
    expect(r.declaredFrom).toBe(join(ws.dir, "declared.json"));
    expect(r.items.every((i) => i.severity === "high" || i.severity === "critical")).toBe(true);
    expect(r.belowThreshold).toBeGreaterThan(0);
    expect(r.suppressed.map((i) => i.subject).sort()).toEqual(["cowsay-3.7.0", "htop-3.3.0", "ncdu-2.4"]);
    expect(r.items.some((i) => i.category === "package")).toBe(false);
    expect(exampleDeclared().hostName).toBe("web1");
  });
});

describe("nix-warden drift (CLI)", () => {
  it("writes the report, the script and the metrics, and exits 1 when drift reaches --fail-on", async () => {
    ws = await prepareExample();
    const out = join(ws.dir, "out");
    const logs: string[] = [];
    vi.spyOn(console, "log").mockImplementation((s: unknown) => void logs.push(String(s)));
    const code = await cli(["--flake", ws.repo, "--host", "web1", "--root", ws.root, "--declared", join(EXAMPLE, "declared.json"), "--format", "json", "--output-dir", out, "--fail-on", "critical"]);
    expect(code).toBe(1);
    const json = JSON.parse(logs.join("\n")) as DriftReportX;
    expect(json.host).toBe("web1");
    const md = await readFile(join(out, "drift-report.md"), "utf8");
    expect(md).toMatch(/^# Drift report: web1\n/);
    for (const h of ["## Executive summary", "## Items by severity", "### Critical", "## Recommended actions"]) expect(md).toContain(h);
    const script = await readFile(join(out, "remediation-script.sh"), "utf8");
    expect(script).toContain("set -euo pipefail");
    expect(script).toContain("nix-env -p /nix/var/nix/profiles/per-user/alice/profile -e htop-3.3.0");
    expect(script).not.toContain("userdel"); // alert-only reversions stay out
    expect((await stat(join(out, "remediation-script.sh"))).mode & 0o111).not.toBe(0);
    expect(execFileSync("bash", ["-n", join(out, "remediation-script.sh")]).toString()).toBe("");
    const metrics = JSON.parse(await readFile(join(out, "drift-metrics.json"), "utf8"));
    expect(metrics).toMatchObject({ schemaVersion: 1, host: "web1", drifted: true, bySeverity: { critical: 2 } });
    expect(metrics.total).toBe(json.summary.total);
    expect(metrics.matrix.package.high).toBe(3);
    expect(typeof metrics.durationMs).toBe("number");

    logs.length = 0;
    expect(await cli(["--flake", ws.repo, "--root", ws.root, "--declared", join(EXAMPLE, "declared.json"), "--alert-threshold", "critical"])).toBe(0);
    expect(logs.join("\n")).toMatch(/2 drift items: 2 critical, 0 high, 0 medium, 0 low \(\d+ below critical not shown\)/);
  });

  it("rejects bad arguments as usage errors", async () => {
    await expect(cli(["--format", "xml"])).rejects.toThrow(UsageError);
    await expect(cli(["--fail-on", "severe"])).rejects.toThrow(/--fail-on must be one of/);
    await expect(cli(["--eval-timeout=0"])).rejects.toThrow(/positive number/);
    await expect(cli(["stray"])).rejects.toThrow(UsageError);
  });

  it("exits 3 and shows the reason when the declared state cannot be had", async () => {
    const dir = await makeRoot({ files: { "etc/os-release": "ID=nixos\n", "etc/NIXOS": "" } });
    const errs: string[] = [];
    vi.spyOn(console, "log").mockImplementation(() => undefined);
    vi.spyOn(console, "error").mockImplementation((s: unknown) => void errs.push(String(s)));
    expect(await cli(["--declared", join(dir, "missing.json"), "--root", dir])).toBe(3);
    expect(errs.join("\n")).toMatch(/cannot read the declared state/);
  });
});

describe.skipIf(!nixAvailable)("the demo", () => {
  it("prints the example machine's drift in every category, fast", async () => {
    const logs: string[] = [];
    vi.spyOn(console, "log").mockImplementation((s: unknown) => void logs.push(String(s)));
    const started = performance.now();
    expect(await runDriftDemo()).toBe(0);
    expect(performance.now() - started).toBeLessThan(2000);
    const text = logs.join("\n");
    for (const c of DRIFT_CATEGORIES) expect(text).toContain(`] ${c}: `);
    expect(text).not.toMatch(/nix-warden-drift-demo-/); // temporary paths are shown as <demo>
  });
});
