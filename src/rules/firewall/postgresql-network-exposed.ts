// postgresql-network-exposed: PostgreSQL listening on every address (`enableTCPIP = true`, or
// `settings.listen_addresses = "*"`/"0.0.0.0"/"::"), its port open on every interface (5432 or the
// configured port in networking.firewall.allowedTCPPorts/-Ranges, or the firewall turned off), and a
// pg_hba record (services.postgresql.authentication) that accepts connections from anywhere
// (0.0.0.0/0, ::/0, `all`) with a password (md5, scram-sha-256, password) or trust. Then the
// database's login is on the Internet: password guessing, pre-authentication CVEs, and for trust no
// login at all. Silent when the port is opened only on an interface (a VPN such as wg0), when the
// firewall keeps it closed, when PostgreSQL listens on specific addresses, or when no record
// admits the whole network. Per host: the pieces are usually in different files.
import { staticValue } from "../../nix/values.js";
import type { Severity } from "../../report/schema.js";
import { effectiveValue, isDead, isDisabled, scoped, type Scope, type ScopedDef } from "../shared/scope.js";
import { cookString, stringLines } from "../shared/string-lines.js";
import { parseHbaLine, reachOf } from "../access/pg-hba.js";
import { classifyPortElement } from "./firewall-sensitive-port.js";
import { hostExample } from "../shared/examples.js";
import type { Rule } from "../types.js";
import { nixosOption } from "../shared/references.js";
import { firewallOff, listLiterals } from "../shared/open-ports.js";

const WILDCARD = /^(?:\*|0\.0\.0\.0|::)$/;

/** The definition that makes PostgreSQL listen on every address, if one does. */
function listensEverywhere(scope: Scope): ScopedDef | undefined {
  const listen = effectiveValue(scope.definitions("services.postgresql.settings.listen_addresses"));
  if (listen.kind === "known") {
    if (typeof listen.value !== "string") return undefined;
    const addrs = listen.value.split(",").map((a) => a.trim());
    return addrs.some((a) => WILDCARD.test(a)) ? listen.at : undefined;
  }
  if (listen.kind === "unknown") return undefined;
  const tcp = effectiveValue(scope.definitions("services.postgresql.enableTCPIP"));
  return tcp.kind === "known" && tcp.value === true ? tcp.at : undefined;
}

function configuredPort(scope: Scope): number {
  for (const path of ["services.postgresql.settings.port", "services.postgresql.port"]) {
    const e = effectiveValue(scope.definitions(path));
    if (e.kind === "known" && typeof e.value === "number") return e.value;
  }
  return 5432;
}

/** How the port is reachable from every network, or undefined. */
function globallyOpen(scope: Scope, port: number): string | undefined {
  const off = firewallOff(scope);
  if (off) return off === "open" ? "the firewall is turned off (networking.firewall.enable = false)" : undefined;
  const open = effectiveValue(scope.definitions("services.postgresql.openFirewall"));
  if (open.kind === "known" && open.value === true) return "services.postgresql.openFirewall = true";
  for (const { def } of scope.definitions("networking.firewall.allowedTCPPorts")) {
    if (isDead(def)) continue;
    for (const list of listLiterals(def.inner)) {
      for (const el of list.childNodes()) {
        const v = staticValue(el);
        if (v === port) return `networking.firewall.allowedTCPPorts contains ${port}`;
        const c = classifyPortElement(el, "tcp");
        if (c?.row.service === "PostgreSQL" && typeof v !== "number") return `networking.firewall.allowedTCPPorts contains ${el.text}`;
      }
    }
  }
  for (const { def } of scope.definitions("networking.firewall.allowedTCPPortRanges")) {
    if (isDead(def)) continue;
    for (const list of listLiterals(def.inner)) {
      for (const el of list.childNodes()) {
        const v = staticValue(el);
        if (v && typeof v === "object" && !Array.isArray(v)) {
          const { from, to } = v as { from?: unknown; to?: unknown };
          if (typeof from === "number" && typeof to === "number" && from <= port && port <= to) return `networking.firewall.allowedTCPPortRanges opens ${from}-${to}`;
        }
      }
    }
  }
  return undefined;
}

const METHOD_SEVERITY: Record<string, Severity> = { trust: "critical", password: "high", md5: "high", "scram-sha-256": "medium" };

