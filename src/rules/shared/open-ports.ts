// How the rules about exposed services read what the NixOS firewall opens: the list literals of a
// port option, and whether the firewall is off with nothing in its place.
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import type { RuleReport } from "../types.js";
import { effectiveValue, isDead, isDisabled, type Scope, type ScopedDef } from "./scope.js";
import { staticValue } from "../../nix/values.js";
import { resolveValue } from "./syntax.js";

/** Every list literal inside a value (`[ 22 ] ++ lib.optionals x [ 3000 ]`): where its ports are written. */
export function listLiterals(value: SyntaxNode | undefined): SyntaxNode[] {
  if (!value) return [];
  return [...(value.kind === K.NODE_LIST ? [value] : []), ...value.descendants(K.NODE_LIST)];
}

/** networking.firewall.enable = false: "open" when nothing is in its place (every port is open to
 * every network), "ruleset" when the host writes its own nftables ruleset (firewall-raw-ruleset
 * judges it); undefined while the firewall is on. */
export function firewallOff(scope: Scope): "open" | "ruleset" | undefined {
  const fw = effectiveValue(scope.definitions("networking.firewall.enable"));
  if (fw.kind !== "known" || fw.value !== false) return undefined;
  return scope.definitions("networking.nftables.ruleset").some((d) => !isDead(d.def)) ? "ruleset" : "open";
}

/** How a port is reachable from every network (the firewall off, or the port in
 * networking.firewall.allowedTCPPorts, as a number, a let-bound name or Grafana's port option),
 * or undefined. */
export function opened(scope: Scope, port: number): string | undefined {
  const off = firewallOff(scope);
  if (off) return off === "open" ? "the firewall is off (networking.firewall.enable = false)" : undefined;
  for (const { def } of scope.definitions("networking.firewall.allowedTCPPorts")) {
    if (isDead(def)) continue;
    for (const list of listLiterals(def.inner)) {
      for (const el of list.childNodes()) {
        const v = staticValue(el.kind === K.NODE_IDENT ? resolveValue(el) : el);
        if (v === port) return `networking.firewall.allowedTCPPorts contains ${port}`;
        if (el.kind === K.NODE_SELECT && /^config\.services\.grafana\.settings\.server\.http_port$/.test(el.text.replace(/\s+/g, ""))) return `networking.firewall.allowedTCPPorts contains ${el.text}`;
      }
    }
  }
  return undefined;
}

const VHOSTS = "services.nginx.virtualHosts";

/** What a virtual host publishedByNginx found does, for a finding's message: `nginx's virtual host
 * V<where> proxies to <target> with no login in front (...) while <what opens it>`. */
export function unguardedProxyText(pub: { vhost: string; open: string }, target: string, where = ""): string {
  return `nginx's virtual host ${pub.vhost}${where} proxies to ${target} with no login in front (no basicAuth, auth_request, allow/deny or listen restriction) while ${pub.open}`;
}

export interface PublishedByNginx {
  at: ScopedDef;
  vhost: string;
  open: string;
}

/**
 * An nginx virtual host that proxies to a local service (`target` matches its proxyPass) with nothing asking for a login
 * first (basicAuth, auth_request, auth_basic, allow/deny, a client certificate, oauth2-proxy's nginx integration), nor listening only
 * on chosen addresses, on a host that opens 80 or 443 on every interface: the service is public
 * through it (any Host header reaches a name-based virtual host, a VPN-looking name
 * included). Electrostasy/dots hosts/phobos/prometheus.nix, judged missed.
 */
export function publishedByNginx(scope: Scope, target: RegExp, accept?: (at: ScopedDef) => boolean): PublishedByNginx | undefined {
  if (isDisabled(scope, "services.nginx.enable")) return undefined;
  for (const at of scope.matching(`${VHOSTS}.*.locations.*.proxyPass`)) {
    if (isDead(at.def) || !at.def.inner) continue;
    const text = at.def.inner.kind === K.NODE_STRING ? at.def.inner.text.slice(1, -1) : "";
    if (!target.test(text) || (accept && !accept(at))) continue;
    const vhost = at.def.segments[3]!;
    const same = (d: { segments: readonly { name: string; dynamic?: boolean }[] }) => d.segments.length > 4 && d.segments[3]!.name === vhost.name;
    const guarded = [`${VHOSTS}.*.basicAuth`, `${VHOSTS}.*.basicAuthFile`, `${VHOSTS}.*.listen`, `${VHOSTS}.*.listenAddresses`, `${VHOSTS}.*.extraConfig`, `${VHOSTS}.*.locations.*.basicAuth`, `${VHOSTS}.*.locations.*.basicAuthFile`, `${VHOSTS}.*.locations.*.extraConfig`]
      .flatMap((p) => scope.matching(p))
      .some(({ def }) => !isDead(def) && same(def) && (!/extraConfig$/.test(def.path) || /\b(?:auth_request|auth_basic|allow|deny|ssl_verify_client)\b/.test(def.inner?.text ?? "")));
    // oauth2-proxy's nginx integration puts auth_request on the virtual hosts it names.
    const sso = ["services.oauth2-proxy.nginx.virtualHosts", "services.oauth2-proxy.nginx.virtualHosts.*", "services.oauth2-proxy.nginx.virtualHosts.*.*"]
      .flatMap((p) => scope.matching(p))
      .some(({ def }) => !isDead(def) && (def.segments[4]?.name === vhost.name || (def.segments.length === 4 && (def.inner?.text ?? "").includes(vhost.name.replace(/^"|"$/g, "")))));
    if (guarded || sso) continue;
    const open = opened(scope, 80) ?? opened(scope, 443);
    if (!open) continue;
    return { at, vhost: vhost.dynamic ? vhost.name.replace(/^"|"$/g, "") : vhost.name, open };
  }
  return undefined;
}

/** Report a service publishedByNginx found, at the proxyPass that publishes it: medium (the virtual
 * host's name may only resolve on a private network, but the Host header is the client's to
 * choose). `message` is given ` on host H` in a host scan, or nothing. */
export function reportPublished(
  scope: Scope,
  pub: PublishedByNginx,
  finding: { key: string; title: string; message: (where: string) => string; fix: RuleReport["fix"] },
): void {
  const def = pub.at.def;
  const where = scope.kind === "host" ? ` on host ${scope.host}` : "";
  scope.report(pub.at.file, {
    node: def.inner ?? def.binding,
    optionPath: def.path,
    severity: "medium",
    key: finding.key,
    title: finding.title,
    message: finding.message(where),
    fix: finding.fix,
  });
}
