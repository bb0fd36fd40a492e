// The built-in exposure scorer: systemd 252's `systemd-analyze security` assessment
// (src/analyze/analyze-security.c at v252-stable) over the model context.ts builds from a unit file.
// The assessor table below (ids, weights, ranges, descriptions) and the arithmetic (rounded-up
// integer division, exposure 0..100 printed as N.N, the verdict thresholds) follow that file, so the
// numbers are identical to the real tool's; test/exposure/acceptance.test.ts checks that on hundreds
// of generated units against the real systemd-analyze.
import { AF, CAP_ALL, CLONE, type LoadResult, type ServiceModel, loadService, syscallName } from "./context.js";
import { type Assignment, addressIsLocalhost, parseUnitFile } from "./syntax.js";
import { CAPABILITIES, SYSCALL_GROUPS, SYSCALL_NUMBERS } from "./tables.js";

export type Verdict = "PERFECT" | "SAFE" | "OK" | "MEDIUM" | "EXPOSED" | "UNSAFE" | "DANGEROUS";

export interface ExposureCheck {
  /** systemd's assessor id, e.g. "ProtectSystem=" or "CapabilityBoundingSet=~CAP_SYS_ADMIN". */
  id: string;
  /** The unit setting to change, e.g. "ProtectSystem" or "CapabilityBoundingSet". */
  setting: string;
  /** systemd's json_field for the assessor. */
  jsonField: string;
  description: string;
  weight: number;
  range: number;
  /** 0..range; null when the check does not apply (systemd prints no check mark). */
  badness: number | null;
  /** This check's share of the overall exposure as systemd prints it (e.g. 0.2); null when 0 or n/a. */
  exposure: number | null;
  /** true: good (✓), false: bad or partly bad (✗), null: not applicable. */
  passed: boolean | null;
  /** The check depends on a setting whose value was unknown (scored as if unset). */
  uncertain?: boolean;
}

export interface ExposureResult {
  ok: true;
  unit: string;
  /** Overall exposure 0.0..10.0 with one decimal, exactly as systemd-analyze prints it. */
  exposure: number;
  verdict: Verdict;
  checks: ExposureCheck[];
  /** Settings whose value was unknown; they were scored as if unset. */
  unknown: string[];
  warnings: string[];
}

export interface ExposureFailure {
  ok: false;
  unit: string;
  error: string;
  unknown: string[];
  warnings: string[];
}

export type ExposureOutcome = ExposureResult | ExposureFailure;

/** What the scorer reads: the unit's id and its [Unit]/[Service] assignments in file order. */
export interface UnitSettings {
  /** Unit file name, e.g. "nginx.service" (a template "foo@.service" is analysed as "foo@i.service"). */
  name: string;
  unit: Array<[key: string, value: string]>;
  service: Array<[key: string, value: string]>;
  /** Settings left out because their value could not be known statically. */
  unknown?: string[];
}

/** The facts the assessors look at, as analyze-security.c's SecurityInfo. */
interface SecurityInfo {
  defaultDependencies: boolean;
  ambientCapabilities: bigint;
  capabilityBoundingSet: bigint;
  user: string | null;
  supplementaryGroups: string[];
  dynamicUser: boolean;
  ipAddressDenyAll: boolean;
  ipAddressAllowLocalhost: boolean;
  ipAddressAllowOther: boolean;
  ipFiltersCustomIngress: boolean;
  ipFiltersCustomEgress: boolean;
  keyringMode: string;
  protectProc: string;
  procSubset: string;
  notifyAccess: string;
  model: ServiceModel;
  restrictAddressFamilyInet: boolean;
  restrictAddressFamilyUnix: boolean;
  restrictAddressFamilyNetlink: boolean;
  restrictAddressFamilyPacket: boolean;
  restrictAddressFamilyOther: boolean;
  systemCallArchitectures: Set<string>;
  systemCallFilterAllowList: boolean;
  systemCallFilter: Set<string>;
}

type Assess = (info: SecurityInfo) => { badness: number | null; description?: string };

interface Assessor {
  id: string;
  jsonField: string;
  setting: string;
  good?: string;
  bad?: string;
  na?: string;
  weight: number;
  range: number;
  assess: Assess;
  defaultDependenciesOnly?: boolean;
}

const cap = (name: string): bigint => 1n << BigInt(CAPABILITIES[name] ?? 63);

function runsPrivileged(i: SecurityInfo): boolean {
  if (i.user === "0" || i.user === "root") return true;
  if (i.dynamicUser) return false;
  return !i.user;
}

