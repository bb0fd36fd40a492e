// committed-password-hash: a service's password hash written into the Nix configuration: bcrypt
// (`$2b$`), argon2 (`$argon2id$`), PBKDF2 (Django's `pbkdf2_sha256$…`, passlib's `$pbkdf2-sha512$`),
// crypt (`$6$`, `$y$`, `$apr1$`) or LDAP (`{SSHA}`) hashes in application settings: Grafana,
// Authelia and Vaultwarden admin tokens, htpasswd lines in environment.etc, basic-auth hashes of a
// reverse proxy, mail accounts. A hash is not the password, but whoever reads the repository (or
// the world-readable Nix store it is copied to) can try passwords against it offline, at the
// speed of their GPUs and without any rate limit or log; most services accept a file or an
// environment file for it, kept by agenix or sops-nix. Medium.
//
// Left to other rules so nothing is reported twice: `users.users.*.hashedPassword` and
// `initialHashedPassword` (user-plaintext-password, low: how NixOS takes login passwords), values
// bound to a name ending in `hashedPassword` outside any option (they are such user hashes, shared
// through a variables file), and hashes in non-Nix files (hardcoded-secret).
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { APP_PASSWORD_HASHES, detectSecrets, isEmptyPasswordHash, PASSWORD_HASH_PATTERN, redact } from "../../secrets/index.js";
import { definitionOf, enclosingDefinition, inOptionDocumentation, rangeOf, stringSource, syntacticPath, valueSite } from "../nix-strings.js";
import { hostExample } from "../shared/examples.js";
import type { NixFileContext, Rule } from "../types.js";
import { AGENIX, SOPS_NIX } from "./compliance.js";

const HASHES: Array<{ re: RegExp; scheme: (m: string) => string }> = [
  { re: new RegExp(PASSWORD_HASH_PATTERN.regex!.source, "g"), scheme: (m) => cryptScheme(m) },
  // Django / passlib-django: algorithm$iterations$salt$hash.
  { re: /(?<![\w$])pbkdf2_sha(?:1|256|512)\$\d{3,7}\$[A-Za-z0-9./+=]{4,}\$[A-Za-z0-9./+=]{20,}/g, scheme: () => "PBKDF2 (Django)" },
  // LDAP userPassword schemes (OpenLDAP olcRootPW, Dovecot passdb).
  { re: /\{(?:SSHA|SHA|SSHA256|SSHA512|SHA256|SHA512|SMD5|MD5|PBKDF2(?:-SHA\d+)?|ARGON2|CRYPT|BLF-CRYPT|SHA512-CRYPT)\}[A-Za-z0-9./+=$]{16,}/gi, scheme: (m) => `LDAP ${m.slice(0, m.indexOf("}") + 1)}` },
  // Applications' own formats (Transmission's `{sha1…salt}`, qBittorrent's `@ByteArray(salt:digest)`).
  ...APP_PASSWORD_HASHES.map((h) => ({ re: new RegExp(h.re.source, "g"), scheme: () => h.scheme })),
];

function cryptScheme(m: string): string {
  const id = m.split("$")[1] ?? "";
  // rspamd's `rspamadm pw` writes `$2$salt$hash` (its type 2, Catena over BLAKE2b: memory-hard;
  // type 1 is PBKDF2-BLAKE2b), bcrypt `$2b$10$…` has a cost.
  if (id === "2" && !/^\$2\$\d\d\$/.test(m)) return "rspamd Catena (BLAKE2b)";
  if (/^2[abxy]?$/.test(id)) return "bcrypt";
  if (id.startsWith("argon2")) return id;
  if (id.startsWith("pbkdf2")) return "PBKDF2";
  // mosquitto_passwd's `$7$<iterations>$<salt>$<digest>` is PBKDF2-SHA512 with the iteration count
  // in clear (101 by default), not crypt's scrypt `$7$<encoded parameters><salt>$…` (diogotcorreia's
  // homeassistant.nix, judged: weaker than the "scrypt" it was called); its `$6$<salt>$<digest>` in
  // base64 (`+`, `=`) is one round of salted SHA-512, not SHA-512-crypt's 5000.
  if (id === "7" && /^\$7\$\d+\$/.test(m)) return "PBKDF2-SHA512 (mosquitto)";
  if (id === "6" && /^\$6\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*$/.test(m) && /[+=]/.test(m)) return "salted SHA-512 (mosquitto)";
  return (
    ({ "1": "MD5-crypt", apr1: "Apache MD5 (apr1)", md5: "MD5", sha1: "SHA1-crypt", "5": "SHA-256-crypt", "6": "SHA-512-crypt", y: "yescrypt", gy: "gost-yescrypt", "7": "scrypt" } as Record<string, string>)[id] ?? `crypt $${id}$`
  );
}

