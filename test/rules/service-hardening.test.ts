// systemd-service-exposure: services as the repository defines them, scored like systemd-analyze.
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { scanFiles, sites } from "../helpers/scan.js";
import { nixAvailable } from "../helpers/nix.js";
import { HARDENED_SERVICE_CONFIG } from "../helpers/hardening.js";

const RULE = "systemd-service-exposure";

const FIXTURE = {
  "services.nix": `{ config, lib, pkgs, ... }:
let
  shared = {
    serviceConfig.Type = "oneshot";
  };
in
{
  # must fire (high): root, no sandboxing
  systemd.services.rootjob = {
    description = "Runs as root";
    wantedBy = [ "multi-user.target" ];
    script = "hello --loop";
  };

  # must fire (medium): a user, but otherwise open
  systemd.services.userjob = {
    description = "Runs as a user";
    wantedBy = [ "multi-user.target" ];
    serviceConfig = {
      ExecStart = "\${pkgs.hello}/bin/hello";
      User = "nobody";
    };
  };

  # must fire: inside mkIf, through a let-bound set (a root job that downloads: low)
  systemd.services.letjob = lib.mkIf config.services.openssh.enable (shared // {
    description = "From a let";
    wantedBy = [ "multi-user.target" ];
    script = "hello --loop --feed https://feeds.example.org/hello";
  });

  # silent: hardened
  systemd.services.hardened = {
    description = "Well sandboxed";
    script = "true";
    serviceConfig = ${HARDENED_SERVICE_CONFIG};
  };

  # silent: only adjusts the upstream nginx unit
  systemd.services.nginx.serviceConfig.LimitNOFILE = 65536;
  # silent: replaces an upstream unit's command (the "" resets it), defines no unit
  systemd.services.telegraf.serviceConfig.ExecStart = lib.mkForce [ "" "\${pkgs.telegraf}/bin/telegraf -config /run/t.toml" ];
}
`,
};

describe(RULE, () => {
  it("scores defined services and reports the exposed ones, not hardened ones or upstream overrides", async () => {
    const report = await scanFiles(FIXTURE);
    expect(report.errors).toEqual([]);
    const names = report.inventory.services.map((s) => s.name).sort();
    expect(names).toEqual(["hardened", "letjob", "rootjob", "userjob"]);
    const bySubject = Object.fromEntries(report.findings.filter((f) => f.ruleId === RULE).map((f) => [f.optionPath, f]));
    expect(Object.keys(bySubject).sort()).toEqual(["systemd.services.letjob", "systemd.services.rootjob", "systemd.services.userjob"]);
    // Local daemons (no port, no socket, no firewall opening): severity follows attack surface,
    // so below a network-facing one (see service-surface.test.ts): low, root or not.
    expect(bySubject["systemd.services.rootjob"]!.severity).toBe("low");
    expect(bySubject["systemd.services.userjob"]!.severity).toBe("low");
    expect(bySubject["systemd.services.rootjob"]!.line).toBe(9);
    const hardened = report.inventory.services.find((s) => s.name === "hardened")!;
    expect(hardened.exposure).toBeLessThan(3);
    expect(sites(report, RULE)).toContain("services.nix:9");
  });

  it("asks no hardening of a service inside a VM test (the machine is thrown away when the test ends)", async () => {
    const report = await scanFiles({
      "tests/vm.nix": `{ pkgs }: pkgs.testers.runNixOSTest {
        name = "t";
        nodes.m = { ... }: { systemd.services.probe = { description = "x"; script = "probe --forever"; }; };
        testScript = "";
      }`,
    });
    expect(report.findings.filter((x) => x.ruleId === RULE)).toEqual([]);
  });

  it.skipIf(!nixAvailable)("offers a patch that applies with git apply and still parses with Nix", async () => {
    const report = await scanFiles(FIXTURE);
    const f = report.findings.find((x) => x.optionPath === "systemd.services.userjob")!;
    expect(f.fix?.patch).toBeTruthy();
    const dir = await mkdtemp(join(tmpdir(), "nix-warden-patch-"));
    try {
      await writeFile(join(dir, "services.nix"), FIXTURE["services.nix"]);
      execFileSync("git", ["init", "-q"], { cwd: dir });
      await writeFile(join(dir, "fix.patch"), f.fix!.patch!);
      execFileSync("git", ["apply", "fix.patch"], { cwd: dir });
      const patched = await readFile(join(dir, "services.nix"), "utf8");
      expect(patched).toContain("ProtectSystem = \"strict\";");
      // Everything outside the edited set is byte-for-byte the same.
      expect(patched.startsWith(FIXTURE["services.nix"].slice(0, FIXTURE["services.nix"].indexOf("  # must fire: inside mkIf")).split("User = \"nobody\";")[0]!)).toBe(true);
      execFileSync("nix-instantiate", ["--parse", join(dir, "services.nix")], { stdio: "pipe" });
      const rescan = await scanFiles({ "services.nix": patched });
      const still = rescan.findings.find((x) => x.optionPath === "systemd.services.userjob");
      expect(still).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
