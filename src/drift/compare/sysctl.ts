// Kernel parameters changed at runtime (sysctl -w) away from boot.kernel.sysctl. Network keys are
// reported as network drift; the rest as service-config (the kernel's runtime configuration).
import type { Severity } from "../../report/schema.js";
import type { DeclaredState } from "../declared/schema.js";
import type { SysctlFacts } from "../probes/sysctl.js";
import type { DriftItemX } from "../model.js";
import { adoptValue, item, nixString, revert, type CompareContext } from "./common.js";

const SECURITY_SYSCTLS = new Set(["net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding", "kernel.kptr_restrict", "kernel.dmesg_restrict", "kernel.unprivileged_bpf_disabled", "kernel.yama.ptrace_scope", "kernel.kexec_load_disabled", "net.ipv4.conf.all.rp_filter", "net.ipv4.conf.all.accept_redirects", "net.ipv4.conf.all.send_redirects", "fs.protected_symlinks", "fs.protected_hardlinks", "kernel.sysrq", "user.max_user_namespaces", "kernel.unprivileged_userns_clone"]);

function asKernelValue(v: string | number | boolean): string {
  if (v === true) return "1";
  if (v === false) return "0";
  return String(v).trim().split(/\s+/).join(" ");
}

export function compareSysctl(declared: DeclaredState, actual: SysctlFacts, _ctx: CompareContext): DriftItemX[] {
  if (!actual.available) return [];
  const items: DriftItemX[] = [];
  for (const [key, value] of Object.entries(declared.sysctl)) {
    const have = actual.values[key];
    if (have === undefined) continue; // not readable here (or the kernel lacks it)
    const want = asKernelValue(value);
    if (have === want) continue;
    const severity: Severity = SECURITY_SYSCTLS.has(key) ? "high" : "low";
    const path = `boot.kernel.sysctl.${nixString(key)}`;
    const numeric = /^-?\d+$/.test(have);
    items.push(
      item({
        category: key.startsWith("net.") ? "network" : "service-config",
        subject: `sysctl ${key}`,
        severity,
        declared: { [key]: value },
        actual: { [key]: have },
        evidence: `${key} is ${have} in the running kernel; boot.kernel.sysctl sets ${want} (changed with sysctl -w after boot).`,
        remediation: [
          revert(severity === "high" ? "review" : "auto", "Set the declared value again.", [["sysctl", "-w", `${key}=${want}`]], ["sh", "-c", '[ "$(sysctl -n "$1" | tr -s "[:space:]" " " | sed "s/ $//")" != "$2" ]', "sh", key, want]),
          adoptValue(path, numeric ? have : nixString(have), "Declare the value the kernel has now."),
        ],
      }),
    );
  }
  return items;
}
