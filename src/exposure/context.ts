// What systemd 252 makes of a service unit's assignments: the ExecContext/CGroupContext/Service
// fields that `systemd-analyze security --offline=yes` reads, built with the same per-key parsing
// rules (src/core/load-fragment.c), the same load-time implications (unit_patch_contexts() in
// src/core/unit.c, service_add_extras() in src/core/service.c) and the same load failures (a fatal
// parse error, service_verify()). Pure: assignments in, a model or a load error out.
import {
  ADDRESS_FAMILIES,
  CAPABILITIES,
  ERRNO_NAMES,
  SYSCALL_CANONICAL,
  SYSCALL_GROUPS,
  SYSCALL_NUMBERS,
} from "./tables.js";
import {
  type AddressPrefix,
  type Assignment,
  EXTRACT_DONT_COALESCE_SEPARATORS,
  EXTRACT_UNQUOTE,
  type UnitName,
  expandSpecifiers,
  extractFirstWord,
  filenameIsValid,
  isLocalhostName,
  isValidBase64,
  parseAddressPrefix,
  parseBoolean,
  parseMode,
  pathIsNormalized,
  safeAtoi,
  simplifyPath,
  splitUnitName,
  splitWords,
  validUserGroupNameRelaxed,
  validUserGroupNameStrict,
} from "./syntax.js";

export const CAP_ALL = (1n << 64n) - 1n;
const ULONG_MAX = (1n << 64n) - 1n;

export const CLONE = {
  NEWNS: 0x00020000n,
  NEWCGROUP: 0x02000000n,
  NEWUTS: 0x04000000n,
  NEWIPC: 0x08000000n,
  NEWUSER: 0x10000000n,
  NEWPID: 0x20000000n,
  NEWNET: 0x40000000n,
  NEWTIME: 0x00000080n,
} as const;
const NAMESPACE_FLAGS_ALL =
  CLONE.NEWCGROUP | CLONE.NEWIPC | CLONE.NEWNET | CLONE.NEWNS | CLONE.NEWPID | CLONE.NEWUSER | CLONE.NEWUTS;
const NAMESPACE_NAMES: Record<string, bigint> = {
  cgroup: CLONE.NEWCGROUP,
  ipc: CLONE.NEWIPC,
  net: CLONE.NEWNET,
  mnt: CLONE.NEWNS,
  pid: CLONE.NEWPID,
  user: CLONE.NEWUSER,
  uts: CLONE.NEWUTS,
  time: CLONE.NEWTIME,
};

const AF = { UNIX: 1, INET: 2, INET6: 10, NETLINK: 16, PACKET: 17 } as const;

/** seccomp_arch_from_string(): the names systemd 252 accepts (libseccomp 2.5 has all of them). */
const SECCOMP_ARCHES = new Set([
  "native", "x86", "x86-64", "x32", "arm", "arm64", "mips", "mips64", "mips64-n32", "mips-le", "mips64-le",
  "mips64-le-n32", "parisc", "parisc64", "ppc", "ppc64", "ppc64-le", "riscv64", "s390", "s390x",
]);

const SECCOMP_ERROR_NUMBER_KILL = 2147483646;

/** Everything the exposure assessors read, as systemd has it after loading the unit. */
export interface ServiceModel {
  id: string;
  defaultDependencies: boolean;
  notifyAccess: "none" | "main" | "exec" | "all";
  // ExecContext
  user: string | null;
  group: string | null;
  supplementaryGroups: string[];
  dynamicUser: boolean;
  umask: number;
  capabilityBoundingSet: bigint;
  ambientCapabilities: bigint;
  keyringMode: "inherit" | "private" | "shared";
  protectProc: "default" | "noaccess" | "invisible" | "ptraceable";
  procSubset: "all" | "pid";
  lockPersonality: boolean;
  memoryDenyWriteExecute: boolean;
  noNewPrivileges: boolean;
  protectHostname: boolean;
  privateDevices: boolean;
  privateMounts: boolean;
  privateNetwork: boolean;
  privateTmp: boolean;
  privateUsers: boolean;
  protectControlGroups: boolean;
  protectKernelModules: boolean;
  protectKernelTunables: boolean;
  protectKernelLogs: boolean;
  protectClock: boolean;
  protectHome: "no" | "yes" | "read-only" | "tmpfs";
  protectSystem: "no" | "yes" | "full" | "strict";
  removeIPC: boolean;
  addressFamilies: Set<number> | null;
  addressFamiliesAllowList: boolean;
  restrictNamespaces: bigint;
  restrictRealtime: boolean;
  restrictSUIDSGID: boolean;
  rootDirectory: string | null;
  rootImage: string | null;
  syscallArchitectures: Set<string>;
  /** syscall number (as libseccomp resolves it) -> errno (-1: none). */
  syscallFilter: Map<number, number> | null;
  syscallAllowList: boolean;
  loadCredentials: Map<string, boolean>;
  setCredentials: Map<string, boolean>;
  // CGroupContext
  delegate: boolean;
  devicePolicy: "auto" | "closed" | "strict";
  /** Newest first, like systemd's LIST_PREPEND: "path:rwm". */
  deviceAllow: string[];
  ipAddressAllow: AddressPrefix[];
  ipAddressDeny: AddressPrefix[];
  ipIngressFilters: string[];
  ipEgressFilters: string[];
}

