// Checking a finding's fix end to end: write the fixture into a git repository, `git apply` the
// finding's patch, parse every changed .nix file with the real `nix-instantiate --parse`, and scan
// the patched files again.
import { execFileSync } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Finding, SecurityReport } from "../../src/report/schema.js";
import { scanFiles, withRepo } from "./scan.js";

export interface Applied {
  /** The files after the patch. */
  files: Record<string, string>;
  /** The scan of the patched files. */
  rescan: SecurityReport;
}

export async function applyFix(files: Record<string, string>, finding: Finding, options: { now?: Date } = {}): Promise<Applied> {
  const patch = finding.fix?.patch;
  if (!patch) throw new Error(`finding ${finding.ruleId} at ${finding.file}:${finding.line} has no patch`);
  const patched = await withRepo(
    files,
    async (root) => {
      await mkdir(join(root, ".patches"), { recursive: true });
      await writeFile(join(root, ".patches/fix.patch"), patch);
      execFileSync("git", ["apply", "--check", ".patches/fix.patch"], { cwd: root, stdio: "pipe" });
      execFileSync("git", ["apply", ".patches/fix.patch"], { cwd: root, stdio: "pipe" });
      const out: Record<string, string> = {};
      for (const rel of Object.keys(files)) {
        out[rel] = await readFile(join(root, rel), "utf8");
        if (rel.endsWith(".nix") && out[rel] !== files[rel]) {
          execFileSync("nix-instantiate", ["--parse", join(root, rel)], { stdio: "pipe", cwd: dirname(join(root, rel)) });
        }
      }
      return out;
    },
    { git: true },
  );
  return { files: patched, rescan: await scanFiles(patched, options.now ? { now: options.now } : {}) };
}
