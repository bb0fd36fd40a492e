// kernel-mitigations-disabled: `boot.kernelParams` turns off the kernel's defences against CPU
// side channels (`mitigations=off`, `nopti`, `nospectre_v2`, `mds=off`, ...). Any local code (a
// browser tab's JIT, a container, a guest VM on a hypervisor host) can then read memory across
// process, user and VM boundaries. `mitigations=auto` (the kernel default) and `auto,nosmt` are
// fine. The fix removes the parameters (review: it costs some performance).
import { staticValue } from "../../nix/values.js";
import type { SyntaxNode } from "../../nix/syntax.js";
import { listOf, removeListElements } from "../shared/edits.js";
import { isDead } from "../shared/scope.js";
import { hostExample } from "../shared/examples.js";
import type { NixFileContext, Rule } from "../types.js";

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

/** The mitigation a kernel parameter turns off, or undefined. */
export function disabledMitigation(param: string): string | undefined {
  const p = param.trim().toLowerCase();
  const eq = p.indexOf("=");
  const name = eq < 0 ? p : p.slice(0, eq);
  const values = OFF[name];
  if (!values) return undefined;
  if (eq < 0) return values.includes("*") ? p : undefined;
  return values.includes(p.slice(eq + 1)) ? p : undefined;
}

function checkNix(ctx: NixFileContext): void {
  for (const def of ctx.index.byPath.get("boot.kernelParams") ?? []) {
    if (isDead(def)) continue;
    const list = listOf(def.inner);
    if (!list) continue;
    const hits: Array<{ el: SyntaxNode; param: string }> = [];
    for (const el of list.childNodes()) {
      const v = staticValue(el);
      const param = typeof v === "string" ? disabledMitigation(v) : undefined;
      if (param) hits.push({ el, param });
    }
    if (hits.length === 0) continue;
    const all = hits.some((h) => h.param === "mitigations=off");
    const names = hits.map((h) => h.param).join(", ");
    ctx.report({
      node: hits.length === 1 ? hits[0]!.el : list,
      optionPath: def.path,
      key: names,
      title: all ? "CPU vulnerability mitigations turned off (mitigations=off)" : "CPU vulnerability mitigations turned off",
      message: `boot.kernelParams turns off the kernel's CPU side-channel defences (${names}): any code running on the host (a browser's JavaScript, a container, a build, a guest VM) can read memory of other processes, users or VMs through Spectre/Meltdown-class attacks the kernel would otherwise block.`,
      fix: {
        safety: "review",
        description: `Remove ${names} from boot.kernelParams (the kernel default is mitigations=auto). Expect a few percent less performance on syscall-heavy work; "mitigations=auto,nosmt" is the stricter choice.`,
        edits: removeListElements(ctx.file, ctx.text, list, hits.map((h) => h.el)),
      },
    });
  }
}

export const kernelMitigationsDisabled: Rule = {
  id: "kernel-mitigations-disabled",
  examples: {
    fire: [
      hostExample(`{ boot.kernelParams = [ "quiet" "mitigations=off" ]; }\n`),
      hostExample(`{ lib, ... }: {\n  boot.kernelParams = lib.mkIf true [\n    "nopti"\n    "nospectre_v2"\n    "mds=off"\n  ];\n}\n`),
    ],
    silent: [
      hostExample(`{ boot.kernelParams = [ "mitigations=auto" "quiet" ]; }\n`),
      hostExample(`{ boot.kernelParams = [ "mitigations=auto,nosmt" "spectre_v2=on" ]; }\n`),
      hostExample(`{\n  # "mitigations=off" was tried and reverted\n  boot.kernelParams = [ "quiet" ];\n}\n`),
      hostExample(`{ pkgs, ... }: { boot.kernelPackages = pkgs.linuxPackages_hardened; }\n`),
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
    { title: "NixOS option boot.kernelParams", url: "https://search.nixos.org/options?query=boot.kernelParams" },
  ],
  compliance: { cis: ["1.5 Additional Process Hardening"], nist: ["PR.PS-01", "PR.IR-01"] },
  checkNix,
};
