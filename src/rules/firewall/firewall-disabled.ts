// firewall-disabled: `networking.firewall.enable = false`. NixOS's firewall is on by default and
// drops every incoming connection except the ports opened for it; turning it off makes every
// listening socket reachable from every network the host is on. How bad that is depends on what
// listens: a host that enables network services (or opens ports, which says something listens) is
// high, one that runs none is medium (the next service enabled will be exposed without anyone
// deciding it). Hosts that replace the NixOS firewall with their own nftables ruleset that filters
// input, written inline or kept in a file (`rulesetFile = ./ruleset.nft`, `ruleset = builtins.readFile
// ./ruleset.nft`; firewall-raw-ruleset judges what it accepts), and NixOS containers (filtered by their
// host), are not reported; a ruleset with only NAT or output chains filters nothing coming in,
// and the host is still reported.
import { lineIndent, replaceNode } from "../../nix/edit.js";
import { SyntaxKind as K } from "../../nix/syntax.js";
import type { TextEdit } from "../types.js";
import { staticValue } from "../../nix/values.js";
import { effectiveValue, isDead, scoped, type Scope, type ScopedDef } from "../shared/scope.js";
import type { Rule } from "../types.js";
import { hostExample } from "../shared/examples.js";
import { nftInputFilter, rulesetFiles } from "./firewall-raw-ruleset.js";
import { nixosManual, nixosOption } from "../shared/references.js";
import { machineKind } from "../access/machine.js";
import { passwordAuthentication, sshdFirewallClosed } from "../access/sshd.js";

