// root-equivalent-group: membership in a group that is root in all but name.
// - docker, podman, lxd, incus-admin, disk: the group controls a root daemon (`docker run -v /:/host`,
//   a privileged LXD/Incus container) or the raw block devices. For a wheel member (in this file
//   or anywhere on the host, the user named as written or through an option such as
//   `${config.my.mainUser}` and its default) this only bypasses sudo's password and log: info, a
//   note that makes nobody an administrator who was not one; on a host where wheel's sudo asks no password
//   (security.sudo.wheelNeedsPassword = false as the host ends up with it) not even that, which
//   the message says (judged per host). For a system (service) user it is root for whoever
//   compromises the service: high. For a user the file declares (isNormalUser) with their groups
//   and without wheel: root they were not given otherwise, medium. When the user's other groups
//   are set elsewhere (a docker module adding the main user): low.
// - libvirtd: manages system VMs, which can be given host disks and devices: review, medium for
//   service users and for declared non-wheel users; silent otherwise (the usual admin setup).
// - wheel for a system (service) user: a compromise of the service becomes sudo access. High.
// Both `users.users.<name>.extraGroups` (and `group`) and `users.groups.<group>.members` count, and
// a service's group (`services.<name>.group`, `serviceConfig.Group`/`SupplementaryGroups`): high.
// A daemon's group (docker, podman, lxd, incus-admin, libvirtd) counts only on hosts that run the daemon
// (its enable on as the host ends up with it; rootless Docker alone is not it): elsewhere the group
// controls nothing. Nor where the user already has root without a password another way on the
// host (root-paths.ts: NOPASSWD sudo, wheel's passwordless sudo, their keys in root's, and for a
// daemon's group, being a Nix trusted user).
import type { SyntaxNode } from "../../nix/syntax.js";
import type { Severity } from "../../report/schema.js";
import { staticValue } from "../../nix/values.js";
import { appliedScope, fileScope, hostValue, isDead, isFileScoped, opaquePrefix, type Scope } from "../shared/scope.js";
import { listOf, removeListElements } from "../shared/edits.js";
import { userOption, usersIn, type UserFacts } from "./users.js";
import type { NixFileContext, Rule, RuleReport, TextEdit } from "../types.js";
import { hostExample } from "../shared/examples.js";
import { perHost } from "../shared/per-host.js";
import { wheelPasswordless } from "./wheel-sudo.js";
import { GROUP_DAEMON, groupsOf, otherRootWays, segmentName } from "./root-paths.js";
import type { OptionDefinition } from "../../nix/options.js";
import { nixosOption } from "../shared/references.js";

interface GroupInfo {
  why: string;
  /** Severity for a system user, a user this file declares (isNormalUser) with its groups and no
   * wheel, a user whose other groups are not known here, and a wheel member (undefined: silent). */
  severity: { system?: Severity; declared?: Severity; unknown?: Severity; wheel?: Severity };
}

const ROOT_DAEMON = { system: "high", declared: "medium", unknown: "low", wheel: "low" } as const;
const GROUPS: Record<string, GroupInfo> = {
  docker: { why: "controls the Docker daemon, which runs as root: `docker run -v /:/host` is a root shell", severity: ROOT_DAEMON },
  lxd: { why: "controls LXD, which can start privileged containers with the host's filesystem mounted: LXD documents the group as root-equivalent", severity: ROOT_DAEMON },
  "incus-admin": { why: "controls Incus, which can start privileged containers with the host's filesystem mounted: root-equivalent", severity: ROOT_DAEMON },
  podman: { why: "controls rootful Podman through its API socket (NixOS gives /run/podman/podman.sock to the podman group), which runs containers as root: `podman run -v /:/host` is a root shell", severity: ROOT_DAEMON },
  disk: { why: "has raw read/write access to the block devices, so it can read /etc/shadow or rewrite any file", severity: ROOT_DAEMON },
  libvirtd: { why: "manages system VMs (qemu:///system), which can be given host disks and devices", severity: { system: "medium", declared: "medium" } },
  wheel: { why: "can use sudo: a compromise of the service becomes administrator access", severity: { system: "high" } },
};

const ALREADY_WHEEL = " (already in wheel)";
/** A file that may name one of the groups. */
const ROOT_GROUP_HINT = /docker|lxd|incus-admin|podman|disk|libvirtd|wheel/;
/** Groups that are root through a daemon or the disks: for a wheel member, only sudo's prompt is skipped. */
const ROOT_DAEMON_GROUPS = new Set(["docker", "lxd", "incus-admin", "podman", "disk"]);


