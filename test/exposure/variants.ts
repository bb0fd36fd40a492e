// Deterministic serviceConfig variants for the acceptance test: every setting the exposure score
// reads, with typical values, edge values (empty strings, "~" deny lists, repeated list entries,
// invalid values, every boolean spelling NixOS produces or users write) and combinations drawn with
// a seeded PRNG. Values are Nix values, rendered through the same NixOS conversion as in production.
import type { NixServiceDef, NixValue } from "../../src/exposure/unit.js";
import { mulberry32 } from "../../scripts/nix-mutate.js";

const BOOLS: NixValue[] = [true, false, "yes", "no", "1", "0", "on", "off", "TRUE", "y", "", "maybe", null, 1, 0];

const BOOL_SETTINGS = [
  "PrivateDevices", "PrivateMounts", "PrivateNetwork", "PrivateTmp", "PrivateUsers", "ProtectControlGroups",
  "ProtectKernelModules", "ProtectKernelTunables", "ProtectKernelLogs", "ProtectClock", "ProtectHostname",
  "LockPersonality", "MemoryDenyWriteExecute", "NoNewPrivileges", "RemoveIPC", "RestrictRealtime", "RestrictSUIDSGID",
];

/** Values per [Service] setting. */
export const SERVICE_POOLS: Record<string, NixValue[]> = {
  ...Object.fromEntries(BOOL_SETTINGS.map((s) => [s, BOOLS])),
  User: ["root", "0", "nobody", "65534", "alice", "_svc-user", "", null, "00", "%p", "%u", "bad:name", "4294967295", "Alice Smith", "-1"],
  Group: ["wheel", "", "0"],
  DynamicUser: [true, false, "yes", "no", "on", "", null, "maybe"],
  SupplementaryGroups: [["wheel"], [], "", null, ["a", "b"], "a b", ["a", ""], "bad/group"],
  UMask: ["0077", "0022", "0027", "0002", "0000", "0007", "0037", 77, 18, "0o077", "07777", "10000", "", null, 0.5, " 077"],
  CapabilityBoundingSet: [
    "", "~", ["CAP_NET_BIND_SERVICE"], "CAP_NET_BIND_SERVICE CAP_SYS_ADMIN", "~CAP_SYS_ADMIN",
    ["~CAP_SYS_ADMIN", "~CAP_SYS_PTRACE"], ["~CAP_SYS_ADMIN", "CAP_NET_ADMIN"], ["CAP_CHOWN", "~CAP_CHOWN"],
    ["CAP_CHOWN", "CAP_KILL"], "cap_sys_admin", "CAP_BOGUS", "21", "0x15", "~21", "64", null, ["", "CAP_KILL"],
    'CAP_SYS_ADMIN "CAP_KILL"', "'unbalanced", [["CAP_KILL", "CAP_CHOWN"]], "~CAP_BPF CAP_SYS_PACCT",
    "CAP_DAC_OVERRIDE CAP_AUDIT_READ CAP_MAC_ADMIN CAP_LINUX_IMMUTABLE CAP_IPC_LOCK CAP_SYS_CHROOT",
  ],
  AmbientCapabilities: ["", "CAP_NET_BIND_SERVICE", "~", "~CAP_NET_RAW", null, "CAP_BOGUS", ["CAP_NET_RAW", ""]],
  KeyringMode: ["private", "shared", "inherit", "bogus", "", "Private"],
  ProtectProc: ["default", "noaccess", "invisible", "ptraceable", "bogus", true, ""],
  ProcSubset: ["all", "pid", "bogus", ""],
  SystemCallFilter: [
    "@system-service", ["@system-service", "~@privileged @resources"], "~@mount",
    "~@swap @obsolete @clock @cpu-emulation @debug @mount @module @raw-io @reboot @privileged @resources",
    "@basic-io", "read write", "~@privileged:EPERM", ["@system-service", "~@privileged:EPERM"], "", "~",
    ["@system-service", ""], "@bogus", "bogus_call", "~ioprio_set", "@known", "~@known", ["~@mount", "mount"],
    "@system-service:EPERM", "~mount:kill", "~mount:9999", null, "~@debug:EACCES @swap", ["@default"], "~@default",
    ["@system-service", "~mount:EPERM", "mount"], ["~@clock", "@clock"], "@clock @mount @reboot @swap",
    ["~@privileged", "~@resources"], "~socketcall oldolduname", "@obsolete", "~_sysctl", "@privileged",
  ],
  SystemCallArchitectures: ["native", "x86-64", "native x86", "", ["native", "native"], "bogus", "native bogus", null, "x32", "Native"],
  RestrictNamespaces: [
    true, false, "", "~user", "user net", "~user net mnt", ["user", "~net"], ["~user", "net"], "bogus", "time", "~time",
    ["no", "~net"], "cgroup ipc net mnt pid user uts", null, "yes", ["~user", ""], "user bogus",
  ],
  RestrictAddressFamilies: [
    "AF_UNIX", "AF_UNIX AF_INET AF_INET6", "~AF_PACKET", "none", "", ["none", "AF_UNIX"], ["AF_UNIX", "~AF_UNIX"],
    "af_inet", "AF_BOGUS", "~", "AF_LOCAL", "AF_ROUTE", "AF_NETLINK AF_PACKET", null, ["~AF_INET", "AF_INET"],
    "AF_UNIX AF_INET AF_INET6 AF_NETLINK AF_PACKET", "AF_BLUETOOTH", "~AF_INET AF_INET6 AF_UNIX AF_NETLINK AF_PACKET AF_BLUETOOTH",
  ],
  ProtectSystem: [true, false, "yes", "full", "strict", "bogus", "", "no", "TRUE", "Strict", null],
  ProtectHome: [true, false, "read-only", "tmpfs", "yes", "bogus", "", null],
  RootDirectory: ["/", "/var/empty", "", "relative", "/var/../x", "//", "/run/%p", null, "/var/./empty/"],
  RootImage: ["/var/lib/img.raw", ""],
  LoadCredentialEncrypted: ["foo:/run/keys/foo.cred", "", "bad/name:/x"],
  SetCredentialEncrypted: ["foo:aGVsbG8=", "foo:not base64!"],
  LoadCredential: ["foo:/run/keys/foo"],
  DevicePolicy: ["auto", "closed", "strict", "bogus", ""],
  DeviceAllow: [
    "/dev/null rw", ["/dev/null rw", "char-rtc r"], "/dev/sda", "/dev/sda rwx", "/tmp/foo r", "", "block-loop", null,
    "/dev/../x", ["/dev/null rw", ""], "/dev/%p r",
  ],
  Delegate: [true, false, "", "cpu memory", "bogus", "yes", null],
  IPAddressDeny: [
    "any", "", "0.0.0.0/0 ::/0", "0.0.0.0/0", "10.0.0.0/8", "bogus", "::/0", null, ["0.0.0.0/0", "::/0"],
    "127.0.0.1/0 ::1/0", ["any", ""], "0.0.0.0/00 ::/0", "localhost",
  ],
  IPAddressAllow: [
    "localhost", "127.0.0.1", "::1", "10.0.0.0/8", "link-local", "multicast", "any", "127.0.0.1/0", "", "bogus",
    "localhost.localdomain", "::1/64", "127.1.2.3/32", "::ffff:127.0.0.1", "192.168.1.01",
  ],
  IPIngressFilterPath: ["/sys/fs/bpf/ingress", ""],
  IPEgressFilterPath: ["/sys/fs/bpf/egress"],
  NotifyAccess: ["all", "main", "none", "exec", "bogus"],
  Type: ["notify", "oneshot", "simple", "exec", "forking", "idle", "bogus"],
};

