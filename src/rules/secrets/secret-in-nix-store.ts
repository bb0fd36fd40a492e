// Secret material read or copied while evaluating: `builtins.readFile ./secrets/x`, `lib.fileContents`,
// `toString ./key`, `"${./key}"`, a secret file given directly as an option's value, or a run-time
// secret (`/run/agenix/x`, `config.age.secrets.x.path`) read at evaluation. Whatever evaluation
// reads or copies ends up in /nix/store, which every local user can read and which is copied to
// every machine the configuration is deployed to (and to binary caches). Also values of the
// repository's secrets computed at evaluation and written into a store file by NixOS itself: Nix's
// access tokens (`nix.settings.access-tokens`, an `access-tokens =` line of nix.extraOptions, into
// nix.conf) and the Wi-Fi networks of a secrets set (`networking.wireless.networks =
// secrets.wifi_networks`, into wpa_supplicant's configuration) (Baitinq-nixos-config: git-crypt
// protects the file in the repository, not the built system).
import { posix } from "node:path";
import { attrpathSegments, calleeName, flattenApply, staticString, unparen } from "../../nix/options.js";
import { resolveLexical } from "../../nix/scope.js";
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { attrName } from "../../nix/edit.js";
import { boundValue } from "../../nix/scope.js";
import { definitionOf, enclosingDefinition, valueSite } from "../nix-strings.js";
import type { NixFileContext, Rule, RuleFix } from "../types.js";
import { AGENIX, NIX_STORE_READABLE, NIXOS_WIKI_SECRETS, SECRETS_COMPLIANCE, SOPS_NIX } from "./compliance.js";
import { secretManagerEdit, secretManagerFor, type SecretManager } from "./secret-manager-edit.js";
import { pathLiteralTarget, runtimeSecretReference, secretMaterial, secretNameFor } from "./material.js";
import { hostExample } from "../shared/examples.js";
import { isDead } from "../shared/scope.js";
import { judgeGenericValue, SECURITY_KEY_HANDLE_NOTE } from "../../secrets/index.js";

/** A repository path in a test directory (`tests/ca.key`, `nixos/tests/fixtures/key.pem`). */
const TEST_DIRECTORY = /(?:^|\/)(?:tests?|testing|fixtures?|__tests__)\//;

/** The file context with its reports made info when a NixOS VM test takes a secret file kept with
 * the tests: a fixture of machines that exist only while the test runs (arianvp-nixos-stuff
 * tests/spire-http-challenge.nix's tests/ca.key: judged info; the scan alone caps tests at low).
 * A test reading the repository's own secrets (`../secrets/pw`) stays low. */
function testFixturesInfo(ctx: NixFileContext): NixFileContext {
  const c = Object.create(ctx) as NixFileContext;
  c.report = (r) =>
    ctx.report(
      r.node && r.severity !== "info" && TEST_DIRECTORY.test(r.key?.slice(r.key.indexOf(":") + 1) ?? "") && ctx.inTest(r.node)
        ? { ...r, severity: "info", message: `${r.message} It belongs to a NixOS VM test: a throwaway fixture for machines that exist only while the test runs (maintenance, not a leak: make sure no real machine uses it).` }
        : r,
    );
  return c;
}

/** Functions that read a file's content into the evaluation (or, `toString`, name its store copy). */
const READERS = new Set(["readFile", "fileContents", "toString", "importJSON", "importTOML", "readLines", "copyPathToStore"]);
/** Readers whose result can become a path without changing what kind of value it is used as
 * (`importJSON` parses the content: a path in its place would not make sense). */
const PATH_REPLACEABLE = new Set(["readFile", "fileContents", "toString", "copyPathToStore", "path"]);
/** Option namespaces that take encrypted files by design (the file itself is judged elsewhere). */
const ENCRYPTED_FILE_OPTIONS = /^(?:age|sops|vault-secrets|clan)\./;
/** Options of deployment tools that take a local secret file and ship it out of band, never through
 * the store: their type `apply`s `toString` to the path (nixus `secrets.files.<n>.file`, rsynced to
 * /var/keys: Infinisil/system's syncplay secret, judged wrong at critical; nixops
 * `deployment.keys.<n>.keyFile`). */
const OUT_OF_BAND_FILE_OPTIONS = /^(?:secrets\.files\.[^.]+\.file|deployment\.keys\.[^.]+\.keyFile)$/;
/** Readers that give a file's content as a string. */
const CONTENT_READERS = new Set(["readFile", "fileContents", "readLines"]);
/** Words of a path that name a secret: `private/`, `doauth`, `api-token`, `smtp.password`. A file
 * named for public material (authorized_keys, known_hosts, `*.pub`) is none. */
const SECRET_WORD = /^(?:private|secrets?|tokens?|keys?|passw(?:or)?ds?|passwd|pass|credentials?|creds|api[-_]?keys?|\w*auth|auth(?:key|token)s?)$/i;
const PUBLIC_FILE = /(?:^|\/)(?:authorized_keys\w*|known_hosts|[^/]*\.(?:pub|crt|cert|cer|nix|md|json|ya?ml|toml|conf|cfg|ini|txt\.example))$/i;
/** What a string says right before an interpolation that makes it a credential: `Bearer `,
 * `Authorization: `, `token=`, `--password `, `PASSWORD=`. */
