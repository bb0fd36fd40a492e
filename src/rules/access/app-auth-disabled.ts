// app-auth-disabled: a web application configured to let visitors in without logging in: Grafana
// anonymous access (worst with the Editor or Admin role) or open sign-up, its auth.proxy trusting a
// login header from any address while listening on every interface, PhotoPrism's public
// mode, a Syncthing GUI listening on every interface without a GUI user, code-server with
// `auth = "none"` (critical when it listens beyond loopback or an nginx virtual host of the file
// proxies to it without authentication: its terminal is a shell), Traefik's API and dashboard
// served without authentication (`api.insecure = true`, which serves them on the `traefik`
// entrypoint, :8080 unless set; or a router to `api@internal` with no middleware), medium when the
// file opens that port in the firewall, else low; a Mosquitto listener letting clients in without a
// password with an ACL that grants them topics (medium when they may publish). Prometheus exporters and
// Redis opened on every interface are open-firewall-unauthenticated's; database ports opened on
// every interface are firewall-sensitive-port's. The fixes turn the login back on (review: who
// relied on the open access loses it).
import { replaceNode } from "../../nix/edit.js";
import type { OptionDefinition } from "../../nix/options.js";
import { staticValue } from "../../nix/values.js";
import type { Severity } from "../../report/schema.js";
import { effectiveValue, isDead, scoped, type Scope, type ScopedDef } from "../shared/scope.js";
import { publishedByNginx, reportPublished, unguardedProxyText } from "../shared/open-ports.js";
import { hostExample } from "../shared/examples.js";
import type { NixFileContext, Rule } from "../types.js";
import { nixosOption } from "../shared/references.js";
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { attrpathSegments, unparen } from "../../nix/options.js";
import { escapeRegExp } from "../../text/regexp.js";

/** The path below a prefix, with quoted segments split at dots (`"auth.anonymous".enabled` and
 * `auth.anonymous.enabled` are the same Grafana setting). */
function below(def: OptionDefinition, prefix: string[]): string | undefined {
  const s = def.segments;
  if (s.length <= prefix.length || prefix.some((p, i) => s[i]!.dynamic || s[i]!.name !== p)) return undefined;
  if (s.slice(prefix.length).some((x) => x.dynamic)) return undefined;
  return s.slice(prefix.length).map((x) => x.name).join(".");
}

const truthy = (v: unknown) => v === true || v === "true" || v === 1;
const ALL_INTERFACES = /^(?:0\.0\.0\.0|\[::\]|::|\*|)(?::\d+)?$/;

function checkNix(ctx: NixFileContext): void {
  const live = ctx.index.definitions.filter((d) => !isDead(d));
  const grafana = (key: string) => live.filter((d) => below(d, ["services", "grafana", "settings"]) === key);
  for (const def of grafana("auth.anonymous.enabled")) {
    if (!truthy(staticValue(def.inner)) || !def.inner) continue;
    const role = grafana("auth.anonymous.org_role").map((d) => staticValue(d.inner)).find((v) => typeof v === "string") as string | undefined;
    const strong = role === "Admin" || role === "Editor";
    ctx.report({
      node: def.inner,
      optionPath: def.path,
      severity: strong ? "high" : "low",
      title: strong ? `Grafana lets anonymous visitors in as ${role}` : "Grafana lets anonymous visitors in",
      message: strong
        ? `Grafana's anonymous access is on with org_role = "${role}": anyone who reaches it can change dashboards${role === "Admin" ? ", data sources and users" : " and query every data source"} without logging in.`
        : `Grafana's anonymous access is on (role ${role ?? "Viewer"}, the default): anyone who reaches it reads every dashboard of the organisation and the data behind it (hosts, metrics, logs) without logging in. Fine for a dashboard meant to be public; otherwise turn it off.`,
      fix: { safety: "review", description: 'Set services.grafana.settings."auth.anonymous".enabled = false (or keep the instance reachable only from a private network). Public dashboards can be shared one by one instead.', edits: [replaceNode(ctx.file, def.inner, "false")] },
    });
  }
  checkGrafanaAuthProxy(ctx, grafana, live);
  for (const def of grafana("users.allow_sign_up")) {
    if (!truthy(staticValue(def.inner)) || !def.inner) continue;
    ctx.report({
      node: def.inner,
      optionPath: def.path,
      severity: "medium",
      title: "Grafana lets anyone sign up",
      message: "services.grafana.settings.users.allow_sign_up = true: anyone who reaches Grafana can create an account and log in to the main organisation (as Viewer by default, or as users.auto_assign_org_role says).",
      fix: { safety: "review", description: "Set users.allow_sign_up = false and invite users, or use an identity provider (auth.generic_oauth) with an allow-list.", edits: [replaceNode(ctx.file, def.inner, "false")] },
    });
  }
  for (const def of live) {
    const last = def.segments.at(-1);
    if (!last || last.dynamic || !def.inner) continue;
    const name = last.name.toUpperCase();
    // The value only for the three names below (every definition's value was 1.5% of a cold scan
    // of olafkfreund/nixos_config).
    if (name !== "AUTH_MODE" && name !== "PHOTOPRISM_AUTH_MODE" && name !== "PHOTOPRISM_PUBLIC") continue;
    const v = staticValue(def.inner);
    const publicMode = ((name === "AUTH_MODE" || name === "PHOTOPRISM_AUTH_MODE") && typeof v === "string" && v.toLowerCase() === "public" && /photoprism/i.test(def.path + (name.startsWith("PHOTOPRISM") ? " photoprism" : ""))) || (name === "PHOTOPRISM_PUBLIC" && truthy(v));
    if (!publicMode) continue;
    ctx.report({
      node: def.inner,
      optionPath: def.path,
      severity: "high",
      title: "PhotoPrism runs without a login (public mode)",
      message: `${def.path} puts PhotoPrism in public mode: no login at all, so anyone who reaches it can browse, download, upload and delete every photo and video in the library.`,
      fix: {
        safety: "review",
        description: 'Use AUTH_MODE = "password" (the default) with an admin password from a file (services.photoprism.passwordFile).',
        edits: name === "PHOTOPRISM_PUBLIC" ? [replaceNode(ctx.file, def.inner, typeof v === "string" ? '"false"' : "false")] : [replaceNode(ctx.file, def.inner, '"password"')],
      },
    });
  }
  checkTraefik(ctx, live);
  checkMosquitto(ctx, live);
  checkCodeServer(ctx, live);
  checkQbittorrent(ctx, live);
  checkResticServer(ctx, live);
  checkOpenWebui(ctx, live);
  checkKuboApi(ctx, live);
  checkRtorrentScgi(ctx, live);
  for (const def of live) {
    if (def.path !== "services.syncthing.guiAddress" || !def.inner) continue;
    const v = staticValue(def.inner);
    if (typeof v !== "string" || !ALL_INTERFACES.test(v.trim())) continue;
    const guiAuth = live.some((d) => (/^services\.syncthing\.(?:settings|extraOptions)\.gui\.(?:user|password)$/.test(d.path) || d.path === "services.syncthing.guiPasswordFile") && staticValue(d.inner) !== null);
    if (guiAuth) continue;
    const port = /:(\d+)$/.exec(v.trim())?.[1] ?? "8384";
    const severity: Severity = "medium";
    // `gui.insecureAdminAccess = true`: Syncthing's own switch for GUI access from other machines without authentication.
    const insecure = live.some((d) => /^services\.syncthing\.(?:settings|extraOptions)\.gui\.insecureAdminAccess$/.test(d.path) && truthy(staticValue(d.inner)));
    const mac = ctx.moduleClass === "darwin";
    ctx.report({
      node: def.inner,
      optionPath: def.path,
      severity,
      title: "Syncthing GUI on every interface without a login",
      message:
        `services.syncthing.guiAddress = "${v}" makes the Syncthing GUI and REST API listen on every interface, and no GUI user or password is set${insecure ? " (and gui.insecureAdminAccess = true lets other machines use it without authentication)" : ""}: ` +
        `anyone who reaches port ${port} ${mac ? "(nix-darwin has no firewall of its own: on a Mac, from every network it joins, a café Wi-Fi included, unless the macOS application firewall blocks it)" : "(on an interface the firewall trusts, or when it is opened)"} can share any folder the syncthing user can read with their own device, or write into it.`,
      fix: {
        safety: "review",
        description: `Listen on loopback (guiAddress = "127.0.0.1:${port}") and reach the GUI through an SSH tunnel, or set services.syncthing.settings.gui.user and a password.`,
        edits: [replaceNode(ctx.file, def.inner, `"127.0.0.1:${port}"`)],
      },
    });
  }
}

