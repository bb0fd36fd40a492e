// Turning what rules report into Findings: location and range, a stable fingerprint, the hosts, the
// severity policy for VM tests, evidence with every secret redacted, and the fix as a unified diff
// (withheld when the diff would carry a secret).
import { createHash } from "node:crypto";
import type { Finding } from "../report/schema.js";
import { LineIndex, type SyntaxNode } from "../nix/syntax.js";
import { applyEdits, unifiedDiff } from "../text/diff.js";
import { editsBreakParse } from "../nix/index.js";
import type { Rule, RuleReport, TextEdit } from "../rules/types.js";
import { detectSecrets, redactAll, type SecretMatch } from "../secrets/index.js";
import { testNote, type TestContext } from "./classify.js";
import { escapeRegExp } from "../text/regexp.js";

/** What every info finding says: how the configuration is written or kept, not how secure it is. */
export const MAINTENANCE_NOTE = "(Maintenance, not security: it does not lower the host's score.)";

export interface ReportSite {
  /** The file the report is about (relative), its text and line index. */
  file: string;
  text: string | undefined;
  lines: LineIndex | undefined;
  hosts: string[];
  /** Test code: a NixOS VM test, or a file of a test tree no host includes (src/scan/classify.ts). */
  test?: TestContext;
}

export interface RawFinding {
  rule: Rule;
  report: RuleReport;
  site: ReportSite;
}

/** Secret ranges that must not appear in evidence or patches: what the detectors find in the
 * evidence, plus ranges a rule marks. */
