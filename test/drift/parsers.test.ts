// The format readers against real output: Nix's own printouts and parseDrvName, the kernel's
// /proc tables, systemd's `systemctl show`, unit files, shell histories and journal JSON.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseDrvName, storePathName } from "../../src/drift/parse/drv-name.js";
import { NixValueError, parseNixValue } from "../../src/drift/parse/nix-value.js";
import { parseProcNet, TCP_LISTEN, UDP_UNCONNECTED } from "../../src/drift/parse/proc-net.js";
import { parseExecProperty, showUnits } from "../../src/drift/parse/systemctl.js";
import { execWords, mergeUnitFiles, parseUnitFile } from "../../src/drift/parse/unit-file.js";
import { parseMountinfo, parseProcMounts, parseSwaps, unescapeMountField } from "../../src/drift/probes/mounts.js";
import { parseBashHistory, parseFishHistory, parseJournalJson, parseZshHistory } from "../../src/drift/probes/history.js";
import { parseGroup, parsePasswd } from "../../src/drift/probes/users.js";
import { parseNixosVersionScript } from "../../src/drift/probes/generations.js";
import { unifiedCgroup, unitOfCgroup } from "../../src/drift/probes/proc.js";
import { parseResolvConf } from "../../src/drift/probes/network.js";
import { nixAvailable } from "../helpers/nix.js";
import { readFixture } from "./helpers.js";

describe.skipIf(!nixAvailable)("parseNixValue reads what Nix prints", () => {
  it("round-trips values printed by nix-instantiate --eval --strict, escapes included", () => {
    const expr = `{ a = "quote \\" backslash \\\\ dollar \\\${x} newline\\n tab\\t"; b = [ 1 (-2) 3.5 true false null ]; "c-d" = { "e f" = "g"; }; h = [ ]; i = { }; }`;
    const printed = execFileSync("nix-instantiate", ["--eval", "--strict", "-E", expr], { encoding: "utf8" });
    const viaJson = JSON.parse(execFileSync("nix-instantiate", ["--eval", "--strict", "--json", "-E", expr], { encoding: "utf8" }));
    expect(parseNixValue(printed)).toEqual(viaJson);
  });

  it("turns functions and repeated values into null instead of failing", () => {
    const printed = execFileSync("nix-instantiate", ["--eval", "--strict", "-E", `let x = { y = 1; }; in { f = a: a; g = [ x x ]; p = builtins.add; }`], { encoding: "utf8" });
    const v = parseNixValue(printed) as Record<string, unknown>;
    expect(v.f).toBeNull();
    expect(v.p).toBeNull();
    expect(Array.isArray(v.g)).toBe(true);
  });
});

