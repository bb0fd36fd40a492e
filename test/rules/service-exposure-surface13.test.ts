// systemd-service-exposure, the causes behind the corpus11 verdicts (issue 11 points 1 and 4): a
// port the unit only connects to is no port it listens on; local daemons are low, root or not;
// exporters and servers known only by their program are medium at most; device jobs (udev-started,
// a sound played at boot, a fan loop in a let-bound script) are not daemons; an `echo "... update"`
// or a URL written by jq is no download; a local copy is a note; /tmp files keep /tmp visible; a
// dynamic key that can only be EnvironmentFile does not make the score a bound. Each case has a
// look-alike that must still be reported as before.
import { describe, expect, it } from "vitest";
import { ruleFindings, scanMemory } from "../helpers/memory.js";
import { nixAvailable } from "../helpers/nix.js";
import { patchAndParse } from "../helpers/patch.js";

const RULE = "systemd-service-exposure";
const exposure = (files: Record<string, string>) => ruleFindings(files, RULE);

const daemon = (name: string, body: string, extra = "") =>
  `{ pkgs, lib, config, ... }: {\n  systemd.services.${name} = {\n    wantedBy = [ "multi-user.target" ];\n${extra}${body}  };\n}\n`;

describe("ports it connects to are not ports it listens on", () => {
  const proxy = `{ services.nginx.virtualHosts."radio.example.org".locations."/".proxyPass = "http://localhost:8000"; }\n`;
  it("a watchdog curling localhost:8000 behind which a proxy points is a local daemon, low", async () => {
    const unit = daemon("watcher", `    serviceConfig.ExecStart = pkgs.writers.writeDash "w" ''\n      while :; do\n        \${pkgs.curl}/bin/curl -Ss http://localhost:8000/radio.ogg -o /dev/null\n        \${pkgs.systemd}/bin/systemctl restart radio\n        sleep 60\n      done\n    '';\n`);
    const [f] = await exposure({ "watcher.nix": unit, "proxy.nix": proxy });
    expect(f?.severity).toBe("low");
    expect(f!.message).not.toContain("reverse proxy");
  });
  it("...while a daemon listening on 127.0.0.1:8000 behind that proxy is as reachable as the proxy", async () => {
    const unit = daemon("radio", `    serviceConfig.ExecStart = "\${pkgs.icecast}/bin/icecast --listen 127.0.0.1:8000";\n`);
    const [f] = await exposure({ "radio.nix": unit, "proxy.nix": proxy });
    expect(f?.message).toContain("reverse proxy");
    expect(f!.severity).toBe("high");
  });
  it("a variable naming another service's URL is an address it connects to", async () => {
    const proxy2 = `{ services.nginx.virtualHosts."req.example.org".locations."/".proxyPass = "http://127.0.0.1:5055"; }\n`;
    const unit = daemon("archiver", `    environment = { SEERR_URL = "http://localhost:5055"; };\n    serviceConfig = { DynamicUser = true; ExecStart = "\${pkgs.archiver}/bin/archiver"; };\n`);
    const [f] = await exposure({ "bot.nix": unit, "proxy.nix": proxy2 });
    expect(f?.message ?? "").not.toContain("reverse proxy");
    expect(f?.severity ?? "low").toBe("low");
  });
});

describe("a proxy of the same file pointing at a let-bound port", () => {
  const oracle = (proxy: string) => `{ pkgs, ... }: let\n  tarotPort = 7407;\nin {\n  systemd.services.tarot = {\n    wantedBy = [ "multi-user.target" ];\n    environment.TAROT_PORT = toString tarotPort;\n    serviceConfig.ExecStart = "\${pkgs.tarot}/bin/tarot-server";\n  };\n${proxy}}\n`;
  it("reaches the unit through it (kmein-niveum's tarot, a root Flask app published by nginx)", async () => {
    const [f] = await exposure({ "o.nix": oracle(`  services.nginx.virtualHosts."tarot.example.org".locations."/".proxyPass = "http://127.0.0.1:\${toString tarotPort}/";\n`) });
    expect(f?.message).toContain("reverse proxy of its own module");
    expect(f!.severity).toBe("high");
  });
  it("...and without the proxy it is a local daemon, low", async () => {
    const [f] = await exposure({ "o.nix": oracle("") });
    expect(f?.severity).toBe("low");
  });
});

