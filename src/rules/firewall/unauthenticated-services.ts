// NixOS services whose `openFirewall` opens, on every interface, a port that answers without
// authentication by default. Only services whose module has an `openFirewall` option are here (read
// in nixpkgs: nixos/modules/services/...); databases without one (memcached, mongodb,
// elasticsearch) are caught when their port is opened by hand (firewall-sensitive-port).
import type { Severity } from "../../report/schema.js";
import type { Reference } from "../types.js";
import { nixosOption } from "../shared/references.js";

export interface UnauthenticatedService {
  /** The openFirewall option, `*` for one segment (an exporter's or a redis server's name). */
  pattern: string;
  service: string;
  severity: Severity;
  /** Why there is no authentication, and what an attacker gets. */
  why: string;
  references: Reference[];
  /** The port option (relative to the service's set), for the fix. */
  portOption: string;
  /** Its default, when it is the same for every instance. */
  defaultPort?: number;
  /** Options that, when set to something, configure authentication. */
  authOptions?: string[];
  /** A list/string option whose content turns authentication on (`--web.config.file=...`). */
  authFlag?: { option: string; pattern: RegExp };
  /** Options that restrict where the opened port is reachable (a firewall filter). */
  scopeOptions?: string[];
  /** The listen address option; when loopback, nothing is exposed. */
  listenOption?: string;
  /** The listen address defaults to loopback (so, unset, nothing is reachable). */
  listenDefaultLoopback?: boolean;
}

const PROMETHEUS_SECURITY: Reference = { title: "Prometheus security model: exporters and Alertmanager have no authentication unless a web config file enables it", url: "https://prometheus.io/docs/operating/security/" };
const EXPORTER_TOOLKIT: Reference = { title: "Prometheus exporter-toolkit web configuration (basic auth and TLS)", url: "https://github.com/prometheus/exporter-toolkit/blob/master/docs/web-configuration.md" };
const WEB_CONFIG = /--web\.config(?:\.file)?[= ]/;

