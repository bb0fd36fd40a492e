// agenix / sops-nix secrets decrypted with a mode that lets other users read them
// (`age.secrets.x.mode = "0644"`), or readable by the `users` group that every human account is in.
// The decrypted file under /run/agenix or /run/secrets is the plaintext secret; its mode is the only
// thing between it and every local user and process.
import type { OptionDefinition } from "../../nix/options.js";
import { SyntaxKind as K } from "../../nix/syntax.js";
import { staticValue } from "../../nix/values.js";
import { nixString, replaceNode, setOption } from "../../nix/edit.js";
import { isStaticallyDisabled, unwrapped } from "../nix-strings.js";
import type { NixFileContext, Rule, RuleReport, TextEdit } from "../types.js";
import { AGENIX, SOPS_NIX } from "./compliance.js";
import { hostExample } from "../shared/examples.js";
import { escapeRegExp } from "../../text/regexp.js";
import { filesAnswering } from "../shared/track.js";

/** `age.secrets.<n>.mode`, `sops.secrets.<n>.mode`, `sops.templates.<n>.mode`. */
function isSecretMode(def: OptionDefinition): boolean {
  const [a, b, , d, ...rest] = def.segments.map((s) => s.name);
  return rest.length === 0 && d === "mode" && ((a === "age" && b === "secrets") || (a === "sops" && (b === "secrets" || b === "templates")));
}

/** Octal mode digits of a value (`"0644"`, `"644"`, `"u=rw,go=r"` is not handled: undefined). */
export function parseMode(value: unknown): number | undefined {
  if (typeof value !== "string" || !/^[0-7]{3,4}$/.test(value)) return undefined;
  return parseInt(value, 8);
}

// Modules whose service runs as a fixed, well-known account (the NixOS default of its `user`).
const MODULE_USERS: Record<string, string> = {
  grafana: "grafana",
  gitea: "gitea",
  forgejo: "forgejo",
  vaultwarden: "vaultwarden",
  nextcloud: "nextcloud",
  postgresql: "postgres",
  nginx: "nginx",
  caddy: "caddy",
  prometheus: "prometheus",
  "matrix-synapse": "matrix-synapse",
  hydra: "hydra",
  jellyfin: "jellyfin",
  paperless: "paperless",
  mastodon: "mastodon",
  mosquitto: "mosquitto",
  "home-assistant": "hass",
  redis: "redis",
  loki: "loki",
  alertmanager: "alertmanager",
  keycloak: "keycloak",
  authelia: "authelia",
  // Backup jobs run as root unless the job sets its own user.
  restic: "root",
  borgbackup: "root",
};

/** Who reads a secret: a service that refers to `config.age.secrets.<n>.path` (or sops'), in the
 * secret's own file first, then in the other files of the hosts that include it (the secret
 * declared in secrets.nix, the service in its own module), and the account it runs as, read from
 * any of those files. `dynamic`: a DynamicUser service (no fixed account to own the file; it should
 * get the secret through LoadCredential). */
