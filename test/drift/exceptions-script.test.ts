// Exceptions from .nix-warden.yaml, shell quoting against a real shell, and the remediation script:
// safe reversions only, guarded, and harmless when run twice (against a real nix-env profile).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { item, revert, adopt } from "../../src/drift/compare/common.js";
import { comparePackages } from "../../src/drift/compare/packages.js";
import { applyExceptions, globToRegExp, loadExceptions, parseExceptions } from "../../src/drift/exceptions.js";
import type { DriftReportX } from "../../src/drift/model.js";
import { probePackages } from "../../src/drift/probes/packages.js";
import { renderScript } from "../../src/drift/render/script.js";
import { shellCommand, shellQuote } from "../../src/drift/render/shell.js";
import { driftReport } from "../helpers/drift-report.js";
import { nixAvailable } from "../helpers/nix.js";
import { CTX, declared, tempDir } from "./helpers.js";

const items = [
  item({ category: "package", subject: "htop-3.3.0", severity: "high", declared: null, actual: {}, evidence: "", remediation: [] }),
  item({ category: "service", subject: "redis-imperative.service", severity: "high", declared: null, actual: {}, evidence: "", remediation: [] }),
  item({ category: "file", subject: "/etc/backup.conf", severity: "medium", declared: null, actual: {}, evidence: "", remediation: [] }),
];

describe(".nix-warden.yaml drift exceptions", () => {
  it("suppress matching items by category and subject glob or id, with the reason", () => {
    const { exceptions, errors } = parseExceptions(
      [
        "exceptions:            # the security scan's key: ignored here",
        "  - rule: x",
        "drift:",
        "  ignore:",
        "    - category: package",
        '      subject: "htop*"',
        "      reason: debugging tool on this box",
        "      expires: 2027-01-01",
        `    - id: ${items[2]!.id}`,
        "      reason: written by the backup agent",
      ].join("\n"),
    );
    expect(errors).toEqual([]);
    const r = applyExceptions(items, exceptions, "web1", "2026-11-22", "/repo/.nix-warden.yaml");
    expect(r.kept.map((i) => i.subject)).toEqual(["redis-imperative.service"]);
    expect(r.suppressed.map((i) => [i.subject, i.suppressedBy.reason, i.suppressedBy.expires])).toEqual([
      ["htop-3.3.0", "debugging tool on this box", "2027-01-01"],
      ["/etc/backup.conf", "written by the backup agent", undefined],
    ]);
  });

  it("stop applying an expired exception, and one for another host", () => {
    const { exceptions } = parseExceptions('drift:\n  ignore:\n    - subject: "*"\n      reason: r\n      expires: 2026-01-01\n    - subject: "*"\n      host: "db*"\n      reason: r2\n');
    const r = applyExceptions(items, exceptions, "web1", "2026-11-22");
    expect(r.kept).toHaveLength(3);
    expect(r.notes[0]).toMatch(/expired on 2026-01-01/);
  });

  it("turn a malformed file into an error entry, never a crash", async () => {
    expect(parseExceptions("drift: [unclosed").errors[0]?.message).toMatch(/not valid YAML/);
    expect(parseExceptions("drift:\n  ignore:\n    - category: nonsense\n      subject: x\n      reason: r\n").errors[0]?.message).toMatch(/drift\.ignore\.0\.category/);
    expect(parseExceptions("drift:\n  ignore:\n    - subject: x\n").errors[0]?.message).toMatch(/reason/);
    expect(parseExceptions("just a string").exceptions).toEqual([]);
    const dir = await tempDir();
    await writeFile(join(dir, ".nix-warden.yaml"), "drift:\n  ignore: 3\n");
    const loaded = await loadExceptions([dir]);
    expect(loaded.errors).toEqual([expect.objectContaining({ source: ".nix-warden.yaml", file: join(dir, ".nix-warden.yaml") })]);
    expect((await loadExceptions([join(dir, "none")])).errors).toEqual([]);
  });

  it("match globs literally apart from * and ?", () => {
    expect(globToRegExp("a.b*").test("a.bcd")).toBe(true);
    expect(globToRegExp("a.b*").test("aXbcd")).toBe(false);
    expect(globToRegExp("/etc/?osts").test("/etc/hosts")).toBe(true);
  });
});

