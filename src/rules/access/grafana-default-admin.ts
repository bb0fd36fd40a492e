// grafana-default-admin: Grafana listening beyond loopback (`services.grafana.settings.server.
// http_addr` = "0.0.0.0", "::" or "", every interface) with its port opened in the firewall (or the
// firewall off), and no admin password given (`settings.security.admin_password`, a
// `$__file{...}` reference or any value, nor an environment file of the unit that could hold
// GF_SECURITY_ADMIN_PASSWORD). Grafana then creates its admin account as admin/admin on first start:
// whoever reaches the port first logs in as the server admin (every dashboard and data source,
// the credentials Grafana keeps for them and queries through them, users and API keys). High;
// no password login at all (the login form and basic authentication off) is silent too;
// the message says the password may have been changed in the web UI since, which the repository
// cannot show. NixOS's default http_addr is 127.0.0.1 (silent, unless an nginx virtual host on an
// open port 80/443 proxies to it with no login in front: medium), as is a Unix socket
// (`protocol = "socket"`), a port left closed (a proxy in front), or a password given.
import { replaceNode } from "../../nix/edit.js";
import { staticValue } from "../../nix/values.js";
import { effectiveValue, isDead, isDisabled, scoped, type Scope } from "../shared/scope.js";
import { hostExample } from "../shared/examples.js";
import type { Rule } from "../types.js";
import { nixosOption } from "../shared/references.js";
import { opened, publishedByNginx, reportPublished, unguardedProxyText } from "../shared/open-ports.js";

const EVERY_INTERFACE = /^(?:0\.0\.0\.0|::|\[::\]|\*|)$/;
const SERVER = "services.grafana.settings.server";

/** An admin password is given some way (a value, a file reference, an environment file). */
function passwordGiven(scope: Scope): boolean {
  const defs = [
    ...scope.definitions("services.grafana.settings.security.admin_password"),
    ...scope.definitions('services.grafana.settings."security".admin_password'),
    ...scope.definitions("systemd.services.grafana.serviceConfig.EnvironmentFile"),
    ...scope.definitions("systemd.services.grafana.environment.GF_SECURITY_ADMIN_PASSWORD"),
    ...scope.definitions("systemd.services.grafana.environment.GF_SECURITY_ADMIN_PASSWORD__FILE"),
  ];
  if (defs.some((d) => !isDead(d.def) && staticValue(d.def.inner) !== null)) return true;
  // No password login at all: the login form off and HTTP basic authentication off (an SSO
  // provider logs people in).
  const is = (value: unknown, ...paths: string[]) => paths.some((p) => { const e = effectiveValue(scope.definitions(p)); return e.kind === "known" && (e.value === value || e.value === String(value)); });
  return is(true, "services.grafana.settings.auth.disable_login_form", 'services.grafana.settings."auth".disable_login_form') &&
    is(false, "services.grafana.settings.auth.basic.enabled", 'services.grafana.settings."auth.basic".enabled');
}

/** The port Grafana serves HTTP(S) on: its http_port (3000 unset), or undefined when it serves
 * another protocol (h2, a socket) or the port is not a literal. */
function httpPort(scope: Scope): number | undefined {
  const protocol = effectiveValue(scope.definitions(`${SERVER}.protocol`));
  if (protocol.kind !== "unset" && !(protocol.kind === "known" && (protocol.value === "http" || protocol.value === "https"))) return undefined;
  const portDef = effectiveValue(scope.definitions(`${SERVER}.http_port`));
  return portDef.kind === "known" && typeof portDef.value === "number" ? portDef.value : portDef.kind === "unset" ? 3000 : undefined;
}

