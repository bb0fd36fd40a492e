// systemd-service-exposure, from an admin's judgement of findings on public configurations (issue 11
// points 4-5): which units are worth a finding, how they rank, and fixes the service can live with.
// Each case has a look-alike that must still be reported.
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ruleFindings } from "../helpers/memory.js";
import { hasNix } from "../helpers/nix.js";
import type { Finding } from "../../src/report/schema.js";

const RULE = "systemd-service-exposure";

const exposure = (files: Record<string, string>) => ruleFindings(files, RULE);

/** The files with the finding's patch applied by `git apply`. */
async function patched(files: Record<string, string>, f: Finding): Promise<Record<string, string>> {
  expect(f.fix?.patch).toBeTruthy();
  const dir = await mkdtemp(join(tmpdir(), "nw-surface-"));
  try {
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    await writeFile(join(dir, "fix.patch"), f.fix!.patch!);
    execFileSync("git", ["apply", "fix.patch"], { cwd: dir, timeout: 20_000, stdio: "pipe" });
    const out: Record<string, string> = {};
    for (const name of Object.keys(files)) out[name] = await readFile(join(dir, name), "utf8");
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function parses(text: string): Promise<boolean> {
  if (!hasNix) return true;
  const dir = await mkdtemp(join(tmpdir(), "nw-surface-"));
  try {
    await writeFile(join(dir, "x.nix"), text);
    execFileSync("nix-instantiate", ["--parse", join(dir, "x.nix")], { timeout: 20_000, stdio: "pipe" });
    return true;
  } catch {
    return false;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("trivial oneshots and jobs that change the system are not reported", () => {
  it("a root oneshot that only installs an agenix file is silent; one that downloads is reported", async () => {
    const quiet = await exposure({
      "key.nix": `{ config, pkgs, ... }: {\n  systemd.services.app-key = {\n    description = "Install the key";\n    wantedBy = [ "multi-user.target" ];\n    serviceConfig = {\n      Type = "oneshot";\n      RemainAfterExit = true;\n      ExecStart = "\${pkgs.coreutils}/bin/install -D -m600 -o root -g root \${config.age.secrets.k.path} /var/lib/app/key";\n    };\n  };\n}\n`,
    });
    expect(quiet).toEqual([]);
    const loud = await exposure({
      "key.nix": `{ pkgs, ... }: {\n  systemd.services.app-key = {\n    description = "Fetch the key";\n    wantedBy = [ "multi-user.target" ];\n    serviceConfig.Type = "oneshot";\n    script = ''\n      \${pkgs.curl}/bin/curl -fsS https://keys.example.org/app -o /tmp/key\n      install -D -m600 /tmp/key /var/lib/app/key\n    '';\n  };\n}\n`,
    });
    expect(loud).toHaveLength(1);
  });

  it("a let-bound script writing /proc/sys and sysfs in a loop (no Type) is silent; a script that starts a daemon is reported as one", async () => {
    const quiet = await exposure({
      "powersave.nix": `let\n  script = ''\n    echo 1500 > /proc/sys/vm/dirty_writeback_centisecs\n    echo 1 > /sys/module/snd_hda_intel/parameters/power_save\n    for i in /sys/bus/pci/devices/*; do\n      echo auto > "$i/power/control"\n    done\n  '';\nin\n{\n  systemd.services.powersave = {\n    description = "Apply power saving tweaks";\n    wantedBy = [ "multi-user.target" ];\n    inherit script;\n  };\n}\n`,
    });
    expect(quiet).toEqual([]);
    const loud = await exposure({
      "agent.nix": `{ pkgs, ... }: {\n  systemd.services.agent = {\n    description = "Agent";\n    wantedBy = [ "multi-user.target" ];\n    script = "exec \${pkgs.hello}/bin/hello --daemon";\n  };\n}\n`,
    });
    expect(loud).toHaveLength(1);
    expect(loud[0]!.message).toMatch(/long-running local daemon/);
  });

  it("an auto-upgrade job whose script is read with builtins.readFile (nixos-rebuild, kexec) is silent; a backup job keeps root and is reported", async () => {
    const quiet = await exposure({
      "update.nix": `{ config, pkgs, ... }: {\n  systemd.services.update-host = {\n    serviceConfig.Type = "oneshot";\n    path = [ config.system.build.nixos-rebuild pkgs.kexec-tools pkgs.curl ];\n    script = builtins.readFile ./update.bash;\n  };\n  systemd.timers.update-host.timerConfig.OnUnitInactiveSec = "5m";\n}\n`,
      "update.bash": "set -eu\nnix-store --realise \"$p\"\nnixos-rebuild boot\nkexec --load /run/next/kernel\nsystemctl kexec\n",
    });
    expect(quiet).toEqual([]);
    const loud = await exposure({
      "backup.nix": `{ pkgs, ... }: {\n  systemd.services.backup = {\n    startAt = "daily";\n    script = "\${pkgs.restic}/bin/restic backup /var/lib";\n  };\n}\n`,
    });
    expect(loud).toHaveLength(1);
    // It keeps root, /home and the network: a patch with the subset a backup lives with.
    expect(loud[0]!.message).toMatch(/keeps its user, \/home and the network/);
    expect(loud[0]!.fix?.patch ?? "").not.toMatch(/DynamicUser|ProtectHome|PrivateNetwork|ProtectSystem = "strict"/);
    expect(loud[0]!.fix?.patch ?? "").toMatch(/ProtectSystem = "full"/);
  });

  it("a oneshot assembling env files from agenix secrets and a rootful `podman network create` are silent; a oneshot running a Python script is reported", async () => {
    const quiet = await exposure({
      "backstage.nix": `{ pkgs, ... }:\nlet agenixPath = n: "/run/agenix/\${n}"; envDir = "/run/backstage"; in {\n  systemd.services.backstage-env-setup = {\n    wantedBy = [ "multi-user.target" ];\n    serviceConfig.Type = "oneshot";\n    script = ''\n      set -euo pipefail\n      umask 077\n      mkdir -p \${envDir}\n      PG=$(cat \${agenixPath "pg"})\n      cat > \${envDir}/env <<EOF\n      POSTGRES_PASSWORD=$PG\n      EOF\n    '';\n  };\n  systemd.services.backstage-network = {\n    wantedBy = [ "multi-user.target" ];\n    serviceConfig = { Type = "oneshot"; RemainAfterExit = true; };\n    script = "\${pkgs.podman}/bin/podman network create backstage-net || true";\n  };\n}\n`,
    });
    expect(quiet).toEqual([]);
    const loud = await exposure({
      "job.nix": `{ pkgs, ... }: {\n  systemd.services.report = {\n    startAt = "daily";\n    serviceConfig.Type = "oneshot";\n    script = "\${pkgs.python3}/bin/python3 /etc/report.py --post https://metrics.example.org/in";\n  };\n}\n`,
    });
    expect(loud).toHaveLength(1);
  });
});

describe("attack surface: firewall and ports as the hosts have them", () => {
  const proxyModule = `{ config, lib, pkgs, ... }:\nlet cfg = config.services.myproxy; in {\n  options.services.myproxy = {\n    enable = lib.mkEnableOption "proxy";\n    port = lib.mkOption { type = lib.types.port; default = 8317; };\n    openFirewall = lib.mkOption { type = lib.types.bool; default = false; };\n  };\n  config = lib.mkIf cfg.enable {\n    networking.firewall = lib.mkIf cfg.openFirewall { allowedTCPPorts = [ cfg.port ]; };\n    systemd.services.my-proxy = {\n      wantedBy = [ "multi-user.target" ];\n      serviceConfig = { ExecStart = "\${pkgs.hello}/bin/hello"; DynamicUser = true; };\n    };\n  };\n}\n`;

  it("a firewall opening behind `mkIf cfg.openFirewall` (default false, set by no host) does not make it network-facing", async () => {
    const [f] = await exposure({ "proxy.nix": proxyModule, "host.nix": `{ imports = [ ./proxy.nix ]; services.myproxy.enable = true; }\n` });
    expect(f!.severity).toBe("low");
    expect(f!.message).toMatch(/opens the firewall only when services\.myproxy\.openFirewall is set/);
  });

  it("...and does where a host sets openFirewall = true", async () => {
    const [f] = await exposure({ "proxy.nix": proxyModule, "host.nix": `{ imports = [ ./proxy.nix ]; services.myproxy = { enable = true; openFirewall = true; }; }\n` });
    expect(f!.severity).toBe("medium");
    expect(f!.message).toMatch(/opens firewall ports/);
  });

  const caddy = (ports: string) => ({
    "caddy.nix": `{ pkgs, ... }:\nlet\n  conf = pkgs.writeText "Caddyfile" ''\n    http://0.0.0.0:8080 {\n      file_server /* browse {\n        root /home/joerg/web\n      }\n    }\n  '';\nin\n{\n  systemd.services.caddy = {\n    description = "Caddy web server";\n    wantedBy = [ "multi-user.target" ];\n    serviceConfig = {\n      ExecStart = "\${pkgs.caddy}/bin/caddy run --config=\${conf} --adapter caddyfile";\n      User = "joerg";\n      AmbientCapabilities = "cap_net_bind_service";\n    };\n  };\n}\n`,
    "configuration.nix": `{ imports = [ ./caddy.nix ]; networking.firewall.allowedTCPPorts = [ ${ports} ]; }\n`,
  });

  it("a server on a port the firewall does not open is local-only, with ProtectHome read-only for what it serves from /home and its ambient capability kept", async () => {
    const files = caddy("8081");
    const [f] = await exposure(files);
    expect(f!.severity).toBe("low");
    expect(f!.message).toMatch(/listens on port 8080, which the firewall .* does not open/);
    expect(f!.message).toMatch(/ProtectHome is proposed read-only/);
    const after = (await patched(files, f!))["caddy.nix"]!;
    expect(after).toMatch(/ProtectHome = "read-only";/);
    expect(after).toMatch(/CapabilityBoundingSet = \[ "cap_net_bind_service" \];/);
    expect(after).not.toMatch(/ProtectHome = true/);
    expect(await parses(after)).toBe(true);
  });

  it("...and network-facing when the firewall opens its port", async () => {
    const [f] = await exposure(caddy("8080"));
    expect(f!.severity).toBe("medium");
  });

  it("a daemon bound to localhost is local-only, unless a reverse proxy of its host forwards to its port", async () => {
    const unit = `  systemd.services.counter = {\n    wantedBy = [ "multi-user.target" ];\n    serviceConfig = { ExecStart = "\${pkgs.hello}/bin/hello serve -listen localhost:3004"; User = "counter"; };\n  };\n`;
    const [local] = await exposure({ "counter.nix": `{ pkgs, ... }: {\n${unit}}\n` });
    expect(local!.severity).toBe("low");
    expect(local!.message).toMatch(/loopback addresses only/);
    const [proxied] = await exposure({ "counter.nix": `{ pkgs, ... }: {\n${unit}  services.nginx.virtualHosts."c.example.org".locations."/".extraConfig = "proxy_pass http://localhost:3004;";\n}\n` });
    expect(proxied!.severity).toBe("medium");
    expect(proxied!.message).toMatch(/reverse proxy .* points at its port 3004/);
  });

  it("a proxy's upstream on 127.0.0.1 is not taken for the address it listens on", async () => {
    const [f] = await exposure({
      "caddy.nix": `{ pkgs, ... }:\nlet cfg = pkgs.writeText "Caddyfile" ''\n  backup.example.org {\n    proxy / 127.0.0.1:5000\n  }\n''; in {\n  systemd.services.caddy = {\n    wantedBy = [ "multi-user.target" ];\n    serviceConfig = { ExecStart = "\${pkgs.caddy}/bin/caddy -conf=\${cfg}"; User = "caddy"; };\n  };\n}\n`,
    });
    expect(f!.message).not.toMatch(/loopback/);
    expect(f!.severity).toBe("medium");
  });
});

describe("fixes the service can live with", () => {
  const workers = (user: string) => ({
    "update.nix": `{ pkgs, ... }:\nlet\n  mkWorker = name: {\n    description = "worker \${name}";\n    wantedBy = [ "multi-user.target" ];\n    serviceConfig = {\n      Type = "simple";\n      User = "${user}";\n      WorkingDirectory = "/var/lib/upd";\n    };\n    script = "\${pkgs.hello}/bin/hello --work \${name}";\n  };\nin\n{\n  users.users.${user} = ${user === "bot" ? "{ isNormalUser = true; }" : "{ isSystemUser = true; group = \"svc\"; }"};\n  systemd.tmpfiles.rules = [ "L+ /home/bot/.gitconfig - - - - \${./gitconfig}" ];\n  systemd.services.w1 = mkWorker "w1";\n  systemd.services.w2 = mkWorker "w2";\n}\n`,
  });

  it("services one function builds: one finding at the function's serviceConfig; ProtectHome read-only for a normal user whose files are under /home", async () => {
    const found = await exposure(workers("bot"));
    expect(found).toHaveLength(1);
    expect(found[0]!.line).toBe(6);
    expect(found[0]!.message).toMatch(/w1, w2/);
    expect(found[0]!.message).toMatch(/ProtectHome is proposed read-only, not true: its user bot/);
    expect(found[0]!.fix?.patch).toBeUndefined();
    expect(found[0]!.fix?.description).toMatch(/ProtectHome/);
  });

  it("...and ProtectHome stays in the baseline for a system user", async () => {
    const found = await exposure(workers("svc"));
    expect(found).toHaveLength(1);
    expect(found[0]!.message).not.toMatch(/ProtectHome is proposed read-only/);
  });

  const tunnel = (caps: string) => ({
    "tunnel.nix": `{ config, lib, pkgs, ... }: {\n  systemd.services.tunnel = {\n    description = "Tunnel connector";\n    wantedBy = [ "multi-user.target" ];\n    serviceConfig = {\n      ExecStart = lib.concatStringsSep " " [\n        (lib.getExe pkgs.cloudflared)\n        "tunnel"\n        "run"\n        "--token-file"\n        config.sops.secrets.TUNNEL_TOKEN.path\n      ];\n      User = lib.mkDefault "root";\n      Group = lib.mkDefault "root";\n${caps}      NoNewPrivileges = true;\n      PrivateTmp = true;\n      ProtectSystem = "strict";\n      ProtectHome = true;\n    };\n  };\n}\n`,
  });

  it("a root daemon that is partly sandboxed: said so; User=root becomes DynamicUser and its token file a credential", async () => {
    const files = tunnel("");
    const [f] = await exposure(files);
    expect(f!.title).toBe("systemd service 'tunnel' runs as root, partly sandboxed");
    expect(f!.message).toMatch(/replaces User=root with DynamicUser and hands it TUNNEL_TOKEN through LoadCredential=/);
    const after = (await patched(files, f!))["tunnel.nix"]!;
    expect(after).toMatch(/DynamicUser = true;/);
    expect(after).not.toMatch(/"root"/);
    expect(after).toMatch(/"%d\/TUNNEL_TOKEN"/);
    expect(after).toContain('LoadCredential = [ "TUNNEL_TOKEN:${config.sops.secrets.TUNNEL_TOKEN.path}" ];');
    expect(await parses(after)).toBe(true);
  });

  it("...but a root daemon given CAP_NET_ADMIN keeps its user", async () => {
    const [f] = await exposure(tunnel(`      AmbientCapabilities = [ "CAP_NET_ADMIN" ];\n`));
    expect(f!.message).not.toMatch(/DynamicUser and hands/);
    expect(f!.fix?.patch ?? "").not.toMatch(/DynamicUser = true/);
  });
});
