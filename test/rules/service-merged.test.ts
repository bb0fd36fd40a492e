// systemd-service-exposure reads serviceConfig the way the module system builds it: imported and
// let-bound hardening sets, `//`, recursiveUpdate, mkMerge, functions called with known arguments.
// What stays unread makes the score a bound (said so, rated lower, no patch). Severity follows
// attack surface; jobs that must run as root are not moved to another user; every patch merges
// into the existing expression and parses.
import { describe, expect, it } from "vitest";
import { scanFiles } from "../helpers/scan.js";
import { byService, exposureOf } from "../helpers/service-exposure.js";
import { nixAvailable } from "../helpers/nix.js";
import { patchAndParse } from "../helpers/patch.js";
import { HARDENED_SERVICE_CONFIG as HARDENING } from "../helpers/hardening.js";
import type { SecurityReport } from "../../src/report/schema.js";

const RULE = "systemd-service-exposure";


describe("merged serviceConfig values", () => {
  it("reads imported, let-bound, recursiveUpdate, mkMerge and function-built hardening sets", async () => {
    const report = await scanFiles({
      "lib/hardening.nix": `{ hardened = ${HARDENING}; }\n`,
      "lib/mk.nix": `{ user ? "nobody" }: (import ./hardening.nix).hardened // { DynamicUser = false; User = user; }\n`,
      "services.nix": `{ lib, pkgs, ... }:
let
  helpers = import ./lib/hardening.nix;
  mkHardened = import ./lib/mk.nix;
  local = ${HARDENING};
in
{
  systemd.services.imported = { script = "imported --loop"; serviceConfig = helpers.hardened // { Restart = "always"; }; };
  systemd.services.called = { script = "called --loop"; serviceConfig = mkHardened { user = "called"; }; };
  systemd.services.recursive = { script = "recursive --loop"; serviceConfig = lib.recursiveUpdate local { Restart = "always"; }; };
  systemd.services.merged = { script = "merged --loop"; serviceConfig = lib.mkMerge [ helpers.hardened { Restart = "always"; } ]; };
  # must fire: really open
  systemd.services.open = { script = "open --loop"; serviceConfig = helpers.nothing or { } // { Restart = "always"; }; };
}
`,
    });
    const found = byService(report);
    // Before: the imported/called/merged sets were invisible and each came out ~9 UNSAFE.
    for (const name of ["imported", "called", "recursive", "merged"]) {
      expect(found[name], name).toBeUndefined();
      expect(exposureOf(report, name), name).toBeLessThan(3);
    }
    expect(Object.keys(found)).toEqual(["open"]);
  });

  it("says the score is a bound when a merged part cannot be read, never 'measured', and rates it lower", async () => {
    const report = await scanFiles({
      "svc.nix": `{ helpers, ... }: {
  networking.firewall.allowedTCPPorts = [ 8080 8081 ];
  systemd.services.web = {
    wantedBy = [ "multi-user.target" ];
    script = "web --port 8080";
    serviceConfig = helpers.hardened // { Restart = "always"; };
  };
  # the same service without the helper: a measured score, rated by its surface
  systemd.services.web2 = {
    wantedBy = [ "multi-user.target" ];
    script = "web --port 8081";
    serviceConfig = { Restart = "always"; };
  };
}
`,
    });
    const found = byService(report);
    expect(found.web!.severity).toBe("medium");
    expect(found.web!.message).toContain("at most");
    expect(found.web!.message).toContain("helpers.hardened");
    expect(found.web!.message).toContain("bound, not a measurement");
    expect(found.web!.message).not.toContain("measured with systemd-analyze");
    expect(found.web!.fix?.patch).toBeUndefined();
    expect(found.web2!.severity).toBe("high");
    expect(found.web2!.message).not.toContain("at most");
  });
});

