// systemd units and their configuration: a NixOS root (generated units behind /etc/static) with
// runtime units, masks, enables, drop-ins and transient units as systemd writes them, and the live
// `systemctl show` view from recorded systemd output.
import { describe, expect, it } from "vitest";
import { compareServices } from "../../src/drift/compare/services.js";
import { showUnits } from "../../src/drift/parse/systemctl.js";
import { probeServices, type ServicesFacts } from "../../src/drift/probes/services.js";
import { CTX, declared, makeRoot, readFixture, type RootSpec } from "./helpers.js";

const ETC = "nix/store/awri8visnqf95b9ff0zbhj09spl83xrr-etc/etc";
const NODE = "/nix/store/854j1lz322rzbl0609kpzhv4iqqyfljk-node_exporter-1.8.1/bin/node_exporter";

const DECLARED = declared({
  services: {
    nginx: { enable: true, wantedBy: ["multi-user.target"], serviceConfig: { ExecStart: "/nix/store/x-nginx/bin/nginx" } },
    logrotate: { enable: true, wantedBy: ["multi-user.target"] },
    "prometheus-node-exporter": { enable: true, wantedBy: ["multi-user.target"], serviceConfig: { ExecStart: `${NODE} --web.listen-address 127.0.0.1:9100` } },
    cups: { enable: false },
  },
});

function nixos(over: RootSpec = {}): RootSpec {
  return {
    files: {
      [`${ETC}/systemd/system/nginx.service`]: "[Unit]\nDescription=Nginx\n\n[Service]\nExecStart=/nix/store/x-nginx/bin/nginx\n",
      [`${ETC}/systemd/system/logrotate.service`]: "[Service]\nExecStart=/run/current-system/sw/bin/logrotate /etc/logrotate.conf\n",
      [`${ETC}/systemd/system/prometheus-node-exporter.service`]: `[Service]\nExecStart=${NODE} --web.listen-address 127.0.0.1:9100\nUser=node-exporter\n`,
      "proc/812/comm": "nginx\n",
      "proc/812/cgroup": "0::/system.slice/nginx.service\n",
      "proc/1/comm": "systemd\n",
      "proc/1/cgroup": "0::/init.scope\n",
      ...over.files,
    },
    links: {
      "etc/static": `/${ETC}`,
      "etc/systemd/system": "/etc/static/systemd/system",
      "run/current-system": "/nix/store/6cp643dzvlxxpkgbg5kzmwj47sam9zs2-nixos-system-web1-24.05",
      [`${ETC}/systemd/system/cups.service`]: "/dev/null",
      [`${ETC}/systemd/system/multi-user.target.wants/nginx.service`]: "../nginx.service",
      ...over.links,
    },
    dirs: ["run/systemd/system", "run/systemd/transient", ...(over.dirs ?? [])],
  };
}

async function check(spec: RootSpec) {
  const root = await makeRoot(spec);
  const r = await probeServices({ root, live: false });
  expect(r.errors).toEqual([]);
  return { facts: r.facts, notes: r.notes ?? [], items: compareServices(DECLARED, r.facts, CTX) };
}

