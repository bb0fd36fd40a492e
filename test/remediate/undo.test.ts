// Every system command a drift revert plans carries how to undo it; the exact inverses are checked
// by running command and undo for real where that is possible here (files, git), and the plan made
// from the drift example is checked command by command.
import { execFileSync } from "node:child_process";
import { lstat, mkdir, mkdtemp, readFile, readlink, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepareExample, runExampleCheck, type ExampleWorkspace } from "../../src/drift/demo.js";
import { planRemediation, type Plan } from "../../src/remediate/index.js";
import { reversibleCommands } from "../../src/drift/compare/common.js";
import { undoOf } from "../../src/remediate/undo.js";
import type { DriftItem } from "../../src/report/schema.js";

const run = (argv: string[], cwd?: string) => execFileSync(argv[0]!, argv.slice(1), { cwd, encoding: "utf8", stdio: "pipe" });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "nix-warden-undo-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("undo of system commands", () => {
  it("turns removing a unit file into a move to a root-only backup, which the undo moves back byte for byte", async () => {
    const unit = join(dir, "etc/systemd/system/adhoc.service");
    const content = "[Service]\nExecStart=/bin/true\n";
    await mkdir(dirname(unit), { recursive: true });
    await writeFile(unit, content);
    const backupDir = join(dir, "backup");
    const commands = reversibleCommands(["rm", "-f", "--", unit], "drift-service-1", backupDir);
    const kept = join(backupDir, "drift-service-1", unit.slice(1));
    expect(commands).toEqual([
      ["install", "-d", "-m", "0700", "--", dirname(kept)],
      ["mv", "-f", "--", unit, kept],
    ]);
    for (const c of commands) run(c);
    await expect(lstat(unit)).rejects.toThrow();
    expect(((await lstat(dirname(kept))).mode & 0o777).toString(8)).toBe("700");
    const undos = commands.map((c) => undoOf(c)).reverse();
    expect(undos[0]).toEqual(["mv", "--", kept, unit]);
    expect(undos[1]).toMatch(/^nothing to undo/);
    for (const u of undos) if (Array.isArray(u)) run(u);
    expect(await readFile(unit, "utf8")).toBe(content);
  });

  it("leaves commands that are not a single-file rm as they are", () => {
    expect(reversibleCommands(["rm", "-rf", "--", "/etc/x"], "i")).toEqual([["rm", "-rf", "--", "/etc/x"]]);
    expect(reversibleCommands(["rm", "-f", "--", "/a", "/b"], "i")).toEqual([["rm", "-f", "--", "/a", "/b"]]);
    expect(reversibleCommands(["rm", "-f", "--", "relative"], "i")).toEqual([["rm", "-f", "--", "relative"]]);
    expect(reversibleCommands(["systemctl", "daemon-reload"], "i")).toEqual([["systemctl", "daemon-reload"]]);
  });

  it("undoes replacing a file by a link to the declared one (mv, ln -s) in reverse order", async () => {
    const hosts = join(dir, "etc/hosts");
    const declared = join(dir, "etc/static-hosts");
    await writeFile(hosts, "127.0.0.1 edited\n");
    await writeFile(declared, "127.0.0.1 localhost\n");
    const commands = [
      ["mv", "--", hosts, `${hosts}.nix-warden-bak`],
      ["ln", "-s", declared, hosts],
    ];
    for (const c of commands) run(c);
    expect(await readlink(hosts)).toBe(declared);
    for (const c of [...commands].reverse()) run(undoOf(c) as string[]);
    expect((await lstat(hosts)).isSymbolicLink()).toBe(false);
    expect(await readFile(hosts, "utf8")).toBe("127.0.0.1 edited\n");
  });

  it("undoes the git steps of an uncommitted-configuration revert or adopt", async () => {
    const repo = join(dir, "repo");
    await mkdir(repo);
    const git = (...a: string[]) => run(["git", "-c", "user.name=T", "-c", "user.email=t@example.org", "-C", repo, ...a]);
    git("init", "-q", "-b", "main");
    await writeFile(join(repo, "web1.nix"), "{ }\n");
    git("add", "-A");
    git("commit", "-qm", "init");
    await writeFile(join(repo, "web1.nix"), "{ networking.hostName = \"web1\"; }\n");
    await writeFile(join(repo, "web2.nix"), "{ }\n");
    const status = () => git("status", "--porcelain");
    const before = status();

    const stash = ["git", "-C", repo, "stash", "push", "--", "web1.nix"];
    run(stash);
    expect(status()).not.toBe(before);
    run(undoOf(stash) as string[]);
    expect(status()).toBe(before);

    const add = ["git", "-C", repo, "add", "--", "web2.nix"];
    run(add);
    expect(status()).toContain("A  web2.nix");
    run(undoOf(add) as string[]);
    expect(status()).toBe(before);
  });

  it("knows the inverse of each systemctl, profile, mount and account command", () => {
    const item = (actual: unknown) => ({ actual }) as DriftItem;
    expect(undoOf(["systemctl", "disable", "--now", "x.service"])).toEqual(["systemctl", "enable", "--now", "x.service"]);
    expect(undoOf(["systemctl", "unmask", "--runtime", "x.service"])).toEqual(["systemctl", "mask", "--runtime", "x.service"]);
    expect(undoOf(["systemctl", "stop", "x.service"])).toEqual(["systemctl", "start", "x.service"]);
    expect(undoOf(["systemctl", "reboot"])).toMatch(/cannot be undone/);
    expect(undoOf(["runuser", "-u", "alice", "--", "nix-env", "-p", "/nix/var/nix/profiles/per-user/alice/profile", "-e", "htop"])).toEqual([
      "runuser", "-u", "alice", "--", "nix-env", "-p", "/nix/var/nix/profiles/per-user/alice/profile", "--rollback",
    ]);
    expect(undoOf(["nix", "--extra-experimental-features", "nix-command flakes", "profile", "remove", "--profile", "/p", "/nix/store/x"])).toEqual([
      "nix", "--extra-experimental-features", "nix-command flakes", "profile", "rollback", "--profile", "/p",
    ]);
    expect(undoOf(["nixos-rebuild", "switch", "--flake", "/etc/nixos#web1"])).toEqual(["nixos-rebuild", "switch", "--rollback"]);
    expect(undoOf(["umount", "/mnt/backup"], item({ source: "/dev/sdb1", fsType: "ext4", options: ["rw", "relatime"] }))).toEqual([
      "mount", "-t", "ext4", "-o", "rw,relatime", "/dev/sdb1", "/mnt/backup",
    ]);
    expect(undoOf(["sysctl", "-w", "net.ipv4.ip_forward=0"], item({ "net.ipv4.ip_forward": "1" }))).toEqual(["sysctl", "-w", "net.ipv4.ip_forward=1"]);
    expect(undoOf(["gpasswd", "-d", "alice", "deploy"])).toEqual(["gpasswd", "-a", "alice", "deploy"]);
    expect(undoOf(["groupdel", "deploy"], item({ gid: 1002, members: [] }))).toEqual(["groupadd", "--gid", "1002", "deploy"]);
    expect(undoOf(["nft", "delete", "element", "inet", "filter", "allowed", "{ 8080 }"])).toEqual(["nft", "add", "element", "inet", "filter", "allowed", "{ 8080 }"]);
    // Without the recorded value there is nothing exact to say.
    expect(undoOf(["usermod", "-s", "/bin/sh", "alice"], item({}))).toBe("no undo known");
    expect(undoOf(["hostname", "web1"], item({}))).toBe("no undo known");
    // Not exact, so words: the password does not come back.
    expect(undoOf(["userdel", "mallory"], item({ uid: 1001, gid: 100, home: "/home/mallory", shell: "/bin/sh", groups: ["wheel"] }))).toBe(
      "recreate the account (its files were kept; its password was not: set one with passwd): useradd --uid 1001 --gid 100 --home-dir /home/mallory --no-create-home --shell /bin/sh --groups wheel mallory",
    );
  });
});

