// sudo-nopasswd: wheelNeedsPassword (sudo, sudo-rs, doas), NOPASSWD in extraRules and in
// extraConfig lines (pointing at the tag inside the string), doas noPass, and the narrow rules
// that stay silent.
import { describe, expect, it } from "vitest";
import { scanFiles } from "../helpers/scan.js";
import { applyFix, summary } from "../helpers/fix.js";
import { nixAvailable } from "../helpers/nix.js";
import { doasLine, grantsRoot, runsAsRoot, sudoersLine } from "../../src/rules/access/sudoers.js";

const RULE = "sudo-nopasswd";

const FILES = {
  "sudo.nix": `{ pkgs, ... }: {
  security.sudo.wheelNeedsPassword = false;
  security.sudo.extraRules = [
    {
      groups = [ "wheel" ];
      commands = [ { command = "ALL"; options = [ "NOPASSWD" "SETENV" ]; } ];
    }
    {
      users = [ "deploy" ];
      commands = [
        { command = "/run/current-system/sw/bin/nixos-rebuild"; options = [ "NOPASSWD" ]; }
        { command = "\${pkgs.systemd}/bin/systemctl restart myapp"; options = [ "NOPASSWD" ]; }
        { command = "/run/current-system/sw/bin/bash"; options = [ "SETENV" ]; }
        "/run/current-system/sw/bin/vim"
      ];
    }
  ];
  security.sudo.extraConfig = ''
    # alice ALL=(ALL) NOPASSWD: ALL
    Defaults lecture = never
    bob ALL=(ALL:ALL) NOPASSWD: /run/current-system/sw/bin/less
    carol ALL=(root) NOPASSWD: /run/current-system/sw/bin/systemctl restart nginx
    ALL ALL=(ALL) NOPASSWD: ALL
    Defaults:backup !authenticate
    #1000 ALL=(ALL) NOPASSWD: ALL
  '';
}
`,
  "rs.nix": `{ ... }: {
  security.sudo-rs.wheelNeedsPassword = false;
  security.sudo.wheelNeedsPassword = true;
}
`,
  "doas.nix": `{ ... }: {
  security.doas.extraRules = [
    { groups = [ "wheel" ]; noPass = true; keepEnv = true; }
    { users = [ "backup" ]; noPass = true; cmd = "/run/current-system/sw/bin/zfs"; args = [ "send" ]; }
    { users = [ "ops" ]; noPass = true; cmd = "nixos-rebuild"; }
    { users = [ "carol" ]; persist = true; }
  ];
  security.doas.extraConfig = ''
    permit nopass :wheel as root cmd reboot
    permit nopass keepenv dave
  '';
}
`,
};

describe(RULE, () => {
  it("reports passwordless root for everyone, ALL, and root-equivalent commands; silent for narrow rules", async () => {
    const report = await scanFiles(FILES);
    expect(summary(report, RULE)).toEqual([
      "doas.nix:10 medium",
      "doas.nix:3 medium",
      "doas.nix:5 medium",
      "rs.nix:2 medium",
      "sudo.nix:11 medium",
      "sudo.nix:2 medium",
      "sudo.nix:21 medium",
      "sudo.nix:23 high",
      "sudo.nix:24 medium",
      "sudo.nix:25 medium",
      "sudo.nix:6 medium",
    ]);
    const bob = report.findings.find((f) => f.ruleId === RULE && f.line === 21)!;
    expect(bob.column).toBe(23); // the NOPASSWD tag inside the string
    expect(bob.message).toContain("less");
    const uid = report.findings.find((f) => f.ruleId === RULE && f.line === 25)!;
    expect(uid.evidence).toBe("#1000 ALL=(ALL) NOPASSWD: ALL");
  });

  it.skipIf(!nixAvailable)("fixes wheelNeedsPassword where the file gives accounts passwords, and drops NOPASSWD from a rule", async () => {
    const report = await scanFiles(FILES);
    // Nothing here gives an admin a password: turning the prompt on would lock key-only admins out.
    const bare = report.findings.find((x) => x.ruleId === RULE && x.file === "sudo.nix" && x.line === 2)!;
    expect(bare.fix?.patch).toBeUndefined();
    expect(bare.fix?.description).toContain("after giving every admin a password");
    const withPassword = { ...FILES, "sudo.nix": FILES["sudo.nix"].replace("  security.sudo.wheelNeedsPassword = false;\n", "  security.sudo.wheelNeedsPassword = false;\n  users.users.alice.hashedPasswordFile = \"/run/secrets/alice\";\n") };
    const w = (await scanFiles(withPassword)).findings.find((x) => x.ruleId === RULE && x.file === "sudo.nix" && x.line === 2)!;
    expect(w.fix?.patch).toContain("+  security.sudo.wheelNeedsPassword = true;");
    const fixed = await applyFix(withPassword, w);
    expect(summary(fixed.rescan, RULE)).not.toContain("sudo.nix:2 medium");
    const r = report.findings.find((x) => x.ruleId === RULE && x.file === "sudo.nix" && x.line === 6)!;
    const fixed2 = await applyFix(FILES, r);
    // SETENV on a root-equivalent command: both options go (keeping SETENV was judged harmful).
    expect(fixed2.files["sudo.nix"]).toMatch(/\{ command = "ALL"; options = \[\s*\]; \}/);
    expect(summary(fixed2.rescan, RULE)).not.toContain("sudo.nix:6 medium");
  });
});

