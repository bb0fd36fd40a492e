// Whether the openssl command runs here: tests that compare with the real openssl skip without it.
import { execFileSync } from "node:child_process";

export function hasOpenssl(): boolean {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore", timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}