describe("severity by attack surface", () => {
  it("ranks network daemons above local daemons above jobs, skips trivial units, keeps root jobs root", async () => {
    const report = await scanFiles({
      "m.nix": `{ pkgs, ... }: {
  networking.firewall.allowedTCPPorts = [ 8080 ];
  systemd.services.api = { wantedBy = [ "multi-user.target" ]; serviceConfig.ExecStart = "\${pkgs.api}/bin/api --listen 0.0.0.0:8080"; };
  systemd.services.indexer = { wantedBy = [ "multi-user.target" ]; script = "indexer --watch /srv"; };
  systemd.services.report = { script = "report --once --fetch https://feeds.example.org/daily"; startAt = "daily"; };
  systemd.services.fan = { serviceConfig.Type = "oneshot"; script = "echo 1 > /sys/class/hwmon/hwmon0/pwm1_enable"; };
  systemd.services.noop = { script = "true"; };
  systemd.services.kexec-load = { script = "kexec -l /run/current-system/kernel"; };
}
`,
      "tidy.nix": `{ pkgs, ... }: {
  systemd.services.tidy = { script = "tidy --once /var/lib/reports"; startAt = "daily"; };
}
`,
      "upgrade.nix": `{ pkgs, ... }: {
  systemd.services.upgrade = { serviceConfig.Type = "oneshot"; script = "\${pkgs.nixos-rebuild}/bin/nixos-rebuild switch --flake /etc/nixos"; };
}
`,
    });
    const found = byService(report);
    // upgrade: a oneshot whose purpose is to change the system (nixos-rebuild) is not reported;
    // tidy: a root job on fixed arguments and local files, with no input from the network, is
    // not reported either (judged noise even at info); report, which downloads, is low.
    expect(Object.keys(found).sort()).toEqual(["api", "indexer", "kexec-load", "report"]);
    expect(found.api!.severity).toBe("high");
    // A local root daemon is low (judged so on corpus10/11: latency-tracker, netusage, he-ddns),
    // like a root job fed from the network; both below the network-facing api.
    expect(found.indexer!.severity).toBe("low");
    expect(found.report!.severity).toBe("low");
    for (const name of ["kexec-load"]) {
      expect(found[name]!.message).toContain("must run as root");
      expect(found[name]!.fix?.description).not.toContain("DynamicUser");
      expect(found[name]!.fix?.patch).toBeUndefined();
      expect(found[name]!.fix?.patch ?? "").not.toContain("DynamicUser");
    }
    // An ordinary daemon still gets a patch with DynamicUser.
    expect(found.indexer!.fix?.patch).toContain("DynamicUser = true;");
  });
});


describe("oneshot and scheduled jobs", () => {
  it("one low finding per file for its jobs, with one patch; hardware jobs and daemons skipped; other daemons stay their own findings", async () => {
    const files = {
      "jobs.nix": `{ pkgs, ... }: {
  systemd.services.sync-a = { wantedBy = [ "multi-user.target" ]; serviceConfig.Type = "oneshot"; script = "\${pkgs.rsync}/bin/rsync -a /srv/a /backup/a"; };
  systemd.services.sync-b = { script = "\${pkgs.curl}/bin/curl -o /var/lib/b/feed.xml https://example.org/feed"; startAt = "hourly"; };
  systemd.services.sync-c = { script = "\${pkgs.curl}/bin/curl -o /var/lib/c/feed.xml https://example.org/c"; startAt = "daily"; };
  systemd.services.fan-curve = { serviceConfig.Type = "oneshot"; script = "\${pkgs.nvidia}/bin/nvidia-smi -pl 200"; };
  systemd.services.watcher = { wantedBy = [ "multi-user.target" ]; script = "watcher --watch /srv"; };
  systemd.services.gpu-daemon = { wantedBy = [ "multi-user.target" ]; script = "\${pkgs.nvidia}/bin/nvidia-smi daemon"; };
}
`,
    };
    const report = await scanFiles(files);
    const found = report.findings.filter((f) => f.ruleId === RULE);
    // Before: one finding per job (sync-a, sync-b, sync-c, fan-curve) besides the daemons.
    // gpu-daemon, a long-running daemon driving the GPU, is a local hardware daemon: its inputs are
    // the machine's devices, and it needs root and them by design (judged so of seatd, illuminanced).
    expect(found.map((f) => f.optionPath ?? f.title).sort()).toEqual(["3 oneshot or scheduled systemd jobs without sandboxing", "systemd.services.watcher"]);
    const jobs = found.find((f) => !f.optionPath)!;
    expect(jobs.severity).toBe("low");
    expect(jobs.message).toMatch(/^3 oneshot or scheduled jobs in this file run without sandboxing: sync-a \([\d.]+, root\), sync-b \([\d.]+, root\), sync-c/);
    expect(jobs.message).not.toContain("fan-curve");
    if (!nixAvailable) return;
    expect(jobs.fix?.patch).toBeDefined();
    const fixed = (await patchAndParse(files, jobs.fix!.patch!))["jobs.nix"]!;
    expect(fixed.match(/ProtectSystem = "strict";/g)).toHaveLength(3);
  });
});

