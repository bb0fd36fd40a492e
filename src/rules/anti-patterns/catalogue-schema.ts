// The anti-pattern catalogue's schema: what `src/rules/anti-patterns.yaml` must hold. The build
// validates the YAML with it and writes the result as JSON (dist/anti-patterns.json), which the CLI
// reads at run time without loading yaml or zod; the tests validate the YAML with it too.
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { FindingCategory, Severity } from "../../report/schema.js";

// A compliance entry is a benchmark section / CSF category id with its title, or an explicit
// "n/a: <why>" when no control of that framework fits.
const CIS_ENTRY = /^(\d+(\.\d+)* \S.*|n\/a: .{20,})$/;
const NIST_ENTRY = /^([A-Z]{2}\.[A-Z]{2}-\d{2}|n\/a: .{20,})$/;

const Reference = z.object({ title: z.string().min(1), url: z.url().optional() }).strict();

export const CatalogueEntry = z
  .object({
    id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "ids are kebab-case"),
    name: z.string().min(1),
    category: FindingCategory,
    severity: Severity,
    rationale: z.string().min(40),
    bad: z.string().min(1),
    good: z.string().min(1),
    fix: z.string().min(20),
    references: z.array(Reference).min(1),
    compliance: z
      .object({
        cis: z.array(z.string().regex(CIS_ENTRY, "a CIS section ('1.2 Title') or 'n/a: <justification>'")).min(1),
        nist: z.array(z.string().regex(NIST_ENTRY, "a NIST CSF 2.0 id ('PR.PS-01') or 'n/a: <justification>'")).min(1),
      })
      .strict(),
    /** How the examples are run: the file they are written to, and whether they are a host's
     * whole configuration (host-level rules). */
    example: z
      .object({ file: z.string().min(1).default("example.nix"), host: z.boolean().default(false) })
      .strict()
      .default({ file: "example.nix", host: false }),
  })
  .strict();
export type CatalogueEntry = z.infer<typeof CatalogueEntry>;

export const Catalogue = z
  .object({ version: z.literal(1), anti_patterns: z.array(CatalogueEntry).min(1) })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.anti_patterns.forEach((e, i) => {
      if (seen.has(e.id)) ctx.addIssue({ code: "custom", path: ["anti_patterns", i, "id"], message: `duplicate id ${e.id}` });
      seen.add(e.id);
    });
  });
export type Catalogue = z.infer<typeof Catalogue>;

/** Parse and validate catalogue text; throws an Error listing every problem. */
export function parseCatalogue(text: string, source: string): Catalogue {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (e) {
    throw new Error(`${source} is not valid YAML: ${(e as Error).message.split("\n")[0]}`, { cause: e });
  }
  const parsed = Catalogue.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(top)"}: ${i.message}`).join("; ");
    throw new Error(`${source} is not a valid anti-pattern catalogue: ${issues}`);
  }
  return parsed.data;
}
