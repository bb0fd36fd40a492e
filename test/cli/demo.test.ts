// `nix-warden demo scan` (part of `npm run demo`): the example scans, and the line telling a new
// user that the style lints exist, are off in a security scan, and how to ask for them.
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

describe("nix-warden demo scan", () => {
  it("scans the bundled examples and says how many findings --style would add", async () => {
    const r = await runCli(["demo", "scan"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("== nix-warden scan examples/homelab");
    // A container published on every interface without a login (hosts/nas/default.nix).
    expect(r.stdout).toMatch(/hosts\/nas\/default\.nix:\d+:\d+ +Browser desktop container without a password on the network +\(container-exposed-unauthenticated\)/);
    const m = /Style lints .* are off in a security scan: `nix-warden scan examples\/homelab --style` adds them \((\d+) more findings? here\)/.exec(r.stdout);
    expect(m, r.stdout.slice(0, 400)).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0);
  });
});
