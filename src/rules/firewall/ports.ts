// Ports that should not be open to every network a host is on: databases, metrics endpoints and
// administration interfaces. Most of these services either have no authentication by default or
// give whoever gets in a great deal (a database superuser, the Docker daemon, a cluster's key
// store). Data, not code: one row per service, with the NixOS service name where there is one (so
// `config.services.<name>.port` in a port list is recognised too).
import type { Severity } from "../../report/schema.js";

export interface SensitivePort {
  service: string;
  ports: number[];
  protocol: "tcp" | "udp" | "both";
  kind: "database" | "metrics" | "admin" | "cluster";
  /** high: unauthenticated by default, or a compromise of the host once reached. */
  severity: Severity;
  /** NixOS service option names whose `.port` is this service's (`services.<name>.port`). */
  nixos?: string[];
  /** Other NixOS services (`services.<name>.enable`) that listen on these ports (k3s's embedded
   * etcd, rpcbind started by the NFS server): with one enabled the port has a known listener. */
  listenedBy?: string[];
  /** listenedBy names one service per port, in the order of `ports` (the exporters' row: 9113 is
   * the nginx exporter's, 9633 smartctl's): a port's listener is only its own service. */
  listenedByPerPort?: boolean;
  why: string;
  /** The why of a service option name that differs from the row's (influxdb2 vs InfluxDB 1.x). */
  whyFor?: Record<string, string>;
  /** Options (in the file that opens the port) that configure the service's authentication:
   * when one is set, opening the port is an ordinary exposed-with-auth service and stays silent. */
  authenticatedBy?: string[];
  /** The NixOS module authenticates by default once `option` is configured in the file, unless
   * its text turns that off (mosquitto's listeners: password auth unless omitPasswordAuth or
   * allow_anonymous). */
  authenticatedByDefault?: { option: string; unless: RegExp };
  /** Other programs of the same kind on the same port (other MQTT brokers): a comment naming one
   * does not make the port another program's. */
  aka?: string[];
}

