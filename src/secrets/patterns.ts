// Token detectors as data: each says what it finds, how bad a leak is, and where the format is
// documented. Formats were learned from the issuers' documentation and gitleaks' public rule set; the
// regexes are our own. A detector's `regex` runs over free text; the named group `secret` (or the
// whole match) is the secret. `contextual` detectors also run on a single string value whose key or
// option path matches `key` (a Nix attribute, a YAML key), for formats that only mean "secret" there.
import type { Severity } from "../report/schema.js";

export type Confidence = "high" | "medium";

export interface TokenPattern {
  id: string;
  name: string;
  severity: Severity;
  description: string;
  reference: string;
  confidence: Confidence;
  /** Global regex over free text. The `secret` group, when present, is the secret span. */
  regex?: RegExp;
  /** The regex runs only when the text contains one of these (case-insensitive): cheap prefilter. */
  keywords: string[];
  /** For a value whose key/option path matches `key`: the global `value` regex finds the secret in it. */
  contextual?: { key: RegExp; value: RegExp };
  /**
   * Every match holds one of the keywords and lies within one line, and the regex looks at no
   * character beyond that line: it then runs on the lines holding a keyword only, not the whole text.
   */
  lineLocal?: boolean;
  /** Extra check on the secret span; false drops the match (an encrypted PEM, an alg=none JWT). */
  validate?: (secret: string) => boolean;
}

// Characters that may not continue a token: keeps `ghp_` + 36 from matching inside a longer word.
const END = "(?![A-Za-z0-9_])";

/** True when a PEM private key block is not protected by a passphrase. */
export function isUnencryptedPrivateKeyBlock(block: string): boolean {
  const header = /-----BEGIN ([A-Z0-9 _-]*?)PRIVATE KEY(?: BLOCK)?-----/.exec(block);
  if (!header) return false;
  const label = header[1] ?? "";
  if (/ENCRYPTED/.test(label)) return false; // PKCS#8 EncryptedPrivateKeyInfo
  if (/Proc-Type:\s*4,\s*ENCRYPTED/i.test(block)) return false; // traditional OpenSSL PEM encryption
  if (/^OPENSSH /.test(label)) return openSshCipher(block) === "none";
  return true;
}

/**
 * The cipher name inside an OpenSSH private key ("none" when unencrypted). The binary body starts
 * with "openssh-key-v1\0", then a uint32 length and the cipher name (PROTOCOL.key in OpenSSH).
 */
export function openSshCipher(block: string): string | undefined {
  const body = block
    .replace(/-----(?:BEGIN|END) OPENSSH PRIVATE KEY-----/g, "")
    .replace(/\\[nr]/g, "") // the block may sit in a JSON or Nix string with escaped newlines
    .replace(/[^A-Za-z0-9+/=]/g, "");
  const bytes = Buffer.from(body, "base64");
  const magic = "openssh-key-v1\0";
  if (bytes.length < magic.length + 4 || bytes.subarray(0, magic.length).toString("latin1") !== magic) return undefined;
  const len = bytes.readUInt32BE(magic.length);
  const start = magic.length + 4;
  if (len > 64 || start + len > bytes.length) return undefined;
  return bytes.subarray(start, start + len).toString("latin1");
}

/**
 * The key type an OpenSSH private key names in its public part (`ssh-ed25519`,
 * `sk-ssh-ed25519@openssh.com`), readable whether or not the key is encrypted: after the magic come
 * the cipher name, the KDF name and options (strings), the number of keys (uint32), then the first
 * public key as a string that starts with its type string (PROTOCOL.key in OpenSSH).
 */