/** Schemes a GPU tries billions (MD5) or millions (SHA) of passwords a second against. */
const FAST = /MD5|apr1|SHA1|LDAP \{S?(?:SHA|MD5|SHA256|SHA512)\}|salted SHA-512/i;
/** Below this many PBKDF2 iterations a GPU tries passwords by the million a second (OWASP asks
 * 210,000 for PBKDF2-SHA512). */
const FEW_ITERATIONS = 10_000;

/** What the hash costs an attacker beyond its scheme's name: a PBKDF2 iteration count written in it. */
function costNote(scheme: string, value: string): string {
  const iterations = scheme.startsWith("PBKDF2-SHA512 (mosquitto)") ? Number(/^\$7\$(\d+)\$/.exec(value)?.[1]) : NaN;
  if (!Number.isFinite(iterations)) return "";
  return iterations < FEW_ITERATIONS
    ? ` Its iteration count is written in it: ${iterations}, far below the 210,000 OWASP recommends for PBKDF2-SHA512, so it is cheap to attack: a GPU tries millions of passwords a second against it.`
    : ` Its iteration count is written in it: ${iterations}.`;
}

/** Why the hash is slow enough that only a weak password behind it is found offline: bcrypt with a
 * cost of 10 or more (2^10 rounds, the default of htpasswd -B and most libraries), argon2
 * (memory-hard). Undefined for the others. */
function slowHash(scheme: string, value: string): string | undefined {
  if (scheme === "bcrypt") {
    const cost = Number(/^\$2[abxy]?\$(\d\d)\$/.exec(value)?.[1]);
    if (Number.isFinite(cost) && cost >= 10) return `bcrypt at cost ${cost} is a slow hash (2^${cost} rounds a guess): a long random password behind it stays out of reach, a short or reused one does not.`;
    return undefined;
  }
  if (scheme.startsWith("argon2")) return `${scheme} is a slow, memory-hard hash: a long random password behind it stays out of reach, a short or reused one does not.`;
  return undefined;
}

const USER_PASSWORD = /(?:^|\.)users\.(?:users|extraUsers)\./;
const HASHED_PASSWORD_KEY = /hashedpassword$/i;

/** A user's login hash (the users rules' business), not an application's. */
function isUserHash(str: SyntaxNode, ctx: NixFileContext): boolean {
  const site = valueSite(str);
  const def = site ? definitionOf(ctx.index, site.binding) : enclosingDefinition(ctx.index, str);
  const path = def?.path ?? (site ? syntacticPath(site.binding).join(".") : "");
  if (USER_PASSWORD.test(path)) return true;
  // `initialHashedPassword = "$y$…"` in a variables file, inherited into users.users elsewhere
  // (an application's option of that name, like simple-nixos-mailserver's accounts, is not).
  return site?.key !== undefined && HASHED_PASSWORD_KEY.test(site.key) && !/^(?:services|mailserver)\./.test(path);
}

