// Every test process: Nix never reaches for the network (no substituters, so nothing waits on
// retries), flakes are on, and builds run without a sandbox (CI containers have no user namespaces).
// A flake input it cannot fetch (the fixtures' github:NixOS/nixpkgs, with no network) fails at the
// first attempt: with Nix's default download-attempts each such `nix eval` waited ~4 s on retries
// before failing the same way, and the suite runs dozens of them (every remediate apply evaluates
// its hosts before and after).
process.env.NIX_CONFIG = [
  "experimental-features = nix-command flakes",
  "substituters =",
  "sandbox = false",
  "warn-dirty = false",
  "connect-timeout = 1",
  "download-attempts = 1",
].join("\n");

// nix-warden's own state and caches go to a directory of this test process, never to the user's
// home (and never into a scanned repository).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
if (!process.env.NIX_WARDEN_TEST_STATE) {
  const dir = mkdtempSync(join(tmpdir(), "nw-state-"));
  process.env.NIX_WARDEN_TEST_STATE = dir;
  process.env.NIX_WARDEN_STATE_DIR = join(dir, "state");
  process.env.NIX_WARDEN_CACHE_DIR = join(dir, "cache");
}

// Stop the servers and remove the directories a test's helpers registered (test/helpers/cleanup.ts).
// Registered here because this file runs again for every test file, where a helper module is
// evaluated once per worker.
import { afterEach } from "vitest";
import { runCleanups } from "./helpers/cleanup.js";
afterEach(runCleanups);
