// firewall-trusted-physical-interface: a physical interface (Ethernet, Wi-Fi, mobile broadband) in
// `networking.firewall.trustedInterfaces`. NixOS accepts all traffic from trusted interfaces
// unconditionally, so every port of the host is open to the network behind it. Overlay and local
// virtual interfaces (tailscale0, wg0, virbr0, docker0, lo) are what the option is for and stay
// silent. Wireless and mobile interfaces are high: they join networks the owner does not control.
//
// A bridge or bond named otherwise (`br0`, `lan`) is the LAN too when the host says so: a physical
// port is enslaved to it (`networking.bridges.<n>.interfaces`, a systemd-networkd network with
// `Bridge=`/`bridge`), or the default route or a DHCP lease is on it (khaneliman/khanelinix
// khanelilab: `bridges.br0.interfaces = [ "bond0" ]`, `defaultGateway.interface = "br0"`, then
// `trustedInterfaces = [ "br0" ]`, the firewall off for the whole LAN). Judged per host: a bridge
// no file of the host ties to a NIC (a VM-only bridge, one with no ports) stays silent.
import { staticValue } from "../../nix/values.js";
import type { SyntaxNode } from "../../nix/syntax.js";
import { isDead, type Scope } from "../shared/scope.js";
import { listOf, removeListElements } from "../shared/edits.js";
import { perHost } from "../shared/per-host.js";
import { classifyInterface, isPhysical } from "./interfaces.js";
import type { OptionDefinition } from "../../nix/options.js";
import type { Rule } from "../types.js";
import { hostExample } from "../shared/examples.js";
import { nixosOption } from "../shared/references.js";

interface Trusted {
  def: OptionDefinition;
  list: SyntaxNode;
  el: SyntaxNode;
  name: string;
}

