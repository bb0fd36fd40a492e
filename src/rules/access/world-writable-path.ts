// world-writable-path: a directory or file that every local account may write, made so by the
// configuration: a tmpfiles rule (`d /var/lib/x 0777 root root -`, or the settings form) or a
// `chmod 777` / `o+w` in a unit or script. Any local user or compromised service can then plant
// or replace files there: forged data for the service that reads it, or a symlink where root
// later writes (the classic /tmp race, without /tmp's sticky bit to stop deletion and renaming).
// Not reported: the sticky-bit modes (`1777`, as /tmp), the container engines' sockets
// (docker-socket-exposed says more), modes that give others only read or execute.
//
// Also a service's Unix socket made world-writable by its own setting (Grafana's
// `server.socket_mode = "0777"`, xddxdd-nixos-config; Jellyfin's
// `JELLYFIN_kestrel__socketPermissions = "0666"`, kira-bruneau quartz; Redis `unixSocketPerm`,
// php-fpm `listen.mode`): every local account can then talk to the service directly, past the
// reverse proxy in front of it. Not a systemd socket unit's SocketMode (0666 is systemd's own
// default, the daemons behind such sockets check their peers) nor PostgreSQL's
// unix_socket_permissions (0777 by default, pg_hba decides).
import { commandName } from "../../shell/parse.js";
import { staticValue } from "../../nix/values.js";
import { rangeOf, scriptCommandHooks, type ScriptCommand, type ScriptFile } from "../anti-patterns/scripts.js";
import { SyntaxKind as K } from "../../nix/syntax.js";
import { staticString, unparen } from "../../nix/read.js";
import { syntacticPath } from "../nix-strings.js";
import { cookString, showInterpolations } from "../shared/string-lines.js";
import { hostExample } from "../shared/examples.js";
import { isDead } from "../shared/scope.js";
import { stickyMode, worldWritableMode } from "../shared/file-mode.js";
import type { NixFileContext, Rule } from "../types.js";
import { SOCKET } from "./docker-socket-exposed.js";

/** tmpfiles types that create or adjust a directory (d, D, e, v, q, Q) or a file (f, F, w, C),
 * and z/Z, which set the mode of whatever is there. */
const DIRECTORY_TYPES = /^[dDevqQ]!?-?$/;
const MODE_TYPES = /^[dDevqQfFwCzZ]!?[-+]?$/;

function tmpfilesFinding(rule: string): { path: string; mode: string; directory: boolean } | undefined {
  const f = rule.trim().split(/\s+/);
  if (f.length < 3 || !MODE_TYPES.test(f[0]!)) return undefined;
  const [type, path, mode] = f as [string, string, string];
  if (SOCKET.test(path) || !worldWritableMode(mode) || stickyMode(mode)) return undefined;
  return { path, mode, directory: DIRECTORY_TYPES.test(type) || /^[zZ]/.test(type) };
}

function message(where: string, path: string, mode: string, directory: boolean): string {
  return directory
    ? `${where} gives ${showInterpolations(path)} mode ${mode}: every local account and service can create, replace and delete files there (no sticky bit), so whatever reads that directory, or writes into it as root, can be fed forged files or symlinks.`
    : `${where} gives ${showInterpolations(path)} mode ${mode}: every local account and service can rewrite it.`;
}

const FIX = "Give the directory an owner and a group (the services that write it) and mode 0770 or 0750; where every user must drop files, use the sticky bit (1777) as /tmp does.";

/** Paths the script tests for being a socket (`[ -S "$path" ]`, `test -S path`): what it then
 * chmods is a Unix socket, not a directory. */
function testedSockets(cmds: ScriptCommand[]): Set<string> {
  const out = new Set<string>();
  for (const { argv } of cmds) {
    const name = commandName(argv[0]);
    if (name !== "[" && name !== "test" && name !== "[[") continue;
    argv.forEach((w, i) => {
      if (w.value === "-S" && argv[i + 1]) out.add(argv[i + 1]!.value);
    });
  }
  return out;
}

/** Below /tmp, /var/tmp or /dev/shm: temporary or shared-memory file systems, where
 * world-writable paths are the usual thing. */
const VOLATILE = /^\/(?:tmp|var\/tmp|dev\/shm)\//;

