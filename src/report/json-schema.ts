// JSON Schema renderings of the contracts (docs/schemas/*.json), from the zod schemas themselves.
import { z } from "zod";
import { DriftReportX } from "../drift/model.js";
import { Plan } from "../remediate/plan.js";
import { DriftItem, DriftReport, Finding, SecurityReport } from "./schema.js";

const SCHEMAS: Record<string, z.ZodType> = {
  "finding.json": Finding,
  "security-report.json": SecurityReport,
  "drift-item.json": DriftItem,
  "drift-report.json": DriftReport,
  "drift-report-full.json": DriftReportX,
  "remediation-plan.json": Plan,
};

export function renderSchemas(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, schema] of Object.entries(SCHEMAS)) {
    const json = z.toJSONSchema(schema, { io: "output", unrepresentable: "any" }) as Record<string, unknown>;
    out[name] = JSON.stringify({ $id: `https://nix-warden.invalid/schemas/${name}`, title: name.replace(/\.json$/, ""), ...json }, null, 2) + "\n";
  }
  return out;
}
