// `npm run schemas`: writes docs/schemas/*.json from the zod contracts in src/report/schema.ts (and
// the remediation plan's). test/docs.test.ts fails when they are out of date.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { renderSchemas } from "../src/report/json-schema.js";
import { PACKAGE_ROOT } from "../src/version.js";

async function main(): Promise<void> {
  const dir = join(PACKAGE_ROOT, "docs", "schemas");
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(renderSchemas())) {
    await writeFile(join(dir, name), text);
    console.log(`wrote docs/schemas/${name}`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
