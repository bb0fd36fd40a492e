// A file name is attacker-controlled text: a directory named
// `q\n--- a/victim.txt\n+++ b/victim.txt\n@@ -1 +1 @@\n-safe\n+pwned` once injected a hunk into every
// patch nix-warden wrote, and `patch -p1` then changed victim.txt. These tests perform that attack
// against the CLI (runCli, in this process) in a real git repository and apply every patch it produces with the
// real `patch` and `git apply`; and they check that ESC and CR in names never reach the terminal or
// markdown raw.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseUnifiedDiff } from "../../src/report/format.js";
import { diffHeaders, escapeControls, gitQuotePath, gitUnquotePath, shellWord } from "../../src/text/safe-text.js";
import { item, revert } from "../../src/drift/compare/common.js";
import { renderScript } from "../../src/drift/render/script.js";
import { unifiedDiff } from "../../src/text/diff.js";
import { renderPlanScript } from "../../src/remediate/script.js";
import { runCli } from "../helpers/cli.js";
import { driftReport } from "../helpers/drift-report.js";

const INJECT = "q\n--- a/victim.txt\n+++ b/victim.txt\n@@ -1 +1 @@\n-safe\n+pwned";
const ESC_DIR = "e\u001b[31mred\u001b]0;title\u0007";
const CR_DIR = "cr\rfake";
const SSH = '{ ... }:\n{\n  services.openssh.enable = true;\n  services.openssh.settings.PermitRootLogin = "yes";\n}\n';
const FIXED = 'services.openssh.settings.PermitRootLogin = "prohibit-password";';
const DIRS = [INJECT, ESC_DIR, CR_DIR, "sp ace", 'quo"te\\back'];

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.org", ...args], { cwd, stdio: "pipe", timeout: 30_000 }).toString();

// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u001b\r\u0007\u009b]/;

describe("patch injection through a file name (the CLI, real git, real patch)", () => {
  let base: string;
  let repo: string;

  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), "nw-inject-"));
    repo = join(base, "repo");
    mkdirSync(repo);
    git(repo, "init", "-q");
    for (const d of DIRS) {
      mkdirSync(join(repo, d), { recursive: true });
      writeFileSync(join(repo, d, "ssh.nix"), SSH);
    }
    writeFileSync(join(repo, "victim.txt"), "safe\n");
    git(repo, "add", "-A");
    git(repo, "commit", "-qm", "init");
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  /** Applies `patchFile` to a fresh clone with `patch -p1` and with `git apply`; returns each clone. */
  function applyBoth(patchFile: string): string[] {
    const clones: string[] = [];
    for (const tool of ["patch", "git-apply"] as const) {
      const clone = mkdtempSync(join(base, `${tool}-`));
      git(base, "clone", "-q", repo, clone);
      const r =
        tool === "patch"
          ? spawnSync("patch", ["-p1", "--batch", "--forward", "-i", patchFile], { cwd: clone, timeout: 30_000, encoding: "utf8" })
          : spawnSync("git", ["apply", patchFile], { cwd: clone, timeout: 30_000, encoding: "utf8" });
      expect(r.status, `${tool} ${patchFile}: ${r.stdout}${r.stderr}`).toBe(0);
      expect(readFileSync(join(clone, "victim.txt"), "utf8")).toBe("safe\n");
      clones.push(clone);
    }
    return clones;
  }

  /** Which of the hostile directories' ssh.nix a clone has fixed. */
  function fixedIn(clone: string): string[] {
    return DIRS.filter((d) => readFileSync(join(clone, d, "ssh.nix"), "utf8").includes(FIXED));
  }

  it("scan --output-dir: every patch file, and fix.patch in the JSON, leaves victim.txt alone and fixes its own file", async () => {
    const out = join(base, "scan-out");
    const r = await runCli(["scan", repo, "--quick", "--output-dir", out]);
    expect(r.code, r.stderr).toBe(0);
    const patchDir = join(out, "remediation-patches");
    const names = readdirSync(patchDir).filter((n) => n.endsWith(".patch"));
    expect(names).toHaveLength(DIRS.length);
    const fixed: string[] = [];
    for (const n of names) {
      for (const clone of applyBoth(join(patchDir, n))) {
        const f = fixedIn(clone);
        expect(f).toHaveLength(1);
        fixed.push(f[0]!);
      }
    }
    expect(new Set(fixed)).toEqual(new Set(DIRS));

    const report = JSON.parse(readFileSync(join(out, "security-issues.json"), "utf8")) as { findings: Array<{ file: string; fix?: { patch?: string } }> };
    const withPatch = report.findings.filter((f) => f.fix?.patch);
    expect(withPatch.map((f) => f.file).sort()).toEqual(DIRS.map((d) => `${d}/ssh.nix`).sort());
    for (const f of withPatch) {
      const file = join(base, `json-${withPatch.indexOf(f)}.patch`);
      writeFileSync(file, f.fix!.patch!);
      for (const clone of applyBoth(file)) expect(fixedIn(clone)).toEqual([f.file.slice(0, -"/ssh.nix".length)]);
    }
  });

  it("scan: the markdown report, the text report and the SARIF carry no raw ESC, CR or BEL", async () => {
    const out = join(base, "scan-out-2");
    const text = await runCli(["scan", repo, "--quick", "--output-dir", out]);
    expect(text.stdout).toContain("e\\x1b[31mred\\x1b]0;title\\x07/ssh.nix");
    expect(text.stdout).toContain("q\\n--- a/victim.txt");
    expect(text.stdout).not.toMatch(RAW_CONTROL);
    // No line of the terminal output starts with a header the name tried to forge.
    expect(text.stdout.split("\n").some((l) => l.startsWith("--- a/victim.txt"))).toBe(false);
    const md = readFileSync(join(out, "security-report.md"), "utf8");
    expect(md).not.toMatch(RAW_CONTROL);
    expect(md).toContain("cr\\rfake/ssh.nix");
    expect(md.split("\n").some((l) => l.startsWith("--- a/victim.txt") || l.startsWith("+pwned"))).toBe(false);
    const mdOut = await runCli(["scan", repo, "--quick", "--format", "markdown"]);
    expect(mdOut.stdout).not.toMatch(RAW_CONTROL);
    // SARIF is JSON: control characters are \u escapes in its text.
    expect(readFileSync(join(out, "security.sarif"), "utf8")).not.toMatch(RAW_CONTROL);
  });

  it("remediate --output-dir: every patch leaves victim.txt alone; the dry run shows no raw ESC or CR", async () => {
    const out = join(base, "remediate-out");
    const r = await runCli(["remediate", repo, "--output-dir", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(RAW_CONTROL);
    expect(r.stdout.split("\n").some((l) => l.startsWith("--- a/victim.txt") || l === "+pwned/ssh.nix:4)")).toBe(false);
    const patchDir = join(out, "remediation-patches");
    const names = readdirSync(patchDir).filter((n) => n.endsWith(".patch"));
    expect(names).toHaveLength(DIRS.length);
    const fixed = new Set<string>();
    for (const n of names) for (const clone of applyBoth(join(patchDir, n))) fixedIn(clone).forEach((d) => fixed.add(d));
    expect(fixed).toEqual(new Set(DIRS));
    execFileSync("bash", ["-n", join(out, "remediation-script.sh")], { timeout: 10_000 });
  });
});