function check(scope: Scope): void {
  if (isDisabled(scope, "services.postgresql.enable")) return;
  const listen = listensEverywhere(scope);
  if (!listen) return;
  const port = configuredPort(scope);
  const open = globallyOpen(scope, port);
  if (!open) return;
  const records: Array<{ line: string; method: string }> = [];
  for (const { def } of scope.definitions("services.postgresql.authentication")) {
    if (isDead(def)) continue;
    const s = cookString(def.inner);
    if (!s) continue;
    for (const line of stringLines(s)) {
      const rec = parseHbaLine(line.text);
      if (!rec || rec.type === "local" || reachOf(rec) !== "anywhere") continue;
      const method = rec.method.text;
      if (METHOD_SEVERITY[method]) records.push({ line: line.text.trim().replace(/\s+/g, " "), method });
    }
  }
  if (records.length === 0) return;
  const order: Severity[] = ["critical", "high", "medium"];
  const severity = order.find((s) => records.some((r) => METHOD_SEVERITY[r.method] === s))!;
  const shown = records.map((r) => `\`${r.line}\``).join(", ");
  const trust = records.some((r) => r.method === "trust");
  const where = scope.kind === "host" ? ` of host ${scope.host}` : "";
  scope.report(listen.file, {
    node: listen.def.inner ?? listen.def.binding,
    optionPath: listen.def.path,
    severity,
    key: `postgresql:${port}`,
    title: "PostgreSQL reachable from every network",
    message: `PostgreSQL${where} listens on every address (${listen.def.path} = ${listen.def.inner?.text ?? "true"}), ${open}, and pg_hba admits clients from anywhere (${shown}): its login is open to every network the host is on (the Internet, for a server with a public address), ${trust ? "and with trust anyone connects as any role, the postgres superuser included, without a password (and runs commands as the postgres account)" : "so passwords can be guessed from anywhere and every pre-authentication flaw of the server is reachable"}.`,
    fix: {
      safety: "review",
      description: `Open ${port} only where the clients are: networking.firewall.interfaces."wg0".allowedTCPPorts (your VPN or private interface) instead of the global list, listen on that address (settings.listen_addresses), and narrow the pg_hba records to the clients' networks with scram-sha-256 (hostssl). Remote clients outside those networks lose access.`,
    },
  });
}

export const postgresqlNetworkExposed: Rule = {
  id: "postgresql-network-exposed",
  examples: {
    fire: [
      hostExample(
        `{ config, ... }: {\n  services.postgresql = {\n    enable = true;\n    enableTCPIP = true;\n    authentication = ''\n      host all all 0.0.0.0/0 scram-sha-256\n    '';\n  };\n  networking.firewall.allowedTCPPorts = [ 22 config.services.postgresql.settings.port ];\n}\n`,
      ),
      hostExample(
        `{\n  services.postgresql = {\n    enable = true;\n    settings.listen_addresses = "0.0.0.0";\n    authentication = "host all all all md5";\n  };\n  networking.firewall.enable = false;\n}\n`,
      ),
      hostExample(`{\n  services.postgresql = {\n    enable = true;\n    enableTCPIP = true;\n    authentication = "host all all ::/0 trust";\n  };\n  networking.firewall.allowedTCPPorts = [ 80 443 5432 ];\n}\n`),
    ],
    silent: [
      // Listens everywhere, but the firewall keeps the port closed.
      hostExample(`{\n  services.postgresql = {\n    enable = true;\n    enableTCPIP = true;\n    authentication = "host all all 0.0.0.0/0 scram-sha-256";\n  };\n  networking.firewall.allowedTCPPorts = [ 80 443 ];\n}\n`),
      // Open only on the VPN interface.
      hostExample(
        `{\n  services.postgresql = {\n    enable = true;\n    enableTCPIP = true;\n    authentication = "host all all 0.0.0.0/0 scram-sha-256";\n  };\n  networking.firewall.interfaces.wg0.allowedTCPPorts = [ 5432 ];\n}\n`,
      ),
      // Open port, but pg_hba admits only a private network.
      hostExample(`{\n  services.postgresql = {\n    enable = true;\n    enableTCPIP = true;\n    authentication = "host all all 10.0.0.0/24 scram-sha-256";\n  };\n  networking.firewall.allowedTCPPorts = [ 5432 ];\n}\n`),
      // Listens on the WireGuard address only.
      hostExample(
        `{\n  services.postgresql = {\n    enable = true;\n    settings.listen_addresses = "10.100.0.1";\n    authentication = "host all all 0.0.0.0/0 scram-sha-256";\n  };\n  networking.firewall.allowedTCPPorts = [ 5432 ];\n}\n`,
      ),
    ],
  },
  name: "PostgreSQL reachable from every network",
  category: "firewall",
  severity: "high",
  rationale:
    "A PostgreSQL server that listens on every address, has its port open in the firewall and admits 0.0.0.0/0 in pg_hba puts its login on the Internet: bots scan 5432 and guess passwords, pre-authentication vulnerabilities are reachable, and a trust record needs no password at all.",
  fix: 'Open the port only on a private or VPN interface (networking.firewall.interfaces."wg0".allowedTCPPorts), listen only there, and restrict pg_hba to the clients\' networks with scram-sha-256 over hostssl.',
  references: [
    { title: "PostgreSQL: the pg_hba.conf file", url: "https://www.postgresql.org/docs/current/auth-pg-hba-conf.html" },
    { title: "PostgreSQL: listen_addresses", url: "https://www.postgresql.org/docs/current/runtime-config-connection.html#GUC-LISTEN-ADDRESSES" },
    nixosOption("services.postgresql.enableTCPIP"),
    nixosOption("networking.firewall.interfaces.<name>.allowedTCPPorts", { query: "networking.firewall.interfaces" }),
  ],
  compliance: { cis: ["3.5 Firewall Configuration", "2.2 Special Purpose Services"], nist: ["PR.IR-01", "PR.AA-05"] },
  ...scoped(check),
};
