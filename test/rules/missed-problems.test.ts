// Problems admins found in public configurations that nix-warden did not report (issue 12): a
// database listening everywhere with its port open in another file of the host, mitigations turned
// off through `++`/`optionals` and modprobe options, container secrets, exporters on VPN
// addresses. Each shape that must fire beside a look-alike that must not, across files of one host.
import { describe, expect, it } from "vitest";
import { scanMemory } from "../helpers/memory.js";
import { flakeWith } from "../../src/rules/shared/examples.js";

const SECRETS = ["vaultwarden2024", "runner-key-01", "ci-token-abc9"];

function lines(report: Awaited<ReturnType<typeof scanMemory>>, rule: string): string[] {
  return report.findings
    .filter((f) => f.ruleId === rule)
    .map((f) => `${f.file}:${f.line}:${f.severity}`)
    .sort();
}

describe("postgresql-network-exposed across a host's files", () => {
  const db = `{ lib, ... }: {
  services.postgresql = {
    enable = true;
    enableTCPIP = true;
    authentication = lib.mkForce ''
      local all all peer
      host  all all 127.0.0.1/32 trust
      host  app app 0.0.0.0/0    scram-sha-256
    '';
  };
}
`;
  it("fires when another file opens the port, at the listen option", async () => {
    const report = await scanMemory({
      "flake.nix": flakeWith(["./db.nix", "./firewall.nix"], "server"),
      "db.nix": db,
      "firewall.nix": `{ config, ... }: { networking.firewall.allowedTCPPorts = [ 22 ] ++ [ config.services.postgresql.settings.port ]; }\n`,
    });
    expect(lines(report, "postgresql-network-exposed")).toEqual(["db.nix:4:medium"]);
  });
  it("is silent when the port is open only on the WireGuard interface, or not at all", async () => {
    for (const fw of [`{ networking.firewall.interfaces.wg0.allowedTCPPorts = [ 5432 ]; }\n`, `{ networking.firewall.allowedTCPPorts = [ 22 443 ]; }\n`]) {
      const report = await scanMemory({ "flake.nix": flakeWith(["./db.nix", "./firewall.nix"], "server"), "db.nix": db, "firewall.nix": fw });
      expect(lines(report, "postgresql-network-exposed")).toEqual([]);
    }
  });
  it("is silent when listen_addresses wins over enableTCPIP with a private address", async () => {
    const report = await scanMemory({
      "flake.nix": flakeWith(["./db.nix", "./listen.nix"], "server"),
      "db.nix": db,
      "listen.nix": `{ networking.firewall.enable = false; services.postgresql.settings.listen_addresses = "10.100.0.1"; }\n`,
    });
    expect(lines(report, "postgresql-network-exposed")).toEqual([]);
  });
});

describe("kernel-mitigations-disabled beyond a plain list", () => {
  it("fires on optionals, if branches and modprobe options; stays silent on harmless driver options", async () => {
    const report = await scanMemory({
      "flake.nix": flakeWith(["./configuration.nix"]),
      "configuration.nix": `{ lib, config, ... }: {
  boot.kernelParams = [ "quiet" ]
    ++ lib.optionals config.fast [ "nospectre_v2" ]
    ++ (if config.gaming then [ "mitigations=off" ] else [ "mitigations=auto,nosmt" ]);
  boot.extraModprobeConfig = ''
    options i915 enable_guc=3
    options kvm nx_huge_pages=off
  '';
}
`,
    });
    expect(lines(report, "kernel-mitigations-disabled")).toEqual(["configuration.nix:2:medium", "configuration.nix:7:medium"]);
    const params = report.findings.find((f) => f.ruleId === "kernel-mitigations-disabled" && f.line === 2)!;
    expect(params.message).toContain("nospectre_v2, mitigations=off");
  });
});

describe("container secrets", () => {
  it("reports literal secrets of a container environment and docker -e, never printing them", async () => {
    const report = await scanMemory({
      "flake.nix": flakeWith(["./configuration.nix"]),
      "configuration.nix": `{ config, pkgs, ... }: {
  virtualisation.oci-containers.containers.vault = {
    image = "vaultwarden/server";
    environmentFiles = [ config.sops.secrets.vault-env.path ];
    environment = {
      ADMIN_TOKEN = "vaultwarden2024";
      RUNNER_API_KEY = "runner-key-01";
      SMTP_PASSWORD = "";
      SIGNUPS_SECRET = "changeme";
      DB_PASSWORD_FILE = "/run/secrets/db";
    };
  };
  systemd.services.ci.script = ''
    \${pkgs.docker}/bin/docker run --rm --env=CI_TOKEN=ci-token-abc9 -e TZ=UTC img
    \${pkgs.docker}/bin/docker run --rm --env-file \${config.sops.secrets.ci-env.path} -e GITHUB_TOKEN img
  '';
}
`,
    });
    const found = report.findings.filter((f) => f.category === "secrets").map((f) => `${f.ruleId}:${f.line}`);
    expect(found).toEqual(expect.arrayContaining(["secret-in-environment:6", "secret-in-environment:7", "secret-on-command-line:14"]));
    expect(found.filter((f) => /:(8|9|10|15)$/.test(f))).toEqual([]);
    const text = JSON.stringify(report);
    for (const s of SECRETS) expect(text).not.toContain(s);
  });
});

describe("open-firewall-unauthenticated and VPN listen addresses", () => {
  it("is silent for an exporter on the WireGuard address, fires on 0.0.0.0", async () => {
    const report = await scanMemory({
      "flake.nix": flakeWith(["./configuration.nix"]),
      "configuration.nix": `{
  networking.wireguard.interfaces.wg0.ips = [ "10.100.0.2/24" ];
  services.prometheus.exporters.node = { enable = true; openFirewall = true; listenAddress = "10.100.0.2"; };
  services.prometheus.exporters.smartctl = { enable = true; openFirewall = true; listenAddress = "0.0.0.0"; };
}
`,
    });
    expect(lines(report, "open-firewall-unauthenticated")).toEqual(["configuration.nix:4:medium"]);
  });
});
