// A sound hardening baseline for a service: the sandboxing options it does not set yet, each with
// the reason and its known caveat, never touching an option the service (or its confinement) already
// sets, plus the exposure before and after so a finding can say "9.6 -> 2.0".
import { type ExposureOutcome, assessExposure } from "./score.js";
import { type NixServiceDef, type NixValue, isUnknown, toUnitSettings } from "./unit.js";

export type BaselineValue = string | boolean | string[];

export interface HardeningBaseline {
  /** Options to add to serviceConfig, in a stable order. */
  settings: Record<string, BaselineValue>;
  /** Why each option is suggested, and what to check before applying it. */
  rationale: Record<string, string>;
  /** Options deliberately left out, with the reason (e.g. the service runs as root on purpose). */
  skipped: Record<string, string>;
  /** Exposure of the service as it is, and with the baseline added (built-in scorer). */
  before: ExposureOutcome;
  after: ExposureOutcome;
}

interface Candidate {
  key: string;
  value: BaselineValue;
  why: string;
  /** Only for services that end up running as a non-root user. */
  nonRootOnly?: boolean;
}

const CANDIDATES: Candidate[] = [
  { key: "DynamicUser", value: true, why: "runs the service as a transient unprivileged user instead of root (persistent data then belongs in StateDirectory=)" },
  { key: "ProtectSystem", value: "strict", why: "mounts the whole file system read-only for the service; list the paths it must write in ReadWritePaths= or use StateDirectory=/CacheDirectory=/LogsDirectory=" },
  { key: "ProtectHome", value: true, why: "hides /home, /root and /run/user from the service" },
  { key: "PrivateTmp", value: true, why: "gives the service its own /tmp and /var/tmp" },
  { key: "NoNewPrivileges", value: true, why: "stops the service and its children from gaining privileges through setuid/setgid binaries or file capabilities" },
  { key: "PrivateDevices", value: true, why: "gives the service a minimal /dev without physical devices (also drops CAP_MKNOD and CAP_SYS_RAWIO)" },
  { key: "PrivateMounts", value: true, why: "keeps mounts made by the service out of the host's mount namespace" },
  { key: "ProtectKernelTunables", value: true, why: "makes /proc/sys, /sys and similar kernel tunables read-only" },
  { key: "ProtectKernelModules", value: true, why: "denies loading or unloading kernel modules" },
  { key: "ProtectKernelLogs", value: true, why: "denies access to the kernel log ring buffer" },
  { key: "ProtectControlGroups", value: true, why: "makes the cgroup file system read-only" },
  { key: "ProtectClock", value: true, why: "denies changing the system or hardware clock" },
  { key: "ProtectHostname", value: true, why: "denies changing the host or domain name" },
  { key: "ProtectProc", value: "invisible", why: "hides other users' processes in /proc" },
  { key: "ProcSubset", value: "pid", why: "hides non-process files in /proc (some tools read /proc/meminfo or /proc/cpuinfo; drop this for them)" },
  { key: "RestrictSUIDSGID", value: true, why: "denies creating setuid/setgid files" },
  { key: "RestrictNamespaces", value: true, why: "denies creating any kind of namespace (drop it for services that run containers or sandboxes themselves)" },
  { key: "RestrictRealtime", value: true, why: "denies realtime scheduling, which can starve the rest of the system" },
  { key: "LockPersonality", value: true, why: "locks the execution domain (personality(2))" },
  { key: "MemoryDenyWriteExecute", value: true, why: "denies writable-and-executable memory; breaks programs with a JIT compiler (Java, Node.js, LuaJIT, PCRE JIT, some Python/Ruby extensions): leave it out for those" },
  { key: "SystemCallArchitectures", value: "native", why: "allows only native system calls (no 32-bit ABI on 64-bit hosts)" },
  { key: "SystemCallFilter", value: ["@system-service", "~@privileged @resources"], why: "allows the system calls ordinary services need and denies privileged and resource-control ones" },
  { key: "RestrictAddressFamilies", value: ["AF_UNIX", "AF_INET", "AF_INET6"], why: "allows only local and IP sockets (add AF_NETLINK for services that read interfaces or routes)" },
  { key: "UMask", value: "0077", why: "makes files the service creates private to its user by default" },
  { key: "CapabilityBoundingSet", value: "", why: "drops every capability: an unprivileged service needs none (list the few it does need instead, e.g. CAP_NET_BIND_SERVICE for ports below 1024)", nonRootOnly: true },
  { key: "RemoveIPC", value: true, why: "removes the service user's SysV IPC objects when it stops", nonRootOnly: true },
];

