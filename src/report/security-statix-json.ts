// `scan --format statix-json`: the findings in the shape `statix check -o json` prints, so editor
// plugins and CI steps written for statix read nix-warden. statix prints one pretty JSON object per
// file, one after another: `{ "file", "report": [ { "note", "code", "severity", "diagnostics":
// [ { "at": { "from": {line, column}, "to": {line, column} }, "message", "suggestion" } ] } ] }`,
// lines and columns 1-based. Rules that carry a statix lint over keep its code; every other rule
// gets code 0 (statix has none for it). statix's severities are Warn, Error and Hint: high and
// critical findings are Error, the rest Warn. nix-warden's fixes are unified diffs,
// not one replacement per span, so `suggestion` is null (the patch is in `--format json`).
import type { Finding, SecurityReport } from "./schema.js";

/** statix's lint codes, by the id of the rule that carries the lint. */
const STATIX_CODES: Readonly<Record<string, number>> = {
  "bool-comparison": 1,
  "empty-let-in": 2,
  "manual-inherit": 3,
  "manual-inherit-from": 4,
  "legacy-let-syntax": 5,
  "collapsible-let-in": 6,
  "eta-reduction": 7,
  "useless-parens": 8,
  "unquoted-splice": 9,
  "empty-pattern": 10,
  "redundant-pattern-bind": 11,
  "unquoted-url": 12,
  "deprecated-is-null": 13,
  "empty-inherit": 14,
  "faster-groupby": 15,
  "faster-zipattrswith": 16,
  "deprecated-to-path": 17,
  "bool-simplification": 18,
  "useless-has-attr": 19,
  "repeated-keys": 20,
  "empty-list-concat": 23,
};

function statixSeverity(f: Finding): "Warn" | "Error" {
  return f.severity === "high" || f.severity === "critical" ? "Error" : "Warn";
}

export function renderStatixJson(report: SecurityReport): string {
  const byFile = new Map<string, Finding[]>();
  for (const f of report.findings) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
  const out: string[] = [];
  for (const [file, findings] of [...byFile].sort(([a], [b]) => a.localeCompare(b))) {
    const entries = findings.map((f) => ({
      note: f.title,
      code: STATIX_CODES[f.ruleId] ?? 0,
      severity: statixSeverity(f),
      diagnostics: [
        {
          at: { from: { line: f.line, column: f.column }, to: { line: f.endLine, column: f.endColumn ?? f.column } },
          message: f.message,
          suggestion: null,
        },
      ],
    }));
    out.push(JSON.stringify({ file, report: entries }, null, 2));
  }
  return out.map((o) => o + "\n").join("");
}
