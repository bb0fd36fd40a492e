// Test secrets made at run time, so the repository itself holds no token-shaped strings (secret
// scanners, GitHub push protection). Each has the issuer's real format; values come from a seeded
// generator so a failing case reproduces.
import { createHmac, generateKeyPairSync } from "node:crypto";
import { mulberry32 } from "../../scripts/nix-mutate.js";

export const B62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
export const B64URL = B62 + "_-";
export const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
export const HEX = "0123456789abcdef";
export const DIGITS = "0123456789";
const BECH32_UPPER = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L";

export class Gen {
  private readonly next: () => number;
  constructor(seed = 42) {
    this.next = mulberry32(seed);
  }
  chars(n: number, alphabet = B62): string {
    let s = "";
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(this.next() * alphabet.length)];
    return s;
  }
  bytes(n: number): Buffer {
    return Buffer.from(Array.from({ length: n }, () => Math.floor(this.next() * 256)));
  }
  /** A WireGuard private key as `wg genkey` prints it: 32 clamped bytes, base64. */
  wireguardKey(): string {
    const k = this.bytes(32);
    k[0] = k[0]! & 248;
    k[31] = (k[31]! & 127) | 64;
    return k.toString("base64");
  }
  jwt(): string {
    const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const body = `${enc({ alg: "HS256", typ: "JWT" })}.${enc({ sub: this.chars(12), iat: 1700000000, role: "service" })}`;
    return `${body}.${createHmac("sha256", this.chars(32)).update(body).digest("base64url")}`;
  }
  discordBotToken(): string {
    const id = "1" + this.chars(18, DIGITS);
    return `${Buffer.from(id).toString("base64url")}.${this.chars(6, B64URL)}.${this.chars(38, B64URL)}`;
  }
  /**
   * An unencrypted OpenSSH private key file (openssh-key-v1, PROTOCOL.key) of the given key type,
   * with random key bytes: `ssh-ed25519`, or a FIDO2 security-key handle
   * (`sk-ssh-ed25519@openssh.com`, `sk-ecdsa-sha2-nistp256@openssh.com`) as `ssh-keygen -t
   * ed25519-sk` writes it: public key, application "ssh:", flags, the token's key handle.
   */
  opensshKey(type = "ssh-ed25519", comment = "alice@laptop"): string {
    const str = (b: Buffer): Buffer => Buffer.concat([u32(b.length), b]);
    const s = (t: string): Buffer => str(Buffer.from(t, "latin1"));
    const u32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
    let pub: Buffer;
    let priv: Buffer;
    if (type === "ssh-ed25519") {
      const pk = this.bytes(32);
      pub = Buffer.concat([s(type), str(pk)]);
      priv = Buffer.concat([s(type), str(pk), str(Buffer.concat([this.bytes(32), pk]))]);
    } else {
      const point = type.startsWith("sk-ecdsa") ? Buffer.concat([s("nistp256"), str(Buffer.concat([Buffer.from([4]), this.bytes(64)]))]) : str(this.bytes(32));
      pub = Buffer.concat([s(type), point, s("ssh:")]);
      priv = Buffer.concat([s(type), point, s("ssh:"), Buffer.from([1]), str(this.bytes(64)), s("")]);
    }
    const check = this.bytes(4);
    let body = Buffer.concat([check, check, priv, s(comment)]);
    for (let pad = 1; body.length % 8 !== 0; pad++) body = Buffer.concat([body, Buffer.from([pad])]);
    const blob = Buffer.concat([Buffer.from("openssh-key-v1\0", "latin1"), s("none"), s("none"), s(""), u32(1), str(pub), str(body)]);
    return `-----BEGIN OPENSSH PRIVATE KEY-----\n${blob.toString("base64").match(/.{1,70}/g)!.join("\n")}\n-----END OPENSSH PRIVATE KEY-----`;
  }
  /** Makes the secret for a detector id (see TOKEN_PATTERNS). */
  secretFor(detector: string): string {
    switch (detector) {
      case "github-pat": return "ghp_" + this.chars(36);
      case "github-fine-grained-pat": return "github_pat_" + this.chars(22) + "_" + this.chars(59);
      case "github-oauth-token": return "gho_" + this.chars(36);
      case "github-app-token": return "ghs_" + this.chars(36);
      case "github-refresh-token": return "ghr_" + this.chars(36);
      case "gitlab-token": return "glpat-" + this.chars(20, B64URL);
      case "aws-access-key-id": return "AKIA" + this.chars(16, B32);
      case "aws-secret-access-key": return this.chars(40, B62 + "+/");
      case "stripe-live-key": return "sk_live_" + this.chars(24);
      case "stripe-test-key": return "sk_test_" + this.chars(24);
      case "stripe-webhook-secret": return "whsec_" + this.chars(32);
      case "slack-token": return `xoxb-${this.chars(12, DIGITS)}-${this.chars(13, DIGITS)}-${this.chars(24)}`;
      case "slack-webhook": return `https://hooks.slack.com/services/T${this.chars(8, B32)}/B${this.chars(8, B32)}/${this.chars(24)}`;
      case "google-api-key": return "AIza" + this.chars(35, B64URL);
      case "openai-api-key": return "sk-proj-" + this.chars(58, B64URL) + "T3BlbkFJ" + this.chars(58, B64URL);
      case "anthropic-api-key": return "sk-ant-api03-" + this.chars(93, B64URL) + "AA";
      case "npm-token": return "npm_" + this.chars(36);
      case "discord-bot-token": return this.discordBotToken();
      case "discord-webhook": return `https://discord.com/api/webhooks/${"1" + this.chars(18, DIGITS)}/${this.chars(68, B64URL)}`;
      case "telegram-bot-token": return `${"7" + this.chars(9, DIGITS)}:AA${this.chars(33, B64URL)}`;
      case "jwt": return this.jwt();
      case "tailscale-auth-key": return `tskey-auth-k${this.chars(11)}CNTRL-${this.chars(32)}`;
      case "hashicorp-vault-token": return "hvs." + this.chars(95, B64URL);
      case "age-secret-key": return "AGE-SECRET-KEY-1" + this.chars(58, BECH32_UPPER);
      case "wireguard-private-key": return this.wireguardKey();
      case "nix-access-token": return this.chars(40);
      case "url-credentials": return this.chars(18);
      case "generic-secret": return this.chars(32);
      case "private-key": return rsaPkcs1Pem();
      case "security-key-handle": return this.opensshKey("sk-ssh-ed25519@openssh.com", "alice@yubikey");
      default: throw new Error(`no generator for ${detector}`);
    }
  }
}