export const UNAUTHENTICATED_SERVICES: UnauthenticatedService[] = [
  {
    pattern: "services.prometheus.exporters.*.openFirewall",
    service: "Prometheus exporter",
    severity: "medium",
    why: "exporters serve their metrics to anyone without authentication (nixpkgs' exporters module adds none); metrics reveal software versions, users, mounts and network layout, and some exporters (blackbox, snmp) probe whatever target a request names",
    references: [PROMETHEUS_SECURITY, EXPORTER_TOOLKIT, nixosOption("services.prometheus.exporters.<name>.openFirewall", { query: "services.prometheus.exporters" })],
    portOption: "port",
    authFlag: { option: "extraFlags", pattern: WEB_CONFIG },
    scopeOptions: ["firewallFilter", "firewallRules"],
    listenOption: "listenAddress",
  },
  {
    pattern: "services.prometheus.alertmanager.openFirewall",
    service: "Alertmanager",
    severity: "medium",
    why: "the Alertmanager API and UI have no authentication by default: anyone who reaches it can read alerts and create silences that hide an attack",
    references: [PROMETHEUS_SECURITY, EXPORTER_TOOLKIT, nixosOption("services.prometheus.alertmanager.openFirewall")],
    portOption: "port",
    defaultPort: 9093,
    authFlag: { option: "extraFlags", pattern: WEB_CONFIG },
    listenOption: "listenAddress",
  },
  {
    pattern: "services.redis.servers.*.openFirewall",
    service: "Redis",
    severity: "high",
    why: "Redis has no password unless requirePass/requirePassFile is set (the NixOS default is null), and an unauthenticated client can rewrite its configuration (CONFIG SET dir/dbfilename) or load a module: code execution as the redis user",
    references: [
      { title: "Redis security: Redis is designed to be accessed by trusted clients", url: "https://redis.io/docs/latest/operate/oss_and_stack/management/security/" },
      nixosOption("services.redis.servers.<name>.requirePassFile", { query: "services.redis.servers" }),
    ],
    portOption: "port",
    authOptions: ["requirePass", "requirePassFile", "settings.requirepass"],
    listenOption: "bind",
    listenDefaultLoopback: true,
  },
  {
    pattern: "services.redis.openFirewall",
    service: "Redis",
    severity: "high",
    why: "Redis has no password unless requirePass/requirePassFile is set, and an unauthenticated client can rewrite its configuration or load a module: code execution as the redis user",
    references: [{ title: "Redis security", url: "https://redis.io/docs/latest/operate/oss_and_stack/management/security/" }],
    portOption: "port",
    defaultPort: 6379,
    authOptions: ["requirePass", "requirePassFile"],
    listenOption: "bind",
    listenDefaultLoopback: true,
  },
  {
    pattern: "services.ollama.openFirewall",
    service: "Ollama",
    severity: "high",
    why: "the Ollama API has no authentication: anyone who reaches it can pull, delete and run models on the host's hardware, and past API bugs gave code execution (CVE-2024-37032)",
    references: [
      { title: "Ollama FAQ: exposing Ollama on the network (no built-in authentication)", url: "https://github.com/ollama/ollama/blob/main/docs/faq.md" },
      { title: "CVE-2024-37032 (Probllama)", url: "https://nvd.nist.gov/vuln/detail/CVE-2024-37032" },
      nixosOption("services.ollama.openFirewall"),
    ],
    portOption: "port",
    defaultPort: 11434,
    listenOption: "host",
    listenDefaultLoopback: true,
  },
  {
    pattern: "services.scrutiny.openFirewall",
    service: "Scrutiny",
    severity: "medium",
    why: "the Scrutiny web UI and API have no authentication (it binds 0.0.0.0 by default in NixOS): anyone can read the disks' SMART data and manage the device list",
    references: [
      { title: "Scrutiny issue #34: no built-in authentication, a reverse proxy is the advice", url: "https://github.com/AnalogJ/scrutiny/issues/34" },
      nixosOption("services.scrutiny.openFirewall"),
    ],
    portOption: "settings.web.listen.port",
    defaultPort: 8080,
    listenOption: "settings.web.listen.host",
  },
  {
    pattern: "services.glances.openFirewall",
    service: "Glances",
    severity: "medium",
    why: "the Glances web server runs without a password unless --password is passed (nixpkgs passes only --webserver): anyone can see every process with its command line, users and network connections",
    references: [
      { title: "Glances: web server mode and --password", url: "https://glances.readthedocs.io/en/latest/quickstart.html" },
      nixosOption("services.glances.openFirewall"),
    ],
    portOption: "port",
    defaultPort: 61208,
    authFlag: { option: "extraArgs", pattern: /--password\b/ },
  },
  {
    pattern: "services.iperf3.openFirewall",
    service: "iperf3",
    severity: "low",
    why: "the iperf3 server accepts tests from anyone unless authorizedUsersFile is set: anyone can use the host to generate or absorb traffic",
    references: [
      { title: "iperf3: authentication (--rsa-private-key-path, --authorized-users-path)", url: "https://software.es.net/iperf/invoking.html" },
      nixosOption("services.iperf3.openFirewall", { query: "services.iperf3" }),
    ],
    portOption: "port",
    defaultPort: 5201,
    authOptions: ["authorizedUsersFile"],
    listenOption: "bind",
  },
  {
    pattern: "services.tika.openFirewall",
    service: "Apache Tika server",
    severity: "medium",
    why: "the Tika server has no authentication: anyone who reaches it has the host parse whatever documents they send (Tika's parsers have had XXE and code-execution flaws, CVE-2018-1335, CVE-2020-1950) and can use it to fetch URLs from the host",
    references: [
      { title: "Apache Tika security (server: no authentication, keep it on a trusted network)", url: "https://tika.apache.org/security.html" },
      nixosOption("services.tika.openFirewall"),
    ],
    portOption: "port",
    defaultPort: 9998,
    listenOption: "listenAddress",
    listenDefaultLoopback: true,
  },
  {
    pattern: "services.litellm.openFirewall",
    service: "LiteLLM proxy",
    severity: "medium",
    why: "without a master key (general_settings.master_key, or LITELLM_MASTER_KEY in its environment) the LiteLLM proxy takes requests from anyone: they spend the upstream providers' API keys it holds and read its model list and settings",
    references: [
      { title: "LiteLLM proxy: virtual keys and the master key", url: "https://docs.litellm.ai/docs/proxy/virtual_keys" },
      nixosOption("services.litellm.openFirewall"),
    ],
    portOption: "port",
    defaultPort: 8080,
    authOptions: ["settings.general_settings.master_key", "environment.LITELLM_MASTER_KEY"],
    listenOption: "host",
    listenDefaultLoopback: true,
  },
];
