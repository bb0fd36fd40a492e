// Mounts and swap (mountinfo, /proc/swaps, /dev/disk links in a root) and system generations
// (/run/current-system, /run/booted-system, the system profile).
import { describe, expect, it } from "vitest";
import { compareGenerations } from "../../src/drift/compare/generations.js";
import { compareMounts } from "../../src/drift/compare/mounts.js";
import { probeGenerations } from "../../src/drift/probes/generations.js";
import { probeMounts } from "../../src/drift/probes/mounts.js";
import { CTX, declared, makeRoot, revertUndos, type RootSpec } from "./helpers.js";

const UUID = "6f1c3e52-8a0e-4d7b-9b1f-2c4d5e6f7a81";
const FS = declared({
  fileSystems: {
    "/": { mountPoint: "/", device: `/dev/disk/by-uuid/${UUID}`, fsType: "ext4", options: ["defaults"] },
    "/boot": { mountPoint: "/boot", device: "/dev/disk/by-uuid/12CE-A600", fsType: "vfat", options: ["fmask=0022", "dmask=0022"] },
    "/srv/ro": { mountPoint: "/srv/ro", device: "/dev/vdc", fsType: "ext4", options: ["ro", "nosuid"] },
    "/mnt/later": { mountPoint: "/mnt/later", device: "/dev/vdd", fsType: "ext4", options: ["noauto"] },
  },
  swapDevices: [{ device: "/var/swapfile", realDevice: "/var/swapfile" }],
});
const BASE = [
  "22 1 253:2 / / rw,relatime shared:1 - ext4 /dev/vda2 rw",
  "23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:5 - proc proc rw",
  "27 22 0:24 / /run rw,nosuid,nodev shared:12 - tmpfs tmpfs rw,size=2008136k,mode=755",
  "28 22 253:2 /nix/store /nix/store ro,nosuid,nodev,relatime shared:13 - ext4 /dev/vda2 rw",
  "30 27 0:26 / /run/wrappers rw,nodev,relatime shared:15 - tmpfs tmpfs rw,mode=755",
  "31 22 253:1 / /boot rw,relatime shared:14 - vfat /dev/vda1 rw,fmask=0022,dmask=0022,codepage=437,errors=remount-ro",
  "34 22 253:32 / /srv/ro ro,nosuid,relatime shared:16 - ext4 /dev/vdc ro",
  "32 27 0:45 / /run/user/1000 rw,nosuid,nodev,relatime shared:200 - tmpfs tmpfs rw,mode=700,uid=1000,gid=100",
];
const SWAPS = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/var/swapfile                           file\t\t2097148\t\t0\t\t-2\n";

function mounts(lines: string[], swaps = SWAPS): RootSpec {
  return {
    files: { "proc/self/mountinfo": lines.join("\n") + "\n", "proc/swaps": swaps },
    links: { [`dev/disk/by-uuid/${UUID}`]: "../../vda2", "dev/disk/by-uuid/12CE-A600": "../../vda1" },
  };
}

async function mountItems(spec: RootSpec) {
  const r = await probeMounts({ root: await makeRoot(spec), live: false });
  expect(r.errors).toEqual([]);
  return compareMounts(FS, r.facts, CTX);
}