let rsaCache: string | undefined;
/** A real RSA private key (PKCS#1, "BEGIN RSA PRIVATE KEY"), made once per test file. */
export function rsaPkcs1Pem(): string {
  rsaCache ??= generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString().trimEnd();
  return rsaCache;
}

/** Real crypt(3) hashes of "not-a-real-password", recorded from `openssl passwd -6/-5/-1/-apr1 -salt ...` (OpenSSL 3.0). */
export const RECORDED_CRYPT_HASHES = {
  sha512: "$6$Qx7fKq2LmN0pRs4T$eQXRZXD2IdSTQMwr1gYtXOCJigr3avdmJcpXrfWCzt/GXeUzRS4WycVOWP7BUf2AEfq5FrZsKEUzWubgHstmU1",
  sha256: "$5$Qx7fKq2LmN0pRs4T$WK7con2P77VhRo04Ql7.Do4LqEDzXr.ancxzdSHIIs4",
  apr1: "$apr1$Qx7fKq2L$ia5e.bCYASU2lGpshlwyf0",
};

export interface ExpandedFixture {
  text: string;
  expected: Array<{ detector: string; start: number; end: number; value: string }>;
}

/**
 * Expands a fixture template: `⟪detector⟫` becomes a generated secret for that detector,
 * `⟪detector:literal⟫` the literal (for plaintext passwords and hashes). Offsets are recorded.
 */
export function expandTemplate(template: string, gen: Gen): ExpandedFixture {
  const expected: ExpandedFixture["expected"] = [];
  let text = "";
  let pos = 0;
  const re = /⟪([a-z0-9-]+)(?::([^⟫]*))?⟫/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(template)) !== null) {
    text += template.slice(pos, m.index);
    const detector = m[1]!;
    const value = m[2] !== undefined ? resolveLiteral(m[2]) : gen.secretFor(detector);
    expected.push({ detector, start: text.length, end: text.length + value.length, value });
    text += value;
    pos = m.index + m[0].length;
  }
  text += template.slice(pos);
  return { text, expected };
}

function resolveLiteral(literal: string): string {
  if (literal.startsWith("hash:")) return RECORDED_CRYPT_HASHES[literal.slice(5) as keyof typeof RECORDED_CRYPT_HASHES];
  return literal;
}