describe("sudo-nopasswd: doas switched off", () => {
  it("reports sudo's wheelNeedsPassword = false, not doas's in a file that turns doas off", async () => {
    const report = await scanFiles({
      "security.nix": `{ ... }: {
  security.sudo = { enable = true; wheelNeedsPassword = false; };
  security.doas = { enable = false; wheelNeedsPassword = false; };
}
`,
    });
    expect(summary(report, RULE)).toEqual(["security.nix:2 medium"]);
  });
});

describe("sudo-nopasswd with SETENV", () => {
  it("reports NOPASSWD with SETENV even for one narrow command: the caller's LD_PRELOAD reaches it", async () => {
    const report = await scanFiles({
      "setenv.nix": `{ pkgs, ... }: {
  security.sudo.extraRules = [
    { users = [ "deploy" ]; commands = [ { command = "\${pkgs.systemd}/bin/systemctl restart app"; options = [ "NOPASSWD" "SETENV" ]; } ]; }
    { users = [ "deploy" ]; commands = [ { command = "\${pkgs.systemd}/bin/systemctl restart web"; options = [ "NOPASSWD" ]; } ]; }
  ];
  security.sudo.extraConfig = ''
    clamav ALL = (ALL) NOPASSWD: SETENV: \${pkgs.libnotify}/bin/notify-send
    nagios ALL = (root) NOPASSWD: /run/current-system/sw/bin/smartctl -a /dev/sda
  '';
}
`,
    });
    expect(summary(report, RULE)).toEqual(["setenv.nix:3 high", "setenv.nix:7 high"]);
    const rule = report.findings.find((f) => f.ruleId === RULE && f.line === 3)!;
    expect(rule.title).toBe("Passwordless sudo rule with SETENV");
    expect(rule.message).toContain("LD_PRELOAD");
    expect(rule.fix?.description).toContain("Drop SETENV");
  });

  it.skipIf(!nixAvailable)("removes SETENV and keeps NOPASSWD on a narrow command (chayleaf's systemctl rule: dropping NOPASSWD and keeping SETENV was judged harmful)", async () => {
    const files = {
      "kiosk.nix": `{ pkgs, ... }: {
  security.sudo.extraRules = [
    {
      groups = [ "users" ];
      commands = [
        { command = "\${pkgs.systemd}/bin/systemctl start onscreen-keyboard"; options = [ "SETENV" "NOPASSWD" ]; }
      ];
    }
  ];
}
`,
    };
    const report = await scanFiles(files);
    const f = report.findings.find((x) => x.ruleId === RULE)!;
    expect(f.fix?.patch).toContain('-        { command = "${pkgs.systemd}/bin/systemctl start onscreen-keyboard"; options = [ "SETENV" "NOPASSWD" ]; }');
    const fixed = await applyFix(files, f);
    expect(fixed.files["kiosk.nix"]).toContain('options = [ "NOPASSWD" ]');
    expect(fixed.files["kiosk.nix"]).not.toContain("SETENV");
    expect(summary(fixed.rescan, RULE)).toEqual([]);
  });
});

describe("sudo-nopasswd: commands the caller satisfies with a program of their own", () => {
  it("reads rules built by a let-bound function and the strings they interpolate; reports store globs and writable programs, high", async () => {
    const report = await scanFiles({
      "switch.nix": `{ config, pkgs, ... }: {
  security.sudo.extraRules = let
    storeGlob = "/nix/store/*";
    bin = "/run/current-system/sw/bin";
    name = "nixos-system-\${config.networking.hostName}-*";
    opts = [ "NOPASSWD" ];
    grant = command: { groups = [ "wheel" ]; commands = [ { inherit command; options = opts; } ]; };
  in [
    (grant "\${bin}/nix-env -p /nix/var/nix/profiles/system --set \${storeGlob}-\${name}")
    (grant "\${bin}/systemd-run --wait true")
    (grant "\${bin}/systemd-run --wait \${storeGlob}-\${name}/bin/switch-to-configuration switch")
    (grant "\${config.system.build.toplevel}/bin/switch-to-configuration boot")
  ];
}
`,
      "writable.nix": `{
  security.sudo.extraRules = [
    { users = [ "ci" ]; commands = [ { command = "/tmp/ci/deploy.sh"; options = [ "NOPASSWD" ]; } ]; }
    { users = [ "ci" ]; commands = [ { command = "/run/current-system/sw/bin/bash /home/ci/job.sh"; options = [ "NOPASSWD" ]; } ]; }
    { users = [ "ci" ]; commands = [ { command = "/nix/store/*-report/bin/report"; options = [ "NOPASSWD" ]; } ]; }
    { users = [ "ci" ]; commands = [ { command = "/run/current-system/sw/bin/bash /etc/ci/job.sh"; options = [ "NOPASSWD" ]; } ]; }
    { users = [ "ci" ]; commands = [ { command = "/run/current-system/sw/bin/du -sh /var/lib/*"; options = [ "NOPASSWD" ]; } ]; }
  ];
  security.sudo.extraConfig = ''
    ops ALL = (root) NOPASSWD: /run/current-system/sw/bin/*
    ops ALL = (root) NOPASSWD: /run/current-system/sw/bin/smartctl -a /dev/sd*
  '';
}
`,
    });
    expect(summary(report, RULE)).toEqual(["switch.nix:9 high", "switch.nix:11 high", "writable.nix:10 high", "writable.nix:3 high", "writable.nix:4 high", "writable.nix:5 high"].sort());
    const store = report.findings.find((f) => f.ruleId === RULE && f.line === 9)!;
    expect(store.title).toBe("Passwordless sudo rule the caller can satisfy with their own program");
    expect(store.message).toContain("glob over the Nix store");
    expect(store.message).toContain("%wheel");
    expect(report.findings.find((f) => f.ruleId === RULE && f.line === 3)!.message).toContain("user-writable directory");
  });
});

