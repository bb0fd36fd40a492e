// What an attribute or option name says about its value. `initialPassword`, `admin_password`,
// `DB_PASS` hold passwords; `client_secret`, `apiKey`, `GITHUB_TOKEN`, `authKey` hold secrets;
// `hashedPassword` holds a hash; `passwordFile`, `tokenPath`, `auth_method`, `password_min_length`
// hold something else entirely. Matching is on words (camelCase, snake_case, kebab-case, dotted),
// so `tokenizer`, `author` and `bypass` are not mistaken for secrets.

export type KeyKind = "password" | "secret" | "hash";

/** Splits `initialHashedPassword`, `DB_PASSWORD`, `x-api-key`, `services.foo.apiKey` into lowercase words. */
export function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== "")
    .map((w) => w.toLowerCase());
}

const PASSWORD_WORDS = new Set(["password", "passwords", "passwd", "passphrase"]);
// Abbreviations that mean "password" only as the last word: `DB_PASS`, `admin_pwd`, not `pass_through`.
const PASSWORD_FINAL_WORDS = new Set(["pass", "pwd", "pw"]);
const SECRET_WORDS = new Set([
  "secret", "secrets", "token", "tokens", "credential", "credentials", "creds", "auth", "apikey", "privatekey",
  "clientsecret", "authkey", "authtoken", "accesstoken", "secretkey", "accesskey", "bearer", "psk",
]);
const HASH_WORDS = new Set(["hash", "hashed", "sha", "sha1", "sha256", "sha512", "md5", "digest", "bcrypt", "crypt", "checksum"]);
// Compound two-word names that mean a secret: api key, private key, access key, secret key.
const SECRET_PAIRS: ReadonlyArray<[string, string]> = [
  ["api", "key"], ["private", "key"], ["access", "key"], ["secret", "key"], ["signing", "key"], ["encryption", "key"],
  ["master", "key"], ["shared", "key"], ["pre", "shared"], ["app", "key"], ["priv", "key"],
];
/**
 * Every key `classifyKey` gives a kind, and every key a contextual detector reads, contains one of
 * these (ASCII case-insensitive): pass/pw (password words and endings), secret, token, cred, auth,
 * key, bearer, psk, shared (`pre_shared`). A line without any of them holds no assignment the
 * key-dependent detectors could report: they skip it. Checked below against the word lists.
 */
export const KEY_HINT = /pass|pw|secret|token|cred|auth|key|bearer|psk|shared/i;
// A word list growing past the hint would silently skip assignments: refuse to load instead.
for (const w of [...PASSWORD_WORDS, ...PASSWORD_FINAL_WORDS, ...SECRET_WORDS, ...SECRET_PAIRS.map(([a, b]) => `${a} ${b}`)]) {
  if (!KEY_HINT.test(w)) throw new Error(`keys.ts: KEY_HINT does not cover '${w}'`);
}