export function secretConsumer(files: readonly NixFileContext[], manager: "age" | "sops", kind: string, name: string): { service: string; file: string; user?: string; group?: string; dynamic?: boolean } | undefined {
  const quoted = escapeRegExp(name);
  const ref = new RegExp(`\\b${manager}\\.${kind}\\.(?:"${quoted}"|${quoted})\\.path\\b`);
  const defsOf = (path: string) => files.flatMap((f) => f.index.byPath.get(path) ?? []);
  const str = (path: string) => {
    const v = defsOf(path).map((d) => staticValue(d.inner)).find((x) => typeof x === "string");
    return typeof v === "string" ? v : undefined;
  };
  for (const ctx of files) {
    if (!ctx.text.includes(name)) continue;
    for (const def of ctx.index.definitions) {
      if (!def.inner || !ref.test(def.inner.text)) continue;
      const segs = def.segments.map((x) => (x.dynamic ? "*" : x.name));
      if (segs[0] === "systemd" && segs[1] === "services" && segs[2] && segs[2] !== "*") {
        const unit = `systemd.services.${def.segments[2]!.node.text}`;
        const user = str(`${unit}.serviceConfig.User`);
        const group = str(`${unit}.serviceConfig.Group`);
        const dynamic = defsOf(`${unit}.serviceConfig.DynamicUser`).some((d) => staticValue(d.inner) === true);
        // No User= and no DynamicUser: systemd runs it as root.
        if (dynamic && !user) return { service: `systemd.services.${segs[2]}`, file: ctx.file, dynamic };
        return { service: `systemd.services.${segs[2]}`, file: ctx.file, user: user ?? "root", ...(group ? { group } : {}) };
      }
      if (segs[0] === "services" && segs[1] && segs[1] !== "*") {
        const user = str(`services.${def.segments[1]!.node.text}.user`) ?? MODULE_USERS[segs[1]];
        const group = str(`services.${def.segments[1]!.node.text}.group`);
        return { service: `services.${segs[1]}`, file: ctx.file, ...(user ? { user } : {}), ...(group ? { group } : {}) };
      }
    }
  }
  return undefined;
}

/** The fix for a secret's mode: the new mode, and the consuming service as owner when the secret
 * would otherwise be root's alone (a mode fix without it locks the service out). No edits when who
 * reads it, or as which account, is not known: a patch would lock the reader out. */
function modeFix(ctx: NixFileContext, def: OptionDefinition, fixed: string, hostFiles: readonly NixFileContext[]): { edits?: TextEdit[]; note: string } {
  const valueNode = unwrapped(def.value) ?? def.value!;
  const edits: TextEdit[] = [replaceNode(ctx.file, valueNode, nixString(fixed))];
  const [manager, kind] = [def.segments[0]!.name as "age" | "sops", def.segments[1]!.name];
  const nameSeg = def.segments[2]!;
  const prefix = def.path.slice(0, -".mode".length);
  const owner = groupOf(ctx.index.byPath.get(`${prefix}.owner`) ?? []);
  const consumer = nameSeg.dynamic ? undefined : secretConsumer([ctx, ...hostFiles], manager, kind, nameSeg.name);
  const where = consumer && consumer.file !== ctx.file ? ` (in ${consumer.file})` : "";
  if (owner && owner !== "root") return { edits, note: ` The owner stays ${owner}.` };
  if (!consumer) {
    return {
      note: ` No service in this file${hostFiles.length ? " or the other files of its hosts" : ""} refers to ${manager}.${kind}.${nameSeg.name}.path, so no patch: whoever reads it (a service elsewhere, or a user's tools) would lose access. Set \`${prefix}.owner\` (or group, with "0440") to that account, then narrow the mode.`,
    };
  }
  if (consumer.dynamic) {
    return {
      note: ` ${consumer.service}${where} reads it with DynamicUser, which no file can be owned by: keep it root's and hand it over with serviceConfig.LoadCredential = [ "${nameSeg.name}:\${config.${manager}.${kind}.${nameSeg.name}.path}" ] (read from $CREDENTIALS_DIRECTORY).`,
    };
  }
  if (!consumer.user) {
    return {
      note: ` ${consumer.service}${where} reads it, and the account it runs as is not known here (its module may use DynamicUser, which no file can be owned by), so no patch: make that account the owner (or hand the secret over with LoadCredential), then narrow the mode.`,
    };
  }
  if (consumer.user === "root") return { edits, note: ` ${consumer.service}${where} reads it as root, which keeps access.` };
  // In the secret's own set: the owner beside the mode (setOption adds it there).
  const pathSegs = def.segments.slice(0, 3).map((x) => x.name);
  const e = setOption(ctx.file, ctx.text, ctx.parsed.root, ctx.index, [...pathSegs, "owner"], nixString(consumer.user));
  if (e) edits.push(e);
  return { edits, note: ` The owner becomes ${consumer.user}, the account ${consumer.service}${where} runs as, so it keeps reading it.` };
}

