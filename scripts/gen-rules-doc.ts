// `npm run docs:rules`: writes docs/rules.md, the reference of every rule, from the rules' own
// metadata (and the anti-pattern catalogue). test/docs.test.ts fails when it is out of date.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { renderRulesDoc } from "../src/report/rule-docs.js";
import { ALL_RULES } from "../src/rules/index.js";
import { PACKAGE_ROOT } from "../src/version.js";

writeFile(join(PACKAGE_ROOT, "docs", "rules.md"), renderRulesDoc(ALL_RULES)).then(
  () => console.log("wrote docs/rules.md"),
  (e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  },
);