export type LoadResult = { ok: true; model: ServiceModel; warnings: string[] } | { ok: false; error: string; warnings: string[] };

interface ServiceState {
  type: string | null;
  restart: string;
  busName: string | null;
  remainAfterExit: boolean;
  successAction: string;
  execStart: number;
  execStop: number;
}

class Fatal extends Error {}

function newModel(id: string): ServiceModel {
  return {
    id,
    defaultDependencies: true,
    notifyAccess: "none",
    user: null,
    group: null,
    supplementaryGroups: [],
    dynamicUser: false,
    umask: 0o022,
    capabilityBoundingSet: CAP_ALL,
    ambientCapabilities: 0n,
    keyringMode: "private",
    protectProc: "default",
    procSubset: "all",
    lockPersonality: false,
    memoryDenyWriteExecute: false,
    noNewPrivileges: false,
    protectHostname: false,
    privateDevices: false,
    privateMounts: false,
    privateNetwork: false,
    privateTmp: false,
    privateUsers: false,
    protectControlGroups: false,
    protectKernelModules: false,
    protectKernelTunables: false,
    protectKernelLogs: false,
    protectClock: false,
    protectHome: "no",
    protectSystem: "no",
    removeIPC: false,
    addressFamilies: null,
    addressFamiliesAllowList: false,
    restrictNamespaces: ULONG_MAX,
    restrictRealtime: false,
    restrictSUIDSGID: false,
    rootDirectory: null,
    rootImage: null,
    syscallArchitectures: new Set(),
    syscallFilter: null,
    syscallAllowList: false,
    loadCredentials: new Map(),
    setCredentials: new Map(),
    delegate: false,
    devicePolicy: "auto",
    deviceAllow: [],
    ipAddressAllow: [],
    ipAddressDeny: [],
    ipIngressFilters: [],
    ipEgressFilters: [],
  };
}

type BoolField =
  | "lockPersonality" | "memoryDenyWriteExecute" | "noNewPrivileges" | "protectHostname" | "privateDevices"
  | "privateMounts" | "privateNetwork" | "privateTmp" | "privateUsers" | "protectControlGroups"
  | "protectKernelModules" | "protectKernelTunables" | "protectKernelLogs" | "protectClock" | "removeIPC"
  | "restrictRealtime" | "restrictSUIDSGID";

type WordField = "keyringMode" | "protectProc" | "procSubset" | "devicePolicy" | "notifyAccess";

const BOOL_KEYS: Record<string, BoolField> = {
  LockPersonality: "lockPersonality",
  MemoryDenyWriteExecute: "memoryDenyWriteExecute",
  NoNewPrivileges: "noNewPrivileges",
  ProtectHostname: "protectHostname",
  PrivateDevices: "privateDevices",
  PrivateMounts: "privateMounts",
  PrivateNetwork: "privateNetwork",
  PrivateTmp: "privateTmp",
  PrivateUsers: "privateUsers",
  ProtectControlGroups: "protectControlGroups",
  ProtectKernelModules: "protectKernelModules",
  ProtectKernelTunables: "protectKernelTunables",
  ProtectKernelLogs: "protectKernelLogs",
  ProtectClock: "protectClock",
  RemoveIPC: "removeIPC",
  RestrictRealtime: "restrictRealtime",
  RestrictSUIDSGID: "restrictSUIDSGID",
};

