// The new secret rules report secrets in shapes the scan's redaction does not know (`mysql -pX`, a
// netrc or .pgpass line, a Wi-Fi passphrase of plain words, a writeText'd password): the report
// must name the place without printing the secret. Before the rules masked their evidence, the
// default evidence (the source line) carried `-pXk92jdkA83jd` into every output.
import { describe, expect, it } from "vitest";
import { scanMemory } from "../helpers/memory.js";
import { flakeWith } from "../../src/rules/shared/examples.js";

const SECRETS = ["Xk92jdkA83jd", "correct horse battery staple", "Zq8mN2pL5x", "Pg29dkfjQ83j", "Mz83kdJd82ks", "S3cr3tP4ssw0rd"];

const MODULE = `{ pkgs, ... }: {
  networking.wireless.networks."HomeNet".psk = "correct horse battery staple";
  services.restic.backups.home.passwordFile = pkgs.writeText "pw" "S3cr3tP4ssw0rd";
  environment.etc."netrc".text = ''
    machine example.org login me password Zq8mN2pL5x
  '';
  environment.etc."pgpass".text = "db.example.org:5432:app:app:Pg29dkfjQ83j";
  environment.etc."msmtprc".text = ''
    password Mz83kdJd82ks
  '';
  systemd.services.backup.script = ''
    mysqldump -uroot -pXk92jdkA83jd --all-databases > /var/backup/all.sql
  '';
}
`;

describe("secrets in skipped shapes", () => {
  it("reports each shape and never prints the secret (their findings: evidence, messages, fixes)", async () => {
    const report = await scanMemory({ "flake.nix": flakeWith(["./configuration.nix"]), "configuration.nix": MODULE });
    const mine = report.findings.filter((f) => f.ruleId === "secret-in-config-text" || f.ruleId === "secret-on-command-line");
    expect(mine.map((f) => `${f.ruleId}:${f.line}`).sort()).toEqual(
      ["secret-in-config-text:2", "secret-in-config-text:3", "secret-in-config-text:4", "secret-in-config-text:7", "secret-in-config-text:8", "secret-on-command-line:12"].sort(),
    );
    const json = JSON.stringify(mine);
    for (const s of SECRETS) expect(json, s).not.toContain(s);
  });

  it("withholds another rule's patch whose context lines would show a secret only a rule recognised", async () => {
    const report = await scanMemory({ "flake.nix": flakeWith(["./configuration.nix"]), "configuration.nix": MODULE });
    // The backup service's hardening fix edits the unit next to its script: its patch would carry
    // `mysqldump -pXk92jdkA83jd` as context, which the scan's detectors do not know as a secret.
    const hardening = report.findings.find((f) => f.ruleId === "systemd-service-exposure" && f.optionPath === "systemd.services.backup");
    expect(hardening?.fix?.description).toMatch(/withheld/);
    expect(hardening?.fix?.patch).toBeUndefined();
    const json = JSON.stringify(report);
    for (const s of SECRETS) expect(json, s).not.toContain(s);
  });

  it("withholds a fix whose context lines would show a Wi-Fi passphrase or a netrc password beside it", async () => {
    // The root-login fix edits the line between them: its patch's context carries both.
    const module = `{ ... }: {
  networking.wireless.networks."HomeNet".psk = "correct horse battery staple";
  services.openssh.settings.PermitRootLogin = "yes";
  environment.etc."netrc".text = "machine example.org login me password Zq8mN2pL5x";
}
`;
    const report = await scanMemory({ "flake.nix": flakeWith(["./configuration.nix"]), "configuration.nix": module });
    const rootLogin = report.findings.find((f) => f.ruleId === "ssh-permit-root-login");
    expect(rootLogin?.fix?.description).toMatch(/withheld/);
    const json = JSON.stringify(report);
    for (const s of ["correct horse battery staple", "Zq8mN2pL5x"]) expect(json, s).not.toContain(s);
  });
});