function checkCommands(cmds: ScriptCommand[], { lines, report }: ScriptFile): void {
  const sockets = testedSockets(cmds);
  for (const { argv, what } of cmds) {
    if (commandName(argv[0]) !== "chmod") continue;
    const args = argv.slice(1).filter((w) => !/^-[A-Za-z]+$/.test(w.value) && !w.value.startsWith("--"));
    const mode = args[0];
    if (!mode || !worldWritableMode(mode.value) || stickyMode(mode.value)) continue;
    const targets = args.slice(1).filter((w) => !SOCKET.test(w.value));
    if (targets.length === 0) continue;
    const path = targets[0]!.value;
    // A Unix socket (the script waits for it with `-S`: emilylange-nixos-config's hedgedoc
    // postStart, called "create, replace and delete files"): writing it means connecting to it.
    if (sockets.has(path)) {
      const where = what === "shell script" ? "This script" : `The script in ${what}`;
      report({
        range: rangeOf(lines, argv[0]!.start, targets[0]!.end),
        key: `chmod:${what}:${path}`,
        severity: "low",
        title: "World-writable Unix socket",
        message: `${where} runs \`chmod ${mode.value} ${showInterpolations(path)}\` on a Unix socket (it waits for it with \`-S\`): every local account and service can connect to it and reach the service directly, past the reverse proxy in front of it (its TLS, access rules and rate limits), with only the service's own login left.`,
        evidence: `chmod ${mode.value} ${showInterpolations(path)}`,
        fix: { safety: "manual", description: SOCKET_FIX },
      });
      continue;
    }
    report({
      range: rangeOf(lines, argv[0]!.start, targets[0]!.end),
      key: `chmod:${what}:${path}`,
      // Below /tmp a world-writable directory is the usual thing, but without the sticky bit.
      severity: VOLATILE.test(path) ? "low" : "medium",
      title: "World-writable path",
      message: `${what === "shell script" ? "This script" : `The script in ${what}`} runs \`chmod ${mode.value} ${showInterpolations(path)}\`: every local account and service can then create, replace and delete files there (no sticky bit), so whatever reads it, or writes into it as root, can be fed forged files or symlinks.`,
      evidence: `chmod ${mode.value} ${showInterpolations(path)}`,
      fix: { safety: "manual", description: FIX },
    });
  }
}

/** Settings that set the mode of a service's own Unix socket, what connecting gives, and how bad. */
const SOCKET_MODES: Array<{ option: RegExp; service: (m: RegExpExecArray) => string; gives: string; severity: "low" | "medium" }> = [
  {
    option: /^services\.grafana\.settings\.server\.socket_mode$/,
    service: () => "Grafana",
    gives: "reach Grafana directly, past the reverse proxy in front of it (its TLS, access rules and rate limits), with only Grafana's own login left",
    severity: "low",
  },
  {
    option: /^services\.redis\.servers\.([^.]+)\.unixSocketPerm$/,
    service: (m) => `Redis (${m[1]!.replace(/^"|"$/g, "") || "default"})`,
    gives: "read and rewrite the whole database (and, with CONFIG SET, files the redis user can write), unless requirePass is set",
    severity: "medium",
  },
  {
    option: /^services\.phpfpm\.pools\.([^.]+)\.settings\."listen\.mode"$/,
    service: (m) => `the php-fpm pool ${m[1]!.replace(/^"|"$/g, "")}`,
    gives: "send FastCGI requests and have any PHP file the pool's user can read run as that user (a script they write to /tmp included)",
    severity: "medium",
  },
];

/** An octal socket mode as written (`"0777"`, `777`, `"666"`), when it lets others write (connect). */
function worldWritableSocketMode(value: unknown): string | undefined {
  const mode = typeof value === "number" ? String(value) : typeof value === "string" ? value.trim() : undefined;
  return mode !== undefined && /^0?[0-7]{3}$/.test(mode) && worldWritableMode(mode) ? mode : undefined;
}

/** A unit's environment variable that sets its socket's mode: JELLYFIN_kestrel__socketPermissions,
 * APP_SOCKET_MODE, SOCKET_PERMISSIONS. */
const SOCKET_MODE_VARIABLE = /^(?:[A-Za-z0-9]+_+)*(?:kestrel_+)?socket_?(?:mode|perm(?:ission)?s?)$/i;

