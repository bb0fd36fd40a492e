// What security_scan and check_drift answer: a summary first (per host: score, counts, the worst
// items), then one page of items grouped (findings by rule, drift items by category) with their
// places, in a stable order a cursor pages through. Rule rationale and references are explain_rule's
// and the catalogue's, not repeated on every finding; the stored report (a resource) has everything.
import { z } from "zod";
import type { DriftItemX, DriftReportX } from "../drift/model.js";
import { FixSafety, SEVERITY_RANK, Severity, type Finding, type SecurityReport } from "../report/schema.js";
import { clip, Detail, encodeCursor, fitPage, oneLine, PageInfo, ReportRef, type CursorTarget } from "./answer.js";

const bySeverityOf = (items: readonly { severity: Severity }[]) => {
  const out: Record<string, number> = {};
  for (const i of items) out[i.severity] = (out[i.severity] ?? 0) + 1;
  return out;
};
const rank = (s: Severity) => SEVERITY_RANK[s] ?? 0;

const ErrorBrief = z.object({ source: z.string(), file: z.string().optional(), message: z.string() });
const briefErrors = (errors: readonly { source: string; file?: string; message: string }[]) =>
  errors.slice(0, 3).map((e) => ({ source: e.source, ...(e.file ? { file: e.file } : {}), message: oneLine(e.message, 200) }));

// ---------------------------------------------------------------- security

/** What both answers start with: the tool, the stored report they page, and the detail asked for. */
const answerHead = <T extends string>(tool: T) => ({ tool: z.literal(tool), report: ReportRef, detail: Detail });
/** The counts both answers' summaries give of the whole report. */
const COUNTS = { total: z.number().int(), bySeverity: z.record(z.string(), z.number().int()), byCategory: z.record(z.string(), z.number().int()) };
const WorstFinding = z.object({ ruleId: z.string(), severity: Severity, file: z.string(), line: z.number().int() });

export const SecurityPlace = z.object({
  id: z.string(),
  file: z.string(),
  line: z.number().int(),
  host: z.array(z.string()).optional(),
  /** Redacted, as in the report; cut to one line unless detail is full. */
  evidence: z.string(),
  /** The fix's safety (auto, review, manual) when the finding has one. */
  fix: FixSafety.optional(),
  // detail full:
  column: z.number().int().optional(),
  endLine: z.number().int().optional(),
  endColumn: z.number().int().optional(),
  optionPath: z.string().optional(),
  message: z.string().optional(),
  fixDescription: z.string().optional(),
  patch: z.string().optional(),
});

export const SecurityGroup = z.object({
  ruleId: z.string(),
  title: z.string(),
  category: z.string(),
  severity: Severity,
  /** Findings of this rule in the whole report (this page may hold only some of them). */
  total: z.number().int(),
  /** What the fix does (once per rule, from its first finding here). */
  fix: z.string().optional(),
  places: z.array(SecurityPlace),
});

export const SecurityAnswer = z.object({
  ...answerHead("security_scan"),
  summary: z.object({
    root: z.string(),
    /** The scanned hosts (the first 50 when there are more; hostCount says how many). */
    hosts: z.array(z.string()),
    hostCount: z.number().int(),
    ...COUNTS,
    /** The 10 hosts worst off (lowest score, most findings), and findings tied to no host. */
    perHost: z.array(
      z.object({
        /** A host, or `(no host)` for findings not tied to one (files outside any host's imports). */
        host: z.string(),
        score: z.number().optional(),
        total: z.number().int(),
        bySeverity: z.record(z.string(), z.number().int()),
        worst: z.array(WorstFinding),
      }),
    ),
    suppressed: z.number().int(),
    services: z.number().int(),
    errors: z.number().int(),
    firstErrors: z.array(ErrorBrief),
  }),
  page: PageInfo,
  groups: z.array(SecurityGroup),
  nextCursor: z.string().optional(),
  filesWritten: z.array(z.string()).optional(),
  next: z.string(),
});
export type SecurityAnswer = z.infer<typeof SecurityAnswer>;

/**
 * Items grouped (`group`), the groups by their worst severity and then by name, so that each group
 * is contiguous; within a group by severity, then `within`.
 */
