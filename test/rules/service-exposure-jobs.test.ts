// systemd-service-exposure, which services matter and which fixes they live with (issue 11 points
// 4 and 5, from NixOS admins' verdicts on the judged sample): oneshot and timer jobs with no input
// from the network, or run as a user of their own, are not reported (judged noise even at info), a unit whose User= comes from an option runs as that user,
// `--ssh-port` names no listener, a loopback daemon called by a local service is local, and
// backups, virus scans and scripts working in $HOME keep their user, /home and the network.
// Each case has a look-alike that must still be reported (or reported differently).
import { describe, expect, it } from "vitest";
import { ruleFindings } from "../helpers/memory.js";
import { nixAvailable } from "../helpers/nix.js";
import { patchAndParse } from "../helpers/patch.js";

const RULE = "systemd-service-exposure";

const exposure = (files: Record<string, string>) => ruleFindings(files, RULE);


const job = (body: string, extra = "") =>
  `{ pkgs, lib, config, ... }: {\n  systemd.services.nightly = {\n    startAt = "daily";\n${extra}    serviceConfig.Type = "oneshot";\n    script = ''\n${body}    '';\n  };\n}\n`;

describe("oneshot and timer jobs: low only when root and fed from the network, else not reported", () => {
  it("a root job on fixed arguments and local files is not reported", async () => {
    const fs = await exposure({ "job.nix": job("      find /var/lib/reports -mtime +30 -delete\n      report-tool compact /var/lib/reports\n") });
    expect(fs).toEqual([]);
  });

  it("...while the same job downloading its input is low, and says why", async () => {
    const [f] = await exposure({ "job.nix": job("      curl -fsS https://feeds.example.org/daily -o /var/lib/reports/feed.xml\n      report-tool compact /var/lib/reports\n") });
    expect(f).toBeDefined();
    expect(f!.severity).toBe("low");
    expect(f!.message).toMatch(/runs as root and downloads/);
  });

  it("...and one that waits for network-online.target is low too (it talks to the network)", async () => {
    const fs = await exposure({ "job.nix": job("      report-tool push /var/lib/reports\n", '    after = [ "network-online.target" ];\n    wants = [ "network-online.target" ];\n') });
    expect(fs).toHaveLength(1);
    expect(fs[0]!.severity).toBe("low");
  });

  it("...and so is a root link checker, which fetches every URL of the site it checks (ncfavier-config's check-links-www)", async () => {
    const [f] = await exposure({ "job.nix": job("      lychee --no-progress './**/*.html'\n", "    path = [ pkgs.lychee ];\n") });
    expect(f?.severity).toBe("low");
    expect(f!.message).toMatch(/fetches content from remote services/);
  });

  it("a job run as another user is not reported, even when it downloads (phpldapadmin-setup, a toot poster)", async () => {
    const text = job("      curl -fsS https://feeds.example.org/daily -o /var/lib/reports/feed.xml\n", '    serviceConfig.User = "reporter";\n');
    expect(await exposure({ "job.nix": text })).toEqual([]);
  });

  it("a program told to update or clone (an opaque package) counts as fed from the network", async () => {
    const text = `{ lib, config, ... }: {\n  systemd.services.flake-update = {\n    startAt = "hourly";\n    serviceConfig = { Type = "oneshot"; ExecStart = "\${lib.getExe config.services.flakes.package} update mybot"; };\n  };\n}\n`;
    const fs = await exposure({ "bot.nix": text });
    expect(fs).toHaveLength(1);
    expect(fs[0]!.severity).toBe("low");
    expect(await exposure({ "bot.nix": text.replace(" update mybot", " check mybot") })).toEqual([]);
  });
});

