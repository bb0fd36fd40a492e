// Tests that need real Nix: they skip on a developer machine without it, but fail in CI
// (NIX_WARDEN_REQUIRE_NIX=1, set by .ci/run), where a skip would hide a broken setup.
import { execFileSync } from "node:child_process";

function probe(cmd: string): boolean {
  try {
    execFileSync(cmd, ["--version"], { stdio: "ignore", timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

export const hasNix = probe("nix-instantiate") && probe("nix");
export const nixRequired = process.env.NIX_WARDEN_REQUIRE_NIX === "1";

if (nixRequired && !hasNix) {
  throw new Error("NIX_WARDEN_REQUIRE_NIX=1 but nix-instantiate/nix are not installed: CI must install nix-bin");
}

/** `describe.skipIf(!nixAvailable)`: true when the real Nix tools are here. */
export const nixAvailable = hasNix;