/** Does the host (a host scope) not run the group's daemon: its enable is false as the host ends up
 * with it, or left unset on a host whose modules are all known (no opaque `virtualisation.docker =
 * cfg;`, no OCI containers or Arion on the docker backend, which turn Docker on)? Rootless Docker
 * alone is not the docker group's daemon. Unknown values count as running. */
function daemonOff(group: string, scope: Scope): boolean {
  const path = GROUP_DAEMON[group];
  if (!path || scope.kind !== "host") return false;
  const applied = appliedScope(scope);
  const v = hostValue(applied, path);
  if (v.kind === "known") return v.value === false;
  if (v.kind !== "unset" || !scope.defaultsApply || opaquePrefix(applied, path)) return false;
  // OCI containers or Arion on this daemon's backend turn it on (mrjones2014-dotfiles mikoshi:
  // oci-containers.backend = "podman" with containers, the podman group of its user judged off).
  if (group === "docker" || group === "podman") {
    for (const backend of ["virtualisation.oci-containers.backend", "virtualisation.arion.backend"]) {
      const b = hostValue(applied, backend);
      if (b.kind === "unknown" || (b.kind === "known" && b.value === group)) return false;
    }
  }
  return true;
}

/** The daemons no file of the repository can turn on: every definition of the enable is a literal
 * false (at least one, so the repository says so), nothing sets `virtualisation.<daemon>` or a parent
 * to an expression, and (docker, podman) no OCI containers or Arion may run on it. Used for places
 * no host sees (a lone module: ghuntley-ghuntley's users.nix gives podman to its admins while
 * ops/nixos-modules/podman.nix sets `virtualisation.podman.enable = false` for every machine,
 * judged wrong twice). */
function daemonsOffInRepository(files: readonly NixFileContext[]): Set<string> {
  const off = new Set<string>();
  // OCI containers or Arion anywhere, and the backends the repository names for them (one file may
  // set the backend, another declare the containers: ghuntley's podman.nix and services/*).
  let containers = false;
  const backends: unknown[] = [];
  for (const ctx of files) {
    for (const d of ctx.index.definitions) {
      if (isDead(d) || !/^virtualisation\.(?:oci-containers|arion)\./.test(d.path)) continue;
      if (d.path === "virtualisation.oci-containers.backend" || d.path === "virtualisation.arion.backend") backends.push(staticValue(d.inner));
      else containers = true;
    }
  }
  for (const [group, path] of Object.entries(GROUP_DAEMON)) {
    let sawFalse = false;
    let on = false;
    const prefixes = path.split(".").map((_, i, parts) => parts.slice(0, i + 1).join(".")).slice(0, -1);
    for (const ctx of files) {
      for (const def of ctx.index.byPath.get(path) ?? []) {
        if (isDead(def)) continue;
        if (staticValue(def.inner) === false) sawFalse = true;
        else on = true;
      }
      if (prefixes.some((p) => (ctx.index.byPath.get(p) ?? []).some((d) => d.isLeaf && !isDead(d)))) on = true;
    }
    // Containers run on the backend the repository names everywhere it names one; none named: Podman.
    if (containers && (group === "docker" || group === "podman")) {
      const other = group === "docker" ? "podman" : "docker";
      if (backends.length === 0 ? group === "podman" : backends.some((b) => b !== other)) on = true;
    }
    if (sawFalse && !on) off.add(group);
  }
  return off;
}

function verdict(group: string, facts: UserFacts | undefined, user: string): { severity: Severity; who: string } | undefined {
  const info = GROUPS[group];
  if (!info || user === "root") return undefined;
  const s = info.severity;
  if (facts?.systemUser) return s.system ? { severity: s.system, who: `system user ${user}` } : undefined;
  if (facts?.groups.has("wheel") && group !== "wheel") return s.wheel ? { severity: s.wheel, who: `${user} (already in wheel)` } : undefined;
  if (facts?.normalUser) return s.declared ? { severity: s.declared, who: `${user} (declared here without wheel)` } : undefined;
  return s.unknown ? { severity: s.unknown, who: user } : undefined;
}

/** One membership, judged with what its file says; the host decides whether a wheel member's
 * way to root skips a password prompt. */
interface Membership {
  def: OptionDefinition;
  node: SyntaxNode;
  optionPath: string;
  group: string;
  user: string;
  severity: Severity;
  who: string;
  edits: TextEdit[] | undefined;
  /** The account of a service (its group option or unit groups), not a user. */
  service?: boolean;
}