describe("what a let-bound script reads is no write", () => {
  const reporter = (line: string) => `{ pkgs, lib, ... }: let\n  reporter = pkgs.writeShellScript "reporter" ''\n    ${line}\n    nats pub host.status "$id"\n  '';\nin {\n  systemd.services.host-reporter = {\n    wantedBy = [ "multi-user.target" ];\n    after = [ "network-online.target" ];\n    serviceConfig = { Type = "oneshot"; ExecStart = reporter; };\n  };\n}\n`;
  it("a job reading /proc/sys/kernel/random/boot_id and publishing to the network stays a low root job", async () => {
    const [f] = await exposure({ "r.nix": reporter("id=$(cat /proc/sys/kernel/random/boot_id)") });
    expect(f?.severity).toBe("low");
  });
  it("...while one writing a kernel setting there is a system job, not reported", async () => {
    expect(await exposure({ "r.nix": reporter("echo 1 > /proc/sys/net/ipv4/ip_forward") })).toEqual([]);
  });
});

describe("severity by attack surface", () => {
  it("a second sshd is a network daemon (medium as root), not a local one", async () => {
    const [f] = await exposure({ "s.nix": daemon("sshd-wan", `    serviceConfig.ExecStart = "\${pkgs.openssh}/bin/sshd -D -f /etc/ssh/sshd_config_wan";\n`) });
    expect(f?.severity).toBe("medium");
    expect(f!.message).toContain("it runs sshd");
    // ...and it keeps root: sshd switches to the users who log in.
    expect(f!.message).toContain("must run as root");
  });
  it("a root daemon with no listener is low, not medium", async () => {
    const [f] = await exposure({ "net.nix": daemon("netusage", `    serviceConfig.ExecStart = "\${pkgs.netusage}/bin/netusage --out /dev/shm/netusage";\n`) });
    expect(f?.severity).toBe("low");
    expect(f!.message).toContain("long-running local daemon");
  });
  it("a root metrics exporter whose port the firewall opens is medium; another root server there is high", async () => {
    const exp = daemon("zfs-stats-exporter", `    serviceConfig.ExecStart = "\${pkgs.zstats}/bin/zstats";\n`, "").replace(/}\n$/, "  networking.firewall.allowedTCPPorts = [ 9103 ];\n}\n");
    const [f] = await exposure({ "exp.nix": exp });
    expect(f?.severity).toBe("medium");
    const [g] = await exposure({ "srv.nix": exp.replace(/zfs-stats-exporter/g, "zstats") });
    expect(g?.severity).toBe("high");
  });
  it("a server known by its program (tgtd, rclone serve) is network-facing, medium even as root", async () => {
    const [f] = await exposure({ "tgt.nix": daemon("tgtd", `    serviceConfig.ExecStart = "\${pkgs.tgt}/bin/tgtd -f";\n`) });
    expect(f?.severity).toBe("medium");
    expect(f!.message).toContain("a server that listens on its default port");
    const [g] = await exposure({ "dlna.nix": daemon("dlna", `    script = "\${pkgs.rclone}/bin/rclone serve dlna /srv/media";\n`) });
    expect(g?.severity).toBe("medium");
    expect(g!.message).not.toContain("backs up");
  });
});

describe("device jobs are not daemons", () => {
  it("a udev-started adb call and a sound played at boot are not reported", async () => {
    const tether = `{ pkgs, ... }: {\n  systemd.services.usb_tether.script = ''\n    \${pkgs.android-tools}/bin/adb -s X1 wait-for-device\n    \${pkgs.android-tools}/bin/adb -s X1 shell svc usb setFunctions rndis\n  '';\n  services.udev.extraRules = ''\n    ACTION=="add", SUBSYSTEM=="usb", TAG+="systemd", ENV{SYSTEMD_WANTS}="usb_tether.service"\n  '';\n}\n`;
    expect(await exposure({ "tether.nix": tether })).toEqual([]);
    const sound = daemon("startup-sound", `    path = [ pkgs.alsa-utils ];\n    script = ''\n      sleep 3\n      aplay /root/startup.wav -D hw:0,0\n    '';\n`);
    expect(await exposure({ "sound.nix": sound })).toEqual([]);
  });
  it("...while a udev-started grab that loops forever and a player daemon stay reported", async () => {
    const player = daemon("player", `    script = ''\n      while true; do aplay /srv/loop.wav; done\n    '';\n`);
    const [f] = await exposure({ "player.nix": player });
    expect(f?.severity).toBe("low");
    // ...and its fix keeps the sound card: no PrivateDevices.
    expect(f!.fix?.description ?? "").not.toMatch(/PrivateDevices,/);
  });
  it("a fan loop in a let-bound script writing hwmon is a device daemon, not reported; without /sys it is", async () => {
    const fan = (write: string) => `{ pkgs, ... }: let\n  fanctl = pkgs.writeShellScript "fanctl" ''\n    while true; do\n      ${write}\n      sleep 5\n    done\n  '';\nin {\n  systemd.services.fan-control = {\n    wantedBy = [ "multi-user.target" ];\n    serviceConfig = { ExecStart = fanctl; Restart = "always"; };\n  };\n}\n`;
    expect(await exposure({ "fan.nix": fan('echo 120 > "/sys/class/hwmon/hwmon3/pwm1"') })).toEqual([]);
    const [f] = await exposure({ "fan.nix": fan("logger tick") });
    expect(f?.severity).toBe("low");
  });
});

