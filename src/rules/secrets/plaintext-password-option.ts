// Plaintext passwords in options outside users.users: `admin_password`, `rootPassword`, `password`
// in a service's settings, nginx `basicAuth.<user>`. Any literal counts, whatever its entropy: a
// `changeme` is deployed as the real password. Not findings: `*File` / `passwordFile` options,
// hashed passwords, references (`config.age.secrets.x.path`, interpolations, `$VAR`), sops values.
// Options that hold a secret by definition though their key does not say so (services.k3s.token,
// the cluster join token) count too (secrets/keys.ts, isPasswordByPath).
// users.users.<name>.password / initialPassword are the users rules'.
import { staticString, type OptionDefinition, type OptionIndex } from "../../nix/options.js";
import { SyntaxKind as K } from "../../nix/syntax.js";
import { isAppSecretKeyOption, plaintextPassword, publicDefaultSecretKey } from "../../secrets/index.js";
import { rangeOf, redactedLine, stringSource, unwrapped } from "../nix-strings.js";
import type { Rule } from "../types.js";
import { AGENIX, NIXOS_WIKI_SECRETS, SOPS_NIX } from "./compliance.js";
import { environmentEntry } from "./environment.js";
import { hostExample } from "../shared/examples.js";

const USERS = /(?:^|\.)users\.(?:users|extraUsers)\./;

/** Options whose file variant is known to exist (the NixOS module declares it). */
const KNOWN_FILE_OPTIONS: Array<[RegExp, string]> = [
  [/^services\.k3s\.token$/, "`services.k3s.tokenFile`"],
  [/^services\.k3s\.agentToken$/, "`services.k3s.agentTokenFile`"],
  [/^services\.rke2\.token$/, "`services.rke2.tokenFile`"],
  [/^services\.redis\.servers\.[^.]+\.requirePass$/, "`requirePassFile` (services.redis.servers.<name>.requirePassFile)"],
];

/** How the option's service takes the password from a file: a file option named only where it is
 * known to exist; elsewhere the ways every service has (an environment file, a systemd credential),
 * never a guessed `<key>File`. */
function fileVariant(path: string, key: string): string {
  if (/^services\.searxn?g?\.settings\.server\.secret_key$/.test(path)) return '`services.searx.environmentFile` (a file holding `SEARX_SECRET_KEY=...`, from agenix/sops) with `secret_key = "@SEARX_SECRET_KEY@"`';
  if (/^services\.grafana\.settings\./.test(path)) return `\`${key} = "$__file{\${config.age.secrets.<name>.path}}";\` (Grafana reads the value from the file)`;
  const known = KNOWN_FILE_OPTIONS.find(([re]) => re.test(path));
  if (known) return `${known[1]} set to \`config.age.secrets.<name>.path\``;
  if (/(?:^|\.)transmission\./.test(path)) return "services.transmission.credentialsFile (a JSON file of secret settings, e.g. {\"rpc-password\": \"…\"}, that the module merges into settings.json at start) from agenix or sops-nix";
  return `a file read at run time instead of \`${key}\`: the module's own file option if it has one (check its documented options: not every service has one), or else an environment file or a systemd credential (\`LoadCredential=\`) from \`config.age.secrets.<name>.path\``;
}

/** A sibling `host`/`HOST`/`socket` that is a path: the client connects over a Unix socket. */
const SOCKET_HOST_KEY = /^(?:host|socket|unix_socket|unixSocket)$/i;
/** Keys of a database connection's password (`PASSWD` in Forgejo/Gitea, `password`, `DB_PASSWORD`). */
const DB_PASSWORD_KEY = /^(?:passwd|password|pass|db_?pass(?:word|wd)?)$/i;

/**
 * The Unix socket a database password's connection uses, when its sibling `HOST` is a path
 * (`HOST = "/run/postgresql"`): NixOS's PostgreSQL (and MariaDB's unix_socket plugin) authenticate
 * local socket connections by the system user (peer), so the password is never checked.
 */
