// Tests that need the real systemd-analyze: they skip on a machine without it, but never in CI
// (NIX_WARDEN_REQUIRE_NIX=1, set by .ci/run, which installs systemd), where a skip would hide a gap.
import { execFileSync } from "node:child_process";

function probe(): boolean {
  try {
    execFileSync("systemd-analyze", ["--version"], { stdio: "ignore", timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

export const hasSystemdAnalyze = probe();

if (process.env.NIX_WARDEN_REQUIRE_NIX === "1" && !hasSystemdAnalyze) {
  throw new Error("NIX_WARDEN_REQUIRE_NIX=1 but systemd-analyze is not installed: CI must install systemd");
}

/** `describe.skipIf(!systemdAnalyzeAvailable)`: true when the real systemd-analyze is here. */
export const systemdAnalyzeAvailable = hasSystemdAnalyze;