describe("what a job takes from the network", () => {
  const job = (body: string, path = "") =>
    `{ pkgs, ... }: {\n  systemd.services.nightly = {\n    startAt = "daily";\n${path}    serviceConfig.Type = "oneshot";\n    script = ''\n${body}    '';\n  };\n}\n`;
  it("an echo saying 'update' and a NAT64 pool set with jool are no download: not reported", async () => {
    const body = `      IP=$(ip -4 route get 1.1.1.1 | awk '/src/ {print $7}')\n      jool pool4 add "$IP" 1-65535 --tcp\n      echo "skipping pool4 update"\n`;
    expect(await exposure({ "j.nix": job(body, "    path = [ pkgs.jool-cli pkgs.iproute2 ];\n") })).toEqual([]);
    const [f] = await exposure({ "j.nix": job(`      poolctl update\n`) });
    expect(f?.severity).toBe("low");
  });
  it("a URL jq writes into a file is data; a URL curl fetches is a download", async () => {
    const edit = `      echo "$(jq '. += {"substituters":["https://cache.example.org"]}' /root/s.json)" > /root/s.json\n`;
    expect(await exposure({ "t.nix": job(edit, "    path = [ pkgs.jq ];\n") })).toEqual([]);
    const [f] = await exposure({ "t.nix": job(`      curl -fsS https://cache.example.org/nix-cache-info -o /var/lib/c\n`) });
    expect(f?.severity).toBe("low");
  });
  it("a local copy of /var is a note (info) and keeps /var/tmp; a backup to a remote host is low", async () => {
    const [f] = await exposure({ "b.nix": job(`      \${pkgs.rsync}/bin/rsync -a --delete /var /tank/var\n`) });
    expect(f?.severity).toBe("info");
    expect(f!.fix?.description ?? "").not.toMatch(/^Add to serviceConfig: [^.]*PrivateTmp/);
    const [g] = await exposure({ "b.nix": job(`      \${pkgs.restic}/bin/restic -r sftp:backup@nas:/srv/restic backup /var\n`) });
    expect(g?.severity).toBe("low");
  });
});

