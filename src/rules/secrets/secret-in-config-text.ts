// secret-in-config-text: secrets in shapes the key/value detectors skip:
//   - a Wi-Fi passphrase (`networking.wireless.networks.<n>.psk`, a NetworkManager profile's
//     `wifi-security.psk`), plain words that no entropy test flags;
//   - a file written into the store with the secret inside (`pkgs.writeText`, `writeTextFile`,
//     `builtins.toFile`) and handed to a `passwordFile`/`tokenFile`/`environmentFile` option: the
//     option exists to keep the secret out of the store, and the file is in it;
//   - credentials files written as text (`environment.etc`, home-manager `home.file`/`xdg.configFile`)
//     in formats whose password is not a `key = value` line: netrc (`machine h login u password p`),
//     .pgpass (`host:port:db:user:password`), msmtp (`password p`).
// Evidence is given with the secret masked (the scan's redaction knows secret shapes, not these).
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { calleeName, flattenApply, staticString, unparen } from "../../nix/options.js";
import { isDead } from "../shared/scope.js";
import { staticValue } from "../../nix/values.js";
import { resolveValue } from "../shared/syntax.js";
import { hostExample } from "../shared/examples.js";
import type { NixFileContext, Rule } from "../types.js";
import { NIX_STORE_READABLE, SECRETS_COMPLIANCE } from "./compliance.js";
import { nixosOption } from "../shared/references.js";
import { repositorySecretValue } from "./material.js";

const PLACEHOLDER = /^(?:<[^>]*>|\.\.\.|x+|\*+|changeme|password|secret|none|null|)$/i;
// `passwordFile`, `tokenFile`, `environmentFile`; nix.conf's `secret-key-files` (the binary-cache signing key).
const SECRET_FILE_OPTION = /(?:password|passwd|pass|token|secret|key|credentials?|psk|auth|environment|env)s?(?:File|[-_]files?)$/i;
const ENV_SECRET_KEY = /(?:PASS|TOKEN|SECRET|KEY|CREDENTIAL)/i;

/** Settings of the throwaway VMs `nixos-rebuild build-vm` and disko's `vmWithDisko` build
 * (vmVariant, vmVariantWithBootLoader, vmVariantWithDisko). */
const VM_VARIANT = /^virtualisation\.vmVariant\w*\./;

/** File options whose content is public by design: pam_u2f's authfile (key handles and public keys). */
const PUBLIC_FILE_OPTION = /^security\.pam\.u2f\.(?:authFile|settings\.authfile)$/;

/**
 * The content is public key material, not a secret: pam_u2f mappings (`user:<key handle>,<public
 * key>,es256,+presence[:…]`: Enzime/dotfiles-nix's authfile, judged wrong), SSH public keys, PEM
 * certificates and public keys.
 */
