// Values that name, point at or describe a secret rather than being one (corpus13's wrong findings:
// CI secret names, sops key paths, `@VAR` and `!file key` placeholders, a regex, a credential glob,
// an application's password hash), each beside a real secret of the same shape that must still be
// found.
import { describe, expect, it } from "vitest";
import { classifyKey, classifySecretFile, isNameGlob, isRegexPattern, isSecretNamePath, isSecretReference, plaintextPassword } from "../../src/secrets/index.js";
import { appPasswordHashScheme } from "../../src/secrets/patterns.js";
import { detectors } from "../helpers/secrets.js";
import { B64URL, Gen } from "./gen.js";

const gen = new Gen(1515);
const random = gen.chars(32);
const b64 = Buffer.from(gen.bytes(33)).toString("base64"); // 44 characters, `/` and `+` likely
const b64WithSlash = (() => {
  let v = b64;
  for (let g = new Gen(15); !/\/.*[A-Z].*[a-z]|\/.*[a-z].*[A-Z]/.test(v); ) v = Buffer.from(g.bytes(33)).toString("base64");
  return v.includes("/") ? v : `${v.slice(0, 10)}/${v.slice(10)}`;
})();

describe("keys that name where the secret comes from", () => {
  it.each([["from_secret"], ["fromSecret"], ["tokenReference"], ["secretRef"], ["api_key_ref"]])("%s names a reference", (key) => expect(classifyKey(key)).toBeUndefined());
  it.each([["token"], ["access_token_secret"], ["SetCredential"], ["client_secret"]])("%s still holds the secret", (key) => expect(classifyKey(key)).toBe("secret"));

  it("Woodpecker's from_secret names a secret of the CI server; a token written there is still found", () => {
    const yaml = "steps:\n  publish:\n    environment:\n      REGISTRY_USER:\n        from_secret: REGISTRY_USER\n      GPG_PRIVATE_KEY:\n        from_secret: GPG_PRIVATE_KEY\n";
    expect(detectors(yaml, { fileKind: "yaml" })).toEqual([]);
    const ghp = gen.secretFor("github-pat");
    expect(detectors(`steps:\n  x:\n    environment:\n      GITHUB_TOKEN:\n        from_secret: ${ghp}\n`, { fileKind: "yaml" })).toEqual(["github-pat"]);
    expect(detectors(`environment:\n  REGISTRY_TOKEN: ${random}\n`, { fileKind: "yaml" })).toEqual(["generic-secret"]);
  });
});

describe("a secret's name as a path in its store", () => {
  it.each([["gpg/private/passphrase"], ["AI_AGENT/DISCORD_BOT_TOKEN"], ["MONITORING/MINIO_PROMETHEUS_TOKEN"], ["restic/b2-key"], ["services/grafana/adminPassword"]])("%s", (v) => {
    expect(isSecretNamePath(v)).toBe(true);
    expect(detectors(v, { key: "bearer_token_secret" })).toEqual([]);
    expect(plaintextPassword("pass", v)).toBeNull();
  });
  it("base64 with a slash, and a password with one, are values", () => {
    expect(b64WithSlash).toContain("/");
    expect(isSecretNamePath(b64WithSlash)).toBe(false);
    expect(detectors(b64WithSlash, { key: "bearer_token_secret" })).toEqual(["generic-secret"]);
    for (const v of ["Xk9q/Lm2Pz7v/Rt4wB8n", "aB3dE5/fG7hJ9kL2mN4p", "Tr0ub4dor/3xpl0it"]) expect(isSecretNamePath(v), v).toBe(false);
    expect(plaintextPassword("pass", "Xk9q/Lm2Pz7v/Rt4wB8n")).not.toBeNull();
  });
});

describe("placeholders filled in from the environment or another file", () => {
  it.each([["@SPOTIFY_CLIENT_SECRET"], ["@SPOTIFY_CLIENT_ID@"], ["!secrets.yaml mqtt_password"], ["!secret mqtt_password"], ["!credentials password"]])("%s", (v) => {
    expect(isSecretReference(v)).toBe(true);
    expect(detectors(v, { key: "api_client_secret" })).toEqual([]);
    expect(detectors(v, { key: "password" })).toEqual([]);
  });
  it("a password that starts with @ or ! is still one", () => {
    expect(detectors(`@${random}`, { key: "api_client_secret" })).toEqual(["generic-secret"]);
    expect(detectors("!Tr0ub4dor&3", { key: "password" })).toEqual(["plaintext-password"]);
    expect(detectors("!correct horse battery", { key: "password" })).toEqual(["plaintext-password"]);
    expect(detectors("!correct horse", { key: "password" })).toEqual(["plaintext-password"]);
    expect(detectors("@Summer2024", { key: "password" })).toEqual(["plaintext-password"]);
  });
});

