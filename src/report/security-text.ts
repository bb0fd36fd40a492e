// The SecurityReport for a terminal: one score line per host, findings grouped by severity (worst
// first) with file:line:col, title, message and fix, a summary, suppressed counts and errors.
import {
  countByCategory,
  countBySeverity,
  groupBySeverity,
  hostSummaries,
  location,
  plural,
  severityPhrase,
} from "./format.js";
import { escapeControls } from "../text/safe-text.js";
import type { SecurityReport, Severity } from "./schema.js";

export interface TextOptions {
  /** ANSI colours (default false: the caller decides from isTTY and NO_COLOR). */
  color?: boolean;
  /** Show evidence lines (default true). */
  evidence?: boolean;
}

const COLORS: Record<Severity | "bold" | "dim" | "ok", string> = {
  critical: "\u001b[1;35m",
  high: "\u001b[1;31m",
  medium: "\u001b[33m",
  low: "\u001b[36m",
  bold: "\u001b[1m",
  dim: "\u001b[2m",
  ok: "\u001b[32m",
};
const RESET = "\u001b[0m";

/** Terminal control characters in report strings (file names, messages) must not reach the TTY;
 * they are shown as escapes (`\x1b`, `\r`, `\n`), so a name cannot fake a line either. */
function clean(s: string): string {
  return escapeControls(s);
}

export function renderSecurityText(report: SecurityReport, opts: TextOptions = {}): string {
  const paint = (style: keyof typeof COLORS, s: string) => (opts.color ? `${COLORS[style]}${s}${RESET}` : s);
  const showEvidence = opts.evidence ?? true;
  const out: string[] = [];

  out.push(paint("bold", `${report.tool.name} ${report.tool.version}: security scan of ${clean(report.root)}`));
  out.push(paint("dim", `generated ${report.generatedAt}`));
  out.push("");

  const hosts = hostSummaries(report);
  if (hosts.length > 0) {
    const width = Math.max(...hosts.map((h) => h.host.length));
    for (const h of hosts) {
      const score = h.score === undefined ? "  -" : String(Math.round(h.score)).padStart(3);
      out.push(`  ${clean(h.host).padEnd(width)}  score ${score}/100  ${plural(h.total, "finding")} (${severityPhrase(h.counts)})`);
    }
    out.push("");
  }

  if (report.findings.length === 0) {
    out.push(paint("ok", "No findings: nothing insecure was found in the scanned files."));
    out.push("");
  }

  for (const group of groupBySeverity(report.findings)) {
    out.push(paint(group.severity, `${group.severity.toUpperCase()} (${group.findings.length})`));
    for (const f of group.findings) {
      const hostsNote = f.host && f.host.length > 0 ? `  [${f.host.map(clean).join(", ")}]` : "";
      out.push(`  ${paint("bold", clean(location(f)))}  ${clean(f.title)}  ${paint("dim", `(${f.ruleId})`)}${hostsNote}`);
      out.push(`      ${clean(f.message)}`);
      if (showEvidence && f.evidence) out.push(paint("dim", `      evidence: ${clean(f.evidence)}`));
      if (f.fix) out.push(`      fix (${f.fix.safety}): ${clean(f.fix.description)}`);
    }
    out.push("");
  }

  const counts = countBySeverity(report.findings);
  const summary = [`Summary: ${plural(report.findings.length, "finding")} (${severityPhrase(counts)})`];
  if (report.suppressed.length > 0) summary.push(`${report.suppressed.length} suppressed`);
  if (report.errors.length > 0) summary.push(plural(report.errors.length, "error"));
  out.push(summary.join("; ") + ".");
  const categories = countByCategory(report.findings);
  if (categories.length > 0) out.push(`  by category: ${categories.map(([c, n]) => `${c} ${n}`).join(", ")}`);
  const autoFixable = report.findings.filter((f) => f.fix?.safety === "auto").length;
  if (autoFixable > 0) out.push(`  ${plural(autoFixable, "finding")} can be fixed automatically (nix-warden remediate).`);

  if (report.errors.length > 0) {
    out.push("");
    out.push(paint("high", `Errors (${report.errors.length}): these parts were not fully scanned`));
    for (const e of report.errors) {
      const where = e.file ? ` (${clean(e.file)}${e.line !== undefined ? `:${e.line}` : ""}${e.column !== undefined ? `:${e.column}` : ""})` : "";
      out.push(`  ${clean(e.source)}: ${clean(e.message)}${where}`);
    }
  }
  return out.join("\n") + "\n";
}
