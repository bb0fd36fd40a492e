// Rule documentation for renderers (SARIF rule descriptions, the catalogue resources, explain_rule,
// docs/rules.md): built from each rule's module (metadata and examples) so there is one source.
import { UNRECOGNISABLE_PATTERNS } from "../rules/anti-patterns/unrecognisable.js";
import type { RuleDoc } from "./sarif.js";
import type { Rule, RuleExample } from "../rules/types.js";

export function ruleHelpMarkdown(rule: Rule): string {
  const refs = rule.references.map((r) => (r.url ? `- [${r.title}](${r.url})` : `- ${r.title}`)).join("\n");
  return [
    `**${rule.name}** (\`${rule.id}\`, ${rule.category}, default severity ${rule.severity})`,
    "",
    `Why it matters: ${rule.rationale}`,
    "",
    `How to fix: ${rule.fix}`,
    "",
    `Compliance: CIS ${rule.compliance.cis.join("; ") || "n/a"}; NIST CSF ${rule.compliance.nist.join(", ") || "n/a"}`,
    ...(refs ? ["", "References:", refs] : []),
  ].join("\n");
}

/** A rule's first example that it reports and first look-alike it leaves alone, as the file the
 * example is about (a host example's module, not the flake around it). */
export function ruleExamples(rule: Rule): { bad: ExampleFile; good: ExampleFile } | undefined {
  const fire = rule.examples?.fire[0];
  const silent = rule.examples?.silent[0];
  return fire !== undefined && silent !== undefined ? { bad: exampleFile(fire), good: exampleFile(silent) } : undefined;
}

export interface ExampleFile {
  file: string;
  text: string;
  /** The example is a host's whole configuration: this module, declared by a flake. */
  host: boolean;
}

function exampleFile(example: RuleExample): ExampleFile {
  const files = typeof example === "string" ? { "example.nix": example } : example;
  const [file, text] = Object.entries(files).find(([f]) => f !== "flake.nix") ?? Object.entries(files)[0]!;
  return { file, text, host: file !== "flake.nix" && "flake.nix" in files };
}

/** The rule's documentation with an example it reports and a look-alike it does not (the rule
 * resources and explain_rule; SARIF keeps the shorter help). */
export function ruleDocumentationMarkdown(rule: Rule): string {
  const ex = ruleExamples(rule);
  if (!ex) return ruleHelpMarkdown(rule);
  const block = (e: ExampleFile) => ["```" + (e.file.endsWith(".nix") ? "nix" : e.file.endsWith(".sh") ? "sh" : ""), `# ${e.file}`, e.text.trimEnd(), "```"];
  return [ruleHelpMarkdown(rule), "", "Reported (bad):", "", ...block(ex.bad), "", "Not reported (good):", "", ...block(ex.good)].join("\n");
}

/** The anti-pattern catalogue (the `nix-warden://catalogue/anti-patterns.yaml` resource): every
 * anti-pattern rule (not the style lints) with its metadata and its bad and good example. */
export function antiPatternCatalogue(rules: readonly Rule[]): { version: 1; anti_patterns: Array<Record<string, unknown>> } {
  const entries = rules
    .filter((r) => r.category === "anti-pattern" && r.group !== "style")
    .map((r) => {
      const ex = ruleExamples(r);
      return {
        id: r.id,
        name: r.name,
        category: r.category,
        severity: r.severity,
        rationale: r.rationale,
        ...(ex ? { bad: ex.bad.text, good: ex.good.text } : {}),
        fix: r.fix,
        references: r.references.map((x) => ({ ...x })),
        compliance: { cis: [...r.compliance.cis], nist: [...r.compliance.nist] },
        ...(ex && (ex.bad.file !== "example.nix" || ex.bad.host) ? { example: { file: ex.bad.file, host: ex.bad.host } } : {}),
      };
    });
  // The patterns of the source catalogue that no rule reports, and why: considered, not forgotten.
  const unrecognised = UNRECOGNISABLE_PATTERNS.map((p) => ({ id: p.id, name: p.name, category: "anti-pattern", recognised: false, reason: p.reason, review: p.review }));
  return { version: 1, anti_patterns: [...entries, ...unrecognised] };
}

