// The generated tables must describe the systemd on this machine: a different systemd build (other
// syscall groups or capabilities) would silently change scores, so this test says when to rerun
// scripts/gen-exposure-tables.ts.
import { execFileSync } from "node:child_process";
import { describe, expect, test } from "vitest";
import { CAPABILITIES, SYSCALL_GROUPS, SYSTEMD_VERSION } from "../../src/exposure/tables.js";
import { systemdAnalyzeAvailable } from "../helpers/systemd.js";

const sa = (...args: string[]): string => execFileSync("systemd-analyze", args, { encoding: "utf8", timeout: 30_000 });

describe.skipIf(!systemdAnalyzeAvailable)("generated tables match the installed systemd", () => {
  test("system call groups", () => {
    const live = sa("syscall-filter", "--no-pager");
    let members = 0;
    for (const [name, g] of Object.entries(SYSCALL_GROUPS)) {
      const start = live.indexOf(`\n${name}\n`) >= 0 ? live.indexOf(`\n${name}\n`) + 1 : live.startsWith(`${name}\n`) ? 0 : -1;
      expect(start, `${name} missing from systemd-analyze syscall-filter (rerun scripts/gen-exposure-tables.ts; tables are from ${SYSTEMD_VERSION})`).toBeGreaterThanOrEqual(0);
      const block = live.slice(start).split("\n\n")[0]!.split("\n").slice(2).map((l) => l.trim()).filter(Boolean);
      expect(block, name).toEqual([...g.members]);
      members += block.length;
    }
    expect(members).toBeGreaterThan(1000);
  });

  test("capability names and numbers", () => {
    const live = sa("capability", "--no-pager");
    let compared = 0;
    for (const line of live.split("\n").slice(1)) {
      const m = /^(cap_\w+)\s+(\d+)/.exec(line.trim());
      if (!m) continue;
      expect(CAPABILITIES[m[1]!.toUpperCase()], m[1]).toBe(Number(m[2]));
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(41);
  });
});
