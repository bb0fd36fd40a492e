// The port rules: firewall-wide-port-range (and its threshold), firewall-sensitive-port (the data
// table, `config.services.<x>.port` elements, the move to a private interface), and
// firewall-trusted-physical-interface.
import { describe, expect, it } from "vitest";
import { scanFiles } from "../helpers/scan.js";
import { applyFix, summary } from "../helpers/fix.js";
import { nixAvailable } from "../helpers/nix.js";
import { HUGE_RANGE, WIDE_RANGE } from "../../src/rules/firewall/firewall-wide-port-range.js";
import { SENSITIVE_PORTS, sensitiveInRange, sensitivePort } from "../../src/rules/firewall/ports.js";
import { classifyInterface } from "../../src/rules/firewall/interfaces.js";

const RANGES = {
  "ranges.nix": `{ ... }: {
  networking.firewall.allowedTCPPortRanges = [
    { from = 1000; to = 65000; }      # high: huge and covers databases
    { from = 8000; to = 9999; }       # medium: 2000 ports with 9090, 9100, 9200...
    { from = 1714; to = 1764; }       # silent: KDE Connect
    { from = 30000; to = 32767; }     # silent: wide, but no sensitive port (Kubernetes NodePorts)
  ];
  networking.firewall.allowedUDPPortRanges = [
    { from = 60000; to = 61000; }     # silent: mosh
    { from = 49152; to = 65535; }     # silent: the whole dynamic range (TURN relay)
    { from = 1; to = 65535; }         # high: every UDP port (memcached, SNMP, TFTP, IPMI...)
  ];
  networking.firewall.interfaces.wlp2s0.allowedTCPPortRanges = [ { from = 2000; to = 30000; } ];  # high: physical, huge
  networking.firewall.interfaces.tailscale0.allowedTCPPortRanges = [ { from = 1; to = 65535; } ]; # silent: overlay
  # networking.firewall.allowedTCPPortRanges = [ { from = 1; to = 65535; } ];
}
`,
};

const PORTS = {
  "ports.nix": `{ config, lib, ... }: {
  services.tailscale.enable = true;
  networking.firewall.allowedTCPPorts = [ 22 80 443 5432 6379 ];
  networking.firewall.allowedUDPPorts = [ 53 11211 ];
  networking.firewall.interfaces."tailscale0".allowedTCPPorts = [ 9090 ];
}
`,
  "exporter.nix": `{ config, ... }: {
  networking.firewall.allowedTCPPorts = [
    config.services.prometheus.exporters.node.port
  ];
  services.prometheus.exporters.node.enable = true;
}
`,
  "redis-auth.nix": `{ ... }: {
  services.redis.servers.cache = { enable = true; port = 6379; requirePassFile = "/run/secrets/redis"; bind = null; };
  networking.firewall.allowedTCPPorts = [ 6379 ];
}
`,
  "quiet.nix": `{ lib, ... }: lib.mkMerge [
  {
    networking.firewall.allowedTCPPorts = [ 22 80 443 8443 ];
    networking.firewall.allowedUDPPorts = [ 5432 ]; # PostgreSQL is TCP only
    environment.etc."notes".text = "networking.firewall.allowedTCPPorts = [ 3306 ];";
  }
  (lib.mkIf false { networking.firewall.allowedTCPPorts = [ 3306 ]; })
]
`,
};

const TRUSTED = {
  "trusted.nix": `{ ... }: {
  networking.firewall.trustedInterfaces = [ "lo" "tailscale0" "wg0" "virbr0" "docker0" "br-3f2a9c1d7e01" "enp3s0" "wlan0" ];
}
`,
};