/** The [Service] keys whose value the exposure score depends on (directly or by implication). */
export const EXPOSURE_SERVICE_KEYS: readonly string[] = [
  ...Object.keys(BOOL_KEYS),
  "User", "Group", "SupplementaryGroups", "DynamicUser", "UMask", "CapabilityBoundingSet", "AmbientCapabilities",
  "KeyringMode", "ProtectProc", "ProcSubset", "SystemCallFilter", "SystemCallArchitectures", "RestrictNamespaces",
  "RestrictAddressFamilies", "ProtectSystem", "ProtectHome", "RootDirectory", "RootImage", "LoadCredentialEncrypted",
  "SetCredentialEncrypted", "LoadCredential", "SetCredential", "DeviceAllow", "DevicePolicy", "Delegate",
  "IPAddressAllow", "IPAddressDeny", "IPIngressFilterPath", "IPEgressFilterPath", "NotifyAccess", "Type",
  "ExecStart", "ExecStop", "Restart", "BusName", "RemainAfterExit",
];
/** The [Unit] keys the score depends on. */
export const EXPOSURE_UNIT_KEYS: readonly string[] = ["DefaultDependencies", "SuccessAction"];

/** A list's leading `~`: the list names what is taken away (denied) instead of what is kept. */
function splitInvert(value: string): { invert: boolean; rest: string } {
  return value.startsWith("~") ? { invert: true, rest: value.slice(1) } : { invert: false, rest: value };
}

/** [Service] keys whose value is one word of a fixed set (systemd's *_from_string() parsers); any
 * other word is warned about and ignored. */
const WORD_KEYS: Record<string, { field: WordField; words: readonly string[]; what: string }> = {
  KeyringMode: { field: "keyringMode", words: ["inherit", "private", "shared"], what: "keyring mode" },
  ProtectProc: { field: "protectProc", words: ["default", "noaccess", "invisible", "ptraceable"], what: "/proc/ protection mode" },
  ProcSubset: { field: "procSubset", words: ["all", "pid"], what: "/proc/ subset mode" },
  DevicePolicy: { field: "devicePolicy", words: ["auto", "closed", "strict"], what: "device policy" },
  NotifyAccess: { field: "notifyAccess", words: ["none", "main", "exec", "all"], what: "notify access specifier" },
};

function capabilityFromName(word: string): number | null {
  const n = safeAtoi(word);
  if (n !== null) return n >= 0 && n < 64 ? n : null;
  const v = CAPABILITIES[word.toUpperCase()];
  return v === undefined ? null : v;
}

function addressFamilyFromName(word: string): number | null {
  const v = ADDRESS_FAMILIES[word.toUpperCase()];
  return v === undefined ? null : v;
}

/** parse_errno() plus "kill": a name, or a number 0..4095. */
function parseErrnoOrAction(s: string): number | null {
  if (s === "kill") return SECCOMP_ERROR_NUMBER_KILL;
  const byName = ERRNO_NAMES[s.toUpperCase()];
  if (byName !== undefined && byName > 0) return byName;
  const n = safeAtoi(s);
  if (n === null) return null;
  if (n < 0 || n > 4095) return null;
  return n;
}

/** seccomp_parse_syscall_filter(): groups expand recursively, unknown names are skipped. */
function applySyscallFilter(filter: Map<number, number>, name: string, errno: number, invert: boolean, allowList: boolean): void {
  if (name.startsWith("@")) {
    const g = SYSCALL_GROUPS[name];
    if (!g) return;
    for (const m of g.members) applySyscallFilter(filter, m, errno, invert, allowList);
    return;
  }
  const id = SYSCALL_NUMBERS[name];
  if (id === undefined) return;
  if (!invert === allowList || (invert && allowList && errno >= 0)) {
    // hashmap_put(), and on -EEXIST hashmap_update(): the newest errno wins.
    filter.set(id, errno);
  } else filter.delete(id);
}