/** The environment variables, read from the syntax (a unit's set is often wrapped in a helper,
 * `systemd.services.jellyfin = netns.bind { environment = …; }` in xddxdd-nixos-config, where the
 * option index does not follow). */
function checkSocketVariables(ctx: NixFileContext): void {
  for (const b of ctx.parsed.root.descendants(K.NODE_ATTRPATH_VALUE)) {
    const path = syntacticPath(b);
    const name = path.at(-1);
    const env = path.lastIndexOf("environment");
    if (!name || !SOCKET_MODE_VARIABLE.test(name) || env !== path.length - 2) continue;
    const value = unparen(b.childNodes()[1]);
    const mode = worldWritableSocketMode(value?.kind === K.NODE_STRING ? staticString(value) : undefined);
    if (!mode || !value) continue;
    const unit = path[0] === "systemd" && path[1] === "services" && path[2] && path[2] !== "*" ? path[2] : undefined;
    ctx.report({
      node: value,
      optionPath: path.join("."),
      key: `socket:${path.join(".")}`,
      severity: "low",
      title: "World-writable Unix socket",
      message: `${name} = "${mode}"${unit ? ` in ${unit}'s environment` : ""} makes ${unit ?? "the service"}'s Unix socket writable by every local account: any user or compromised service on the machine can connect to it and reach the service directly, past the reverse proxy in front of it (its TLS, access rules and rate limits), with only the service's own login left.`,
      fix: { safety: "manual", description: SOCKET_FIX },
    });
  }
}

const SOCKET_FIX = "Set the mode to \"0660\" (or \"0770\") and let only the socket's group connect: put the reverse proxy's account in it (`users.users.nginx.extraGroups = [ \"<the service's group>\" ];`) instead of opening the socket to everyone.";

function checkSocketModes(ctx: NixFileContext): void {
  if (!/socket|listen\.mode/i.test(ctx.text)) return;
  checkSocketVariables(ctx);
  for (const def of ctx.index.definitions) {
    if (isDead(def)) continue;
    for (const s of SOCKET_MODES) {
      const m = s.option.exec(def.path);
      if (!m) continue;
      const mode = worldWritableSocketMode(staticValue(def.inner));
      if (!mode) continue;
      const service = s.service(m);
      ctx.report({
        node: def.inner ?? def.binding,
        optionPath: def.path,
        key: `socket:${def.path}`,
        severity: s.severity,
        title: "World-writable Unix socket",
        message: `${def.path} = "${mode}" makes ${service}'s Unix socket writable by every local account: any user or compromised service on the machine can connect to it and ${s.gives}.`,
        fix: { safety: "manual", description: SOCKET_FIX },
      });
      break;
    }
  }
}

function checkOptions(ctx: NixFileContext): void {
  checkSocketModes(ctx);
  for (const def of ctx.index.definitions) {
    if (isDead(def)) continue;
    if (def.path === "systemd.tmpfiles.rules") {
      // Each element as written; an interpolated path (`"d ${stateDir}/inbox 0777 root root -"`)
      // keeps its mode and type, which is what is judged.
      const list = unparen(def.inner);
      const elements = list?.kind === K.NODE_LIST ? list.childNodes() : def.inner ? [def.inner] : [];
      const rules = elements.map((e) => cookString(e)?.text).filter((x): x is string => x !== undefined);
      for (const rule of rules) {
        const hit = tmpfilesFinding(rule);
        if (!hit) continue;
        ctx.report({
          node: def.inner ?? def.binding,
          optionPath: def.path,
          key: `tmpfiles:${rule}`,
          // In a temporary or shared-memory file system, as for chmod above: an exchange file
          // between a user's programs (starcraft66-os-config's /dev/shm/looking-glass between the
          // desktop user and the VM: judged low), gone at reboot.
          severity: VOLATILE.test(hit.path) ? "low" : "medium",
          title: "World-writable path",
          message: message(`The tmpfiles rule \`${showInterpolations(rule.trim())}\``, hit.path, hit.mode, hit.directory),
          evidence: showInterpolations(rule.trim()),
          fix: { safety: "manual", description: FIX },
        });
      }
      continue;
    }
    // systemd.tmpfiles.settings.<name>."<path>".<type>.mode = "0777";
    const m = /^systemd\.tmpfiles\.settings\.[^.]+\.(.+)\.([a-zA-Z])\.mode$/.exec(def.path);
    if (m) {
      const mode = staticValue(def.inner);
      if (typeof mode !== "string" || SOCKET.test(m[1]!) || !worldWritableMode(mode) || stickyMode(mode)) continue;
      ctx.report({
        node: def.inner ?? def.binding,
        optionPath: def.path,
        severity: "medium",
        title: "World-writable path",
        message: message(`systemd.tmpfiles.settings`, m[1]!.replace(/^"|"$/g, ""), mode, /^[dDevqQzZ]$/.test(m[2]!)),
        fix: { safety: "manual", description: FIX },
      });
    }
  }
}

