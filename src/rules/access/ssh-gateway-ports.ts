// ssh-gateway-ports: sshd's `GatewayPorts yes` or `clientspecified`. Remote forwardings (`ssh -R`)
// then bind on every address of the server (or on any the client asks for) instead of loopback, so
// every SSH user can publish a port of their own machine, or of a network it reaches, to the
// networks the server is on: a reverse tunnel into an internal network that nobody reviewed. The
// NixOS firewall still filters ports it has not opened, which keeps this low; with the firewall off
// the forwarded port is reachable at once. `GatewayPorts no` (the default) is silent.
import { replaceNode } from "../../nix/edit.js";
import { staticValue } from "../../nix/values.js";
import { hostExample } from "../shared/examples.js";
import { isDead } from "../shared/scope.js";
import { cookString, sourceRange, stringLines } from "../shared/string-lines.js";
import type { NixFileContext, Rule } from "../types.js";
import { SSHD_REFERENCES } from "./sshd.js";

const OPEN = /^(?:yes|clientspecified|true)$/i;

function message(value: string): string {
  return `sshd's GatewayPorts = ${value}: remote port forwardings (ssh -R) ${value.toLowerCase() === "clientspecified" ? "bind on whatever address the client asks for (every address of the server, if it asks)" : "bind on every address of the server"} instead of loopback, so any SSH user can publish a port from their side onto the networks this server is on (the firewall still blocks ports it has not opened).`;
}

function checkNix(ctx: NixFileContext): void {
  // services.openssh.gatewayPorts is the name before NixOS 23.05 (renamed to settings.GatewayPorts).
  for (const def of [...(ctx.index.byPath.get("services.openssh.settings.GatewayPorts") ?? []), ...(ctx.index.byPath.get("services.openssh.gatewayPorts") ?? [])]) {
    const v = staticValue(def.inner);
    if (isDead(def) || !(v === true || (typeof v === "string" && OPEN.test(v)))) continue;
    ctx.report({
      node: def.inner ?? def.binding,
      optionPath: def.path,
      severity: "low",
      title: "sshd lets remote forwardings bind on every address",
      message: message(String(v === true ? "yes" : v)),
      fix: {
        safety: "review",
        description: 'Remove the setting (sshd\'s default is "no": forwarded ports bind on loopback). If one user needs a public reverse tunnel, allow it for that user only in a Match block, and open its port on purpose.',
        edits: def.inner ? [replaceNode(ctx.file, def.inner, '"no"')] : undefined,
      },
    });
  }
  for (const def of ctx.index.byPath.get("services.openssh.extraConfig") ?? []) {
    const s = cookString(def.inner);
    if (!s || isDead(def)) continue;
    let inMatch = false;
    for (const line of stringLines(s)) {
      const t = line.text.trim();
      if (/^Match\s/i.test(t)) inMatch = true;
      const m = /^GatewayPorts\s*=?\s*(\S+)/i.exec(t);
      // Inside a Match block it applies to the users it names: deliberate, and not everyone's.
      if (!m || inMatch || !OPEN.test(m[1]!)) continue;
      const at = line.start + line.text.indexOf(t);
      ctx.report({
        range: sourceRange(s, at, at + t.length),
        optionPath: def.path,
        severity: "low",
        title: "sshd lets remote forwardings bind on every address",
        message: message(m[1]!),
        fix: { safety: "manual", description: 'Remove the line (sshd\'s default is "no"), or allow it in a Match block for the one user that needs it.' },
      });
    }
  }
}

export const sshGatewayPorts: Rule = {
  id: "ssh-gateway-ports",
  examples: {
    fire: [
      hostExample(`{\n  services.openssh.enable = true;\n  services.openssh.settings.GatewayPorts = "clientspecified";\n}\n`),
      hostExample(`{\n  services.openssh.enable = true;\n  services.openssh.extraConfig = ''\n    GatewayPorts yes\n  '';\n}\n`),
    ],
    silent: [
      hostExample(`{\n  services.openssh.enable = true;\n  services.openssh.settings.GatewayPorts = "no";\n  services.openssh.extraConfig = ''\n    Match User tunnel\n      GatewayPorts yes\n      AllowTcpForwarding remote\n  '';\n}\n`),
    ],
  },
  name: "sshd GatewayPorts opens remote forwardings",
  category: "access",
  severity: "low",
  rationale:
    "With GatewayPorts yes or clientspecified, a port forwarded with ssh -R listens on the server's public addresses: any SSH user can expose a service of their own machine, or a reverse tunnel into another network, to everyone who reaches the server.",
  fix: 'Keep GatewayPorts "no"; grant public remote forwarding in a Match block to the one account that needs it.',
  references: [...SSHD_REFERENCES],
  compliance: { cis: ["5.1 Configure SSH Server"], nist: ["PR.AA-05", "PR.IR-01"] },
  checkNix,
};
