// `nix-warden drift --hosts` against real OpenSSH servers on 127.0.0.1: three hosts that answer
// (one reached through the flake's deploy-rs node, one whose machine is not the host the flake
// declares), one that refuses and one that hangs. The declared states come from a real nix eval
// of a flake derived from the drift example (self-contained, offline).
import { execFileSync } from "node:child_process";
import { lstatSync, readFileSync, readlinkSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newBoundary, parseRemoteOutput, remoteProgram, writeSnapshotRoot } from "../../src/fleet/remote.js";
import { sshArgs } from "../../src/fleet/ssh.js";
import { cli } from "../helpers/cli.js";
import { nixAvailable } from "../helpers/nix.js";
import { hasSshd } from "./sshd.js";
import { startFleetEnv, type FleetEnv } from "./fleet-env.js";

import { MACHINE } from "./fleet-env.js";

describe("the remote program and ssh arguments", () => {
  it("the program is constant apart from a random hex boundary; file contents cannot fake a section", () => {
    const b = newBoundary();
    const program = remoteProgram(b);
    expect(program.replace(b, "B")).toBe(remoteProgram(newBoundary()).replace(/@@nix-warden-[0-9a-f]{32}@@/, "B"));
    expect(() => remoteProgram("'; rm -rf / #")).toThrow("invalid boundary");
    // A /etc/hostname that tries to end its section and start a fake /etc/passwd with a guessed boundary.
    const forged = `@@nix-warden-${"0".repeat(32)}@@`;
    const out = [`${b} file /etc/hostname`, `evil`, `${forged} end`, `${forged} file /etc/passwd`, `root:x:0:0::/root:/bin/sh`, "", `${b} end`, `${b} done`, ""].join("\n");
    const snap = parseRemoteOutput(out, b);
    expect([...snap.files.keys()]).toEqual(["/etc/hostname"]);
    expect(snap.files.get("/etc/hostname")).toContain(forged);
    expect(snap.complete).toBe(true);
  });

  it("the real program run by sh on this machine gives files, kernel parameters and links the parser keeps", () => {
    const b = newBoundary();
    const out = execFileSync("sh", ["-s"], { input: remoteProgram(b), encoding: "utf8", maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
    const snap = parseRemoteOutput(out, b);
    expect(snap.complete).toBe(true);
    expect(snap.files.get("/etc/passwd")).toContain("root:");
    expect(snap.sysctl.get("/proc/sys/kernel/kptr_restrict")).toBe(readFileSync("/proc/sys/kernel/kptr_restrict", "utf8").trim());
    expect(snap.sysctl.size).toBeGreaterThan(100);
    expect(snap.rejected).toBe(0);
  });

  it("a hostile target cannot make the snapshot write outside its root: links are never written through, odd paths are dropped", async () => {
    const b = newBoundary();
    const store = `/nix/store/${"a".repeat(32)}-user-environment`;
    const out = [
      // A profile link named like a directory we later write below, pointing at a directory of this machine.
      `${b} link 0 /nix/var/nix/profiles/per-user`,
      "/nix/var/nix/profiles/nw-fleet-attack",
      `${b} link 0 /nix/var/nix/profiles/per-user/root/profile`,
      "profile-1-link",
      // A link to a path outside the shapes we asked for, and one with a parent step.
      `${b} link 0 /home/mallory/.nix-profile`,
      "/root/.ssh",
      `${b} link 0 /nix/var/nix/profiles/default`,
      "/nix/var/nix/profiles/../../../etc",
      `${b} link 1700000000 /home/alice/.local/state/nix/profiles/profile-1-link`,
      store,
      `${b} file ${store}/manifest.json`,
      '{"version":2,"elements":[]}',
      `${b} end`,
      `${b} file /etc/shadow`,
      "root:$6$secret",
      `${b} end`,
      `${b} sysctl`,
      "/proc/sys/kernel/kptr_restrict:0",
      "/proc/sys/../../etc/cron.d/x:* * * * * root id",
      "/etc/cron.d/y:evil",
      `${b} end`,
      `${b} done`,
      "",
    ].join("\n");
    const snap = parseRemoteOutput(out, b);
    expect([...snap.files.keys()]).toEqual([`${store}/manifest.json`]);
    expect([...snap.sysctl.keys()]).toEqual(["/proc/sys/kernel/kptr_restrict"]);
    expect(snap.links.has("/home/mallory/.nix-profile")).toBe(false);
    expect(snap.links.has("/nix/var/nix/profiles/default")).toBe(false);
    expect(snap.rejected).toBe(3);
    const dir = await mkdtemp(join(tmpdir(), "nw-snapshot-"));
    try {
      // Written in the order that would do harm if links were followed: a link at
      // /nix/var/nix/profiles/per-user first, then a link below it.
      await writeSnapshotRoot(snap, dir);
      expect(lstatSync(join(dir, "nix/var/nix/profiles/per-user")).isSymbolicLink()).toBe(true);
      expect(() => lstatSync("/nix/var/nix/profiles/nw-fleet-attack")).toThrow();
      expect(readlinkSync(join(dir, "home/alice/.local/state/nix/profiles/profile-1-link"))).toBe(store);
      expect(lstatSync(join(dir, "home/alice/.local/state/nix/profiles/profile-1-link")).mtimeMs).toBe(1_700_000_000_000);
      expect(readFileSync(join(dir, "proc/sys/kernel/kptr_restrict"), "utf8")).toBe("0\n");
      expect(readFileSync(join(dir, store.slice(1), "manifest.json"), "utf8")).toContain("elements");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("ssh runs as an argument array with BatchMode and a fixed remote command; a destination cannot be an option", () => {
    const args = sshArgs("root@web1");
    expect(args).toContain("BatchMode=yes");
    expect(args.slice(-4)).toEqual(["--", "root@web1", "sh", "-s"]);
    expect(() => sshArgs("-oProxyCommand=touch /tmp/pwned")).toThrow("invalid SSH destination");
    expect(() => sshArgs("host;id")).toThrow("invalid SSH destination");
  });
});

describe.skipIf(!hasSshd || !nixAvailable)("nix-warden drift --hosts over SSH (real sshd on 127.0.0.1)", () => {
  let env: FleetEnv;
  let tmp: string;
  let flake: string;
  let sshConfig: string;

  beforeAll(async () => {
    env = await startFleetEnv();
    ({ tmp, flake, sshConfig } = env);
  }, 120_000);

  afterAll(async () => {
    await env?.stop();
  });

  it("one report per host and a fleet summary; the refusing and the hanging host are error entries; the wrong machine is flagged", async () => {
    const out = join(tmp, "out");
    const started = Date.now();
    const r = cli(["drift", "--flake", flake, "--hosts", "all", "--ssh-config", sshConfig, "--connect-timeout", "3", "--host-timeout", "20", "--jobs", "3", "--format", "json", "--output-dir", out]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(110_000);
    const fleet = JSON.parse(r.stdout);
    const by = Object.fromEntries(fleet.hosts.map((h: { host: string }) => [h.host, h]));
    expect(Object.keys(by).sort()).toEqual(["alpha", "beta", "gamma", "hanging", "refusing"]);
    expect(fleet.summary, JSON.stringify(fleet.hosts.map((h: { error?: string }) => h.error))).toMatchObject({ hosts: 5, ok: 3, unreachable: 2, errors: 0 });

    for (const h of ["alpha", "beta", "gamma"]) {
      expect(by[h].status, JSON.stringify(by[h].error)).toBe("ok");
      expect(by[h].machineHostname).toBe(MACHINE);
      expect(by[h].report.probes.map((p: { name: string }) => p.name).sort()).toEqual(["generations", "mounts", "network", "packages", "sysctl", "users"]);
      // The users database came over SSH: the example declares alice, this machine has no such user.
      expect(by[h].report.items.some((i: { category: string }) => i.category === "user")).toBe(true);
      // The kernel parameters came over SSH too: the example declares kernel.kptr_restrict = 2.
      const kptr = readFileSync("/proc/sys/kernel/kptr_restrict", "utf8").trim();
      const sysctlItem = by[h].report.items.find((i: { category: string; subject: string }) => i.subject.includes("kernel.kptr_restrict"));
      if (kptr !== "2") expect(sysctlItem, `kptr_restrict is ${kptr} here`).toBeDefined();
      else expect(sysctlItem).toBeUndefined();
    }
    expect(by.beta).toMatchObject({ destination: `${userInfo().username}@beta-node`, via: "deploy-rs" });
    expect(by.alpha).toMatchObject({ destination: "alpha", via: "host name" });
    expect(by.alpha.hostnameMismatch).toBeUndefined();
    expect(by.gamma.hostnameMismatch).toEqual({ declared: "gamma", actual: MACHINE });

    expect(by.refusing.status).toBe("unreachable");
    expect(by.refusing.error).toMatch(/Connection refused/);
    expect(by.hanging.status).toBe("unreachable");
    expect(by.hanging.error).toMatch(/timed out|no answer within/i);

    expect((await readdir(out)).sort()).toEqual(["alpha", "beta", "fleet.json", "gamma"]);
    expect(JSON.parse(await readFile(join(out, "alpha", "drift-report.json"), "utf8")).host).toBe("alpha");

    const text = cli(["drift", "--flake", flake, "--hosts", "gamma,refusing", "--ssh-config", sshConfig, "--connect-timeout", "3"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("2 host(s), 1 checked, 1 unreachable");
    expect(text.stdout).toContain("the machine reached is named");
  }, 120_000);

  it("a host given as name=destination that is an ssh option is refused before ssh runs", () => {
    const r = cli(["drift", "--flake", flake, "--hosts", "alpha=-oProxyCommand=touch /tmp/nw-pwned", "--ssh-config", sshConfig]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("invalid SSH destination");
  });

  it("sshd really is key-only: without the user key the host is unreachable (Permission denied)", () => {
    const cfg = execFileSync("sed", ["/IdentityFile/d", sshConfig], { encoding: "utf8" });
    const noKey = join(tmp, "ssh_config_nokey");
    execFileSync("sh", ["-c", 'cat > "$1"', "sh", noKey], { input: cfg });
    const r = cli(["drift", "--flake", flake, "--hosts", "alpha", "--ssh-config", noKey, "--connect-timeout", "3", "--format", "json"]);
    const fleet = JSON.parse(r.stdout);
    expect(fleet.hosts[0].status).toBe("unreachable");
    expect(fleet.hosts[0].error).toMatch(/Permission denied/);
  });
});
