// The short text a tool returns beside its structured report: what an agent reads first. Large
// reports are cut to the most severe items; the full report is a resource link.
import type { DriftReportX } from "../drift/model.js";
import type { SecurityReport, Severity } from "../report/schema.js";

function oneLine(s: string, max = 300): string {
  const t = s.replace(/\s*\n\s*/g, " ").trim();
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

const ORDER: Severity[] = ["critical", "high", "medium", "low"];

function counts(bySeverity: Record<string, number>): string {
  const parts = ORDER.filter((s) => (bySeverity[s] ?? 0) > 0).map((s) => `${bySeverity[s]} ${s}`);
  return parts.length ? parts.join(", ") : "none";
}

export interface SummaryLinks {
  json: string;
  markdown: string;
}

export function summarizeSecurity(report: SecurityReport, links: SummaryLinks, max = 10): string {
  const lines: string[] = [];
  const hosts = report.hosts.length ? report.hosts.join(", ") : "no hosts declared in flake.nix";
  lines.push(`Security scan of ${report.root} (${hosts}): ${report.summary.total} finding(s): ${counts(report.summary.bySeverity)}.`);
  const scores = Object.entries(report.summary.score);
  if (scores.length) lines.push(`Scores (0-100, higher is better): ${scores.map(([h, s]) => `${h} ${s}`).join(", ")}.`);
  if (report.suppressed.length) lines.push(`${report.suppressed.length} finding(s) suppressed by exceptions.`);
  if (report.findings.length) {
    lines.push("", report.findings.length > max ? `Most severe ${max} of ${report.findings.length}:` : "Findings:");
    for (const f of report.findings.slice(0, max)) {
      const fix = f.fix ? ` Fix (${f.fix.safety}): ${f.fix.description}` : "";
      lines.push(`- [${f.severity}] ${f.file}:${f.line} ${f.title} (${f.ruleId}, id ${f.id})${f.host?.length ? ` on ${f.host.join(", ")}` : ""}.${fix}`);
    }
  }
  if (report.errors.length) {
    lines.push("", `${report.errors.length} problem(s) while scanning (the report's errors list them), e.g.:`);
    for (const e of report.errors.slice(0, 3)) lines.push(`- ${e.source}${e.file ? ` ${e.file}` : ""}: ${e.message}`);
  }
  lines.push("", `Full report: ${links.json} (markdown: ${links.markdown}). Explain a rule with explain_rule; fix with remediate (dry run first).`);
  return lines.join("\n");
}

export function summarizeDrift(report: DriftReportX, links: SummaryLinks, max = 10): string {
  const lines: string[] = [];
  lines.push(
    `Drift check of host ${report.host} (declared: ${report.declaredFrom}; actual: ${report.actualFrom}): ` +
      (report.drifted ? `${report.summary.total} drift item(s): ${counts(report.summary.bySeverity)}.` : "no drift."),
  );
  const cats = Object.entries(report.summary.byCategory);
  if (cats.length) lines.push(`By category: ${cats.map(([c, n]) => `${c} ${n}`).join(", ")}.`);
  if (report.belowThreshold) lines.push(`${report.belowThreshold} item(s) below the alert threshold are counted but not listed.`);
  if (report.suppressed.length) lines.push(`${report.suppressed.length} item(s) accepted by exceptions.`);
  if (report.items.length) {
    lines.push("", report.items.length > max ? `Most severe ${max} of ${report.items.length}:` : "Items:");
    for (const it of report.items.slice(0, max)) {
      const cause = it.cause ? ` Cause: ${it.cause.description}.` : "";
      const fix = it.remediation[0] ? ` Fix (${it.remediation[0].strategy}, ${it.remediation[0].safety}): ${it.remediation[0].description}` : "";
      lines.push(`- [${it.severity}] ${it.category}: ${it.subject} (id ${it.id}). ${oneLine(it.evidence)}.${cause}${fix}`);
    }
  }
  for (const n of report.notes.slice(0, 5)) lines.push(`Note: ${n}`);
  if (report.errors.length) {
    lines.push("", `${report.errors.length} problem(s) during the check, e.g.:`);
    for (const e of report.errors.slice(0, 3)) lines.push(`- ${e.source}: ${e.message}`);
  }
  lines.push("", `Full report: ${links.json} (markdown: ${links.markdown}).`);
  return lines.join("\n");
}