// A last word that makes the value something other than the secret itself.
const NOT_THE_VALUE = new Set([
  "file", "files", "path", "paths", "dir", "directory", "command", "cmd", "url", "urls", "uri", "endpoint", "method",
  "methods", "type", "types", "mode", "length", "len", "policy", "name", "names", "id", "ids", "enable", "enabled",
  "disable", "disabled", "required", "optional", "header", "field", "env", "variable", "var", "location", "source",
  "store", "manager", "helper", "program", "script", "hook", "format", "style", "strategy", "backend", "provider",
  "scheme", "realm", "server", "host", "port", "user", "username", "login", "email", "prefix", "suffix", "regex",
  "pattern", "ttl", "lifetime", "timeout", "expiry", "expires", "expiration", "max", "min", "count", "size", "limit",
  "level", "label", "description", "comment", "hint", "prompt", "authentication", "encryption", "algorithm", "algo",
  "rounds", "cost", "salt", "complexity", "age", "reset", "change", "changed", "set", "check", "validation",
  "verification", "generator", "cache", "socket", "service", "group", "owner", "mount", "key_file", "template",
  "option", "options", "config", "settings", "flag", "enforce", "store", "storage", "text", "fingerprint", "public",
  // Settings about a secret rather than the secret: `passwordChars`, `PASSWORD_STORE_CLIP_TIME`.
  "time", "times", "interval", "delay", "duration", "char", "chars", "characters", "charset", "alphabet", "strength",
  "retries", "attempts", "tries",
  // How a password field looks on screen (lightdm-mini-greeter's `password-character = -1`,
  // `password-border-color = "#000000"`, `password-border-radius = 0.3em`: Gerg-L/nixos, judged wrong).
  "character", "color", "colour", "background", "foreground", "border", "radius", "width", "height", "font",
  "alignment", "align", "margin", "padding", "icon", "theme", "opacity", "shadow", "cursor", "placeholder",
  // A selector over secrets (`--secret-field-selector=type!=…`, prometheus-operator: sini-nix-config, judged wrong).
  "selector", "selectors",
  // A reference to a secret kept elsewhere, by its name (`tokenReference = "AI_AGENT/DISCORD_BOT_TOKEN"`,
  // a sops secret's name: DaRacci-nix-config, judged wrong; Kubernetes' `secretRef`).
  "reference", "references", "ref", "refs",
]);

// The word after "password" that makes it a program's name: a password store, manager, safe.
const PASSWORD_PROGRAM_WORDS = new Set(["store", "manager", "safe", "vault", "keeper"]);

// `proxyPass`, `proxy_pass`, `fastcgi_pass`: nginx upstream directives, not passwords.
const UPSTREAM_PASS = new Set(["proxy", "fastcgi", "uwsgi", "scgi", "grpc", "memcached"]);
// A first word that makes the name a switch about a secret, not the secret: `allowPasswordWithFprintd`,
// `usePassword`, `showPassword`, `rememberPassword`, `requireToken`. (`enable_password` is rspamd's
// real password, so `enable` is not among them.)
const FLAG_FIRST_WORDS = new Set([
  "allow", "use", "require", "requires", "show", "hide", "is", "has", "remember", "save", "ask", "prompt", "skip", "no",
  "disable", "forbid", "permit", "force", "need", "needs", "want", "without", "auto",
]);

function hasPair(words: string[]): boolean {
  for (let i = 0; i + 1 < words.length; i++) {
    if (SECRET_PAIRS.some(([a, b]) => words[i] === a && words[i + 1] === b)) return true;
  }
  return false;
}

/** A single word without separators (`dbpassword`, `githubtoken`): judge by its ending. */
function compoundKind(word: string): KeyKind | undefined {
  if (/(?:password|passwd|passphrase)$/.test(word)) return word.startsWith("hashed") ? "hash" : "password";
  // nextcloud's old `adminpass`, `dbpass`; not `bypass` or `compass`.
  if (/^(?:admin|root|db|user|smtp|mail|ldap|bind|rpc|redis|mysql|pg|sql|db_)pass$/.test(word)) return "password";
  if (/(?:secret|token|apikey|privatekey|credentials?)$/.test(word)) return "secret";
  return undefined;
}

/**
 * The kind of value a key names, or undefined when it names no secret. Dotted option paths are
 * judged by their last segment (`services.grafana.settings.security.admin_password`).
 */
export function classifyKey(key: string | undefined): KeyKind | undefined {
  if (!key) return undefined;
  // The same keys come back in every file (`enable`, `description`, `extraConfig`).
  let kind = kindCache.get(key);
  if (kind === undefined) {
    if (kindCache.size >= KIND_CACHE_MAX) kindCache.clear();
    // A key is often a slice of a whole file's text, and a slice keeps all of that text alive: the
    // cache holds its own copy (JSON's round trip makes one, lone surrogates included).
    kindCache.set(key.length > 12 ? (JSON.parse(JSON.stringify(key)) as string) : key, (kind = computeKeyKind(key) ?? null));
  }
  return kind ?? undefined;
}

