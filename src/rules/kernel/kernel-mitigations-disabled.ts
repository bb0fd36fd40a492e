// kernel-mitigations-disabled: `boot.kernelParams` turns off the kernel's defences against CPU
// side channels (`mitigations=off`, `nopti`, `nospectre_v2`, `mds=off`, ...). Any local code (a
// browser tab's JIT, a container, a guest VM on a hypervisor host) can then read memory across
// process, user and VM boundaries. `mitigations=auto` (the kernel default) and `auto,nosmt` are
// fine. Also read: parameters added through `++`, `lib.optionals`, `if` and `splitString`, and
// `options <module> ...` lines of boot.extraModprobeConfig that turn a driver's mitigation off
// (`options i915 mitigations=off`, `kvm nx_huge_pages=off`). The fix removes the parameters (review: it costs some performance).
import { staticValue } from "../../nix/values.js";
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { calleeName, flattenApply, unparen } from "../../nix/options.js";
import { removeListElements } from "../shared/edits.js";
import { resolveValue } from "../shared/syntax.js";
import { cookString, fields, sourceRange, stringLines } from "../shared/string-lines.js";
import { isDead } from "../shared/scope.js";
import { hostExample } from "../shared/examples.js";
import type { NixFileContext, Rule } from "../types.js";
import { nixosOption } from "../shared/references.js";

/** Parameter (before `=`, lower case) -> the values that turn a mitigation off (`*`: the bare word). */
const OFF: Record<string, string[]> = {
  mitigations: ["off"],
  nopti: ["*"],
  pti: ["off"],
  kpti: ["0", "off"],
  nospectre_v1: ["*"],
  nospectre_v2: ["*"],
  nospectre_bhb: ["*"],
  spectre_v2: ["off"],
  spectre_v2_user: ["off"],
  spectre_bhi: ["off"],
  spec_store_bypass_disable: ["off"],
  nospec_store_bypass_disable: ["*"],
  ssbd: ["force-off"],
  no_stf_barrier: ["*"],
  mds: ["off"],
  l1tf: ["off"],
  tsx_async_abort: ["off"],
  mmio_stale_data: ["off"],
  retbleed: ["off"],
  srbds: ["off"],
  gather_data_sampling: ["off"],
  reg_file_data_sampling: ["off"],
  spec_rstack_overflow: ["off"],
  noibrs: ["*"],
  noibpb: ["*"],
};

/** Module parameters (`<module>.<param>` on the kernel command line, `options <module> <param>=`
 * in modprobe.d; module names with `_`) -> the values that turn a mitigation off: the i915 GPU
 * driver's own mitigations (clearing residual GPU contexts between clients), KVM's iTLB-multihit
 * and L1TF defences for guests. */
const MODULE_OFF: Record<string, string[]> = {
  "i915.mitigations": ["off"],
  "kvm.nx_huge_pages": ["off"],
  "kvm_intel.vmentry_l1d_flush": ["never"],
};

/** The mitigation a kernel parameter turns off, or undefined. */
export function disabledMitigation(param: string): string | undefined {
  const p = param.trim().toLowerCase();
  const eq = p.indexOf("=");
  const name = eq < 0 ? p : p.slice(0, eq);
  const dot = name.indexOf(".");
  const values = dot < 0 ? OFF[name] : MODULE_OFF[name.slice(0, dot).replace(/-/g, "_") + name.slice(dot)];
  if (!values) return undefined;
  if (eq < 0) return values.includes("*") ? p : undefined;
  return values.includes(p.slice(eq + 1)) ? p : undefined;
}

/** A parameter string found in a kernelParams value: the element of a list literal (removable), or
 * a string reached otherwise (`lib.optional c "..."`, one word of a `splitString " " ''...''`). */
interface ParamSite {
  el: SyntaxNode;
  param: string;
  list?: SyntaxNode;
}

const PASS_THROUGH = new Set(["mkIf", "mkDefault", "mkForce", "mkBefore", "mkAfter", "mkOrder", "mkOverride", "optionals", "optional", "toList", "unique"]);

/** The parameter strings of a kernelParams value, through `++`, `lib.optionals`, `mkIf`, `if`,
 * let-bound lists and `splitString " "` of a literal. */
