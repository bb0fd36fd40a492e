// Rule documentation for renderers (SARIF rule descriptions, the catalogue resource): built from
// each rule's metadata so there is one source.
import type { RuleDoc } from "../report/sarif.js";
import type { Rule } from "./types.js";

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
