// secret-in-nix-store: secret material read or copied at evaluation time.
import { describe, expect, it } from "vitest";
import { runScan } from "../../src/scan/index.js";
import { scanFiles, sites, withRepo } from "../helpers/scan.js";
import { Gen } from "../secrets/gen.js";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";

const RULE = "secret-in-nix-store";
const gen = new Gen(1701);
const TOKEN = gen.chars(28);
const AGE_ARMOR = "-----BEGIN AGE ENCRYPTED FILE-----\nYWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBaczRwMWdCT0VIQWtyeVB0\n-----END AGE ENCRYPTED FILE-----\n";

const FILES = {
  "secrets/smtp-password.txt": `${TOKEN}\n`,
  "secrets/api.age": AGE_ARMOR,
  "keys/server.key": `${gen.secretFor("private-key")}\n`,
  "certs/ca.crt": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
  "config/motd.txt": "Welcome\n",
  "hosts/nas/default.nix": `{ config, lib, pkgs, ... }:
let
  smtp = builtins.readFile ../../secrets/smtp-password.txt;
  fromLib = lib.fileContents ../../secrets/smtp-password.txt;
  motd = builtins.readFile ../../config/motd.txt;
  encrypted = builtins.readFile ../../secrets/api.age;
  ignored = builtins.readFile ../../secrets/not-committed.txt;
in
{
  services.nginx.virtualHosts.a.sslCertificateKey = ../../keys/server.key;
  services.nginx.virtualHosts.a.sslCertificate = ../../certs/ca.crt;
  age.secrets.api.file = ../../secrets/api.age;
  environment.etc."motd".text = motd;
  systemd.services.x.script = "cat \${../../keys/server.key}";
  services.foo.passwordFile = toString ../../secrets/smtp-password.txt;
  services.bar.passwordFile = "/run/agenix/bar";
  services.baz.token = builtins.readFile config.age.secrets.baz.path;
  services.qux.token = builtins.readFile "/run/secrets/qux";
  # builtins.readFile ../../secrets/smtp-password.txt in a comment is not a finding
  imports = [ ./hardware.nix ];
}
`,
  "hosts/nas/hardware.nix": "{ ... }: { }\n",
};

describe(RULE, () => {
  it("fires on reads and copies of secret material, at the exact node, and nowhere else", async () => {
    const report = await scanFiles(FILES);
    expect(sites(report, RULE).sort()).toEqual(
      [
        "hosts/nas/default.nix:3", // readFile of a token file in secrets/
        "hosts/nas/default.nix:4", // lib.fileContents
        "hosts/nas/default.nix:7", // not in the scanned files, but named like a secret
        "hosts/nas/default.nix:10", // a private key as an option's path value
        "hosts/nas/default.nix:14", // "${./key}" copies the key into the store
        "hosts/nas/default.nix:15", // toString of a secret
        "hosts/nas/default.nix:17", // readFile of a run-time agenix path
        "hosts/nas/default.nix:18", // readFile of /run/secrets
      ].sort(),
    );
    const findings = report.findings.filter((f) => f.ruleId === RULE);
    for (const f of findings) expect(f.severity).toBe("critical");
    const readFile = findings.find((f) => f.line === 3)!;
    expect(readFile.message).toContain("secrets/smtp-password.txt");
    expect(readFile.message).toContain("world-readable Nix store");
    expect(readFile.column).toBe(10);
    // The module takes `config`: the read becomes the agenix path (a reviewed edit, test/remediate/agenix.test.ts).
    expect(readFile.fix?.safety).toBe("review");
    expect(readFile.fix?.description).toContain("config.age.secrets.smtp-password.path");
    expect(readFile.fix?.patch).toContain("+  smtp = config.age.secrets.smtp-password.path;");
    expect(readFile.fix?.patch).toContain("+  age.secrets.smtp-password.file = ../../secrets/smtp-password.age;");
    const option = findings.find((f) => f.line === 10)!;
    expect(option.optionPath).toBe("services.nginx.virtualHosts.a.sslCertificateKey");
    expect(option.fix?.patch).toContain("+  services.nginx.virtualHosts.a.sslCertificateKey = config.age.secrets.server.path;");
    // A run-time secret read at evaluation: only the person knows which option takes the file.
    expect(findings.find((f) => f.line === 17)!.fix?.safety).toBe("manual");
    // No finding shows the token.
    expect(JSON.stringify(report)).not.toContain(TOKEN);
  });

  it("redoes a cached result when the file read changes (a secret replaced by public text)", async () => {
    await withRepo({ "m.nix": "{ ... }: { services.x.motd = builtins.readFile ./note; }\n", note: `${TOKEN}\n` }, async (root) => {
      // `note` is not a secret by name; as a single random token under no secret name it is not either.
      const first = await runScan({ root, quick: true });
      expect(sites(first, RULE)).toEqual([]);
      await writeFile(join(root, "note"), `${gen.secretFor("private-key")}\n`);
      const second = await runScan({ root, quick: true });
      expect(sites(second, RULE)).toEqual(["m.nix:1"]);
      await writeFile(join(root, "note"), "hello\n");
      const third = await runScan({ root, quick: true });
      expect(sites(third, RULE)).toEqual([]);
    });
  });

  it("judges a secrets folder given as a path by its files, and redoes it when a file is added under it", async () => {
    const enc = "ENC[AES256_GCM,data:3q2+7w==,iv:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]";
    const sops = `password: ${enc}\nsops:\n    lastmodified: "2025-01-01T00:00:00Z"\n    mac: ${enc}\n    version: 3.9.0\n`;
    await withRepo({ "lib/default.nix": "{ services.x.dir = ../secrets/home; }\n", "secrets/home/ssh.yaml": sops }, async (root) => {
      const first = await runScan({ root, quick: true });
      expect(sites(first, RULE)).toEqual([]);
      await writeFile(join(root, "secrets/home/token"), `${TOKEN}\n`);
      const second = await runScan({ root, quick: true });
      expect(sites(second, RULE)).toEqual(["lib/default.nix:1"]);
      expect(second.findings.find((f) => f.ruleId === RULE)!.message).toContain("a directory holding an unencrypted secret file: token");
      expect(JSON.stringify(second)).not.toContain(TOKEN);
    });
  });

  it("is low inside a NixOS VM test", async () => {
    const report = await scanFiles({
      "secrets/pw": "hunter2-but-longer\n",
      "tests/vm.nix": `{ pkgs }: pkgs.testers.runNixOSTest {
  name = "t";
  nodes.m = { ... }: { services.x.password = builtins.readFile ../secrets/pw; };
  testScript = "";
}
`,
    });
    const f = report.findings.filter((x) => x.ruleId === RULE);
    expect(f.map((x) => [x.line, x.severity])).toEqual([[3, "low"]]);
  });
});
