// Generated documentation stays in step with the code: regenerate with `npm run schemas`.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderSchemas } from "../src/report/json-schema.js";
import { renderRulesDoc } from "../src/report/rule-docs.js";
import { ALL_RULES } from "../src/rules/index.js";

const DOCS = join(import.meta.dirname, "..", "docs");

describe("generated docs", () => {
  it.each(Object.entries(renderSchemas()))("docs/schemas/%s matches the zod contract", (name, text) => {
    expect(readFileSync(join(DOCS, "schemas", name), "utf8"), "run `npm run schemas`").toBe(text);
  });

  it("docs/rules.md lists every rule as its metadata says", () => {
    expect(readFileSync(join(DOCS, "rules.md"), "utf8"), "run `npm run docs:rules`").toBe(renderRulesDoc(ALL_RULES));
    for (const r of ALL_RULES) expect(r.compliance.cis.length + r.compliance.nist.length, r.id).toBeGreaterThan(0);
  });
});
