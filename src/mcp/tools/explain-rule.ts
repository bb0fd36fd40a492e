// The explain_rule tool: a rule's documentation from the registry (every rule, including those added
// later, shows up here without changes), for agents that cannot read resources.
import { z } from "zod";
import { FindingCategory, Severity } from "../../report/schema.js";
import { ruleDocumentationMarkdown, ruleExamples } from "../../report/rule-docs.js";
import { ALL_RULES } from "../../rules/index.js";
import type { Rule } from "../../rules/types.js";
import { answer, fitPage } from "../answer.js";
import { readOnlyTool, toolError, type ServerContext } from "../context.js";
import { ruleUri } from "../links.js";

export const EXPLAIN_RULE_DESCRIPTION = `Explain a nix-warden rule: what it checks, why it matters, how to fix it, its default severity and category, references, and the CIS / NIST CSF controls it serves. Read-only.

Use it when presenting a finding (its ruleId) and the user asks why it matters or how to fix it, or to list the rules of a category (give category instead of ruleId).`;

const ExampleFile = z.object({ file: z.string(), text: z.string(), host: z.boolean() });

export const RuleInfo = z.object({
  id: z.string(),
  name: z.string(),
  category: FindingCategory,
  severity: Severity,
  rationale: z.string(),
  fix: z.string(),
  references: z.array(z.object({ title: z.string(), url: z.string().optional() })),
  compliance: z.object({ cis: z.array(z.string()), nist: z.array(z.string()) }),
  /** The rule's documentation as markdown (one rule asked by id; a category lists the fields only). */
  documentation: z.string().optional(),
  /** A configuration the rule reports (bad) and a look-alike it leaves alone (good), from the
   * rule's own examples (one rule asked by id). */
  examples: z.object({ bad: ExampleFile, good: ExampleFile }).optional(),
  uri: z.string(),
});

export const ExplainRuleOutput = z.object({
  rules: z.array(RuleInfo),
  /** Rules that matched; \`rules\` holds as many as fit in a bounded answer, the catalogue all. */
  total: z.number().int().optional(),
});

export function ruleInfo(rule: Rule): z.infer<typeof RuleInfo> {
  return {
    id: rule.id,
    name: rule.name,
    category: rule.category,
    severity: rule.severity,
    rationale: rule.rationale,
    fix: rule.fix,
    references: rule.references.map((r) => ({ title: r.title, ...(r.url ? { url: r.url } : {}) })),
    compliance: { cis: [...rule.compliance.cis], nist: [...rule.compliance.nist] },
    documentation: ruleDocumentationMarkdown(rule),
    examples: ruleExamples(rule),
    uri: ruleUri(rule.id),
  };
}

/** Rule ids that look like the one asked for (typos, partial ids). */
export function similarRuleIds(id: string, rules: readonly Rule[] = ALL_RULES): string[] {
  const q = id.toLowerCase();
  const parts = q.split(/[-_\s]+/).filter((p) => p.length > 2);
  return rules
    .map((r) => ({ id: r.id, score: (r.id.includes(q) ? 10 : 0) + parts.filter((p) => r.id.includes(p) || r.name.toLowerCase().includes(p)).length }))
    .filter((x) => x.score > 0)
    .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id))
    .slice(0, 5)
    .map((x) => x.id);
}

export function registerExplainRuleTool(ctx: ServerContext): void {
  ctx.server.registerTool(
    "explain_rule",
    {
      title: "Explain a nix-warden rule",
      description: EXPLAIN_RULE_DESCRIPTION,
      inputSchema: {
        ruleId: z.string().max(100).optional().describe("The rule id, as in a finding's ruleId."),
        category: FindingCategory.optional().describe("Or: every rule of this category."),
      },
      outputSchema: ExplainRuleOutput,
      annotations: readOnlyTool("Explain a rule"),
    },
    async (args) => {
      if (!args.ruleId && !args.category) return toolError(`explain_rule: give ruleId or category. Rules: ${ALL_RULES.map((r) => r.id).join(", ")}.`);
      const rules = ALL_RULES.filter((r) => (!args.ruleId || r.id === args.ruleId) && (!args.category || r.category === args.category));
      if (!rules.length) {
        if (args.ruleId) {
          const similar = similarRuleIds(args.ruleId);
          return toolError(`explain_rule: no rule ${JSON.stringify(args.ruleId)}.${similar.length ? ` Did you mean: ${similar.join(", ")}?` : ""} Every rule: ${ALL_RULES.map((r) => r.id).join(", ")}.`);
        }
        return answer({ rules: [], total: 0 });
      }
      // One rule: its documentation and examples too; a category: the fields (documentation repeats them).
      const infos = rules.map(ruleInfo).map((i) => (args.ruleId ? i : { ...i, documentation: undefined, examples: undefined }));
      const { page } = fitPage(infos, 0, infos.length, (shown) => ({ rules: shown.map((i) => JSON.parse(JSON.stringify(i)) as typeof i), total: infos.length }));
      return answer(page);
    },
  );
}
