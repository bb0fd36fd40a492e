// The security_scan tool: runs the scan core on a repository inside the allowed roots, stores the
// report (a resource), and returns it as structured content with a short summary.
import { lstat } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { OUTPUT_FORMATS, writeOutputs, type OutputFormat } from "../../report/outputs.js";
import { SecurityReport, Severity } from "../../report/schema.js";
import { securityHostKey } from "../report-store.js";
import { runScan } from "../../scan/index.js";
import { PathArgumentError } from "../roots.js";
import { repoStateSubdir } from "../../system/state.js";
import { checkHostNames, contractContent, errorResult, progressReporter, toolError, type ServerContext } from "../context.js";
import { reportLinks } from "../links.js";
import { summarizeSecurity } from "../summary.js";

export const SECURITY_SCAN_DESCRIPTION = `Scan a NixOS flake repository for security problems and anti-patterns: SSH and sudo access, firewall, secrets committed in plain text (shown redacted), systemd service hardening (exposure as measured by systemd-analyze security), TLS, vulnerable packages, compliance. Read-only: it changes nothing in the repository (the report is kept in nix-warden's own state directory).

Use it when the user asks about security, hardening, vulnerabilities, CVEs, compliance or secrets of their NixOS configuration, or before a deployment.

Returns the SecurityReport: findings (each with file, line, severity critical/high/medium/low, category, evidence, fix with safety auto/review/manual and often a patch), a 0-100 score per host, a service inventory, suppressed findings and errors. The text part lists the most severe findings; the full report is a resource (nix-warden://reports/security/...).

Arguments: path (the repository; default the first root), hosts (only these nixosConfigurations), severityThreshold (drop findings below it), quick (no external programs, faster), formats + outputDir (also write markdown, json, sarif, patches files; outputDir is the one thing written into the roots, and only when given).

Next steps: present findings grouped by severity with file:line and the fix; use explain_rule for a rule's rationale; remediate (dry run) to plan fixes.`;

export const SecurityScanInput = {
  path: z.string().max(4096).optional().describe("Repository to scan. Default: the first allowed root. Relative paths start there."),
  hosts: z.array(z.string().max(63)).max(100).optional().describe("Only these hosts (nixosConfigurations names); default: every host."),
  severityThreshold: Severity.optional().describe("Leave out findings below this severity."),
  quick: z.boolean().optional().describe("No external programs (built-in exposure scorer instead of systemd-analyze): faster."),
  formats: z.array(z.enum(OUTPUT_FORMATS)).max(4).optional().describe("Also write these files: markdown (security-report.md), json, sarif, patches."),
  outputDir: z.string().max(4096).optional().describe("Where to write them, inside the roots (no symbolic links on the way). Default: nix-warden's state directory for the repository, outside it."),
};

/** The names writeOutputs writes into its directory, per format. */
const OUTPUT_NAMES: Record<OutputFormat, string> = {
  markdown: "security-report.md",
  json: "security-issues.json",
  sarif: "security.sarif",
  patches: "remediation-patches",
};

/** An explicit outputDir lies in a repository: a symlink there (committed, say, as
 * `out -> ../elsewhere` or `security-report.md -> ~/.bashrc`) must not redirect our writes. */
async function checkOutputDir(ctx: ServerContext, outputDir: string, formats: readonly OutputFormat[]): Promise<string> {
  const dir = await ctx.roots.resolve(outputDir, { mustExist: false, noSymlinks: true, label: "outputDir" });
  for (const f of formats) {
    const target = join(dir, OUTPUT_NAMES[f]);
    if ((await lstat(target).catch(() => undefined))?.isSymbolicLink())
      throw new PathArgumentError(`outputDir ${outputDir} holds a symbolic link ${OUTPUT_NAMES[f]}; nix-warden does not write through symlinks inside a repository`, "symlink", target);
  }
  return dir;
}

export function registerSecurityScanTool(ctx: ServerContext): void {
  ctx.server.registerTool(
    "security_scan",
    {
      title: "Scan a NixOS repository for security problems",
      description: SECURITY_SCAN_DESCRIPTION,
      inputSchema: SecurityScanInput,
      outputSchema: SecurityReport,
      annotations: { title: "NixOS security scan", readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async (args, extra) => {
      try {
        await ctx.rootsReady();
        const bad = checkHostNames(args.hosts);
        if (bad) return toolError(`security_scan: ${bad}`);
        const root = await ctx.roots.resolve(args.path, { directory: true, label: "path" });
        const formats = args.formats?.length ? args.formats : undefined;
        const outDir = !formats ? undefined : args.outputDir !== undefined ? await checkOutputDir(ctx, args.outputDir, formats) : await repoStateSubdir(root, "output");
        ctx.log("info", `security_scan: scanning ${root}${args.hosts?.length ? ` (hosts ${args.hosts.join(", ")})` : ""}${args.quick ? " in quick mode" : ""}`);
        const progress = progressReporter(extra);
        progress("discovering files", "discover");
        const report = await runScan({
          root,
          hosts: args.hosts,
          severityThreshold: args.severityThreshold,
          quick: args.quick,
          signal: extra.signal,
          onProgress: (p) => progress(`${p.stage}: ${p.done}/${p.total}`, p.stage),
        });
        // A cancelled request gets no answer; stop here before writing anything.
        extra.signal.throwIfAborted();
        let written: string[] = [];
        if (outDir && formats) written = await writeOutputs(report, outDir, formats);
        const stored = await ctx.store.add("security", securityHostKey(args.hosts), report);
        const links = reportLinks(stored);
        for (const e of report.errors.slice(0, 20)) ctx.log("warning", `security_scan: ${e.source}${e.file ? ` ${e.file}` : ""}: ${e.message}`);
        ctx.log("info", `security_scan: ${report.summary.total} finding(s) in ${root}; report ${links.json}`);
        progress("done", "done");
        const text = summarizeSecurity(report, links) + (written.length ? `\nFiles written: ${written.join(", ")}` : "");
        return contractContent(SecurityReport, report, [
            { type: "text", text },
            { type: "resource_link", uri: links.json, name: `security report ${stored.id}`, mimeType: "application/json", description: "The full SecurityReport (JSON)" },
            { type: "resource_link", uri: links.markdown, name: `security report ${stored.id} (markdown)`, mimeType: "text/markdown", description: "The report as markdown" },
          ]);
      } catch (e) {
        if (extra.signal.aborted) throw e;
        return errorResult("security_scan", e);
      }
    },
  );
}
