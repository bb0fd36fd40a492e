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
 * Judged on Lassulus-superconfig: public static sites, downloads and paste services kept on HTTP on
 * purpose are low, a login page (Home Assistant) medium.
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

export const nginxAddSslWithoutForceSsl: Rule = {
  id: "nginx-addssl-without-forcessl",
  examples: {
    fire: [
      hostExample(`{ services.nginx = { enable = true; virtualHosts."example.org" = { addSSL = true; enableACME = true; }; }; }\n`),
      // Rated info: a Tailscale MagicDNS name, reachable only inside the tailnet.
      hostExample(`{ services.nginx = { enable = true; virtualHosts."nas.tail1234.ts.net" = { addSSL = true; }; }; }\n`),
      // Still medium: one of its names is public.
      hostExample(`{ services.nginx = { enable = true; virtualHosts."nas.tail1234.ts.net" = { addSSL = true; serverAliases = [ "nas.example.org" ]; }; }; }\n`),
      // Rated low: a public static site (files only, no program or login behind it).
      hostExample(`{ services.nginx = { enable = true; virtualHosts."example.org" = { addSSL = true; enableACME = true; root = "/srv/www"; }; }; }\n`),
      // Still medium: a proxied application; a static root with basic auth too.
      hostExample(`{ services.nginx = { enable = true; virtualHosts."hass.example.org" = { addSSL = true; enableACME = true; locations."/".proxyPass = "http://127.0.0.1:8123"; }; virtualHosts."files.example.org" = { addSSL = true; root = "/srv/files"; basicAuthFile = "/run/secrets/htpasswd"; }; }; }\n`),
    ],
    silent: [hostExample(`{ services.nginx = { enable = true; virtualHosts."example.org" = { forceSSL = true; enableACME = true; }; }; }\n`)],
  },
  name: "virtual host also serves plain HTTP",
  category: "tls",
  severity: "medium",
  rationale:
    "With `addSSL = true` the virtual host answers on HTTP as well as HTTPS and does not redirect: links, bookmarks and typed addresses use the plain-HTTP site, where pages, cookies and credentials travel unencrypted and can be altered in transit.",
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
      const staticNote =
        served === "static"
          ? " Rated low: the vhost only serves files (no login, no program behind it), so no credentials cross the plain-HTTP site; what is served can still be altered in transit (downloads, keys, scripts)."
          : served === "auth"
            ? " It asks for a password (basic auth or auth_request): over plain HTTP the credentials travel unencrypted."
            : "";
      ctx.report({
        node: def.attrpath ?? def.binding,
        optionPath: def.path,
        ...(vpn ? { severity: "info" as const } : served === "static" ? { severity: "low" as const } : {}),
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
