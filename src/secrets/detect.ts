// Secret detection over one string: a Nix string literal with its attribute key / option path as
// context, or a whole non-Nix text file (script, .env, YAML, JSON, INI...). Pure: text in, matches
// out, each with offsets into the text and a redacted form. No match ever carries the value.
//
// Four detectors, in order of precedence when they overlap:
//   1. token formats (patterns.ts): the value's shape alone says what it is (ghp_..., AKIA..., PEM);
//   2. contextual formats: shapes that are secrets only under their key (WireGuard privateKey,
//      AWS secret keys, Nix access-tokens);
//   3. plaintext passwords: any literal under a password key (`initialPassword`, `DB_PASS`), whatever
//      its entropy, since `changeme` is deployed as-is; crypt hashes there are `password-hash`;
//   4. keyword-anchored generic secrets: a value under a secret-ish key (`client_secret`, `apiKey`,
//      `auth_token`) that is long and random enough (see GENERIC_* below) and is no reference,
//      placeholder, digest, UUID or public key.
import type { Severity } from "../report/schema.js";
import { shannonEntropy } from "./entropy.js";
import { classifyKey, effectiveKey, isAppSecretKeyOption, isPasswordByPath, KEY_HINT, namesCommand, type KeyKind } from "./keys.js";
import { appPasswordHashScheme, CRYPT_HASH_VALUE, keyNamesHash, PASSWORD_HASH_PATTERN, TOKEN_PATTERNS, type Confidence, type TokenPattern } from "./patterns.js";
import { redact } from "./redact.js";
import { isPlaceholder, isProseAboutSecret, isSecretReference, isSingleWord, isWordLike, nonSecretShape } from "./values.js";
import { escapeRegExp } from "../text/regexp.js";

export interface DetectContext {
  /** The attribute / YAML / JSON key whose value `text` is. */
  key?: string;
  /** The NixOS option path of the value (`services.grafana.settings.security.admin_password`). */
  optionPath?: string;
  /**
   * What the text is: a lowercase extension or kind (`nix`, `sh`, `env`, `yaml`, `json`, `py`...).
   * In program source (nix, py, js...) an unquoted right-hand side is an expression, not a literal.
   */
  fileKind?: string;
}

export type SecretKind = "secret" | "password-hash";

export interface SecretMatch {
  /** Detector id: a TOKEN_PATTERNS id, `plaintext-password`, `password-hash` or `generic-secret`. */
  detector: string;
  name: string;
  description: string;
  severity: Severity;
  /** Offsets into the text (UTF-16 code units, end exclusive) of the secret itself. */
  start: number;
  end: number;
  redacted: string;
  confidence: Confidence;
  kind: SecretKind;
  reference?: string;
  /** The key the value was found under, when known (never the value). */
  key?: string;
}

/** Below this length a value under a secret-ish key is not judged random enough to report. */
export const GENERIC_MIN_LENGTH = 12;
/**
 * Bits per character a value must reach. Measured (test/secrets/entropy-threshold.test.ts): random
 * base62/base64/[a-z0-9] tokens of 16+ characters reach 3.0 in at least 99% of samples (base32: 97%
 * at 16, 99% from 20). Readable values of that length score 2.5-3.6 bits too, so entropy alone
 * cannot reject them: the word-likeness test does (`my-service-token` is 3.58 bits). gitleaks'
 * generic rule uses 3.5, which misses a fifth or more of 16-character [a-z0-9] and base32 tokens.
 */
export const GENERIC_ENTROPY_THRESHOLD = 3.0;
/**
 * A value that is one word of one case (`Authorization`, `administrator`: 3.1-3.3 bits) must reach
 * gitleaks' 3.5. Random base62 is single-case letters only in well under 1% of 16-char samples.
 */
export const GENERIC_SINGLE_WORD_ENTROPY_THRESHOLD = 3.5;
/** Hex has 16 symbols, so its entropy is lower: a random 16-digit hex string scores 2.5+ in 99.9%. */
export const GENERIC_HEX_ENTROPY_THRESHOLD = 2.5;
export const GENERIC_HEX_MIN_LENGTH = 16;

const CODE_KINDS = new Set([
  "nix", "tf", "hcl", "py", "python", "js", "mjs", "cjs", "ts", "tsx", "jsx", "go", "rs", "rust", "rb", "ruby", "java", "kt",
  "c", "h", "cc", "cpp", "hpp", "hh", "hxx", "cxx", "cs", "lua", "php", "pl", "perl", "swift", "scala", "hs", "ml", "ex", "exs",
]);

/** A match before redaction, ranked against the others found at the same place. */
interface Candidate extends Omit<SecretMatch, "redacted"> {
  /** Lower wins when candidates overlap. */
  rank: number;
}

