// systemd-service-exposure, from a judged sample of findings on public configurations (issue 11
// point 4, second round): units nothing starts (a root `df` script with no wantedBy, timer or
// caller), lines a repository adds to a unit of a NixOS module (`roundcube-setup.script = mkAfter`),
// and jobs that were called daemons (a script of client actions started at boot, units whose timers
// a function builds). Each case has a look-alike that must still be reported.
import { describe, expect, it } from "vitest";
import { ruleFindings } from "../helpers/memory.js";

const RULE = "systemd-service-exposure";

const exposure = (files: Record<string, string>) => ruleFindings(files, RULE);

// A root job that reports the disk usage: not trivial, not a system job.
const check = (extra: string) =>
  `{ pkgs, ... }: {\n  systemd.services.disk-pre-check = {\n    description = "Check disk space";\n    before = [ "nix-gc.service" ];\n${extra}    serviceConfig = {\n      Type = "oneshot";\n      User = "root";\n      ExecStart = pkgs.writeShellScript "disk-pre-check" ''\n        avail=$(df /nix/store | tail -1 | awk '{print $4}')\n        curl -fsS --data "avail=$avail" https://example.org/usage\n      '';\n    };\n  };\n}\n`;

describe("units nothing starts", () => {
  it("a unit with no wantedBy, startAt, timer or caller runs only by hand: not reported", async () => {
    expect(await exposure({ "gc.nix": check("") })).toEqual([]);
  });

  it("the same unit wanted by a target, with startAt, with a timer in another file, or started by another unit is reported", async () => {
    expect(await exposure({ "gc.nix": check(`    wantedBy = [ "multi-user.target" ];\n`) })).toHaveLength(1);
    expect(await exposure({ "gc.nix": check(`    startAt = "daily";\n`) })).toHaveLength(1);
    expect(await exposure({ "gc.nix": check(""), "timers.nix": `{ systemd.timers.disk-pre-check = { wantedBy = [ "timers.target" ]; timerConfig.OnCalendar = "daily"; }; }\n` })).toHaveLength(1);
    expect(await exposure({ "gc.nix": check(""), "gc-run.nix": `{ systemd.services.nix-gc.serviceConfig.ExecStartPre = "systemctl start disk-pre-check"; }\n` })).toHaveLength(1);
    expect(await exposure({ "gc.nix": check(""), "other.nix": `{ systemd.services.gc-report = { wantedBy = [ "multi-user.target" ]; requires = [ "disk-pre-check.service" ]; script = "true"; }; }\n` })).toHaveLength(1);
    // wantedBy set in another module of the repository.
    expect(await exposure({ "gc.nix": check(""), "wants.nix": `{ systemd.services.disk-pre-check.wantedBy = [ "multi-user.target" ]; }\n` })).toHaveLength(1);
  });

  it("a daemon nothing starts is still reported (it keeps running once started by hand), at low, saying so", async () => {
    // (A relay, not a VPN daemon: those manage routes as root by design and are not reported.)
    const vpn = `{ pkgs, ... }: {\n  systemd.services."vpn-client@" = {\n    description = "Mail relay for %I";\n    after = [ "network-online.target" ];\n    serviceConfig = { Type = "notify"; ExecStart = "\${pkgs.relayd}/bin/relayd --config %i.conf"; };\n  };\n}\n`;
    const [f] = await exposure({ "vpn.nix": vpn });
    expect(f!.severity).toBe("low");
    expect(f!.message).toContain("runs only when started by hand");
    // Look-alike: an instance wanted by a target elsewhere starts it.
    const [g] = await exposure({ "vpn.nix": vpn, "work.nix": `{ systemd.services."vpn-client@work".wantedBy = [ "multi-user.target" ]; }\n` });
    expect(g!.message).not.toContain("started by hand");
  });

  it("a unit whose ExecStart is set with mkForce is defined elsewhere too (nixpkgs' module may start it): kept as a bound", async () => {
    // A run-once job that reports to a remote hook (a local one with fixed arguments is not
    // reported at all: see service-exposure-jobs.test.ts).
    const text = `{ lib, pkgs, ... }: {\n  systemd.services.cdi-generator.serviceConfig.ExecStart = lib.mkForce (pkgs.writeShellScript "cdi-safe" ''\n    \${pkgs.nvidia-container-toolkit}/bin/nvidia-ctk cdi generate --output=/var/run/cdi/nvidia.yaml || curl -fsS -d "skipped, will retry after reboot" https://alerts.example.org/hook\n  '');\n}\n`;
    const [f] = await exposure({ "nvidia.nix": text });
    expect(f).toBeDefined();
    expect(f!.message).toContain("at most");
    expect(f!.message).not.toContain("reboots the machine");
  });

  it("...while a scheduled job that runs `shutdown -r` inside `$( )` does reboot the machine (not reported)", async () => {
    const text = `{ pkgs, ... }: {\n  systemd.services.auto-reboot = {\n    startAt = "Sat *-*~07/1";\n    script = ''\n      if [ "$(readlink /run/booted-system/kernel)" != "$(readlink /nix/var/nix/profiles/system/kernel)" ]; then\n        msg=$(shutdown -r +1440 2>&1)\n        echo "$msg" | wall\n      fi\n    '';\n  };\n}\n`;
    expect(await exposure({ "reboot.nix": text })).toEqual([]);
  });

  it("a unit named after a NixOS service the repository enables is kept (its module may start it)", async () => {
    const text = check("").replace(/disk-pre-check/g, "nginx-report");
    expect(await exposure({ "a.nix": text, "b.nix": `{ services.nginx.enable = true; }\n` })).toHaveLength(1);
  });
});

