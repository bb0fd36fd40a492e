// What a configuration value is when it is not a secret: a reference to one (a path, an agenix or
// sops-nix path, an interpolation, an environment variable, a template placeholder), a digest, a
// UUID, a public key, an encrypted blob, or an obvious placeholder. Shared by the keyword-anchored
// detector, the plaintext-password rule and the token detectors' placeholder filter.
import { CRYPT_HASH_VALUE } from "./patterns.js";

/** References to a secret stored elsewhere: the right way, never a finding. */
export function isSecretReference(value: string): boolean {
  const v = value.trim();
  if (v === "") return false;
  if (v.includes("${")) return true; // Nix or shell interpolation: computed, not literal
  if (/^\$[A-Za-z_{(]/.test(v)) return true; // $VAR, ${VAR}, $(command)
  if (/^%\(?[A-Za-z_][A-Za-z0-9_]*\)?[sd%]?$|^%[A-Za-z_][A-Za-z0-9_]*%$/.test(v)) return true; // %(var)s, %VAR%
  if (/^@[A-Za-z_][A-Za-z0-9_-]*@$/.test(v)) return true; // substituteAll placeholder
  if (/\{\{.*\}\}/.test(v) || /^\{%.*%\}$/.test(v) || /^#\{.*\}$/.test(v)) return true; // templates
  if (/^!(?:secret|env_var|vault|include|ENV|Ref|Sub|GetAtt)\b/.test(v)) return true; // YAML tags
  if (/^(?:\/|\.\.?\/|~\/)/.test(v)) return true; // absolute, relative or home path
  if (/^(?:file|env|vault|op|sops|age|ref|secret):\/?\/?[A-Za-z0-9_./-]+$/i.test(v)) return true; // scheme references
  if (/^config\.(?:age|sops|vault-secrets|clan\.core\.vars)\b/.test(v)) return true; // agenix / sops-nix paths as text
  return false;
}

const PLACEHOLDER_WORDS = new Set([
  "changeme", "change-me", "change_me", "changethis", "replaceme", "replace-me", "replace_me", "todo", "fixme",
  "tbd", "example", "dummy", "placeholder", "secret", "password", "passwd", "token", "apikey", "api_key",
  "api-key", "none", "null", "nil", "undefined", "true", "false", "yes", "no", "on", "off", "redacted",
  "hidden", "test", "testing", "foo", "bar", "baz", "foobar", "xxx", "empty", "default", "required", "unset",
]);

/** Obvious placeholders and documentation examples. (The plaintext-password rule ignores this.) */
export function isPlaceholder(value: string): boolean {
  const v = value.trim();
  if (v === "") return true;
  const lower = v.toLowerCase();
  if (PLACEHOLDER_WORDS.has(lower)) return true;
  if (/^<[^<>]*>$|^\[[A-Za-z _-]*\]$|^\{[A-Za-z _-]*\}$/.test(v)) return true; // <token>, [API KEY], {secret}
  if (/^[x*•#._-]+$/i.test(v)) return true; // ****, xxxx-xxxx, ....
  if (/^(.)\1+$/.test(v)) return true; // all the same character
  if (/(.)\1{5,}/.test(v) && /(?:x{6,}|X{6,}|0{8,}|\*{4,}|\.{4,})/.test(v)) return true; // padded sample: sk_live_xxxxxxxx
  if (/example|dummy|placeholder|changeme|change_me|replace_?me|your[_-]|_here\b|fake|sample|redacted/i.test(v)) return true;
  if (/^(?:my|some|the|a)[-_]?(?:secret|password|token|key|api[-_]?key)s?$/i.test(v)) return true;
  return false;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Nix base32 omits e, o, t, u: store path hashes (32) and sha256 in base32 (52).
const NIX_BASE32 = /^[0-9a-df-np-sv-z]{32}$|^[0-9a-df-np-sv-z]{52}$/;
const SRI_OR_PREFIXED_DIGEST = /^(?:sha1|sha224|sha256|sha384|sha512|md5|blake2b|blake3)[-:][A-Za-z0-9+/=_-]{16,}$/i;
const PUBLIC_KEY =
  /^(?:ssh-(?:rsa|ed25519|dss)|ecdsa-sha2-nistp\d+|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) AAAA|^age1[02-9ac-hj-np-z]{58}$|^npub1|-----BEGIN (?:RSA |EC |PGP )?PUBLIC KEY|-----BEGIN CERTIFICATE/;
const ENCRYPTED = /^ENC\[AES256_GCM,|-----BEGIN AGE ENCRYPTED FILE-----|-----BEGIN PGP MESSAGE-----/;

export type NonSecretReason = "uuid" | "digest" | "public-key" | "encrypted" | "crypt-hash";

/** Values with a recognisable non-secret shape. */
export function nonSecretShape(value: string): NonSecretReason | undefined {
  const v = value.trim();
  if (UUID.test(v)) return "uuid";
  if (NIX_BASE32.test(v) || SRI_OR_PREFIXED_DIGEST.test(v) || /^\/nix\/store\//.test(v)) return "digest";
  if (PUBLIC_KEY.test(v)) return "public-key";
  if (ENCRYPTED.test(v)) return "encrypted";
  if (CRYPT_HASH_VALUE.test(v)) return "crypt-hash";
  return undefined;
}

/**
 * Readable values: pieces split on separators, case changes and letter/digit boundaries are words
 * of 3+ letters or short numbers (`scram-sha-256`, `SuperSecretPassword`, `grafana-admin-2024`).
 * Random tokens split into many one- and two-character pieces.
 */
export function isWordLike(value: string): boolean {
  const pieces = value
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .replace(/([A-Za-z])([0-9])|([0-9])([A-Za-z])/g, (_m, a, b, c, d) => (a ? `${a} ${b}` : `${c} ${d}`))
    .split(/[\s._:/@+,=-]+/)
    .filter((p) => p !== "");
  if (pieces.length === 0) return true;
  return pieces.every((p) => (/^[A-Za-z]+$/.test(p) && p.length >= 3 && /^[A-Z]?[a-z]+$|^[A-Z]+$/.test(p)) || /^[0-9]{1,4}$/.test(p));
}
