// Scanning a repository held in memory (no files written, no programs run): the rule tests' harness.
import type { Finding, SecurityReport } from "../../src/report/schema.js";
import type { Rule, RuleExample } from "../../src/rules/types.js";
import { runScan, type ScanOptions } from "../../src/scan/index.js";
import { memorySource } from "../../src/scan/source.js";

/** A fixed "today", so examples and snapshots with dates do not age. */
export const EXAMPLE_NOW = new Date("2026-12-01T00:00:00Z");

/** Scan files in memory (quick mode: the built-in exposure scorer, no systemd-analyze). */
export async function scanMemory(files: Readonly<Record<string, string | Buffer>>, options: Partial<ScanOptions> = {}): Promise<SecurityReport> {
  return runScan({ quick: true, now: EXAMPLE_NOW, ...options, root: "/memory", source: memorySource(files) });
}

/** The repository an example stands for. */
export function exampleFiles(example: RuleExample): Record<string, string> {
  return typeof example === "string" ? { "example.nix": example } : { ...example };
}

/** Run one rule alone on an example; its findings and the scan's errors. */
export async function runExample(rule: Rule, example: RuleExample): Promise<{ findings: Finding[]; errors: SecurityReport["errors"] }> {
  const report = await scanMemory(exampleFiles(example), { rules: [rule] });
  return { findings: report.findings.filter((f) => f.ruleId === rule.id), errors: report.errors };
}

/** What a snapshot keeps of a finding: what the rule decided, not ids or timestamps. */
export function snapshotOf(findings: Finding[]): unknown[] {
  return findings.map((f) => ({
    file: f.file,
    line: f.line,
    column: f.column,
    severity: f.severity,
    title: f.title,
    message: f.message,
    ...(f.optionPath ? { optionPath: f.optionPath } : {}),
    ...(f.host?.length ? { host: f.host } : {}),
    evidence: f.evidence,
    ...(f.fix ? { fix: { safety: f.fix.safety, description: f.fix.description, ...(f.fix.patch ? { patch: f.fix.patch } : {}) } } : {}),
  }));
}

/** The findings of one rule when `files` are scanned in memory. */
export async function ruleFindings(files: Readonly<Record<string, string | Buffer>>, ruleId: string): Promise<Finding[]> {
  return (await scanMemory(files)).findings.filter((f) => f.ruleId === ruleId);
}