const KIND_CACHE_MAX = 50_000;
const kindCache = new Map<string, KeyKind | null>();

/** Attribute sets whose names are commands, not settings: `environment.shellAliases.pass = "gopass"`
 * is an alias named `pass` (IogaMaster/dotfiles, judged wrong), `programs.fish.shellAbbrs.pw`, git's
 * `aliases`, a shell's `functions`. */
const COMMAND_SETS = new Set(["shellAliases", "shellAbbrs", "shellGlobalAliases", "aliases", "alias", "functions", "shellFunctions"]);

/** Whether the last segment of a dotted path names a command (a shell alias or function), not a setting. */
export function namesCommand(path: readonly string[] | string | undefined): boolean {
  const segs = typeof path === "string" ? path.split(".").filter((s) => s !== "") : (path ?? []);
  return segs.length >= 2 && COMMAND_SETS.has(segs[segs.length - 2]!.replace(/^["']|["']$/g, ""));
}

function computeKeyKind(key: string): KeyKind | undefined {
  if (namesCommand(key)) return undefined;
  const last = key.split(".").filter((s) => s !== "").pop()?.replace(/^["']|["']$/g, "") ?? "";
  // A key with spaces, glob characters or an @ is a pattern, a label or an address (`"pwd *": "allow"`,
  // `"iam@lach.pw": "lach"`), not a setting name.
  if (/[\s*?/]/.test(last) || key.includes("@")) return undefined;
  const words = keyWords(last);
  if (words.length === 0) return undefined;
  const final = words[words.length - 1]!;
  if (words.includes("public") || words.includes("pub")) return undefined;
  if (final === "pass" && words.length >= 2 && UPSTREAM_PASS.has(words[words.length - 2]!)) return undefined;
  if (words.length >= 2 && FLAG_FIRST_WORDS.has(words[0]!)) return undefined;
  // A password store or manager names a program (pass's PASSWORD_STORE_KEY is the GPG key id it
  // encrypts to, PASSWORD_STORE_DIR its folder: Baitinq-nixos-config, judged wrong), not a password.
  if (words.some((w, i) => (w === "password" || w === "passwords") && PASSWORD_PROGRAM_WORDS.has(words[i + 1] ?? ""))) return undefined;
  const hasPassword =
    words.some((w) => PASSWORD_WORDS.has(w) || /(?:password|passwd)$/.test(w)) || PASSWORD_FINAL_WORDS.has(final);
  const hasHash = words.some((w) => HASH_WORDS.has(w));
  if (hasPassword && hasHash) return NOT_THE_VALUE.has(final) ? undefined : "hash";
  if (NOT_THE_VALUE.has(final)) return undefined;
  // The name of where a password is kept, not the password: a sops key (`passwordSecret =
  // "restic/password"`), the key inside a Kubernetes Secret (`passwordKey = "admin-password"`), a
  // Helm chart's `existingSecret` (carpenike-nix-config, sini-nix-config, judged wrong).
  if (words.length >= 2 && (final === "secret" || final === "key") && (PASSWORD_WORDS.has(words[words.length - 2]!) || words[words.length - 2] === "pass")) return undefined;
  if (words[0] === "existing") return undefined;
  // Where to take the secret from, by name: Woodpecker's and Drone's `from_secret: GPG_PRIVATE_KEY`
  // names a secret the CI server stores (DaRacci-nix-config .woodpecker/*.yaml, judged wrong).
  if (words[0] === "from" && words.length >= 2) return undefined;
  if (hasHash) return undefined; // tokenHash, secret_sha256: digests of secrets, not secrets
  if (hasPassword) return "password";
  if (words.some((w) => SECRET_WORDS.has(w)) || hasPair(words)) return "secret";
  if (words.length === 1) return compoundKind(words[0]!);
  return undefined;
}

/** The name says its value is about a secret or public, not the secret (`path`, `file`, `user`,
 * `region`, `pubKey`, `ssh-public`). */
export function namesNonSecretValue(key: string): boolean {
  const words = keyWords(key);
  return words.length === 0 || NOT_THE_VALUE.has(words[words.length - 1]!) || words.includes("public") || words.includes("pub");
}

/** The attribute key to judge: the explicit key, else the option path's last segment. */
export function effectiveKey(ctx: { key?: string; optionPath?: string } | undefined): string | undefined {
  if (!ctx) return undefined;
  if (ctx.key) return ctx.key;
  return ctx.optionPath?.split(".").filter((s) => s !== "").pop();
}

/** NixOS options whose value is a shared secret by definition, though their key (`token`) says
 * nothing about its shape: the k3s/rke2 cluster join tokens (whoever has one joins a node to the
 * cluster, or, with the server token, reads its secrets). A word-like value is still the token. */
const SECRET_OPTIONS = new Set(["services.k3s.token", "services.k3s.agentToken", "services.rke2.token", "services.rke2.agentToken"]);

/** Applications' signing/encryption keys set in their settings (`secret_key`): a committed value
 * lets anyone forge the sessions, cookies or signed URLs of that instance (SearXNG) or decrypt the
 * credentials its database stores (Grafana's security.secret_key). Judged low: the instance's
 * data, not a login. */
const APP_SECRET_KEY_OPTIONS = new Set([
  "services.searx.settings.server.secret_key",
  "services.searxng.settings.server.secret_key",
  "services.grafana.settings.security.secret_key",
]);

export function isAppSecretKeyOption(optionPath: string | undefined): boolean {
  return !!optionPath && APP_SECRET_KEY_OPTIONS.has(optionPath);
}

/** The secret keys an application ships as its default, published in its documentation and source:
 * a configuration that writes one in has the key every attacker already has. */
const PUBLIC_DEFAULT_SECRET_KEYS: ReadonlyArray<[RegExp, string, string]> = [
  // Grafana's defaults.ini `secret_key = SW2YcwTIb9zpOOhoPsMm` (MayNiklas/nixos, judged: worse than reported).
  [/^services\.grafana\.settings\.security\.secret_key$/, "SW2YcwTIb9zpOOhoPsMm", "Grafana's published default secret_key (conf/defaults.ini)"],
  // SearXNG's settings.yml `secret_key: "ultrasecretkey"`.
  [/^services\.searx(?:ng)?\.settings\.server\.secret_key$/, "ultrasecretkey", "SearXNG's published default secret_key (settings.yml)"],
];

/** What the value is when it is the application's public default secret key, else undefined. */
export function publicDefaultSecretKey(optionPath: string | undefined, value: string): string | undefined {
  if (!optionPath) return undefined;
  const hit = PUBLIC_DEFAULT_SECRET_KEYS.find(([re, v]) => re.test(optionPath) && value.trim() === v);
  return hit?.[2];
}

/**
 * Option paths whose values are passwords though their last key is not: nginx's
 * `basicAuth.<user> = "<password>"` (an attribute set from user name to plaintext password), and
 * the options of SECRET_OPTIONS, Redis's `requirePass`.
 */
const REDIS_PASSWORD = /^services\.redis\.(?:servers\.[^.]+\.)?requirePass$/;

export function isPasswordByPath(optionPath: string | undefined): boolean {
  if (!optionPath) return false;
  if (SECRET_OPTIONS.has(optionPath) || APP_SECRET_KEY_OPTIONS.has(optionPath)) return true;
  // Redis's password (`requirePass`, written into the generated redis.conf in the store).
  if (REDIS_PASSWORD.test(optionPath)) return true;
  const segments = optionPath.split(".").filter((s) => s !== "");
  return segments.length >= 2 && segments[segments.length - 2] === "basicAuth";
}
