// Users and groups from /etc/passwd and /etc/group in a root directory against users.users and
// users.groups.
import { describe, expect, it } from "vitest";
import { compareUsers } from "../../src/drift/compare/users.js";
import { probeUsers } from "../../src/drift/probes/users.js";
import { CTX, declared, makeRoot, revertUndos } from "./helpers.js";

const DECLARED = declared({
  mutableUsers: true,
  users: {
    root: { name: "root", uid: 0, group: "root", home: "/root", shell: "/run/current-system/sw/bin/bash" },
    alice: { name: "alice", uid: 1000, group: "users", extraGroups: ["wheel"], isNormalUser: true, home: "/home/alice", shell: "/run/current-system/sw/bin/bash" },
    nginx: { name: "nginx", uid: 60, group: "nginx", isSystemUser: true, home: "/var/empty", shell: "/run/current-system/sw/bin/nologin" },
    disabled: { name: "disabled", enable: false },
  },
  groups: {
    root: { name: "root", gid: 0 },
    wheel: { name: "wheel", gid: 1, members: ["alice"] },
    users: { name: "users", gid: 100 },
    nginx: { name: "nginx", gid: 60 },
  },
});

const PASSWD = [
  "root:x:0:0:System administrator:/root:/run/current-system/sw/bin/bash",
  "alice:x:1000:100:Alice:/home/alice:/run/current-system/sw/bin/bash",
  "nginx:x:60:60::/var/empty:/run/current-system/sw/bin/nologin",
];
const GROUP = ["root:x:0:", "wheel:x:1:alice", "users:x:100:", "nginx:x:60:"];

async function facts(passwd: string[], group: string[]) {
  const root = await makeRoot({ files: { "etc/passwd": passwd.join("\n") + "\n", "etc/group": group.join("\n") + "\n" } });
  const r = await probeUsers({ root, live: false });
  expect(r.errors).toEqual([]);
  return r.facts;
}