const RANK_TOKEN = 0;
const RANK_CONTEXTUAL = 1;
const RANK_HASH = 2;
const RANK_PASSWORD = 3;
const RANK_GENERIC = 4;

function fromPattern(p: TokenPattern, start: number, end: number, rank: number, key?: string): Candidate {
  return {
    detector: p.id,
    name: p.name,
    description: p.description,
    severity: p.severity,
    start,
    end,
    confidence: p.confidence,
    kind: p.id === PASSWORD_HASH_PATTERN.id ? "password-hash" : "secret",
    reference: p.reference,
    key,
    rank,
  };
}

// Each pattern's regex with the `d` flag (match indices), made once. matchAll works on a copy, so
// sharing one across calls is safe.
const withIndices = new WeakMap<RegExp, RegExp>();

/** Runs a global regex; yields the `secret` group's span when present, else the whole match. */
function* spans(regex: RegExp, text: string, offset = 0): Generator<{ start: number; end: number }> {
  let re = withIndices.get(regex);
  if (!re) withIndices.set(regex, (re = regex.flags.includes("d") ? regex : new RegExp(regex.source, regex.flags + "d")));
  for (const m of text.matchAll(re)) {
    if (m[0] === "") continue;
    const idx = m.indices?.groups?.secret ?? m.indices?.[0];
    if (idx) yield { start: offset + idx[0], end: offset + idx[1] };
  }
}

/** `spans` over the lines where `hint` matches, in order: the same spans for a line-local regex. */
function lineSpans(regex: RegExp, text: string, hint: RegExp): Array<{ start: number; end: number }> {
  const out: Array<{ start: number; end: number }> = [];
  forEachLineWith(text, hint, (start, end) => out.push(...spans(regex, text.slice(start, end), start)));
  return out;
}

/** Token values that are documentation samples (`AKIAIOSFODNN7EXAMPLE`, `ghp_xxxx...`). */
function isSampleToken(detector: string, secret: string): boolean {
  if (detector === "private-key") return false; // a PEM body is base64; never treat as a sample
  // A Nix interpolation (`github.com=${config.sops.placeholder.token}` in a sops template) is a
  // value filled in elsewhere, not a literal token.
  if (secret.includes("${")) return true;
  if (detector === "url-credentials") {
    // `https://git::@github.com` (vim-plug's trick to suppress prompts) holds no password.
    if (!/[A-Za-z0-9]/.test(secret) || secret.length < 2) return true;
    return isPlaceholder(secret) || isSecretReference(secret) || /^(?:pass|pwd|pw|passwd|password\d*|secret|pass(?:word)?123)$/i.test(secret);
  }
  return isPlaceholder(secret);
}

// The token patterns with their keywords in lower case. One pass over the lower-cased text finds
// every keyword in it: most strings hold none, and then no pattern needs a look; a whole file holds
// a few, and only their patterns run (a regex alternation of the keywords is slower in V8 than
// this loop, and one `includes` per keyword is a pass over the text each).
const KEYED_PATTERNS = [...TOKEN_PATTERNS, PASSWORD_HASH_PATTERN]
  .flatMap((p) => (p.regex ? [{ pattern: p, regex: p.regex, keywords: p.keywords.map((k) => k.toLowerCase()), lines: linesHolding(p) }] : []));

/** For a line-local pattern, a regex finding its keywords (as the lower-cased text holds them). */
function linesHolding(p: TokenPattern): RegExp | undefined {
  if (!p.lineLocal) return undefined;
  // Matched as written: the same as in the lower-cased text for a keyword without letters (only
  // KELVIN SIGN and `İ` lower-case into ASCII, into letters), so letters are refused.
  if (p.keywords.some((k) => /[a-z]/i.test(k))) throw new Error(`detect.ts: line-local pattern ${p.id} has a keyword with letters`);
  return new RegExp(p.keywords.map((k) => escapeRegExp(k)).join("|"), "g");
}

interface Keyword {
  text: string;
  /** Indices in KEYED_PATTERNS of the patterns it enables. */
  patterns: number[];
}

