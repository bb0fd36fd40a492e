// Hard-coded secrets: token formats (GitHub, AWS, Stripe, Slack, private-key blocks, ...) and
// keyword-anchored assignments with an entropy threshold, in every Nix string literal and every
// other text file (scripts, .env, YAML, JSON, TOML...). Nix is read as a syntax tree: only string
// literals are judged, so comments never are; the literal's own source goes to the detectors so
// offsets land on the file. One finding per secret, always redacted.
//
// Left to other rules so nothing is reported twice: plaintext passwords set directly as an option's
// value (plaintext-password-option, and the users rules for users.users), values of environment
// variables (secret-in-environment), files that are secret material as a whole
// (committed-secret-file).
import { extname, posix } from "node:path";
import { SyntaxKind as K, LineIndex, type SyntaxNode } from "../../nix/syntax.js";
import { calleeName, flattenApply } from "../../nix/options.js";
import { besideTestEndpoint, detectSecrets, documentedAsDeliberatelyWeak, documentedAsPlaceholder, documentedAsPublicTestValue, isEmptyPasswordHash, isPlaceholder, namesCommand, TOKEN_PATTERNS, type SecretMatch } from "../../secrets/index.js";
import { definitionOf, enclosingDefinition, inOptionDocumentation, rangeOf, redactedLine, stringSource, syntacticPath, valueSite } from "../nix-strings.js";
import type { NixFileContext, Rule, TextFileContext } from "../types.js";
import { committedSecret, encryptedSecretFile } from "./committed-secret-file.js";
import { AGENIX, NIXOS_WIKI_SECRETS, SECRETS_COMPLIANCE, SOPS_NIX } from "./compliance.js";
import { environmentEntry } from "./environment.js";
import { wifiPskOption } from "./secret-in-config-text.js";
import { TEST_DATA_DIR } from "./material.js";
import { hostExample } from "../shared/examples.js";

const USERS = /(?:^|\.)users\.(?:users|extraUsers)\./;
const TOKEN_IDS = new Set(TOKEN_PATTERNS.map((p) => p.id));
/** Prose: only token formats count there (`password: hunter2` in a README is an example). */
const DOC_FILE = /\.(?:md|markdown|rst|adoc|org|txt|html?)$/i;
/** Patches to a package's source: the code in them is the program's (its tests, its defaults), so
 * only token formats count there, as in prose. */
const PATCH_FILE = /\.(?:patch|diff)$/i;
/** C and C++ sources: a program's own code, whose constants under password-like names are field
 * names, prompts, defaults and test values (issue 12: C code constants reported as passwords);
 * only token formats (a Google API key, a private key block) count there, as in patches. */
const C_SOURCE = /\.(?:c|h|cc|cpp|cxx|hh|hpp|hxx|ino)$/i;
/** Package lock files: package names and checksums under keys that read like settings (yarn.lock's
 * `parse-passwd:` dependency line, notthebee-nix-config, judged wrong); only token formats count. */
const LOCK_FILE = /(?:^|\/)(?:yarn\.lock|package-lock\.json|npm-shrinkwrap\.json|pnpm-lock\.ya?ml|bun\.lock|Cargo\.lock|Gemfile\.lock|poetry\.lock|uv\.lock|composer\.lock|go\.sum|flake\.lock|deps\.json|gomod2nix\.toml)$/;
/** Unit-test sources (`test_updater.py`, `url_test.go`, `parse.test.ts`): their credentials are the
 * fixtures the tests parse (fosskar-nixfiles packages/updater/test_updater.py `oauth2:tok@`, judged
 * wrong); only token formats count. */
const TEST_SOURCE = /(?:^|\/)(?:test_[^/]+\.py|[^/]+_test\.(?:py|go)|[^/]+\.(?:test|spec)\.[cm]?[jt]sx?)$/;
/** Files that hold a password hash by design (clan vars/facts `root-password-hash`), like hashedPassword. */
const HASH_FILE = /hash/i;
/** Templates (`.env.example`, `config.sample.yaml`): a placeholder there is an example, not a deployed value. */
const EXAMPLE_FILE = /(?:^|[./_-])(?:example|sample|template|dist|tmpl|tpl)(?:[./_-]|$)/i;
/** Formats where a placeholder-like password is deployed as is (dotenv); in scripts it is usually an example or a variable name. */
const ENV_KINDS = new Set(["env", "ini", "conf", "cfg", "properties", "toml", "yaml", "yml", "json"]);