function isSet(sc: Record<string, NixValue>, key: string): boolean {
  return key in sc;
}

function runsAsNonRoot(sc: Record<string, NixValue>, addsDynamicUser: boolean): boolean | "unknown" {
  const user = sc.User;
  const dyn = sc.DynamicUser;
  if (addsDynamicUser) return true;
  if (isUnknown(user) && user.nonRoot && !isUnknown(dyn)) return true;
  if (isUnknown(user) || isUnknown(dyn)) return "unknown";
  if (user === "root" || user === "0") return false;
  if ( dyn === true || dyn === "yes" || dyn === "true") return true;
  return typeof user === "string" && user !== "";
}

/** Settings that give the unit a mount namespace of its own (systemd.exec(5)): a unit that sets
 * PrivateMounts=false on purpose (a netns@ template bind-mounting onto /run/netns) loses its
 * effect on the host with any of them. */
const MOUNT_NAMESPACE_KEYS = new Set([
  "DynamicUser", "ProtectSystem", "ProtectHome", "PrivateTmp", "PrivateDevices", "PrivateMounts", "ProtectKernelTunables",
  "ProtectKernelModules", "ProtectKernelLogs", "ProtectControlGroups", "ProtectProc", "ProcSubset", "ReadWritePaths",
]);

/** The baseline for `systemd.services.<name>` as the scan sees it. */
/** What a system monitor must see: every process, the kernel's /proc files, the devices and the
 * mounts (/home among them). */
const MONITOR_SKIP: Record<string, string> = {
  ProtectProc: "would hide other users' processes from its process list",
  ProcSubset: "would hide /proc/meminfo, /proc/stat and the other kernel files its memory, CPU and load views read",
  PrivateDevices: "would hide the disks whose I/O and sensors it reports",
  ProtectHome: "would hide /home, whose file system and usage it reports",
};

export interface BaselineOptions {
  /** The system monitor it runs (glances, netdata, a node exporter): it must see every process,
   * /proc, the devices and the mounts, so none of those is hidden. */
  monitor?: string;
  /** Ports below 1024 it listens on: the capability to bind them stays (CAP_NET_BIND_SERVICE in the
   * bounding set, and as an ambient capability once it runs as another user than root). */
  privilegedPorts?: number[];
  /** A job that must run as root: never moved to another user. */
  keepUser?: boolean;
  /** `User = "root"` is written but nothing needs it: propose DynamicUser in its place. */
  replaceRootUser?: boolean;
  /** The service reads or serves files under /home: ProtectHome=true would hide them. */
  homeReason?: string;
  /** The service needs host devices (it runs VMs, uses /dev/kvm or /dev/net/tun): no device
   * isolation, nor the settings a VM runner is known not to live with. */
  devices?: string;
  /** Directories it writes outside StateDirectory and friends: ProtectSystem=strict gets them as
   * ReadWritePaths, and no DynamicUser is proposed (it would not own them). */
  writePaths?: string[];
  /** Why the directories it writes cannot be known: ProtectSystem="full" instead of "strict". */
  writePathsUnknown?: string;
  /** The JIT runtime it runs (node, java...): MemoryDenyWriteExecute would kill it. */
  jit?: string;
  /** It runs a container engine (podman, docker), which creates namespaces: no RestrictNamespaces. */
  containers?: boolean;
  /** Why it must read everyone's files as root (a backup, a virus scan, a database dump): no
   * DynamicUser, no ProtectHome, ProtectSystem=full unless the paths it writes are known, no
   * denial of the privileged system calls that keep owners and modes, no SUID/SGID restriction,
   * no private umask. */
  broadAccess?: string;
  /** What in its command works in its user's home (`$HOME`, `~/.config`): no ProtectHome, no
   * DynamicUser (a dynamic user has no home). */
  usesHome?: string;
  /** The setuid/setgid program it runs (sendmail's wrapper, sudo, ping from /run/wrappers):
   * NoNewPrivileges would stop it from gaining its privileges, so neither it nor RestrictSUIDSGID
   * is proposed. */
  setuid?: string;
  /** It reads the journal (journalctl): a user it is moved to needs the systemd-journal group,
   * or journalctl prints nothing (and a check built on it fails open). */
  readsJournal?: boolean;
  /** Why it reads the host's interfaces or routes over netlink (an interface it is told to
   * watch, `ip monitor`): RestrictAddressFamilies keeps AF_NETLINK. */
  netlink?: string;
  /** Why it must see the host's /tmp and /var/tmp (it reads a file there, or copies /var whole):
   * no PrivateTmp. */
  sharedTmp?: string;
  /** Why it sends ICMP echo or other raw packets (ping, fping, a latency prober): it keeps
   * CAP_NET_RAW. */
  rawSockets?: string;
  /** What it uses under /home/<user>: no DynamicUser, which could not read a 0700 home. */
  homeFiles?: string;
}