describe("User = cfg.user is a set, non-root user", () => {
  const module = (user: string) =>
    `{ config, lib, pkgs, ... }:\nlet cfg = config.services.poster; in {\n  options.services.poster.user = lib.mkOption { type = lib.types.str; };\n  config.systemd.services.poster = {\n    wantedBy = [ "multi-user.target" ];\n    serviceConfig = { User = ${user}; ExecStart = "\${pkgs.poster}/bin/poster --watch /var/lib/poster"; };\n  };\n}\n`;

  it("scored as a static user: no 'Missing: User', not 'runs as root', low as a local daemon", async () => {
    const [f] = await exposure({ "poster.nix": module("cfg.user") });
    expect(f).toBeDefined();
    expect(f!.title).toContain("is poorly sandboxed");
    expect(f!.message).not.toMatch(/Missing: [^.]*\bUser\b/);
    expect(f!.message).not.toMatch(/User could not be read/);
    expect(f!.severity).toBe("low");
    expect(f!.fix?.patch ?? "").not.toContain("DynamicUser");
  });

  it("...while a unit with no User at all runs as root: 'runs as root' (low: a local daemon)", async () => {
    const [f] = await exposure({ "poster.nix": module("cfg.user").replace(/User = cfg\.user; /, "") });
    expect(f!.title).toContain("runs as root");
    expect(f!.severity).toBe("low");
  });
});

describe("what listens", () => {
  const daemon = (args: string, extra = "") =>
    `{ pkgs, ... }: {\n  systemd.services.tunnel = {\n    wantedBy = [ "multi-user.target" ];\n    serviceConfig = { DynamicUser = true;${extra} ExecStart = "\${pkgs.tunnel}/bin/tunnel ${args}"; };\n  };\n}\n`;

  it("`--ssh-port 22` names the local sshd it forwards to: a local daemon, low (iroh-ssh)", async () => {
    const [f] = await exposure({ "t.nix": daemon("server --persist --ssh-port 22") });
    expect(f!.severity).toBe("low");
    expect(f!.message).toContain("long-running local daemon");
  });

  it("...while `--port 2222` is a listener on every interface: network-facing, medium", async () => {
    const [f] = await exposure({ "t.nix": daemon("server --persist --port 2222").replace("{ pkgs, ... }: {\n", "{ pkgs, ... }: {\n  networking.firewall.allowedTCPPorts = [ 2222 ];\n") });
    expect(f!.severity).toBe("medium");
    expect(f!.message).toContain("listening address or port");
  });

  const presence = (caller: string) =>
    `{ pkgs, ... }: {\n${caller}  systemd.services.presence = {\n    wantedBy = [ "multi-user.target" ];\n    environment.LISTEN_ADDRESS = "127.0.0.1:8228";\n    serviceConfig = { DynamicUser = true; ExecStart = "\${pkgs.presence}/bin/presence"; };\n  };\n}\n`;

  it("a daemon bound to 127.0.0.1 that a local service calls (a chat server's component URL) is local: low", async () => {
    const [f] = await exposure({ "p.nix": presence(`  services.prosody.extraConfig = ''\n    api_prefix = "http://127.0.0.1:8228"\n  '';\n`) });
    expect(f!.severity).toBe("low");
  });

  it("...while a reverse proxy forwarding to it makes it as reachable as the proxy: medium", async () => {
    const [f] = await exposure({ "p.nix": presence(`  services.nginx.virtualHosts."presence.example.org".locations."/".proxyPass = "http://127.0.0.1:8228";\n`) });
    expect(f!.severity).toBe("medium");
  });
});

