// Rule documentation for renderers (SARIF rule descriptions, the catalogue resource): built from
// each rule's metadata so there is one source.
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
