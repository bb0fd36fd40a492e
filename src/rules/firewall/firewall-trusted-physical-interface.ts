// firewall-trusted-physical-interface: a physical interface (Ethernet, Wi-Fi, mobile broadband) in
// `networking.firewall.trustedInterfaces`. NixOS accepts all traffic from trusted interfaces
// unconditionally, so every port of the host is open to the network behind it. Overlay and local
// virtual interfaces (tailscale0, wg0, virbr0, docker0, lo) are what the option is for and stay
// silent. Wireless and mobile interfaces are high: they join networks the owner does not control.
import { staticValue } from "../../nix/values.js";
import { isDead } from "../shared/scope.js";
import { listOf, removeListElements } from "../shared/edits.js";
import { classifyInterface } from "./interfaces.js";
import type { NixFileContext, Rule } from "../types.js";
import { hostExample } from "../shared/examples.js";
import { nixosOption } from "../shared/references.js";

function checkNix(ctx: NixFileContext): void {
  for (const def of ctx.index.byPath.get("networking.firewall.trustedInterfaces") ?? []) {
    if (isDead(def)) continue;
    const list = listOf(def.inner);
    if (!list) continue;
    for (const el of list.childNodes()) {
      const name = staticValue(el);
      if (typeof name !== "string") continue;
      const cls = classifyInterface(name);
      if (cls !== "wired" && cls !== "wireless") continue;
      const kind = cls === "wireless" ? "a wireless interface, which joins networks you do not control" : "a physical Ethernet interface";
      ctx.report({
        node: el,
        optionPath: "networking.firewall.trustedInterfaces",
        key: name,
        severity: cls === "wireless" ? "high" : "medium",
        title: `Physical interface ${name} trusted by the firewall`,
        message: `networking.firewall.trustedInterfaces contains "${name}", ${kind}: the firewall accepts every connection arriving on it, so every port any service listens on is open to that whole network.`,
        fix: {
          safety: "review",
          description: `Remove "${name}" from trustedInterfaces and open only the ports that network needs with networking.firewall.interfaces."${name}".allowedTCPPorts / allowedUDPPorts. Services reached through ${name} without an opened port stop being reachable.`,
          edits: def.conditions.length === 0 ? removeListElements(ctx.file, ctx.text, list, [el]) : undefined,
        },
      });
    }
  }
}

export const firewallTrustedPhysicalInterface: Rule = {
  id: "firewall-trusted-physical-interface",
  examples: {
    fire: [hostExample(`{ networking.firewall.trustedInterfaces = [ "eth0" ]; }\n`)],
    silent: [hostExample(`{ networking.firewall.trustedInterfaces = [ "tailscale0" ]; }\n`)],
  },
  name: "Physical interface in trustedInterfaces",
  category: "firewall",
  severity: "medium",
  rationale:
    "Traffic from a trusted interface bypasses the firewall entirely. On a physical interface that is the whole LAN or Wi-Fi network: every device on it, compromised ones included, reaches every port of the host.",
  fix: 'Trust only overlay and local virtual interfaces (tailscale0, wg0, virbr0); for a LAN, open the needed ports with networking.firewall.interfaces."<name>".allowedTCPPorts.',
  references: [
    nixosOption("networking.firewall.trustedInterfaces"),
    nixosOption("networking.firewall.interfaces"),
    { title: "systemd.net-naming-scheme(7): predictable interface names", url: "https://www.freedesktop.org/software/systemd/man/latest/systemd.net-naming-scheme.html" },
  ],
  compliance: { cis: ["3.5 Firewall Configuration"], nist: ["PR.IR-01"] },
  checkNix,
};