export const worldReadableSecret: Rule = {
  id: "world-readable-secret",
  examples: {
    fire: [
      hostExample(`{ age.secrets.db = { file = ./db.age; mode = "0644"; }; }\n`),
      // The fix makes the reading service the owner, so it keeps access.
      hostExample(
        `{ config, ... }: {\n  age.secrets.db = { file = ./db.age; mode = "0444"; };\n  systemd.services.app = {\n    serviceConfig.User = "app";\n    serviceConfig.ExecStart = "/run/current-system/sw/bin/app --password-file \${config.age.secrets.db.path}";\n  };\n}\n`,
      ),
      hostExample(`{ config, ... }: {\n  sops.secrets.grafana = { mode = "0644"; };\n  services.grafana.settings.security.admin_password = "$__file{\${config.sops.secrets.grafana.path}}";\n}\n`),
      // "publish" and "pubtoken" are not public keys.
      hostExample(`{ sops.secrets.publish_token = { mode = "0644"; path = "/run/secrets/publish.pubtoken"; }; }\n`),
      // A certificate alone may bundle its private key (HAProxy's PEM files): still judged.
      hostExample(`{ age.secrets."haproxy-cert" = { file = ./haproxy.pem.age; mode = "0644"; }; }\n`),
      // Beside a pam_u2f setup, a secret that is not its authfile is still judged.
      hostExample(`{ config, ... }: {\n  security.pam.u2f = { enable = true; settings.authfile = config.sops.secrets.u2f-mappings.path; };\n  sops.secrets.u2f-mappings = { mode = "0444"; };\n  sops.secrets.wifi-psk = { mode = "0444"; };\n}\n`),
      // A networkd unit rendered by sops with a key in it: a .netdev's WireGuard PrivateKey=.
      hostExample(`{ config, ... }: {\n  sops.templates."50-wg0.netdev" = {\n    mode = "0444";\n    path = "/etc/systemd/network/50-wg0.netdev";\n    content = ''\n      [NetDev]\n      Name=wg0\n      Kind=wireguard\n      [WireGuard]\n      PrivateKey=\${config.sops.placeholder.wg-key}\n    '';\n  };\n}\n`),
    ],
    silent: [
      hostExample(`{ age.secrets.db = { file = ./db.age; mode = "0400"; owner = "postgres"; }; }\n`),
      // A public key kept with its private key: 0644 is its normal mode (by its name, or by its path).
      // A certificate whose private key is its own secret beside it.
      hostExample(`{\n  age.secrets."syncthing-cert" = { file = ./cert.age; mode = "644"; };\n  age.secrets."syncthing-key" = { file = ./key.age; mode = "600"; };\n}\n`),
      // pam_u2f's mappings (key handles and public keys), read by a screen locker running as the user.
      hostExample(`{ config, ... }: {\n  security.pam.u2f = { enable = true; settings.authfile = config.sops.secrets.u2f-mappings.path; };\n  sops.secrets.u2f-mappings = { path = "/etc/u2f_mappings"; mode = "0444"; };\n}\n`),
      // A .network file whose placeholders are the host's own address and gateway, which every
      // local user sees with \`ip addr\` and \`ip route\`.
      hostExample(`{ config, ... }: {\n  sops.templates."10-primary.network" = {\n    mode = "0444";\n    path = "/etc/systemd/network/10-primary.network";\n    content = ''\n      [Match]\n      Name=ens3\n      [Network]\n      Address=\${config.sops.placeholder.publicIP}/24\n      [Route]\n      Gateway=\${config.sops.placeholder.gateway}\n    '';\n  };\n}\n`),
      hostExample(
        `{\n  sops.secrets.initrd_ssh_host_ed25519_key = { mode = "0600"; path = "/etc/ssh/initrd_ssh_host_ed25519_key"; };\n  sops.secrets.initrd_ssh_host_ed25519_key_pub = { mode = "0644"; path = "/etc/ssh/initrd_ssh_host_ed25519_key.pub"; };\n  age.secrets."deploy.pub" = { file = ./deploy.pub.age; mode = "0444"; };\n  sops.secrets.host_key = { mode = "0644"; path = "/etc/ssh/ssh_host_ed25519_key.pub"; };\n}\n`,
      ),
    ],
  },
  name: "decrypted secret readable by other users",
  category: "secrets",
  severity: "high",
  rationale:
    "agenix and sops-nix decrypt secrets to files under /run; their mode decides who can read the plaintext. A mode with read for others (0644, 0444, 0604) gives the secret to every local user and every compromised service.",
  fix: "Use mode 0400 (or 0440 with a dedicated group) and set `owner`/`group` to the account of the service that reads the secret.",
  references: [
    { title: "agenix: age.secrets.<name>.mode", url: "https://github.com/ryantm/agenix#agesecretsnamemode" },
    { title: "sops-nix: setting a user/group/mode for secrets", url: "https://github.com/Mic92/sops-nix#set-secret-permissionowner-and-allow-services-to-access-it" },
    AGENIX,
    SOPS_NIX,
  ],
  compliance: { cis: ["6.1 System File Permissions"], nist: ["PR.AA-05", "PR.DS-01"] },

  // Across files: the service reading a secret is often in another module of the same hosts.
  checkRepository(files, sink) {
    const byHost = new Map<string, NixFileContext[]>();
    for (const f of files) for (const h of f.hosts) (byHost.get(h) ?? byHost.set(h, []).get(h)!).push(f);
    for (const ctx of filesAnswering(files, "world-readable-secret", (c) => /\b(?:age|sops)\b/.test(c.text))) {
      const others = () => [...new Set(ctx.hosts.flatMap((h) => byHost.get(h) ?? []))].filter((f) => f !== ctx).sort((a, b) => (a.file < b.file ? -1 : 1));
      checkFile(ctx, others, (r) => sink.report(ctx, r), files);
    }
  },
};

