// The catalogue (src/rules/anti-patterns.yaml) is the one source of the anti-pattern rules'
// metadata: every entry has its rule and every rule its entry, the metadata matches, each entry's
// bad example fires its rule and its good example does not, and the Nix examples are real Nix.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ANTI_PATTERN_RULES } from "../../../src/rules/anti-patterns/index.js";
import { CATALOGUE_JSON_PATH, CATALOGUE_PATH, catalogueFromYaml, loadCatalogue } from "../../../src/rules/anti-patterns/catalogue.js";
import { parseCatalogue } from "../../../src/rules/anti-patterns/catalogue-schema.js";
import { ALL_RULES } from "../../../src/rules/index.js";
import { nixAvailable } from "../../helpers/nix.js";
import { flakeWith, nixParseError } from "./helpers.js";

const catalogue = loadCatalogue();

function exampleFiles(entry: (typeof catalogue.anti_patterns)[number], text: string): Record<string, string> {
  const files: Record<string, string> = { [entry.example.file]: text };
  if (entry.example.host) files["flake.nix"] = flakeWith([`./${entry.example.file}`]);
  return files;
}

describe("anti-pattern catalogue", () => {
  it("is shipped in the package (package.json files) and read from the package root", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { files: string[] };
    expect(pkg.files).toContain("src/**/*.yaml");
    expect(CATALOGUE_PATH.endsWith("src/rules/anti-patterns.yaml")).toBe(true);
  });

  it("has exactly one entry per anti-pattern rule, and every anti-pattern rule is registered", () => {
    const ids = catalogue.anti_patterns.map((e) => e.id).sort();
    expect(ANTI_PATTERN_RULES.map((r) => r.id).sort()).toEqual(ids);
    // Newer anti-pattern rules carry their metadata as TypeScript literals, outside the YAML.
    expect(ALL_RULES.filter((r) => r.category === "anti-pattern" && r.group !== "style").map((r) => r.id)).toEqual(expect.arrayContaining(ids));
    expect(ids).toHaveLength(14);
  });

  it("gives each rule its metadata (one source of truth)", () => {
    for (const e of catalogue.anti_patterns) {
      const rule = ANTI_PATTERN_RULES.find((r) => r.id === e.id)!;
      expect(rule).toMatchObject({ name: e.name, category: e.category, severity: e.severity, rationale: e.rationale, fix: e.fix, references: e.references, compliance: e.compliance });
    }
  });

  it("maps every rule to CIS and NIST CSF entries, or a justified n/a", () => {
    for (const e of catalogue.anti_patterns) {
      expect(e.compliance.cis.length, e.id).toBeGreaterThan(0);
      expect(e.compliance.nist.length, e.id).toBeGreaterThan(0);
      for (const c of [...e.compliance.cis, ...e.compliance.nist]) expect(c, e.id).toMatch(/^(\d+(\.\d+)* \S|[A-Z]{2}\.[A-Z]{2}-\d{2}$|n\/a: .{20,})/);
    }
  });

  it("hands each entry's bad and good example to its rule's metadata (run by test/rules/examples.test.ts)", () => {
    for (const e of catalogue.anti_patterns) {
      const rule = ANTI_PATTERN_RULES.find((r) => r.id === e.id)!;
      expect(rule.examples?.fire).toEqual([exampleFiles(e, e.bad)]);
      expect(rule.examples?.silent).toEqual([exampleFiles(e, e.good)]);
    }
  });

  it.skipIf(!nixAvailable)("has Nix examples that the real nix-instantiate parses", async () => {
    for (const e of catalogue.anti_patterns) {
      if (!e.example.file.endsWith(".nix")) continue;
      expect(await nixParseError(e.bad), `${e.id} bad`).toBeUndefined();
      expect(await nixParseError(e.good), `${e.id} good`).toBeUndefined();
    }
  });

  it("rejects a broken catalogue with every problem named", () => {
    expect(() => parseCatalogue("version: 1\nanti_patterns: [", "x.yaml")).toThrow(/x.yaml is not valid YAML/);
    const entry = catalogue.anti_patterns[0]!;
    const broken = {
      version: 1,
      anti_patterns: [
        { ...entry, compliance: { cis: [], nist: ["PR.PS-1"] } },
        { ...entry, severity: "urgent" },
      ],
    };
    let message = "";
    try {
      parseCatalogue(JSON.stringify(broken), "x.yaml");
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/anti_patterns\.0\.compliance\.cis/);
    expect(message).toMatch(/anti_patterns\.0\.compliance\.nist\.0/);
    expect(message).toMatch(/anti_patterns\.1\.severity/);
    expect(() => parseCatalogue(JSON.stringify({ version: 1, anti_patterns: [entry, entry] }), "x.yaml")).toThrow(/duplicate id mkif-constant/);
    expect(() => parseCatalogue(JSON.stringify({ version: 1, anti_patterns: [{ ...entry, compliance: { cis: ["n/a"], nist: ["PR.PS-01"] } }] }), "x.yaml")).toThrow(/n\/a: <justification>/);
  });
});

describe("the catalogue the CLI reads", () => {
  it("is the validated YAML: the built JSON and the unvalidated fallback both equal what the schema makes of it", () => {
    const validated = parseCatalogue(readFileSync(CATALOGUE_PATH, "utf8"), CATALOGUE_PATH);
    expect(JSON.parse(readFileSync(CATALOGUE_JSON_PATH, "utf8"))).toEqual(validated);
    expect(catalogueFromYaml()).toEqual(validated);
    expect(loadCatalogue()).toEqual(validated);
  });
});
