// The package's root directory and version, found by walking up from this module (src/ or dist/src/).
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
