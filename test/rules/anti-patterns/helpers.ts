// Helpers for the anti-pattern rule tests: scan fixtures with one rule, apply a finding's patch with
// the real `git apply`, and check the result with the real `nix-instantiate --parse`.
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Finding, SecurityReport } from "../../../src/report/schema.js";
import { ruleById } from "../../../src/rules/index.js";
import { applyPatch } from "../../helpers/patch.js";
import { scanFiles } from "../../helpers/scan.js";

export { applyPatch };

/** Scan files with only the given rule. */
export async function scanWith(ruleId: string, files: Record<string, string>): Promise<SecurityReport> {
  const rule = ruleById(ruleId);
  if (!rule) throw new Error(`no rule ${ruleId}`);
  return scanFiles(files, { rules: [rule] });
}

export function findingsOf(report: SecurityReport, ruleId: string): Finding[] {
  return report.findings.filter((f) => f.ruleId === ruleId);
}

export { flakeWith } from "../../../src/rules/shared/examples.js";

/** Does the real nix-instantiate accept this Nix text? (Returns its error message otherwise.) */
export async function nixParseError(text: string): Promise<string | undefined> {
  const dir = await mkdtemp(join(tmpdir(), "nix-warden-parse-"));
  try {
    const file = join(dir, "x.nix");
    await writeFile(file, text);
    execFileSync("nix-instantiate", ["--parse", file], { stdio: "pipe", timeout: 30_000 });
    return undefined;
  } catch (e) {
    return String((e as { stderr?: Buffer }).stderr ?? e);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Apply the finding's patch, check every changed .nix file parses with Nix, return the files. */
export async function applyFix(files: Record<string, string>, finding: Finding | undefined): Promise<Record<string, string>> {
  if (!finding?.fix?.patch) throw new Error(`finding has no patch: ${JSON.stringify(finding)}`);
  const patched = await applyPatch(files, finding.fix.patch);
  for (const [rel, content] of Object.entries(patched)) {
    if (!rel.endsWith(".nix") || content === files[rel]) continue;
    const err = await nixParseError(content);
    if (err) throw new Error(`${rel} does not parse after the fix: ${err}\n${content}`);
  }
  return patched;
}

/** The 1-based line of the n-th occurrence of `needle` in `text`. */
export function lineOf(text: string, needle: string, nth = 1): number {
  let at = -1;
  for (let i = 0; i < nth; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`'${needle}' (${nth}) not in fixture`);
  }
  return text.slice(0, at).split("\n").length;
}

/** Evaluate a Nix expression with the real nix-instantiate (strict, JSON out). */
export function nixEval(expr: string, cwd?: string): unknown {
  const out = execFileSync("nix-instantiate", ["--eval", "--strict", "--json", "-E", expr], { cwd, stdio: "pipe", timeout: 30_000 });
  return JSON.parse(out.toString());
}

/** Evaluate, returning the error text instead of throwing. */
export function nixEvalError(expr: string, cwd?: string): string | undefined {
  try {
    nixEval(expr, cwd);
    return undefined;
  } catch (e) {
    return String((e as { stderr?: Buffer }).stderr ?? e);
  }
}
