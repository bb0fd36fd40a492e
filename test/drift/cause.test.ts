// How and when: causes from the journal (a real journal file read by the real journalctl) and from
// shell histories.
import { execFileSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { attachCauses, parseSudoMessage } from "../../src/drift/cause.js";
import { item } from "../../src/drift/compare/common.js";
import { probeHistory } from "../../src/drift/probes/history.js";
import { fixture, makeRoot } from "./helpers.js";

function hasJournalctl(): boolean {
  try {
    execFileSync("journalctl", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const mk = (category: Parameters<typeof item>[0]["category"], subject: string, declared: unknown = null, actual: unknown = {}) =>
  item({ category, subject, severity: "high", declared, actual, evidence: "", remediation: [] });

describe("sudo's log line", () => {
  it("reads the recorded format, with and without a TTY", () => {
    const recorded = readFileSync(fixture("recorded", "shadow", "sudo-syslog.txt"), "utf8").split("\n")[0]!;
    const message = recorded.slice(recorded.indexOf("sudo: ") + "sudo: ".length);
    expect(parseSudoMessage(message)).toEqual({ user: "alicetest", runAs: "root", command: "/bin/true systemctl start redis-imperative.service" });
    expect(parseSudoMessage("   alice : TTY=pts/1 ; PWD=/home/alice ; USER=root ; COMMAND=/run/current-system/sw/bin/sysctl -w a=1")).toEqual({ user: "alice", runAs: "root", command: "/run/current-system/sw/bin/sysctl -w a=1" });
    expect(parseSudoMessage("pam_unix(sudo:session): session opened for user root")).toBeUndefined();
  });
});

describe.skipIf(!hasJournalctl())("causes from a journal carried by a root directory", () => {
  it("finds who added a user, a group membership, a mask and a sysctl, and when", async () => {
    const root = await makeRoot({ dirs: ["root", "home"] });
    const dir = join(root, "var/log/journal/0f1e2d3c4b5a69788796a5b4c3d2e1f0");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "system.journal"), gunzipSync(readFileSync(fixture("recorded", "journal", "system.journal.gz"))));
    const h = await probeHistory({ root, live: false });
    expect(h.errors).toEqual([]);
    expect(h.facts.journal.map((e) => e.identifier)).toEqual(["nixos", "useradd", "usermod", "usermod", "groupadd", "groupadd", "sudo", "sudo"]);

    const items = attachCauses(
      [
        mk("user", "mallory"),
        mk("group", "mallory in wheel"),
        mk("group", "deploy"),
        mk("service", "logrotate.service"),
        mk("network", "sysctl net.ipv4.ip_forward"),
        mk("generation", "current-system"),
        mk("package", "htop-3.3.0"),
      ],
      h.facts,
    );
    const cause = (s: string) => items.find((i) => i.subject === s)?.cause;
    expect(cause("mallory")).toEqual({ description: expect.stringMatching(/^useradd: new user: name=mallory,/), when: "2026-11-12T22:41:00.000Z", source: "journal (useradd)" });
    expect(cause("mallory in wheel")).toMatchObject({ description: "usermod: add 'mallory' to group 'wheel'", when: "2026-11-12T22:41:30.000Z" });
    expect(cause("deploy")).toMatchObject({ description: "groupadd: new group: name=deploy, GID=1002" });
    expect(cause("logrotate.service")).toEqual({ description: "alice ran `sudo /run/current-system/sw/bin/systemctl mask --runtime logrotate.service`", when: "2026-11-13T11:25:40.000Z", source: "journal (sudo)" });
    expect(cause("sysctl net.ipv4.ip_forward")?.description).toMatch(/^alice ran `sudo .*sysctl -w net.ipv4.ip_forward=1`$/);
    expect(cause("current-system")?.description).toMatch(/switching to system configuration/);
    expect(cause("htop-3.3.0")).toBeUndefined();
  });
});

describe("causes from shell histories", () => {
  it("prefer the command that created the thing, keep an earlier time source when the history has none", async () => {
    const root = await makeRoot({
      files: {
        "root/.bash_history": "#1794523260\nuseradd -m mallory\n#1794523290\nusermod -aG wheel mallory\nvim /etc/hosts\n",
        "home/alice/.zsh_history": ": 1792430000:0;nix-env -iA nixpkgs.htop\n: 1792430100:0;nix-env -e htop\n",
        "home/bob/.local/share/fish/fish_history": "- cmd: nix profile install nixpkgs#cowsay\n  when: 1792430200\n",
      },
    });
    const h = await probeHistory({ root, live: false });
    expect(h.notes?.join()).toMatch(/no journal/);
    const pkg = mk("package", "htop-3.3.0");
    pkg.cause = { description: "installed into P by generation 2", when: "2026-10-20T18:31:00.000Z", source: "profile generation" };
    const hostsItem = mk("file", "/etc/hosts");
    hostsItem.cause = { description: "replaced by a plain file", when: "2026-11-14T16:02:11.000Z", source: "file mtime" };
    const items = attachCauses([mk("user", "mallory"), pkg, mk("package", "cowsay-3.7.0", null, { attrPath: "legacyPackages.x86_64-linux.cowsay" }), hostsItem, mk("user", "nobody-here")], h.facts);
    expect(items[0]?.cause).toMatchObject({ description: "root ran `useradd -m mallory` (/root/.bash_history, line 2)", when: "2026-11-12T22:41:00.000Z" });
    expect(items[1]?.cause).toMatchObject({ description: expect.stringMatching(/^alice ran `nix-env -iA nixpkgs.htop`.*; installed into P by generation 2$/), when: "2026-10-19T17:13:20.000Z" });
    expect(items[2]?.cause?.description).toMatch(/^bob ran `nix profile install nixpkgs#cowsay`/);
    expect(items[3]?.cause).toMatchObject({ description: expect.stringMatching(/^root ran `vim \/etc\/hosts`/), when: "2026-11-14T16:02:11.000Z", source: "shell history; time from file mtime" });
    expect(items[4]?.cause).toBeUndefined();
  });
});
