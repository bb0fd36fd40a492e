// Generated documentation stays in step with the code: regenerate with `npm run schemas`.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderSchemas } from "../src/report/json-schema.js";

const DOCS = join(import.meta.dirname, "..", "docs");

describe("generated docs", () => {
  it.each(Object.entries(renderSchemas()))("docs/schemas/%s matches the zod contract", (name, text) => {
    expect(readFileSync(join(DOCS, "schemas", name), "utf8"), "run `npm run schemas`").toBe(text);
  });
});
