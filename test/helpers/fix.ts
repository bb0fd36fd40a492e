// Checking a finding's fix for real: write the fixture into a git repository, `git apply` the
// finding's patch, parse every patched .nix file with the real `nix-instantiate --parse`, and
// rescan the patched files.
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Finding, SecurityReport } from "../../src/report/schema.js";
import { scanFiles } from "./scan.js";

export interface AppliedFix {
  /** Every fixture file after the patch. */
  files: Record<string, string>;
  /** The scan of the patched files. */
  rescan: SecurityReport;
}

export async function applyFix(files: Record<string, string>, finding: Finding | undefined): Promise<AppliedFix> {
  if (!finding?.fix?.patch) throw new Error(`no patch on finding ${finding?.ruleId} ${finding?.file}:${finding?.line}`);
  const dir = await mkdtemp(join(tmpdir(), "nix-warden-fix-"));
  try {
    for (const [rel, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, rel)), { recursive: true });
      await writeFile(join(dir, rel), text);
    }
    execFileSync("git", ["init", "-q"], { cwd: dir });
    await writeFile(join(dir, "fix.patch"), finding.fix.patch);
    execFileSync("git", ["apply", "fix.patch"], { cwd: dir, stdio: "pipe" });
    const patched: Record<string, string> = {};
    for (const rel of Object.keys(files)) {
      patched[rel] = await readFile(join(dir, rel), "utf8");
      if (rel.endsWith(".nix") && patched[rel] !== files[rel]) execFileSync("nix-instantiate", ["--parse", join(dir, rel)], { stdio: "pipe" });
    }
    return { files: patched, rescan: await scanFiles(patched) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A flake declaring hosts from module files: `flake({ server: ["./server.nix"] })`. */
export function flake(hosts: Record<string, string[]>, inline: Record<string, string> = {}): string {
  const decl = Object.entries(hosts)
    .map(([name, modules]) => `    nixosConfigurations.${name} = nixpkgs.lib.nixosSystem {\n      system = "x86_64-linux";\n      modules = [ ${modules.join(" ")}${inline[name] ? ` ${inline[name]}` : ""} ];\n    };`)
    .join("\n");
  return `{\n  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.11";\n  outputs = inputs@{ self, nixpkgs, ... }: {\n${decl}\n  };\n}\n`;
}

/** Findings of one rule as `file:line severity [hosts]`. */
export function summary(report: SecurityReport, ruleId: string): string[] {
  return report.findings
    .filter((f) => f.ruleId === ruleId)
    .map((f) => `${f.file}:${f.line} ${f.severity}${f.host?.length ? ` [${f.host.join(",")}]` : ""}`)
    .sort();
}