describe("shell quoting", () => {
  const hostile = ["", "plain", "with space", "it's", "\"double\"", "$(touch /tmp/pwned)", "`id`", "a;b&&c|d", "*", "~root", "new\nline", "tab\there", "back\\slash", "-rf", "!event", "{a,b}", "'", "''", "\u00e9t\u00e9", "$HOME", "a\u0000b".replace("\u0000", "")];
  it("passes every argument to a real shell unchanged", () => {
    const script = `printf '%s\\0' ${hostile.map(shellQuote).join(" ")}`;
    const out = execFileSync("bash", ["-c", script], { encoding: "utf8" });
    expect(out.split("\0").slice(0, -1)).toEqual(hostile);
    // Words without control characters are plain POSIX quoting; the others use bash's $'…' (the
    // scripts are bash), so that no raw newline, tab or ESC is written into a script.
    const posix = hostile.filter((a) => !/[\n\t]/.test(a));
    const sh = execFileSync("sh", ["-c", `printf '%s\\0' ${shellCommand(posix)}`], { encoding: "utf8" });
    expect(sh.split("\0").slice(0, -1)).toEqual(posix);
    // eslint-disable-next-line no-control-regex
    expect(shellCommand(hostile)).not.toMatch(/[\u0000-\u001f]/);
  });
});

function report(list: ReturnType<typeof item>[]): DriftReportX {
  return driftReport(list);
}

describe("remediation-script.sh", () => {
  it("holds only safe reversions, each guarded and commented with its item, and is valid bash", async () => {
    const list = [
      item({ category: "service", subject: "x'; rm -rf / #", severity: "high", declared: null, actual: null, evidence: "", remediation: [revert("auto", "Stop it\nand more", [["systemctl", "stop", "x'; rm -rf / #"]], ["systemctl", "is-active", "--quiet", "x"]), adopt("a.b", "a.b = 1;", "adopt"), revert("review", "not this", [["reboot"]])] }),
    ];
    const text = renderScript(report(list));
    expect(text).toMatch(/^#!\/usr\/bin\/env bash\n/);
    expect(text).toContain("set -euo pipefail");
    expect(text).toContain("if systemctl is-active --quiet x >/dev/null 2>&1; then\n  systemctl stop 'x'\\''; rm -rf / #'\n");
    expect(text).toContain(`# [high] service: x'; rm -rf / # (${list[0]!.id})`);
    expect(text).toContain("# Stop it and more");
    expect(text).not.toContain("reboot");
    const dir = await tempDir();
    await writeFile(join(dir, "s.sh"), text);
    expect(spawnSync("bash", ["-n", join(dir, "s.sh")]).status).toBe(0);
  });

  it.skipIf(!nixAvailable)("really reverts an imperative nix-env install, and does nothing the second time", async () => {
    const dir = await tempDir();
    await writeFile(
      join(dir, "default.nix"),
      `{ hello = builtins.derivation { name = "hello-2.12"; system = builtins.currentSystem; PATH = "/usr/bin:/bin"; builder = "/bin/sh"; args = [ "-c" "mkdir -p $out/bin; echo > $out/bin/hello" ]; }; }\n`,
    );
    // The profile lives in a root directory; the script names machine paths, so it runs here with
    // the root's prefix put back in front of them.
    const root = await tempDir();
    await mkdir(join(root, "nix/var/nix/profiles/per-user/root"), { recursive: true });
    const profile = join(root, "nix/var/nix/profiles/per-user/root/profile");
    execFileSync("nix-env", ["-p", profile, "-f", join(dir, "default.nix"), "-iA", "hello"], { stdio: "pipe" });
    const facts = (await probePackages({ root, live: false })).facts;
    const found = comparePackages(declared(), facts, CTX);
    expect(found).toHaveLength(1);
    const text = renderScript(report(found)).split("/nix/var/nix/profiles/per-user/root/profile").join(profile);
    await writeFile(join(dir, "remediation-script.sh"), text, { mode: 0o755 });
    const first = spawnSync("bash", [join(dir, "remediation-script.sh")], { encoding: "utf8" });
    expect(first.status).toBe(0);
    expect(execFileSync("nix-env", ["-p", profile, "-q"], { encoding: "utf8" }).trim()).toBe("");
    const second = spawnSync("bash", [join(dir, "remediation-script.sh")], { encoding: "utf8" });
    expect(second.status).toBe(0);
    expect(second.stdout).toContain("already done: hello-2.12");
  });
});
