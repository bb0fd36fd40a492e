// The check_drift tool: compares what a flake declares for a host with the live machine (or a root
// directory inside the allowed roots), stores the report, and returns it with a short summary.
import { z } from "zod";
import { checkDrift } from "../../drift/index.js";
import { parseFlakeRef } from "../../drift/declared/flake-ref.js";
import { DriftReportX } from "../../drift/model.js";
import { Severity } from "../../report/schema.js";
import { isValidHostKey } from "../report-store.js";
import { checkHostNames, contractContent, errorResult, progressReporter, toolError, type ServerContext } from "../context.js";
import { reportLinks } from "../links.js";
import { summarizeDrift } from "../summary.js";

export const CHECK_DRIFT_DESCRIPTION = `Check whether a NixOS machine still matches what its flake declares: packages installed imperatively (nix-env), services started or changed by hand, users and groups, files in /etc, firewall and listening ports, mounts, the running generation, and the config repository's git state (uncommitted or unpushed changes). Read-only: it changes nothing on the machine or in the repository (the report and the evaluation cache are kept in nix-warden's own state and cache directories).

Use it when the user asks whether a machine is drifting, out of sync, consistent with its configuration, or what changed on it outside of Nix.

Evaluates nixosConfigurations.<host> once (nix eval; cached per commit) and probes the machine. Returns the DriftReport: items by category, each with severity, declared and actual values, evidence, the likely cause (who/when, from logs), and remediation options (revert to the declaration, adopt the change into the config, or accept it). The text part lists the most severe items; the full report is a resource (nix-warden://reports/drift/...).

Arguments: flake (local flake directory, optionally dir#host; default the first root), host (default: the name after # or this machine's hostname), root (inspect a mounted system directory instead of the live machine), declaredFile (a declared state JSON made earlier, skips evaluation), alertThreshold (list only items at or above it).

Next steps: present items by severity with cause and fix; remediate (dry run) to plan fixes.`;

export const CheckDriftInput = {
  flake: z.string().max(4096).optional().describe("Local flake directory inside the roots, optionally with #host. Default: the first allowed root."),
  host: z.string().max(63).optional().describe("nixosConfigurations.<host> to compare with. Default: from flake#host, else this machine's hostname."),
  root: z.string().max(4096).optional().describe("Inspect this directory (a mounted system, inside the roots) instead of the live machine."),
  declaredFile: z.string().max(4096).optional().describe("A declared-state JSON produced earlier by nix-warden (skips nix eval)."),
  alertThreshold: Severity.optional().describe("List only items at or above this severity (the others are counted)."),
  noCache: z.boolean().optional().describe("Evaluate even when a cached declared state for this commit exists."),
};

export function registerCheckDriftTool(ctx: ServerContext): void {
  ctx.server.registerTool(
    "check_drift",
    {
      title: "Check a NixOS machine for configuration drift",
      description: CHECK_DRIFT_DESCRIPTION,
      inputSchema: CheckDriftInput,
      outputSchema: DriftReportX,
      annotations: { title: "NixOS drift check", readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async (args, extra) => {
      try {
        await ctx.rootsReady();
        const bad = checkHostNames(args.host ? [args.host] : undefined);
        if (bad) return toolError(`check_drift: ${bad}`);
        const primary = ctx.roots.primary();
        let flake: string | undefined;
        if (args.flake !== undefined || args.declaredFile === undefined) {
          const parsed = parseFlakeRef(args.flake ?? ".", primary);
          if (!parsed.localDir)
            return toolError(`check_drift: flake ${args.flake} is not a local directory; only flakes inside the client's roots are checked (clone it there first).`);
          const hostBad = checkHostNames(parsed.host ? [parsed.host] : undefined);
          if (hostBad) return toolError(`check_drift: ${hostBad}`);
          const dir = await ctx.roots.resolve(parsed.localDir, { directory: true, label: "flake" });
          flake = /^(path|git\+file):/.test(parsed.ref) ? parsed.ref.replace(parsed.localDir, dir) : dir;
          if (parsed.host) flake += `#${parsed.host}`;
        }
        const declaredFile = args.declaredFile !== undefined ? await ctx.roots.resolve(args.declaredFile, { label: "declaredFile" }) : undefined;
        const root = args.root !== undefined ? await ctx.roots.resolve(args.root, { directory: true, label: "root" }) : "/";
        ctx.log("info", `check_drift: ${flake ?? declaredFile} against ${root === "/" ? "the live system" : root}${args.host ? ` (host ${args.host})` : ""}`);

        const progress = progressReporter(extra, 0);
        progress("evaluating the declared state and probing the machine", "start");
        const started = Date.now();
        // nix eval can take minutes: a heartbeat keeps progress-aware clients from timing out.
        const heartbeat = setInterval(() => progress(`still working (${Math.round((Date.now() - started) / 1000)} s)`, "wait"), 5000);
        let report;
        try {
          report = await checkDrift({
            flake,
            host: args.host,
            root,
            declaredFile,
            alertThreshold: args.alertThreshold,
            noCache: args.noCache,
            signal: extra.signal,
            cwd: primary,
            // No cacheDir: the declared-state cache is nix-warden's own (drift's default), never in the repository.
            nix: ctx.nix,
          });
        } finally {
          clearInterval(heartbeat);
        }
        extra.signal.throwIfAborted();
        const stored = await ctx.store.add("drift", isValidHostKey(report.host) ? report.host : "unknown", report);
        const links = reportLinks(stored);
        for (const e of report.errors.slice(0, 20)) ctx.log("warning", `check_drift: ${e.source}: ${e.message}`);
        ctx.log("info", `check_drift: ${report.summary.total} drift item(s) on ${report.host}; report ${links.json}`);
        progress("done", "done");
        return contractContent(DriftReportX, report, [
            { type: "text", text: summarizeDrift(report, links) },
            { type: "resource_link", uri: links.json, name: `drift report ${stored.id}`, mimeType: "application/json", description: "The full DriftReport (JSON)" },
            { type: "resource_link", uri: links.markdown, name: `drift report ${stored.id} (markdown)`, mimeType: "text/markdown", description: "The report as markdown" },
          ]);
      } catch (e) {
        if (extra.signal.aborted) throw e;
        return errorResult("check_drift", e);
      }
    },
  );
}