describe("firewall-wide-port-range", () => {
  it("reports ranges over the threshold that reach sensitive ports, and huge ones, on every or a physical interface", async () => {
    const report = await scanFiles(RANGES);
    expect(summary(report, "firewall-wide-port-range")).toEqual(["ranges.nix:11 high", "ranges.nix:13 high", "ranges.nix:3 high", "ranges.nix:4 medium"]);
    const huge = report.findings.find((f) => f.ruleId === "firewall-wide-port-range" && f.line === 3)!;
    expect(huge.message).toContain("64001 TCP ports");
    expect(huge.message).toContain("Redis (6379), Elasticsearch/OpenSearch (9200, 9300), Memcached (11211), MongoDB (27017, 27018, 27019)");
  });

  it("has the documented threshold", () => {
    expect(WIDE_RANGE).toBe(1024);
    expect(HUGE_RANGE).toBe(65536 - 49152);
    expect(sensitiveInRange(1714, 1764, "tcp")).toEqual([]);
    expect(sensitiveInRange(60000, 61000, "udp")).toEqual([]);
  });
});

describe("firewall-sensitive-port", () => {
  it("reports database, cache and metrics ports opened on every interface, with the service named", async () => {
    const report = await scanFiles(PORTS);
    expect(summary(report, "firewall-sensitive-port")).toEqual(["exporter.nix:3 medium", "ports.nix:3 high", "ports.nix:4 high"]);
    const tcp = report.findings.find((f) => f.ruleId === "firewall-sensitive-port" && f.line === 3 && f.file === "ports.nix")!;
    expect(tcp.column).toBe(53); // at 5432
    expect(tcp.message).toContain("5432 (PostgreSQL");
    expect(tcp.message).toContain("6379 (Redis");
    expect(tcp.fix?.description).toContain('networking.firewall.interfaces."tailscale0".allowedTCPPorts (Tailscale is enabled)');
    const exporter = report.findings.find((f) => f.file === "exporter.nix")!;
    expect(exporter.message).toContain("Prometheus node exporter");
  });

  it.skipIf(!nixAvailable)("moves the ports to the private interface with a patch that applies and parses", async () => {
    const report = await scanFiles(PORTS);
    const f = report.findings.find((x) => x.ruleId === "firewall-sensitive-port" && x.file === "ports.nix" && x.line === 3)!;
    const fixed = await applyFix(PORTS, f);
    expect(fixed.files["ports.nix"]).toContain("networking.firewall.allowedTCPPorts = [ 22 80 443 ];");
    expect(fixed.files["ports.nix"]).toContain('networking.firewall.interfaces."tailscale0".allowedTCPPorts = [ 9090 5432 6379 ];');
    expect(summary(fixed.rescan, "firewall-sensitive-port")).toEqual(["exporter.nix:3 medium", "ports.nix:4 high"]);
    // The exporter's module knows no private interface: moving the port to an example one would cut
    // every client off, so the fix says what to do and edits nothing.
    const g = report.findings.find((x) => x.ruleId === "firewall-sensitive-port" && x.file === "exporter.nix")!;
    expect(g.fix?.patch).toBeUndefined();
    expect(g.fix?.description).toContain("example: replace tailscale0 with your VPN or management interface");
  });

  it("keeps the port table consistent", () => {
    for (const row of SENSITIVE_PORTS) {
      expect(row.ports.length).toBeGreaterThan(0);
      expect(row.why.length).toBeGreaterThan(10);
      for (const p of row.ports) expect(p).toBeGreaterThan(0);
    }
    expect(sensitivePort(5432, "tcp")?.service).toBe("PostgreSQL");
    expect(sensitivePort(5432, "udp")).toBeUndefined();
    expect(sensitivePort(11211, "udp")?.service).toBe("Memcached");
    expect(sensitivePort(443, "tcp")).toBeUndefined();
  });
});

