// The scheduled run as the timer starts it: the bundled example repository (security) and the
// recorded example machine (drift), several runs into one history directory. The first run is the
// real built CLI in its own process; the others run the same command in this process (runCli).
import { chmod, cp, lstat, mkdtemp, readFile, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXAMPLE_DIR, prepareExample, type ExampleWorkspace } from "../../src/drift/demo.js";
import { readHistory } from "../../src/history/store.js";
import { cli, runCli } from "../helpers/cli.js";

const HOMELAB = join(import.meta.dirname, "..", "..", "examples", "homelab");
const DECLARED = join(EXAMPLE_DIR, "declared.json");

let tmp: string;
let ws: ExampleWorkspace;
let out: string;
let hook: string;
let hookLog: string;

/** A notify hook that records its arguments, one JSON line per call. */
async function writeHook(dir: string): Promise<void> {
  hook = join(dir, "notify-hook");
  hookLog = join(dir, "hook.log");
  await writeFile(hook, `#!${process.execPath}\nrequire("node:fs").appendFileSync(${JSON.stringify(hookLog)}, JSON.stringify({ argv: process.argv.slice(2), host: process.env.NIX_WARDEN_HOST, kind: process.env.NIX_WARDEN_KIND }) + "\\n");\n`);
  await chmod(hook, 0o755);
}

async function hookCalls(): Promise<Array<{ argv: string[]; host: string; kind: string }>> {
  try {
    return (await readFile(hookLog, "utf8")).trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
  } catch {
    return [];
  }
}

function driftArgs(threshold: string, extra: string[] = []): string[] {
  return ["run", "--flake", ws.repo, "--host", "web1", "--drift", "--root", ws.root, "--declared", DECLARED, "--output-dir", out, "--alert-threshold", threshold, "--notify", hook, ...extra];
}

function driftRun(threshold: string) {
  return runCli(driftArgs(threshold));
}

async function editRoot(file: string, edit: (text: string) => string): Promise<void> {
  const path = join(ws.root, file);
  await writeFile(path, edit(await readFile(path, "utf8")));
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "nw-history-"));
  out = join(tmp, "history");
  ws = await prepareExample();
  await writeHook(tmp);
});

afterAll(async () => {
  await ws?.cleanup();
  await rm(tmp, { recursive: true, force: true });
});