function socketConnection(index: OptionIndex, path: string, key: string): string | undefined {
  if (!DB_PASSWORD_KEY.test(key)) return undefined;
  const parent = path.slice(0, path.length - key.length - 1);
  if (parent === "") return undefined;
  for (const [p, defs] of index.byPath) {
    if (!p.startsWith(parent + ".") || !SOCKET_HOST_KEY.test(p.slice(parent.length + 1))) continue;
    for (const d of defs) {
      const inner = unwrapped(d.value);
      const v = inner?.kind === K.NODE_STRING ? staticString(inner) : undefined;
      if (v !== undefined && /^\/(?:run|var\/run|tmp)\//.test(v)) return v;
    }
  }
  return undefined;
}

/**
 * The definition is in the stand-in a file gives when the real one is missing (`if
 * builtins.pathExists ./secrets.nix then import ./secrets.nix else { grafanaCreds.password =
 * "admin"; }`): placeholders so that a clone without the ignored secrets file still evaluates, not
 * the values the owner's machines get (cleverca22-nixos-configs load-secrets.nix, judged wrong).
 */
function missingFileFallback(def: OptionDefinition): boolean {
  return def.conditions.some((c) => c.kind === "else" && /^\s*(?:builtins\.)?pathExists\b/.test(c.text));
}

export const plaintextPasswordOption: Rule = {
  id: "plaintext-password-option",
  examples: {
    fire: [
      hostExample(`{ services.grafana.settings.security.admin_password = "replaceme"; }\n`),
      // A cluster join token is a secret whatever it looks like (three words here).
      hostExample(`{ services.k3s = { enable = true; role = "server"; token = "Lantern4.Orbit.Meadow"; }; }\n`),
      // An application's secret key (low: forged cookies and signed URLs).
      hostExample(`{ services.searx = { enable = true; settings.server.secret_key = "notsosecret"; }; }\n`),
      // Redis's password lands in redis.conf in the store.
      hostExample(`{ services.redis.servers.forgejo = { enable = true; port = 6371; requirePass = "forgejo"; }; }\n`),
      // Grafana's published default key: public whoever reads the repository.
      hostExample(`{ services.grafana = { enable = true; settings.security.secret_key = "SW2YcwTIb9zpOOhoPsMm"; }; }\n`),
      // The file exists branch is what is deployed: a password there is reported.
      hostExample(`{ lib, ... }: {\n  services.grafana.settings.security = if builtins.pathExists ./grafana-admin then { admin_password = "hunter2hunter2"; } else { };\n}\n`),
      // The look-alikes below with plaintext in them: a password after `!` with no file and key, a
      // CouchDB admin password that is no hash.
      hostExample(`{ services.zigbee2mqtt = { enable = true; settings.mqtt.password = "!Zb2mqtt-Pw"; }; services.couchdb = { enable = true; adminPass = "-pbkdf2-hunter2"; }; }\n`),
    ],
    silent: [
      hostExample(`{ services.grafana.settings.security.admin_password = "$__file{/run/secrets/grafana-admin}"; }\n`),
      hostExample(`{ config, ... }: { services.k3s = { enable = true; tokenFile = config.sops.secrets.k3s-token.path; token = ""; }; }\n`),
      hostExample(`{ config, ... }: { services.searx = { enable = true; environmentFile = config.sops.secrets.searx.path; settings.server.secret_key = "@SEARX_SECRET_KEY@"; }; }\n`),
      hostExample(`{ config, ... }: { services.redis.servers.forgejo = { enable = true; requirePassFile = config.age.secrets.redis.path; }; }\n`),
      // The stand-in for a git-ignored secrets file, so that a clone without it still evaluates.
      { "load-secrets.nix": `if builtins.pathExists ./secrets.nix then import ./secrets.nix else {\n  wifiPassword = "";\n  grafanaCreds = { user = "admin"; password = "admin"; };\n}\n` },
      // Zigbee2MQTT reads the password from its secrets.yaml; CouchDB keeps a pre-hashed admin as is.
      hostExample(`{ services.zigbee2mqtt = { enable = true; settings.mqtt.password = "!secrets.yaml mqtt_password"; }; services.couchdb = { enable = true; adminPass = "-pbkdf2:sha256-0e5b2f0a8c5d3e1f7a9b6c4d2e0f8a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f2a,5c1f3e7a9b2d4f6a8c0e1b3d5f7a9c2e,600000"; }; }\n`),
    ],
  },
  name: "plaintext password in an option",
  category: "secrets",
  severity: "high",
  rationale:
    "A password written as an option's value is readable by everyone with the repository, and it is copied into the world-readable Nix store (in the generated configuration file or unit) where every local user can read it.",
  fix: "Use the option's file variant (`passwordFile`, `<name>File`, `environmentFile`) pointing at an agenix or sops-nix secret, and rotate the password.",
  references: [AGENIX, SOPS_NIX, NIXOS_WIKI_SECRETS],
  compliance: { cis: ["6.1 System File Permissions", "5.4 User Accounts and Environment"], nist: ["PR.AA-01", "PR.DS-01"] },

  checkNix(ctx) {
    const lines = ctx.parsed.source.lines;
    for (const def of ctx.index.definitions) {
      if (!def.isLeaf || USERS.test(def.path) || environmentEntry(def) || missingFileFallback(def)) continue;
      const inner = unwrapped(def.value);
      if (inner?.kind !== K.NODE_STRING) continue;
      const value = staticString(inner);
      if (value === undefined) continue; // interpolated: a reference or computed
      const last = def.segments[def.segments.length - 1];
      if (!last) continue;
      const key = last.name;
      const pw = plaintextPassword(key, value, def.path);
      if (!pw) continue;
      const src = stringSource(inner)!;
      const lead = src.text.length - src.text.trimStart().length;
      const start = src.offset + lead;
      const end = src.offset + src.text.trimEnd().length;
      const secret = [{ start, end }];
      const socket = socketConnection(ctx.index, def.path, key);
      if (socket) {
        ctx.report({
          node: inner,
          range: rangeOf(lines, start, end),
          severity: "info",
          optionPath: def.path,
          message:
            `${def.path} holds a plaintext password (${pw.redacted}), but the connection goes through the Unix socket in ${socket} (its HOST is a path): ` +
            "NixOS's PostgreSQL authenticates local socket connections by the system user (peer), so this password is never checked and protects nothing. (Hygiene, not a leaked credential.)",
          evidence: redactedLine(ctx.text, lines, start, secret),
          fix: {
            safety: "manual",
            description: `Remove \`${key}\` (an unused placeholder invites reuse), or, if the database is ever reached over TCP, give the password from a file read at run time and change it.`,
          },
        });
        continue;
      }
      const publicDefault = publicDefaultSecretKey(def.path, value);
      ctx.report({
        node: inner,
        range: rangeOf(lines, start, end),
        severity: pw.severity,
        optionPath: def.path,
        message: publicDefault
          ? `${def.path} is set to ${publicDefault} (${pw.redacted}): the key is public, known to everyone whether or not they can read this repository or the Nix store, so anyone can forge this instance's signed cookies and URLs or decrypt the credentials it stores encrypted with it. Writing it in explicitly changes nothing from leaving the default.`
          : isAppSecretKeyOption(def.path)
          ? `${def.path} holds the application's secret key in plaintext (${pw.redacted}): it is readable in the repository and in the world-readable Nix store, so anyone can forge this instance's signed cookies and URLs or decrypt the credentials it stores encrypted with it.`
          :
          `${def.path} holds a plaintext password (${pw.redacted})${pw.placeholderLike ? ", a placeholder-like value that is deployed as the real password" : ""}: ` +
          "it is readable in the repository and in the world-readable Nix store.",
        evidence: redactedLine(ctx.text, lines, start, secret),
        fix: {
          safety: "manual",
          description: publicDefault
            ? `Generate a random key (e.g. \`openssl rand -base64 32\`), store it with agenix or sops-nix and use ${fileVariant(def.path, key)}. Secrets it already stored encrypted with the old key (Grafana's data-source passwords) must be entered again or migrated as its documentation on database encryption describes.`
            : `Store the ${isAppSecretKeyOption(def.path) ? "key" : "password"} with agenix or sops-nix and use ${fileVariant(def.path, key)}; then rotate it (it is in git history).`,
        },
      });
    }
  },
};