describe("mounts and swap", () => {
  it("report nothing when what is mounted is what fileSystems declares (devices by UUID resolved, virtual and NixOS-internal mounts ignored)", async () => {
    expect(await mountItems(mounts(BASE))).toEqual([]);
  });

  it("report a disk mounted by hand, a declared mount missing, and one mounted with weaker options", async () => {
    const lines = [...BASE.filter((l) => !l.includes(" /srv/ro ")), "34 22 253:32 / /srv/ro rw,relatime shared:16 - ext4 /dev/vdc rw", "40 22 8:17 / /mnt/backup rw,relatime shared:60 - ext4 /dev/sdb1 rw"].filter((l) => !l.includes(" /boot "));
    const items = await mountItems({ ...mounts(lines), links: { ...mounts(lines).links, "dev/disk/by-uuid/aaaa-bbbb": "../../sdb1" } });
    expect(items.map((i) => `${i.subject}:${i.severity}`).sort()).toEqual(["/boot:high", "/mnt/backup:medium", "/srv/ro:high"]);
    expect(items.find((i) => i.subject === "/srv/ro")?.evidence).toMatch(/mounted without ro; mounted without nosuid/);
    expect(items.find((i) => i.subject === "/mnt/backup")?.remediation.find((r) => r.strategy === "adopt")?.nix).toBe('fileSystems."/mnt/backup" = {\n  device = "/dev/disk/by-uuid/aaaa-bbbb";\n  fsType = "ext4";\n};');
  });

  it("report a different device on a declared mount point when the declared one can be resolved", async () => {
    const lines = BASE.map((l) => (l.startsWith("22 1 ") ? "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw" : l));
    const items = await mountItems(mounts(lines));
    expect(items).toEqual([expect.objectContaining({ subject: "/", evidence: expect.stringMatching(/device \/dev\/sda1 instead of \/dev\/disk\/by-uuid\/6f1c3e52/) })]);
  });

  it("report swap that is missing or added by hand", async () => {
    const items = await mountItems(mounts(BASE, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/dev/sdb2                               partition\t1048572\t\t0\t\t-3\n"));
    expect(items.map((i) => `${i.subject}:${i.severity}`).sort()).toEqual(["swap /dev/sdb2:low", "swap /var/swapfile:medium"]);
    expect(revertUndos(items.find((i) => i.subject === "swap /dev/sdb2"))).toEqual([["swapon", "/dev/sdb2"]]);
    expect(revertUndos(items.find((i) => i.subject === "swap /var/swapfile"))).toEqual([["swapoff", "/var/swapfile"]]);
  });

  it("say that a root without /proc has no mount table", async () => {
    const r = await probeMounts({ root: await makeRoot({ dirs: ["etc"] }), live: false });
    expect(r.facts.mounts).toBeUndefined();
    expect(r.notes?.[0]).toMatch(/no \/proc\/self\/mountinfo/);
    expect(compareMounts(FS, r.facts, CTX)).toEqual([]);
  });
});

const TOP = "/nix/store/b2ilr3ba5rd7c4fcac60fkvspppa7cax-nixos-system-web1-24.05.20240601.c3f2e1d";
const OLD = "/nix/store/l9r346p3d25vs4g5v37f3r3f28js97kb-nixos-system-web1-24.05.20240515.9a8b7c6";
function generations(current: string, booted: string, profile: number, gens: [number, string, string][]): RootSpec {
  const links: RootSpec["links"] = { "run/current-system": current, "run/booted-system": booted, "nix/var/nix/profiles/system": `system-${profile}-link` };
  for (const [n, path, time] of gens) links[`nix/var/nix/profiles/system-${n}-link`] = { target: path, time };
  return { links };
}

describe("generations", () => {
  it("report nothing when the machine runs, boots and defaults to the declared system", async () => {
    const r = await probeGenerations({ root: await makeRoot(generations(TOP, TOP, 43, [[42, OLD, "2026-11-01T00:00:00Z"], [43, TOP, "2026-11-20T12:00:00Z"]])), live: false });
    expect(r.facts).toMatchObject({ currentSystem: TOP, bootedSystem: TOP, profileGeneration: 43 });
    expect(compareGenerations(declared({ toplevel: TOP }), r.facts, CTX)).toEqual([]);
  });

  it("report a running system that is not the declared one, a test switch, and a pending reboot", async () => {
    const r = await probeGenerations({ root: await makeRoot(generations(OLD, TOP, 43, [[42, OLD, "2026-11-01T00:00:00Z"], [43, TOP, "2026-11-20T12:00:00Z"]])), live: false });
    const items = compareGenerations(declared({ toplevel: TOP }), r.facts, CTX);
    expect(items.map((i) => `${i.subject}:${i.severity}`)).toEqual(["current-system:high", "system profile:medium", "booted-system:low"]);
    expect(items[0]?.evidence).toMatch(/declared one was built as generation 43 but is not active/);
    expect(items[0]?.cause).toMatchObject({ when: "2026-11-01T00:00:00.000Z" });
    expect(items[0]?.remediation[0]?.commands).toEqual([["nixos-rebuild", "switch", "--flake", "/etc/nixos#web1"]]);
  });

  it("say when the root is not a running NixOS system", async () => {
    const r = await probeGenerations({ root: await makeRoot({ dirs: ["etc"] }), live: false });
    expect(r.notes?.[0]).toMatch(/no \/run\/current-system/);
    expect(compareGenerations(declared({ toplevel: TOP }), r.facts, CTX)).toEqual([]);
  });
});
