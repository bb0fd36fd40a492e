// committed-secret-file: unencrypted secret files; encrypted files, public keys and certificates
// stay silent. Encrypted fixtures are the recorded real age/gpg/sops-structured files.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { scanFiles, sites } from "../helpers/scan.js";
import { Gen } from "../secrets/gen.js";

const RULE = "committed-secret-file";
const FIX = join(import.meta.dirname, "../fixtures/secrets/files");
const fixture = (name: string) => readFileSync(join(FIX, name));
const gen = new Gen(99);
const WG = gen.wireguardKey();
const TOKEN = gen.chars(40);
const KEY = gen.secretFor("private-key");

const FILES: Record<string, string | Buffer> = {
  // must fire
  "secrets/deploy_key": `${KEY}\n`,
  "secrets/wg.key": `${WG}\n`,
  "secrets/smtp-password.txt": `${TOKEN}\n`,
  "secrets/not-really.age": fixture("not-really.age"),
  "secrets/partial.yaml": fixture("partial.yaml"),
  "hosts/a/.env": `DB_PASSWORD=${TOKEN}x\n`,
  "tests/keys/id_ed25519": `${KEY}\n`,
  // must stay silent
  "secrets/armored.age": fixture("armored.age"),
  "secrets/binary.age": fixture("binary.age"),
  "secrets/app.yaml": fixture("app.yaml"),
  "secrets/symmetric.gpg": fixture("symmetric.gpg"),
  "secrets/wg.pub": `${WG}\n`,
  "vars/host/wireguard/publickey/value": `${WG}\n`,
  "secrets/cert.pem": fixture("cert.pem"),
  "secrets/secrets.nix": '{ "x.age".publicKeys = [ "age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq" ]; }\n',
  "secrets/README.md": "How to rotate the secrets.\n",
  ".env.example": "DB_PASSWORD=changeme\n",
  "hosts/b/.env": "LOG_LEVEL=debug\n",
  "scripts/deploy.sh": "#!/bin/sh\necho deploying\n",
  "keys/id_ed25519.pub": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGVeXaMpLeKeYn0tAsEcReTjUsTaPuBlIcKeY a@b\n",
};

describe(RULE, () => {
  it("fires on plaintext secret files, never on encrypted files, public keys, certificates or docs", async () => {
    const report = await scanFiles(FILES);
    const got = Object.fromEntries(report.findings.filter((f) => f.ruleId === RULE).map((f) => [f.file, f.severity]));
    expect(got).toEqual({
      "secrets/deploy_key": "critical",
      "secrets/wg.key": "critical",
      "secrets/smtp-password.txt": "high",
      "secrets/not-really.age": "high",
      "secrets/partial.yaml": "high",
      "hosts/a/.env": "high",
      "tests/keys/id_ed25519": "low",
    });
    const partial = report.findings.find((f) => f.ruleId === RULE && f.file === "secrets/partial.yaml")!;
    expect(partial.title).toBe("sops file with plaintext values");
    expect(partial.fix?.description).toContain("sops --encrypt --in-place secrets/partial.yaml");
    const age = report.findings.find((f) => f.ruleId === RULE && f.file === "secrets/not-really.age")!;
    expect(age.fix?.description).toContain("agenix -e not-really.age");
    expect(sites(report, RULE)).toContain("secrets/deploy_key:1");
  });

  it("never shows the file's content, and leaves its secrets to this rule alone", async () => {
    const report = await scanFiles(FILES);
    const json = JSON.stringify(report);
    for (const v of [WG, TOKEN, KEY.split("\n")[1]!]) expect(json).not.toContain(v);
    // hardcoded-secret does not report the same files again.
    const overlap = report.findings.filter((f) => f.ruleId === "hardcoded-secret").map((f) => f.file);
    expect(overlap).toEqual([]);
  });

  it("follows .sops.yaml creation rules: a plaintext file on a sops-managed path is a finding", async () => {
    const report = await scanFiles({
      ".sops.yaml": "creation_rules:\n  - path_regex: ^hosts/[^/]+/secrets\\.yaml$\n    age: age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq\n",
      "hosts/web/secrets.yaml": "db_password: plain-text-value\n",
      "hosts/web/settings.yaml": "log_level: info\n",
    });
    expect(sites(report, RULE)).toEqual(["hosts/web/secrets.yaml:1"]);
  });

  describe("keys kept for NixOS VM tests", () => {
    const FLAKE = `{
  outputs = { self, nixpkgs }: {
    nixosConfigurations.web = nixpkgs.lib.nixosSystem { modules = [ ./hosts/web.nix ]; };
    checks.x86_64-linux.overlay = nixpkgs.legacyPackages.x86_64-linux.testers.runNixOSTest ./tests/overlay;
  };
}
`;
    // The test reads its keys through interpolated paths, as a per-node test usually does.
    const TEST = `{ lib, ... }: {
  name = "overlay";
  nodes.server = { config, ... }: {
    services.nebula.networks.mesh.key = "\${./keys}/\${config.networking.hostName}/nebula.key";
    environment.etc."ssh-key".source = ./keys/server/ssh;
  };
  testScript = "start_all()";
}
`;
    const files = (extra: Record<string, string> = {}) => ({
      "flake.nix": FLAKE,
      "hosts/web.nix": "{ ... }: { networking.hostName = \"web\"; }\n",
      "tests/overlay/default.nix": TEST,
      "tests/overlay/keys/server/ssh": `${KEY}\n`,
      "tests/overlay/keys/server/nebula.key": `${TOKEN}\n`,
      ...extra,
    });

    it("a key only the tests use is info, with a fix that keeps it a test key", async () => {
      const report = await scanFiles(files());
      const found = report.findings.filter((f) => f.ruleId === RULE);
      expect(Object.fromEntries(found.map((f) => [f.file, f.severity]))).toEqual({ "tests/overlay/keys/server/ssh": "info", "tests/overlay/keys/server/nebula.key": "info" });
      const ssh = found.find((f) => f.file === "tests/overlay/keys/server/ssh")!;
      expect(ssh.message).toContain("tests/overlay/default.nix:5");
      expect(ssh.fix?.description).toContain("Keep it a test key");
      expect(ssh.fix?.description).not.toMatch(/agenix -e|git rm/);
    });

    it("the same key named by a host's module is a real secret's finding again", async () => {
      const report = await scanFiles(files({ "hosts/web.nix": "{ ... }: { environment.etc.\"ssh-key\".source = ../tests/overlay/keys/server/ssh; }\n" }));
      const ssh = report.findings.find((f) => f.ruleId === RULE && f.file === "tests/overlay/keys/server/ssh")!;
      expect(ssh.severity).not.toBe("info");
      expect(ssh.fix?.description).toMatch(/Rotate|encrypt/);
    });

    it("a key in a test directory with no test code beside it stays low", async () => {
      const report = await scanFiles({ "flake.nix": FLAKE, "hosts/web.nix": "{ ... }: { }\n", "tests/keys/id_ed25519": `${KEY}\n` });
      const key = report.findings.find((f) => f.ruleId === RULE && f.file === "tests/keys/id_ed25519")!;
      expect(key.severity).toBe("low");
    });
  });
});
