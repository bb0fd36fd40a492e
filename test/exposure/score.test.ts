// The built-in scorer's pieces: systemd's INI reading rules, word splitting, verdict thresholds, and
// the per-setting semantics that are easy to get wrong (each also covered against the real tool by
// the acceptance test).
import { describe, expect, test } from "vitest";
import { assessUnitText, verdictFor } from "../../src/exposure/score.js";
import { extractFirstWord, parseAddressPrefix, parseBoolean, parseUnitFile, safeAtoi, splitWords } from "../../src/exposure/syntax.js";

const svc = (body: string): string => `[Service]\nExecStart=/bin/true\n${body}\n`;
const check = (text: string, id: string) => {
  const r = assessUnitText("t.service", text);
  if (!r.ok) throw new Error(r.error);
  return r.checks.find((c) => c.id === id)!;
};

describe("unit file reading", () => {
  test("comments, continuation lines, sections and stray lines", () => {
    const p = parseUnitFile("# c\n[Service]\n; c\nA=1 \\\n# skipped inside a continuation\n 2\nB = x  \n[X-Ext]\nC=3\nno-equals\n");
    expect(p.assignments.map((a) => [a.section, a.key, a.value])).toEqual([
      ["Service", "A", "1   2"],
      ["Service", "B", "x"],
    ]);
    expect(parseUnitFile("[Service\nA=1\n").fatal).toMatch(/invalid section header/);
  });

  test("extract_first_word with and without unquoting", () => {
    expect(splitWords(`a "b c" d\\ e`, 1)).toEqual({ words: ["a", "b c", "d e"], error: false });
    expect(splitWords(`a "b c"`, 0)).toEqual({ words: ["a", '"b', 'c"'], error: false });
    expect(splitWords(`a 'b`, 1)).toEqual({ words: ["a"], error: true });
    expect(extractFirstWord("id:data:more", ":", 2)).toEqual({ word: "id", rest: "data:more" });
  });

  test("numbers and booleans the way systemd parses them", () => {
    expect(parseBoolean("On")).toBe(true);
    expect(parseBoolean("")).toBeNull();
    expect(safeAtoi("0x15")).toBe(21);
    expect(safeAtoi("010")).toBe(8);
    expect(safeAtoi("0b11")).toBe(3);
    expect(safeAtoi("1e3")).toBeNull();
    expect(parseAddressPrefix("127.0.0.1/0")).toEqual({ family: 4, bytes: [0, 0, 0, 0], prefixlen: 0 });
    expect(parseAddressPrefix("192.168.1.01")).toBeNull();
    expect(parseAddressPrefix("::ffff:127.0.0.1")?.family).toBe(6);
  });
});

describe("assessment semantics", () => {
  test("verdict thresholds", () => {
    expect([0, 1, 9, 10, 49, 50, 74, 75, 89, 90, 99, 100].map(verdictFor)).toEqual([
      "PERFECT", "SAFE", "SAFE", "OK", "OK", "MEDIUM", "MEDIUM", "EXPOSED", "EXPOSED", "UNSAFE", "UNSAFE", "DANGEROUS",
    ]);
  });

  test("User: nobody, numeric root, DynamicUser in a unit named root", () => {
    expect(check(svc("User=nobody"), "User=/DynamicUser=").badness).toBe(9);
    expect(check(svc("User=0"), "User=/DynamicUser=").badness).toBe(10);
    expect(check(svc("User=65534"), "User=/DynamicUser=").badness).toBe(0);
    const r = assessUnitText("root.service", svc("DynamicUser=yes"));
    expect(r.ok && r.checks.find((c) => c.id === "User=/DynamicUser=")?.badness).toBe(10);
    expect(assessUnitText("t.service", svc("User=00"))).toMatchObject({ ok: false });
  });

  test("capability sets: the first ~ assignment replaces, later ones merge", () => {
    expect(check(svc("CapabilityBoundingSet=~CAP_SYS_ADMIN\nCapabilityBoundingSet=CAP_SYS_ADMIN"), "CapabilityBoundingSet=~CAP_SYS_ADMIN").badness).toBe(1);
    expect(check(svc("CapabilityBoundingSet=CAP_KILL\nCapabilityBoundingSet=~CAP_KILL"), "CapabilityBoundingSet=~CAP_KILL").badness).toBe(0);
    expect(check(svc("CapabilityBoundingSet=~"), "CapabilityBoundingSet=~CAP_KILL").badness).toBe(1);
    expect(check(svc("PrivateDevices=yes"), "CapabilityBoundingSet=~CAP_MKNOD").badness).toBe(0);
  });

  test("system call filters: allow lists include @default, errno entries deny", () => {
    const d = check(svc("SystemCallFilter=@system-service"), "SystemCallFilter=~@privileged");
    expect(d).toMatchObject({ badness: 9, description: "System call allow list defined for service, and @privileged is included (e.g. chown is allowed)" });
    expect(check(svc("SystemCallFilter=@system-service\nSystemCallFilter=~@privileged:EPERM"), "SystemCallFilter=~@privileged").badness).toBe(0);
    expect(check(svc("SystemCallFilter=~@mount"), "SystemCallFilter=~@mount").badness).toBe(0);
    expect(check(svc("SystemCallFilter=~@mount\nSystemCallFilter="), "SystemCallFilter=~@mount").badness).toBe(10);
  });

  test("IP allow/deny: masked prefixes, keywords", () => {
    expect(check(svc("IPAddressDeny=any\nIPAddressAllow=localhost"), "IPAddressDeny=").badness).toBe(2);
    expect(check(svc("IPAddressDeny=any\nIPAddressAllow=127.0.0.1/0"), "IPAddressDeny=").badness).toBe(5);
    expect(check(svc("IPAddressDeny=0.0.0.0/0"), "IPAddressDeny=").badness).toBe(10);
  });

  test("DefaultDependencies=no makes the file-system checks not applicable", () => {
    const text = `[Unit]\nDefaultDependencies=no\n${svc("")}`;
    for (const id of ["PrivateTmp=", "ProtectHome=", "ProtectSystem=", "RootDirectory=/RootImage="])
      expect(check(text, id)).toMatchObject({ badness: null, passed: null, description: "Service runs in special boot phase, option is not appropriate" });
  });
});