describe("patterns: regular expressions and globs over names", () => {
  it.each([["(?:\\\\S+\\\\s+){0,4}"], ["(?<level>\\w+)\\s+(?<msg>.*)"], ["^\\d{4}-\\d{2}-\\d{2}$"], ["[A-Za-z0-9]+\\s*"]])("regex %s", (v) => {
    expect(isRegexPattern(v)).toBe(true);
    expect(detectors(v, { key: "tokens_up_to_4" })).toEqual([]);
  });
  it.each([["cryptsetup.*"], ["grafana-*"], ["tls.*.key"]])("glob %s", (v) => {
    expect(isNameGlob(v)).toBe(true);
    expect(detectors(v, { key: "ImportCredential" })).toEqual([]);
  });
  it("a random secret with braces, backslashes or a star is still a secret", () => {
    for (const v of [`${random.slice(0, 12)}{4}${random.slice(12, 20)}`, `Xk9#mP2qL7*vB4nR8`, `${random.slice(0, 10)}\\s${random.slice(10, 20)}`]) {
      expect(isRegexPattern(v) || isNameGlob(v), v).toBe(false);
      expect(detectors(v, { key: "client_secret" }), v).toEqual(["generic-secret"]);
    }
  });
});

describe("an application's password hash is not its plaintext password", () => {
  const dk = gen.chars(64, "0123456789abcdef");
  const salt = gen.chars(32, "0123456789abcdef");
  it.each([[`-pbkdf2:sha256-${dk},${salt},600000`], [`-pbkdf2-${dk.slice(0, 40)},${salt},10`], [`-hashed-${dk.slice(0, 40)},${salt}`]])("CouchDB %s", (v) => {
    expect(appPasswordHashScheme(v)).toMatch(/^CouchDB/);
    expect(plaintextPassword("adminPass", v)).toBeNull();
  });
  it("a password that merely starts with -pbkdf2 is one", () => {
    expect(appPasswordHashScheme("-pbkdf2-hunter2")).toBeUndefined();
    expect(plaintextPassword("adminPass", "-pbkdf2-hunter2")).not.toBeNull();
    expect(plaintextPassword("adminPass", `-pbkdf2-${dk.slice(0, 40)},${salt}`)).not.toBeNull(); // no iteration count: not CouchDB's form
  });
});

describe("sops files: empty values hold nothing", () => {
  const enc = (n: number) => `ENC[AES256_GCM,data:${gen.chars(n, B64URL)},iv:${gen.chars(43)}=,tag:${gen.chars(22)}==,type:str]`;
  const meta = `sops_age__list_0__map_recipient=age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\nsops_lastmodified=2025-01-01T00:00:00Z\nsops_mac=${enc(40)}\nsops_version=3.9.0\n`;
  it("a dotenv with empty entries beside encrypted ones is encrypted", () => {
    const cls = classifySecretFile("secrets/app.env", Buffer.from(`PROXY=\nOPENAI_API_KEY=${enc(20)}\nGOOGLE_SEARCH_API_KEY=\nQUOTED=""\n${meta}`));
    expect(cls.kind).toBe("sops-encrypted");
    expect(cls.secretLike).toBe(false);
  });
  it("a dotenv with one plaintext value is not", () => {
    const cls = classifySecretFile("secrets/app.env", Buffer.from(`PROXY=\nOPENAI_API_KEY=${random}\n${meta}`));
    expect(cls.secretLike).toBe(true);
    expect(cls.plaintextKeys).toEqual(["OPENAI_API_KEY"]);
  });
  it("JSON: an empty Endpoint is nothing, a plaintext TunnelSecret is something", () => {
    const sops = `"sops": { "lastmodified": "2025-05-11T05:24:12Z", "mac": "${enc(40)}", "version": "3.10.2" }`;
    const empty = classifySecretFile("tunnel/credentials.json", Buffer.from(`{ "AccountTag": "${enc(30)}", "TunnelSecret": "${enc(40)}", "Endpoint": "", ${sops} }`));
    expect(empty.secretLike).toBe(false);
    const plain = classifySecretFile("tunnel/credentials.json", Buffer.from(`{ "AccountTag": "${enc(30)}", "TunnelSecret": "${b64}", "Endpoint": "", ${sops} }`));
    expect(plain.secretLike).toBe(true);
    expect(plain.plaintextKeys).toEqual(["TunnelSecret"]);
  });
});