describe("firewall-trusted-physical-interface", () => {
  it("reports physical interfaces only, wireless higher", async () => {
    const report = await scanFiles(TRUSTED);
    expect(summary(report, "firewall-trusted-physical-interface")).toEqual(["trusted.nix:2 high", "trusted.nix:2 medium"]);
    const wlan = report.findings.find((f) => f.severity === "high")!;
    expect(wlan.title).toContain("wlan0");
  });

  it.skipIf(!nixAvailable)("removes the interface with a patch that applies and parses", async () => {
    const report = await scanFiles(TRUSTED);
    const f = report.findings.find((x) => x.ruleId === "firewall-trusted-physical-interface" && x.title.includes("enp3s0"))!;
    const fixed = await applyFix(TRUSTED, f);
    expect(fixed.files["trusted.nix"]).toContain('"br-3f2a9c1d7e01" "wlan0" ]');
    expect(summary(fixed.rescan, "firewall-trusted-physical-interface")).toEqual(["trusted.nix:2 high"]);
  });

  it("classifies interface names", () => {
    expect(["eth0", "enp3s0", "eno1", "ens18", "enx00e04c680001", "bond0"].map(classifyInterface)).toEqual(Array(6).fill("wired"));
    expect(["wlan0", "wlp2s0", "wwan0", "wwp0s20f0u6"].map(classifyInterface)).toEqual(Array(4).fill("wireless"));
    expect(["tailscale0", "wg0", "zt5u4y6j", "nebula1"].map(classifyInterface)).toEqual(Array(4).fill("overlay"));
    expect(["lo", "virbr0", "docker0", "br-3f2a9c1d7e01", "podman0", "ve-web", "vboxnet0"].map(classifyInterface)).toEqual(Array(7).fill("local-virtual"));
    expect(classifyInterface("br0")).toBe("unknown");
  });
});

describe("firewall-sensitive-port: telegraf's Prometheus output", () => {
  it("reports 9273 opened on every interface, silent with basic auth on the output or on a private interface", async () => {
    const report = await scanFiles({
      "open.nix": `{\n  services.telegraf.enable = true;\n  services.telegraf.extraConfig.outputs.prometheus_client.listen = ":9273";\n  networking.firewall.allowedTCPPorts = [ 9273 ];\n}\n`,
      "auth.nix": `{\n  services.telegraf.extraConfig.outputs.prometheus_client = { listen = ":9273"; basic_username = "scraper"; basic_password = "$SCRAPE_PW"; };\n  networking.firewall.allowedTCPPorts = [ 9273 ];\n}\n`,
      "vpn.nix": `{ networking.firewall.interfaces.wg0.allowedTCPPorts = [ 9273 ]; }\n`,
    });
    expect(summary(report, "firewall-sensitive-port")).toEqual(["open.nix:4 medium"]);
    expect(report.findings.find((f) => f.ruleId === "firewall-sensitive-port")!.message).toContain("Telegraf Prometheus output");
  });
});

describe("firewall-sensitive-port: the same ports in the TCP and the UDP list", () => {
  const FLAKE = `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";
  outputs = { nixpkgs, ... }: {
    nixosConfigurations.nas = nixpkgs.lib.nixosSystem { system = "x86_64-linux"; modules = [ ./nas.nix ]; };
  };
}
`;
  const NAS = `{ ... }: {
  services.tailscale.enable = true;
  services.nfs.server.enable = true;
  services.nfs.server.exports = ''
    /export 100.64.0.0/10(rw,all_squash)
  '';
  networking.firewall.allowedTCPPorts = [ 22 2049 111 ];
  networking.firewall.allowedUDPPorts = [ 2049 111 ];
}
`;
  const files = { "flake.nix": FLAKE, "nas.nix": NAS };

  it("reports them once, on the TCP list, naming the UDP ports too", async () => {
    const report = await scanFiles(files);
    expect(summary(report, "firewall-sensitive-port")).toEqual(["nas.nix:7 low [nas]"]);
    const f = report.findings.find((x) => x.ruleId === "firewall-sensitive-port")!;
    expect(f.message).toContain("networking.firewall.allowedUDPPorts the same UDP ports 2049, 111");
    expect(f.fix?.description).toContain("and 2049, 111 from allowedUDPPorts to its allowedUDPPorts");
  });

  it.skipIf(!nixAvailable)("moves both lists with one patch that applies and parses", async () => {
    const report = await scanFiles(files);
    const f = report.findings.find((x) => x.ruleId === "firewall-sensitive-port")!;
    const fixed = await applyFix(files, f);
    expect(fixed.files["nas.nix"]).toContain("networking.firewall.allowedTCPPorts = [ 22 ];");
    expect(fixed.files["nas.nix"]).toMatch(/networking\.firewall\.allowedUDPPorts = \[\s*\];/);
    expect(fixed.files["nas.nix"]).toContain("networking.firewall.interfaces.tailscale0.allowedTCPPorts = [ 2049 111 ];");
    expect(fixed.files["nas.nix"]).toContain("networking.firewall.interfaces.tailscale0.allowedUDPPorts = [ 2049 111 ];");
    expect(summary(fixed.rescan, "firewall-sensitive-port")).toEqual([]);
  });
});