const boolCheck = (get: (m: ServiceModel) => boolean, invert = false): Assess => (i) => ({ badness: (invert ? get(i.model) : !get(i.model)) ? 1 : 0 });
const capCheck = (mask: bigint): Assess => (i) => ({ badness: (i.capabilityBoundingSet & mask) !== 0n ? 1 : 0 });
const nsCheck = (flag: bigint): Assess => (i) => ({ badness: (i.model.restrictNamespaces & flag) !== 0n ? 1 : 0 });
const afCheck = (get: (i: SecurityInfo) => boolean): Assess => (i) => ({ badness: get(i) ? 0 : 1 });

function capAssessor(id: string, jsonField: string, good: string, bad: string, weight: number, names: string[]): Assessor {
  const mask = names.reduce((acc, n) => acc | cap(n), 0n);
  return { id, jsonField, setting: "CapabilityBoundingSet", good, bad, weight, range: 1, assess: capCheck(mask) };
}

function boolAssessor(setting: string, good: string, bad: string, weight: number, get: (m: ServiceModel) => boolean, extra: Partial<Assessor> = {}): Assessor {
  return { id: `${setting}=`, jsonField: setting, setting, good, bad, weight, range: 1, assess: boolCheck(get), ...extra };
}

function nsAssessor(name: string, good: string, bad: string, weight: number, flag: bigint): Assessor {
  return { id: `RestrictNamespaces=~${name}`, jsonField: `RestrictNamespaces_${name}`, setting: "RestrictNamespaces", good, bad, weight, range: 1, assess: nsCheck(flag) };
}

/** syscall_names_in_filter(): the first group member (depth first) that the filter lets through. */
function offendingSyscall(filter: Set<string>, allowList: boolean, group: string): string | null {
  const g = SYSCALL_GROUPS[group];
  if (!g) return null;
  for (const s of g.members) {
    if (s.startsWith("@")) {
      const r = offendingSyscall(filter, allowList, s);
      if (r) return r;
      continue;
    }
    const n = SYSCALL_NUMBERS[s];
    if (n === undefined || n < 0) continue;
    if (filter.has(s) === allowList) return s;
  }
  return null;
}

function syscallAssessor(group: string, weight: number): Assessor {
  return {
    id: `SystemCallFilter=~${group}`,
    jsonField: `SystemCallFilter_${group.slice(1).replace(/-/g, "_")}`,
    setting: "SystemCallFilter",
    weight,
    range: 10,
    assess: (i) => {
      if (!i.systemCallFilterAllowList && i.systemCallFilter.size === 0) return { badness: 10, description: "Service does not filter system calls" };
      const offender = offendingSyscall(i.systemCallFilter, i.systemCallFilterAllowList, group);
      if (i.systemCallFilterAllowList) {
        return offender
          ? { badness: 9, description: `System call allow list defined for service, and ${group} is included (e.g. ${offender} is allowed)` }
          : { badness: 0, description: `System call allow list defined for service, and ${group} is not included` };
      }
      return offender
        ? { badness: 10, description: `System call deny list defined for service, and ${group} is not included (e.g. ${offender} is allowed)` }
        : { badness: 0, description: `System call deny list defined for service, and ${group} is included` };
    },
  };
}

