// Turning what rules report into Findings: location and range, a stable fingerprint, the hosts, the
// severity policy for VM tests, evidence with every secret redacted, and the fix as a unified diff
// (withheld when the diff would carry a secret).
import { createHash } from "node:crypto";
import type { Finding } from "../report/schema.js";
import { LineIndex, type SyntaxNode } from "../nix/syntax.js";
import { applyEdits, unifiedDiff } from "../remediate/diff.js";
import type { Rule, RuleReport, TextEdit } from "../rules/types.js";
import { detectSecrets, redactAll } from "../secrets/index.js";

export interface ReportSite {
  /** The file the report is about (relative), its text and line index. */
  file: string;
  text: string | undefined;
  lines: LineIndex | undefined;
  hosts: string[];
  /** The node is inside a NixOS VM test. */
  inTest: boolean;
}

export interface RawFinding {
  rule: Rule;
  report: RuleReport;
  site: ReportSite;
}

/** Secret ranges that must not appear in evidence or patches: what the detectors find in the
 * evidence, plus ranges a rule marks. */
function redactEvidence(evidence: string): string {
  const matches = detectSecrets(evidence);
  return matches.length ? redactAll(evidence, matches) : evidence;
}

function rangeOf(report: RuleReport, site: ReportSite): { line: number; column: number; endLine: number; endColumn: number } {
  if (report.node) {
    const start = report.node.source.lines.position(report.node.start);
    const end = report.node.source.lines.position(report.node.end);
    return { line: start.line, column: start.column, endLine: end.line, endColumn: end.column };
  }
  if (report.range) return report.range;
  void site;
  return { line: 1, column: 1, endLine: 1, endColumn: 1 };
}

function defaultEvidence(site: ReportSite, range: { line: number; endLine: number }): string {
  if (!site.lines) return "";
  const first = site.lines.lineText(range.line).trim();
  const more = range.endLine > range.line ? " …" : "";
  const text = first.length > 200 ? first.slice(0, 200) + "…" : first;
  return text + more;
}

function fingerprint(ruleId: string, file: string, stable: string): string {
  return createHash("sha256").update(`${ruleId}\0${file}\0${stable}`).digest("hex").slice(0, 16);
}

/** Group edits per file and render one unified diff for all of them. */
export function patchFor(edits: TextEdit[], textOf: (file: string) => string | undefined): string | undefined {
  const byFile = new Map<string, TextEdit[]>();
  for (const e of edits) {
    const list = byFile.get(e.file);
    if (list) list.push(e);
    else byFile.set(e.file, [e]);
  }
  let patch = "";
  for (const [file, list] of [...byFile].sort(([a], [b]) => a.localeCompare(b))) {
    const text = textOf(file);
    if (text === undefined) return undefined;
    patch += unifiedDiff(file, text, applyEdits(text, list));
  }
  return patch || undefined;
}

/** Findings, and the text edits behind each fix (by finding id) for `remediate`, which applies the
 * edits themselves rather than the patch text. */
export function buildFindings(raw: RawFinding[], textOf: (file: string) => string | undefined): { findings: Finding[]; edits: Map<string, TextEdit[]> } {
  const seen = new Map<string, number>();
  const out: Finding[] = [];
  const editsById = new Map<string, TextEdit[]>();
  // A host-level rule reports a shared module once per host that includes it: one finding for the
  // same problem at the same place, listing every host.
  const sameSpot = new Map<string, { finding: Finding; template: string }>();
  const HOST = "\u0000host\u0000";
  const templateOf = (message: string, hosts: string[]) => hosts.reduce((m, h) => m.split(h).join(HOST), message);
  for (const { rule, report, site } of raw) {
    const range = rangeOf(report, site);
    const file = report.file ?? site.file;
    // Messages may name the host they were judged for: compare them with the host taken out.
    const template = templateOf(report.message, site.hosts);
    const spot = JSON.stringify([rule.id, file, range, report.severity ?? rule.severity, template, report.optionPath ?? report.key ?? ""]);
    const twin = sameSpot.get(spot);
    if (twin) {
      const hosts = [...new Set([...(twin.finding.host ?? []), ...site.hosts])].sort();
      if (hosts.length) twin.finding.host = hosts;
      if (twin.template.includes(HOST)) {
        twin.finding.message = twin.template.replace(new RegExp(`\\bhost ${HOST}`, "g"), `hosts ${hosts.join(", ")}`).split(HOST).join(hosts.join(", "));
      }
      continue;
    }
    const evidence = redactEvidence(report.evidence ?? defaultEvidence(site, range));
    const stable = report.optionPath ?? report.key ?? evidence.replace(/\s+/g, " ");
    let id = fingerprint(rule.id, file, stable);
    const n = seen.get(id) ?? 0;
    seen.set(id, n + 1);
    if (n > 0) id = `${id}-${n + 1}`;
    let severity = report.severity ?? rule.severity;
    let message = report.message;
    if (site.inTest) {
      // Relaxed settings inside a throwaway VM test are at most low.
      if (severity !== "low") message += " (inside a NixOS VM test, so reported as low)";
      severity = "low";
    }
    const finding: Finding = {
      id,
      ruleId: rule.id,
      category: rule.category,
      severity,
      title: report.title ?? rule.name,
      message,
      file,
      ...range,
      evidence,
      references: rule.references,
    };
    if (site.hosts.length) finding.host = [...site.hosts].sort();
    sameSpot.set(spot, { finding, template });
    if (report.optionPath) finding.optionPath = report.optionPath;
    if (report.fix) {
      let patch = report.fix.edits?.length ? patchFor(report.fix.edits, textOf) : undefined;
      let description = report.fix.description;
      // Context lines count too: a fix next to a password would otherwise print it.
      if (patch && detectSecrets(patch.split("\n").filter((l) => !l.startsWith("diff --git ") && !l.startsWith("--- ") && !l.startsWith("+++ ") && !l.startsWith("@@")).map((l) => l.slice(1)).join("\n")).length > 0) {
        patch = undefined;
        description += " (The patch is withheld from the report because it would show a secret; `nix-warden remediate` applies it.)";
      }
      finding.fix = { safety: report.fix.safety, description, ...(patch ? { patch } : {}) };
      if (report.fix.edits?.length) editsById.set(id, report.fix.edits);
    }
    out.push(finding);
  }
  return { findings: out, edits: editsById };
}

/** The line index of a node's file (for rules reporting on other files). */
export function nodeLines(node: SyntaxNode): LineIndex {
  return node.source.lines;
}
