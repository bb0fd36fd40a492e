// Look-alikes from real NixOS configurations (the corpus noise check) that the detectors must not
// take for secrets, beside the real ones they must still find.
import { describe, expect, it } from "vitest";
import { classifySecretFile, classifyKey, isSecretReference, nonSecretShape, plaintextPassword } from "../../src/secrets/index.js";
import { detectors } from "../helpers/secrets.js";
import { Gen } from "./gen.js";


describe("names that are not passwords", () => {
  it.each([
    ["proxyPass"], ["proxy_pass"], ["fastcgi_pass"], ["uwsgi_pass"], ["allowPasswordWithFprintd"], ["usePassword"], ["showPassword"],
    ["passwordChars"], ["PASSWORD_STORE_CLIP_TIME"], ["pwd *"], ["SHOW_PASSWORD_HINT"], ["iam@lach.pw"],
  ])("%s", (key) => expect(classifyKey(key)).toBeUndefined());

  it.each([["enable_password"], ["DB_PASS"], ["admin_password"], ["rootPassword"], ["smtp_pass"]])("%s still is one", (key) => expect(classifyKey(key)).toBe("password"));
});

describe("values that are not passwords or secrets", () => {
  it.each([["false"], ["off"], ["no"], ["false,"], ["\\"], ["0"], ["*"]])("plaintext password %j", (v) => expect(plaintextPassword("password", v)).toBeNull());
  it("a two-character password is still one", () => expect(plaintextPassword("password", "ab")).not.toBeNull());
  it.each([["PASSWORD_ITERATIONS", "2000000"], ["password_min_length", "12"], ["passwordMaxAge", "90"], ["PASSWORD_ROUNDS", "100000"]])("a number under %s (a parameter of passwords) is not one", (k, v) => expect(plaintextPassword(k, v)).toBeNull());
  it.each([["PASSWORD", "2000000"], ["admin_password", "123456"], ["PASSWORD_ITERATIONS", "hunter2x"]])("a number under %s, or words under a parameter name, still is", (k, v) => expect(plaintextPassword(k, v)).not.toBeNull());
  it.each([["{env.CLOUDFLARE_API_TOKEN}"], ["{$CF_TOKEN}"], ["{file./run/secrets/token}"]])("Caddy placeholder %s is a reference", (v) => expect(isSecretReference(v)).toBe(true));
  it.each([["{env.}"], ["{token-abc}"]])("%s is not a Caddy placeholder", (v) => expect(isSecretReference(v)).toBe(false));

  it.each([["%env(LDAP_PASSWORD)%"], ["ext:psk_home"], ["%d/secret"], ["/$CREDENTIALS_DIRECTORY/private_key"], ["${CREDENTIALS_DIRECTORY}/token"], ["github.com=%s\\n"], ["%s"]])("reference %s", (v) => expect(isSecretReference(v)).toBe(true));

  it.each([["::fd00:1:2:3"], ["fe80::1/64"], ["2001:db8:0:0:0:0:0:1"], ["10.0.0.1"], ["192.168.1.0/24"]])("address %s", (v) => expect(nonSecretShape(v)).toBe("address"));

  it("git signing key ids, a value naming its own key, vim-plug's empty URL password", () => {
    expect(detectors("[user]\n  signingKey = FA1F2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C\n")).toEqual([]);
    expect(detectors("n8n-hooks-token", { key: "n8n-hooks-token" })).toEqual([]);
    expect(detectors("let fmt = 'https://git::@github.com/%s.git'")).toEqual([]);
    expect(detectors('passphrase = var.passphrase\npassword = ephemeral.sops_file.x.data["P"]', { fileKind: "tf" })).toEqual([]);
  });

  it("rspamd's $2$ hashes are password hashes, not plaintext", () => {
    const hash = "$2$cyb4fc4y1b6zuxq9d6bga6rhx3h9jm8y$u5jz5epnmxm6efaagyj9gbhqc6ubjmhgi5hrh6ew3f8qwzqp8agb";
    expect(detectors(`password = "${hash}";`)).toEqual(["password-hash"]);
  });

  it("still finds the real thing next to them", () => {
    const gen = new Gen(5);
    const token = gen.secretFor("github-pat");
    expect(detectors(`proxyPass = "http://127.0.0.1:3000"; token = "${token}";`)).toEqual(["github-pat"]);
    expect(detectors("password = hunter2hunter2", { fileKind: "ini" })).toEqual(["plaintext-password"]);
  });
});

describe("public WireGuard keys by path", () => {
  it("a bare key under a publickey directory is public, elsewhere it is a private key", () => {
    const key = Buffer.from(`${new Gen(3).wireguardKey()}\n`);
    expect(classifySecretFile("vars/per-machine/a/wireguard/publickey/value", key).kind).toBe("public-key");
    expect(classifySecretFile("vars/per-machine/a/wireguard/privatekey/value", key).kind).toBe("private-key");
  });
});