export const worldWritablePath: Rule = {
  id: "world-writable-path",
  name: "World-writable directory or file",
  category: "access",
  severity: "medium",
  rationale:
    "A path every local account may write is a path any compromised service or user can tamper with: forged input for the service that reads it, and, in a directory without the sticky bit, symlinks planted where root later writes. A service's Unix socket opened to everyone (Grafana's socket_mode, Jellyfin's socketPermissions, Redis unixSocketPerm, php-fpm listen.mode) lets every local account talk to the service past the reverse proxy in front of it.",
  fix: FIX,
  references: [
    { title: "tmpfiles.d(5): type, path, mode", url: "https://www.freedesktop.org/software/systemd/man/latest/tmpfiles.d.html" },
    { title: "CWE-732: Incorrect Permission Assignment for Critical Resource", url: "https://cwe.mitre.org/data/definitions/732.html" },
  ],
  compliance: { cis: ["6.1 System File Permissions"], nist: ["PR.AA-05", "PR.PS-01"] },
  examples: {
    fire: [
      hostExample(`{\n  systemd.tmpfiles.rules = [ "d /var/lib/node_exporter/textfile_collector 0777 root root -" ];\n}\n`),
      hostExample(`{ pkgs, ... }: {\n  systemd.services.runner-dirs.script = ''\n    for i in 1 2; do\n      mkdir -p /srv/runner-work-$i\n      chmod 777 /srv/runner-work-$i\n    done\n  '';\n}\n`),
      hostExample(`{\n  systemd.tmpfiles.settings."10-inbox"."/var/lib/agent/inbox".d = { mode = "0777"; user = "root"; group = "root"; };\n}\n`),
      // A service's own socket opened to every local account, behind nginx.
      hostExample(`{\n  services.grafana.settings.server = { protocol = "socket"; socket = "/run/grafana/grafana.sock"; socket_mode = "0777"; };\n}\n`),
      hostExample(`{\n  systemd.services.jellyfin.environment = {\n    JELLYFIN_kestrel__socket = "true";\n    JELLYFIN_kestrel__socketPath = "/run/jellyfin/socket";\n    JELLYFIN_kestrel__socketPermissions = "0666";\n  };\n}\n`),
      // A Unix socket the script waits for (`-S`) and then opens to everyone: low, and said as a socket.
      hostExample(`{\n  systemd.services.web.postStart = ''\n    until [ -S /run/web/web.sock ]; do sleep 0.5; done\n    chmod 777 /run/web/web.sock\n  '';\n}\n`),
    ],
    silent: [
      hostExample(`{\n  systemd.tmpfiles.rules = [\n    "d /var/lib/shared 1777 root root -"\n    "d /var/lib/app 0750 app app -"\n    "d /srv/public 0755 root root -"\n    "z /run/docker.sock 0660 root docker -"\n  ];\n}\n`),
      hostExample(`{ pkgs, ... }: {\n  systemd.services.fix.script = ''\n    chmod 755 /srv/www\n    chmod o+r /srv/www/index.html\n    chmod 1777 /srv/drop\n    chmod g+w /srv/shared\n  '';\n}\n`),
      // A socket for the proxy's group only; systemd's default socket mode; PostgreSQL's (pg_hba decides).
      hostExample(`{\n  services.grafana.settings.server = { protocol = "socket"; socket_mode = "0660"; };\n  systemd.sockets.app.socketConfig.SocketMode = "0666";\n  services.postgresql.settings.unix_socket_permissions = "0777";\n  services.redis.servers.cache.unixSocketPerm = 660;\n}\n`),
    ],
  },
  ...scriptCommandHooks(checkCommands, checkOptions),
};