/** Builds the model from parsed assignments of `<id>` (e.g. "foo.service"). */
export function loadService(id: string, assignments: readonly Assignment[]): LoadResult {
  const m = newModel(id);
  const unit: UnitName = splitUnitName(id);
  const warnings: string[] = [];
  const st: ServiceState = {
    type: null,
    restart: "no",
    busName: null,
    remainAfterExit: false,
    successAction: "none",
    execStart: 0,
    execStop: 0,
  };
  const warn = (a: Assignment, msg: string): void => {
    warnings.push(`line ${a.line}: ${a.key}=${a.value}: ${msg}`);
  };
  const fatal = (a: Assignment, msg: string): never => {
    throw new Fatal(`line ${a.line}: ${a.key}=${a.value}: ${msg}`);
  };
  const printf = (a: Assignment, s: string): string | null => expandSpecifiers(s, unit);

  try {
    for (const a of assignments) {
      if (a.section === "Unit") applyUnitKey(m, st, a, warn);
      else if (a.section === "Service") applyServiceKey(m, st, a, unit, warn, fatal, printf);
    }
  } catch (e) {
    if (e instanceof Fatal) return { ok: false, error: e.message, warnings };
    throw e;
  }

  // service_add_extras(): the type is guessed before the checks below.
  const type = st.type ?? (st.busName ? "dbus" : st.execStart > 0 ? "simple" : "oneshot");
  const verify = verifyService(st, type);
  if (verify) return { ok: false, error: verify, warnings };
  patchContexts(m, unit);
  if (m.notifyAccess === "none" && type === "notify") m.notifyAccess = "main";
  return { ok: true, model: m, warnings };
}

function applyUnitKey(m: ServiceModel, st: ServiceState, a: Assignment, warn: (a: Assignment, msg: string) => void): void {
  if (a.key === "DefaultDependencies") {
    const b = parseBoolean(a.value);
    if (b === null) warn(a, "failed to parse boolean value, ignoring");
    else m.defaultDependencies = b;
  } else if (a.key === "SuccessAction") {
    const actions = ["none", "reboot", "reboot-force", "reboot-immediate", "poweroff", "poweroff-force", "poweroff-immediate", "exit", "exit-force"];
    if (actions.includes(a.value)) st.successAction = a.value;
    else warn(a, "failed to parse SuccessAction, ignoring");
  }
}

