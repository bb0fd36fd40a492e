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
  if (/^`[^`]+`$/.test(v) && /\s/.test(v)) return true; // a command run for the value (neomutt, muttrc): `pass mail/me`
  // A shell variable spliced between single-quoted parts (`'{"clientSecret":"'$OAUTH_SECRET'"}'`:
  // fosskar-nixfiles papra.nix, judged wrong): the value is the variable's at run time.
  if (/^(['"])\$\{?[A-Za-z_][A-Za-z0-9_]*\}?\1$|^'"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?"'$/.test(v)) return true;
  if (/^\$(?:\d|[@*#?!$-])$/.test(v)) return true; // a shell function's or script's argument: pass="$3"
  if (/^%\(?[A-Za-z_][A-Za-z0-9_]*\)?[sd%]?$|^%[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*%$/.test(v)) return true; // %(var)s, %VAR%, %db-password% (a template generator's)
  // A run-time placeholder a script or the program substitutes: `__OIDC_CLIENT_SECRET__` (sed in a
  // preStart), Frigate's `{FRIGATE_MQTT_PASSWORD}`, opencode's `{env:CONTEXT7_API_KEY}`
  // (carpenike-nix-config, bbaserdem-NixOS-Config-Dendritic, judged wrong).
  if (/^__[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*__$/.test(v)) return true;
  if (/^\{[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\}$/.test(v)) return true;
  if (/^\{(?:env|file):[A-Za-z0-9_./-]+\}$/.test(v)) return true;
  // A 1Password secret reference (`op://vault/item/field`): item names may hold spaces
  // (leona-ya-nixfiles "op://Private/SSH Key Age/password", judged wrong).
  if (/^op:\/\/[^/\s][^/]*(?:\/[^/]+){1,3}$/.test(v)) return true;
  if (/^@[A-Za-z_][A-Za-z0-9_-]*@$/.test(v)) return true; // substituteAll placeholder
  // An environment variable's name behind `@` (`api_client_secret = "@SPOTIFY_CLIENT_SECRET"` in
  // SearXNG settings whose environmentFile holds the value: DaRacci-nix-config, judged wrong): a
  // name in upper-case words, which a generated secret is not.
  if (/^@[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+@?$/.test(v)) return true;
  if (/\{\{.*\}\}/.test(v) || /^\{%.*%\}$/.test(v) || /^#\{.*\}$/.test(v)) return true; // templates
  if (/^!(?:secret|env_var|vault|include|ENV|Ref|Sub|GetAtt)\b/.test(v)) return true; // YAML tags
  // Zigbee2MQTT's (and Home Assistant's) `!<file> <key>`: the value of <key> in another YAML file
  // (`password = "!secrets.yaml mqtt_password"`: DaRacci-nix-config, judged wrong).
  // The file is named as one (`secret`, `credentials`) or as YAML, so a passphrase that starts
  // with `!` (`!correct horse`) is not taken for one.
  if (/^!(?:[\w.-]*(?:secret|cred)[\w.-]*|[\w.-]+\.ya?ml)[ \t]+[A-Za-z_][\w.-]*$/i.test(v)) return true;
  // A name behind `!` (Home Assistant's module writes such strings as YAML tags): "!unifi-ap-ssh".
  if (/^![a-z][a-z0-9]*(?:[-_][a-z0-9]+)+$/.test(v)) return true;
  // Paths: relative, home, or absolute under a lowercase first directory (/run, /var/lib, /etc...),
  // so a base64 secret that happens to start with '/' is not taken for one.
  if (/^(?:\.\.?\/|~\/)/.test(v) || /^\/(?:[a-z_][a-z0-9._-]*|Users|Volumes|Library)(?:\/|$)/.test(v)) return true;
  if (/^(?:file|env|vault|op|sops|age|ref|secret):\/?\/?[A-Za-z0-9_./-]+$/i.test(v)) return true; // scheme references
  if (/^config\.(?:age|sops|vault-secrets|clan\.core\.vars)\b/.test(v)) return true; // agenix / sops-nix paths as text
  // LiteLLM's environment reference (`master_key: os.environ/LITELLM_MASTER_KEY`): the proxy reads
  // the variable at start-up, the value is its name.
  if (/^os\.environ\/[A-Za-z_][A-Za-z0-9_]*$/.test(v)) return true;
  if (/^%env\([A-Za-z0-9_:]+\)%$/.test(v)) return true; // Symfony: %env(DATABASE_PASSWORD)%
  if (/^%\{(?:file|env):[^{}\s]+\}%$/.test(v)) return true; // Stalwart: %{file:/run/secrets/x}%, %{env:ADMIN_SECRET}%
  if (/%(?:\d+\$)?[-+ #0]*\d*(?:\.\d+)?[sqd](?![A-Za-z0-9])/.test(v)) return true; // a printf format: printf 'TOKEN=%s\n' "$token"
  if (/^ext:[A-Za-z0-9_]+$/.test(v)) return true; // wpa_supplicant: psk=ext:name, resolved from a secrets file
  if (/^\{(?:env\.|\$|file\.)[A-Za-z0-9_./-]+\}$/.test(v)) return true; // Caddy placeholders: {env.CLOUDFLARE_API_TOKEN}, {$TOKEN}, {file./run/x}
  if (/^%[dStTEhCL]\//.test(v)) return true; // systemd specifiers: %d/secret is $CREDENTIALS_DIRECTORY/secret
  if (/\//.test(v) && /\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/.test(v) && !/\s/.test(v)) return true; // a path through $VAR: /$CREDENTIALS_DIRECTORY/key
  if (isSecretVariableName(v)) return true;
  if (isSecretNamePath(v)) return true;
  return false;
}

/** A piece of a name: letters of one case (or Capitalized) with up to four digits after them, and a
 * vowel when it is longer than four letters of lower case (`gpg`, `smtp`, `private`, `DISCORD`). */
function readableNamePiece(piece: string): boolean {
  const m = /^([a-z]+|[A-Z]+|[A-Z][a-z]+)[0-9]{0,4}$/.exec(piece);
  if (!m) return false;
  const letters = m[1]!;
  return letters.length <= 4 || /^[A-Z]+$/.test(letters) ? /[A-Za-z]/.test(letters) : /[aeiouy]/i.test(letters);
}

/**
 * The name of a secret in a secret store, as a path of readable names: a sops key
 * (`gpg/private/passphrase`, `AI_AGENT/DISCORD_BOT_TOKEN`, `MONITORING/MINIO_PROMETHEUS_TOKEN`:
 * pschmitt-nixos-config and DaRacci-nix-config, judged wrong), a pass entry, a Vault path. Two or
 * more segments joined by `/`, each of readable pieces (camelCase humps, or words joined by `-`,
 * `_`, `.`). Base64 with a `/` in it mixes cases and digits inside its runs, so it is no such path.
 */
export function isSecretNamePath(value: string): boolean {
  const v = value.trim();
  if (!/^[A-Za-z][\w.-]*(?:\/[A-Za-z][\w.-]*)+$/.test(v)) return false;
  let letters = 0;
  for (const segment of v.split("/")) {
    for (const part of segment.split(/[-_.]+/)) {
      if (part === "") continue;
      const humps = /^[a-z]+[0-9]*(?:[A-Z][a-z]+[0-9]*)+$/.test(part) ? part.replace(/([a-z0-9])([A-Z])/g, "$1 $2").split(" ") : [part];
      for (const piece of humps) {
        if (!readableNamePiece(piece)) return false;
        letters = Math.max(letters, piece.replace(/[0-9]/g, "").length);
      }
    }
  }
  return letters >= 3;
}

/**
 * A regular expression, not a value (`tokens_up_to_4 = ''(?:\\S+\\s+){0,4}''`, a log-parsing pattern
 * in Alloy's configuration: DaRacci-nix-config, judged wrong): a group construct (`(?:`, `(?<name>`,
 * a lookaround), or two of a character-class escape (`\s`, `\d`, `\w`, `\b`), a counted quantifier
 * (`{0,4}`) and a bracketed class with a quantifier (`[a-z]+`). Generated secrets are base64, hex or
 * base62: no backslashes, no braces.
 */
export function isRegexPattern(value: string): boolean {
  const v = value.trim();
  if (/\(\?(?:[:=!]|<[=!A-Za-z])/.test(v)) return true;
  let marks = 0;
  if (/\\+[sSdDwWbB]/.test(v)) marks++;
  if (/[)\]}+*?A-Za-z]\{\d+(?:,\d*)?\}/.test(v)) marks++;
  if (/\[[^\]]+\][+*?]/.test(v)) marks++;
  if (/^\^|\$$/.test(v) && /\\|\.\*|\.\+/.test(v)) marks++;
  return marks >= 2;
}

/**
 * A glob over names (`ImportCredential = "cryptsetup.*"`, systemd's credentials to import by
 * name: PatrickDaG-nix-config, judged wrong): a `*` wildcard beside readable names and
 * separators only. A generated password with a `*` in it has no readable names around it.
 */
export function isNameGlob(value: string): boolean {
  const v = value.trim();
  if (!v.includes("*") || !/^[A-Za-z0-9_.:/*-]+$/.test(v)) return false;
  const pieces = v.split(/[^A-Za-z0-9]+/).filter((p) => p !== "");
  return pieces.length > 0 && pieces.every(readableNamePiece) && pieces.some((p) => p.replace(/[0-9]/g, "").length >= 3);
}

/** The name of an environment variable holding the secret (`NEXMO_APIKEY`, `DB_PASSWORD`): upper
 * case words joined by underscores, one of them naming a secret. Random upper-case tokens have no
 * underscores between dictionary words. */
export function isSecretVariableName(value: string): boolean {
  const v = value.trim();
  if (!/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/.test(v)) return false;
  return v.split("_").some((w) => /^(?:API)?(?:KEY|KEYS|TOKEN|SECRET|PASS|PASSWORD|PASSWD|PWD|PW|CREDENTIALS?|AUTH|APIKEY|PSK|PASSPHRASE)$/.test(w));
}

/** Test values made by counting or repeating (`00112233445566778899AABBCCDDEEFF`, `0123456789abcdef`,
 * `deadbeefdeadbeef`): written by hand, never generated. */
export function isSequentialOrRepeated(value: string): boolean {
  const v = value.trim().replace(/[-:_ ]/g, "");
  if (v.length < 8) return false;
  // kubeadm's documented `abcdef.0123456789abcdef`: every dot-separated part counts on its own.
  const parts = v.split(".");
  if (parts.length > 1) return parts.every((p) => p.length >= 3 && counted(p));
  return counted(v);
}

function counted(v: string): boolean {
  // Repeated units: `abcabcabc`, `deadbeefdeadbeef`.
  for (let unit = 1; unit <= Math.min(8, v.length / 2); unit++) {
    if (v.length % unit === 0 && v === v.slice(0, unit).repeat(v.length / unit)) return true;
  }
  // Counting, each step one character further in the alphabet (wrapping, case-insensitive), each
  // symbol written once or twice.
  const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";
  const lower = v.toLowerCase();
  for (const rep of [1, 2]) {
    if (lower.length % rep !== 0) continue;
    let ok = true;
    let prev = -1;
    for (let i = 0; i < lower.length && ok; i += rep) {
      const c = lower[i]!;
      for (let j = 1; j < rep; j++) if (lower[i + j] !== c) ok = false;
      const at = ALPHABET.indexOf(c);
      if (at < 0) ok = false;
      // Hex counts 0-9a-f and starts again at 0; decimal counts 0-9 and starts again at 0.
      else if (prev >= 0 && at !== prev + 1 && !(at === 0 && (prev === 15 || prev === 9 || prev === 35))) ok = false;
      prev = at;
    }
    if (ok) return true;
  }
  return false;
}

const PLACEHOLDER_WORDS = new Set([
  "changeme", "change-me", "change_me", "changethis", "replaceme", "replace-me", "replace_me", "todo", "fixme",
  "tbd", "example", "dummy", "placeholder", "secret", "password", "passwd", "token", "apikey", "api_key",
  "api-key", "none", "null", "nil", "undefined", "true", "false", "yes", "no", "on", "off", "redacted",
  "hidden", "test", "testing", "foo", "bar", "baz", "foobar", "xxx", "empty", "default", "required", "unset",
  // A value that says the setting does nothing (yomaq-nix-config linkwarden: AUTH0_CLIENT_SECRET =
  // "unused" beside AUTH0_CLIENT_ID = "unused", judged wrong).
  "unused", "not-used", "not_used", "notused", "disabled", "n/a",
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
  // A token's prefix with X's for the rest: `github_pat_XXX`, `ghp_xxxx` (mirkolenz-nixos README).
  if (/^[A-Za-z][A-Za-z0-9]*(?:[_-][A-Za-z0-9]+)*[_-](?:X{3,}|x{3,})$/.test(v)) return true;
  // A token's prefix and an ellipsis: `ghp_...`, `sk-…` (a clan prompt's description, fosskar-nixfiles
  // access-tokens.nix, judged wrong).
  if (/^[A-Za-z][A-Za-z0-9]*(?:[_-][A-Za-z0-9]+)*[_-](?:\.{3}|…)/.test(v)) return true;
  // Marker words in one consistent case, so random mixed-case text ("...PFakExm...") is not caught.
  const marker = /example|dummy|placeholder|changeme|change_me|replace_?me|your[_-]|_here\b|fake|sample|redacted/;
  const folded = v.replace(/[A-Z]{4,}|[A-Z][a-z]{3,}/g, (w) => w.toLowerCase()); // EXAMPLE, Example
  if (marker.test(v) || marker.test(folded)) return true;
  // my-secret, mypassword, mysecretpassword, your_api_key, some-super-secret-token123
  if (/^(?:my|some|the|a|your)[-_]?(?:super[-_]?)?(?:secret[-_]?)?(?:secret|password|passwd|pass|token|key|api[-_]?key)s?\d{0,3}$/i.test(v)) return true;
  // An upstream example's name for the thing: mynickserv_key, myserver_password, my-db-pass.
  if (/^my[a-z]{2,16}[-_]?(?:secret|password|passwd|pass|token|key)$/.test(v)) return true;
  if (isSequentialOrRepeated(v)) return true;
  return false;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// A sha256 in Nix's base32 (52 characters; the alphabet omits e, o, t, u). Store path hashes (32)
// are recognised only inside /nix/store paths: a bare 32-character [a-z0-9] value lacking those four
// letters is as likely a random secret (1 in 40 of them).
const NIX_BASE32_SHA256 = /^[0-9a-df-np-sv-z]{52}$/;
const SRI_OR_PREFIXED_DIGEST = /^(?:sha1|sha224|sha256|sha384|sha512|md5|blake2b|blake3)[-:][A-Za-z0-9+/=_-]{16,}$/i;
const PUBLIC_KEY =
  /^(?:ssh-(?:rsa|ed25519|dss)|ecdsa-sha2-nistp\d+|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) AAAA|^age1[02-9ac-hj-np-z]{58}$|^age1[a-z0-9][a-z0-9._+-]*1[02-9ac-hj-np-z]{6,}$|^npub1|-----BEGIN (?:RSA |EC |PGP )?PUBLIC KEY|-----BEGIN CERTIFICATE/;
const ENCRYPTED = /^ENC\[AES256_GCM,|-----BEGIN AGE ENCRYPTED FILE-----|-----BEGIN PGP MESSAGE-----/;

export type NonSecretReason = "uuid" | "digest" | "public-key" | "encrypted" | "crypt-hash" | "address" | "email" | "ldap-filter" | "kdf-parameters" | "chat-id" | "regex" | "glob";

/** An e-mail address (`75213+someone@users.noreply.github.com`): a public name. Git's
 * `user.signingKey` selects a GPG key by its user ID this way (ivankovnatsky-nixos-config, judged
 * wrong twice: "revoke and rotate" for a public noreply address). */
const EMAIL = /^[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}$/;

/** An LDAP search filter: `(&(objectClass=user)(uid=%u))`, `(mail={login})`. */
export function isLdapFilter(value: string): boolean {
  const v = value.trim();
  if (!v.startsWith("(") || !v.endsWith(")") || !/\(\s*[A-Za-z][\w.;-]*\s*[~<>]?=/.test(v)) return false;
  let depth = 0;
  for (const c of v) {
    if (c === "(") depth++;
    else if (c === ")" && --depth < 0) return false;
  }
  return depth === 0;
}

/** Key-derivation parameters (OpenTofu's encrypted state keeps PBKDF2's salt and iteration count in
 * `meta`, base64-encoded JSON): public by design, useless without the passphrase. */
export function isKdfParameters(value: string): boolean {
  const v = value.trim();
  if (v.length < 16 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(v)) return false;
  const decoded = Buffer.from(v, "base64").toString("utf8");
  if (!decoded.startsWith("{")) return false;
  try {
    const o = JSON.parse(decoded) as Record<string, unknown>;
    return typeof o === "object" && o !== null && "salt" in o && ("iterations" in o || "hash_function" in o || "key_length" in o);
  } catch {
    return false;
  }
}

/** Chat and channel identifiers: Slack (`C0123ABCD`), Telegram chat ids (`-1001234567890`), Matrix
 * rooms, aliases and users (`!abc:matrix.org`, `#room:server`, `@bot:server`). They name where
 * messages go; the bot token beside them is the secret. */
export function isChatId(value: string): boolean {
  const v = value.trim();
  if (/^[CGDUW][0-9A-Z]{8,11}$/.test(v) && /[0-9]/.test(v)) return true;
  if (/^-?100\d{10}$|^-\d{5,15}$/.test(v)) return true;
  return /^[!#@][A-Za-z0-9._=+/-]+:[A-Za-z0-9.-]+\.[A-Za-z]{2,}(?::\d+)?$/.test(v);
}

/** A sentence about a secret rather than one (`The admin password for the web UI`): several words
 * separated by spaces, one of them naming what it describes. */
export function isProseAboutSecret(value: string): boolean {
  const words = value.trim().split(/\s+/);
  if (words.length >= 4 && words.some((w) => /^(?:password|passwords|passphrase|secret|token|key|credentials?)[.,:;)]?$/i.test(w))) return true;
  // A short label naming the thing, in lower-case words: a prompt's wording (`password = "login
  // password"` in a clan vars prompt table: fosskar-nixfiles sabnzbd.nix, judged wrong).
  return /^[a-z]{2,}(?: [a-z]{2,}){0,2} (?:password|passphrase|secret|token|key)$/.test(value.trim());
}

const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\/\d{1,2})?$/;
// IPv6 (with `::` or all eight groups), optionally with a prefix length: systemd's IPv6Token=, addresses.
const IPV6 = /^(?=[0-9A-Fa-f:]*::|(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4})(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?:\/\d{1,3})?$/;

/** Values with a recognisable non-secret shape. */
export function nonSecretShape(value: string): NonSecretReason | undefined {
  const v = value.trim();
  if (UUID.test(v)) return "uuid";
  if ((NIX_BASE32_SHA256.test(v) && /[g-z]/.test(v)) || SRI_OR_PREFIXED_DIGEST.test(v) || /^\/nix\/store\//.test(v)) return "digest";
  if (PUBLIC_KEY.test(v)) return "public-key";
  if (ENCRYPTED.test(v)) return "encrypted";
  if (CRYPT_HASH_VALUE.test(v)) return "crypt-hash";
  if (IPV4.test(v) || IPV6.test(v.replace(/^static:/, ""))) return "address";
  if (EMAIL.test(v)) return "email";
  if (isLdapFilter(v)) return "ldap-filter";
  if (isKdfParameters(v)) return "kdf-parameters";
  if (isChatId(v)) return "chat-id";
  if (isRegexPattern(v)) return "regex";
  if (isNameGlob(v)) return "glob";
  return undefined;
}

// A readable segment between separators: a word (lowercase or Capitalized, with an optional version
// number: `oauth2`, `v2`), an acronym of up to five capitals (`API`, `OAUTH`), a number of up to four
// digits.
const READABLE_SEGMENT = /^(?:[A-Z]?[a-z]+|[A-Z]{1,5})[0-9]{0,4}$|^[0-9]{1,4}$/;
// Inside a camelCase run: a capital and 2+ lowercase letters (`Secret`) or an acronym of 2-4
// capitals (`HTTP` in `HTTPServer`); a leading lowercase word (`my` in `myToken`).
const CAMEL_FIRST = /^[a-z]+$|^[A-Z][a-z]{2,}$|^[A-Z]{2,4}$/;
const CAMEL_REST = /^[A-Z][a-z]{2,}$|^[A-Z]{2,4}$/;

/** Words of 3+ lowercase letters have a vowel; random runs of consonants (`Ghx`, `Mxd`) do not. */
function pronounceable(piece: string): boolean {
  if (/^[A-Z]+$/.test(piece)) return true; // an acronym (HTTP)
  const letters = piece.toLowerCase().replace(/[^a-z]/g, "");
  return letters.length < 3 || /[aeiouy]/.test(letters);
}

/**
 * Readable compound values, which under a secret-like key name something rather than being the
 * secret: two or more readable pieces joined by separators or camelCase (`scram-sha-256`,
 * `my-service-token`, `SuperSecretPassword`, `X-Auth-Token`, `auth.example.com`, `oauth2-proxy`).
 * A single piece (`kvbafww2akbq`, a base32 run) is never word-like: the entropy test judges it.
 * Random base62 rarely splits into clean pieces: digits only at the end, every capital followed by
 * two or more lowercase letters with a vowel among them.
 */
export function isWordLike(value: string): boolean {
  const segments = value.split(/[\s._:/@+,=-]+/).filter((p) => p !== "");
  let pieces = 0;
  for (const segment of segments) {
    const letters = segment.replace(/[0-9]{1,4}$/, "");
    const camel = letters === "" ? [segment] : letters.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/([A-Z])([A-Z][a-z])/g, "$1 $2").split(" ");
    if (camel.length === 1) {
      if (!READABLE_SEGMENT.test(segment)) return false;
      if (segment.length > 4 && !pronounceable(segment)) return false;
    } else {
      if (/[0-9]/.test(letters)) return false;
      const [first, ...rest] = camel;
      if (!CAMEL_FIRST.test(first!) || !rest.every((p) => CAMEL_REST.test(p))) return false;
      if (!camel.every(pronounceable)) return false;
    }
    pieces += camel.length;
  }
  return pieces >= 2 && pieces <= Math.ceil(value.length / 3);
}

/** One dictionary-shaped word (`Authorization`, `administrator`): letters, a single case pattern. */
export function isSingleWord(value: string): boolean {
  return /^[A-Z]?[a-z]+$|^[A-Z]+$/.test(value);
}

// What a comment says to call a literal a published test value: "public test key from RFC 8032",
// "not a secret", "well-known example token", "test vector". "test" alone is not enough ("token for
// the test server" is a real token).
const PUBLIC_TEST_NOTE =
  /\bnot (?:a |an )?(?:real |actual )?(?:secret|credential|password|key)\b|\bpublic(?:ly)?\b[^\n]*\b(?:test|example|sample|dummy|demo|documented|known)\b|\b(?:test|example|sample|dummy|demo)\b[^\n]*\b(?:public(?:ly)?|published|documented)\b|\bwell[- ]known\b[^\n]*\b(?:test|example|key|secret|token)\b|\btest[- ]vectors?\b/i;
const COMMENT_LINE = /^[ \t]*(?:#|\/\/|;|--|\/?\*)(.*)$/;

/**
 * Whether a comment documents the literal at `offset` as a public test value: a trailing comment on
 * its line, or the block of comment lines right above it (a blank line or code ends the block).
 */
export function documentedAsPublicTestValue(text: string, offset: number): boolean {
  return commentSays(text, offset, PUBLIC_TEST_NOTE);
}

// What a comment says to call a shared value deliberately weak: "not meant to be secure", "not
// supposed to be secret", "insecure on purpose", "doesn't need to be secret". Still a password that
// is deployed, so it is reported, as info.
const DELIBERATELY_WEAK_NOTE =
  /\bnot (?:meant|supposed|intended|required|needed) to be (?:secure|secret|private|safe)\b|\b(?:insecure|weak|public) (?:on purpose|by design|deliberately|intentionally)\b|\b(?:deliberately|intentionally) (?:insecure|weak|public)\b|\b(?:does ?n[o']t|need ?n[o']t) (?:need to |have to )?be (?:secure|secret)\b/i;

/** Whether a comment by the literal at `offset` says the value is not meant to be secret (see DELIBERATELY_WEAK_NOTE). */
export function documentedAsDeliberatelyWeak(text: string, offset: number): boolean {
  return commentSays(text, offset, DELIBERATELY_WEAK_NOTE);
}

// What a comment says to call a literal a placeholder that is substituted before use: "Placeholder,
// replaced at runtime", "Replaced by systemd preStart" (carpenike-nix-config adguardhome/shared.nix,
// judged wrong).
const PLACEHOLDER_NOTE = /\bplaceholder\b|\b(?:replaced|substituted|overwritten|templated) (?:by|at|with|in|during|on|from)\b/i;

/**
 * Whether a comment by the literal at `offset` calls it a placeholder substituted before use, and
 * the value reads as a name (a word, `ADGUARDPASS`, `__X__`), not a random string that a "replace
 * this placeholder" note might sit beside.
 */
export function documentedAsPlaceholder(text: string, offset: number, value: string): boolean {
  const v = value.trim().replace(/^["']|["']$/g, "");
  if (!(/^_*[A-Z][A-Z0-9_]*$/.test(v) || isWordLike(v) || isSingleWord(v))) return false;
  return commentSays(text, offset, PLACEHOLDER_NOTE);
}

/** A trailing comment on the line of `offset`, or the block of comment lines right above it, matching `note`. */
function commentSays(text: string, offset: number, note: RegExp): boolean {
  const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
  const lineEnd = text.indexOf("\n", offset);
  const line = text.slice(lineStart, lineEnd < 0 ? text.length : lineEnd);
  const trailing = /(?:\s#|\s\/\/|\/\*)(.*)$/.exec(line.slice(offset - lineStart));
  if (trailing && note.test(trailing[1]!)) return true;
  let end = lineStart - 1;
  for (let n = 0; n < 6 && end > 0; n++) {
    const start = text.lastIndexOf("\n", end - 1) + 1;
    const m = COMMENT_LINE.exec(text.slice(start, end));
    if (!m) return false;
    if (note.test(m[1]!)) return true;
    end = start - 1;
  }
  return false;
}

/** A host name of a vendor's public test environment: a label `test`, `sandbox` or `demo`, alone or
 * joined by a dash or a digit (`appapi2.test.bankid.com`, `api-sandbox.example.com`, `sandbox2.x.org`).
 * `staging` and `dev` are the user's own environments, not public ones. */
const TEST_ENDPOINT = /https?:\/\/(?:[A-Za-z0-9-]+\.)*(?:[A-Za-z0-9]+-)?(?:test|sandbox|demo)(?:-[A-Za-z0-9]+|\d+)?\.(?:[A-Za-z0-9-]+\.)*[A-Za-z]{2,}(?![A-Za-z0-9.-])/i;

/** A password a person typed, not one generated: a word (or keyboard run) with at most a few digits
 * and one mark at the end (`qwerty123`, `Test1234!`); random ones mix digits into letters. */
export function isHumanChosenPassword(value: string): boolean {
  const v = value.trim().replace(/^["'`]|["'`]$/g, "");
  return v.length <= 16 && /^[A-Za-z]{3,12}[0-9]{0,6}[!.#]?$/.test(v);
}

/**
 * Whether the literal at `offset` is a credential of a vendor's public test environment: the block
 * of lines it stands in (no blank line between, at most 8 lines either way) names a test or sandbox
 * endpoint (`https://appapi2.test.bankid.com/`), and the value is a typed word, not a generated
 * secret. Vendors publish such passwords with their test certificates (BankID's `qwerty123`); a
 * random value beside a sandbox URL is the user's own sandbox key and stays a finding.
 */
export function besideTestEndpoint(text: string, offset: number, value: string): boolean {
  if (!isHumanChosenPassword(value)) return false;
  const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
  const lineEnd = text.indexOf("\n", offset);
  const lines = [text.slice(lineStart, lineEnd < 0 ? text.length : lineEnd)];
  let up = lineStart - 1;
  for (let n = 0; n < 8 && up > 0; n++) {
    const start = text.lastIndexOf("\n", up - 1) + 1;
    const line = text.slice(start, up);
    if (line.trim() === "") break;
    lines.push(line);
    up = start - 1;
  }
  let down = lineEnd;
  for (let n = 0; n < 8 && down >= 0 && down < text.length; n++) {
    const end = text.indexOf("\n", down + 1);
    const line = text.slice(down + 1, end < 0 ? text.length : end);
    if (line.trim() === "") break;
    lines.push(line);
    down = end;
  }
  return lines.some((l) => TEST_ENDPOINT.test(l));
}
