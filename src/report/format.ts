// Pieces shared by the SecurityReport renderers: ordering, counting, locations, the lines a patch
// removes and adds, and the command that deploys a fix. Pure functions over the report.
import { detectSecrets } from "../secrets/detect.js";
import { redactAll } from "../secrets/redact.js";
import { gitUnquotePath } from "../text/safe-text.js";
import type { Finding, SecurityReport } from "./schema.js";
import { SEVERITIES, SEVERITY_RANK, type Severity } from "./severity.js";

/** critical, high, medium, low, info: the order every renderer lists severities in. */
export const SEVERITY_ORDER: readonly Severity[] = [...SEVERITIES].sort((a, b) => SEVERITY_RANK[b] - SEVERITY_RANK[a]);

/** Worst first, then by file, line and column, then id: stable across runs. */
export function sortFindings<T extends Finding>(findings: readonly T[]): T[] {
  return [...findings].sort(
    (a, b) =>
      SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
      a.file.localeCompare(b.file) ||
      a.line - b.line ||
      a.column - b.column ||
      a.id.localeCompare(b.id),
  );
}

export function groupBySeverity<T extends Finding>(findings: readonly T[]): Array<{ severity: Severity; findings: T[] }> {
  const sorted = sortFindings(findings);
  return SEVERITY_ORDER.map((severity) => ({ severity, findings: sorted.filter((f) => f.severity === severity) })).filter(
    (g) => g.findings.length > 0,
  );
}

export function location(f: Pick<Finding, "file" | "line" | "column">): string {
  return `${f.file}:${f.line}:${f.column}`;
}

export function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  return counts;
}