// What a VM runner (QEMU, microvm, libvirt, virtiofsd) cannot live with: PrivateDevices hides
// /dev/kvm, /dev/net/tun and /dev/vhost-* (and implies DevicePolicy=closed); QEMU's TCG is a JIT;
// virtiofsd and libvirt make namespaces; QEMU sets affinity, rlimits and NUMA policy (@resources)
// and reads /proc/meminfo and /proc/cpuinfo.
const DEVICE_SKIP: Record<string, string> = {
  PrivateDevices: "would hide the device nodes it opens and close the device policy",
  MemoryDenyWriteExecute: "QEMU's TCG (and other VM monitors) generate code at run time",
  RestrictNamespaces: "virtiofsd and libvirt create namespaces",
  SystemCallFilter: "QEMU uses resource-control system calls (sched_setaffinity, mbind, setrlimit) that ~@resources denies",
  ProcSubset: "QEMU reads /proc/meminfo and /proc/cpuinfo",
}

/** What `devices` says of a VM runner (QEMU, microvm, libvirt, /dev/kvm, tun, vhost, vfio, DeviceAllow). */
const VM_DEVICES = /virtual machines|\/dev\/(?:kvm|net\/tun|vhost|vfio)|kvm group|DeviceAllow/;

export function hardeningBaseline(name: string, def: NixServiceDef, options: BaselineOptions = {}): HardeningBaseline {
  // What NixOS writes anyway (confinement's defaults count as set: chroot-only mode relies on them).
  const rendered = toUnitSettings(name, def);
  const present = new Set([...rendered.service.map(([k]) => k), ...Object.keys(def.serviceConfig)]);
  const sc = def.serviceConfig;
  // A job that must run as root (keepUser) is never moved to another user.
  // A service that writes directories outside StateDirectory, or that opens host devices (a VM
  // runner creating tap interfaces), keeps its user: a dynamic one would own neither.
  const keepsFiles = (options.writePaths?.length ?? 0) > 0 || options.writePathsUnknown !== undefined || options.devices !== undefined;
  const keepsAccount = options.broadAccess !== undefined || options.usesHome !== undefined;
  // Files under /home/<user> (NixOS makes homes 0700): a dynamic user could not read them
  // (jpetrucciani-nix's api, uvicorn serving code from /home/jacobi/dev/api: DynamicUser judged harmful).
  const homeFiles = options.homeFiles;
  const addsDynamicUser = !options.keepUser && !keepsFiles && !keepsAccount && options.sharedTmp === undefined && homeFiles === undefined && ((!isSet(sc, "User") && !isSet(sc, "DynamicUser")) || (options.replaceRootUser === true && !isSet(sc, "DynamicUser")));
  const nonRoot = runsAsNonRoot(sc, addsDynamicUser);

  const settings: Record<string, BaselineValue> = {};
  const rationale: Record<string, string> = {};
  const skipped: Record<string, string> = {};
  const ambient = sc.AmbientCapabilities;
  // A unit that sets DynamicUser=true already has PrivateTmp, RemoveIPC, NoNewPrivileges,
  // RestrictSUIDSGID and ProtectSystem=strict (systemd.exec(5)): they are not proposed again (judged
  // redundant on pinpox, clan-infra and nix-community/infra units). Where the baseline proposes
  // DynamicUser itself they stay written out, so that the unit keeps them if DynamicUser goes.
  const implied = sc.DynamicUser === true ? new Set(["PrivateTmp", "RemoveIPC", "NoNewPrivileges", "RestrictSUIDSGID", ...(options.writePaths?.length ? [] : ["ProtectSystem"])]) : undefined;
  for (const c of CANDIDATES) {
    if (present.has(c.key) || implied?.has(c.key)) continue;
    if (c.key === "DynamicUser" && !addsDynamicUser) {
      if (keepsAccount && !options.keepUser && !isSet(sc, "User") && !isSet(sc, "DynamicUser")) skipped[c.key] = options.broadAccess ? `${options.broadAccess}: a dynamic user could read none of it` : `it works in its user's home (${options.usesHome}), which a dynamic user does not have`;
      else if (homeFiles && !options.keepUser && !isSet(sc, "User") && !isSet(sc, "DynamicUser")) skipped[c.key] = `${homeFiles}, under a home NixOS creates 0700: a dynamic user could not read it (run it as that home's user instead)`;
      else if (options.sharedTmp && !options.keepUser && !isSet(sc, "User") && !isSet(sc, "DynamicUser")) skipped[c.key] = `${options.sharedTmp}: a dynamic user gets a private /tmp and /var/tmp`;
      else if (keepsFiles && !options.keepUser && !isSet(sc, "User") && !isSet(sc, "DynamicUser")) skipped[c.key] = options.devices ? `${options.devices}: a dynamic user could not ${VM_DEVICES.test(options.devices) ? "create its tap interfaces or " : ""}open what root opens today` : "it writes directories outside StateDirectory, which a dynamic user would not own";
      continue;
    }
    // PrivateMounts=false written out: it must act on the host's mount namespace (pborzenkov-nix-config
    // rock's netns@, bind-mounting onto /var/run/netns/%I: PrivateTmp or ProtectHome would keep the
    // mount from the host, judged harmful).
    if (sc.PrivateMounts === false && MOUNT_NAMESPACE_KEYS.has(c.key)) {
      skipped[c.key] = "it sets PrivateMounts=false: its mounts must reach the host, and this setting would give it a mount namespace of its own";
      continue;
    }
    // A port below 1024 (pborzenkov-nix-config techno's xray on 443, judged: the fix must keep
    // CAP_NET_BIND_SERVICE): the bounding set keeps that one capability.
    // A prober sending ICMP (cleverca22-nixos-configs' latency-tracker: an empty bounding set was
    // judged harmful) keeps CAP_NET_RAW, and CAP_NET_BIND_SERVICE for a port below 1024.
    if (c.key === "CapabilityBoundingSet" && options.rawSockets && ambient === undefined && nonRoot === true) {
      const caps = ["CAP_NET_RAW", ...(options.privilegedPorts?.length ? ["CAP_NET_BIND_SERVICE"] : [])];
      settings[c.key] = caps;
      rationale[c.key] = `keeps only ${caps.join(" and ")}: ${options.rawSockets}; drops every other capability`;
      if (!present.has("AmbientCapabilities")) {
        settings.AmbientCapabilities = caps;
        rationale.AmbientCapabilities = `gives a service that does not run as root ${caps.join(" and ")}`;
      }
      continue;
    }
    if (c.key === "CapabilityBoundingSet" && options.privilegedPorts?.length && ambient === undefined && nonRoot === true) {
      settings[c.key] = ["CAP_NET_BIND_SERVICE"];
      rationale[c.key] = `keeps only CAP_NET_BIND_SERVICE, which it needs to listen on port ${options.privilegedPorts.join(", ")} (below 1024), and drops every other capability`;
      if (!present.has("AmbientCapabilities")) {
        settings.AmbientCapabilities = ["CAP_NET_BIND_SERVICE"];
        rationale.AmbientCapabilities = "gives a service that does not run as root the capability to bind ports below 1024";
      }
      continue;
    }
    // yomaq-nix-config's glances (judged harmful: ProtectProc, ProcSubset, PrivateDevices and
    // ProtectHome blind it).
    if (options.monitor && c.key in MONITOR_SKIP) {
      skipped[c.key] = `it runs ${options.monitor}, a system monitor: it ${MONITOR_SKIP[c.key]}`;
      continue;
    }
    if ((c.key === "NoNewPrivileges" || c.key === "RestrictSUIDSGID") && options.setuid) {
      skipped[c.key] =
        c.key === "NoNewPrivileges"
          ? `it runs ${options.setuid}, a setuid/setgid wrapper from /run/wrappers, which would lose its privileges and fail`
          : `left with NoNewPrivileges: it runs ${options.setuid}, a setuid/setgid wrapper`;
      continue;
    }
    // arianvp-nixos-stuff's he-ddns (`-interface bond0`, watching its addresses): the fix without
    // AF_NETLINK was judged harmful.
    if (c.key === "RestrictAddressFamilies" && options.netlink) {
      settings[c.key] = ["AF_UNIX", "AF_INET", "AF_INET6", "AF_NETLINK"];
      rationale[c.key] = `allows only local, IP and netlink sockets: ${options.netlink}`;
      continue;
    }
    if (c.key === "PrivateTmp" && options.sharedTmp) {
      skipped[c.key] = `${options.sharedTmp}, which a private /tmp and /var/tmp would hide`;
      continue;
    }
    if (c.key === "MemoryDenyWriteExecute" && options.jit) {
      skipped[c.key] = `it runs ${options.jit}, whose JIT compiler needs writable-and-executable memory`;
      continue;
    }
    if (c.key === "RestrictNamespaces" && options.containers) {
      skipped[c.key] = "it runs a container engine, which creates namespaces";
      continue;
    }
    // A sound card, a USB or input device, a serial port: only the device sandbox goes (QEMU's
    // other needs are a VM runner's).
    if (options.devices && !VM_DEVICES.test(options.devices) && c.key === "PrivateDevices") {
      skipped[c.key] = `${options.devices}: PrivateDevices would hide the device nodes it opens`;
      continue;
    }
    if (options.devices && VM_DEVICES.test(options.devices) && c.key in DEVICE_SKIP) {
      skipped[c.key] = `${options.devices}: ${DEVICE_SKIP[c.key]}`;
      continue;
    }
    if (c.key === "ProtectHome" && (options.broadAccess || options.usesHome)) {
      skipped[c.key] = options.broadAccess ? `${options.broadAccess}, /home and /root included` : `it works in its user's home (${options.usesHome})`;
      continue;
    }
    if (options.broadAccess && (c.key === "RestrictSUIDSGID" || c.key === "UMask" || (c.key === "PrivateTmp" && /viruses/.test(options.broadAccess)))) {
      skipped[c.key] = c.key === "PrivateTmp" ? "it scans /tmp too, which a private /tmp would hide" : c.key === "UMask" ? "the files it writes keep the modes of what they copy" : "copying files keeps their setuid/setgid bits";
      continue;
    }
    // Shared data trees (`/data/photos`, `/mnt/media`): others read what it writes there.
    const shared = options.writePaths?.filter((p) => /^\/(?:data|mnt|media|storage|backup|share)(?:\/|$)/.test(p)) ?? [];
    if (c.key === "UMask" && shared.length) {
      skipped[c.key] = `the files it writes into ${shared.join(", ")} would become private to its user, which others reading them there may not expect`;
      continue;
    }
    if (c.key === "SystemCallFilter" && options.broadAccess && /viruses/.test(options.broadAccess)) {
      skipped[c.key] = "an on-access or fd-passing virus scanner uses fanotify and other privileged system calls";
      continue;
    }
    if (c.key === "SystemCallFilter" && options.broadAccess) {
      settings[c.key] = ["@system-service"];
      rationale[c.key] = `allows the system calls ordinary services need; privileged ones (chown, setuid...) stay allowed because ${options.broadAccess.replace(/^it /, "it ")}`;
      continue;
    }
    if (c.key === "ProtectSystem" && options.broadAccess && !options.writePaths?.length) {
      settings[c.key] = "full";
      rationale[c.key] = `makes /usr, /boot, /efi and /etc read-only; not "strict": ${options.broadAccess}, and the directories it writes (its repository, cache, quarantine) are not all named in the configuration`;
      continue;
    }
    if (c.key === "ProtectSystem" && options.writePathsUnknown) {
      settings[c.key] = "full";
      rationale[c.key] = `makes /usr, /boot, /efi and /etc read-only; not "strict", because ${options.writePathsUnknown}: the directories it writes cannot be listed in ReadWritePaths= from the configuration`;
      continue;
    }
    if (c.key === "ProtectSystem" && options.writePaths?.length) {
      settings[c.key] = c.value;
      rationale[c.key] = c.why;
      if (!present.has("ReadWritePaths")) {
        settings.ReadWritePaths = [...options.writePaths];
        rationale.ReadWritePaths = `keeps writable what the unit shows it writes outside its StateDirectory (${options.writePaths.join(", ")}); add any other directory it writes`;
      }
      continue;
    }
    if (c.key === "ProtectHome" && options.homeReason) {
      settings[c.key] = "read-only";
      rationale[c.key] = `makes /home, /root and /run/user read-only instead of hiding them: ${options.homeReason} (use false if it writes there)`;
      continue;
    }
    // Capabilities it is given on purpose stay in the bounding set: drop all the others.
    if (c.key === "CapabilityBoundingSet" && ambient !== undefined && !isUnknown(ambient)) {
      const caps = Array.isArray(ambient) ? ambient.filter((x): x is string => typeof x === "string") : typeof ambient === "string" ? [ambient] : [];
      if (caps.length) {
        settings[c.key] = caps;
        rationale[c.key] = "keeps only the capabilities the service is given (AmbientCapabilities) and drops every other one";
        continue;
      }
    }
    // Capabilities it may be given (`lib.optionalString (cfg.port < 1024) "cap_net_bind_service"`)
    // could not be read: dropping every one could take them away.
    if (c.key === "CapabilityBoundingSet" && ambient !== undefined && isUnknown(ambient)) {
      skipped[c.key] = "its AmbientCapabilities could not be read statically; list the capabilities it needs instead of dropping all";
      continue;
    }
    if (c.nonRootOnly && nonRoot !== true) {
      skipped[c.key] =
        nonRoot === "unknown"
          ? "the service's user could not be determined statically"
          : "the service runs as root on purpose; list the capabilities it needs instead of dropping all";
      continue;
    }
    settings[c.key] = c.value;
    rationale[c.key] = c.why;
  }

  // Moved to a dynamic user, a journal reader keeps its view of the journal: kradalby-dotfiles'
  // sfiber-proxy-check reads proxies' states with journalctl and reports "up" on an empty answer.
  if (options.readsJournal && addsDynamicUser && !isSet(sc, "SupplementaryGroups")) {
    settings.SupplementaryGroups = ["systemd-journal"];
    rationale.SupplementaryGroups = "it reads the system journal with journalctl, which shows a user outside systemd-journal nothing";
  }
  const before = assessExposure(rendered);
  const hardened: NixServiceDef = { ...def, serviceConfig: { ...def.serviceConfig, ...settings } };
  const after = assessExposure(toUnitSettings(name, addsDynamicUser && isSet(sc, "User") ? { ...hardened, serviceConfig: Object.fromEntries(Object.entries(hardened.serviceConfig).filter(([k]) => k !== "User" && k !== "Group")) } : hardened));
  return { settings, rationale, skipped, before, after };
}

function nixString(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\$\{/g, "\\${")}"`;
}

/** The baseline as Nix attribute assignments, for a patch into `serviceConfig = { ... };`. */
export function baselineToNix(settings: Record<string, BaselineValue>, indent = "  "): string {
  return Object.entries(settings)
    .map(([k, v]) => {
      const value = typeof v === "boolean" ? String(v) : Array.isArray(v) ? `[ ${v.map(nixString).join(" ")} ]` : nixString(v);
      return `${indent}${k} = ${value};`;
    })
    .join("\n");
}