/** `hard-coded GitHub token`; a detector whose name already says it (`Hard-coded secret`) once. */
function titleOf(m: SecretMatch): string {
  const name = m.name.toLowerCase();
  return name.startsWith("hard-coded ") ? name : `hard-coded ${name}`;
}

function describe(m: SecretMatch, where: string): string {
  const under = m.key ? ` under '${m.key}'` : "";
  return `${m.name} (${m.redacted})${under} ${where}. ${m.description}`;
}

function fixText(m: SecretMatch): string {
  if (m.detector === "security-key-handle") {
    return "Nothing to rotate: the handle works only with the security key it names. Keep it out of the repository only if even the key's public identity should stay private.";
  }
  if (m.detector === "plaintext-password" && m.key && INITIAL_PASSWORD_KEY.test(m.key)) {
    return "Drop initialPassword (or set hashedPasswordFile from agenix/sops-nix instead) and change the password on every machine that was installed with it: it is in git history.";
  }
  return (
    `Revoke and rotate this ${m.name.toLowerCase()}: it is in git history. Keep the new one encrypted with agenix or sops-nix and give the program ` +
    "the decrypted file at run time (an option ending in `File`, systemd `LoadCredential=`/`EnvironmentFile=`, or a script reading `$CREDENTIALS_DIRECTORY`)."
  );
}

/** Whether the match is the whole value of the binding's key, judged by that key. */
function judgedByKey(m: SecretMatch, key: string | undefined): boolean {
  return key !== undefined && m.key === key;
}