function check(scope: Scope): void {
  if (isDisabled(scope, "services.grafana.enable")) return;
  const addr = effectiveValue(scope.definitions(`${SERVER}.http_addr`));
  if (addr.kind !== "known" || typeof addr.value !== "string" || !EVERY_INTERFACE.test(addr.value.trim())) {
    checkProxied(scope, addr.kind === "known" && typeof addr.value === "string" ? addr.value : undefined);
    return;
  }
  const port = httpPort(scope);
  if (port === undefined) return;
  const open = opened(scope, port);
  if (!open || passwordGiven(scope)) return;
  const def = addr.at.def;
  const where = scope.kind === "host" ? ` on host ${scope.host}` : "";
  scope.report(addr.at.file, {
    node: def.inner ?? def.binding,
    optionPath: def.path,
    severity: "high",
    key: `grafana:${port}`,
    title: "Grafana reachable from the network with the default admin password",
    message:
      `Grafana${where} listens on every interface (${def.path} = "${addr.value}") and ${open}, and no admin password is set (settings.security.admin_password): ` +
      `Grafana creates its admin account as admin/admin on first start, so whoever reaches port ${port} can log in as the server admin (every dashboard and data source, the credentials it keeps for them, users and API keys), unless the password was changed in the web UI since (the repository cannot show that).`,
    fix: {
      safety: "review",
      description:
        'Set services.grafana.settings.security.admin_password = "$__file{${config.age.secrets.grafana-admin.path}}" (a file from agenix or sops-nix, readable by grafana), and listen on loopback (http_addr = "127.0.0.1") behind a reverse proxy, or open the port only on a private interface (networking.firewall.interfaces.<name>.allowedTCPPorts). The edit below keeps Grafana on loopback: direct clients on other machines lose access.',
      edits: def.inner ? [replaceNode(addr.at.file.file, def.inner, '"127.0.0.1"')] : undefined,
    },
  });
}

/** proxyPass targets reaching Grafana on loopback. */
function grafanaTarget(port: number): RegExp {
  return new RegExp(`^https?://(?:127\\.0\\.0\\.1|localhost|\\[::1\\]):(?:${port}|\\$\\{\\s*toString\\s+config\\.services\\.grafana\\.settings\\.server\\.http_port\\s*\\})(?:/|$)`);
}

/** Grafana on loopback (its NixOS default) published by an nginx virtual host without a login in
 * front: medium (the password may have been changed in the web UI since; the name of the virtual
 * host may only resolve on a private network, but the Host header is the client's to choose). */
function checkProxied(scope: Scope, addr: string | undefined): void {
  if (addr !== undefined && !/^(?:127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])$/.test(addr.trim())) return;
  const enabled = effectiveValue(scope.definitions("services.grafana.enable"));
  if (enabled.kind !== "known" || enabled.value !== true) return;
  const port = httpPort(scope);
  if (port === undefined || passwordGiven(scope)) return;
  const pub = publishedByNginx(scope, grafanaTarget(port));
  if (!pub) return;
  reportPublished(scope, pub, {
    key: `grafana-proxied:${port}`,
    title: "Grafana published by nginx with the default admin password",
    message: (where) =>
      `Grafana${where} has no admin password set (settings.security.admin_password), so it created its admin account as admin/admin, and ${unguardedProxyText(pub, "it")}: ` +
      `whoever sends a request with that Host name to port 80 or 443 (any name, a VPN-looking one included, reaches a name-based virtual host) gets Grafana's login page and can log in as the server admin, unless the password was changed in the web UI since (the repository cannot show that).`,
    fix: {
      safety: "manual",
      description:
        'Set services.grafana.settings.security.admin_password = "$__file{${config.age.secrets.grafana-admin.path}}" (a file from agenix or sops-nix, readable by grafana); and keep the virtual host to the private network (listenAddresses on the VPN address, or allow/deny in its extraConfig) or put an authenticating proxy in front.',
    },
  });
}

