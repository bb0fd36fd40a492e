// The SecurityReport for a terminal. A head that fits one screen (the scores per host, the counts,
// the three worst things to fix), then the findings by severity, those of one rule grouped into one
// entry that lists the places (a hardening fix is printed once, not 94 times), then the errors.
// `verbose` lists every finding with its own message, evidence and fix, as the JSON report has them.
import { countByCategory, countBySeverity, groupBySeverity, groupFindings, hostSummaries, unattributedSummary, listShort, location, plural, severityHeading, severityPhrase, fixFirst, SEVERITY_ORDER, type FindingGroup, type RuleInfo } from "./format.js";
import { escapeControls } from "../text/safe-text.js";
import type { SecurityReport, Severity } from "./schema.js";

export interface TextOptions {
  /** ANSI colours (default false: the caller decides from isTTY and NO_COLOR). */
  color?: boolean;
  /** Show evidence lines (default true). */
  evidence?: boolean;
  /** Every finding in full instead of one entry per rule (default false). */
  verbose?: boolean;
  /** Rule names and generic fixes, for groups whose findings word them differently. */
  ruleInfo?: RuleInfo;
}

/** Host lines in the head; more are summed up in one line (the JSON report has every score). */
const HEAD_HOSTS = 12;
/** Places listed under a group unless verbose. */
const GROUP_PLACES = 8;

const COLORS: Record<Severity | "bold" | "dim" | "ok", string> = {
  critical: "\u001b[1;35m",
  high: "\u001b[1;31m",
  medium: "\u001b[33m",
  low: "\u001b[36m",
  info: "\u001b[2m",
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
  const groups = groupFindings(report.findings, opts.ruleInfo);
  const out = renderHead(report, groups, paint);

  if (report.findings.length === 0) {
    out.push(paint("ok", "No findings: nothing insecure was found in the scanned files."));
    out.push("");
  }

  if (opts.verbose) {
    for (const group of groupBySeverity(report.findings)) {
      out.push(paint(group.severity, `${severityHeading(group.severity)} (${group.findings.length})`));
      for (const f of group.findings) {
        const hostsNote = f.host && f.host.length > 0 ? `  [${f.host.map(clean).join(", ")}]` : "";
        out.push(`  ${paint("bold", clean(location(f)))}  ${clean(f.title)}  ${paint("dim", `(${f.ruleId})`)}${hostsNote}`);
        out.push(`      ${clean(f.message)}`);
        if (showEvidence && f.evidence) out.push(paint("dim", `      evidence: ${clean(f.evidence)}`));
        if (f.fix) out.push(`      fix (${f.fix.safety}): ${clean(f.fix.description)}`);
      }
      out.push("");
    }
  } else {
    for (const severity of SEVERITY_ORDER) {
      const mine = groups.filter((g) => g.severity === severity);
      if (mine.length === 0) continue;
      const n = mine.reduce((sum, g) => sum + g.findings.length, 0);
      out.push(paint(severity, `${severityHeading(severity)} (${n})`));
      // Maintenance findings take one line per rule: the security findings above are what the
      // report is read for (olafkfreund/nixos_config: 71 of them filled 83 lines).
      if (severity === "info") {
        for (const g of mine) out.push(compactGroup(g, paint));
        out.push(paint("dim", "  (each place, message and fix: --verbose, or the JSON report)"));
      } else for (const g of mine) out.push(...renderGroup(g, opts, showEvidence, paint));
      out.push("");
    }
  }

  if (report.errors.length > 0) {
    out.push(paint("high", `Errors (${report.errors.length}): these parts were not fully scanned`));
    for (const e of report.errors) {
      const where = e.file ? ` (${clean(e.file)}${e.line !== undefined ? `:${e.line}` : ""}${e.column !== undefined ? `:${e.column}` : ""})` : "";
      out.push(`  ${clean(e.source)}: ${clean(e.message)}${where}`);
    }
  }
  return out.join("\n") + "\n";
}

type Paint = (style: keyof typeof COLORS, s: string) => string;