function checkString(ctx: NixFileContext, str: SyntaxNode, lines: LineIndex): void {
  const src = stringSource(str);
  if (!src || src.text.trim() === "" || inOptionDocumentation(str)) return;
  const site = valueSite(str);
  const def = site ? definitionOf(ctx.index, site.binding) : undefined;
  const around = def ?? enclosingDefinition(ctx.index, str);
  if (around && environmentEntry(around)) return; // secret-in-environment's
  // A Wi-Fi passphrase: secret-in-config-text's, one finding for the one literal (Lehmanator-nix-configs
  // nixos/profiles/piwc/network.nix:16 was reported by both rules, judged a duplicate).
  if (around && wifiPskOption(around.path)) return;
  // A shell alias's name is a command (`environment.shellAliases.pass = "gopass"`), not a setting.
  const key = site && !site.partial && !namesCommand(syntacticPath(site.binding)) ? site.key : undefined;
  const optionPath = def && !site!.partial ? def.path : undefined;
  // The content of a string is data in the target's language (INI, shell...), not Nix: no fileKind.
  const matches = detectSecrets(src.text, { key, optionPath });
  if (matches.length === 0) return;
  const abs = matches.map((m) => ({ ...m, start: m.start + src.offset, end: m.end + src.offset }));
  // The same credential again in the same text (three `curl http://admin:pw@…` lines of one
  // script): one finding, at the first, naming the other lines (Lassulus-superconfig
  // 2configs/services/radio/weather.nix, three findings judged duplicates).
  const firstOf = new Map<string, number>();
  const repeats = new Map<number, number[]>();
  abs.forEach((m, i) => {
    if (m.kind === "password-hash") return;
    const id = `${m.detector}\0${ctx.text.slice(m.start, m.end)}`;
    const first = firstOf.get(id);
    if (first === undefined) firstOf.set(id, i);
    else repeats.set(first, [...(repeats.get(first) ?? []), i]);
  });
  const repeated = new Set([...repeats.values()].flat());
  // A flake check (`checks.<name> = pkgs.runCommand …`) is a test built in the sandbox: a password
  // or a keyword-anchored value there is its fixture (sini-nix-config nixidy.nix,
  // checks.secret-post-process-idempotency's `password: hunter2`, judged wrong); token formats still count.
  const inCheck = syntacticPath(str).includes("checks");
  for (const [i, m] of abs.entries()) {
    if (repeated.has(i)) continue;
    const again = (repeats.get(i) ?? []).map((j) => lines.position(abs[j]!.start).line);
    const againNote = again.length ? ` The same value appears again on line${again.length > 1 ? "s" : ""} ${[...new Set(again)].join(", ")}.` : "";
    // Password hashes are how NixOS and its services take passwords (hashedPassword,
    // emergencyAccess, rspamd's controller password): not reported in Nix.
    if (m.kind === "password-hash") continue;
    if (inCheck && (m.detector === "plaintext-password" || m.detector === "generic-secret")) continue;
    if (documentedAsPublicTestValue(ctx.text, m.start)) continue;
    if (documentedAsPlaceholder(ctx.text, m.start, ctx.text.slice(m.start, m.end))) continue;
    if (m.detector === "plaintext-password" && besideTestEndpoint(ctx.text, m.start, ctx.text.slice(m.start, m.end))) continue;
    if (m.detector === "url-credentials" && loopbackDevShellUrl(ctx, str, m.end)) continue;
    if (m.detector === "plaintext-password" && judgedByKey(m, key)) {
      // A password literal as an option's whole value: plaintext-password-option's; under
      // users.users (even where the index cannot follow, e.g. inside recursiveUpdate): the users rules'.
      if (def || USERS.test(syntacticPath(site!.binding).join("."))) continue;
    }
    // Inside a string's content (an INI, a script, a template), a password key holds names and
    // stock values too: the name of a secret entry or an environment reference is none; a value
    // repeating its key (`admin_password = admin`, Grafana's stock first login, which it makes the
    // admin change: ivankovnatsky-nixos-config grafana.nix, judged high wrongly) is rated low.
    let stock = false;
    if (m.detector === "plaintext-password" && !judgedByKey(m, key)) {
      const why = notSecretLooking(m.key, ctx.text.slice(m.start, m.end));
      if (why === "the name of a secret entry, not its value" || why === "code reading the secret from the environment") continue;
      stock = why === "the value repeats its key";
    }
    const where = optionPath ? `in ${optionPath}` : key ? `in '${key}'` : "in a string literal";
    // A comment by it says it is shared on purpose ("not meant to be secure"): still deployed, so
    // reported, as info (ncfavier's game-server password, judged high wrongly).
    const weak = documentedAsDeliberatelyWeak(ctx.text, m.start);
    // A let-binding or a string's own assignment is no option: the description must not say so.
    const description =
      !optionPath && m.detector === "plaintext-password"
        ? m.description.replace("A password option holds a plaintext literal", "A plaintext password literal").replace("A password option is set to a placeholder-like literal", "A placeholder-like password literal").replace("Use the option's hashed or *File variant with agenix/sops-nix.", "Keep it in agenix or sops-nix and hand it to the program as a file at run time.")
        : m.description;
    ctx.report({
      node: str,
      range: rangeOf(lines, m.start, m.end),
      title: titleOf(m),
      // A first-login password is rated like users.users' own only where it is read from a text
      // (a heredoc template); as a Nix binding `initialPassword = "..."` it is deployed as written
      // (wiltaylor-dotfiles modules/user/core.nix, judged right at high).
      severity: weak ? "info" : stock ? "low" : judgedByKey(m, key) ? m.severity : ratedAs(m),
      message:
        `${m.name} (${m.redacted})${m.key ? ` under '${m.key}'` : ""} ${where}. ${description}` +
        (weak ? " A comment beside it says it is not meant to be secret (a value shared on purpose), so it is reported as info: make sure nothing that needs a real secret reuses it." : "") +
        (stock && !weak ? " The value repeats its key's own word (a stock default login such as admin/admin), so it is reported as low: make sure it was changed after the first login." : "") +
        (judgedByKey(m, key) ? "" : initialNote(m)) +
        againNote,
      optionPath,
      key: `${m.detector}:${key ?? ""}:${m.redacted}`,
      evidence: redactedLine(ctx.text, lines, m.start, abs),
      fix: { safety: "manual", description: weak ? "Nothing to rotate if it is shared on purpose; keep it out of anything that needs a real secret, and move it to agenix or sops-nix if it ever guards more than that." : fixText(m) },
    });
  }
}

/** A development shell: a file under `shells/`, `devshells/` or `devenv/`, or a string inside
 * `mkShell { ... }`, numtide's `devshell.mkShell`, `devShells.<system>.<name> = ...` or a devenv
 * module. */
const DEV_SHELL_FILE = /(?:^|\/)(?:dev-?)?shells?(?:\/|\.nix$)|(?:^|\/)devenv(?:\/|\.nix$)/i;
const DEV_SHELL_CALL = /^(?:mkShell\w*|mkDevShell|mkDevenv|mkDevenvShell)$/;
function inDevShell(ctx: NixFileContext, node: SyntaxNode): boolean {
  if (DEV_SHELL_FILE.test(ctx.file)) return true;
  for (let n: SyntaxNode | null = node.parent; n; n = n.parent) {
    if (n.kind === K.NODE_APPLY && DEV_SHELL_CALL.test(calleeName(flattenApply(n).fn) ?? "")) return true;
    if (n.kind === K.NODE_ATTRPATH_VALUE && /^(?:[\w.]*\.)?(?:devShells?|devenv)\b/.test(n.childNodes()[0]?.text ?? "")) return true;
  }
  return false;
}