/** A public key kept beside its private key in the secret manager (`initrd_ssh_host_ed25519_key_pub`,
 * `"ssh_host.pub"`, or a `path` ending in `.pub`): nothing in it is secret, and 0644 is its normal mode. */
export function isPublicKeySecret(ctx: NixFileContext, def: OptionDefinition): boolean {
  const nameSeg = def.segments[2]!;
  // Also a path-like name (`gpg/public_key`, dc-tec-nixos-config's GPG public key at 0644, judged
  // harmful at high: narrowing it gains nothing).
  if (!nameSeg.dynamic && /(?:^|[/_.-])(?:pub|pubkey|public[_-]?key)$/i.test(nameSeg.name)) return true;
  // A certificate whose private key is a secret of its own beside it (`syncthing-cert` with
  // `syncthing-key`, dustinlyons modules/darwin/secrets.nix, judged wrong at high): the certificate
  // is public. A lone "cert" may bundle its key (HAProxy's PEM files do), so it is still judged.
  const cert = nameSeg.dynamic ? null : /^(.*?)[_.-]?(?:cert|crt|certificate)$/i.exec(nameSeg.name);
  if (cert?.[1]) {
    const stem = cert[1];
    const keys = new Set([`${stem}-key`, `${stem}_key`, `${stem}.key`, `${stem}-private-key`, `${stem}_private_key`]);
    const [manager, secrets] = def.segments;
    const sibling = (d: OptionDefinition) => d.segments.length >= 3 && d.segments[0]!.name === manager!.name && d.segments[1]!.name === secrets!.name && !d.segments[2]!.dynamic && keys.has(d.segments[2]!.name);
    if (ctx.index.definitions.some(sibling)) return true;
  }
  const prefix = def.path.slice(0, -".mode".length);
  const path = (ctx.index.byPath.get(`${prefix}.path`) ?? []).map((d) => staticValue(d.value)).find((v) => typeof v === "string");
  if (typeof path === "string" && (/\.pub$/i.test(path) || /(?:^|[/_.-])public[_-]?key\.(?:asc|gpg|pem)$/i.test(path))) return true;
  return !nameSeg.dynamic && u2fAuthFile(ctx, def.segments[0]!.name, nameSeg.name, path);
}

