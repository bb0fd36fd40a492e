import { describe, expect, it } from "vitest";
import { detectSecrets } from "../../src/secrets/detect.js";
import { TOKEN_PATTERNS } from "../../src/secrets/patterns.js";
import { redact, redactAll } from "../../src/secrets/redact.js";
import { Gen } from "./gen.js";

describe("redact", () => {
  it("keeps the first 4 and last 3 characters and the length of 20+ character values", () => {
    expect(redact("sk_live_0123456789abcdefghijkLb0")).toBe("sk_l…Lb0 (32 chars)");
    expect(redact("abcdefghijklmnopqrst")).toBe("abcd…rst (20 chars)");
    expect(redact("abcdefghijkl")).toBe("… (12 chars)");
  });

  it("shows only the length of shorter values", () => {
    expect(redact("hunter22")).toBe("… (8 chars)");
    expect(redact("abcdefghijk")).toBe("… (11 chars)");
    expect(redact("abcdefghijklmnopqrs")).toBe("… (19 chars)");
    expect(redact("")).toBe("… (0 chars)");
  });

  it("counts characters, not UTF-16 units, and keeps evidence on one line", () => {
    expect(redact("pässwörd-😀-ünïcode-xy")).toBe("päss…-xy (21 chars)");
    expect(redact("-----BEGIN X-----\nabc\n-----END X-----\n")).toBe("----…--  (38 chars)");
  });
});

describe("redactAll", () => {
  it("replaces every range, merging overlaps so nothing leaks between them", () => {
    const text = "a=SECRETVALUE123456789 b=0123456789abcdefghij tail";
    const out = redactAll(text, [
      { start: 2, end: 22 },
      { start: 25, end: 45 },
      { start: 27, end: 36 },
    ]);
    expect(out).toBe("a=SECR…789 (20 chars) b=0123…hij (20 chars) tail");
  });

  it("leaves text without ranges unchanged and ignores empty or out-of-range ones", () => {
    expect(redactAll("plain", [])).toBe("plain");
    expect(redactAll("plain", [{ start: 3, end: 3 }, { start: 10, end: 20 }])).toBe("plain");
  });
});

describe("no detector output contains a raw secret", () => {
  const gen = new Gen(2024);
  for (const p of TOKEN_PATTERNS) {
    it(p.id, () => {
      const secret = gen.secretFor(p.id);
      // Each secret in the line form its detector expects.
      const line =
        p.id === "aws-secret-access-key" ? `aws_secret_access_key = ${secret}`
        : p.id === "wireguard-private-key" ? `PrivateKey = ${secret}`
        : p.id === "nix-access-token" ? `access-tokens = git.example.org=${secret}`
        : p.id === "url-credentials" ? `url: https://deploy:${secret}@git.example.org/repo.git`
        : p.id === "discord-bot-token" ? `DISCORD_BOT_TOKEN=${secret}` // this detector needs its keyword in the text
        : `value: ${secret}`;
      const matches = detectSecrets(line);
      expect(matches.map((m) => m.detector)).toEqual([p.id]);
      const everything = JSON.stringify(matches) + "\n" + redactAll(line, matches);
      expect(everything.includes(secret)).toBe(false);
      // Nor any 8-character window of its random half (the redaction shows 4 + 3; the first half
      // may be a fixed prefix such as https://hooks.slack.com/, named in the description).
      const tail = secret.slice(Math.floor(secret.length / 2));
      for (let i = 0; i + 8 <= tail.length; i += 1) expect(everything.includes(tail.slice(i, i + 8))).toBe(false);
    });
  }
});
