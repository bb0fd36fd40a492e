// Kernel parameters the host declares (boot.kernel.sysctl), read from <root>/proc/sys: only the
// declared keys (and a few security-relevant ones), so the probe stays a handful of file reads.
import { describeFsError, RootFs } from "../root.js";
import type { ProbeContext, ProbeResult } from "./types.js";
import type { ReportError } from "../../report/schema.js";

export interface SysctlFacts {
  /** key -> value as the kernel prints it (whitespace-normalised); absent when unreadable. */
  values: Record<string, string>;
  /** Whether <root>/proc/sys exists at all. */
  available: boolean;
}

/** Parameters whose change weakens the machine, checked even when not declared. */
export const WATCHED_SYSCTLS = ["net.ipv4.ip_forward", "kernel.kptr_restrict", "kernel.dmesg_restrict", "kernel.unprivileged_bpf_disabled", "kernel.yama.ptrace_scope"];

export function sysctlPath(key: string): string {
  // Dots separate levels; a slash in a key stands for a dot inside a name (e.g. interface "eth0.1").
  return `/proc/sys/${key.split(".").map((p) => p.replace(/\//g, ".")).join("/")}`;
}

export async function probeSysctl(ctx: ProbeContext): Promise<ProbeResult<SysctlFacts>> {
  const fs = ctx.fs ?? new RootFs(ctx.root);
  const errors: ReportError[] = [];
  const facts: SysctlFacts = { values: {}, available: false };
  try {
    facts.available = (await fs.lstat("/proc/sys")) !== undefined;
    if (!facts.available) return { facts, errors, notes: [`no /proc/sys under ${ctx.root}: kernel parameters not compared (not a running system)`] };
    const keys = new Set([...Object.keys(ctx.declared?.sysctl ?? {}), ...WATCHED_SYSCTLS]);
    for (const key of keys) {
      const text = await fs.readText(sysctlPath(key), 64 * 1024).catch(() => undefined);
      if (text !== undefined) facts.values[key] = text.trim().split(/\s+/).join(" ");
    }
  } catch (e) {
    errors.push({ source: "probe:sysctl", message: `cannot read /proc/sys: ${describeFsError(e)}` });
  }
  return { facts, errors };
}
