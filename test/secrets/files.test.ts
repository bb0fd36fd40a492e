import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { classifySecretFile, isSecretLocation, parseSopsConfig } from "../../src/secrets/files.js";
import { Gen } from "./gen.js";

const FILES = join(import.meta.dirname, "../fixtures/secrets/files");
const fixture = (name: string) => readFileSync(join(FILES, name));
const text = (s: string) => Buffer.from(s, "utf8");

function onPath(cmd: string): boolean {
  try {
    execFileSync("sh", ["-c", 'command -v "$1"', "sh", cmd], { stdio: "ignore", timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

describe("isSecretLocation", () => {
  it.each([
    ["secrets/db-password", "a file in a secrets folder"],
    ["hosts/web/secret/api-token", "a file in a secrets folder"],
    ["keys/server.key", "a .key file"],
    ["home/.ssh/id_rsa", "an SSH private key file name"],
    ["home/.ssh/id_ed25519", "an SSH private key file name"],
    ["etc/ssh/ssh_host_ed25519_key", "an SSH private key file name"],
    [".env", "a .env file"],
    ["app/.env.production", "a .env file"],
    ["secrets/grafana.age", "an .age file is expected to be age-encrypted"],
    ["certs/client.p12", "a PKCS#12/Java keystore"],
    ["secrets.yaml", "a secrets file name"],
    [".netrc", "a .netrc credentials file"],
  ])("%s: %s", (path, reason) => {
    expect(isSecretLocation(path)?.reason).toBe(reason);
  });

  it.each([
    "secrets/secrets.nix", "secrets/README.md", "secrets/.gitignore", "home/.ssh/id_ed25519.pub", ".env.example",
    "modules/services/nginx.nix", "certs/server.pem", "docs/secrets.md", "secrets/.sops.yaml",
  ])("%s is not a secret location", (path) => {
    expect(isSecretLocation(path)).toBeNull();
  });

  it("follows .sops.yaml creation rules, relative to the config's directory", () => {
    const { rules, errors } = parseSopsConfig(
      [
        "keys:",
        "  - &admin age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p",
        "creation_rules:",
        "  - path_regex: hosts/[^/]+/secrets\\.ya?ml$",
        "    key_groups: [{ age: [*admin] }]",
        "  - path_regex: '[unclosed'",
        "  - age: *admin",
      ].join("\n"),
      "infra/.sops.yaml",
    );
    expect(rules).toEqual([{ pathRegex: "hosts/[^/]+/secrets\\.ya?ml$", configDir: "infra" }]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/creation_rules\[1\]\.path_regex is not a valid regular expression/);
    expect(isSecretLocation("infra/hosts/web/secrets.yaml", { sopsRules: rules })).toEqual({
      reason: "matched by a .sops.yaml creation rule",
      expectEncrypted: true,
      expected: "sops",
    });
    expect(isSecretLocation("infra/hosts/web/config.yaml", { sopsRules: rules })).toBeNull();
    // Outside infra/ the rule does not apply; the file name alone still marks it.
    expect(isSecretLocation("hosts/web/secrets.yml", { sopsRules: rules })?.reason).toBe("a secrets file name");
    expect(parseSopsConfig("creation_rules: [\n", ".sops.yaml").errors[0]).toMatch(/^\.sops\.yaml: not valid YAML/);
  });
});

describe("classifySecretFile: encrypted files (recorded real age and GnuPG output)", () => {
  it.each([
    ["secrets/grafana.age", "binary.age", "age-encrypted"],
    ["secrets/grafana.age", "armored.age", "age-encrypted"],
    ["secrets/backup.gpg", "symmetric.gpg", "gpg-encrypted"],
    ["secrets/backup.asc", "symmetric.asc", "gpg-encrypted"],
  ])("%s (%s) is %s", (path, file, kind) => {
    const c = classifySecretFile(path, fixture(file));
    expect(c.kind).toBe(kind);
    expect(c.secretLike).toBe(false);
  });

  it("a git-crypt blob (\\0GITCRYPT\\0, a 12-byte nonce, AES-CTR data, as git-crypt's clean filter writes it) is encrypted; the header elsewhere in a file is not", () => {
    const blob = Buffer.concat([Buffer.from("\0GITCRYPT\0", "latin1"), Buffer.from("36e9c2a1b4d0f7e8a9c3b2d1", "hex"), Buffer.from("a3f1c9e2d8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1", "hex")]);
    const c = classifySecretFile("home/secrets/github-token", blob);
    expect(c).toMatchObject({ kind: "git-crypt-encrypted", secretLike: false });
    const token = ["ghp", "_", "R8x2QpL7mN4vK9sT1wZ5yB3cD6fG0hJ2kE8a"].join("");
    const plain = classifySecretFile("home/secrets/github-token", Buffer.from(`# was \0GITCRYPT\0 once\n${token}\n`, "latin1"));
    expect(plain.kind).not.toBe("git-crypt-encrypted");
    expect(plain.secretLike).toBe(true);
  });

  it("an .age file that is not age-encrypted is a finding", () => {
    const c = classifySecretFile("secrets/db.age", fixture("not-really.age"));
    expect(c).toMatchObject({ kind: "token-file", secretLike: true });
    expect(c.reason).toMatch(/^named \.age but not age-encrypted/);
    const bin = classifySecretFile("secrets/db.age", Buffer.from([0x01, 0x00, 0x02, 0x03, 0xff, 0x00]));
    expect(bin).toMatchObject({ kind: "binary", secretLike: true });
  });
});

describe("classifySecretFile: sops", () => {
  it.each(["app.yaml", "app.json", "k8s-secret.yaml"])("%s is fully encrypted", (file) => {
    const c = classifySecretFile(`secrets/${file}`, fixture(file));
    expect(c).toMatchObject({ kind: "sops-encrypted", secretLike: false, plaintextKeys: [] });
  });

  it("a sops YAML with values added by hand is partially plaintext (suffix-exempt keys are not)", () => {
    const c = classifySecretFile("secrets/partial.yaml", fixture("partial.yaml"));
    expect(c.kind).toBe("sops-encrypted");
    expect(c.secretLike).toBe(true);
    expect(c.plaintextKeys).toEqual(["grafana.oauth_client_secret", "smtp.password"]);
    expect(c.reason).toBe("sops file with 2 plaintext values that sops would encrypt: grafana.oauth_client_secret, smtp.password");
    expect(c.reason).not.toContain("added-without-sops");
  });

  it("a sops dotenv file with a plaintext line", () => {
    const c = classifySecretFile("secrets/app.env", fixture("app.env"));
    expect(c).toMatchObject({ kind: "sops-encrypted", secretLike: true, plaintextKeys: ["LATE_ADDITION"] });
  });

  it("encrypted_regex decides which keys sops encrypts", () => {
    const doc = readFileSync(join(FILES, "k8s-secret.yaml"), "utf8").replace(/^(\s+token: ).*$/m, "$1plaintext-token-value");
    const c = classifySecretFile("k8s/app-secret.yaml", text(doc));
    expect(c.plaintextKeys).toEqual(["stringData.token"]);
  });

  it("an unparseable sops file is reported with an error, not a crash", () => {
    const c = classifySecretFile("secrets/broken.yaml", text("a: [\nsops:\n  mac: x\n"));
    expect(c.kind).toBe("sops-encrypted");
    expect(c.error).toMatch(/^sops file could not be parsed/);
  });
});

describe("classifySecretFile: keys, certificates, tokens", () => {
  const gen = new Gen(11);
  const tmp = mkdtempSync(join(tmpdir(), "nw-secrets-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it("PEM private keys: unencrypted is a finding, passphrase-encrypted is not", () => {
    const key = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    const plain = classifySecretFile("certs/server.pem", text(key.export({ type: "pkcs8", format: "pem" }).toString()));
    expect(plain).toMatchObject({ kind: "private-key", secretLike: true, encrypted: false });
    const enc = key.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "x" }).toString();
    expect(classifySecretFile("certs/server.key", text(enc))).toMatchObject({ kind: "private-key", secretLike: false, encrypted: true });
  });

  it.skipIf(!onPath("ssh-keygen"))("OpenSSH keys made by ssh-keygen: plain, passphrase-protected, public", () => {
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "fixture", "-f", join(tmp, "plain")]);
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "correct horse", "-C", "fixture", "-f", join(tmp, "enc")]);
    expect(classifySecretFile("home/.ssh/id_ed25519", readFileSync(join(tmp, "plain")))).toMatchObject({ kind: "private-key", secretLike: true });
    expect(classifySecretFile("home/.ssh/id_ed25519", readFileSync(join(tmp, "enc")))).toMatchObject({ kind: "private-key", secretLike: false, encrypted: true });
    expect(classifySecretFile("home/.ssh/id_ed25519.pub", readFileSync(join(tmp, "plain.pub")))).toMatchObject({ kind: "public-key", secretLike: false });
  });

  it.skipIf(!onPath("gpg"))("an exported PGP secret key block made by gpg is a private key", () => {
    const home = join(tmp, "gnupg");
    execFileSync("mkdir", ["-m", "700", home]);
    const env = { ...process.env, GNUPGHOME: home };
    const gpg = (...args: string[]) => execFileSync("gpg", ["--batch", "--pinentry-mode", "loopback", "--passphrase", "", ...args], { env, timeout: 60_000 });
    gpg("--quick-gen-key", "Fixture <fixture@example.org>", "ed25519", "sign", "never");
    const secret = gpg("--armor", "--export-secret-keys", "fixture@example.org");
    const pub = gpg("--armor", "--export", "fixture@example.org");
    try {
      execFileSync("gpgconf", ["--kill", "all"], { env, stdio: "ignore", timeout: 10_000 });
    } catch {
      // no agent left running
    }
    expect(classifySecretFile("keys/signing.asc", secret)).toMatchObject({ kind: "private-key", secretLike: true });
    expect(classifySecretFile("keys/signing.pub.asc", pub)).toMatchObject({ kind: "public-key", secretLike: false });
  });

  it("public keys and certificates are not findings", () => {
    const pub = generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" }).toString();
    expect(classifySecretFile("keys/signing.pem", text(pub))).toMatchObject({ kind: "public-key", secretLike: false });
    expect(classifySecretFile("certs/ca.pem", fixture("cert.pem"))).toMatchObject({ kind: "certificate", secretLike: false });
    const recipients = "# admin\nage1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\n";
    expect(classifySecretFile("keys/recipients.txt", text(recipients))).toMatchObject({ kind: "public-key" });
  });

  it("WireGuard keys: a private key file is a finding, a public one is not", () => {
    const k = gen.wireguardKey();
    expect(classifySecretFile("wireguard/private", text(k + "\n"))).toMatchObject({ kind: "private-key", secretLike: true });
    expect(classifySecretFile("wireguard/wg0.pub", text(k + "\n"))).toMatchObject({ kind: "public-key", secretLike: false });
  });

  it("an age identity file is a private key", () => {
    const secret = gen.secretFor("age-secret-key");
    const id = `# created: 2026-01-01T00:00:00Z\n# public key: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\n${secret}\n`;
    const c = classifySecretFile("keys.txt", text(id));
    expect(c).toMatchObject({ kind: "private-key", secretLike: true });
    expect(JSON.stringify(c)).not.toContain(secret.slice(16));
  });

  it("token files", () => {
    const ghp = gen.secretFor("github-pat");
    const c = classifySecretFile("github-token", text(ghp + "\n"));
    expect(c).toMatchObject({ kind: "token-file", secretLike: true, reason: "GitHub personal access token stored in plaintext" });
    expect(JSON.stringify(c)).not.toContain(ghp);
    expect(classifySecretFile("secrets/db-password", text("hunter2\n"))).toMatchObject({ kind: "token-file", secretLike: true });
    expect(classifySecretFile("api.token", text(gen.chars(40) + "\n"))).toMatchObject({ kind: "token-file", secretLike: true });
    // A commit hash in a version file is random but no token.
    expect(classifySecretFile(".rev", text("3f2b1c9e8d7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c\n"))).toMatchObject({ kind: "plain", secretLike: false });
  });

  it("plain text: .env files by content, secrets folders by location", () => {
    const env = classifySecretFile(".env", text(`NODE_ENV=production\nGITHUB_TOKEN=${gen.secretFor("github-pat")}\n`));
    expect(env).toMatchObject({ kind: "plain", secretLike: true, reason: "plain text holding 1 secret (GitHub personal access token)" });
    expect(env.matches?.map((m) => m.detector)).toEqual(["github-pat"]);
    expect(classifySecretFile(".env", text("NODE_ENV=production\nPORT=8080\n"))).toMatchObject({ kind: "plain", secretLike: false });
    expect(classifySecretFile(".env.example", text("API_KEY=<your-api-key>\n"))).toMatchObject({ kind: "plain", secretLike: false });
    expect(classifySecretFile("secrets/notes.txt", text("rotate the backup password every quarter\n"))).toMatchObject({
      kind: "plain",
      secretLike: true,
      reason: "a file in a secrets folder, but not age/sops/gpg-encrypted",
    });
    const agenixRules = 'let admin = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"; in { "db.age".publicKeys = [ admin ]; }\n';
    expect(classifySecretFile("secrets/secrets.nix", text(agenixRules))).toMatchObject({ kind: "plain", secretLike: false });
  });

  it("binary files", () => {
    const bin = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00]);
    expect(classifySecretFile("bin/tool", bin)).toMatchObject({ kind: "binary", secretLike: false });
    expect(classifySecretFile("secrets/blob", bin)).toMatchObject({ kind: "binary", secretLike: true });
    const pkcs12 = Buffer.from([0x30, 0x82, 0x0a, 0x00, 0x02, 0x01, 0x03, 0x00]);
    // A keystore's keys sit behind its password; a trust store holds the certificates a program
    // trusts (Lillecarl resources/truststore.p12 was "unencrypted private key committed", critical).
    expect(classifySecretFile("certs/client.p12", pkcs12)).toMatchObject({ kind: "private-key", secretLike: true, encrypted: true });
    for (const name of ["resources/truststore.p12", "java/cacerts.jks", "tls/client-truststore.jks"]) expect(classifySecretFile(name, pkcs12), name).toMatchObject({ kind: "certificate", secretLike: false });
    expect(classifySecretFile("tls/trustworthy-client.p12", pkcs12)).toMatchObject({ kind: "private-key", secretLike: true });
    expect(classifySecretFile("empty", Buffer.alloc(0))).toMatchObject({ kind: "plain", secretLike: false, reason: "empty file" });
  });
});
