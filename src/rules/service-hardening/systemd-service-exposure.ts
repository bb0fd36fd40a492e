// Service hardening: every `systemd.services.<name>` a repository defines gets the systemd sandbox
// exposure score `systemd-analyze security --offline=yes` gives the unit NixOS generates from it
// (the real tool when installed, else the built-in scorer with the same numbers). Severity follows
// attack surface: network-facing daemons above local daemons above jobs, root above a user of its
// own; a oneshot or timer job is reported (low) only when it runs as root and takes input from the
// network or reads everyone's files. The fix adds a sound baseline, without MemoryDenyWriteExecute
// for JIT runtimes, without DynamicUser/User=/RestrictNamespaces for jobs that must run as root
// (container engines, the Nix store), and without DynamicUser, ProtectHome or ProtectSystem=strict
// for backups, virus scans and scripts working in $HOME. Early-boot units are not reported.
import { baselineToNix, hardeningBaseline, type BaselineValue } from "../../exposure/baseline.js";
import { formatExposure } from "../../exposure/score.js";
import { serviceSurface } from "../../exposure/surface.js";
import { SyntaxKind as K } from "../../nix/syntax.js";
import { staticValue } from "../../nix/values.js";
import type { NixFileContext } from "../types.js";
import type { SyntaxNode } from "../../nix/syntax.js";
import { serviceConfigEdits } from "../shared/service-edits.js";
import { servicesIn, type FoundService } from "../shared/services.js";
import type { Rule, RuleReport, TextEdit } from "../types.js";
import { hostExample } from "../shared/examples.js";
import { escapeRegExp } from "../../text/regexp.js";

// Units that systemd, a package or a NixOS module defines; a repository that sets a key or two of
// theirs (`systemd.services.NetworkManager-wait-online.serviceConfig.ExecStart = [ ... ]`) only
// overrides them, and the sandboxing of the unit it overrides is not in the repository.
const STOCK_UNIT = /^(?:systemd-[\w-]+|NetworkManager(?:-[\w-]+)?|nix-daemon|nix-gc|nix-optimise|dbus|dbus-broker|getty@[\w-]*|serial-getty@[\w-]*|autovt@[\w-]*|sshd|display-manager|polkit|udisks2|upower|bluetooth|docker|podman|containerd|cups|avahi-daemon|tailscaled|libvirtd|accounts-daemon|wpa_supplicant|nscd|firewall|network-setup|resolvconf|reload-systemd-vconsole-setup|user@|user-runtime-dir@|zfs-(?:mount|import|import-[\w@-]+|share|zed|load-key[\w@-]*|volumes|volume-wait|snapshot-[\w-]+|scrub|trim[\w@-]*))$/;

/** Only a few settings of a unit defined elsewhere: no script, no description, at most three keys. */
function overridesStockUnit(svc: FoundService): boolean {
  return STOCK_UNIT.test(svc.name) && !svc.def.script && svc.def.description === undefined && Object.keys(svc.def.serviceConfig).length <= 3;
}

// What the rule reads of a baseline: its settings and the score after it (the whole baseline holds
// both scores with every check, kept per service for as long as the process lives).
/** The setuid/setgid wrapper a unit runs (NixOS puts them in /run/wrappers): sendmail (postfix's,
 * exim's, `services.mail.sendmailSetuidWrapper`), mail, sudo, doas, pkexec, fusermount, newuidmap.
 * ncfavier's notify-failure@ mails through sendmail: NoNewPrivileges there was judged harmful. */