describe("users and groups", () => {
  it("report nothing when /etc/passwd and /etc/group hold exactly what is declared", async () => {
    expect(compareUsers(DECLARED, await facts(PASSWD, GROUP), CTX)).toEqual([]);
  });

  it("report an account added by hand, critical when it is in wheel, with the Nix to adopt it", async () => {
    const items = compareUsers(DECLARED, await facts([...PASSWD, "mallory:x:1001:100::/home/mallory:/run/current-system/sw/bin/bash"], ["root:x:0:", "wheel:x:1:alice,mallory", "users:x:100:", "nginx:x:60:"]), CTX);
    const user = items.find((i) => i.category === "user" && i.subject === "mallory");
    expect(user?.severity).toBe("critical");
    expect(user?.evidence).toMatch(/member of wheel/);
    const adopt = user?.remediation.find((r) => r.strategy === "adopt");
    expect(adopt?.optionPath).toBe("users.users.mallory");
    expect(adopt?.nix).toContain('extraGroups = [ "wheel" ];');
    expect(adopt?.nix).toContain("isNormalUser = true;");
    const membership = items.find((i) => i.category === "group" && i.subject === "mallory in wheel");
    expect(membership).toMatchObject({ severity: "critical" });
    expect(membership?.remediation.find((r) => r.strategy === "revert")).toMatchObject({ safety: "manual", commands: [["gpasswd", "-d", "mallory", "wheel"]] });
  });

  it("weighs an added account by what it can do", async () => {
    const system = compareUsers(DECLARED, await facts([...PASSWD, "svc:x:990:990::/var/empty:/run/current-system/sw/bin/nologin"], [...GROUP, "svc:x:990:"]), CTX);
    expect(system.find((i) => i.subject === "svc" && i.category === "user")?.severity).toBe("medium");
    const login = compareUsers(DECLARED, await facts([...PASSWD, "bob:x:1002:100::/home/bob:/bin/sh"], GROUP), CTX);
    expect(login.find((i) => i.subject === "bob")?.severity).toBe("high");
    const uid0 = compareUsers(DECLARED, await facts([...PASSWD, "toor:x:0:0::/root:/bin/sh"], GROUP), CTX);
    expect(uid0.find((i) => i.subject === "toor")).toMatchObject({ severity: "critical", evidence: expect.stringMatching(/second root account/) });
  });

  it("report extra groups and memberships, and changed uid, shell, home and primary group", async () => {
    const passwd = [
      "root:x:0:0:System administrator:/root:/run/current-system/sw/bin/bash",
      "alice:x:1005:1:Alice:/srv/alice:/run/current-system/sw/bin/zsh",
      "nginx:x:60:60::/var/empty:/bin/sh",
    ];
    const group = ["root:x:0:", "wheel:x:1:alice", "users:x:100:", "nginx:x:61:", "docker:x:131:alice", "deploy:x:1002:alice"];
    const items = compareUsers(DECLARED, await facts(passwd, group), CTX);
    const by = (category: string, subject: string, key?: string) => items.filter((i) => i.category === category && i.subject === subject && (!key || JSON.stringify(i.actual).includes(key)));
    expect(by("user", "alice", "uid")[0]).toMatchObject({ severity: "high", declared: { uid: 1000 }, actual: { uid: 1005 } });
    expect(by("user", "alice", "shell")[0]).toMatchObject({ severity: "medium" });
    expect(by("user", "alice", "home")[0]).toMatchObject({ severity: "low" });
    expect(by("user", "alice", "group")[0]).toMatchObject({ severity: "critical", actual: { group: "wheel" } });
    expect(by("user", "nginx", "shell")[0]).toMatchObject({ severity: "high", evidence: expect.stringMatching(/no-login account can now log in/) });
    expect(by("group", "nginx")[0]).toMatchObject({ severity: "medium", declared: { gid: 60 }, actual: { gid: 61 } });
    expect(by("group", "docker")[0]?.severity).toBe("medium");
    expect(by("group", "alice in docker")[0]?.severity).toBe("high");
    expect(by("group", "alice in deploy")[0]?.severity).toBe("medium");
    expect(by("group", "alice in deploy")[0]?.remediation.find((r) => r.strategy === "adopt")?.nix).toBe('users.users.alice.extraGroups = [ "wheel" "deploy" ];');
    // Each revert says how to put the recorded value back.
    expect(revertUndos(by("user", "alice", "shell")[0])).toEqual([["usermod", "-s", "/run/current-system/sw/bin/zsh", "alice"]]);
    expect(revertUndos(by("user", "alice", "home")[0])).toEqual([["usermod", "-d", "/srv/alice", "alice"]]);
    expect(revertUndos(by("user", "alice", "group")[0])).toEqual([["usermod", "-g", "wheel", "alice"]]);
    expect(revertUndos(by("user", "alice", "uid")[0])).toEqual(["usermod -u 1005 alice, then re-own the files chowned to the new id"]);
    expect(revertUndos(by("group", "nginx")[0])).toEqual(["groupmod -g 61 nginx, then re-own the files chowned to the new id"]);
  });

  it("report declared accounts, groups and memberships that are missing", async () => {
    const items = compareUsers(DECLARED, await facts(PASSWD.slice(0, 2), ["root:x:0:", "wheel:x:1:", "users:x:100:"]), CTX);
    expect(items.map((i) => `${i.category}:${i.subject}:${i.severity}`).sort()).toEqual(["group:alice in wheel:low", "group:nginx:low", "user:nginx:medium"]);
  });

  it("say that an immutable user database is reset by the next switch, and revert by rebuilding", async () => {
    const immutable = declared({ ...DECLARED, mutableUsers: false });
    const items = compareUsers(immutable, await facts([...PASSWD, "bob:x:1002:100::/home/bob:/bin/sh"], GROUP), CTX);
    const bob = items.find((i) => i.subject === "bob")!;
    expect(bob.evidence).toMatch(/mutableUsers = false/);
    expect(bob.remediation.find((r) => r.strategy === "revert")?.commands).toEqual([["nixos-rebuild", "switch", "--flake", "/etc/nixos#web1"]]);
  });

  it("turn a missing /etc/passwd into an error entry, not a crash", async () => {
    const root = await makeRoot({ files: { "etc/group": "root:x:0:\n" } });
    const r = await probeUsers({ root, live: false });
    expect(r.errors[0]?.message).toMatch(/\/etc\/passwd does not exist/);
    expect(compareUsers(DECLARED, r.facts, CTX)).toEqual([]);
  });
});
