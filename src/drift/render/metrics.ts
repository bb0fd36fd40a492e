// drift-metrics.json: counts by category and severity, and how long the check took, one object
// per run, for trend tracking (append them to a time series or scrape them).
import { DRIFT_CATEGORIES, SEVERITIES } from "../../report/schema.js";
import type { DriftReportX } from "../model.js";

export interface DriftMetrics {
  schemaVersion: 1;
  host: string;
  generatedAt: string;
  drifted: boolean;
  total: number;
  bySeverity: Record<string, number>;
  byCategory: Record<string, number>;
  /** Category x severity. */
  matrix: Record<string, Record<string, number>>;
  suppressed: number;
  belowThreshold: number;
  errors: number;
  durationMs: number;
  evalMs: number;
  declaredFromCache: boolean;
  probes: Record<string, { status: string; durationMs: number }>;
}

export function renderMetrics(report: DriftReportX): DriftMetrics {
  const matrix: Record<string, Record<string, number>> = {};
  const byCategory: Record<string, number> = {};
  for (const c of DRIFT_CATEGORIES) {
    matrix[c] = Object.fromEntries(SEVERITIES.map((s) => [s, 0]));
    byCategory[c] = 0;
  }
  for (const it of report.items) {
    (matrix[it.category] as Record<string, number>)[it.severity]! += 1;
    byCategory[it.category]! += 1;
  }
  return {
    schemaVersion: 1,
    host: report.host,
    generatedAt: report.generatedAt,
    drifted: report.drifted,
    total: report.summary.total,
    bySeverity: Object.fromEntries(SEVERITIES.map((s) => [s, report.summary.bySeverity[s] ?? 0])),
    byCategory,
    matrix,
    suppressed: report.suppressed.length,
    belowThreshold: report.belowThreshold,
    errors: report.errors.length,
    durationMs: report.timing.totalMs,
    evalMs: report.timing.evalMs,
    declaredFromCache: report.timing.declaredFromCache,
    probes: Object.fromEntries(report.probes.map((p) => [p.name, { status: p.status, durationMs: Math.round(p.durationMs * 10) / 10 }])),
  };
}