/** analyze-security.c's security_assessor_table, in its order. */
export const ASSESSORS: readonly Assessor[] = [
  {
    id: "User=/DynamicUser=", jsonField: "UserOrDynamicUser", setting: "User", bad: "Service runs as root user", weight: 2000, range: 10,
    assess: (i) => {
      if (i.user === "nobody") return { badness: 9, description: "Service runs under as 'nobody' user, which should not be used for services" };
      if (i.dynamicUser && i.user !== "0" && i.user !== "root") return { badness: 0, description: "Service runs under a transient non-root user identity" };
      if (i.user && i.user !== "0" && i.user !== "root") return { badness: 0, description: "Service runs under a static non-root user identity" };
      return { badness: 10 };
    },
  },
  {
    id: "SupplementaryGroups=", jsonField: "SupplementaryGroups", setting: "SupplementaryGroups", good: "Service has no supplementary groups",
    bad: "Service runs with supplementary groups", na: "Service runs as root, option does not matter", weight: 200, range: 1,
    assess: (i) => ({ badness: runsPrivileged(i) ? null : i.supplementaryGroups.length > 0 ? 1 : 0 }),
  },
  boolAssessor("PrivateDevices", "Service has no access to hardware devices", "Service potentially has access to hardware devices", 1000, (m) => m.privateDevices),
  boolAssessor("PrivateMounts", "Service cannot install system mounts", "Service may install system mounts", 1000, (m) => m.privateMounts),
  boolAssessor("PrivateNetwork", "Service has no access to the host's network", "Service has access to the host's network", 2500, (m) => m.privateNetwork),
  boolAssessor("PrivateTmp", "Service has no access to other software's temporary files", "Service has access to other software's temporary files", 1000, (m) => m.privateTmp, { defaultDependenciesOnly: true }),
  boolAssessor("PrivateUsers", "Service does not have access to other users", "Service has access to other users", 1000, (m) => m.privateUsers),
  boolAssessor("ProtectControlGroups", "Service cannot modify the control group file system", "Service may modify the control group file system", 1000, (m) => m.protectControlGroups),
  boolAssessor("ProtectKernelModules", "Service cannot load or read kernel modules", "Service may load or read kernel modules", 1000, (m) => m.protectKernelModules),
  boolAssessor("ProtectKernelTunables", "Service cannot alter kernel tunables (/proc/sys, …)", "Service may alter kernel tunables", 1000, (m) => m.protectKernelTunables),
  boolAssessor("ProtectKernelLogs", "Service cannot read from or write to the kernel log ring buffer", "Service may read from or write to the kernel log ring buffer", 1000, (m) => m.protectKernelLogs),
  boolAssessor("ProtectClock", "Service cannot write to the hardware clock or system clock", "Service may write to the hardware clock or system clock", 1000, (m) => m.protectClock),
  {
    id: "ProtectHome=", jsonField: "ProtectHome", setting: "ProtectHome", weight: 1000, range: 10, defaultDependenciesOnly: true,
    assess: (i) => {
      const v = i.model.protectHome;
      if (v === "yes") return { badness: 0, description: "Service has no access to home directories" };
      if (v === "read-only") return { badness: 5, description: "Service has read-only access to home directories" };
      if (v === "tmpfs") return { badness: 1, description: "Service has access to fake empty home directories" };
      return { badness: 10, description: "Service has full access to home directories" };
    },
  },
  boolAssessor("ProtectHostname", "Service cannot change system host/domainname", "Service may change system host/domainname", 50, (m) => m.protectHostname),
  {
    id: "ProtectSystem=", jsonField: "ProtectSystem", setting: "ProtectSystem", weight: 1000, range: 10, defaultDependenciesOnly: true,
    assess: (i) => {
      const v = i.model.protectSystem;
      if (v === "yes") return { badness: 5, description: "Service has limited write access to the OS file hierarchy" };
      if (v === "full") return { badness: 3, description: "Service has very limited write access to the OS file hierarchy" };
      if (v === "strict") return { badness: 0, description: "Service has strict read-only access to the OS file hierarchy" };
      return { badness: 10, description: "Service has full access to the OS file hierarchy" };
    },
  },
  {
    id: "RootDirectory=/RootImage=", jsonField: "RootDirectoryOrRootImage", setting: "RootDirectory", good: "Service has its own root directory/image",
    bad: "Service runs within the host's root directory", weight: 200, range: 1, defaultDependenciesOnly: true,
    assess: (i) => {
      const emptyOrRoot = (p: string | null): boolean => !p || p === "/";
      return { badness: emptyOrRoot(i.model.rootDirectory) && emptyOrRoot(i.model.rootImage) ? 1 : 0 };
    },
  },
  boolAssessor("LockPersonality", "Service cannot change ABI personality", "Service may change ABI personality", 100, (m) => m.lockPersonality),
  boolAssessor("MemoryDenyWriteExecute", "Service cannot create writable executable memory mappings", "Service may create writable executable memory mappings", 100, (m) => m.memoryDenyWriteExecute),
  boolAssessor("NoNewPrivileges", "Service processes cannot acquire new privileges", "Service processes may acquire new privileges", 1000, (m) => m.noNewPrivileges),
  capAssessor("CapabilityBoundingSet=~CAP_SYS_ADMIN", "CapabilityBoundingSet_CAP_SYS_ADMIN", "Service has no administrator privileges", "Service has administrator privileges", 1500, ["CAP_SYS_ADMIN"]),
  capAssessor("CapabilityBoundingSet=~CAP_SET(UID|GID|PCAP)", "CapabilityBoundingSet_CAP_SET_UID_GID_PCAP", "Service cannot change UID/GID identities/capabilities", "Service may change UID/GID identities/capabilities", 1500, ["CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP"]),
  capAssessor("CapabilityBoundingSet=~CAP_SYS_PTRACE", "CapabilityBoundingSet_CAP_SYS_PTRACE", "Service has no ptrace() debugging abilities", "Service has ptrace() debugging abilities", 1500, ["CAP_SYS_PTRACE"]),
  capAssessor("CapabilityBoundingSet=~CAP_SYS_TIME", "CapabilityBoundingSet_CAP_SYS_TIME", "Service processes cannot change the system clock", "Service processes may change the system clock", 1000, ["CAP_SYS_TIME"]),
  capAssessor("CapabilityBoundingSet=~CAP_NET_ADMIN", "CapabilityBoundingSet_CAP_NET_ADMIN", "Service has no network configuration privileges", "Service has network configuration privileges", 1000, ["CAP_NET_ADMIN"]),
  capAssessor("CapabilityBoundingSet=~CAP_SYS_RAWIO", "CapabilityBoundingSet_CAP_SYS_RAWIO", "Service has no raw I/O access", "Service has raw I/O access", 1000, ["CAP_SYS_RAWIO"]),
  capAssessor("CapabilityBoundingSet=~CAP_SYS_MODULE", "CapabilityBoundingSet_CAP_SYS_MODULE", "Service cannot load kernel modules", "Service may load kernel modules", 1000, ["CAP_SYS_MODULE"]),
  capAssessor("CapabilityBoundingSet=~CAP_AUDIT_*", "CapabilityBoundingSet_CAP_AUDIT", "Service has no audit subsystem access", "Service has audit subsystem access", 500, ["CAP_AUDIT_CONTROL", "CAP_AUDIT_READ", "CAP_AUDIT_WRITE"]),
  capAssessor("CapabilityBoundingSet=~CAP_SYSLOG", "CapabilityBoundingSet_CAP_SYSLOG", "Service has no access to kernel logging", "Service has access to kernel logging", 500, ["CAP_SYSLOG"]),
  capAssessor("CapabilityBoundingSet=~CAP_SYS_(NICE|RESOURCE)", "CapabilityBoundingSet_CAP_SYS_NICE_RESOURCE", "Service has no privileges to change resource use parameters", "Service has privileges to change resource use parameters", 500, ["CAP_SYS_NICE", "CAP_SYS_RESOURCE"]),
  capAssessor("CapabilityBoundingSet=~CAP_MKNOD", "CapabilityBoundingSet_CAP_MKNOD", "Service cannot create device nodes", "Service may create device nodes", 500, ["CAP_MKNOD"]),
  capAssessor("CapabilityBoundingSet=~CAP_(CHOWN|FSETID|SETFCAP)", "CapabilityBoundingSet_CAP_CHOWN_FSETID_SETFCAP", "Service cannot change file ownership/access mode/capabilities", "Service may change file ownership/access mode/capabilities unrestricted", 1000, ["CAP_CHOWN", "CAP_FSETID", "CAP_SETFCAP"]),
  capAssessor("CapabilityBoundingSet=~CAP_(DAC_*|FOWNER|IPC_OWNER)", "CapabilityBoundingSet_CAP_DAC_FOWNER_IPC_OWNER", "Service cannot override UNIX file/IPC permission checks", "Service may override UNIX file/IPC permission checks", 1000, ["CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_IPC_OWNER"]),
  capAssessor("CapabilityBoundingSet=~CAP_KILL", "CapabilityBoundingSet_CAP_KILL", "Service cannot send UNIX signals to arbitrary processes", "Service may send UNIX signals to arbitrary processes", 500, ["CAP_KILL"]),
  capAssessor("CapabilityBoundingSet=~CAP_NET_(BIND_SERVICE|BROADCAST|RAW)", "CapabilityBoundingSet_CAP_NET_BIND_SERVICE_BROADCAST_RAW)", "Service has no elevated networking privileges", "Service has elevated networking privileges", 500, ["CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_RAW"]),
  capAssessor("CapabilityBoundingSet=~CAP_SYS_BOOT", "CapabilityBoundingSet_CAP_SYS_BOOT", "Service cannot issue reboot()", "Service may issue reboot()", 100, ["CAP_SYS_BOOT"]),
  capAssessor("CapabilityBoundingSet=~CAP_MAC_*", "CapabilityBoundingSet_CAP_MAC", "Service cannot adjust SMACK MAC", "Service may adjust SMACK MAC", 100, ["CAP_MAC_ADMIN", "CAP_MAC_OVERRIDE"]),
  capAssessor("CapabilityBoundingSet=~CAP_LINUX_IMMUTABLE", "CapabilityBoundingSet_CAP_LINUX_IMMUTABLE", "Service cannot mark files immutable", "Service may mark files immutable", 75, ["CAP_LINUX_IMMUTABLE"]),
  capAssessor("CapabilityBoundingSet=~CAP_IPC_LOCK", "CapabilityBoundingSet_CAP_IPC_LOCK", "Service cannot lock memory into RAM", "Service may lock memory into RAM", 50, ["CAP_IPC_LOCK"]),
  capAssessor("CapabilityBoundingSet=~CAP_SYS_CHROOT", "CapabilityBoundingSet_CAP_SYS_CHROOT", "Service cannot issue chroot()", "Service may issue chroot()", 50, ["CAP_SYS_CHROOT"]),
  capAssessor("CapabilityBoundingSet=~CAP_BLOCK_SUSPEND", "CapabilityBoundingSet_CAP_BLOCK_SUSPEND", "Service cannot establish wake locks", "Service may establish wake locks", 25, ["CAP_BLOCK_SUSPEND"]),
  capAssessor("CapabilityBoundingSet=~CAP_WAKE_ALARM", "CapabilityBoundingSet_CAP_WAKE_ALARM", "Service cannot program timers that wake up the system", "Service may program timers that wake up the system", 25, ["CAP_WAKE_ALARM"]),
  capAssessor("CapabilityBoundingSet=~CAP_LEASE", "CapabilityBoundingSet_CAP_LEASE", "Service cannot create file leases", "Service may create file leases", 25, ["CAP_LEASE"]),
  capAssessor("CapabilityBoundingSet=~CAP_SYS_TTY_CONFIG", "CapabilityBoundingSet_CAP_SYS_TTY_CONFIG", "Service cannot issue vhangup()", "Service may issue vhangup()", 25, ["CAP_SYS_TTY_CONFIG"]),
  capAssessor("CapabilityBoundingSet=~CAP_SYS_PACCT", "CapabilityBoundingSet_CAP_SYS_PACCT", "Service cannot use acct()", "Service may use acct()", 25, ["CAP_SYS_PACCT"]),
  capAssessor("CapabilityBoundingSet=~CAP_BPF", "CapabilityBoundingSet_CAP_BPF", "Service may not load BPF programs", "Service may load BPF programs", 25, ["CAP_BPF"]),
  {
    id: "UMask=", jsonField: "UMask", setting: "UMask", weight: 100, range: 10,
    assess: (i) => {
      const u = i.model.umask;
      if (!(u & 0o002)) return { badness: 10, description: "Files created by service are world-writable by default" };
      if (!(u & 0o004)) return { badness: 5, description: "Files created by service are world-readable by default" };
      if (!(u & 0o020)) return { badness: 2, description: "Files created by service are group-writable by default" };
      if (!(u & 0o040)) return { badness: 1, description: "Files created by service are group-readable by default" };
      return { badness: 0, description: "Files created by service are accessible only by service's own user by default" };
    },
  },
  {
    id: "KeyringMode=", jsonField: "KeyringMode", setting: "KeyringMode", good: "Service doesn't share key material with other services",
    bad: "Service shares key material with other service", weight: 1000, range: 1,
    assess: (i) => ({ badness: i.keyringMode === "private" ? 0 : 1 }),
  },
  {
    id: "ProtectProc=", jsonField: "ProtectProc", setting: "ProtectProc", good: "Service has restricted access to process tree (/proc hidepid=)",
    bad: "Service has full access to process tree (/proc hidepid=)", weight: 1000, range: 3,
    assess: (i) => ({ badness: i.protectProc === "noaccess" ? 1 : i.protectProc === "invisible" || i.protectProc === "ptraceable" ? 0 : 3 }),
  },
  {
    id: "ProcSubset=", jsonField: "ProcSubset", setting: "ProcSubset", good: "Service has no access to non-process /proc files (/proc subset=)",
    bad: "Service has full access to non-process /proc files (/proc subset=)", weight: 10, range: 1,
    assess: (i) => ({ badness: i.procSubset === "pid" ? 0 : 1 }),
  },
  {
    id: "NotifyAccess=", jsonField: "NotifyAccess", setting: "NotifyAccess", good: "Service child processes cannot alter service state",
    bad: "Service child processes may alter service state", weight: 1000, range: 1,
    assess: (i) => ({ badness: i.notifyAccess === "all" ? 1 : 0 }),
  },
  {
    id: "RemoveIPC=", jsonField: "RemoveIPC", setting: "RemoveIPC", good: "Service user cannot leave SysV IPC objects around",
    bad: "Service user may leave SysV IPC objects around", na: "Service runs as root, option does not apply", weight: 100, range: 1,
    assess: (i) => ({ badness: runsPrivileged(i) ? null : i.model.removeIPC ? 0 : 1 }),
  },
  {
    id: "Delegate=", jsonField: "Delegate", setting: "Delegate", good: "Service does not maintain its own delegated control group subtree",
    bad: "Service maintains its own delegated control group subtree", weight: 100, range: 1, assess: boolCheck((m) => m.delegate, true),
  },
  boolAssessor("RestrictRealtime", "Service realtime scheduling access is restricted", "Service may acquire realtime scheduling", 500, (m) => m.restrictRealtime),
  boolAssessor("RestrictSUIDSGID", "SUID/SGID file creation by service is restricted", "Service may create SUID/SGID files", 1000, (m) => m.restrictSUIDSGID),
  nsAssessor("user", "Service cannot create user namespaces", "Service may create user namespaces", 1500, CLONE.NEWUSER),
  nsAssessor("mnt", "Service cannot create file system namespaces", "Service may create file system namespaces", 500, CLONE.NEWNS),
  nsAssessor("ipc", "Service cannot create IPC namespaces", "Service may create IPC namespaces", 500, CLONE.NEWIPC),
  nsAssessor("pid", "Service cannot create process namespaces", "Service may create process namespaces", 500, CLONE.NEWPID),
  nsAssessor("cgroup", "Service cannot create cgroup namespaces", "Service may create cgroup namespaces", 500, CLONE.NEWCGROUP),
  nsAssessor("net", "Service cannot create network namespaces", "Service may create network namespaces", 500, CLONE.NEWNET),
  nsAssessor("uts", "Service cannot create hostname namespaces", "Service may create hostname namespaces", 100, CLONE.NEWUTS),
  { id: "RestrictAddressFamilies=~AF_(INET|INET6)", jsonField: "RestrictAddressFamilies_AF_INET_INET6", setting: "RestrictAddressFamilies", good: "Service cannot allocate Internet sockets", bad: "Service may allocate Internet sockets", weight: 1500, range: 1, assess: afCheck((i) => i.restrictAddressFamilyInet) },
  { id: "RestrictAddressFamilies=~AF_UNIX", jsonField: "RestrictAddressFamilies_AF_UNIX", setting: "RestrictAddressFamilies", good: "Service cannot allocate local sockets", bad: "Service may allocate local sockets", weight: 25, range: 1, assess: afCheck((i) => i.restrictAddressFamilyUnix) },
  { id: "RestrictAddressFamilies=~AF_NETLINK", jsonField: "RestrictAddressFamilies_AF_NETLINK", setting: "RestrictAddressFamilies", good: "Service cannot allocate netlink sockets", bad: "Service may allocate netlink sockets", weight: 200, range: 1, assess: afCheck((i) => i.restrictAddressFamilyNetlink) },
  { id: "RestrictAddressFamilies=~AF_PACKET", jsonField: "RestrictAddressFamilies_AF_PACKET", setting: "RestrictAddressFamilies", good: "Service cannot allocate packet sockets", bad: "Service may allocate packet sockets", weight: 1000, range: 1, assess: afCheck((i) => i.restrictAddressFamilyPacket) },
  { id: "RestrictAddressFamilies=~…", jsonField: "RestrictAddressFamilies_OTHER", setting: "RestrictAddressFamilies", good: "Service cannot allocate exotic sockets", bad: "Service may allocate exotic sockets", weight: 1250, range: 1, assess: afCheck((i) => i.restrictAddressFamilyOther) },
  {
    id: "SystemCallArchitectures=", jsonField: "SystemCallArchitectures", setting: "SystemCallArchitectures", weight: 1000, range: 10,
    assess: (i) => {
      const s = i.systemCallArchitectures;
      if (s.size === 0) return { badness: 10, description: "Service may execute system calls with all ABIs" };
      if (s.has("native") && s.size === 1) return { badness: 0, description: "Service may execute system calls only with native ABI" };
      return { badness: 8, description: "Service may execute system calls with multiple ABIs" };
    },
  },
  syscallAssessor("@swap", 1000),
  syscallAssessor("@obsolete", 250),
  syscallAssessor("@clock", 1000),
  syscallAssessor("@cpu-emulation", 250),
  syscallAssessor("@debug", 1000),
  syscallAssessor("@mount", 1000),
  syscallAssessor("@module", 1000),
  syscallAssessor("@raw-io", 1000),
  syscallAssessor("@reboot", 1000),
  syscallAssessor("@privileged", 700),
  syscallAssessor("@resources", 700),
  {
    id: "IPAddressDeny=", jsonField: "IPAddressDeny", setting: "IPAddressDeny", weight: 1000, range: 10,
    assess: (i) => {
      if (i.ipFiltersCustomIngress || i.ipFiltersCustomEgress) return { badness: 0, description: "Service defines custom ingress/egress IP filters with BPF programs" };
      if (!i.ipAddressDenyAll) return { badness: 10, description: "Service does not define an IP address allow list" };
      if (i.ipAddressAllowOther) return { badness: 5, description: "Service defines IP address allow list with non-localhost entries" };
      if (i.ipAddressAllowLocalhost) return { badness: 2, description: "Service defines IP address allow list with only localhost entries" };
      return { badness: 0, description: "Service blocks all IP address ranges" };
    },
  },
  {
    id: "DeviceAllow=", jsonField: "DeviceAllow", setting: "DeviceAllow", weight: 1000, range: 10,
    assess: (i) => {
      const m = i.model;
      if (m.devicePolicy === "strict" || m.devicePolicy === "closed") {
        if (m.deviceAllow.length > 0) return { badness: 5, description: `Service has a device ACL with some special devices: ${m.deviceAllow.join(" ")}` };
        return { badness: 0, description: "Service has a minimal device ACL" };
      }
      return { badness: 10, description: "Service has no device ACL" };
    },
  },
  {
    id: "AmbientCapabilities=", jsonField: "AmbientCapabilities", setting: "AmbientCapabilities", good: "Service process does not receive ambient capabilities",
    bad: "Service process receives ambient capabilities", weight: 500, range: 1,
    assess: (i) => ({ badness: i.ambientCapabilities !== 0n ? 1 : 0 }),
  },
];