export function openSshKeyType(block: string): string | undefined {
  const body = block
    .replace(/-----(?:BEGIN|END) OPENSSH PRIVATE KEY-----/g, "")
    .replace(/\\[nr]/g, "")
    .replace(/[^A-Za-z0-9+/=]/g, "");
  const bytes = Buffer.from(body, "base64");
  const magic = "openssh-key-v1\0";
  if (bytes.length < magic.length + 4 || bytes.subarray(0, magic.length).toString("latin1") !== magic) return undefined;
  let at = magic.length;
  for (let i = 0; i < 3; i++) {
    if (at + 4 > bytes.length) return undefined;
    const len = bytes.readUInt32BE(at);
    at += 4 + len;
  }
  at += 4; // number of keys
  if (at + 8 > bytes.length) return undefined;
  at += 4; // length of the public key blob
  const len = bytes.readUInt32BE(at);
  at += 4;
  if (len > 64 || at + len > bytes.length) return undefined;
  const type = bytes.subarray(at, at + len).toString("latin1");
  return /^[\x21-\x7e]+$/.test(type) ? type : undefined;
}

/**
 * An OpenSSH FIDO2 security-key handle (`sk-ssh-ed25519@openssh.com`,
 * `sk-ecdsa-sha2-nistp256@openssh.com`): the private key lives on the hardware token, and the file
 * only names it (a credential id and the public key), so it is useless without the token.
 */
export function isSecurityKeyHandle(block: string): boolean {
  if (!/-----BEGIN OPENSSH PRIVATE KEY-----/.test(block)) return false;
  return /^sk-/.test(openSshKeyType(block) ?? "");
}

/** What a committed security-key handle is, for messages: one sentence, no key material. */
export const SECURITY_KEY_HANDLE_NOTE =
  "an OpenSSH FIDO2 security-key handle (sk-ssh-ed25519/sk-ecdsa key type): the private key stays on the hardware token (a YubiKey or similar), and this file is useless without it, so committing it is common practice and there is nothing to rotate";

/** A JWT whose header decodes to JSON with an `alg` other than "none" (so it carries a signature). */
function isSignedJwt(token: string): boolean {
  const [header, , signature] = token.split(".");
  if (!header || !signature) return false;
  try {
    const parsed = JSON.parse(Buffer.from(header, "base64url").toString("utf8")) as { alg?: unknown };
    return typeof parsed.alg === "string" && parsed.alg.toLowerCase() !== "none";
  } catch {
    return false;
  }
}

/** Stripe's secret (sk_) and restricted (rk_) keys of one mode: the same format, live or test. */
function stripeKey(mode: "live" | "test", severity: Severity, name: string, description: string): TokenPattern {
  const keywords = [`sk_${mode}_`, `rk_${mode}_`];
  return { id: `stripe-${mode}-key`, name, severity, confidence: "high", description, reference: "https://docs.stripe.com/keys", keywords, regex: new RegExp(`\\b[sr]k_${mode}_[A-Za-z0-9]{20,247}\\b`, "g") };
}