function redactEvidence(evidence: string, file: string): string {
  const done = [...evidence.matchAll(ALREADY_REDACTED)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
  // A match is skipped only when nothing of it but redaction markers and punctuation remains.
  const uncovered = (start: number, end: number) => {
    let text = "";
    for (let i = start; i < end; i++) if (!done.some((d) => i >= d.start && i < d.end)) text += evidence[i];
    return text;
  };
  const matches = secretsIn(evidence, file).filter((m) => /[A-Za-z0-9]/.test(uncovered(m.start, m.end)));
  return matches.length ? redactAll(evidence, matches) : evidence;
}

/**
 * Secrets in a line of source. Judged as plain text (a line inside a Nix string is INI or shell,
 * where unquoted values are literals), except that in a Nix file an unquoted name ending a binding
 * (`x = smtpPassword;`) or applied to an argument (`x = builtins.readFile ./f;`) is code.
 */
function secretsIn(text: string, file: string): SecretMatch[] {
  // Repeat scans judge the same evidence and patch lines again: remember the answers.
  const key = `${file.endsWith(".nix") ? "n" : "t"}${text}`;
  const hit = secretsInCache.get(key);
  if (hit) return hit;
  const found = detectIn(text, file);
  if (secretsInCache.size >= 20_000) secretsInCache.clear();
  secretsInCache.set(key, found);
  return found;
}

const secretsInCache = new Map<string, SecretMatch[]>();

function detectIn(text: string, file: string): SecretMatch[] {
  const nix = file.endsWith(".nix");
  // Assignments inside a quoted value (`extraConfig = "password = x";`) are judged on their own:
  // the line's own assignment consumes the quoted text as one value.
  const nested: SecretMatch[] = [];
  for (const q of text.matchAll(/"((?:\\.|[^"\\])*)"|'((?:\\.|[^'\\])*)'/g)) {
    const inner = q[1] ?? q[2] ?? "";
    if (!/[=:]/.test(inner)) continue;
    const offset = q.index + 1;
    for (const m of detectSecrets(inner)) nested.push({ ...m, start: m.start + offset, end: m.end + offset });
  }
  return [...nested, ...detectSecrets(text).filter((m) => {
    if (nix && (m.detector === "plaintext-password" || m.detector === "generic-secret") && !/["'`]/.test(text[m.start - 1] ?? "")) {
      const value = text.slice(m.start, m.end);
      const after = text.slice(m.end);
      if (/^[A-Za-z_][A-Za-z0-9_'-]*(?:\.[A-Za-z_][A-Za-z0-9_'-]*)*$/.test(value) && /^\s*;|^\s+[^\s#;]/.test(after)) return false;
    }
    return true;
  })];
}

/** A unified diff holds a secret in a removed, added or context line (context lines are source too):
 * one the detectors find, or one a rule recognised in the repository (`known`). */
function patchHoldsSecret(patch: string, known: readonly string[] = []): boolean {
  let file = "";
  for (const line of patch.split("\n")) {
    if (line.startsWith("+++ ")) file = line.slice(4).replace(/^b\//, "");
    else if (line.startsWith("--- ") || line.startsWith("@@") || line.startsWith("\\")) continue;
    else if (/^[ +-]/.test(line) && (secretsIn(line.slice(1), file).length > 0 || known.some((s) => line.includes(s)))) return true;
  }
  return false;
}

/** What `redact` produces: `… (12 chars)` or `sk_l…Lb0 (32 chars)`. */
const ALREADY_REDACTED = /[^\s…]{0,4}…[^\s…]{0,3} \(\d+ chars\)/g;


function rangeOf(report: RuleReport, site: ReportSite): { line: number; column: number; endLine: number; endColumn: number } {
  // An explicit range is more precise (a secret inside a long string); the node still decides the
  // hosts and the VM-test context.
  if (report.range) return report.range;
  if (report.node) {
    const start = report.node.source.lines.position(report.node.start);
    const end = report.node.source.lines.position(report.node.end);
    return { line: start.line, column: start.column, endLine: end.line, endColumn: end.column };
  }
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

// A repeat scan fingerprints the same thousands of findings again: each input is hashed once.
const fingerprints = new Map<string, string>();

function fingerprint(ruleId: string, file: string, stable: string): string {
  const input = `${ruleId}\0${file}\0${stable}`;
  let id = fingerprints.get(input);
  if (id === undefined) {
    if (fingerprints.size >= 50_000) fingerprints.clear();
    fingerprints.set(input, (id = createHash("sha256").update(input).digest("hex").slice(0, 16)));
  }
  return id;
}

/** Settings of the throwaway VMs `nixos-rebuild build-vm` builds (vmVariant, vmVariantWithBootLoader,
 * disko's vmVariantWithDisko). */
const VM_VARIANT = /^virtualisation\.vmVariant\w*\./;

/** Group edits per file and render one unified diff for all of them. */
export function patchFor(edits: TextEdit[], textOf: (file: string) => string | undefined): string | undefined {
  let patch = "";
  for (const [file, list] of [...editsByFile(edits)].sort(([a], [b]) => a.localeCompare(b))) {
    const text = textOf(file);
    if (text === undefined) return undefined;
    patch += fileDiff(file, text, list);
  }
  return patch || undefined;
}

// A repeat scan proposes the same edits to the same unchanged text: the diff is computed once.
const diffCache = new Map<string, { text: string; diff: string }>();

/** A fix's edits, by file. */
function editsByFile(edits: readonly TextEdit[]): Map<string, TextEdit[]> {
  const byFile = new Map<string, TextEdit[]>();
  for (const e of edits) {
    const list = byFile.get(e.file);
    if (list) list.push(e);
    else byFile.set(e.file, [e]);
  }
  return byFile;
}

/** The key of one file's edits in the caches below. */
function editsKey(file: string, edits: readonly TextEdit[]): string {
  return `${file}\0${JSON.stringify(edits.map((e) => [e.start, e.end, e.text]))}`;
}

function fileDiff(file: string, text: string, edits: TextEdit[]): string {
  const key = editsKey(file, edits);
  const hit = diffCache.get(key);
  if (hit && hit.text === text) return hit.diff;
  const diff = unifiedDiff(file, text, applyEdits(text, edits));
  if (diffCache.size >= 5_000) diffCache.clear();
  diffCache.set(key, { text, diff });
  return diff;
}

// A fix's edits are offered only where each edited Nix file still parses as Nix 2.8 reads it (as
// service-edits.ts checks its own): an insertion can clash with a definition elsewhere in the file
// (`services.openssh.enable = true;` beside `services = { openssh.settings.X = ..; }`: "attribute
// 'openssh' already defined"). A file that did not parse before is not judged.
const breakCache = new Map<string, { text: string; breaks: boolean }>();

function editsBreakNix(edits: TextEdit[], textOf: (file: string) => string | undefined): boolean {
  for (const [file, list] of editsByFile(edits)) {
    const text = file.endsWith(".nix") ? textOf(file) : undefined;
    if (text === undefined) continue;
    const key = editsKey(file, list);
    let hit = breakCache.get(key);
    if (!hit || hit.text !== text) {
      hit = { text, breaks: editsBreakParse(text, list) };
      if (breakCache.size >= 5_000) breakCache.clear();
      breakCache.set(key, hit);
    }
    if (hit.breaks) return true;
  }
  return false;
}

// A host name as a whole word, one pattern per name (asked for every finding and host).
const hostPatterns = new Map<string, RegExp>();

/** Findings, and the text edits behind each fix (by finding id) for `remediate`, which applies the
 * edits themselves rather than the patch text. */
export function buildFindings(raw: RawFinding[], textOf: (file: string) => string | undefined): { findings: Finding[]; edits: Map<string, TextEdit[]> } {
  const seen = new Map<string, number>();
  const out: Finding[] = [];
  const editsById = new Map<string, TextEdit[]>();
  // A host-level rule reports a shared module once per host that includes it: one finding for the
  // same problem at the same place, listing every host.
  const sameSpot = new Map<string, { finding: Finding; template: string; detail?: { items: Set<string>; render: (items: string[]) => string } }>();
  // Markers without letters, so that no host name can match inside them.
  const HOST = "\u0000\u0001\u0000";
  const DETAIL = "\u0000\u0002\u0000";
  // Secrets rules recognised (in any file): a patch of another finding must not show them either.
  const known = [...new Set(raw.map((r) => r.report.secret).filter((v): v is string => v !== undefined && v.length >= 4))];
  const templateOf = (report: RuleReport, hosts: string[]) => {
    // The per-host list first (it may name a host), then the hosts themselves, as whole words
    // (host `ai` is not the `ai` in `detail`).
    const shown = report.detail?.render(report.detail.items);
    const message = shown ? report.message.split(shown).join(DETAIL) : report.message;
    return hosts.reduce((m, h) => (m.includes(h) ? m.replace(hostPattern(h), HOST) : m), message);
  };
  const hostPattern = (h: string): RegExp => {
    let re = hostPatterns.get(h);
    if (hostPatterns.size >= 10_000) hostPatterns.clear();
    if (!re) hostPatterns.set(h, (re = new RegExp(`(?<![\\w.-])${escapeRegExp(h)}(?![\\w.-])`, "g")));
    return re;
  };
  // Findings that stand only if every host they name reported them (RuleReport.everyHost).
  const needAll = new Map<Finding, string[]>();
  for (const { rule, report, site } of raw) {
    const range = rangeOf(report, site);
    const file = report.file ?? site.file;
    // Messages may name the host they were judged for: compare them with the host taken out.
    const template = templateOf(report, site.hosts);
    const spot = JSON.stringify([rule.id, file, range, report.severity ?? rule.severity, template, report.optionPath ?? report.key ?? ""]);
    const twin = sameSpot.get(spot);
    if (twin) {
      const hosts = [...new Set([...(twin.finding.host ?? []), ...site.hosts])].sort();
      if (hosts.length) twin.finding.host = hosts;
      for (const item of report.detail?.items ?? []) twin.detail?.items.add(item);
      let message = twin.template;
      if (twin.detail) message = message.split(DETAIL).join(twin.detail.render([...twin.detail.items].sort()));
      if (message.includes(HOST)) message = message.replace(new RegExp(`\\bhost ${HOST}`, "g"), `hosts ${hosts.join(", ")}`).split(HOST).join(hosts.join(", "));
      twin.finding.message = message;
      continue;
    }
    const evidence = redactEvidence(report.evidence ?? defaultEvidence(site, range), file);
    const stable = report.optionPath ?? report.key ?? evidence.replace(/\s+/g, " ");
    let id = fingerprint(rule.id, file, stable);
    if (seen.has(id)) {
      // The same problem reported again in the file for other hosts (a flake declaring several):
      // the hosts tell them apart, which keeps the ids stable from one scan to the next.
      id = fingerprint(rule.id, file, `${stable}\0${[...site.hosts].sort().join(",")}`);
    }
    const n = seen.get(id) ?? 0;
    seen.set(id, n + 1);
    if (n > 0) id = `${id}-${n + 1}`;
    let severity = report.severity ?? rule.severity;
    let message = report.message;
    if (site.test) {
      // Relaxed settings inside a throwaway test are at most low.
      if (severity !== "low" && severity !== "info") message += ` (${testNote(site.test)})`;
      if (severity !== "info") severity = "low";
    } else if (VM_VARIANT.test(report.optionPath ?? "") && severity !== "info" && severity !== "low") {
      // `virtualisation.vmVariant*` configures the VM `nixos-rebuild build-vm` makes, not the host.
      message += " (in virtualisation.vmVariant, the VM that `nixos-rebuild build-vm` makes for testing, not the real system, so reported as low)";
      severity = "low";
    }
    // A maintenance note says so, whichever rule wrote it: it is not a security problem.
    if (severity === "info" && !/\bmaintenance\b/i.test(message)) message += ` ${MAINTENANCE_NOTE}`;
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
    if (report.everyHost?.length) needAll.set(finding, report.everyHost);
    sameSpot.set(spot, { finding, template, ...(report.detail ? { detail: { items: new Set(report.detail.items), render: report.detail.render } } : {}) });
    if (report.optionPath) finding.optionPath = report.optionPath;
    if (report.fix) {
      let fixEdits = report.fix.edits;
      let description = report.fix.description;
      if (fixEdits?.length && editsBreakNix(fixEdits, textOf)) {
        fixEdits = undefined;
        description += " (No patch: the edit would not parse in this file, where another definition of the same set clashes with it; make the change by hand.)";
      }
      let patch = fixEdits?.length ? patchFor(fixEdits, textOf) : undefined;
      // Context lines count too: a fix next to a password would otherwise print it.
      if (patch && patchHoldsSecret(patch, known)) {
        patch = undefined;
        description += " (The patch is withheld from the report because it would show a secret; `nix-warden remediate` applies it.)";
      }
      finding.fix = { safety: report.fix.safety, description, ...(patch ? { patch } : {}) };
      if (fixEdits?.length) editsById.set(id, fixEdits);
    }
    out.push(finding);
  }
  if (needAll.size) {
    const dropped = new Set([...needAll].filter(([f, all]) => !all.every((h) => f.host?.includes(h))).map(([f]) => f));
    if (dropped.size) {
      for (const f of dropped) editsById.delete(f.id);
      out.splice(0, out.length, ...out.filter((f) => !dropped.has(f)));
    }
  }
  // A secret some rule recognised must not come back through another finding's words (a rule that
  // quotes the expression it is about, and the expression holds the password).
  if (known.length) {
    const hide = (s: string) => known.reduce((t, k) => (t.includes(k) ? t.split(k).join("****") : t), s);
    for (const f of out) {
      f.title = hide(f.title);
      f.message = hide(f.message);
      f.evidence = hide(f.evidence);
      if (f.fix) f.fix.description = hide(f.fix.description);
    }
  }
  return { findings: out, edits: editsById };
}

/** The line index of a node's file (for rules reporting on other files). */
export function nodeLines(node: SyntaxNode): LineIndex {
  return node.source.lines;
}

/**
 * A unified diff for showing (never for applying): every secret in its removed, added and context
 * lines redacted as the scan redacts evidence. Remediation plans edit files next to secrets; the
 * context lines would otherwise show them.
 */
export function redactDiffSecrets(diff: string): string {
  let file = "";
  const lines = diff.split("\n");
  return lines
    .map((line, i) => {
      if (line.startsWith("+++ ") && lines[i - 1]?.startsWith("--- ")) {
        file = line.slice(4).replace(/^b\//, "");
        return line;
      }
      if ((line.startsWith("--- ") && lines[i + 1]?.startsWith("+++ ")) || line.startsWith("@@") || line.startsWith("\\") || !/^[ +-]/.test(line)) return line;
      const matches = secretsIn(line.slice(1), file);
      return matches.length ? line[0] + redactAll(line.slice(1), matches) : line;
    })
    .join("\n");
}