/** The first screen: scores, counts, what to fix first. */
function renderHead(report: SecurityReport, groups: FindingGroup[], paint: Paint): string[] {
  const out: string[] = [];
  out.push(paint("bold", `${report.tool.name} ${report.tool.version}: security scan of ${clean(report.root)}`));
  out.push(paint("dim", `generated ${report.generatedAt}`));
  out.push("");

  // Worst score first, so the hosts that need attention are on screen.
  const hosts = hostSummaries(report).sort((a, b) => (a.score ?? 101) - (b.score ?? 101) || a.host.localeCompare(b.host));
  if (hosts.length > 0) {
    const shown = hosts.length > HEAD_HOSTS ? hosts.slice(0, HEAD_HOSTS - 1) : hosts;
    const none = unattributedSummary(report);
    const width = Math.max(...shown.map((h) => h.host.length), none ? "no host".length : 0);
    for (const h of shown) {
      const score = h.score === undefined ? "  -" : String(Math.round(h.score)).padStart(3);
      out.push(`  ${clean(h.host).padEnd(width)}  score ${score}/100  ${plural(h.total, "finding")} (${severityPhrase(h.counts)})`);
    }
    const rest = hosts.slice(shown.length);
    if (rest.length > 0) {
      const best = Math.round(Math.min(...rest.map((h) => h.score ?? 100)));
      out.push(`  … and ${rest.length} more hosts scoring ${best}/100 or better (every score is in the JSON report)`);
    }
    if (none) out.push(`  ${"no host".padEnd(width)}  score   -       ${plural(none.total, "finding")} (${severityPhrase(none.counts)}) in modules not tied to a host; they may apply to every host`);
    out.push("");
  }

  const counts = countBySeverity(report.findings);
  const summary = [`Summary: ${plural(report.findings.length, "finding")} (${severityPhrase(counts)})`];
  const dead = report.suppressed.filter((s) => s.suppressedBy.kind === "unused").length;
  if (report.suppressed.length > dead) summary.push(`${report.suppressed.length - dead} suppressed`);
  if (dead > 0) summary.push(`${plural(dead, "finding")} left out in modules no host imports (dead code; listed in the JSON report)`);
  if (report.errors.length > 0) summary.push(plural(report.errors.length, "error"));
  out.push(summary.join("; ") + ".");
  const categories = countByCategory(report.findings);
  if (categories.length > 0) out.push(`  by category: ${categories.map(([c, n]) => `${c} ${n}`).join(", ")}`);
  const autoFixable = report.findings.filter((f) => f.fix?.safety === "auto").length;
  if (autoFixable > 0) out.push(`  ${plural(autoFixable, "finding")} can be fixed automatically (nix-warden remediate).`);
  if (report.errors.length > 0) out.push(`  ${plural(report.errors.length, "part")} could not be fully scanned: see Errors at the end.`);

  const first = fixFirst(groups);
  if (first.length > 0) {
    out.push("");
    out.push(paint("bold", "Fix first:"));
    first.forEach((g, i) => {
      const first = g.findings[0]!;
      const more = g.findings.length > 1 ? ` and ${g.findings.length - 1} more ${g.findings.length === 2 ? "place" : "places"}` : "";
      const on = g.hosts.length > 0 ? `; ${g.hosts.length === 1 ? "host" : "hosts"} ${listShort(g.hosts.map(clean))}` : "";
      out.push(`  ${i + 1}. ${paint(g.severity, g.severity)}  ${clean(g.title)}  ${paint("dim", `(${g.ruleId})`)}`);
      out.push(`     ${clean(location(first))}${more}${on}`);
    });
  }
  out.push("");
  return out;
}

/** A rule's findings on one line: title, rule, how many places (the first), hosts. */
function compactGroup(g: FindingGroup, paint: Paint): string {
  const first = g.findings[0]!;
  const title = g.findings.length === 1 ? first.title : g.title;
  const where = g.findings.length === 1 ? clean(location(first)) : `${g.findings.length} places, first ${clean(location(first))}`;
  const hosts = g.hosts.length > 0 ? `  [${listShort(g.hosts.map(clean), 6)}]` : "";
  return `  ${clean(title)}  ${paint("dim", `(${g.ruleId})`)}  ${where}${hosts}`;
}

/** One entry: a finding on its own, or a rule's findings with the places listed. */
function renderGroup(g: FindingGroup, opts: TextOptions, showEvidence: boolean, paint: Paint): string[] {
  const out: string[] = [];
  const hostsOf = (hosts: string[] | undefined) => (hosts && hosts.length > 0 ? `  [${listShort(hosts.map(clean), 6)}]` : "");
  if (g.findings.length === 1) {
    const f = g.findings[0]!;
    out.push(`  ${paint("bold", clean(location(f)))}  ${clean(f.title)}  ${paint("dim", `(${f.ruleId})`)}${hostsOf(f.host)}`);
    out.push(`      ${clean(f.message)}`);
    if (showEvidence && f.evidence) out.push(paint("dim", `      evidence: ${clean(f.evidence)}`));
    if (f.fix) out.push(`      fix (${f.fix.safety}): ${clean(f.fix.description)}`);
    return out;
  }
  const first = g.findings[0]!;
  out.push(`  ${paint("bold", clean(g.title))}  ${paint("dim", `(${g.ruleId})`)}  ${g.findings.length} places${hostsOf(g.hosts)}`);
  out.push(`      ${g.sameMessage ? "" : "e.g. "}${clean(first.message)}`);
  const safeties = [...new Set(g.findings.flatMap((f) => (f.fix ? [f.fix.safety] : [])))];
  const fix = g.commonFix ?? opts.ruleInfo?.(g.ruleId)?.fix;
  if (fix) out.push(`      fix (${safeties.join("/")}): ${clean(fix)}`);
  else if (first.fix) out.push(`      fix (${safeties.join("/")}), at the first place: ${clean(first.fix.description)}`);
  // What tells the places apart: their titles when those differ (the service's name), else the line.
  const titled = new Set(g.findings.map((f) => f.title)).size > 1;
  const shown = g.findings.slice(0, GROUP_PLACES);
  for (const f of shown) {
    const what = titled ? f.title : showEvidence ? (f.evidence ?? "") : "";
    const short = what.length > 100 ? `${what.slice(0, 99)}…` : what;
    out.push(`      ${paint("bold", clean(location(f)))}${short ? `  ${paint("dim", clean(short))}` : ""}${hostsOf(f.host)}`);
  }
  if (g.findings.length > shown.length) out.push(`      … and ${g.findings.length - shown.length} more places (--verbose, or the JSON report)`);
  return out;
}
