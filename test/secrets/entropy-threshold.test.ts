// Justifies GENERIC_ENTROPY_THRESHOLD and GENERIC_MIN_LENGTH with measurements: random tokens of
// the usual alphabets must pass, readable configuration values under secret-like keys must not.
import { describe, expect, it } from "vitest";
import { GENERIC_ENTROPY_THRESHOLD, judgeGenericValue } from "../../src/secrets/detect.js";
import { shannonEntropy } from "../../src/secrets/entropy.js";
import { B32, B62, Gen, HEX } from "./gen.js";

const ALPHABETS: Record<string, string> = {
  base62: B62,
  base64: B62 + "+/",
  "a-z0-9": "abcdefghijklmnopqrstuvwxyz0123456789",
  base32: B32,
  hex: HEX,
};

function detectionRate(alphabet: string, length: number, samples = 4000): number {
  const gen = new Gen(length * 1000 + alphabet.length);
  let hit = 0;
  for (let i = 0; i < samples; i++) if (judgeGenericValue(gen.chars(length, alphabet)).secret) hit++;
  return hit / samples;
}

describe("entropy threshold", () => {
  it("shannonEntropy: bits per character", () => {
    expect(shannonEntropy("")).toBe(0);
    expect(shannonEntropy("aaaa")).toBe(0);
    expect(shannonEntropy("abab")).toBe(1);
    expect(shannonEntropy("0123456789abcdef")).toBe(4);
  });

  for (const [name, alphabet] of Object.entries(ALPHABETS)) {
    it(`catches >= 99% of random ${name} tokens of 20, 32 and 40 characters`, () => {
      for (const length of [20, 32, 40]) expect(detectionRate(alphabet, length), `${name} x${length}`).toBeGreaterThanOrEqual(0.99);
    });
  }

  it("catches >= 97% of random 16-character tokens in every alphabet (base32, 32 symbols, is the lowest)", () => {
    for (const [name, alphabet] of Object.entries(ALPHABETS)) {
      expect(detectionRate(alphabet, 16), name).toBeGreaterThanOrEqual(name === "base32" ? 0.97 : 0.99);
    }
  });

  it("catches >= 90% of random base62 tokens of 12-15 characters (the minimum length)", () => {
    for (const length of [12, 13, 14, 15]) expect(detectionRate(B62, length)).toBeGreaterThanOrEqual(0.9);
  });

  it("gitleaks' 3.5 would miss a fifth or more of 16-character [a-z0-9] and base32 tokens; 3.0 misses < 3%", () => {
    for (const alphabet of [ALPHABETS["a-z0-9"]!, B32]) {
      const gen = new Gen(16);
      const values = Array.from({ length: 4000 }, () => gen.chars(16, alphabet));
      const below = (t: number) => values.filter((v) => shannonEntropy(v) < t).length / values.length;
      expect(below(3.5)).toBeGreaterThan(0.2);
      expect(below(GENERIC_ENTROPY_THRESHOLD)).toBeLessThan(0.03);
    }
  });

  // Non-secret values of 12+ characters seen under secret-like keys (Helm `existingSecret`,
  // Grafana `auth`, OAuth `grant_type`-like settings, Kubernetes secret names, headers, examples).
  // Readable compounds are rejected by the word-likeness test whatever their entropy
  // (`my-service-token` is 3.58 bits); single words by the 3.5 single-word threshold.
  const READABLE = [
    "SuperSecretPassword", "my-service-token", "client_credentials", "authorization_code", "keycloak-secret",
    "auth.example.com", "token_endpoint", "gitea-runner-token", "prod-db-password", "grafana-admin-2024",
    "scram-sha-256", "X-Auth-Token", "abc123def456", "Authorization", "administrator", "my_api_key_here",
    "nextcloud-admin-pass", "sops-nix-generated", "HomeAssistantLongLived", "vaultwarden_admin",
    "deadbeefdeadbeef", "1234567890123456", "0000000000000000", "please change me", "tailscale-auth-key-v2",
    "BearerTokenAuthenticator", "oauth2-proxy-cookie", "restic-backup-repository", "my-release-postgresql",
    "HTTPBasicAuthenticator", "x-access-token", "kubernetes.io/service-account-token",
  ];

  it("rejects readable values of 12+ characters under secret-like keys", () => {
    const accepted = READABLE.filter((v) => judgeGenericValue(v).secret);
    expect(accepted).toEqual([]);
  });

  it("a committed passphrase of concatenated words under a secret key is still reported", () => {
    // Not a name but a weak secret: one long single-case piece with 3.5+ bits.
    expect(judgeGenericValue("defaultpasswordforstaging").secret).toBe(true);
  });
});