function paramSites(node: SyntaxNode | undefined, out: ParamSite[], list?: SyntaxNode, depth = 0): void {
  const n = depth === 0 ? unparen(node) : resolveValue(node);
  if (!n || depth > 12) return;
  switch (n.kind) {
    case K.NODE_LIST:
      for (const el of n.childNodes()) paramSites(el, out, n, depth + 1);
      return;
    case K.NODE_BIN_OP:
      if (!n.firstToken(K.TOKEN_CONCAT)) return;
      for (const c of n.childNodes()) paramSites(c, out, undefined, depth + 1);
      return;
    case K.NODE_IF_ELSE: {
      const [, yes, no] = n.childNodes();
      paramSites(yes, out, undefined, depth + 1);
      paramSites(no, out, undefined, depth + 1);
      return;
    }
    case K.NODE_APPLY: {
      const { args, fn } = flattenApply(n);
      const name = calleeName(fn);
      if (name === "splitString" && args.length === 2 && isBlank(staticValue(args[0]))) {
        const v = staticValue(args[1]);
        if (typeof v === "string") for (const w of v.split(/\s+/)) if (w) out.push({ el: args[1]!, param: w });
        return;
      }
      if (name && PASS_THROUGH.has(name) && args.length >= 1) paramSites(args[args.length - 1], out, undefined, depth + 1);
      return;
    }
    default: {
      const v = staticValue(n);
      if (typeof v === "string") out.push({ el: n, param: v, ...(list ? { list } : {}) });
    }
  }
}

function isBlank(v: unknown): boolean {
  return typeof v === "string" && v !== "" && v.trim() === "";
}

function checkKernelParams(ctx: NixFileContext): void {
  for (const def of ctx.index.byPath.get("boot.kernelParams") ?? []) {
    if (isDead(def)) continue;
    const sites: ParamSite[] = [];
    paramSites(def.inner, sites);
    const hits = sites.flatMap((s) => {
      const param = disabledMitigation(s.param);
      return param ? [{ ...s, param }] : [];
    });
    if (hits.length === 0) continue;
    const all = hits.some((h) => h.param === "mitigations=off");
    // Only module parameters (`i915.mitigations=off`): a driver's defence, not the CPU's.
    const driversOnly = hits.every((h) => h.param.split("=")[0]!.includes("."));
    const names = [...new Set(hits.map((h) => h.param))].join(", ");
    const lists = [...new Set(hits.map((h) => h.list))];
    const removable = lists.every((l) => l !== undefined);
    const onlyList = lists.length === 1 ? lists[0] : undefined;
    ctx.report({
      node: hits.length === 1 || new Set(hits.map((h) => h.el)).size === 1 ? hits[0]!.el : onlyList ?? def.value ?? hits[0]!.el,
      optionPath: def.path,
      key: names,
      title: all ? "CPU vulnerability mitigations turned off (mitigations=off)" : driversOnly ? "Driver security mitigations turned off" : "CPU vulnerability mitigations turned off",
      message: `boot.kernelParams turns off ${driversOnly ? "security mitigations of kernel modules" : "the kernel's CPU side-channel defences"} (${names}): any code running on the host (a browser's JavaScript, a container, a build, a guest VM) ${driversOnly ? "can read data other processes, users or guest VMs leave behind in the GPU or through the side channels the driver would otherwise close." : "can read memory of other processes, users or VMs through Spectre/Meltdown-class attacks the kernel would otherwise block."}`,
      fix: {
        safety: "review",
        description: `Remove ${names} from boot.kernelParams (the kernel default is mitigations=auto). Expect a few percent less performance on syscall-heavy work; "mitigations=auto,nosmt" is the stricter choice.`,
        ...(removable
          ? { edits: lists.flatMap((l) => removeListElements(ctx.file, ctx.text, l!, hits.filter((h) => h.list === l).map((h) => h.el))) }
          : {}),
      },
    });
  }
}

/** `options <module> <param>=<value> ...` lines of boot.extraModprobeConfig that turn a driver's
 * mitigation off (`options i915 mitigations=off`). */
