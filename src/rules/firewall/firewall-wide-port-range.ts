// firewall-wide-port-range: `allowedTCPPortRanges` / `allowedUDPPortRanges` that open far more than
// a service needs. The threshold, and why:
// - Legitimate ranges are narrow or sit in the IANA dynamic range: the NixOS modules that open
//   ranges themselves stay at or under 1001 ports (mosh: UDP 60000-61000, KDE Connect: 1714-1764),
//   passive FTP uses tens to hundreds, and TURN/WebRTC relays use at most the whole dynamic range
//   49152-65535 (16384 ports, coturn's default).
// - A range larger than 16384 ports is larger than any one protocol uses and necessarily reaches
//   into the registered ports where databases and admin interfaces listen: always reported (high
//   when it covers a known sensitive port, see ports.ts).
// - A range of more than 1024 ports (more than the whole privileged range) is reported when it
//   covers a sensitive port below 49152: whatever starts listening there later is exposed.
// Per-interface ranges count only on physical interfaces (an overlay such as tailscale0 reaches
// only chosen peers).
import type { SyntaxNode } from "../../nix/syntax.js";
import { staticValue } from "../../nix/values.js";
import { isDead } from "../shared/scope.js";
import { listOf } from "../shared/edits.js";
import { isPhysical } from "./interfaces.js";
import { sensitiveInRange } from "./ports.js";
import type { NixFileContext, Rule } from "../types.js";
import { hostExample } from "../shared/examples.js";
import { nixosOption } from "../shared/references.js";

/** More ports than this in one range is never one service's need. */
export const HUGE_RANGE = 16384;
/** More ports than this is wide enough to matter when it covers a sensitive port. */
export const WIDE_RANGE = 1024;
/** Sensitive ports inside a wide range are counted below the dynamic range. */
const DYNAMIC_START = 49152;

function checkNix(ctx: NixFileContext): void {
  for (const def of ctx.index.definitions) {
    const s = def.segments;
    if (s[0]?.name !== "networking" || s[1]?.name !== "firewall" || isDead(def)) continue;
    const last = s[s.length - 1]!.name;
    if (last !== "allowedTCPPortRanges" && last !== "allowedUDPPortRanges") continue;
    let iface: string | undefined;
    if (s.length === 5 && s[2]!.name === "interfaces") {
      if (s[3]!.dynamic || !isPhysical(s[3]!.name)) continue;
      iface = s[3]!.name;
    } else if (s.length !== 3) continue;
    const protocol = last === "allowedTCPPortRanges" ? "tcp" : "udp";
    const list = listOf(def.inner);
    if (!list) continue;
    for (const el of list.childNodes()) checkRange(ctx, def.path, el, protocol, iface);
  }
}

function checkRange(ctx: NixFileContext, optionPath: string, el: SyntaxNode, protocol: "tcp" | "udp", iface: string | undefined): void {
  const v = staticValue(el);
  if (typeof v !== "object" || v === null || Array.isArray(v)) return;
  const from = (v as Record<string, unknown>).from;
  const to = (v as Record<string, unknown>).to;
  if (typeof from !== "number" || typeof to !== "number" || to < from) return;
  const size = to - from + 1;
  const sensitive = sensitiveInRange(from, to, protocol).filter((x) => x.port < DYNAMIC_START);
  const huge = size > HUGE_RANGE;
  if (!huge && !(size > WIDE_RANGE && sensitive.length > 0)) return;
  // The worst first: services that answer without authentication, databases before the rest.
  const rank = { critical: 0, high: 1, medium: 2, low: 3, info: 4 } as const;
  const kinds = { database: 0, admin: 1, cluster: 2, metrics: 3 } as const;
  const byService = new Map<string, { row: (typeof sensitive)[number]["row"]; ports: number[] }>();
  for (const x of sensitive) {
    const e = byService.get(x.row.service);
    if (e) e.ports.push(x.port);
    else byService.set(x.row.service, { row: x.row, ports: [x.port] });
  }
  const ordered = [...byService.values()].sort((a, b) => rank[a.row.severity] - rank[b.row.severity] || kinds[a.row.kind] - kinds[b.row.kind] || a.ports[0]! - b.ports[0]!);
  const names = ordered.map((e) => `${e.row.service} (${e.ports.join(", ")})`);
  const shown = names.slice(0, 5).join(", ") + (names.length > 5 ? `, and ${names.length - 5} more services` : "");
  const on = iface ? `on ${iface}, a physical interface` : "on every interface";
  const why = huge
    ? `${size} ${protocol.toUpperCase()} ports: more than the whole dynamic range (${HUGE_RANGE} ports), which no single service needs`
    : `${size} ${protocol.toUpperCase()} ports, wider than ${WIDE_RANGE}`;
  ctx.report({
    node: el,
    optionPath,
    key: `${protocol}:${from}-${to}`,
    severity: huge && sensitive.length > 0 ? "high" : "medium",
    title: `Firewall opens ${protocol.toUpperCase()} ports ${from}-${to}`,
    message: `${optionPath} opens ${from}-${to} ${on}: ${why}${sensitive.length ? `, including ports where ${shown} listen` : ""}. Anything that listens in this range, now or later, is reachable.`,
    evidence: `${optionPath}: { from = ${from}; to = ${to}; } (${size} ports)`,
    fix: {
      safety: "manual",
      description: `Replace the range with the ports the service actually uses (allowed${protocol.toUpperCase()}Ports), or scope it to a private interface (networking.firewall.interfaces."tailscale0".allowed${protocol.toUpperCase()}PortRanges).`,
    },
  });
}

export const firewallWidePortRange: Rule = {
  id: "firewall-wide-port-range",
  examples: {
    fire: [hostExample(`{ networking.firewall.allowedTCPPortRanges = [ { from = 1024; to = 65535; } ]; }\n`)],
    silent: [hostExample(`{ networking.firewall.allowedUDPPortRanges = [ { from = 60000; to = 60010; } ]; }\n`)],
  },
  name: "Wide firewall port range",
  category: "firewall",
  severity: "medium",
  rationale:
    "A wide port range opens ports nobody chose: any service that later listens inside it (a database, a debug endpoint, a development server bound to 0.0.0.0) is reachable without a firewall change anyone reviews.",
  fix: "Open the specific ports a service needs, or restrict the range to a private interface with networking.firewall.interfaces.<name>.allowedTCPPortRanges.",
  references: [
    nixosOption("networking.firewall.allowedTCPPortRanges"),
    nixosOption("networking.firewall.interfaces"),
    { title: "RFC 6335: port number ranges (dynamic ports 49152-65535)", url: "https://www.rfc-editor.org/rfc/rfc6335#section-6" },
  ],
  compliance: { cis: ["3.5 Firewall Configuration"], nist: ["PR.IR-01", "PR.PS-01"] },
  checkNix,
};
