// Containers reachable without a login (container-exposed-unauthenticated), a container with the
// engine socket on the network (docker-socket-exposed), code-server without auth behind nginx
// (app-auth-disabled), ports opened through a let binding or published by a container
// (firewall-sensitive-port) and applications' secret keys (plaintext-password-option): what fires,
// the look-alikes that stay silent, and the one patch (code-server's auth) parses.
import { describe, expect, it } from "vitest";
import { scanMemory } from "../helpers/memory.js";
import { flake, summary } from "../helpers/fix.js";
import { applyFix } from "../helpers/patch.js";
import { nixAvailable } from "../helpers/nix.js";

const SUITE = `{ config, lib, ... }:
let
  cfg = config.my.suite;
  port = 8091;
in
{
  options.my.suite.enable = lib.mkEnableOption "suite";
  config = lib.mkIf cfg.enable {
    virtualisation.oci-containers.containers = {
      db = {
        image = "linuxserver/mariadb";
        ports = [ "3306:3306" ];
        environment = { MYSQL_ROOT_PASSWORD = "REPLACE_ME_MYSQL_ROOT_PASSWORD"; TZ = "UTC"; };
      };
      old-db = {
        image = "postgres:11";
        autoStart = false;
        ports = [ "5432:5432" ];
        environment.POSTGRES_PASSWORD = "REPLACE_ME_POSTGRES_PASSWORD";
      };
      app = {
        image = "ghcr.io/example/app:latest";
        ports = [ "8088:80" ];
        environment = { WAKAPI_PASSWORD_SALT = "REPLACE_ME_SALT"; SMTP_PASS = "changeme"; };
      };
      desktop = {
        image = "lscr.io/linuxserver/calibre:latest";
        ports = [ "\${toString port}:8080" ];
      };
      desktop-local = {
        image = "lscr.io/linuxserver/webtop:latest";
        ports = [ "127.0.0.1:3000:3000" ];
      };
      desktop-password = {
        image = "lscr.io/linuxserver/firefox:latest";
        ports = [ "3001:3000" ];
        environment = { CUSTOM_USER = "me"; PASSWORD = "Vq8#mT2!xLp9"; };
      };
      desktop-host = {
        image = "lscr.io/linuxserver/webtop:latest";
        ports = [ "3002:3000" ];
        extraOptions = [ "--network=host" ];
      };
      npm = {
        image = "jlesage/nginx-proxy-manager";
        ports = [ "1880:8080" ];
      };
      yacht = {
        image = "selfhostedpro/yacht";
        ports = [ "8000:8000" ];
        volumes = [ "/srv/yacht:/config" "/var/run/docker.sock:/var/run/docker.sock" ];
      };
      socket-proxy = {
        image = "ghcr.io/tecnativa/docker-socket-proxy:latest";
        ports = [ "127.0.0.1:2375:2375" ];
        volumes = [ "/var/run/docker.sock:/var/run/docker.sock:ro" ];
      };
      timemachine = {
        image = "mbentley/timemachine";
        environment.PASSWORD = "REPLACE_ME_TM_PASSWORD";
        extraOptions = [ "--ip=192.168.4.2" "--network=br0" ];
      };
    };
    networking.firewall.allowedTCPPorts = [ 2375 8088 3306 ];
  };
}
`;

const WRAPPED = `{ config, lib, ... }:
let
  app = "mcp-grafana";
  image = "mcp/grafana:latest";
  port = 9092;
in
{
  options.my.mcp.enable = lib.mkEnableOption "mcp";
  config = lib.mkIf config.my.mcp.enable {
    virtualisation.oci-containers.containers = config.lib.my.mkContainer {
      inherit app image;
      envFiles = [ config.sops.secrets.mcp.path ];
      ports = [ "\${builtins.toString port}:\${builtins.toString port}" ];
    };
  };
}
`;

const MONITORING = `{ config, lib, ... }:
let
  lokiPort = 3100;
in
{
  services.loki = { enable = true; configuration = { auth_enabled = false; server.http_listen_port = lokiPort; }; };
  networking.firewall.allowedTCPPorts = [ lokiPort ];
  services.mosquitto = { enable = true; listeners = [ { users.mq.hashedPasswordFile = "/run/secrets/mq"; } ]; };
  networking.firewall.allowedUDPPorts = [ ];
  services.searx = { enable = true; settings.server.secret_key = "loljknahplz"; };
  services.grafana.settings.security.secret_key = "$__file{/run/secrets/grafana-key}";
}
`;

