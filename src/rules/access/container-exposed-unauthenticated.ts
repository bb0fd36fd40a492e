// container-exposed-unauthenticated: an OCI container (virtualisation.oci-containers, or a wrapper
// the repository calls with the same fields) that anyone on the network can use without a login:
//   - a browser-desktop image (linuxserver's KasmVNC images: calibre, webtop, firefox...; jlesage's
//     noVNC images) with no password in its environment and no environmentFiles that could hold
//     one, reachable from the network: a remote desktop with a terminal and the mounted folders
//     (high);
//   - a dockur VM image (dockurr/windows, dockurr/macos) whose web viewer (noVNC on 8006, no login
//     of its own) is published on every interface: the VM's screen and keyboard, signed in or at
//     its login, and every folder shared into it (high; gytis-ivaskevicius-nixfiles winapps.nix);
//   - an MCP server image (SSE/HTTP transport) reachable from the network: MCP servers have no
//     authentication of their own and act with the token they are given (medium);
//   - an auto-started container whose own login is set to a placeholder in its environment
//     (`MYSQL_ROOT_PASSWORD = "REPLACE_ME_..."`, `PASSWORD = "changeme"`): the image creates the
//     account with that public value (high when reachable from the network, else medium). Literal
//     non-placeholder values are secret-in-environment's.
// Reachable: a port published on every interface (container publishing is DNAT in the engine's own
// chains, so the NixOS INPUT firewall does not apply), the container's own LAN address (--ip), or
// the host network. A port published on 127.0.0.1 or on a named address is not reported.
import { isPlaceholder } from "../../secrets/index.js";
import { nixosOption } from "../shared/references.js";
import type { Severity } from "../../report/schema.js";
import { containersOf, reachableFrom, type Container } from "../shared/containers.js";
import { hostExample } from "../shared/examples.js";
import type { NixFileContext, Rule } from "../types.js";

/** linuxserver images built on baseimage-kasmvnc, and jlesage's GUI images (noVNC web access). */
const KASM_IMAGE = /(?:^|\/)linuxserver\/(?:calibre|webtop|digikam|firefox|chromium|obsidian|libreoffice|kicad|krita|blender|freecad|filezilla|mullvad-browser|opera|brave|vivaldi|remmina|rdesktop|msedge|kasm|pycharm|wireshark|doublecommander|inkscape|gimp|audacity|darktable|steam|zotero|signal|telegram)(?::|@|$)/i;
const JLESAGE_IMAGE = /(?:^|\/)jlesage\/(?!nginx-proxy-manager\b)[\w.-]+(?::|@|$)/i;
/** dockur's VM images: QEMU with a noVNC viewer on 8006 and no authentication in front of it. */
const DOCKUR_VM_IMAGE = /(?:^|\/)dockurr?\/(?:windows|macos)(?::|@|$)/i;
const MCP_IMAGE = /(?:^|[/_-])mcp(?:[/_:.@-]|$)/i;
/** Environment names through which an image sets its own login's password (not a client's
 * credential for another service, not a salt). */
const OWN_PASSWORD = /^(?:PASSWORD|PASS|(?:[A-Z0-9]+_)?(?:ROOT|ADMIN|SUPERUSER|DEFAULT|INITDB_ROOT|INIT_ADMIN|WEB|GUI|UI|VNC)_?PASS(?:WORD)?|(?:MYSQL|MARIADB|POSTGRES|MONGO_INITDB_ROOT|RABBITMQ_DEFAULT|MINIO_ROOT|COUCHDB|ELASTIC|NEO4J|PGADMIN_DEFAULT|GF_SECURITY_ADMIN|DOCKER_INFLUXDB_INIT)_PASSWORD)$/;

/** A value written to be replaced, or a well-known default: whoever reads the repository (or the
 * image's documentation) knows it. */
const OBVIOUS = /replace[_-]?me|change[_-]?me|changeit|^(?:pass(?:word)?|admin|secret|root|test|default)\d{0,3}$/i;

function kasmAuth(c: Container): boolean {
  if (c.envFiles || c.envOpaque) return true;
  const set = (k: string) => {
    const v = c.env.get(k);
    return !!v && v.value !== "";
  };
  if (JLESAGE_IMAGE.test(c.image ?? "")) return set("VNC_PASSWORD") || (c.env.get("WEB_AUTHENTICATION")?.value ?? "") === "1";
  return set("PASSWORD") || set("FILE__PASSWORD");
}