function orderByWorstGroup<T extends { severity: Severity }>(items: readonly T[], group: (t: T) => string, within: (a: T, b: T) => number): T[] {
  const worst = new Map<string, number>();
  for (const t of items) worst.set(group(t), Math.max(worst.get(group(t)) ?? 0, rank(t.severity)));
  return [...items].sort(
    (a, b) => worst.get(group(b))! - worst.get(group(a))! || group(a).localeCompare(group(b)) || rank(b.severity) - rank(a.severity) || within(a, b),
  );
}

/** The report's findings in the order pages list them: rules by their worst severity, then id;
 * within a rule by severity, file, line, column, id. Every rule's findings are contiguous. */
export function orderFindings(findings: readonly Finding[]): Finding[] {
  return orderByWorstGroup(findings, (f) => f.ruleId, (a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.id.localeCompare(b.id));
}

function worstOf(findings: readonly Finding[], n = 3): z.infer<typeof WorstFinding>[] {
  return [...findings]
    .sort((a, b) => rank(b.severity) - rank(a.severity) || a.file.localeCompare(b.file) || a.line - b.line)
    .slice(0, n)
    .map((f) => ({ ruleId: f.ruleId, severity: f.severity, file: f.file, line: f.line }));
}

function securitySummary(report: SecurityReport): SecurityAnswer["summary"] {
  const perHost: SecurityAnswer["summary"]["perHost"] = report.hosts.map((host) => {
    const mine = report.findings.filter((f) => f.host?.includes(host));
    return { host, ...(report.summary.score[host] !== undefined ? { score: report.summary.score[host] } : {}), total: mine.length, bySeverity: bySeverityOf(mine), worst: worstOf(mine) };
  });
  perHost.sort((a, b) => (a.score ?? 101) - (b.score ?? 101) || b.total - a.total || a.host.localeCompare(b.host));
  perHost.splice(10);
  const hostless = report.findings.filter((f) => !f.host?.length);
  if (hostless.length) perHost.push({ host: "(no host)", total: hostless.length, bySeverity: bySeverityOf(hostless), worst: worstOf(hostless) });
  return {
    root: report.root,
    hosts: report.hosts.slice(0, 50),
    hostCount: report.hosts.length,
    total: report.findings.length,
    bySeverity: report.summary.bySeverity,
    byCategory: report.summary.byCategory,
    perHost,
    suppressed: report.suppressed.length,
    services: report.inventory.services.length,
    errors: report.errors.length,
    firstErrors: briefErrors(report.errors),
  };
}

function place(f: Finding, detail: Detail): z.infer<typeof SecurityPlace> {
  const base = {
    id: f.id,
    file: f.file,
    line: f.line,
    ...(f.host?.length ? { host: f.host } : {}),
    evidence: detail === "full" ? clip(f.evidence, 1000) : oneLine(f.evidence, 160),
    ...(f.fix ? { fix: f.fix.safety } : {}),
  };
  if (detail !== "full") return base;
  return {
    ...base,
    column: f.column,
    endLine: f.endLine,
    endColumn: f.endColumn,
    ...(f.optionPath ? { optionPath: f.optionPath } : {}),
    message: clip(f.message, 1000),
    ...(f.fix ? { fixDescription: clip(f.fix.description, 1000), ...(f.fix.patch ? { patch: clip(f.fix.patch, 3000) } : {}) } : {}),
  };
}

function groupFindings(page: readonly Finding[], detail: Detail, totals: Map<string, number>): z.infer<typeof SecurityGroup>[] {
  const groups: z.infer<typeof SecurityGroup>[] = [];
  for (const f of page) {
    let g = groups[groups.length - 1];
    if (g?.ruleId !== f.ruleId) {
      g = { ruleId: f.ruleId, title: f.title, category: f.category, severity: f.severity, total: totals.get(f.ruleId) ?? 0, ...(f.fix && detail !== "full" ? { fix: oneLine(f.fix.description, 300) } : {}), places: [] };
      groups.push(g);
    }
    if (rank(f.severity) > rank(g.severity)) g.severity = f.severity;
    if (!g.fix && f.fix && detail !== "full") g.fix = oneLine(f.fix.description, 300);
    g.places.push(place(f, detail));
  }
  return groups;
}

export interface AnswerOptions {
  detail: Detail;
  limit: number;
  offset: number;
  /** What a cursor of this report names (`security/<host key>/<id>`). */
  cursorRef: string;
  report: z.infer<typeof ReportRef>;
}

/** What every page of one report shares: its findings in page order, each rule's count, the
 * summary. Worked out once per report (an agent paging a report of thousands of findings asks for
 * hundreds of pages), again only if the report's findings are another array or another length. */
const pagingOf = new WeakMap<SecurityReport, { findings: readonly Finding[]; length: number; ordered: Finding[]; totals: Map<string, number>; summary: SecurityAnswer["summary"] }>();

function reportPaging(report: SecurityReport) {
  const known = pagingOf.get(report);
  if (known && known.findings === report.findings && known.length === report.findings.length) return known;
  const ordered = orderFindings(report.findings);
  const totals = new Map<string, number>();
  for (const f of ordered) totals.set(f.ruleId, (totals.get(f.ruleId) ?? 0) + 1);
  const paging = { findings: report.findings, length: report.findings.length, ordered, totals, summary: securitySummary(report) };
  pagingOf.set(report, paging);
  return paging;
}

export function securityAnswer(report: SecurityReport, o: AnswerOptions & { filesWritten?: string[] }): SecurityAnswer {
  const { ordered, totals, summary: shared } = reportPaging(report);
  // A copy per answer: the answer's summary may be changed by its caller, the shared one must not.
  const summary = structuredClone(shared);
  const offset = Math.min(o.offset, ordered.length);
  const build = (page: readonly Finding[]): SecurityAnswer => {
    const end = offset + page.length;
    const more = o.detail === "summary" ? ordered.length > 0 : end < ordered.length;
    const nextOffset = o.detail === "summary" ? offset : end;
    const nextCursor = more ? encodeCursor({ ref: o.cursorRef, offset: nextOffset } satisfies CursorTarget) : undefined;
    return {
      tool: "security_scan",
      report: o.report,
      detail: o.detail,
      summary,
      page: { offset, count: page.length, total: ordered.length },
      groups: groupFindings(page, o.detail, totals),
      ...(nextCursor ? { nextCursor } : {}),
      ...(o.filesWritten?.length ? { filesWritten: o.filesWritten } : {}),
      next: [
        nextCursor ? `${ordered.length - nextOffset} more finding(s): call security_scan again with cursor=nextCursor (same report, no new scan).` : "This page ends the findings.",
        `Full report: resource ${o.report.uri}. explain_rule gives a rule's rationale and references; remediate (dry run) plans fixes.`,
      ].join(" "),
    };
  };
  if (o.detail === "summary") return build([]);
  return fitPage(ordered, offset, o.limit, build).page;
}

// ---------------------------------------------------------------- drift

export const DriftPlace = z.object({
  id: z.string(),
  subject: z.string(),
  severity: Severity,
  evidence: z.string(),
  cause: z.string().optional(),
  /** The first remediation: strategy, safety and what it does. */
  fix: z.string().optional(),
  // detail full:
  declared: z.unknown().optional(),
  actual: z.unknown().optional(),
  remediation: z.array(z.object({ strategy: z.string(), safety: FixSafety, description: z.string(), commands: z.array(z.array(z.string())).optional() })).optional(),
});

export const DriftGroup = z.object({
  category: z.string(),
  /** Items of this category in the whole report. */
  total: z.number().int(),
  items: z.array(DriftPlace),
});

export const DriftAnswer = z.object({
  ...answerHead("check_drift"),
  summary: z.object({
    host: z.string(),
    declaredFrom: z.string(),
    actualFrom: z.string(),
    drifted: z.boolean(),
    ...COUNTS,
    worst: z.array(z.object({ category: z.string(), subject: z.string(), severity: Severity })),
    belowThreshold: z.number().int(),
    suppressed: z.number().int(),
    notes: z.array(z.string()),
    errors: z.number().int(),
    firstErrors: z.array(ErrorBrief),
  }),
  page: PageInfo,
  groups: z.array(DriftGroup),
  nextCursor: z.string().optional(),
  next: z.string(),
});
export type DriftAnswer = z.infer<typeof DriftAnswer>;

/** Drift items in page order: categories by their worst severity, then name; within one by
 * severity, subject, id. */
export function orderDriftItems(items: readonly DriftItemX[]): DriftItemX[] {
  return orderByWorstGroup(items, (i) => i.category, (a, b) => a.subject.localeCompare(b.subject) || a.id.localeCompare(b.id));
}

/** A declared or actual value, cut when large (a whole unit file, a long package list). */
function boundedValue(v: unknown): unknown {
  if (v === undefined) return undefined;
  const s = JSON.stringify(v);
  return s !== undefined && s.length > 1000 ? clip(s, 1000) : v;
}

function driftPlace(it: DriftItemX, detail: Detail): z.infer<typeof DriftPlace> {
  const r = it.remediation[0];
  const base = {
    id: it.id,
    subject: oneLine(it.subject, 200),
    severity: it.severity,
    evidence: detail === "full" ? clip(it.evidence, 1000) : oneLine(it.evidence, 200),
    ...(it.cause ? { cause: oneLine(`${it.cause.description}${it.cause.when ? ` (${it.cause.when})` : ""}`, 200) } : {}),
  };
  if (detail !== "full") return { ...base, ...(r ? { fix: oneLine(`${r.strategy} (${r.safety}): ${r.description}`, 200) } : {}) };
  return {
    ...base,
    ...(it.declared !== undefined ? { declared: boundedValue(it.declared) } : {}),
    ...(it.actual !== undefined ? { actual: boundedValue(it.actual) } : {}),
    remediation: it.remediation.slice(0, 3).map((x) => ({ strategy: x.strategy, safety: x.safety, description: clip(x.description, 500), ...(x.commands ? { commands: x.commands.slice(0, 5).map((c) => c.map((a) => clip(a, 300))) } : {}) })),
  };
}

export function driftAnswer(report: DriftReportX, o: AnswerOptions): DriftAnswer {
  const ordered = orderDriftItems(report.items);
  const totals = new Map<string, number>();
  for (const i of ordered) totals.set(i.category, (totals.get(i.category) ?? 0) + 1);
  const summary: DriftAnswer["summary"] = {
    host: report.host,
    declaredFrom: report.declaredFrom,
    actualFrom: report.actualFrom,
    drifted: report.drifted,
    total: report.items.length,
    bySeverity: report.summary.bySeverity,
    byCategory: report.summary.byCategory,
    worst: [...report.items]
      .sort((a, b) => rank(b.severity) - rank(a.severity) || a.category.localeCompare(b.category) || a.subject.localeCompare(b.subject))
      .slice(0, 5)
      .map((i) => ({ category: i.category, subject: oneLine(i.subject, 120), severity: i.severity })),
    belowThreshold: report.belowThreshold,
    suppressed: report.suppressed.length,
    notes: report.notes.slice(0, 5).map((n) => oneLine(n, 300)),
    errors: report.errors.length,
    firstErrors: briefErrors(report.errors),
  };
  const offset = Math.min(o.offset, ordered.length);
  const build = (page: readonly DriftItemX[]): DriftAnswer => {
    const end = offset + page.length;
    const more = o.detail === "summary" ? ordered.length > 0 : end < ordered.length;
    const nextOffset = o.detail === "summary" ? offset : end;
    const nextCursor = more ? encodeCursor({ ref: o.cursorRef, offset: nextOffset }) : undefined;
    const groups: DriftAnswer["groups"] = [];
    for (const it of page) {
      let g = groups[groups.length - 1];
      if (g?.category !== it.category) groups.push((g = { category: it.category, total: totals.get(it.category) ?? 0, items: [] }));
      g.items.push(driftPlace(it, o.detail));
    }
    return {
      tool: "check_drift",
      report: o.report,
      detail: o.detail,
      summary,
      page: { offset, count: page.length, total: ordered.length },
      groups,
      ...(nextCursor ? { nextCursor } : {}),
      next: [
        nextCursor ? `${ordered.length - nextOffset} more item(s): call check_drift again with cursor=nextCursor (same report, no new check).` : "This page ends the items.",
        `Full report: resource ${o.report.uri}. remediate (dry run, kind=drift) plans fixes.`,
      ].join(" "),
    };
  };
  if (o.detail === "summary") return build([]);
  return fitPage(ordered, offset, o.limit, build).page;
}
