// firewall-disabled: `networking.firewall.enable = false`. NixOS's firewall is on by default and
// drops every incoming connection except the ports opened for it; turning it off makes every
// listening socket reachable from every network the host is on. How bad that is depends on what
// listens: a host that enables network services (or opens ports, which says something listens) is
// high, one that runs none is medium (the next service enabled will be exposed without anyone
// deciding it). Hosts that replace the NixOS firewall with their own nftables ruleset that filters
// input (firewall-raw-ruleset judges what it accepts), and NixOS containers (filtered by their
// host), are not reported; a ruleset with only NAT or output chains filters nothing coming in,
// and the host is still reported.
import { replaceNode } from "../../nix/edit.js";
import { staticValue } from "../../nix/values.js";
import { effectiveValue, isDead, scoped, type Scope, type ScopedDef } from "../shared/scope.js";
import type { Rule } from "../types.js";
import { hostExample } from "../shared/examples.js";
import { nftInputFilter } from "./firewall-raw-ruleset.js";

/** NixOS services that listen for clients on the network (`services.<name>.enable`). */
export const NETWORK_SERVICES = new Set([
  "openssh", "sshd", "nginx", "httpd", "caddy", "traefik", "haproxy", "lighttpd", "postgresql", "mysql", "mongodb",
  "elasticsearch", "opensearch", "memcached", "couchdb", "clickhouse", "influxdb", "influxdb2", "cassandra", "neo4j",
  "cockroachdb", "rabbitmq", "apache-kafka", "zookeeper", "etcd", "consul", "nomad", "vault", "grafana", "prometheus",
  "loki", "tempo", "victoriametrics", "netdata", "samba", "nfs.server", "rpcbind", "rsyncd", "vsftpd", "proftpd",
  "jellyfin", "plex", "emby", "navidrome", "immich", "photoprism", "home-assistant", "nextcloud", "gitea", "forgejo",
  "gitlab", "vaultwarden", "adguardhome", "blocky", "dnsmasq", "bind", "unbound", "coredns", "kresd", "knot", "nsd",
  "coturn", "matrix-synapse", "dendrite", "conduit", "mosquitto", "minio", "garage", "transmission", "deluge",
  "qbittorrent", "syncthing", "ollama", "open-webui", "cockpit", "k3s", "kubernetes", "xrdp", "jupyter", "code-server",
  "murmur", "minecraft-server", "teamspeak3", "headscale", "uptime-kuma", "postfix", "dovecot2", "opendkim", "rspamd",
  "openvpn", "strongswan", "radicale", "calibre-web", "audiobookshelf", "sonarr", "radarr", "prowlarr", "lidarr",
  "readarr", "bazarr", "jackett", "sabnzbd", "nzbget", "miniflux", "freshrss", "hedgedoc", "outline", "mastodon",
  "akkoma", "pleroma", "lemmy", "peertube", "owncast", "gotosocial", "invidious", "searx", "plausible", "ntfy-sh",
  "gotify-server", "kavita", "komga", "paperless", "mealie", "nix-serve", "harmonia", "atticd", "hydra",
  "buildbot-master", "keycloak", "authelia", "kanidm", "openldap", "step-ca", "scrutiny", "glances", "iperf3",
  "node-red", "zigbee2mqtt", "mpd", "snapserver", "ntopng", "dockerRegistry", "tor", "i2pd", "xinetd", "tftpd",
  "atftpd", "squid", "privoxy", "3proxy", "shadowsocks", "v2ray", "xray", "sing-box", "wstunnel", "frp", "rathole",
]);

/** The network services a scope enables, by name (first few, for the message). */
export function enabledNetworkServices(scope: Scope): string[] {
  const out = new Set<string>();
  for (const { def } of scope.matching("services.*.enable").concat(scope.matching("services.*.*.enable"), scope.matching("services.*.*.*.enable"))) {
    if (isDead(def) || staticValue(def.inner) !== true) continue;
    const name = def.segments.slice(1, -1).map((s) => s.name).join(".");
    if (NETWORK_SERVICES.has(name)) out.add(name);
    else if (name.startsWith("prometheus.exporters.")) out.add(name);
    else if (name.startsWith("redis.servers.")) out.add("redis");
  }
  for (const { def } of scope.matching("services.*.openFirewall").concat(scope.matching("services.*.*.*.openFirewall"))) {
    if (!isDead(def) && staticValue(def.inner) === true) out.add(def.segments.slice(1, -1).map((s) => s.name).join("."));
  }
  return [...out].sort();
}

/** Ports the scope opens (statically written ones), which say something listens. */
function openedPorts(scope: Scope): number[] {
  const ports: number[] = [];
  for (const p of ["networking.firewall.allowedTCPPorts", "networking.firewall.allowedUDPPorts"]) {
    for (const { def } of scope.definitions(p)) {
      const v = staticValue(def.inner);
      if (Array.isArray(v)) for (const x of v) if (typeof x === "number") ports.push(x);
    }
  }
  return ports;
}

/** What the host's own nftables ruleset (networking.nftables.ruleset and tables) does to incoming
 * traffic: "input" when some chain hooks input (firewall-raw-ruleset judges what it accepts),
 * "none" when every ruleset is known and none filters input (NAT or output rules only, so nothing
 * filters what comes in), "unknown" when one is computed, absent when there is none. */
