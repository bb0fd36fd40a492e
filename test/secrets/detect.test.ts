import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { detectSecrets, findAssignments, judgeGenericValue, type SecretMatch } from "../../src/secrets/detect.js";
import { TOKEN_PATTERNS } from "../../src/secrets/patterns.js";
import { redactAll } from "../../src/secrets/redact.js";
import { expandTemplate, Gen, RECORDED_CRYPT_HASHES } from "./gen.js";

const FIXTURES = join(import.meta.dirname, "../fixtures/secrets");

function fileKindOf(name: string): string {
  const ext = name.includes(".") ? name.slice(name.lastIndexOf(".") + 1) : "";
  return ext === "" ? "text" : ext;
}

function summary(matches: SecretMatch[]): string[] {
  return matches.map((m) => `${m.detector}@${m.start}-${m.end}`);
}

describe("fixtures that must fire: every marked secret, exactly, and nothing else", () => {
  const dir = join(FIXTURES, "fire");
  for (const name of readdirSync(dir)) {
    it(name, () => {
      const { text, expected } = expandTemplate(readFileSync(join(dir, name), "utf8"), new Gen(name.length * 7919));
      const matches = detectSecrets(text, { fileKind: fileKindOf(name) });
      expect(summary(matches)).toEqual(expected.map((e) => `${e.detector}@${e.start}-${e.end}`));
      // No output carries a value: not the matches, not the redacted text.
      const out = JSON.stringify(matches) + redactAll(text, matches);
      for (const e of expected) expect(out.includes(e.value), `${e.detector} leaked`).toBe(false);
    });
  }

  it("covers every token detector at least once", () => {
    const dir = join(FIXTURES, "fire");
    const seen = new Set<string>();
    for (const name of readdirSync(dir)) {
      for (const m of readFileSync(join(dir, name), "utf8").matchAll(/⟪([a-z0-9-]+)/g)) seen.add(m[1]!);
    }
    for (const p of TOKEN_PATTERNS) expect(seen.has(p.id), p.id).toBe(true);
    for (const id of ["plaintext-password", "password-hash", "generic-secret"]) expect(seen.has(id), id).toBe(true);
  });
});

describe("look-alikes that must stay silent", () => {
  const dir = join(FIXTURES, "silent");
  for (const name of readdirSync(dir)) {
    it(name, () => {
      const text = readFileSync(join(dir, name), "utf8");
      const matches = detectSecrets(text, { fileKind: fileKindOf(name) });
      expect(matches.map((m) => `${m.detector}: ${text.slice(m.start, m.end)}`)).toEqual([]);
    });
  }
});