export function setuidProgram(text: string): string | undefined {
  const m = /\/run\/wrappers\/bin\/([\w.-]+)|\b(sendmail)(?:SetuidWrapper)?\b|(?:^|[\s;&|(])(mailx?|sudo|doas|pkexec|fusermount3?|newuidmap|newgidmap)(?=\s|$)/m.exec(text);
  return m ? (m[1] ?? m[2] ?? m[3]) : undefined;
}

type BaselineSummary = { settings: Record<string, BaselineValue>; skipped: Record<string, string>; after: { ok: boolean; exposure: number; verdict: string } };
const baselineCache = new Map<string, BaselineSummary>();
function baselineSummary(full: ReturnType<typeof hardeningBaseline>): BaselineSummary {
  const a = full.after;
  return { settings: full.settings, skipped: full.skipped, after: a.ok ? { ok: true, exposure: a.exposure, verdict: a.verdict } : { ok: false, exposure: 0, verdict: "" } };
}

// Edits depend on the file's tree (kept between scans while unchanged) and the baseline.
const editsCache = new WeakMap<SyntaxNode, Map<string, TextEdit[] | undefined>>();

function cachedBaselineEdits(svc: FoundService, settings: Record<string, BaselineValue>): TextEdit[] | undefined {
  let byBaseline = editsCache.get(svc.anchor.binding);
  if (!byBaseline) editsCache.set(svc.anchor.binding, (byBaseline = new Map()));
  const key = JSON.stringify(settings);
  if (!byBaseline.has(key)) {
    const texts: Record<string, string> = {};
    for (const [k, v] of Object.entries(settings)) texts[k] = baselineToNix({ [k]: v }, "").replace(/^[^=]*= /, "").replace(/;$/, "");
    const { ctx } = svc;
    byBaseline.set(key, serviceConfigEdits({ file: ctx.file, text: ctx.text, root: ctx.parsed.root, name: svc.name, anchor: svc.anchor, serviceConfigDef: svc.serviceConfigDef, serviceDef: svc.serviceDef }, texts));
  }
  return byBaseline.get(key);
}

type Severity = "high" | "medium" | "low" | "info";
const SEVERITY_RANK: Record<Severity, number> = { info: -1, low: 0, medium: 1, high: 2 };

/** Severity by attack surface first, then the exposure and whether it runs as root; one level
 * lower when part of its configuration could not be read (the score is then a bound). */
/** System monitors, by the program a unit runs: they read every process, /proc, devices and mounts. */
const MONITOR = /(?:^|[\s/])(glances|netdata|node_exporter|btop|htop|collectd|telegraf|bottom|nmon|atop)(?=\s|$|")/;

/** A command told which interface to watch (`-interface bond0`, `--iface eth0`) or reading
 * addresses and routes (`ip monitor`, `ip -j addr`): it needs netlink sockets. */
const NETLINK_USE = /(?:^|\s)--?(?:interface|iface|watch-interface|netdev)[= ]\s*[\w.$"{-]|\bip\s+(?:-[\w-]+\s+)*(?:monitor|addr|address|a|route|r|link|l)\s+(?:show|s|list|ls|get)?\b|\bip\s+(?:-[\w-]+\s+)*monitor\b/;

function severityOf(svc: FoundService, exposure: number, creditHardening = true): Exclude<Severity, "info"> {
  // A user that could not be read may be root: the severity is a bound from above, lowered below.
  const rootOpen = (svc.runsAsRoot || svc.userUnread === true) && exposure >= 9.0;
  // Not root and no listener seen (only a server-like name): low at most.
  const network = svc.surface.surface === "network" && !(svc.surface.byNameOnly && !svc.runsAsRoot && !svc.userUnread);
  // High only for a root daemon strangers are shown to reach: a metrics exporter serves read-only
  // numbers, and a server known only by its program or its name may well be closed off by the
  // firewall (cleverca22-nixos-configs' rtorrent-exporter and zfs-fragmentation, judged medium;
  // tgtd and `rclone serve dlna`, judged medium).
  const reachCapped = svc.surface.exporter === true || svc.surface.byProgram !== undefined;
  // A local daemon (no listener seen) is reached only by local users and what it reads: low, root
  // or not (cleverca22-nixos-configs' latency-tracker, lucasew-nixcfg's netusage, arianvp-nixos-stuff's
  // he-ddns and spire-controller-manager, vimjoyer-nixconf's lact-monitor: all judged low, not medium).
  let s: Exclude<Severity, "info"> = network ? (rootOpen && !reachCapped ? "high" : "medium") : "low";
  if (svc.partial.length) s = s === "high" ? "medium" : "low";
  // Deliberately sandboxed already (three or more sandboxing settings of its own): what is left is
  // an improvement of existing hardening, one level lower (bjornfor-nixos-config's popwk, a root
  // daemon with ProtectSystem=strict, ProtectHome, PrivateTmp and NoNewPrivileges, was rated
  // medium like a unit with none).
  else if (creditHardening && hardenedAlready(svc).length >= 3) s = s === "high" ? "medium" : "low";
  return s;
}

/** The sandboxing settings the unit sets itself (DynamicUser's implied ones are not counted: a
 * network daemon with DynamicUser alone stays medium). */
function hardenedAlready(svc: FoundService): string[] {
  // Set to a value that sandboxes: `ProtectSystem = false` (Lillecarl-nixos's kubelet, "kubelet
  // needs privileges") is the opposite.
  const sc = svc.def.serviceConfig;
  return SANDBOX_KEYS.filter((k) => {
    const v = sc[k];
    if (typeof v === "boolean") return v;
    if (typeof v === "string") return v !== "" && !/^(?:no|false|off|0)$/i.test(v);
    return Array.isArray(v) && v.length > 0;
  });
}

/** What the repository says around its services: options its hosts set (firewall gates), users
 * whose home is under /home, and per file the ports its firewall opens. */
interface RepoFacts {
  setOptions: Set<string>;
  homeUsers: Map<string, string>;
  files: NixFileContext[];
}

function repoFacts(files: NixFileContext[]): RepoFacts {
  const setOptions = new Set<string>();
  const homeUsers = new Map<string, string>();
  // users.users.<n>.home as set: a home outside /home (`/var/lib/vm-builder`) is the user's, even
  // for a normal user; none is invented.
  const homes = new Map<string, string>();
  const normal = new Set<string>();
  for (const f of files) {
    for (const d of f.index.definitions) {
      // The value only of the options looked at (every definition's value was 1% of a cold scan of
      // olafkfreund/nixos_config).
      const gate = /\.(?:openFirewall|openPorts?|firewall\w*)$/.test(d.path);
      const u = /^users\.(?:users|extraUsers)\.([^.]+)\.(isNormalUser|home)$/.exec(d.path);
      if (!gate && !u) continue;
      const v = staticValue(d.inner);
      if (v !== false && gate) setOptions.add(d.path);
      const who = u?.[1]!.replace(/^"|"$/g, "");
      if (u && u[2] === "isNormalUser" && v === true) normal.add(who!);
      if (u && u[2] === "home" && typeof v === "string") homes.set(who!, v);
    }
    for (const d of f.index.declarations) {
      // `openFirewall = mkOption { default = true; }`: the gate is open unless a host closes it.
      if (/\.openFirewall$/.test(d.path) && /\bdefault\s*=\s*true\b/.test(d.value?.text ?? "")) setOptions.add(d.path.replace(/^options\./, ""));
    }
  }
  for (const [who, home] of homes) if (home.startsWith("/home/")) homeUsers.set(who, `its home is ${home}`);
  for (const who of normal) if (!homes.has(who)) homeUsers.set(who, `it is a normal user, whose home is /home/${who}`);
  return { setOptions, homeUsers, files };
}

/** What starts units across the repository: timer, socket and path units by name, `wantedBy`,
 * `requiredBy`, `upheldBy`, `startAt` set on a unit in any file; the files that build their timers
 * (sockets, paths) with a function, whose names are then only text; the NixOS services it enables. */
interface StartFacts {
  starters: Map<string, string>;
  generatedTriggers: NixFileContext[];
  /** Of those, the files that build timers: a unit they name is scheduled (one that builds only
   * sockets or paths starts it on a connection or a file, not on a schedule). */
  generatedTimers: Set<NixFileContext>;
  enabledServices: Set<string>;
}

function startFacts(files: NixFileContext[]): StartFacts {
  const starters = new Map<string, string>();
  const generatedTriggers: NixFileContext[] = [];
  const generatedTimers = new Set<NixFileContext>();
  const enabledServices = new Set<string>();
  // `services.<x>` the repository declares itself (a module of its own, NixOS or home-manager):
  // their units are in the repository, not nixpkgs'.
  const declared = new Set<string>();
  for (const f of files) {
    for (const d of f.index.declarations) {
      const m = /^(?:options\.)?services\.([\w-]+)/.exec(d.path);
      if (m) declared.add(m[1]!);
    }
  }
  for (const f of files) {
    let generated = false;
    for (const d of f.index.definitions) {
      const s = d.segments;
      if (s[0]?.name === "services" && s.length === 3 && !s[1]!.dynamic && s[2]!.name === "enable" && staticValue(d.inner) !== false) enabledServices.add(s[1]!.name);
      if (s[0]?.name !== "systemd" || s.length < 2 || s[1]!.dynamic) continue;
      const kind = s[1]!.name;
      if (kind !== "timers" && kind !== "sockets" && kind !== "paths" && kind !== "services") continue;
      if (s.length === 2 || s[2]!.dynamic) {
        if (kind !== "services") generated = true;
        if (kind === "timers") generatedTimers.add(f);
        continue;
      }
      const name = s[2]!.name;
      if (kind !== "services") starters.set(name, kind === "timers" ? "a timer of the same name" : kind === "sockets" ? "a socket of the same name" : "a path unit of the same name");
      else if (s.length === 4 && /^(?:wantedBy|requiredBy|upheldBy|startAt)$/.test(s[3]!.name)) starters.set(name, `${s[3]!.name} (${f.file})`);
    }
    if (generated) generatedTriggers.push(f);
  }
  for (const x of declared) enabledServices.delete(x);
  return { starters, generatedTriggers, generatedTimers, enabledServices };
}


/** The unit's name in a file's text outside its own definitions (`systemctl start x`, `"x.service"`
 * in another unit's wants/requires/OnFailure, a udev rule's SYSTEMD_WANTS): the file, else undefined. */
function namedElsewhere(svc: FoundService, files: NixFileContext[]): string | undefined {
  const name = svc.name.replace(/^"|"$/g, "");
  const re = new RegExp(`(?<![\\w.-])${escapeRegExp(name)}${name.endsWith("@") ? "" : "(?![\\w-])"}`);
  for (const f of files) {
    if (!f.text.includes(name)) continue;
    let text = f.text;
    if (f.file === svc.ctx.file) for (const [a, b] of svc.ownRanges) text = text.slice(0, a) + " ".repeat(b - a) + text.slice(b);
    if (re.test(text)) return f.file;
  }
  return undefined;
}

/** A udev rule starts it (`ENV{SYSTEMD_WANTS}="x.service"`): it runs when a device appears. */
function startedByUdev(svc: FoundService, files: NixFileContext[]): boolean {
  const name = svc.name.replace(/^"|"$/g, "");
  const re = new RegExp(`SYSTEMD_WANTS\\}?\\s*\\+?=\\s*\\\\?"?[^"\\n]*\\b${escapeRegExp(name)}${name.endsWith("@") ? "" : "(?:\\.service)?(?![\\w-])"}`);
  return files.some((f) => f.text.includes(name) && f.text.includes("SYSTEMD_WANTS") && re.test(f.text));
}

/** Another unit's onFailure/onSuccess (OnFailure=/OnSuccess=) names this unit. */
function firedByAnotherUnit(svc: FoundService, files: NixFileContext[]): boolean {
  const name = svc.name.replace(/^"|"$/g, "");
  const re = new RegExp(`\\b(?:onFailure|onSuccess|OnFailure|OnSuccess)\\b[^;]*?"${escapeRegExp(name)}${name.endsWith("@") ? "" : "(?:\\.service)?\""}`);
  return files.some((f) => f.text.includes(name) && re.test(f.text));
}

/** A module that gives the units a list names their own network namespace (a function over a list
 * writing PrivateNetwork = true with JoinsNamespaceOf= or NetworkNamespacePath=), when a list in
 * another file names this unit: what that module merges, else undefined. */
function namespacedByList(svc: FoundService, files: NixFileContext[]): string | undefined {
  const name = svc.name.replace(/^"|"$/g, "");
  const patcher = namespacePatchers(files).find((f) => f.file !== svc.ctx.file);
  if (!patcher) return undefined;
  const listed = new RegExp(`\\[[^\\]]*"${escapeRegExp(name)}"[^\\]]*\\]`);
  const naming = files.find((f) => f !== patcher && listed.test(f.text));
  return naming ? `the network namespace ${patcher.file} gives the units a list names (${naming.file} names it: PrivateNetwork, JoinsNamespaceOf)` : undefined;
}

// The files that put a list of units in a network namespace, per scan's list of files: looked for
// once, not once per service (the three regular expressions over every file were most of a repeat scan).
const patchersOf = new WeakMap<NixFileContext[], NixFileContext[]>();
function namespacePatchers(files: NixFileContext[]): NixFileContext[] {
  let found = patchersOf.get(files);
  if (!found) {
    found = files.filter((f) => /\bgenAttrs\b|\blistToAttrs\b|\bmap\b/.test(f.text) && /\bPrivateNetwork\s*=\s*(?:true|lib\.mkForce\s+true)\b/.test(f.text) && /\b(?:JoinsNamespaceOf|NetworkNamespacePath)\b/.test(f.text));
    patchersOf.set(files, found);
  }
  return found;
}

/** The NixOS service (`services.<x>.enable` set in the repository) the unit's name belongs to:
 * `<x>` or `<x>-<suffix>` (nixpkgs' roundcube module defines roundcube-setup). */
function enabledServiceOf(name: string, enabled: Set<string>): string | undefined {
  for (const x of enabled) if (name === x || name.startsWith(`${x}-`)) return x;
  return undefined;
}

/** A reverse proxy of the service's hosts forwards to one of its ports: why, else undefined. The
 * unit's own definition (where it binds the port) does not count. */
function proxiedTo(svc: FoundService, facts: RepoFacts): string | undefined {
  const ports = svc.facts.boundPorts ?? [];
  const own = [svc.anchor.binding, svc.serviceDef?.binding, svc.serviceConfigDef?.binding].filter((b) => b !== undefined);
  // `proxyPass = "http://127.0.0.1:${toString cfg.port}"` in its own module, the unit using
  // `toString cfg.port` too: the module's proxy forwards to it (the option is the file's own).
  for (const expr of svc.facts.portExprs ?? []) {
    const e = escapeRegExp(expr);
    const re = new RegExp(`(?:localhost|127\\.\\d+\\.\\d+\\.\\d+|\\[::1\\]):\\$\\{\\s*\\(?\\s*(?:builtins\\.|lib\\.)?toString\\s+${e}\\s*\\)?\\s*\\}`);
    let text = svc.ctx.text;
    for (const b of own) text = text.slice(0, b.start) + " ".repeat(b.end - b.start) + text.slice(b.end);
    if (re.test(text)) return `a reverse proxy of its own module points at its port (${expr}), so it is as reachable as that proxy`;
  }
  if (!ports.length) return undefined;
  const hosts = new Set(svc.ctx.hosts);
  const scope = hosts.size ? facts.files.filter((f) => f.hosts.some((h) => hosts.has(h))) : facts.files;
  for (const p of ports) {
    const re = new RegExp(`(?:localhost|127\\.\\d+\\.\\d+\\.\\d+|\\[::1\\]|\\$\\{[^}]*\\}):${p}(?!\\d)|(?:proxy_?[pP]ass|reverse_proxy|upstream)[^\\n]{0,120}(?<![\\w.])${p}(?![\\w.])`);
    for (const f of scope) {
      let text = f.text;
      if (f.file === svc.ctx.file) for (const b of own) text = text.slice(0, b.start) + " ".repeat(b.end - b.start) + text.slice(b.end);
      // A unit bound to loopback only is reachable from outside through a reverse proxy, not
      // through another local service that calls it (prosody's component URL): the line must proxy.
      if (svc.facts.loopbackOnly) {
        const m = re.exec(text);
        if (!m) continue;
        const line = text.slice(text.lastIndexOf("\n", m.index) + 1, text.indexOf("\n", m.index) < 0 ? undefined : text.indexOf("\n", m.index));
        if (!/proxy|upstream|reverse|backend|locations?\b/i.test(line)) continue;
      }
      if (re.test(text)) return `a reverse proxy or another service of its hosts points at its port ${p} (${f.file}), so it is as reachable as that proxy`;
    }
  }
  return undefined;
}

/** The hosts' firewall says nothing opens the service's ports: why, or undefined when it may. */
function portsClosed(svc: FoundService, facts: RepoFacts): string | undefined {
  const ports = svc.facts.ports ?? [];
  if (!ports.length) return undefined;
  const hosts = new Set(svc.ctx.hosts);
  const scope = hosts.size ? facts.files.filter((f) => f.hosts.some((h) => hosts.has(h))) : facts.files;
  for (const f of scope) {
    for (const d of f.index.definitions) {
      if (d.path === "networking.firewall.enable" && staticValue(d.inner) !== true) return undefined;
      if (!/^networking\.firewall\.(?:interfaces\.[^.]+\.)?allowed(?:TCP|UDP)Port(?:Range)?s$/.test(d.path)) continue;
      const v = staticValue(d.inner);
      if (!Array.isArray(v)) return undefined;
      for (const x of v) {
        if (typeof x === "number" && ports.includes(x)) return undefined;
        if (typeof x !== "number") return undefined;
      }
    }
    // Another file naming the port (a reverse proxy's upstream, a port option) may expose it.
    if (f.file !== svc.ctx.file && ports.some((p) => new RegExp(`(?<![\\w.])${p}(?![\\w.])`).test(f.text))) return undefined;
  }
  const list = ports.join(", ");
  return `it listens on port${ports.length > 1 ? "s" : ""} ${list}, which the firewall of ${hosts.size ? [...hosts].join(", ") : "the repository's hosts"} does not open and no other file of ${hosts.size > 1 ? "them" : "it"} forwards to: only local users and services reach it`;
}

/** The unit's `User = ...` and `Group = ...` bindings when they say root (`lib.mkDefault "root"`). */
function rootUserBindings(svc: FoundService) {
  const set = svc.serviceConfigDef && svc.serviceConfigDef.value ? svc.serviceConfigDef.value : undefined;
  const scope = set ?? svc.anchor.binding;
  const out: { user?: import("../../nix/syntax.js").SyntaxNode; group?: import("../../nix/syntax.js").SyntaxNode } = {};
  for (const b of scope.descendants(K.NODE_ATTRPATH_VALUE)) {
    const key = b.firstChild()?.text.replace(/^serviceConfig\./, "");
    const val = b.childNodes()[1]?.text ?? "";
    if (!/^(?:lib\.)?(?:mkDefault|mkForce\s+)?\s*"root"$|^(?:lib\.)?mkDefault\s+"root"$/.test(val.trim())) continue;
    if (key === "User") out.user = b;
    if (key === "Group") out.group = b;
  }
  return out;
}

// Sandboxing settings whose presence makes a unit "partly sandboxed".
const SANDBOX_KEYS = ["ProtectSystem", "ProtectHome", "PrivateTmp", "NoNewPrivileges", "PrivateDevices", "ProtectKernelTunables", "ProtectKernelModules", "ProtectKernelLogs", "ProtectControlGroups", "RestrictAddressFamilies", "RestrictNamespaces", "SystemCallFilter", "CapabilityBoundingSet", "LockPersonality", "MemoryDenyWriteExecute"];

// Stands for `${` in a LoadCredential value until the baseline's Nix text is written (the writer
// escapes a real `${`).
const CRED_MARK = "@@nix-warden-interpolate@@";

interface Credential {
  name: string;
  /** The `config.sops.secrets.X.path` expression as written. */
  expr: string;
  /** Replace [start, end) of the file by `text`. */
  start: number;
  end: number;
  text: string;
}

/** Secret files a root daemon's ExecStart names (`config.sops.secrets.X.path`, `config.age.secrets.X.path`):
 * with DynamicUser it cannot read them, so they are handed over with LoadCredential= and the
 * command reads `%d/X`. Undefined when a secret is used where the command cannot be rewritten. */
function secretArgs(svc: FoundService): Credential[] | undefined {
  const scope = svc.serviceDef?.value ?? svc.anchor.binding;
  const secretRe = /^config\.(?:sops|age)\.secrets\.([\w-]+)\.path$/;
  const out: Credential[] = [];
  for (const sel of scope.descendants(K.NODE_SELECT)) {
    const m = secretRe.exec(sel.text);
    if (!m) continue;
    const exec = sel.ancestors().find((a) => a.kind === K.NODE_ATTRPATH_VALUE && /(?:^|\.)ExecStart$/.test(a.firstChild()?.text ?? ""));
    if (!exec) return undefined;
    const name = m[1]!;
    const parent = sel.ancestors()[0];
    if (parent?.kind === K.NODE_INTERPOL) out.push({ name, expr: sel.text, start: parent.start, end: parent.end, text: `%d/${name}` });
    else out.push({ name, expr: sel.text, start: sel.start, end: sel.end, text: `"%d/${name}"` });
  }
  // Literal secret paths (`/run/agenix/x`) would need the same; leave those services alone.
  if (/\/run\/(?:agenix|secrets)\//.test(svc.facts.command)) return undefined;
  return out;
}

function withoutDynamicUser(settings: Record<string, BaselineValue>, creds: Credential[]): Record<string, BaselineValue> {
  const rest = Object.fromEntries(Object.entries(settings).filter(([k]) => k !== "DynamicUser"));
  if (creds.length) rest.LoadCredential = creds.map((c) => `${c.name}:${CRED_MARK}${c.expr}`);
  return rest;
}

/** The baseline's insertions plus: User = root becomes DynamicUser = true, Group = root goes, and
 * the secret arguments read the credentials. Undefined when they would overlap. */
function replaceRootEdits(svc: FoundService, edits: TextEdit[], b: ReturnType<typeof rootUserBindings>, creds: Credential[]): TextEdit[] | undefined {
  const file = svc.ctx.file;
  const text = svc.ctx.text;
  const more: TextEdit[] = [{ file, start: b.user!.start, end: b.user!.end, text: `${/^serviceConfig\./.test(b.user!.text) ? "serviceConfig." : ""}DynamicUser = true;` }];
  if (b.group) {
    let start = b.group.start;
    while (start > 0 && (text[start - 1] === " " || text[start - 1] === "\t")) start--;
    const end = text[b.group.end] === "\n" ? b.group.end + 1 : b.group.end;
    more.push({ file, start, end, text: "" });
  }
  for (const c of creds) more.push({ file, start: c.start, end: c.end, text: c.text });
  // LoadCredential's value names the secret's path through Nix: `"name:${expr}"`.
  const fixed = edits.map((e) => ({ ...e, text: e.text.replace(new RegExp(`([\\w-]+):${CRED_MARK}(config\\.(?:sops|age)\\.secrets\\.[\\w-]+\\.path)`, "g"), (_m, n: string, x: string) => `${n}:\${${x}}`) }));
  const all = [...fixed, ...more].sort((x, y) => x.start - y.start);
  for (let k = 1; k < all.length; k++) if (all[k]!.start < all[k - 1]!.end || all[k]!.start === all[k - 1]!.start) return undefined;
  return all;
}

/** What the baseline left out or adapted to what the unit shows it needs, for the fix's description. */
function fitText(b: BaselineSummary): string {
  const out: string[] = [];
  const ps = b.settings.ProtectSystem;
  const rw = b.settings.ReadWritePaths;
  if (ps === "full") out.push(`ProtectSystem is "full", not "strict": the directories it writes could not be read from the configuration; use "strict" with ReadWritePaths= once you know them.`);
  else if (Array.isArray(rw)) out.push(`ReadWritePaths keeps ${rw.join(", ")} writable, which the unit names outside its StateDirectory; add any other directory it writes.`);
  const skipped = Object.entries(b.skipped).filter(([k]) => k !== "CapabilityBoundingSet" && k !== "RemoveIPC");
  if (skipped.length) out.push(`Left out: ${skipped.map(([k, why]) => `${k} (${why})`).join("; ")}.`);
  return out.length ? ` ${out.join(" ")}` : "";
}

export const serviceHardening: Rule = {
  id: "systemd-service-exposure",
  examples: {
    fire: [
      hostExample(`{ systemd.services.myapp = { wantedBy = [ "multi-user.target" ]; serviceConfig.ExecStart = "/run/current-system/sw/bin/myapp"; }; }\n`),
      // A root daemon with some sandboxing: "partly sandboxed", and User=root becomes DynamicUser
      // with its token file handed over as a credential.
      hostExample(`{ config, pkgs, ... }: {\n  systemd.services.tunnel = {\n    wantedBy = [ "multi-user.target" ];\n    serviceConfig = {\n      ExecStart = [ "\${pkgs.cloudflared}/bin/cloudflared tunnel run --token-file \${config.sops.secrets.tunnel.path}" ];\n      User = "root";\n      NoNewPrivileges = true;\n      ProtectSystem = "strict";\n    };\n  };\n}\n`),
      // A root timer job that downloads and unpacks remote content: low, and a root backup keeps
      // its user, /home and the network in the patch.
      hostExample(`{ pkgs, ... }: {\n  systemd.services.fetch-feeds = {\n    startAt = "hourly";\n    serviceConfig.Type = "oneshot";\n    script = "\${pkgs.curl}/bin/curl -fsS https://feeds.example.org/all.tar.gz | \${pkgs.gnutar}/bin/tar -xz -C /var/lib/feeds";\n  };\n}\n`),
      hostExample(`{ pkgs, ... }: {\n  systemd.services.backup = {\n    startAt = "daily";\n    serviceConfig.Type = "oneshot";\n    script = "\${pkgs.restic}/bin/restic -r sftp:backup@nas:/srv/restic backup /home /etc";\n  };\n}\n`),
      // A root proxy on port 443: the patch keeps CAP_NET_BIND_SERVICE (bounding and ambient).
      hostExample(`{ pkgs, ... }: {\n  systemd.services.edge-proxy = {\n    wantedBy = [ "multi-user.target" ];\n    serviceConfig.ExecStart = "\${pkgs.xray}/bin/xray run -config /etc/xray/config.json";\n  };\n  networking.firewall.allowedTCPPorts = [ 443 ];\n}\n`),
      // A dynamic user in a network namespace of its own, listening on nothing: a note (info).
      hostExample(`{ pkgs, ... }: {\n  systemd.services.vpn-port-forward = {\n    wantedBy = [ "multi-user.target" ];\n    serviceConfig = { DynamicUser = true; PrivateNetwork = true; Restart = "always"; ExecStart = "\${pkgs.natpmpc}/bin/natpmp-loop -g 10.2.0.1"; };\n  };\n}\n`),
      // A root job fired on another unit's success that only posts a status, and a root timer job
      // sandboxed on purpose already: notes (info).
      hostExample(`{ lib, pkgs, ... }: {\n  systemd.services.nixos-upgrade.onSuccess = [ "upgrade-ok.service" ];\n  systemd.services.upgrade-ok.script = "\${lib.getExe pkgs.curl} -X POST https://status.example.org/api/v1/updates?success=true";\n}\n`),
      hostExample(`{ pkgs, ... }: {\n  systemd.services.cache-metrics = {\n    startAt = "*:0/5";\n    serviceConfig = { Type = "oneshot"; ExecStart = "\${pkgs.curl}/bin/curl -fsS -o /var/lib/metrics/cache.prom https://cache.example.org/nix-cache-info"; NoNewPrivileges = true; PrivateTmp = true; ProtectHome = true; ProtectSystem = "strict"; ReadWritePaths = [ "/var/lib/metrics" ]; };\n  };\n}\n`),
    ],
    silent: [
      // A fan loop whose program the same file writes to /etc: it drives the board's GPIO through
      // /sys as root by design, with no input a stranger controls.
      hostExample(`{ pkgs, ... }: {\n  systemd.services.fan-control = {\n    wantedBy = [ "multi-user.target" ];\n    serviceConfig = { ExecStart = "\${pkgs.python3}/bin/python /etc/fan-control/fan.py"; Restart = "always"; };\n  };\n  environment.etc."fan-control/fan.py".text = ''\n    import time\n    while True:\n        open("/sys/class/gpio/gpio14/value", "w").write("1")\n        time.sleep(5)\n  '';\n}\n`),
      // A boot script that writes kernel settings and exits: it must be root, and has no input.
      hostExample(`{\n  systemd.services.powersave = {\n    wantedBy = [ "multi-user.target" ];\n    script = ''\n      echo 1500 > /proc/sys/vm/dirty_writeback_centisecs\n      for i in /sys/bus/pci/devices/*; do echo auto > "$i/power/control"; done\n    '';\n  };\n}\n`),
      // A oneshot that only installs a secret file from the configuration.
      hostExample(`{ config, pkgs, ... }: {\n  systemd.services.app-key = {\n    wantedBy = [ "multi-user.target" ];\n    serviceConfig.Type = "oneshot";\n    serviceConfig.ExecStart = "\${pkgs.coreutils}/bin/install -D -m600 -o root \${config.age.secrets.app.path} /var/lib/app/key";\n  };\n}\n`),
      // An early-boot oneshot (before sysinit.target, no default dependencies): no input reaches it,
      // and a sandbox that fails to set up there can stop the boot.
      hostExample(`{ pkgs, ... }: {\n  systemd.services.pcr-extend = {\n    unitConfig = { DefaultDependencies = false; FailureAction = "halt-force"; };\n    before = [ "sysinit.target" ];\n    wantedBy = [ "sysinit.target" ];\n    serviceConfig = { Type = "oneshot"; RemainAfterExit = true; };\n    script = "\${pkgs.systemd}/lib/systemd/systemd-pcrextend --graceful sysinit";\n  };\n}\n`),
      // An override of a unit NetworkManager ships: its sandboxing is not in the repository.
      hostExample(`{ pkgs, ... }: {\n  systemd.services.NetworkManager-wait-online.serviceConfig.ExecStart = [ "" "\${pkgs.networkmanager}/bin/nm-online -q" ];\n}\n`),
      hostExample(`{ systemd.services.myapp = { wantedBy = [ "multi-user.target" ]; serviceConfig = { ExecStart = "/run/current-system/sw/bin/myapp"; DynamicUser = true; ProtectSystem = "strict"; ProtectHome = true; PrivateTmp = true; PrivateDevices = true; PrivateNetwork = true; NoNewPrivileges = true; CapabilityBoundingSet = ""; RestrictAddressFamilies = "none"; ProtectKernelTunables = true; ProtectKernelModules = true; ProtectKernelLogs = true; ProtectControlGroups = true; ProtectClock = true; ProtectHostname = true; ProtectProc = "invisible"; ProcSubset = "pid"; RestrictNamespaces = true; LockPersonality = true; MemoryDenyWriteExecute = true; RestrictRealtime = true; RestrictSUIDSGID = true; SystemCallArchitectures = "native"; SystemCallFilter = [ "@system-service" "~@privileged" "~@resources" ]; UMask = "0077"; IPAddressDeny = "any"; DevicePolicy = "closed"; PrivateUsers = true; RemoveIPC = true; }; }; }\n`)],
  },
  name: "systemd service without sandboxing",
  category: "service-hardening",
  severity: "medium",
  rationale:
    "A service without systemd's sandboxing options can read and write the whole system with the privileges of its user; a bug or a compromised dependency then becomes a compromise of the host, and of everything when it runs as root.",
  fix: "Run the service as an unprivileged (Dynamic)User and add sandboxing options (ProtectSystem=strict, ProtectHome, PrivateTmp, NoNewPrivileges, ...), then allow back only what it needs (ReadWritePaths, StateDirectory).",
  references: [
    { title: "systemd.exec(5): Sandboxing", url: "https://www.freedesktop.org/software/systemd/man/latest/systemd.exec.html#Sandboxing" },
    { title: "systemd-analyze security", url: "https://www.freedesktop.org/software/systemd/man/latest/systemd-analyze.html" },
    { title: "NixOS manual: systemd.services.<name>.serviceConfig", url: "https://search.nixos.org/options?query=systemd.services.%3Cname%3E.serviceConfig" },
  ],
  compliance: { cis: ["1.6 Mandatory Access Control", "5.4 User Accounts and Environment"], nist: ["PR.PS-01", "PR.AA-05"] },

  // The scores come from the scan, computed before this runs (sink.exposures): no program is run here.
  needs: { exposures: true },
  // A unit behind an enable switch no host turns on exists on no machine (the scan lists it apart).
  absentWhenGatedOff: true,
  checkRepository(files, sink) {
    const byFile = new Map(files.map((f) => [f.file, f]));
    const services = files.flatMap((ctx) => servicesIn(ctx, (f) => byFile.get(f)));
    if (services.length === 0) return;
    const outcomes = sink.exposures(services.map((s) => ({ name: s.name, def: s.def })));
    const facts = repoFacts(files);
    const starts = startFacts(files);
    // Units the scan does not judge: their command is another definition's (nixpkgs' module for a
    // unit the repository only adds to), or nothing starts them.
    const skipped = new Set<FoundService>();
    const notStarted = new Set<FoundService>();
    // Daemon-looking units another unit fires on its failure or success: jobs, rated low.
    const fired = new Set<FoundService>();
    // Root jobs that are reported: what reaches them.
    const jobInput = new Map<FoundService, string>();
    // Complete each surface with what other files say: an option-gated firewall opening counts only
    // where a host sets the option; ports no firewall of the hosts opens make a local service.
    for (const svc of services) {
      // `script = mkAfter ''...''` and nothing of its own to run: lines added to a unit defined
      // elsewhere (nixpkgs' roundcube-setup, nextcloud-setup), whose user and sandboxing are that
      // definition's. The same for a plain `script` (NixOS joins the lines of every definition) on
      // a unit named after a NixOS service the repository enables, with no description or
      // wantedBy of its own.
      // Timers (sockets, paths) built by a function of a file that names the unit: it is scheduled.
      const generatedTrigger = starts.generatedTriggers.find((f) => namedElsewhere(svc, [f]) !== undefined);
      const repoStarter = starts.starters.get(svc.name);
      const module = enabledServiceOf(svc.name, starts.enabledServices);
      // `enable = false`: NixOS writes no unit (Lillecarl hosts/_shared/remapper.nix). A
      // home-manager-<user> unit is home-manager's NixOS module's activation job, run as the user;
      // the repository can only add to it (Misterio77's ExecStart = mkForce ...).
      if (svc.disabled || svc.name.startsWith("home-manager-")) {
        skipped.add(svc);
        continue;
      }
      if (svc.noOwnCommand === "merged" || (svc.noOwnCommand === "script" && module !== undefined && svc.def.description === undefined && svc.startedBy === undefined && repoStarter === undefined && !generatedTrigger)) {
        skipped.add(svc);
        continue;
      }
      // Nothing starts it: no wantedBy/requiredBy/upheldBy/startAt anywhere, no trigger unit of the
      // same name, no other file or unit naming it, and it is no enabled NixOS service's unit
      // (whose module may set wantedBy). Such a unit runs only when an administrator starts it by
      // hand: a job then runs once, as root by that administrator's choice, on no input a stranger
      // controls (not reported); a daemon started by hand keeps running, so it stays, rated low.
      if (svc.startedBy === undefined && repoStarter === undefined && !generatedTrigger && module === undefined && namedElsewhere(svc, files) === undefined) notStarted.add(svc);
      // Nothing of the repository starts it, and all it sets is a command or two (`ExecStart`):
      // it replaces the command of a unit a package or a module defines and starts
      // (Enzime-dotfiles-nix's zfs-mount, the zfs package's unit pulled in by zfs.target, was
      // called "a long-running daemon that nothing starts"). Its sandboxing is that definition's.
      const sc = Object.keys(svc.def.serviceConfig);
      // The same when its command is set with mkForce (so another definition exists) and that is
      // all the repository writes of it: kclejeune-system's plymouth-quit (`plymouth quit
      // --retain-splash`) and tailscale-serve (`tailscale serve` lines), upstream oneshots whose
      // user and sandboxing are their module's, were rated as "long-running local daemons". A
      // forced command that takes input from the network, or a network-facing unit (JManch-nixos's
      // minecraft-server running msh), stays (reported as a bound).
      const forcedOnly = svc.partial.some((p) => p.startsWith("the module that defines this unit")) && sc.length > 0 && sc.every((k) => /^Exec/.test(k)) && svc.facts.remoteInput === undefined && svc.surface.surface !== "network";
      if (forcedOnly || (notStarted.has(svc) && !svc.def.script && svc.def.description === undefined && sc.length > 0 && sc.length <= 2 && sc.every((k) => /^Exec/.test(k)))) {
        skipped.add(svc);
        continue;
      }
      // Another module puts the units a list names into a network namespace (`genAttrs
      // cfg.isolateServices (n: { serviceConfig.PrivateNetwork = true; unitConfig.JoinsNamespaceOf
      // = ...; })`), and a list of the repository names this unit: what it merges is not measured
      // (delroth-infra.delroth.net roles/seedbox.nix's protonvpn-pmp-transmission, isolated by
      // services/wg-netns.nix, was rated as reachable through another service's openFirewall).
      const netns = svc.def.serviceConfig.PrivateNetwork === undefined ? namespacedByList(svc, files) : undefined;
      // A new array: the found service's fields are shared with the cached scan of its file.
      if (netns) svc.partial = [...svc.partial, netns];
      const gatesOpen = svc.firewallGates.some((g) => facts.setOptions.has(g) || (g.startsWith("?") && [...facts.setOptions].some((o) => o.endsWith(g.slice(1)))));
      const f = { ...svc.facts, opensFirewall: !netns && (svc.facts.opensFirewall || gatesOpen), ...(netns ? { privateNetwork: true } : {}) };
      // delroth-infra.delroth.net services/wg-netns.nix builds forwarding sockets with a function
      // and names wireguard-netns (a boot-time netns setup oneshot), which was "a scheduled job".
      if ((generatedTrigger && starts.generatedTimers.has(generatedTrigger)) || /^a timer of the same name$/.test(starts.starters.get(svc.name) ?? "") || /^startAt /.test(starts.starters.get(svc.name) ?? "")) f.scheduled = true;
      f.proxied = proxiedTo(svc, facts);
      f.portsClosed = f.opensFirewall
        ? undefined
        : svc.firewallGates.length
          ? `its module opens the firewall only when ${svc.firewallGates.map((g) => g.replace(/^\?\./, "")).join(" or ")} is set, and no host of the repository sets it: only local users and services reach it`
          : portsClosed(svc, facts);
      svc.surface = serviceSurface(f);
      // Its firewall opening is gated on an exporters' switch (`mkIf config.exporters.openFirewall`):
      // a metrics exporter (cleverca22-nixos-configs' zfs-fragmentation on 9103, judged medium, not high).
      if (svc.firewallGates.some((g) => /exporter/i.test(g)) && !svc.surface.exporter) svc.surface = { ...svc.surface, exporter: true };
      // Fired by another unit's failure or success (`onFailure = [ "notify@%N.service" ]`), not kept
      // running and listening on nothing: it runs once per event and exits, low at most
      // (Nebucatnetzer-nixos's unit-status-telegram@, a status notifier, was rated medium as "a
      // long-running local daemon"; judged low).
      if (svc.surface.surface === "daemon" && !svc.surface.poller && !f.socket && svc.def.serviceConfig.Restart !== "always" && (f.type === undefined || /^(?:simple|exec|oneshot)$/.test(f.type)) && firedByAnotherUnit(svc, files)) fired.add(svc);
      // Started by a udev rule when a device appears, listening on nothing: a device job whose
      // input is that device (Lassulus-superconfig's usb_tether, an adb call to a phone, and
      // wochap-nix-config's keyboard grabs were rated as long-running daemons; judged none or info).
      // Reported only as a job is: root and fed from the network.
      if (svc.surface.surface === "daemon" && !f.socket && startedByUdev(svc, files)) {
        svc.surface = { ...svc.surface, surface: "oneshot", why: "it is started by a udev rule when a device appears (a device job)" };
      }
      if (notStarted.has(svc) && svc.surface.surface === "oneshot") skipped.add(svc);
      // A oneshot or timer job is reached only through its input. One that takes none from the
      // network (fixed arguments, local files), or that already runs as another user, has
      // nothing a stranger could use: not reported. A root job that downloads or talks to a remote host, or that
      // reads everyone's files (a backup, a virus scan), is low.
      if (svc.surface.surface === "oneshot" && !skipped.has(svc)) {
        const rootish = svc.runsAsRoot || svc.userUnread === true;
        const input = f.remoteInput ?? svc.surface.broadAccess;
        // Judged noise even at info on every public repository tried (a boot-time `gpgconf --kill`,
        // a `pamixer --mute` before suspend, a setup script): such jobs stay in the exposure table
        // (sink.addService) but are no finding.
        if (!rootish || input === undefined) skipped.add(svc);
        else jobInput.set(svc, input);
      }
    }
    const jobsByFile = new Map<string, Array<{ svc: FoundService; report: RuleReport; exposure: number }>>();
    const built = new Map<object, Array<{ svc: FoundService; report: RuleReport; exposure: number }>>();
    services.forEach((svc, i) => {
      const o = outcomes[i]!;
      const anchorNode = svc.anchor.attrpath ?? svc.anchor.binding;
      if (!o.ok) {
        sink.error(`systemd.services.${svc.name}: ${o.error}`, svc.ctx.file);
        return;
      }
      sink.addService({ name: svc.name, file: svc.ctx.file, line: anchorNode.line, node: anchorNode, exposure: o.exposure, verdict: o.verdict });
      if (o.exposure < 7.0 || skipped.has(svc) || svc.surface.trivial || overridesStockUnit(svc)) return;
      const byHand = notStarted.has(svc);
      // Already a dynamic user in a network namespace of its own, with nothing listening: no
      // account to take over and no socket a stranger reaches (pborzenkov-nix-config rock's
      // transmission-protonvpn-nat-pmp helper, rated low like a daemon, judged: info).
      const sc0 = svc.def.serviceConfig;
      const contained = !svc.runsAsRoot && !svc.userUnread && sc0.DynamicUser === true && (sc0.PrivateNetwork === true || svc.facts.privateNetwork === true) && svc.surface.surface !== "network" && !(svc.facts.boundPorts?.length);
      // A job deliberately sandboxed already (three or more settings of its own), reached by no
      // listener and rated low: what is left is fine-tuning of that sandbox, a note (dc-tec-nixos-config's
      // forge-*-metrics jobs, with ProtectSystem=strict, PrivateTmp, PrivateDevices, ProtectHome,
      // NoNewPrivileges and RestrictAddressFamilies, curling their own host: judged info).
      // A daemon keeps its low (bjornfor-nixos-config's popwk, judged low): it runs all the time.
      const sandboxedLow = !contained && !byHand && svc.surface.surface === "oneshot" && !svc.partial.length && hardenedAlready(svc).length >= 3 && severityOf(svc, o.exposure) === "low";
      // A root job whose only network use is posting a status (a notification fired by onSuccess or
      // onFailure, its response unused): nothing a stranger controls comes back, a note
      // (yomaq-nix-config's nixos-upgrade-success/-fail curling gatus: judged info).
      const notifies = svc.surface.surface === "oneshot" && svc.facts.postsStatusOnly === true && !svc.surface.broadAccess;
      // A root job that reads everyone's files but sends them nowhere (a local copy, `rsync /var
      // /tank/var`): no input a stranger controls reaches it, a note (GaetanLepage-nix-config's
      // backup-var-to-tank, judged info).
      const localCopy = svc.surface.surface === "oneshot" && svc.surface.broadAccess !== undefined && /backs up|dumps/.test(svc.surface.broadAccess) && svc.facts.remoteInput === undefined;
      const severity: Severity = contained || sandboxedLow || notifies || localCopy ? "info" : byHand || fired.has(svc) ? "low" : severityOf(svc, o.exposure);
      const needsRoot = svc.surface.needsRoot;
      // Its user's home, or paths the unit names, under /home: ProtectHome=true would hide them.
      const user = typeof svc.def.serviceConfig.User === "string" ? svc.def.serviceConfig.User : undefined;
      const homeUser = user !== undefined ? facts.homeUsers.get(user) : undefined;
      const homeReason = svc.homePaths.length
        ? `it uses ${svc.homePaths.slice(0, 2).join(", ")}`
        : homeUser
          ? `its user ${user} has its files under /home (${homeUser}${facts.files.some((f) => f.text.includes(`/home/${user}/`)) ? `; the repository puts files in /home/${user}` : ""})`
          : undefined;
      // `User = "root"` that nothing needs: DynamicUser in its place, where the service can live
      // with it (a daemon, no home files, its secrets handed over with LoadCredential=).
      const broadAccess = svc.surface.broadAccess;
      const usesHome = svc.facts.usesHome;
      const rootBindings = svc.runsAsRoot && !needsRoot && !broadAccess && !usesHome && !svc.partial.length && !svc.builtAt && svc.surface.surface !== "oneshot" && !homeReason && !/CAP_(?:SYS_ADMIN|NET_ADMIN|NET_RAW|DAC_|CHOWN|SETUID|SETGID|FOWNER|SYS_PTRACE)/i.test(JSON.stringify(svc.def.serviceConfig)) ? rootUserBindings(svc) : {};
      const credentials = rootBindings.user ? secretArgs(svc) : undefined;
      const replaceRoot = rootBindings.user !== undefined && credentials !== undefined;
      const jit = svc.facts.jit;
      const containers = needsRoot !== undefined && /containers/.test(needsRoot);
      const setuid = setuidProgram(`${svc.facts.command}\n${svc.facts.tools ?? ""}`);
      const readsJournal = /\bjournalctl\b/.test(`${svc.facts.command}\n${svc.facts.scriptText ?? ""}`) && !/\bjournalctl\b[^\n]*--(?:vacuum-\w+|rotate|flush)\b/.test(svc.facts.command);
      const privilegedPorts = [...new Set([...(svc.facts.ports ?? []), ...(svc.facts.firewallPorts ?? [])])].filter((p) => p > 0 && p < 1024).sort((a, b) => a - b);
      const monitor = MONITOR.exec(`${svc.name}\n${svc.facts.command}`)?.[1];
      const netlink = NETLINK_USE.test(svc.facts.command) ? "it watches or reads a network interface's addresses or routes (netlink)" : undefined;
      // A file it reads or writes in /tmp (cleverca22-nixos-configs' rtorrent-exporter reading
      // /tmp/rtorrent-exporter.yaml), or a copy of /var or / whole (GaetanLepage-nix-config's
      // `rsync --delete /var`, which would empty the copy's /var/tmp): PrivateTmp would hide them.
      const cmdText = `${svc.facts.command}\n${svc.facts.execScripts ?? ""}`.replace(/^\s*#.*$/gm, "");
      const tmpFile = /(?<![\w.$}-])\/(?:var\/)?tmp\/[\w.@+-]+/.exec(cmdText)?.[0];
      const sharedTmp = tmpFile ? `it uses ${tmpFile}` : svc.surface.broadAccess && /(?:^|[\s"'])\/(?:var\/?)?(?=[\s"']|$)/m.test(cmdText) ? "it copies /var (or /) whole, /var/tmp included" : undefined;
      const rawSockets = /(?:^|[\s/"'])(?:ping6?|fping6?|mtr|arping|traceroute6?|tcptraceroute|smokeping|oping|noping|nping)(?=[\s"']|$)/m.test(cmdText) || /(?:^|[-_])(?:ping|latency|icmp)(?:$|[-_])/i.test(svc.name) ? "it sends ICMP echo requests (ping), which need raw sockets" : undefined;
      const homeFiles = svc.homePaths.find((p) => /^\/home\/[\w.-]+\/./.test(p));
      const fitOptions = { ...(netlink ? { netlink } : {}), ...(sharedTmp ? { sharedTmp } : {}), ...(rawSockets ? { rawSockets } : {}), ...(homeFiles ? { homeFiles: `it uses ${homeFiles}` } : {}), devices: svc.devices, writePaths: svc.writePaths, writePathsUnknown: svc.writePathsUnknown, readsJournal, ...(privilegedPorts.length ? { privilegedPorts } : {}), ...(monitor ? { monitor } : {}) };
      const baselineKey = JSON.stringify([svc.name, svc.def, needsRoot ?? "", homeReason ?? "", replaceRoot, jit ?? "", fitOptions, broadAccess ?? "", usesHome ?? "", setuid ?? ""]);
      let baseline = baselineCache.get(baselineKey);
      if (!baseline) baselineCache.set(baselineKey, (baseline = baselineSummary(hardeningBaseline(svc.name, svc.def, { keepUser: needsRoot !== undefined, homeReason, replaceRootUser: replaceRoot, jit, containers, broadAccess, usesHome, setuid, ...fitOptions }))));
      const failing = o.checks.filter((c) => c.passed === false && (c.exposure ?? 0) > 0).sort((a, b) => (b.exposure ?? 0) - (a.exposure ?? 0));
      // PrivateNetwork merged by a namespace module is not missing, only unmeasured.
      const merged = svc.partial.some((p) => p.startsWith("the network namespace ")) ? new Set(["PrivateNetwork"]) : new Set<string>();
      // PrivateNetwork is no gap for a unit that uses the network, which the baseline leaves it
      // (pborzenkov-nix-config's xray proxy, emilylange's Terraform backend: judged noise).
      if (!("PrivateNetwork" in baseline.settings)) merged.add("PrivateNetwork");
      // Nor is what a system monitor must not have (the baseline leaves it out, and says why).
      if (monitor) for (const k of ["ProtectProc", "ProcSubset", "PrivateDevices", "ProtectHome"]) merged.add(k);
      // A setting the unit sets, only less strictly than a check asks (`RestrictAddressFamilies = [
      // "AF_INET" "AF_INET6" ]` fails the AF_INET check), is not missing (Lassulus-superconfig's
      // n2n-supernode was said to miss the RestrictAddressFamilies it sets).
      const missing = [...new Set(failing.map((c) => c.setting))].filter((k) => !merged.has(k) && (!(k in svc.def.serviceConfig) || (k === "User" && svc.runsAsRoot))).slice(0, 8);
      const after = baseline.after.ok && !svc.partial.length ? ` With the baseline below it scores ${formatExposure(baseline.after.exposure)} ${baseline.after.verdict}.` : "";
      const unknown = o.unknown.length ? ` (${o.unknown.join(", ")} could not be read statically and were scored as unset.)` : "";
      const who = svc.runsAsRoot ? "runs as root" : "runs";
      // A score over what could be read, with merged parts unread, is a bound: never "measured".
      const bound = svc.partial.length > 0;
      const score = bound
        ? `an exposure of at most ${formatExposure(o.exposure)} ${o.verdict}: ${svc.partial.slice(0, 3).join(", ")} ${svc.partial.length > 1 ? "are" : "is"} merged into its serviceConfig and could not be read statically, so what ${svc.partial.length > 1 ? "they set" : "it sets"} is not counted and the unit may well be hardened (the score is a bound, not a measurement)`
        : `an exposure of ${formatExposure(o.exposure)} ${o.verdict} (${o.source === "systemd-analyze" ? "measured with systemd-analyze security" : "built-in scorer, same numbers as systemd-analyze security"})`;
      const input = jobInput.get(svc);
      const surfaceText = ` It is rated by its attack surface: ${svc.surface.why}${input ? ` that runs as root and ${input.replace(/^it /, "")}` : ""}.${contained ? " It already runs as a dynamic user (which brings ProtectSystem=strict, PrivateTmp, NoNewPrivileges and RemoveIPC) in a network namespace of its own and listens on nothing: what is left is fine-tuning, so this is a note (info)." : ""}${notifies ? " All it sends to the network is a status posted to a URL whose response it does not use (a notification): nothing a stranger controls comes back, so this is a note (info)." : ""}${byHand ? " Nothing in the repository starts it (no wantedBy, requiredBy, startAt, timer, socket, or other unit or script naming it): it runs only when started by hand, so it is rated low." : ""}${fired.has(svc) ? " Another unit starts it on its failure or success (onFailure/onSuccess), and it is not kept running: it runs once per event and exits, a job rather than a daemon, so it is rated low." : ""}${localCopy ? " It copies files to a local destination and takes nothing from the network: a stranger has no way in, so this is a note (info)." : ""}`;
      const lowered = !byHand && !fired.has(svc) && !contained && !notifies && !localCopy && severity !== severityOf(svc, o.exposure, false) ? ` It is already sandboxed in part on purpose (${hardenedAlready(svc).slice(0, 4).join(", ")}${hardenedAlready(svc).length > 4 ? "..." : ""}): what is left improves existing hardening, so it is rated one level lower${sandboxedLow ? " (a note, info: a job that listens on nothing)" : ""}.` : "";
      const rootText = needsRoot ? ` It must run as root (${needsRoot}), so no DynamicUser or User= is proposed.` : "";
      // Unread parts may set the same keys (adding them could conflict), and a job that must run
      // as root needs a per-job choice (kernel tunables, devices, netlink): no patch for either.
      let edits = !bound && !needsRoot && !svc.builtAt && Object.keys(baseline.settings).length ? cachedBaselineEdits(svc, replaceRoot ? withoutDynamicUser(baseline.settings, credentials!) : baseline.settings) : undefined;
      if (edits && replaceRoot) edits = replaceRootEdits(svc, edits, rootBindings, credentials!);
      const partlySandboxed = hardenedAlready(svc);
      const jitText =
        (jit && !bound && !needsRoot ? ` MemoryDenyWriteExecute is left out: it runs ${jit}, whose JIT compiler needs writable-and-executable memory.` : "") +
        (monitor && !bound && !needsRoot ? ` ProtectProc, ProcSubset, PrivateDevices and ProtectHome are left out: it runs ${monitor}, a system monitor, which must see every process, /proc, the devices and the mounts.` : "") +
        (setuid && !bound && !needsRoot ? ` NoNewPrivileges and RestrictSUIDSGID are left out: it runs ${setuid}, a setuid/setgid wrapper that NoNewPrivileges would stop from gaining its privileges.` : "");
      const homeText = broadAccess && !needsRoot
        ? ` It keeps its user, /home and the network, and ProtectSystem is "full" unless the paths it writes are known: ${broadAccess}.`
        : usesHome && !needsRoot
          ? ` No ProtectHome or DynamicUser is proposed: it works in its user's home (${usesHome}).`
          : homeReason
            ? ` ProtectHome is proposed read-only, not true: ${homeReason}.`
            : "";
      const journalText = Array.isArray(baseline.settings.SupplementaryGroups) && readsJournal ? " SupplementaryGroups=systemd-journal is part of the patch: it reads the journal with journalctl, which shows a dynamic user outside that group nothing." : "";
      const userText = replaceRoot ? ` Nothing it runs needs root: the patch replaces User=root with DynamicUser${credentials!.length ? ` and hands it ${credentials!.map((c) => c.name).join(", ")} through LoadCredential= (read as %d/<name>)` : ""}.` : "";
      const r: RuleReport = {
        node: svc.builtAt ?? anchorNode,
        ...(svc.builtAt ? { key: `built ${svc.builtAt.line}` } : {}),
        optionPath: `systemd.services.${svc.name}`,
        severity,
        title: `systemd service '${svc.name}' ${svc.runsAsRoot ? (partlySandboxed.length >= 2 ? "runs as root, partly sandboxed" : "runs as root without sandboxing") : "is poorly sandboxed"}`,
        message: `systemd.services.${svc.name} ${who} with ${score}.${partlySandboxed.length >= 2 ? ` It sets ${partlySandboxed.slice(0, 4).join(", ")}${partlySandboxed.length > 4 ? "..." : ""}; still missing` : " Missing"}: ${missing.join(", ") || "(see checks)"}.${after}${unknown}${surfaceText}${lowered}${rootText}${homeText}${jitText}${journalText}${userText}${svc.builtAt ? ` Its settings are written in the attribute set a function returns (line ${svc.builtAt.line}): harden them there.` : ""}`,
        evidence: `systemd.services.${svc.name}: exposure ${bound ? "at most " : ""}${formatExposure(o.exposure)} ${o.verdict}`,
        fix: {
          safety: "review",
          description: bound
            ? `Check what ${svc.partial.slice(0, 3).join(", ")} sets, then add what is missing to serviceConfig.`
            : needsRoot
              ? containers
                ? `Keep it root and let it create namespaces (rootful podman or docker needs them: no DynamicUser, User= or RestrictNamespaces); add only what the engine allows, e.g. ProtectHome, LockPersonality.`
                : `Keep it root; add only what this job allows (typically PrivateTmp, ProtectHome, NoNewPrivileges, LockPersonality; not ProtectKernelTunables/PrivateDevices/RestrictAddressFamilies where it writes sysctls, devices or firewall rules).`
              : `Add to serviceConfig: ${Object.keys(baseline.settings).join(", ")}.${fitText(baseline)} Check that the service still works (it may need ReadWritePaths, StateDirectory, or a capability); then deploy.`,
          edits,
        },
      };
      if (svc.builtAt) {
        // Several units one function builds (`mkWorker "w1"` ... `mkWorker "w6"`): one finding at
        // the function's serviceConfig, naming them all.
        const group = built.get(svc.builtAt);
        if (group) group.push({ svc, report: r, exposure: o.exposure });
        else built.set(svc.builtAt, [{ svc, report: r, exposure: o.exposure }]);
        return;
      }
      if (svc.surface.surface !== "oneshot") return sink.report(svc.ctx, r);
      const jobs = jobsByFile.get(svc.ctx.file);
      if (jobs) jobs.push({ svc, report: r, exposure: o.exposure });
      else jobsByFile.set(svc.ctx.file, [{ svc, report: r, exposure: o.exposure }]);
    });
    for (const group of built.values()) {
      const first = group[0]!;
      if (group.length === 1) {
        sink.report(first.svc.ctx, first.report);
        continue;
      }
      const names = group.map((g) => g.svc.name);
      const worst = group.reduce((a, g) => (SEVERITY_RANK[g.report.severity as Severity] > SEVERITY_RANK[a.report.severity as Severity] ? g : a), first);
      sink.report(first.svc.ctx, {
        ...worst.report,
        key: `built ${names.join(" ")}`,
        optionPath: undefined,
        title: `${group.length} systemd services built by one function ${worst.svc.runsAsRoot ? "run as root" : "are poorly sandboxed"}`,
        message: `${group.length} services are built by the same function of this file: ${names.join(", ")}. ${worst.report.message.replace(/^systemd\.services\.\S+ /, `Each, like ${worst.svc.name}, `)}`,
        evidence: group.map((g) => g.report.evidence).join("; "),
      });
    }
    // Oneshot and scheduled jobs are reached only through their inputs: one low finding per file
    // listing them, so that a module with a handful of jobs does not outnumber a network daemon.
    for (const jobs of jobsByFile.values()) {
      const first = jobs[0]!;
      if (jobs.length === 1) {
        sink.report(first.svc.ctx, first.report);
        continue;
      }
      const names = jobs.map((j) => `${j.svc.name} (${formatExposure(j.exposure)}${j.svc.runsAsRoot ? ", root" : ""})`);
      // One patch for all of them when each job has one and they touch different places.
      const all = jobs.every((j) => j.report.fix?.edits?.length) ? jobs.flatMap((j) => j.report.fix!.edits!).sort((a, b) => a.start - b.start) : [];
      const disjoint = all.every((e, k) => k === 0 || (e.file === all[k - 1]!.file && e.start >= all[k - 1]!.end && e.start > all[k - 1]!.start));
      const edits = all.length && disjoint ? all : undefined;
      sink.report(first.svc.ctx, {
        node: first.report.node,
        key: `jobs ${jobs.map((j) => j.svc.name).join(" ")}`,
        severity: jobs.some((j) => j.report.severity === "low") ? "low" : "info",
        title: `${jobs.length} oneshot or scheduled systemd jobs without sandboxing`,
        message: `${jobs.length} oneshot or scheduled jobs in this file run without sandboxing: ${names.join(", ")}. A job is reached only through what it reads, so each is rated low at most (and one that runs as its own user or takes nothing from the network is not reported); ${first.report.message.replace(/^systemd\.services\.\S+ /, `the first, ${first.svc.name}, `)}`,
        evidence: jobs.map((j) => j.report.evidence).join("; "),
        fix: {
          safety: "review",
          description: `Per job: ${jobs.map((j) => `${j.svc.name}: ${j.report.fix?.description ?? ""}`).join(" ")}`,
          edits,
        },
      });
    }
  },
};