describe("nix-warden run (drift, as the timer starts it) and nix-warden history", () => {
  it("run 1: writes the report, the history entry, drift-metrics.json and the textfile; critical drift fires the hook at threshold critical", async () => {
    // The one run here in its own process, as the timer starts it; the others run in this process.
    const r = cli(driftArgs("critical"));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const reports = await readdir(join(out, "reports"));
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(/^\d{8}T\d{9}Z-web1-drift\.json$/);
    const report = JSON.parse(await readFile(join(out, "reports", reports[0]!), "utf8"));
    expect(report.items.filter((i: { severity: string }) => i.severity === "critical").map((i: { subject: string }) => i.subject).sort()).toEqual(["mallory", "mallory in wheel"]);

    const { entries } = await readHistory(out);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ host: "web1", kind: "drift", ok: true, total: report.items.length, alerted: true, score: null });
    expect(entries[0]!.bySeverity.critical).toBe(2);

    // The hook got exactly one argument, the report's path, and no shell was involved.
    const calls = await hookCalls();
    expect(calls).toEqual([{ argv: [join(out, "reports", reports[0]!)], host: "web1", kind: "drift" }]);
    expect((await lstat(join(out, "nix-warden.prom"))).mode & 0o777).toBe(0o644);
    expect((await lstat(join(out, "reports", reports[0]!))).mode & 0o777).toBe(0o600);
  });

  it("run 2: mallory removed, no critical drift left: the hook does not fire at threshold critical", async () => {
    await editRoot("etc/passwd", (t) => t.replace(/^mallory:.*\n/m, ""));
    await editRoot("etc/group", (t) => t.replace("alice,mallory", "alice"));
    const r = await driftRun("critical");
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("notified");
    expect(await hookCalls()).toHaveLength(1);
    const { entries } = await readHistory(out);
    expect(entries).toHaveLength(2);
    expect(entries[1]).toMatchObject({ alerted: false, ok: true });
    expect(entries[1]!.bySeverity.critical).toBe(0);
    expect(entries[1]!.bySeverity.high).toBeGreaterThan(0);
  });

  it("run 3: the same machine at threshold high fires (high drift is at the threshold)", async () => {
    await editRoot("etc/passwd", (t) => t + "eve:x:1003:100::/home/eve:/run/current-system/sw/bin/bash\n");
    const r = await driftRun("high");
    expect(r.code).toBe(0);
    const calls = await hookCalls();
    expect(calls).toHaveLength(2);
    expect(calls[1]!.argv[0]).toMatch(/-web1-drift\.json$/);
  });

  it("history shows the trend, what is new since the last run (eve, high) and no made-up rate over minutes", async () => {
    const r = await runCli(["history", "--dir", out, "--host", "web1"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("drift · web1 · 3 run(s)");
    expect(r.stdout).toMatch(/trend {2}[▁-█]{3} {2}\(26 -> 2\d\)/);
    expect(r.stdout).toMatch(/new since the previous run: 1 \(high: 1\)\n {4}- \[high\] eve/);
    expect(r.stdout).toMatch(/fixed since the previous run: 0/);
    // Three runs within seconds: no per-day rate is made up from them (test/history/trend.test.ts has one).
    expect(r.stdout).toMatch(/drift rate: the runs span \d+ minute\(s\); a rate needs at least an hour/);

    const json = JSON.parse((await runCli(["history", "--dir", out, "--format", "json"])).stdout);
    const s = json.series[0];
    // Each run includes the example checkout's untracked hosts/web2.nix, which no host imports.
    expect(s.runs.map((x: { total: number }) => x.total)).toEqual([26, 24, 25]);
    expect(s.newSinceLast).toHaveLength(1);

    // Between run 1 and run 2 mallory's two items were fixed: --since after run 1 keeps runs 2..3 only.
    const since = json.series[0].runs[1].time;
    const later = JSON.parse((await runCli(["history", "--dir", out, "--since", since, "--format", "json"])).stdout);
    expect(later.series[0].runs).toHaveLength(2);

    const md = (await runCli(["history", "--dir", out, "--format", "markdown"])).stdout;
    expect(md).toContain("```mermaid\nxychart-beta");
    expect(md).toContain("line [26, 24, 25]");
  });

  it("the textfile parses as Prometheus exposition format and carries the numbers of drift-metrics.json and the index", async () => {
    const text = await readFile(join(out, "nix-warden.prom"), "utf8");
    const families = parsePrometheusTextFormat(text);
    const byName = new Map(families.map((f) => [f.name, f]));
    expect([...byName.keys()].sort()).toEqual(["nix_warden_drift_items", "nix_warden_drift_items_by_severity", "nix_warden_last_run_timestamp_seconds"]);
    for (const f of families) {
      expect(f.type).toBe("GAUGE");
      expect(f.help).not.toBe("");
      for (const m of f.metrics) expect(Number.isFinite(Number(m.value)), `${f.name} ${m.value}`).toBe(true);
    }
    const metrics = JSON.parse(await readFile(join(out, "drift-metrics.json"), "utf8"));
    const drift = byName.get("nix_warden_drift_items")!;
    for (const m of drift.metrics) {
      expect(m.labels.host).toBe("web1");
      expect(Number(m.value)).toBe(metrics.byCategory[m.labels.category]);
    }
    expect(drift.metrics.reduce((n, m) => n + Number(m.value), 0)).toBe(25);
    const { entries } = await readHistory(out);
    const last = byName.get("nix_warden_last_run_timestamp_seconds")!.metrics[0]!;
    expect(last.labels).toEqual({ host: "web1", kind: "drift" });
    expect(Number(last.value)).toBe(Math.floor(Date.parse(entries.at(-1)!.time) / 1000));
  });
});

