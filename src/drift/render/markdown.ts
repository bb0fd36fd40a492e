// drift-report.md: an executive summary, the items by severity with evidence and fixes, and the
// recommended actions in order.
import { DRIFT_CATEGORIES, SEVERITIES } from "../../report/schema.js";
import type { DriftItemX, DriftReportX } from "../model.js";
import { escapeControls } from "../../text/safe-text.js";
import { shellCommand } from "./shell.js";

/** Markdown text from names and values on the machine: control characters shown as escapes
 * (`\x1b`, `\n`), markdown punctuation escaped. */
function esc(s: string): string {
  return escapeControls(s).replace(/([\\`*_[\]|<>])/g, "\\$1");
}

/** Inline code that survives backticks and control characters in the value. */
function code(s: string): string {
  const one = escapeControls(s);
  const fence = "`".repeat(Math.max(0, ...(one.match(/`+/g) ?? []).map((r) => r.length)) + 1);
  const pad = one.startsWith("`") || one.endsWith("`") ? " " : "";
  return `${fence}${pad}${one}${pad}${fence}`;
}

/** A fenced block longer than any backtick run inside; control characters other than newline and tab shown as escapes. */
function fence(raw: string, lang = ""): string {
  const text = escapeControls(raw, "\n\t");
  const ticks = "`".repeat(Math.max(2, ...(text.match(/`+/g) ?? []).map((r) => r.length)) + 1);
  return `${ticks}${lang}\n${text}\n${ticks}`;
}

function itemMd(it: DriftItemX): string {
  const out = [`#### ${esc(it.category)}: ${esc(it.subject)}`, "", `- id: ${code(it.id)}`, `- severity: **${it.severity}**`];
  if (it.cause) out.push(`- cause: ${esc(it.cause.description)}${it.cause.when ? ` (${it.cause.when})` : ""}${it.cause.source ? ` — ${esc(it.cause.source)}` : ""}`);
  out.push("", fence(it.evidence, "text"), "");
  for (const r of it.remediation) {
    const tag = r.strategy === "revert" ? `Revert (${r.safety === "auto" ? "safe, in remediation-script.sh" : r.safety === "review" ? "review first" : "alert only: decide by hand"})` : r.strategy === "adopt" ? "Adopt into the configuration" : "Accept";
    out.push(`**${tag}:** ${esc(r.description.split("\n")[0] ?? "")}`);
    const rest = r.description.split("\n").slice(1).join("\n");
    if (rest) out.push("", fence(rest, "yaml"));
    if (r.commands?.length) out.push("", fence(r.commands.map((c) => shellCommand(c)).join("\n"), "sh"));
    if (r.nix) out.push("", `${r.optionPath ? code(r.optionPath) : ""}${r.file ? ` in ${code(`${r.file}${r.line ? `:${r.line}` : ""}`)}` : ""}`, "", fence(r.nix, "nix"));
    out.push("");
  }
  return out.join("\n");
}

export function renderMarkdown(report: DriftReportX): string {
  const s = report.summary;
  const lines: string[] = [
    `# Drift report: ${esc(report.host)}`,
    "",
    `Generated ${report.generatedAt} by ${report.tool.name} ${report.tool.version}.`,
    "",
    `- Declared: ${esc(report.declaredFrom)}`,
    `- Actual: ${esc(report.actualFrom)}`,
    "",
    "## Executive summary",
    "",
  ];
  if (!report.drifted) lines.push(`No drift${report.belowThreshold ? ` at or above ${report.alertThreshold}` : ""}: the machine matches its declaration in everything checked.`, "");
  else {
    const worst = SEVERITIES.find((sev) => (s.bySeverity[sev] ?? 0) > 0);
    lines.push(
      `**${s.total} drift item${s.total === 1 ? "" : "s"}**, the worst ${worst}: ${SEVERITIES.map((sev) => `${s.bySeverity[sev] ?? 0} ${sev}`).join(", ")}.` +
        (report.belowThreshold ? ` ${report.belowThreshold} more below ${report.alertThreshold} are not listed.` : ""),
      "",
      "| category | items |",
      "|---|---|",
      ...DRIFT_CATEGORIES.filter((c) => s.byCategory[c]).map((c) => `| ${c} | ${s.byCategory[c]} |`),
      "",
    );
    const safe = report.items.filter((i) => i.remediation.some((r) => r.strategy === "revert" && r.safety === "auto")).length;
    lines.push(`${safe} item${safe === 1 ? "" : "s"} can be reverted by \`remediation-script.sh\`; the rest need a decision (adopt into the configuration, or revert by hand).`, "");
  }
  if (report.items.length) {
    lines.push("## Items by severity", "");
    for (const sev of SEVERITIES) {
      const group = report.items.filter((i) => i.severity === sev);
      if (!group.length) continue;
      lines.push(`### ${sev[0]?.toUpperCase()}${sev.slice(1)} (${group.length})`, "");
      for (const it of group) lines.push(itemMd(it));
    }
    lines.push("## Recommended actions", "");
    let n = 1;
    const critical = report.items.filter((i) => i.severity === "critical");
    if (critical.length) lines.push(`${n++}. Deal with the ${critical.length} critical item${critical.length > 1 ? "s" : ""} now: ${critical.map((i) => `${esc(i.subject)}`).join("; ")}. They expose the machine; find out who made them and why before reverting.`);
    const safe = report.items.filter((i) => i.remediation.some((r) => r.strategy === "revert" && r.safety === "auto"));
    if (safe.length) lines.push(`${n++}. Review and run \`remediation-script.sh\` (${safe.length} safe reversion${safe.length > 1 ? "s" : ""}, each guarded, safe to re-run).`);
    const adoptable = report.items.filter((i) => i.remediation.some((r) => r.strategy === "adopt" && r.nix));
    if (adoptable.length) lines.push(`${n++}. For changes that should stay, add the Nix shown under "Adopt" (${adoptable.length} item${adoptable.length > 1 ? "s" : ""}), commit, and rebuild.`);
    if (report.items.some((i) => i.category === "git")) lines.push(`${n++}. Commit and push the configuration repository so the declared state is recorded.`);
    if (report.items.some((i) => i.category === "generation")) lines.push(`${n++}. Switch the machine to the committed configuration (nixos-rebuild switch --flake …#${esc(report.host)}) once the above is settled.`);
    lines.push(`${n}. Run the check again; record intended differences as exceptions in .nix-warden.yaml (drift.ignore) with a reason.`, "");
  }
  if (report.suppressed.length) {
    lines.push("## Suppressed by exceptions", "", "| item | reason | expires |", "|---|---|---|");
    for (const x of report.suppressed) lines.push(`| ${esc(x.category)}: ${esc(x.subject)} | ${esc(x.suppressedBy.reason)} | ${x.suppressedBy.expires ?? ""} |`);
    lines.push("");
  }
  if (report.errors.length || report.notes.length) {
    lines.push("## What was not checked", "");
    for (const e of report.errors) lines.push(`- error in ${esc(e.source)}: ${esc(e.message)}`);
    for (const n of report.notes) lines.push(`- ${esc(n)}`);
    lines.push("");
  }
  return lines.join("\n");
}