describe("units the repository only adds to", () => {
  const host = `{ config, lib, ... }: {\n  services.roundcube.enable = true;\n  systemd.services.roundcube-setup.script = let psql = "psql roundcube"; in lib.mkAfter ''\n    \${psql} -f \${config.services.roundcube.package}/plugins/calendar/SQL/postgres.initial.sql\n  '';\n}\n`;

  it("`script = mkAfter` on a NixOS module's unit is that module's unit: no finding, no 'runs as root'", async () => {
    expect(await exposure({ "mail.nix": host })).toEqual([]);
  });

  it("a plain `script` on the unit of an enabled NixOS service (NixOS joins the lines) is the module's too", async () => {
    expect(await exposure({ "mail.nix": host.replace("lib.mkAfter ''", "''") })).toEqual([]);
  });

  it("a unit of the repository's own with its own script, wanted by a target, is reported", async () => {
    const own = `{ config, lib, ... }: {\n  services.roundcube.enable = true;\n  systemd.services.roundcube-migrate = {\n    description = "Migrate the calendar plugin";\n    wantedBy = [ "multi-user.target" ];\n    script = ''\n      psql roundcube -f \${config.services.roundcube.package}/plugins/calendar/SQL/postgres.initial.sql\n    '';\n  };\n}\n`;
    const fs = await exposure({ "mail.nix": own });
    expect(fs).toHaveLength(1);
    expect(fs[0]!.title).toContain("runs as root");
  });
});

