// firewall-disabled: per host (severity from what the host runs), per file for modules no host
// includes, VM tests capped at low, look-alikes silent.
import { describe, expect, it } from "vitest";
import { scanFiles } from "../helpers/scan.js";
import { applyFix, flake, summary } from "../helpers/fix.js";
import { nixAvailable } from "../helpers/nix.js";

const RULE = "firewall-disabled";

const FILES = {
  "flake.nix": flake({
    server: ["./common.nix", "./server.nix"],
    desk: ["./common.nix", "./desk.nix"],
    router: ["./router.nix"],
    ct: ["./container.nix"],
    forced: ["./common.nix", "./forced.nix"],
  }),
  // silent by itself: a default a host can override
  "common.nix": `{ lib, ... }: {
  # networking.firewall.enable = false;   (a comment is never a finding)
  networking.firewall.enable = lib.mkDefault true;
}
`,
  // high: runs nginx and postgresql
  "server.nix": `{ ... }: {
  services.nginx.enable = true;
  services.postgresql.enable = true;
  networking.firewall.enable = false;
}
`,
  // medium: nothing listens
  "desk.nix": `{ ... }: {
  services.xserver.enable = true;
  networking.firewall = {
    enable = false;
  };
}
`,
  // silent: its own nftables ruleset
  "router.nix": `{ ... }: {
  networking.firewall.enable = false;
  networking.nftables.enable = true;
  networking.nftables.ruleset = ''
    table inet filter { chain input { type filter hook input priority 0; policy drop; } }
  '';
  services.openssh.enable = true;
}
`,
  // silent: a NixOS container
  "container.nix": `{ ... }: {
  boot.isContainer = true;
  networking.firewall.enable = false;
  services.nginx.enable = true;
}
`,
  // silent: mkForce true wins over a plain false
  "forced.nix": `{ lib, ... }: {
  networking.firewall.enable = lib.mkForce true;
  imports = [ ./off.nix ];
}
`,
  "off.nix": `{ ... }: { networking.firewall.enable = false; services.openssh.enable = true; }
`,
  // a module no host includes: judged by itself
  "modules/lonely.nix": `{ lib, ... }: {
  config = lib.mkIf false { networking.firewall.enable = false; };
}
`,
  "modules/open-ports.nix": `{ ... }: {
  networking.firewall.enable = false;
  networking.firewall.allowedTCPPorts = [ 8080 ];
}
`,
};

describe(RULE, () => {
  it("reports hosts with the firewall off, high when services listen, and stays silent on look-alikes", async () => {
    const report = await scanFiles(FILES);
    // modules/open-ports.nix: no host imports it and no file refers to it: dead code, listed apart.
    expect(summary(report, RULE)).toEqual(["desk.nix:4 medium [desk]", "server.nix:4 high [server]"]);
    expect(report.suppressed.filter((f) => f.ruleId === RULE).map((f) => `${f.file} ${f.suppressedBy.kind}`)).toEqual(["modules/open-ports.nix unused"]);
    const server = report.findings.find((f) => f.ruleId === RULE && f.file === "server.nix")!;
    expect(server.message).toContain("nginx, postgresql");
    expect(server.optionPath).toBe("networking.firewall.enable");
    expect(server.column).toBe(32);
  });

  it("caps a VM test at low and reports it once", async () => {
    const report = await scanFiles({
      "tests/vm.nix": `{ pkgs }: pkgs.testers.runNixOSTest {
  name = "t";
  nodes.machine = { ... }: {
    networking.firewall.enable = false;
    services.openssh.enable = true;
  };
  testScript = "";
}
`,
    });
    expect(summary(report, RULE)).toEqual(["tests/vm.nix:4 low"]);
  });

  it.skipIf(!nixAvailable)("fixes it with a patch that applies, parses, and silences the rule", async () => {
    const report = await scanFiles(FILES);
    const f = report.findings.find((x) => x.ruleId === RULE && x.file === "desk.nix")!;
    expect(f.fix?.safety).toBe("review");
    const fixed = await applyFix(FILES, f);
    expect(fixed.files["desk.nix"]).toContain("enable = true;");
    expect(summary(fixed.rescan, RULE).some((s) => s.startsWith("desk.nix"))).toBe(false);
  });
});

