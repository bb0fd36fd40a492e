// Which interface to suggest for a port that should only be reachable from the host's own private
// network: the Tailscale interface when Tailscale is on, else a WireGuard interface the host
// defines, else `tailscale0` as the example the user replaces. Only an interface the host defines
// is "known" (a fix may move ports to it): a name that only appears in firewall rules
// (`networking.firewall.interfaces.wg0`, trustedInterfaces) may be an interface the host does not
// have, and moving ports there would cut every client off (truxnell/nix-config daedalus: wg0 only
// in the minio module's firewall rules, judged harmful). Definitions that do not act on the host
// (dead code, behind a gate the host leaves off) are not read.
import { staticBool, staticValue } from "../../nix/values.js";
import type { OptionDefinition } from "../../nix/options.js";
import { isDead } from "../shared/scope.js";
import type { NixFileContext, TextEdit } from "../types.js";
import { appendToList, setOption } from "../../nix/edit.js";
import { listOf } from "../shared/edits.js";
import { classifyInterface } from "./interfaces.js";

export interface PrivateInterface {
  name: string;
  /** Found in the configuration (as opposed to the example). */
  known: boolean;
  why: string;
  /** The address ranges of the network behind it, when the configuration says (WireGuard `ips`,
   * wg-quick `address`, Tailscale's CGNAT range). */
  ranges?: string[];
}

/** Does a definition of a file act on the host (absent: every live one does)? */
export type Acts = (file: NixFileContext, def: OptionDefinition) => boolean;

export const TAILSCALE_RANGES = ["100.64.0.0/10", "fd7a:115c:a1e0::/48"];

export function privateInterface(files: NixFileContext[], acts: Acts = () => true): PrivateInterface {
  const live = (f: NixFileContext, d: OptionDefinition) => !isDead(d) && acts(f, d);
  for (const f of files) {
    for (const d of f.index.byPath.get("services.tailscale.enable") ?? []) {
      if (live(f, d) && staticBool(d.inner) === true) {
        const name = (f.index.byPath.get("services.tailscale.interfaceName") ?? []).map((x) => x.inner?.text.replace(/^"|"$/g, "")).find((n) => n && /^[\w.-]+$/.test(n));
        return { name: name ?? "tailscale0", known: true, why: "Tailscale is enabled", ranges: TAILSCALE_RANGES };
      }
    }
  }
  for (const f of files) {
    for (const d of f.index.definitions) {
      const s = d.segments;
      if (s.length >= 4 && s[0]!.name === "networking" && (s[1]!.name === "wireguard" || s[1]!.name === "wg-quick") && s[2]!.name === "interfaces" && !s[3]!.dynamic && live(f, d)) {
        const name = s[3]!.name;
        const prefix = `networking.${s[1]!.name}.interfaces.${name}.`;
        if (egressTunnel(files, prefix, live)) continue;
        const ranges = files.flatMap((g) => g.index.definitions.filter((x) => (x.path === `${prefix}ips` || x.path === `${prefix}address`) && live(g, x)).flatMap((x) => {
          const v = staticValue(x.inner);
          return Array.isArray(v) ? v.filter((r): r is string => typeof r === "string") : [];
        }));
        return { name, known: true, why: `the WireGuard interface ${name} is defined`, ...(ranges.length ? { ranges } : {}) };
      }
    }
  }
  // Names firewall settings use: the interface may not exist on this host unless the configuration
  // defines it (networking.interfaces.<name>, a systemd-networkd netdev of that name), so no fix
  // moves ports there otherwise; the description still names it for the user to check.
  const defined = (name: string) =>
    files.some((f) =>
      f.index.definitions.some(
        (d) =>
          live(f, d) &&
          ((d.segments.length >= 3 && d.path.startsWith("networking.interfaces.") && d.segments[2]!.name === name) ||
            (/^systemd\.network\.netdevs\.[^.]+\.netdevConfig\.Name$/.test(d.path) && staticValue(d.inner) === name)),
      ),
    );
  const candidate = (name: string, why: string): PrivateInterface =>
    defined(name) ? { name, known: true, why } : { name, known: false, why: `${why}, but nothing in the configuration defines it: check that the host has it` };
  for (const f of files) {
    for (const d of f.index.byPath.get("networking.firewall.trustedInterfaces") ?? []) {
      if (!live(f, d)) continue;
      const v = staticValue(d.inner);
      const name = Array.isArray(v) ? v.find((x): x is string => typeof x === "string" && classifyInterface(x) === "overlay") : undefined;
      if (name) return candidate(name, `${name} is already a trusted interface`);
    }
  }
  for (const f of files) {
    for (const d of f.index.definitions) {
      const s = d.segments;
      if (s.length >= 4 && s[0]!.name === "networking" && s[1]!.name === "firewall" && s[2]!.name === "interfaces" && !s[3]!.dynamic && classifyInterface(s[3]!.name) === "overlay" && live(f, d)) {
        return candidate(s[3]!.name, `${s[3]!.name} already has its own firewall rules`);
      }
    }
  }
  return { name: "tailscale0", known: false, why: "example: replace tailscale0 with your VPN or management interface" };
}

