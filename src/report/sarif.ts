// SARIF 2.1.0 for GitHub code scanning (docs: "SARIF support for code scanning"). One run; rules
// with short/full descriptions, markdown help, tags and a numeric `security-severity`; results
// with ruleIndex, level, a %SRCROOT%-relative location and our stable finding id as a partial
// fingerprint; suppressed findings as results with `suppressions`; scan errors as tool execution
// notifications. Validated against the OASIS schema in test/report/sarif.test.ts.
import { createHash } from "node:crypto";
import type { Finding, SecurityReport } from "./schema.js";
import { SEVERITY_RANK, type Severity } from "./severity.js";
import { sortFindings } from "./format.js";

/** GitHub maps security-severity >9.0 to critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low. */
export const SECURITY_SEVERITY: Record<Severity, string> = { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0", info: "0.0" };

export type SarifLevel = "error" | "warning" | "note";
export const SARIF_LEVEL: Record<Severity, SarifLevel> = { critical: "error", high: "error", medium: "warning", low: "note", info: "note" };

/** GitHub rejects runs with more results than this. */
export const GITHUB_MAX_RESULTS = 25_000;
const MAX_DESCRIPTION = 1024;
const MAX_NAME = 255;

/** What the rule registry knows about a rule; missing entries are derived from its findings. */
export interface RuleDoc {
  name?: string;
  shortDescription?: string;
  fullDescription?: string;
  /** Markdown. */
  help?: string;
  tags?: string[];
  helpUri?: string;
}

export interface SarifOptions {
  informationUri?: string;
  rules?: Record<string, RuleDoc>;
  /** runAutomationDetails.id, e.g. "nix-warden/" to separate analyses of one commit. */
  automationId?: string;
}

/** Where the tool's documentation lives; the CLI may override it. */
export const DEFAULT_INFORMATION_URI = "https://github.com/nix-warden/nix-warden";

export const FINGERPRINT_KEY = "nixWardenFindingId/v1";

/**
 * GitHub matches alerts across runs by partialFingerprints.primaryLocationLineHash only, and the
 * upload action fills it from the source line when it is missing. A hash of our finding id (rule +
 * file + option path) is stabler than the line's text: the alert survives reformatting.
 */
export function primaryLocationLineHash(findingId: string): string {
  return `${createHash("sha256").update(findingId).digest("hex").slice(0, 16)}:1`;
}

type Json = Record<string, unknown>;

function truncate(s: string, max: number): string {
  return s.length <= max ? s : s.slice(0, max - 1) + "…";
}

/** A relative reference for a repository path: forward slashes, each segment percent-encoded. */
export function artifactUri(file: string): string {
  return file
    .replace(/\\/g, "/")
    .replace(/^\.\//, "")
    .split("/")
    .map((segment) => encodeURIComponent(segment))
    .join("/");
}

/** file:///abs/root/ for originalUriBaseIds (trailing slash required by SARIF 3.14.14). */
function rootUri(root: string): string | undefined {
  if (!root.startsWith("/")) return undefined;
  const path = root.endsWith("/") ? root : root + "/";
  return "file://" + path.split("/").map((s) => encodeURIComponent(s)).join("/");
}

function worst(a: Severity, b: Severity): Severity {
  return SEVERITY_RANK[a] >= SEVERITY_RANK[b] ? a : b;
}

function buildRule(ruleId: string, findings: Finding[], doc: RuleDoc | undefined): Json {
  const first = findings[0]!;
  const severity = findings.map((f) => f.severity).reduce(worst);
  const references = [...new Map(findings.flatMap((f) => f.references ?? []).map((r) => [r.url ?? r.title, r])).values()];
  const fixes = [...new Set(findings.map((f) => f.fix?.description).filter((d): d is string => !!d))];
  const short = doc?.shortDescription ?? first.title;
  const full = doc?.fullDescription ?? first.message;
  const helpMarkdown =
    doc?.help ??
    [
      full,
      fixes.length > 0 ? `\n**How to fix:** ${fixes[0]}` : "",
      references.length > 0 ? `\n**References:**\n${references.map((r) => (r.url ? `- [${r.title}](${r.url})` : `- ${r.title}`)).join("\n")}` : "",
    ]
      .filter((s) => s !== "")
      .join("\n");
  const helpText = helpMarkdown.replace(/\*\*/g, "").replace(/\[([^\]]*)\]\(([^)]*)\)/g, "$1 ($2)");
  const rule: Json = {
    id: ruleId,
    name: truncate(doc?.name ?? ruleId.replace(/[^A-Za-z0-9]+/g, "-"), MAX_NAME),
    shortDescription: { text: truncate(short, MAX_DESCRIPTION) },
    fullDescription: { text: truncate(full, MAX_DESCRIPTION) },
    help: { text: helpText, markdown: helpMarkdown },
    defaultConfiguration: { level: SARIF_LEVEL[severity] },
    properties: {
      tags: [...new Set(["security", first.category, ...(doc?.tags ?? [])])].slice(0, 20),
      precision: "high",
      "security-severity": SECURITY_SEVERITY[severity],
    },
  };
  const helpUri = doc?.helpUri ?? references.find((r) => r.url)?.url;
  if (helpUri) rule.helpUri = helpUri;
  return rule;
}

