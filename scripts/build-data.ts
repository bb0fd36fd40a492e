// Part of `npm run build`: validates the shipped data and writes what the often-run commands read
// as JSON (see src/built.ts): the prompt hook's trigger specs (dist/agent-triggers.json). Invalid
// data fails the build.
import { renameSync, writeFileSync } from "node:fs";
import { loadAgentDefinitions } from "../src/agents/definitions.js";
import { TRIGGERS_JSON_PATH, triggerSpecs } from "../src/agents/triggers.js";

function writeJson(path: string, data: unknown): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(data) + "\n");
  renameSync(tmp, path);
}

try {
  writeJson(TRIGGERS_JSON_PATH, triggerSpecs(loadAgentDefinitions()));
} catch (e) {
  console.error(`build: ${(e as Error).message}`);
  process.exitCode = 1;
}
