// The anti-pattern catalogue: `src/rules/anti-patterns.yaml`, shipped with the package and read at
// run time. It is the one source of each anti-pattern rule's metadata (name, severity, rationale,
// fix, references, compliance) and of its documented bad and good examples, which the tests run
// through the rule. A broken catalogue is a packaging bug: loading it throws with every problem.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { FindingCategory, Severity } from "../../report/schema.js";
import { PACKAGE_ROOT } from "../../version.js";
import type { RuleMeta } from "../types.js";

export const CATALOGUE_PATH = join(PACKAGE_ROOT, "src", "rules", "anti-patterns.yaml");

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
export function parseCatalogue(text: string, source = CATALOGUE_PATH): Catalogue {
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

let loaded: Catalogue | undefined;

/** The shipped catalogue (read once). */
export function loadCatalogue(): Catalogue {
  if (loaded) return loaded;
  let text: string;
  try {
    text = readFileSync(CATALOGUE_PATH, "utf8");
  } catch (e) {
    throw new Error(`cannot read the anti-pattern catalogue ${CATALOGUE_PATH}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  return (loaded = parseCatalogue(text));
}

export function catalogueEntry(id: string): CatalogueEntry {
  const e = loadCatalogue().anti_patterns.find((x) => x.id === id);
  if (!e) throw new Error(`the anti-pattern catalogue ${CATALOGUE_PATH} has no entry '${id}'`);
  return e;
}

/** A rule's metadata, from its catalogue entry. */
export function antiPatternMeta(id: string): RuleMeta {
  const e = catalogueEntry(id);
  return {
    id: e.id,
    name: e.name,
    category: e.category,
    severity: e.severity,
    rationale: e.rationale,
    fix: e.fix,
    references: e.references.map((r) => ({ ...r })),
    compliance: { cis: [...e.compliance.cis], nist: [...e.compliance.nist] },
  };
}
