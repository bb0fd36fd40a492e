// The firewall: a port opened by hand (iptables -I, nft add rule, nixos-firewall-tool open) is
// critical when it is open on every interface; a firewall that is declared on but not loaded is
// critical; a declared opening that is missing means the declared firewall is not what runs.
import type { Severity } from "../../report/schema.js";
import type { DeclaredFirewall, DeclaredState, FirewallInterface } from "../declared/schema.js";
import type { OpenPort } from "../parse/firewall.js";
import type { FirewallFacts } from "../probes/firewall.js";
import type { DriftItemX } from "../model.js";
import { adopt, adoptValue, item, nixString, optionPath, rebuildCommand, revert, type CompareContext } from "./common.js";

/** Openings NixOS's firewall makes itself, whatever the configuration says. */
function nixosImplicit(p: OpenPort): boolean {
  if (p.proto === "udp" && p.from === 546 && p.to === 546 && /fe80::\/64/.test(p.restriction ?? "")) return true; // DHCPv6 client
  if (p.proto === "udp" && p.from === 67 && p.to === 67 && /^(ve|vz|vt|ns)-\+$/.test(p.iface ?? "")) return true; // DHCP for containers
  return false;
}

function covers(f: FirewallInterface, p: OpenPort): boolean {
  const ports = p.proto === "tcp" ? f.allowedTCPPorts : f.allowedUDPPorts;
  const ranges = p.proto === "tcp" ? f.allowedTCPPortRanges : f.allowedUDPPortRanges;
  if (p.from === p.to && ports.includes(p.from)) return true;
  return ranges.some((r) => r.from <= p.from && r.to >= p.to);
}

/** Declared for every interface, or for the one the rule is limited to. */
export function declaredOpen(fw: DeclaredFirewall, p: OpenPort): boolean {
  if (covers(fw, p)) return true;
  if (p.iface) return p.iface.split(",").every((i) => fw.interfaces[i] !== undefined && covers(fw.interfaces[i] as FirewallInterface, p));
  return false;
}

/** Whether traffic to this port from other hosts gets in (used by the listening-socket check). */
export function portAllowed(fw: DeclaredFirewall, proto: "tcp" | "udp", port: number): boolean {
  const probe = { proto, from: port, to: port } as OpenPort;
  return covers(fw, probe) || Object.values(fw.interfaces).some((i) => covers(i, probe));
}