const VERDICTS: Array<[number, Verdict]> = [
  [100, "DANGEROUS"],
  [90, "UNSAFE"],
  [75, "EXPOSED"],
  [50, "MEDIUM"],
  [10, "OK"],
  [1, "SAFE"],
  [0, "PERFECT"],
];

/** The exposure as systemd prints it: one decimal, "7.0" not "7". */
export function formatExposure(exposure: number): string {
  return exposure.toFixed(1);
}

/** The verdict word systemd prints for an exposure of 0..100 (tenths). */
export function verdictFor(exposureTenths: number): Verdict {
  for (const [min, v] of VERDICTS) if (exposureTenths >= min) return v;
  return "PERFECT";
}

const divRoundUp = (a: bigint, b: bigint): bigint => (a + b - 1n) / b;

function securityInfo(m: ServiceModel): SecurityInfo {
  const allow = m.addressFamiliesAllowList;
  const fam = { inet: allow, unix: allow, netlink: allow, packet: allow, other: allow };
  for (const af of m.addressFamilies ?? []) {
    if (af === 0) continue;
    if (af === AF.INET || af === AF.INET6) fam.inet = !allow;
    else if (af === AF.UNIX) fam.unix = !allow;
    else if (af === AF.NETLINK) fam.netlink = !allow;
    else if (af === AF.PACKET) fam.packet = !allow;
    else fam.other = !allow;
  }
  const filter = new Set<string>();
  for (const [num, errno] of m.syscallFilter ?? []) {
    if (m.syscallAllowList && errno >= 0) continue;
    const name = syscallName(num);
    if (name) filter.add(name);
  }
  const denyV4 = m.ipAddressDeny.some((p) => p.family === 4 && p.prefixlen === 0);
  const denyV6 = m.ipAddressDeny.some((p) => p.family === 6 && p.prefixlen === 0);
  return {
    defaultDependencies: m.defaultDependencies,
    ambientCapabilities: m.ambientCapabilities,
    capabilityBoundingSet: m.capabilityBoundingSet & CAP_ALL,
    user: m.user,
    supplementaryGroups: m.supplementaryGroups,
    dynamicUser: m.dynamicUser,
    ipAddressDenyAll: denyV4 && denyV6,
    ipAddressAllowLocalhost: m.ipAddressAllow.some(addressIsLocalhost),
    ipAddressAllowOther: m.ipAddressAllow.some((p) => !addressIsLocalhost(p)),
    ipFiltersCustomIngress: m.ipIngressFilters.length > 0,
    ipFiltersCustomEgress: m.ipEgressFilters.length > 0,
    keyringMode: m.keyringMode,
    protectProc: m.protectProc,
    procSubset: m.procSubset,
    notifyAccess: m.notifyAccess,
    model: m,
    restrictAddressFamilyInet: fam.inet,
    restrictAddressFamilyUnix: fam.unix,
    restrictAddressFamilyNetlink: fam.netlink,
    restrictAddressFamilyPacket: fam.packet,
    restrictAddressFamilyOther: fam.other,
    systemCallArchitectures: m.syscallArchitectures,
    systemCallFilterAllowList: m.syscallAllowList,
    systemCallFilter: filter,
  };
}

