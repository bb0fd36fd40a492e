// firewall-sensitive-port: a database, metrics or administration port in
// `networking.firewall.allowedTCPPorts` / `allowedUDPPorts`, which open it on every interface. The
// ports are data (ports.ts); a port list element may be a number or the service's own port option
// (`config.services.postgresql.settings.port`). The fix moves the ports to a private interface's
// list (`networking.firewall.interfaces."tailscale0".allowedTCPPorts`): review, because clients on
// other networks lose access.
import { SyntaxKind as K, type SyntaxNode } from "../../nix/syntax.js";
import { staticValue } from "../../nix/values.js";
import { atLeast, type Severity } from "../../report/severity.js";
import { appliedScope, isDead, isDisabled, isEnabled, segmentsMatch, type Scope } from "../shared/scope.js";
import { perHost } from "../shared/per-host.js";
import type { OptionDefinition } from "../../nix/options.js";
import { listOf, removeListElements } from "../shared/edits.js";
import { SENSITIVE_PORTS, sensitivePort, sensitiveService, type SensitivePort } from "./ports.js";
import { addInterfacePorts, privateInterface, TAILSCALE_RANGES, withinRange } from "./private-interface.js";
import { staticString, unparen } from "../../nix/options.js";
import { cookString, INTERPOLATION } from "../shared/string-lines.js";
import type { NixFileContext, Rule, TextEdit } from "../types.js";
import { hostExample } from "../shared/examples.js";
import { resolveValue } from "../shared/syntax.js";
import { containersOf, type Container } from "../shared/containers.js";
import { nixosManual, nixosOption } from "../shared/references.js";
import { escapeRegExp } from "../../text/regexp.js";
import { KNOWN_TCP_PORTS } from "./firewall-disabled.js";

const EXPORTERS = SENSITIVE_PORTS.find((r) => r.service === "Prometheus exporters")!;

/** What a port list element opens, if it is a sensitive port. */
export function classifyPortElement(el: SyntaxNode, protocol: "tcp" | "udp"): { row: SensitivePort; port: string } | undefined {
  // A let-bound name (`port = 3100;` ... `allowedTCPPorts = [ port ];`, the shape of a module per
  // service: truxnell nixos/modules/applications/monitoring/loki) stands for its number.
  const v = staticValue(el.kind === K.NODE_IDENT ? resolveValue(el) : el);
  if (typeof v === "number") {
    const row = sensitivePort(v, protocol);
    return row ? { row, port: String(v) } : undefined;
  }
  if (el.kind === K.NODE_SELECT) {
    const text = el.text.replace(/\s+/g, "");
    // The service's own listen port in its structured configuration
    // (`config.services.loki.configuration.server.http_listen_port`).
    const own = /^config\.services\.([\w.-]+?)\.(?:configuration|settings)\.server\.http_listen_port$/.exec(text);
    const ownRow = own ? sensitiveService(own[1]!) : undefined;
    if (ownRow && (ownRow.protocol === "both" || ownRow.protocol === protocol)) return { row: ownRow, port: el.text };
    const m = /^config\.services\.([\w.-]+?)\.(?:settings\.)?(?:port|listenPort)$/.exec(text);
    if (!m) return undefined;
    const name = m[1]!;
    const row = sensitiveService(name) ?? (name.startsWith("prometheus.exporters.") ? EXPORTERS : undefined);
    if (row && (row.protocol === "both" || row.protocol === protocol)) return { row, port: el.text };
  }
  return undefined;
}

/**
 * A port list element reading the listen port out of a configuration the file hands to a service
 * (`lokiConfig.server.http_listen_port`, with `lokiConfig = import ./loki.nix` and
 * `services.loki.configFile = format.generate "loki.yaml" lokiConfig`): that service's port. The
 * name must be what the service's configuration (or configFile) is made from, in the same file.
 */