/**
 * Grafana's auth.proxy on without a whitelist while Grafana listens on every interface: it takes
 * whoever the header (`Remote-User`, X-WEBAUTH-USER) names as logged in, so anyone who reaches
 * Grafana directly rather than through the authenticating proxy sends the header and is that user,
 * the admin included (auto_sign_up creates any other). High when the file opens Grafana's port;
 * else low: local processes, containers on the host's bridges and trusted interfaces reach it
 * (pborzenkov-nix-config rock grafana.nix: Authelia in front, http_addr 0.0.0.0, no whitelist).
 * Silent on loopback (the proxy's host is the only way in) or with a whitelist.
 */
function checkGrafanaAuthProxy(ctx: NixFileContext, grafana: (key: string) => OptionDefinition[], live: OptionDefinition[]): void {
  const on = grafana("auth.proxy.enabled").find((d) => truthy(staticValue(d.inner)) && d.inner);
  if (!on?.inner) return;
  if (grafana("auth.proxy.whitelist").some((d) => { const v = staticValue(d.inner); return v === null || (typeof v === "string" ? v.trim() !== "" : true); })) return;
  const addr = grafana("server.http_addr").map((d) => staticValue(d.inner)).find((v) => typeof v === "string");
  if (typeof addr !== "string" || !ALL_INTERFACES.test(addr.trim())) return;
  const portValue = grafana("server.http_port").map((d) => staticValue(d.inner)).find((v) => typeof v === "number");
  const port = typeof portValue === "number" ? portValue : 3000;
  const opened = live.some((d) => /^networking\.firewall\.(?:interfaces\.[^.]+\.)?allowedTCPPorts$/.test(d.path) && (() => { const v = staticValue(d.inner); return Array.isArray(v) && v.includes(port); })());
  const header = grafana("auth.proxy.header_name").map((d) => staticValue(d.inner)).find((v) => typeof v === "string") ?? "X-WEBAUTH-USER";
  ctx.report({
    node: on.inner,
    optionPath: on.path,
    severity: opened ? "high" : "low",
    title: "Grafana trusts a login header from anyone who reaches it",
    message:
      `Grafana's auth.proxy is on without a whitelist and Grafana listens on every interface (http_addr = "${addr}"): it logs in whoever the ${header} header names, so a client that reaches port ${port} directly, past the authenticating proxy, sends the header and is that user, the admin included. ` +
      (opened
        ? `This file opens port ${port} in the firewall, so that is every network the host is on.`
        : `The port is not opened here, so that is every local process and container of the host and every interface the firewall trusts.`),
    fix: {
      safety: "review",
      description: `Listen on loopback (services.grafana.settings.server.http_addr = "127.0.0.1") when the proxy runs on the same host, or set services.grafana.settings."auth.proxy".whitelist to the proxy's address.`,
    },
  });
}

/**
 * The restic REST server with `--no-auth` in extraFlags: no login at all, so whoever reaches it reads
 * every repository's (encrypted) data, and, without appendOnly, deletes or overwrites the backups
 * (kradalby/dotfiles machines/core.terra/rest-server.nix and two more hosts, judged missed). Medium on every interface (the
 * module's default `:8000`) or on loopback published by another definition of the file (a proxy or
 * a Tailscale service naming the same `127.0.0.1:<port>`); low on loopback alone (local users only).
 */