/** Settings whose value changes which checks (beyond their own) by implication. */
const IMPLIED_BY: Record<string, string[]> = {
  DynamicUser: ["User", "PrivateTmp", "RemoveIPC", "ProtectSystem", "ProtectHome", "NoNewPrivileges", "RestrictSUIDSGID", "SupplementaryGroups"],
  User: ["SupplementaryGroups", "RemoveIPC"],
  PrivateDevices: ["CapabilityBoundingSet", "DeviceAllow"],
  ProtectKernelModules: ["CapabilityBoundingSet"],
  ProtectKernelLogs: ["CapabilityBoundingSet"],
  ProtectClock: ["CapabilityBoundingSet", "DeviceAllow"],
  DevicePolicy: ["DeviceAllow"],
  IPAddressAllow: ["IPAddressDeny"],
  IPIngressFilterPath: ["IPAddressDeny"],
  IPEgressFilterPath: ["IPAddressDeny"],
  RootImage: ["RootDirectory", "DeviceAllow"],
  LoadCredentialEncrypted: ["DeviceAllow"],
  SetCredentialEncrypted: ["DeviceAllow"],
  Type: ["NotifyAccess"],
  DefaultDependencies: ["PrivateTmp", "ProtectHome", "ProtectSystem", "RootDirectory"],
};

