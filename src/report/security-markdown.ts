// security-report.md: an executive summary that fits one screen (scores per host, counts, the three
// worst things to fix), then the findings: a rule's findings at one severity are one entry listing
// its places (why it matters and the fix said once), a finding alone is shown with the code before
// and after its fix and the command that deploys it; then the quick fixes (patch files), suppressed
// findings and errors. `verbose` shows every finding in full.
import { beforeAfter, countByCategory, countBySeverity, deployCommand, groupBySeverity, groupFindings, hostSummaries, unattributedSummary, listShort, location, plural, SEVERITY_ORDER, severityHeading, fixFirst, sortFindings, type FindingGroup, type RuleInfo } from "./format.js";
import { planPatches, withheldPatches } from "./patches.js";
import { escapeControls } from "../text/safe-text.js";
import type { Finding, SecurityReport, Severity } from "./schema.js";

export interface MarkdownOptions {
  /** Directory the patch files are written to, relative to the report (default "remediation-patches"). */
  patchDir?: string;
  /** Every finding in full instead of one entry per rule (default false). */
  verbose?: boolean;
  /** Rule names and generic fixes, for groups whose findings word them differently. */
  ruleInfo?: RuleInfo;
}

/** Host rows in the summary; more are summed up in one row. */
const HEAD_HOSTS = 12;

/** Text for a table cell: no line breaks or control characters, pipes escaped. */
function cell(s: string): string {
  return escapeControls(s.replace(/\r?\n/g, " ")).replace(/\|/g, "\\|");
}

/** Inline code that survives backticks inside the value. File names go here: a newline, CR or ESC
 * in one is shown as `\n`, `\r`, `\x1b` (a raw newline would end the span, ESC reach a terminal). */
