// Secret files committed to a repository: what a file is (an age/sops/gpg-encrypted secret, a private
// key, a public key, a certificate, a bare token, plain text or binary) and whether it is secret
// material lying in the open. Pure over (relative path, content): the scan reads the files.
//
// Formats: age v1 (https://age-encryption.org/v1: binary header line "age-encryption.org/v1", or
// the armor "-----BEGIN AGE ENCRYPTED FILE-----"), OpenPGP messages (RFC 4880 4.2/5.1/5.3: a first
// packet tagged 1 or 3, or the armor "-----BEGIN PGP MESSAGE-----"), sops (a `sops` metadata
// section; every value `ENC[AES256_GCM,...]` unless the metadata's unencrypted_suffix /
// encrypted_suffix / unencrypted_regex / encrypted_regex exempt its key, as sops' shouldBeEncrypted).
import { createRequire } from "node:module";
import { basename, extname, posix } from "node:path";
import { detectSecrets, judgeGenericValue, type SecretMatch } from "./detect.js";
import { isPlaceholder } from "./values.js";
import { isSecurityKeyHandle, isUnencryptedPrivateKeyBlock, SECURITY_KEY_HANDLE_NOTE, TOKEN_PATTERNS } from "./patterns.js";

// yaml is loaded on the first YAML file met (most Nix-only scans meet none): keeps start-up fast.
let yamlModule: typeof import("yaml") | undefined;
function parseYaml(text: string, options: { logLevel: "error" }): unknown {
  yamlModule ??= createRequire(import.meta.url)("yaml") as typeof import("yaml");
  return yamlModule.parse(text, options);
}

export type SecretFileKind =
  | "private-key"
  | "age-encrypted"
  | "sops-encrypted"
  | "gpg-encrypted"
  | "git-crypt-encrypted"
  | "jwe-encrypted"
  | "public-key"
  | "certificate"
  | "token-file"
  | "plain"
  | "binary";

export interface SecretFileClass {
  kind: SecretFileKind;
  /** Secret material lying unencrypted in the repository: a finding. */
  secretLike: boolean;
  /** One sentence, never containing a secret value. */
  reason: string;
  /** Private keys: protected by a passphrase. */
  encrypted?: boolean;
  /** Private keys: OpenSSH FIDO2 security-key handles only, useless without the hardware token. */
  securityKeyHandle?: boolean;
  /** sops files: key paths (a.b.c) whose values should be `ENC[...]` but are plaintext. */
  plaintextKeys?: string[];
  /** Plain text files: what the detectors found (redacted; offsets into the file's text). */
  matches?: SecretMatch[];
  /** Why the file could not be fully analysed (unparseable sops file, too large). */
  error?: string;
}

export interface SecretLocation {
  reason: string;
  /** Files here must be encrypted (age, sops, gpg); plaintext is a finding whatever it holds. */
  expectEncrypted: boolean;
  /** The encryption expected, when the location says (`.age` files, sops creation rules). */
  expected?: "age" | "sops";
}

export interface SopsCreationRule {
  /** The rule's path_regex (RE2 syntax; compiled as a JavaScript RegExp). */
  pathRegex: string;
  /** Directory of the .sops.yaml relative to the scanned root ("" for the root): sops matches paths relative to it. */
  configDir: string;
  /** The regex matches ordinary files too (`.*`): the rule says which keys to encrypt with, not
   * where secrets live, so it marks no file as one that must be encrypted. */
  catchAll?: boolean;
}

// Files no one keeps encrypted: a path_regex matching these is a catch-all.
const ORDINARY_FILES = ["flake.nix", "README.md", "LICENSE", "hosts/web/default.nix", "modules/common.nix"];

export interface ClassifyOptions {
  sopsRules?: readonly SopsCreationRule[];
  /** Texts longer than this are only checked by their headers (default 2 MiB). */
  maxScanBytes?: number;
}

const DEFAULT_MAX_SCAN_BYTES = 2 * 1024 * 1024;

/**
 * Reads the creation rules of a `.sops.yaml`. Rules without a path_regex match every file, so they
 * say nothing about where secrets live and are left out.
 */