function publicMaterial(content: string): boolean {
  const lines = content.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
  if (lines.length === 0) return false;
  const U2F = /^[A-Za-z0-9_.@-]+(?::[A-Za-z0-9+/=_-]+,[A-Za-z0-9+/=_-]+,(?:es256|rs256|eddsa)(?:,[+\w%-]*)?)+%?$/i;
  const SSH_PUB = /^(?:[\w,="-]+\s+)?(?:ssh-(?:ed25519|rsa|dss)|ecdsa-sha2-nistp\d+|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)\s+AAAA[A-Za-z0-9+/=]+/;
  if (lines.every((l) => U2F.test(l) || SSH_PUB.test(l))) return true;
  return /^-----BEGIN (?:CERTIFICATE|PUBLIC KEY|PGP PUBLIC KEY BLOCK)-----/.test(lines[0]!) && !/PRIVATE KEY/.test(content);
}

/** The value says it is a placeholder to be changed (`changeMeAfterFirstInstallPlease`,
 * `change-this-password`): a first-install value, whose risk is that it was never changed. */
function selfDescribedPlaceholder(value: string): boolean {
  const bare = value.toLowerCase().replace(/[^a-z]/g, "");
  return /changeme|changethis|changeit|replaceme|replacethis|setme|firstinstall|tochange|pleasechange/.test(bare) && value.length <= 64 && !/\n/.test(value.trim());
}

function mask(line: string, secret: string): string {
  return line.split(secret).join("****");
}

/** The text a store-writer call holds, when it is a literal: `writeText "n" "…"`, `toFile "n" "…"`, `writeTextFile { text = "…"; }`. */
function writtenText(node: SyntaxNode | undefined): { text: string; str: SyntaxNode; fn: string } | undefined {
  let n = unparen(resolveValue(node) ?? node);
  // `"${pw}"`: the string is the file's path.
  const only = n?.kind === K.NODE_STRING && n.childNodes().length === 1 && n.childTokens().length === 2 ? n.firstChild(K.NODE_INTERPOL) : undefined;
  if (only) n = unparen(resolveValue(only.firstChild()) ?? only.firstChild());
  if (n?.kind !== K.NODE_APPLY) return undefined;
  const { fn, args } = flattenApply(n);
  const name = calleeName(fn);
  let str: SyntaxNode | undefined;
  if ((name === "writeText" || name === "toFile") && args.length === 2) str = unparen(args[1]);
  else if (name === "writeTextFile" && args.length === 1) {
    const set = unparen(args[0]);
    for (const b of set?.kind === K.NODE_ATTR_SET ? set.childNodes() : []) {
      if (b.kind === K.NODE_ATTRPATH_VALUE && b.childNodes()[0]?.text === "text") str = unparen(b.childNodes()[1]);
    }
  }
  const text = str ? staticString(str) : undefined;
  return text !== undefined && str && name ? { text, str, fn: name } : undefined;
}

/** A store-writer call given an expression instead of a literal (`writeText "k" secrets.cache.privKey`):
 * the call's name and the expression. */
function writtenExpression(node: SyntaxNode | undefined): { expr: SyntaxNode; call: SyntaxNode; fn: string } | undefined {
  let n = unparen(resolveValue(node) ?? node);
  const only = n?.kind === K.NODE_STRING && n.childNodes().length === 1 && n.childTokens().length === 2 ? n.firstChild(K.NODE_INTERPOL) : undefined;
  if (only) n = unparen(resolveValue(only.firstChild()) ?? only.firstChild());
  // `toString (writeText …)`
  if (n?.kind === K.NODE_APPLY && calleeName(flattenApply(n).fn) === "toString" && flattenApply(n).args.length === 1) n = unparen(flattenApply(n).args[0]);
  if (n?.kind !== K.NODE_APPLY) return undefined;
  const { fn, args } = flattenApply(n);
  const name = calleeName(fn);
  if ((name === "writeText" || name === "toFile") && args.length === 2) {
    const expr = unparen(args[1]);
    if (expr && expr.kind !== K.NODE_STRING) return { expr, call: n, fn: name };
  }
  return undefined;
}

/** A credential in a known text format: the secret, and the line it is on. */
function credentialIn(name: string, text: string): { secret: string; line: string; format: string } | undefined {
  for (const line of text.split("\n")) {
    const t = line.trim();
    if (t.startsWith("#")) continue;
    const netrc = /(?:^|\s)machine\s+\S+.*?\spassword\s+(\S+)/.exec(t) ?? (/netrc/i.test(name) ? /(?:^|\s)password\s+(\S+)/.exec(t) : null);
    if (netrc && !PLACEHOLDER.test(netrc[1]!)) return { secret: netrc[1]!, line: t, format: "netrc" };
    if (/pgpass/i.test(name)) {
      const f = t.split(/(?<!\\):/);
      if (f.length === 5 && f[4] && f[4] !== "*" && !PLACEHOLDER.test(f[4])) return { secret: f[4], line: t, format: ".pgpass" };
    }
    if (/msmtp/i.test(name)) {
      const m = /^password\s+(\S.*)$/.exec(t);
      if (m && !PLACEHOLDER.test(m[1]!.trim())) return { secret: m[1]!.trim(), line: t, format: "msmtp" };
    }
  }
  return undefined;
}

/** The passwords of a file made only of `user:password[:more]` account lines (comments and blank
 * lines aside), or undefined when it has another shape. */
function accountRecords(content: string): string[] | undefined {
  const out: string[] = [];
  for (const line of content.split("\n")) {
    const t = line.trim();
    if (t === "" || t.startsWith("#")) continue;
    const m = /^[A-Za-z0-9_.@-]+:([^:\s]*)(?::[^\s]*)?$/.exec(t);
    if (!m) return undefined;
    out.push(m[1]!);
  }
  return out.length ? out : undefined;
}

const TEXT_FILES = [/^environment\.etc\.[^.]+\.text$/, /^(?:home-manager\.users\.[^.]+\.)?(?:home\.file|xdg\.configFile)\.[^.]+\.text$/];

/** A file written into the store from a value of the repository's secrets set, given to a file option. */
function reportSecretSetFile(ctx: NixFileContext, path: string, option: string, value: SyntaxNode | undefined): void {
  const w = writtenExpression(value);
  const from = w ? repositorySecretValue(w.expr, option.replace(/[-_]?files?$/i, "")) : undefined;
  if (!w || !from) return;
  const signing = /(?:^|\.)nix\.settings\.secret-key-files$/.test(path) || /(?:^|\.)nix\.settings\."secret-key-files"$/.test(path);
  const vmOnly = VM_VARIANT.test(path);
  ctx.report({
    node: w.call,
    optionPath: path,
    severity: vmOnly ? "info" : "high",
    title: `Secret written into the Nix store for ${option}`,
    message:
      `${path} is given a file made by ${w.fn} from ${from}, a value of the repository's secrets: evaluated, the secret is written into the world-readable Nix store, which is exactly what a file option exists to avoid.` +
      (signing
        ? " It is the binary-cache signing key: every local user (and anything that copies this system's closure, a cache it is pushed to included) can read it and sign store paths that every machine trusting its public key accepts."
        : "") +
      (vmOnly ? " It is set only for the throwaway test VM: reported as info." : ""),
    fix: {
      safety: "manual",
      description: `Keep the secret out of the evaluation: an agenix or sops-nix secret, and give ${option} its decrypted path (config.age.secrets.<name>.path / config.sops.secrets.<name>.path). The copy already in the store stays there until garbage-collected everywhere: ${signing ? "generate a new signing key (nix key generate-secret), replace the public key in trusted-public-keys, and re-sign what must stay trusted" : "rotate the secret"}.`,
    },
  });
}

/** A service's database password file (`services.keycloak.database.passwordFile`) whose database
 * is on this host: the module's host option is unset (NixOS modules default it to localhost) or
 * names the host itself or a socket. Says why, or undefined. A password that only a process on
 * the host can use is medium, not high (NickCao-flakes' keycloak database password: judged
 * medium, "local-only"). */
function localDatabase(ctx: NixFileContext, path: string): string | undefined {
  const m = /^(services\.[^.]+\.(?:database|db))\.passwordFile$/.exec(path);
  if (!m) return undefined;
  const hosts = (ctx.index.byPath.get(`${m[1]}.host`) ?? []).filter((d) => !isDead(d));
  if (hosts.length === 0) return `${m[1]}.host is not set: the module's default, this host`;
  const v = hosts.map((d) => staticValue(d.inner));
  if (v.every((h) => typeof h === "string" && /^(?:localhost|127\.\d+\.\d+\.\d+|::1|\/.*)$/.test(h))) return `${m[1]}.host = ${JSON.stringify(v[0])}`;
  return undefined;
}

/** A Wi-Fi passphrase option: this rule's, so hardcoded-secret leaves its literal alone. */
export function wifiPskOption(path: string): boolean {
  return /^networking\.wireless\.networks\..+\.psk$/.test(path) || /^networking\.networkmanager\.ensureProfiles\.profiles\..+\.wifi-security\.psk$/.test(path);
}

/** Is the node on the right of a `//` (so it replaces what the left side sets at the same name)? */
function updatesLeft(node: SyntaxNode): boolean {
  for (let n: SyntaxNode | null = node; n?.parent; n = n.parent) {
    const p: SyntaxNode = n.parent;
    if (p.kind === K.NODE_BIN_OP && p.firstToken(K.TOKEN_UPDATE) && p.childNodes()[1] === n) return true;
  }
  return false;
}

function checkNix(ctx: NixFileContext): void {
  // One Wi-Fi literal shared by several networks (`PIWC = work; PIWC-5G = work;`) is one finding,
  // and a network whose psk a `//` replaces does not keep the left side's (Lehmanator-nix-configs
  // piwc/network.nix:16 was reported three times, once for a network that overrides it).
  const pskSeen = new Set<SyntaxNode>();
  const pskDefs = ctx.index.definitions.filter((d) => !isDead(d) && d.inner && d.segments.at(-1)?.name === "psk" && wifiPskOption(d.path));
  for (const def of ctx.index.definitions) {
    if (def.inner && pskDefs.includes(def)) {
      if (pskSeen.has(def.inner)) continue;
      if (!updatesLeft(def.inner) && pskDefs.some((o) => o !== def && o.path === def.path && o.inner && updatesLeft(o.inner))) continue;
      pskSeen.add(def.inner);
    }
    if (isDead(def) || !def.inner) continue;
    const segs = def.segments;
    const last = segs.at(-1)!;
    // Wi-Fi passphrases.
    if (!last.dynamic && last.name === "psk" && wifiPskOption(def.path)) {
      const v = staticString(unparen(def.inner)!);
      // `@PSK_HOME@` / `$PSK` come from an environment file; `ext:PSK_HOME` is wpa_supplicant's
      // external reference, read from networking.wireless.secretsFile (tschwemley-nixos-config
      // tentacool, `psk = "ext:PSK_HOME"`, judged wrong).
      if (v === undefined || PLACEHOLDER.test(v) || /^(?:@|\$)/.test(v) || /^ext:[A-Za-z0-9_]+$/.test(v)) continue;
      ctx.report({
        node: def.inner,
        optionPath: def.path,
        severity: "high",
        title: "Wi-Fi passphrase in the configuration",
        evidence: `${def.path} = "****";`,
        secret: v,
        message: `${def.path} holds the Wi-Fi passphrase as a literal: it is in the repository and in the world-readable Nix store (wpa_supplicant's generated configuration), so anyone with the repository or a local account joins the network.`,
        fix: { safety: "manual", description: 'Use networking.wireless.secretsFile with ext:PSK_NAME references (older NixOS: environmentFile with "@PSK_NAME@"), or a NetworkManager profile secret from sops-nix/agenix.' },
      });
      continue;
    }
    // A store file handed to a *File option.
    if (!last.dynamic && SECRET_FILE_OPTION.test(last.name)) {
      const w = writtenText(def.inner);
      if (!w) {
        reportSecretSetFile(ctx, def.path, last.name, def.inner);
        continue;
      }
      const content = w.text.trim();
      const envFile = /environment|env/i.test(last.name);
      const secretLine = envFile ? content.split("\n").find((l) => { const m = /^\s*(?:export\s+)?([A-Za-z_]\w*)=(.+)$/.exec(l); return !!m && ENV_SECRET_KEY.test(m[1]!) && !PLACEHOLDER.test(m[2]!.replace(/^["']|["']$/g, "")); }) : content;
      if (!secretLine || PLACEHOLDER.test(content)) continue;
      // Public key material in a file option that takes it (pam_u2f's authfile, authorized keys).
      if (!envFile && (PUBLIC_FILE_OPTION.test(def.path) || publicMaterial(content))) continue;
      // An accounts file of `user:password[:level]` lines (deluge's authFile, htpasswd-like files):
      // the passwords are the secret, and one with none written (`localclient::10`, deluge's local
      // client: LongerHV/nixos-configuration, judged wrong) puts nothing secret in the store.
      const records = envFile ? undefined : accountRecords(content);
      if (records && records.every((pw) => PLACEHOLDER.test(pw))) continue;
      const secret = envFile ? secretLine.replace(/^\s*(?:export\s+)?[A-Za-z_]\w*=/, "").replace(/^["']|["']$/g, "") : (records?.find((pw) => !PLACEHOLDER.test(pw)) ?? content);
      // Only in the test VM (`virtualisation.vmVariantWithDisko`'s LUKS password): it guards a
      // throwaway disk image, not the host (Enzime/dotfiles-nix, judged debatable: info).
      const vmOnly = VM_VARIANT.test(def.path);
      const placeholder = !vmOnly && selfDescribedPlaceholder(secret);
      const localDb = !vmOnly && !placeholder ? localDatabase(ctx, def.path) : undefined;
      ctx.report({
        node: w.str,
        optionPath: def.path,
        severity: vmOnly ? "info" : placeholder ? "low" : localDb ? "medium" : "high",
        title: `Secret written into the Nix store for ${last.name}`,
        evidence: `${def.path} = ${w.fn} … "****";`,
        secret,
        message:
          `${def.path} is given a file made by ${w.fn} with the secret inside: the file is in the world-readable Nix store (and the secret in the repository), which is exactly what a ${last.name} option exists to avoid.` +
          (vmOnly
            ? " It is set only for the throwaway VM that `nixos-rebuild build-vm` (or disko's vmWithDisko) builds for testing, so it protects a test disk, not the real system: reported as info. Make sure the real system's value is not the same."
            : placeholder
              ? " The value describes itself as a placeholder to change after installation: the risk is that it never was (the initial password is public in the repository). Options read only at first install (Nextcloud's adminpassFile) ignore later edits, so check the live password was changed, then point the option at a secret file anyway."
              : localDb
                ? ` It is the password of the service's database on this host (${localDb}): only a process on the host can use it, to read or change that service's data.`
                : ""),
        fix: { safety: "manual", description: `Store the secret with agenix or sops-nix and give ${last.name} the decrypted file's path (config.age.secrets.<name>.path / config.sops.secrets.<name>.path).` },
      });
      continue;
    }
    // Credentials files written as text.
    if (TEXT_FILES.some((re) => re.test(def.path))) {
      const text = staticString(unparen(def.inner)!);
      if (text === undefined) continue;
      const name = segs.length >= 2 ? segs[segs.length - 2]!.name : "";
      const cred = credentialIn(name, text);
      if (!cred) continue;
      ctx.report({
        node: def.inner,
        optionPath: def.path,
        severity: "high",
        title: `Password in a ${cred.format} file written from the configuration`,
        evidence: mask(cred.line, cred.secret),
        secret: cred.secret,
        message: `${def.path} writes a ${cred.format} file with a password in it: the text is in the repository and in the world-readable Nix store (the file under /etc or the home directory is a link into it).`,
        fix: { safety: "manual", description: `Keep the file out of the store: an agenix/sops-nix secret installed at that path (sops.secrets.<n>.path = "/etc/${name}"), or a ${cred.format === "msmtp" ? "passwordeval command" : "file created at activation from a secret"}.` },
      });
    }
  }
}

export const secretInConfigText: Rule = {
  id: "secret-in-config-text",
  examples: {
    fire: [
      hostExample(`{ networking.wireless.networks."HomeNet".psk = "correct horse battery staple"; }\n`),
      hostExample(`{ pkgs, ... }:\nlet pw = pkgs.writeText "restic-pw" "S3cr3tP4ssw0rd"; in {\n  services.restic.backups.home.passwordFile = "\${pw}";\n  services.foo.passwordFile = pw;\n}\n`),
      hostExample(`{\n  environment.etc."netrc".text = ''\n    machine example.org login me password Zq8mN2pL5x\n  '';\n}\n`),
      hostExample(`{ environment.etc."pgpass".text = "db.example.org:5432:app:app:Xk29dkfjQ83j"; }\n`),
      hostExample(`{ home-manager.users.me.xdg.configFile."msmtp/config".text = ''\n  account default\n  host smtp.example.org\n  password Mz83kdJd82ks\n''; }\n`),
      // A passphrase that merely starts like a reference is still one.
      hostExample(`{ networking.wireless.networks."Lab".psk = "ext: lab passphrase 2024"; }\n`),
    ],
    silent: [
      hostExample(`{ networking.wireless = { secretsFile = "/run/secrets/wifi"; networks."HomeNet".pskRaw = "ext:psk_home"; networks.Work.psk = "@PSK_WORK@"; networks.Lab.psk = "ext:PSK_LAB"; }; }\n`),
      hostExample(`{ config, pkgs, ... }: {\n  services.restic.backups.home.passwordFile = config.sops.secrets.restic.path;\n  services.foo.configFile = pkgs.writeText "foo.conf" "port = 80";\n}\n`),
      hostExample(`{\n  environment.etc."netrc".text = ''\n    # machine example.org login me password <password>\n  '';\n  home-manager.users.me.xdg.configFile."msmtp/config".text = ''\n    passwordeval "cat /run/secrets/mail"\n  '';\n}\n`),
      hostExample(`{ environment.etc."pgpass".text = "db.example.org:5432:app:app:*"; }\n`),
      // pam_u2f mappings: a key handle and a public key, public by design.
      hostExample(`{ pkgs, ... }: {\n  security.pam.u2f.settings.authfile = pkgs.writeText "u2f-mappings" ''\n    alice:Zm9vYmFyS2V5SGFuZGxlMTIzNDU2Nzg5MA==,cHVibGljS2V5MTIzNDU2Nzg5MGFiY2RlZg==,es256,+presence\n  '';\n}\n`),
    ],
  },
  name: "Secret in a passphrase, store file or credentials file",
  category: "secrets",
  severity: "high",
  rationale:
    "Some secrets escape key/value detection: Wi-Fi passphrases made of words, a password written into a store file with writeText and handed to a passwordFile option, and credentials files (netrc, .pgpass, msmtp) written as text. All of them end up in the repository and in the world-readable Nix store.",
  fix: "Keep the secret out of the repository and the store: agenix or sops-nix, with the option's file or secrets-file variant pointing at the decrypted path.",
  references: [NIX_STORE_READABLE, nixosOption("networking.wireless.secretsFile"), { title: "PostgreSQL: the password file (.pgpass)", url: "https://www.postgresql.org/docs/current/libpq-pgpass.html" }],
  compliance: SECRETS_COMPLIANCE,
  checkNix,
};
