// The per-host security score (0-100) and the summary counts. A host starts at 100 and loses
// points for each unsuppressed finding that applies to it: critical 20, high 10, medium 4, low 1,
// info 0 (maintenance notes do not make a host less secure), never below 0. The same weights are in docs/scoring.md, with the reasoning.
import type { Finding, Severity } from "../report/schema.js";
import { FINDING_CATEGORIES, SEVERITIES } from "../report/severity.js";

export const SEVERITY_DEDUCTION: Record<Severity, number> = { critical: 20, high: 10, medium: 4, low: 1, info: 0 };

export function hostScore(findings: readonly Finding[], host: string): number {
  let score = 100;
  for (const f of findings) if (f.host?.includes(host)) score -= SEVERITY_DEDUCTION[f.severity];
  return Math.max(0, score);
}

export function summarize(findings: readonly Finding[], hosts: readonly string[]) {
  const bySeverity: Record<string, number> = Object.fromEntries(SEVERITIES.map((s) => [s, 0]));
  const byCategory: Record<string, number> = Object.fromEntries(FINDING_CATEGORIES.map((c) => [c, 0]));
  for (const f of findings) {
    bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
    byCategory[f.category] = (byCategory[f.category] ?? 0) + 1;
  }
  const score: Record<string, number> = {};
  for (const h of hosts) score[h] = hostScore(findings, h);
  return { total: findings.length, bySeverity, byCategory, score };
}
