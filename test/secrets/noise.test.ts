// Values that look like secrets and are not, found on public repositories (issue 12), each beside a
// look-alike that is a secret and must keep firing.
import { describe, expect, it } from "vitest";
import { plaintextPassword } from "../../src/secrets/detect.js";
import { isSequentialOrRepeated } from "../../src/secrets/values.js";
import { scanFiles, sites } from "../helpers/scan.js";
import { detectors } from "../helpers/secrets.js";
import { B62, Gen, HEX } from "./gen.js";

const gen = new Gen(1212);
const RULE = "hardcoded-secret";

describe("secret detection noise", () => {
  it("sequential and repeated test values are not secrets; a random value of the same shape is", () => {
    for (const v of ["00112233445566778899AABBCCDDEEFF", "0123456789abcdef0123456789abcdef", "deadbeefdeadbeefdeadbeef", "abcdefghijklmnopqrstuvwxyz", "00:11:22:33:44:55:66:77:88:99", "abcdef.0123456789abcdef"]) {
      expect(isSequentialOrRepeated(v), v).toBe(true);
      expect(detectors(v, { key: "signingKey" }), v).toEqual([]);
    }
    const random = gen.chars(32, HEX).toUpperCase();
    expect(isSequentialOrRepeated(random)).toBe(false);
    expect(detectors(random, { key: "signingKey" })).toEqual(["generic-secret"]);
    // A kubeadm bootstrap token of the documented shape with one random part is a real one.
    expect(isSequentialOrRepeated(`abcdef.${gen.chars(16, "0123456789abcdefghijklmnopqrstuvwxyz")}`)).toBe(false);
  });

  it("a sops template's placeholder in Nix's access-tokens is not a token; a literal token is", async () => {
    const template = 'access-tokens = github.com=${config.sops.placeholder.nix-github-access-token}\n';
    expect(detectors(template)).toEqual([]);
    expect(detectors(`access-tokens = github.com=ghp_${gen.chars(36, B62)}\n`)).not.toEqual([]);
    const found = await sites(
      await scanFiles({
        "inbox.nix": `{ config, ... }:\n{\n  sops.templates."nix-access-tokens.conf".content = ''\n    ${template}  '';\n  nix.extraOptions = "access-tokens = github.com=${gen.chars(40, B62)}";\n}\n`,
      }),
      RULE,
    );
    expect(found).toEqual(["inbox.nix:6"]);
  });

  it("a name behind `!` (Home Assistant's YAML tags) is not a password, an upstream example's name is a placeholder; a real one is a password", () => {
    for (const v of ["!unifi-ap-ssh", "!nfty-pass"]) expect(detectors(v, { key: "password" }), v).toEqual([]);
    // An example's value left in place is still deployed as the password (and the first one tried).
    expect(plaintextPassword("irc_nickname_password", "mynickserv_key")?.placeholderLike).toBe(true);
    expect(detectors("!Tr0ub4dor&3x", { key: "password" })).toEqual(["plaintext-password"]);
    expect(detectors("correct-horse-battery", { key: "password" })).toEqual(["plaintext-password"]);
  });

  it("an environment variable's name as the value is not the secret; a random value is", () => {
    expect(detectors("NEXMO_APIKEY", { key: "apiKey" })).toEqual([]);
    expect(detectors("DB_PASSWORD", { key: "password" })).toEqual([]);
    expect(detectors('NEXMO_API_KEY="NEXMO_APIKEY"\n', { fileKind: "env" })).toEqual([]);
    // Upper case with underscores but no secret word, or random upper case: still judged.
    expect(detectors("HUNTER_TWO", { key: "password" })).toEqual(["plaintext-password"]);
    expect(detectors(gen.chars(24, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"), { key: "apiKey" })).toEqual(["generic-secret"]);
  });

  it("LDAP filters under a password-filter key are not passwords; a password beside them is", () => {
    expect(detectors("(&(objectClass=posixAccount)(uid={login}))", { key: "password_filter" })).toEqual([]);
    expect(detectors("(&(objectClass=user)(|(uid=%u)(mail=%u)))", { key: "pass_filter" })).toEqual([]);
    const ini = `pass_filter = "(&(objectClass=user)(uid=%u))"\nbind_password = "${gen.chars(16)}"\n`;
    expect(detectors(ini, { fileKind: "ini" })).toEqual(["plaintext-password"]);
    // Parentheses that do not make a filter are a password.
    expect(detectors("(hunter2)", { key: "password" })).toEqual(["plaintext-password"]);
  });

  it("OpenTofu state encryption metadata (PBKDF2 salt and iterations) is not a secret; a passphrase is", () => {
    const meta = Buffer.from(JSON.stringify({ salt: gen.bytes(32).toString("base64"), iterations: 600000, hash_function: "sha512", key_length: 32 })).toString("base64");
    const state = `{"meta":{"key_provider.pbkdf2.passphrase_key":"${meta}"},"encrypted_data":"${gen.bytes(64).toString("base64")}","encryption_version":"v0"}\n`;
    expect(detectors(state, { fileKind: "json" })).toEqual([]);
    expect(detectors(meta, { key: "passphrase_key" })).toEqual([]);
    const passphrase = gen.chars(24);
    expect(detectors(`key_provider "pbkdf2" "k" {\n  passphrase = "${passphrase}"\n  iterations = 600000\n}\n`, { fileKind: "hcl" })).toEqual(["plaintext-password"]);
    // base64 of other JSON under a secret key is still judged as a value.
    const blob = Buffer.from(JSON.stringify({ token: gen.chars(40) })).toString("base64");
    expect(detectors(blob, { key: "api_token" })).toEqual(["generic-secret"]);
  });

  it("chat and channel ids are not secrets; the bot token beside them is", () => {
    for (const id of ["C0123ABCDE9", "-1001234567890", "!AbCdEfGhIjKlMnOpQr:matrix.org", "#alerts:example.org", "@bot:matrix.example.org"]) {
      expect(detectors(id, { key: "notify_secret" }), id).toEqual([]);
    }
    const token = gen.chars(43, B62);
    expect(detectors(`{ "chat_token": "-1001234567890", "bot_token": "${token}" }`, { fileKind: "json" })).toEqual(["generic-secret"]);
  });

  it("a description that mentions the password is not the password; a password with spaces in it is", () => {
    expect(detectors("The admin password for the web UI", { key: "password" })).toEqual([]);
    expect(detectors("correct horse battery staple", { key: "password" })).toEqual(["plaintext-password"]);
  });

  it("code in a .patch file is not reported as a secret, a real token in it is; the title says hard-coded once", async () => {
    const token = `ghp_${gen.chars(36)}`;
    const patch = `--- a/tests/test_auth.py\n+++ b/tests/test_auth.py\n@@ -1,2 +1,3 @@\n+    password = "s3cr3t-for-tests"\n+    api_key = "${gen.chars(32)}"\n     client = Client()\n`;
    const report = await scanFiles({ "pkgs/app/fix-tests.patch": patch, "pkgs/app/leak.patch": `+GITHUB_TOKEN=${token}\n` });
    expect(sites(report, RULE)).toEqual(["pkgs/app/leak.patch:1"]);
    const generic = await scanFiles({ "app.yaml": `api_key: ${gen.chars(32)}\n` });
    const titles = generic.findings.filter((f) => f.ruleId === RULE).map((f) => f.title);
    expect(titles).toEqual(["hard-coded secret"]);
    expect(report.findings[0]!.title).toMatch(/^hard-coded github/i);
  });

  it("a key documented as a public test value in the comment above it is not reported; the real key next to it is", async () => {
    const testKey = gen.chars(32, HEX);
    const realKey = gen.chars(32, HEX);
    const nix = `{
  services.example = {
    # Public test key from RFC 0000 section 7, not a secret.
    testSigningKey = "${testKey}";

    signingKey = "${realKey}";
    # token for the test server
    apiKey = "${gen.chars(32, HEX)}";
  };
}
`;
    const report = await scanFiles({ "module.nix": nix });
    expect(sites(report, RULE)).toEqual(["module.nix:6", "module.nix:8"]);
    const yaml = `# well-known example token from the vendor's docs\napi_token: ${gen.chars(32)}\nsecret_token: ${gen.chars(32)} # used in production\n`;
    const text = await scanFiles({ "app.yaml": yaml });
    expect(sites(text, RULE)).toEqual(["app.yaml:3"]);
  });

  it("a command run for the value (neomutt's `pass …`) is not a secret; a literal password beside it is", async () => {
    const mutt = `{ ... }: {
  programs.neomutt.extraConfig = ''
    set imap_user = "me@mailbox.org"
    set imap_pass = "\`pass mailbox.org/me@mailbox.org\`"
    set smtp_pass = "Vq8rT2mZ5kXw9LpN"
  '';
}
`;
    const report = await scanFiles({ "mail.nix": mutt });
    expect(sites(report, RULE)).toEqual(["mail.nix:5"]);
  });
});
