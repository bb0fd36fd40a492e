// `scan --vulns`: the security report gains the vulnerable packages of the repository's hosts
// (findings of category `vulnerability`, rule `vulnerable-package`), the advisory data's age and
// the cross-run tracking under inventory.vulnerabilities, and the summary and host scores are
// recomputed with them. A missing or unusable advisory cache is an error entry, never silence.
import type { SecurityReport } from "../report/schema.js";
import { atLeast, type Severity } from "../report/severity.js";
import { summarize } from "../scan/score.js";
import { runVulns, type VulnsOptions } from "./index.js";

export async function addVulnerabilities(report: SecurityReport, options: Pick<VulnsOptions, "hosts" | "advisories" | "signal"> & { severityThreshold?: Severity } = {}): Promise<void> {
  const v = await runVulns({ flake: report.root, repoRoot: report.root, hosts: options.hosts, advisories: options.advisories, signal: options.signal });
  const threshold = options.severityThreshold;
  report.findings.push(...(threshold ? v.findings.filter((f) => atLeast(f.severity, threshold)) : v.findings));
  report.suppressed.push(...v.suppressed);
  report.errors.push(...v.errors);
  report.inventory.vulnerabilities = { advisories: v.advisories, packagesPerHost: v.packagesPerHost, patched: v.patched, otherVendor: v.otherVendor, tracking: v.tracking };
  report.summary = summarize(report.findings, report.hosts);
}