/** Scores a loaded model exactly as analyze-security.c's assess() does. */
export function assessModel(m: ServiceModel, unknown: readonly string[] = [], warnings: string[] = []): ExposureResult {
  const info = securityInfo(m);
  const affected = new Set<string>();
  for (const u of unknown) {
    affected.add(u);
    for (const s of IMPLIED_BY[u] ?? []) affected.add(s);
  }
  const rows: Array<{ a: Assessor; badness: number | null; description: string }> = [];
  let badnessSum = 0n;
  let weightSum = 0n;
  for (const a of ASSESSORS) {
    let badness: number | null;
    let d: string | undefined;
    if (a.defaultDependenciesOnly && !info.defaultDependencies) {
      badness = null;
      d = "Service runs in special boot phase, option is not appropriate";
    } else {
      const r = a.assess(info);
      badness = r.badness;
      d = r.description;
    }
    if (badness !== null) {
      badnessSum += divRoundUp(BigInt(badness) * BigInt(a.weight), BigInt(a.range));
      weightSum += BigInt(a.weight);
    }
    let description: string;
    if (badness === null) description = a.na ?? "";
    else if (badness === a.range) description = a.bad ?? "";
    else if (badness === 0) description = a.good ?? "";
    else description = "";
    if (d !== undefined) description = d;
    rows.push({ a, badness, description });
  }
  const exposureTenths = Number(divRoundUp(badnessSum * 100n, weightSum));
  const checks: ExposureCheck[] = rows.map(({ a, badness, description }) => {
    let exposure: number | null = null;
    if (badness !== null && badness !== 0) {
      const x = divRoundUp(divRoundUp(BigInt(badness) * BigInt(a.weight) * 100n, BigInt(a.range)), weightSum);
      exposure = Number(x) / 10;
    }
    const check: ExposureCheck = {
      id: a.id,
      setting: a.setting,
      jsonField: a.jsonField,
      description,
      weight: a.weight,
      range: a.range,
      badness,
      exposure,
      passed: badness === null ? null : badness === 0,
    };
    const settingsOfCheck = a.id === "User=/DynamicUser=" ? ["User", "DynamicUser"] : a.id === "RootDirectory=/RootImage=" ? ["RootDirectory", "RootImage"] : [a.setting];
    if (settingsOfCheck.some((s) => affected.has(s))) check.uncertain = true;
    return check;
  });
  return {
    ok: true,
    unit: m.id,
    exposure: exposureTenths / 10,
    verdict: verdictFor(exposureTenths),
    checks,
    unknown: [...unknown],
    warnings,
  };
}