describe("git-style path quoting", () => {
  it("quotes as git does and reads back what it wrote", () => {
    expect(gitQuotePath("a/plain/file.nix")).toBe("a/plain/file.nix");
    expect(gitQuotePath("a/sp ace.nix")).toBe("a/sp ace.nix");
    expect(gitQuotePath(`a/${INJECT}`)).toBe('"a/q\\n--- a/victim.txt\\n+++ b/victim.txt\\n@@ -1 +1 @@\\n-safe\\n+pwned"');
    expect(gitQuotePath('a/e\u001b"\\\u00fc\u007f')).toBe('"a/e\\033\\"\\\\\\303\\274\\177"');
    for (const name of [INJECT, ESC_DIR, CR_DIR, 'quo"te\\back', "\u00e9t\u00e9/\u202e.nix", "tab\there"]) {
      expect(gitUnquotePath(gitQuotePath(name) + "\tx")).toEqual({ path: name, rest: "\tx" });
    }
    expect(gitUnquotePath('"unterminated')).toBeUndefined();
    expect(gitUnquotePath('"bad \\q escape"')).toBeUndefined();
    expect(gitUnquotePath('"\\377"')).toBeUndefined();
  });

  it("writes the same headers as git diff for hostile names", () => {
    const dir = mkdtempSync(join(tmpdir(), "nw-gitquote-"));
    try {
      git(dir, "init", "-q");
      const names = ["sp ace/f.nix", `${INJECT}/f.nix`, "t\tab\u001b.nix", "\u00fc.nix"];
      for (const n of names) {
        mkdirSync(join(dir, n, ".."), { recursive: true });
        writeFileSync(join(dir, n), "a\n");
      }
      git(dir, "add", "-A");
      git(dir, "commit", "-qm", "i");
      for (const n of names) {
        writeFileSync(join(dir, n), "b\n");
        const theirs = git(dir, "-c", "core.quotePath=true", "diff", "--", n).split("\n").filter((l) => /^(diff --git|---|\+\+\+) /.test(l));
        const ours = unifiedDiff(n, "a\n", "b\n").split("\n").filter((l) => /^(diff --git|---|\+\+\+) /.test(l));
        expect(ours).toEqual(theirs);
        git(dir, "checkout", "-q", "--", n);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("parseUnifiedDiff reads quoted names and counts hunk lines", () => {
    const files = parseUnifiedDiff(unifiedDiff(`${INJECT}/f.nix`, "a\n-- x\n", "b\n-- x\n"));
    expect(files).toHaveLength(1);
    expect(files[0]!.oldPath).toBe(`${INJECT}/f.nix`);
    expect(files[0]!.newPath).toBe(`${INJECT}/f.nix`);
    // A removed line `-- y` is written `--- y`: part of the hunk, not a new file.
    const removal = parseUnifiedDiff(unifiedDiff("f.nix", "-- y\nz\n", "z\n"));
    expect(removal).toHaveLength(1);
    expect(removal[0]!.hunks[0]!.removed).toEqual(["-- y"]);
    expect(diffHeaders("new.nix", true)).toBe("diff --git a/new.nix b/new.nix\nnew file mode 100644\n--- /dev/null\n+++ b/new.nix\n");
  });

  it("escapes control characters for terminals and shells", () => {
    expect(escapeControls("a\u001b[2Jb\rc\nd\u009b\u202e")).toBe("a\\x1b[2Jb\\rc\\nd\\x9b\\u202e");
    expect(escapeControls("l1\nl2\tx\u001b", "\n\t")).toBe("l1\nl2\tx\\x1b");
    expect(shellWord("plain")).toBe("plain");
    expect(shellWord("it's")).toBe("'it'\\''s'");
    expect(shellWord("a\nb\u001b'\\")).toBe("$'a\\x0ab\\x1b\\'\\\\'");
  });
});

// The scripts are where a name meets a shell: run them for real, with fake commands that record
// their arguments, and check each hostile name arrives as exactly one argument and nothing else runs.
describe("scripts with hostile names (bash -n, then run with fake commands)", () => {
  const hostile = [`x'; touch pwned; '`, "$(touch pwned)", "`touch pwned`", "new\nline; touch pwned", "esc\u001b[31m", "-rf", 'dq"$HOME', "cr\rx"];

  function runWithFakes(script: string, fakes: string[]): { calls: string[][]; dir: string } {
    const dir = mkdtempSync(join(tmpdir(), "nw-script-"));
    const bin = join(dir, "bin");
    mkdirSync(bin);
    const log = join(dir, "calls");
    for (const name of fakes) {
      // Each call: its name and arguments, NUL-separated, then a record separator.
      writeFileSync(join(bin, name), `#!/bin/sh\nprintf '%s\\0' "${name}" "$@" >> "$NW_LOG"\nprintf '\\036' >> "$NW_LOG"\nexit 0\n`, { mode: 0o755 });
    }
    const file = join(dir, "script.sh");
    writeFileSync(file, script, { mode: 0o755 });
    execFileSync("bash", ["-n", file], { timeout: 10_000 });
    execFileSync("bash", [file], { cwd: dir, env: { PATH: `${bin}:/usr/bin:/bin`, NW_LOG: log }, timeout: 10_000, stdio: "pipe" });
    const raw = (() => {
      try {
        return readFileSync(log, "utf8");
      } catch {
        return "";
      }
    })();
    const calls = raw
      .split("\u001e")
      .filter((c) => c !== "")
      .map((c) => c.split("\0").slice(0, -1));
    return { calls, dir };
  }

  it("remediate's remediation-script.sh passes each name as one argument", () => {
    const plan = {
      id: "p1",
      createdAt: "2026-01-01T00:00:00Z",
      root: "/r",
      files: {},
      diff: "",
      skipped: [],
      actions: hostile.map((h, i) => ({
        id: `a${i + 1}`,
        kind: "command",
        safety: "review",
        description: `stop ${h}`,
        fixes: { type: "drift", id: `d${i}`, title: `unit ${h}` },
        command: ["systemctl", "stop", "--", h],
        undo: ["systemctl", "start", "--", h],
      })),
    } as unknown as Parameters<typeof renderPlanScript>[0];
    const script = renderPlanScript(plan);
    expect(script).not.toMatch(RAW_CONTROL);
    const { calls, dir } = runWithFakes(script, ["systemctl"]);
    try {
      expect(calls).toEqual(hostile.map((h) => ["systemctl", "stop", "--", h]));
      expect(readdirSync(dir)).not.toContain("pwned");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("drift's remediation-script.sh passes each name as one argument", () => {
    const items = hostile.map((h) =>
      item({ category: "service", subject: h, severity: "high", declared: null, actual: null, evidence: `unit ${h}`, remediation: [revert("auto", `Stop ${h}`, [["systemctl", "stop", "--", h]], ["systemctl", "is-active", "--quiet", "--", h])] }),
    );
    const script = renderScript(driftReport(items, { generatedAt: "2026-01-01T00:00:00Z", host: "h\u001b[2J", declaredFrom: "d\nx", actualFrom: "a" }));
    expect(script).not.toMatch(RAW_CONTROL);
    const { calls, dir } = runWithFakes(script, ["systemctl"]);
    try {
      expect(calls).toEqual(hostile.flatMap((h) => [["systemctl", "is-active", "--quiet", "--", h], ["systemctl", "stop", "--", h]]));
      expect(readdirSync(dir)).not.toContain("pwned");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
