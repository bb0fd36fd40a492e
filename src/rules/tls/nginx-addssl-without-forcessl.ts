// Virtual hosts that serve the same site over plain HTTP and HTTPS: `addSSL = true` (nginx and
// httpd) without a redirect. `forceSSL` redirects HTTP to HTTPS, `onlySSL` (and the deprecated
// `enableSSL`) listens on HTTPS only, `rejectSSL` refuses HTTPS; NixOS asserts that at most one of
// them is set. A vhost that redirects by hand (`return 301 https://...`, `globalRedirect`) or sets
// its own `listen` lines is left alone.
import type { OptionDefinition, OptionIndex } from "../../nix/options.js";
import { staticValue } from "../../nix/values.js";
import { replaceNode } from "../../nix/edit.js";
import { isStaticallyDisabled, isTrue, serviceDisabledInFile } from "../nix-strings.js";
import type { Rule } from "../types.js";
import { hostExample } from "../shared/examples.js";
import { nixosOption } from "../shared/references.js";

/** `services.nginx.virtualHosts.<n>.addSSL` -> { service, vhost, prefix }. */
function vhostOf(def: OptionDefinition): { service: string; vhost: string; prefix: string } | undefined {
  const s = def.segments;
  if (s.length !== 5 || s[0]!.name !== "services" || s[2]!.name !== "virtualHosts") return undefined;
  if (s[1]!.name !== "nginx" && s[1]!.name !== "httpd") return undefined;
  return { service: s[1]!.name, vhost: s[3]!.name, prefix: def.path.slice(0, def.path.length - s[4]!.name.length - 1) };
}

function defsUnder(index: OptionIndex, prefix: string, rest: string): OptionDefinition[] {
  return index.byPath.get(`${prefix}.${rest}`) ?? [];
}