function configPortElement(ctx: NixFileContext, el: SyntaxNode, protocol: "tcp" | "udp"): { row: SensitivePort; port: string } | undefined {
  if (el.kind !== K.NODE_SELECT || el.firstToken(K.TOKEN_OR_KW)) return undefined;
  const m = /^([A-Za-z_][\w'-]*)\.server\.http_listen_port$/.exec(el.text.replace(/\s+/g, ""));
  if (!m) return undefined;
  const name = new RegExp(`(?<![\\w.'-])${escapeRegExp(m[1]!)}(?![\\w'-])`);
  for (const d of ctx.index.definitions) {
    const s = d.segments;
    if (isDead(d) || s.length !== 3 || s[0]!.name !== "services" || s[1]!.dynamic || !/^(?:configuration|configFile|settings)$/.test(s[2]!.name)) continue;
    if (!name.test(d.inner?.text ?? "")) continue;
    const row = sensitiveService(s[1]!.name);
    if (row && (row.protocol === "both" || row.protocol === protocol)) return { row, port: el.text };
  }
  return undefined;
}

/** The file configures the service's authentication (the row's authenticatedBy options). */
function authenticated(ctx: NixFileContext, row: SensitivePort): boolean {
  const byDefault = row.authenticatedByDefault;
  if (byDefault) {
    const defs = (ctx.index.byPath.get(byDefault.option) ?? []).filter((d) => !isDead(d));
    // NixOS's mosquitto module: users with passwords and no anonymous access unless asked for
    // (LongerHV nixos/nasgul/selfhosted/smarthome.nix: users with passwordFile on 1883).
    if (defs.length && !defs.some((d) => byDefault.unless.test(d.inner?.text ?? ""))) return true;
  }
  if (!row.authenticatedBy) return false;
  return ctx.index.definitions.some((d) => !isDead(d) && row.authenticatedBy!.some((p) => segmentsMatch(d, p)) && staticValue(d.inner) !== null && staticValue(d.inner) !== false);
}

interface Hit {
  el: SyntaxNode;
  row: SensitivePort;
  port: string;
  /** The element names the service's own port option (`config.services.x.port`): a listener. */
  byService: boolean;
}

/** One port list with sensitive ports in it, found once per file and judged per host. */
interface PortList {
  def: OptionDefinition;
  path: string;
  protocol: "tcp" | "udp";
  option: string;
  list: SyntaxNode;
  hits: Hit[];
}

/** A container of the file publishes the port: then the port is that container's. Not this row's
 * service when it publishes only on loopback (the opening reaches nothing) or its image is another
 * program (khaneliman's self-hosted suite: 127.0.0.1:2375 for a socket proxy, 8088 for a web app,
 * not the Docker API or InfluxDB). */
function publishedByOtherContainer(containers: Container[], hit: { row: SensitivePort; port: string }): boolean {
  const pubs = containers.flatMap((c) => c.ports.filter((p) => p.hostPort === hit.port).map((p) => ({ c, p })));
  if (pubs.length === 0) return false;
  if (pubs.every(({ p }) => p.address === "loopback")) return true;
  const words = [...(hit.row.nixos ?? []), ...hit.row.service.toLowerCase().split(/[^a-z0-9]+/)].filter((w) => w.length >= 4).map((w) => w.slice(0, 5));
  return pubs.every(({ c }) => c.image !== undefined && !words.some((w) => c.image!.toLowerCase().includes(w)));
}

function portLists(ctx: NixFileContext): PortList[] {
  const out: PortList[] = [];
  let containers: Container[] | undefined;
  for (const path of ["networking.firewall.allowedTCPPorts", "networking.firewall.allowedUDPPorts"]) {
    const protocol = path.endsWith("TCPPorts") ? "tcp" : "udp";
    const option = path.split(".").at(-1)!;
    for (const def of ctx.index.byPath.get(path) ?? []) {
      if (isDead(def)) continue;
      const list = listOf(def.inner);
      if (!list) continue;
      const hits: Hit[] = [];
      for (const el of list.childNodes()) {
        const c = classifyPortElement(el, protocol) ?? configPortElement(ctx, el, protocol);
        if (c && !authenticated(ctx, c.row) && !publishedByOtherContainer((containers ??= containersOf(ctx.index.definitions)), c)) hits.push({ el, ...c, byService: el.kind !== K.NODE_IDENT && typeof staticValue(el) !== "number" });
      }
      if (hits.length) out.push({ def, path, protocol, option, list, hits });
    }
  }
  return out;
}

/**
 * Is something in the host's configuration known to listen on the port: the row's NixOS service
 * (or another module serving that port, `listenedBy`) enabled, or a definition outside the
 * firewall naming the port (`services.x.port = 5555;`, `listenAddress = "0.0.0.0:5555"`,
 * `ports = [ "5555:5555" ]`, `--port 5555` in a command line)?
 */
function knownListener(scope: Scope, hit: Hit): boolean {
  if (hit.byService) return true;
  const applied = appliedScope(scope);
  for (const name of rowServices(hit)) if (isEnabled(applied, `services.${name}.enable`)) return true;
  // The row's service configured but enabled by a module the scan cannot read (srvos's
  // mixins-telegraf sets services.telegraf.enable; the repository only sets
  // services.telegraf.extraConfig: nix-community-infra modules/nixos/common/telegraf.nix).
  for (const name of hit.row.nixos ?? []) if (configuredService(applied, name)) return true;
  const port = hit.port;
  const exact = new RegExp(`(?<![\\w.])${port}(?![\\w.])`);
  const inText = new RegExp(`(?:[:=]|\\bport\\b["']?\\s*[:=]?\\s*|--?[\\w-]*port[\\s=]+)${port}(?!\\d)|(?<![\\d.])${port}:\\d`, "i");
  for (const f of scope.files) {
    if (!f.text.includes(port)) continue;
    for (const d of f.index.definitions) {
      if (!d.isLeaf || isDead(d) || d.path.startsWith("networking.firewall.") || d.path.startsWith("networking.nftables.")) continue;
      const text = d.inner?.text;
      if (!text || !text.includes(port)) continue;
      const last = d.segments.at(-1)?.name ?? "";
      if (/port/i.test(last) && exact.test(text)) return true;
      if (inText.test(text)) return true;
    }
  }
  return false;
}

/** Well-known programs other than the row's product that use the same port by default, each
 * recognised by words in the host's option paths or container images: a port the host gives to one
 * of them is that program's, not the row's guess (TheMaxMur-NixOS-Configuration vpntwvm: 10000 is
 * NetBird's signal port next to its management and TURN ports, not Webmin; kmein-niveum zaatar: 8123
 * is Home Assistant in a host-network container, not ClickHouse; both judged wrong). */
const OTHER_OWNERS: Record<string, Array<{ name: string; words: RegExp }>> = {
  "10000": [
    { name: "NetBird's signal server", words: /netbird[\w.-]*(?:server|signal|management)|netbirdio\/(?:signal|management)/i },
    // Jitsi Videobridge's media port (Lassulus-superconfig 2configs/services/coms/jitsi.nix, with
    // services.jitsi-meet: judged wrong as Webmin).
    { name: "Jitsi Videobridge's media port", words: /jitsi-(?:videobridge|meet)|\bjvb\b/i },
  ],
  "8123": [{ name: "Home Assistant", words: /home-?assistant|\bhass\b/i }],
};

/** The program other than the row's product that the host's configuration gives the port to. */
function otherOwner(scope: Scope, hit: Hit): string | undefined {
  const owners = OTHER_OWNERS[hit.port];
  if (!owners) return undefined;
  const applied = appliedScope(scope);
  // The row's own service runs on the host too: the port stays its (ClickHouse next to Home Assistant).
  if (rowServiceRuns(applied, hit)) return undefined;
  for (const o of owners) {
    for (const f of applied.files) {
      if (!o.words.test(f.text)) continue;
      for (const d of f.index.definitions) {
        if (isDead(d) || (applied.applies && !applied.applies({ file: f, def: d }))) continue;
        if (o.words.test(d.path) || (/\bimage$/.test(d.path) && o.words.test(d.inner?.text ?? ""))) return o.name;
      }
    }
  }
  return undefined;
}

/** A container of the host shares the host's network (`--network=host`): whatever it runs listens
 * on the host's ports, unseen by the options the scan reads. */
function hostNetworkContainer(scope: Scope): string | undefined {
  for (const f of appliedScope(scope).files) {
    if (!/--net(?:work)?[= ]host\b|networkMode\s*=\s*"host"/.test(f.text)) continue;
    const c = containersOf(f.index.definitions).find((x) => x.extraOptions.some((o) => /^--net(?:work)?[= ]host$/.test(o)));
    if (c) return `${c.name} (${f.file})`;
  }
  return undefined;
}

/** What pairs a UDP port list with the file's TCP list of the same ports (the leader reports both). */
const pairs = new WeakMap<NixFileContext, PortList[]>();

function pairedList(ctx: NixFileContext, pl: PortList): { role: "leader" | "follower"; other: PortList } | undefined {
  let lists = pairs.get(ctx);
  if (!lists) pairs.set(ctx, (lists = portLists(ctx)));
  const same = (a: PortList, b: PortList) => a.def.conditions.map((c) => c.text).join("\0") === b.def.conditions.map((c) => c.text).join("\0");
  const covers = (tcp: PortList, udp: PortList) => udp.hits.every((u) => tcp.hits.some((t) => t.port === u.port && t.row === u.row));
  if (pl.protocol === "tcp") {
    const udp = lists.find((o) => o.protocol === "udp" && same(o, pl) && covers(pl, o));
    return udp ? { role: "leader", other: udp } : undefined;
  }
  // Only the UDP list the TCP list leads (the first it covers) follows it.
  const tcp = lists.find((o) => o.protocol === "tcp" && same(o, pl) && covers(o, pl) && lists!.find((u) => u.protocol === "udp" && same(u, o) && covers(o, u))?.def === pl.def);
  return tcp ? { role: "follower", other: tcp } : undefined;
}

/** k3s and RKE2 start their kubelet with anonymous authentication off and webhook authorisation:
 * 10250 is how the server reaches the node (logs, exec), not an open door (wrmilling-nixos-configuration
 * k3s-firewall.nix `10250 # K3s Metrics Server`, judged wrong at high). */
function k3sKubelet(scope: Scope, hit: Hit): boolean {
  if (hit.row.service !== "Kubelet API") return false;
  const applied = appliedScope(scope);
  return !isEnabled(applied, "services.kubernetes.kubelet.enable") && !!isEnabled(applied, "services.k3s.enable", "services.rke2.enable");
}

/** Option names that say where a service listens (an address, or an address with its port). */
const LISTEN_KEY = /^(?:listenAddress(?:es)?|listen_address(?:es)?|listen|bind|address|addr|host|http_addr|listenHost)$/i;

const OTHER_LISTEN_KEY = /^(?:listenAddress(?:es)?|listen_address(?:es)?|listen|bind|http_addr|listenHost)$/i;

/** A NixOS service is the row's own (`prometheus.exporters.node` for the node exporter). */
function ownService(hit: Hit, name: string): boolean {
  return rowServices(hit).some((r) => name === r || name.startsWith(`${r}.`) || r.startsWith(`${name}.`));
}

/**
 * Another NixOS service of the host is set up to listen on the port (`services.restic.server.listenAddress
 * = "${wgIp}:8123"`, `--listen 0.0.0.0:9090` in its flags): the port is that program's, not the
 * row's guess from the number (a restic REST server on 8123 is not ClickHouse). Its name, or undefined.
 */
function otherListener(scope: Scope, hit: Hit): string | undefined {
  if (hit.byService) return undefined;
  const port = hit.port;
  const listen = new RegExp(`:${port}"?$`);
  const flag = new RegExp(`--?(?:listen|bind|addr(?:ess)?|http-addr|web\\.listen-address)[\\w-]*[=\\s"]+[^\\s"]*:${port}(?!\\d)`, "i");
  const applied = appliedScope(scope);
  for (const f of applied.files) {
    if (!f.text.includes(port)) continue;
    for (const d of f.index.definitions) {
      const s = d.segments;
      if (!d.isLeaf || isDead(d) || s.length < 3 || s[0]!.name !== "services" || s.some((x) => x.dynamic)) continue;
      if (applied.applies && !applied.applies({ file: f, def: d })) continue;
      const text = d.inner?.text.trim() ?? "";
      if (!text.includes(port)) continue;
      const last = s.at(-1)!.name;
      // `host`/`address` are as often where a client connects (grafana's database.host =
      // "/run/postgresql:5432"): only names that say "listen" or "bind" count here.
      const byAddress = OTHER_LISTEN_KEY.test(last) && listen.test(text) && !/^"\//.test(text);
      const byFlag = /(?:flags|args|arguments|options)$/i.test(last) && flag.test(text);
      if (!byAddress && !byFlag) continue;
      const name = s.slice(1, -1).map((x) => x.name).join(".");
      if (!ownService(hit, name)) return name;
    }
  }
  return undefined;
}

/**
 * The row's own service listens on one address, not on every interface (`listenAddress =
 * "10.100.0.1:9100"`, `settings.listen_addresses = "192.168.1.2"`, `bind = "${wgIp}"`): only the
 * networks that route to that address reach it, whatever the firewall opens. The address as written.
 */
function boundAddress(scope: Scope, hit: Hit): string | undefined {
  const applied = appliedScope(scope);
  // The service whose port it is: the one the element names (`config.services.prometheus.exporters.nginxlog.port`),
  // else the row's one service that runs here (a row of several exporters says nothing of which).
  const named = /^config\.services\.([\w.-]+?)\.(?:settings\.)?(?:port|listenPort|configuration\.server\.http_listen_port|settings\.server\.http_listen_port)$/.exec(hit.el.text.replace(/\s+/g, ""))?.[1];
  const running = rowServices(hit).filter((name) => isEnabled(applied, `services.${name}.enable`) || configuredService(applied, name));
  const candidates = hit.byService ? (named ? [named] : []) : running.length === 1 ? running : [];
  for (const name of candidates) {
    const prefix = `services.${name}.`;
    for (const f of applied.files) {
      for (const d of f.index.definitions) {
        if (!d.isLeaf || isDead(d) || !d.path.startsWith(prefix) || !LISTEN_KEY.test(d.segments.at(-1)!.name)) continue;
        if (applied.applies && !applied.applies({ file: f, def: d })) continue;
        // A path below another service (`prometheus.exporters.x` under `prometheus`) is not this one's.
        const rest = d.segments.slice(name.split(".").length + 1, -1).map((x) => x.name);
        if (rest.length > 1 || (rest.length === 1 && !/^(?:settings|server|servers|config|listen)$/.test(rest[0]!))) continue;
        if (d.inner?.kind !== K.NODE_STRING) return undefined;
        const text = d.inner.text.slice(1, -1).trim();
        const hosts = text.split(/[\s,]+/).map((h) => h.replace(/:\d+$/, "").replace(/^\[|\]$/g, "")).filter((h) => h !== "");
        if (hosts.length === 0 || hosts.some((h) => /^(?:0\.0\.0\.0|::|\*|0)$/.test(h))) return undefined;
        return text;
      }
    }
  }
  return undefined;
}

/** Private addresses: RFC 1918, CGNAT (Tailscale), loopback, IPv6 unique-local and link-local. */
function privateAddress(a: string): boolean {
  if (/^(?:::1|fe80:|f[cd][0-9a-f]{2}:)/i.test(a)) return true;
  return ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8"].some((r) => withinRange(a, r));
}

/**
 * PostgreSQL's pg_hba (`services.postgresql.authentication`) admits network clients only from
 * private networks (`host all all 192.168.88.0/24 md5`): other networks reach the port but are
 * refused before a password is asked for. The subnets, or undefined when a line admits any address
 * (`all`, `0.0.0.0/0`, a host name) or the text is not read (pborzenkov-nix-config rock's Terraform
 * state database, LAN-only by design, judged low).
 */
function pgHbaPrivate(scope: Scope): string[] | undefined {
  const out: string[] = [];
  for (const { def } of appliedScope(scope).definitions("services.postgresql.authentication")) {
    if (isDead(def) || !def.inner) continue;
    const inner = unparen(def.inner)!;
    const text = staticString(inner.kind === K.NODE_APPLY ? (inner.childNodes().at(-1) ?? inner) : inner);
    if (text === undefined) return undefined;
    for (const line of text.split("\n")) {
      const f = line.trim().split(/\s+/);
      if (!/^host(?:ssl|nossl|gssenc|nogssenc)?$/.test(f[0] ?? "")) continue;
      const addr = f[3] ?? "";
      if (f[4] && /^\d+\.\d+\.\d+\.\d+$/.test(f[4]) && /^\d+\.\d+\.\d+\.\d+$/.test(addr)) {
        // address and netmask in two columns
        if (!privateAddress(addr)) return undefined;
      } else if (!privateAddress(addr.split("/")[0]!) || !/\//.test(addr)) return undefined;
      if (!/^(?:127\.|::1)/.test(addr)) out.push(addr);
    }
  }
  return out.length ? [...new Set(out)] : undefined;
}

/**
 * The number is another service's default port, and that service runs on the host while the row's
 * does not: 8123 opened next to `services.home-assistant.enable` is Home Assistant's web UI with its
 * own login, not ClickHouse's HTTP interface (diogotcorreia-dotfiles hera `allowedTCPPorts = [ hassPort ]`,
 * judged wrong: "the default user has an empty password" was false).
 */
function portOfOtherService(scope: Scope, hit: Hit): boolean {
  if (hit.byService) return false;
  if (namedForOther(hit)) return true;
  const applied = appliedScope(scope);
  if (rowServiceRuns(applied, hit)) return false;
  const own = rowServices(hit);
  const port = Number(hit.port);
  return Object.entries(KNOWN_TCP_PORTS).some(([name, ports]) => !own.includes(name) && ports.includes(port) && isEnabled(applied, `services.${name}.enable`));
}

/** The row's reason, or that of the one NixOS service of the row the scope runs when it has its
 * own (drupol-infra noise-station-server: services.influxdb2 on 8086 was told "InfluxDB 1.x has
 * auth-enabled = false", judged a wrong reason; InfluxDB 2 asks for tokens). */
function whyOf(scope: Scope, hit: Hit): string {
  if (!hit.row.whyFor) return hit.row.why;
  const applied = appliedScope(scope);
  const running = (hit.row.nixos ?? []).filter((n) => isEnabled(applied, `services.${n}.enable`) || configuredService(applied, n));
  return running.length === 1 && hit.row.whyFor[running[0]!] ? hit.row.whyFor[running[0]!]! : hit.row.why;
}

/** The NixOS services that are the row's own product. */
function rowServices(hit: Hit): string[] {
  const by = hit.row.listenedBy ?? [];
  // One exporter per port: another exporter's being on says nothing of this port (cleverca22-nixos-configs
  // exporter.nix opened the nginx exporter's 9113 with only smartctl and node exporters running;
  // judged wrong at medium, a stale port: should be info).
  const i = hit.row.ports.indexOf(Number(hit.port));
  const mine = hit.row.listenedByPerPort && i >= 0 && by[i] ? [by[i]] : by;
  return [...(hit.row.nixos ?? []), ...mine];
}

/** Words of a port's comment that name no program: protocols, kinds of endpoint, filler. */
const GENERIC_COMMENT_WORDS = new Set([
  "tcp", "udp", "port", "ports", "server", "servers", "service", "services", "listener", "listeners", "listen", "metrics",
  "metric", "api", "web", "http", "https", "grpc", "for", "the", "and", "plus", "open", "opened", "access", "default",
  "interface", "local", "lan", "only", "via", "from", "with", "endpoint", "exporter", "export", "daemon", "dashboard",
  "admin", "database", "socket", "traffic", "allow", "allowed", "needed", "required", "used", "use",
]);

/**
 * The comment on the port's own line names a program that is not the row's product, and the
 * row's own service does not run where the scope applies: the port is that program's. The number
 * alone was taken for the usual owner: pborzenkov-nix-config `9090 # Calibre sync server` (not
 * Prometheus), wrmilling-nixos-configuration k3s-firewall.nix `8123 # Home Assistant` (not
 * ClickHouse) and `9090 # CSI RBD Plugin GRPC Metrics` (both judged wrong, with a harmful move).
 * A comment naming the row's product (`9100 # Node Exporter Metrics`, `10250 # K3s Metrics
 * Server`) or only generic words keeps the port.
 */
function commentNamesOther(ctx: NixFileContext, scope: Scope, hit: Hit): boolean {
  const text = ctx.text;
  const lineEnd = text.indexOf("\n", hit.el.end);
  const m = /^[ \t]*#\s*(.*)$/.exec(text.slice(hit.el.end, lineEnd < 0 ? text.length : lineEnd));
  if (!m) return false;
  // The element is the only one on its line: the comment is about it, not the whole list.
  const lineStart = text.lastIndexOf("\n", hit.el.start - 1) + 1;
  if (!/^\s*(?:[\w."]+\s*=\s*)?\[?\s*$/.test(text.slice(lineStart, hit.el.start))) return false;
  const words = m[1]!.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length >= 3 && !/^\d+$/.test(w));
  const named = words.filter((w) => !GENERIC_COMMENT_WORDS.has(w));
  if (named.length === 0) return false;
  const own = [...rowServices(hit), ...(hit.row.aka ?? []), ...hit.row.service.toLowerCase().split(/[^a-z0-9]+/)].map((w) => w.toLowerCase().replace(/[^a-z0-9]/g, "")).filter((w) => w.length >= 3);
  if (words.some((w) => own.some((o) => o.startsWith(w.slice(0, 4)) || w.startsWith(o.slice(0, 4))))) return false;
  return !rowServiceRuns(appliedScope(scope), hit);
}

/** One of the row's own services is enabled or configured where the scope applies. */
function rowServiceRuns(applied: Scope, hit: Hit): boolean {
  return rowServices(hit).some((name) => isEnabled(applied, `services.${name}.enable`) || configuredService(applied, name));
}

/** Stems of a port variable's name that say nothing about which program listens. */
const GENERIC_STEMS = new Set(["", "db", "database", "sql", "server", "service", "http", "https", "web", "api", "app", "admin", "metrics", "main", "default", "listen", "local", "public", "internal", "external", "my", "tcp", "udp", "ui", "gui", "host", "base"]);

/** The port is a let-bound name that names another program (`hassPort = 8123`: Home Assistant, not
 * ClickHouse): its stem shares no word with the row's service. */
function namedForOther(hit: Hit): boolean {
  if (hit.el.kind !== K.NODE_IDENT) return false;
  const stem = hit.el.text.replace(/[-_]?port$/i, "").toLowerCase();
  if (GENERIC_STEMS.has(stem) || stem.length < 3) return false;
  const words = [...rowServices(hit), ...hit.row.service.toLowerCase().split(/[^a-z0-9]+/)].map((w) => w.toLowerCase().replace(/[^a-z0-9]/g, "")).filter((w) => w.length >= 3);
  return !words.some((w) => w.startsWith(stem.slice(0, 4)) || stem.includes(w.slice(0, 4)));
}

/** Options of `services.<name>` set (other than enable) on the host and enable not turned off. */
function configuredService(scope: Scope, name: string): boolean {
  if (isDisabled(scope, `services.${name}.enable`)) return false;
  const prefix = `services.${name}.`;
  for (const f of scope.files) {
    for (const d of f.index.definitions) {
      if (!d.path.startsWith(prefix) || d.path === `${prefix}enable` || isDead(d)) continue;
      if (scope.applies && !scope.applies({ file: f, def: d })) continue;
      return true;
    }
  }
  return false;
}

/** A client of an export on the tailnet: in Tailscale's CGNAT range, or a MagicDNS-style name. */
function tailnetClient(c: string): boolean {
  return TAILSCALE_RANGES.some((r) => withinRange(c, r)) || /(^|\.)tailnet(\.|$)|\.ts\.net$/i.test(c);
}

/** A client only a private network reaches: an RFC 1918 or CGNAT address or subnet, or a tailnet name. */
function privateClient(c: string): boolean {
  // A single-label host name (`amd`, `nas`) resolves only on the local network (hosts file, the
  // LAN's DNS): no public name has one label (cleverca22-nixos-configs nas.nix exports to amd, c2d,
  // router: judged "should be low", a LAN NAS).
  if (/^[a-z][a-z0-9-]*$/i.test(c)) return true;
  return tailnetClient(c) || ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].some((r) => withinRange(c, r));
}

/** The exports' text with each interpolation as a neutral word (`${options}` in the options of
 * `10.10.10.0/24(${options})` leaves the client readable); undefined when not a string. */
function exportsText(node: SyntaxNode): string | undefined {
  // `let options = "rw,sync"; in '' /tank 10.10.10.0/24(${options}) ''`: the string is the body.
  let inner = node;
  while (inner.kind === K.NODE_LET_IN && inner.childNodes().at(-1)) inner = unparen(inner.childNodes().at(-1))!;
  const s = staticString(inner);
  if (s !== undefined) return s;
  const cooked = cookString(inner);
  return cooked?.text.replaceAll(INTERPOLATION, "\u0001");
}

/** Every client word of the exports (addresses, subnets, names, wildcards), for the rating. */
function nfsClientWords(scope: Scope): string[] {
  const out = new Set<string>();
  for (const { def } of appliedScope(scope).definitions("services.nfs.server.exports")) {
    if (isDead(def) || !def.inner) continue;
    const text = exportsText(unparen(def.inner)!);
    if (text === undefined) return ["?"];
    for (const line of text.split("\n")) {
      const t = line.trim();
      if (t === "" || t.startsWith("#")) continue;
      for (const word of t.split(/\s+/).slice(1)) {
        if (word.startsWith("-")) continue;
        out.add(word.split("(")[0] || "*");
      }
    }
  }
  return [...out];
}

/** The clients `services.nfs.server.exports` names by IPv4 address or subnet (`10.8.10.0/24(rw)`). */
function nfsClients(scope: Scope): string[] {
  const out = new Set<string>();
  for (const { def } of appliedScope(scope).definitions("services.nfs.server.exports")) {
    if (isDead(def) || !def.inner) continue;
    const text = exportsText(unparen(def.inner)!);
    if (text === undefined) continue;
    for (const line of text.split("\n")) {
      const t = line.trim();
      if (t === "" || t.startsWith("#")) continue;
      for (const word of t.split(/\s+/).slice(1)) {
        const m = /^(\d{1,3}(?:\.\d{1,3}){3}(?:\/\d{1,2})?)(?:\(|$)/.exec(word);
        if (m) out.add(m[1]!);
      }
    }
  }
  return [...out];
}

const checks = perHost(portLists, (pl, scope, ctx, report) => {
  // On a whole host (every module known), a port whose meaning is only its number and that nothing
  // configured listens on is an open port, not an exposed service (NobbZ's 5555, "adb" on a desktop
  // with no adb anywhere, judged wrong at high). In a lone module the service may be elsewhere.
  const whole = scope.kind === "host" && scope.defaultsApply;
  const hits = pl.hits.filter((h) => (scope.kind !== "host" || !portOfOtherService(scope, h)) && !commentNamesOther(ctx, scope, h) && !otherListener(scope, h) && !k3sKubelet(scope, h));
  if (hits.length === 0) return;
  // The same ports in the file's UDP list as in its TCP list: one finding (the TCP one) whose fix
  // moves both, not two that each move half (Electrostasy-dots luna/nfs.nix 111 and 2049 reported
  // once per protocol, judged a duplicate).
  const twin = pairedList(ctx, pl);
  if (twin?.role === "follower") return;
  // A port another well-known program of the host uses by default is that program's.
  const own = hits.filter((h) => !otherOwner(scope, h));
  const listened = own.filter((h) => !whole || knownListener(scope, h));
  // "Nothing listens" is not known where a container shares the host's network: it may.
  const idle = whole && hostNetworkContainer(scope) ? [] : own.filter((h) => !listened.includes(h));
  const applies = scope.applies;
  let iface = privateInterface(scope.files.length ? scope.files : [ctx], applies ? (file, def) => applies({ file, def }) : undefined);
  // The clients the NFS exports name by address: those outside the interface's network would be cut
  // off by the move (truxnell/nix-config daedalus exports to its LAN subnets, judged harmful).
  const nfs = hits.some((h) => h.row.service === "NFS" || h.row.service === "rpcbind");
  const words = nfs ? nfsClientWords(scope) : [];
  // Exports to Tailscale addresses only (100.64.0.0/10) belong on the Tailscale interface, even
  // where the module that turns Tailscale on is not seen (alyraffauf-nixcfg mauville/nfs.nix: the
  // fix said tailscale0 "would cut those clients off", judged useless).
  if (!iface.known && words.length && words.every(tailnetClient)) {
    // Only a description: the interface is tailscale0 only where Tailscale runs, and nothing seen
    // turns it on here (a patch to an interface the host lacks cuts every client off).
    iface = { name: "tailscale0", known: false, why: "the NFS exports name only tailnet clients (100.64.0.0/10 is the range Tailscale gives its nodes), but nothing in the configuration turns Tailscale on: check that the host runs it", ranges: TAILSCALE_RANGES };
  }
  const cutOff = nfs ? nfsClients(scope).filter((c) => !iface.ranges?.some((r) => withinRange(c, r))) : [];
  // Tailnet clients reach the host through Tailscale's interface: a fix must keep that one open too
  // (Electrostasy-dots luna/nfs.nix exports to *.sol.tailnet... names and a LAN subnet, judged harmful).
  const tailnet = words.filter(tailnetClient);
  // Every client the exports admit is on a private network (LAN subnets, the tailnet): "every
  // interface" then mostly means the client networks themselves, a small hardening (low).
  const privateOnly = nfs && words.length > 0 && words.every(privateClient) && pl.hits.every((h) => h.row.service === "NFS" || h.row.service === "rpcbind");
  // The UDP list's same ports, moved with the TCP ones.
  const partner = twin?.role === "leader" ? twin.other : undefined;
  const move = (hits: Hit[]): TextEdit[] | undefined => {
    // No private interface on the host: moving the port to an example interface would cut every
    // client off (NixOS-infra's builders have no tailscale0); the user picks the network.
    if (pl.def.conditions.length !== 0 || !iface.known || cutOff.length) return undefined;
    const ports = hits.map((h) => h.port);
    const add = addInterfacePorts(ctx, iface.name, pl.option, ports);
    if (!add) return undefined;
    const edits = [...removeListElements(ctx.file, ctx.text, pl.list, hits.map((h) => h.el)), add];
    if (partner) {
      const theirs = partner.hits.filter((h) => ports.includes(h.port));
      if (theirs.length === 0) return edits;
      const addUdp = addInterfacePorts(ctx, iface.name, partner.option, theirs.map((h) => h.port));
      // Both new options go in at the same place: write them as one insertion.
      if (!addUdp) return undefined;
      // Two insertions at one place (both options new, next to the same set): one after the other.
      if (addUdp.start === add.start && addUdp.end === add.end) {
        if (add.end !== add.start) return undefined;
        edits[edits.length - 1] = { ...add, text: add.text + addUdp.text };
      } else edits.push(addUdp);
      edits.push(...removeListElements(ctx.file, ctx.text, partner.list, theirs.map((h) => h.el)));
    }
    return edits;
  };
  const { path, protocol, option } = pl;
  if (listened.length) {
    const hits = listened;
    let severity: Severity = "medium";
    for (const h of hits) if (atLeast(h.row.severity, severity)) severity = h.row.severity;
    if (privateOnly) severity = "low";
    // The service listens on one address only, or (PostgreSQL) admits network clients only from
    // private subnets: not every network reaches it, whatever the firewall opens.
    const bound = hits.map((h) => ({ h, at: boundAddress(scope, h) })).filter((x) => x.at !== undefined);
    const hba = hits.every((h) => h.row.service === "PostgreSQL") ? pgHbaPrivate(scope) : undefined;
    const narrowed = bound.length === hits.length || hba !== undefined;
    if (narrowed) severity = "low";
    // pg_hba admits only the container networks of the host (Docker's bridges in 172.16.0.0/12,
    // Podman's 10.88.0.0/16) on a host running Docker or Podman: only its own containers get past
    // pg_hba (cleverca22-nixos-configs laptop-postgres.nix, 172.18.0.0/16: judged "should be info").
    const containerNets =
      hba !== undefined && bound.length !== hits.length && hba.every((a) => ["172.16.0.0/12", "10.88.0.0/16"].some((r) => withinRange(a, r))) && ["virtualisation.docker.enable", "virtualisation.podman.enable"].some((o) => isEnabled(appliedScope(scope), o));
    if (containerNets) severity = "info";
    const described = hits.map((h) => `${h.port} (${h.row.service}: ${whyOf(scope, h)})`);
    const ports = hits.map((h) => h.port);
    const udpToo = (partner?.hits ?? []).filter((h) => ports.includes(h.port)).map((h) => h.port);
    report({
      node: hits[0]!.el,
      optionPath: path,
      key: `${protocol}:${ports.join(",")}`,
      severity,
      title: `Sensitive ${protocol.toUpperCase()} port${hits.length > 1 ? "s" : ""} open on every interface: ${hits.map((h) => h.row.service).filter((s, i, a) => a.indexOf(s) === i).join(", ")}`,
      message:
        `${path} opens ${described.join("; ")}${udpToo.length ? ` (and ${partner!.path} the same UDP port${udpToo.length > 1 ? "s" : ""} ${udpToo.join(", ")})` : ""} on every interface` +
        (narrowed
          ? bound.length === hits.length
            ? `, but the service listens only on ${[...new Set(bound.map((x) => JSON.stringify(x.at)))].join(", ")}, so only the networks that route to that address reach it: a small hardening (low).`
            : containerNets
              ? `, but pg_hba (services.postgresql.authentication) admits network clients only from container networks (${hba!.join(", ")}) of this host, which runs Docker or Podman: only its own containers get past pg_hba, others reach the port and are refused.`
              : `, but pg_hba (services.postgresql.authentication) admits network clients only from private networks (${hba!.join(", ")}): others reach the port and are refused, so this is a small hardening (low).`
          : `, so every network the host is on can reach ${hits.length > 1 ? "them" : "it"}.`) +
        (privateOnly ? ` The exports admit only clients on private networks (${words.join(", ")}): a host whose only networks are those loses little, so this is a small hardening (low).` : ""),
      evidence: `${path} = [ ... ${ports.join(" ")} ... ]`,
      fix: {
        safety: "review",
        description: cutOff.length
          ? `Open ${ports.join(", ")} only on the interface${tailnet.length ? "s" : ""} that face${tailnet.length ? "" : "s"} the clients the NFS exports name: networking.firewall.interfaces."<that interface>".${option} for ${cutOff.join(", ")}${tailnet.length ? `, and networking.firewall.interfaces."${iface.ranges === TAILSCALE_RANGES ? iface.name : "tailscale0"}".${option} for the tailnet clients (${tailnet.join(", ")})` : ""}. ${udpToo.length ? `The same for ${udpToo.join(", ")} in ${partner!.option}. ` : ""}No edit is offered: moving ${hits.length > 1 ? "them" : "it"} to ${iface.name} alone (${iface.why}) would cut those clients off.`
          : `Move ${ports.join(", ")} from ${option} to networking.firewall.interfaces."${iface.name}".${option}${udpToo.length ? ` (and ${udpToo.join(", ")} from ${partner!.option} to its ${partner!.option})` : ""} (${iface.why}), so only that network reaches ${hits.length > 1 ? "them" : "it"}. Clients on other networks lose access.`,
        edits: move(hits),
      },
    });
  }
  if (idle.length) {
    const ports = idle.map((h) => h.port);
    const guesses = idle.map((h) => `${h.port} (usually ${h.row.service})`);
    // The UDP list's same ports go with them (a removal from one list leaves the other open).
    const udp = partner?.hits.filter((h) => ports.includes(h.port)) ?? [];
    report({
      node: idle[0]!.el,
      optionPath: path,
      key: `${protocol}:${ports.join(",")}`,
      // Nothing to reach there today: hygiene, unless a program started outside NixOS listens.
      severity: "info",
      title: `Open ${protocol.toUpperCase()} port${idle.length > 1 ? "s" : ""} with no known listener: ${ports.join(", ")}`,
      message: `${path} opens ${guesses.join("; ")}${udp.length ? ` (and ${partner!.path} the same UDP port${udp.length > 1 ? "s" : ""} ${udp.map((h) => h.port).join(", ")})` : ""} on every interface, but nothing in this host's configuration listens there (no such service is enabled, no option names the port). An open port with no known listener: either a leftover, or a program started outside NixOS's modules, which would then be reachable from every network.`,
      evidence: `${path} = [ ... ${ports.join(" ")} ... ]`,
      fix: {
        safety: "review",
        description: `Remove ${ports.join(", ")} from ${option}${udp.length ? ` (and ${udp.map((h) => h.port).join(", ")} from ${partner!.option})` : ""} if nothing uses ${idle.length > 1 ? "them" : "it"}; if a program does listen there, open ${idle.length > 1 ? "them" : "it"} only on networking.firewall.interfaces."${iface.name}".${option} (${iface.why}).`,
        edits: pl.def.conditions.length === 0 ? [...removeListElements(ctx.file, ctx.text, pl.list, idle.map((h) => h.el)), ...(udp.length ? removeListElements(ctx.file, ctx.text, partner!.list, udp.map((h) => h.el)) : [])] : undefined,
      },
    });
  }
});

export const firewallSensitivePort: Rule = {
  id: "firewall-sensitive-port",
  examples: {
    fire: [
      hostExample(`{ services.postgresql.enable = true;\n  networking.firewall.allowedTCPPorts = [ 443 5432 ];\n}\n`),
      // Rated info: pg_hba admits only Docker's bridge networks, on a host running Docker.
      hostExample(`{ virtualisation.docker.enable = true;\n  services.postgresql = { enable = true; enableTCPIP = true; authentication = "host app app 172.18.0.0/16 scram-sha-256"; };\n  networking.firewall.allowedTCPPorts = [ 5432 ];\n}\n`),
      // Rated low: the NFS exports (options written through a let binding) admit only private clients.
      hostExample(`{ networking.firewall.allowedTCPPorts = [ 2049 ];\n  services.nfs.server = { enable = true; exports = let o = "rw,sync"; in "/tank 10.10.10.0/24(\${o}) nas(\${o})"; };\n}\n`),
      // Rated info, "no known listener": nothing on the host listens on 5555 (adb's usual port).
      hostExample(`{ networking.firewall.allowedTCPPorts = [ 22 5555 ]; }\n`),
      // The port through a let binding.
      hostExample(`let\n  port = 3100;\nin\n{\n  services.loki = { enable = true; configuration.server.http_listen_port = port; };\n  networking.firewall.allowedTCPPorts = [ port ];\n}\n`),
      // Loki's port read out of the configuration its configFile is generated from, kept in another file.
      hostExample(`{ pkgs, ... }:\nlet\n  lokiConfig = import ./loki.nix;\nin\n{\n  services.loki = { enable = true; configFile = (pkgs.formats.yaml { }).generate "loki.yaml" lokiConfig; };\n  networking.firewall.allowedTCPPorts = [ lokiConfig.server.http_listen_port ];\n}\n`, "configuration.nix", {
        "loki.nix": `{\n  auth_enabled = false;\n  server.http_listen_port = 3100;\n}\n`,
      }),
      // A generic name says nothing: 5432 with PostgreSQL on the host.
      hostExample(`let\n  dbPort = 5432;\nin\n{\n  services.postgresql = { enable = true; settings.port = dbPort; };\n  networking.firewall.allowedTCPPorts = [ dbPort ];\n}\n`),
      // 8123 with ClickHouse itself on the host (Home Assistant too): still ClickHouse's port.
      hostExample(`{\n  services.clickhouse.enable = true;\n  services.home-assistant.enable = true;\n  networking.firewall.allowedTCPPorts = [ 8123 ];\n}\n`),
      // Rated low: the exporter listens on its WireGuard address only.
      hostExample(`{\n  services.prometheus.exporters.node = { enable = true; listenAddress = "10.100.0.1"; };\n  networking.firewall.allowedTCPPorts = [ 9100 ];\n}\n`),
      // Rated low: pg_hba admits network clients from the LAN subnet only.
      hostExample(`{\n  services.postgresql = { enable = true; enableTCPIP = true; authentication = "host all all 192.168.88.0/24 scram-sha-256"; };\n  networking.firewall.allowedTCPPorts = [ 5432 ];\n}\n`),
    ],
    silent: [
      hostExample(`{ networking.firewall.allowedTCPPorts = [ 80 443 ]; }\n`),
      // The same shape for a configuration no service of the file is made from.
      hostExample(`{ pkgs, ... }:\nlet\n  appConfig = import ./app.nix;\nin\n{\n  environment.etc."app.yaml".source = (pkgs.formats.yaml { }).generate "app.yaml" appConfig;\n  networking.firewall.allowedTCPPorts = [ appConfig.server.http_listen_port ];\n}\n`),
      // 8123 is also Home Assistant's default port, and Home Assistant (with its own login) is what
      // the host runs: not ClickHouse's HTTP interface.
      // A port named for another program (Home Assistant in a container the repository does not declare).
      hostExample(`let\n  hassPort = 8123;\nin\n{\n  services.caddy.virtualHosts."ha.example.org".extraConfig = "reverse_proxy localhost:\${toString hassPort}";\n  networking.firewall.allowedTCPPorts = [ hassPort ];\n}\n`),
      // Ports whose comments name the programs that use them, none of them the usual owner.
      hostExample(`{\n  networking.firewall.allowedTCPPorts = [\n    8123 # Home Assistant\n    9090 # Calibre sync server\n  ];\n}\n`),
      // 8123 is where the file's restic REST server listens (on a WireGuard address): not ClickHouse.
      hostExample(`{\n  services.restic.server = { enable = true; listenAddress = "10.70.0.1:8123"; };\n  networking.firewall.allowedTCPPorts = [ 8123 ];\n}\n`),
      // k3s's kubelet runs with anonymous authentication off.
      hostExample(`{\n  services.k3s = { enable = true; role = "agent"; };\n  networking.firewall.allowedTCPPorts = [ 10250 ];\n}\n`),
      hostExample(`let\n  hassPort = 8123;\nin\n{\n  services.home-assistant = { enable = true; config.http.server_port = hassPort; };\n  services.caddy.virtualHosts."ha.example.org".extraConfig = "reverse_proxy localhost:8123";\n  networking.firewall.allowedTCPPorts = [ 8095 hassPort ];\n}\n`),
      // 10000 beside Jitsi Meet is the videobridge's media port, not Webmin.
      hostExample(`{ services.jitsi-meet = { enable = true; hostName = "meet.example.org"; };\n  networking.firewall.allowedTCPPorts = [ 443 10000 ];\n}\n`),
    ],
  },
  name: "Sensitive port open on every interface",
  category: "firewall",
  severity: "medium",
  rationale:
    "Databases, metrics endpoints and administration interfaces often have no authentication by default or hand whoever reaches them the data or the host. Ports opened with networking.firewall.allowedTCPPorts are open on every interface, the public one included.",
  fix: 'Open such ports only on a private interface: networking.firewall.interfaces."tailscale0".allowedTCPPorts (or your VPN or management interface); put a web UI behind an authenticating reverse proxy.',
  references: [
    nixosOption("networking.firewall.interfaces.<name>.allowedTCPPorts", { query: "networking.firewall.interfaces" }),
    nixosManual("Firewall", "sec-firewall"),
    { title: "Prometheus security model", url: "https://prometheus.io/docs/operating/security/" },
    { title: "Redis security", url: "https://redis.io/docs/latest/operate/oss_and_stack/management/security/" },
  ],
  compliance: { cis: ["3.5 Firewall Configuration", "2.2 Special Purpose Services"], nist: ["PR.IR-01", "PR.AA-05"] },
  ...checks,
};
