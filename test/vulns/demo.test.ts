// `nix-warden demo vulns` (part of npm run demo): offline, on the bundled example flake, against the
// recorded sample, which every line of the report marks as such.
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

describe("demo vulns", () => {
  it("reports vim on web1 from the recorded sample and none of the look-alikes", async () => {
    const r = await runCli(["demo", "vulns"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/a RECORDED SAMPLE, not live data.*\(\d+ days? old\)/);
    expect(r.stdout).toMatch(/\[HIGH\] vim 9\.1\.0377: 2 known vulnerabilities \(CVE-2024-43802, CVE-2024-41957\)/);
    expect(r.stdout).toMatch(/CVE-2023-99003 is filed for vim_cms_vendor:vim/);
    for (const id of ["CVE-2024-32002", "CVE-2014-6271", "CVE-2024-99002"]) expect(r.stdout).not.toContain(id);
  });
});
