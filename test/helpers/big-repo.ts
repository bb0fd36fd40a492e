// A large flake repository for size tests: `hosts` hosts, each importing `modulesPerHost` modules,
// every module with a handful of findings (root login over SSH, passwordless sudo, open ports, an
// old TLS protocol, an unhardened service), so a scan yields thousands of findings.
import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

export async function writeBigRepository(dir: string, hosts = 20, modulesPerHost = 20): Promise<{ nixFiles: number }> {
  const names = Array.from({ length: hosts }, (_, i) => `host${String(i).padStart(2, "0")}`);
  const flake = [
    "{",
    '  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.05";',
    "  outputs = { self, nixpkgs }: {",
    ...names.map((h) => `    nixosConfigurations.${h} = nixpkgs.lib.nixosSystem { system = "x86_64-linux"; modules = [ ./hosts/${h}/default.nix ]; };`),
    "  };",
    "}",
    "",
  ].join("\n");
  await writeFile(join(dir, "flake.nix"), flake);
  // The hosts side by side (each host's files one after another).
  const perHost = await Promise.all(
    names.map(async (h) => {
      const hostDir = join(dir, "hosts", h);
      await mkdir(join(hostDir, "modules"), { recursive: true });
      const mods = Array.from({ length: modulesPerHost }, (_, i) => `./modules/m${String(i).padStart(2, "0")}.nix`);
      await writeFile(join(hostDir, "default.nix"), `{ ... }: {\n  imports = [ ${mods.join(" ")} ];\n  networking.hostName = "${h}";\n}\n`);
      for (let i = 0; i < modulesPerHost; i++) {
        const svc = `${h}-svc${i}`;
        await writeFile(
          join(hostDir, "modules", `m${String(i).padStart(2, "0")}.nix`),
          `{ pkgs, lib, ... }: {
  services.openssh.enable = true;
  services.openssh.settings.PermitRootLogin = "yes";
  services.openssh.settings.PasswordAuthentication = true;
  security.sudo.wheelNeedsPassword = false;
  networking.firewall.allowedTCPPorts = [ ${8000 + i} 6379 ];
  services.nginx.enable = true;
  services.nginx.sslProtocols = "TLSv1 TLSv1.1 TLSv1.2";
  systemd.services.${svc} = {
    wantedBy = [ "multi-user.target" ];
    serviceConfig.ExecStart = "\${pkgs.hello}/bin/hello --port ${9000 + i}";
  };
}
`,
        );
      }
      return 1 + modulesPerHost;
    }),
  );
  const nixFiles = 1 + perHost.reduce((a, b) => a + b, 0);
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=Test", "-c", "user.email=test@example.org", "-c", "init.defaultBranch=main", ...args], { cwd: dir, stdio: "pipe", timeout: 60_000 });
  git("init", "-q");
  git("add", "-A");
  git("commit", "-qm", "big repository");
  return { nixFiles };
}
