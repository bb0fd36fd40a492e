// kernel-sysctl-weakened: `boot.kernel.sysctl` switches off a kernel protection that the kernel,
// systemd or NixOS turn on by default: unprivileged eBPF, kernel pointer and log restrictions,
// ptrace scope, the /tmp link protections, ASLR, the mmap floor, perf for everyone. Only values
// weaker than the default are reported; sysctls that routers and container hosts need
// (`net.ipv4.ip_forward`), tuning (`vm.swappiness`) and `kernel.sysrq` are not (sysrq acts from
// the physical keyboard or from /proc/sysrq-trigger, which only root can write: whoever can use
// it already holds the machine). The fix sets the protective value (review: the setting was
// usually made for a tool, a debugger or a profiler, that then needs another way in).
import { replaceNode } from "../../nix/edit.js";
import { staticValue } from "../../nix/values.js";
import type { Severity } from "../../report/schema.js";
import { isDead } from "../shared/scope.js";
import { hostExample } from "../shared/examples.js";
import type { NixFileContext, Rule } from "../types.js";
import { nixosOption } from "../shared/references.js";

interface Weakening {
  /** The value is weaker than the protective default. */
  weak: (v: number) => boolean;
  severity: Severity;
  /** The value that restores the protection. */
  safe: number;
  why: string;
}

export const SYSCTL_WEAKENINGS: Record<string, Weakening> = {
  "kernel.unprivileged_bpf_disabled": { weak: (v) => v === 0, severity: "medium", safe: 1, why: "every user can load eBPF programs, the kernel attack surface behind many local privilege escalations (and Spectre gadgets)" },
  "kernel.kptr_restrict": { weak: (v) => v === 0, severity: "low", safe: 1, why: "kernel addresses are shown to every user in /proc/kallsyms and elsewhere, which defeats KASLR for a local exploit" },
  "kernel.dmesg_restrict": { weak: (v) => v === 0, severity: "low", safe: 1, why: "every user can read the kernel log, with its addresses and hardware and driver details useful to a local exploit" },
  "kernel.yama.ptrace_scope": { weak: (v) => v === 0, severity: "low", safe: 1, why: "any process can attach to (and read the memory of) every other process of the same user, so one compromised program reaches the secrets of all the user's programs (ssh-agent, browsers, password managers)" },
  "fs.protected_symlinks": { weak: (v) => v === 0, severity: "medium", safe: 1, why: "symlinks in world-writable sticky directories (/tmp) are followed for everyone, so a local user can redirect another user's (or root's) writes to a file of their choosing" },
  "fs.protected_hardlinks": { weak: (v) => v === 0, severity: "medium", safe: 1, why: "users can hard-link files they do not own, the basis of /tmp races and of keeping a vulnerable setuid binary around" },
  "fs.protected_fifos": { weak: (v) => v === 0, severity: "low", safe: 1, why: "writes to FIFOs owned by another user in sticky directories are allowed (data spoofing in /tmp)" },
  "fs.protected_regular": { weak: (v) => v === 0, severity: "low", safe: 1, why: "O_CREAT opens of another user's regular files in sticky directories are allowed (/tmp races)" },
  "kernel.randomize_va_space": { weak: (v) => v === 0 || v === 1, severity: "medium", safe: 2, why: "address space layout randomisation is off or partial, so memory-corruption exploits need no address leak" },
  "vm.mmap_min_addr": { weak: (v) => v < 4096, severity: "medium", safe: 65536, why: "processes can map the lowest page of memory, which turns kernel NULL-pointer dereferences into code execution" },
  "kernel.perf_event_paranoid": { weak: (v) => v <= 0, severity: "low", safe: 2, why: "every user can profile the kernel and other processes with perf events, a side channel and a large kernel attack surface" },
};

function numberOf(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "string" && /^\s*-?\d+\s*$/.test(v)) return Number(v);
  if (typeof v === "boolean") return v ? 1 : 0;
  return undefined;
}

