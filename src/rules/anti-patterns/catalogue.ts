// The anti-pattern catalogue: `src/rules/anti-patterns.yaml`, shipped with the package. It is the
// one source of each anti-pattern rule's metadata (name, severity, rationale, fix, references,
// compliance) and of its documented bad and good examples, which the tests run through the rule.
// The build validates it (catalogue-schema.ts) and writes it as JSON, which is what is read here:
// parsing the YAML and loading yaml and zod took a third of an empty scan's start-up. A broken
// catalogue is a packaging bug: the build fails with every problem.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { readBuilt } from "../../built.js";
import { PACKAGE_ROOT } from "../../version.js";
import { hostExample } from "../shared/examples.js";
import type { RuleExample, RuleMeta } from "../types.js";
import type { Catalogue, CatalogueEntry } from "./catalogue-schema.js";

export const CATALOGUE_PATH = join(PACKAGE_ROOT, "src", "rules", "anti-patterns.yaml");

/** The validated catalogue as the build writes it (npm run build). */
export const CATALOGUE_JSON_PATH = join(PACKAGE_ROOT, "dist", "anti-patterns.json");

/** The catalogue from the YAML itself, when the built JSON is missing or older (a source checkout
 * between an edit and the next build). Validation is the build's and the tests' job; here only the
 * schema's one default is filled in. */
export function catalogueFromYaml(): Catalogue {
  let text: string;
  try {
    text = readFileSync(CATALOGUE_PATH, "utf8");
  } catch (e) {
    throw new Error(`cannot read the anti-pattern catalogue ${CATALOGUE_PATH}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  const yaml = createRequire(import.meta.url)("yaml") as typeof import("yaml");
  const data = yaml.parse(text) as Catalogue;
  for (const e of data.anti_patterns) e.example = { file: "example.nix", host: false, ...(e.example as Partial<CatalogueEntry["example"]> | undefined) };
  return data;
}

let loaded: Catalogue | undefined;

/** The shipped catalogue (read once). */
export function loadCatalogue(): Catalogue {
  return (loaded ??= readBuilt<Catalogue>(CATALOGUE_JSON_PATH, [CATALOGUE_PATH]) ?? catalogueFromYaml());
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
    examples: { fire: [exampleOf(e, e.bad)], silent: [exampleOf(e, e.good)] },
  };
}

/** A catalogue example as the repository it stands for (a host's whole configuration when the
 * entry says so). */
function exampleOf(e: CatalogueEntry, text: string): RuleExample {
  return e.example.host ? hostExample(text, e.example.file) : { [e.example.file]: text };
}
