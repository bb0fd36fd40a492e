// open-firewall-unauthenticated: `services.<x>.openFirewall = true` for a service that answers
// without authentication by default (the table in unauthenticated-services.ts). Silent when the
// service is configured with authentication, listens only on loopback or a VPN address (a
// WireGuard interface's address in the file, Tailscale's 100.64.0.0/10), is disabled, or its firewall
// opening is restricted by a filter (exporters' firewallFilter/firewallRules with an interface or
// source match). The fix closes the global opening and opens the port on a private interface.
import { SyntaxKind as K } from "../../nix/syntax.js";
import { replaceNode } from "../../nix/edit.js";
import { staticValue } from "../../nix/values.js";
import { isDead, segmentsMatch } from "../shared/scope.js";
import { addInterfacePorts, privateInterface } from "./private-interface.js";
import { UNAUTHENTICATED_SERVICES, type UnauthenticatedService } from "./unauthenticated-services.js";
import type { NixFileContext, Rule, TextEdit } from "../types.js";
import { hostExample } from "../shared/examples.js";
import { nixosManual } from "../shared/references.js";

const LOOPBACK = /^(?:127\.\d+\.\d+\.\d+|::1|\[::1\]|localhost|unix:.*|\/.*)$/;
// Tailscale's address ranges (CGNAT 100.64.0.0/10, fd7a:115c:a1e0::/48): only the tailnet routes there.
const TAILSCALE = /^(?:100\.(?:6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.\d+\.\d+|\[?fd7a:115c:a1e0:[0-9a-f:]*\]?)$/i;
const VPN_ADDRESS_OPTIONS = ["networking.wireguard.interfaces.*.ips", "networking.wg-quick.interfaces.*.address"];

/** Addresses the file gives its WireGuard interfaces (`networking.wireguard.interfaces.wg0.ips`). */
function vpnAddresses(ctx: NixFileContext): Set<string> {
  const out = new Set<string>();
  for (const d of ctx.index.definitions) {
    if (isDead(d) || !VPN_ADDRESS_OPTIONS.some((p) => segmentsMatch(d, p))) continue;
    const v = staticValue(d.inner);
    for (const a of Array.isArray(v) ? v : [v]) if (typeof a === "string") out.add(a.split("/")[0]!.trim().toLowerCase());
  }
  return out;
}

const RESTRICTING_FILTER = /(?:^|\s)(?:-i|-s|--in-interface|--source|iifname|iif|ip6? saddr|saddr)\s/;

function valuesOf(ctx: NixFileContext, path: string) {
  return (ctx.index.byPath.get(path) ?? []).filter((d) => !isDead(d));
}

/** Why the opening is harmless, or undefined when it exposes the service. */
function mitigation(ctx: NixFileContext, prefix: string, entry: UnauthenticatedService): string | undefined {
  for (const d of valuesOf(ctx, `${prefix}.enable`)) if (staticValue(d.inner) === false) return "disabled";
  for (const opt of entry.authOptions ?? []) {
    for (const d of valuesOf(ctx, `${prefix}.${opt}`)) if (staticValue(d.inner) !== null) return `authentication (${opt})`;
  }
  if (entry.authFlag) {
    for (const d of valuesOf(ctx, `${prefix}.${entry.authFlag.option}`)) if (entry.authFlag.pattern.test(d.inner?.text ?? "")) return "authentication flag";
  }
  for (const opt of entry.scopeOptions ?? []) {
    for (const d of valuesOf(ctx, `${prefix}.${opt}`)) if (RESTRICTING_FILTER.test(` ${(d.inner?.text ?? "").replace(/["']/g, " ")} `)) return `restricted by ${opt}`;
  }
  if (entry.listenOption) {
    const defs = valuesOf(ctx, `${prefix}.${entry.listenOption}`);
    if (defs.length === 0 && entry.listenDefaultLoopback) return "listens on loopback (default)";
    for (const d of defs) {
      const v = staticValue(d.inner);
      if (typeof v === "string" && LOOPBACK.test(v.trim())) return "listens on loopback";
      if (typeof v === "string" && (TAILSCALE.test(v.trim()) || vpnAddresses(ctx).has(v.trim().replace(/^\[|\]$/g, "").toLowerCase()))) return "listens on a VPN address";
    }
  }
  return undefined;
}

/** The module's argument set includes `config` (so `config.services...` can be written in it). */
function hasConfigArg(ctx: NixFileContext): boolean {
  const top = ctx.parsed.root.childNodes().find((c) => c.kind === K.NODE_LAMBDA);
  const pattern = top?.firstChild(K.NODE_PATTERN);
  return !!pattern?.childNodes().some((e) => e.kind === K.NODE_PAT_ENTRY && e.firstChild(K.NODE_IDENT)?.text === "config");
}

function portText(ctx: NixFileContext, prefix: string, entry: UnauthenticatedService): string | undefined {
  for (const d of valuesOf(ctx, `${prefix}.${entry.portOption}`)) {
    const v = staticValue(d.inner);
    if (typeof v === "number") return String(v);
  }
  if (entry.defaultPort !== undefined && !prefix.startsWith("services.redis.servers.")) return String(entry.defaultPort);
  return hasConfigArg(ctx) ? `config.${prefix}.${entry.portOption}` : undefined;
}

function checkNix(ctx: NixFileContext): void {
  for (const def of ctx.index.definitions) {
    if (def.segments[def.segments.length - 1]?.name !== "openFirewall" || def.segments[0]?.name !== "services") continue;
    const entry = UNAUTHENTICATED_SERVICES.find((e) => segmentsMatch(def, e.pattern));
    if (!entry || isDead(def) || staticValue(def.inner) !== true) continue;
    const prefix = def.path.slice(0, -".openFirewall".length);
    if (mitigation(ctx, prefix, entry)) continue;
    const iface = privateInterface([ctx]);
    const port = portText(ctx, prefix, entry);
    let edits: TextEdit[] | undefined;
    // Only to an interface the configuration has: an example one would cut every client off.
    if (def.inner && port && iface.known) {
      const add = addInterfacePorts(ctx, iface.name, "allowedTCPPorts", [port]);
      if (add) edits = [replaceNode(ctx.file, def.inner, "false"), add];
    }
    ctx.report({
      node: def.inner ?? def.binding,
      optionPath: def.path,
      severity: entry.severity,
      title: `${entry.service} opened on every interface without authentication`,
      message: `${def.path} = true opens ${entry.service}'s port on every interface, and ${entry.why}.`,
      fix: {
        safety: "review",
        description: `Set ${prefix}.openFirewall = false and open the port only on a private interface (networking.firewall.interfaces."${iface.name}".allowedTCPPorts${port ? ` = [ ${port} ]` : ""}; ${iface.why})${entry.authOptions ? `, or configure authentication (${entry.authOptions.join(" / ")})` : entry.authFlag ? `, or enable authentication (${entry.authFlag.option})` : ""}. Clients on other networks lose access.`,
        edits,
      },
    });
  }
}

export const openFirewallUnauthenticated: Rule = {
  id: "open-firewall-unauthenticated",
  examples: {
    fire: [
      hostExample(`{ services.prometheus.exporters.node = { enable = true; openFirewall = true; }; }\n`),
      hostExample(`{ services.prometheus.exporters.node = { enable = true; openFirewall = true; listenAddress = "0.0.0.0"; firewallFilter = "-p tcp -m tcp --dport 9100"; }; }\n`),
      // Apache Tika and a LiteLLM proxy without a master key, on every interface with their ports open.
      hostExample(`{ services.tika = { enable = true; listenAddress = "0.0.0.0"; openFirewall = true; }; }\n`),
      hostExample(`{ services.litellm = { enable = true; host = "0.0.0.0"; openFirewall = true; settings.model_list = [ ]; }; }\n`),
    ],
    silent: [
      hostExample(`{ services.prometheus.exporters.node = { enable = true; openFirewall = false; }; }\n`),
      hostExample(`{ services.prometheus.exporters.node = { enable = true; openFirewall = true; firewallFilter = "-i wg0 -p tcp -m tcp --dport 9100"; }; }\n`),
      hostExample(`{\n  networking.wireguard.interfaces.wg0.ips = [ "10.100.0.2/24" ];\n  services.prometheus.exporters.node = { enable = true; openFirewall = true; listenAddress = "10.100.0.2"; };\n}\n`),
      hostExample(`{ services.prometheus.exporters.smartctl = { enable = true; openFirewall = true; listenAddress = "100.101.102.103"; }; }\n`),
      hostExample(`{ services.prometheus.exporters.node = { enable = true; openFirewall = true; listenAddress = "127.0.0.1"; }; }\n`),
      // Tika left on its loopback default; LiteLLM with a master key from a secret.
      hostExample(`{ services.tika = { enable = true; openFirewall = true; }; }\n`),
      hostExample(`{ services.litellm = { enable = true; host = "0.0.0.0"; openFirewall = true; settings.general_settings.master_key = "os.environ/LITELLM_MASTER_KEY"; }; }\n`),
    ],
  },
  name: "openFirewall on a service without authentication",
  category: "firewall",
  severity: "medium",
  rationale:
    "A service's openFirewall option opens its port on every interface. For services that answer without authentication by default (Prometheus exporters, Alertmanager, Redis without a password, Ollama, Scrutiny, Glances, Apache Tika, a LiteLLM proxy without a master key) that hands the service to anyone on any network the host reaches.",
  fix: 'Leave openFirewall off and open the port on a private interface (networking.firewall.interfaces."tailscale0".allowedTCPPorts), or configure the service\'s authentication first.',
  references: [
    nixosManual("Firewall", "sec-firewall"),
    ...UNAUTHENTICATED_SERVICES.flatMap((e) => e.references).filter((r, i, all) => all.findIndex((x) => x.url === r.url) === i),
  ],
  compliance: { cis: ["3.5 Firewall Configuration", "2.2 Special Purpose Services"], nist: ["PR.IR-01", "PR.AA-03"] },
  checkNix,
};