describe("services", () => {
  it("report nothing when only generated units exist and only declared services run", async () => {
    const { facts, items, notes } = await check(nixos());
    expect(facts.generatedUnits).toContain("nginx.service");
    expect(facts.running.map((r) => r.unit)).toEqual(["init.scope", "nginx.service"]);
    expect(items).toEqual([]);
    expect(notes.join("\n")).toMatch(/systemctl needs the live system/);
  });

  it("report a runtime unit enabled and started by hand, with a safe revert", async () => {
    const { items } = await check(
      nixos({
        files: {
          "run/systemd/system/redis-imperative.service": "[Unit]\nDescription=Redis by hand\n[Service]\nExecStart=/nix/store/r-redis/bin/redis-server --bind 0.0.0.0\n[Install]\nWantedBy=multi-user.target\n",
          "proc/2210/comm": "redis-server\n",
          "proc/2210/cgroup": "0::/system.slice/redis-imperative.service\n",
        },
        links: { "run/systemd/system/multi-user.target.wants/redis-imperative.service": "/run/systemd/system/redis-imperative.service" },
      }),
    );
    expect(items).toHaveLength(1);
    const it0 = items[0]!;
    expect(it0).toMatchObject({ category: "service", subject: "redis-imperative.service", severity: "high", actual: { running: true, enabledBy: ["multi-user.target"] } });
    const revert = it0.remediation.find((r) => r.strategy === "revert")!;
    expect(revert).toMatchObject({ safety: "auto", guard: ["test", "-e", "/run/systemd/system/redis-imperative.service"] });
    expect(revert.commands).toEqual([
      ["systemctl", "stop", "--", "redis-imperative.service"],
      ["systemctl", "disable", "--runtime", "--", "redis-imperative.service"],
      // Removed by moving it into the item's root-only backup directory, so the removal can be undone.
      ["install", "-d", "-m", "0700", "--", `/var/lib/nix-warden/removed/${it0.id}/run/systemd/system`],
      ["mv", "-f", "--", "/run/systemd/system/redis-imperative.service", `/var/lib/nix-warden/removed/${it0.id}/run/systemd/system/redis-imperative.service`],
      ["systemctl", "daemon-reload"],
    ]);
    expect(it0.remediation.find((r) => r.strategy === "adopt")?.nix).toBe(
      'systemd.services.redis-imperative = {\n  description = "Redis by hand";\n  wantedBy = [ "multi-user.target" ];\n  serviceConfig = {\n    ExecStart = "/nix/store/r-redis/bin/redis-server --bind 0.0.0.0";\n  };\n};',
    );
  });

  it("report masks, runtime enables of generated units, transient units and drop-ins (formats systemd writes)", async () => {
    const { items } = await check(
      nixos({
        files: {
          "run/systemd/transient/adhoc-listener.service": readFixture("recorded", "systemctl", "transient-adhoc-listener.service"),
          // logind's own transient units are not drift
          "run/systemd/transient/session-3.scope": "# This is a transient unit file, created programmatically via the systemd API. Do not edit.\n[Scope]\n",
          "run/systemd/transient/user-1000.slice": "# This is a transient unit file, created programmatically via the systemd API. Do not edit.\n[Slice]\n",
          "run/systemd/system/prometheus-node-exporter.service.d/override.conf": `[Service]\nExecStart=\nExecStart=${NODE} --web.listen-address 0.0.0.0:9100\n`,
          "etc/systemd/system.control/nginx.service.d/50-CPUQuota.conf": readFixture("recorded", "systemctl", "set-property-50-CPUQuota.conf"),
          "proc/3100/comm": "python3\n",
          "proc/3100/cgroup": "0::/system.slice/adhoc-listener.service\n",
        },
        links: {
          "run/systemd/system/logrotate.service": "/dev/null",
          "run/systemd/system/cups.service": "/dev/null",
          "run/systemd/system/sockets.target.wants/nginx.service": "/etc/systemd/system/nginx.service",
        },
      }),
    );
    const by = (category: string, subject: string) => items.filter((i) => i.category === category && i.subject === subject);
    expect(by("service", "logrotate.service")[0]).toMatchObject({ severity: "high", actual: { masked: true, runtime: true } });
    expect(by("service", "cups.service")[0]?.severity).toBe("medium");
    expect(by("service", "nginx.service")[0]).toMatchObject({ severity: "medium", actual: { wantedBy: "sockets.target" } });
    expect(by("service", "adhoc-listener.service")[0]).toMatchObject({ severity: "medium", actual: { transient: true, running: true } });
    const dropIn = by("service-config", "prometheus-node-exporter.service")[0]!;
    expect(dropIn.severity).toBe("high");
    expect(dropIn.evidence).toContain(`Service.ExecStart: ${NODE} --web.listen-address 127.0.0.1:9100 -> ${NODE} --web.listen-address 0.0.0.0:9100`);
    expect(dropIn.remediation.find((r) => r.strategy === "adopt")?.nix).toBe(`systemd.services.prometheus-node-exporter.serviceConfig.ExecStart = lib.mkForce "${NODE} --web.listen-address 0.0.0.0:9100";`);
    const quota = by("service-config", "nginx.service")[0]!;
    expect(quota).toMatchObject({ severity: "low" });
    expect(quota.evidence).toMatch(/systemctl set-property/);
    expect(items).toHaveLength(6);
  });

  it("report /etc/systemd/system replaced by a directory, and units in it that override generated ones", async () => {
    const spec = nixos({ files: { "etc/systemd/system/nginx.service": "[Service]\nExecStart=/bin/sh -c 'nc -l 80'\n" } });
    delete spec.links!["etc/systemd/system"];
    spec.links!["etc/systemd/system/logrotate.service"] = "/etc/static/systemd/system/logrotate.service";
    const { items } = await check(spec);
    expect(items.map((i) => `${i.category}:${i.subject}:${i.severity}`).sort()).toEqual(["service-config:nginx.service:high", "service:/etc/systemd/system:high"]);
  });

  it("judge the live view: failed units, units not reloaded, loaded ExecStart against the generated unit (recorded systemctl show)", () => {
    const loaded = showUnits(readFixture("recorded", "systemctl", "show-all.txt"));
    const facts: ServicesFacts = {
      nixos: true,
      etcSystemdSystem: "managed-link",
      generatedUnits: ["web.service", "broken.service"],
      generatedText: { "web.service": ["[Service]\nExecStart=/usr/bin/python3 -m http.server 8081 --bind 127.0.0.1\n"] },
      files: [],
      running: [],
      loaded: loaded.map((u) => (u.id === "dbus.service" ? { ...u, needDaemonReload: true } : u.id === "gpg-agent.service" ? { ...u, unitFileState: "enabled-runtime" } : u)),
    };
    const items = compareServices(declared({ services: { web: { wantedBy: ["default.target"] }, broken: {} } }), facts, CTX);
    const got = items.map((i) => `${i.category}:${i.subject}:${i.severity}`).sort();
    expect(got).toEqual(["service-config:dbus.service:low", "service-config:web.service:high", "service:broken.service:medium", "service:gpg-agent.service:medium"]);
    expect(items.find((i) => i.subject === "web.service")?.evidence).toContain("--bind 0.0.0.0");
  });

  it("compare nothing on a machine that is not NixOS", async () => {
    const root = await makeRoot({ dirs: ["etc/systemd/system", "run/systemd/system"], files: { "run/systemd/system/x.service": "[Service]\n" } });
    const r = await probeServices({ root, live: false });
    expect(r.facts.nixos).toBe(false);
    expect(compareServices(DECLARED, r.facts, CTX)).toEqual([]);
  });
});