function checkModprobe(ctx: NixFileContext): void {
  for (const def of ctx.index.byPath.get("boot.extraModprobeConfig") ?? []) {
    if (isDead(def)) continue;
    let value = unparen(def.inner);
    if (value?.kind === K.NODE_APPLY) {
      const { fn, args } = flattenApply(value);
      if (calleeName(fn) === "optionalString" && args.length === 2) value = unparen(args[1]);
    }
    const s = cookString(value);
    if (!s) continue;
    for (const line of stringLines(s)) {
      const f = fields(line);
      if (f[0]?.text !== "options" || !f[1]) continue;
      const module = f[1].text;
      for (const opt of f.slice(2)) {
        if (opt.text.startsWith("#")) break;
        const param = disabledMitigation(`${module}.${opt.text}`);
        if (!param) continue;
        ctx.report({
          node: s.node,
          range: sourceRange(s, opt.start, opt.end),
          optionPath: def.path,
          key: param,
          title: `GPU/driver security mitigation turned off (${module} ${opt.text})`,
          message: `boot.extraModprobeConfig sets "options ${module} ${opt.text}", turning off a mitigation the ${module} driver applies against side channels and data leaks between its users (for i915: clearing GPU state left by one process before the next runs, so another user's or a browser tab's GPU work can read it). It is the same as ${param} on the kernel command line, only harder to notice.`,
          fix: {
            safety: "review",
            description: `Remove ${opt.text} from the "options ${module}" line of boot.extraModprobeConfig (the driver's default keeps the mitigation on).`,
          },
        });
      }
    }
  }
}

function checkNix(ctx: NixFileContext): void {
  checkKernelParams(ctx);
  checkModprobe(ctx);
}

export const kernelMitigationsDisabled: Rule = {
  id: "kernel-mitigations-disabled",
  examples: {
    fire: [
      hostExample(`{ boot.kernelParams = [ "quiet" "mitigations=off" ]; }\n`),
      hostExample(`{ lib, ... }: {\n  boot.kernelParams = lib.mkIf true [\n    "nopti"\n    "nospectre_v2"\n    "mds=off"\n  ];\n}\n`),
      hostExample(`{ lib, config, ... }: {\n  boot.kernelParams = [ "quiet" ] ++ lib.optionals config.fast [ "mitigations=off" ];\n}\n`),
      hostExample(`{ lib, ... }: {\n  boot.kernelParams = lib.splitString " " ''\n    nopti mds=off\n  '';\n}\n`),
      hostExample(`{ lib, ... }:\nlet fast = [ "mitigations=off" ];\nin { boot.kernelParams = [ "quiet" ] ++ fast; }\n`),
      hostExample(`{\n  boot.extraModprobeConfig = ''\n    options snd_hda_intel index=0\n    options i915 error_capture=1 mitigations=off\n  '';\n}\n`),
      hostExample(`{ boot.kernelParams = [ "i915.mitigations=off" ]; }\n`),
    ],
    silent: [
      hostExample(`{ boot.kernelParams = [ "mitigations=auto" "quiet" ]; }\n`),
      hostExample(`{ boot.kernelParams = [ "mitigations=auto,nosmt" "spectre_v2=on" ]; }\n`),
      hostExample(`{\n  # "mitigations=off" was tried and reverted\n  boot.kernelParams = [ "quiet" ];\n}\n`),
      hostExample(`{ pkgs, ... }: { boot.kernelPackages = pkgs.linuxPackages_hardened; }\n`),
      hostExample(`{ lib, config, ... }: {\n  boot.kernelParams = [ "quiet" ] ++ lib.optionals config.fast [ "mitigations=auto,nosmt" "i915.enable_guc=2" ];\n}\n`),
      hostExample(`{\n  boot.extraModprobeConfig = ''\n    options i915 enable_guc=3 enable_fbc=1\n    # options i915 mitigations=off\n    options kvm_intel nested=1\n  '';\n}\n`),
    ],
  },
  name: "CPU vulnerability mitigations turned off",
  category: "access",
  severity: "medium",
  rationale:
    "The kernel's mitigations for CPU side channels (Meltdown, Spectre v1/v2, MDS, L1TF, Retbleed...) keep code in one process, user or VM from reading the memory of another. Kernel parameters such as mitigations=off, nopti or nospectre_v2 remove them for speed, so a browser tab, a container or a guest VM can leak secrets from the rest of the machine.",
  fix: "Remove the parameters from boot.kernelParams; keep the kernel default mitigations=auto (or auto,nosmt on hosts that run untrusted code or VMs).",
  references: [
    { title: "Linux kernel documentation: hardware vulnerabilities", url: "https://docs.kernel.org/admin-guide/hw-vuln/index.html" },
    { title: "Linux kernel parameters: mitigations=", url: "https://docs.kernel.org/admin-guide/kernel-parameters.html" },
    nixosOption("boot.kernelParams"),
  ],
  compliance: { cis: ["1.5 Additional Process Hardening"], nist: ["PR.PS-01", "PR.IR-01"] },
  checkNix,
};
