// The security_scan tool: runs the scan core on a repository inside the allowed roots, stores the
// report (a resource), and returns it as structured content with a short summary.
import { lstat } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { OUTPUT_FORMATS, writeOutputs, type OutputFormat } from "../../report/outputs.js";
import { Severity, type SecurityReport } from "../../report/schema.js";
import { securityHostKey } from "../report-store.js";
import { cachedScan } from "../../scan/cache.js";
import { PathArgumentError } from "../roots.js";
import { repoStateSubdir } from "../../system/state.js";
import { contractAnswer, PagingInput, pagingOf, unknownHostsMessage, type Paging } from "../answer.js";
import { checkHostNames, errorResult, progressReporter, readOnlyTool, toolError, type ServerContext } from "../context.js";
import { reportLinks } from "../links.js";
import { SecurityAnswer, securityAnswer } from "../summary.js";
import { repositoryHosts } from "../../scan/host-list.js";
import { pagedReport, reportResourceLinks } from "./stored-report.js";

export const SECURITY_SCAN_DESCRIPTION = `Scan a NixOS flake repository for security problems and anti-patterns: SSH and sudo access, firewall, secrets committed in plain text (shown redacted), systemd service hardening (exposure as measured by systemd-analyze security), TLS, vulnerable packages, compliance. Read-only: it changes nothing in the repository (the report is kept in nix-warden's own state directory).

Use it when the user asks about security, hardening, vulnerabilities, CVEs, compliance or secrets of their NixOS configuration, or before a deployment.

Answers in bounded size (the text is the same JSON as the structured content): summary (per host: 0-100 score, counts by severity, worst findings), then one page of findings grouped by rule with their places (file:line, host, redacted evidence, fix safety), and nextCursor while more remain. The full SecurityReport is the linked resource (nix-warden://reports/security/...).

Arguments: path (default the first root), hosts (only these nixosConfigurations; unknown names are an error), severityThreshold, quick (no external programs), vulnerabilities (match packages against the local CVE cache), detail (summary | findings | full), limit, cursor (next page of the same report, no rescan), formats + outputDir (also write report files).

Next steps: present findings grouped by severity with file:line and the fix; use explain_rule for a rule's rationale; remediate (dry run) to plan fixes.`;

export const SecurityScanInput = {
  path: z.string().max(4096).optional().describe("Repository to scan. Default: the first allowed root. Relative paths start there."),
  hosts: z.array(z.string().max(63)).max(100).optional().describe("Only these hosts (nixosConfigurations names); default: every host."),
  severityThreshold: Severity.optional().describe("Leave out findings below this severity."),
  quick: z.boolean().optional().describe("No external programs (built-in exposure scorer instead of systemd-analyze): faster."),
  style: z.boolean().optional().describe("Also run the style lints (statix's checks of how Nix is written); default: as the repository's .nix-warden.yaml says, off when it says nothing."),
  vulnerabilities: z.boolean().optional().describe("Also match each host's packages (nix eval) against the local CVE advisory cache (nix-warden advisories update)."),
  formats: z.array(z.enum(OUTPUT_FORMATS)).max(4).optional().describe("Also write these files: markdown (security-report.md), json, sarif, patches."),
  outputDir: z.string().max(4096).optional().describe("Where to write them, inside the roots (no symbolic links on the way). Default: nix-warden's state directory for the repository, outside it."),
  ...PagingInput,
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
      outputSchema: SecurityAnswer,
      annotations: readOnlyTool("NixOS security scan"),
    },
    async (args, extra) => {
      try {
        await ctx.rootsReady();
        const bad = checkHostNames(args.hosts);
        if (bad) return toolError(`security_scan: ${bad}`);
        const paging = pagingOf(args);
        if (args.cursor !== undefined) return await nextPage(ctx, args.cursor, args.hosts, paging);
        const root = await ctx.roots.resolve(args.path, { directory: true, label: "path" });
        if (args.hosts?.length) {
          // A misspelt host would scan nothing and look like a clean bill of health.
          const known = await repositoryHosts(root);
          const unknown = unknownHostsMessage(args.hosts, known.hosts.map((h) => h.name), root);
          if (unknown) return toolError(`security_scan: ${unknown}${known.error ? ` (${known.error})` : ""}`);
        }
        const formats = args.formats?.length ? args.formats : undefined;
        const outDir = !formats ? undefined : args.outputDir !== undefined ? await checkOutputDir(ctx, args.outputDir, formats) : await repoStateSubdir(root, "output");
        ctx.log("info", `security_scan: scanning ${root}${args.hosts?.length ? ` (hosts ${args.hosts.join(", ")})` : ""}${args.quick ? " in quick mode" : ""}`);
        const progress = progressReporter(extra);
        progress("discovering files", "discover");
        // The first scan of a repository starts from the persistent cache (as the CLI's does);
        // later ones from what this server keeps in memory.
        const report = await cachedScan({
          root,
          memoryAfterFirst: true,
          hosts: args.hosts,
          severityThreshold: args.severityThreshold,
          quick: args.quick,
          ...(args.style ? { style: "on" as const } : {}),
          signal: extra.signal,
          onProgress: (p) => progress(`${p.stage}: ${p.done}/${p.total}`, p.stage),
        });
        if (args.vulnerabilities) await (await import("../../vulns/scan.js")).addVulnerabilities(report, { hosts: args.hosts, severityThreshold: args.severityThreshold, signal: extra.signal });
        // A cancelled request gets no answer; stop here before writing anything.
        extra.signal.throwIfAborted();
        let written: string[] = [];
        if (outDir && formats) written = await writeOutputs(report, outDir, formats);
        const stored = await ctx.store.add("security", securityHostKey(args.hosts), report);
        const links = reportLinks(stored);
        for (const e of report.errors.slice(0, 20)) ctx.log("warning", `security_scan: ${e.source}${e.file ? ` ${e.file}` : ""}: ${e.message}`);
        ctx.log("info", `security_scan: ${report.summary.total} finding(s) in ${root}; report ${links.json}`);
        progress("done", "done");
        return contractAnswer(SecurityAnswer, securityAnswer(report, { ...paging, offset: 0, cursorRef: `security/${stored.host}/${stored.id}`, report: { id: stored.id, uri: links.json, markdown: links.markdown, generatedAt: stored.generatedAt }, filesWritten: written }), reportResourceLinks("security", stored.id, links));
      } catch (e) {
        if (extra.signal.aborted) throw e;
        return errorResult("security_scan", e);
      }
    },
  );
}

/** The next page of a stored report: no new scan, so pages of one report never shift. */
async function nextPage(ctx: ServerContext, cursor: string, hosts: string[] | undefined, paging: Paging) {
  const paged = await pagedReport(ctx, "security", cursor, (host) =>
    hosts?.length && securityHostKey(hosts) !== host ? `this cursor pages the report of ${host === "all" ? "every host" : `hosts ${host.split("+").join(", ")}`}, not of ${hosts.join(", ")}; leave hosts out when passing a cursor.` : undefined,
  );
  if ("error" in paged) return paged.error;
  const { target, id, found, links } = paged;
  return contractAnswer(
    SecurityAnswer,
    securityAnswer(found.report as SecurityReport, { ...paging, offset: target.offset, cursorRef: target.ref, report: { id, uri: links.json, markdown: links.markdown, generatedAt: found.meta.generatedAt } }),
    reportResourceLinks("security", id, links),
  );
}