export const grafanaDefaultAdmin: Rule = {
  id: "grafana-default-admin",
  examples: {
    fire: [
      hostExample(`{\n  services.grafana = {\n    enable = true;\n    settings.server = { http_addr = "0.0.0.0"; http_port = 3000; };\n  };\n  networking.firewall.allowedTCPPorts = [ 3000 ];\n}\n`),
      // The port through the option, the address empty (every interface).
      hostExample(`{ config, ... }: {\n  services.grafana = { enable = true; settings.server.http_addr = ""; settings.server.http_port = 3001; };\n  networking.firewall.allowedTCPPorts = [ 22 config.services.grafana.settings.server.http_port ];\n}\n`),
      // On loopback, but a virtual host on the open port 80 proxies to it with no login in front.
      hostExample(`{ config, ... }: {\n  services.grafana.enable = true;\n  services.nginx = {\n    enable = true;\n    virtualHosts."\${config.networking.hostName}.vpn.example.org".locations."/grafana/".proxyPass = "http://localhost:\${toString config.services.grafana.settings.server.http_port}";\n  };\n  networking.firewall.allowedTCPPorts = [ 80 443 ];\n}\n`),
    ],
    silent: [
      // Loopback behind a proxy: the NixOS default address.
      hostExample(`{\n  services.grafana = { enable = true; settings.server.http_addr = "127.0.0.1"; };\n  networking.firewall.allowedTCPPorts = [ 80 443 3000 ];\n}\n`),
      // An admin password from a file.
      hostExample(`{\n  services.grafana = {\n    enable = true;\n    settings.server.http_addr = "0.0.0.0";\n    settings.security.admin_password = "$__file{/run/secrets/grafana-admin}";\n  };\n  networking.firewall.allowedTCPPorts = [ 3000 ];\n}\n`),
      // Every interface, but the port stays closed (a proxy on the host in front).
      hostExample(`{\n  services.grafana = { enable = true; settings.server.http_addr = "0.0.0.0"; };\n  networking.firewall.allowedTCPPorts = [ 80 443 ];\n}\n`),
      // Published by nginx, but only to the VPN's clients (allow/deny), or with an admin password.
      hostExample(`{ config, ... }: {\n  services.grafana.enable = true;\n  services.nginx = {\n    enable = true;\n    virtualHosts."grafana.example.org" = {\n      locations."/".proxyPass = "http://127.0.0.1:3000";\n      extraConfig = "allow 100.64.0.0/10; deny all;";\n    };\n  };\n  networking.firewall.allowedTCPPorts = [ 80 443 ];\n}\n`),
      hostExample(`{\n  services.grafana = { enable = true; settings.security.admin_password = "$__file{/run/secrets/grafana-admin}"; };\n  services.nginx = { enable = true; virtualHosts."grafana.example.org".locations."/".proxyPass = "http://127.0.0.1:3000"; };\n  networking.firewall.allowedTCPPorts = [ 80 443 ];\n}\n`),
      // No password login at all: single sign-on only.
      hostExample(`{\n  services.grafana = {\n    enable = true;\n    settings.server.http_addr = "0.0.0.0";\n    settings.auth.disable_login_form = true;\n    settings."auth.basic".enabled = false;\n  };\n  networking.firewall.allowedTCPPorts = [ 3000 ];\n}\n`),
    ],
  },
  name: "Grafana reachable with the default admin password",
  category: "access",
  severity: "high",
  rationale:
    "Without security.admin_password Grafana creates its admin account as admin/admin on first start. Listening on every interface with the port open, anyone on the network can log in as the server admin before the password is changed, and read every data source through it.",
  fix: "Give the admin password from a file (admin_password = \"$__file{...}\" with agenix or sops-nix), and keep Grafana on loopback behind a reverse proxy or open its port only on a private interface.",
  references: [
    nixosOption("services.grafana.settings.security.admin_password"),
    { title: "Grafana configuration: admin_password", url: "https://grafana.com/docs/grafana/latest/setup-grafana/configure-grafana/#admin_password" },
  ],
  compliance: { cis: ["5.4 User Accounts and Environment"], nist: ["PR.AA-01"] },
  ...scoped(check),
};
