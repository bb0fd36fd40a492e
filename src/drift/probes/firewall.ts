// The firewall actually loaded in the kernel (live system only): `nft -j list ruleset` when the
// NixOS nftables firewall (table inet nixos-fw) is there, otherwise `iptables-save` and
// `ip6tables-save` (NixOS's iptables backend, also when iptables runs over nf_tables).
import { run } from "../../system/run.js";
import { parseIptablesSave, parseNftRuleset, type FirewallState } from "../parse/firewall.js";
import type { ProbeContext, ProbeResult } from "./types.js";
import type { ReportError } from "../../report/schema.js";

export interface FirewallFacts {
  /** undefined when the ruleset could not be read here (not live, or the tools are missing). */
  state?: FirewallState;
  source?: string;
}

export async function probeFirewall(ctx: ProbeContext): Promise<ProbeResult<FirewallFacts>> {
  if (!ctx.live) {
    return { facts: {}, errors: [], notes: [`the firewall lives in the kernel: nft/iptables need the live system, so open ports were not checked under --root ${ctx.root}`] };
  }
  const errors: ReportError[] = [];
  const notes: string[] = [];
  const opts = { timeoutMs: ctx.timeoutMs ?? 30_000, signal: ctx.signal };

  const nft = await run("nft", ["-j", "list", "ruleset"], opts);
  if (nft.ok) {
    try {
      const state = parseNftRuleset(nft.stdout);
      if (state.nixosFirewallActive) return { facts: { state, source: "nft -j list ruleset" }, errors, notes };
    } catch (e) {
      errors.push({ source: "probe:firewall", message: `nft -j list ruleset printed something unreadable: ${(e as Error).message}` });
    }
  } else if (!nft.notFound) {
    notes.push(`nft -j list ruleset failed (${nft.error}); trying iptables-save`);
  }

  const [v4, v6] = await Promise.all([run("iptables-save", [], opts), run("ip6tables-save", [], opts)]);
  if (!v4.ok && !v6.ok) {
    if (v4.notFound && nft.notFound) notes.push("neither nft nor iptables-save is installed: open ports not checked");
    else errors.push({ source: "probe:firewall", message: `cannot read the firewall: ${v4.error ?? v6.error}` });
    return { facts: {}, errors, notes };
  }
  const states = [v4.ok ? parseIptablesSave(v4.stdout, 4) : undefined, v6.ok ? parseIptablesSave(v6.stdout, 6) : undefined].filter(
    (s): s is FirewallState => s !== undefined,
  );
  const state: FirewallState = {
    backend: "iptables",
    nixosFirewallActive: states.some((s) => s.nixosFirewallActive),
    inputPolicyAccept: states.some((s) => s.inputPolicyAccept),
    open: states.flatMap((s) => s.open),
    trusted: [...new Set(states.flatMap((s) => s.trusted))],
  };
  return { facts: { state, source: [v4.ok && "iptables-save", v6.ok && "ip6tables-save"].filter(Boolean).join(" + ") }, errors, notes };
}
