// Scanning fixture repositories in tests: write files into a temporary directory (optionally a git
// repository), run the real scan, and clean up.
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { SecurityReport } from "../../src/report/schema.js";
import { clearScanCache, runScan, type ScanOptions } from "../../src/scan/index.js";

export async function withRepo<T>(files: Record<string, string | Buffer>, fn: (root: string) => Promise<T>, options: { git?: boolean } = {}): Promise<T> {
  const root = await mkdtemp(join(tmpdir(), "nix-warden-test-"));
  try {
    for (const [rel, content] of Object.entries(files)) {
      const abs = join(root, rel);
      await mkdir(dirname(abs), { recursive: true });
      await writeFile(abs, content);
    }
    if (options.git) {
      const git = (...args: string[]) =>
        execFileSync("git", ["-c", "user.name=Test", "-c", "user.email=test@example.org", "-c", "init.defaultBranch=main", ...args], { cwd: root, stdio: "pipe" });
      git("init", "-q");
      git("add", "-A");
      git("commit", "-qm", "fixture");
    }
    return await fn(root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Scan a set of files (quick mode unless said otherwise: no external programs). */
export async function scanFiles(files: Record<string, string | Buffer>, options: Partial<ScanOptions> = {}): Promise<SecurityReport> {
  clearScanCache();
  return withRepo(files, (root) => runScan({ quick: true, ...options, root }));
}

/** The findings of one rule, as `file:line` strings, for compact assertions. */
export function sites(report: SecurityReport, ruleId: string): string[] {
  return report.findings.filter((f) => f.ruleId === ruleId).map((f) => `${f.file}:${f.line}`);
}