describe("nix-warden run (security scans of the example repository)", () => {
  let repo: string;
  let secOut: string;
  beforeAll(async () => {
    repo = join(tmp, "homelab");
    secOut = join(tmp, "sec-history");
    await cp(HOMELAB, repo, { recursive: true });
  });

  it("two scans of nas: findings and score in the textfile, a fixed finding shows as fixed", async () => {
    const first = await runCli(["run", "--flake", repo, "--host", "nas", "--security", "--quick", "--output-dir", secOut, "--textfile-dir", join(tmp, "textfiles")]);
    expect(first.code).toBe(0);
    const { entries } = await readHistory(secOut);
    expect(entries[0]).toMatchObject({ kind: "security", host: "nas", ok: true });
    expect(typeof entries[0]!.score).toBe("number");

    // Fix one finding in the repository: drop the first finding's line from its file.
    const report = JSON.parse(await readFile(join(secOut, entries[0]!.report), "utf8"));
    const target = report.findings.find((f: { ruleId: string; file: string }) => f.file.endsWith(".nix") && /password|secret/i.test(f.ruleId)) ?? report.findings[0];
    const file = join(repo, target.file);
    const lines = (await readFile(file, "utf8")).split("\n");
    lines[target.line - 1] = "";
    await writeFile(file, lines.join("\n"));

    const second = await runCli(["run", "--flake", repo, "--host", "nas", "--security", "--quick", "--output-dir", secOut, "--textfile-dir", join(tmp, "textfiles")]);
    expect(second.code).toBe(0);
    const json = JSON.parse((await runCli(["history", "--dir", secOut, "--format", "json"])).stdout);
    expect(json.series).toHaveLength(1);
    expect(json.series[0].fixedSinceLast).toContain(target.id);

    const prom = parsePrometheusTextFormat(await readFile(join(tmp, "textfiles", "nix-warden.prom"), "utf8"));
    const findings = prom.find((f) => f.name === "nix_warden_findings")!;
    const latest = (await readHistory(secOut)).entries.at(-1)!;
    for (const m of findings.metrics) expect(Number(m.value)).toBe(latest.bySeverity[m.labels.severity!]);
    const score = prom.find((f) => f.name === "nix_warden_score")!;
    expect(score.metrics).toEqual([{ labels: { host: "nas" }, value: String(latest.score) }]);
  });

  it("a remote flake reference for --security is an error entry, not a crash", async () => {
    const r = await runCli(["run", "--flake", "github:example/nowhere", "--host", "nas", "--security", "--output-dir", join(tmp, "remote")]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("must be a local directory");
  });
});

describe("nix-warden run: what it refuses", () => {
  it("--notify with arguments (a shell-style string) is a usage error: hooks are programs, not command lines", async () => {
    const r = await runCli(["run", "--flake", HOMELAB, "--security", "--output-dir", join(tmp, "x"), "--notify", "sh -c 'touch /tmp/pwned'"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--notify takes a program");
  });

  it("a symlink planted at the textfile's name is replaced, not written through", async () => {
    const dir = join(tmp, "planted");
    const victim = join(tmp, "victim.txt");
    await writeFile(victim, "untouched\n");
    const textfiles = join(dir, "textfiles");
    await cp(HOMELAB, join(dir, "repo"), { recursive: true });
    await import("node:fs/promises").then((fs) => fs.mkdir(textfiles, { recursive: true }));
    await symlink(victim, join(textfiles, "nix-warden.prom"));
    const r = await runCli(["run", "--flake", join(dir, "repo"), "--host", "nas", "--security", "--quick", "--output-dir", join(dir, "out"), "--textfile-dir", textfiles]);
    expect(r.code).toBe(0);
    expect(await readFile(victim, "utf8")).toBe("untouched\n");
    expect((await lstat(join(textfiles, "nix-warden.prom"))).isFile()).toBe(true);
  });

  it("a history index that is a symlink is refused (nothing appended through it)", async () => {
    const dir = join(tmp, "linked");
    const victim = join(tmp, "victim2.txt");
    await writeFile(victim, "untouched\n");
    await import("node:fs/promises").then((fs) => fs.mkdir(dir, { recursive: true, mode: 0o700 }));
    await symlink(victim, join(dir, "history.jsonl"));
    const r = await runCli(["run", "--flake", HOMELAB, "--host", "nas", "--security", "--quick", "--output-dir", dir]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("symbolic link");
    expect(await readFile(victim, "utf8")).toBe("untouched\n");
  });

  it("an output directory writable by others is refused", async () => {
    const dir = join(tmp, "shared");
    await import("node:fs/promises").then((fs) => fs.mkdir(dir, { recursive: true }));
    await chmod(dir, 0o777);
    const r = await runCli(["run", "--flake", HOMELAB, "--host", "nas", "--security", "--quick", "--output-dir", dir]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("writable by group or others");
  });
});