const MQTT_OPEN = `{
  services.mosquitto = { enable = true; listeners = [ { omitPasswordAuth = true; settings.allow_anonymous = true; acl = [ "topic readwrite #" ]; } ]; };
  networking.firewall.allowedTCPPorts = [ 1883 ];
}
`;

const CODE = `{ config, ... }:
{
  services.code-server = { enable = true; auth = "none"; user = "alice"; host = "127.0.0.1"; };
  services.nginx.virtualHosts."code.\${config.networking.domain}" = {
    forceSSL = true;
    locations."^~ /".proxyPass = "http://127.0.0.1:\${toString config.services.code-server.port}";
  };
}
`;

const CODE_AUTHED = `{ config, ... }:
{
  services.code-server = { enable = true; auth = "none"; };
  services.nginx.virtualHosts."code.example.org" = {
    basicAuthFile = "/run/secrets/htpasswd";
    locations."/".proxyPass = "http://127.0.0.1:4444";
  };
}
`;

const FILES = {
  "flake.nix": flake({ lab: ["./suite.nix", "./wrapped.nix", "./monitoring.nix", "./code.nix", "./code-authed.nix", "./mqtt.nix", "{ my.suite.enable = true; my.mcp.enable = true; }"] }),
  "suite.nix": SUITE,
  "wrapped.nix": WRAPPED,
  "monitoring.nix": MONITORING,
  "code.nix": CODE,
  "code-authed.nix": CODE_AUTHED,
  "mqtt.nix": MQTT_OPEN,
};

describe("containers and application logins", () => {
  it("reports the exposed containers and leaves the look-alikes alone", async () => {
    const report = await scanMemory(FILES);
    expect(summary(report, "container-exposed-unauthenticated")).toEqual([
      "suite.nix:13 high [lab]", // MYSQL_ROOT_PASSWORD placeholder, published
      "suite.nix:28 high [lab]", // calibre without PASSWORD
      "suite.nix:60 high [lab]", // timemachine placeholder, own LAN address
      "wrapped.nix:13 medium [lab]", // MCP server through the wrapper
    ]);
    expect(summary(report, "docker-socket-exposed")).toEqual(["suite.nix:51 critical [lab]"]);
    // 3306 is the MariaDB container's (kept); 2375 is published on loopback only and 8088 is a web
    // app's: both dropped. Loki through a let binding; MQTT with a password file silent, anonymous MQTT kept.
    expect(summary(report, "firewall-sensitive-port")).toEqual(["monitoring.nix:7 medium [lab]", "mqtt.nix:3 medium [lab]", "suite.nix:64 medium [lab]"]);
    const sp = report.findings.filter((f) => f.ruleId === "firewall-sensitive-port" && f.file === "suite.nix");
    expect(sp.map((f) => f.title)).toEqual(["Sensitive TCP port open on every interface: MySQL/MariaDB"]);
    expect(summary(report, "plaintext-password-option")).toEqual(["monitoring.nix:10 low [lab]"]);
    // The anonymous Mosquitto listener that grants readwrite # (its port is firewall-sensitive-port's).
    expect(summary(report, "app-auth-disabled")).toEqual(["code-authed.nix:3 medium [lab]", "code.nix:3 critical [lab]", "mqtt.nix:2 medium [lab]"]);
  });

  it("a suite imported but enabled by no host acts nowhere: no container findings", async () => {
    const files = { ...FILES, "flake.nix": flake({ lab: ["./suite.nix"] }) };
    const report = await scanMemory(files);
    for (const rule of ["container-exposed-unauthenticated", "docker-socket-exposed", "firewall-sensitive-port"]) expect(summary(report, rule)).toEqual([]);
  });

  it.skipIf(!nixAvailable)("code-server's fix sets a login and parses", async () => {
    const files = { "flake.nix": flake({ lab: ["./code.nix"] }), "code.nix": CODE };
    const report = await scanMemory(files);
    const f = report.findings.find((x) => x.ruleId === "app-auth-disabled");
    const { files: patched, rescan } = await applyFix(files, f!);
    expect(patched["code.nix"]).toContain('auth = "password"');
    expect(rescan.findings.filter((x) => x.ruleId === "app-auth-disabled")).toEqual([]);
  });
});