// Keywords by their first two UTF-16 code units (ASCII only; a one-unit keyword by its only one).
const BY_PREFIX = new Map<number, Keyword[]>();
const SINGLE = new Map<number, Keyword[]>();
for (const kw of new Set(KEYED_PATTERNS.flatMap((k) => k.keywords))) {
  const entry: Keyword = { text: kw, patterns: KEYED_PATTERNS.flatMap((k, i) => (k.keywords.includes(kw) ? [i] : [])) };
  const c0 = kw.charCodeAt(0);
  const c1 = kw.charCodeAt(1);
  if (kw.length === 0 || c0 >= 128 || c1 >= 128) throw new Error(`detect.ts: keyword '${kw}' must be ASCII and non-empty`);
  const table = kw.length === 1 ? SINGLE : BY_PREFIX;
  const key = kw.length === 1 ? c0 : c0 * 128 + c1;
  table.set(key, [...(table.get(key) ?? []), entry]);
}
const PREFIX_TABLE: Array<Keyword[] | undefined> = Array.from({ length: 128 * 128 }, (_, i) => BY_PREFIX.get(i));
const SINGLE_TABLE: Array<Keyword[] | undefined> = Array.from({ length: 128 }, (_, i) => SINGLE.get(i));
/** 1 for a code unit that starts a two-unit prefix, 2 for a one-unit keyword, 3 for both. */
const STARTS = new Uint8Array(128);
for (const k of BY_PREFIX.keys()) STARTS[k >> 7]! |= 1;
for (const k of SINGLE.keys()) STARTS[k]! |= 2;

/** For each pattern, whether one of its keywords occurs in the text as `text.toLowerCase().includes(k)` says. */
function patternsPresent(text: string): boolean[] | undefined {
  const lower = text.toLowerCase();
  let present: boolean[] | undefined;
  const mark = (list: Keyword[], at: number): void => {
    for (const kw of list) {
      if (kw.text.length > 2 && !lower.startsWith(kw.text, at)) continue;
      present ??= new Array<boolean>(KEYED_PATTERNS.length).fill(false);
      for (const p of kw.patterns) present[p] = true;
    }
  };
  const n = lower.length;
  for (let i = 0; i < n; i++) {
    const c0 = lower.charCodeAt(i);
    const starts = c0 < 128 ? STARTS[c0]! : 0;
    if (starts === 0) continue;
    if (starts & 2) mark(SINGLE_TABLE[c0]!, i);
    if (starts & 1 && i + 1 < n) {
      const c1 = lower.charCodeAt(i + 1);
      const list = c1 < 128 ? PREFIX_TABLE[(c0 << 7) | c1] : undefined;
      if (list) mark(list, i);
    }
  }
  return present;
}

function tokenCandidates(text: string, out: Candidate[]): void {
  const present = patternsPresent(text);
  if (!present) return;
  for (let i = 0; i < KEYED_PATTERNS.length; i++) {
    if (!present[i]) continue;
    const { pattern: p, regex, lines } = KEYED_PATTERNS[i]!;
    for (const s of lines ? lineSpans(regex, text, lines) : spans(regex, text)) {
      const secret = text.slice(s.start, s.end);
      if (p.validate && !p.validate(secret)) continue;
      if (isSampleToken(p.id, secret)) continue;
      out.push(fromPattern(p, s.start, s.end, p === PASSWORD_HASH_PATTERN ? RANK_HASH : RANK_TOKEN));
    }
  }
}

