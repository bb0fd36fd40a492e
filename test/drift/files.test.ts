// /etc against NixOS's managed tree: a NixOS-style /etc (links into /etc/static, /etc/.clean,
// the static tree in the root's store) with and without drift.
import { describe, expect, it } from "vitest";
import { compareFiles } from "../../src/drift/compare/files.js";
import { probeFiles } from "../../src/drift/probes/files.js";
import { CTX, declared, makeRoot, type RootSpec } from "./helpers.js";

const ETC = "/nix/store/awri8visnqf95b9ff0zbhj09spl83xrr-etc/etc";
const HOSTS = "127.0.0.1 localhost\n::1 localhost\n";
const SUDOERS = "root ALL=(ALL:ALL) SETENV: ALL\n%wheel ALL=(ALL:ALL) SETENV: ALL\n";
const NIXCONF = "sandbox = true\ntrusted-users = root\n";

const DECLARED = declared({
  etc: {
    hosts: { target: "hosts" },
    "ssh/sshd_config": { target: "ssh/sshd_config" },
    sudoers: { target: "sudoers", mode: "0440" },
    "nix/nix.conf": { target: "nix/nix.conf" },
    "systemd/system": { target: "systemd/system" },
    off: { target: "off.conf", enable: false },
  },
});

function nixosEtc(over: RootSpec = {}): RootSpec {
  return {
    files: {
      [`${ETC}/hosts`.slice(1)]: HOSTS,
      [`${ETC}/ssh/sshd_config`.slice(1)]: "PasswordAuthentication no\n",
      [`${ETC}/sudoers`.slice(1)]: SUDOERS,
      [`${ETC}/nix/nix.conf`.slice(1)]: NIXCONF,
      [`${ETC}/systemd/system/sshd.service`.slice(1)]: "[Service]\nExecStart=/bin/sshd\n",
      "etc/sudoers": SUDOERS,
      "etc/.clean": "sudoers\n",
      "etc/machine-id": "0f1e2d3c4b5a69788796a5b4c3d2e1f0\n",
      "etc/ssh/ssh_host_ed25519_key": "(fixture: stands in for a host key)\n",
      "etc/passwd": "root:x:0:0::/root:/bin/sh\n",
      "etc/group": "root:x:0:\n",
      "etc/NIXOS": "",
      "etc/resolv.conf": "nameserver 9.9.9.9\n",
      ...over.files,
    },
    links: {
      "etc/static": ETC,
      "etc/hosts": "/etc/static/hosts",
      "etc/ssh/sshd_config": "/etc/static/ssh/sshd_config",
      "etc/nix/nix.conf": "/etc/static/nix/nix.conf",
      "etc/systemd/system": "/etc/static/systemd/system",
      "etc/mtab": "/proc/mounts",
      ...over.links,
    },
    dirs: over.dirs,
  };
}

async function run(spec: RootSpec, remove: string[] = []) {
  const root = await makeRoot(spec);
  const { rm } = await import("node:fs/promises");
  for (const r of remove) await rm(`${root}/${r}`, { force: true, recursive: true });
  const r = await probeFiles({ root, live: false, declared: DECLARED });
  expect(r.errors).toEqual([]);
  return { facts: r.facts, notes: r.notes ?? [], items: compareFiles(DECLARED, r.facts, CTX) };
}

describe("files under /etc", () => {
  it("report nothing for a NixOS /etc where everything is linked, copied as listed, or machine state", async () => {
    const { items, facts } = await run(nixosEtc());
    expect(facts.nixosEtc).toBe(true);
    expect(items).toEqual([]);
  });

  it("report a managed file replaced by a plain file, with what changed and secrets redacted", async () => {
    const token = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0";
    const spec = nixosEtc({ files: { "etc/hosts": HOSTS + "10.0.0.5 db.internal\n", "etc/nix/nix.conf": NIXCONF + `access-tokens = github.com=${token}\n` } });
    delete spec.links!["etc/hosts"];
    delete spec.links!["etc/nix/nix.conf"];
    const r = await run(spec);
    const hosts = r.items.find((i) => i.subject === "/etc/hosts")!;
    expect(hosts).toMatchObject({ category: "file", severity: "high" });
    expect(hosts.evidence).toContain("+ 10.0.0.5 db.internal");
    expect(hosts.remediation.find((x) => x.strategy === "adopt")).toMatchObject({ optionPath: "networking.extraHosts", nix: "networking.extraHosts = ''\n  10.0.0.5 db.internal\n'';" });
    expect(hosts.remediation.find((x) => x.strategy === "revert")?.commands).toEqual([
      ["mv", "--", "/etc/hosts", "/etc/hosts.nix-warden-bak"],
      ["ln", "-s", "/etc/static/hosts", "/etc/hosts"],
    ]);
    const nixconf = r.items.find((i) => i.subject === "/etc/nix/nix.conf")!;
    expect(nixconf.severity).toBe("high");
    // Shown as the scan shows secrets: the first 4 and last 3 characters and the length.
    expect(nixconf.evidence).toContain("+ access-tokens = github.com=ghp_…9t0 (44 chars)");
    expect(JSON.stringify(r.items)).not.toContain(token);
  });

  it("report unmanaged files and directories, an edited copy, a relinked file and a deleted one", async () => {
    const spec = nixosEtc({
      files: { "etc/foo.conf": "x=1\n", "etc/cron.d/backup": "0 3 * * * root /backup\n", "etc/cron.d/other": "#\n", "etc/sudoers": SUDOERS + "mallory ALL=(ALL) NOPASSWD: ALL\n" },
    });
    spec.links!["etc/ssh/sshd_config"] = "/srv/my_sshd_config";
    const r = await run(spec, ["etc/nix/nix.conf"]);
    const got = Object.fromEntries(r.items.map((i) => [i.subject, i.severity]));
    expect(got).toEqual({
      "/etc/foo.conf": "medium",
      "/etc/cron.d": "medium",
      "/etc/sudoers": "high",
      "/etc/ssh/sshd_config": "high",
      "/etc/nix/nix.conf": "medium",
    });
    expect(r.items.find((i) => i.subject === "/etc/cron.d")?.evidence).toMatch(/directory with 2 entries/);
    expect(r.items.find((i) => i.subject === "/etc/sudoers")?.evidence).toContain("+ mallory ALL=(ALL) NOPASSWD: ALL");
    expect(r.items.find((i) => i.subject === "/etc/nix/nix.conf")?.evidence).toMatch(/declared .* but missing/);
    expect(r.items.find((i) => i.subject === "/etc/ssh/sshd_config")?.actual).toEqual({ linkTarget: "/srv/my_sshd_config" });
  });

  it("compare nothing on a machine whose /etc is not NixOS's, and say so", async () => {
    const r = await run({ files: { "etc/hosts": HOSTS, "etc/foo": "x" } });
    expect(r.items).toEqual([]);
    expect(r.notes[0]).toMatch(/not a NixOS \/etc/);
  });
});