function ownRuleset(scope: Scope): "input" | "none" | "unknown" | undefined {
  const texts: string[] = [];
  let unknown = false;
  const ruleset = effectiveValue(scope.definitions("networking.nftables.ruleset"));
  if (ruleset.kind === "known" && typeof ruleset.value === "string" && ruleset.value.trim() !== "") texts.push(ruleset.value);
  else if (ruleset.kind === "unknown") unknown = true;
  for (const { def } of scope.matching("networking.nftables.tables.*.content")) {
    if (isDead(def)) continue;
    const v = staticValue(def.inner);
    if (typeof v === "string") texts.push(v);
    else unknown = true;
  }
  // A table defined as a whole attribute set from an expression: its content is not known.
  if (scope.matching("networking.nftables.tables.*").some(({ def }) => !isDead(def) && def.isLeaf)) unknown = true;
  if (texts.some((t) => nftInputFilter(t) !== "none")) return "input";
  if (unknown) return "unknown";
  return texts.length > 0 ? "none" : undefined;
}

function check(scope: Scope): void {
  const e = effectiveValue(scope.definitions("networking.firewall.enable"));
  if (e.kind !== "known" || e.value !== false) return;
  const at: ScopedDef = e.at;
  const container = effectiveValue(scope.definitions("boot.isContainer"));
  if (container.kind === "known" && container.value === true) return;
  const own = ownRuleset(scope);
  if (own === "input" || own === "unknown") return;
  const services = enabledNetworkServices(scope);
  const ports = openedPorts(scope);
  const where = scope.kind === "host" ? `host ${scope.host}` : "this configuration";
  let severity: "high" | "medium" = "medium";
  let what: string;
  // What listens differs from host to host: the list is a detail, so that a shared module turning
  // the firewall off is one finding for all its hosts, naming everything they run.
  let detail: { items: string[]; render: (items: string[]) => string } | undefined;
  if (services.length > 0) {
    severity = "high";
    detail = { items: services, render: (xs) => xs.slice(0, 8).join(", ") + (xs.length > 8 ? ` and ${xs.length - 8} more` : "") };
    what = `network services are enabled in ${where} (${detail.render(services)}), and with the firewall off every port they or anything else listen on is reachable from every network the host is on`;
  } else if (ports.length > 0) {
    severity = "high";
    detail = { items: [...new Set(ports)].map(String), render: (xs) => xs.slice(0, 8).join(", ") + (xs.length > 8 ? ` and ${xs.length - 8} more` : "") };
    what = `ports are opened in ${where} (${detail.render(detail.items)}), so something listens, and with the firewall off every port is reachable from every network the host is on`;
  } else {
    what = `no network service is enabled in ${where} today, but the next one will be reachable from every network the host is on without anyone deciding it`;
  }
  if (own === "none") what += "; the host's own nftables ruleset has no chain hooked on input, so it does not filter incoming traffic either";
  const node = at.def.inner ?? at.def.binding;
  scope.report(at.file, {
    node,
    optionPath: "networking.firewall.enable",
    severity,
    ...(detail ? { detail } : {}),
    title: "NixOS firewall disabled",
    message: `networking.firewall.enable = false: ${what}.`,
    fix: {
      safety: "review",
      description:
        "Turn the firewall back on and open only what the host serves: `networking.firewall.allowedTCPPorts` for public services, `networking.firewall.interfaces.\"tailscale0\".allowedTCPPorts` (or your VPN interface) for the rest. Services that relied on the open firewall stop being reachable until their port is opened.",
      edits: at.def.inner ? [replaceNode(at.file.file, at.def.inner, "true")] : undefined,
    },
  });
}

export const firewallDisabled: Rule = {
  id: "firewall-disabled",
  examples: {
    fire: [
      hostExample(`{ networking.firewall.enable = false; }\n`),
      hostExample(
        `{\n  networking.firewall.enable = false;\n  services.nginx.enable = true;\n  networking.nftables.ruleset = ''\n    table ip nat {\n      chain postrouting { type nat hook postrouting priority 100; oifname "eth0" masquerade; }\n    }\n  '';\n}\n`,
      ),
    ],
    silent: [
      hostExample(`{ networking.firewall.enable = true; }\n`),
      hostExample(
        `{\n  networking.firewall.enable = false;\n  networking.nftables.ruleset = ''\n    table inet filter {\n      chain input { type filter hook input priority 0; policy drop; tcp dport 22 accept; }\n    }\n  '';\n}\n`,
      ),
    ],
  },
  name: "Firewall disabled",
  category: "firewall",
  severity: "high",
  rationale:
    "NixOS's firewall drops incoming connections to every port not explicitly opened. With it off, every service that listens on all addresses (many do by default) is reachable from every network the host joins, including ones added later.",
  fix: "Keep networking.firewall.enable = true and open ports deliberately: globally only for public services, per interface (a VPN such as tailscale0) for the rest.",
  references: [
    { title: "NixOS manual: Firewall", url: "https://nixos.org/manual/nixos/stable/#sec-firewall" },
    { title: "NixOS option networking.firewall.enable", url: "https://search.nixos.org/options?query=networking.firewall.enable" },
    { title: "nixpkgs: nixos/modules/services/networking/firewall.nix", url: "https://github.com/NixOS/nixpkgs/blob/master/nixos/modules/services/networking/firewall.nix" },
  ],
  compliance: { cis: ["3.5 Firewall Configuration"], nist: ["PR.IR-01", "PR.PS-01"] },
  ...scoped(check),
};
