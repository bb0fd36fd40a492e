// The lookup tables the built-in exposure scorer needs to read unit files the way systemd does. They
// are data taken from the real tools on the build machine (systemd, libseccomp, the C headers):
// scripts/gen-exposure-tables.ts writes tables.json; this module gives them their types.
import tables from "./tables.json" with { type: "json" };

/** The systemd the tables were taken from. */
export const SYSTEMD_VERSION: string = tables.systemdVersion;

/** System call groups as compiled into systemd: members in order, nested groups start with '@'. */
export const SYSCALL_GROUPS: Record<string, { description: string; members: readonly string[] }> = tables.syscallGroups;

/** libseccomp's seccomp_syscall_resolve_name() on the native arch (negative: pseudo-syscall of another arch). Absent: unknown. */
export const SYSCALL_NUMBERS: Record<string, number> = tables.syscallNumbers;

/** libseccomp's seccomp_syscall_resolve_num_arch(native, n): the name systemd reads back. */
export const SYSCALL_CANONICAL: Record<string, string> = tables.syscallCanonical;

/** Address family names systemd's af_from_name() accepts (case-insensitively), and their numbers. */
export const ADDRESS_FAMILIES: Record<string, number> = tables.addressFamilies;

/** Capability names systemd's capability_from_name() accepts (case-insensitively), and their bits. */
export const CAPABILITIES: Record<string, number> = tables.capabilities;

/** errno names systemd's errno_from_name() accepts (case-insensitively). */
export const ERRNO_NAMES: Record<string, number> = tables.errnoNames;
