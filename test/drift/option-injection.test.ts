// Names on the machine are attacker-controlled: an account, group, unit, mount point or package
// whose name starts with `-` must reach the command that reverts it as an operand, never as an
// option (`systemctl disable --now.service`, `userdel --help`), and a file name must not turn the
// Nix an adopt snippet writes into more Nix (`./etc/a;touch pwned`).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nixRelativePath } from "../../src/drift/compare/common.js";
import { compareFiles } from "../../src/drift/compare/files.js";
import { comparePackages } from "../../src/drift/compare/packages.js";
import { compareServices } from "../../src/drift/compare/services.js";
import { compareUsers } from "../../src/drift/compare/users.js";
import type { DriftItemX } from "../../src/drift/model.js";
import { probeFiles } from "../../src/drift/probes/files.js";
import type { PackagesFacts } from "../../src/drift/probes/packages.js";
import { probeServices } from "../../src/drift/probes/services.js";
import type { UsersFacts } from "../../src/drift/probes/users.js";
import { hasNix } from "../helpers/nix.js";
import { CTX, declared, makeRoot } from "./helpers.js";

/** Every command (and guard) of every revert of the items. */
function commandsOf(items: DriftItemX[]): string[][] {
  return items.flatMap((i) => i.remediation.flatMap((r) => [...(r.commands ?? []), ...(r.guard ? [r.guard] : [])]));
}

/** The command's arguments after its options: everything after `--` (or none when there is none). */
function afterDashDash(cmd: string[]): string[] {
  const i = cmd.indexOf("--");
  return i < 0 ? [] : cmd.slice(i + 1);
}

describe("names that start with '-' are passed after '--'", () => {
  it("users and groups: userdel, groupdel, usermod, getent (the /etc/passwd probe already drops such names; the facts here are built by hand)", () => {
    const facts = {
      passwd: [
        { name: "root", uid: 0, gid: 0, gecos: "", home: "/root", shell: "/bin/sh", line: 1 },
        { name: "-m", uid: 1001, gid: 100, gecos: "", home: "/home/m", shell: "/bin/zsh", line: 2 },
        { name: "--help", uid: 1002, gid: 100, gecos: "", home: "/home/h", shell: "/bin/sh", line: 3 },
      ],
      group: [
        { name: "root", gid: 0, members: [], line: 1 },
        { name: "users", gid: 100, members: [], line: 2 },
        { name: "-rf", gid: 500, members: [], line: 3 },
      ],
    } as unknown as UsersFacts;
    const decl = declared({
      mutableUsers: true,
      users: {
        root: { name: "root", uid: 0, group: "root", home: "/root", shell: "/bin/sh" },
        "-m": { name: "-m", uid: 1001, group: "users", home: "/home/m", shell: "/bin/bash", isNormalUser: true },
      },
      groups: { root: { name: "root", gid: 0 }, users: { name: "users", gid: 100 } },
    });
    const commands = commandsOf(compareUsers(decl, facts, CTX));
    const with_ = (verb: string) => commands.filter((c) => c[0] === verb);
    expect(with_("userdel")).toEqual([["userdel", "--", "--help"]]);
    expect(with_("groupdel")).toEqual([["groupdel", "--", "-rf"]]);
    expect(with_("usermod")).toEqual([["usermod", "-s", "/bin/bash", "--", "-m"]]);
    expect(with_("getent").length).toBeGreaterThan(0);
    for (const c of with_("getent")) expect(afterDashDash(c)).toHaveLength(1);
    // No command names a hostile account or group before `--`. (An `sh -c SCRIPT sh ARGS` guard
    // gets names as positional parameters, which sh never reads as options; its script puts `--`
    // before "$1" itself.)
    for (const c of commands.filter((x) => x[0] === "sh")) expect(c[2]).toMatch(/-- "\$1"/);
    for (const c of commands.filter((x) => x[0] !== "sh")) {
      const before = c.indexOf("--") < 0 ? c : c.slice(0, c.indexOf("--"));
      expect(before.filter((x) => ["--help", "-rf", "-m"].includes(x)), c.join(" ")).toEqual([]);
    }
  });

  it("systemd units: systemctl stop/disable/is-active", async () => {
    const unit = "--now.service";
    const ETC = "nix/store/awri8visnqf95b9ff0zbhj09spl83xrr-etc/etc";
    const root = await makeRoot({
      files: {
        [`${ETC}/systemd/system/nginx.service`]: "[Service]\nExecStart=/bin/nginx\n",
        [`run/systemd/system/${unit}`]: "[Unit]\nDescription=x\n[Service]\nExecStart=/bin/true\n[Install]\nWantedBy=multi-user.target\n",
        "proc/2210/comm": "true\n",
        "proc/2210/cgroup": `0::/system.slice/${unit}\n`,
        "proc/1/comm": "systemd\n",
        "proc/1/cgroup": "0::/init.scope\n",
      },
      links: {
        "etc/static": `/${ETC}`,
        "etc/systemd/system": "/etc/static/systemd/system",
        "run/current-system": "/nix/store/6cp643dzvlxxpkgbg5kzmwj47sam9zs2-nixos-system-web1-24.05",
        [`run/systemd/system/multi-user.target.wants/${unit}`]: `/run/systemd/system/${unit}`,
      },
      dirs: ["run/systemd/system", "run/systemd/transient"],
    });
    const r = await probeServices({ root, live: false });
    const items = compareServices(declared({ services: { nginx: { enable: true } } }), r.facts, CTX);
    const systemctl = commandsOf(items).filter((c) => c[0] === "systemctl" && c.includes(unit));
    expect(systemctl.length).toBeGreaterThan(0);
    for (const c of systemctl) expect(afterDashDash(c), c.join(" ")).toEqual([unit]);
  });

  it("packages: nix profile remove gets '--'; nix-env, which ignores '--', gets no command for such a name", () => {
    const facts = {
      profiles: [
        {
          path: "/nix/var/nix/profiles/default",
          owner: "root",
          format: "nix-env",
          currentGeneration: 1,
          generations: [],
          seenAs: [],
          packages: [{ name: "--store=/tmp/evil", pname: "--store", version: "", storePaths: ["/nix/store/x-evil"] }],
        },
        {
          path: "/nix/var/nix/profiles/per-user/root/profile",
          owner: "root",
          format: "nix-profile",
          currentGeneration: 1,
          generations: [],
          seenAs: [],
          packages: [{ name: "-evil", pname: "-evil", version: "", storePaths: [], element: "-evil" }],
        },
      ],
    } as unknown as PackagesFacts;
    const commands = commandsOf(comparePackages(declared(), facts, CTX));
    expect(commands.filter((c) => c[0] === "nix-env")).toEqual([]);
    const profile = commands.filter((c) => c[0] === "nix");
    expect(profile).toHaveLength(1);
    expect(afterDashDash(profile[0]!)).toEqual(["-evil"]);
  });
});

