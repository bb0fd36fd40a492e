// Writing a security report out: one format to a string (what `scan --format` prints), or every
// format as files in a directory (`scan --output-dir`, the security_scan tool's outputDir).
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ALL_RULES } from "../rules/index.js";
import { writeRemediationPatches } from "./patches.js";
import { ruleDocs } from "./rule-docs.js";
import { renderSarifJson } from "./sarif.js";
import type { SecurityReport } from "./schema.js";
import { renderStatixJson } from "./security-statix-json.js";
import { renderSecurityMarkdown } from "./security-markdown.js";
import { renderSecurityText } from "./security-text.js";

/** A rule's name and generic fix, for report entries grouping findings worded differently. */
const ruleInfo = (id: string) => {
  const rule = ALL_RULES.find((r) => r.id === id);
  return rule ? { name: rule.name, fix: rule.fix } : undefined;
};

/** The report in one format, as `scan --format` prints it (colour only when asked: a terminal;
 * `verbose`: every finding in full instead of one entry per rule). */
export function render(report: SecurityReport, format: "text" | "json" | "markdown" | "sarif" | "statix-json", options: { color?: boolean; verbose?: boolean } = {}): string {
  switch (format) {
    case "json":
      return JSON.stringify(report, null, 2) + "\n";
    case "markdown":
      return renderSecurityMarkdown(report, { ruleInfo, verbose: options.verbose });
    case "sarif":
      return renderSarifJson(report, { rules: ruleDocs(ALL_RULES) });
    case "statix-json":
      return renderStatixJson(report);
    default:
      return renderSecurityText(report, { color: options.color === true, ruleInfo, verbose: options.verbose });
  }
}

export const OUTPUT_FORMATS = ["markdown", "json", "sarif", "patches"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Writes the report's files to `dir` (all formats unless told); returns the files written. */
export async function writeOutputs(report: SecurityReport, dir: string, formats: readonly OutputFormat[] = OUTPUT_FORMATS): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  if (formats.includes("patches")) {
    const patches = await writeRemediationPatches(report.findings, join(dir, "remediation-patches"), { safeties: ["auto", "review"] });
    report.errors.push(...patches.errors);
    written.push(join(dir, "remediation-patches"));
  }
  const out = async (name: string, text: string) => {
    await writeFile(join(dir, name), text);
    written.push(join(dir, name));
  };
  if (formats.includes("markdown")) await out("security-report.md", renderSecurityMarkdown(report, { ruleInfo, ...(formats.includes("patches") ? { patchDir: "remediation-patches" } : {}) }));
  if (formats.includes("json")) await out("security-issues.json", JSON.stringify(report, null, 2) + "\n");
  if (formats.includes("sarif")) await out("security.sarif", renderSarifJson(report, { rules: ruleDocs(ALL_RULES) }));
  return written;
}