export function ruleDocs(rules: readonly Rule[]): Record<string, RuleDoc> {
  return Object.fromEntries(
    rules.map((r) => [
      r.id,
      {
        name: r.name,
        shortDescription: r.name,
        fullDescription: r.rationale,
        help: ruleHelpMarkdown(r),
        tags: ["security", r.category, ...r.compliance.nist],
        helpUri: r.references[0]?.url,
      },
    ]),
  );
}

const CATEGORY_ORDER = ["service-hardening", "secrets", "firewall", "access", "tls", "vulnerability", "anti-pattern", "compliance"];

/** docs/rules.md: every rule, by category, with what it checks, why, the fix and its mappings. */
export function renderRulesDoc(rules: readonly Rule[]): string {
  const out = [
    "# Rules",
    "",
    "Every rule `nix-warden scan` runs, generated from the rules' metadata (`npm run docs:rules`).",
    "Suppress one with `# nix-warden: ignore <id> -- reason` or an exception in `.nix-warden.yaml`",
    "(see the README). Severities are defaults; a rule may raise or lower one finding by what it sees",
    "([scoring.md](scoring.md)).",
    "",
    "| id | category | default severity | name |",
    "|---|---|---|---|",
  ];
  const sorted = [...rules].sort((a, b) => CATEGORY_ORDER.indexOf(a.category) - CATEGORY_ORDER.indexOf(b.category) || a.id.localeCompare(b.id));
  for (const r of sorted) out.push(`| [\`${r.id}\`](#${r.id}) | ${r.category} | ${r.severity} | ${r.name} |`);
  for (const r of sorted) {
    out.push("", `## ${r.id}`, "", `**${r.name}**: ${r.category}, default severity ${r.severity}.`, "", `Why it matters: ${r.rationale.trim()}`, "", `How to fix: ${r.fix.trim()}`, "");
    out.push(`Compliance: CIS ${r.compliance.cis.join("; ") || "n/a"}. NIST CSF ${r.compliance.nist.join(", ") || "n/a"}.`);
    if (r.references.length) {
      out.push("", "References:", "");
      for (const ref of r.references) out.push(ref.url ? `- [${ref.title}](${ref.url})` : `- ${ref.title}`);
    }
    const fire = r.examples?.fire[0];
    const silent = r.examples?.silent[0];
    if (fire) out.push("", "Reported:", "", ...exampleBlock(fire));
    if (silent) out.push("", "Not reported:", "", ...exampleBlock(silent));
  }
  out.push("", "## Patterns no rule reports", "", "Patterns of the anti-pattern catalogue that cannot be recognised in code without drowning real findings in noise; the catalogue resource lists them too.");
  for (const p of UNRECOGNISABLE_PATTERNS) out.push("", `### ${p.id}`, "", `**${p.name}**. Why no rule: ${p.reason}`, "", `What to check by hand: ${p.review}`);
  return out.join("\n") + "\n";
}

/** An example as the docs show it: its module (not the flake around it), or the file's name. */
function exampleBlock(example: RuleExample): string[] {
  const files = typeof example === "string" ? { "example.nix": example } : example;
  const [file, text] = Object.entries(files).find(([f]) => f !== "flake.nix") ?? Object.entries(files)[0]!;
  if (!file.endsWith(".nix")) return [`A file \`${file}\` (the rule's examples hold its content).`];
  // A very long example (a monolithic file) is shown by its head and tail.
  const lines = text.trimEnd().split("\n");
  const shown = lines.length > 60 ? [...lines.slice(0, 24), `  # … ${lines.length - 30} more lines like these …`, ...lines.slice(-6)] : lines;
  return ["```nix", `# ${file}`, ...shown, "```"];
}