describe("sudoers and doas.conf lines", () => {
  it("reads tags, users, commands and comments", () => {
    expect(sudoersLine("%wheel ALL=(ALL) NOPASSWD: ALL")[0]).toMatchObject({ kind: "nopasswd", who: "%wheel", commands: ["ALL"], everyone: false });
    expect(sudoersLine("alice ALL = (root) NOPASSWD: /bin/ls, PASSWD: /bin/sh")[0]!.commands).toEqual(["/bin/ls"]);
    expect(sudoersLine("alice ALL = NOPASSWD: SETENV: /bin/a, /bin/b")[0]!.commands).toEqual(["/bin/a", "/bin/b"]);
    expect(sudoersLine("# alice ALL=(ALL) NOPASSWD: ALL")).toEqual([]);
    expect(sudoersLine("#includedir /etc/sudoers.d")).toEqual([]);
    expect(sudoersLine("Cmnd_Alias NOPASSWD_CMDS = /bin/ls")).toEqual([]);
    expect(sudoersLine("Defaults !authenticate")[0]).toMatchObject({ kind: "no-authenticate", everyone: true });
    // Runas: another account is not root; a later `(root)` in the list is.
    expect(sudoersLine("alice ALL=(ableton) NOPASSWD: ALL")).toEqual([]);
    expect(sudoersLine("alice ALL=(:audio) NOPASSWD: /bin/play")).toEqual([]);
    expect(sudoersLine("alice ALL=(bob) NOPASSWD: /bin/a, (root) /bin/b")[0]!.commands).toEqual(["/bin/b"]);
    expect(sudoersLine("alice ALL=(bob, root) NOPASSWD: ALL")[0]!.commands).toEqual(["ALL"]);
    expect(sudoersLine("alice ALL=(#0) NOPASSWD: ALL")[0]!.commands).toEqual(["ALL"]);
    expect(sudoersLine("alice ALL=(ADMINS) NOPASSWD: ALL")[0]!.commands).toEqual(["ALL"]);
    expect(runsAsRoot("ALL:ALL")).toBe(true);
    expect(runsAsRoot("postgres")).toBe(false);
    expect(doasLine("permit nopass alice as wine cmd wine")).toBeUndefined();
    expect(doasLine("permit nopass alice as root")).toMatchObject({ who: "alice" });
    expect(grantsRoot("ALL")).toEqual({ all: true });
    expect(grantsRoot("/run/current-system/sw/bin/systemctl")).toEqual({ all: false, program: "systemctl" });
    expect(grantsRoot("/run/current-system/sw/bin/systemctl restart foo")).toBeUndefined();
    expect(grantsRoot("/usr/bin/less /var/log/*")).toEqual({ all: false, program: "less" });
    expect(doasLine("permit nopass setenv { PATH } :wheel")).toMatchObject({ who: ":wheel", command: undefined });
    expect(doasLine("permit persist :wheel")).toBeUndefined();
    expect(doasLine("deny nopass bob")).toBeUndefined();
  });
});

describe("sudo-nopasswd on a Mac", () => {
  it("gives a shared NixOS sudo rule to the NixOS host, not to a nix-darwin one importing the same file", async () => {
    const dir = new URL("../fixtures/rules/sudo-nopasswd/fire/shared-rule-not-on-mac/", import.meta.url);
    const { readFileSync } = await import("node:fs");
    const read = (p: string) => readFileSync(new URL(p, dir), "utf8");
    const files = Object.fromEntries(["flake.nix", "hosts/common.nix", "hosts/box/configuration.nix", "hosts/mac/configuration.nix"].map((p) => [p, read(p)]));
    const report = await scanFiles(files);
    const found = report.findings.filter((f) => f.ruleId === RULE);
    expect(found.map((f) => [f.file, f.host])).toEqual([["hosts/common.nix", ["box"]]]);
  });
});