describe("a plan made from the drift example", () => {
  let ws: ExampleWorkspace;
  let plan: Plan;
  beforeAll(async () => {
    ws = await prepareExample();
    const report = await runExampleCheck(ws);
    ({ plan } = await planRemediation({ root: ws.repo, driftReport: report }));
  }, 60_000);
  afterAll(async () => {
    await ws?.cleanup();
  });

  it("says for every command how to undo it, with no unknown inverse, and removes no file without a backup", () => {
    const commands = plan.actions.filter((a) => a.kind === "command");
    expect(commands.length).toBeGreaterThan(20);
    for (const a of commands) {
      expect(a.undo, JSON.stringify(a.command)).toBeDefined();
      expect(a.undo, JSON.stringify(a.command)).not.toBe("no undo known");
      expect(a.command![0]).not.toBe("rm");
    }
    const byCommand = new Map(commands.map((a) => [a.command!.join(" "), a.undo]));
    expect(byCommand.get("systemctl disable --now -- redis-imperative.service")).toEqual(["systemctl", "enable", "--now", "--", "redis-imperative.service"]);
    expect(byCommand.get("runuser -u alice -- nix-env -p /nix/var/nix/profiles/per-user/alice/profile -e htop-3.3.0")).toEqual([
      "runuser", "-u", "alice", "--", "nix-env", "-p", "/nix/var/nix/profiles/per-user/alice/profile", "--rollback",
    ]);
    expect(byCommand.get("umount -- /mnt/backup")).toEqual(["mount", "-t", "ext4", "-o", "rw,relatime", "/dev/sdb1", "/mnt/backup"]);
    const moved = commands.find((a) => a.command![0] === "mv" && a.command!.includes("/run/systemd/system/redis-imperative.service"))!;
    expect(moved.command![4]).toMatch(/^\/var\/lib\/nix-warden\/removed\/drift-service-[0-9a-f]+\/run\/systemd\/system\/redis-imperative\.service$/);
  });
});
