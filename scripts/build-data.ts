// Part of `npm run build`: validates the shipped data and writes what the often-run commands read
// as JSON (see src/built.ts): the anti-pattern catalogue (dist/anti-patterns.json) and the prompt
// hook's trigger specs (dist/agent-triggers.json). Invalid data fails the build.
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { loadAgentDefinitions } from "../src/agents/definitions.js";
import { TRIGGERS_JSON_PATH, triggerSpecs } from "../src/agents/triggers.js";
import { CATALOGUE_JSON_PATH, CATALOGUE_PATH } from "../src/rules/anti-patterns/catalogue.js";
import { parseCatalogue } from "../src/rules/anti-patterns/catalogue-schema.js";

function writeJson(path: string, data: unknown): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(data) + "\n");
  renameSync(tmp, path);
}

try {
  writeJson(CATALOGUE_JSON_PATH, parseCatalogue(readFileSync(CATALOGUE_PATH, "utf8"), CATALOGUE_PATH));
  writeJson(TRIGGERS_JSON_PATH, triggerSpecs(loadAgentDefinitions()));
} catch (e) {
  console.error(`build: ${(e as Error).message}`);
  process.exitCode = 1;
}