const CREDENTIAL_BEFORE = /(?:bearer|basic|authorization:|token|password|passwd|secret|api[-_]?key)["']?\s*[=:]?\s*["']?$/i;

type Use =
  | { kind: "read"; fn: string; node: SyntaxNode }
  | { kind: "interpolated"; node: SyntaxNode }
  | { kind: "option"; path: string; node: SyntaxNode };

/** How a path literal is used, when the use reads or copies it at evaluation. */
function useOf(ctx: NixFileContext, pathNode: SyntaxNode): Use | undefined {
  let n: SyntaxNode = pathNode;
  while (n.parent?.kind === K.NODE_PAREN) n = n.parent;
  const p = n.parent;
  if (!p) return undefined;
  if (p.kind === K.NODE_INTERPOL) {
    // `"${./key}"`: the file is copied to the store and its store path interpolated.
    const owner = p.parent;
    if (owner?.kind === K.NODE_STRING) return { kind: "interpolated", node: owner };
    return undefined;
  }
  if (p.kind === K.NODE_APPLY && p.childNodes()[1] === n) {
    const name = calleeName(flattenApply(p).fn);
    if (name && READERS.has(name) && flattenApply(p).args.length === 1) return { kind: "read", fn: calleeText(p), node: p };
    return undefined;
  }
  if (p.kind === K.NODE_ATTRPATH_VALUE && p.childNodes()[1] === n && p.childNodes()[0]?.text === "path") {
    // `builtins.path { path = ./x; }` copies the file to the store.
    const set = p.parent;
    const top = set?.kind === K.NODE_ATTR_SET ? unparenTop(set) : undefined;
    const call = top?.parent;
    if (call?.kind === K.NODE_APPLY && call.childNodes()[1] === top && calleeName(flattenApply(call).fn) === "path") {
      return { kind: "read", fn: "builtins.path", node: call };
    }
  }
  const site = valueSite(pathNode);
  if (site) {
    const def = definitionOf(ctx.index, site.binding);
    if (def && !ENCRYPTED_FILE_OPTIONS.test(def.path) && !OUT_OF_BAND_FILE_OPTIONS.test(def.path) && def.path !== "imports" && !def.path.endsWith(".imports")) {
      return { kind: "option", path: def.path, node: pathNode };
    }
  }
  return undefined;
}

/**
 * A file read into a string while evaluating, that its name or the string shows to be a secret,
 * when the file's content is not among the scanned files (a private submodule, a git-ignored
 * file) or is one token: `"Authorization: Bearer ${lib.fileContents ../../external/private/doauth}"`
 * in a systemd script (Infinisil/system config/multimods/minecraft.nix, a DigitalOcean token
 * baked into the store and the image). The content interpolated into a script, a unit, an
 * environment or a configuration text is in the store with it.
 */
function secretReadIntoString(ctx: NixFileContext, use: Use, path: string): string | undefined {
  if (use.kind !== "read" || !CONTENT_READERS.has(use.fn.split(".").pop()!)) return undefined;
  if (PUBLIC_FILE.test(path)) return undefined;
  const interpol = interpolationOf(use.node);
  if (!interpol) return undefined;
  const f = path.startsWith("../") ? undefined : ctx.repoFile(path);
  if (f) {
    // In the scan: only a file that is one token (a config file holds more than a secret).
    const lines = (f.text ?? "").trim().split(/\r?\n/);
    if (f.text === undefined || lines.length !== 1 || !judgeGenericValue(lines[0]!).secret) return undefined;
  }
  const words = path.split(/[/._-]+/).filter(Boolean);
  const named = words.find((w) => SECRET_WORD.test(w));
  const before = textBefore(interpol);
  const credential = CREDENTIAL_BEFORE.test(before) ? (/(?:authorization:\s*)?(?:bearer|basic)\s*$|[\w-]*(?:token|password|passwd|secret|api[-_]?key)["']?\s*[=:]?\s*["']?$/i.exec(before)?.[0] ?? before.trim().slice(-30)) : undefined;
  if (!named && !credential) return undefined;
  const where = f ? "" : ", not among the scanned files (a private submodule or an ignored file)";
  return credential
    ? `interpolated as a credential: \`${credential}\${…}\`${where}`
    : `named like a secret ('${named}')${where}, interpolated into a string`;
}

/** The interpolation a value is written into directly (through parentheses), if any. */
function interpolationOf(node: SyntaxNode): SyntaxNode | undefined {
  let n = node;
  while (n.parent?.kind === K.NODE_PAREN) n = n.parent;
  return n.parent?.kind === K.NODE_INTERPOL && n.parent.parent?.kind === K.NODE_STRING ? n.parent : undefined;
}

/** The string's literal text on the interpolation's line, before it. */
function textBefore(interpol: SyntaxNode): string {
  const str = interpol.parent!;
  let text = "";
  for (const c of str.children) {
    if (c === interpol) break;
    text = c.isToken && (c.kind === K.TOKEN_STRING_CONTENT || c.kind === K.TOKEN_IND_STRING_CONTENT) ? text + c.text : c.isToken ? text : "";
  }
  return text.split("\n").pop() ?? "";
}

function unparenTop(n: SyntaxNode): SyntaxNode {
  let x = n;
  while (x.parent?.kind === K.NODE_PAREN) x = x.parent;
  return x;
}

/** The option the read or copied value is given to, if any (`passwordFile = toString ./x`). */
function optionOf(ctx: NixFileContext, use: Use): string | undefined {
  if (use.kind === "option") return use.path;
  const site = valueSite(use.node);
  return site && !site.partial ? definitionOf(ctx.index, site.binding)?.path : undefined;
}

function calleeText(apply: SyntaxNode): string {
  return flattenApply(apply).fn.text.replace(/\s+/g, " ");
}

/** A reader applied to a run-time secret: `readFile config.age.secrets.x.path`, `readFile "/run/secrets/x"`. */
function runtimeRead(apply: SyntaxNode): string | undefined {
  const { fn, args } = flattenApply(apply);
  const name = calleeName(fn);
  if (!name || !READERS.has(name) || name === "toString" || args.length !== 1) return undefined;
  const arg = unparen(args[0]);
  if (!arg) return undefined;
  if (arg.kind === K.NODE_SELECT && runtimeSecretReference(arg.text)) return arg.text;
  if (arg.kind === K.NODE_STRING) {
    const s = staticString(arg);
    if (s !== undefined && runtimeSecretReference(s)) return s;
    // "${config.age.secrets.x.path}"
    const parts = arg.childNodes();
    if (parts.length === 1 && parts[0]!.kind === K.NODE_INTERPOL) {
      const inner = unparen(parts[0]!.firstChild());
      if (inner && runtimeSecretReference(inner.text)) return inner.text;
    }
  }
  return undefined;
}

/** An option named for a file or path (`passwordFile`, `keyPath`): it takes the secret's location. */
function takesFile(option: string | undefined): boolean {
  return option !== undefined && /(?:File|file|Path|path)$/.test(option);
}

function steps(manager: SecretManager, name: string, repoPath: string | undefined, optionPath?: string): string {
  const top = manager === "sops-nix" ? "sops" : "age";
  const fileOption = takesFile(optionPath);
  const use = fileOption
    ? `set \`${optionPath} = config.${top}.secrets.${name}.path;\``
    : "hand the service the decrypted file at run time through an option that takes a file (`passwordFile`, `environmentFile`, systemd `LoadCredential=`/`EnvironmentFile=`) set to " +
      `\`config.${top}.secrets.${name}.path\``;
  const encrypt =
    manager === "sops-nix"
      ? `Put the secret in a sops file under the key \`${name}\` (\`sops secrets/${name}.yaml\`; .sops.yaml's creation rules give the recipients), declare ` +
        `\`sops.secrets.${name}.sopsFile = ./secrets/${name}.yaml;\``
      : `Encrypt the secret with agenix (\`agenix -e ${name}.age\`, recipients in secrets.nix) or sops-nix, declare \`age.secrets.${name}.file = ./${name}.age;\``;
  return (
    `${encrypt}, and ${use}. ` +
    (repoPath ? `Then delete the plaintext ${repoPath} from the repository and ` : "Then ") +
    "rotate the secret: it is already in the Nix store and in git history."
  );
}

function where(file: string): string {
  const dir = posix.dirname(file);
  return dir === "." ? "the repository's root" : `${dir}/`;
}

/** The secret manager's edit where one is safe to make; otherwise the steps, for the user to take. */
function fixFor(ctx: NixFileContext, use: Use, pathNode: SyntaxNode, name: string, repoPath: string | undefined, taken: Map<string, string>): RuleFix {
  const option = optionOf(ctx, use);
  const manual: RuleFix = { safety: "manual", description: steps(secretManagerFor(ctx, repoPath ?? ctx.file), name, repoPath, option) };
  if (!repoPath) return manual;
  const fn = use.kind === "read" ? use.fn.split(".").pop()! : undefined;
  if (fn !== undefined && !PATH_REPLACEABLE.has(fn)) return manual;
  const edit = secretManagerEdit(ctx, use.kind === "read" ? use.node : pathNode, pathNode, name, repoPath, taken);
  if (!edit) return manual;
  const givesContent = use.kind === "read" && fn !== "toString" && fn !== "copyPathToStore" && fn !== "path";
  const fileOption = takesFile(option);
  const attr = attrName(edit.name);
  const sops = edit.manager === "sops-nix";
  const secretAttr = `${sops ? "sops" : "age"}.secrets.${attr}`;
  const encrypt = sops
    ? `put the secret in that file under the key \`${edit.name}\` (\`sops ${posix.basename(edit.encryptedFile)}\` in ${where(edit.encryptedFile)}; .sops.yaml's creation rules give the recipients) and import the sops-nix NixOS module ` +
      "(`sops-nix.nixosModules.sops`, with a key to decrypt on the host: `sops.age.keyFile` or `sops.age.sshKeyPaths`)"
    : `encrypt the secret to that file (\`agenix -e ${posix.basename(edit.encryptedFile)}\` in ${where(edit.encryptedFile)}, whose secrets.nix lists the recipients) and import the agenix NixOS module ` +
      "(`agenix.nixosModules.default`)";
  return {
    safety: "review",
    edits: edit.edits,
    description:
      `Replace the store copy with ${edit.reference}, the file ${edit.manager} decrypts at activation, and declare ` +
      `\`${edit.fileOption} = ${edit.literal};\`. Before applying: ${encrypt} in the hosts that use this file: until both are done, evaluation fails and apply rolls back. ` +
      (givesContent && !fileOption
        ? `Check every use: the value is now the path of the decrypted file, not the secret itself, so wherever it was used as the secret, hand that path to an option that takes a file (\`passwordFile\`, \`environmentFile\`, systemd \`LoadCredential=\`). `
        : "") +
      `The decrypted file is root-only (0400): set \`${secretAttr}.owner\` to the user of the service that reads it. ` +
      `Then delete the plaintext ${repoPath} and rotate the secret: it is already in the Nix store and in git history.`,
  };
}

/** Options that take the location of a secret (`hashedPasswordFile`, `environmentFile`,
 * `tokenFile`, `keyFile`...): what they point at should be a run-time file outside the store. */
const SECRET_LOCATION_OPTION = /(?:password|passwd|hashedPassword|token|secret|key|credentials?|psk|auth|environment|env)s?File$/i;

/**
 * A secret-file option given a file of the flake's own source by name: `"${self}/secrets/root.hash"`,
 * `"${inputs.self}/..."`, `"${./.}/..."`. The flake's source is a store path, so the file is in
 * the world-readable store whatever the option does with it (TheMaxMur-NixOS-Configuration's root
 * and user password hashes). A path literal (`./secrets/x`) is the check above's; this is the
 * string spelling of the same thing. Medium for a password hash (cracked offline), high otherwise.
 */
function checkSourcePaths(ctx: NixFileContext): void {
  for (const def of ctx.index.definitions) {
    const last = def.segments.at(-1);
    if (!last || last.dynamic || !SECRET_LOCATION_OPTION.test(last.name) || ENCRYPTED_FILE_OPTIONS.test(def.path) || OUT_OF_BAND_FILE_OPTIONS.test(def.path)) continue;
    const str = unparen(def.inner);
    if (str?.kind !== K.NODE_STRING) continue;
    const first = str.children.find((c) => !(c.isToken && (c.kind === K.TOKEN_STRING_START || c.kind === K.TOKEN_IND_STRING_START)));
    if (!first || first.isToken || first.kind !== K.NODE_INTERPOL) continue;
    const base = unparen(first.firstChild())?.text.replace(/\s+/g, "");
    if (!base || !/^(?:self|inputs\.self|\.{1,2}(?:\/\.\.)*\/?\.?)$/.test(base)) continue;
    const rest = str.text.slice(first.end - str.start).replace(/["']+$/, "");
    // Public files, and encrypted ones (the option is then misused, but nothing is disclosed).
    if (!rest.startsWith("/") || PUBLIC_FILE.test(rest) || /\.(?:age|gpg|asc|enc)$/i.test(rest)) continue;
    const hash = /hashedPassword/i.test(last.name);
    ctx.report({
      node: str,
      optionPath: def.path,
      severity: hash ? "medium" : "high",
      key: `source:${def.path}`,
      message:
        `${def.path} is given \`${str.text.replace(/\s+/g, " ")}\`, a file of the flake's own source: the source is copied into the Nix store, so the ${hash ? "password hash" : "secret"} is world-readable there on every machine it is built for (and in binary caches), whatever the option does with it` +
        (hash ? "; a hash is cracked offline, so a weak password falls." : "."),
      fix: {
        safety: "manual",
        description: `Keep the file encrypted (agenix or sops-nix; for a password hash, sops.secrets.<name>.neededForUsers = true) and set ${def.path} to its decrypted path (config.age.secrets.<name>.path / config.sops.secrets.<name>.path); then rotate it.`,
      },
    });
  }
}

/** Is an interpolated expression a run-time reference (a sops placeholder, a secret's path), not
 * the token itself? */
function runtimeReference(text: string): boolean {
  return /(?:\.placeholder\b|\.path$|^config\.(?:age|sops)\.)/.test(text.replace(/\s+/g, ""));
}

/** Nix access tokens written into nix.conf from a computed value: nix.settings.access-tokens (a
 * string or a list), or an `access-tokens = ...` line of nix.extraOptions that is not an
 * `!include`, interpolating something that is not a run-time reference. A literal token is
 * hardcoded-secret's (one finding for it). */
function checkAccessTokens(ctx: NixFileContext): void {
  for (const def of ctx.index.definitions) {
    if (isDead(def) || !def.inner) continue;
    const settings = /^(?:home-manager\.users\.[^.]+\.)?nix\.settings\.(?:access-tokens|"access-tokens")$/.test(def.path);
    const extra = /^(?:home-manager\.users\.[^.]+\.)?nix\.extraOptions$/.test(def.path);
    if (!settings && !extra) continue;
    const value = unparen(def.inner)!;
    for (const str of value.kind === K.NODE_LIST ? value.childNodes() : [value]) {
      let made: string | undefined;
      let shown: string;
      if (str.kind === K.NODE_STRING) {
        if (staticString(str) !== undefined) continue;
        const raw = str.text.replace(/^(?:''|")|(?:''|")$/g, "");
        const line = extra ? raw.split("\n").find((l) => /^\s*(?:extra-)?access-tokens\s*=/.test(l)) : raw;
        if (!line) continue;
        const interps = [...line.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]!.trim());
        made = interps.find((i) => !runtimeReference(i));
        if (!made) continue;
        shown = line.trim().replace(/^(?:extra-)?access-tokens\s*=\s*/, "");
      } else {
        // A whole value given by an expression: only one naming a secret set's entry.
        if (!settings || !/(?:^|\.)(?:secrets?|tokens?)\b/i.test(str.text) || runtimeReference(str.text)) continue;
        made = str.text.replace(/\s+/g, " ");
        shown = `\${${made}}`;
      }
      const where = settings ? def.path : `an access-tokens line of ${def.path}`;
      ctx.report({
        node: str,
        optionPath: def.path,
        severity: "high",
        title: "Nix access token written into nix.conf",
        evidence: `${settings ? def.path : "access-tokens"} = ${shown.slice(0, 100)}`,
        message:
          `${where} gives Nix an access token (for fetching private flakes, raising API limits) made from \`${made}\` at evaluation: ` +
          "the value is written into nix.conf, a file of the world-readable Nix store (/etc/nix/nix.conf links there), so every local user and process can read the token, whatever protects it in the repository (git-crypt, a private input).",
        fix: {
          safety: "manual",
          description: 'Keep the token in a run-time secret and include it: nix.extraOptions = "!include ${config.age.secrets.nix-access-tokens.path}" (or sops-nix), the file holding `access-tokens = github.com=<token>`, readable by root (and the users that need it). Revoke the token that is in the store.',
        },
      });
    }
  }
}

/** A file whose name says it holds secrets (`./secrets.nix`, `./load-secrets.nix`, `./passwords.nix`). */
const SECRETS_FILE = /(?:^|[/_-])(?:secrets?|passwords?|passwd|credentials?|creds)(?:[._-][\w.-]*)?\.nix$|(?:^|[/_-])(?:secrets?|passwords?|credentials?)\/?$/i;
/** Entries of a secrets set that name public things (a user name, an address, an ID). */
const PUBLIC_ENTRY = /(?:user(?:name)?|login|e?mail|domain|host(?:name)?|addr(?:ess)?|prefix|ipv?[46]?|port|id|name|url|ssid|fingerprint|pub(?:lic)?(?:key)?)$/i;
/** Options whose value is a hash or a file, not the secret: their own rules judge them. */
const NOT_PLAINTEXT_OPTION = /(?:hashedPassword|initialHashedPassword|File|Path|Dir(?:ectory)?)$/;
const WRITERS = /^(?:writeText|writeTextFile|writeTextDir|writeShellScript|writeShellScriptBin|writeScript|writeScriptBin|writeShellApplication|toFile)$/;

/**
 * Entries of a secrets set imported as plain Nix (`passwords = import ./load-secrets.nix;`, git-crypt
 * or gitignored) used in what NixOS writes into the store: interpolated into an option's text
 * (`services.hydra.extraConfig` with `${token1}` under `with passwords;`), into a writeText /
 * writeTextFile (an snmpd.conf's community), or given as an option's value
 * (`authentication.wpaPassword = secrets.wifiPassword`, into hostapd's configuration).
 * cleverca22-nixos-configs nas-hydra.nix, snmpd.nix, nas-wifi.nix (missed). Whatever keeps the file
 * out of the repository, the built system has the value in the world-readable store. Entries
 * named for public things (user names, addresses, IDs), hashes and file options are left alone;
 * Nix access tokens and wpa_supplicant networks are reported by their own checks above.
 */
function checkSecretsSetIntoStore(ctx: NixFileContext): void {
  if (!/\bimport\b/.test(ctx.text)) return;
  const sets = new Set<SyntaxNode>();
  for (const apply of ctx.parsed.root.descendants(K.NODE_APPLY)) {
    const { fn: callee, args } = flattenApply(apply);
    if (calleeName(callee) !== "import" || args.length !== 1) continue;
    const target = unparen(args[0]);
    const text = target?.kind === K.NODE_PATH ? target.text : target?.kind === K.NODE_STRING ? (staticString(target) ?? "") : "";
    if (!SECRETS_FILE.test(text)) continue;
    // Bound to a name (`passwords = import ./load-secrets.nix;`).
    if (apply.parent?.kind === K.NODE_ATTRPATH_VALUE) sets.add(apply);
  }
  if (sets.size === 0) return;
  const isSet = (ident: SyntaxNode | undefined) => {
    if (ident?.kind !== K.NODE_IDENT) return false;
    const v = resolveLexical(ident)?.value;
    return v !== undefined && sets.has(unparen(v) ?? v);
  };
  // Uses: `secrets.snmp`, and `${token1}` under `with passwords;`.
  const uses: Array<{ node: SyntaxNode; entry: string; set: string }> = [];
  for (const sel of ctx.parsed.root.descendants(K.NODE_SELECT)) {
    const [base, path] = sel.childNodes();
    if (!isSet(base) || !path) continue;
    const segs = attrpathSegments(path);
    if (segs.length === 0 || segs.some((x) => x.dynamic)) continue;
    uses.push({ node: sel, entry: segs.map((x) => x.name).join("."), set: base!.text });
  }
  for (const w of ctx.parsed.root.descendants(K.NODE_WITH)) {
    const [env, body] = w.childNodes();
    if (!isSet(unparen(env)) || !body) continue;
    for (const id of body.descendants(K.NODE_IDENT)) {
      if (id.parent?.kind !== K.NODE_INTERPOL || resolveLexical(id)) continue;
      uses.push({ node: id, entry: id.text, set: unparen(env)!.text });
    }
  }
  const seen = new Set<string>();
  for (const use of uses) {
    const last = use.entry.split(".").at(-1)!;
    if (PUBLIC_ENTRY.test(last) && !/pass|secret|token|key|psk/i.test(last)) continue;
    // Where it lands: a writer's text, or an option's value.
    let writer: string | undefined;
    for (let p = use.node.parent; p && !writer; p = p.parent) {
      if (p.kind === K.NODE_APPLY) {
        const name = calleeName(flattenApply(p).fn);
        if (name && WRITERS.test(name)) writer = name;
        if (name === "import" || name === "readFile" || name === "toJSON" || name === "trace") break;
      }
    }
    const def = enclosingDefinition(ctx.index, use.node);
    if (!writer && (!def || isDead(def))) continue;
    if (def && (ENCRYPTED_FILE_OPTIONS.test(def.path) || NOT_PLAINTEXT_OPTION.test(def.path) || /^(?:home-manager\.users\.[^.]+\.)?nix\.(?:settings\.(?:access-tokens|"access-tokens")|extraOptions)$/.test(def.path) || def.path === "networking.wireless.networks")) continue;
    const interpolated = use.node.parent?.kind === K.NODE_INTERPOL || use.node.ancestors().some((a) => a.kind === K.NODE_INTERPOL);
    const where = writer ? `the text of a ${writer} (a file of the store)` : `${def!.path}${interpolated ? " (interpolated into its text)" : ""}`;
    const key = `${writer ?? def!.path}:${use.entry}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const strong = /pass|secret|token|psk|key|cred/i.test(last);
    ctx.report({
      node: use.node,
      optionPath: def?.path,
      key: `secrets-set:${key}`,
      severity: strong ? "high" : "medium",
      title: "Secret from a Nix secrets file written into the store",
      evidence: `${use.set}.${use.entry} in ${writer ?? def!.path}`,
      message:
        `\`${use.set}\` is imported from a secrets file as plain Nix, and its entry ${use.entry} is used in ${where}: NixOS writes that into the world-readable Nix store, so every local user and process (and every machine or cache the system is copied to) can read the value, whatever keeps the file out of the repository.`,
      fix: {
        safety: "manual",
        description: `Keep ${use.entry} in a run-time secret (agenix, sops-nix) and hand the service the file: the option's *File variant where it has one (hostapd's wpaPasswordFile, a passwordFile), an include of a root-only file in its configuration (Hydra's \`Include\`), or a configuration rendered at activation (sops templates, envsubst in ExecStartPre). Rotate the value: it is in the store already.`,
      },
    });
  }
}

/** `networking.wireless.networks` given as a whole by an entry of the repository's secrets set
 * (`secrets.wifi_networks`, `secrets.wifi.networks`): the passphrases come from evaluation, so
 * wpa_supplicant's generated configuration in the store holds them. Silent when the file gives
 * wpa_supplicant a run-time secrets file (the set may then hold only `ext:` references). */
function checkWifiFromSecrets(ctx: NixFileContext): void {
  const live = ctx.index.definitions.filter((d) => !isDead(d));
  if (live.some((d) => /^networking\.wireless\.(?:secretsFile|environmentFile)$/.test(d.path))) return;
  for (const def of live) {
    if (def.path !== "networking.wireless.networks" || !def.inner) continue;
    const v = unparen(def.inner);
    if (v?.kind !== K.NODE_SELECT || !/^secrets?\./.test(v.text.replace(/\s+/g, ""))) continue;
    ctx.report({
      node: v,
      optionPath: def.path,
      severity: "medium",
      title: "Wi-Fi passphrases from an evaluated secrets set",
      evidence: `${def.path} = ${v.text};`,
      message:
        `${def.path} takes every network from \`${v.text}\`, a value of the repository's secrets evaluated at build time: the passphrases it holds (psk) are written into wpa_supplicant's generated configuration in the world-readable Nix store, whatever protects the file in the repository (git-crypt, a private input). Anyone with a local account reads them.`,
      fix: { safety: "manual", description: 'Keep the passphrases in a run-time secret: networking.wireless.secretsFile (from agenix/sops-nix) with pskRaw = "ext:psk_<name>" in each network (older NixOS: environmentFile with psk = "@PSK_NAME@").' },
    });
  }
}

// Private keys made inside a derivation's build: its output is a store path, so a key the build
// generates and installs is world-readable on every machine that has it, and served by every cache
// that has built it (wochap-nix-config packages/generate-ssc: `mkcert -install` in buildPhase and
// the CAROOT, rootCA-key.pem included, copied to $out, then trusted system-wide through
// security.pki.certificateFiles; judged missed). The commands that make a private key, in a build
// phase or a runCommand script that writes $out. A key generated at run time (ExecStartPre, an
// activation script, writeShellScript) is another matter and silent here.
const KEYGEN = [
  { re: /(?:^|[\s;&|(]|\/bin\/)mkcert(?=[ \t]|$)/m, what: "mkcert (it creates a local CA, rootCA-key.pem, and the leaf keys)" },
  { re: /\bopenssl\s+(?:genrsa|genpkey|ecparam\b[^\n]*-genkey|req\b[^\n]*(?:-newkey|-keyout))/, what: "openssl generating a private key" },
  { re: /\bssh-keygen\b(?![^\n]*\s-[ylRFDeiL]\b)[^\n]*\s-[ft]\b/, what: "ssh-keygen generating a key pair" },
  { re: /\bwg\s+genkey\b/, what: "wg genkey" },
  { re: /\b(?:step\s+certificate\s+create|certtool\s+--generate-privkey|cfssl\s+gencert|nebula-cert\s+(?:ca|sign)|age-keygen|nix-store\s+--generate-binary-cache-key|nix\s+key\s+generate-secret)\b/, what: "a key-generating tool" },
];
const BUILD_PHASES = new Set(["buildPhase", "installPhase", "buildCommand", "postInstall", "postBuild", "preInstall", "configurePhase", "postFixup", "unpackPhase"]);
const RUN_COMMANDS = new Set(["runCommand", "runCommandLocal", "runCommandNoCC", "runCommandCC"]);
const WRITES_OUT = /\$out\b|\$\{out\}|\$\{placeholder\s+"out"\}/;

function checkKeysBuiltIntoStore(ctx: NixFileContext): void {
  if (!/mkcert|openssl|ssh-keygen|genkey|step\s|certtool|cfssl|nebula-cert|age-keygen|generate-binary-cache-key|generate-secret/.test(ctx.text)) return;
  // A derivation's phases, per attribute set: one phase may make the key and another install it.
  const scripts: Array<{ node: SyntaxNode; where: string; writesOut: boolean }> = [];
  for (const set of ctx.parsed.root.descendants(K.NODE_ATTR_SET)) {
    const phases: Array<{ node: SyntaxNode; name: string }> = [];
    for (const b of set.childNodes()) {
      if (b.kind !== K.NODE_ATTRPATH_VALUE) continue;
      const name = b.firstChild(K.NODE_ATTRPATH)?.text.trim();
      const value = b.childNodes()[1];
      if (name && BUILD_PHASES.has(name) && value?.kind === K.NODE_STRING) phases.push({ node: value, name });
    }
    const writesOut = phases.some((ph) => WRITES_OUT.test(ph.node.text));
    for (const ph of phases) scripts.push({ node: ph.node, where: `the derivation's ${ph.name}`, writesOut });
  }
  for (const a of ctx.parsed.root.descendants(K.NODE_APPLY)) {
    if (a.parent?.kind === K.NODE_APPLY) continue;
    const { fn, args } = flattenApply(a);
    const callee = calleeName(fn);
    const script = args.at(-1);
    if (callee && RUN_COMMANDS.has(callee) && args.length === 3 && script?.kind === K.NODE_STRING) scripts.push({ node: script, where: `${callee}'s build script`, writesOut: true });
  }
  // A NixOS VM test's keys (or a test helper's) are made for throwaway machines: no secret
  // (ibizaman-selfhostblocks test/common.nix, runCommand "gen-private-key").
  const testFile = /(?:^|\/)(?:tests?|checks)\//.test(ctx.file);
  for (const { node, where, writesOut } of scripts) {
    const text = node.text;
    if (!writesOut || testFile || ctx.inTest(node)) continue;
    const gen = KEYGEN.find((k) => k.re.test(text));
    if (!gen) continue;
    ctx.report({
      node,
      key: `build-keygen:${where}`,
      severity: "high",
      title: "private key generated during a build, stored in the Nix store",
      message:
        `${where[0]!.toUpperCase()}${where.slice(1)} runs ${gen.what}, and the derivation installs what it makes into its output: the private key is then a file of the world-readable Nix store, ` +
        "readable by every local user and process, copied to every machine that gets this closure and served by every binary cache that built it. " +
        "A CA key there lets anyone who reads it issue certificates every client trusting that CA accepts; a server key, impersonate the server.",
      fix: {
        safety: "manual",
        description:
          "Generate the key at run time, outside the store (a systemd oneshot with StateDirectory=, or security.acme for TLS), or generate it once, keep it encrypted with agenix/sops-nix and point the service at the decrypted path; keep only certificates in derivations. Rotate the key: it is already in the store of every machine that built this.",
      },
    });
  }
}

/** Options naming a private key file, a store path of a derivation's output given to them
 * (`sslCertificateKey = "${ssc}/example.org-key.pem"`), and the system trust store given a key
 * (security.pki.certificateFiles is concatenated into /etc/ssl/certs, readable by everyone). */
const KEY_OPTION = /(?:^|\.)(?:sslCertificateKey|sslKey|tlsKey|tls_key|ssl_key|keyFile|privateKeyFile|privateKey|key|certificateKey)$/;
const KEY_NAME = /(?:-key\.pem|_key\.pem|\.key|privkey\.pem|key\.pem)$/i;

function checkKeyOptionsFromDerivations(ctx: NixFileContext): void {
  if (!/key\.pem|\.key\b|privkey/i.test(ctx.text)) return;
  for (const def of ctx.index.definitions) {
    if (isDead(def) || !def.inner) continue;
    const pki = def.path === "security.pki.certificateFiles";
    if (!pki && !KEY_OPTION.test(def.path)) continue;
    const strings = def.inner.kind === K.NODE_STRING ? [def.inner] : def.inner.descendants(K.NODE_STRING);
    for (const str of strings) {
      const m = /^"\$\{\s*([^{}]+?)\s*\}(\/[^"$]*)"$/.exec(str.text);
      if (!m || !KEY_NAME.test(m[2]!)) continue;
      const expr = m[1]!.replace(/\s+/g, "");
      // The flake's own source and its inputs are judged by the file's content (above); run-time
      // secret paths are the right way.
      if (/^(?:self|inputs\.|config\.(?:age|sops)\.|config\.security\.acme)/.test(expr) || /^(?:toString)/.test(expr)) continue;
      if (!/^[A-Za-z_][\w'-]*(?:\.[\w'-]+)*$/.test(expr)) continue;
      // A run-time directory named through an option (`certs.directory` of security.acme.certs,
      // clan-lol-clan-infra's kanidm tls_key), not a derivation.
      const runTime = (e: string) => /(?:^|\.)config\.|\.(?:directory|path|dir|stateDir|dataDir|certDir)$/.test(e.replace(/\s+/g, ""));
      if (runTime(expr)) continue;
      // Also through a let binding (isabelroses-dotfiles kanidm.nix: `certDir = certs.directory`).
      const head = str.firstChild(K.NODE_INTERPOL)?.descendants(K.NODE_IDENT)[0];
      const bound = head ? boundValue(head) : undefined;
      if (bound && (/\bconfig\b/.test(bound.text) || runTime(bound.text))) continue;
      ctx.report({
        node: str,
        optionPath: def.path,
        key: `derivation-key:${def.path}`,
        severity: "high",
        title: pki ? "private key added to the system trust store" : "private key read from a derivation's output in the Nix store",
        message: pki
          ? `${def.path} is given ${str.text}, which names a private key (${m[2]!.slice(1)}) in the output of ${expr}: it sits in the world-readable Nix store, and NixOS concatenates the trust store's files into /etc/ssl/certs, readable by everyone.`
          : `${def.path} is given ${str.text}: the private key is a file of ${expr}'s output, a store path, so every local user and process can read it, and every machine and binary cache holding the closure has a copy.`,
        fix: {
          safety: "manual",
          description: pki
            ? "Give security.pki.certificateFiles the CA certificate only (rootCA.pem), and move the key out of the store."
            : "Keep the key out of the store: generate it at run time (security.acme, or a oneshot writing to a StateDirectory) or keep it encrypted with agenix/sops-nix and pass the decrypted path; the derivation should hold certificates only. Rotate the key.",
        },
      });
    }
  }
}

