// Attacks of the adversarial run that nix-warden already withstood, kept so they stay withstood:
// a repository of bad files (empty, binary, invalid UTF-8, 100,000-deep nesting, symlink loops, a
// FIFO), 20,000 files, and 50 concurrent MCP calls. Each runs the built CLI or the built server
// over stdio with the SDK client, with a time bound: the attack is a crash or a hang, so the test
// checks the process ended by itself, in time, with the report it owes (an error entry per bad
// file, the findings of the good ones). Hostile names in the generated scripts are kept by
// test/report/patch-injection.test.ts ("scripts with hostile names"), symlink loops in a git
// repository by test/scan/discover.test.ts, FIFOs by test/scan/budget.test.ts.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CallToolResultSchema, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { describe, expect, it } from "vitest";
import { ALL_RULES } from "../../src/rules/index.js";
import { CLI, connect, linkedReport, tempDir, workspace } from "../mcp/helpers.js";

interface Report {
  errors: Array<{ source: string; file?: string; message: string }>;
  findings: Array<{ file: string; ruleId: string; line?: number }>;
  suppressed: Array<{ file: string; ruleId: string; line?: number; suppressedBy: { kind: string } }>;
}

/** The built CLI with a hard time bound: a hang is a failure (signal set), not a slow test. */
function run(args: string[], timeoutMs: number, cwd?: string) {
  const t = performance.now();
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: "utf8", timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, ms: performance.now() - t };
}

const FLAKE = `{ outputs = { self, nixpkgs }: { nixosConfigurations.web = nixpkgs.lib.nixosSystem { modules = [ ./configuration.nix ]; }; }; }\n`;
const CONFIG = `{ ... }: { networking.firewall.enable = false; }\n`;

/** A repository holding every bad file of the run next to a good one. */
function hostileRepository(root: string): void {
  writeFileSync(join(root, "flake.nix"), FLAKE);
  writeFileSync(join(root, "configuration.nix"), CONFIG);
  writeFileSync(join(root, "empty.nix"), "");
  writeFileSync(join(root, "bin.nix"), Buffer.from([0x00, 0x01, 0x02, 0x62, 0x69, 0x6e, 0xff, 0x00]));
  // Latin-1 bytes and lone continuation bytes in a comment; the setting after them still counts.
  writeFileSync(join(root, "latin1.nix"), Buffer.concat([Buffer.from("{ ... }: { # caf"), Buffer.from([0xe9, 0x20, 0xff, 0xfe, 0x80]), Buffer.from('\n  services.openssh.settings.PermitRootLogin = "yes";\n}\n')]));
  writeFileSync(join(root, "deep.nix"), `{ x = ${"[".repeat(100_000)}${"]".repeat(100_000)}; }\n`);
  writeFileSync(join(root, "deep-parens.nix"), `${"(".repeat(100_000)}1${")".repeat(100_000)}\n`);
  symlinkSync("self.nix", join(root, "self.nix"));
  symlinkSync("ping.nix", join(root, "pong.nix"));
  symlinkSync("pong.nix", join(root, "ping.nix"));
  mkdirSync(join(root, "d"));
  symlinkSync("..", join(root, "d", "up"));
  execFileSync("mkfifo", [join(root, "pipe.nix")], { timeout: 5_000 });
}

function checkHostileReport(report: Report): void {
  const errorOf = (file: string) => report.errors.find((e) => e.file === file)?.message;
  expect(errorOf("empty.nix")).toMatch(/does not parse/);
  expect(errorOf("bin.nix")).toMatch(/binary/);
  expect(errorOf("deep.nix")).toMatch(/nested more than \d+ levels/);
  expect(errorOf("deep-parens.nix")).toMatch(/nested more than \d+ levels/);
  for (const loop of ["self.nix", "ping.nix", "pong.nix"]) expect(errorOf(loop)).toMatch(/ELOOP/);
  // The FIFO is never opened (opening one blocks), and the directory loop is not walked into.
  expect(report.errors.some((e) => e.file === "pipe.nix" && !/not a regular file|skipped/.test(e.message))).toBe(false);
  expect(report.errors.some((e) => e.file?.startsWith("d/up/"))).toBe(false);
  expect(report.findings.filter((f) => f.file.startsWith("d/up/"))).toEqual([]);
  // Invalid UTF-8 is neither an error nor a reason to miss the setting after it.
  expect(errorOf("latin1.nix")).toBeUndefined();
  // No host imports latin1.nix: its finding is listed as dead code (suppressed, kind "unused").
  expect(report.suppressed).toContainEqual(expect.objectContaining({ file: "latin1.nix", ruleId: "ssh-permit-root-login", line: 2, suppressedBy: expect.objectContaining({ kind: "unused" }) }));
  expect(report.findings).toContainEqual(expect.objectContaining({ file: "configuration.nix", ruleId: "firewall-disabled" }));
}