function buildResult(f: Finding, ruleIndex: number, suppression?: Json): Json {
  const result: Json = {
    ruleId: f.ruleId,
    ruleIndex,
    level: SARIF_LEVEL[f.severity],
    message: { text: `${f.title}. ${f.message}` },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: artifactUri(f.file), uriBaseId: "%SRCROOT%" },
          region: {
            startLine: f.line,
            startColumn: f.column,
            endLine: Math.max(f.endLine, f.line),
            endColumn: f.endLine > f.line ? f.endColumn : Math.max(f.endColumn, f.column),
          },
        },
      },
    ],
    partialFingerprints: { [FINGERPRINT_KEY]: f.id, primaryLocationLineHash: primaryLocationLineHash(f.id) },
    properties: {
      category: f.category,
      severity: f.severity,
      evidence: f.evidence,
      ...(f.host ? { hosts: f.host } : {}),
      ...(f.optionPath ? { optionPath: f.optionPath } : {}),
      ...(f.fix ? { fixSafety: f.fix.safety, fixDescription: f.fix.description } : {}),
    },
  };
  if (suppression) result.suppressions = [suppression];
  return result;
}

/** The SARIF log object (serialise with JSON.stringify). */
export function renderSarif(report: SecurityReport, opts: SarifOptions = {}): Json {
  const active = sortFindings(report.findings);
  const suppressed = sortFindings(report.suppressed);
  const notifications: Json[] = report.errors.map((e) => {
    const n: Json = { level: "error", message: { text: `${e.source}: ${e.message}` } };
    if (e.file) {
      const region: Json = {};
      if (e.line !== undefined && e.line >= 1) region.startLine = e.line;
      if (e.column !== undefined && e.column >= 1) region.startColumn = e.column;
      n.locations = [
        {
          physicalLocation: {
            artifactLocation: { uri: artifactUri(e.file), uriBaseId: "%SRCROOT%" },
            ...(Object.keys(region).length > 0 ? { region } : {}),
          },
        },
      ];
    }
    return n;
  });

  // GitHub rejects a run over 25,000 results: keep the worst, say so.
  let kept = active;
  let keptSuppressed = suppressed;
  if (active.length + suppressed.length > GITHUB_MAX_RESULTS) {
    kept = active.slice(0, GITHUB_MAX_RESULTS);
    keptSuppressed = suppressed.slice(0, Math.max(0, GITHUB_MAX_RESULTS - kept.length));
    notifications.push({
      level: "warning",
      message: { text: `${active.length + suppressed.length - kept.length - keptSuppressed.length} results were left out: GitHub accepts at most ${GITHUB_MAX_RESULTS} per run.` },
    });
  }

  const byRule = new Map<string, Finding[]>();
  for (const f of [...kept, ...keptSuppressed]) {
    const list = byRule.get(f.ruleId);
    if (list) list.push(f);
    else byRule.set(f.ruleId, [f]);
  }
  const ruleIds = [...byRule.keys()].sort();
  const ruleIndex = new Map(ruleIds.map((id, i) => [id, i]));
  const rules = ruleIds.map((id) => buildRule(id, byRule.get(id)!, opts.rules?.[id]));

  const results = [
    ...kept.map((f) => buildResult(f, ruleIndex.get(f.ruleId)!)),
    ...keptSuppressed.map((s) =>
      buildResult(s, ruleIndex.get(s.ruleId)!, {
        kind: s.suppressedBy.kind === "inline" ? "inSource" : "external",
        status: "accepted",
        justification: s.suppressedBy.reason,
        ...(s.suppressedBy.file
          ? {
              location: {
                physicalLocation: {
                  artifactLocation: { uri: artifactUri(s.suppressedBy.file), uriBaseId: "%SRCROOT%" },
                  ...(s.suppressedBy.line !== undefined && s.suppressedBy.line >= 1 ? { region: { startLine: s.suppressedBy.line } } : {}),
                },
              },
            }
          : {}),
        ...(s.suppressedBy.expires ? { properties: { expires: s.suppressedBy.expires } } : {}),
      }),
    ),
  ];

  const srcRoot = rootUri(report.root);
  const run: Json = {
    tool: {
      driver: {
        name: report.tool.name,
        version: report.tool.version,
        ...(/^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?$/.test(report.tool.version) ? { semanticVersion: report.tool.version } : {}),
        informationUri: opts.informationUri ?? DEFAULT_INFORMATION_URI,
        rules,
      },
    },
    originalUriBaseIds: {
      "%SRCROOT%": srcRoot ? { uri: srcRoot, description: { text: "The scanned repository root." } } : { description: { text: "The scanned repository root." } },
    },
    invocations: [
      {
        executionSuccessful: report.errors.length === 0,
        endTimeUtc: report.generatedAt,
        ...(notifications.length > 0 ? { toolExecutionNotifications: notifications } : {}),
      },
    ],
    results,
    columnKind: "utf16CodeUnits",
    properties: { hosts: report.hosts, score: report.summary.score },
  };
  if (opts.automationId) run.automationDetails = { id: opts.automationId };
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [run],
  };
}

export function renderSarifJson(report: SecurityReport, opts: SarifOptions = {}): string {
  return JSON.stringify(renderSarif(report, opts), null, 2) + "\n";
}