/** NixOS services that listen for clients on the network (`services.<name>.enable`). */
export const NETWORK_SERVICES = new Set([
  "openssh", "sshd", "nginx", "httpd", "caddy", "traefik", "haproxy", "lighttpd", "postgresql", "mysql", "mongodb",
  "elasticsearch", "opensearch", "memcached", "couchdb", "clickhouse", "influxdb", "influxdb2", "cassandra", "neo4j",
  "cockroachdb", "rabbitmq", "apache-kafka", "zookeeper", "etcd", "consul", "nomad", "vault", "grafana", "prometheus",
  "loki", "tempo", "victoriametrics", "victorialogs", "netdata", "samba", "nfs.server", "rpcbind", "rsyncd", "vsftpd", "proftpd",
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
  else if (ruleset.kind === "unknown" && !/\breadFile\b/.test(ruleset.at.def.inner?.text ?? "")) unknown = true;
  for (const { def } of scope.matching("networking.nftables.tables.*.content")) {
    if (isDead(def)) continue;
    const v = staticValue(def.inner);
    if (typeof v === "string") texts.push(v);
    else unknown = true;
  }
  // A table defined as a whole attribute set from an expression: its content is not known.
  if (scope.matching("networking.nftables.tables.*").some(({ def }) => !isDead(def) && def.isLeaf)) unknown = true;
  // `rulesetFile = ./ruleset.nft`, `ruleset = builtins.readFile ./ruleset.nft`: read from the repository.
  const files = rulesetFiles(scope);
  texts.push(...files.files.map((f) => f.text));
  if (files.unknown) unknown = true;
  if (texts.some((t) => nftInputFilter(t) !== "none")) return "input";
  if (unknown) return "unknown";
  return texts.length > 0 ? "none" : undefined;
}

// The TCP ports NixOS services listen on by default and do not open themselves (openssh opens its
// own; services with an openFirewall option set to true are counted as opened).
export const KNOWN_TCP_PORTS: Readonly<Record<string, number[]>> = {
  nginx: [80, 443], httpd: [80, 443], caddy: [80, 443], traefik: [80, 443], haproxy: [80, 443], lighttpd: [80],
  postgresql: [5432], mysql: [3306], grafana: [3000], prometheus: [9090], loki: [3100], jellyfin: [8096],
  "home-assistant": [8123], gitea: [3000], forgejo: [3000], vaultwarden: [8222], syncthing: [8384, 22000],
  minio: [9000, 9001], mosquitto: [1883], samba: [139, 445], "nix-serve": [5000], harmonia: [5000],
  "matrix-synapse": [8008], postfix: [25], dovecot2: [143, 993], ollama: [11434], "node-red": [1880],
  "uptime-kuma": [3001], rsyncd: [873], vsftpd: [21], mpd: [6600], netdata: [19999], cockpit: [9090], victorialogs: [9428],
};
// Services that open their firewall port themselves by default.
const SELF_OPENING = new Set(["openssh", "sshd"]);

/** A container cluster on the host and the ports its nodes need, or undefined. */
function cluster(scope: Scope): { name: string; tcp: string[]; udp: string[]; interfaces: string[] } | undefined {
  const on = (pattern: string) => scope.matching(pattern).some(({ def }) => !isDead(def) && staticValue(def.inner) === true);
  if (on("services.k3s.enable") || on("services.rke2.enable")) {
    return { name: on("services.k3s.enable") ? "k3s" : "rke2", tcp: ["6443 (API server)", "10250 (kubelet)", "2379-2380 (embedded etcd, between servers)"], udp: ["8472 (flannel VXLAN)", "51820 (flannel WireGuard, if used)"], interfaces: ["cni0", "flannel.1"] };
  }
  if (on("services.kubernetes.*.enable") || scope.matching("services.kubernetes.roles").some(({ def }) => !isDead(def))) {
    return { name: "kubernetes", tcp: ["6443 (API server)", "10250 (kubelet)", "2379-2380 (etcd)", "30000-32767 (NodePort services)"], udp: ["8472 (flannel VXLAN)"], interfaces: ["cni0", "flannel.1"] };
  }
  // Swarm is joined imperatively: a unit or setting of the host that runs `docker swarm init|join`
  // (a comment or a setting that turns swarm off does not count).
  const swarmAt = ["virtualisation.docker.*", "virtualisation.docker.*.*", "systemd.services.*.script", "systemd.services.*.serviceConfig.ExecStart", "systemd.services.*.serviceConfig.ExecStartPost"];
  const swarm = swarmAt.some((p) => scope.matching(p).some(({ def }) => !isDead(def) && /\bswarm\s+(?:init|join)\b/.test(def.value?.text ?? "")));
  if (swarm) return { name: "docker swarm", tcp: ["2377 (cluster management)", "7946 (node communication)"], udp: ["7946 (node communication)", "4789 (overlay network)"], interfaces: ["docker_gwbridge"] };
  return undefined;
}

/** Where installer, rescue and netboot images live (`images/`, `iso/`, `installer/`, `netboot/`,
 * `rescue.nix`, `live-iso/`). */
const IMAGE_PATH = /(?:^|\/)(?:images?|isos?|install-iso|(?:nixos-)?installer|rescue|netboot|live-?(?:iso|usb|cd|image|system))(?:\/|[-_.][^/]*\.nix$|\.nix$)/i;

/** Why the scope is an installer or rescue image, booted briefly to install or repair a machine:
 * it imports nixpkgs' installer profile, sets the options of an image (isoImage, sdImage,
 * netboot), or the file turning the firewall off lies where images are kept. */
export function imageContext(scope: Scope, file: string): string | undefined {
  const machine = machineKind(scope);
  if (machine?.kind === "installer") return `it imports nixpkgs' ${machine.profile}`;
  for (const p of ["isoImage.*", "sdImage.*", "netboot.*"]) {
    const d = scope.matching(p).find(({ def }) => !isDead(def));
    if (d) return `it sets ${d.def.path}`;
  }
  const m = IMAGE_PATH.exec(file);
  if (m) {
    const name = m[0].replace(/^\//, "");
    return name.endsWith("/") ? `${file} lies in ${name}, where images are kept` : `${file} is named like an image (${name.replace(/[-_.][^/]*\.nix$|\.nix$/, "")})`;
  }
  return undefined;
}

/** Services with openFirewall = true: they open their own ports. */
function selfOpened(scope: Scope): Set<string> {
  const out = new Set<string>();
  for (const { def } of scope.matching("services.*.openFirewall").concat(scope.matching("services.*.*.openFirewall"))) {
    if (!isDead(def) && staticValue(def.inner) === true) out.add(def.segments.slice(1, -1).map((s) => s.name).join("."));
  }
  return out;
}

/** Turn the firewall on and open the known ports of the services, next to the `enable` line;
 * undefined when the ports cannot be added there (a list of them is already in that set). */
function enableWithPorts(at: ScopedDef, ports: number[]): TextEdit[] | undefined {
  const inner = at.def.inner;
  const binding = at.def.binding;
  if (!inner || !binding) return undefined;
  const key = binding.firstChild()?.text ?? "";
  if (!/(?:^|\.)enable$/.test(key)) return undefined;
  const prefix = key.slice(0, -"enable".length);
  const set = binding.ancestors()[0];
  if (!set || set.kind !== K.NODE_ATTR_SET) return undefined;
  if (set.childNodes().some((b) => b.kind === K.NODE_ATTRPATH_VALUE && /allowedTCPPorts$/.test(b.firstChild()?.text ?? ""))) return undefined;
  const text = at.file.text;
  const file = at.file.file;
  let lineStart = binding.start;
  while (lineStart > 0 && text[lineStart - 1] !== "\n") lineStart--;
  const line = `${prefix}allowedTCPPorts = [ ${ports.join(" ")} ];`;
  const edits: TextEdit[] = [replaceNode(file, inner, "true")];
  if (text.slice(lineStart, binding.start).trim() === "") {
    let eol = binding.end;
    while (eol < text.length && text[eol] !== "\n") eol++;
    edits.push({ file, start: eol, end: eol, text: `\n${lineIndent(text, binding.start)}${line}` });
  } else edits.push({ file, start: binding.end, end: binding.end, text: ` ${line}` });
  return edits;
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
  let severity: "high" | "medium" | "low" = "medium";
  let what: string;
  // What listens differs from host to host: the list is a detail, so that a shared module turning
  // the firewall off is one finding for all its hosts, naming everything they run.
  let detail: { items: string[]; render: (items: string[]) => string } | undefined;
  // Services whose port the firewall would open anyway: sshd (openssh.openFirewall defaults to
  // true) and those with openFirewall = true. When they are all the host runs and it opens no port
  // by hand, turning the firewall off exposes nothing they do not already expose; what it adds is
  // every other socket and the next service (jpetrucciani-nix's foundry, mars and proteus with
  // key-only sshd, mirkolenz-nixos, arianvp-nixos-stuff's utm: judged medium).
  // sshd counts only when it takes no passwords: one that does is a target the open firewall
  // leaves as reachable as before, but then the host is judged as one serving password logins.
  const sshKeyOnly = !sshdFirewallClosed(scope) && passwordAuthentication(scope).state !== "on";
  const opensItself = (name: string) => (SELF_OPENING.has(name) && sshKeyOnly) || selfOpened(scope).has(name);
  if (services.length > 0 && ports.length === 0 && services.every(opensItself)) {
    detail = { items: services, render: (xs) => xs.slice(0, 8).join(", ") + (xs.length > 8 ? ` and ${xs.length - 8} more` : "") };
    what = `the network services enabled in ${where} (${detail.render(services)}) open their own port${services.length > 1 ? "s" : ""}, so they are reachable with the firewall on too; with it off, every other socket (a program's admin or debug port, a development server, a port a container or a user's program opens) and the next service enabled are reachable from every network the host is on as well`;
  } else if (services.length > 0) {
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
  // An installer or rescue image runs for minutes, to install or repair a machine, with sshd on (the
  // installer profile turns it on; it opens its own port anyway): a firewall off is the usual
  // choice there, and what matters is who can log in (Stunkymonkey/nixos images/base-config.nix).
  const image = imageContext(scope, at.file.file);
  if (image) {
    severity = "low";
    const sshd = services.includes("openssh") || services.includes("sshd") || machineKind(scope)?.kind === "installer" || scope.matching("systemd.services.sshd.*").some(({ def }) => !isDead(def));
    if (services.length === 0 && ports.length === 0) what = `this is an installer or rescue image (${image})`;
    else what += `. This is an installer or rescue image (${image})`;
    what += `, booted for a while to install or repair a machine, where a firewall off is a usual choice.${sshd ? " sshd runs on it and would be reachable with the firewall on too (openssh opens its own port), so what protects the image is how it lets people log in (keys only, no passwords)" : " What it runs then is reachable from the network it boots on"}`;
  }
  const node = at.def.inner ?? at.def.binding;
  // Turning it back on must not cut off what the host serves: a cluster's node ports, the ports of
  // the services it runs. Known ports are opened by the patch; otherwise the fix is manual.
  const ring = cluster(scope);
  const opened = new Set(ports);
  const self = selfOpened(scope);
  const needed = new Set<number>();
  const unknownPorts: string[] = [];
  for (const name of services) {
    if (SELF_OPENING.has(name) || self.has(name)) continue;
    // The cluster's own ports are listed with it.
    if (ring && /^(?:k3s|rke2|kubernetes)\b/.test(name)) continue;
    const known = KNOWN_TCP_PORTS[name];
    if (!known) {
      unknownPorts.push(name);
      continue;
    }
    for (const p of known) if (!opened.has(p)) needed.add(p);
  }
  const neededPorts = [...needed].sort((a, b) => a - b);
  const NEEDS = "Services that relied on the open firewall stop being reachable until their port is opened.";
  let fix: { safety: "review" | "manual"; description: string; edits?: TextEdit[] };
  if (ring) {
    fix = {
      safety: "manual",
      description: `Do not just turn the firewall on: this host runs ${ring.name}, and its nodes would be cut off from each other. Open first what the cluster uses: networking.firewall.allowedTCPPorts for ${ring.tcp.join(", ")}; networking.firewall.allowedUDPPorts for ${ring.udp.join(", ")}; networking.firewall.trustedInterfaces = [ ${ring.interfaces.map((i) => `"${i}"`).join(" ")} ] for pod and overlay traffic${neededPorts.length ? `; and the ports of its other services (${neededPorts.join(", ")})` : ""}${unknownPorts.length ? `; check the ports of ${unknownPorts.join(", ")}` : ""}. Better still, open them only on the cluster's interface (networking.firewall.interfaces."<if>".allowedTCPPorts). Then set networking.firewall.enable = true.`,
    };
  } else if (unknownPorts.length) {
    fix = {
      safety: "manual",
      description: `Before turning the firewall on, open the ports of ${unknownPorts.slice(0, 8).join(", ")}${unknownPorts.length > 8 ? ` and ${unknownPorts.length - 8} more` : ""} (their ports could not be told from the configuration)${neededPorts.length ? ` and ${neededPorts.join(", ")}/tcp of the others` : ""} in networking.firewall.allowedTCPPorts / allowedUDPPorts, or per interface (networking.firewall.interfaces."tailscale0".allowedTCPPorts) for what only a VPN should reach; then set networking.firewall.enable = true. Turning it on without them cuts those services off.`,
    };
  } else if (neededPorts.length) {
    const edits = enableWithPorts(at, neededPorts);
    fix = edits
      ? {
          safety: "review",
          description: `Turn the firewall back on, opening ${neededPorts.join(", ")}/tcp for ${services.filter((s) => KNOWN_TCP_PORTS[s] && !self.has(s)).join(", ")} (their default ports: check them against the host's settings, and move what only a VPN should reach to networking.firewall.interfaces."<vpn>".allowedTCPPorts). Anything else listening stops being reachable.`,
          edits,
        }
      : {
          safety: "manual",
          description: `Add ${neededPorts.join(", ")} to networking.firewall.allowedTCPPorts (the default ports of ${services.filter((s) => KNOWN_TCP_PORTS[s] && !self.has(s)).join(", ")}), then set networking.firewall.enable = true; turning it on without them cuts those services off.`,
        };
  } else {
    fix = {
      safety: "review",
      description: `Turn the firewall back on and open only what the host serves: \`networking.firewall.allowedTCPPorts\` for public services, \`networking.firewall.interfaces."tailscale0".allowedTCPPorts\` (or your VPN interface) for the rest.${ports.length ? ` The ports it opens already (${[...opened].slice(0, 8).join(", ")}) stay open.` : ""} ${NEEDS}`,
      edits: at.def.inner ? [replaceNode(at.file.file, at.def.inner, "true")] : undefined,
    };
  }
  scope.report(at.file, {
    node,
    optionPath: "networking.firewall.enable",
    severity,
    ...(detail ? { detail } : {}),
    title: "NixOS firewall disabled",
    message: `networking.firewall.enable = false: ${what}.`,
    fix,
  });
}

export const firewallDisabled: Rule = {
  id: "firewall-disabled",
  examples: {
    fire: [
      // medium: nothing listens yet.
      hostExample(`{ networking.firewall.enable = false; }\n`),
      // high: nginx listens on ports nobody opened.
      hostExample(
        `{\n  networking.firewall.enable = false;\n  services.nginx.enable = true;\n  networking.nftables.ruleset = ''\n    table ip nat {\n      chain postrouting { type nat hook postrouting priority 100; oifname "eth0" masquerade; }\n    }\n  '';\n}\n`,
      ),
      // A ruleset file that only masquerades filters nothing coming in.
      hostExample(`{\n  networking.firewall.enable = false;\n  services.nginx.enable = true;\n  networking.nftables = { enable = true; rulesetFile = ./nat.nft; };\n}\n`, "configuration.nix", {
        "nat.nft": `table ip nat {\n  chain postrouting { type nat hook postrouting priority 100; oifname "eth0" masquerade; }\n}\n`,
      }),
      // medium: key-only sshd opens its own port, so the firewall being off adds only what else listens.
      hostExample(`{\n  networking.firewall.enable = false;\n  services.openssh.enable = true;\n  services.openssh.settings.PasswordAuthentication = false;\n}\n`),
    ],
    silent: [
      hostExample(`{ networking.firewall.enable = true; }\n`),
      // The host's own ruleset, kept in a file: its input chain drops what it does not accept.
      hostExample(`{\n  networking.firewall.enable = false;\n  services.gitea.enable = true;\n  networking.nftables = { enable = true; rulesetFile = ./ruleset.nft; };\n}\n`, "configuration.nix", {
        "ruleset.nft": `table inet filter {\n  chain input {\n    type filter hook input priority 0;\n    iifname lo accept\n    ct state {established, related} accept\n    tcp dport 22 accept\n    iifname { "wg0" } tcp dport { 3000 } accept\n    counter drop\n  }\n}\n`,
      }),
      hostExample(`{\n  networking.firewall.enable = false;\n  networking.nftables.ruleset = builtins.readFile ./fw/rules.nft;\n}\n`, "configuration.nix", {
        "fw/rules.nft": `table inet filter {\n  chain input { type filter hook input priority 0; policy drop; tcp dport 443 accept; }\n}\n`,
      }),
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
    nixosManual("Firewall", "sec-firewall"),
    nixosOption("networking.firewall.enable"),
    { title: "nixpkgs: nixos/modules/services/networking/firewall.nix", url: "https://github.com/NixOS/nixpkgs/blob/master/nixos/modules/services/networking/firewall.nix" },
  ],
  compliance: { cis: ["3.5 Firewall Configuration"], nist: ["PR.IR-01", "PR.PS-01"] },
  ...scoped(check),
};
