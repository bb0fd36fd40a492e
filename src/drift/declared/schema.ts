// The declared state of one host: the JSON that extract.nix produces from an evaluated NixOS
// configuration (also accepted from a file with --declared, e.g. produced on the machine itself or
// in CI). Missing fields take the NixOS defaults, so a hand-written or older file still loads.
import { z } from "zod";

const nullableString = z.string().nullable().default(null);

export const DeclaredPackage = z.object({
  name: nullableString,
  pname: nullableString,
  version: nullableString,
});
export type DeclaredPackage = z.infer<typeof DeclaredPackage>;

export const PortRange = z.object({ from: z.number().int(), to: z.number().int() });
export type PortRange = z.infer<typeof PortRange>;

const FirewallPorts = {
  allowedTCPPorts: z.array(z.number().int()).default([]),
  allowedUDPPorts: z.array(z.number().int()).default([]),
  allowedTCPPortRanges: z.array(PortRange).default([]),
  allowedUDPPortRanges: z.array(PortRange).default([]),
};
export const FirewallInterface = z.object(FirewallPorts);
export type FirewallInterface = z.infer<typeof FirewallInterface>;

export const DeclaredFirewall = z.object({
  enable: z.boolean().nullable().default(null),
  backend: nullableString,
  trustedInterfaces: z.array(z.string()).default([]),
  ...FirewallPorts,
  interfaces: z.record(z.string(), FirewallInterface).default({}),
});
export type DeclaredFirewall = z.infer<typeof DeclaredFirewall>;

export const DeclaredUser = z.object({
  name: z.string(),
  enable: z.boolean().default(true),
  uid: z.number().int().nullable().default(null),
  group: z.string().default(""),
  extraGroups: z.array(z.string()).default([]),
  isNormalUser: z.boolean().default(false),
  isSystemUser: z.boolean().default(false),
  home: nullableString,
  shell: nullableString,
  description: z.string().default(""),
  packages: z.array(DeclaredPackage).default([]),
});
export type DeclaredUser = z.infer<typeof DeclaredUser>;

export const DeclaredGroup = z.object({
  name: z.string(),
  gid: z.number().int().nullable().default(null),
  members: z.array(z.string()).default([]),
});
export type DeclaredGroup = z.infer<typeof DeclaredGroup>;

/** serviceConfig values as NixOS holds them: strings, numbers, booleans, lists of those. */
export const UnitValue: z.ZodType<unknown> = z.unknown();

export const DeclaredService = z.object({
  enable: z.boolean().default(true),
  wantedBy: z.array(z.string()).default([]),
  serviceConfig: z.record(z.string(), UnitValue).default({}),
});
export type DeclaredService = z.infer<typeof DeclaredService>;

export const DeclaredFileSystem = z.object({
  mountPoint: z.string(),
  enable: z.boolean().default(true),
  device: nullableString,
  fsType: nullableString,
  options: z.array(z.string()).default([]),
});
export type DeclaredFileSystem = z.infer<typeof DeclaredFileSystem>;

export const DeclaredSwap = z.object({
  device: nullableString,
  realDevice: nullableString,
  size: z.number().nullable().default(null),
});
export type DeclaredSwap = z.infer<typeof DeclaredSwap>;

export const DeclaredEtc = z.object({
  target: z.string(),
  enable: z.boolean().default(true),
  mode: z.string().default("symlink"),
});
export type DeclaredEtc = z.infer<typeof DeclaredEtc>;

export const DeclaredState = z.object({
  schemaVersion: z.literal(1),
  hostName: nullableString,
  nameservers: z.array(z.string()).default([]),
  firewall: DeclaredFirewall.default(DeclaredFirewall.parse({})),
  mutableUsers: z.boolean().nullable().default(null),
  users: z.record(z.string(), DeclaredUser).default({}),
  groups: z.record(z.string(), DeclaredGroup).default({}),
  systemPackages: z.array(DeclaredPackage).default([]),
  services: z.record(z.string(), DeclaredService).default({}),
  fileSystems: z.record(z.string(), DeclaredFileSystem).default({}),
  swapDevices: z.array(DeclaredSwap).default([]),
  etc: z.record(z.string(), DeclaredEtc).default({}),
  sysctl: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  toplevel: nullableString,
  configurationRevision: nullableString,
  /** Option paths the extractor could not evaluate (they throw or have the wrong type). */
  errors: z.array(z.object({ path: z.string(), message: z.string() })).default([]),
});
export type DeclaredState = z.infer<typeof DeclaredState>;

/** Parses extractor output; the error names the first offending field. */
export function parseDeclaredState(json: unknown): { state?: DeclaredState; error?: string } {
  const r = DeclaredState.safeParse(json);
  if (r.success) return { state: r.data };
  const issue = r.error.issues[0];
  const where = issue?.path?.length ? issue.path.join(".") : "(top level)";
  return { error: `declared state is not valid at ${where}: ${issue?.message ?? "invalid"}` };
}
