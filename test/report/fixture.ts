// The hand-built SecurityReport fixtures, validated against the contract before every use.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SecurityReport } from "../../src/report/schema.js";

const DIR = join(import.meta.dirname, "../fixtures/report");

export function loadReport(name = "security-report.json"): SecurityReport {
  return SecurityReport.parse(JSON.parse(readFileSync(join(DIR, name), "utf8")));
}