describe("string literals with their key or option path (the Nix scan)", () => {
  const gen = new Gen(7);
  const wg = gen.wireguardKey();
  const ghp = gen.secretFor("github-pat");
  const generic = gen.chars(32);

  it.each([
    ["initialPassword", "changeme", "plaintext-password"],
    ["password", "hunter2", "plaintext-password"],
    ["adminPassword", "correct horse battery staple", "plaintext-password"],
    ["admin_password", "x", "plaintext-password"],
    ["rootPassword", "toor", "plaintext-password"],
    ["db_password", "s3cr3t", "plaintext-password"],
    ["DB_PASS", "s3cr3t", "plaintext-password"],
    ["adminpass", "nextcloud", "plaintext-password"],
    ["hashedPassword", RECORDED_CRYPT_HASHES.sha512, "password-hash"],
    ["initialHashedPassword", RECORDED_CRYPT_HASHES.sha256, "password-hash"],
    ["privateKey", wg, "wireguard-private-key"],
    ["apiKey", generic, "generic-secret"],
    ["client_secret", generic, "generic-secret"],
    ["token", ghp, "github-pat"],
    ["password", ghp, "github-pat"],
  ])("%s = %j fires %s", (key, value, detector) => {
    const matches = detectSecrets(value, { key, optionPath: `services.x.${key}` });
    expect(summary(matches)).toEqual([`${detector}@0-${value.length}`]);
    expect(matches[0]!.redacted).not.toContain(value.length >= 12 ? value.slice(4, -3) : value);
  });

  it("nginx basicAuth.<user> values are passwords", () => {
    const m = detectSecrets("letmein", { key: "alice", optionPath: "services.nginx.virtualHosts.site.basicAuth.alice" });
    expect(summary(m)).toEqual(["plaintext-password@0-7"]);
  });

  it("nix.settings.access-tokens list elements: the token after host=", () => {
    const token = gen.chars(40);
    const value = `gitea.example.org=${token}`;
    const m = detectSecrets(value, { optionPath: "nix.settings.access-tokens" });
    expect(summary(m)).toEqual([`nix-access-token@18-${value.length}`]);
    const two = `github.com=${ghp} git.example.com=PAT:${token}`;
    const m2 = detectSecrets(two, { key: "access-tokens" });
    expect(m2.map((x) => x.detector)).toEqual(["github-pat", "nix-access-token"]);
    expect(two.slice(m2[1]!.start, m2[1]!.end)).toBe(token);
  });

  it.each([
    ["passwordFile", "/run/secrets/db"],
    ["password", "/run/agenix/db-password"],
    ["password", "${config.age.secrets.db.path}"],
    ["password", "$DB_PASSWORD"],
    ["password", "@dbPassword@"],
    ["password", ""],
    ["hashedPasswordFile", "/run/secrets/alice"],
    ["hashedPassword", "!"],
    ["environmentFile", "/var/lib/app/env"],
    ["privateKeyFile", "/etc/wireguard/private"],
    ["publicKey", wg],
    ["apiKey", "changeme"],
    ["apiKey", "<your-api-key>"],
    ["apiKey", "REPLACE_ME"],
    ["token", "xxxxxxxxxxxxxxxxxxxxxxxx"],
    ["token", "550e8400-e29b-41d4-a716-446655440000"],
    ["secret", "sha256-pQpattmS9VmO3ZIQUFn66az8GSmB4IvYhTTCFn6SUmo="],
    ["secret", "0c4jd8pd7kqmckqxk4lkhmqh2nwmdyqk6pjvqvwgc8p2fjnwqn5g"],
    ["authorizedKey", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHmM0Jx7n1k0bM6pyR6Zb3uQGqJ7m7S5Hc8o0yF3bD4K"],
    ["tokenHash", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"],
    ["auth_method", "client_secret_basic_with_some_long_value_2"],
    ["secret_key", "grafana-admin-secret-2024"],
    ["auth", "pam"],
    ["token_endpoint", "https://auth.example.org/token"],
  ])("%s = %j is silent", (key, value) => {
    expect(summary(detectSecrets(value, { key }))).toEqual([]);
  });

  it("systemd Environment entries (KEY=value strings) are judged by their variable name", () => {
    const token = gen.chars(32);
    const env = `API_TOKEN=${token}`;
    expect(summary(detectSecrets(env, { key: "Environment", optionPath: "systemd.services.app.serviceConfig.Environment" }))).toEqual([
      `generic-secret@10-${env.length}`,
    ]);
    expect(summary(detectSecrets("DB_PASSWORD=hunter2", { key: "Environment" }))).toEqual(["plaintext-password@12-19"]);
    expect(detectSecrets("LOG_LEVEL=debug", { key: "Environment" })).toEqual([]);
  });

  it("a yescrypt hash (NixOS' default since 23.05) under hashedPassword is a password-hash", () => {
    // Format of `mkpasswd -m yescrypt` ($y$ + params + salt + hash); value made for this test.
    const y = `$y$j9T$${gen.chars(22, "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")}$${gen.chars(43, "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")}`;
    const m = detectSecrets(y, { key: "hashedPassword" });
    expect(m.map((x) => [x.detector, x.kind, x.severity])).toEqual([["password-hash", "password-hash", "low"]]);
  });

  it("a multi-line string (extraConfig) is scanned as a file", () => {
    const key = gen.chars(32);
    const text = `\n  [auth]\n  admin_password = hunter22\n  secret_key = ${key}\n`;
    const m = detectSecrets(text, { key: "extraConfig", optionPath: "services.app.extraConfig" });
    expect(m.map((x) => [x.detector, text.slice(x.start, x.end)])).toEqual([
      ["plaintext-password", "hunter22"],
      ["generic-secret", key],
    ]);
  });
});

describe("private keys", () => {
  it("flags unencrypted PKCS#8, SEC1 and PKCS#1 keys, and skips passphrase-encrypted ones", async () => {
    const { generateKeyPairSync } = await import("node:crypto");
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    const ed = generateKeyPairSync("ed25519").privateKey;
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey;
    const fire = [
      ec.export({ type: "sec1", format: "pem" }).toString(),
      ed.export({ type: "pkcs8", format: "pem" }).toString(),
      rsa.export({ type: "pkcs1", format: "pem" }).toString(),
    ];
    for (const pem of fire) expect(detectSecrets(pem).map((m) => m.detector)).toEqual(["private-key"]);
    const silent = [
      ec.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "pw" }).toString(),
      rsa.export({ type: "pkcs1", format: "pem", cipher: "aes-256-cbc", passphrase: "pw" }).toString(),
      generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" }).toString(),
    ];
    for (const pem of silent) expect(detectSecrets(pem)).toEqual([]);
  });

  it("finds a key inside a JSON string with escaped newlines", () => {
    const pem = new Gen(3).secretFor("private-key");
    const json = JSON.stringify({ tls: { key: pem } });
    const m = detectSecrets(json, { fileKind: "json" });
    expect(m.map((x) => x.detector)).toEqual(["private-key"]);
    expect(json.slice(m[0]!.start, m[0]!.end)).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\\n[\s\S]*-----END RSA PRIVATE KEY-----$/);
  });

  it("a signed JWT fires, an alg=none token does not", () => {
    const jwt = new Gen(5).jwt();
    expect(detectSecrets(`Authorization: Bearer ${jwt}`).map((m) => m.detector)).toEqual(["jwt"]);
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const unsigned = `${enc({ alg: "none", typ: "JWT" })}.${enc({ sub: "user-1234567890" })}.c2lnbmF0dXJlLWZha2U`;
    expect(detectSecrets(unsigned)).toEqual([]);
  });
});