export const UNIT_POOLS: Record<string, NixValue[]> = {
  DefaultDependencies: [false, true, "no", "bogus"],
};

export interface Variant {
  name: string;
  def: NixServiceDef;
  note: string;
}

/** Hand-written cases that exercise NixOS rendering and load failures. */
function specialCases(): Variant[] {
  const v = (note: string, def: NixServiceDef): Variant => ({ name: "", def, note });
  return [
    v("empty service", { serviceConfig: {} }),
    v("script only", { serviceConfig: {}, script: true }),
    v("newline injects a setting", { serviceConfig: { PrivateTmp: "true\nPrivateNetwork=true" } }),
    v("trailing backslash continues the line", { serviceConfig: { NoNewPrivileges: "yes\\", PrivateDevices: "true" } }),
    v("comment-looking value", { serviceConfig: { ProtectSystem: "#strict" } }),
    v("two ExecStart, simple: refused", { serviceConfig: { ExecStart: ["/bin/true", "/bin/false"] } }),
    v("two ExecStart, oneshot", { serviceConfig: { Type: "oneshot", ExecStart: ["/bin/true", "/bin/false"] } }),
    v("oneshot Restart=always: refused", { serviceConfig: { Type: "oneshot", Restart: "always" } }),
    v("dbus without BusName: refused", { serviceConfig: { Type: "dbus" } }),
    v("dbus with BusName", { serviceConfig: { Type: "dbus", BusName: "org.example.Foo" } }),
    v("ExecStart reset then set", { serviceConfig: { ExecStart: ["", "/bin/true"] } }),
    v("only ExecStop, oneshot", { serviceConfig: { Type: "oneshot", ExecStart: [], ExecStop: "/bin/true", RemainAfterExit: true } }),
    v("confinement full-apivfs", { serviceConfig: { User: "svc" }, confinement: { enable: true } }),
    v("confinement chroot-only", { serviceConfig: {}, confinement: { enable: true, mode: "chroot-only" } }),
    v("confinement with own PrivateDevices", { serviceConfig: { PrivateDevices: false }, confinement: { enable: true } }),
    v("DynamicUser with User=root", { serviceConfig: { DynamicUser: true, User: "root" } }),
    v("DynamicUser with User=nobody", { serviceConfig: { DynamicUser: true, User: "nobody" } }),
    v("DynamicUser + ProtectHome=tmpfs", { serviceConfig: { DynamicUser: true, ProtectHome: "tmpfs" } }),
    v("ProtectClock + DevicePolicy closed", { serviceConfig: { ProtectClock: true, DevicePolicy: "closed" } }),
    v("PrivateDevices + DeviceAllow", { serviceConfig: { PrivateDevices: true, DeviceAllow: ["/dev/null rw", "/dev/zero"] } }),
    v("encrypted credential + closed policy", { serviceConfig: { DevicePolicy: "closed", LoadCredentialEncrypted: "k:/run/k" } }),
    v("RootImage + strict policy", { serviceConfig: { DevicePolicy: "strict", RootImage: "/var/lib/x.raw" } }),
    v("a well-hardened service", {
      serviceConfig: {
        DynamicUser: true, ProtectSystem: "strict", ProtectHome: true, PrivateTmp: true, PrivateDevices: true,
        PrivateNetwork: true, PrivateUsers: true, PrivateMounts: true, ProtectKernelTunables: true,
        ProtectKernelModules: true, ProtectKernelLogs: true, ProtectControlGroups: true, ProtectClock: true,
        ProtectHostname: true, ProtectProc: "invisible", ProcSubset: "pid", NoNewPrivileges: true,
        RestrictSUIDSGID: true, RestrictRealtime: true, RestrictNamespaces: true, LockPersonality: true,
        MemoryDenyWriteExecute: true, SystemCallArchitectures: "native", CapabilityBoundingSet: "",
        RestrictAddressFamilies: "none", SystemCallFilter: ["@system-service", "~@privileged @resources"],
        IPAddressDeny: "any", UMask: "0077", DevicePolicy: "closed", RootDirectory: "/var/empty",
      },
    }),
    v("User=%i in a template", { serviceConfig: { User: "%i" } }),
    v("unknown User", { serviceConfig: { User: { unknown: true, text: "cfg.user" }, ProtectSystem: "strict" } }),
    v("unknown list element", { serviceConfig: { CapabilityBoundingSet: ["CAP_KILL", { unknown: true }] } }),
    v("nested list", { serviceConfig: { SystemCallFilter: [["@system-service", "~@privileged"]] } }),
    v("float value", { serviceConfig: { UMask: 0.5 } }),
    v("null User", { serviceConfig: { User: null } }),
  ];
}