/** The vhost redirects HTTP itself or decides its own listeners: not ours to judge. */
function redirectsOrCustomListen(index: OptionIndex, prefix: string): boolean {
  if (defsUnder(index, prefix, "globalRedirect").length || defsUnder(index, prefix, "listen").length) return true;
  const redirect = /\breturn\s+30[1278]\s+https:\/\//;
  const texts = [
    ...defsUnder(index, prefix, "extraConfig"),
    ...defsUnder(index, prefix, 'locations."/".return'),
    ...defsUnder(index, prefix, 'locations."/".extraConfig'),
  ].map((d) => d.value?.text ?? "");
  if (texts.some((t) => redirect.test(t) || /^"30[1278]\s+https:\/\//.test(t.trim()))) return true;
  // httpd: a hand-written RewriteRule / Redirect to https.
  return texts.some((t) => /\bRedirect(?:Permanent)?\s+\S*\s*https:\/\/|RewriteRule\s+.*https:\/\//.test(t));
}

// Names that resolve only inside a VPN: Tailscale's MagicDNS (`<host>.<tailnet>.ts.net`) and
// private zones named after the VPN. Plain HTTP to them travels inside the VPN's encrypted tunnel.
// No public TLD has a single letter: such a zone is a private network's own (retiolum's `.r`).
const VPN_NAME = /(?:\.ts\.net|\.(?:vpn|wg|tailnet|tailscale|zt|nebula|headscale|netbird)|\.[a-z])\.?$/i;

/** Why the vhost's plain HTTP matters less: every name it answers to is only reachable over a VPN. */
function vpnOnly(index: OptionIndex, prefix: string, vhost: string): string | undefined {
  const aliases = defsUnder(index, prefix, "serverAliases").flatMap((d) => {
    const v = staticValue(d.value);
    return Array.isArray(v) ? v : [null];
  });
  const serverName = defsUnder(index, prefix, "serverName").map((d) => staticValue(d.value));
  const names = [...(serverName.length ? serverName : [vhost]), ...aliases];
  if (!names.every((n) => typeof n === "string" && VPN_NAME.test(n))) return undefined;
  return ` Rated info: ${names.join(", ")} ${names.length > 1 ? "resolve" : "resolves"} only inside a VPN (${/ts\.net\.?$/i.test(String(names[0])) ? "Tailscale MagicDNS" : "a VPN's private zone"}), so plain HTTP to it travels inside the VPN's encrypted tunnel and only VPN members can read or alter it; it matters again if the name is ever published or the vhost also answers on a public address (it is the default vhost or listens on 0.0.0.0).`;
}

/**
 * What the vhost serves, from its own definitions: "auth" when credentials cross it (basic auth,
 * auth_request), "app" when it hands requests to a program (proxyPass, FastCGI, uwsgi), "static"
 * when it only serves files (root, alias, tryFiles, return), undefined when nothing says.
 */
function servedContent(index: OptionIndex, prefix: string): "auth" | "app" | "static" | undefined {
  const mine = index.definitions.filter((d) => d.path.startsWith(`${prefix}.`));
  const rest = (d: OptionDefinition) => d.path.slice(prefix.length + 1);
  const text = (d: OptionDefinition) => d.value?.text ?? "";
  if (mine.some((d) => /^(?:basicAuth|basicAuthFile)\b|(?:^|\.)(?:basicAuth|basicAuthFile)$/.test(rest(d)) || /\bauth_(?:basic|request)\b|\bAuthType\b/.test(text(d)))) return "auth";
  if (mine.some((d) => /(?:^|\.)(?:proxyPass|uwsgiPass|fastcgiParams)$/.test(rest(d)) || /\b(?:proxy_pass|fastcgi_pass|uwsgi_pass|scgi_pass|grpc_pass|ProxyPass)\b/.test(text(d)))) return "app";
  if (mine.some((d) => /^(?:root|documentRoot)$|(?:^|\.)(?:root|alias|tryFiles|return|index)$/.test(rest(d)))) return "static";
  return undefined;
}

// Web applications people log in to (a password form, then a session cookie): over plain HTTP the
// password and the cookie travel unencrypted. Recognised by name (in the vhost's names, the
// upstream it proxies to, the NixOS service the file sets up, or the file's name) or by the
// application's well-known port in the upstream address.
const LOGIN_APP =
  /\b(?:hass|home-?assistant|grafana|nextcloud|owncloud|gitea|forgejo|gitlab|gogs|vaultwarden|bitwarden|jellyfin|emby|immich|photoprism|paperless(?:-ngx)?|keycloak|authelia|authentik|kanidm|hedgedoc|minio|mealie|miniflux|freshrss|roundcube|rainloop|snappymail|sogo|webmail|mastodon|pleroma|akkoma|matrix|synapse|element|cinny|mattermost|portainer|cockpit|uptime-kuma|vikunja|navidrome|audiobookshelf|calibre-web|kavita|komga|linkding|wallabag|firefly(?:-iii)?|syncthing|transmission|qbittorrent|deluge|sonarr|radarr|prowlarr|lidarr|readarr|bazarr|jackett|sabnzbd|octoprint|adguard(?:home)?|pihole|unifi|radicale|baikal|zabbix|netbox|phpmyadmin|pgadmin|wiki\.js|outline|nocodb|n8n|login|sso|auth|admin)\b/i;
const LOGIN_APP_PORTS = new Map<string, string>([
  ["8123", "Home Assistant"],
  ["2283", "Immich"],
  ["8096", "Jellyfin"],
  ["8222", "Vaultwarden"],
  ["8384", "Syncthing"],
  ["9091", "Transmission or Authelia"],
  ["8989", "Sonarr"],
  ["7878", "Radarr"],
  ["9696", "Prowlarr"],
  ["4533", "Navidrome"],
  ["28981", "Paperless"],
  ["8065", "Mattermost"],
  ["5232", "Radicale"],
]);

/** Why the vhost is an application people log in to, or undefined. */
function loginApp(index: OptionIndex, prefix: string, vhost: string, file: string): string | undefined {
  const mine = index.definitions.filter((d) => d.path.startsWith(`${prefix}.`));
  const upstreams = mine.flatMap((d) => {
    const t = d.value?.text ?? "";
    return [...t.matchAll(/(?:proxy_pass|fastcgi_pass|uwsgi_pass|grpc_pass|ProxyPass)\s+(\S+?);?\s|(?:^"|\s)(https?:\/\/[^"\s;]+)/g)].map((m) => m[1] ?? m[2] ?? "");
  });
  const names = [vhost, ...defsUnder(index, prefix, "serverName").map((d) => String(staticValue(d.value) ?? "")), ...defsUnder(index, prefix, "serverAliases").map((d) => d.value?.text ?? "")];
  for (const [i, n] of [...names, ...upstreams].entries()) {
    const name = n.replace(/^"|"$/g, "");
    const m = LOGIN_APP.exec(name);
    if (m) return `${i < names.length ? "its name" : "the upstream it proxies to"} (${name}) names ${m[0]}, an application people log in to`;
  }
  for (const u of upstreams) {
    const port = /:(\d{2,5})(?:\/|$)/.exec(u)?.[1];
    const app = port ? LOGIN_APP_PORTS.get(port) : undefined;
    if (app) return `it proxies to ${u}, ${app}'s port, an application people log in to`;
  }
  // The NixOS service the same file sets up (services.hedgedoc, services.grafana...).
  const service = index.definitions.find((d) => d.segments[0]?.name === "services" && d.segments[1] && d.segments[1].name !== "nginx" && d.segments[1].name !== "httpd" && LOGIN_APP.test(d.segments[1].name) && !/^(?:login|sso|auth|admin)$/.test(d.segments[1].name));
  if (service) return `the same file sets up services.${service.segments[1]!.name}, an application people log in to`;
  const base = file.split("/").slice(-2).join("/");
  const m = LOGIN_APP.exec(base.replace(/\.nix$/, "").replace(/[_/.]/g, " "));
  if (m && !/^(?:login|sso|auth|admin)$/i.test(m[0])) return `the file (${file}) sets up ${m[0]}, an application people log in to`;
  return undefined;
}

export const nginxAddSslWithoutForceSsl: Rule = {
  id: "nginx-addssl-without-forcessl",
  examples: {
    fire: [
      // Rated low: nothing in the vhost shows a login, so what crosses plain HTTP is public.
      hostExample(`{ services.nginx = { enable = true; virtualHosts."example.org" = { addSSL = true; enableACME = true; }; }; }\n`),
      // Rated info: a Tailscale MagicDNS name, reachable only inside the tailnet.
      hostExample(`{ services.nginx = { enable = true; virtualHosts."nas.tail1234.ts.net" = { addSSL = true; }; }; }\n`),
      // Low, not info: one of its names is public.
      hostExample(`{ services.nginx = { enable = true; virtualHosts."nas.tail1234.ts.net" = { addSSL = true; serverAliases = [ "nas.example.org" ]; }; }; }\n`),
      // Rated low: a public static site (files only, no program or login behind it).
      hostExample(`{ services.nginx = { enable = true; virtualHosts."example.org" = { addSSL = true; enableACME = true; root = "/srv/www"; }; }; }\n`),
      // Medium: Home Assistant (its port) takes a password; a static root with basic auth too.
      hostExample(`{ services.nginx = { enable = true; virtualHosts."home.example.org" = { addSSL = true; enableACME = true; locations."/".proxyPass = "http://127.0.0.1:8123"; }; virtualHosts."files.example.org" = { addSSL = true; root = "/srv/files"; basicAuthFile = "/run/secrets/htpasswd"; }; }; }\n`),
      // Rated low: a paste service kept on plain HTTP for curl, no login behind it.
      hostExample(`{ services.nginx = { enable = true; virtualHosts."paste.example.org" = { addSSL = true; enableACME = true; locations."/".extraConfig = "proxy_pass http://127.0.0.1:8900;"; }; }; }\n`),
      // Medium: the file sets up HedgeDoc, whose vhost this is (people log in to it).
      hostExample(`{ services.hedgedoc = { enable = true; settings.port = 3300; };\n  services.nginx = { enable = true; virtualHosts."notes.example.org" = { addSSL = true; enableACME = true; locations."/".proxyPass = "http://127.0.0.1:3300"; }; };\n}\n`),
    ],
    silent: [
      hostExample(`{ services.nginx = { enable = true; virtualHosts."example.org" = { forceSSL = true; enableACME = true; }; }; }\n`),
      // Redirects plain HTTP by hand.
      hostExample(`{ services.nginx = { enable = true; virtualHosts."grafana.example.org" = { addSSL = true; enableACME = true; extraConfig = "if ($scheme = http) { return 301 https://$host$request_uri; }"; }; }; }\n`),
    ],
  },
  name: "virtual host also serves plain HTTP",
  category: "tls",
  severity: "medium",
  rationale:
    "With `addSSL = true` the virtual host answers on HTTP as well as HTTPS and does not redirect: links, bookmarks and typed addresses use the plain-HTTP site, where pages, cookies and credentials travel unencrypted and can be altered in transit. Medium where credentials cross it (basic auth, an application people log in to); low for public content (static files, pastes, a stream, a proxy nothing shows a login for), which anyone may read anyway; info for names that resolve only inside a VPN.",
  fix: "Use `forceSSL = true` (HTTP redirects to HTTPS) instead of `addSSL`, or `onlySSL = true` to listen on HTTPS only.",
  references: [
    nixosOption("services.nginx.virtualHosts.<name>.forceSSL"),
    nixosOption("services.nginx.virtualHosts.<name>.addSSL"),
    { title: "OWASP: Transport Layer Security Cheat Sheet", url: "https://cheatsheetseries.owasp.org/cheatsheets/Transport_Layer_Security_Cheat_Sheet.html" },
  ],
  compliance: { cis: ["CIS NGINX Benchmark 4.1.1 Ensure HTTP is redirected to HTTPS"], nist: ["PR.DS-02"] },

  checkNix(ctx) {
    for (const def of ctx.index.definitions) {
      const last = def.segments[def.segments.length - 1];
      if (last?.name !== "addSSL" || last.dynamic) continue;
      const vh = vhostOf(def);
      if (!vh || !isTrue(def) || serviceDisabledInFile(ctx.index, `services.${vh.service}`)) continue;
      const exclusive = ["forceSSL", "onlySSL", "enableSSL", "rejectSSL"].some((o) => defsUnder(ctx.index, vh.prefix, o).some((d) => staticValue(d.value) === true && !isStaticallyDisabled(d)));
      if (exclusive || redirectsOrCustomListen(ctx.index, vh.prefix)) continue;
      const vpn = vpnOnly(ctx.index, vh.prefix, vh.vhost);
      const served = vpn ? undefined : servedContent(ctx.index, vh.prefix);
      const login = vpn || served === "auth" || served === "static" ? undefined : loginApp(ctx.index, vh.prefix, vh.vhost, ctx.file);
      // Judged on Lassulus-superconfig (corpus11): the public Home Assistant behind addSSL (a login
      // page) is medium; public static sites, pastes, a read-only cgit, a radio stream and a proxy
      // to a service nothing shows a login for were "should be low" at medium: HTTP there exposes
      // what anyone may read anyway, and can be altered in transit, but carries no credentials.
      const severity = vpn ? ("info" as const) : served === "auth" || login ? ("medium" as const) : ("low" as const);
      const staticNote =
        served === "auth"
          ? " It asks for a password (basic auth or auth_request): over plain HTTP the credentials travel unencrypted."
          : login
            ? ` ${login[0]!.toUpperCase()}${login.slice(1)}: over plain HTTP the password and the session cookie travel unencrypted to whoever types the name or follows an http:// link.`
            : vpn
              ? ""
              : served === "static"
                ? " Rated low: the vhost only serves files (no login, no program behind it), so no credentials cross the plain-HTTP site; what is served can still be altered in transit (downloads, keys, scripts)."
                : ` Rated low: nothing in its definition shows a login (no basic auth, ${served === "app" ? "the program it proxies to is no application known to take passwords" : "no known application behind it"}), so what crosses the plain-HTTP site is what anyone may read; it can still be read and altered in transit. Medium if people log in to it.`;
      ctx.report({
        node: def.attrpath ?? def.binding,
        optionPath: def.path,
        severity,
        message: `${vh.prefix} sets addSSL = true: the site is served over plain HTTP as well as HTTPS, without a redirect.${vpn ?? ""}${staticNote}`,
        // Inside a VPN plain HTTP is often the point (agents pushing logs or alerts to http://name):
        // redirecting them breaks them, so the change is left to the owner there.
        fix: vpn
          ? { safety: "manual", description: "If nothing inside the VPN relies on plain HTTP, replace `addSSL` with `forceSSL`; check the clients that post to http:// first (a redirect breaks POSTs)." }
          : {
              safety: "review",
              description: "Replace `addSSL` with `forceSSL` so HTTP requests are redirected to HTTPS (clients or health checks that rely on plain HTTP will be redirected).",
              edits: [replaceNode(ctx.file, last.node, "forceSSL")],
            },
      });
    }
  },
};
