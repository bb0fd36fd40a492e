// firewall-sensitive-port: a database, metrics or administration port in
// `networking.firewall.allowedTCPPorts` / `allowedUDPPorts`, which open it on every interface. The
// ports are data (ports.ts); a port list element may be a number or the service's own port option
// (`config.services.postgresql.settings.port`). The fix moves the ports to a private interface's
// list (`networking.firewall.interfaces."tailscale0".allowedTCPPorts`): review, because clients on
// other networks lose access.
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { staticValue } from "../../nix/values.js";
import { atLeast, type Severity } from "../../report/severity.js";
import { isDead, segmentsMatch } from "../shared/scope.js";
import { listOf, removeListElements } from "../shared/edits.js";
import { SENSITIVE_PORTS, sensitivePort, sensitiveService, type SensitivePort } from "./ports.js";
import { addInterfacePorts, privateInterface } from "./private-interface.js";
import type { NixFileContext, Rule, TextEdit } from "../types.js";
import { hostExample } from "../shared/examples.js";

const EXPORTERS = SENSITIVE_PORTS.find((r) => r.service === "Prometheus exporters")!;

/** What a port list element opens, if it is a sensitive port. */
export function classifyPortElement(el: SyntaxNode, protocol: "tcp" | "udp"): { row: SensitivePort; port: string } | undefined {
  const v = staticValue(el);
  if (typeof v === "number") {
    const row = sensitivePort(v, protocol);
    return row ? { row, port: String(v) } : undefined;
  }
  if (el.kind === K.NODE_SELECT) {
    const m = /^config\.services\.([\w.-]+?)\.(?:settings\.)?(?:port|listenPort)$/.exec(el.text.replace(/\s+/g, ""));
    if (!m) return undefined;
    const name = m[1]!;
    const row = sensitiveService(name) ?? (name.startsWith("prometheus.exporters.") ? EXPORTERS : undefined);
    if (row && (row.protocol === "both" || row.protocol === protocol)) return { row, port: el.text };
  }
  return undefined;
}

/** The file configures the service's authentication (the row's authenticatedBy options). */
function authenticated(ctx: NixFileContext, row: SensitivePort): boolean {
  if (!row.authenticatedBy) return false;
  return ctx.index.definitions.some((d) => !isDead(d) && row.authenticatedBy!.some((p) => segmentsMatch(d, p)) && staticValue(d.inner) !== null && staticValue(d.inner) !== false);
}

function checkNix(ctx: NixFileContext): void {
  for (const path of ["networking.firewall.allowedTCPPorts", "networking.firewall.allowedUDPPorts"]) {
    const protocol = path.endsWith("TCPPorts") ? "tcp" : "udp";
    const option = path.split(".").at(-1)!;
    for (const def of ctx.index.byPath.get(path) ?? []) {
      if (isDead(def)) continue;
      const list = listOf(def.inner);
      if (!list) continue;
      const hits: Array<{ el: SyntaxNode; row: SensitivePort; port: string }> = [];
      for (const el of list.childNodes()) {
        const c = classifyPortElement(el, protocol);
        if (c && !authenticated(ctx, c.row)) hits.push({ el, ...c });
      }
      if (hits.length === 0) continue;
      let severity: Severity = "medium";
      for (const h of hits) if (atLeast(h.row.severity, severity)) severity = h.row.severity;
      const iface = privateInterface([ctx]);
      const described = hits.map((h) => `${h.port} (${h.row.service}: ${h.row.why})`);
      const ports = hits.map((h) => h.port);
      let edits: TextEdit[] | undefined;
      if (def.conditions.length === 0) {
        const add = addInterfacePorts(ctx, iface.name, option, ports);
        if (add) edits = [...removeListElements(ctx.file, ctx.text, list, hits.map((h) => h.el)), add];
      }
      ctx.report({
        node: hits[0]!.el,
        optionPath: path,
        key: `${protocol}:${ports.join(",")}`,
        severity,
        title: `Sensitive ${protocol.toUpperCase()} port${hits.length > 1 ? "s" : ""} open on every interface: ${hits.map((h) => h.row.service).filter((s, i, a) => a.indexOf(s) === i).join(", ")}`,
        message: `${path} opens ${described.join("; ")} on every interface, so every network the host is on can reach ${hits.length > 1 ? "them" : "it"}.`,
        evidence: `${path} = [ ... ${ports.join(" ")} ... ]`,
        fix: {
          safety: "review",
          description: `Move ${ports.join(", ")} from ${option} to networking.firewall.interfaces."${iface.name}".${option} (${iface.why}), so only that network reaches ${hits.length > 1 ? "them" : "it"}. Clients on other networks lose access.`,
          edits,
        },
      });
    }
  }
}

export const firewallSensitivePort: Rule = {
  id: "firewall-sensitive-port",
  examples: {
    fire: [hostExample(`{ networking.firewall.allowedTCPPorts = [ 443 5432 ]; }\n`)],
    silent: [hostExample(`{ networking.firewall.allowedTCPPorts = [ 80 443 ]; }\n`)],
  },
  name: "Sensitive port open on every interface",
  category: "firewall",
  severity: "medium",
  rationale:
    "Databases, metrics endpoints and administration interfaces often have no authentication by default or hand whoever reaches them the data or the host. Ports opened with networking.firewall.allowedTCPPorts are open on every interface, the public one included.",
  fix: 'Open such ports only on a private interface: networking.firewall.interfaces."tailscale0".allowedTCPPorts (or your VPN or management interface); put a web UI behind an authenticating reverse proxy.',
  references: [
    { title: "NixOS option networking.firewall.interfaces.<name>.allowedTCPPorts", url: "https://search.nixos.org/options?query=networking.firewall.interfaces" },
    { title: "NixOS manual: Firewall", url: "https://nixos.org/manual/nixos/stable/#sec-firewall" },
    { title: "Prometheus security model", url: "https://prometheus.io/docs/operating/security/" },
    { title: "Redis security", url: "https://redis.io/docs/latest/operate/oss_and_stack/management/security/" },
  ],
  compliance: { cis: ["3.5 Firewall Configuration", "2.2 Special Purpose Services"], nist: ["PR.IR-01", "PR.AA-05"] },
  checkNix,
};
