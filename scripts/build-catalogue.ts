// Part of `npm run build`: validates src/rules/anti-patterns.yaml and writes it as JSON
// (dist/anti-patterns.json), which the CLI reads at run time. A broken catalogue fails the build.
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { CATALOGUE_JSON_PATH, CATALOGUE_PATH } from "../src/rules/anti-patterns/catalogue.js";
import { parseCatalogue } from "../src/rules/anti-patterns/catalogue-schema.js";

try {
  const catalogue = parseCatalogue(readFileSync(CATALOGUE_PATH, "utf8"));
  const tmp = `${CATALOGUE_JSON_PATH}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(catalogue) + "\n");
  renameSync(tmp, CATALOGUE_JSON_PATH);
} catch (e) {
  console.error(`build: ${(e as Error).message}`);
  process.exitCode = 1;
}