export function compareFirewall(declared: DeclaredState, actual: FirewallFacts, ctx: CompareContext): DriftItemX[] {
  const state = actual.state;
  if (!state) return [];
  const fw = declared.firewall;
  const items: DriftItemX[] = [];

  if (fw.enable === true && (!state.nixosFirewallActive || state.inputPolicyAccept)) {
    items.push(
      item({
        category: "network",
        subject: "firewall",
        key: "off",
        severity: "critical",
        declared: { enable: true, backend: fw.backend },
        actual: { nixosFirewallActive: state.nixosFirewallActive, inputPolicyAccept: state.inputPolicyAccept, source: actual.source },
        evidence: `networking.firewall.enable = true, but ${actual.source ?? "the ruleset"} shows ${state.nixosFirewallActive ? "the NixOS firewall loaded with an input policy that accepts everything" : "no NixOS firewall (no nixos-fw chain/table) and an input hook that accepts everything"}: every listening port is reachable.`,
        remediation: [revert("review", "Start the declared firewall again.", [["systemctl", "restart", fw.backend === "nftables" ? "nftables.service" : "firewall.service"]])],
      }),
    );
  }
  if (fw.enable === false) return items;

  for (const p of state.open) {
    if (nixosImplicit(p) || declaredOpen(fw, p)) continue;
    const ports = p.from === p.to ? String(p.from) : `${p.from}-${p.to}`;
    const subject = `${p.proto}/${ports}${p.iface ? ` on ${p.iface}` : ""}`;
    const severity: Severity = p.iface || p.restriction ? "high" : "critical";
    items.push(
      item({
        category: "network",
        subject,
        key: `open\0${p.rule}`,
        severity,
        declared: { open: false },
        actual: { proto: p.proto, from: p.from, to: p.to, iface: p.iface ?? null, restriction: p.restriction ?? null, rule: p.rule },
        evidence: `The firewall accepts ${p.proto} port ${ports}${p.iface ? ` on ${p.iface}` : " on every interface"}${p.restriction ? ` (${p.restriction})` : ""} by a rule the configuration does not declare: ${p.rule}`,
        remediation: [closeOption(p, fw, ctx), adoptOption(p)],
      }),
    );
  }

  if (state.nixosFirewallActive) {
    const open = (proto: "tcp" | "udp", port: number) => state.open.some((o) => o.proto === proto && o.from <= port && o.to >= port && !o.iface);
    for (const proto of ["tcp", "udp"] as const) {
      const declaredPorts = proto === "tcp" ? fw.allowedTCPPorts : fw.allowedUDPPorts;
      for (const port of declaredPorts) {
        if (open(proto, port)) continue;
        items.push(
          item({
            category: "network",
            subject: `${proto}/${port}`,
            key: "closed",
            severity: "medium",
            declared: { open: true },
            actual: { open: false },
            evidence: `The configuration opens ${proto} port ${port}, but the loaded firewall (${actual.source}) does not accept it: rules were removed by hand, or the firewall was not reloaded.`,
            remediation: [revert("review", "Reload the declared firewall.", [["systemctl", "reload-or-restart", fw.backend === "nftables" ? "nftables.service" : "firewall.service"]])],
          }),
        );
      }
    }
  }

  for (const iface of state.trusted) {
    if (iface === "lo" || fw.trustedInterfaces.includes(iface) || /^(ve|vz|vt|ns)-\+$/.test(iface)) continue;
    items.push(
      item({
        category: "network",
        subject: `trusted interface ${iface}`,
        key: "trusted",
        severity: "high",
        declared: { trustedInterfaces: fw.trustedInterfaces },
        actual: { trusted: iface },
        evidence: `The firewall accepts all traffic arriving on ${iface}, which networking.firewall.trustedInterfaces does not list.`,
        remediation: [
          revert("review", "Reload the declared firewall.", [["systemctl", "reload-or-restart", fw.backend === "nftables" ? "nftables.service" : "firewall.service"]]),
          adopt("networking.firewall.trustedInterfaces", `networking.firewall.trustedInterfaces = [ ${nixString(iface)} ];`, "Declare the interface as trusted."),
        ],
      }),
    );
  }
  return items;
}

function closeOption(p: OpenPort, fw: DeclaredFirewall, ctx: CompareContext) {
  const o = p.origin;
  if (o.kind === "iptables") {
    const bin = o.family === 6 ? "ip6tables" : "iptables";
    return revert("review", `Delete the rule (security-sensitive: check what uses the port first).`, [[bin, "-w", "-D", o.chain, ...o.args]], [bin, "-w", "-C", o.chain, ...o.args]);
  }
  if (o.kind === "nft-set") {
    if (o.set === "temp-ports") return revert("review", "Close the temporarily opened port (nixos-firewall-tool).", [["nixos-firewall-tool", "reset"]]);
    return revert("review", "Remove the element from the set.", [["nft", "delete", "element", o.family, o.table, o.set, `{ ${o.element} }`]]);
  }
  if (o.handle !== undefined) {
    return revert("review", "Delete the rule (security-sensitive: check what uses the port first).", [["nft", "delete", "rule", o.family, o.table, o.chain, "handle", String(o.handle)]]);
  }
  return revert("review", "Reload the declared firewall.", [fw.backend === "nftables" ? ["systemctl", "restart", "nftables.service"] : rebuildCommand(ctx)]);
}

function adoptOption(p: OpenPort) {
  const single = p.from === p.to;
  const key = `allowed${p.proto.toUpperCase()}Port${single ? "s" : "Ranges"}`;
  const base = p.iface ? optionPath("networking", "firewall", "interfaces", p.iface, key) : optionPath("networking", "firewall", key);
  const value = single ? `[ ${p.from} ]` : `[ { from = ${p.from}; to = ${p.to}; } ]`;
  return adoptValue(base, value, "If the port should be open, declare it.");
}
