// `nix-warden scan [PATH]`: the security scan of a NixOS configuration repository.
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { renderSarifJson } from "../report/sarif.js";
import { renderSecurityMarkdown } from "../report/security-markdown.js";
import { renderSecurityText } from "../report/security-text.js";
import { writeRemediationPatches } from "../report/patches.js";
import type { SecurityReport } from "../report/schema.js";
import { atLeast } from "../report/severity.js";
import { ALL_RULES } from "../rules/index.js";
import { runScan } from "../scan/index.js";
import { EXIT_FAIL_ON, EXIT_OK, parseChoice, parseCommandArgs, parseSeverity } from "./args.js";
import { ruleDocs } from "../report/rule-docs.js";

export const summary = "scan a NixOS configuration repository for security problems and anti-patterns";

const HELP = `usage: nix-warden scan [PATH] [options]

  PATH                          the repository (default: the current directory)
  --host H                      only this host's findings (repeatable)
  --format text|json|markdown|sarif   what to print (default text; json is the SecurityReport)
  --output-dir DIR              also write security-report.md, security-issues.json, security.sarif
                                and remediation-patches/*.patch there
  --severity-threshold SEV      leave out findings below SEV (low, medium, high, critical)
  --fail-on SEV                 exit 1 when a finding at or above SEV remains (the deployment gate)
  --quick                       no external programs (built-in exposure scorer)

Exit codes: 0 ok, 1 --fail-on triggered, 2 usage error.`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    host: { type: "string", multiple: true },
    format: { type: "string" },
    "output-dir": { type: "string" },
    "severity-threshold": { type: "string" },
    "fail-on": { type: "string" },
    quick: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    console.log(HELP);
    return EXIT_OK;
  }
  const format = parseChoice(values.format, "--format", ["text", "json", "markdown", "sarif"] as const, "text");
  const threshold = parseSeverity(values["severity-threshold"], "--severity-threshold");
  const failOn = parseSeverity(values["fail-on"], "--fail-on");
  const root = resolve(positionals[0] ?? ".");
  const report = await runScan({ root, hosts: values.host, severityThreshold: threshold, quick: values.quick });
  if (values["output-dir"]) await writeOutputs(report, resolve(values["output-dir"]));
  process.stdout.write(render(report, format));
  if (failOn && report.findings.some((f) => atLeast(f.severity, failOn))) return EXIT_FAIL_ON;
  return EXIT_OK;
}

export function render(report: SecurityReport, format: "text" | "json" | "markdown" | "sarif"): string {
  switch (format) {
    case "json":
      return JSON.stringify(report, null, 2) + "\n";
    case "markdown":
      return renderSecurityMarkdown(report);
    case "sarif":
      return renderSarifJson(report, { rules: ruleDocs(ALL_RULES) });
    default:
      return renderSecurityText(report, { color: process.stdout.isTTY === true });
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
  if (formats.includes("markdown")) await out("security-report.md", renderSecurityMarkdown(report, formats.includes("patches") ? { patchDir: "remediation-patches" } : {}));
  if (formats.includes("json")) await out("security-issues.json", JSON.stringify(report, null, 2) + "\n");
  if (formats.includes("sarif")) await out("security.sarif", renderSarifJson(report, { rules: ruleDocs(ALL_RULES) }));
  return written;
}