function strings(v: unknown): string[] {
  if (typeof v === "string") return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

/** The values a scope gives an option path (dead definitions left out). */
function valuesOf(scope: Scope, path: string): unknown[] {
  return scope
    .definitions(path)
    .filter((d) => !isDead(d.def) && (!scope.applies || scope.applies(d)))
    .map((d) => staticValue(d.def.inner));
}

/** A port of a bridge that is, or is made of, a physical interface (a bond or VLAN of NICs). */
function physicalPort(scope: Scope, port: string, depth = 0): string | undefined {
  if (isPhysical(port) && !/^bond|^team/.test(port)) return port;
  if (depth > 3) return undefined;
  const members = [...valuesOf(scope, `networking.bonds.${port}.interfaces`).flatMap(strings), ...valuesOf(scope, `networking.vlans.${port}.interface`).flatMap(strings)];
  for (const m of members) {
    const p = physicalPort(scope, m, depth + 1);
    if (p) return port === p ? p : `${port} (${p})`;
  }
  // A bond named as one, with members the repository does not list: still a NIC aggregate.
  return isPhysical(port) ? port : undefined;
}

/** Why the host's configuration makes `name` the network a physical interface is on, if it does. */
function uplinkEvidence(scope: Scope, name: string): string | undefined {
  const q = /^[A-Za-z0-9_-]+$/.test(name) ? name : `"${name}"`;
  for (const port of valuesOf(scope, `networking.bridges.${q}.interfaces`).flatMap(strings)) {
    const p = physicalPort(scope, port);
    if (p) return `it is a bridge of the physical interface ${p} (networking.bridges.${q}.interfaces)`;
  }
  // systemd-networkd: a network matching a NIC that joins the bridge.
  for (const join of [...scope.matching("systemd.network.networks.*.networkConfig.Bridge"), ...scope.matching("systemd.network.networks.*.bridge")]) {
    if (isDead(join.def) || (scope.applies && !scope.applies(join)) || !strings(staticValue(join.def.inner)).includes(name)) continue;
    const net = join.def.segments[3]!.name;
    const base = join.def.path.slice(0, join.def.path.length - (join.def.segments.at(-1)!.name === "bridge" ? ".bridge" : ".networkConfig.Bridge").length);
    const matched = valuesOf(scope, `${base}.matchConfig.Name`)
      .flatMap(strings)
      .flatMap((s) => s.split(/\s+/));
    const nic = matched.find((m) => isPhysical(m.replace(/\*$/, "0")));
    if (nic) return `the systemd-networkd network ${net} puts the physical interface ${nic} into it`;
  }
  for (const gw of ["networking.defaultGateway", "networking.defaultGateway6"]) {
    if (valuesOf(scope, `${gw}.interface`).includes(name)) return `the default route goes through it (${gw}.interface)`;
  }
  if (valuesOf(scope, `networking.interfaces.${q}.useDHCP`).includes(true)) return `it takes its address from the network's DHCP server (networking.interfaces.${q}.useDHCP)`;
  return undefined;
}

const checks = perHost<Trusted>(
  (ctx) => {
    const out: Trusted[] = [];
    for (const def of ctx.index.byPath.get("networking.firewall.trustedInterfaces") ?? []) {
      if (isDead(def)) continue;
      const list = listOf(def.inner);
      if (!list) continue;
      for (const el of list.childNodes()) {
        const name = staticValue(el);
        if (typeof name === "string") out.push({ def, list, el, name });
      }
    }
    return out;
  },
  (t, scope, file, report) => {
    const cls = classifyInterface(t.name);
    let kind: string;
    let severity: "high" | "medium" = "medium";
    if (cls === "wireless") {
      kind = "a wireless interface, which joins networks you do not control";
      severity = "high";
    } else if (cls === "wired") kind = "a physical Ethernet interface";
    else if (cls === "overlay") return;
    else {
      const why = uplinkEvidence(scope, t.name);
      if (!why) return;
      kind = `the host's LAN interface: ${why}`;
    }
    report({
      node: t.el,
      optionPath: "networking.firewall.trustedInterfaces",
      key: t.name,
      severity,
      title: `${cls === "wired" || cls === "wireless" ? "Physical interface" : "LAN interface"} ${t.name} trusted by the firewall`,
      message: `networking.firewall.trustedInterfaces contains "${t.name}", ${kind}: the firewall accepts every connection arriving on it, so every port any service listens on is open to that whole network.`,
      fix: {
        safety: "review",
        description: `Remove "${t.name}" from trustedInterfaces and open only the ports that network needs with networking.firewall.interfaces."${t.name}".allowedTCPPorts / allowedUDPPorts. Services reached through ${t.name} without an opened port stop being reachable.`,
        edits: t.def.conditions.length === 0 ? removeListElements(file.file, file.text, t.list, [t.el]) : undefined,
      },
    });
  },
);

export const firewallTrustedPhysicalInterface: Rule = {
  id: "firewall-trusted-physical-interface",
  examples: {
    fire: [
      hostExample(`{ networking.firewall.trustedInterfaces = [ "eth0" ]; }\n`),
      // A bridge of a bond of NICs carrying the default route: the LAN.
      hostExample(
        `{\n  networking.bonds.bond0.interfaces = [ "eth0" "eth1" ];\n  networking.bridges.br0.interfaces = [ "bond0" ];\n  networking.defaultGateway = { address = "192.168.4.1"; interface = "br0"; };\n  networking.firewall.trustedInterfaces = [ "br0" ];\n}\n`,
      ),
      // systemd-networkd: the NIC's network joins the bridge.
      hostExample(
        `{\n  systemd.network.netdevs."10-lan".netdevConfig = { Kind = "bridge"; Name = "lan"; };\n  systemd.network.networks."20-uplink" = { matchConfig.Name = "enp3s0"; networkConfig.Bridge = "lan"; };\n  networking.firewall.trustedInterfaces = [ "lan" ];\n}\n`,
      ),
    ],
    silent: [
      hostExample(`{ networking.firewall.trustedInterfaces = [ "tailscale0" ]; }\n`),
      // A bridge of VMs only (no NIC in it), and one nothing else says anything about.
      hostExample(`{\n  networking.bridges.br0.interfaces = [ ];\n  networking.interfaces.br0.ipv4.addresses = [ { address = "10.10.0.1"; prefixLength = 24; } ];\n  networking.firewall.trustedInterfaces = [ "br0" "virbr0" ];\n}\n`),
      hostExample(`{\n  networking.bridges.vmbr.interfaces = [ "tap0" "vnet1" ];\n  networking.firewall.trustedInterfaces = [ "vmbr" ];\n}\n`),
    ],
  },
  name: "Physical interface in trustedInterfaces",
  category: "firewall",
  severity: "medium",
  rationale:
    "Traffic from a trusted interface bypasses the firewall entirely. On a physical interface that is the whole LAN or Wi-Fi network: every device on it, compromised ones included, reaches every port of the host. A bridge or bond a NIC is part of, or the interface the default route uses, is that network too.",
  fix: 'Trust only overlay and local virtual interfaces (tailscale0, wg0, virbr0); for a LAN, open the needed ports with networking.firewall.interfaces."<name>".allowedTCPPorts.',
  references: [
    nixosOption("networking.firewall.trustedInterfaces"),
    nixosOption("networking.firewall.interfaces"),
    nixosOption("networking.bridges"),
    { title: "systemd.net-naming-scheme(7): predictable interface names", url: "https://www.freedesktop.org/software/systemd/man/latest/systemd.net-naming-scheme.html" },
  ],
  compliance: { cis: ["3.5 Firewall Configuration"], nist: ["PR.IR-01"] },
  ...checks,
};