/** Settings of a systemd-networkd .network file (systemd.network(5)) whose values become the
 * interface's addresses, routes and resolvers: state every local user reads anyway (`ip addr`,
 * `ip route` over netlink, /etc/resolv.conf). */
const NETWORK_PUBLIC_SETTINGS = new Set(["name", "macaddress", "permanentmacaddress", "address", "peer", "gateway", "dns", "domains", "ntp", "destination", "source", "preferredsource", "prefix", "routeprefix", "ipv6token", "token"]);

/**
 * A sops template that renders a systemd-networkd `.network` file (by its name or path) whose
 * placeholders all sit in address, route and resolver settings: values kept out of the repository
 * (the host's public IP and gateway), but no secret on the host itself, where every user sees them
 * with `ip addr` and `ip route`; .network files are world-readable as a rule (tschwemley-nixos-config
 * systemd-networkd.nix's 10-primary.network at 0444, judged wrong). A .netdev (WireGuard's
 * PrivateKey=) or any other setting from a placeholder is still judged.
 */
function networkUnitOfPublicState(ctx: NixFileContext, def: OptionDefinition): boolean {
  const [manager, kind, nameSeg] = def.segments;
  if (manager!.name !== "sops" || kind!.name !== "templates" || nameSeg!.dynamic) return false;
  const prefix = def.path.slice(0, -".mode".length);
  const path = (ctx.index.byPath.get(`${prefix}.path`) ?? []).map((d) => staticValue(d.value)).find((v) => typeof v === "string");
  if (!/\.network$/.test(nameSeg!.name) && !(typeof path === "string" && /\.network$/.test(path))) return false;
  const contents = ctx.index.byPath.get(`${prefix}.content`) ?? [];
  const content = contents.length === 1 ? (unwrapped(contents[0]!.value) ?? contents[0]!.value) : undefined;
  if (content?.kind !== K.NODE_STRING) return false;
  const text = content.text;
  const placeholders = [...text.matchAll(/\$\{\s*config\.sops\.placeholder\.(?:"[^"]*"|[\w-]+)\s*\}/g)];
  if (placeholders.length === 0) return false;
  return placeholders.every((m) => {
    const line = text.slice(text.lastIndexOf("\n", m.index) + 1, m.index);
    const setting = /^\s*([A-Za-z0-9]+)\s*=/.exec(line)?.[1];
    return setting !== undefined && NETWORK_PUBLIC_SETTINGS.has(setting.toLowerCase());
  });
}

/** The secret is pam_u2f's authfile (`security.pam.u2f.settings.authfile`, or the older
 * `security.pam.u2f.authFile`): user names with key handles and public keys, no secret, and a
 * screen locker running as the user must read it (hyperparabolic-nix-config
 * modules/desktop/pam-u2f.nix, u2f-mappings at 0444, judged wrong with a harmful fix). */
function u2fAuthFile(ctx: NixFileContext, manager: string, name: string, path: string | undefined): boolean {
  const refs = [`${manager}.secrets.${name}.path`, `${manager}.secrets."${name}".path`];
  return ctx.index.definitions.some((d) => {
    if (!/^security\.pam\.u2f\.(?:settings\.authfile|authFile)$/.test(d.path)) return false;
    const text = d.value?.text ?? "";
    return refs.some((r) => text.includes(r)) || (path !== undefined && staticValue(d.value) === path);
  });
}

/** The places of the repository that read a secret (`<manager>.<kind>.<name>.path`, sops-nix's
 * `config.sops.placeholder.<name>` in a template), as `file:line`, the secret's own file first. */
function secretReaders(files: readonly NixFileContext[], manager: string, kind: string, name: string): string[] {
  const quoted = escapeRegExp(name);
  const ref = new RegExp(`\\b${manager}\\.(?:${kind}\\.(?:"${quoted}"|${quoted})\\.path|placeholder\\.(?:"${quoted}"|${quoted}))\\b`, "g");
  const out: string[] = [];
  for (const f of files) {
    if (!f.text.includes(name)) continue;
    for (const m of f.text.matchAll(ref)) {
      const lineStart = f.text.lastIndexOf("\n", m.index) + 1;
      const line = f.text.slice(lineStart, f.text.indexOf("\n", m.index) >>> 0);
      // An option's documented example (`example = literalExpression ''config.age.secrets.x.path''`) reads nothing.
      if (/literalExpression|literalExample|\bexample\s*=|^\s*#/.test(line)) continue;
      out.push(`${f.file}:${f.text.slice(0, m.index).split("\n").length}`);
    }
  }
  return out;
}

function checkFile(ctx: NixFileContext, hostFiles: () => NixFileContext[], report: (r: RuleReport) => void, allFiles: readonly NixFileContext[] = []): void {
  {
    for (const def of ctx.index.definitions) {
      if (def.segments.length !== 4 || !isSecretMode(def) || isStaticallyDisabled(def)) continue;
      const mode = parseMode(staticValue(def.value));
      if (mode === undefined) continue;
      if (isPublicKeySecret(ctx, def)) continue;
      if (networkUnitOfPublicState(ctx, def)) continue;
      const prefix = def.path.slice(0, -".mode".length);
      const group = groupOf(ctx.index.byPath.get(`${prefix}.group`) ?? []);
      const valueNode = unwrapped(def.value) ?? def.value!;
      const modeText = (staticValue(def.value) as string).padStart(4, "0");
      if (mode & 0o004) {
        const fixed = (mode & ~0o007).toString(8).padStart(4, "0");
        // One secret read by services in several files: a password shared between them
        // (xddxdd-nixos-config's default-pw, 0444 on every host, is Hydra's password, an admin
        // token of two services and a CalDAV password). Narrowing the mode for one reader would
        // lock the others out: no patch, the readers named.
        const nameSeg = def.segments[2]!;
        const readers = nameSeg.dynamic ? [] : secretReaders(allFiles, def.segments[0]!.name, def.segments[1]!.name, nameSeg.name);
        const readerFiles = new Set(readers.map((r) => r.replace(/:\d+$/, "")));
        const shared = readerFiles.size >= 2;
        const shown = readers.slice(0, 5).join(", ") + (readers.length > 5 ? `, and ${readers.length - 5} more` : "");
        report({
          node: valueNode,
          optionPath: def.path,
          message:
            `${def.path} = "${modeText}" lets every local user read the decrypted secret${mode & 0o002 ? " (and write it)" : ""}.` +
            (shared ? ` It is used in ${readers.length} places (${shown}): several services share it, so every local account can use it as any of them does.` : ""),
          fix: shared
            ? {
                safety: "manual" as const,
                description: `Set the mode to "${fixed}" with a group that every account reading it is in (the services at ${shown}); better, give each service its own secret, owned by the account that reads it with mode "0400", so one leak is not a leak of all. No patch: narrowing the mode for one reader would lock the others out.`,
              }
            : (() => {
                const f = modeFix(ctx, def, fixed, hostFiles());
                return { safety: "review" as const, description: `Set the mode to "${fixed}" (no access for others).${f.note}`, edits: f.edits };
              })(),
        });
      } else if (mode & 0o040 && group === "users") {
        const fixed = (mode & ~0o070).toString(8).padStart(4, "0");
        report({
          node: valueNode,
          optionPath: def.path,
          severity: "medium",
          message: `${def.path} = "${modeText}" with group "users" lets every human account read the decrypted secret.`,
          fix: (() => {
            const f = modeFix(ctx, def, fixed, hostFiles());
            return { safety: "review" as const, description: `Drop group read ("${fixed}"), or set the group to the service's own group.${f.note}`, edits: f.edits };
          })(),
        });
      }
    }
  }
}

function groupOf(defs: OptionDefinition[]): string | undefined {
  for (const d of defs) {
    const v = staticValue(d.value);
    if (typeof v === "string") return v;
  }
  return undefined;
}