/** The full, deterministic list: every pool value alone, then `randomCount` random combinations. */
export function generateVariants(seed = 252, randomCount = 420): Variant[] {
  const out: Variant[] = [];
  for (const c of specialCases()) out.push(c);
  for (const [key, pool] of Object.entries(SERVICE_POOLS))
    pool.forEach((value, i) => out.push({ name: "", def: { serviceConfig: { [key]: value } }, note: `${key}#${i}` }));
  for (const [key, pool] of Object.entries(UNIT_POOLS))
    pool.forEach((value, i) => out.push({ name: "", def: { serviceConfig: {}, unitConfig: { [key]: value } }, note: `unit ${key}#${i}` }));
  const rand = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const serviceKeys = Object.keys(SERVICE_POOLS);
  for (let n = 0; n < randomCount; n++) {
    const serviceConfig: Record<string, NixValue> = {};
    const count = 1 + Math.floor(rand() * 18);
    for (let k = 0; k < count; k++) {
      const key = pick(serviceKeys);
      serviceConfig[key] = pick(SERVICE_POOLS[key]!);
    }
    // Keep most combinations loadable: the fatal values are covered one by one above.
    if (rand() < 0.85) {
      for (const fatalKey of ["DynamicUser", "User", "RootDirectory", "SupplementaryGroups"]) {
        const v = serviceConfig[fatalKey];
        if (v === "" && fatalKey === "DynamicUser") delete serviceConfig[fatalKey];
        if (v === null && fatalKey === "DynamicUser") delete serviceConfig[fatalKey];
        if (v === "maybe" || v === "00" || v === "bad:name" || v === "relative" || v === "/var/../x" || v === "bad/group") delete serviceConfig[fatalKey];
        if (fatalKey === "User" && (v === "4294967295" || v === "-1")) delete serviceConfig[fatalKey];
      }
      if (serviceConfig.Type === "dbus") delete serviceConfig.Type;
    }
    const def: NixServiceDef = { serviceConfig };
    if (rand() < 0.15) def.unitConfig = { DefaultDependencies: pick(UNIT_POOLS.DefaultDependencies!) };
    if (rand() < 0.08) def.confinement = { enable: true, mode: rand() < 0.5 ? "full-apivfs" : "chroot-only" };
    if (rand() < 0.3) def.script = true;
    out.push({ name: "", def, note: `random#${n}` });
  }
  // Unique unit names; every tenth is a template, which systemd instantiates as "<prefix>@i".
  out.forEach((v, i) => {
    const base = `v${String(i).padStart(4, "0")}`;
    v.name = i % 10 === 3 ? `${base}@` : v.note === "User=%i in a template" ? `alice-${base}@` : base;
  });
  // Names that DynamicUser turns into user names: "root" and "nobody" are interesting ones.
  out.push({ name: "root", def: { serviceConfig: { DynamicUser: true } }, note: "DynamicUser in root.service" });
  out.push({ name: "nobody", def: { serviceConfig: { DynamicUser: true } }, note: "DynamicUser in nobody.service" });
  return out;
}