/** The id systemd-analyze gives a unit file name: templates are instantiated with "i". */
export function analysedUnitId(name: string): string {
  const m = /^([^@]+)@\.service$/.exec(name);
  return m ? `${m[1]}@i.service` : name;
}

/** Renders [Unit]/[Service] sections of UnitSettings as unit file text. */
export function formatUnitSettings(s: UnitSettings): string {
  const out = ["[Unit]", ...s.unit.map(([k, v]) => `${k}=${v}`), "", "[Service]", ...s.service.map(([k, v]) => `${k}=${v}`), ""];
  return out.join("\n");
}

/**
 * Scores unit file text the way `systemd-analyze security --offline=yes <file>` does: the text is
 * read with systemd's INI rules, loaded with its per-key parsers and implications, then assessed.
 */
export function assessUnitText(name: string, text: string, unknown: readonly string[] = []): ExposureOutcome {
  const id = analysedUnitId(name);
  const parsed = parseUnitFile(text);
  if (parsed.fatal) return { ok: false, unit: id, error: parsed.fatal, unknown: [...unknown], warnings: parsed.warnings };
  const loaded: LoadResult = loadService(id, parsed.assignments as Assignment[]);
  const warnings = [...parsed.warnings, ...loaded.warnings];
  if (!loaded.ok) return { ok: false, unit: id, error: loaded.error, unknown: [...unknown], warnings };
  return assessModel(loaded.model, unknown, warnings);
}

/** The built-in scorer: `settings` as NixOS would write them (see unit.ts toUnitSettings). */
export function assessExposure(settings: UnitSettings): ExposureOutcome {
  return assessUnitText(settings.name, formatUnitSettings(settings), settings.unknown ?? []);
}