export function parseSopsConfig(text: string, configRelPath = ".sops.yaml"): { rules: SopsCreationRule[]; errors: string[] } {
  const errors: string[] = [];
  const rules: SopsCreationRule[] = [];
  let doc: unknown;
  try {
    doc = parseYaml(text, { logLevel: "error" }); // warnings would go to stderr
  } catch (e) {
    return { rules, errors: [`${configRelPath}: not valid YAML: ${(e as Error).message.split("\n")[0]}`] };
  }
  const list = (doc as { creation_rules?: unknown } | null)?.creation_rules;
  if (!Array.isArray(list)) return { rules, errors };
  const dir = posix.dirname(configRelPath.replace(/\\/g, "/"));
  for (const [i, r] of list.entries()) {
    const re = (r as { path_regex?: unknown } | null)?.path_regex;
    if (typeof re !== "string" || re === "") continue;
    try {
      const compiled = new RegExp(re);
      const catchAll = ORDINARY_FILES.filter((f) => compiled.test(f)).length >= 2;
      rules.push({ pathRegex: re, configDir: dir === "." ? "" : dir, ...(catchAll ? { catchAll } : {}) });
    } catch (e) {
      errors.push(`${configRelPath}: creation_rules[${i}].path_regex is not a valid regular expression: ${(e as Error).message}`);
    }
  }
  return { rules, errors };
}

/** Whether a creation rule covers the file. `catchAll: false` leaves catch-all rules out (they say
 * nothing about where secrets live). */
export function sopsRuleMatches(relPath: string, rules: readonly SopsCreationRule[], opts: { catchAll?: boolean } = {}): boolean {
  for (const r of rules) {
    if (r.catchAll && opts.catchAll === false) continue;
    const prefix = r.configDir === "" ? "" : r.configDir + "/";
    if (prefix !== "" && !relPath.startsWith(prefix)) continue;
    try {
      if (new RegExp(r.pathRegex).test(relPath.slice(prefix.length))) return true;
    } catch {
      // an invalid regex is reported by parseSopsConfig
    }
  }
  return false;
}

// Files that live in secrets folders but are not secret material: agenix's recipients file,
// documentation, tooling configuration, public keys.
/** A file named as a key fingerprint: `*.fp`, `*.fpr`, `fingerprint`, `*.fingerprint`. */
const FINGERPRINT_NAME = /(?:\.fpr?|(?:^|[._-])fingerprint(?:\.txt)?)$/i;
/** An OpenPGP fingerprint: 40 (v4) or 64 (v5) hex digits, optionally `0x` and groups of four. */
const FINGERPRINT = /^(?:0x)?(?:[0-9A-Fa-f]{40}|[0-9A-Fa-f]{64}|(?:[0-9A-Fa-f]{4} {1,2}){9}[0-9A-Fa-f]{4})$/;
/** A line of a pass `.gpg-id`: a key id (8/16 hex, optionally 0x) or a user id (an e-mail address, `Name <mail>`). */
const GPG_ID_LINE = /^(?:#.*|(?:0x)?(?:[0-9A-Fa-f]{8}|[0-9A-Fa-f]{16})!?|[^\s<>@]+@[^\s<>@]+\.[A-Za-z]{2,}|[^<>]*<[^\s<>@]+@[^\s<>@]+>)$/;
/** A Syncthing device ID: 56 base32 characters and 4 check characters, in eight groups of seven. */
const SYNCTHING_DEVICE_ID = /^[A-Z2-7]{7}(?:-[A-Z2-7]{7}){7}$/;
const JWE_COMPACT = /^([A-Za-z0-9_-]{8,})\.([A-Za-z0-9_-]*)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/;

/** A JWE (RFC 7516) in compact serialisation: five parts, a JSON header with `alg` and `enc` (and
 * for a file not named `.jwe`, Clevis's `clevis` member). A JWS/JWT has three parts: not this. */
export function isEncryptedJwe(line: string, name: string): boolean {
  const m = JWE_COMPACT.exec(line);
  if (!m) return false;
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(m[1]!, "base64url").toString("utf8"));
  } catch {
    return false;
  }
  if (typeof header !== "object" || header === null) return false;
  const h = header as Record<string, unknown>;
  if (typeof h.alg !== "string" || typeof h.enc !== "string") return false;
  return /\.jwe$/i.test(name) || (typeof h.clevis === "object" && h.clevis !== null);
}

const NOT_SECRET_MATERIAL = /(?:\.nix|\.md|\.txt\.example|\.pub|^\.gitignore|^\.gitattributes|^\.sops\.ya?ml|^\.keep|^\.gitkeep|^README[^/]*)$/i;
const ENV_EXAMPLE = /^\.env\.(?:example|sample|template|dist|defaults?)$/i;

