// The bundled example repository: every access and firewall problem planted in it is found, at
// its line, for the right hosts, and nothing else from these rules.
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { clearScanCache, runScan } from "../../src/scan/index.js";

const RULES = new Set([
  "firewall-disabled", "firewall-wide-port-range", "firewall-sensitive-port", "firewall-trusted-physical-interface",
  "open-firewall-unauthenticated", "ssh-permit-root-login", "ssh-password-authentication", "ssh-keyboard-interactive",
  "sudo-nopasswd", "user-plaintext-password", "root-equivalent-group", "nix-trusted-users", "nix-sandbox-disabled",
  "database-trust-auth", "nfs-no-root-squash", "nfs-export-to-everyone", "world-writable-path", "console-autologin-root",
  "samba-legacy-protocol",
]);

describe("access and firewall rules on examples/homelab", () => {
  it("finds the planted problems", async () => {
    clearScanCache();
    const report = await runScan({ root: resolve("examples/homelab"), quick: true, now: new Date("2026-01-01T00:00:00Z") });
    const got = report.findings
      .filter((f) => RULES.has(f.ruleId))
      .map((f) => `${f.ruleId} ${f.file}:${f.line} ${f.severity} [${(f.host ?? []).join(",")}]`)
      .sort();
    expect(got).toEqual([
      // The laptop's display manager logs alice in, and alice is root through wheel's passwordless sudo.
      "console-autologin-root hosts/laptop/default.nix:11 high [laptop]",
      "database-trust-auth hosts/nas/default.nix:34 critical [nas]",
      "firewall-disabled hosts/laptop/default.nix:5 high [laptop]",
      "firewall-sensitive-port hosts/nas/default.nix:12 medium [nas]",
      "firewall-trusted-physical-interface hosts/nas/default.nix:14 medium [nas]",
      "firewall-wide-port-range hosts/nas/default.nix:13 high [nas]",
      "nfs-export-to-everyone hosts/nas/default.nix:42 high [nas]",
      "nfs-no-root-squash hosts/nas/default.nix:41 high [nas]",
      "nix-sandbox-disabled modules/extras.nix:24 medium [nas]",
      // alice is a trusted user and in docker, but she is in wheel and wheel's sudo asks no
      // password (common.nix): neither adds a way to root, so neither is reported.
      "open-firewall-unauthenticated modules/monitoring.nix:31 medium [nas]",
      // The docker group matters only where Docker runs: nas and workstation, not laptop.
      "root-equivalent-group modules/extras.nix:29 high [nas]",
      // The scanner share turns SMB1 back on, with port 445 open on every interface.
      "samba-legacy-protocol hosts/nas/default.nix:91 medium [nas]",
      "ssh-keyboard-interactive flake.nix:37 medium [laptop]",
      "ssh-password-authentication modules/common.nix:11 critical [laptop]",
      "ssh-password-authentication modules/common.nix:11 critical [nas,workstation]",
      "ssh-permit-root-login modules/common.nix:12 critical [laptop,nas,workstation]",
      "ssh-permit-root-login tests/web.nix:7 low []",
      "sudo-nopasswd modules/common.nix:15 medium [laptop,nas,workstation]",
      "user-plaintext-password modules/common.nix:20 high [laptop,nas,workstation]",
      "user-plaintext-password tests/web.nix:9 info []",
      "world-writable-path hosts/nas/default.nix:47 medium [nas]",
    ]);
    expect(JSON.stringify(report)).not.toContain("hunter2hunter2");
  });
});