describe("firewall-disabled beside a hand-written nftables ruleset", () => {
  it("stays silent when the ruleset filters input, and reports a host whose ruleset only does NAT", async () => {
    const report = await scanFiles({
      "flake.nix": flake({ nat: ["./nat.nix"], own: ["./own.nix"], open: ["./open.nix"] }),
      // NAT only: nothing filters what comes in, and sshd listens
      "nat.nix": `{ ... }: {
  networking.firewall.enable = false;
  services.openssh.enable = true;
  networking.nftables.ruleset = ''
    table ip nat { chain postrouting { type nat hook postrouting priority 100; oifname "eth0" masquerade; } }
  '';
}
`,
      "own.nix": `{ ... }: {
  networking.firewall.enable = false;
  services.openssh.enable = true;
  networking.nftables.tables.filter = { family = "inet"; content = ''
    chain input { type filter hook input priority 0; policy drop; tcp dport 22 accept; }
  ''; };
}
`,
      // an input chain that accepts everything: firewall-raw-ruleset's finding, not this one's
      "open.nix": `{ ... }: {
  networking.firewall.enable = false;
  services.openssh.enable = true;
  networking.nftables.ruleset = ''
    table inet filter { chain input { type filter hook input priority 0; policy accept; } }
  '';
}
`,
    });
    expect(summary(report, RULE)).toEqual(["nat.nix:2 high [nat]"]);
    expect(report.findings.find((f) => f.ruleId === RULE)!.message).toContain("has no chain hooked on input");
    expect(summary(report, "firewall-raw-ruleset")).toEqual(["open.nix:5 high [open]"]);
  });
});

describe("firewall-disabled in a module shared by hosts that run different services", () => {
  it("is one finding listing every host and everything they run, with host names matched as whole words", async () => {
    const report = await scanFiles({
      // Host `ai` must not be found inside other words of the message.
      "flake.nix": flake({ ai: ["./base.nix", "./ai.nix"], web: ["./base.nix", "./web.nix"], db: ["./base.nix", "./db.nix"] }),
      "base.nix": "{ ... }: {\n  networking.firewall.enable = false;\n  services.openssh.enable = true;\n}\n",
      "ai.nix": "{ ... }: {\n  services.ollama.enable = true;\n}\n",
      "web.nix": "{ ... }: {\n  services.nginx.enable = true;\n}\n",
      "db.nix": "{ ... }: {\n  services.postgresql.enable = true;\n}\n",
    });
    const found = report.findings.filter((f) => f.ruleId === RULE);
    expect(found.map((f) => [f.file, f.line, f.severity, f.host])).toEqual([["base.nix", 2, "high", ["ai", "db", "web"]]]);
    expect(found[0]!.message).toBe(
      "networking.firewall.enable = false: network services are enabled in hosts ai, db, web (nginx, ollama, openssh, postgresql), and with the firewall off every port they or anything else listen on is reachable from every network the host is on.",
    );
  });
});

describe("firewall-disabled with a ruleset kept in a file", () => {
  // The host's rules read ruleset.nft through repoFile: a changed ruleset with the same Nix files
  // must not replay the host rules' cached result.
  const conf = `{ ... }: {\n  services.nginx.enable = true;\n  networking.firewall.enable = false;\n  networking.nftables = { enable = true; rulesetFile = ./ruleset.nft; };\n}\n`;
  const dropping = `table inet filter {\n  chain input {\n    type filter hook input priority 0;\n    ct state {established, related} accept\n    tcp dport {http,https} accept\n    counter drop\n  }\n}\n`;
  const natOnly = `table ip nat {\n  chain postrouting { type nat hook postrouting priority 100; oifname "eth0" masquerade; }\n}\n`;
  it("is silent when the file's input chain drops, and reports when it only masquerades, scan after scan", async () => {
    const { scanMemory } = await import("../helpers/memory.js");
    const files = (nft: string) => ({ "flake.nix": flake({ hub: ["./configuration.nix"] }), "configuration.nix": conf, "ruleset.nft": nft });
    const a = await scanMemory(files(dropping));
    expect(a.findings.filter((f) => f.ruleId === RULE)).toEqual([]);
    const b = await scanMemory(files(natOnly));
    expect(b.findings.filter((f) => f.ruleId === RULE).map((f) => f.severity)).toEqual(["high"]);
    const c = await scanMemory(files(dropping));
    expect(c.findings.filter((f) => f.ruleId === RULE)).toEqual([]);
  });
});