/**
 * A WireGuard interface that is not the host's private network: moved into another network
 * namespace (`interfaceNamespace`: the host's firewall never sees it), or a tunnel out to a VPN
 * provider (a peer whose allowedIPs is the whole Internet, 0.0.0.0/0 or ::/0). pborzenkov-nix-config
 * rock's `amsterdam`, a ProtonVPN tunnel in its own netns, was offered as the place for PostgreSQL's
 * port, which would cut off the LAN clients pg_hba admits (judged harmful).
 */
function egressTunnel(files: NixFileContext[], prefix: string, live: (f: NixFileContext, d: OptionDefinition) => boolean): boolean {
  for (const g of files) {
    for (const x of g.index.definitions) {
      if (!x.path.startsWith(prefix) || !live(g, x)) continue;
      const rest = x.path.slice(prefix.length);
      if (rest === "interfaceNamespace" && typeof staticValue(x.inner) === "string") return true;
      if (/(?:^|\.)allowedIPs$/.test(rest) || /^peers\b/.test(rest)) {
        const v = staticValue(x.inner);
        const all = (xs: unknown): boolean => (Array.isArray(xs) ? xs.some(all) : typeof xs === "string" ? xs === "0.0.0.0/0" || xs === "::/0" : xs !== null && typeof xs === "object" ? Object.values(xs).some(all) : false);
        if (all(v)) return true;
      }
    }
  }
  return false;
}

/** An IPv4 address (or a subnet's address) inside a CIDR range. */
export function withinRange(address: string, range: string): boolean {
  const ip = (a: string) => {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(a);
    return m ? m.slice(1).reduce((n, o) => n * 256 + Number(o), 0) : undefined;
  };
  const [net, bits] = range.split("/");
  const a = ip(address.split("/")[0]!);
  const n = ip(net!);
  const len = bits === undefined ? 32 : Number(bits);
  if (a === undefined || n === undefined || !(len >= 0 && len <= 32)) return false;
  const size = 2 ** (32 - len);
  return Math.floor(a / size) === Math.floor(n / size) && (address.includes("/") ? Number(address.split("/")[1]) >= len : true);
}

/** Add ports to `networking.firewall.interfaces.<if>.<option>` in a file: append to an existing list
 * literal, else create the option next to the nearest firewall set. */
export function addInterfacePorts(ctx: NixFileContext, iface: string, option: string, ports: string[]): TextEdit | undefined {
  const path = ["networking", "firewall", "interfaces", iface, option];
  const dotted = `networking.firewall.interfaces.${/^[a-zA-Z_][\w'-]*$/.test(iface) ? iface : JSON.stringify(iface)}.${option}`;
  const existing = (ctx.index.byPath.get(dotted) ?? []).find((d) => d.conditions.length === 0 && listOf(d.inner));
  if (existing) return appendToList(ctx.file, ctx.text, listOf(existing.inner)!, ports.join(" "));
  if ((ctx.index.byPath.get(dotted) ?? []).length > 0) return undefined; // defined some other way: leave it to the user
  return setOption(ctx.file, ctx.text, ctx.parsed.root, ctx.index, path, `[ ${ports.join(" ")} ]`);
}