export const TOKEN_PATTERNS: readonly TokenPattern[] = [
  {
    id: "private-key",
    name: "Private key",
    severity: "critical",
    confidence: "high",
    description: "An unencrypted private key block (RSA, EC, DSA, OpenSSH, PKCS#8 or PGP): whoever reads the repository can impersonate its owner.",
    reference: "https://www.rfc-editor.org/rfc/rfc7468",
    keywords: ["PRIVATE KEY"],
    regex: /-----BEGIN ([A-Z0-9 _-]{0,40}?)PRIVATE KEY( BLOCK)?-----(?:(?!-----BEGIN )[\s\S]){64,}?-----END \1PRIVATE KEY\2-----/g,
    validate: (block) => isUnencryptedPrivateKeyBlock(block) && !isSecurityKeyHandle(block),
  },
  {
    id: "security-key-handle",
    name: "FIDO2 security-key handle",
    severity: "info",
    confidence: "high",
    description: `An OpenSSH private key file whose key type is a FIDO2 security key: ${SECURITY_KEY_HANDLE_NOTE}.`,
    reference: "https://man.openbsd.org/ssh-keygen#FIDO_AUTHENTICATOR",
    keywords: ["OPENSSH PRIVATE KEY"],
    regex: /-----BEGIN OPENSSH PRIVATE KEY-----(?:(?!-----BEGIN )[\s\S]){64,}?-----END OPENSSH PRIVATE KEY-----/g,
    validate: (block) => isSecurityKeyHandle(block) && openSshCipher(block) === "none",
  },
  {
    id: "age-secret-key",
    name: "age secret key",
    severity: "critical",
    confidence: "high",
    description: "An age identity: it decrypts every age/sops/agenix secret encrypted to its public key.",
    reference: "https://age-encryption.org/v1",
    keywords: ["AGE-SECRET-KEY-1"],
    regex: /AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}(?![A-Z0-9])/g,
  },
  {
    id: "github-pat",
    name: "GitHub personal access token",
    severity: "critical",
    confidence: "high",
    description: "A GitHub personal access token (classic): it acts as its owner on GitHub.",
    reference: "https://github.blog/engineering/platform-security/behind-githubs-new-authentication-token-formats/",
    keywords: ["ghp_"],
    regex: new RegExp(`\\bghp_[A-Za-z0-9]{36}${END}`, "g"),
  },
  {
    id: "github-fine-grained-pat",
    name: "GitHub fine-grained personal access token",
    severity: "critical",
    confidence: "high",
    description: "A GitHub fine-grained personal access token.",
    reference: "https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/managing-your-personal-access-tokens",
    keywords: ["github_pat_"],
    regex: new RegExp(`\\bgithub_pat_[A-Za-z0-9_]{60,255}${END}`, "g"),
  },
  {
    id: "github-oauth-token",
    name: "GitHub OAuth access token",
    severity: "high",
    confidence: "high",
    description: "A GitHub OAuth access token issued to an OAuth app.",
    reference: "https://github.blog/engineering/platform-security/behind-githubs-new-authentication-token-formats/",
    keywords: ["gho_"],
    regex: new RegExp(`\\bgho_[A-Za-z0-9]{36}${END}`, "g"),
  },
  {
    id: "github-app-token",
    name: "GitHub App token",
    severity: "high",
    confidence: "high",
    description: "A GitHub App user-to-server (ghu_) or installation (ghs_) token.",
    reference: "https://github.blog/engineering/platform-security/behind-githubs-new-authentication-token-formats/",
    keywords: ["ghu_", "ghs_"],
    regex: new RegExp(`\\bgh[us]_[A-Za-z0-9]{36}${END}`, "g"),
  },
  {
    id: "github-refresh-token",
    name: "GitHub refresh token",
    severity: "high",
    confidence: "high",
    description: "A GitHub App refresh token.",
    reference: "https://github.blog/engineering/platform-security/behind-githubs-new-authentication-token-formats/",
    keywords: ["ghr_"],
    regex: new RegExp(`\\bghr_[A-Za-z0-9]{36}${END}`, "g"),
  },
  {
    id: "gitlab-token",
    name: "GitLab access or runner token",
    severity: "high",
    confidence: "high",
    description: "A GitLab personal/project access token (glpat-), runner token (glrt-) or deploy token (gldt-).",
    reference: "https://docs.gitlab.com/security/tokens/",
    keywords: ["glpat-", "glrt-", "gldt-"],
    regex: /\bgl(?:pat|rt|dt)-[A-Za-z0-9_-]{20,}(?:\.[A-Za-z0-9_.-]+)?/g,
  },
  {
    id: "aws-access-key-id",
    name: "AWS access key ID",
    severity: "high",
    confidence: "high",
    description: "An AWS access key ID (AKIA long-term, ASIA temporary). Its secret key is usually near it.",
    reference: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids",
    keywords: ["AKIA", "ASIA", "ABIA", "ACCA", "A3T"],
    regex: /\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z2-7]{16}\b/g,
  },
  {
    id: "aws-secret-access-key",
    name: "AWS secret access key",
    severity: "critical",
    confidence: "high",
    description: "An AWS secret access key next to its keyword: with the key ID it signs any API call the user may make.",
    reference: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html",
    keywords: ["secret_access_key", "secretaccesskey", "secret-access-key", "aws_secret", "awssecret"],
    regex:
      /(?:aws[_.-]?secret[_.-]?(?:access[_.-]?)?key|secret[_.-]?access[_.-]?key)["']?\s*(?::=|=>|=|:)\s*["']?(?<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi,
    contextual: {
      key: /(?:aws[_.-]?secret|secret[_.-]?access[_.-]?key)/i,
      value: /^(?<secret>[A-Za-z0-9/+]{40})$/g,
    },
  },
  stripeKey("live", "critical", "Stripe live secret or restricted key", "A Stripe live-mode secret (sk_live_) or restricted (rk_live_) key: it moves real money."),
  stripeKey("test", "low", "Stripe test secret key", "A Stripe test-mode key: no real money, but it exposes the account's test data and shows the habit."),
  {
    id: "stripe-webhook-secret",
    name: "Stripe webhook signing secret",
    severity: "high",
    confidence: "high",
    description: "A Stripe webhook signing secret: it lets anyone forge webhook events.",
    reference: "https://docs.stripe.com/webhooks#verify-events",
    keywords: ["whsec_"],
    regex: /\bwhsec_[A-Za-z0-9+/=]{32,}/g,
  },
  {
    id: "slack-token",
    name: "Slack token",
    severity: "high",
    confidence: "high",
    description: "A Slack bot (xoxb-), user (xoxp-), app (xoxa-/xapp-), refresh (xoxr-) or session (xoxs-) token.",
    reference: "https://api.slack.com/authentication/token-types",
    keywords: ["xox", "xapp-"],
    regex: /\b(?:xox[abeoprs]-[A-Za-z0-9-]{10,250}|xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+)/g,
  },
  {
    id: "slack-webhook",
    name: "Slack incoming webhook URL",
    severity: "high",
    confidence: "high",
    description: "A Slack incoming webhook URL: anyone holding it can post to the channel.",
    reference: "https://api.slack.com/messaging/webhooks",
    keywords: ["hooks.slack.com"],
    regex: /https?:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_/+-]{20,}/g,
  },
  {
    id: "google-api-key",
    name: "Google API key",
    severity: "high",
    confidence: "high",
    description: "A Google Cloud / Firebase API key.",
    reference: "https://cloud.google.com/docs/authentication/api-keys",
    keywords: ["AIza"],
    regex: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g,
  },
  {
    id: "openai-api-key",
    name: "OpenAI API key",
    severity: "high",
    confidence: "high",
    description: "An OpenAI API key (project, service-account, admin or legacy user key).",
    reference: "https://platform.openai.com/docs/api-reference/authentication",
    keywords: ["T3BlbkFJ"],
    regex: /\bsk-(?:(?:proj|svcacct|admin)-)?[A-Za-z0-9_-]{20,200}T3BlbkFJ[A-Za-z0-9_-]{20,200}/g,
  },
  {
    id: "anthropic-api-key",
    name: "Anthropic API key",
    severity: "high",
    confidence: "high",
    description: "An Anthropic API or admin key.",
    reference: "https://docs.anthropic.com/en/api/overview",
    keywords: ["sk-ant-"],
    regex: /\bsk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{80,120}(?![A-Za-z0-9_-])/g,
  },
  {
    id: "npm-token",
    name: "npm access token",
    severity: "high",
    confidence: "high",
    description: "An npm access token: it can publish packages as its owner.",
    reference: "https://docs.npmjs.com/about-access-tokens",
    keywords: ["npm_"],
    regex: new RegExp(`\\bnpm_[A-Za-z0-9]{36}${END}`, "g"),
  },
  {
    id: "discord-bot-token",
    name: "Discord bot token",
    severity: "high",
    confidence: "medium",
    description: "A Discord bot token (base64 user id, timestamp and HMAC).",
    reference: "https://discord.com/developers/docs/reference#authentication",
    keywords: ["discord", "bot", "token"],
    regex: /(?<![A-Za-z0-9_.-])[MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,40}(?![A-Za-z0-9_.-])/g,
  },
  {
    id: "discord-webhook",
    name: "Discord webhook URL",
    severity: "high",
    confidence: "high",
    description: "A Discord webhook URL: anyone holding it can post to the channel.",
    reference: "https://discord.com/developers/docs/resources/webhook",
    keywords: ["/api/webhooks/"],
    regex: /https?:\/\/(?:ptb\.|canary\.)?discord(?:app)?\.com\/api\/webhooks\/\d{5,30}\/[A-Za-z0-9_-]{60,}/g,
  },
  {
    id: "telegram-bot-token",
    name: "Telegram bot token",
    severity: "high",
    confidence: "high",
    description: "A Telegram bot API token (bot id, colon, 35-character secret).",
    reference: "https://core.telegram.org/bots/api#authorizing-your-bot",
    keywords: [":A"],
    regex: /(?<![A-Za-z0-9_:-])\d{5,16}:A[A-Za-z0-9_-]{34}(?![A-Za-z0-9_-])/g,
  },
  {
    id: "jwt",
    name: "Signed JSON Web Token",
    severity: "medium",
    confidence: "medium",
    description: "A signed JWT: often a long-lived service credential (Supabase, Grafana, Home Assistant tokens).",
    reference: "https://www.rfc-editor.org/rfc/rfc7519",
    keywords: ["eyJ"],
    regex: /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/g,
    validate: isSignedJwt,
  },
  {
    id: "tailscale-auth-key",
    name: "Tailscale auth or API key",
    severity: "high",
    confidence: "high",
    description: "A Tailscale auth key (joins machines to the tailnet) or API/OAuth client secret.",
    reference: "https://tailscale.com/kb/1085/auth-keys",
    keywords: ["tskey-"],
    regex: /\btskey-(?:(?:auth|api|client|scim|webhook)-)?[A-Za-z0-9]{4,}-[A-Za-z0-9]{16,}(?![A-Za-z0-9-])|\btskey-[A-Za-z0-9]{24,}(?![A-Za-z0-9-])/g,
  },
  {
    id: "hashicorp-vault-token",
    name: "HashiCorp Vault token",
    severity: "high",
    confidence: "high",
    description: "A HashiCorp Vault service (hvs.) or batch (hvb.) token.",
    reference: "https://developer.hashicorp.com/vault/docs/concepts/tokens#token-prefixes",
    keywords: ["hvs.", "hvb."],
    regex: /\bhv[sb]\.[A-Za-z0-9_-]{90,}/g,
  },
  {
    id: "wireguard-private-key",
    name: "WireGuard private key",
    severity: "critical",
    confidence: "high",
    description:
      "A WireGuard private key written inline: it is world-readable in the Nix store. Use `privateKeyFile` pointing at a secret managed by agenix/sops-nix.",
    reference: "https://www.wireguard.com/quickstart/#key-generation",
    keywords: ["privatekey", "private_key"],
    // wg keys are 32 bytes: 43 base64 characters (the last one carrying 4 bits) and one '='.
    regex: /(?<![A-Za-z0-9_])(?:[Pp]rivate_?[Kk]ey|PRIVATE_?KEY)["']?\s*(?:=|:)\s*["']?(?<secret>[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=)(?![A-Za-z0-9+/=])/g,
    contextual: {
      key: /(?:^|[._-])private_?key$/i,
      value: /^(?<secret>[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=)$/g,
    },
  },
  {
    id: "nix-access-token",
    name: "Nix access-tokens entry",
    severity: "high",
    confidence: "high",
    description:
      "A token in Nix's `access-tokens` setting: it ends up in /etc/nix/nix.conf (world-readable) and the Nix store. Put it in a root-only file and `!include` it from `nix.extraOptions`.",
    reference: "https://nix.dev/manual/nix/stable/command-ref/conf-file.html#conf-access-tokens",
    keywords: ["access-tokens"],
    regex:
      /(?<=access-tokens\s*=[^\n]*)(?<![^\s"'=[])[A-Za-z0-9][A-Za-z0-9.-]*\.[A-Za-z]{2,}(?::\d+)?=(?:PAT:|OAuth2:)?(?<secret>[^\s"';,\]]{8,})/g,
    contextual: {
      key: /access-tokens$/,
      value: /(?<![^\s])[A-Za-z0-9][A-Za-z0-9.:-]*=(?:PAT:|OAuth2:)?(?<secret>[^\s"']{8,})/g,
    },
  },
  {
    id: "url-credentials",
    name: "Credentials in a URL",
    severity: "high",
    confidence: "high",
    description: "A password embedded in a URL (scheme://user:password@host): it leaks through logs, process lists and the Nix store.",
    reference: "https://www.rfc-editor.org/rfc/rfc3986#section-3.2.1",
    keywords: ["://"],
    lineLocal: true,
    regex: /\b[A-Za-z][A-Za-z0-9+.-]{1,20}:\/\/[^\s:/@"'<>{}$]{1,100}:(?<secret>[^\s/@"'<>]{1,200})@(?=[A-Za-z0-9[_.-])/g,
  },
];

/** Crypt(3) and htpasswd-style password hashes: not the password, but crackable offline. */
export const PASSWORD_HASH_PATTERN: TokenPattern = {
  id: "password-hash",
  name: "Password hash",
  severity: "low",
  confidence: "high",
  description:
    "A crypt password hash committed to the repository: it allows offline cracking. Prefer `hashedPasswordFile` pointing at a secret, and a slow scheme (yescrypt `$y$`, or `$6$` with many rounds).",
  reference: "https://man.archlinux.org/man/crypt.5",
  keywords: ["$"],
  regex: /(?<![\w$])\$(?:1|2[abxy]?|5|6|y|gy|7|apr1|argon2(?:id|i|d)|pbkdf2(?:-sha\d+)?|sha1|md5)\$[A-Za-z0-9./+=,$-]{16,}/g,
};

/** Crypt hash as a whole value (hashedPassword = "..."). */
export const CRYPT_HASH_VALUE = /^\$(?:1|2[abxy]?|5|6|y|gy|7|apr1|argon2(?:id|i|d)|pbkdf2(?:-sha\d+)?|sha1|md5)\$[A-Za-z0-9./+=,$-]{8,}$/;

/**
 * Applications' own password-hash formats, written where the application expects the hash (not the
 * password): not plaintext, though crackable offline.
 * - Transmission's `rpc-password`: `{` + SHA-1 hex of password+salt (40) + the 8-character salt.
 * - qBittorrent's `Password_PBKDF2`: `@ByteArray(<base64 salt>:<base64 PBKDF2-SHA512 digest>)`.
 * - CouchDB's `[admins]` (services.couchdb.adminPass, local.ini): `-pbkdf2-<hex key>,<hex salt>,<iterations>`,
 *   since 3.4 `-pbkdf2:sha256-…`, and the old `-hashed-<hex SHA-1>,<hex salt>`; CouchDB keeps a
 *   value in this form as the hash (docs.couchdb.org config/auth.html; Mikilio-mcloud's adminPass,
 *   taken for a plaintext password and judged wrong).
 */
export const APP_PASSWORD_HASHES: Array<{ re: RegExp; scheme: string; slow: boolean }> = [
  { re: /(?<![\w{])\{[0-9a-f]{40}[A-Za-z0-9./]{8}(?![\w./])/g, scheme: "Transmission salted SHA-1", slow: false },
  { re: /@ByteArray\([A-Za-z0-9+/]{16,}={0,2}:[A-Za-z0-9+/]{40,}={0,2}\)/g, scheme: "qBittorrent PBKDF2-SHA512", slow: true },
  { re: /(?<![\w-])-pbkdf2(?::sha(?:1|224|256|384|512))?-[0-9a-f]{40,128},[0-9a-f]{32},\d{1,9}(?![\w,])/g, scheme: "CouchDB PBKDF2", slow: true },
  { re: /(?<![\w-])-hashed-[0-9a-f]{40},[0-9a-f]{32}(?![\w,])/g, scheme: "CouchDB salted SHA1", slow: false },
];

/** A whole value in one of APP_PASSWORD_HASHES' formats. */
export function appPasswordHashScheme(value: string): string | undefined {
  const v = value.trim();
  for (const h of APP_PASSWORD_HASHES) {
    const m = new RegExp(h.re.source).exec(v);
    if (m && m.index === 0 && m[0].length === v.length) return h.scheme;
  }
  return undefined;
}

/** A key that says its value is a hash, not the password (`Password_PBKDF2`, `passwordHash`, `admin_password_hash`). */
export function keyNamesHash(key: string): boolean {
  const words = key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
  return words.some((w) => /^(?:hash|hashed|digest|pbkdf2|bcrypt|argon2(?:id|i|d)?|scrypt|sha(?:1|256|512)|crypt)$/.test(w));
}