describe("firewall-sensitive-port: the move to a private interface never cuts clients off", () => {
  const FLAKE = `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";
  outputs = { nixpkgs, ... }: {
    nixosConfigurations.nas = nixpkgs.lib.nixosSystem { system = "x86_64-linux"; modules = [ ./nas.nix ./object-store.nix ]; };
  };
}
`;
  // A module the NAS enables opens its own ports on wg0; the NAS itself defines no wg0, and its NFS
  // clients are LAN subnets (the shape of a home NAS judged harmful to "fix").
  const OBJECT_STORE = `{ config, lib, ... }: {
  options.my.objectStore.enable = lib.mkEnableOption "object store";
  config = lib.mkIf config.my.objectStore.enable {
    networking.firewall.interfaces.wg0.allowedTCPPorts = [ 9000 ];
  };
}
`;
  const nas = (extra: string, clients: string) => `{ ... }: {
  my.objectStore.enable = true;
  services.nfs.server.enable = true;
  services.nfs.server.exports = ''
    /export ${clients}
  '';
  networking.firewall.allowedTCPPorts = [ 2049 111 ];
${extra}}
`;

  it("offers no edit to an interface only firewall rules name, and says so", async () => {
    const report = await scanFiles({ "flake.nix": FLAKE, "object-store.nix": OBJECT_STORE, "nas.nix": nas("", "192.168.10.0/24(rw,all_squash) 192.168.20.0/24(rw,all_squash)") });
    const f = report.findings.find((x) => x.ruleId === "firewall-sensitive-port" && x.file === "nas.nix")!;
    expect(f).toBeDefined();
    expect(f.fix?.patch).toBeUndefined();
    expect(f.fix?.description).toContain("192.168.10.0/24, 192.168.20.0/24");
    expect(f.fix?.description).toContain("would cut those clients off");
  });

  it("offers no edit when the interface exists but the NFS clients are on another network", async () => {
    const wg = `  networking.wireguard.interfaces.wg0 = { ips = [ "10.100.0.1/24" ]; listenPort = 51820; };\n`;
    const report = await scanFiles({ "flake.nix": FLAKE, "object-store.nix": OBJECT_STORE, "nas.nix": nas(wg, "192.168.10.0/24(rw)") });
    const f = report.findings.find((x) => x.ruleId === "firewall-sensitive-port" && x.file === "nas.nix")!;
    expect(f.fix?.patch).toBeUndefined();
    expect(f.fix?.description).toContain("192.168.10.0/24");
  });

  it("moves the ports to a WireGuard interface the host defines when its clients are on that network", async () => {
    const wg = `  networking.wireguard.interfaces.wg0 = { ips = [ "10.100.0.1/24" ]; listenPort = 51820; };\n`;
    const report = await scanFiles({ "flake.nix": FLAKE, "object-store.nix": OBJECT_STORE, "nas.nix": nas(wg, "10.100.0.0/24(rw)") });
    const f = report.findings.find((x) => x.ruleId === "firewall-sensitive-port" && x.file === "nas.nix")!;
    expect(f.fix?.patch).toContain("networking.firewall.interfaces.wg0.allowedTCPPorts");
    expect(f.fix?.description).toContain("the WireGuard interface wg0 is defined");
  });
});
