// FIDO2 security-key handles (`ssh-keygen -t ed25519-sk`): an OpenSSH "private key" file whose key
// lives on a hardware token. Every rule that reports private keys rates it info and says why; an
// ordinary ed25519 key of the same shape, at the same places, is still critical. No report carries
// key material. (MatthewCroughan-nixcfg users/matthew/modules/ssh/id_ed25519_sk-*, judged wrong at
// critical in committed-secret-file and secret-in-nix-store.)
import { describe, expect, it } from "vitest";
import { classifySecretFile } from "../../src/secrets/files.js";
import { isSecurityKeyHandle, openSshKeyType } from "../../src/secrets/patterns.js";
import { detectSecrets } from "../../src/secrets/detect.js";
import { scanMemory } from "../helpers/memory.js";
import { Gen } from "../secrets/gen.js";

const gen = new Gen(4242);
const SK_ED = gen.opensshKey("sk-ssh-ed25519@openssh.com", "alice@yubikey");
const SK_EC = gen.opensshKey("sk-ecdsa-sha2-nistp256@openssh.com", "alice@nano");
const ED = gen.opensshKey("ssh-ed25519", "alice@laptop");

/** Every base64 line of the keys' bodies: none may appear in a report. */
const bodyLines = [SK_ED, SK_EC, ED].flatMap((k) => k.split("\n").filter((l) => !l.startsWith("-----")));

describe("reading the key type of an OpenSSH private key", () => {
  it("names the type from the key's public part", () => {
    expect(openSshKeyType(SK_ED)).toBe("sk-ssh-ed25519@openssh.com");
    expect(openSshKeyType(SK_EC)).toBe("sk-ecdsa-sha2-nistp256@openssh.com");
    expect(openSshKeyType(ED)).toBe("ssh-ed25519");
    expect(openSshKeyType("-----BEGIN OPENSSH PRIVATE KEY-----\nbm90IGEga2V5\n-----END OPENSSH PRIVATE KEY-----")).toBeUndefined();
  });

  it("tells handles from keys", () => {
    expect(isSecurityKeyHandle(SK_ED)).toBe(true);
    expect(isSecurityKeyHandle(SK_EC)).toBe(true);
    expect(isSecurityKeyHandle(ED)).toBe(false);
    // Escaped newlines, as in a JSON or Nix string.
    expect(isSecurityKeyHandle(SK_ED.replace(/\n/g, "\\n"))).toBe(true);
  });

  it("classifies a handle file as a handle, a plain key file as a private key", () => {
    const h = classifySecretFile("keys/id_ed25519_sk", Buffer.from(SK_ED + "\n"));
    expect(h).toMatchObject({ kind: "private-key", securityKeyHandle: true });
    const k = classifySecretFile("keys/id_ed25519", Buffer.from(ED + "\n"));
    expect(k.kind).toBe("private-key");
    expect(k.securityKeyHandle).toBeUndefined();
    // A file holding a handle and a real key is a real key.
    expect(classifySecretFile("keys/both", Buffer.from(`${SK_ED}\n${ED}\n`)).securityKeyHandle).toBeUndefined();
  });

  it("the detectors name a handle at info and a key as a private key", () => {
    expect(detectSecrets(`key = "${SK_EC.replace(/\n/g, "\\n")}";`).map((m) => [m.detector, m.severity])).toEqual([["security-key-handle", "info"]]);
    expect(detectSecrets(`key = "${ED.replace(/\n/g, "\\n")}";`).map((m) => [m.detector, m.severity])).toEqual([["private-key", "critical"]]);
  });
});

const FLAKE = `{
  outputs = { nixpkgs, home-manager, ... }: {
    nixosConfigurations.box = nixpkgs.lib.nixosSystem {
      modules = [ ./host.nix home-manager.nixosModules.home-manager { home-manager.users.alice = import ./home.nix; } ];
    };
  };
}
`;

const REPO = {
  "flake.nix": FLAKE,
  "host.nix": "{ ... }: { services.openssh.enable = true; }\n",
  "home.nix": `{ ... }:
{
  home.file.".ssh/id_ed25519_sk".source = ./ssh/id_ed25519_sk;
  home.file.".ssh/id_ecdsa_sk".source = ./ssh/id_ecdsa_sk;
  home.file.".ssh/id_ed25519".source = ./ssh/id_ed25519;
  xdg.configFile."keys/inline-sk".text = "${SK_ED.replace(/\n/g, "\\n")}";
  xdg.configFile."keys/inline".text = "${ED.replace(/\n/g, "\\n")}";
}
`,
  "ssh/id_ed25519_sk": SK_ED + "\n",
  "ssh/id_ecdsa_sk": SK_EC + "\n",
  "ssh/id_ed25519": ED + "\n",
};

describe("rules reporting private keys", async () => {
  const report = await scanMemory(REPO);
  const of = (rule: string) => report.findings.filter((f) => f.ruleId === rule).map((f) => `${f.file}:${f.line} ${f.severity}`).sort();

  it("committed-secret-file: a handle is info, a key critical", () => {
    expect(of("committed-secret-file")).toEqual(["ssh/id_ecdsa_sk:1 info", "ssh/id_ed25519:1 critical", "ssh/id_ed25519_sk:1 info"]);
    const f = report.findings.find((x) => x.ruleId === "committed-secret-file" && x.file === "ssh/id_ed25519_sk")!;
    expect(f.title).toBe("FIDO2 security-key handle committed");
    expect(f.message).toMatch(/useless without it/);
    expect(f.fix?.description).toMatch(/^Nothing to rotate/);
  });

  it("secret-in-nix-store: a handle in the store is info, a key critical", () => {
    expect(of("secret-in-nix-store")).toEqual(["home.nix:3 info", "home.nix:4 info", "home.nix:5 critical"]);
    const f = report.findings.find((x) => x.ruleId === "secret-in-nix-store" && x.line === 3)!;
    expect(f.message).toMatch(/FIDO2 security-key handle/);
    expect(f.message).toMatch(/discloses only which token/);
  });

  it("hardcoded-secret: a handle pasted into a string is info, a key critical", () => {
    expect(of("hardcoded-secret")).toEqual(["home.nix:6 info", "home.nix:7 critical"]);
    const f = report.findings.find((x) => x.ruleId === "hardcoded-secret" && x.line === 6)!;
    expect(f.message).toMatch(/hardware token/);
    expect(f.fix?.description).toMatch(/^Nothing to rotate/);
  });

  it("no report shows key material", () => {
    const json = JSON.stringify(report);
    for (const line of bodyLines) expect(json.includes(line.slice(10, 40)), line.slice(0, 8)).toBe(false);
  });
});