describe("adopt snippets write file names as Nix strings", () => {
  const hostile = ["a;touch pwned", 'q"uote ${builtins.abort "x"}', "new\nline", "sp ace/\\back", "plain.conf", "sub/dir-1.2_x+y"];

  it("a plain relative path stays a path literal; anything else becomes ./. plus an escaped string", () => {
    expect(nixRelativePath("etc/plain.conf")).toBe("./etc/plain.conf");
    expect(nixRelativePath("etc/a;touch pwned")).toBe('(./. + "/etc/a;touch pwned")');
    expect(nixRelativePath("etc/../x")).toBe('(./. + "/etc/../x")');
  });

  it.skipIf(!hasNix)("every snippet parses with nix-instantiate and evaluates to exactly the file's path", () => {
    const dir = mkdtempSync(join(tmpdir(), "nw-adopt-"));
    try {
      for (const name of hostile) {
        const expr = `toString ${nixRelativePath(`etc/${name}`)}`;
        execFileSync("nix-instantiate", ["--parse", "--expr", `{ lib, ... }: { x = lib.mkForce ${nixRelativePath(`etc/${name}`)}; }`], { cwd: dir, stdio: "pipe", timeout: 30_000 });
        const out = execFileSync("nix-instantiate", ["--eval", "--json", "--expr", expr], { cwd: dir, stdio: "pipe", timeout: 30_000 }).toString();
        expect(JSON.parse(out)).toBe(`${dir}/etc/${name}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!hasNix)("compareFiles: an unmanaged /etc file named 'a;touch pwned' is adopted as a string, and the snippet parses", async () => {
    const ETC = "/nix/store/awri8visnqf95b9ff0zbhj09spl83xrr-etc/etc";
    const root = await makeRoot({
      files: { [`${ETC}/hosts`.slice(1)]: "127.0.0.1 localhost\n", "etc/NIXOS": "", "etc/a;touch pwned": "x=1\n" },
      links: { "etc/static": ETC, "etc/hosts": "/etc/static/hosts" },
    });
    const decl = declared({ etc: { hosts: { target: "hosts" } } });
    const r = await probeFiles({ root, live: false, declared: decl });
    const item = compareFiles(decl, r.facts, CTX).find((i) => i.subject === "/etc/a;touch pwned");
    const nix = item?.remediation.find((x) => x.strategy === "adopt")?.nix;
    expect(nix).toBe('environment.etc."a;touch pwned".source = (./. + "/etc/a;touch pwned");');
    execFileSync("nix-instantiate", ["--parse", "--expr", `{ ${nix} }`], { stdio: "pipe", timeout: 30_000 });
  });
});
