// Which interface to suggest for a port that should only be reachable from the host's own private
// network: the Tailscale interface when Tailscale is on, else a WireGuard interface the file
// defines, else `tailscale0` as the example the user replaces.
import { staticBool, staticValue } from "../../nix/values.js";
import type { NixFileContext, TextEdit } from "../types.js";
import { appendToList, setOption } from "../../nix/edit.js";
import { listOf } from "../shared/edits.js";
import { classifyInterface } from "./interfaces.js";

export interface PrivateInterface {
  name: string;
  /** Found in the configuration (as opposed to the example). */
  known: boolean;
  why: string;
}

export function privateInterface(files: NixFileContext[]): PrivateInterface {
  for (const f of files) {
    for (const d of f.index.byPath.get("services.tailscale.enable") ?? []) {
      if (staticBool(d.inner) === true) {
        const name = (f.index.byPath.get("services.tailscale.interfaceName") ?? []).map((x) => x.inner?.text.replace(/^"|"$/g, "")).find((n) => n && /^[\w.-]+$/.test(n));
        return { name: name ?? "tailscale0", known: true, why: "Tailscale is enabled" };
      }
    }
  }
  for (const f of files) {
    for (const d of f.index.definitions) {
      const s = d.segments;
      if (s.length >= 4 && s[0]!.name === "networking" && (s[1]!.name === "wireguard" || s[1]!.name === "wg-quick") && s[2]!.name === "interfaces" && !s[3]!.dynamic) {
        return { name: s[3]!.name, known: true, why: `the WireGuard interface ${s[3]!.name} is defined` };
      }
    }
  }
  for (const f of files) {
    for (const d of f.index.byPath.get("networking.firewall.trustedInterfaces") ?? []) {
      const v = staticValue(d.inner);
      const name = Array.isArray(v) ? v.find((x): x is string => typeof x === "string" && classifyInterface(x) === "overlay") : undefined;
      if (name) return { name, known: true, why: `${name} is already a trusted interface` };
    }
  }
  for (const f of files) {
    for (const d of f.index.definitions) {
      const s = d.segments;
      if (s.length >= 4 && s[0]!.name === "networking" && s[1]!.name === "firewall" && s[2]!.name === "interfaces" && !s[3]!.dynamic && classifyInterface(s[3]!.name) === "overlay") {
        return { name: s[3]!.name, known: true, why: `${s[3]!.name} already has its own firewall rules` };
      }
    }
  }
  return { name: "tailscale0", known: false, why: "example: replace tailscale0 with your VPN or management interface" };
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
