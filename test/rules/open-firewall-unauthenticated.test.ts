// open-firewall-unauthenticated: the service table, and every way an opening is harmless
// (authentication configured, loopback listen address, firewall filter, disabled service).
import { describe, expect, it } from "vitest";
import { scanFiles } from "../helpers/scan.js";
import { applyFix, summary } from "../helpers/fix.js";
import { nixAvailable } from "../helpers/nix.js";
import { UNAUTHENTICATED_SERVICES } from "../../src/rules/firewall/unauthenticated-services.js";

const RULE = "open-firewall-unauthenticated";

const FILES = {
  "monitoring.nix": `{ config, ... }: {
  services.prometheus.exporters.node = {
    enable = true;
    openFirewall = true;                       # medium
  };
  services.prometheus.exporters.zfs = {
    enable = true;
    openFirewall = true;                       # silent: source-restricted rules
    firewallRules = ''
      ip saddr 10.0.0.0/8 tcp dport 9134 accept
    '';
  };
  services.prometheus.exporters.postgres = {
    enable = true;
    openFirewall = true;                       # silent: basic auth via a web config
    extraFlags = [ "--web.config.file=/run/secrets/web.yml" ];
  };
  services.prometheus.exporters.smartctl = {
    enable = true;
    listenAddress = "127.0.0.1";
    openFirewall = true;                       # silent: loopback only
  };
  services.prometheus.exporters.systemd = { enable = false; openFirewall = true; };  # silent: disabled
  services.prometheus.alertmanager.openFirewall = true;                           # medium
}
`,
  "redis.nix": `{ ... }: {
  services.redis.servers.cache = {
    enable = true;
    bind = "0.0.0.0";
    openFirewall = true;                       # high: no password
  };
  services.redis.servers.sessions = {
    enable = true;
    bind = null;
    requirePassFile = "/run/secrets/redis";
    openFirewall = true;                       # silent: password
  };
  services.redis.servers.local = {
    enable = true;
    openFirewall = true;                       # silent: bind defaults to 127.0.0.1
  };
}
`,
  "apps.nix": `{ ... }: {
  services.ollama = { enable = true; host = "0.0.0.0"; openFirewall = true; };   # high
  services.glances = { enable = true; openFirewall = true; };                    # medium
  services.glances.extraArgs = [ "--webserver" ];
  services.iperf3 = { enable = true; openFirewall = true; authorizedUsersFile = "/run/secrets/iperf"; };  # silent
  services.jellyfin.openFirewall = true;       # silent: authenticates users
  services.openssh.openFirewall = true;        # silent: not in the table
}
`,
};

describe(RULE, () => {
  it("reports openFirewall on services without authentication, and nothing else", async () => {
    const report = await scanFiles(FILES);
    expect(summary(report, RULE)).toEqual(["apps.nix:2 high", "apps.nix:3 medium", "monitoring.nix:24 medium", "monitoring.nix:4 medium", "redis.nix:5 high"]);
    const redis = report.findings.find((f) => f.ruleId === RULE && f.file === "redis.nix")!;
    expect(redis.optionPath).toBe("services.redis.servers.cache.openFirewall");
    expect(redis.message).toContain("requirePass");
  });

  it("cites a reason and a reference for every table entry", () => {
    for (const e of UNAUTHENTICATED_SERVICES) {
      expect(e.pattern.endsWith(".openFirewall")).toBe(true);
      expect(e.why.length).toBeGreaterThan(40);
      expect(e.references.length).toBeGreaterThan(0);
      for (const r of e.references) expect(r.url).toMatch(/^https:\/\//);
    }
  });

  it.skipIf(!nixAvailable)("closes the global opening and opens the port on a private interface the module has; with none, edits nothing", async () => {
    // Without a private interface in the module, moving the port to an example one would cut every
    // client off: the fix describes the change and edits nothing.
    const bare = (await scanFiles(FILES)).findings.find((x) => x.ruleId === RULE && x.file === "monitoring.nix" && x.line === 4)!;
    expect(bare.fix?.patch).toBeUndefined();
    expect(bare.fix?.description).toContain("example: replace tailscale0");
    const withTailscale = { ...FILES, "monitoring.nix": FILES["monitoring.nix"].replace("{ config, ... }: {", "{ config, ... }: {\n  services.tailscale.enable = true;") };
    const report = await scanFiles(withTailscale);
    const f = report.findings.find((x) => x.ruleId === RULE && x.file === "monitoring.nix" && x.line === 5)!;
    const fixed = await applyFix(withTailscale, f);
    expect(fixed.files["monitoring.nix"]).toContain("openFirewall = false;                       # medium");
    expect(fixed.files["monitoring.nix"]).toContain("networking.firewall.interfaces.tailscale0.allowedTCPPorts = [ config.services.prometheus.exporters.node.port ];");
    expect(summary(fixed.rescan, RULE)).toEqual(["apps.nix:2 high", "apps.nix:3 medium", "monitoring.nix:25 medium", "redis.nix:5 high"]);
    const appsWithTailscale = { ...FILES, "apps.nix": FILES["apps.nix"].replace(/^\{([^\n]*)\n/, "{$1\n  services.tailscale.enable = true;\n") };
    const o = (await scanFiles(appsWithTailscale)).findings.find((x) => x.ruleId === RULE && x.file === "apps.nix" && x.line === 3)!;
    const fixed2 = await applyFix(appsWithTailscale, o);
    expect(fixed2.files["apps.nix"]).toContain("allowedTCPPorts = [ 11434 ]");
  });
});
