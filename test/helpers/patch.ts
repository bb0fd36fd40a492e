// Checking a finding's fix end to end: write the fixture into a git repository, `git apply` the
// finding's patch, parse every changed .nix file with the real `nix-instantiate --parse`, and scan
// the patched files again.
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Finding, SecurityReport } from "../../src/report/schema.js";
import { scanFiles, withRepo } from "./scan.js";

export interface Applied {
  /** The files after the patch. */
  files: Record<string, string>;
  /** The scan of the patched files. */
  rescan: SecurityReport;
}

export async function applyFix(files: Record<string, string>, finding: Finding | undefined, options: { now?: Date } = {}): Promise<Applied> {
  const patch = finding?.fix?.patch;
  if (!patch) throw new Error(`finding ${finding?.ruleId} at ${finding?.file}:${finding?.line} has no patch`);
  const patched = await applyPatch(files, patch, { parse: true });
  return { files: patched, rescan: await scanFiles(patched, options.now ? { now: options.now } : {}) };
}

/** Apply a patch to the files with `git apply` (in a temporary git repository; it applies the whole
 * patch or throws) and return every file's new content. With `parse`, the changed .nix files must
 * parse with the real `nix-instantiate --parse` (one process for them all, which fails if any does
 * not). */
export async function applyPatch(files: Record<string, string>, patch: string, options: { parse?: boolean } = {}): Promise<Record<string, string>> {
  return withRepo(files, async (root) => {
    execFileSync("git", ["init", "-q"], { cwd: root, stdio: "pipe" });
    await writeFile(join(root, ".fix.patch"), patch);
    execFileSync("git", ["apply", "--whitespace=nowarn", ".fix.patch"], { cwd: root, stdio: "pipe" });
    const out: Record<string, string> = {};
    for (const rel of Object.keys(files)) out[rel] = await readFile(join(root, rel), "utf8");
    const changed = Object.keys(files).filter((rel) => rel.endsWith(".nix") && out[rel] !== files[rel]);
    if (options.parse && changed.length) execFileSync("nix-instantiate", ["--parse", ...changed.map((rel) => join(root, rel))], { stdio: "pipe" });
    return out;
  });
}

/** A bare patch (no finding) applied with `patch -p1` to the files in a temporary directory; every
 * .nix file must still parse with the real `nix-instantiate --parse`. The files after the patch. */
export async function patchAndParse(files: Record<string, string>, patch: string): Promise<Record<string, string>> {
  const dir = await mkdtemp(join(tmpdir(), "nix-warden-patch-"));
  try {
    for (const [rel, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, rel)), { recursive: true });
      await writeFile(join(dir, rel), text);
    }
    await writeFile(join(dir, "fix.patch"), patch);
    execFileSync("patch", ["-p1", "-s", "-i", "fix.patch"], { cwd: dir, timeout: 10_000 });
    const out: Record<string, string> = {};
    for (const rel of Object.keys(files)) {
      if (rel.endsWith(".nix")) execFileSync("nix-instantiate", ["--parse", join(dir, rel)], { stdio: "pipe", timeout: 10_000 });
      out[rel] = await readFile(join(dir, rel), "utf8");
    }
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
