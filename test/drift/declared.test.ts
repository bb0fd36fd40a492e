// The declared state: the extractor evaluated by the real `nix eval` on a fixture flake (including
// options that throw), host discovery, Nix's errors, the timeout, cancellation and the cache.
import { execFileSync } from "node:child_process";
import { cp, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkDrift } from "../../src/drift/index.js";
import { evalDeclared, listHosts } from "../../src/drift/declared/eval.js";
import { parseFlakeRef, nixAttr } from "../../src/drift/declared/flake-ref.js";
import { parseDeclaredState } from "../../src/drift/declared/schema.js";
import { spawnCounter } from "../../src/system/run.js";
import { cacheBase } from "../../src/system/state.js";
import { nixAvailable } from "../helpers/nix.js";
import { fixture, makeRoot, tempDir } from "./helpers.js";

const FLAKE = fixture("flake");
const ENV = { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.invalid", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.invalid", GIT_CONFIG_GLOBAL: "/dev/null" };

describe.skipIf(!nixAvailable)("evaluating the declared state with nix eval", () => {
  it("extracts every area drift compares, with NixOS's value shapes", async () => {
    const r = await evalDeclared(`path:${FLAKE}`, "web1");
    expect(r.error).toBeUndefined();
    const d = r.value!;
    expect(d.hostName).toBe("web1");
    expect(d.nameservers).toEqual(["9.9.9.9", "149.112.112.112"]);
    expect(d.firewall).toMatchObject({ enable: true, backend: "iptables", allowedTCPPorts: [22, 443], allowedTCPPortRanges: [{ from: 60000, to: 60010 }], interfaces: { wg0: { allowedTCPPorts: [9100] } } });
    expect(d.mutableUsers).toBe(true);
    expect(d.users.alice).toMatchObject({ uid: 1000, extraGroups: ["wheel"], shell: "/run/current-system/sw/bin/bash", packages: [{ name: "ripgrep-14.1.0", pname: "ripgrep", version: "14.1.0" }] });
    expect(d.users.nginx?.shell).toBe("/run/current-system/sw/bin/nologin");
    expect(d.groups.wheel).toEqual({ name: "wheel", gid: 1, members: ["alice"] });
    expect(d.systemPackages.map((p) => p.name)).toEqual(["git-2.44.0", "htop-3.3.0", "bash-interactive-5.2p26", "weird-1.0"]);
    expect(d.services.nginx?.serviceConfig.ExecStart).toMatch(/^\/nix\/store\/[0-9a-z]{32}-nginx-1\.24\.0\/bin\/nginx -c \/etc\/nginx\/nginx.conf$/);
    expect(d.services.cups).toMatchObject({ enable: false });
    expect(d.fileSystems["/boot"]).toMatchObject({ device: "/dev/disk/by-uuid/1234-ABCD", fsType: "vfat", options: ["fmask=0022", "dmask=0022"] });
    expect(d.swapDevices).toEqual([{ device: "/var/swapfile", realDevice: "/var/swapfile", size: 2048 }]);
    expect(d.etc.sudoers).toEqual({ target: "sudoers", enable: true, mode: "0440" });
    expect(d.sysctl).toEqual({ "net.ipv4.ip_forward": 0, "kernel.kptr_restrict": 2 }); // null values are unset, as NixOS treats them
    expect(d.toplevel).toMatch(/^\/nix\/store\/[0-9a-z]{32}-nixos-system-web1-24\.05/);
  });

  it("survives options that throw, keeps everything else, and names each failed path", async () => {
    const web1 = (await evalDeclared(`path:${FLAKE}`, "web1")).value!;
    expect(web1.errors.map((e) => e.path).sort()).toEqual(["environment.systemPackages[3].version", "systemd.services.flaky.serviceConfig", "users.users.bob.shell"]);
    expect(web1.users.bob).toMatchObject({ uid: 1001, shell: null });
    expect(web1.services.flaky).toMatchObject({ enable: true, serviceConfig: {} });
    expect(web1.systemPackages[3]).toEqual({ name: "weird-1.0", pname: "weird", version: null });
    const db1 = (await evalDeclared(`path:${FLAKE}`, "db1")).value!;
    expect(db1.nameservers).toEqual([]);
    expect(db1.errors.map((e) => e.path)).toContain("networking.nameservers");
  });

  it("lists the hosts, and shows Nix's own error for a host that does not exist", async () => {
    expect((await listHosts(`path:${FLAKE}`)).value).toEqual(["db1", "web1"]);
    const r = await evalDeclared(`path:${FLAKE}`, "nope");
    expect(r.value).toBeUndefined();
    expect(r.error).toMatch(/evaluating nixosConfigurations.nope failed: error: .*(attribute 'nope' missing|does not provide attribute .*nixosConfigurations.nope.config)/s);
  });

  it("stops a slow evaluation at the timeout, and when cancelled", async () => {
    const dir = await tempDir();
    // About 25 million additions: seconds of work for Nix, and little memory.
    await writeFile(join(dir, "flake.nix"), `{ outputs = { self }: { nixosConfigurations.slow.config = { networking.hostName = toString (builtins.foldl' (a: i: a + builtins.foldl' builtins.add 0 (builtins.genList (x: x) 5000)) 0 (builtins.genList (x: x) 5000)); }; }; }\n`);
    const timed = await evalDeclared(`path:${dir}`, "slow", { timeoutMs: 300 });
    expect(timed.error).toMatch(/timed out after 300 ms/);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const cancelled = await evalDeclared(`path:${dir}`, "slow", { signal: ac.signal });
    expect(cancelled.error).toMatch(/cancelled/);
  });

  it("caches the declared state per flake.lock and git content, so a second check spawns no nix", async () => {
    const base = await tempDir();
    const repo = join(base, "repo");
    await cp(FLAKE, repo, { recursive: true });
    for (const args of [["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "x"]]) execFileSync("git", ["-C", repo, ...args], { env: ENV, stdio: "ignore" });
    const root = await makeRoot({ files: { "etc/hostname": "web1\n", "etc/os-release": "ID=nixos\n" } });
    const opts = { flake: repo, host: "web1", root, probes: ["git" as const] };

    const first = await checkDrift(opts);
    expect(first.timing.declaredFromCache).toBe(false);
    // In nix-warden's own cache (never the repository): a 0700 directory of owner-only files.
    const dir = join(cacheBase(), "drift");
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    const entries = (await readdir(dir)).filter((f) => f.endsWith(".json"));
    expect(entries.length).toBeGreaterThan(0);
    for (const f of entries) expect((await stat(join(dir, f))).mode & 0o777).toBe(0o600);
    const before = spawnCounter.count;
    const second = await checkDrift(opts);
    expect(second.timing.declaredFromCache).toBe(true);
    expect(second.declaredFrom).toMatch(/\(cached\)$/);
    // Only git's two processes (status, rev-parse): no nix eval.
    expect(spawnCounter.count - before).toBe(2);

    // An uncommitted edit changes what Nix sees: the cache misses and the new value is evaluated.
    const host = join(repo, "flake.nix");
    const text = execFileSync("cat", [host], { encoding: "utf8" });
    await writeFile(host, text.replace('nameservers = [ "9.9.9.9" "149.112.112.112" ];', 'nameservers = [ "1.1.1.1" ];'));
    const third = await checkDrift(opts);
    expect(third.timing.declaredFromCache).toBe(false);
  });

  it("falls back to the only configuration when the machine's hostname is not one, and names the choices otherwise", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "flake.nix"), `{ outputs = { self }: { nixosConfigurations.only.config = { networking.hostName = "only"; }; }; }\n`);
    const root = await makeRoot({ files: { "etc/hostname": "elsewhere\n", "etc/os-release": "ID=nixos\n" } });
    const r = await checkDrift({ flake: `path:${dir}`, root, noCache: true, probes: [] });
    expect(r.host).toBe("only");
    expect(r.notes.join("\n")).toMatch(/not in nixosConfigurations; using the only host, only/);
    const many = await checkDrift({ flake: `path:${FLAKE}`, root, noCache: true, probes: [] });
    expect(many.declaredFrom).toMatch(/^unavailable/);
    expect(many.errors.find((e) => e.source === "nix eval")?.message).toMatch(/no nixosConfigurations.elsewhere .*pass --host with one of: db1, web1/);
  });
});

