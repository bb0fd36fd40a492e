// nix-env-install-in-script and rebuild-upgrade-in-script: commands in shell scripts and in Nix
// strings that are scripts, read with the shell reader (comments, plain strings, heredoc data and
// other interpreters stay silent).
import { describe, expect, it } from "vitest";
import { sites } from "../../helpers/scan.js";
import { nixAvailable } from "../../helpers/nix.js";
import { applyFix, findingsOf, lineOf, scanWith } from "./helpers.js";

const NIX_ENV = "nix-env-install-in-script";
const UPGRADE = "rebuild-upgrade-in-script";

const SCRIPT = [
  "#!/usr/bin/env bash",
  "# Never run `nix-env -i` or `nixos-rebuild switch --upgrade` here.",
  "set -euo pipefail",
  'echo "nix-env -iA nixos.hello; nixos-rebuild switch --upgrade"',
  "sudo nix-env -iA nixos.htop",
  "ssh -p 2222 root@nas 'nix-env --install -A nixos.git'",
  "nix-env -p /nix/var/nix/profiles/system --set /nix/store/abc-system",
  "nix-env -q",
  "cat <<DATA > notes.txt",
  "nix-env -i something",
  "nixos-rebuild switch --upgrade",
  "don't",
  "DATA",
  "ssh nas <<'REMOTE'",
  "nix-env -iA nixos.tmux",
  "REMOTE",
  "if true; then FOO=1 nix-env -i vim; fi",
  "result=$(nix-env -i jq)",
  "nix-env -I nixpkgs=/x -q",
  "for host in a b; do",
  '  nixos-rebuild switch --upgrade --flake ".#$host" --target-host "root@$host"',
  "done",
  "sudo nixos-rebuild boot \\",
  "  --upgrade-all",
  "nixos-rebuild switch --flake .#a",
  "nix-env --install --help",
  "nix-env -i --dry-run foo",
  "",
].join("\n");

const MODULE = [
  "{ pkgs, lib, ... }:",
  "{",
  "  systemd.services.setup = {",
  "    script = ''",
  "      # nix-env -iA nixos.comment; nixos-rebuild switch --upgrade",
  "      ${pkgs.nix}/bin/nix-env -iA nixos.htop",
  "      ${lib.getExe pkgs.nixos-rebuild} switch --upgrade",
  "    '';",
  '    serviceConfig.ExecStartPost = "${pkgs.nixos-rebuild}/bin/nixos-rebuild boot --upgrade";',
  "  };",
  '  environment.etc."motd".text = "run nix-env -i or nixos-rebuild switch --upgrade";',
  '  system.activationScripts.tools = "nix-env -iA nixos.git";',
  "  environment.systemPackages = [",
  "    (pkgs.writeShellScriptBin \"up\" ''",
  '      sudo ${lib.getExe\' pkgs.nix "nix-env"} -i hello',
  "    '')",
  '    (pkgs.writeShellApplication { name = "x"; text = "nix-env --install -A foo"; })',
  "    (pkgs.writeScript \"py\" ''",
  "      #!${pkgs.python3}/bin/python",
  '      import os; os.system("nix-env -i foo; nixos-rebuild switch --upgrade")',
  "    '')",
  "  ];",
  '  environment.etc."x.sh".text = \'\'',
  "    #!/bin/sh",
  "    nix-env -i foo",
  "  '';",
  '  home-manager.users.a.home.activation.up = lib.hm.dag.entryAfter [ "writeBoundary" ] \'\'',
  "    nixos-rebuild switch --upgrade",
  "  '';",
  "}",
  "",
].join("\n");

const FILES = { "scripts/deploy.sh": SCRIPT, "module.nix": MODULE, Justfile: "deploy:\n\tnixos-rebuild switch --upgrade\n", "notes.md": "Run `nix-env -i foo`.\n" };

describe(NIX_ENV, () => {
  it("reports nix-env installs that scripts run, through sudo, ssh, here-documents to ssh, substitutions", async () => {
    const report = await scanWith(NIX_ENV, FILES);
    const s = (f: string, text: string, needle: string) => `${f}:${lineOf(text, needle)}`;
    expect(sites(report, NIX_ENV).sort()).toEqual(
      [
        s("scripts/deploy.sh", SCRIPT, "sudo nix-env -iA nixos.htop"),
        s("scripts/deploy.sh", SCRIPT, "ssh -p 2222"),
        s("scripts/deploy.sh", SCRIPT, "nix-env -iA nixos.tmux"),
        s("scripts/deploy.sh", SCRIPT, "FOO=1 nix-env"),
        s("scripts/deploy.sh", SCRIPT, "$(nix-env -i jq)"),
        s("module.nix", MODULE, "/bin/nix-env -iA nixos.htop"),
        s("module.nix", MODULE, "activationScripts.tools"),
        s("module.nix", MODULE, '"nix-env"} -i hello'),
        s("module.nix", MODULE, "writeShellApplication"),
        s("module.nix", MODULE, "    nix-env -i foo"),
      ].sort(),
    );
    const ssh = findingsOf(report, NIX_ENV).find((f) => f.line === 6 && f.file === "scripts/deploy.sh")!;
    expect(ssh).toMatchObject({ severity: "medium", column: 23, evidence: "nix-env --install -A nixos.git", fix: { safety: "manual" } });
    expect(ssh.message).toContain("installs nixos.git");
    const sys = findingsOf(report, NIX_ENV).find((f) => f.file === "module.nix" && f.line === 6)!;
    expect(sys.message).toContain("The script in systemd.services.setup.script runs");
    expect(sys.evidence).toBe("${pkgs.nix}/bin/nix-env -iA nixos.htop");
  });
});

describe(UPGRADE, () => {
  it("reports nixos-rebuild --upgrade in scripts, not in comments, strings, data or other languages", async () => {
    const report = await scanWith(UPGRADE, FILES);
    expect(sites(report, UPGRADE).sort()).toEqual(
      [
        `scripts/deploy.sh:${lineOf(SCRIPT, "nixos-rebuild switch --upgrade --flake")}`,
        `scripts/deploy.sh:${lineOf(SCRIPT, "sudo nixos-rebuild boot")}`,
        `module.nix:${lineOf(MODULE, "getExe pkgs.nixos-rebuild")}`,
        `module.nix:${lineOf(MODULE, "ExecStartPost")}`,
        `module.nix:${lineOf(MODULE, "    nixos-rebuild switch --upgrade")}`,
      ].sort(),
    );
    const f = findingsOf(report, UPGRADE).find((x) => x.file === "scripts/deploy.sh" && x.line === 23)!;
    expect(f).toMatchObject({ severity: "medium", endLine: 24, fix: { safety: "review" } });
    expect(f.message).toContain("--upgrade-all updates the channels first");
  });

  it.skipIf(!nixAvailable)("removes the flag: the patches apply (and the Nix file still parses)", async () => {
    const report = await scanWith(UPGRADE, FILES);
    for (const f of findingsOf(report, UPGRADE)) {
      const patched = await applyFix(FILES, f);
      const changed = patched[f.file]!.split("\n").slice(f.line - 1, f.endLine).join("\n");
      expect(changed).not.toMatch(/--upgrade/);
      const again = await scanWith(UPGRADE, patched);
      expect(again.findings).toHaveLength(4);
    }
    const script = findingsOf(report, UPGRADE).find((x) => x.file === "scripts/deploy.sh" && x.line === 21)!;
    const patched = await applyFix(FILES, script);
    expect(patched["scripts/deploy.sh"]!.split("\n")[20]).toBe('  nixos-rebuild switch --flake ".#$host" --target-host "root@$host"');
  });
});
