// The cheap passes in front of the detectors: they must change what runs, never what is found.
import { describe, expect, it } from "vitest";
import { detectSecrets, findAssignments } from "../../src/secrets/detect.js";
import { classifyKey, KEY_HINT } from "../../src/secrets/keys.js";

// Built at run time so no scanner mistakes the fixtures for real tokens.
const DISCORD = ["MTk4NjIyNDgzNDcxOTI1MjQ4", "Cl2FMQ", "ZnCjm1XVW7vRze4b7Cq4se7kKWsX"].join(".");
const URL_PASSWORD = "pa55W0rdXy";

describe("keyword prefilter", () => {
  it("finds a keyword inside another one (`token` in `access-tokens`)", () => {
    // The Discord detector's keywords are discord, bot and token: here only inside access-tokens.
    const text = `nix.settings.access-tokens = [ ];\nvalue = ${DISCORD}\n`;
    expect(detectSecrets(text).map((m) => m.detector)).toContain("discord-bot-token");
  });

  it("matches keywords case-insensitively, as the lower-cased text holds them", () => {
    expect(detectSecrets(`BOT ${DISCORD}`).map((m) => m.detector)).toEqual(["discord-bot-token"]);
    // KELVIN SIGN lower-cases to `k`: `To\u212Aen` holds the keyword `token` once lower-cased.
    expect(detectSecrets(`To\u212Aen ${DISCORD}`).map((m) => m.detector)).toEqual(["discord-bot-token"]);
    expect(detectSecrets(`nothing here ${DISCORD}`)).toEqual([]);
  });

  it("runs the URL-credentials regex on the lines holding :// only, with offsets into the whole text", () => {
    const text = `first line\nsecond: https://alice:${URL_PASSWORD}@git.example.org/repo\nlast @ line`;
    const [m] = detectSecrets(text);
    expect(m?.detector).toBe("url-credentials");
    expect(text.slice(m!.start, m!.end)).toBe(URL_PASSWORD);
  });
});

describe("assignment prefilter (KEY_HINT)", () => {
  it("every key classifyKey gives a kind contains a hint", () => {
    const keys = [
      "password", "initialPassword", "DB_PASS", "admin_pwd", "pw", "passphrase", "hashedPassword", "client_secret", "apiKey",
      "GITHUB_TOKEN", "authKey", "auth", "credentials", "creds", "bearer", "psk", "pre_shared", "private_key", "signing_key",
      "app_key", "dbpass", "githubtoken", "mysecret", "x-api-key", "accessKey",
    ];
    for (const k of keys) {
      expect(classifyKey(k), k).toBeDefined();
      expect(KEY_HINT.test(k), k).toBe(true);
    }
  });

  it("with a hint, keeps exactly the assignments on lines where it matches", () => {
    const text = [
      "name = \"web\"",
      "  password: \"hunter2\"",
      "{\"apiKey\": \"abc\", \"other\": \"x\"}",
      "port=8080",
      "export DB_PASS=s3cret",
    ].join("\n");
    const all = findAssignments(text, "sh");
    const hinted = findAssignments(text, "sh", KEY_HINT);
    const lines = new Set(text.split("\n").flatMap((l, i) => (KEY_HINT.test(l) ? [i] : [])));
    const lineOf = (start: number) => text.slice(0, start).split("\n").length - 1;
    expect(hinted).toEqual(all.filter((a) => lines.has(lineOf(a.start))));
    expect(hinted.map((a) => a.key)).toEqual(["password", "apiKey", "other", "DB_PASS"]);
  });
});

describe("the last texts judged are remembered", () => {
  it("answers a repeated whole file alike, with copies a caller may change", () => {
    const text = `# settings\n${"filler = 1\n".repeat(200)}https://bob:${URL_PASSWORD}@example.org\n`;
    const first = detectSecrets(text, { fileKind: "conf" });
    first[0]!.start = -1;
    const second = detectSecrets(text, { fileKind: "conf" });
    expect(second).toHaveLength(1);
    expect(second[0]!.start).toBe(text.indexOf(URL_PASSWORD));
    // Another context is another answer: as a key's value, the whole text is judged by the key.
    const plain = "filler = 1\n".repeat(200);
    expect(detectSecrets(plain, { fileKind: "conf" })).toEqual([]);
    expect(detectSecrets(plain, { key: "password" }).map((m) => m.detector)).toEqual(["plaintext-password"]);
  });
});