function checkString(ctx: NixFileContext, str: SyntaxNode): void {
  const src = stringSource(str);
  if (!src || !/[${]|@ByteArray\(|-(?:pbkdf2|hashed)[-:]/.test(src.text) || inOptionDocumentation(str)) return;
  const found: Array<{ start: number; end: number; scheme: string }> = [];
  for (const { re, scheme } of HASHES) {
    re.lastIndex = 0;
    for (let m = re.exec(src.text); m; m = re.exec(src.text)) {
      if (m[0].includes("${")) continue; // built from an interpolation: not a literal hash
      // The digest (after the last `$`) of a real hash is long; `$argon2id$v=19$m=65540,t=3,p=4$...`
      // (the NixOS manual's example, parameters only) is a placeholder.
      if (!/^[{@-]/.test(m[0]) && !/[A-Za-z0-9./+=]{16,}$/.test(m[0].slice(m[0].lastIndexOf("$") + 1))) continue;
      if (found.some((f) => m!.index < f.end && m!.index + m![0].length > f.start)) continue;
      found.push({ start: m.index, end: m.index + m[0].length, scheme: scheme(m[0]) });
    }
  }
  if (found.length === 0 || isUserHash(str, ctx)) return;
  const site = valueSite(str);
  const def = site ? definitionOf(ctx.index, site.binding) : undefined;
  const around = def ?? enclosingDefinition(ctx.index, str);
  const where = around ? around.path : site?.key ? `'${site.key}'` : "a string";
  // What hardcoded-secret's detectors already report as a secret (a Django hash under
  // `client_secret`) stays theirs: one finding per value.
  const theirs = detectSecrets(src.text, { key: site && !site.partial ? site.key : undefined, optionPath: def && !site!.partial ? def.path : undefined }).filter((m) => m.kind !== "password-hash");
  for (const f of found) {
    if (theirs.some((m) => m.start < f.end && m.end > f.start)) continue;
    const value = src.text.slice(f.start, f.end);
    // The hash of the empty password (`emptypassword='$6$…'` for a container's user: clan-infra's
    // actions-runner.nix, judged wrong): recomputed, it hides no password, so there is nothing to
    // crack and nothing to rotate.
    if (isEmptyPasswordHash(value)) continue;
    const start = src.offset + f.start;
    const line = ctx.parsed.source.lines.position(start).line;
    const lineText = ctx.parsed.source.lines.lineText(line).trim();
    const fast = FAST.test(f.scheme);
    // The initrd's emergency shell password: asked for only on the console (no network login reads
    // it), and the option has no *File variant: the hash is in the initrd whatever the source.
    // What every report of this hash says alike: where it is, and the value kept out of the text.
    const at = {
      range: rangeOf(ctx.parsed.source.lines, start, start + value.length),
      node: str,
      optionPath: around?.path,
      key: `${f.scheme}:${redact(value)}`,
      secret: value,
      evidence: lineText.split(value).join("****"),
    };
    const article = /^[aeiouAEIOU]|^(?:MD5|SHA|LDAP)/.test(f.scheme) ? "An" : "A";
    // The initrd's emergency shell password: asked for only on the console (no network login reads
    // it), and the option has no *File variant: the hash is in the initrd whatever the source.
    if (around?.path.endsWith("boot.initrd.systemd.emergencyAccess")) {
      ctx.report({
        ...at,
        severity: "low",
        title: `Committed ${f.scheme} password hash (initrd emergency shell)`,
        message:
          `${article} ${f.scheme} password hash is written in ${around.path}: it is in the repository's history and can be attacked offline. ` +
          "It guards the initrd's emergency shell, which is reached only on the console (or a serial/KVM console), so the risk is someone with console access and a guessed password.",
        fix: {
          safety: "manual",
          description:
            "There is no *File variant of this option: the hash is baked into the initrd (readable in /boot) whatever the repository holds. Use a long random password for it, or set emergencyAccess = false if console rescue is not needed; change it if the repository is or was public.",
        },
      });
      continue;
    }
    // The hash of an OAuth/OIDC client secret (Authelia's `client_secret = "$pbkdf2-sha512$…"`):
    // the secret behind it is generated at random, not chosen, so trying candidates offline finds
    // nothing, and storing it hashed is what Authelia recommends (pborzenkov-nix-config's immich
    // client, rated medium like a person's password: judged info). A fast hash stays medium.
    if (!fast && [where, site?.key ?? ""].some((w) => /(?:^|[._'"])client_?secret['"]?$/i.test(w))) {
      ctx.report({
        ...at,
        severity: "info",
        title: `Committed ${f.scheme} hash of an OIDC client secret`,
        message:
          `${article} ${f.scheme} hash of an OAuth/OIDC client secret is written in ${where}. The identity provider keeps client secrets hashed as recommended (Authelia does), and the secret behind it is generated at random rather than chosen, so guessing it offline is hopeless: a note, not a leak. ` +
          "The plaintext secret the client holds is the one to keep out of the repository.",
        fix: {
          safety: "manual",
          description: "Nothing to move as long as the client secret is long and random (as `authelia crypto rand` makes it); keep the plaintext secret on the client side in agenix or sops-nix.",
        },
      });
      continue;
    }
    const app = appHashReport(f.scheme, where, value);
    if (app) {
      ctx.report({ ...at, ...app, title: `Committed ${f.scheme} password hash` });
      continue;
    }
    const slow = slowHash(f.scheme, value);
    ctx.report({
      ...at,
      // A slow hash (bcrypt at cost 10 or more, argon2) costs an attacker milliseconds per guess:
      // only a weak password behind it falls (GaetanLepage-nix-config's and mrjones2014-dotfiles'
      // AdGuard Home `$2y$10$` hashes, judged low; a `$2y$05$` one, 32 times cheaper, stays medium).
      severity: slow ? "low" : "medium",
      title: `Committed ${f.scheme} password hash`,
      message:
        `${article} ${f.scheme} password hash is written in ${where}: it is in the repository's history and in the world-readable Nix store, where anyone can try passwords against it offline, without rate limits or logs.` +
        (fast ? ` ${f.scheme} is a fast hash: a GPU tries billions of passwords a second against it.` : slow ? ` ${slow}` : costNote(f.scheme, value)),
      fix: {
        safety: "manual",
        description:
          "Keep the hash (or the password) in a secret managed by agenix or sops-nix and give it to the service as a file: an option ending in `File`, an environmentFile, `$__file{…}` in Grafana, a users file for Authelia, `basicAuthFile` for nginx. Change the password if the repository is or was public.",
      },
    });
  }
}

/**
 * The report of an application's own hash format: what the hash costs an attacker and the one file
 * option known to take it, never an invented one. Transmission's salted SHA-1 is fast (low: a web
 * UI password of a torrent client, attacked offline at GPU speed); qBittorrent's PBKDF2-SHA512 with
 * 100,000 iterations is slow, and its NixOS module has no option reading it from a file (info).
 */
function appHashReport(scheme: string, where: string, value = ""): { severity: "low" | "info"; message: string; fix: { safety: "manual"; description: string } } | undefined {
  if (scheme === "CouchDB PBKDF2") {
    // CouchDB keeps an [admins] value of this form as the hash (docs.couchdb.org, config/auth);
    // services.couchdb.adminPass goes into an ini file in the store (Mikilio-mcloud, found by
    // reading the code: low).
    const iterations = Number(/,(\d+)$/.exec(value)?.[1]);
    const few = Number.isFinite(iterations) && iterations < FEW_ITERATIONS;
    return {
      severity: "low",
      message:
        `A CouchDB PBKDF2 admin password hash (\`-pbkdf2-<key>,<salt>,<iterations>\`, the form CouchDB keeps in its [admins] section) is written in ${where}: a hash, not the password, but it is in the repository and in the world-readable Nix store (the module writes adminPass into an ini file there), where anyone can try passwords against it offline.` +
        (Number.isFinite(iterations) ? ` Its iteration count is ${iterations}${few ? ", low enough for a GPU to try millions of passwords a second" : ""}.` : ""),
      fix: {
        safety: "manual",
        description:
          "Leave adminPass unset and give CouchDB the [admins] section in a file it reads at run time: services.couchdb.extraConfigFiles = [ config.sops.secrets.couchdb-admins.path ] (or an agenix secret) holding `[admins]` and `admin = <hash or password>`, readable by the couchdb user. Change the password if the repository is or was public.",
      },
    };
  }
  if (scheme === "Transmission salted SHA-1") {
    return {
      severity: "low",
      message:
        `A Transmission salted SHA-1 password hash (\`{\` + SHA-1 + salt, the form Transmission itself writes in settings.json) is written in ${where}: not the password itself, ` +
        "but SHA-1 is a fast hash, so anyone reading the repository or the world-readable Nix store can try passwords against it offline at GPU speed.",
      fix: {
        safety: "manual",
        description:
          "Move rpc-password out of the settings into services.transmission.credentialsFile: a JSON file (a sops-nix template or an agenix secret) such as {\"rpc-password\": \"…\"} that the module merges into settings.json when Transmission starts. Use a long random password, and change it if the repository is or was public.",
      },
    };
  }
  if (scheme === "qBittorrent PBKDF2-SHA512") {
    return {
      severity: "info",
      message:
        `A qBittorrent PBKDF2-SHA512 password hash (salt:digest, 100,000 iterations) is written in ${where}: it is a hash, not the password, and a slow one, ` +
        "so a long random password behind it stays out of reach of an offline attack. (Hygiene, not a plaintext leak.)",
      fix: {
        safety: "manual",
        description:
          "Nothing to move if the password behind it is long and random (the NixOS qBittorrent module reads this setting from serverConfig only, with no file option). Otherwise change the password in the Web UI and write the new hash.",
      },
    };
  }
  return undefined;
}

export const committedPasswordHash: Rule = {
  id: "committed-password-hash",
  examples: {
    fire: [
      hostExample(`{\n  services.vaultwarden.config.ADMIN_TOKEN = "$argon2id$v=19$m=65540,t=3,p=4$bXlzYWx0bXlzYWx0$Pq4Vw1dYPkTpGxJx4qdu3rKiWJ0DhzEBOYp3Zx9Qk9I";\n}\n`),
      hostExample(
        `{\n  environment.etc."nginx/htpasswd".text = ''\n    alice:$2y$10$Zk3Wb1Rm8wXh0k2JpQv6UOfXo3gq0eS6kq1N2lW3m4n5o6p7q8r9s\n  '';\n  environment.etc."authelia/users.yml".text = builtins.toJSON {\n    users.alice = { displayname = "Alice"; password = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHRzYWx0$9kVbq3Yx0Lr8mT2nW5zQ1dF7gH4jK6pA0sX3cV8bN2e"; };\n  };\n  services.myapp.settings.admin_hash = "pbkdf2_sha256$600000$c2FsdHNhbHQ$8nPz0eXx0VYzJq9r3b1dVtq2mL0kX7w9QeR5tY6uI8o";\n}\n`,
      ),
      // The initrd emergency shell's hash: console-only, no *File variant: low, and no such fix.
      hostExample(`{\n  boot.initrd.systemd.emergencyAccess = "$6$rounds=100000$c2FsdHNhbHQ$Xq3vN8mR2kP7wL5tY9hB1cD4fG6jK0zA3sE8uI2oP5rT7yW9qM1nV4bX6cZ8dF0gH2jL4kS6aQ8wE0rT2yU4iO";\n}\n`),
      // rspamd's \`rspamadm pw\` hash ($2$: Catena, not PBKDF2).
      hostExample(`{\n  services.rspamd.workers.controller.extraConfig = ''\n    password = "$2$x5mbn1j9ctffz3fq8cr1h5mtnm5f9hwt$9hhx5hx1gbz3xbh5gqmbkt5bbj8pnqjfejbrzcxnfm5tfzh1nhsy";\n  '';\n}\n`),
      // mosquitto_passwd's PBKDF2-SHA512 with its iteration count (101), not scrypt.
      hostExample(`{\n  services.mosquitto.listeners = [ { users.iot = { acl = [ "readwrite #" ]; hashedPassword = "$7$101$Qm9sZFNhbHRWYWx1ZTE2$Xq3vN8mR2kP7wL5tY9hB1cD4fG6jK0zA3sE8uI2oP5rT7yW9qM1nV4bX6cZ8dF0gH2jL4kS6aQ8wE0rT2yU4iA=="; }; } ];\n}\n`),
      // The hash of a generated OIDC client secret (Authelia keeps them hashed): a note (info).
      hostExample(`{\n  services.authelia.instances.main.settings.identity_providers.oidc.clients = [ { client_id = "photos"; client_secret = "$pbkdf2-sha512$310000$c8p78n7pUMln0jzvd4aK4Q$JNRBzwAo0ek5qKn50cFzzvE9RXV88h1wJn5KGiHrD0YKtZaR/nCb2CJPOsKaPK0hjf.9yHxzQGZziziccp6Yng"; } ];\n}\n`),
      // CouchDB's pre-hashed admin (its [admins] form), written into an ini file in the store: low.
      hostExample(`{\n  services.couchdb = { enable = true; adminPass = "-pbkdf2:sha256-0e5b2f0a8c5d3e1f7a9b6c4d2e0f8a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f2a,5c1f3e7a9b2d4f6a8c0e1b3d5f7a9c2e,600000"; };\n}\n`),
    ],
    silent: [
      hostExample(`{\n  users.users.alice.hashedPassword = "$6$rounds=65536$abcdefghijklmnop$0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ01234567";\n  users.users.root.initialHashedPassword = "$y$j9T$Nb1KVJ2Eu7ZaGkxDWRHrD/$nDtonEpKjk.bkYXDWDzbbs9o7ElEmTcrXIncFHaarc/";\n}\n`),
      hostExample(
        `{ config, ... }: {\n  services.vaultwarden.environmentFile = config.sops.secrets.vaultwarden.path;\n  # ADMIN_TOKEN = "$argon2id$v=19$m=65540,t=3,p=4$bXlzYWx0bXlzYWx0$Pq4Vw1dYPkTpGxJx4qdu3rKiWJ0DhzEBOYp3Zx9Qk9I"\n  services.nginx.virtualHosts.a.basicAuthFile = config.age.secrets.htpasswd.path;\n  services.app.settings.price = "$2 per month, $6 per year";\n  services.vaultwarden.config.ADMIN_TOKEN = "$argon2id$v=19$m=65540,t=3,p=4$...";\n}\n`,
      ),
      { "vars.nix": `{\n  initialHashedPassword = "$y$jFT$RBapCH3F6bc0uSF.FaUGB.$rvhiVvcCKxkkumDFLONV5zFP1lsv1VyZ1ErH.r2rNk3";\n}\n` },
      // Command-line options and version strings that merely start like CouchDB's form.
      hostExample(`{\n  services.myapp.extraArgs = [ "-pbkdf2-iterations" "600000" ];\n  services.myapp.settings.kdf = "-pbkdf2:sha256-default";\n}\n`),
    ],
  },
  name: "Committed service password hash",
  category: "secrets",
  severity: "medium",
  rationale:
    "A password hash in the configuration is readable by everyone who can read the repository and, once built, by every local user in the Nix store. It is not the password, but it can be attacked offline at full GPU speed, without the rate limits and logs of the service; weak passwords and fast schemes (MD5, SHA-1, apr1) fall quickly.",
  fix: "Keep the hash in a secret (agenix, sops-nix) and give it to the service through a file or an environment file; change passwords whose hash was published.",
  references: [
    AGENIX,
    SOPS_NIX,
    { title: "OWASP Password Storage Cheat Sheet", url: "https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html" },
    { title: "hashcat: example hashes and speeds of each scheme", url: "https://hashcat.net/wiki/doku.php?id=example_hashes" },
  ],
  compliance: { cis: [], nist: ["PR.DS-01", "PR.AA-01"] },
  checkNix(ctx) {
    for (const node of ctx.parsed.root.descendants(K.NODE_STRING)) if (!node.inside(K.NODE_ATTRPATH)) checkString(ctx, node);
  },
};
