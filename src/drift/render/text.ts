// The terminal rendering of a drift report: counts, then each item with its evidence, cause and
// the ways to fix it.
import type { DriftItemX, DriftReportX } from "../model.js";
import { escapeControls } from "../../text/safe-text.js";
import { shellCommand } from "./shell.js";

const LABEL: Record<string, string> = { critical: "CRITICAL", high: "HIGH", medium: "MEDIUM", low: "LOW" };

function indent(text: string, by: string): string {
  return text
    .split("\n")
    .map((l) => by + l)
    .join("\n");
}

/** Names shown on one line: every control character (newline included) as an escape. */
const name = (s: string) => escapeControls(s);
/** Multi-line text for the terminal: lines kept, other control characters (ESC, CR) as escapes. */
const lines = (s: string) => escapeControls(s, "\n\t");

export function renderItemText(it: DriftItemX): string {
  return lines(itemText(it));
}

function itemText(it: DriftItemX): string {
  const out = [`[${LABEL[it.severity]}] ${name(it.category)}: ${name(it.subject)}`, indent(it.evidence, "    ")];
  if (it.cause) out.push(`    cause: ${it.cause.description}${it.cause.when ? ` (${it.cause.when})` : ""}${it.cause.source ? ` [${it.cause.source}]` : ""}`);
  for (const r of it.remediation) {
    if (r.strategy === "accept") continue;
    const tag = r.strategy === "revert" ? (r.safety === "auto" ? "revert (safe)" : r.safety === "review" ? "revert (review)" : "revert (alert only)") : r.strategy;
    out.push(`    ${tag}: ${r.description}`);
    for (const c of r.commands ?? []) out.push(`      $ ${shellCommand(c)}`);
    if (r.nix) out.push(indent(r.nix, "      ") + (r.file ? `   # in ${name(r.file)}${r.line ? `:${r.line}` : ""}` : ""));
  }
  return out.join("\n");
}

export function renderText(report: DriftReportX): string {
  const s = report.summary;
  const out = [
    `nix-warden drift: host ${name(report.host)}`,
    `  declared: ${name(report.declaredFrom)}`,
    `  actual:   ${name(report.actualFrom)}`,
    "",
    report.drifted
      ? `${s.total} drift item${s.total === 1 ? "" : "s"}: ${s.bySeverity.critical ?? 0} critical, ${s.bySeverity.high ?? 0} high, ${s.bySeverity.medium ?? 0} medium, ${s.bySeverity.low ?? 0} low` +
        (report.belowThreshold ? ` (${report.belowThreshold} below ${report.alertThreshold} not shown)` : "")
      : `No drift${report.belowThreshold ? ` at or above ${report.alertThreshold} (${report.belowThreshold} below)` : ""}: the machine matches the declaration in everything checked.`,
    "",
  ];
  for (const it of report.items) out.push(renderItemText(it), "");
  if (report.suppressed.length) out.push(`${report.suppressed.length} item(s) suppressed by .nix-warden.yaml exceptions.`, "");
  if (report.errors.length) {
    out.push("Errors:");
    for (const e of report.errors) out.push(indent(`${e.source}: ${e.message}`, "  "));
    out.push("");
  }
  if (report.notes.length) {
    out.push("Not checked / notes:");
    for (const n of report.notes) out.push(`  - ${n}`);
    out.push("");
  }
  out.push(`(${report.timing.totalMs} ms; nix eval ${report.timing.declaredFromCache ? "skipped, cached" : `${report.timing.evalMs} ms`})`);
  return lines(out.join("\n"));
}