// Tooling kept beside encrypted secrets, by its type: build recipes, scripts, templates and placeholders.
const TOOLING_NAME = /^(?:justfile|\.justfile|makefile|gnumakefile|license|copying|\.envrc|\.editorconfig)$|\.(?:just|mk|sh|bash|zsh|fish|py|pl|rb|ps1|placeholder|example|sample|template|tmpl|dist)$/i;
// A recipe line of a justfile or Makefile (`edit FILE:`, `rekey:`, `all: deps`), its commands indented below.
const RECIPE_HEAD = /^[A-Za-z_][\w-]*(?:\s+[A-Za-z_][\w=+*-]*)*\s*:(?:\s|$)/;

/**
 * What a plaintext file in a secrets folder is, when its type or content shows it is not a secret
 * (detectSecrets found none in it): a script (shebang), a justfile or Makefile of recipes, a
 * placeholder or template whose only values are placeholders, or nothing but comments. Undefined
 * when it may be a secret value (one opaque line, key=value lines with values).
 */
export function notSecretMaterialByContent(name: string, text: string): string | undefined {
  if (TOOLING_NAME.test(name)) return `a ${/placeholder|example|sample|template|tmpl|dist/i.test(name) ? "placeholder or template" : /just|make/i.test(name) ? "recipe file" : "script or tool configuration"} (${name})`;
  if (/^#!\s*\/\S+/.test(text)) return "a script (it starts with #!)";
  const lines = text.split(/\r?\n/);
  const code = lines.map((l) => l.trim()).filter((l) => l !== "" && !/^(?:#|\/\/|;)/.test(l));
  if (code.length === 0 && lines.some((l) => l.trim() !== "")) return "only comments";
  // Recipes: a head line at column 0, and each head followed by indented commands.
  const heads = lines.filter((l, i) => RECIPE_HEAD.test(l) && /^(?:\t| {2,})\S/.test(lines[i + 1] ?? ""));
  if (heads.length >= 2 && lines.filter((l) => /^(?:\t| {2,})\S/.test(l)).length >= heads.length) return "a recipe file (justfile/Makefile)";
  // A note in sentences (`The Nix configuration in here is read by agenix …`, ghuntley-ghuntley's
  // readTree marker ops/secrets/.skip-subtree, judged at high): prose, not a value.
  if (isProse(code.join(" "))) return "a note in prose";
  // A commented placeholder: every value in it is a placeholder (`YOUR_JIRA_PAT_HERE`, `token = <token>`).
  const values = code.map((l) => /^[\w.-]+\s*[=:]\s*(.*)$/.exec(l)?.[1]?.replace(/^["']|["']$/g, "") ?? l);
  if (lines.some((l) => /^\s*#/.test(l)) && values.every((v) => isPlaceholder(v))) return "a placeholder (its values are placeholders)";
  return undefined;
}

/** A YAML or JSON document with no value in it: an empty map or list (`{}`, `---\n[]`). */
const EMPTY_DOCUMENT = /^\s*(?:---\s*)?(?:\{\s*\}|\[\s*\])\s*$/;
/** Words that sentences have and passphrases and tokens rarely do. */
const FUNCTION_WORDS = new Set(["the", "is", "are", "in", "and", "or", "not", "by", "with", "of", "to", "this", "here", "for", "be", "it", "that", "from", "only"]);

/** Sentences: six or more words of letters, two or more different function words among them, and
 * sentence punctuation at the end. A diceware passphrase has no full stop and seldom two of them. */
function isProse(text: string): boolean {
  const t = text.trim();
  if (!/[.!?]$/.test(t)) return false;
  const words = t.split(/\s+/);
  if (words.length < 6 || !words.every((w) => /^\(?[A-Za-z]/.test(w))) return false;
  const fn = new Set(words.map((w) => w.toLowerCase().replace(/[^a-z]/g, "")).filter((w) => FUNCTION_WORDS.has(w)));
  return fn.size >= 2;
}

/** Whether a path is where secrets are kept, by name alone (content is judged by classifySecretFile). */
export function isSecretLocation(relPath: string, opts: { sopsRules?: readonly SopsCreationRule[] } = {}): SecretLocation | null {
  const path = relPath.replace(/\\/g, "/").replace(/^\.\//, "");
  const name = basename(path);
  const ext = extname(name).toLowerCase();
  const dirs = path.split("/").slice(0, -1).map((d) => d.toLowerCase());

  if (ext === ".age") return { reason: "an .age file is expected to be age-encrypted", expectEncrypted: true, expected: "age" };
  // .sops.yaml is sops' configuration (public recipients, path rules), never a secret, even when a
  // creation rule's path_regex (`.*\.sops\.yaml$`) also matches its own name (truxnell/nix-config).
  if (/^\.sops\.ya?ml$/.test(name)) return null;
  if (opts.sopsRules && sopsRuleMatches(path, opts.sopsRules, { catchAll: false })) {
    return { reason: "matched by a .sops.yaml creation rule", expectEncrypted: true, expected: "sops" };
  }
  if (/^id_(?:rsa|dsa|ecdsa|ed25519)(?:_sk)?$/.test(name) || /^ssh_host_[a-z0-9]+_key$/.test(name)) {
    return { reason: "an SSH private key file name", expectEncrypted: true };
  }
  if (ext === ".key") return { reason: "a .key file", expectEncrypted: true };
  if ([".p12", ".pfx", ".jks", ".keystore"].includes(ext)) return { reason: "a PKCS#12/Java keystore", expectEncrypted: true };
  if (/^\.env(?:\..+)?$/.test(name) && !ENV_EXAMPLE.test(name)) return { reason: "a .env file", expectEncrypted: true };
  if (/^(?:\.netrc|\.pgpass|\.git-credentials|\.npmrc|\.pypirc)$/.test(name)) {
    return { reason: `a ${name} credentials file`, expectEncrypted: true };
  }
  if (dirs.some((d) => d === "secrets" || d === "secret" || d === ".secrets") && !NOT_SECRET_MATERIAL.test(name)) {
    return { reason: "a file in a secrets folder", expectEncrypted: true };
  }
  if (/^secrets?\.(?:ya?ml|json|env|ini)$/i.test(name)) return { reason: "a secrets file name", expectEncrypted: true, expected: "sops" };
  return null;
}

function isBinary(buf: Buffer): boolean {
  const head = buf.subarray(0, 8192);
  if (head.includes(0)) return true;
  let control = 0;
  // By index: `for (const b of head)` made an iterator result per byte (84 MB of garbage over
  // the 527 other files of olafkfreund/nixos_config, the largest allocation of a cold scan).
  for (let i = 0; i < head.length; i++) {
    const b = head[i]!;
    if (b < 0x09 || (b > 0x0d && b < 0x20) || b === 0x7f) control++;
  }
  return head.length > 0 && control / head.length > 0.1;
}

const AGE_BINARY_HEADER = "age-encryption.org/v1\n";
const AGE_ARMOR = "-----BEGIN AGE ENCRYPTED FILE-----";

function isAgeEncrypted(buf: Buffer): boolean {
  if (buf.subarray(0, AGE_BINARY_HEADER.length).toString("latin1") === AGE_BINARY_HEADER) return true;
  return buf.subarray(0, 256).toString("latin1").trimStart().startsWith(AGE_ARMOR);
}

/**
 * An OpenPGP message: armored, or binary starting with a PKESK (tag 1, version 3 or 6) or SKESK
 * (tag 3, version 4-6) packet. The version byte after the packet header keeps random binary files
 * that merely start with a plausible tag byte from passing.
 */
function isGpgEncrypted(buf: Buffer): boolean {
  if (buf.subarray(0, 256).toString("latin1").trimStart().startsWith("-----BEGIN PGP MESSAGE-----")) return true;
  const b = buf[0];
  if (b === undefined || (b & 0x80) === 0) return false;
  let tag: number;
  let headerLength: number;
  if (b & 0x40) {
    tag = b & 0x3f;
    const first = buf[1];
    if (first === undefined) return false;
    headerLength = first < 192 ? 2 : first < 224 ? 3 : first === 255 ? 6 : 2;
  } else {
    tag = (b >> 2) & 0x0f;
    headerLength = [2, 3, 5, 1][b & 0x03]!;
  }
  const version = buf[headerLength];
  if (tag === 1) return version === 3 || version === 6;
  if (tag === 3) return version === 4 || version === 5 || version === 6;
  return false;
}

interface SopsMeta {
  unencryptedSuffix?: string;
  encryptedSuffix?: string;
  unencryptedRegex?: RegExp;
  encryptedRegex?: RegExp;
}

function regexOrUndefined(v: unknown): RegExp | undefined {
  if (typeof v !== "string" || v === "") return undefined;
  try {
    return new RegExp(v);
  } catch {
    return undefined;
  }
}

function readSopsMeta(m: Record<string, unknown>): SopsMeta {
  const meta: SopsMeta = {
    unencryptedSuffix: typeof m.unencrypted_suffix === "string" && m.unencrypted_suffix !== "" ? m.unencrypted_suffix : undefined,
    encryptedSuffix: typeof m.encrypted_suffix === "string" && m.encrypted_suffix !== "" ? m.encrypted_suffix : undefined,
    unencryptedRegex: regexOrUndefined(m.unencrypted_regex),
    encryptedRegex: regexOrUndefined(m.encrypted_regex),
  };
  // sops' default when no rule is set at all.
  if (!meta.unencryptedSuffix && !meta.encryptedSuffix && !meta.unencryptedRegex && !meta.encryptedRegex) {
    meta.unencryptedSuffix = "_unencrypted";
  }
  return meta;
}

/** sops' shouldBeEncrypted over the path of keys leading to a value. */
function shouldBeEncrypted(path: string[], meta: SopsMeta): boolean {
  let encrypted = true;
  if (meta.unencryptedSuffix && path.some((k) => k.endsWith(meta.unencryptedSuffix!))) encrypted = false;
  if (meta.encryptedSuffix) encrypted = path.some((k) => k.endsWith(meta.encryptedSuffix!));
  if (meta.unencryptedRegex && path.some((k) => meta.unencryptedRegex!.test(k))) encrypted = false;
  if (meta.encryptedRegex) encrypted = path.some((k) => meta.encryptedRegex!.test(k));
  return encrypted;
}

function plaintextLeaves(tree: unknown, meta: SopsMeta, path: string[] = [], out: string[] = []): string[] {
  if (Array.isArray(tree)) {
    for (const v of tree) plaintextLeaves(v, meta, path, out);
  } else if (tree !== null && typeof tree === "object") {
    for (const [k, v] of Object.entries(tree)) {
      if (path.length === 0 && k === "sops") continue;
      plaintextLeaves(v, meta, [...path, k], out);
    }
  } else if (tree !== null && tree !== undefined && tree !== "") {
    // An empty value holds nothing to expose, encrypted or not (a sops-encrypted cloudflared
    // credentials.json whose only plaintext is `"Endpoint": ""`: DaRacci-nix-config, judged wrong).
    const isEnc = typeof tree === "string" && tree.startsWith("ENC[");
    const key = path.join(".");
    if (!isEnc && shouldBeEncrypted(path, meta) && !out.includes(key)) out.push(key);
  }
  return out;
}

/** A sops-encrypted YAML/JSON/dotenv/INI document, with its plaintext keys; undefined when not sops. */
function analyseSops(text: string, ext: string): { plaintextKeys: string[]; error?: string } | undefined {
  const trimmed = text.trimStart();
  // dotenv and INI: metadata as sops_* keys or a [sops] section.
  if (/^sops_(?:version|mac|lastmodified)=/m.test(text) || /^\[sops\]\s*$/m.test(text)) {
    const meta: Record<string, string> = {};
    const values: Array<[string, string]> = [];
    let section = "";
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.trim();
      if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
      const sec = /^\[(.+)\]$/.exec(line);
      if (sec) {
        section = sec[1]!;
        continue;
      }
      const kv = /^([^=]+?)\s*=\s*(.*)$/.exec(line);
      if (!kv) continue;
      const [, k, v] = kv as unknown as [string, string, string];
      if (section === "sops") meta[k] = v;
      else if (section === "" && k.startsWith("sops_")) meta[k.slice(5)] = v;
      else values.push([section === "" ? k : `${section}.${k}`, v]);
    }
    const m = readSopsMeta(meta);
    // `KEY=` with nothing after it (or `KEY=""`) holds nothing to expose (tschwemley-nixos-config
    // secrets/server/librechat.env: 28 empty entries beside the encrypted ones, judged wrong).
    const plaintextKeys = values.filter(([k, v]) => !/^(?:|""|'')$/.test(v) && !v.startsWith("ENC[") && shouldBeEncrypted(k.split("."), m)).map(([k]) => k);
    return { plaintextKeys };
  }
  const looksJson = ext === ".json" || trimmed.startsWith("{");
  if (looksJson ? !/"sops"\s*:\s*\{/.test(text) : !/^sops:\s*$/m.test(text)) return undefined;
  let doc: unknown;
  try {
    doc = looksJson ? JSON.parse(text) : parseYaml(text, { logLevel: "error" });
  } catch (e) {
    return { plaintextKeys: [], error: `sops file could not be parsed: ${(e as Error).message.split("\n")[0]}` };
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) return undefined;
  const sops = (doc as Record<string, unknown>).sops;
  if (sops === null || typeof sops !== "object") return undefined;
  return { plaintextKeys: plaintextLeaves(doc, readSopsMeta(sops as Record<string, unknown>)) };
}

const SECRET_FILE_NAME = /token|secret|passw|pwd|credential|auth|api[-_]?key|private|\.key$/i;
const PRIVATE_KEY_PATTERN = TOKEN_PATTERNS.find((p) => p.id === "private-key")!;
const WIREGUARD_KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;
const PUBLIC_KEY_LINE =
  /^(?:(?:ssh-(?:rsa|ed25519|dss)|ecdsa-sha2-nistp\d+|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) AAAA[A-Za-z0-9+/=]+(?: .*)?|age1[02-9ac-hj-np-z]{58}|age1[a-z0-9][a-z0-9._+-]*1[02-9ac-hj-np-z]{6,}|#.*)$/;

function privateKeyBlocks(text: string): { unencrypted: number; encrypted: number; handles: number } {
  let unencrypted = 0;
  let encrypted = 0;
  let handles = 0;
  const re = new RegExp(PRIVATE_KEY_PATTERN.regex!.source, PRIVATE_KEY_PATTERN.regex!.flags);
  for (const m of text.matchAll(re)) {
    if (!isUnencryptedPrivateKeyBlock(m[0])) encrypted++;
    else if (isSecurityKeyHandle(m[0])) handles++;
    else unencrypted++;
  }
  return { unencrypted, encrypted, handles };
}

function fileKindOf(name: string): string {
  if (/^\.env(?:\..+)?$/.test(name)) return "env";
  const ext = extname(name).slice(1).toLowerCase();
  return ext === "" ? "text" : ext;
}

/** Classifies one file of the repository. `relPath` is relative to the scanned root. */
const GIT_CRYPT_HEADER = Buffer.from("\0GITCRYPT\0", "latin1");

export function classifySecretFile(relPath: string, content: Buffer, opts: ClassifyOptions = {}): SecretFileClass {
  const path = relPath.replace(/\\/g, "/");
  const name = basename(path);
  const ext = extname(name).toLowerCase();
  const location = isSecretLocation(path, { sopsRules: opts.sopsRules });
  const expectAge = location?.expected === "age";

  if (content.length === 0) return { kind: "plain", secretLike: false, reason: "empty file" };

  if (isAgeEncrypted(content)) return { kind: "age-encrypted", secretLike: false, reason: "age-encrypted (age-encryption.org/v1)" };
  // git-crypt's smudge filter leaves encrypted blobs in the repository, each starting with
  // "\0GITCRYPT\0" (then a nonce and AES-CTR data): only a clone with the key sees the plaintext.
  if (content.length >= 10 && content.subarray(0, 10).equals(GIT_CRYPT_HEADER)) return { kind: "git-crypt-encrypted", secretLike: false, reason: "git-crypt-encrypted (\\0GITCRYPT\\0 header)" };
  if (isGpgEncrypted(content)) {
    return expectAge
      ? { kind: "gpg-encrypted", secretLike: false, reason: "named .age but OpenPGP-encrypted (still encrypted)" }
      : { kind: "gpg-encrypted", secretLike: false, reason: "OpenPGP-encrypted message" };
  }

  if (isBinary(content)) {
    if ([".p12", ".pfx", ".jks", ".keystore"].includes(ext)) {
      // A trust store (Java's truststore.jks/.p12, cacerts) holds the certificates a program
      // trusts, not keys (Lillecarl resources/truststore.p12, judged wrong at critical).
      if (/(?:^|[-_.])(?:trust[-_]?store|cacerts)(?:[-_.]|$)/i.test(posix.basename(relPath, ext))) return { kind: "certificate", secretLike: false, reason: "a trust store (certificates a program trusts)" };
      return { kind: "private-key", secretLike: true, encrypted: true, reason: `${location?.reason ?? "a keystore"}: it bundles private keys behind a password that is usually weak or empty` };
    }
    if (expectAge) return { kind: "binary", secretLike: true, reason: "named .age but not age-encrypted (no age-encryption.org/v1 header)" };
    if (location?.expectEncrypted) return { kind: "binary", secretLike: true, reason: `${location.reason}, but not age/sops/gpg-encrypted` };
    return { kind: "binary", secretLike: false, reason: "binary file" };
  }

  const maxScan = opts.maxScanBytes ?? DEFAULT_MAX_SCAN_BYTES;
  const tooLarge = content.length > maxScan;
  const text = content.subarray(0, maxScan).toString("utf8");
  const notAge = expectAge ? "named .age but not age-encrypted (no age-encryption.org/v1 header); " : "";

  const sops = analyseSops(text, ext);
  if (sops) {
    const n = sops.plaintextKeys.length;
    const result: SecretFileClass = {
      kind: "sops-encrypted",
      secretLike: n > 0,
      reason:
        n > 0
          ? `${notAge}sops file with ${n} plaintext value${n === 1 ? "" : "s"} that sops would encrypt: ${sops.plaintextKeys.join(", ")}`
          : `${notAge}sops-encrypted`,
      plaintextKeys: sops.plaintextKeys,
    };
    if (sops.error) result.error = sops.error;
    if (expectAge) result.secretLike = true;
    return result;
  }

  // An empty YAML/JSON document (`{}`: hmajid2301-nixicle hosts/gateway/secrets.yaml, judged wrong
  // at high as "a single value"): nothing in it to leak.
  if (EMPTY_DOCUMENT.test(text)) return { kind: "plain", secretLike: false, reason: `${location ? location.reason + ", but " : ""}an empty document: it holds no value` };

  const keys = privateKeyBlocks(text);
  if (keys.unencrypted > 0) {
    return { kind: "private-key", secretLike: true, reason: `${notAge}unencrypted private key${keys.unencrypted > 1 ? "s" : ""} (PEM/OpenSSH/PGP block)`, encrypted: false };
  }
  if (keys.handles > 0) {
    return { kind: "private-key", secretLike: true, reason: `${notAge}${SECURITY_KEY_HANDLE_NOTE}`, encrypted: false, securityKeyHandle: true };
  }
  const trimmed = text.trim();
  if (/AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}/.test(text)) {
    return { kind: "private-key", secretLike: true, reason: `${notAge}an age identity (secret key): it decrypts every secret encrypted to it`, encrypted: false };
  }
  if (WIREGUARD_KEY.test(trimmed)) {
    // The name or a directory says public (`wg.pub`, `publickey/value` in clan vars).
    if (/pub/i.test(name) || /(?:^|[/_.-])pub(?:lic)?(?:[-_]?key)?(?:[/_.-]|$)/i.test(path)) {
      return { kind: "public-key", secretLike: false, reason: "a WireGuard public key" };
    }
    return { kind: "private-key", secretLike: true, reason: `${notAge}a bare 32-byte base64 key, the format of a WireGuard private key`, encrypted: false };
  }
  if (keys.encrypted > 0) {
    return expectAge
      ? { kind: "private-key", secretLike: true, reason: `${notAge}a passphrase-encrypted private key`, encrypted: true }
      : { kind: "private-key", secretLike: false, reason: "passphrase-encrypted private key", encrypted: true };
  }
  if (/-----BEGIN CERTIFICATE-----/.test(text)) {
    return { kind: "certificate", secretLike: false, reason: `${expectAge ? "named .age but " : ""}X.509 certificate (public)` };
  }
  const lines = trimmed.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "");
  if (
    /^-----BEGIN (?:PGP )?PUBLIC KEY(?: BLOCK)?-----/.test(trimmed) ||
    /^-----BEGIN (?:RSA |EC )?PUBLIC KEY-----/.test(trimmed) ||
    (lines.length > 0 && lines.every((l) => PUBLIC_KEY_LINE.test(l)) && lines.some((l) => !l.startsWith("#")))
  ) {
    // Public material is no secret whatever the file is named: an `.age` file holding an age
    // recipient (`age1…`, or a plugin's `age1yubikey1…`, `age1tpm1…`, `age1se1…`,
    // `age1fido2-hmac1…`) names who secrets are encrypted to (Lassulus-superconfig keys/age/*.age,
    // judged wrong at high).
    return { kind: "public-key", secretLike: false, reason: `${expectAge ? "named .age but " : ""}public key material` };
  }

  // A key fingerprint (`colemickens.gpg.fp`, `key.fpr`, `fingerprint`): an OpenPGP v4 (40 hex) or
  // v5 (64 hex) fingerprint, bare or in groups of four, is the public name of a key that tools read
  // to pick sops recipients (colemickens/nixcfg secrets/keys/*.gpg.fp beside *.pub, judged wrong at
  // high with a harmful "encrypt it" fix: secrets/util.sh reads it).
  if (FINGERPRINT_NAME.test(name) && lines.length === 1 && FINGERPRINT.test(lines[0]!)) {
    return { kind: "public-key", secretLike: false, reason: `${expectAge ? "named .age but " : ""}a public key fingerprint` };
  }

  // A pass store's recipient list (`.gpg-id`): the GPG keys the store's entries are encrypted to,
  // by fingerprint, key id or user id; public names, and pass needs the file to encrypt (kloenk-nixfiles
  // secrets/*/.gpg-id, judged wrong at high with a harmful "remove it" fix).
  if (name === ".gpg-id" && lines.length > 0 && lines.every((l) => GPG_ID_LINE.test(l) || FINGERPRINT.test(l))) {
    return { kind: "public-key", secretLike: false, reason: `${location ? location.reason + ", but " : ""}a pass recipient list (public GPG key ids)` };
  }
  // A Syncthing device ID: the public fingerprint of the device's certificate, made to be shared
  // with its peers (sini-nix-config .secrets/hosts/uplink/syncthing-uplink.id beside the .age holding
  // the key, judged wrong at high).
  if (lines.length === 1 && SYNCTHING_DEVICE_ID.test(lines[0]!)) {
    return { kind: "public-key", secretLike: false, reason: `${location ? location.reason + ", but " : ""}a Syncthing device ID (public)` };
  }
  // A JWE in compact serialisation (five base64url parts) whose header names its encryption: ciphertext,
  // like an age file. Clevis seals disk keys so (`"clevis":{"pin":"tpm2"|"tang"|"sss"}`), to be
  // committed and opened unattended at boot (sini-nix-config .secrets/hosts/*/zroot-key.jwe, judged
  // wrong at high with a harmful "re-encrypt with agenix" fix).
  if (lines.length === 1 && isEncryptedJwe(lines[0]!, name)) {
    return { kind: "jwe-encrypted", secretLike: false, reason: "JWE-encrypted (compact serialisation, e.g. a Clevis-sealed key)" };
  }

  const matches = detectSecrets(text, { fileKind: fileKindOf(name) });
  const secrets = matches.filter((m) => m.kind === "secret");

  // One token on one line, nothing else: a token file (`github-token`, `tailscale.key`).
  if (lines.length === 1 && !/\s/.test(lines[0]!)) {
    const line = lines[0]!;
    const whole = secrets.some((m) => m.end - m.start >= line.length * 0.8);
    // A random line is a token only where the name or place says so: a bare commit hash in `.rev` is not.
    const random = judgeGenericValue(line).secret && (SECRET_FILE_NAME.test(name) || !!location?.expectEncrypted);
    if (whole || ((random || location?.expectEncrypted) && !/[=:]/.test(line.replace(/=+$/, "")))) {
      const what = whole ? secrets[0]!.name : random ? "a random-looking token" : "a single value";
      return { kind: "token-file", secretLike: true, reason: `${notAge}${location ? location.reason + ": " : ""}${what} stored in plaintext`, matches };
    }
  }

  const result: SecretFileClass = { kind: "plain", secretLike: false, reason: "plain text, no secrets found", matches };
  if (tooLarge) result.error = `only the first ${maxScan} bytes were scanned`;
  if (secrets.length > 0) {
    result.secretLike = true;
    const names = [...new Set(secrets.map((m) => m.name))];
    result.reason = `${notAge}plain text holding ${secrets.length} secret${secrets.length === 1 ? "" : "s"} (${names.join(", ")})`;
  } else if (expectAge) {
    result.secretLike = true;
    result.reason = "named .age but not age-encrypted (no age-encryption.org/v1 header)";
  } else if (location?.expectEncrypted && !ENV_EXAMPLE.test(name)) {
    // A .env file with nothing secret in it is fine; a file in secrets/ or a sops-managed path is not,
    // unless what it is says otherwise: a script, a justfile/Makefile of `agenix -e` recipes, a
    // placeholder that only explains what goes there.
    const envLike = /^\.env/.test(name);
    const tooling = location.expected === undefined ? notSecretMaterialByContent(name, text) : undefined;
    if (tooling) {
      result.reason = `${location.reason}, but ${tooling}, with no secret in it`;
    } else if (!envLike) {
      result.secretLike = true;
      result.reason = `${location.reason}, but not age/sops/gpg-encrypted`;
    }
  }
  return result;
}