export const SENSITIVE_PORTS: SensitivePort[] = [
  // Databases and caches
  { service: "PostgreSQL", ports: [5432], protocol: "tcp", kind: "database", severity: "medium", nixos: ["postgresql"], why: "database server; reachable from anywhere it relies on pg_hba and passwords alone" },
  { service: "MySQL/MariaDB", ports: [3306], protocol: "tcp", kind: "database", severity: "medium", nixos: ["mysql"], why: "database server; reachable from anywhere it relies on passwords alone" },
  { service: "Redis", ports: [6379], protocol: "tcp", kind: "database", severity: "high", nixos: ["redis"], why: "no authentication unless requirepass is set; CONFIG SET and MODULE LOAD give code execution", authenticatedBy: ["services.redis.servers.*.requirePass", "services.redis.servers.*.requirePassFile", "services.redis.requirePass", "services.redis.requirePassFile"] },
  { service: "Memcached", ports: [11211], protocol: "both", kind: "database", severity: "high", nixos: ["memcached"], why: "no authentication; UDP is a well-known amplification vector" },
  { service: "MongoDB", ports: [27017, 27018, 27019], protocol: "tcp", kind: "database", severity: "high", nixos: ["mongodb"], why: "authorization is off unless security.authorization is enabled", authenticatedBy: ["services.mongodb.enableAuth"] },
  { service: "Elasticsearch/OpenSearch", ports: [9200, 9300], protocol: "tcp", kind: "database", severity: "high", nixos: ["elasticsearch", "opensearch"], why: "the NixOS modules start them without the security plugin: no authentication" },
  { service: "CouchDB", ports: [5984], protocol: "tcp", kind: "database", severity: "medium", nixos: ["couchdb"], why: "database HTTP API" },
  { service: "InfluxDB", ports: [8086, 8088], protocol: "tcp", kind: "database", severity: "medium", nixos: ["influxdb", "influxdb2"], why: "InfluxDB 1.x has auth-enabled = false by default", whyFor: { influxdb2: "InfluxDB 2 asks for a token, but its API, UI and the first-run setup (which creates the admin while no user exists) face every network" } },
  { service: "Cassandra", ports: [9042, 7000, 7001, 7199], protocol: "tcp", kind: "database", severity: "medium", nixos: ["cassandra"], why: "CQL and inter-node ports; JMX (7199) is unauthenticated by default" },
  { service: "ClickHouse", ports: [8123, 9440], protocol: "tcp", kind: "database", severity: "medium", nixos: ["clickhouse"], why: "the default user has an empty password" },
  { service: "Neo4j", ports: [7474, 7687], protocol: "tcp", kind: "database", severity: "medium", nixos: ["neo4j"], why: "database HTTP and Bolt ports" },
  { service: "CockroachDB", ports: [26257], protocol: "tcp", kind: "database", severity: "medium", nixos: ["cockroachdb"], why: "database port" },
  { service: "RethinkDB", ports: [28015, 29015], protocol: "tcp", kind: "database", severity: "high", why: "no authentication by default (admin without password)" },
  { service: "ArangoDB", ports: [8529], protocol: "tcp", kind: "database", severity: "medium", nixos: ["arangodb"], why: "database HTTP API" },
  { service: "Microsoft SQL Server", ports: [1433], protocol: "tcp", kind: "database", severity: "medium", why: "database server" },
  { service: "Oracle listener", ports: [1521], protocol: "tcp", kind: "database", severity: "medium", why: "database listener" },
  { service: "etcd", ports: [2379, 2380], protocol: "tcp", kind: "cluster", severity: "high", nixos: ["etcd"], listenedBy: ["k3s", "rke2"], why: "without client certificate authentication anyone can read and write every key (cluster secrets included)" },
  { service: "ZooKeeper", ports: [2181], protocol: "tcp", kind: "cluster", severity: "high", nixos: ["zookeeper"], why: "no authentication by default" },
  { service: "Consul", ports: [8500, 8501], protocol: "tcp", kind: "cluster", severity: "high", nixos: ["consul"], why: "ACLs are disabled by default; the HTTP API can register checks that run scripts" },
  { service: "Nomad", ports: [4646], protocol: "tcp", kind: "cluster", severity: "high", nixos: ["nomad"], why: "ACLs are disabled by default: anyone can submit jobs" },
  { service: "Kafka", ports: [9092], protocol: "tcp", kind: "database", severity: "medium", nixos: ["apache-kafka"], why: "PLAINTEXT listener without authentication by default" },
  { service: "RabbitMQ", ports: [5672, 15672], protocol: "tcp", kind: "database", severity: "medium", nixos: ["rabbitmq"], why: "message broker and its management UI" },
  { service: "Erlang port mapper (epmd)", ports: [4369], protocol: "tcp", kind: "cluster", severity: "medium", why: "exposes Erlang distribution (cookie-authenticated, a single shared secret)" },
  { service: "MQTT (Mosquitto)", ports: [1883], protocol: "tcp", kind: "admin", severity: "medium", nixos: ["mosquitto"], why: "plaintext MQTT, often with anonymous access", aka: ["emqx", "hivemq", "vernemq", "nanomq", "broker"], authenticatedByDefault: { option: "services.mosquitto.listeners", unless: /\ballow_anonymous\b[^;]*\btrue\b|\bomitPasswordAuth\s*=\s*true\b/ } },
  // Metrics and observability
  { service: "Prometheus", ports: [9090], protocol: "tcp", kind: "metrics", severity: "medium", nixos: ["prometheus"], listenedBy: ["cockpit"], why: "no authentication by default; its API reveals every scrape target and metric (Cockpit also uses 9090)" },
  { service: "Prometheus Pushgateway", ports: [9091], protocol: "tcp", kind: "metrics", severity: "medium", listenedBy: ["prometheus.pushgateway"], why: "anyone can push or delete metrics" },
  { service: "Alertmanager", ports: [9093, 9094], protocol: "both", kind: "metrics", severity: "medium", listenedBy: ["prometheus.alertmanager"], why: "no authentication by default: anyone can silence alerts" },
  { service: "Prometheus node exporter", ports: [9100], protocol: "tcp", kind: "metrics", severity: "medium", nixos: ["prometheus.exporters.node"], why: "no authentication by default; reveals the host's software, mounts, network and load" },
  { service: "Prometheus exporters", ports: [9113, 9115, 9117, 9121, 9134, 9187, 9256, 9558, 9633], protocol: "tcp", kind: "metrics", severity: "medium", listenedBy: ["prometheus.exporters.nginx", "prometheus.exporters.blackbox", "prometheus.exporters.apache", "prometheus.exporters.redis", "prometheus.exporters.zfs", "prometheus.exporters.postgres", "prometheus.exporters.process", "prometheus.exporters.systemd", "prometheus.exporters.smartctl"], listenedByPerPort: true, why: "exporter endpoints have no authentication by default (the blackbox exporter, 9115, probes any target it is asked to)" },
  { service: "Hydra metrics", ports: [9198, 9199], protocol: "tcp", kind: "metrics", severity: "medium", why: "hydra-queue-runner (queue_runner_metrics_address) and hydra-notify Prometheus endpoints: no authentication; they reveal jobs, queue state and build machines" },
  { service: "Telegraf Prometheus output", ports: [9273], protocol: "tcp", kind: "metrics", severity: "medium", nixos: ["telegraf"], why: "telegraf's prometheus_client output (the port srvos's telegraf mixin and most setups use) serves every metric the agent collects without authentication unless basic_username is set", authenticatedBy: ["services.telegraf.extraConfig.outputs.prometheus_client.basic_username"] },
  { service: "Loki", ports: [3100], protocol: "tcp", kind: "metrics", severity: "medium", nixos: ["loki"], why: "auth_enabled is off in single-tenant setups: anyone can read and push logs" },
  { service: "VictoriaMetrics", ports: [8428], protocol: "tcp", kind: "metrics", severity: "medium", nixos: ["victoriametrics"], why: "no authentication by default" },
  { service: "VictoriaLogs", ports: [9428], protocol: "tcp", kind: "metrics", severity: "medium", nixos: ["victorialogs"], why: "no authentication by default: anyone can query every collected log line and ingest forged ones" },
  { service: "Netdata", ports: [19999], protocol: "tcp", kind: "metrics", severity: "medium", nixos: ["netdata"], why: "the dashboard has no authentication by default" },
  { service: "Glances", ports: [61208], protocol: "tcp", kind: "metrics", severity: "medium", nixos: ["glances"], why: "the web server has no password by default and shows every process with its command line" },
  { service: "Jaeger", ports: [16686, 14268], protocol: "tcp", kind: "metrics", severity: "medium", why: "tracing UI and collector without authentication" },
  { service: "Zipkin", ports: [9411], protocol: "tcp", kind: "metrics", severity: "medium", why: "tracing UI and collector without authentication" },
  // Administration interfaces
  { service: "Docker API (plain TCP)", ports: [2375], protocol: "tcp", kind: "admin", severity: "high", why: "the unencrypted Docker API has no authentication and controls a root daemon" },
  { service: "Kubelet API", ports: [10250, 10255], protocol: "tcp", kind: "admin", severity: "high", listenedBy: ["kubernetes.kubelet", "k3s", "rke2"], why: "runs commands in any pod on the node when anonymous auth is left on" },
  { service: "Webmin", ports: [10000], protocol: "tcp", kind: "admin", severity: "medium", why: "root administration web interface" },
  { service: "VNC", ports: [5900, 5901], protocol: "tcp", kind: "admin", severity: "medium", listenedBy: ["gnome.gnome-remote-desktop", "x11vnc", "wayvnc"], why: "remote desktop with weak (8-character) or no password authentication" },
  { service: "X11", ports: [6000], protocol: "tcp", kind: "admin", severity: "high", why: "an open X server lets anyone read keystrokes and the screen" },
  { service: "IPMI", ports: [623], protocol: "udp", kind: "admin", severity: "high", why: "out-of-band management; IPMI 2.0 leaks password hashes (RAKP)" },
  { service: "rpcbind", ports: [111], protocol: "both", kind: "admin", severity: "medium", nixos: ["rpcbind"], listenedBy: ["nfs.server"], why: "lists the host's RPC services (NFS mountd, statd) and is a reflection vector" },
  { service: "NFS", ports: [2049], protocol: "both", kind: "admin", severity: "medium", nixos: ["nfs.server"], why: "NFS authorises clients by IP address (AUTH_SYS): the export list is the only control" },
  { service: "rsync daemon", ports: [873], protocol: "tcp", kind: "admin", severity: "medium", nixos: ["rsyncd"], why: "modules without 'auth users' are world-readable (and writable when read only = false)", authenticatedBy: ["services.rsyncd.settings.sections.*.auth users", "services.rsyncd.settings.*.auth users"] },
  { service: "Ollama", ports: [11434], protocol: "tcp", kind: "admin", severity: "high", nixos: ["ollama"], why: "the API has no authentication: anyone can pull, delete and run models on your hardware" },
  { service: "Android Debug Bridge", ports: [5555], protocol: "tcp", kind: "admin", severity: "high", why: "adb over TCP gives a shell without authentication on many devices" },
  { service: "SNMP", ports: [161], protocol: "udp", kind: "admin", severity: "medium", why: "community strings are shared plaintext passwords (often 'public')" },
  { service: "TFTP", ports: [69], protocol: "udp", kind: "admin", severity: "medium", nixos: ["atftpd", "tftpd"], why: "no authentication at all" },
];

/** The table rows a port belongs to, for a protocol. */
export function sensitivePort(port: number, protocol: "tcp" | "udp"): SensitivePort | undefined {
  return SENSITIVE_PORTS.find((s) => s.ports.includes(port) && (s.protocol === "both" || s.protocol === protocol));
}

/** The row for `config.services.<name>...port`. */
export function sensitiveService(nixosName: string): SensitivePort | undefined {
  return SENSITIVE_PORTS.find((s) => s.nixos?.includes(nixosName));
}

/** Every sensitive port inside [from, to] for a protocol. */
export function sensitiveInRange(from: number, to: number, protocol: "tcp" | "udp"): Array<{ port: number; row: SensitivePort }> {
  const out: Array<{ port: number; row: SensitivePort }> = [];
  for (const row of SENSITIVE_PORTS) {
    if (row.protocol !== "both" && row.protocol !== protocol) continue;
    for (const p of row.ports) if (p >= from && p <= to) out.push({ port: p, row });
  }
  return out.sort((a, b) => a.port - b.port);
}