function checkNix(ctx: NixFileContext): void {
  for (const def of ctx.index.definitions) {
    const s = def.segments;
    if (s.length < 4 || s[0]!.name !== "boot" || s[1]!.name !== "kernel" || s[2]!.name !== "sysctl") continue;
    if (s.slice(3).some((x) => x.dynamic) || isDead(def)) continue;
    const key = s.slice(3).map((x) => x.name).join(".");
    const rule = SYSCTL_WEAKENINGS[key];
    const value = numberOf(staticValue(def.inner));
    if (!rule || value === undefined || !rule.weak(value)) continue;
    ctx.report({
      node: def.inner ?? def.binding,
      optionPath: def.path,
      severity: rule.severity,
      title: `Kernel protection weakened: ${key} = ${value}`,
      message: `boot.kernel.sysctl sets ${key} = ${value}: ${rule.why}.`,
      fix: {
        safety: "review",
        description: `Set ${key} to ${rule.safe} (or remove the line to get the default back). If a tool needs the weaker value, give that tool its own capability or run it as root instead of opening it to every user.`,
        edits: def.inner ? [replaceNode(ctx.file, def.inner, String(rule.safe))] : undefined,
      },
    });
  }
}

export const kernelSysctlWeakened: Rule = {
  id: "kernel-sysctl-weakened",
  examples: {
    fire: [
      hostExample(`{ lib, ... }: {\n  boot.kernel.sysctl."kernel.kptr_restrict" = lib.mkForce 0;\n}\n`),
      hostExample(`{\n  boot.kernel.sysctl = {\n    "kernel.unprivileged_bpf_disabled" = 0;\n    "fs.protected_symlinks" = "0";\n    "vm.swappiness" = 10;\n  };\n}\n`),
      hostExample(`{ boot.kernel.sysctl."kernel.perf_event_paranoid" = -1; }\n`),
    ],
    silent: [
      hostExample(`{\n  boot.kernel.sysctl = {\n    "net.ipv4.ip_forward" = 1;\n    "net.ipv6.conf.all.forwarding" = 1;\n    "vm.swappiness" = 10;\n  };\n}\n`),
      hostExample(`{ boot.kernel.sysctl."kernel.sysrq" = 1; }\n`),
      hostExample(`{\n  boot.kernel.sysctl."kernel.kptr_restrict" = 2;\n  boot.kernel.sysctl."kernel.unprivileged_bpf_disabled" = 1;\n  boot.kernel.sysctl."kernel.yama.ptrace_scope" = 1;\n}\n`),
      hostExample(`{ security.allowUserNamespaces = true; boot.kernel.sysctl."kernel.unprivileged_userns_clone" = 1; }\n`),
    ],
  },
  name: "Kernel protection weakened by sysctl",
  category: "access",
  severity: "medium",
  rationale:
    "Several kernel settings keep one local user or process from attacking another or the kernel: unprivileged eBPF off, kernel pointers and logs hidden, ptrace limited to a process's descendants, /tmp link protections, ASLR. Setting them back to their permissive value in boot.kernel.sysctl hands local attackers (a compromised service, a malicious build, a browser exploit) the first step of a privilege escalation.",
  fix: "Restore the protective value (or drop the setting); grant the tool that needed it a capability or run it with privileges instead.",
  references: [
    { title: "Linux kernel documentation: /proc/sys/kernel", url: "https://docs.kernel.org/admin-guide/sysctl/kernel.html" },
    { title: "Linux kernel documentation: /proc/sys/fs (protected_symlinks, protected_hardlinks)", url: "https://docs.kernel.org/admin-guide/sysctl/fs.html" },
    { title: "Kernel Self Protection Project: recommended settings", url: "https://kspp.github.io/Recommended_Settings" },
    nixosOption("boot.kernel.sysctl"),
  ],
  compliance: { cis: ["1.5 Additional Process Hardening"], nist: ["PR.PS-01", "PR.IR-01"] },
  checkNix,
};
