// The large-repository benchmark (npm run bench -- many [N ...]): a generated NixOS configuration of
// N files (default 5,000, 10,000 and 20,000) in a temporary directory, each size scanned cold by the
// CLI in a fresh process (--quick --no-cache); prints wall time and peak RSS per size, and how both
// grow against the smallest size (linear growth keeps the ratio per file flat). Ceiling: 1 GB.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** Files per host: each host imports the modules of its own group. */
const PER_HOST = 500;

/** One NixOS module of the generated tree, of four kinds as in real configurations: a service with
 * a systemd unit and a script, users and packages, networking, program settings; now and then a
 * literal password (work for the secret detectors). */
function moduleText(i: number): string {
  if (i % 4 === 1)
    return `{ pkgs, ... }:
{
  users.users.user${i} = {
    isNormalUser = true;
    description = "User ${i}";
    extraGroups = [ "networkmanager" ${i % 3 === 0 ? '"docker" ' : ""}];
    openssh.authorizedKeys.keys = [ "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${String(i).padStart(8, "0")}abcdefghijklmnopqrstuvwxy user${i}@example.org" ];
  };
  environment.systemPackages = with pkgs; [ git vim htop ripgrep fd ];
}
`;
  if (i % 4 === 2)
    return `{ lib, ... }:
{
  networking.firewall.allowedTCPPorts = [ ${2000 + (i % 5000)} ];
  networking.firewall.allowedUDPPorts = lib.mkDefault [ ];
  services.openssh.settings.PasswordAuthentication = ${i % 5 === 0 ? "true" : "false"};
  boot.kernel.sysctl."net.ipv4.ip_forward" = ${i % 7 === 0 ? 1 : 0};
}
`;
  if (i % 4 === 3)
    return `{ config, lib, ... }:
let
  name = "prog${i}";
in
{
  programs.\${name} = {
    enable = true;
    settings = { theme = "dark"; font = { family = "mono"; size = ${10 + (i % 6)}; }; };
  };
  nix.settings.trusted-users = [ "root" ${i % 9 === 0 ? '"@wheel" ' : ""}];
}
`;
  const port = 2000 + (i % 5000);
  const secret = i % 17 === 0 ? `\n  services.grafana-${i}.settings.security.admin_password = "hunter2-${i}-Xq9v";` : "";
  return `{ config, lib, pkgs, ... }:
let
  cfg = config.services.app${i};
in
{
  options.services.app${i}.enable = lib.mkEnableOption "app ${i}";

  config = lib.mkIf cfg.enable {
    networking.firewall.allowedTCPPorts = [ ${port} ];
    users.users.app${i} = {
      isSystemUser = true;
      group = "app${i}";
      extraGroups = [ ${i % 3 === 0 ? '"wheel" ' : ""}];
    };
    users.groups.app${i} = { };
    systemd.services.app${i} = {
      description = "Application ${i}";
      wantedBy = [ "multi-user.target" ];
      after = [ "network.target" ];
      serviceConfig = {
        User = "app${i}";
        ExecStart = "\${pkgs.python3}/bin/python3 -m http.server ${port}";
        Restart = "on-failure";${i % 2 === 0 ? "\n        ProtectSystem = \"strict\";\n        NoNewPrivileges = true;" : ""}
      };
      script = ''
        mkdir -p /var/lib/app${i}
        cd /var/lib/app${i} && curl -fsSL https://example.org/app${i}.tar.gz | tar xz
        exec \${pkgs.python3}/bin/python3 -m http.server ${port}
      '';
    };${secret}
    environment.systemPackages = with pkgs; [ curl jq ];
  };
}
`;
}

function hostText(h: number, modules: string[]): string {
  return `{ config, pkgs, ... }:
{
  imports = [
${modules.map((m) => `    ../../${m}`).join("\n")}
  ];
  networking.hostName = "host${h}";
  services.openssh.enable = true;
  services.openssh.settings.PermitRootLogin = "${h % 2 === 0 ? "no" : "yes"}";
  services.app${h * PER_HOST}.enable = true;
  system.stateVersion = "24.05";
}
`;
}