describe("fixes the service lives with", () => {
  it("a root borg backup keeps its user, /home and the network: ProtectSystem=full, no DynamicUser, ProtectHome or PrivateNetwork", async () => {
    const files = { "backup.nix": `{ pkgs, ... }: {\n  systemd.services.borg-backup = {\n    startAt = "daily";\n    serviceConfig.Type = "oneshot";\n    script = "\${pkgs.borgbackup}/bin/borg create ssh://backup@nas.example.org/./repo::{now} /home /etc /var/lib";\n  };\n}\n` };
    const [f] = await exposure(files);
    expect(f!.severity).toBe("low");
    const patch = f!.fix?.patch ?? "";
    expect(patch).toContain('ProtectSystem = "full";');
    expect(patch).not.toMatch(/DynamicUser|ProtectHome|PrivateNetwork|"~@privileged|RestrictSUIDSGID|UMask/);
    if (nixAvailable) await patchAndParse(files, patch);
  });

  it("the same backup named only by its package and unit name (an opaque script) gets the same subset", async () => {
    const text = `{ pkgs, lib, ... }:\nlet tool = pkgs.writeShellScriptBin "borg-backup-paths" "exit 0"; toolName = "borg-backup-paths"; in {\n  systemd.services.borg-backup = {\n    after = [ "network-online.target" ];\n    serviceConfig = { Type = "oneshot"; ExecStart = "\${lib.getBin tool}/bin/\${toolName}"; };\n  };\n  systemd.timers.borg-backup = { wantedBy = [ "timers.target" ]; timerConfig.OnCalendar = "daily"; };\n}\n`;
    const [f] = await exposure({ "backup.nix": text });
    expect(f!.fix?.patch ?? "").not.toMatch(/DynamicUser|ProtectHome/);
  });

  it("a virus scan of /home keeps /home and /tmp visible and its privileged system calls", async () => {
    const files = { "av.nix": `{ pkgs, ... }: {\n  systemd.services.av-scan = {\n    startAt = "weekly";\n    serviceConfig = { Type = "oneshot"; ExecStart = "\${pkgs.clamav}/bin/clamdscan --quiet --recursive --fdpass /home /tmp"; };\n  };\n}\n` };
    const [f] = await exposure(files);
    expect(f!.severity).toBe("low");
    const patch = f!.fix?.patch ?? "";
    expect(patch).not.toMatch(/DynamicUser|ProtectHome|PrivateTmp|SystemCallFilter/);
    if (nixAvailable) await patchAndParse(files, patch);
  });

  it("a daemon whose script works in $HOME gets no ProtectHome and no DynamicUser", async () => {
    const text = `{ pkgs, ... }: {\n  systemd.services.syncer = {\n    wantedBy = [ "multi-user.target" ];\n    script = ''\n      cd "$HOME/.config/syncer"\n      exec \${pkgs.syncer}/bin/syncer --watch .\n    '';\n  };\n}\n`;
    const [f] = await exposure({ "s.nix": text });
    expect(f!.fix?.patch ?? "").not.toMatch(/DynamicUser|ProtectHome/);
    expect(f!.message).toContain("works in its user's home");
    // Look-alike: the same daemon watching a directory of its own gets both.
    const [g] = await exposure({ "s.nix": text.replace('cd "$HOME/.config/syncer"', "cd /run/syncer") });
    expect(g!.fix?.patch ?? "").toMatch(/DynamicUser = true;[\s\S]*ProtectHome = true;/);
  });

  it("a root job writing an existing data directory (/data/photos, read from its script file) keeps its user and the files' modes", async () => {
    const files = {
      "photos/default.nix": `{ pkgs, lib, ... }:\nlet photo-backup = pkgs.writeShellApplication { name = "photo-backup"; runtimeInputs = [ pkgs.curl ]; text = builtins.readFile ./photo-backup.sh; }; in {\n  systemd.services.photo-backup = {\n    startAt = "daily";\n    serviceConfig = { Type = "oneshot"; ExecStart = "\${lib.getExe photo-backup}"; };\n  };\n}\n`,
      "photos/photo-backup.sh": `PHOTOS_ROOT="/data/photos"\ncurl -fsS https://photos.example.org/export -o "$PHOTOS_ROOT/latest.zip"\n`,
    };
    const [f] = await exposure(files);
    expect(f!.severity).toBe("low");
    const patch = f!.fix?.patch ?? "";
    expect(patch).not.toMatch(/DynamicUser|UMask/);
    expect(patch).toContain('ReadWritePaths = [ "/data/photos" ];');
    if (nixAvailable) await patchAndParse(files, patch);
  });

  it("a normal user whose users.users.<n>.home is /var/lib/<n> is not said to keep files under /home", async () => {
    const text = (home: string) =>
      `{ pkgs, ... }: {\n  users.users.builder = { isNormalUser = true;${home} };\n  systemd.services.builder = {\n    wantedBy = [ "multi-user.target" ];\n    serviceConfig = { User = "builder"; ExecStart = "\${pkgs.builder}/bin/builder --watch /run/builder"; };\n  };\n}\n`;
    const [f] = await exposure({ "b.nix": text(' home = "/var/lib/builder";') });
    expect(f!.message).not.toContain("/home");
    expect(f!.fix?.patch ?? "").toContain("ProtectHome = true;");
    const [g] = await exposure({ "b.nix": text("") });
    expect(g!.message).toContain("whose home is /home/builder");
    expect(g!.fix?.patch ?? "").toContain('ProtectHome = "read-only";');
  });
});