function memberships(ctx: NixFileContext): Membership[] {
  const out: Membership[] = [];
  const users = usersIn(ctx);
  for (const def of ctx.index.definitions) {
    if (isDead(def)) continue;
    const u = userOption(def);
    if (u && u.rest.length === 1 && (u.rest[0] === "extraGroups" || u.rest[0] === "group")) {
      const facts = users.get(u.user);
      if (u.rest[0] === "group") {
        const g = staticValue(def.inner);
        const v = typeof g === "string" ? verdict(g, facts, u.user) : undefined;
        if (v && typeof g === "string") out.push({ def, node: def.inner!, optionPath: def.path, group: g, user: u.user, ...v, edits: undefined });
        continue;
      }
      const list = listOf(def.inner);
      if (!list) continue;
      for (const el of list.childNodes()) {
        const g = staticValue(el);
        if (typeof g !== "string") continue;
        const v = verdict(g, facts, u.user);
        if (v) out.push({ def, node: el, optionPath: def.path, group: g, user: u.user, ...v, edits: removeListElements(ctx.file, ctx.text, list, [el]) });
      }
      continue;
    }
    const s = def.segments;
    // A service's own group option (`services.traefik.group = "docker"`, the group its user runs
    // with) or its unit's groups (`serviceConfig.Group` / `SupplementaryGroups`): the service's
    // account is in the group, so whoever compromises the service has what the group gives
    // (LongerHV/nixos-configuration homelab/traefik.nix: the Internet-facing proxy reading the
    // Docker socket through the docker group).
    const unitGroups = s.length === 5 && s[0]!.name === "systemd" && s[1]!.name === "services" && s[3]!.name === "serviceConfig" && (s[4]!.name === "Group" || s[4]!.name === "SupplementaryGroups");
    const serviceGroup = s.length === 3 && s[0]!.name === "services" && s[2]!.name === "group";
    if ((unitGroups || serviceGroup) && !s[1]!.dynamic && !s[2]!.dynamic) {
      const service = s[unitGroups ? 2 : 1]!.name;
      const v = staticValue(def.inner);
      const list = listOf(def.inner);
      const els: Array<{ node: SyntaxNode; group: unknown }> = typeof v === "string" ? [{ node: def.inner!, group: v }] : list ? list.childNodes().map((el) => ({ node: el, group: staticValue(el) })) : [];
      for (const { node, group } of els) {
        if (typeof group !== "string") continue;
        // Several groups in one string (`SupplementaryGroups = "docker video"`).
        for (const g of group.split(/\s+/)) {
          const sev = GROUPS[g]?.severity.system;
          if (!sev) continue;
          out.push({ def, node, optionPath: def.path, group: g, user: service, severity: sev, who: `the service ${service} (its account runs with group ${g})`, edits: undefined, service: true });
        }
      }
      continue;
    }
    if (s.length === 4 && s[0]!.name === "users" && (s[1]!.name === "groups" || s[1]!.name === "extraGroups") && s[3]!.name === "members" && GROUPS[s[2]!.name]) {
      const list = listOf(def.inner);
      if (!list) continue;
      for (const el of list.childNodes()) {
        const m = staticValue(el);
        if (typeof m !== "string") continue;
        const v = verdict(s[2]!.name, users.get(m), m);
        if (v) out.push({ def, node: el, optionPath: def.path, group: s[2]!.name, user: m, ...v, edits: removeListElements(ctx.file, ctx.text, list, [el]) });
      }
    }
  }
  return out;
}

/** A user named by an option (`users.users.${config.my.mainUser}`): the option's value as the
 * host ends up with it, or the default its declaration gives (MayNiklas-nixos: mainUser defaults
 * to "nik", who is in wheel and a Nix trusted user). */