describe("held: a repository of bad files", () => {
  it("scan (CLI) reports an error entry per bad file, the findings of the good ones, and ends in bounded time", async () => {
    const root = await tempDir("nw-held-");
    hostileRepository(root);
    const r = run(["scan", "--quick", "--format", "json", root], 60_000);
    expect(r.signal, r.stderr).toBeNull();
    // 0 or 1 (findings at the --fail-on level); 2 would be a usage or internal error.
    expect([0, 1], r.stderr).toContain(r.code);
    checkHostileReport(JSON.parse(r.stdout) as Report);
    expect(r.ms).toBeLessThan(30_000);
  });

  it("parse (CLI) of 100,000-deep nesting, an empty file, binary bytes and invalid UTF-8: a diagnostic, no stack overflow", async () => {
    const root = await tempDir("nw-held-");
    hostileRepository(root);
    for (const file of ["deep.nix", "deep-parens.nix", "empty.nix", "bin.nix", "latin1.nix"]) {
      const r = run(["parse", join(root, file)], 30_000);
      expect(r.signal, `${file}: ${r.stderr}`).toBeNull();
      expect(r.stderr, file).not.toMatch(/RangeError|Maximum call stack|at .*\.js:\d+/);
      expect([0, 1], `${file}: ${r.stderr}`).toContain(r.code);
    }
  });

  it("security_scan (MCP over stdio) of the same repository answers, and the server keeps serving", async () => {
    const root = await tempDir("nw-held-");
    hostileRepository(root);
    const c = await connect({ cwd: root });
    const r = (await c.client.callTool({ name: "security_scan", arguments: { path: root } }, CallToolResultSchema, { timeout: 60_000 })) as CallToolResult;
    expect(r.isError, JSON.stringify(r.content).slice(0, 300)).toBeFalsy();
    checkHostileReport((await linkedReport(c.client, r)) as Report);
    expect((await c.client.listTools()).tools.length).toBeGreaterThan(0);
  });
});

describe("held: 20,000 files", () => {
  // About 5 s here (2 shared cores); the bound is for a hang or a quadratic walk, not a benchmark.
  it("scan (CLI) walks 20,000 tiny .nix files in a git repository and finds the first and the last", async () => {
    const root = await tempDir("nw-held-20k-");
    writeFileSync(join(root, "flake.nix"), FLAKE);
    writeFileSync(join(root, "configuration.nix"), "{ ... }: { }\n");
    // One write after another: on the tmpfs the tests' TMPDIR is on (test/global-setup.ts) that costs
    // a fifth of the CPU of 200 directories written side by side through libuv's threads.
    for (let d = 0; d < 200; d++) {
      mkdirSync(join(root, "m", `d${d}`), { recursive: true });
      for (let i = 0; i < 100; i++) writeFileSync(join(root, "m", `d${d}`, `f${i}.nix`), "{ }\n");
    }
    writeFileSync(join(root, "m", "d0", "f0.nix"), CONFIG);
    writeFileSync(join(root, "m", "d199", "f99.nix"), '{ ... }: { services.openssh.settings.PermitRootLogin = "yes"; }\n');
    const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=T", "-c", "user.email=t@example.org", "-c", "init.defaultBranch=main", ...args], { cwd: root, stdio: "pipe", timeout: 60_000 });
    git("init", "-q");
    git("add", "-A");
    git("commit", "-qm", "20,000 files");
    const r = run(["scan", "--quick", "--format", "json", root], 90_000);
    expect(r.signal, r.stderr).toBeNull();
    const report = JSON.parse(r.stdout) as Report;
    expect(report.errors).toEqual([]);
    // No host imports them: both are listed as dead code, which still means both were read.
    expect([...report.findings, ...report.suppressed].map((f) => `${f.file} ${f.ruleId}`)).toEqual(expect.arrayContaining(["m/d0/f0.nix firewall-disabled", "m/d199/f99.nix ssh-permit-root-login"]));
    expect(r.ms).toBeLessThan(60_000);
  }, 120_000);
});

describe("held: 50 concurrent MCP calls", () => {
  it("answers every one of 50 calls sent at once (scans, host lists, rule explanations), each with its own answer", async () => {
    const { repo } = await workspace();
    const c = await connect({ cwd: repo });
    const call = (name: string, args: Record<string, unknown>) =>
      c.client.callTool({ name, arguments: args }, CallToolResultSchema, { timeout: 120_000 }) as Promise<CallToolResult & { structuredContent?: Record<string, unknown> }>;
    // The answers one at a time, to compare the concurrent ones with.
    const soloScan = await linkedReport(c.client, await call("security_scan", { path: repo }));
    const soloHosts = (await call("list_hosts", { path: repo })).structuredContent;
    const ruleIds = ALL_RULES.map((r) => r.id);

    const jobs: Array<{ kind: string; ruleId?: string; p: Promise<CallToolResult & { structuredContent?: Record<string, unknown> }> }> = [];
    for (let i = 0; i < 50; i++) {
      if (i % 5 === 0) jobs.push({ kind: "scan", p: call("security_scan", { path: repo }) });
      else if (i % 5 === 1) jobs.push({ kind: "hosts", p: call("list_hosts", { path: repo }) });
      else {
        const ruleId = ruleIds[i % ruleIds.length]!;
        jobs.push({ kind: "rule", ruleId, p: call("explain_rule", { ruleId }) });
      }
    }
    const t = performance.now();
    const answers = await Promise.all(jobs.map((j) => j.p));
    expect(performance.now() - t).toBeLessThan(100_000);
    for (const [i, j] of jobs.entries()) {
      const a = answers[i]!;
      expect(a.isError, `${j.kind} #${i}: ${JSON.stringify(a.content).slice(0, 200)}`).toBeFalsy();
      if (j.kind === "scan") {
        const report = (await linkedReport(c.client, a)) as Report;
        expect(report.findings).toEqual((soloScan as Report).findings);
      } else if (j.kind === "hosts") {
        expect(a.structuredContent).toEqual(soloHosts);
      } else {
        expect((a.structuredContent as { rules: Array<{ id: string }> }).rules.map((r) => r.id)).toEqual([j.ruleId]);
      }
    }
    expect(c.stderr()).not.toMatch(/Unhandled|TypeError|RangeError/);
  }, 150_000);
});
