// The package's root directory and version, found by walking up from this module (src/, dist/src/
// or the bundle in dist/bundle/), and the build of the bundle.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findPackage(): { root: string; version: string } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "nix-warden") return { root: dir, version: pkg.version ?? "0.0.0" };
    } catch {
      // not here; look one level up
    }
    dir = dirname(dir);
  }
  return { root: process.cwd(), version: "0.0.0" };
}

const found = findPackage();

export const TOOL = { name: "nix-warden", version: found.version };

/** The package's root directory (holds prompts/, agent-definitions/, examples/). */
export const PACKAGE_ROOT = found.root;

/** What the bundler (scripts/bundle.ts) looks for in the bundle it made, exactly once, and replaces
 * with the same prefix and the SHA-256 of the bundle's code. Built by concatenation so that only
 * STAMP below holds it as a literal. */
export const UNSTAMPED = `nix-warden-build:${"?".repeat(64)}`;
const STAMP = "nix-warden-build:????????????????????????????????????????????????????????????????";
const stampHash = STAMP.slice("nix-warden-build:".length);

/** The hash of the bundle's code when running from the bundle (dist/bundle/); undefined when
 * running the modules tsc wrote (dist/src/) or the sources. */
export const BUILD: string | undefined = /^[0-9a-f]{64}$/.test(stampHash) ? stampHash : undefined;