function check(ctx: NixFileContext): void {
  for (const c of containersOf(ctx.index.definitions)) {
    const image = c.image ?? "";
    const reach = reachableFrom(c);
    // The first port published on every interface (inside the module's `mkIf`, where the host
    // attribution reads it), else the container's declaration.
    const where = c.ports.find((p) => p.address === "all")?.node ?? c.node;
    if (reach && (KASM_IMAGE.test(image) || JLESAGE_IMAGE.test(image)) && !kasmAuth(c)) {
      const jlesage = JLESAGE_IMAGE.test(image);
      ctx.report({
        node: where,
        optionPath: c.def.path,
        key: `desktop:${c.name}`,
        severity: jlesage ? "medium" : "high",
        title: "Browser desktop container without a password on the network",
        message: `Container ${c.name} (${image}) serves ${jlesage ? "its application's GUI" : "a desktop"} in the browser and sets no ${jlesage ? "VNC_PASSWORD or WEB_AUTHENTICATION" : "PASSWORD"} (nor environmentFiles that could hold one), so the image serves it without a login; it is ${reach}. Anyone who reaches it gets ${jlesage ? "the application and every folder mounted into the container" : "the desktop, a terminal as the container's user and every mounted folder"}.`,
        fix: {
          safety: "review",
          description: `Publish the port on loopback only ("127.0.0.1:<port>:<port>") behind a reverse proxy with authentication, and set ${jlesage ? "VNC_PASSWORD" : "CUSTOM_USER and PASSWORD"} through environmentFiles (an agenix/sops secret).`,
        },
      });
    }
    if (DOCKUR_VM_IMAGE.test(image)) {
      // The viewer's port: published on every interface, or the container's own LAN address.
      const viewer = c.ports.find((p) => p.address === "all" && /(?:^|:)8006(?:\/tcp)?$/.test(p.spec));
      const own = reach?.startsWith("given its own address") ? reach : undefined;
      if (viewer || own) {
        const rdp = c.ports.find((p) => p.address === "all" && /(?:^|:)3389(?:\/(?:tcp|udp))?$/.test(p.spec));
        ctx.report({
          node: viewer?.node ?? where,
          optionPath: c.def.path,
          key: `vm-viewer:${c.name}`,
          severity: c.autoStart ? "high" : "medium",
          title: "VM web viewer on the network without a login",
          message:
            `Container ${c.name} (${image}) runs a virtual machine whose web viewer (noVNC on port 8006) has no authentication, and it is ${viewer ? `published on every interface (${viewer.spec}; container port publishing bypasses the NixOS firewall)` : own}: anyone who reaches it gets the VM's screen and keyboard, a signed-in session included, and every folder shared into the VM.` +
            (rdp ? ` RDP (${rdp.spec}) is published the same way and accepts the account the environment sets.` : "") +
            (c.autoStart ? "" : " (autoStart = false: exposed while someone has started it, medium.)"),
          fix: { safety: "review", description: 'Publish 8006 (and 3389) on loopback only ("127.0.0.1:8006:8006") and reach the viewer through an SSH tunnel, a VPN address or an authenticating reverse proxy.' },
        });
      }
    }
    if (reach && MCP_IMAGE.test(image)) {
      ctx.report({
        node: where,
        optionPath: c.def.path,
        key: `mcp:${c.name}`,
        severity: "medium",
        title: "MCP server container reachable from the network",
        message: `Container ${c.name} (${image}) runs an MCP server and is ${reach}. MCP servers' SSE/HTTP transports have no authentication of their own: anyone who reaches the port can call its tools with the credentials the container holds${c.envFiles ? " (from its environmentFiles)" : ""}.`,
        fix: { safety: "review", description: 'Publish the port on loopback only ("127.0.0.1:<port>:<port>") and reach it through an SSH tunnel or an authenticating reverse proxy, or run the server with the stdio transport.' },
      });
    }
    if (!c.autoStart) continue;
    for (const [name, v] of c.env) {
      if (!OWN_PASSWORD.test(name) || v.value === undefined || v.value.trim() === "" || /\?/.test(v.value) || !(isPlaceholder(v.value) || OBVIOUS.test(v.value.trim()))) continue;
      const severity: Severity = reach ? "high" : "medium";
      ctx.report({
        node: v.node,
        optionPath: `${c.def.path}`,
        key: `placeholder:${c.name}:${name}`,
        severity,
        title: "Container started with a placeholder password",
        message: `Container ${c.name}${image ? ` (${image})` : ""} starts automatically with ${name} = "${v.value}": the image sets its login's password from this variable, so the committed placeholder is the real password${reach ? `, and the container is ${reach}` : " (for whoever reaches the container: other containers and local users)"}.`,
        fix: { safety: "manual", description: `Remove ${name} from environment and deliver it through environmentFiles from an agenix/sops secret; change the password inside the service if it was already initialised with the placeholder.` },
      });
    }
  }
}