function applyServiceKey(
  m: ServiceModel,
  st: ServiceState,
  a: Assignment,
  unit: UnitName,
  warn: (a: Assignment, msg: string) => void,
  fatal: (a: Assignment, msg: string) => never,
  printf: (a: Assignment, s: string) => string | null,
): void {
  const v = a.value;
  const boolField = BOOL_KEYS[a.key];
  if (boolField) {
    const b = parseBoolean(v);
    if (b === null) warn(a, "failed to parse boolean value, ignoring");
    else m[boolField] = b;
    return;
  }
  /** Specifiers (%i, %u...) expanded; one that cannot be fails the unit. */
  const expandOrFail = (s: string): string => printf(a, s) ?? fatal(a, "failed to resolve unit specifiers");
  /** A name of User=, Group= or SupplementaryGroups=, expanded; an invalid one fails the unit. */
  const userOrGroupName = (s: string): string => {
    const k = expandOrFail(s);
    if (!validUserGroupNameRelaxed(k)) fatal(a, "invalid user/group name or numeric ID");
    return k;
  };
  const word = WORD_KEYS[a.key];
  if (word) {
    if (word.words.includes(v)) (m as Record<WordField, string>)[word.field] = v;
    else warn(a, `failed to parse ${word.what}, ignoring`);
    return;
  }
  switch (a.key) {
    case "DynamicUser": {
      const b = parseBoolean(v);
      if (b === null) fatal(a, "failed to parse boolean value");
      m.dynamicUser = b as boolean;
      return;
    }
    case "User":
    case "Group": {
      if (v === "") {
        if (a.key === "User") m.user = null;
        else m.group = null;
        return;
      }
      const k = userOrGroupName(v);
      if (a.key === "User") m.user = k;
      else m.group = k;
      return;
    }
    case "SupplementaryGroups": {
      if (v === "") {
        m.supplementaryGroups = [];
        return;
      }
      const { words, error } = splitWords(v);
      for (const w of words) m.supplementaryGroups.push(userOrGroupName(w));
      if (error) fatal(a, "invalid syntax");
      return;
    }
    case "UMask": {
      const mode = parseMode(v);
      if (mode === null) warn(a, "failed to parse mode value, ignoring");
      else m.umask = mode;
      return;
    }
    case "CapabilityBoundingSet":
    case "AmbientCapabilities": {
      const { invert, rest: rv } = splitInvert(v);
      const initial = a.key === "CapabilityBoundingSet" ? CAP_ALL : 0n;
      let sum = 0n;
      const { words } = splitWords(rv, EXTRACT_UNQUOTE);
      for (const w of words) {
        const c = capabilityFromName(w);
        if (c !== null) sum |= 1n << BigInt(c);
      }
      const cur = a.key === "CapabilityBoundingSet" ? m.capabilityBoundingSet : m.ambientCapabilities;
      let next: bigint;
      if (sum === 0n || cur === initial) next = invert ? ~sum & CAP_ALL : sum;
      else next = invert ? cur & ~sum & CAP_ALL : cur | sum;
      if (a.key === "CapabilityBoundingSet") m.capabilityBoundingSet = next;
      else m.ambientCapabilities = next;
      return;
    }
    case "ProtectSystem": {
      const b = parseBoolean(v);
      if (b !== null) m.protectSystem = b ? "yes" : "no";
      else if (v === "no" || v === "yes" || v === "full" || v === "strict") m.protectSystem = v;
      else warn(a, "failed to parse protect system value, ignoring");
      return;
    }
    case "ProtectHome": {
      const b = parseBoolean(v);
      if (b !== null) m.protectHome = b ? "yes" : "no";
      else if (v === "no" || v === "yes" || v === "read-only" || v === "tmpfs") m.protectHome = v;
      else warn(a, "failed to parse protect home value, ignoring");
      return;
    }
    case "RootDirectory":
    case "RootImage": {
      const k = expandOrFail(v);
      let path: string | null = null;
      if (k !== "") {
        path = simplifyPath(k, true);
        if (path === null) fatal(a, "path is not absolute or not normalized");
      }
      if (a.key === "RootDirectory") m.rootDirectory = path;
      else m.rootImage = path;
      return;
    }
    case "SystemCallFilter":
      applySystemCallFilter(m, a, warn);
      return;
    case "SystemCallArchitectures": {
      if (v === "") {
        m.syscallArchitectures = new Set();
        return;
      }
      const { words, error } = splitWords(v, EXTRACT_UNQUOTE);
      for (const w of words) {
        if (SECCOMP_ARCHES.has(w)) m.syscallArchitectures.add(w);
        else warn(a, `failed to parse system call architecture "${w}", ignoring`);
      }
      if (error) warn(a, "invalid syntax, ignoring");
      return;
    }
    case "RestrictNamespaces": {
      if (v === "") {
        m.restrictNamespaces = ULONG_MAX;
        return;
      }
      const b = parseBoolean(v);
      if (b !== null) {
        m.restrictNamespaces = b ? 0n : NAMESPACE_FLAGS_ALL;
        return;
      }
      const { invert, rest: rv } = splitInvert(v);
      const { words, error } = splitWords(rv);
      let flags = 0n;
      let bad = error;
      for (const w of words) {
        const f = NAMESPACE_NAMES[w];
        if (f === undefined) bad = true;
        else flags |= f;
      }
      if (bad) {
        warn(a, "failed to parse namespace type string, ignoring");
        return;
      }
      if (m.restrictNamespaces === ULONG_MAX) m.restrictNamespaces = invert ? ~flags & NAMESPACE_FLAGS_ALL : flags;
      else if (invert) m.restrictNamespaces &= ~flags & ULONG_MAX;
      else m.restrictNamespaces |= flags;
      return;
    }
    case "RestrictAddressFamilies": {
      if (v === "") {
        m.addressFamilies = null;
        m.addressFamiliesAllowList = false;
        return;
      }
      if (v === "none") {
        m.addressFamilies = null;
        m.addressFamiliesAllowList = true;
        return;
      }
      const { invert, rest: rv } = splitInvert(v);
      if (!m.addressFamilies) {
        m.addressFamilies = new Set();
        m.addressFamiliesAllowList = !invert;
      }
      const { words, error } = splitWords(rv, EXTRACT_UNQUOTE);
      for (const w of words) {
        const af = addressFamilyFromName(w);
        if (af === null) {
          warn(a, `failed to parse address family, ignoring: ${w}`);
          continue;
        }
        if (!invert === m.addressFamiliesAllowList) m.addressFamilies.add(af);
        else m.addressFamilies.delete(af);
      }
      if (error) warn(a, "invalid syntax, ignoring");
      return;
    }
    case "LoadCredential":
    case "LoadCredentialEncrypted":
    case "SetCredential":
    case "SetCredentialEncrypted":
      applyCredential(m, a, unit, warn);
      return;
    case "DeviceAllow": {
      if (v === "") {
        m.deviceAllow = [];
        return;
      }
      const r = extractFirstWord(v, undefined, EXTRACT_UNQUOTE);
      if (r.error || r.word === null) {
        warn(a, "failed to extract device path and rights, ignoring");
        return;
      }
      const resolved = printf(a, r.word);
      if (resolved === null) {
        warn(a, "failed to resolve unit specifiers, ignoring");
        return;
      }
      let path = resolved;
      if (!path.startsWith("block-") && !path.startsWith("char-")) {
        const s = simplifyPath(path, false);
        if (s === null) {
          warn(a, "invalid path, ignoring");
          return;
        }
        path = s;
        const validDev = (path.startsWith("/dev/") || path.startsWith("/run/systemd/inaccessible/")) && !path.endsWith("/") && pathIsNormalized(path);
        if (!validDev) {
          warn(a, `invalid device node path '${path}', ignoring`);
          return;
        }
      }
      const rights = r.rest ?? "";
      if (rights !== "" && !/^[rwm]+$/.test(rights)) {
        warn(a, `invalid device rights '${rights}', ignoring`);
        return;
      }
      addDeviceAllow(m, path, rights);
      return;
    }
    case "Delegate": {
      if (v === "") {
        m.delegate = true;
        return;
      }
      const b = parseBoolean(v);
      if (b !== null) {
        m.delegate = b;
        return;
      }
      const { error } = splitWords(v, EXTRACT_UNQUOTE);
      if (error) {
        warn(a, "invalid syntax, ignoring");
        return;
      }
      m.delegate = true;
      return;
    }
    case "IPAddressAllow":
    case "IPAddressDeny": {
      const list = a.key === "IPAddressAllow" ? "ipAddressAllow" : "ipAddressDeny";
      if (v === "") {
        m[list] = [];
        return;
      }
      const { words, error } = splitWords(v);
      for (const w of words) {
        if (w === "any") m[list].push({ family: 4, bytes: [0, 0, 0, 0], prefixlen: 0 }, { family: 6, bytes: new Array<number>(16).fill(0), prefixlen: 0 });
        else if (isLocalhostName(w)) m[list].push({ family: 4, bytes: [127, 0, 0, 0], prefixlen: 8 }, { family: 6, bytes: [...new Array<number>(15).fill(0), 1], prefixlen: 128 });
        else if (w === "link-local") m[list].push({ family: 4, bytes: [169, 254, 0, 0], prefixlen: 16 }, { family: 6, bytes: [0xfe, 0x80, ...new Array<number>(14).fill(0)], prefixlen: 64 });
        else if (w === "multicast") m[list].push({ family: 4, bytes: [224, 0, 0, 0], prefixlen: 4 }, { family: 6, bytes: [0xff, ...new Array<number>(15).fill(0)], prefixlen: 8 });
        else {
          const p = parseAddressPrefix(w);
          if (p) m[list].push(p);
          else warn(a, `address prefix is invalid, ignoring assignment: ${w}`);
        }
      }
      if (error) warn(a, "invalid syntax, ignoring");
      return;
    }
    case "IPIngressFilterPath":
    case "IPEgressFilterPath": {
      const list = a.key === "IPIngressFilterPath" ? "ipIngressFilters" : "ipEgressFilters";
      if (v === "") {
        m[list] = [];
        return;
      }
      const k = printf(a, v);
      if (k === null) {
        warn(a, "failed to resolve unit specifiers, ignoring");
        return;
      }
      const p = simplifyPath(k, true);
      if (p === null) {
        warn(a, "path is not absolute or not normalized, ignoring");
        return;
      }
      if (!m[list].includes(p)) m[list].push(p);
      return;
    }
    case "Type":
      if (["simple", "exec", "forking", "oneshot", "dbus", "notify", "idle"].includes(v)) st.type = v;
      else warn(a, "failed to parse service type, ignoring");
      return;
    case "Restart":
      if (["no", "on-success", "on-failure", "on-abnormal", "on-watchdog", "on-abort", "always"].includes(v)) st.restart = v;
      else warn(a, "failed to parse service restart specifier, ignoring");
      return;
    case "BusName":
      st.busName = v === "" ? null : v;
      return;
    case "RemainAfterExit": {
      const b = parseBoolean(v);
      if (b === null) warn(a, "failed to parse boolean value, ignoring");
      else st.remainAfterExit = b;
      return;
    }
    case "ExecStart":
    case "ExecStop": {
      const field = a.key === "ExecStart" ? "execStart" : "execStop";
      if (v === "") {
        st[field] = 0;
        return;
      }
      st[field] += countExecCommands(a, fatal);
      return;
    }
    default:
      return;
  }
}