function checkResticServer(ctx: NixFileContext, live: OptionDefinition[]): void {
  for (const def of live) {
    if (def.path !== "services.restic.server.extraFlags" || !def.inner) continue;
    const flag = def.inner.descendants(K.NODE_STRING).find((n) => staticValue(n) === "--no-auth");
    if (!flag) continue;
    const listen = live.find((d) => d.path === "services.restic.server.listenAddress" && d.inner);
    const text = listen?.inner?.kind === K.NODE_STRING ? listen.inner.text.slice(1, -1) : ":8000";
    const loopback = /^(?:127\.\d+\.\d+\.\d+|localhost|\[::1\]|unix:)/.test(text);
    // `"${wgIp}:8123"`, `"10.0.0.1:8000"`: one address of the host, not every interface.
    const everywhere = ALL_INTERFACES.test(text);
    const port = text.slice(text.lastIndexOf(":") + 1);
    // Another definition naming the same local address (a reverse proxy, a Tailscale service endpoint).
    const published = loopback
      ? live.find((d) => d !== listen && d.isLeaf && d.inner && !d.path.startsWith("services.restic.server") && new RegExp(`(?:127\\.0\\.0\\.1|localhost):${escapeRegExp(port)}(?![\\w}])`).test(d.inner.text))
      : undefined;
    const appendOnly = live.some((d) => d.path === "services.restic.server.appendOnly" && staticValue(d.inner) === true);
    // `127.0.0.1:${toString port}` with `port = 56899;` in the file: say the number.
    const portName = /^\$\{(?:toString\s+)?([A-Za-z_][\w'-]*)\}$/.exec(port)?.[1];
    const portNumber = portName ? new RegExp(`(?:^|[\\s{;])${escapeRegExp(portName)}\\s*=\\s*(\\d+)\\s*;`, "m").exec(ctx.text)?.[1] : undefined;
    const shown = portNumber ? text.slice(0, text.lastIndexOf(":") + 1) + portNumber : text;
    const severity: Severity = !loopback || published ? "medium" : "low";
    ctx.report({
      node: flag,
      optionPath: def.path,
      severity,
      title: "restic REST server without authentication (--no-auth)",
      message:
        `services.restic.server runs with --no-auth: there is no login, so whoever reaches ${loopback ? shown : `it (listenAddress ${JSON.stringify(shown)}: ${everywhere ? "every interface" : "that address only, so the networks that route to it"})`}${published ? `, published through ${published.path}` : loopback ? " (only local users and processes)" : ""} can list and download every repository's backups` +
        (appendOnly ? " (appendOnly keeps them from deleting or overwriting existing data)." : ", and delete or overwrite them: appendOnly is not set.") +
        " The data is encrypted by each repository's password, but deleted backups are gone.",
      fix: {
        safety: "manual",
        description: "Remove --no-auth and give the server an htpasswd file kept by agenix/sops-nix (`--htpasswd-file <path>` in extraFlags, or services.restic.server.htpasswd-file where the NixOS release has it; by default rest-server reads .htpasswd in dataDir; clients then use rest:https://user:pass@host/...), set appendOnly = true for backup-only clients, and privateRepos = true so each user reaches only their own repository.",
      },
    });
  }
}

/** Whether the file opens a TCP port on every interface (`networking.firewall.allowedTCPPorts`). */
function opensPort(live: OptionDefinition[], port: number): boolean {
  return live.some((d) => d.path === "networking.firewall.allowedTCPPorts" && (() => { const v = staticValue(d.inner); return Array.isArray(v) && v.includes(port); })());
}

/** Another definition of the file naming `127.0.0.1:<port>` (a reverse proxy's target). */
function proxiedTo(live: OptionDefinition[], port: number, own: string): OptionDefinition | undefined {
  const re = new RegExp(`(?:127\\.0\\.0\\.1|localhost|\\[::1\\]):${port}(?![\\w}])`);
  return live.find((d) => d.isLeaf && d.inner && !d.path.startsWith(own) && re.test(d.inner.text));
}

/**
 * Open WebUI with `WEBUI_AUTH = "False"`: no login at all, every visitor is its administrator
 * (models, every chat, the tools and functions it runs as Python on the server, the API keys of its
 * connections). High when it is reachable from the network: it listens on every interface with its
 * port open, or a reverse proxy of the file publishes it (drupol-infra modules/ai/open-webui.nix,
 * host 0.0.0.0 and Caddy on 80/443, missed); medium on every interface without the port opened
 * here; low on loopback with nothing publishing it (local users only).
 */
function checkOpenWebui(ctx: NixFileContext, live: OptionDefinition[]): void {
  for (const def of live) {
    if (def.path !== "services.open-webui.environment.WEBUI_AUTH" || !def.inner) continue;
    const v = staticValue(def.inner);
    if (!(v === false || (typeof v === "string" && /^(?:false|0|no)$/i.test(v.trim())))) continue;
    const hostDef = live.find((d) => d.path === "services.open-webui.host");
    const host = hostDef ? staticValue(hostDef.inner) : "127.0.0.1";
    if (typeof host !== "string") continue;
    const portValue = live.map((d) => (d.path === "services.open-webui.port" ? staticValue(d.inner) : undefined)).find((x) => typeof x === "number");
    const port = typeof portValue === "number" ? portValue : 8080;
    const everywhere = ALL_INTERFACES.test(host.trim());
    const loopback = LOOPBACK_HOST.test(host.trim());
    const opened = live.some((d) => d.path === "services.open-webui.openFirewall" && staticValue(d.inner) === true) || opensPort(live, port);
    const proxy = proxiedTo(live, port, "services.open-webui");
    const severity: Severity = proxy || (!loopback && opened) ? "high" : !loopback ? "medium" : "low";
    const reach = proxy
      ? `${proxy.path} publishes it (it names 127.0.0.1:${port}), so whoever reaches that proxy`
      : !loopback
        ? `it listens on ${everywhere ? "every interface" : host} (port ${port})${opened ? " and its port is open in the firewall, so anyone on the networks the host is on" : ", so whoever reaches the port (an interface the firewall trusts, containers of the host, or every network if another module opens it)"}`
        : `it listens on ${host} and nothing in this file publishes it, so every local user and process`;
    ctx.report({
      node: def.inner,
      optionPath: def.path,
      severity,
      title: "Open WebUI runs without a login (WEBUI_AUTH off)",
      message: `${def.path} = ${def.inner.text} turns Open WebUI's authentication off: there is no login and every visitor is its administrator. Here ${reach} can read every chat, use (and spend) the models and API keys of its connections, and add tools and functions, which Open WebUI runs as Python code on the server.`,
      fix: {
        safety: "review",
        description: `Remove WEBUI_AUTH (authentication is on by default) and create the admin account on first visit; keep ENABLE_SIGNUP = "False" so others cannot register, or put single sign-on in front (OAuth settings, or trusted-header auth from an authenticating proxy).`,
        edits: [replaceNode(ctx.file, def.inner, typeof v === "string" ? '"True"' : "true")],
      },
    });
  }
}

/** A multiaddr's host and port (`/ip4/0.0.0.0/tcp/5001`). */
function multiaddr(a: string): { host: string; port?: number } | undefined {
  const m = /^\/(?:ip4|ip6|dns4?|dns6)\/([^/]+)(?:\/tcp\/(\d+))?/.exec(a.trim());
  return m ? { host: m[1]!, port: m[2] ? Number(m[2]) : undefined } : undefined;
}

/**
 * Kubo's RPC API (`services.kubo.settings.Addresses.API`) on every interface: the API has no
 * authentication unless API.Authorizations is set, and it is the node's admin interface (change its
 * config, add and pin content, read and export keys, shut it down). cleverca22-nixos-configs
 * ipfs.nix (`/ip4/0.0.0.0/tcp/5001`, a host with its firewall off, missed). High when the file
 * opens the port, else medium (trusted interfaces, containers, every network where another module
 * opens it or turns the firewall off).
 */
function checkKuboApi(ctx: NixFileContext, live: OptionDefinition[]): void {
  for (const prefix of ["services.kubo", "services.ipfs"]) {
    if (live.some((d) => d.path.startsWith(`${prefix}.settings.API.Authorizations`))) continue;
    for (const def of live) {
      if (def.path !== `${prefix}.settings.Addresses.API` || !def.inner) continue;
      const v = staticValue(def.inner);
      const addrs = (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === "string");
      const open = addrs.map((a) => ({ a, m: multiaddr(a) })).find(({ m }) => m && /^(?:0\.0\.0\.0|::)$/.test(m.host));
      if (!open) continue;
      const port = open.m!.port ?? 5001;
      // The string itself (one element of a list, or the whole value).
      const literal = unparen(def.inner)?.kind === K.NODE_STRING ? def.inner : (def.inner.descendants(K.NODE_STRING).find((n) => staticValue(n) === open.a) ?? def.inner);
      const opened = opensPort(live, port);
      ctx.report({
        node: def.inner,
        optionPath: def.path,
        severity: opened ? "high" : "medium",
        title: "Kubo (IPFS) RPC API on every interface without authentication",
        message:
          `${def.path} includes "${open.a}": Kubo's RPC API listens on every interface, and it has no authentication (API.Authorizations is not set). It is the node's admin interface: whoever reaches port ${port} changes its configuration, adds and pins content, reads and exports its keys, and shuts it down. ` +
          (opened ? `This file opens port ${port} in the firewall, so that is every network the host is on.` : `Every interface the firewall trusts and every container of the host reaches it, and every network where another module opens the port or turns the firewall off.`),
        fix: {
          safety: "review",
          description: `Keep the API on loopback ("/ip4/127.0.0.1/tcp/${port}", the default) and reach it over SSH, or set services.kubo.settings.API.Authorizations with a secret token and keep the port to a private interface.`,
          edits: [replaceNode(ctx.file, literal, JSON.stringify(open.a.replace(/^\/(ip4|ip6)\/[^/]+/, (_x, f: string) => (f === "ip4" ? "/ip4/127.0.0.1" : "/ip6/::1"))))],
        },
      });
    }
  }
}

/**
 * rTorrent's XML-RPC published by nginx (`scgi_pass` in a location's extraConfig, at rTorrent's
 * `/RPC2` or in a file about rTorrent) with nothing asking for a login: the XML-RPC interface runs
 * commands (`execute`, `execute.throw`) as the rtorrent user, so whoever reaches the virtual host
 * runs programs on the host, besides adding and deleting torrents. cleverca22-nixos-configs nas.nix
 * (location /RPC2 of nas.localnet with port 80 open, missed). High when the file opens 80 or 443 on
 * every interface, medium otherwise. Silent with basic auth, auth_request or an allow/deny list on
 * the location or the virtual host.
 */
function checkRtorrentScgi(ctx: NixFileContext, live: OptionDefinition[]): void {
  if (!/scgi_pass/.test(ctx.text)) return;
  const guard = /\b(?:auth_basic|auth_request|allow|deny|satisfy)\b/;
  for (const def of live) {
    const vk = vhostKey(def);
    const m = vk ? /^locations\.(.+)\.extraConfig$/.exec(vk.key) : null;
    if (!vk || !m || !def.inner) continue;
    const cfg = def.inner.text;
    if (!/(?:^|[\s";'{])scgi_pass\s+\S+/m.test(cfg.replace(/#.*$/gm, ""))) continue;
    const location = m[1]!.replace(/^"|"$/g, "");
    if (!/RPC2/i.test(location) && !/rtorrent/i.test(ctx.text)) continue;
    if (guard.test(cfg.replace(/#.*$/gm, ""))) continue;
    // The virtual host's own login or allow list (basicAuth, basicAuthFile, its extraConfig).
    const vhostGuarded = live.some((d) => {
      const o = vhostKey(d);
      if (!o || o.name !== vk.name) return false;
      if (/^basicAuth(?:File)?(?:\.|$)/.test(o.key) || o.key.startsWith(`locations.${m[1]}.basicAuth`)) return true;
      return (o.key === "extraConfig" || o.key === `locations.${m[1]}.extraConfig`) && guard.test((d.inner?.text ?? "").replace(/#.*$/gm, ""));
    });
    if (vhostGuarded) continue;
    const opened = opensPort(live, 80) || opensPort(live, 443);
    ctx.report({
      node: def.inner,
      optionPath: def.path,
      severity: opened ? "high" : "medium",
      title: "rTorrent XML-RPC published by nginx without authentication",
      message:
        `The nginx virtual host ${vk.name} passes ${location} to an SCGI backend (scgi_pass), rTorrent's XML-RPC, with no login in front: XML-RPC runs commands (execute, execute.throw) as the rtorrent user, so whoever reaches the virtual host runs programs on this host, and adds, deletes and moves torrents. ` +
        (opened ? "This file opens port 80/443 on every interface, so that is everyone on the networks the host is on." : "Whoever reaches nginx's port (an interface the firewall trusts, or every network where another module opens it) can."),
      fix: {
        safety: "review",
        description: `Put a login in front of the location (basicAuthFile on the virtual host or "auth_basic" with an htpasswd file from agenix/sops-nix, or auth_request to an SSO proxy) and an allow list ("allow 192.168.1.0/24; deny all;"), or drop the location and use rTorrent's XML-RPC over a local socket only.`,
      },
    });
  }
}

/** The bindings of an attribute set literal by dotted path (`settings.allow_anonymous`, nested sets
 * flattened), static names only. */
function setBindings(set: SyntaxNode, prefix = "", out = new Map<string, SyntaxNode>()): Map<string, SyntaxNode> {
  for (const b of set.childNodes()) {
    if (b.kind !== K.NODE_ATTRPATH_VALUE) continue;
    const [path, value] = b.childNodes();
    const segs = path ? attrpathSegments(path) : [];
    if (!value || segs.length === 0 || segs.some((x) => x.dynamic)) continue;
    const key = prefix + segs.map((x) => x.name).join(".");
    const v = unparen(value);
    if (v?.kind === K.NODE_ATTR_SET && !v.firstToken(K.TOKEN_REC)) setBindings(v, `${key}.`, out);
    else if (v) out.set(key, v);
  }
  return out;
}

/**
 * A Mosquitto listener that lets clients in without a password (`settings.allow_anonymous = true`,
 * or `omitPasswordAuth = true`: any user name, no password) with an ACL granting them topics
 * (`pattern readwrite #`, `topic write x`). NixOS writes every listener an ACL file, so without such
 * a line the anonymous clients get nothing and nothing is reported. Medium when they may publish
 * (commands to every device behind the broker: Home Assistant, zigbee2mqtt), low when they may only
 * read; silent on a loopback listener (emilylange/nixos-config presets/server/home-assistant/mqtt.nix,
 * anonymous readwrite on 1883 opened to the LAN, missed).
 */
function checkMosquitto(ctx: NixFileContext, live: OptionDefinition[]): void {
  for (const def of live) {
    if (def.path !== "services.mosquitto.listeners") continue;
    const list = unparen(def.inner);
    if (list?.kind !== K.NODE_LIST) continue;
    for (const el of list.childNodes()) {
      const set = unparen(el);
      if (set?.kind !== K.NODE_ATTR_SET) continue;
      const b = setBindings(set);
      const anonymous = b.get("settings.allow_anonymous");
      const omit = b.get("omitPasswordAuth");
      const open = [anonymous, omit].filter((n): n is SyntaxNode => n !== undefined && truthy(staticValue(n)));
      if (open.length === 0) continue;
      const address = staticValue(b.get("address"));
      if (typeof address === "string" && LOOPBACK_HOST.test(address.trim())) continue;
      const acl = staticValue(b.get("acl"));
      const lines = Array.isArray(acl) ? acl.filter((x): x is string => typeof x === "string") : [];
      // `topic x` alone grants readwrite; `pattern|topic <access> <topic>` otherwise.
      const grants = lines.map((l) => /^\s*(?:topic|pattern)\s+(?:(read|write|readwrite|deny)\s+)?(\S.*)$/.exec(l)).filter((m): m is RegExpExecArray => m !== null && m[1] !== "deny");
      if (grants.length === 0) continue;
      const writes = grants.filter((m) => m[1] === undefined || m[1] === "write" || m[1] === "readwrite");
      const port = staticValue(b.get("port"));
      const shown = (writes.length ? writes : grants).map((m) => m[0].trim()).slice(0, 3);
      const how = anonymous && open.includes(anonymous) ? "settings.allow_anonymous = true lets clients connect without a user name or password" : "omitPasswordAuth = true lets clients log in under any user name without a password";
      const node = open[0]!;
      ctx.report({
        node,
        optionPath: def.path,
        severity: writes.length ? "medium" : "low",
        title: `Mosquitto lets clients ${writes.length ? "publish and subscribe" : "subscribe"} without a password`,
        message:
          `A listener of services.mosquitto (port ${typeof port === "number" ? port : 1883}, ${typeof address === "string" ? `address ${address}` : "every interface"}): ${how}, and its ACL grants them ${shown.map((x) => `"${x}"`).join(", ")}` +
          (writes.length
            ? ". Whoever reaches the port reads every message of those topics and publishes commands to whatever listens to the broker (Home Assistant, zigbee2mqtt's bridge, devices)."
            : ". Whoever reaches the port reads every message of those topics (sensor data, presence, device state)."),
        fix: {
          safety: "review",
          description: "Give each client a user with a password (listeners.*.users.<name>.passwordFile or hashedPasswordFile) and an ACL of its own topics, and set settings.allow_anonymous = false / omitPasswordAuth = false; or bind the listener to loopback (address = \"127.0.0.1\") when only local clients use it.",
        },
      });
    }
  }
}

/** qBittorrent's WebUI with `LocalHostAuth = false`: clients from 127.0.0.1 skip the login, and a
 * reverse proxy on the same host (how the WebUI is usually published) connects from 127.0.0.1,
 * so everyone who reaches the proxy is let in, as is every local process and user. */
function checkQbittorrent(ctx: NixFileContext, live: OptionDefinition[]): void {
  // Confined to a network namespace of its own (VPN-Confinement's vpnConfinement, or the unit's
  // NetworkNamespacePath): its 127.0.0.1 is the namespace's, which nothing else uses, and a proxy
  // reaches it on the namespace's address, so the skipped login skips it for nobody
  // (mrjones2014-dotfiles nixos/qbittorrent.nix, nginx proxying to the namespace address).
  const confined = live.some(
    (d) => (d.path === "systemd.services.qbittorrent.vpnConfinement.enable" && staticValue(d.inner) === true) || d.path === "systemd.services.qbittorrent.serviceConfig.NetworkNamespacePath",
  );
  if (confined) return;
  for (const def of live) {
    const key = def.path.replace(/^services\.qbittorrent\.serverConfig\.Preferences\./, "");
    // `WebUI.LocalHostAuth`, or the ini key written whole: `"WebUI\\LocalHostAuth"`.
    if (!def.inner || key === def.path || key.replace(/\\+/g, ".") !== "WebUI.LocalHostAuth") continue;
    if (staticValue(def.inner) !== false) continue;
    const proxied = live.some((d) => vhostKey(d)?.key.endsWith("proxyPass") && /127\.0\.0\.1|localhost|\[::1\]/.test(d.inner?.text ?? ""));
    ctx.report({
      node: def.inner,
      optionPath: def.path,
      severity: "medium",
      title: "qBittorrent WebUI lets local clients in without a login",
      message:
        "Preferences.WebUI.LocalHostAuth = false: connections from 127.0.0.1 skip qBittorrent's login. Every local user and process can drive the client (add torrents that write anywhere the qbittorrent account can, read its settings), and a reverse proxy on this host connects from 127.0.0.1 too, so whoever reaches the proxy is let in without the password" +
        (proxied ? " (this file proxies an nginx virtual host to a local address)." : "."),
      fix: { safety: "review", description: "Set LocalHostAuth = true (the default) so the WebUI asks for its password from every client; keep a whitelist (AuthSubnetWhitelist) only for networks you trust.", edits: [replaceNode(ctx.file, def.inner, "true")] },
    });
  }
}

/** An nginx virtual host's setting: the host's name as written (interpolations kept) and the
 * static path below it (`locations./.proxyPass`). */
function vhostKey(def: OptionDefinition): { name: string; key: string } | undefined {
  const s = def.segments;
  if (s.length < 5 || s[0]!.name !== "services" || s[1]!.name !== "nginx" || s[2]!.name !== "virtualHosts") return undefined;
  if (s.slice(4).some((x) => x.dynamic)) return undefined;
  return { name: s[3]!.name, key: s.slice(4).map((x) => x.name).join(".") };
}

const LOOPBACK_HOST = /^(?:127\.\d+\.\d+\.\d+|::1|\[::1\]|localhost)$/;

/** code-server (and openvscode-server) without authentication: its terminal is a shell as the
 * service's user. Critical when it listens beyond loopback or an nginx virtual host of the same
 * file proxies to it with no authentication in front (basicAuth, auth_request, oauth2-proxy); else
 * medium (every local user, and whatever proxy another file puts in front). */
function checkCodeServer(ctx: NixFileContext, live: OptionDefinition[]): void {
  const value = (path: string) => live.filter((d) => d.path === path).map((d) => staticValue(d.inner)).find((v) => v !== undefined && !(typeof v === "object" && v !== null));
  const targets: Array<{ def: OptionDefinition; service: string; edit?: string }> = [];
  for (const d of live) {
    if (d.path === "services.code-server.auth" && staticValue(d.inner) === "none") targets.push({ def: d, service: "code-server", edit: '"password"' });
    if (d.path === "services.openvscode-server.withoutConnectionToken" && truthy(staticValue(d.inner))) targets.push({ def: d, service: "openvscode-server", edit: "false" });
  }
  for (const { def, service, edit } of targets) {
    if (!def.inner) continue;
    const host = value(`services.${service}.host`);
    const port = value(`services.${service}.port`) ?? (service === "code-server" ? 4444 : 3000);
    const user = value(`services.${service}.user`);
    const hostText = typeof host === "string" ? host : service === "code-server" ? "127.0.0.1" : "localhost";
    const network = !LOOPBACK_HOST.test(hostText.trim());
    // nginx locations of this file that proxy to it, and whether their virtual host authenticates.
    const portRef = new RegExp(`services\\.${service.replace("-", "\\-")}\\.port|:${port}(?!\\d)`);
    const vhosts = new Map<string, boolean>();
    for (const d of live) {
      const v = vhostKey(d);
      if (!v || !/\.proxyPass$/.test(v.key) || !portRef.test(d.inner?.text ?? "")) continue;
      vhosts.set(v.name, false);
    }
    for (const d of live) {
      const v = vhostKey(d);
      if (!v || !vhosts.has(v.name)) continue;
      const key = v.key;
      if (/(?:^|\.)basicAuth(?:File)?$/.test(key) || (/extraConfig$/.test(key) && /\bauth_(?:request|basic)\b|ssl_verify_client\s+on/.test(d.inner?.text ?? ""))) vhosts.set(v.name, true);
    }
    if (live.some((d) => d.path.startsWith("services.oauth2-proxy.nginx.virtualHosts"))) for (const k of vhosts.keys()) vhosts.set(k, true);
    const open = [...vhosts].filter(([, authed]) => !authed).map(([name]) => name);
    const severity: Severity = network || open.length ? "critical" : "medium";
    const asUser = typeof user === "string" ? ` as ${user}` : " as its user";
    const reach = network
      ? `it listens on ${hostText}:${port}, so anyone who reaches that port`
      : open.length
        ? `nginx proxies ${open.map((n) => `virtual host ${n}`).join(", ")} to it with no authentication in front, so anyone who reaches nginx with that Host name`
        : `it listens on ${hostText}:${port}: every local user and every process of the host (and whoever reaches a proxy another file may put in front)`;
    ctx.report({
      node: def.inner,
      optionPath: def.path,
      severity,
      title: `${service} without authentication${severity === "critical" ? " reachable from the network" : ""}`,
      message: `${def.path} turns ${service}'s login off, and ${reach} gets the IDE with its terminal: a shell${asUser}${severity === "critical" ? " (root, if that user may sudo without a password)" : ""}.`,
      fix: {
        safety: "review",
        description: service === "code-server"
          ? `Set services.code-server.auth = "password" with hashedPassword (or put an authenticating proxy, basicAuth or oauth2-proxy, in front of the virtual host), and keep host = "127.0.0.1".`
          : "Set withoutConnectionToken = false and use the connection token (connectionTokenFile), or put an authenticating proxy in front.",
        edits: edit ? [replaceNode(ctx.file, def.inner, edit)] : undefined,
      },
    });
  }
}

/** The port of an entrypoint address (`":8080"`, `"0.0.0.0:8080/tcp"`). */
function addressPort(address: unknown): number | undefined {
  if (typeof address !== "string") return undefined;
  const m = /:(\d+)(?:\/\w+)?$/.exec(address.trim());
  return m ? Number(m[1]) : undefined;
}

/** Traefik's API and dashboard without authentication. The ports this file opens on every
 * interface (networking.firewall.allowedTCPPorts literals) decide medium or low. */
function checkTraefik(ctx: NixFileContext, live: OptionDefinition[]): void {
  const opened = new Set<number>();
  for (const d of live) {
    if (d.path !== "networking.firewall.allowedTCPPorts") continue;
    const v = staticValue(d.inner);
    if (Array.isArray(v)) for (const p of v) if (typeof p === "number") opened.add(p);
  }
  const staticOpt = (key: string) => live.filter((d) => below(d, ["services", "traefik", "staticConfigOptions"]) === key);
  const entrypointPort = (name: string): number | undefined => {
    const set = staticOpt(`entryPoints.${name}.address`).map((d) => addressPort(staticValue(d.inner))).find((p) => p !== undefined);
    return set ?? (name === "traefik" ? 8080 : undefined);
  };
  const reach = (ports: number[]): { severity: Severity; text: string } => {
    const open = ports.filter((p) => opened.has(p));
    return open.length
      ? { severity: "medium", text: `and this file opens port ${open.join(", ")} in the firewall on every interface, so anyone on any network the host is on reads it` }
      : { severity: "low", text: `reachable by whoever reaches port ${ports.join(", ") || "(the entrypoint's)"} (this file does not open it in the firewall; a trusted interface or another module may)` };
  };
  for (const def of staticOpt("api.insecure")) {
    if (!truthy(staticValue(def.inner)) || !def.inner) continue;
    const port = entrypointPort("traefik")!;
    const r = reach([port]);
    ctx.report({
      node: def.inner,
      optionPath: def.path,
      severity: r.severity,
      title: "Traefik API and dashboard served without authentication",
      message: `${def.path} = true serves Traefik's API and dashboard on the \`traefik\` entrypoint (port ${port}, every interface) with no authentication, ${r.text}: every router, service and backend address, the middlewares and the TLS setup, a map of what the host serves and where.`,
      fix: {
        safety: "review",
        description: "Set api.insecure = false and expose the dashboard through a router to api@internal on a private entrypoint with an authentication middleware (basicAuth or forwardAuth).",
        edits: [replaceNode(ctx.file, def.inner, "false")],
      },
    });
  }
  // A router to the API with no middleware: the API and dashboard on its entrypoints, no login.
  const routers = new Map<string, OptionDefinition[]>();
  for (const d of live) {
    const key = below(d, ["services", "traefik", "dynamicConfigOptions", "http", "routers"]);
    if (!key) continue;
    const name = key.split(".")[0]!;
    routers.set(name, [...(routers.get(name) ?? []), d]);
  }
  for (const [name, defs] of routers) {
    const field = (f: string) => defs.find((d) => below(d, ["services", "traefik", "dynamicConfigOptions", "http", "routers", name]) === f);
    const service = field("service");
    if (!service?.inner || staticValue(service.inner) !== "api@internal") continue;
    if (defs.some((d) => /^middlewares\b/.test(below(d, ["services", "traefik", "dynamicConfigOptions", "http", "routers", name]) ?? ""))) continue;
    const eps = field("entryPoints") ?? field("entrypoints");
    const names = eps ? staticValue(eps.inner) : undefined;
    const list = Array.isArray(names) ? names.filter((n): n is string => typeof n === "string") : [];
    const ports = list.map(entrypointPort).filter((p): p is number => p !== undefined);
    const r = reach(ports);
    ctx.report({
      node: service.inner,
      optionPath: service.path,
      severity: r.severity,
      title: "Traefik API and dashboard routed without authentication",
      message: `Router ${name} sends ${list.length ? `entrypoint${list.length > 1 ? "s" : ""} ${list.join(", ")}` : "every entrypoint"} to api@internal with no middleware, so Traefik's API and dashboard answer without a login, ${r.text}.`,
      fix: { safety: "review", description: `Add an authentication middleware to router ${name} (basicAuth with a usersFile, or forwardAuth), or route it only on a private entrypoint.` },
    });
  }
}

// Services that answer without a login, published by a local reverse proxy: what the proxyPass
// targets, and what whoever reaches them gets.
const PROXIED_UNAUTHENTICATED = [
  {
    service: "Alertmanager",
    enable: "services.prometheus.alertmanager.enable",
    target: /^https?:\/\/(?:127\.0\.0\.1|localhost|\[::1\]):(?:9093|\$\{\s*toString\s+config\.services\.prometheus\.alertmanager\.port\s*\})(?:\/|$)/,
    port: /\bconfig\.services\.prometheus\.alertmanager\.port\b/,
    what: "reads every alert and creates silences that mute alerting (an intruder's first step), with no login: Alertmanager has no authentication of its own",
  },
  {
    service: "Prometheus",
    enable: "services.prometheus.enable",
    target: /^https?:\/\/(?:127\.0\.0\.1|localhost|\[::1\]):(?:9090|\$\{\s*toString\s+config\.services\.prometheus\.port\s*\})(?:\/|$)/,
    port: /\bconfig\.services\.prometheus\.port\b/,
    what: "reads every metric and scrape target of the fleet (hosts, addresses, software versions, users) with no login: Prometheus has no authentication of its own",
  },
];

/**
 * Prometheus or Alertmanager published by an nginx virtual host with nothing asking for a login in
 * front, on a host that opens 80 or 443 on every interface (a name-based virtual host answers any
 * client that sends its name, a private-looking one included): medium. kmein/niveum
 * systems/makanek/monitoring/default.nix, alertmanager and prometheus vhosts on a public port 80,
 * judged missed.
 */
function checkProxiedMetrics(scope: Scope): void {
  for (const svc of PROXIED_UNAUTHENTICATED) {
    // The literal port alone is not enough (Cockpit also listens on 9090): the service is on.
    const on = effectiveValue(scope.definitions(svc.enable));
    const byOption = (at: ScopedDef) => svc.port.test(at.def.inner?.text ?? "");
    const pub = publishedByNginx(scope, svc.target, on.kind === "known" && on.value === true ? undefined : byOption);
    if (!pub) continue;
    reportPublished(scope, pub, {
      key: `proxied:${svc.service}`,
      title: `${svc.service} published by nginx without authentication`,
      message: (where) => `${unguardedProxyText(pub, svc.service, where)}: whoever sends a request with that Host name to port 80 or 443 ${svc.what}.`,
      fix: {
        safety: "manual",
        description: `Keep the virtual host to the private network (listenAddresses on the VPN address, or "allow <vpn range>; deny all;" in its extraConfig), or put a login in front (basicAuthFile, or auth_request to an SSO proxy such as oauth2-proxy).`,
      },
    });
  }
}

const proxiedMetrics = scoped(checkProxiedMetrics);

export const appAuthDisabled: Rule = {
  id: "app-auth-disabled",
  examples: {
    fire: [
      hostExample(`{\n  services.grafana = {\n    enable = true;\n    settings."auth.anonymous" = { enabled = true; org_role = "Admin"; };\n  };\n}\n`),
      hostExample(`{ services.grafana.settings.users.allow_sign_up = true; }\n`),
      hostExample(`{ services.photoprism = { enable = true; settings.PHOTOPRISM_AUTH_MODE = "public"; }; }\n`),
      hostExample(`{ services.syncthing = { enable = true; guiAddress = "0.0.0.0:8384"; }; }\n`),
      hostExample(`{ services.grafana.settings.auth.anonymous.enabled = true; }\n`),
      hostExample(`{\n  networking.firewall.allowedTCPPorts = [ 80 443 8080 ];\n  services.traefik = { enable = true; staticConfigOptions.api = { dashboard = true; insecure = true; }; };\n}\n`),
      hostExample(`{\n  services.traefik.staticConfigOptions.entryPoints.admin.address = ":9000";\n  networking.firewall.allowedTCPPorts = [ 9000 ];\n  services.traefik.dynamicConfigOptions.http.routers.dash = { entryPoints = [ "admin" ]; service = "api@internal"; };\n}\n`),
      hostExample(`{\n  services.qbittorrent = { enable = true; serverConfig.Preferences.WebUI = { LocalHostAuth = false; Password_PBKDF2 = "@ByteArray(c2FsdA==:aGFzaA==)"; }; };\n  services.nginx.virtualHosts."torrent.example.org".locations."/".proxyPass = "http://127.0.0.1:8080";\n}\n`),
      hostExample(`{ config, ... }: {\n  services.code-server = { enable = true; auth = "none"; user = "alice"; };\n  services.nginx.virtualHosts."code.example.org".locations."/".proxyPass = "http://127.0.0.1:\${toString config.services.code-server.port}";\n}\n`),
      // restic's REST server without a login, on loopback but published by a reverse proxy.
      hostExample(`{\n  services.restic.server = { enable = true; listenAddress = "127.0.0.1:8000"; extraFlags = [ "--no-auth" ]; };\n  services.nginx.virtualHosts."backup.example.org".locations."/".proxyPass = "http://127.0.0.1:8000";\n}\n`),
      // A Mosquitto listener letting anonymous clients read and write every topic.
      hostExample(`{\n  services.mosquitto = {\n    enable = true;\n    listeners = [ { omitPasswordAuth = true; settings.allow_anonymous = true; acl = [ "pattern readwrite #" ]; } ];\n  };\n}\n`),
      // Alertmanager behind a virtual host on the open port 80, with no login in front.
      hostExample(`{ config, ... }: {\n  services.prometheus.alertmanager = { enable = true; webExternalUrl = "http://alerts.internal.example"; };\n  services.nginx = { enable = true; virtualHosts."alerts.internal.example".locations."/".proxyPass = "http://127.0.0.1:\${toString config.services.prometheus.alertmanager.port}"; };\n  networking.firewall.allowedTCPPorts = [ 80 443 ];\n}\n`),
      // auth.proxy without a whitelist on every interface, its port open: anyone sends Remote-User.
      hostExample(`{\n  services.grafana.settings = {\n    server = { http_addr = "0.0.0.0"; http_port = 3000; };\n    "auth.proxy" = { enabled = true; header_name = "Remote-User"; auto_sign_up = true; };\n  };\n  networking.firewall.allowedTCPPorts = [ 3000 ];\n}\n`),
      // Open WebUI without a login, published by a reverse proxy on the open port 80.
      hostExample(`{\n  services.open-webui = { enable = true; port = 8080; environment.WEBUI_AUTH = "False"; };\n  services.caddy = { enable = true; virtualHosts."http://".extraConfig = "reverse_proxy 127.0.0.1:8080"; };\n  networking.firewall.allowedTCPPorts = [ 80 ];\n}\n`),
      // Kubo's RPC API (the node's admin interface) on every interface.
      hostExample(`{ services.kubo = { enable = true; settings.Addresses.API = "/ip4/0.0.0.0/tcp/5001"; }; }\n`),
      // rTorrent's XML-RPC behind nginx on the open port 80, without a login.
      hostExample(`{\n  networking.firewall.allowedTCPPorts = [ 80 ];\n  services.nginx = { enable = true; virtualHosts."nas.lan".locations."/RPC2".extraConfig = "scgi_pass 127.0.0.1:5000;"; };\n}\n`),
    ],
    silent: [
      hostExample(`{ services.grafana.settings = { "auth.anonymous".enabled = false; users.allow_sign_up = false; }; }\n`),
      hostExample(`{ services.photoprism.settings.PHOTOPRISM_AUTH_MODE = "password"; }\n`),
      hostExample(`{ services.qbittorrent = { enable = true; serverConfig.Preferences.WebUI.LocalHostAuth = true; }; }\n`),
      hostExample(`{ services.syncthing.guiAddress = "127.0.0.1:8384"; }\n`),
      hostExample(`{ services.syncthing = { guiAddress = "0.0.0.0:8384"; settings.gui = { user = "me"; password = "$2a$10$abcdefghijklmnopqrstuv"; }; }; }\n`),
      hostExample(`{ lib, ... }: { services.grafana.settings."auth.anonymous".enabled = lib.mkIf false true; }\n`),
      hostExample(`{ config, ... }: {\n  services.code-server = { enable = true; auth = "password"; hashedPassword = "$argon2i$v=19$m=4096,t=3,p=1$c2FsdA$aGFzaA"; };\n  services.nginx.virtualHosts."code.example.org".locations."/".proxyPass = "http://127.0.0.1:4444";\n}\n`),
      hostExample(`{ config, ... }: {\n  services.restic.server = { enable = true; appendOnly = true; htpasswd-file = config.age.secrets.restic-htpasswd.path; extraFlags = [ "--prometheus-no-auth" ]; };\n}\n`),
      // Prometheus behind a virtual host with basic authentication, and one on a port the firewall keeps closed.
      hostExample(`{ config, ... }: {\n  services.prometheus.enable = true;\n  services.nginx = { enable = true; virtualHosts."metrics.example.org" = { basicAuthFile = "/run/secrets/htpasswd"; locations."/".proxyPass = "http://127.0.0.1:\${toString config.services.prometheus.port}"; }; };\n  networking.firewall.allowedTCPPorts = [ 80 443 ];\n}\n`),
      hostExample(`{ config, ... }: {\n  services.prometheus.enable = true;\n  services.nginx = { enable = true; virtualHosts."metrics.example.org".locations."/".proxyPass = "http://127.0.0.1:9090"; };\n  networking.firewall.interfaces.wg0.allowedTCPPorts = [ 80 ];\n}\n`),
      // Alertmanager behind oauth2-proxy's nginx integration (auth_request on the virtual host).
      hostExample(`{\n  services.prometheus.alertmanager.enable = true;\n  services.nginx = { enable = true; virtualHosts."alerts.example.org".locations."/".proxyPass = "http://localhost:9093"; };\n  services.oauth2-proxy = { enable = true; nginx = { domain = "alerts.example.org"; virtualHosts."alerts.example.org" = { }; }; };\n  networking.firewall.allowedTCPPorts = [ 80 443 ];\n}\n`),
      // Anonymous clients without an ACL line (NixOS writes an ACL file: they get nothing), and a loopback listener.
      hostExample(`{\n  services.mosquitto.listeners = [\n    { settings.allow_anonymous = true; users.ha = { acl = [ "readwrite #" ]; hashedPasswordFile = "/run/secrets/ha"; }; }\n    { address = "127.0.0.1"; settings.allow_anonymous = true; acl = [ "pattern readwrite #" ]; }\n  ];\n}\n`),
      hostExample(`{\n  services.traefik.staticConfigOptions.api = { dashboard = true; insecure = false; };\n  services.traefik.dynamicConfigOptions.http.routers.dash = { entryPoints = [ "websecure" ]; service = "api@internal"; middlewares = [ "auth" ]; };\n}\n`),
      // auth.proxy from the proxy's address only, or on loopback behind a proxy on the same host.
      hostExample(`{\n  services.grafana.settings = {\n    server.http_addr = "0.0.0.0";\n    "auth.proxy" = { enabled = true; header_name = "Remote-User"; whitelist = "10.0.0.2"; };\n  };\n}\n`),
      hostExample(`{\n  services.grafana.settings = {\n    server.http_addr = "127.0.0.1";\n    "auth.proxy" = { enabled = true; header_name = "X-Email"; header_property = "email"; };\n  };\n}\n`),
      // Open WebUI with its login on; Kubo's API on loopback, or with API.Authorizations.
      hostExample(`{ services.open-webui = { enable = true; host = "0.0.0.0"; openFirewall = true; environment = { WEBUI_AUTH = "True"; ENABLE_SIGNUP = "False"; }; }; }\n`),
      hostExample(`{\n  services.kubo = { enable = true; settings.Addresses.API = [ "/ip4/127.0.0.1/tcp/5001" ]; settings.Addresses.Gateway = "/ip4/0.0.0.0/tcp/8080"; };\n}\n`),
      hostExample(`{ services.kubo = { enable = true; settings.Addresses.API = "/ip4/0.0.0.0/tcp/5001"; settings.API.Authorizations.admin = { AuthSecret = "bearer:x"; AllowedPaths = [ "/api/v0" ]; }; }; }\n`),
      // qBittorrent confined to a VPN namespace: its loopback is the namespace's own.
      hostExample(`{\n  services.qbittorrent = { enable = true; serverConfig.Preferences.WebUI.LocalHostAuth = false; };\n  systemd.services.qbittorrent.vpnConfinement = { enable = true; vpnNamespace = "wg"; };\n  services.nginx.virtualHosts."torrent.example.org".locations."/".proxyPass = "http://192.168.15.1:8080";\n}\n`),
      // The same location behind basic authentication.
      hostExample(`{\n  networking.firewall.allowedTCPPorts = [ 80 ];\n  services.nginx = { enable = true; virtualHosts."nas.lan" = { basicAuthFile = "/run/secrets/htpasswd"; locations."/RPC2".extraConfig = "scgi_pass 127.0.0.1:5000;"; }; };\n}\n`),
    ],
  },
  name: "Application authentication turned off",
  category: "access",
  severity: "medium",
  rationale:
    "Self-hosted web applications protect their data with a login. Grafana's anonymous access and open sign-up, PhotoPrism's public mode and a Syncthing GUI on every interface without a GUI user Traefik's API served without authentication, a Mosquitto listener granting topics to clients without a password, qBittorrent's WebUI with LocalHostAuth off behind a local reverse proxy, Open WebUI with WEBUI_AUTH off and Kubo's RPC API on every interface let whoever reaches the port read (and often change) the data, from every network the host is on.",
  fix: "Turn the login back on (Grafana auth.anonymous.enabled = false and users.allow_sign_up = false; PhotoPrism AUTH_MODE = \"password\"; Syncthing GUI on 127.0.0.1 or with a GUI user and password), or keep the service on a private network only.",
  references: [
    { title: "Grafana: anonymous authentication", url: "https://grafana.com/docs/grafana/latest/setup-grafana/configure-security/configure-authentication/anonymous-auth/" },
    { title: "Grafana configuration: allow_sign_up", url: "https://grafana.com/docs/grafana/latest/setup-grafana/configure-grafana/#allow_sign_up" },
    { title: "PhotoPrism config options: PHOTOPRISM_AUTH_MODE", url: "https://docs.photoprism.app/getting-started/config-options/" },
    { title: "Syncthing: GUI listen address and authentication", url: "https://docs.syncthing.net/users/guilisten.html" },
    { title: "Traefik: API and dashboard (api.insecure, securing with a router and middleware)", url: "https://doc.traefik.io/traefik/operations/api/" },
    nixosOption("services.qbittorrent.serverConfig"),
    { title: "Open WebUI environment configuration: WEBUI_AUTH", url: "https://docs.openwebui.com/getting-started/env-configuration/" },
    { title: "Kubo config: Addresses.API and API.Authorizations", url: "https://github.com/ipfs/kubo/blob/master/docs/config.md" },
  ],
  compliance: { cis: ["2.2 Special Purpose Services"], nist: ["PR.AA-01", "PR.AA-03"] },
  checkNix(ctx) {
    checkNix(ctx);
    proxiedMetrics.checkNix(ctx);
  },
  checkHost: proxiedMetrics.checkHost,
};
