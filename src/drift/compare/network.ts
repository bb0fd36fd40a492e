// Hostname, resolvers and listening sockets. A socket reachable from other hosts that no declared
// service owns and no declared firewall opening explains is the security-relevant case: critical
// when nothing stands between it and the network, high otherwise. DNS and the hostname are low.
import type { Severity } from "../../report/schema.js";
import type { DeclaredState } from "../declared/schema.js";
import { isWildcard } from "../parse/proc-net.js";
import type { FirewallFacts } from "../probes/firewall.js";
import type { NetworkFacts } from "../probes/network.js";
import type { DriftItemX } from "../model.js";
import { adopt, item, nixString, nixStrings, optionPath, revert, type CompareContext } from "./common.js";
import { portAllowed } from "./firewall.js";

export function compareNetwork(declared: DeclaredState, actual: NetworkFacts, ctx: CompareContext, extra: { firewall?: FirewallFacts; generatedUnits?: string[] } = {}): DriftItemX[] {
  const items: DriftItemX[] = [];

  const want = declared.hostName;
  const kernel = actual.hostname.kernel;
  const etc = actual.hostname.etc;
  const have = kernel ?? etc;
  if (want && have && want !== have) {
    items.push(
      item({
        category: "network",
        subject: "hostname",
        severity: "low",
        declared: { hostName: want },
        actual: { kernel: kernel ?? null, etcHostname: etc ?? null },
        evidence: `The machine calls itself ${have}${kernel && etc && kernel !== etc ? ` (kernel) / ${etc} (/etc/hostname)` : ""}; networking.hostName is ${want}.`,
        remediation: [
          revert("review", "Set the declared hostname (the next boot applies /etc/hostname too).", [["hostname", "--", want]], ["sh", "-c", '[ "$(hostname)" != "$1" ]', "sh", want]),
          adopt("networking.hostName", `networking.hostName = ${nixString(have)};`, "Declare the name the machine uses (this also renames the host's configuration output)."),
        ],
      }),
    );
  }

  if (declared.nameservers.length && actual.resolvers) {
    const have = actual.resolvers.nameservers;
    const missing = declared.nameservers.filter((n) => !have.includes(n));
    const added = have.filter((n) => !declared.nameservers.includes(n));
    if (missing.length || added.length) {
      items.push(
        item({
          category: "network",
          subject: "nameservers",
          severity: "low",
          declared: { nameservers: declared.nameservers },
          actual: { nameservers: have, file: actual.resolvers.file },
          evidence: `${actual.resolvers.file} uses ${have.join(", ") || "no resolvers"}; networking.nameservers is ${declared.nameservers.join(", ")}.` + (missing.length ? ` Missing: ${missing.join(", ")}.` : "") + (added.length ? ` Not declared: ${added.join(", ")}.` : ""),
          cause: actual.resolvers.modifiedAt ? { description: `${actual.resolvers.file} last written`, when: actual.resolvers.modifiedAt, source: "file mtime" } : undefined,
          remediation: [
            revert("review", "Regenerate resolv.conf from the declared resolvers.", [["resolvconf", "-u"]]),
            adopt("networking.nameservers", `networking.nameservers = ${nixStrings(have)};`, "Declare the resolvers in use (DHCP-provided ones do not belong here)."),
          ],
        }),
      );
    }
  }

  const generated = new Set(extra.generatedUnits ?? []);
  const fwState = extra.firewall?.state;
  for (const s of actual.listening ?? []) {
    const units = [...new Set(s.owners.map((o) => o.unit).filter((u): u is string => !!u))];
    const ownerUnit = units[0];
    const svc = ownerUnit?.endsWith(".service") ? declared.services[ownerUnit.replace(/\.service$/, "")] : undefined;
    const declaredOff = svc?.enable === false;
    const managed = ownerUnit !== undefined && (generated.has(ownerUnit) || (svc !== undefined && svc.enable));
    const declaredOpenPort = portAllowed(declared.firewall, s.proto, s.port);
    if (managed && !declaredOff) continue; // a declared service doing what it is declared to do
    if (!managed && declaredOpenPort) continue; // the configuration opens the port: listening there is expected
    const firewallOff = declared.firewall.enable === false || (fwState !== undefined && fwState.inputPolicyAccept);
    const openByRule = fwState?.open.some((o) => o.proto === s.proto && o.from <= s.port && o.to >= s.port && !o.iface) ?? false;
    const exposed = firewallOff || openByRule || declaredOpenPort;
    const severity: Severity = declaredOff || exposed ? "critical" : "high";
    const addr = s.family === 6 ? `[${s.address}]:${s.port}` : `${s.address}:${s.port}`;
    const who = s.owners.length ? s.owners.map((o) => `${o.comm ?? "?"} (pid ${o.pid}${o.unit ? `, ${o.unit}` : ""})`).join(", ") : "an unknown process";
    items.push(
      item({
        category: "network",
        subject: `listening ${s.proto} ${addr}`,
        key: `${s.proto}\0${s.family}\0${s.address}\0${s.port}`,
        severity,
        declared: declaredOff ? { service: ownerUnit, enable: false } : null,
        actual: { proto: s.proto, address: s.address, port: s.port, owners: s.owners, allInterfaces: isWildcard(s.address) },
        evidence:
          `${who} listens on ${s.proto} ${addr}${isWildcard(s.address) ? " (all interfaces)" : ""}` +
          (declaredOff ? `, but the configuration declares ${ownerUnit} disabled` : ownerUnit ? `; ${ownerUnit} is not declared` : "; no declared service owns it") +
          `. ${exposed ? "Nothing in the firewall stops other hosts from reaching it." : fwState ? "The loaded firewall blocks the port for now, but nothing declares this listener." : `The declared firewall does not open port ${s.port} (the loaded firewall was not checked here), and nothing declares this listener.`}`,
        remediation: [
          ownerUnit
            ? revert("manual", `Security-sensitive: find out who started ${ownerUnit} and why (journalctl -u ${ownerUnit}), then stop and disable it.`, [["systemctl", "disable", "--now", "--", ownerUnit]], ["systemctl", "is-active", "--quiet", "--", ownerUnit])
            : revert("manual", `Security-sensitive: identify the process (ss -${s.proto === "tcp" ? "t" : "u"}lnp 'sport = :${s.port}') and stop it.`),
          adopt(
            `networking.firewall.allowed${s.proto.toUpperCase()}Ports`,
            `networking.firewall.allowed${s.proto.toUpperCase()}Ports = [ ${s.port} ];`,
            `If the listener is intended, declare ${ownerUnit ? `${ownerUnit} (${optionPath("systemd", "services", ownerUnit.replace(/\.service$/, ""))}, see its service item)` : "the service that owns it"} and, if other hosts should reach it, its port.`,
          ),
        ],
      }),
    );
  }
  return items;
}
