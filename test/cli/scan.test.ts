// `nix-warden scan` as a user runs it: formats, output files (in this process), exit codes and a
// closed pipe (the built CLI in its own process).
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SecurityReport } from "../../src/report/schema.js";
import { CLI, cli, runCli } from "../helpers/cli.js";
import { withRepo } from "../helpers/scan.js";

const REPO = {
  "flake.nix": `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = { nixpkgs, ... }: {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem { modules = [ ./box.nix ]; };
  };
}
`,
  "box.nix": `{ pkgs, ... }: {
  systemd.services.job = {
    description = "A job";
    serviceConfig = {
      ExecStart = "\${pkgs.hello}/bin/hello";
      User = "nobody";
    };
  };
}
`,
};

describe("nix-warden scan", () => {
  it("groups a rule's findings into one entry listing the places; --verbose prints each in full", async () => {
    const services = Array.from({ length: 5 }, (_, i) => `  systemd.services.job${i} = { description = "Job ${i}"; wantedBy = [ "multi-user.target" ]; serviceConfig.ExecStart = "/opt/app/bin/worker${i} --listen 127.0.0.1:808${i}"; };`).join("\n");
    await withRepo({ ...REPO, "box.nix": `{ ... }: {\n${services}\n}\n` }, async (root) => {
      const grouped = await runCli(["scan", root, "--quick"]);
      expect(grouped.code).toBe(0);
      const head = grouped.stdout.split("\n");
      expect(head.indexOf("Fix first:")).toBeGreaterThan(head.findIndex((l) => l.startsWith("Summary: 5 findings")));
      expect(grouped.stdout).toMatch(/\(systemd-service-exposure\) {2}5 places {2}\[box\]/);
      const verbose = await runCli(["scan", root, "--quick", "--verbose"]);
      expect(verbose.stdout.match(/^ {2}box\.nix:\d+:\d+ .*\(systemd-service-exposure\)/gm)).toHaveLength(5);
      expect(verbose.stdout.length).toBeGreaterThan(grouped.stdout.length);
    });
  });

  it("runs the style lints only with --style (or the config's style: on)", async () => {
    const files = { ...REPO, "box.nix": `{ pkgs, ... }: {\n  programs.git.enable = (true);\n  services.openssh.settings.PermitRootLogin = "yes";\n}\n` };
    await withRepo(files, async (root) => {
      const ids = async (args: string[]) => (JSON.parse((await runCli(["scan", root, "--quick", "--no-cache", "--format", "json", ...args])).stdout) as { findings: { ruleId: string }[] }).findings.map((f) => f.ruleId);
      const security = await ids([]);
      expect(security).toContain("ssh-permit-root-login");
      expect(security).not.toContain("useless-parens");
      expect(await ids(["--style"])).toEqual(expect.arrayContaining(["useless-parens", "ssh-permit-root-login"]));
    });
  });

  it("prints a text report, a JSON SecurityReport, markdown and SARIF", async () => {
    await withRepo(REPO, async (root) => {
      const text = await runCli(["scan", root, "--quick"]);
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(/box\s+score\s+\d+\/100/);
      expect(text.stdout).toMatch(/box\.nix:2:\d+/);
      const json = await runCli(["scan", root, "--quick", "--format", "json"]);
      const report = SecurityReport.parse(JSON.parse(json.stdout));
      expect(report.hosts).toEqual(["box"]);
      expect(report.findings[0]!.host).toEqual(["box"]);
      expect((await runCli(["scan", root, "--quick", "--format", "markdown"])).stdout).toMatch(/^# /m);
      const sarif = JSON.parse((await runCli(["scan", root, "--quick", "--format", "sarif"])).stdout);
      expect(sarif.version).toBe("2.1.0");
    });
  });

  it("exits 1 when --fail-on is reached, 0 when not, 2 on usage errors", async () => {
    await withRepo(REPO, async (root) => {
      // The one finding: a local job (a oneshot-like unit run as nobody) with a weak sandbox, rated
      // low for its small attack surface.
      // The real process once (its exit status); the other codes as the command ends in this process.
      expect(cli(["scan", root, "--quick", "--fail-on", "low"]).code).toBe(1);
      expect((await runCli(["scan", root, "--quick", "--fail-on", "medium"])).code).toBe(0);
      const bad = await runCli(["scan", root, "--fail-on", "severe"]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--fail-on must be one of/);
      expect((await runCli(["scan", root, "--no-such-flag"])).code).toBe(2);
    });
  });

  it("writes the report files and git-apply-able patches with --output-dir", async () => {
    await withRepo(
      REPO,
      async (root) => {
        const out = join(root, "out");
        const r = await runCli(["scan", root, "--quick", "--output-dir", out]);
        expect(r.code).toBe(0);
        for (const f of ["security-report.md", "security-issues.json", "security.sarif"]) expect(existsSync(join(out, f))).toBe(true);
        const patches = readdirSync(join(out, "remediation-patches"));
        expect(patches.length).toBeGreaterThan(0);
        for (const p of patches) execFileSync("git", ["apply", "--check", join(out, "remediation-patches", p)], { cwd: root });
        expect(readFileSync(join(out, "security-report.md"), "utf8")).toMatch(/nixos-rebuild switch --flake \.#box/);
      },
      { git: true },
    );
  });

  it("stops quietly with SIGPIPE's status when its reader goes away (`scan --format json | head`)", async () => {
    // The reader closes its end before the report is written: the write meets the closed end.
    const child = spawn(process.execPath, [CLI, "scan", join(import.meta.dirname, "..", "..", "examples", "homelab"), "--format", "json", "--no-cache", "--quick"], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(code).toBe(141);
  });
});