describe("fixes and scores", () => {
  it("a daemon reading a file in /tmp keeps /tmp: no PrivateTmp", async () => {
    const [f] = await exposure({ "e.nix": daemon("stats", `    serviceConfig.ExecStart = "\${pkgs.stats}/bin/stats --config /tmp/stats.yaml";\n`) });
    expect(f!.fix?.description ?? "").not.toMatch(/^Add to serviceConfig: [^.]*(?:PrivateTmp|DynamicUser)/);
    expect(f!.fix?.description ?? "").toContain("PrivateTmp (it uses /tmp/stats.yaml");
    const [g] = await exposure({ "e.nix": daemon("stats", `    serviceConfig.ExecStart = "\${pkgs.stats}/bin/stats --config /etc/stats.yaml";\n`) });
    expect(g!.fix?.description ?? "").toMatch(/PrivateTmp/);
  });
  it("a ping prober keeps CAP_NET_RAW; another daemon drops every capability", async () => {
    const files = { "p.nix": daemon("probe", `    script = "while true; do \${pkgs.fping}/bin/fping -q 10.0.0.1; sleep 10; done";\n`) };
    const [f] = await exposure(files);
    expect(f!.fix?.patch ?? "").toMatch(/CapabilityBoundingSet = \[ "CAP_NET_RAW" \]/);
    if (nixAvailable) await patchAndParse(files, f!.fix!.patch!);
    const [g] = await exposure({ "p.nix": daemon("probe", `    script = "while true; do \${pkgs.probe}/bin/probe 10.0.0.1; sleep 10; done";\n`) });
    expect(g!.fix?.patch ?? "").not.toContain("CAP_NET_RAW");
  });
  it("code served from a user's home gets no DynamicUser (a 0700 home); code from the store does", async () => {
    const [f] = await exposure({ "a.nix": daemon("api", `    serviceConfig = { WorkingDirectory = "/home/alice/dev/api"; ExecStart = "\${pkgs.python3}/bin/python -m uvicorn main:app --port 10000"; };\n`) });
    expect(f!.fix?.description ?? "").not.toMatch(/^Add to serviceConfig: DynamicUser/);
    expect(f!.fix?.description ?? "").toContain("0700");
    const [g] = await exposure({ "a.nix": daemon("api", `    serviceConfig = { ExecStart = "\${pkgs.python3}/bin/python -m uvicorn main:app --port 10000"; };\n`) });
    expect(g!.fix?.description ?? "").toMatch(/^Add to serviceConfig: DynamicUser/);
  });
  it("a dynamic key that is EnvironmentFile or nothing leaves the score measured; one that may be ProtectSystem makes it a bound", async () => {
    // As a module writes it: the unit's set behind a let (read by the evaluator, as palworld's is).
    const unit = (key: string) => `{ pkgs, lib, config, ... }: let cfg = config.services.game; in {\n  systemd.services.game = let dir = "/var/lib/game"; in {\n    wantedBy = [ "multi-user.target" ];\n    serviceConfig = {\n      User = "game";\n      WorkingDirectory = dir;\n      ExecStart = "\${pkgs.game}/bin/game -port 8211";\n      \${if cfg.secretFile != null then "${key}" else null} = "-/run/secrets/game";\n    };\n  };\n}\n`;
    const [f] = await exposure({ "g.nix": unit("EnvironmentFile") });
    expect(f?.message).not.toContain("at most");
    expect(f!.message).toContain("built-in scorer");
    const [g] = await exposure({ "g.nix": unit("ProtectSystem") });
    expect(g?.message).toContain("at most");
  });
});

describe("units behind a switch no host turns on exist on no machine", () => {
  const flake = `{\n  inputs.nixpkgs.url = "github:NixOS/nixpkgs";\n  outputs = { self, nixpkgs, ... }: {\n    nixosConfigurations.alpha = nixpkgs.lib.nixosSystem { modules = [ ./hosts/alpha.nix ]; };\n  };\n}\n`;
  const mod = `{ config, lib, pkgs, ... }: {\n  options.services.stats = lib.mkEnableOption "stats";\n  config = lib.mkIf config.services.stats {\n    systemd.services.stats = {\n      wantedBy = [ "multi-user.target" ];\n      serviceConfig.ExecStart = "\${pkgs.stats}/bin/stats";\n    };\n  };\n}\n`;
  const infinity = `{ config, lib, pkgs, ... }: let cfg = config.services.infinity; in {\n  options.services.infinity.enable = lib.mkEnableOption "infinity";\n  config = lib.mkIf cfg.enable {\n    systemd.services.infinity = {\n      wantedBy = [ "multi-user.target" ];\n      serviceConfig.ExecStart = "\${pkgs.infinity}/bin/infinity";\n    };\n  };\n}\n`;
  const exposureOf = async (files: Record<string, string>) => (await scanMemory(files)).findings.filter((f) => f.ruleId === RULE).map((f) => f.optionPath);
  it("a switch only a comment or a `false` names is off: no finding", async () => {
    const files = {
      "flake.nix": flake,
      "hosts/alpha.nix": `{ imports = [ ../modules/stats.nix ../modules/infinity.nix ]; services.stats = false; services.infinity.enable = false; }\n`,
      "hosts/old.nix": `{\n  # stats = true;\n  # infinity.enable = true;\n  services = { infinity = { enable = false; }; };\n}\n`,
      "modules/stats.nix": mod,
      "modules/infinity.nix": infinity,
    };
    expect(await exposureOf(files)).toEqual([]);
  });
  it("...while a host that turns them on gets both findings", async () => {
    const files = {
      "flake.nix": flake,
      "hosts/alpha.nix": `{ imports = [ ../modules/stats.nix ../modules/infinity.nix ]; services.stats = true; services.infinity.enable = true; }\n`,
      "modules/stats.nix": mod,
      "modules/infinity.nix": infinity,
    };
    expect((await exposureOf(files)).sort()).toEqual(["systemd.services.infinity", "systemd.services.stats"]);
  });
});