export const containerExposedUnauthenticated: Rule = {
  id: "container-exposed-unauthenticated",
  examples: {
    fire: [
      hostExample(`{\n  virtualisation.oci-containers.containers.calibre = {\n    image = "lscr.io/linuxserver/calibre:latest";\n    ports = [ "8080:8080" ];\n    volumes = [ "/srv/books:/books" ];\n  };\n}\n`),
      hostExample(`{\n  virtualisation.oci-containers.containers.db = {\n    image = "mariadb:11";\n    ports = [ "3306:3306" ];\n    environment.MARIADB_ROOT_PASSWORD = "REPLACE_ME_ROOT_PASSWORD";\n  };\n}\n`),
      hostExample(
        `{ config, ... }:\nlet\n  port = 9092;\n  image = "mcp/grafana:latest";\nin\n{\n  virtualisation.oci-containers.containers = config.lib.my.mkContainer {\n    app = "mcp-grafana";\n    inherit image;\n    envFiles = [ "/run/secrets/grafana-token" ];\n    ports = [ "\${toString port}:\${toString port}" ];\n  };\n}\n`,
      ),
      hostExample(`{\n  virtualisation.oci-containers.containers.windows = {\n    image = "dockurr/windows";\n    ports = [ "8006:8006" "3389:3389" ];\n    environment = { VERSION = "11"; USERNAME = "me"; PASSWORD_FILE = "/run/secrets/win"; };\n    extraOptions = [ "--device=/dev/kvm" "--cap-add=NET_ADMIN" ];\n  };\n}\n`),
    ],
    silent: [
      hostExample(`{\n  virtualisation.oci-containers.containers.calibre = {\n    image = "lscr.io/linuxserver/calibre:latest";\n    ports = [ "127.0.0.1:8080:8080" ];\n  };\n  virtualisation.oci-containers.containers.webtop = {\n    image = "lscr.io/linuxserver/webtop";\n    ports = [ "3000:3000" ];\n    environmentFiles = [ "/run/secrets/webtop-env" ];\n  };\n}\n`),
      hostExample(`{\n  virtualisation.oci-containers.containers.pg = {\n    image = "postgres:11";\n    autoStart = false;\n    ports = [ "5432:5432" ];\n    environment.POSTGRES_PASSWORD = "REPLACE_ME_POSTGRES_PASSWORD";\n  };\n  virtualisation.oci-containers.containers.app = {\n    image = "app";\n    ports = [ "8080:8080" ];\n    environment = { SMTP_PASSWORD = "changeme"; PASSWORD_SALT = "REPLACE_ME"; };\n  };\n}\n`),
      hostExample(`{\n  virtualisation.oci-containers.containers.mcp = {\n    image = "mcp/grafana";\n    ports = [ "127.0.0.1:9092:9092" ];\n  };\n}\n`),
      // The viewer on loopback, and a VM behind a Tailscale sidecar's network namespace.
      hostExample(`{\n  virtualisation.oci-containers.containers.windows = {\n    image = "dockurr/windows";\n    ports = [ "127.0.0.1:8006:8006" ];\n  };\n  virtualisation.oci-containers.containers.win-ts = {\n    image = "docker.io/dockurr/windows:latest";\n    extraOptions = [ "--network=container:TSwin" "--device=/dev/kvm" ];\n  };\n}\n`),
    ],
  },
  name: "Container reachable without a login",
  category: "access",
  severity: "high",
  rationale:
    "Ports an OCI container publishes are forwarded by the container engine's own NAT rules, so the NixOS firewall does not filter them: a container published on every interface is reachable from every network the host is on. Browser-desktop images without a password, MCP servers (no authentication of their own) and databases whose password is a committed placeholder give whoever reaches them the container's data and rights.",
  fix: 'Publish on loopback ("127.0.0.1:<port>:<port>") behind an authenticating reverse proxy, or on a private address; set passwords through environmentFiles from an agenix/sops secret.',
  references: [
    { title: "Docker docs: packet filtering and firewalls (published ports bypass INPUT rules)", url: "https://docs.docker.com/engine/network/packet-filtering-firewalls/" },
    { title: "linuxserver baseimage-kasmvnc: CUSTOM_USER and PASSWORD (no authentication unless set)", url: "https://github.com/linuxserver/docker-baseimage-kasmvnc#options" },
    { title: "Model Context Protocol: security best practices", url: "https://modelcontextprotocol.io/specification/draft/basic/security_best_practices" },
    nixosOption("virtualisation.oci-containers.containers.<name>.environmentFiles", { query: "virtualisation.oci-containers.containers" }),
  ],
  compliance: { cis: ["2.2 Special Purpose Services"], nist: ["PR.AA-01", "PR.AA-03", "PR.IR-01"] },
  checkNix: check,
};