describe("declared state files and flake references", () => {
  it("rejects a declared state that is not the extractor's shape, saying where", () => {
    expect(parseDeclaredState({ schemaVersion: 1, users: { a: { uid: "x" } } }).error).toMatch(/users\.a/);
    expect(parseDeclaredState({ schemaVersion: 2 }).error).toMatch(/schemaVersion/);
    expect(parseDeclaredState({ schemaVersion: 1 }).state?.firewall.allowedTCPPorts).toEqual([]);
  });

  it("reports an unreadable --declared file as an error entry", async () => {
    const dir = await makeRoot({ files: { "etc/os-release": "ID=nixos\n" } });
    await writeFile(join(dir, "d.json"), "{ not json");
    const r = await checkDrift({ declaredFile: join(dir, "d.json"), root: dir, probes: [] });
    expect(r.declaredFrom).toMatch(/^unavailable/);
    expect(r.errors[0]).toMatchObject({ source: "declared", message: expect.stringMatching(/cannot read the declared state/) });
  });

  it("parses the references people type", () => {
    expect(parseFlakeRef("/etc/nixos#web1", "/x")).toEqual({ ref: "/etc/nixos", host: "web1", localDir: "/etc/nixos" });
    expect(parseFlakeRef(".#nixosConfigurations.db1", "/home/a/nixos")).toEqual({ ref: "/home/a/nixos", host: "db1", localDir: "/home/a/nixos" });
    expect(parseFlakeRef("path:./cfg?dir=x", "/w")).toEqual({ ref: "path:/w/cfg?dir=x", host: undefined, localDir: "/w/cfg" });
    expect(parseFlakeRef("github:o/r#h")).toEqual({ ref: "github:o/r", host: "h" });
    expect(nixAttr("web1")).toBe("web1");
    expect(nixAttr("web.example.org")).toBe('"web.example.org"');
  });
});
