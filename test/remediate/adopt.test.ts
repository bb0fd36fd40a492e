// Adopting drift: the Nix the drift check proposes is written where that kind of setting lives for
// the host, with exact text, and the files still parse with Nix.
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { adopt } from "../../src/drift/compare/common.js";
import { applyPlan, planRemediation } from "../../src/remediate/index.js";
import type { DriftReport } from "../../src/report/schema.js";
import { clearScanCache } from "../../src/scan/index.js";
import { driftReport } from "../helpers/drift-report.js";
import { nixAvailable } from "../helpers/nix.js";

const FILES: Record<string, string> = {
  "flake.nix": `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = { nixpkgs, ... }: {
    nixosConfigurations.web1 = nixpkgs.lib.nixosSystem {
      modules = [ ./hosts/web1.nix ./modules/users.nix ./hosts/hardware.nix ];
    };
  };
}
`,
  "hosts/web1.nix": `{ ... }:
{
  networking.hostName = "web1";
}
`,
  "modules/users.nix": `{ pkgs, ... }:
{
  users.users.alice = {
    isNormalUser = true;
    extraGroups = [ "wheel" ];
    packages = [
      pkgs.ripgrep
    ];
  };
}
`,
  "hosts/hardware.nix": `{ ... }:
{
  fileSystems."/" = {
    device = "/dev/sda1";
    fsType = "ext4";
  };
}
`,
};

function report(items: Array<{ id: string; category: DriftReport["items"][number]["category"]; subject: string; opt: ReturnType<typeof adopt> }>): DriftReport {
  return driftReport(
    items.map((i) => ({ id: i.id, category: i.category, subject: i.subject, severity: "high", declared: null, actual: null, evidence: "", remediation: [i.opt] })),
    { tool: { name: "nix-warden", version: "test" } },
  );
}

let root: string;
beforeEach(async () => {
  clearScanCache();
  root = await mkdtemp(join(tmpdir(), "nix-warden-adopt-"));
  for (const [f, t] of Object.entries(FILES)) {
    await mkdir(dirname(join(root, f)), { recursive: true });
    await writeFile(join(root, f), t);
  }
  const git = (...a: string[]) => execFileSync("git", ["-c", "user.name=T", "-c", "user.email=t@e", ...a], { cwd: root, stdio: "pipe" });
  git("init", "-q");
  git("add", "-A");
  git("commit", "-qm", "init");
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("adopting drift into the configuration", () => {
  it("puts a package, a group, a mount and a new option where they belong", async () => {
    const drift = report([
      { id: "pkg", category: "package", subject: "htop", opt: adopt("users.users.alice.packages", "users.users.alice.packages = [ pkgs.htop ];", "Declare it for alice.") },
      { id: "grp", category: "group", subject: "alice in docker", opt: adopt("users.users.alice.extraGroups", 'users.users.alice.extraGroups = [ "docker" ];', "Declare the membership.") },
      {
        id: "mnt",
        category: "mount",
        subject: "/mnt/data",
        opt: adopt('fileSystems."/mnt/data"', 'fileSystems."/mnt/data" = {\n  device = "/dev/sdb1";\n  fsType = "xfs";\n};', "Declare the mount."),
      },
      { id: "sysctl", category: "network", subject: "ip_forward", opt: adopt('boot.kernel.sysctl."net.ipv4.ip_forward"', 'boot.kernel.sysctl."net.ipv4.ip_forward" = 1;', "Declare it.") },
    ]);
    const { plan } = await planRemediation({ root, driftReport: drift, driftStrategy: "adopt", ids: ["pkg", "grp", "mnt", "sysctl"] });
    expect(plan.actions.map((a) => [a.fixes.id, a.kind])).toEqual([
      ["pkg", "edit"],
      ["grp", "edit"],
      ["mnt", "edit"],
      ["sysctl", "edit"],
    ]);
    const r = await applyPlan(root, plan.id);
    expect(r.status).toBe("applied");
    expect(await readFile(join(root, "modules/users.nix"), "utf8")).toBe(
      FILES["modules/users.nix"]!.replace('[ "wheel" ]', '[ "wheel" "docker" ]').replace("      pkgs.ripgrep\n", "      pkgs.ripgrep\n      pkgs.htop\n"),
    );
    expect(await readFile(join(root, "hosts/hardware.nix"), "utf8")).toBe(
      FILES["hosts/hardware.nix"]!.replace("  };\n}\n", '  };\n  fileSystems."/mnt/data" = {\n    device = "/dev/sdb1";\n    fsType = "xfs";\n  };\n}\n'),
    );
    expect(await readFile(join(root, "hosts/web1.nix"), "utf8")).toBe(
      FILES["hosts/web1.nix"]!.replace('  networking.hostName = "web1";\n', '  networking.hostName = "web1";\n  boot.kernel.sysctl."net.ipv4.ip_forward" = 1;\n'),
    );
  });

  it("reverts with the item's commands when asked to revert", async () => {
    const drift = report([
      {
        id: "pkg",
        category: "package",
        subject: "htop",
        opt: { strategy: "revert", safety: "auto", description: "Uninstall it.", commands: [["nix-env", "-p", "/nix/var/nix/profiles/per-user/alice/profile", "-e", "htop"]] },
      },
    ]);
    const { plan } = await planRemediation({ root, driftReport: drift, ids: ["pkg"] });
    expect(plan.actions).toHaveLength(1);
    expect(plan.actions[0]!.kind).toBe("command");
    expect(plan.actions[0]!.command).toEqual(["nix-env", "-p", "/nix/var/nix/profiles/per-user/alice/profile", "-e", "htop"]);
  });

  it.skipIf(!nixAvailable)("leaves files that Nix parses", async () => {
    const drift = report([{ id: "mnt", category: "mount", subject: "/mnt/data", opt: adopt('fileSystems."/mnt/data"', 'fileSystems."/mnt/data" = {\n  device = "/dev/sdb1";\n  fsType = "xfs";\n};', "Declare.") }]);
    const { plan } = await planRemediation({ root, driftReport: drift, driftStrategy: "adopt" });
    expect((await applyPlan(root, plan.id)).status).toBe("applied");
    execFileSync("nix-instantiate", ["--parse", join(root, "hosts/hardware.nix")], { stdio: "pipe" });
  });
});