/** Trims whitespace and reports the trimmed span. */
function trimmedSpan(value: string, offset: number): { value: string; start: number; end: number } {
  let lead = value.length - value.trimStart().length;
  let trimmed = value.trim();
  // Quoted with escaped quotes inside a Nix string (`password: \\"$registry_password\\"` in a
  // heredoc, sini-nix-config k3s.nix, judged wrong): the quotes are the YAML's, not the value.
  const escaped = /^\\(["'])(.*)\\\1$/.exec(trimmed);
  if (escaped) {
    lead += 2;
    trimmed = escaped[2]!;
  }
  return { value: trimmed, start: offset + lead, end: offset + lead + trimmed.length };
}

/** What `redact` returns: `… (12 chars)` or `sk_l…Lb0 (32 chars)`. */
const REDACTION = /^(?:[^\s…]{0,4}…[^\s…]{0,3}|…) \(\d+ chars\)$/u;

export interface PlaintextPassword {
  key: string;
  severity: Severity;
  /** The literal looks like a placeholder (`changeme`): still deployed as the real password. */
  placeholderLike: boolean;
  redacted: string;
  reason: string;
}

/**
 * A plaintext password under a password option (`password`, `initialPassword`, `adminPassword`,
 * `admin_password`, `rootPassword`, `db_password`, nginx `basicAuth.<user>`): any non-empty literal
 * is a finding regardless of entropy. Not: `hashedPassword`, `passwordFile` or other `*File`
 * options, references (paths, `config.age.secrets.*.path`, interpolations, `$VAR`), crypt hashes.
 */
export function plaintextPassword(key: string, value: string, optionPath?: string): PlaintextPassword | null {
  if (namesCommand(optionPath)) return null; // `environment.shellAliases.pass = "gopass"`: an alias
  const kind = classifyKey(key);
  if (kind !== "password" && !isPasswordByPath(optionPath ?? "")) return null;
  const v = value.trim();
  if (v === "") return null;
  // How something looks, not a password: a colour, a CSS length, a negative number (greeter themes'
  // `password-border-color = "#000000"`, `password-border-radius = 0.341125em`, `password-character = -1`).
  if (/^#(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i.test(v) || /^-?\d*\.?\d+(?:em|rem|px|pt|ex|ch|vh|vw|%)$/.test(v) || /^-\d+$/.test(v)) return null;
  // Booleans and empty-ish literals are switches (`PasswordAuth = "off"`, `"allowPassword": false`),
  // a value without a letter or digit is syntax (`\`, `*`), and a lone digit is a switch (`pw = 0`).
  if (/^(?:true|false|null|nil|none|yes|no|on|off),?$/i.test(v) || !/[A-Za-z0-9]/.test(v) || /^\d$/.test(v)) return null;
  if (isSecretReference(v)) return null;
  // A number under a key that names a parameter of passwords (PASSWORD_ITERATIONS = "2000000",
  // password_min_length = "12"): a setting, not a password.
  if (/^\d+$/.test(v) && keyWords(key).some((w) => PASSWORD_PARAMETER_WORDS.has(w))) return null;
  if (REDACTION.test(v)) return null; // already redacted (evidence passed through twice)
  if (CRYPT_HASH_VALUE.test(v)) return null; // reported as a password hash instead
  // An application's own hash format (Transmission's `{sha1…salt}`, qBittorrent's `@ByteArray(…)`),
  // or a key that says it holds a hash (`Password_PBKDF2`, `passwordHash`): a hash, not the password
  // (committed-password-hash's).
  if (appPasswordHashScheme(v) !== undefined || keyNamesHash(key)) return null;
  // A sops ENC[...] value or an age/PGP armored blob, an LDAP filter under `pass_filter`, KDF parameters.
  const shape = nonSecretShape(v);
  // An SSH/age public key is a public name whatever its key says (ghuntley-ghuntley's
  // `one-password = "ssh-ed25519 AAAA…"`, the key 1Password's agent holds, was called a password).
  if (shape === "encrypted" || shape === "ldap-filter" || shape === "kdf-parameters" || shape === "public-key") return null;
  // A value repeating its whole key names an entry rather than a password: a Kerberos
  // domain-to-realm map (`"redstone.pw" = "REDSTONE.PW"`, Lehmanator-nix-configs, judged harmful).
  const bareKey = key.replace(/^["']|["']$/g, "");
  if (v.toLowerCase() === bareKey.toLowerCase()) return null;
  // A domain name mapped to a domain or realm (`"corp.example.pw" = "EXAMPLE.PW"`): the key is a
  // host name whose last label happens to read as `pw`, not a setting.
  if (DOMAIN_NAME.test(bareKey) && DOMAIN_NAME.test(v)) return null;
  if (isProseAboutSecret(v)) return null; // a description: `The admin password for the web UI`
  // nsswitch.conf's passwd database and its sources (`passwd: files mymachines systemd`, written by a
  // script building a container's /etc: clan-lol/clan-infra actions-runner.nix, reported as a password).
  if (key === "passwd" && NSS_SOURCES.test(v)) return null;
  // passwd(5)'s password field set to "x" (C's `pwd.pw_passwd = "x"`, an /etc/passwd line): the
  // password is in /etc/shadow, not here (jpetrucciani-nix mods/final.nix, judged wrong at high).
  if (v === "x" && /(?:^|[._])(?:pw_)?passwd$/i.test(bareKeyOf(key))) return null;
  const placeholderLike = isPlaceholder(v);
  if (isAppSecretKeyOption(optionPath)) {
    // `@SEARX_SECRET_KEY@`: substituted from environmentFile when the service starts.
    if (/^@[A-Za-z0-9_]+@$/.test(v)) return null;
    return { key, severity: "low", placeholderLike, redacted: redact(v), reason: `'${key}' is the application's secret key, committed in plaintext: whoever reads it can forge this instance's signed cookies and URLs or decrypt what it encrypts with it` };
  }
  return {
    key,
    // An example's value left in place ("changeme", "mynickserv_key") is still the password, and
    // the first one an attacker tries: as serious as a leaked one.
    severity: "high",
    placeholderLike,
    redacted: redact(v),
    reason: placeholderLike
      ? `'${key}' is set to a placeholder-like literal, which is deployed as the real password`
      : `'${key}' holds a plaintext password literal`,
  };
}

const bareKeyOf = (key: string) => key.replace(/^["']|["']$/g, "");

/** A domain name of two or more labels, the last alphabetic (`corp.example.pw`, `EXAMPLE.PW`). */
const DOMAIN_NAME = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,24}$/;
/** The sources of an nsswitch.conf line, with optional actions (`[NOTFOUND=return]`). */
const NSS_SOURCES = /^(?:(?:files|compat|systemd|mymachines|myhostname|resolve|dns|nis|nisplus|ldap|sss|winbind|db|cache|altfiles|usrfiles|extrausers|wins|mdns[46]?(?:_minimal)?|\[[!A-Za-z=\s]+\])(?:\s+|$))+$/;
/** Words of a key naming a parameter of passwords rather than one (`PASSWORD_ITERATIONS`, `passwordMaxAge`). */
const PASSWORD_PARAMETER_WORDS = new Set(["iteration", "iterations", "round", "rounds", "length", "len", "count", "timeout", "min", "max", "ttl", "expiry", "expire", "expires", "expiration", "attempt", "attempts", "size", "limit", "cost", "bits", "age", "days"]);
/** A key's words: split at separators and camelCase humps, lowercased. */
function keyWords(key: string): string[] {
  return key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
}

/** A readable name segment: letters, digits, dots, dashes, underscores, starting with a letter,
 * with a vowel in it (`infinisil`, `my-org`), not a random run. */
const READABLE_NAME = /^(?=[A-Za-z][\w.-]{0,40}$)(?=.*[aeiouy])/i;

/** Eight or more letters and digits whose case-folded sequence never goes down. */
function sortedCharacters(v: string): boolean {
  if (v.length < 8 || !/^[A-Za-z0-9]+$/.test(v)) return false;
  const f = v.toLowerCase();
  for (let i = 1; i < f.length; i++) if (f.charCodeAt(i) < f.charCodeAt(i - 1)) return false;
  return true;
}

export type GenericVerdict = { secret: true; entropy: number; uuidKey?: true } | { secret: false; why: string };

/** Readable segments (`private`, `my-org`, `user.name`) then a UUID, joined by `/` (or `\\/`), `:`
 * or `@`: a user key in a UUID's shape, the only random part (taskd's `org/user/key`). */
const PREFIXED_UUID = /^((?:[A-Za-z][\w.-]*(?:\\?\/|:|@))+)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether a value under a secret-ish key (`client_secret`, `apiKey`, `auth_token`) looks like a real
 * credential: no reference, placeholder, digest, UUID, public key or encrypted blob, at least
 * GENERIC_MIN_LENGTH characters, no whitespace, not all digits, not word-like, entropy above the
 * threshold for its alphabet.
 */
export function judgeGenericValue(value: string): GenericVerdict {
  const v = value.trim();
  if (v.length < GENERIC_MIN_LENGTH) return { secret: false, why: "too short" };
  if (/\s/.test(v)) return { secret: false, why: "contains whitespace" };
  if (isSecretReference(v)) return { secret: false, why: "reference" };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) return { secret: false, why: "URL" };
  const shape = nonSecretShape(v);
  if (shape) return { secret: false, why: shape };
  if (isPlaceholder(v)) return { secret: false, why: "placeholder" };
  if (/^-?[0-9]+$/.test(v)) return { secret: false, why: "number" };
  // Letters in alphabetical order (`aAbBcC…zZ`, `abcdefgh`): a set of characters or flags spelled
  // out (ircu's `SecretStats`, the /stats letters kept for operators: cleverca22-nixos-configs
  // bircd_module.nix, judged wrong at high). Random text is never sorted.
  if (sortedCharacters(v)) return { secret: false, why: "character set" };
  const entropy = shannonEntropy(v);
  // Its entropy is the UUID's: a weak credential (a UUID alone is not judged one at all), which
  // Infinisil/system's taskd.credentials showed at high on entropy alone (judged: low).
  const prefixed = PREFIXED_UUID.exec(v);
  if (prefixed && prefixed[1]!.split(/\\?\/|:|@/).every((seg) => seg === "" || isWordLike(seg) || READABLE_NAME.test(seg))) return { secret: true, entropy, uuidKey: true };
  if (/^(?:[0-9a-f]+|[0-9A-F]+)$/.test(v)) {
    if (v.length < GENERIC_HEX_MIN_LENGTH) return { secret: false, why: "short hex" };
    return entropy >= GENERIC_HEX_ENTROPY_THRESHOLD ? { secret: true, entropy } : { secret: false, why: "low entropy" };
  }
  if (isWordLike(v)) return { secret: false, why: "word-like" };
  // One word of one case: a name unless it is as varied as random text.
  const threshold = isSingleWord(v) ? GENERIC_SINGLE_WORD_ENTROPY_THRESHOLD : GENERIC_ENTROPY_THRESHOLD;
  return entropy >= threshold ? { secret: true, entropy } : { secret: false, why: "low entropy" };
}

/** The key-dependent detectors (2-4) on one value at `offset` in the text. */
function valueCandidates(
  rawValue: string,
  offset: number,
  key: string | undefined,
  optionPath: string | undefined,
  out: Candidate[],
): void {
  const span = trimmedSpan(rawValue, offset);
  if (span.value === "") return;
  // A value that repeats its key names an entry elsewhere (`rbwEntries."n8n-hooks-token" = "n8n-hooks-token"`).
  const bare = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, "");
  if (key && bare(span.value) === bare(key.split(".").pop() ?? key)) return;
  // OpenPGP key ids and fingerprints under git's `signingkey`: public identifiers.
  if (key && /signing[-_]?key$/i.test(key) && /^(?:0x)?(?:[0-9A-Fa-f]{8}|[0-9A-Fa-f]{16}|[0-9A-Fa-f]{40})!?$/.test(span.value)) return;
  const keyPath = [optionPath, key].filter((s): s is string => !!s);

  for (const p of TOKEN_PATTERNS) {
    if (!p.contextual || !keyPath.some((k) => p.contextual!.key.test(k))) continue;
    for (const s of spans(p.contextual.value, span.value, span.start)) {
      const secret = span.value.slice(s.start - span.start, s.end - span.start);
      if (p.validate && !p.validate(secret)) continue;
      if (isPlaceholder(secret) || isSecretReference(secret)) continue;
      out.push(fromPattern(p, s.start, s.end, RANK_CONTEXTUAL, key));
    }
  }

  const kind: KeyKind | undefined = isPasswordByPath(optionPath) ? "password" : classifyKey(key);
  if (!kind) return;
  if (CRYPT_HASH_VALUE.test(span.value)) {
    out.push(fromPattern(PASSWORD_HASH_PATTERN, span.start, span.end, RANK_HASH, key));
    return;
  }
  if (kind === "password") {
    const pw = plaintextPassword(key ?? "password", span.value, optionPath);
    if (pw) {
      out.push({
        detector: "plaintext-password",
        name: "Plaintext password",
        description: pw.placeholderLike
          ? "A password option is set to a placeholder-like literal: it is deployed as the real password and is world-readable in the Nix store. Use the option's hashed or *File variant with agenix/sops-nix."
          : "A password option holds a plaintext literal: it is world-readable in the Nix store and in the repository history. Use the option's hashed or *File variant with agenix/sops-nix.",
        severity: pw.severity,
        start: span.start,
        end: span.end,
        confidence: "high",
        kind: "secret",
        reference: "https://nixos.org/manual/nixos/stable/#sec-user-management",
        key,
        rank: RANK_PASSWORD,
      });
    }
    return;
  }
  if (kind === "secret") {
    const verdict = judgeGenericValue(span.value);
    if (!verdict.secret) return;
    out.push({
      detector: "generic-secret",
      name: "Hard-coded secret",
      description: verdict.uuidKey
        ? `A key in a UUID's shape under the secret-like key '${key}' (its only random part is the UUID): a weak secret, usually one half of a credential (a taskd user key works only with the client certificate's key), so reported as low; still, move it to a secret manager (agenix/sops-nix) and reference the file.`
        : `A random-looking literal (entropy ${verdict.entropy.toFixed(1)} bits/char) under the secret-like key '${key}'. Move it to a secret manager (agenix/sops-nix) and reference the file.`,
      severity: verdict.uuidKey ? "low" : "high",
      start: span.start,
      end: span.end,
      confidence: "medium",
      kind: "secret",
      key,
      rank: RANK_GENERIC,
    });
  }
}

/** A shell expansion: `$name`, `${...}`, `$(...)`, `$$` (not `$1` or a crypt hash's `$6$`). */
const SHELL_EXPANSION = /\$(?:\{[^}]*\}|\([^)]*\)|[A-Za-z_][A-Za-z0-9_]*|\$)/g;

/**
 * A `key=value` whose value the shell builds when it runs (`token="gsnap$$x$RANDOM"`, a request id
 * from the PID and $RANDOM): double-quoted or bare, with an expansion in it, and what is left
 * between the expansions is no secret on its own. (Single quotes, JSON and YAML keep `$` literal.)
 */
function computedByShell(a: Assignment): boolean {
  if (a.form !== "equals" || (a.quote !== undefined && a.quote !== '"')) return false;
  if (!a.value.match(SHELL_EXPANSION)) return false;
  const literal = a.value.replace(SHELL_EXPANSION, "");
  return !judgeGenericValue(literal).secret;
}

/**
 * `key=.*` read out of a sed (or any regex) substitution, `s|^rcon.password=.*|rcon.password=$pw|`:
 * the key is anchored (`^key=`) or the value is a regex (`.*` then the separator). Gives the
 * replacement's own `key=value`, if the expression has one.
 */
function sedPattern(text: string, a: Assignment): { replacement?: { key: string; value: string; start: number } } | undefined {
  const keyStart = text.lastIndexOf(a.key, a.start);
  const anchored = keyStart > 0 && text[keyStart - 1] === "^";
  const m = /^\.\*\$?([|/#,@:!%])/.exec(a.value);
  if (!m && !anchored) return undefined;
  if (!m) return {};
  const sep = m[1]!;
  const restStart = a.start + m[0].length;
  const rest = a.value.slice(m[0].length);
  const r = /^([A-Za-z_][A-Za-z0-9_.-]{0,100})[ \t]*=[ \t]*/.exec(rest);
  if (!r) return {};
  const valueStart = r[0].length;
  const sepAt = rest.indexOf(sep, valueStart);
  const value = rest.slice(valueStart, sepAt < 0 ? undefined : sepAt);
  if (value === "" || value.match(SHELL_EXPANSION)) return {};
  return { replacement: { key: r[1]!, value, start: restStart + valueStart } };
}

export interface Assignment {
  key: string;
  /** The raw value (without quotes) and its offsets in the text. */
  value: string;
  start: number;
  end: number;
  quoted: boolean;
  /** The quote around the value (`"`, `'`, a backquote), absent when unquoted. */
  quote?: string;
  /** Which form found it: `key = value` (shell, INI, .env, Nix...), YAML, JSON. */
  form?: "equals" | "yaml" | "json";
}

// `key = value`, `export KEY=value`, `--password=value`, `key := value`, `'key' => 'value'` anywhere.
// An unquoted value is taken whole or not at all: it must end where a value ends (a space, a quote,
// `;`, `,`, `)`...), so `password = sys.env("TOKEN")` (an Alloy/River call reading the environment)
// is no value `sys`, and `token = read_file[0]` no value `read_file`.
const EQUALS_ASSIGNMENT =
  /(?<![A-Za-z0-9_.$])(?<key>[A-Za-z_][A-Za-z0-9_.-]{0,100})["']?[ \t]*(?::=|=>|=(?![=~]))[ \t]*(?:(?<q>["'`])(?<qv>(?:\\.|(?!\k<q>)[^\\\n])*)\k<q>|(?<v>[^\s"'`#;,()[\]<>]+)(?![^\s"'`#;,)\]<>]))/dg;
// YAML `key: value` at the start of a line (so prose like "note: see docs" inside a sentence is not).
const YAML_ASSIGNMENT =
  /^[ \t]*(?:-[ \t]+)?(?<kq>["']?)(?<key>[A-Za-z_][A-Za-z0-9_.-]{0,100})\k<kq>[ \t]*:[ \t]+(?:(?<q>["'])(?<qv>(?:\\.|(?!\k<q>)[^\\\n])*)\k<q>|(?<v>[^\s"'#|>&*{[][^\n]*?))[ \t]*(?:[ \t]#[^\n]*)?$/dgm;
// JSON `"key": "value"` anywhere.
const JSON_ASSIGNMENT = /"(?<key>[^"\\\n]{1,100})"[ \t]*:[ \t]*"(?<qv>(?:\\.|[^"\\\n])*)"/dg;

/**
 * Key/value assignments in a text file (shell, .env, YAML, JSON, TOML, INI, Nix). With `keyHint`,
 * only those on lines where it matches (it must match every key wanted): no assignment regex can
 * match across a line break, so a line is judged alone exactly as within the whole text.
 */
export function findAssignments(text: string, fileKind?: string, keyHint?: RegExp): Assignment[] {
  // Every form needs a `=` or a `:`; most strings (names, paths, words) have neither.
  if (!text.includes("=") && !text.includes(":")) return [];
  const code = fileKind !== undefined && CODE_KINDS.has(fileKind.replace(/^\./, "").toLowerCase());
  const seen = new Set<string>();
  const out: Assignment[] = [];
  const scan = (part: string, offset: number): void => {
    for (const re of [JSON_ASSIGNMENT, YAML_ASSIGNMENT, EQUALS_ASSIGNMENT]) {
      for (const m of part.matchAll(re)) {
        if (m[0] === "") continue;
        const g = m.indices?.groups;
        const key = m.groups?.key;
        const quoted = m.groups?.qv !== undefined;
        const idx = quoted ? g?.qv : g?.v;
        if (!key || !idx) continue;
        if (!quoted && code) continue; // an expression, not a literal
        if (!quoted && /^(?:true|false|null)$/.test(part.slice(idx[0], idx[1]))) continue; // `wheelNeedsPassword = false`: a boolean, not a secret
        const start = offset + idx[0];
        const end = offset + idx[1];
        const id = `${start}:${end}`;
        if (seen.has(id)) continue;
        seen.add(id);
        const form = re === JSON_ASSIGNMENT ? "json" : re === YAML_ASSIGNMENT ? "yaml" : "equals";
        out.push({ key, value: part.slice(idx[0], idx[1]), start, end, quoted, quote: quoted ? (m.groups?.q ?? '"') : undefined, form });
      }
    }
  };
  if (keyHint === undefined) scan(text, 0);
  else forEachLineWith(text, keyHint, (start, end) => scan(text.slice(start, end), start));
  // Stable: at one start, JSON's reading comes before YAML's and the `=` form's, line by line or not.
  return out.sort((a, b) => a.start - b.start);
}

const globalCopies = new WeakMap<RegExp, RegExp>();

/** Calls `f` with the bounds (end exclusive, without the newline) of each line where `hint` matches, in order. */
function forEachLineWith(text: string, hint: RegExp, f: (start: number, end: number) => void): void {
  let re = globalCopies.get(hint);
  if (!re) globalCopies.set(hint, (re = new RegExp(hint.source, hint.flags.replace(/[gy]/g, "") + "g")));
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const start = text.lastIndexOf("\n", m.index - 1) + 1;
    let end = text.indexOf("\n", m.index);
    if (end === -1) end = text.length;
    f(start, end);
    if (end >= text.length) break;
    re.lastIndex = end + 1;
  }
}

function resolve(text: string, candidates: Candidate[]): SecretMatch[] {
  const ordered = [...candidates].sort((a, b) => a.rank - b.rank || b.end - b.start - (a.end - a.start) || a.start - b.start);
  // Kept spans never overlap, so sorted by start a candidate can only collide with its neighbours.
  const kept: Candidate[] = [];
  for (const c of ordered) {
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (kept[mid]!.start < c.start) lo = mid + 1;
      else hi = mid;
    }
    const before = kept[lo - 1];
    const after = kept[lo];
    if ((before && before.end > c.start) || (after && after.start < c.end)) continue;
    kept.splice(lo, 0, c);
  }
  return kept
    .map((c) => {
      const match: SecretMatch = {
        detector: c.detector,
        name: c.name,
        description: c.description,
        severity: c.severity,
        start: c.start,
        end: c.end,
        redacted: redact(text.slice(c.start, c.end)),
        confidence: c.confidence,
        kind: c.kind,
      };
      if (c.reference) match.reference = c.reference;
      if (c.key) match.key = c.key;
      return match;
    });
}

/**
 * Finds secrets in `text`. With `ctx.key` or `ctx.optionPath`, `text` is that key's value (a Nix
 * string literal) and the key-dependent detectors judge it as a whole; in every case, assignments
 * inside the text (a whole file, or a multi-line `extraConfig`) are judged by their own keys.
 */
export function detectSecrets(text: string, ctx: DetectContext = {}): SecretMatch[] {
  if (text === "") return [];
  if (text.length < RECENT_MIN_LENGTH) return detect(text, ctx);
  // A whole file is judged twice in a row (committed-secret-file's classification, then
  // hardcoded-secret's own look): the second time is the first one's answer, copied.
  const ctxKey = JSON.stringify([ctx.key, ctx.optionPath, ctx.fileKind]);
  let found = recent.get(text)?.get(ctxKey);
  if (!found) {
    found = detect(text, ctx);
    let byCtx = recent.get(text);
    if (byCtx) recent.delete(text);
    else if (recent.size >= RECENT_MAX) recent.delete(recent.keys().next().value!);
    recent.set(text, (byCtx ??= new Map()));
    byCtx.set(ctxKey, found);
  }
  return found.map((m) => ({ ...m }));
}

/** Texts this long are remembered; shorter ones cost less to judge again than to look up. */
const RECENT_MIN_LENGTH = 1024;
const RECENT_MAX = 8;
/** The last texts judged, oldest first, with their answers by context. */
const recent = new Map<string, Map<string, SecretMatch[]>>();

function detect(text: string, ctx: DetectContext): SecretMatch[] {
  const candidates: Candidate[] = [];
  tokenCandidates(text, candidates);
  const key = effectiveKey(ctx);
  if (key !== undefined || ctx.optionPath !== undefined) valueCandidates(text, 0, key, ctx.optionPath, candidates);
  // Only an assignment whose key the detectors can read is judged (see KEY_HINT).
  for (const a of findAssignments(text, ctx.fileKind, KEY_HINT)) {
    if (key !== undefined && a.start === 0 && a.end === text.length) continue;
    const pattern = a.form === "equals" ? sedPattern(text, a) : undefined;
    if (pattern) {
      // `s|^password=.*|password=$pw|`: the part before the separator matches the line to replace;
      // what the line becomes is the replacement, judged as an assignment of its own.
      if (pattern.replacement) valueCandidates(pattern.replacement.value, pattern.replacement.start, pattern.replacement.key, undefined, candidates);
      continue;
    }
    if (computedByShell(a)) continue;
    valueCandidates(a.value, a.start, a.key, undefined, candidates);
  }
  return resolve(text, candidates);
}
