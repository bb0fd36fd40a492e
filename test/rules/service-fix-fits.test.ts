// systemd-service-exposure: the proposed baseline adds only what the service can live with. A VM
// runner (QEMU, microvm, /dev/kvm, /dev/net/tun) gets no device isolation; a service that writes
// directories outside its StateDirectory gets them as ReadWritePaths with ProtectSystem=strict, or
// ProtectSystem="full" when they are computed. Each case beside its look-alike.
import { describe, expect, it } from "vitest";
import { scanFiles } from "../helpers/scan.js";

const RULE = "systemd-service-exposure";

async function fixOf(body: string) {
  const report = await scanFiles({ "configuration.nix": `{ config, pkgs, lib, ... }:\n${body}` });
  const f = report.findings.find((x) => x.ruleId === RULE);
  expect(f, "a finding").toBeTruthy();
  return { description: f!.fix?.description ?? "", patch: f!.fix?.patch ?? "" };
}

describe("device needs", () => {
  it("a qemu-system runner gets no PrivateDevices, MemoryDenyWriteExecute or DynamicUser", async () => {
    const { description, patch } = await fixOf(`{
  systemd.services.testvm = {
    wantedBy = [ "multi-user.target" ];
    serviceConfig.ExecStart = "\${pkgs.qemu}/bin/qemu-system-x86_64 -enable-kvm -m 2048 -nic tap,ifname=vm0 -drive file=/srv/vm/disk.qcow2";
  };
}
`);
    expect(patch).toContain("ProtectHome = true;");
    expect(patch).not.toContain("PrivateDevices");
    expect(patch).not.toContain("DevicePolicy");
    expect(patch).not.toContain("MemoryDenyWriteExecute");
    expect(patch).not.toContain("DynamicUser");
    expect(patch).toContain(`ReadWritePaths = [ "/srv/vm" ];`);
    expect(description).toMatch(/Left out: .*PrivateDevices \(it runs virtual machines \(qemu-system-x86_64\)/);
  });

  it("a unit naming /dev/kvm in DeviceAllow, or in the kvm group, is recognised", async () => {
    const a = await fixOf(`{
  systemd.services.vmrunner = {
    wantedBy = [ "multi-user.target" ];
    serviceConfig = { ExecStart = "/run/current-system/sw/bin/runner --port 9000"; DeviceAllow = [ "/dev/kvm rw" ]; };
  };
}
`);
    expect(a.patch).not.toContain("PrivateDevices");
    const b = await fixOf(`{
  systemd.services.vmrunner = {
    wantedBy = [ "multi-user.target" ];
    serviceConfig = { ExecStart = "/run/current-system/sw/bin/runner --port 9000"; User = "runner"; SupplementaryGroups = [ "kvm" ]; };
  };
}
`);
    expect(b.patch).not.toContain("PrivateDevices");
  });

  it("look-alike: an ordinary daemon still gets PrivateDevices and DynamicUser", async () => {
    const { patch } = await fixOf(`{
  systemd.services.webapp = {
    wantedBy = [ "multi-user.target" ];
    serviceConfig.ExecStart = "\${pkgs.hello}/bin/hello --port 9000";
  };
}
`);
    expect(patch).toContain("PrivateDevices = true;");
    expect(patch).toContain("DynamicUser = true;");
    expect(patch).toContain("MemoryDenyWriteExecute = true;");
  });
});

describe("write paths under ProtectSystem", () => {
  it("WorkingDirectory and /var/lib/<x> outside StateDirectory become ReadWritePaths", async () => {
    const { description, patch } = await fixOf(`{
  systemd.services.indexer = {
    wantedBy = [ "multi-user.target" ];
    serviceConfig = {
      ExecStart = "\${pkgs.hello}/bin/hello --port 9000 --db /var/lib/indexer-data/db.sqlite";
      WorkingDirectory = "/srv/indexer";
      User = "indexer";
    };
  };
}
`);
    expect(patch).toContain(`ProtectSystem = "strict";`);
    expect(patch).toContain(`ReadWritePaths = [ "/srv/indexer" "/var/lib/indexer-data" ];`);
    expect(description).toContain("ReadWritePaths keeps /srv/indexer, /var/lib/indexer-data writable");
  });

  it("a computed data directory gets ProtectSystem = \"full\" and says so", async () => {
    const { description, patch } = await fixOf(`let cfg = config.services.indexer; in {
  systemd.services.indexer = {
    wantedBy = [ "multi-user.target" ];
    serviceConfig.ExecStart = "\${pkgs.hello}/bin/hello --port 9000 --data \${cfg.dataDir}";
  };
}
`);
    expect(patch).toContain(`ProtectSystem = "full";`);
    expect(patch).not.toContain("ReadWritePaths");
    expect(patch).not.toContain("DynamicUser");
    expect(description).toContain(`ProtectSystem is "full", not "strict"`);
  });

  it("look-alike: a path under its own StateDirectory needs nothing more", async () => {
    const { patch } = await fixOf(`{
  systemd.services.indexer = {
    wantedBy = [ "multi-user.target" ];
    serviceConfig = {
      ExecStart = "\${pkgs.hello}/bin/hello --port 9000 --db /var/lib/indexer/db.sqlite";
      StateDirectory = "indexer";
    };
  };
}
`);
    expect(patch).toContain(`ProtectSystem = "strict";`);
    expect(patch).not.toContain("ReadWritePaths");
    expect(patch).toContain("DynamicUser = true;");
  });
});