/**
 * config_parse_exec(), reduced to what decides whether the unit loads: the number of commands on the
 * line (";" separates them) and whether each has a usable executable path.
 */
function countExecCommands(a: Assignment, fatal: (a: Assignment, msg: string) => never): number {
  let count = 0;
  let rest: string | null = a.value;
  while (rest !== null) {
    let r = extractFirstWord(rest, undefined, EXTRACT_UNQUOTE);
    if (r.error) fatal(a, "invalid syntax");
    if (r.word === null) break;
    if (r.word === ";") {
      rest = r.rest;
      continue;
    }
    let path = r.word;
    let ignore = false;
    while (path.length > 0 && "-@:+!".includes(path[0]!)) {
      if (path[0] === "-") ignore = true;
      path = path.slice(1);
    }
    const usable = path !== "" && (path.startsWith("/") ? pathIsNormalized(path) : filenameIsValid(path));
    if (!usable) {
      if (ignore) return count;
      fatal(a, "executable path is empty, not absolute or not a valid file name");
    }
    count++;
    rest = r.rest;
    // Skip the arguments up to an unquoted ";" word.
    for (;;) {
      r = extractFirstWord(rest, undefined, EXTRACT_UNQUOTE);
      if (r.error) fatal(a, "invalid syntax");
      if (r.word === null) {
        rest = null;
        break;
      }
      rest = r.rest;
      if (r.word === ";") break;
    }
  }
  return count;
}