describe("findAssignments", () => {
  it("reads shell, .env, YAML, JSON and TOML forms with exact value offsets", () => {
    const text = [
      `export A_TOKEN="one"`,
      `B_TOKEN=two`,
      `c_token: three`,
      `{"d_token": "four"}`,
      `e_token = 'five'`,
      `--f-token=six`,
    ].join("\n");
    const a = findAssignments(text);
    expect(a.map((x) => [x.key, x.value, text.slice(x.start, x.end)])).toEqual([
      ["A_TOKEN", "one", "one"],
      ["B_TOKEN", "two", "two"],
      ["c_token", "three", "three"],
      ["d_token", "four", "four"],
      ["e_token", "five", "five"],
      ["f-token", "six", "six"],
    ]);
  });

  it("ignores unquoted right-hand sides in program source (they are expressions)", () => {
    expect(findAssignments(`password = config.age.secrets.x.path;`, "nix")).toEqual([]);
    expect(findAssignments(`password = os.environ["PW"]`, "py")).toEqual([]);
    expect(findAssignments(`password = "literal"`, "py").map((a) => a.value)).toEqual(["literal"]);
  });
});

describe("judgeGenericValue", () => {
  it("explains why a value is not a secret", () => {
    expect(judgeGenericValue("short")).toEqual({ secret: false, why: "too short" });
    expect(judgeGenericValue("/run/secrets/abcdefghijkl")).toEqual({ secret: false, why: "reference" });
    expect(judgeGenericValue("918273645546372819")).toEqual({ secret: false, why: "number" });
    expect(judgeGenericValue("SuperSecretPassword")).toEqual({ secret: false, why: "word-like" });
    expect(judgeGenericValue("deadbeefdeadbeef")).toEqual({ secret: false, why: "placeholder" }); // a repeated unit
    expect(judgeGenericValue("aabbaabbccaaddbb")).toEqual({ secret: false, why: "low entropy" });
    expect(judgeGenericValue("550e8400-e29b-41d4-a716-446655440000")).toEqual({ secret: false, why: "uuid" });
    expect(judgeGenericValue("age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p")).toEqual({ secret: false, why: "public-key" });
    const v = judgeGenericValue(new Gen(9).chars(24));
    expect(v.secret).toBe(true);
  });
});