export function countByCategory(findings: readonly Finding[]): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const f of findings) counts.set(f.category, (counts.get(f.category) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** "2 critical, 1 high, 3 maintenance" (zero counts left out; info findings are named for what
 * they are), or "none". */
export function severityPhrase(counts: Record<Severity, number>): string {
  const parts = SEVERITY_ORDER.filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${s === "info" ? "maintenance" : s}`);
  return parts.length > 0 ? parts.join(", ") : "none";
}

/** The heading of a severity's section; info findings are maintenance notes, said as such. */
export function severityHeading(severity: Severity): string {
  return severity === "info" ? "INFO: maintenance, not security" : severity.toUpperCase();
}

/** The groups a report's "Fix first" lists: the worst three that are not maintenance notes. */
export function fixFirst<T extends { severity: Severity }>(groups: readonly T[], n = 3): T[] {
  return groups.filter((g) => g.severity !== "info").slice(0, n);
}

export interface HostSummary {
  host: string;
  score: number | undefined;
  counts: Record<Severity, number>;
  total: number;
}

/** Per host: its score and the findings attributed to it (a finding may belong to several hosts). */
export function hostSummaries(report: SecurityReport): HostSummary[] {
  const hosts = [...new Set([...report.hosts, ...Object.keys(report.summary.score)])];
  return hosts.map((host) => {
    const mine = report.findings.filter((f) => f.host?.includes(host));
    return { host, score: report.summary.score[host], counts: countBySeverity(mine), total: mine.length };
  });
}

/** Findings no host could be tied to, in a repository that has hosts: shown beside the host scores,
 * since a module the scan could not attribute may well be imported by every host. Test code
 * (reported low, in VM tests and fixtures) is left out. */
export function unattributedSummary(report: SecurityReport): { counts: Record<Severity, number>; total: number } | undefined {
  if (report.hosts.length === 0) return undefined;
  const none = report.findings.filter((f) => !f.host?.length && !/inside a NixOS VM test|in a test file no host includes/.test(f.message));
  return none.length ? { counts: countBySeverity(none), total: none.length } : undefined;
}

export function plural(n: number, word: string, pluralWord = `${word}s`): string {
  return `${n} ${n === 1 ? word : pluralWord}`;
}

export interface PatchFile {
  oldPath: string | undefined;
  newPath: string | undefined;
  hunks: Array<{ header: string; removed: string[]; added: string[]; context: string[] }>;
}

/**
 * The path of a ---/+++ line without its `a/` / `b/` prefix: C-quoted names (as git writes names
 * with control characters, quotes or non-ASCII) are unquoted; otherwise the name ends at a tab.
 * `null` for a quoted name that does not parse.
 */
function diffPath(raw: string): string | undefined | null {
  let path: string;
  if (raw.startsWith('"')) {
    const q = gitUnquotePath(raw);
    if (!q) return null;
    path = q.path;
  } else {
    path = raw.includes("\t") ? raw.split("\t")[0]! : raw.trim();
  }
  if (path === "/dev/null") return undefined;
  return path.replace(/^[ab]\//, "");
}

const HUNK_HEADER = /^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@/;

/**
 * Reads a unified diff into files and hunks: what each hunk removes, adds and keeps. A hunk holds
 * exactly the lines its header counts (as `patch` reads it), so a removed line that itself starts
 * with `-- ` is not taken for the next file's header. A path that cannot be read is "\0invalid".
 */
export function parseUnifiedDiff(patch: string): PatchFile[] {
  const files: PatchFile[] = [];
  let file: PatchFile | undefined;
  let hunk: PatchFile["hunks"][number] | undefined;
  let oldLeft = 0;
  let newLeft = 0;
  const path = (raw: string) => {
    const p = diffPath(raw);
    return p === null ? INVALID_PATH : p;
  };
  for (const line of patch.split("\n")) {
    if (hunk && (oldLeft > 0 || newLeft > 0)) {
      if (line.startsWith("\\")) continue;
      if (line.startsWith("-")) {
        hunk.removed.push(line.slice(1));
        oldLeft--;
      } else if (line.startsWith("+")) {
        hunk.added.push(line.slice(1));
        newLeft--;
      } else if (line.startsWith(" ") || line === "") {
        hunk.context.push(line.slice(1));
        oldLeft--;
        newLeft--;
      } else {
        hunk = undefined;
      }
      if (hunk) continue;
    }
    if (line.startsWith("--- ")) {
      file = { oldPath: path(line.slice(4)), newPath: undefined, hunks: [] };
      files.push(file);
      hunk = undefined;
    } else if (line.startsWith("+++ ") && file && file.newPath === undefined && file.hunks.length === 0) {
      file.newPath = path(line.slice(4));
    } else if (line.startsWith("@@") && file) {
      const counts = HUNK_HEADER.exec(line);
      hunk = { header: line, removed: [], added: [], context: [] };
      file.hunks.push(hunk);
      oldLeft = counts ? Number(counts[1] ?? 1) : 0;
      newLeft = counts ? Number(counts[2] ?? 1) : 0;
    }
  }
  return files;
}

/** What parseUnifiedDiff gives for a quoted path that does not parse. */
export const INVALID_PATH = "\0invalid";

/**
 * A line of source code with every secret in it redacted. Patches are raw source: the line a fix
 * removes is often the very secret it fixes (`initialPassword = "changeme";`).
 */
export function redactSourceLine(line: string): string {
  return redactAll(line, detectSecrets(line, { fileKind: "nix" }));
}

/** The code a fix removes and the code it adds, across all hunks, secrets redacted. */
export function beforeAfter(patch: string): { before: string[]; after: string[] } {
  const before: string[] = [];
  const after: string[] = [];
  for (const f of parseUnifiedDiff(patch)) {
    for (const h of f.hunks) {
      before.push(...h.removed.map(redactSourceLine));
      after.push(...h.added.map(redactSourceLine));
    }
  }
  return { before, after };
}

/** Whether a patch's removed, added or context lines hold a secret (so it cannot be shown or written as is). */
export function patchContainsSecret(patch: string): boolean {
  return parseUnifiedDiff(patch).some((f) =>
    f.hunks.some((h) => [...h.removed, ...h.added, ...h.context].some((l) => detectSecrets(l, { fileKind: "nix" }).length > 0)),
  );
}

/**
 * The command that deploys a fix to a host of the flake. Attribute names outside the plain
 * identifier set are quoted for Nix and the shell (`'.#"odd host"'`).
 */
export function deployCommand(host: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(host)) return `nixos-rebuild switch --flake .#${host}`;
  const nixQuoted = `"${host.replace(/["\\$]/g, (c) => `\\${c}`)}"`;
  return `nixos-rebuild switch --flake '.#${nixQuoted.replace(/'/g, `'\\''`)}'`;
}

/** What a renderer may know about a rule beyond the report (its name and generic fix), to title
 * and fix a group whose findings word them differently. */
export type RuleInfo = (ruleId: string) => { name: string; fix: string } | undefined;

/** Findings of one rule at one severity: one entry in a grouped report, listing the places. */
export interface FindingGroup<T extends Finding = Finding> {
  ruleId: string;
  severity: Severity;
  category: Finding["category"];
  /** The findings' common title, quoted names taken out where they differ. */
  title: string;
  /** Every finding says the same (message, fix): they differ only in where. */
  sameMessage: boolean;
  /** The fix description shared by every finding, if it is shared. */
  commonFix?: string;
  hosts: string[];
  findings: T[];
}

/** Which kind of problem to read first at one severity: a leaked secret before an open port before
 * a missing sandbox before a style note. */
const CATEGORY_URGENCY: Record<string, number> = {
  secrets: 0,
  access: 1,
  firewall: 2,
  vulnerability: 3,
  tls: 4,
  "service-hardening": 5,
  compliance: 6,
  "anti-pattern": 7,
};

const unquoted = (title: string) => title.replace(/'[^']*'|"[^"]*"|`[^`]*`/g, (q) => `${q[0]}…${q[0]}`);

/** Findings grouped by rule and severity, worst first: severity, then how urgent the category is,
 * then the larger group. Places inside a group keep the report's order. */
export function groupFindings<T extends Finding>(findings: readonly T[], ruleInfo?: RuleInfo): Array<FindingGroup<T>> {
  const groups = new Map<string, T[]>();
  for (const f of sortFindings(findings)) {
    const key = `${f.ruleId}\0${f.severity}`;
    const list = groups.get(key);
    if (list) list.push(f);
    else groups.set(key, [f]);
  }
  const out: Array<FindingGroup<T>> = [];
  for (const list of groups.values()) {
    const first = list[0]!;
    const titles = new Set(list.map((f) => f.title));
    const shapes = new Set(list.map((f) => unquoted(f.title)));
    const title = titles.size === 1 ? first.title : shapes.size === 1 ? [...shapes][0]! : (ruleInfo?.(first.ruleId)?.name ?? first.title);
    const fixes = new Set(list.map((f) => f.fix?.description ?? ""));
    const commonFix = fixes.size === 1 ? first.fix?.description : undefined;
    out.push({
      ruleId: first.ruleId,
      severity: first.severity,
      category: first.category,
      title,
      sameMessage: new Set(list.map((f) => f.message)).size === 1 && fixes.size === 1,
      ...(commonFix ? { commonFix } : {}),
      hosts: [...new Set(list.flatMap((f) => f.host ?? []))].sort(),
      findings: list,
    });
  }
  return out.sort(
    (a, b) =>
      SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
      (CATEGORY_URGENCY[a.category] ?? 9) - (CATEGORY_URGENCY[b.category] ?? 9) ||
      b.findings.length - a.findings.length ||
      a.ruleId.localeCompare(b.ruleId),
  );
}

/** "web, db and 3 more". */
export function listShort(items: readonly string[], max = 4): string {
  return items.length > max ? `${items.slice(0, max).join(", ")} and ${items.length - max} more` : items.join(", ");
}