/** Examples' sops files: every value encrypted. */
const SOPS_ENC = "ENC[AES256_GCM,data:3q2+7w==,iv:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]";
const SOPS_YAML = `password: ${SOPS_ENC}\nsops:\n    age:\n        - recipient: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\n    lastmodified: "2025-01-01T00:00:00Z"\n    mac: ${SOPS_ENC}\n    version: 3.9.0\n`;
const SOPS_DOTENV = `API_TOKEN=${SOPS_ENC}\nPROXY=\nsops_lastmodified=2025-01-01T00:00:00Z\nsops_mac=${SOPS_ENC}\nsops_version=3.9.0\n`;

export const secretInNixStore: Rule = {
  id: "secret-in-nix-store",
  examples: {
    fire: [
      hostExample(`{ services.myapp.password = builtins.readFile ./secrets/myapp-password; }\n`),
      // A token from a private submodule (not among the scanned files) interpolated into a script.
      hostExample(`{ lib, ... }:
{
  systemd.services.destroy-droplet.script = ''
    curl -X DELETE -H "Authorization: Bearer \${lib.fileContents ./external/private/do-api}" "https://api.digitalocean.com/v2/droplets/$id"
  '';
}
`),
      // A password hash named inside the flake's source: the source is a store path.
      hostExample(`{ self, ... }: { users.users.root.hashedPasswordFile = "\${self}/secrets/hashes/root.hash"; }\n`),
      // A token from a git-crypt'd set evaluated at build time: nix.conf is in the store all the same.
      hostExample(`{ lib, ... }:\nlet secrets = import ./secrets.nix; in {\n  nix.settings.access-tokens = "github.com=\${secrets.github_access_token}";\n}\n`, "configuration.nix", { "secrets.nix": "{ github_access_token = \"ghp_replace_me_with_a_token\"; }\n" }),
      hostExample(`{ secrets, ... }: {\n  networking.wireless = { enable = true; networks = secrets.wifi_networks; };\n}\n`),
      // A local CA made by mkcert inside a build and installed into $out; its key given to nginx.
      hostExample(`{ pkgs, ... }:\nlet\n  ssc = pkgs.stdenv.mkDerivation {\n    name = "ssc";\n    dontUnpack = true;\n    nativeBuildInputs = [ pkgs.mkcert ];\n    buildPhase = "export CAROOT=$TMPDIR/ca; mkcert -install; mkcert example.test";\n    installPhase = "mkdir -p $out; cp $TMPDIR/ca/* example.test*.pem $out/";\n  };\nin {\n  services.nginx.virtualHosts."example.test" = { forceSSL = true; sslCertificate = "\${ssc}/example.test.pem"; sslCertificateKey = "\${ssc}/example.test-key.pem"; };\n}\n`),
      // Entries of a plain-Nix secrets set written into the store: a Hydra config's tokens, an snmpd.conf.
      hostExample(`{ pkgs, ... }:\nlet passwords = import ./load-secrets.nix; in {\n  services.hydra = { enable = true; hydraURL = "http://localhost:3000"; notificationSender = "hydra@localhost"; extraConfig = with passwords; ''\n    <github_authorization>\n      example = \${token1}\n    </github_authorization>\n  ''; };\n  systemd.services.snmpd.serviceConfig.ExecStart = "\${pkgs.net-snmp}/bin/snmpd -f -c \${pkgs.writeText "snmpd.conf" "rocommunity \${passwords.snmp}"}";\n}\n`, "configuration.nix", { "load-secrets.nix": "{ token1 = \"\"; snmp = \"\"; }\n" }),
      // A secrets folder given whole as a path: one of its files is a plaintext token.
      hostExample(`{ services.myapp.secretsDir = ./secrets/myapp; }\n`, "configuration.nix", { "secrets/myapp/api-token": "Zx81QmTr0VbN4kWq2Lp7Hs9D\n", "secrets/myapp/db.yaml": SOPS_YAML }),
    ],
    silent: [
      hostExample(`{ services.myapp.passwordFile = "/run/secrets/myapp-password"; }\n`),
      // nixus: the option applies toString to the path and the file is rsynced to /var/keys.
      hostExample(`{ secrets.files.syncplay.file = ./external/private/secrets/syncplay; }\n`),
      // A public key and a banner interpolated into text: nothing secret in the store.
      hostExample(`{ environment.etc.motd.text = "\${builtins.readFile ./motd}\\nadmin key: \${builtins.readFile ./keys/admin.pub}"; }\n`),
      // A sops secret's path, and a non-secret file of the source.
      hostExample(`{ self, config, ... }: {\n  users.users.root.hashedPasswordFile = config.sops.secrets.root-hash.path;\n  services.foo.configFile = "\${self}/config/foo.conf";\n  services.bar.keyFile = "\${self}/keys/bar.pub";\n}\n`),
      // The token included from a run-time secret file, or rendered by sops at activation.
      hostExample(`{ config, ... }: {\n  nix.extraOptions = "!include \${config.age.secrets.nix-access-tokens.path}";\n  sops.templates."nix-tokens.conf".content = "access-tokens = github.com=\${config.sops.placeholder.github-token}";\n}\n`),
      // The set holds only ext: references, resolved from a run-time secrets file.
      hostExample(`{ secrets, config, ... }: {\n  networking.wireless = { enable = true; secretsFile = config.sops.secrets.wifi.path; networks = secrets.wifi_networks; };\n}\n`),
      // A key generated at run time (a oneshot), a certificate from a derivation, and a test key pair made in checkPhase and thrown away.
      hostExample(`{ config, pkgs, ... }:\nlet\n  certs = pkgs.runCommand "certs" { } "mkdir $out; cp \${./ca.pem} $out/ca.pem";\n  acme = config.security.acme.certs."idm.example.org";\n  certDir = acme.directory;\n  tool = pkgs.stdenv.mkDerivation { name = "tool"; src = ./.; checkPhase = "openssl genrsa -out $TMPDIR/test.key 2048; ./run-tests"; installPhase = "install -Dm755 tool $out/bin/tool"; };\nin {\n  environment.systemPackages = [ tool ];\n  security.pki.certificateFiles = [ "\${certs}/ca.pem" ];\n  services.kanidm.server.settings.tls_key = "\${acme.directory}/key.pem";\n  services.foo.sslCertificateKey = "\${certDir}/key.pem";\n  systemd.services.mkkey = { wantedBy = [ "multi-user.target" ]; serviceConfig = { Type = "oneshot"; StateDirectory = "mkkey"; }; script = "[ -e /var/lib/mkkey/key.pem ] || \${pkgs.openssl}/bin/openssl genrsa -out /var/lib/mkkey/key.pem 4096"; };\n}\n`, "configuration.nix", { "ca.pem": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n" }),
      // Public entries of the set, a hash (user-plaintext-password's) and a secret file's path.
      hostExample(`{ ... }:\nlet secrets = import ./secrets.nix; in {\n  users.users.alice = { isNormalUser = true; hashedPassword = secrets.aliceHash; description = "\${secrets.fullName}"; };\n  networking.interfaces.eth0.ipv6.addresses = [ { address = "\${secrets.ipv6Prefix}::1"; prefixLength = 64; } ];\n  services.foo.passwordFile = secrets.fooPasswordFile;\n}\n`, "configuration.nix", { "secrets.nix": "{ aliceHash = \"!\"; fullName = \"Alice\"; ipv6Prefix = \"2001:db8\"; fooPasswordFile = \"/run/keys/foo\"; }\n" }),
      // A secrets folder given whole as a path, holding only sops-encrypted files: ciphertext in the store.
      hostExample(`{ services.myapp.secretsDir = ./secrets/myapp; }\n`, "configuration.nix", { "secrets/myapp/db.yaml": SOPS_YAML, "secrets/myapp/api.env": SOPS_DOTENV }),
    ],
  },
  name: "secret copied into the Nix store at evaluation",
  category: "secrets",
  severity: "critical",
  rationale:
    "Anything evaluation reads (`builtins.readFile`, `lib.fileContents`) or copies (`\"${./file}\"`, a path as an option value) lands in /nix/store, which every local user and process can read, which is copied to every machine the configuration is deployed to, and which binary caches serve. A secret there is disclosed.",
  fix: "Keep secrets encrypted in the repository (agenix, sops-nix) and give services the path of the decrypted file at run time (`config.age.secrets.<name>.path`, `config.sops.secrets.<name>.path`) through an option that takes a file, or systemd LoadCredential=. Rotate the exposed secret.",
  references: [NIX_STORE_READABLE, AGENIX, SOPS_NIX, NIXOS_WIKI_SECRETS],
  compliance: SECRETS_COMPLIANCE,

  checkNix(scanned) {
    const ctx = testFixturesInfo(scanned);
    checkSourcePaths(ctx);
    checkAccessTokens(ctx);
    checkWifiFromSecrets(ctx);
    checkSecretsSetIntoStore(ctx);
    checkKeysBuiltIntoStore(ctx);
    checkKeyOptionsFromDerivations(ctx);
    const reported = new Set<SyntaxNode>();
    // Names given to secrets by this file's fixes (two files named `token` need two names).
    const secretNames = new Map<string, string>();
    // Applications and paths in source order; nothing inside a path (its interpolations) is looked at.
    const root = ctx.parsed.root;
    const nodes = [...root.descendants(K.NODE_APPLY), ...root.descendants(K.NODE_PATH)].sort((a, b) => a.preIndex - b.preIndex);
    for (const node of nodes) {
      if (node.inside(K.NODE_PATH)) continue;
      if (node.kind === K.NODE_APPLY) {
        const what = runtimeRead(node);
        if (what && !reported.has(node)) {
          reported.add(node);
          const fn = calleeText(node);
          ctx.report({
            node,
            message:
              `${fn} reads the run-time secret ${what} while evaluating: that needs --impure, only works on a machine that has the decrypted secret, ` +
              "and copies its plaintext into the world-readable Nix store.",
            key: `runtime:${what}`,
            fix: {
              safety: "manual",
              description: `Pass the path instead of the content: give the service ${what} through an option that takes a file (\`passwordFile\`, \`environmentFile\`, systemd \`LoadCredential=\`) and let it read the secret at run time.`,
            },
          });
        }
        continue;
      }
      const target = pathLiteralTarget(ctx.file, node);
      if (!target) continue;
      const use = useOf(ctx, node);
      if (!use || reported.has(use.node)) continue;
      let what: string;
      let reason: string;
      let handle = false;
      if (target.kind === "absolute") {
        // An option pointing at /run/agenix/x is the right way; reading or copying it is not.
        if (use.kind === "option" || !runtimeSecretReference(target.path)) continue;
        what = target.path;
        reason = "a run-time secret location";
      } else {
        const material = secretMaterial(ctx.repoFile, target.path, ctx.repoFilesUnder);
        const byUse = material ? undefined : secretReadIntoString(ctx, use, target.path);
        if (!material && !byUse) continue;
        what = target.path;
        reason = material?.reason ?? byUse!;
        handle = material?.cls?.securityKeyHandle === true;
        if (byUse && use.kind === "read") {
          reported.add(use.node);
          ctx.report({
            node: use.node,
            key: `${use.kind}:${what}`,
            message: `${use.fn} reads ${what} (${reason}) while evaluating: its content ends up in the world-readable Nix store, on every machine the configuration is deployed to, and in every image or cache built from it.`,
            fix: {
              safety: "manual",
              description:
                `Read it at run time instead: deploy ${posix.basename(what)} outside the store (the repository's secret mechanism, agenix or sops-nix, or systemd \`LoadCredential=\`) and have the script or service read the file (\`$(cat "$CREDENTIALS_DIRECTORY/${secretNameFor(what)}")\`). ` +
                "Then rotate it: it is already in the Nix store of every machine that built this.",
            },
          });
          continue;
        }
      }
      reported.add(use.node);
      const name = secretNameFor(what);
      const repoPath = target.kind === "repo" ? what : undefined;
      const how =
        use.kind === "read"
          ? `${use.fn} reads ${what} (${reason}) while evaluating`
          : use.kind === "interpolated"
            ? `interpolating ${what} (${reason}) into a string copies the file into the Nix store`
            : `${use.path} is given ${what} (${reason}) as a path, which is copied into the Nix store when the configuration is built`;
      // A FIDO2 security-key handle in the store discloses nothing usable without the token
      // (MatthewCroughan-nixcfg home.file.".ssh/id_ed25519_sk".source, judged wrong at critical).
      if (handle) {
        ctx.report({
          node: use.node,
          optionPath: use.kind === "option" ? use.path : undefined,
          key: `${use.kind}:${what}`,
          severity: "info",
          title: "FIDO2 security-key handle in the Nix store",
          message:
            `${what} is ${SECURITY_KEY_HANDLE_NOTE}. ` +
            (use.kind === "read" ? `${use.fn} reads it while evaluating` : use.kind === "interpolated" ? "Interpolating it into a string copies it into the Nix store" : `${use.path} is given it as a path, which copies it into the Nix store`) +
            ": there it discloses only which token the key lives on.",
          fix: { safety: "manual", description: "Nothing to rotate: the handle works only with the security key it names. Deploy it outside the store only if even the key's public identity should stay private." },
        });
        continue;
      }
      ctx.report({
        node: use.node,
        optionPath: use.kind === "option" ? use.path : undefined,
        key: `${use.kind}:${what}`,
        message: `${how}: its content ends up in the world-readable Nix store, on every machine the configuration is deployed to.`,
        fix: fixFor(ctx, use, node, name, repoPath, secretNames),
      });
    }
  },
};