describe("hardening patches merge into the existing expression", () => {
  const FILES = {
    "m.nix": `{ pkgs, ... }:
let
  base = { Restart = "always"; };
in
{
  systemd.services.dotted = {
    script = "dotted --loop";
    serviceConfig.User = "dotted";
    serviceConfig.Restart = "always";
  };
  systemd.services.chained = {
    script = "chained --loop";
    serviceConfig = base // {
      User = "chained";
    };
  };
  systemd.services.flat.script = "flat --loop";
  systemd.services.flat.serviceConfig.User = "flat";
}
`,
  };

  it.skipIf(!nixAvailable)("adds keys beside dotted ones, inside the literal part of `//`, and beside flat paths; each patch parses", async () => {
    const report = await scanFiles(FILES);
    const found = byService(report);
    expect(Object.keys(found).sort()).toEqual(["chained", "dotted", "flat"]);
    const dotted = (await patchAndParse(FILES, found.dotted!.fix!.patch!))["m.nix"]!;
    expect(dotted).toContain('serviceConfig.ProtectSystem = "strict";');
    const chained = (await patchAndParse(FILES, found.chained!.fix!.patch!))["m.nix"]!;
    expect(chained).toMatch(/User = "chained";\n\s+ProtectSystem = "strict";/);
    const flat = (await patchAndParse(FILES, found.flat!.fix!.patch!))["m.nix"]!;
    expect(flat).toContain('systemd.services.flat.serviceConfig.ProtectSystem = "strict";');
  });
});

describe("ports a file opens belong to its service only when the file is that service's module", () => {
  const daemon = (name: string) => `  systemd.services.${name} = { wantedBy = [ "multi-user.target" ]; serviceConfig.ExecStart = "/run/current-system/sw/bin/${name}"; };\n`;
  const flake = `{ outputs = { nixpkgs, ... }: { nixosConfigurations.box = nixpkgs.lib.nixosSystem { modules = [ ./configuration.nix ]; }; }; }`;
  const why = (report: SecurityReport, name: string) => report.findings.find((f) => f.ruleId === "systemd-service-exposure" && f.message.includes(`systemd.services.${name} `))?.message ?? "";

  it("a module with its one service and openFirewall: the service is network-facing", async () => {
    const report = await scanFiles({ "flake.nix": flake, "configuration.nix": `{\n  networking.firewall.allowedTCPPorts = [ 8080 ];\n${daemon("myapp")}}\n` }, { quick: true });
    expect(why(report, "myapp")).toContain("its module opens firewall ports");
  });

  it("a host configuration with several units and an open port: no unit is called network-facing for it", async () => {
    const report = await scanFiles({ "flake.nix": flake, "configuration.nix": `{\n  networking.firewall.allowedTCPPorts = [ 22 ];\n${daemon("alpha")}${daemon("beta")}${daemon("gamma")}}\n` }, { quick: true });
    for (const name of ["alpha", "beta", "gamma"]) {
      expect(why(report, name), name).not.toBe("");
      expect(why(report, name), name).not.toContain("its module opens firewall ports");
    }
  });
});