function resolvedUser(scope: Scope, user: string): string | undefined {
  const m = /^\$\{config\.([\w.'-]+)\}$/.exec(segmentName(user));
  if (!m) return undefined;
  const path = m[1]!;
  const v = hostValue(appliedScope(scope), path);
  if (v.kind === "known") return typeof v.value === "string" ? v.value : undefined;
  if (v.kind !== "unset") return undefined;
  for (const f of scope.files) {
    const decl = f.index.declarations.find((d) => d.path === path || d.path === `options.${path}`);
    const def = decl?.value && /\bdefault\s*=\s*"([\w.@-]+)"\s*;/.exec(decl.value.text);
    if (def) return def[1];
  }
  return undefined;
}

/** Judges one membership in a scope; `offInRepository`: the daemons no file of the repository turns
 * on (for places no host sees). */
function judge(m: Membership, scope: Scope, report: (r: RuleReport) => void, offInRepository?: ReadonlySet<string>): void {
  if (daemonOff(m.group, scope) || (scope.kind === "file" && offInRepository?.has(m.group))) return;
  const info = GROUPS[m.group]!;
  const resolved = m.service ? undefined : resolvedUser(scope, m.user);
  const names = [segmentName(m.user), ...(resolved ? [resolved] : [])];
  // In wheel on the host, maybe in another file than the one adding the group (TLATER-dotfiles:
  // tlater's wheel in nixos-config/default.nix, docker in hosts/rin): already an administrator.
  const wheelOnHost = m.group !== "wheel" && !m.service && !m.who.endsWith(ALREADY_WHEEL) && scope.kind === "host" && names.some((n) => groupsOf(scope, n).has("wheel"));
  const wheelMember = m.group !== "wheel" && (m.who.endsWith(ALREADY_WHEEL) || wheelOnHost);
  // Sudo without a password already makes a wheel member root: this group skips no prompt.
  // There it adds no new way to root: nothing to report (judged noise on public configurations).
  if (wheelMember && wheelPasswordless(scope) !== undefined) return;
  // Nor where the user already has root without a password another way on this host (judged noise:
  // fufexan's mihai, wheel with NOPASSWD in other files; dustinlyons' user, already a Nix trusted
  // user): NOPASSWD sudo, wheel's passwordless sudo, their keys in root's, or (for a daemon's
  // group) trusted-users. Not for wheel itself, whose sudo is the way.
  if (m.group !== "wheel" && names.some((n) => otherRootWays(scope, n, { trusted: true }).length)) return;
  const tail =
    m.group === "wheel"
      ? ""
      : m.service
        ? " Whoever takes over the service (a flaw in how it handles what it is sent) gets this too."
        : wheelMember
          ? ` ${resolved ? `${m.user} is ${resolved}, who is` : "Already"} in wheel${wheelOnHost ? " on this host" : ""}: the group makes nobody an administrator who was not one, and only reaches root without sudo's password prompt or log, so this is a note (info).`
          : " If this user is not meant to be an administrator, this makes them one.";
  report({
    node: m.node,
    optionPath: m.optionPath,
    key: `${m.user}:${m.group}`,
    // libvirtd as well (TheMaxMur-NixOS-Configuration: an account with wheel and libvirtd in one
    // list, taken for a system user by its isSystemUser, was rated medium; judged info).
    severity: wheelMember && (ROOT_DAEMON_GROUPS.has(m.group) || m.group === "libvirtd") ? "info" : m.severity,
    title: `${m.user} is in the root-equivalent group ${m.group}`,
    message: `${wheelOnHost ? segmentName(m.user) : m.who.replace(ALREADY_WHEEL, "")} is in ${m.group}, which ${info.why}.${tail}`,
    fix: {
      safety: "review",
      description:
        m.group === "docker"
          ? "Remove the user from docker; use rootless Docker (virtualisation.docker.rootless) or Podman, or sudo docker for administrators."
          : m.group === "wheel"
            ? "Remove wheel from the service user; give it only the capabilities or the narrow sudo rule it needs."
            : `Remove the user from ${m.group} unless they are meant to have root.`,
      edits: m.edits,
    },
  });
}

const checks = perHost(memberships, (m, scope, _file, report) => judge(m, scope, report));

export const rootEquivalentGroup: Rule = {
  id: "root-equivalent-group",
  examples: {
    fire: [
      hostExample(`{ users.users.alice = { isNormalUser = true; extraGroups = [ "docker" ]; }; virtualisation.docker.enable = true; }\n`),
      // Looks the same, but another module forces the prompt back: the docker group still skips it.
      hostExample(
        `{ lib, ... }: {\n  imports = [ ./strict.nix ];\n  users.users.alice = { isNormalUser = true; extraGroups = [ "wheel" "docker" ]; };\n  virtualisation.docker.enable = true;\n  security.sudo.wheelNeedsPassword = false;\n}\n`,
        "configuration.nix",
        { "strict.nix": `{ lib, ... }: { security.sudo.wheelNeedsPassword = lib.mkForce true; }\n` },
      ),
      // A network-facing service given the docker group to read the Docker socket.
      hostExample(`{\n  virtualisation.docker.enable = true;\n  services.traefik = { enable = true; group = "docker"; };\n  systemd.services.exporter.serviceConfig.SupplementaryGroups = [ "docker" ];\n}\n`),
      // The podman group owns the rootful Podman socket on NixOS.
      hostExample(`{ users.users.bob = { isNormalUser = true; extraGroups = [ "podman" "video" ]; }; virtualisation.podman.enable = true; }\n`),
      // An account set up as a system user with wheel and libvirtd: already an administrator, a note (info).
      hostExample(`{ users.users.ops = { isSystemUser = true; group = "ops"; extraGroups = [ "wheel" "libvirtd" ]; }; virtualisation.libvirtd.enable = true; }\n`),
    ],
    silent: [
      hostExample(`{ users.users.alice = { isNormalUser = true; extraGroups = [ "video" "audio" ]; }; }\n`),
      // A service's own group, or one that is not root-equivalent; docker's group where Docker does not run.
      hostExample(`{\n  services.traefik = { enable = true; group = "traefik"; };\n  systemd.services.backup.serviceConfig.SupplementaryGroups = [ "video" ];\n  services.jellyfin.group = "docker";\n  virtualisation.podman.enable = true;\n}\n`),
      // The podman group where Podman does not run (rootless containers of the user only).
      hostExample(`{ users.users.bob = { isNormalUser = true; extraGroups = [ "podman" ]; }; virtualisation.docker.rootless.enable = true; }\n`),
      // A wheel member on a host whose sudo asks no password: docker adds no new way to root.
      hostExample(
        `{\n  users.users.alice = { isNormalUser = true; extraGroups = [ "wheel" "docker" ]; };\n  virtualisation.docker.enable = true;\n  security.sudo.wheelNeedsPassword = false;\n}\n`,
      ),
      // alice is already a Nix trusted user: the docker group adds no new way to root.
      hostExample(`{ users.users.alice = { isNormalUser = true; extraGroups = [ "docker" ]; }; virtualisation.docker.enable = true; nix.settings.trusted-users = [ "alice" ]; }\n`),
      // The group of a daemon the host does not run (Podman in its place, rootless Docker only):
      // membership gives nothing.
      hostExample(`{ users.users.alice = { isNormalUser = true; extraGroups = [ "docker" "lxd" ]; }; virtualisation.podman.enable = true; virtualisation.docker.rootless.enable = true; }\n`),
      // Modules no host is known for, in a repository that switches Podman off and never on.
      {
        "modules/users.nix": `{ ... }: { users.users.ops = { isNormalUser = true; extraGroups = [ "podman" ]; }; }\n`,
        "modules/containers.nix": `{ ... }: { virtualisation.podman.enable = false; virtualisation.docker.enable = true; virtualisation.oci-containers.backend = "docker"; }\n`,
      },
    ],
  },
  name: "Root-equivalent group membership",
  category: "access",
  severity: "medium",
  rationale:
    "Some groups are root in all but name: docker, lxd and incus-admin control daemons that run containers as root with the host's filesystem, disk reads raw block devices, and wheel grants sudo. A member's compromise is the host's, and the access bypasses sudo's authentication and logging.",
  fix: "Keep such groups for administrators who would have root anyway; use rootless Docker or Podman for others; never put service users in them.",
  references: [
    { title: "Docker: daemon attack surface (only trusted users should control the daemon)", url: "https://docs.docker.com/engine/security/#docker-daemon-attack-surface" },
    { title: "LXD security: access to the LXD socket is root-equivalent", url: "https://documentation.ubuntu.com/lxd/en/latest/explanation/security/" },
    nixosOption("users.users.<name>.extraGroups"),
    nixosOption("virtualisation.docker.rootless.enable"),
  ],
  compliance: { cis: ["5.4 User Accounts and Environment", "6.2 User and Group Settings"], nist: ["PR.AA-05"] },
  checkHost: checks.checkHost,
  // Places no host sees (a lone module, a VM test node) are judged with their file's scope, knowing
  // which daemons no file of the repository turns on.
  checkRepository(files, sink) {
    let off: Set<string> | undefined;
    for (const ctx of files) {
      if (!ROOT_GROUP_HINT.test(ctx.text)) continue;
      const own = memberships(ctx).filter((p) => isFileScoped(ctx, p.def));
      if (!own.length) continue;
      off ??= daemonsOffInRepository(files);
      const scope = fileScope(ctx)!;
      for (const p of own) judge(p, scope, (r) => sink.report(ctx, r), off);
    }
  },
};