describe("parseNixValue", () => {
  it("reports where malformed input breaks", () => {
    expect(() => parseNixValue("[ { name = \"x\"; ")).toThrow(NixValueError);
    expect(() => parseNixValue("{ a = 1 }")).toThrow(/expected ';'/);
  });
  it("keeps __proto__ an ordinary key", () => {
    const v = parseNixValue('{ "__proto__" = "x"; }') as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

describe.skipIf(!nixAvailable)("parseDrvName agrees with builtins.parseDrvName", () => {
  const names = ["hello-2.12", "python3.11-requests-2.31.0", "nix-2.8.0pre", "firefox-unwrapped-125.0.2", "htop", "ncdu-2.4", "gcc-wrapper-13.2.0", "a-b-c", "font-awesome-6.5.1", "x-1-y"];
  it("for a list of real package names", () => {
    const expr = `map builtins.parseDrvName [ ${names.map((n) => JSON.stringify(n)).join(" ")} ]`;
    const nix = JSON.parse(execFileSync("nix-instantiate", ["--eval", "--strict", "--json", "-E", expr], { encoding: "utf8" })) as { name: string; version: string }[];
    expect(names.map(parseDrvName)).toEqual(nix.map((n) => ({ pname: n.name, version: n.version })));
  });
});

describe("storePathName", () => {
  it("strips the hash", () => {
    expect(storePathName("/nix/store/ix90kbcgf1hzrq37066lyrq6ihysgkjc-hello-2.12")).toBe("hello-2.12");
    expect(storePathName("hello-2.12")).toBe("hello-2.12");
  });
});

describe("parseProcNet on recorded /proc/net tables", () => {
  const tcp = parseProcNet(readFixture("recorded", "proc", "tcp"), "tcp", 4);
  const tcp6 = parseProcNet(readFixture("recorded", "proc", "tcp6"), "tcp", 6);
  const udp = parseProcNet(readFixture("recorded", "proc", "udp"), "udp", 4);
  it("finds the same listeners ss -tulnpH showed", () => {
    const listen = [...tcp, ...tcp6].filter((s) => s.state === TCP_LISTEN).map((s) => `${s.family === 6 ? `[${s.address}]` : s.address}:${s.port}`);
    const ss = readFixture("recorded", "proc", "ss-tulnpH.txt")
      .split("\n")
      .filter((l) => l.startsWith("tcp"))
      .map((l) => l.split(/\s+/)[4]);
    expect(listen.sort()).toEqual(ss.sort());
  });
  it("decodes addresses, ports, states and inodes", () => {
    expect(tcp.find((s) => s.port === 6379)).toMatchObject({ address: "0.0.0.0", state: TCP_LISTEN });
    expect(tcp.find((s) => s.port === 5432 && s.state === TCP_LISTEN)?.address).toBe("127.0.0.1");
    expect(tcp6.map((s) => s.address).sort()).toEqual(["::", "::1"]);
    expect(udp).toEqual([expect.objectContaining({ port: 5353, address: "0.0.0.0", state: UDP_UNCONNECTED })]);
    expect(tcp.every((s) => Number.isInteger(s.inode))).toBe(true);
  });
});

describe("systemctl show (recorded from systemd 252)", () => {
  const units = showUnits(readFixture("recorded", "systemctl", "show-all.txt"));
  it("reads one record per unit with states, paths and loaded ExecStart", () => {
    const web = units.find((u) => u.id === "web.service");
    expect(web).toMatchObject({ activeState: "active", subState: "running", unitFileState: "enabled", needDaemonReload: false, transient: false });
    expect(web?.dropInPaths).toHaveLength(2);
    expect(web?.execStart).toEqual([["/usr/bin/python3", "-m", "http.server", "8081", "--bind", "0.0.0.0"]]);
    expect(units.find((u) => u.id === "broken.service")).toMatchObject({ activeState: "failed" });
    expect(units.find((u) => u.id === "adhoc-listener.service")).toMatchObject({ transient: true, unitFileState: "transient" });
    expect(units.filter((u) => u.id.endsWith(".socket")).length).toBeGreaterThan(2);
  });
  it("reads the full property dump too", () => {
    const [web] = showUnits(readFixture("recorded", "systemctl", "show-web-full.txt"));
    expect(web?.id).toBe("web.service");
    expect(web?.execStart[0]?.slice(-2)).toEqual(["--bind", "0.0.0.0"]);
  });
  it("parses several commands in one property", () => {
    expect(parseExecProperty("{ path=/a ; argv[]=/a x ; ignore_errors=no ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 } { path=/b ; argv[]=/b ; ignore_errors=yes ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }")).toEqual([["/a", "x"], ["/b"]]);
  });
});

describe("unit files", () => {
  it("merge drop-ins the way systemd does (empty assignment resets)", () => {
    const merged = mergeUnitFiles(["[Service]\nExecStart=/bin/a\nUser=x\n", readFixture("recorded", "systemctl", "runtime-override.conf")]);
    expect(merged.sections.Service?.ExecStart).toEqual(["/usr/bin/python3 -m http.server 8081 --bind 0.0.0.0"]);
    expect(merged.sections.Service?.User).toEqual(["x"]);
  });
  it("read the transient and set-property files systemd wrote", () => {
    const t = parseUnitFile(readFixture("recorded", "systemctl", "transient-adhoc-listener.service"));
    expect(execWords(t.sections.Service?.ExecStart?.[0] ?? "")).toEqual(["/usr/bin/python3", "-m", "http.server", "8082", "--bind", "0.0.0.0"]);
    expect(parseUnitFile(readFixture("recorded", "systemctl", "set-property-50-CPUQuota.conf")).sections.Service?.CPUQuota).toEqual(["50%"]);
  });
  it("split Exec lines with prefixes, quotes and continuations", () => {
    expect(execWords('@/bin/sh sh -c "echo a b"')).toEqual(["/bin/sh", "-c", "echo a b"]);
    expect(execWords("-/bin/x 'a b' c\\ d")).toEqual(["/bin/x", "a b", "c d"]);
    expect(parseUnitFile("[Service]\nExecStart=/bin/a \\\n  --flag\n").sections.Service?.ExecStart?.[0]).toMatch(/^\/bin\/a\s+--flag$/);
  });
});

describe("mount tables", () => {
  it("read this machine's real /proc/self/mountinfo and /proc/mounts the same way", () => {
    const info = parseMountinfo(readFileSync("/proc/self/mountinfo", "utf8"));
    const mounts = parseProcMounts(readFileSync("/proc/mounts", "utf8"));
    expect(info.length).toBeGreaterThan(0);
    expect(info.map((m) => m.mountPoint).sort()).toEqual(mounts.map((m) => m.mountPoint).sort());
    expect(info.find((m) => m.mountPoint === "/proc")?.fsType).toBe("proc");
  });
  it("unescape octal escapes and read /proc/swaps", () => {
    expect(unescapeMountField("/mnt/my\\040disk")).toBe("/mnt/my disk");
    expect(parseMountinfo("36 35 98:0 / /mnt/a\\040b rw,noatime master:1 - ext4 /dev/sdb1 rw,errors=continue\n")[0]).toEqual({ mountPoint: "/mnt/a b", source: "/dev/sdb1", fsType: "ext4", options: ["rw", "noatime", "errors=continue"] });
    expect(parseSwaps(readFileSync("/proc/swaps", "utf8"))).toEqual(expect.any(Array));
    expect(parseSwaps("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n/var/swapfile                           file\t\t2097148\t\t0\t\t-2\n")).toEqual([{ filename: "/var/swapfile", type: "file", sizeKiB: 2097148 }]);
  });
});

describe("passwd, group, resolv.conf, cgroups, nixos-version", () => {
  it("read this machine's real /etc/passwd and /etc/group", () => {
    const p = parsePasswd(readFileSync("/etc/passwd", "utf8"));
    expect(p.find((e) => e.name === "root")).toMatchObject({ uid: 0, gid: 0 });
    expect(parseGroup(readFileSync("/etc/group", "utf8")).find((g) => g.name === "root")?.gid).toBe(0);
  });
  it("keep group members and skip malformed lines", () => {
    expect(parseGroup("wheel:x:1:alice,bob\nbroken\nusers:x:100:\n")).toEqual([
      { name: "wheel", gid: 1, members: ["alice", "bob"], line: 1 },
      { name: "users", gid: 100, members: [], line: 3 },
    ]);
  });
  it("read nameservers, cgroup units and the nixos-version JSON", () => {
    expect(parseResolvConf("# c\nnameserver 1.1.1.1\nnameserver fe80::1%eth0\noptions edns0\n")).toEqual(["1.1.1.1", "fe80::1"]);
    const cg = readFixture("recorded", "systemctl", "web-cgroup.txt");
    expect(unitOfCgroup(unifiedCgroup(cg))).toBe("web.service");
    expect(unitOfCgroup("/system.slice/redis.service")).toBe("redis.service");
    expect(unitOfCgroup("/user.slice/user-1000.slice/session-3.scope")).toBe("session-3.scope");
    const script = readFileSync(new URL("../../examples/drift/system/root/nix/store/4lmnzx45iy43kwjqn1xna7z3dj8grrz5-system-path/bin/nixos-version", import.meta.url), "utf8");
    expect(parseNixosVersionScript(script)).toEqual({ configurationRevision: "aa3c1fb1ea16132ebc3e436930660929a946cd6b-dirty", nixosVersion: "24.05.20240520.1f2e3d4" });
  });
});

describe("shell histories and the journal", () => {
  it("bash with and without HISTTIMEFORMAT stamps", () => {
    const h = parseBashHistory("ls\n#1794523260\nuseradd mallory\n", "root", "/root/.bash_history");
    expect(h).toEqual([
      { user: "root", file: "/root/.bash_history", line: 1, command: "ls", time: undefined },
      { user: "root", file: "/root/.bash_history", line: 3, command: "useradd mallory", time: "2026-11-12T22:41:00.000Z" },
    ]);
  });
  it("zsh extended history with continued lines, and fish", () => {
    const z = parseZshHistory(": 1794523260:0;echo a \\\nb\nplain\n", "alice", "f");
    expect(z[0]).toMatchObject({ command: "echo a \nb", time: "2026-11-12T22:41:00.000Z", line: 1 });
    expect(z[1]?.command).toBe("plain");
    expect(z[1]?.time).toBeUndefined();
    expect(parseFishHistory("- cmd: nix-env -iA nixpkgs.htop\n  when: 1794523260\n", "alice", "f")).toEqual([{ user: "alice", file: "f", line: 1, command: "nix-env -iA nixpkgs.htop", time: "2026-11-12T22:41:00.000Z" }]);
  });
  it("journalctl -o json (recorded)", () => {
    const j = parseJournalJson(readFixture("recorded", "journal", "journalctl-o-json.txt"));
    expect(j).toHaveLength(8);
    expect(j.find((e) => e.identifier === "useradd")).toMatchObject({ message: expect.stringMatching(/^new user: name=mallory,/), time: "2026-11-12T22:41:00.000Z", pid: 4121 });
  });
});