function code(s: string): string {
  const one = escapeControls(s);
  const longest = Math.max(0, ...(one.match(/`+/g) ?? []).map((r) => r.length));
  const fence = "`".repeat(longest + 1);
  const pad = one.startsWith("`") || one.endsWith("`") ? " " : "";
  return `${fence}${pad}${one}${pad}${fence}`;
}

/** A fenced block whose fence is longer than any backtick run inside; control characters shown as escapes. */
function block(raw: string[], lang = ""): string[] {
  const lines = raw.map((l) => escapeControls(l, "\t"));
  const text = lines.join("\n");
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = "`".repeat(longest + 1);
  return [`${fence}${lang}`, ...lines, fence];
}

/** Markdown text from report strings (which may quote file names): no raw HTML, no links or
 * images (brackets escaped), no line breaks or control characters. */
function text(s: string): string {
  return escapeControls(s.replace(/\r?\n/g, " ")).replace(/[<>[\]]/g, (c) => (c === "<" ? "&lt;" : c === ">" ? "&gt;" : `\\${c}`));
}

function anchorFor(n: number): string {
  return `finding-${n}`;
}

export function renderSecurityMarkdown(report: SecurityReport, opts: MarkdownOptions = {}): string {
  const patchDir = opts.patchDir ?? "remediation-patches";
  const out: string[] = [];
  const groups = groupFindings(report.findings, opts.ruleInfo);
  // Findings are numbered in the order they are shown.
  const findings = opts.verbose ? sortFindings(report.findings) : groups.flatMap((g) => g.findings);
  const number = new Map(findings.map((f, i) => [f, i + 1]));
  const patches = planPatches(report.findings);
  const patchName = new Map(patches.map((p) => [p.finding, p.name]));

  out.push(`# Security report: ${text(report.root)}`, "");
  out.push(`Generated ${report.generatedAt} by ${report.tool.name} ${report.tool.version}.`, "");

  // Executive summary
  out.push("## Executive summary", "");
  const counts = countBySeverity(report.findings);
  if (report.findings.length === 0) {
    out.push("**No findings.** Nothing insecure was found in the scanned files.", "");
  } else {
    out.push(
      `**${plural(report.findings.length, "finding")}**: ${SEVERITY_ORDER.filter((s) => s !== "info").map((s) => `${counts[s]} ${s}`).join(", ")}${counts.info ? `; ${counts.info} maintenance (info: no security impact, no effect on the scores)` : ""}.` +
        (report.suppressed.length > 0 ? ` ${report.suppressed.length} suppressed.` : "") +
        (report.errors.length > 0 ? ` ${plural(report.errors.length, "error")} (see [Errors](#errors)).` : ""),
      "",
    );
  }
  // Worst score first; the rest summed up in one row.
  const hosts = hostSummaries(report).sort((a, b) => (a.score ?? 101) - (b.score ?? 101) || a.host.localeCompare(b.host));
  if (hosts.length > 0) {
    out.push("| Host | Score | Critical | High | Medium | Low | Maintenance |", "|---|---:|---:|---:|---:|---:|---:|");
    const shown = hosts.length > HEAD_HOSTS ? hosts.slice(0, HEAD_HOSTS - 1) : hosts;
    for (const h of shown) {
      const score = h.score === undefined ? "–" : `${Math.round(h.score)}/100`;
      out.push(`| ${cell(h.host)} | ${score} | ${h.counts.critical} | ${h.counts.high} | ${h.counts.medium} | ${h.counts.low} | ${h.counts.info} |`);
    }
    const rest = hosts.slice(shown.length);
    if (rest.length > 0) out.push(`| … and ${rest.length} more hosts | ≥ ${Math.round(Math.min(...rest.map((h) => h.score ?? 100)))}/100 | | | | | |`);
    const none = unattributedSummary(report);
    if (none) out.push(`| *no host* (modules not tied to a host; may apply to every host) | – | ${none.counts.critical} | ${none.counts.high} | ${none.counts.medium} | ${none.counts.low} | ${none.counts.info} |`);
    out.push("");
  }
  const categories = countByCategory(report.findings);
  if (categories.length > 0) out.push(`By category: ${categories.map(([c, n]) => `${cell(c)} ${n}`).join(", ")}.`, "");
  const first3 = fixFirst(groups);
  if (first3.length > 0) {
    out.push("### Fix first", "");
    first3.forEach((g, i) => {
      const first = g.findings[0]!;
      const more = g.findings.length > 1 ? ` and ${g.findings.length - 1} more` : "";
      const on = g.hosts.length > 0 ? ` (${listShort(g.hosts.map(text))})` : "";
      out.push(`${i + 1}. **${g.severity}**: ${text(g.title)}, ${code(location(first))}${more}${on} ([${number.get(first)}](#${anchorFor(number.get(first)!)}))`);
    });
    out.push("");
  }

  // Findings
  if (findings.length > 0) {
    out.push("## Findings", "");
    if (opts.verbose) {
      for (const group of groupBySeverity(report.findings)) {
        out.push(`### ${headingOf(group.severity)} (${group.findings.length})`, "");
        for (const f of group.findings) out.push(...renderFinding(f, number.get(f)!, patchName.get(f), patchDir));
      }
    } else {
      for (const severity of SEVERITY_ORDER) {
        const mine = groups.filter((g) => g.severity === severity);
        if (mine.length === 0) continue;
        const n = mine.reduce((sum, g) => sum + g.findings.length, 0);
        out.push(`### ${headingOf(severity)} (${n})`, "");
        for (const g of mine) {
          if (g.findings.length === 1) out.push(...renderFinding(g.findings[0]!, number.get(g.findings[0]!)!, patchName.get(g.findings[0]!), patchDir));
          else out.push(...renderGroup(g, number, patchName, patchDir, opts.ruleInfo));
        }
      }
    }
  }

  // Quick fixes
  out.push("## Quick fixes", "");
  const withheld = withheldPatches(report.findings);
  if (patches.length === 0 && withheld.length === 0) out.push("No finding can be fixed automatically.", "");
  if (patches.length > 0) {
    out.push(
      `${plural(patches.length, "finding")} can be fixed automatically. Review each patch, apply it from the repository root, then rebuild the hosts it names:`,
      "",
      "| # | Severity | Finding | Patch | Hosts |",
      "|---:|---|---|---|---|",
    );
    for (const p of patches) {
      const n = number.get(p.finding)!;
      out.push(
        `| [${n}](#${anchorFor(n)}) | ${p.finding.severity} | ${cell(p.finding.title)} | ${code(`${patchDir}/${p.name}`)} | ${cell((p.finding.host ?? []).join(", ") || "–")} |`,
      );
    }
    out.push("", ...block(patches.map((p) => `git apply ${patchDir}/${p.name}`), "sh"), "");
  }
  if (withheld.length > 0) {
    const links = withheld.map((f) => `[${number.get(f)}](#${anchorFor(number.get(f)!)})`).join(", ");
    out.push(
      `${withheld.length === 1 ? "One automatic fix touches a secret" : `${withheld.length} automatic fixes touch a secret`}, so no patch file is written (it would contain the secret); apply ${withheld.length === 1 ? "it" : "them"} with \`nix-warden remediate\`: ${links}.`,
      "",
    );
  }

  // Suppressed
  if (report.suppressed.length > 0) {
    out.push("## Suppressed findings", "");
    out.push("| Severity | Rule | Location | Reason | Suppressed by | Expires |", "|---|---|---|---|---|---|");
    for (const s of sortFindings(report.suppressed)) {
      const by = s.suppressedBy;
      const where = by.file ? `${by.kind}: ${code(`${by.file}${by.line !== undefined ? `:${by.line}` : ""}`)}` : by.kind;
      out.push(`| ${s.severity} | ${code(s.ruleId)} | ${code(location(s))} | ${cell(text(by.reason))} | ${where} | ${by.expires ?? "–"} |`);
    }
    out.push("");
  }

  // Errors
  if (report.errors.length > 0) {
    out.push("## Errors", "", "These parts were not fully scanned; findings there may be missing.", "");
    for (const e of report.errors) {
      const where = e.file ? ` (${code(`${e.file}${e.line !== undefined ? `:${e.line}` : ""}${e.column !== undefined ? `:${e.column}` : ""}`)})` : "";
      out.push(`- **${text(e.source)}**: ${text(e.message)}${where}`);
    }
    out.push("");
  }
  return out.join("\n");
}

/** A rule's findings at one severity: what they say and the fix once, then one line per place
 * (with its anchor, so the quick-fix table links to it). */
function renderGroup(g: FindingGroup, number: Map<Finding, number>, patchName: Map<Finding, string>, patchDir: string, ruleInfo?: RuleInfo): string[] {
  const first = g.findings[0]!;
  const out: string[] = [];
  out.push(`#### ${text(g.title)} (${g.findings.length} places)`, "");
  out.push(`- **Rule:** ${code(g.ruleId)} (${g.category}, ${g.severity})`);
  if (g.hosts.length > 0) out.push(`- **Hosts:** ${g.hosts.map(text).join(", ")}`);
  out.push("");
  out.push(`**Why it matters${g.sameMessage ? "" : ", at the first place"}:** ${text(first.message)}`, "");
  const safeties = [...new Set(g.findings.flatMap((f) => (f.fix ? [f.fix.safety] : [])))].join("/");
  const fix = g.commonFix ?? ruleInfo?.(g.ruleId)?.fix;
  if (fix) out.push(`**Fix** (${safeties}): ${text(fix)}`, "");
  else if (first.fix) out.push(`**Fix** (${safeties}), at the first place: ${text(first.fix.description)}`, "");
  const titled = new Set(g.findings.map((f) => f.title)).size > 1;
  out.push("Places:", "");
  for (const f of g.findings) {
    const n = number.get(f)!;
    const what = titled ? text(f.title) : f.evidence ? code(f.evidence.length > 100 ? `${f.evidence.slice(0, 99)}…` : f.evidence) : "";
    const hosts = f.host && f.host.length > 0 ? ` (${f.host.map(text).join(", ")})` : "";
    const patch = patchName.get(f) ? `, patch ${code(`${patchDir}/${patchName.get(f)}`)}` : "";
    out.push(`- <a id="${anchorFor(n)}"></a>${n}. ${code(location(f))}${what ? ` ${what}` : ""}${hosts}${patch}`);
  }
  out.push("");
  if (first.references && first.references.length > 0) out.push("References: " + referenceLinks(first), "");
  return out;
}

function referenceLinks(f: Finding): string {
  return (f.references ?? [])
    .map((r) => (r.url ? `[${cell(r.title)}](${r.url.replace(/[()\s<>]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0"))})` : text(r.title)))
    .join(", ");
}

function renderFinding(f: Finding, n: number, patchName: string | undefined, patchDir: string): string[] {
  const out: string[] = [];
  out.push(`<a id="${anchorFor(n)}"></a>`, `#### ${n}. ${text(f.title)}`, "");
  out.push(`- **Location:** ${code(location(f))}`);
  out.push(`- **Rule:** ${code(f.ruleId)} (${f.category}, ${f.severity})`);
  if (f.optionPath) out.push(`- **Option:** ${code(f.optionPath)}`);
  if (f.host && f.host.length > 0) out.push(`- **Hosts:** ${f.host.map(text).join(", ")}`);
  out.push("");
  out.push(`**Why it matters:** ${text(f.message)}`, "");
  if (f.evidence) out.push("**Evidence:**", "", ...block([f.evidence]), "");
  if (f.fix) {
    out.push(`**Fix** (${f.fix.safety}): ${text(f.fix.description)}`, "");
    if (f.fix.patch) {
      const { before, after } = beforeAfter(f.fix.patch);
      if (before.length > 0) out.push("Before:", "", ...block(before, "nix"), "");
      if (after.length > 0) out.push("After:", "", ...block(after, "nix"), "");
      if (patchName) out.push(`Patch: ${code(`${patchDir}/${patchName}`)}`, "");
    }
  }
  if (f.host && f.host.length > 0) {
    out.push("Deploy the fix:", "", ...block(f.host.map(deployCommand), "sh"), "");
  }
  if (f.references && f.references.length > 0) {
    out.push("References: " + referenceLinks(f), "");
  }
  return out;
}

/** "High", or "Info: maintenance, not security". */
function headingOf(severity: Severity): string {
  const h = severityHeading(severity);
  return h[0]! + h.slice(1).replace(/^[A-Z]+/, (w) => w.toLowerCase());
}