function applySystemCallFilter(m: ServiceModel, a: Assignment, warn: (a: Assignment, msg: string) => void): void {
  if (a.value === "") {
    m.syscallFilter = null;
    m.syscallAllowList = false;
    return;
  }
  const { invert, rest: rv } = splitInvert(a.value);
  if (!m.syscallFilter) {
    m.syscallFilter = new Map();
    if (invert) m.syscallAllowList = false;
    else {
      m.syscallAllowList = true;
      applySyscallFilter(m.syscallFilter, "@default", -1, false, true);
    }
  }
  let rest: string | null = rv;
  for (;;) {
    const r = extractFirstWord(rest);
    if (r.error) {
      warn(a, "invalid syntax, ignoring");
      return;
    }
    if (r.word === null) return;
    rest = r.rest;
    const word = r.word;
    const colon = word.indexOf(":");
    let name = word;
    let errno = -1;
    if (colon >= 0) {
      const e = parseErrnoOrAction(word.slice(colon + 1));
      if (e === null) {
        warn(a, `failed to parse syscall:errno, ignoring: ${word}`);
        continue;
      }
      errno = e;
      name = word.slice(0, colon);
    }
    if (name === "") {
      warn(a, `failed to parse syscall:errno, ignoring: ${word}`);
      continue;
    }
    if (!invert && errno >= 0) {
      warn(a, `allow-listed system calls cannot take error number, ignoring: ${word}`);
      continue;
    }
    applySyscallFilter(m.syscallFilter, name, errno, invert, m.syscallAllowList);
  }
}

function applyCredential(m: ServiceModel, a: Assignment, unit: UnitName, warn: (a: Assignment, msg: string) => void): void {
  const load = a.key.startsWith("Load");
  const encrypted = a.key.endsWith("Encrypted");
  const map = load ? m.loadCredentials : m.setCredentials;
  if (a.value === "") {
    map.clear();
    return;
  }
  const r = extractFirstWord(a.value, ":", EXTRACT_DONT_COALESCE_SEPARATORS);
  if (r.error || r.word === null) {
    warn(a, "invalid syntax, ignoring");
    return;
  }
  if (!load && (r.rest === null || r.rest === "")) {
    warn(a, "invalid syntax, ignoring");
    return;
  }
  const id = expandSpecifiers(r.word, unit);
  if (id === null || !credentialNameValid(id)) {
    warn(a, "credential name not valid, ignoring");
    return;
  }
  if (load) {
    if (r.rest !== null && r.rest !== "") {
      const q = expandSpecifiers(r.rest, unit);
      if (q === null || (q.startsWith("/") ? !pathIsNormalized(q) : !credentialNameValid(q))) {
        warn(a, "credential source not valid, ignoring");
        return;
      }
    }
  } else if (encrypted && !isValidBase64(r.rest ?? "")) {
    warn(a, "encrypted credential data not valid Base64 data, ignoring");
    return;
  }
  map.set(id, encrypted);
}