describe("jobs are not daemons", () => {
  const autoaccept = (body: string) =>
    `{ lib, config, pkgs, ... }:\nlet members = [ "e3d6559697" "6688e8091d" ];\nin {\n  systemd.services.vpn-accept = {\n    wantedBy = [ "multi-user.target" ];\n    after = [ "vpn.service" ];\n    serviceConfig.ExecStart = pkgs.writeShellScript "vpn-accept" ''\n${body}    '';\n  };\n}\n`;

  it("a boot script whose commands are client actions (`members allow <id>`, one per element of a list) is a job", async () => {
    // With fixed arguments and no input from the network it is not reported (clan-infra's
    // zerotier-accept-external, judged "should be info", then such jobs noise even at info);
    // fetching from a remote host, low.
    const body = `      \${lib.concatMapStringsSep "\\n" (id: ''\n        \${pkgs.vpn-members}/bin/vpn-members allow \${id}\n      '') members}\n`;
    expect(await exposure({ "vpn.nix": autoaccept(body) })).toEqual([]);
    const [f] = await exposure({ "vpn.nix": autoaccept(`      \${pkgs.curl}/bin/curl -fsS -o /run/vpn-members.json https://hooks.example.org/vpn\n${body}`) });
    expect(f).toBeDefined();
    expect(f!.severity).toBe("low");
    expect(f!.message).not.toContain("long-running local daemon");
    expect(f!.message).toContain("runs once and exits");
  });

  it("...while a script that ends by running a server stays a daemon", async () => {
    const [f] = await exposure({ "vpn.nix": autoaccept(`      \${pkgs.vpn-members}/bin/vpn-members allow e3d6559697\n      \${pkgs.vpn-relay}/bin/vpn-relay --config /etc/vpn-relay.conf\n`) });
    expect(f!.message).toContain("long-running local daemon");
    expect(f!.severity).toBe("low");
  });

  it("...and a client action sent to the background is no job either", async () => {
    const [f] = await exposure({ "vpn.nix": autoaccept(`      \${pkgs.vpn-members}/bin/vpn-members sync --follow &\n      wait\n`) });
    expect(f!.message).toContain("long-running local daemon");
  });

  const rustic = (timers: string) =>
    `{ pkgs, lib, ... }:\nlet\n  schedule = { backup-clean = "*-*-* 01:00:00"; };\n  mkTimer = name: calendar: { "\${name}" = { wantedBy = [ "timers.target" ]; timerConfig.OnCalendar = calendar; }; };\n  notify = lib.getExe' pkgs.systemd "systemd-notify";\nin {\n${timers}  systemd.services.backup-clean = {\n    path = [ pkgs.backup-tool pkgs.openssh ];\n    serviceConfig = { NotifyAccess = "all"; Type = "notify"; };\n    script = ''\n      \${notify} --ready\n      backup-tool forget -r rest:https://backup.example.org/ -P /run/secrets/profile --keep-last 4\n      backup-tool serve-metrics --port 9000\n    '';\n  };\n}\n`;

  it("a unit whose timer a function of its file builds (`systemd.timers = mapAttrs' mkTimer schedule`) is a scheduled job", async () => {
    const [f] = await exposure({ "timers.nix": rustic(`  systemd.timers = lib.pipe schedule [ (lib.mapAttrsToList mkTimer) lib.mkMerge ];\n`) });
    expect(f).toBeDefined();
    expect(f!.severity).toBe("low");
    expect(f!.message).toContain("scheduled job");
    expect(f!.message).not.toContain("long-running local daemon");
  });

  it("...while without the timers (its name still in the file's schedule, so kept) it is no scheduled job", async () => {
    const [f] = await exposure({ "timers.nix": rustic("") });
    expect(f).toBeDefined();
    expect(f!.message).not.toContain("scheduled job");
  });
});

// Lillecarl hosts/_shared/remapper.nix and hosts/nub/fancontrol.nix (`enable = false` on the unit)
// and Misterio77 hosts/common/users/gabriel (ExecStart = mkForce on home-manager-gabriel), judged
// wrong and debatable in the third sample.
describe("units NixOS does not write, and home-manager's activation units", () => {
  it("a unit with enable = false is not reported; the same unit enabled is", async () => {
    const started = check(`    wantedBy = [ "multi-user.target" ];\n`);
    expect(await exposure({ "gc.nix": started.replace("description =", "enable = false;\n    description =") })).toEqual([]);
    expect(await exposure({ "gc.nix": started.replace("description =", "enable = true;\n    description =") })).toHaveLength(1);
  });

  it("home-manager-<user> is home-manager's unit, run as the user: what the repository adds to it is not judged; a unit of another name is", async () => {
    const hm = (name: string) => `{ lib, pkgs, ... }: {\n  systemd.services.${name} = {\n    wantedBy = [ "multi-user.target" ];\n    serviceConfig.ExecStart = lib.mkForce (pkgs.writeShellScript "activate" ''\n      curl -fsS https://example.org/home | sh\n    '');\n  };\n}\n`;
    expect(await exposure({ "hm.nix": hm("home-manager-gabriel") })).toEqual([]);
    expect(await exposure({ "hm.nix": hm("manager-gabriel") })).toHaveLength(1);
  });
});
