// open-proxy: a SOCKS or HTTP proxy that asks no credentials, listening on every interface with
// its port reachable from other machines: 3proxy with `auth = [ "none" ]` (jpetrucciani-nix's
// luna, found by an admin, missed), microsocks without a user (services.microsocks.authUsername
// unset) on a non-loopback address. Anyone who reaches it relays traffic through the host: into
// the LAN, the tailnet or the services bound to localhost, and abuse traffic that comes back to
// the host's address. Medium; silent while the port is not opened (loopback, or the firewall
// keeps it to the host) or the proxy binds a loopback address.
import { staticValue } from "../../nix/values.js";
import { hostExample } from "../shared/examples.js";
import { opened } from "../shared/open-ports.js";
import { nixosOption } from "../shared/references.js";
import { effectiveValue, isDead, scoped, type Scope } from "../shared/scope.js";
import type { Rule } from "../types.js";

const LOOPBACK = /^(?:127\.|::1$|\[::1\]$|localhost$)/;
const DEFAULT_3PROXY_PORT: Record<string, number> = { socks: 1080, proxy: 3128, pop3p: 110, ftppr: 21, tcppm: 0, udppm: 0 };

function check3proxy(scope: Scope): void {
  const defs = ['services."3proxy".services', "services.3proxy.services"].flatMap((path) => scope.definitions(path));
  if (defs.length === 0) return;
  const en = effectiveValue([...scope.definitions('services."3proxy".enable'), ...scope.definitions("services.3proxy.enable")]);
  if (en.kind === "known" && en.value === false) return;
  for (const d of defs) {
    if (isDead(d.def) || !d.def.inner) continue;
    const list = staticValue(d.def.inner);
    if (!Array.isArray(list)) continue;
    for (const svc of list) {
      if (!svc || typeof svc !== "object" || Array.isArray(svc)) continue;
      const s = svc as Record<string, unknown>;
      const auth = s.auth;
      if (!Array.isArray(auth) || auth.length !== 1 || auth[0] !== "none") continue;
      const type = typeof s.type === "string" ? s.type : "";
      const bind = typeof s.bindAddress === "string" ? s.bindAddress : "[::]";
      if (LOOPBACK.test(bind)) continue;
      const port = typeof s.bindPort === "number" ? s.bindPort : DEFAULT_3PROXY_PORT[type];
      if (!port) continue;
      const open = opened(scope, port);
      if (!open) continue;
      scope.report(d.file, {
        node: d.def.inner,
        optionPath: d.def.path,
        key: `3proxy:${type}:${port}`,
        severity: "medium",
        title: "Open proxy without authentication",
        message: `3proxy's ${type || "proxy"} service on ${bind}:${port} has auth = [ "none" ]: anyone who reaches the port relays traffic through the host (into the networks it reaches and the services bound to its localhost, and abuse that comes back to its address). The port is reachable from other machines: ${open}.`,
        fix: { safety: "manual", description: 'Use auth = [ "strong" ] with users, or "iponly" with an acl listing the client networks, and bind it to the interface that needs it (bindAddress) instead of every address.' },
      });
    }
  }
}

function checkMicrosocks(scope: Scope): void {
  const en = effectiveValue(scope.definitions("services.microsocks.enable"));
  if (en.kind !== "known" || en.value !== true || !en.at) return;
  const ip = effectiveValue(scope.definitions("services.microsocks.ip"));
  const addr = ip.kind === "known" && typeof ip.value === "string" ? ip.value : ip.kind === "unset" ? "127.0.0.1" : undefined;
  if (addr === undefined || LOOPBACK.test(addr)) return;
  const user = effectiveValue(scope.definitions("services.microsocks.authUsername"));
  if (user.kind !== "unset" && !(user.kind === "known" && user.value === null)) return;
  const p = effectiveValue(scope.definitions("services.microsocks.port"));
  const port = p.kind === "known" && typeof p.value === "number" ? p.value : p.kind === "unset" ? 1080 : undefined;
  if (!port) return;
  const open = opened(scope, port);
  if (!open) return;
  const at = ip.kind === "known" && ip.at ? ip.at : en.at;
  scope.report(at.file, {
    node: at.def.inner ?? at.def.binding,
    optionPath: at.def.path,
    key: "microsocks",
    severity: "medium",
    title: "Open proxy without authentication",
    message: `microsocks listens on ${addr}:${port} with no user (services.microsocks.authUsername unset): anyone who reaches the port relays traffic through the host. The port is reachable from other machines: ${open}.`,
    fix: { safety: "manual", description: "Set services.microsocks.authUsername and authPasswordFile, or bind it to a loopback or VPN address and keep the port closed." },
  });
}

const checks = scoped((scope) => {
  check3proxy(scope);
  checkMicrosocks(scope);
});

export const openProxy: Rule = {
  id: "open-proxy",
  examples: {
    fire: [
      hostExample(`{\n  services."3proxy" = {\n    enable = true;\n    services = [ { type = "socks"; auth = [ "none" ]; } ];\n  };\n  networking.firewall.allowedTCPPorts = [ 1080 ];\n}\n`),
      hostExample(`{\n  services.microsocks = { enable = true; ip = "0.0.0.0"; };\n  networking.firewall.enable = false;\n}\n`),
    ],
    silent: [
      // Users required.
      hostExample(`{\n  services."3proxy" = {\n    enable = true;\n    services = [ { type = "socks"; auth = [ "strong" ]; } ];\n  };\n  networking.firewall.allowedTCPPorts = [ 1080 ];\n}\n`),
      // The port stays closed.
      hostExample(`{\n  services."3proxy" = {\n    enable = true;\n    services = [ { type = "proxy"; auth = [ "none" ]; } ];\n  };\n}\n`),
      // microsocks on loopback (its default).
      hostExample(`{\n  services.microsocks.enable = true;\n  networking.firewall.allowedTCPPorts = [ 1080 ];\n}\n`),
    ],
  },
  name: "Open proxy without authentication",
  category: "firewall",
  severity: "medium",
  rationale:
    "A SOCKS or HTTP proxy that asks no credentials relays anyone's traffic: into the networks the host reaches, to services bound to its localhost, and abuse that is traced back to the host.",
  fix: "Require credentials (3proxy auth = [ \"strong\" ], microsocks authUsername) or an ACL of client networks, and bind the proxy to the interface that needs it.",
  references: [nixosOption('services."3proxy".services'), nixosOption("services.microsocks.authUsername")],
  compliance: { cis: ["2.2 Special Purpose Services"], nist: ["PR.AA-05", "PR.IR-01"] },
  ...checks,
};