function credentialNameValid(s: string): boolean {
  return filenameIsValid(s) && Buffer.byteLength(s) <= 255;
}

function addDeviceAllow(m: ServiceModel, path: string, mode: string): void {
  const all = mode === "";
  const flags = `${all || mode.includes("r") ? "r" : ""}${all || mode.includes("w") ? "w" : ""}${all || mode.includes("m") ? "m" : ""}`;
  m.deviceAllow.unshift(`${path}:${flags}`);
}

/** service_verify(): the load failures a service's own settings can cause. */
function verifyService(st: ServiceState, type: string): string | null {
  if (st.execStart === 0 && st.execStop === 0 && st.successAction === "none")
    return "Service has no ExecStart=, ExecStop=, or SuccessAction=. Refusing.";
  if (type !== "oneshot" && st.execStart === 0)
    return "Service has no ExecStart= setting, which is only allowed for Type=oneshot services. Refusing.";
  if (!st.remainAfterExit && st.execStart === 0 && st.successAction === "none")
    return "Service has no ExecStart= and no SuccessAction= settings and does not have RemainAfterExit=yes set. Refusing.";
  if (type !== "oneshot" && st.execStart > 1)
    return "Service has more than one ExecStart= setting, which is only allowed for Type=oneshot services. Refusing.";
  if (type === "oneshot" && (st.restart === "always" || st.restart === "on-success"))
    return "Service has Restart= set to either always or on-success, which isn't allowed for Type=oneshot services. Refusing.";
  if (type === "dbus" && !st.busName)
    return "Service is of type D-Bus but no D-Bus service name has been specified. Refusing.";
  return null;
}

/** unit_patch_contexts(): the implications systemd applies after parsing. */
function patchContexts(m: ServiceModel, unit: UnitName): void {
  const bit = (name: string): bigint => 1n << BigInt(CAPABILITIES[name] ?? 0);
  if (m.privateDevices) m.capabilityBoundingSet &= ~(bit("CAP_MKNOD") | bit("CAP_SYS_RAWIO")) & CAP_ALL;
  if (m.protectKernelModules) m.capabilityBoundingSet &= ~bit("CAP_SYS_MODULE") & CAP_ALL;
  if (m.protectKernelLogs) m.capabilityBoundingSet &= ~bit("CAP_SYSLOG") & CAP_ALL;
  if (m.protectClock) m.capabilityBoundingSet &= ~(bit("CAP_SYS_TIME") | bit("CAP_WAKE_ALARM")) & CAP_ALL;
  if (m.dynamicUser) {
    if (!m.user) m.user = validUserGroupNameStrict(unit.prefix) ? unit.prefix : "_du-hashed";
    if (!m.group) m.group = m.user;
    m.privateTmp = true;
    m.removeIPC = true;
    m.protectSystem = "strict";
    if (m.protectHome === "no") m.protectHome = "read-only";
    m.noNewPrivileges = true;
    m.restrictSUIDSGID = true;
  }
  if (m.privateDevices && m.devicePolicy === "auto") m.devicePolicy = "closed";
  if (m.devicePolicy !== "auto" || m.deviceAllow.length > 0) {
    if (m.rootImage) {
      for (const p of ["/dev/loop-control", "/dev/mapper/control"]) addDeviceAllow(m, p, "rw");
      for (const p of ["block-loop", "block-blkext", "block-device-mapper"]) addDeviceAllow(m, p, "rwm");
    }
    if (m.protectClock) addDeviceAllow(m, "char-rtc", "r");
    const tpm = [...m.loadCredentials.values(), ...m.setCredentials.values()].some(Boolean);
    if (tpm) addDeviceAllow(m, "/dev/tpmrm0", "rw");
  }
}

/** seccomp_syscall_resolve_num_arch(native, n) for a filter entry. */
export function syscallName(num: number): string | undefined {
  return SYSCALL_CANONICAL[String(num)];
}

export { AF, NAMESPACE_FLAGS_ALL };