/** A tree of about `n` files: hosts/, modules/ (one directory per host), scripts and YAML. */
export function generateTree(dir: string, n: number): number {
  let written = 0;
  const put = (rel: string, text: string) => {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
    written++;
  };
  const hosts = Math.max(1, Math.ceil(n / PER_HOST));
  // One file in twenty is not Nix (a script, a YAML file), as in real configurations.
  const other = Math.floor(n / 20);
  const modules = n - hosts - other - 1;
  const byHost: string[][] = Array.from({ length: hosts }, () => []);
  for (let i = 0; i < modules; i++) {
    const rel = `modules/g${i % hosts}/app${i}.nix`;
    put(rel, moduleText(i));
    byHost[i % hosts]!.push(rel);
  }
  for (let h = 0; h < hosts; h++) put(`hosts/host${h}/default.nix`, hostText(h, byHost[h]!));
  for (let i = 0; i < other; i++) {
    if (i % 2 === 0) put(`scripts/s${i}.sh`, `#!/bin/sh\nset -eu\nexport API_TOKEN="tok_${i}"\ncurl -H "Authorization: Bearer $API_TOKEN" https://example.org/${i}\n`);
    else put(`config/c${i}.yaml`, `service: app${i}\nport: ${2000 + i}\nuser: app${i}\n`);
  }
  const outputs = Array.from({ length: hosts }, (_, h) => `      host${h} = nixpkgs.lib.nixosSystem { system = "x86_64-linux"; modules = [ ./hosts/host${h} ]; };`).join("\n");
  put("flake.nix", `{\n  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.05";\n  outputs = { self, nixpkgs }: {\n    nixosConfigurations = {\n${outputs}\n    };\n  };\n}\n`);
  return written;
}

const GNU_TIME = "/usr/bin/time";

export async function benchMany(sizes: number[]): Promise<void> {
  const cli = join(import.meta.dirname, "..", "bundle", "main.js");
  const home = mkdtempSync(join(tmpdir(), "nix-warden-bench-many-"));
  const env = { ...process.env, NIX_WARDEN_CACHE_DIR: join(home, "cache"), NIX_WARDEN_STATE_DIR: join(home, "state") };
  const withTime = existsSync(GNU_TIME);
  const rows: Array<{ files: number; ms: number; rssMb: number | undefined; findings: number }> = [];
  try {
    for (const n of sizes) {
      const dir = join(home, `tree-${n}`);
      const files = generateTree(dir, n);
      const rssFile = join(home, "rss");
      const args = [cli, "scan", dir, "--quick", "--no-cache", "--format", "json"];
      const t0 = performance.now();
      const r = withTime
        ? spawnSync(GNU_TIME, ["-f", "%M", "-o", rssFile, process.execPath, ...args], { env, encoding: "utf8", maxBuffer: 1 << 30, timeout: 1_800_000 })
        : spawnSync(process.execPath, args, { env, encoding: "utf8", maxBuffer: 1 << 30, timeout: 1_800_000 });
      const ms = performance.now() - t0;
      if (r.status !== 0 && r.status !== 1) throw new Error(`scan of ${files} files failed (${r.status}, ${r.signal ?? ""}): ${r.stderr.slice(-400)}`);
      const rssMb = withTime ? Number(readFileSync(rssFile, "utf8").trim().split("\n").pop()) / 1024 : undefined;
      const findings = (JSON.parse(r.stdout) as { findings: unknown[] }).findings.length;
      rows.push({ files, ms, rssMb, findings });
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
  const base = rows[0]!;
  console.log("generated repositories, cold CLI scan (--quick --no-cache), one run per size");
  console.log("");
  console.log("     files   findings    wall ms   ms/1k files   peak RSS   MB/1k files   growth (time, RSS) vs smallest");
  for (const r of rows) {
    const rss = r.rssMb === undefined ? "n/a" : `${r.rssMb.toFixed(0)} MB`;
    const perK = r.rssMb === undefined ? "n/a" : (r.rssMb / (r.files / 1000)).toFixed(1);
    const growth = `x${(r.ms / base.ms).toFixed(2)}, x${r.rssMb !== undefined && base.rssMb !== undefined ? (r.rssMb / base.rssMb).toFixed(2) : "?"} for x${(r.files / base.files).toFixed(2)} files`;
    console.log(`  ${String(r.files).padStart(8)} ${String(r.findings).padStart(10)} ${r.ms.toFixed(0).padStart(10)} ${(r.ms / (r.files / 1000)).toFixed(0).padStart(13)} ${rss.padStart(10)} ${perK.padStart(13)}   ${growth}`);
  }
  const worst = Math.max(...rows.map((r) => r.rssMb ?? 0));
  console.log("");
  console.log(`  peak RSS at most ${worst.toFixed(0)} MB (ceiling 1024 MB): ${worst <= 1024 ? "within" : "OVER"}`);
}