/** A URL's credentials for a database or service on the machine itself (`mysql://root:dodona@
 * 127.0.0.1:3306/app`) in a development shell: the throwaway password of a local development
 * database, on no host (chvp-nixos-config shells/dodona.nix, judged wrong three times). `end` is
 * where the password ends (the `@` follows). */
function loopbackDevShellUrl(ctx: NixFileContext, str: SyntaxNode, end: number): boolean {
  if (!/^@(?:127(?:\.\d{1,3}){3}|localhost|\[::1\])(?![\w.-])/.test(ctx.text.slice(end, end + 40))) return false;
  return inDevShell(ctx, str);
}

/** What the detectors call a file's kind (its extension; `.env` files). */
function fileKindOf(file: string): string {
  const name = posix.basename(file);
  if (/^\.env(?:\..+)?$/.test(name)) return "env";
  const ext = extname(name).slice(1).toLowerCase();
  return ext === "" ? "text" : ext;
}

/** Whether the line holding `offset` is a comment (`#`, `;` or `//` first). */
function commentedOut(text: string, offset: number): boolean {
  const start = text.lastIndexOf("\n", offset - 1) + 1;
  return /^[ \t]*(?:#|;|\/\/)/.test(text.slice(start, offset));
}

/** An enum-like constant whose value is the last word of its own name (`EVENT_PASS = "pass"`,
 * `AUTH_MODE_TOKEN = "token"`): a label, not a credential (wimpysworld's dispatch.py, judged wrong). */
export function namesItself(key: string | undefined, value: string): boolean {
  if (!key) return false;
  const words = key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").split(/[^A-Za-z0-9]+/).filter(Boolean);
  const v = value.trim().replace(/^["']|["']$/g, "").toLowerCase();
  return words.length > 1 && v.length > 0 && v === words.at(-1)!.toLowerCase();
}

/** Words of a key: `smtpPasswordKey` and `SMTP_PASSWORD_KEY` are smtp, password, key. */
function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/**
 * Why a literal under a password-like key in a non-Nix file (a script, YAML, Terraform, Python) is
 * no secret, or undefined when it looks like one. There the key alone decides nothing: program
 * source names constants, flags and the names of secret fields after passwords too. Silent:
 * - a value with whitespace or starting with `-`: a command-line fragment or a list of words
 *   (`LUKS_PASS=" --disk-encryption-keys /tmp/..."`);
 * - code reading the secret from elsewhere (`os.environ["X"]`, `os.environ/X`, `process.env.X`);
 * - a key naming the field a password is stored under (`passwordKey = "nextpass"`,
 *   `existingSecretPasswordKey = "pass"`: Kubernetes secret keys);
 * - a value equal to a word of its key or a suffix of it (`EVENT_PASS = "pass"`);
 * - a short lowercase word (letters only, under 10 characters: `pass`, `demopass`), or a lowercase
 *   word made from the key's own words (`smtppass`).
 * Mixed case, digits or punctuation (`qwerty123`, `faetae1Dahn5`), and long lowercase runs that are
 * not the key's words, stay findings.
 */
export function notSecretLooking(key: string | undefined, raw: string): string | undefined {
  const v = raw.trim().replace(/^["'`]|["'`]$/g, "");
  if (v === "") return "empty";
  if (/\s/.test(v) || v.startsWith("-")) return "a command-line fragment or a list of words";
  if (/^(?:os\.(?:environ|getenv)\b|process\.env\b|ENV\[|getenv\(|System\.getenv\b|env\()/.test(v)) return "code reading the secret from the environment";
  const words = key ? keyWords(key) : [];
  const last = words.at(-1);
  if (last && words.length > 1 && /^(?:key|name|field|ref|attr|var|env|label|prompt)$/.test(last) && words.slice(0, -1).some((w) => /^(?:pass|passwd|password|pw|pwd)$/.test(w))) {
    return "the key names the field a password is stored under";
  }
  // A lowercase name made of words, one naming a secret (`"MINISERVE_PASS": "miniserve-password"`):
  // the name of a sops/agenix entry or a field the program looks the secret up by
  // (ivankovnatsky-nixos-config backup-home.py, judged wrong).
  if (secretEntryName(v)) return "the name of a secret entry, not its value";
  const bare = v.toLowerCase().replace(/[^a-z0-9]/g, "");
  if (words.includes(bare) || (bare.length > 0 && words.join("").endsWith(bare))) return "the value repeats its key";
  if (/^[a-z]+$/.test(v)) {
    if (v.length < 10) return "a short lowercase word";
    if (words.some((w) => w.length >= 4 && v.includes(w.slice(0, 4)))) return "a lowercase word made from the key's words";
  }
  return undefined;
}

/** A lowercase name of words joined by `-`, `_` or `.`, one of them naming a secret
 * (`miniserve-password`, `db_password`, `restic.repo-key`). */
export function secretEntryName(value: string): boolean {
  if (!/^[a-z][a-z0-9]*(?:[-_.][a-z0-9]+)+$/.test(value)) return false;
  const words = value.split(/[-_.]/);
  return words.every((w) => /^[a-z]+[0-9]{0,2}$/.test(w)) && words.some((w) => /^(?:pass|passwd|password|passphrase|pw|pwd|secret|token|key|apikey|credentials?)$/.test(w));
}

/** A plaintext password for a first login (`initialPassword`): users.users' own rule rates it
 * medium for an account it cannot tell is an admin, and the same literal read from a script or a
 * template must not be rated higher (erictossell-nixflakes sh/build.sh, judged high wrongly). */
const INITIAL_PASSWORD_KEY = /^initial_?password$/i;

/** The match's severity: a first-login password at most medium, as users.users rates it. */
function ratedAs(m: SecretMatch): SecretMatch["severity"] {
  if (m.detector === "plaintext-password" && m.key && INITIAL_PASSWORD_KEY.test(m.key) && (m.severity === "high" || m.severity === "critical")) return "medium";
  return m.severity;
}

function initialNote(m: SecretMatch): string {
  return ratedAs(m) !== m.severity ? " It is a first-login password (initialPassword), kept only until the user changes it: rated medium, as users.users.<name>.initialPassword is." : "";
}

/**
 * A non-Nix text file, or (`unparsedNix`) a .nix file that does not parse, read line by line as
 * text: without a tree, its secrets are found where they stand, as in any other text file.
 */
function checkTextFile(ctx: TextFileContext, unparsedNix = false): void {
  if (ctx.text === undefined || (ctx.file.endsWith(".nix") && !unparsedNix)) return;
  // committed-secret-file never judges .nix files: a whole-file verdict must not hide their secrets.
  if (!unparsedNix && committedSecret(ctx)) return; // the whole file is the finding
  if (!unparsedNix && encryptedSecretFile(ctx)) return; // ciphertext and sops metadata
  const kind = fileKindOf(ctx.file);
  const doc = DOC_FILE.test(ctx.file) || PATCH_FILE.test(ctx.file) || C_SOURCE.test(ctx.file) || LOCK_FILE.test(ctx.file) || TEST_SOURCE.test(ctx.file);
  const testSource = TEST_SOURCE.test(ctx.file);
  const matches = detectSecrets(ctx.text, { fileKind: kind }).filter((m) => {
    if (documentedAsPublicTestValue(ctx.text!, m.start)) return false;
    if (documentedAsPlaceholder(ctx.text!, m.start, ctx.text!.slice(m.start, m.end))) return false;
    // The vendor's published password of its test environment, named in the same block (BankID's
    // test certificate password beside appapi2.test.bankid.com: Lillecarl/nixos kc.tf, judged wrong).
    if (m.detector === "plaintext-password" && besideTestEndpoint(ctx.text!, m.start, ctx.text!.slice(m.start, m.end))) return false;
    // A URL with credentials in a unit test is the input the test parses.
    if (testSource && m.detector === "url-credentials") return false;
    if (doc) return TOKEN_IDS.has(m.detector);
    // As in parsed Nix: hashes are how NixOS takes passwords, and comments are not judged.
    if (unparsedNix && (m.kind === "password-hash" || commentedOut(ctx.text!, m.start))) return false;
    if (m.kind === "password-hash") return !HASH_FILE.test(ctx.file) && !isEmptyPasswordHash(ctx.text!.slice(m.start, m.end));
    if (namesItself(m.key, ctx.text!.slice(m.start, m.end))) return false;
    // Outside Nix a password key holds program constants and field names too: only a value that
    // looks like a password counts (judged wrong: wimpysworld's `EVENT_PASS = "pass"`).
    if (!unparsedNix && m.detector === "plaintext-password" && notSecretLooking(m.key, ctx.text!.slice(m.start, m.end))) return false;
    // A placeholder is deployed as-is from a config file, but not from an example file or a line
    // commented out (`;password = mysecretpassword` documents the setting).
    if (m.detector === "plaintext-password" && (!ENV_KINDS.has(kind) || EXAMPLE_FILE.test(ctx.file) || commentedOut(ctx.text!, m.start)) && isPlaceholder(ctx.text!.slice(m.start, m.end))) return false;
    return true;
  });
  if (matches.length === 0) return;
  const lines = new LineIndex(ctx.text);
  const inTests = TEST_DATA_DIR.test(ctx.file);
  for (const m of matches) {
    ctx.report({
      range: rangeOf(lines, m.start, m.end),
      title: titleOf(m),
      severity: inTests && m.severity !== "info" ? "low" : ratedAs(m),
      message:
        describe(m, `in ${ctx.file}`) +
        initialNote(m) +
        (unparsedNix ? " (The file does not parse, so it was read as plain text.)" : "") +
        (inTests ? " (In a test directory, so reported as low.)" : ""),
      key: `${m.detector}:${m.key ?? ""}:${m.redacted}`,
      evidence: redactedLine(ctx.text, lines, m.start, matches),
      fix: { safety: "manual", description: fixText(m) },
    });
  }
}

export const hardcodedSecret: Rule = {
  id: "hardcoded-secret",
  examples: {
    fire: [
      hostExample(`{ services.myapp.githubToken = "ghp_R8dK2mQ9vL4xT7wN1bZ5cH3jP6fY0sA2eU8i"; }\n`),
      // A taskd user key (org/user/UUID): reported, as low, one half of the credential.
      hostExample(`{ environment.etc."taskrc".text = "taskd.credentials=household/alice/0b2f6a1e-5c3d-4e7f-8a9b-1c2d3e4f5a6b"; }\n`),
      // The same shapes with real values: a random secret under a Secret* key, a one-letter password.
      hostExample(`{ environment.etc."ircd.conf".text = ''\n    SecretKey=q8ZfT2mWx4LpR7vN1cKj9sBd3HyG6eQa\n  ''; services.myapp.settings.passwd = "x7"; }\n`),
      // One credential used three times in a script: one finding, naming the other lines.
      hostExample(`{ pkgs, ... }: {\n  systemd.services.listeners.script = ''\n    curl -sS 'http://admin:Kq8vTz2mWp@radio.example.org:8000/admin/listclients.json?mount=/a.ogg'\n    curl -sS 'http://admin:Kq8vTz2mWp@radio.example.org:8000/admin/listclients.json?mount=/a.mp3'\n    curl -sS 'http://admin:Kq8vTz2mWp@radio.example.org:8000/admin/listclients.json?mount=/a.opus'\n  '';\n}\n`),
      // Look-alikes of the names and placeholders below, with values: a password quoted with escaped
      // quotes in a Nix string, a random key under an environment variable's name, a token in a lock file.
      hostExample(`{ lib, ... }: { environment.etc."registries.yaml".text = lib.concatStringsSep "\\n" [ "configs:" "  r:" "    auth:" "      password: \\"Tq8vXz2mWp9L\\"" ]; }\n`),
      hostExample(`{ programs.mcp.servers.context7.env = { "CONTEXT7_API_KEY" = "ctx7sk-8f2aQ9vLx4T7wN1bZ5cH3jP6"; }; }\n`),
      { "pkgs/app/yarn.lock": 'app@^1.0.0:\n  resolved "https://x-access-token:ghp_R8dK2mQ9vL4xT7wN1bZ5cH3jP6fY0sA2eU8i@github.com/acme/app.git#abc"\n' },
      // A token in a unit test's source, a literal client secret in a script's JSON, a passphrase of words.
      { "pkgs/updater/test_updater.py": 'def test_url():\n    url = "https://x-access-token:ghp_R8dK2mQ9vL4xT7wN1bZ5cH3jP6fY0sA2eU8i@github.com/acme/app.git"\n' },
      hostExample(`{ pkgs, ... }: {\n  systemd.services.envgen.script = ''\n    echo 'PROVIDERS=[{"clientId":"app","clientSecret":"Kq8vTz2mWp9xLr4NbQ7cT3dY","type":"oidc"}]' > /run/app/env\n  '';\n  users.users.alice.extraGroups = [ ];\n}\n`),
      // A random password beside a "placeholder" note: the note does not make it one.
      hostExample(`{\n  services.adguardhome.settings.users = [ { name = "ryan"; password = "Kq8vTz2mWp9xLr4N"; } ]; # placeholder until sops\n}\n`),
      // A real token in a flake check is still a token.
      hostExample(`{ pkgs, ... }: {\n  checks.x86_64-linux.api = pkgs.runCommand "api" { } ''\n    curl -H "Authorization: token ghp_R8dK2mQ9vL4xT7wN1bZ5cH3jP6fY0sA2eU8i" https://api.github.com/user > $out\n  '';\n}\n`),
      // Real values in the shapes of the references below: base64 with slashes under a *_secret key,
      // a random value behind @, a token written where a CI secret's name goes.
      hostExample(`{ services.myapp.settings = { bearer_token_secret = "Zm9vYmFy/K8s9dQ2+LmX0pZ7vB4nR1tW6yE3cH5jA="; api_client_secret = "@k8Zq2mXv9LpR4tW7nB1c"; }; }\n`),
      { ".woodpecker/release.yaml": "steps:\n  release:\n    environment:\n      GITHUB_TOKEN:\n        from_secret: ghp_R8dK2mQ9vL4xT7wN1bZ5cH3jP6fY0sA2eU8i\n" },
    ],
    silent: [
      hostExample(`{ services.myapp.githubTokenFile = "/run/secrets/github-token"; }\n`),
      // Keys that style the password field, and an alias named after a password manager.
      hostExample(`{\n  services.xserver.displayManager.lightdm.greeters.mini.extraConfig = ''\n    password-character = -1\n    password-border-color = "#000000"\n    password-border-radius = 0.3em\n  '';\n  environment.shellAliases.pass = "gopass";\n}\n`),
      // A UUID alone under a client-id key: an identifier.
      hostExample(`{ services.myapp.settings.client_id = "0b2f6a1e-5c3d-4e7f-8a9b-1c2d3e4f5a6b"; }\n`),
      // An IRC daemon's feature flags: the /stats letters hidden from users, spelled in order.
      hostExample(`{ pkgs, ... }: {\n  environment.etc."ircd.conf".text = ''\n    features {\n      SecretNotices=1\n      SecretStats=aAbBcCdDeEfFgGhHiIkKlLmMnNoOpPqQrRsStTUvVwWxXyYzZ\n    };\n  '';\n}\n`),
      // Names of secrets kept elsewhere: a sops key, a Helm chart's existing Kubernetes Secret and the key in it.
      hostExample(`{ services.restic.settings.passwordSecret = "restic/password"; services.k8s.grafana.values.admin = { existingSecret = "grafana-admin"; passwordKey = "admin-password"; }; }\n`),
      // Run-time placeholders: substituted by a preStart, by the program from its environment, by a
      // template generator, by 1Password's CLI; a shell variable in escaped quotes.
      hostExample(`{ lib, ... }: {\n  services.myapp.settings.oidc.secret = "__OIDC_CLIENT_SECRET__";\n  services.myapp.settings.mqtt.password = "{MYAPP_MQTT_PASSWORD}";\n  programs.mcp.servers.context7.env = { "CONTEXT7_API_KEY" = "{env:CONTEXT7_API_KEY}"; };\n  services.myapp.settings.template = "postgres://coder:%coder-pg-password%@db:5432/coder";\n  services.myapp.settings.sshKeyPassphrase = "op://Private/SSH Key Age/password";\n  systemd.services.reg.script = lib.concatStringsSep "\\n" [ "cat > /etc/r.yaml <<EOF" "      password: \\"$registry_password\\"" "EOF" ];\n}\n`),
      // A Kubernetes field selector over Secrets, and a lock file naming the package parse-passwd.
      { "manifests/operator.yaml": "args:\n  - --secret-field-selector=type!=kubernetes.io/dockercfg,type!=kubernetes.io/service-account-token\n" },
      { "pkgs/app/yarn.lock": 'homedir-polyfill@^1.0.1:\n  dependencies:\n    parse-passwd: "npm:^1.0.0"\n  checksum: 3c099844f94b8b0ec6fb4e26b3e57ab9a5d0d9c40e0356f4a5ad0df0eba3d1fd\n' },
      // C source in a Nix string filling a struct passwd: "x" means "see /etc/shadow".
      hostExample(`{ pkgs, ... }: {\n  environment.systemPackages = [ (pkgs.writeTextDir "src/getpw.c" ''\n    struct passwd pwd;\n    pwd.pw_name = name_buf;\n    pwd.pw_passwd = "x";\n    pwd.pw_dir = dir_buf;\n  '') ];\n}\n`),
      // A unit test's fixture URL, a clan vars prompt table, a prompt's example, a shell variable
      // spliced between single-quoted parts of a JSON line.
      { "pkgs/updater/test_updater.py": 'def test_url():\n    assert parse("https://oauth2:tok@codeberg.org/a/b.git").host == "codeberg.org"\n' },
      hostExample(`{ lib, ... }: let\n  serverFields = {\n    username = "login username";\n    password = "login password";\n  };\nin {\n  clan.core.vars.generators.nix-access-tokens.prompts.tokens.description = "nix access-tokens line (e.g. access-tokens = github.com=ghp_...)";\n  systemd.services.envgen.script = ''\n    echo 'PROVIDERS=[{"clientId":"app","clientSecret":"'$OAUTH_SECRET'","type":"oidc"}]' > /run/app/env\n  '';\n  environment.etc."fields.json".text = builtins.toJSON serverFields;\n}\n`),
      // A placeholder a preStart replaces, documented as such on its line.
      hostExample(`{\n  services.adguardhome.settings.users = [ { name = "ryan"; password = "ADGUARDPASS"; } ]; # Replaced by systemd preStart\n}\n`),
      // A flake check's fixture: the plaintext a test feeds the script it checks.
      hostExample(`{ pkgs, ... }: {\n  checks.x86_64-linux.post-process = pkgs.runCommand "post-process" { } ''\n    PLAINTEXT='kind: SopsSecret\n    stringData:\n      password: hunter2'\n    printf '%s' "$PLAINTEXT" | sha256sum > $out\n  '';\n}\n`),
      // References to secrets kept elsewhere: a sops secret's name (as a key path, or under a key
      // that says it is a reference), an environment variable behind @, a CI server's secret names,
      // a credential-name glob, a regex fragment under a "tokens" name, a pass entry's path.
      hostExample(`{\n  services.monitoring.scrape.minio.bearer_token_secret = "MONITORING/MINIO_PROMETHEUS_TOKEN";\n  services.agent.discord.tokenReference = "AI_AGENT/DISCORD_BOT_TOKEN";\n  services.searx.settings.engines = [ { name = "spotify"; api_client_secret = "@SPOTIFY_CLIENT_SECRET"; } ];\n  systemd.services.unlock.serviceConfig.ImportCredential = "cryptsetup.*";\n  services.alloy.patterns.tokens_up_to_4 = ''(?:\\\\S+\\\\s+){0,4}'';\n  programs.gpg.keys = [ { key = "gpg/private/privateKey"; pass = "gpg/private/passphrase"; } ];\n}\n`),
      { ".woodpecker/release.yaml": "steps:\n  release:\n    environment:\n      REGISTRY_USER:\n        from_secret: REGISTRY_USER\n      GPG_PRIVATE_KEY:\n        from_secret: GPG_PRIVATE_KEY\n" },
    ],
  },
  name: "hard-coded secret",
  category: "secrets",
  severity: "high",
  rationale:
    "A token, key or password written into the repository is readable by everyone who can read the repository and its history; written into a Nix expression it is also copied into the world-readable Nix store.",
  fix: "Revoke and rotate the secret, then keep it encrypted with agenix or sops-nix and have the program read the decrypted file at run time.",
  references: [AGENIX, SOPS_NIX, NIXOS_WIKI_SECRETS, { title: "gitleaks: secret detection rules", url: "https://github.com/gitleaks/gitleaks" }],
  compliance: SECRETS_COMPLIANCE,

  checkNix(ctx) {
    const lines = ctx.parsed.source.lines;
    // Attribute names are not values.
    for (const node of ctx.parsed.root.descendants(K.NODE_STRING)) if (!node.inside(K.NODE_ATTRPATH)) checkString(ctx, node, lines);
  },

  // Other files, and .nix files that do not parse (their secrets are found in the raw text).
  checkFile(ctx) {
    checkTextFile(ctx, ctx.unparsedNix);
  },
};
