// The check_drift tool: compares what a flake declares for a host with the live machine (or a root
// directory inside the allowed roots), stores the report, and returns it with a short summary.
import { z } from "zod";
import { checkDrift } from "../../drift/index.js";
import { parseFlakeRef } from "../../drift/declared/flake-ref.js";
import type { DriftReportX } from "../../drift/model.js";
import { Severity } from "../../report/schema.js";
import { isValidHostKey, type StoredReport } from "../report-store.js";
import { contractAnswer, PagingInput, pagingOf, unknownHostsMessage, type Paging } from "../answer.js";
import { checkHostNames, errorResult, progressReporter, readOnlyTool, toolError, type ServerContext } from "../context.js";
import { reportLinks } from "../links.js";
import { driftTargetProblem } from "../../drift/target.js";
import { DriftAnswer, driftAnswer } from "../summary.js";
import { repositoryHosts } from "../../scan/host-list.js";
import { flakeConfigUsage } from "../../scan/config-usage.js";
import { fleetAsDriftReport, runFleet } from "../../fleet/index.js";
import { parseHostList } from "../../fleet/targets.js";
import { pagedReport, reportResourceLinks } from "./stored-report.js";

export const CHECK_DRIFT_DESCRIPTION = `Check whether a NixOS machine still matches what its flake declares: packages installed imperatively (nix-env), services started or changed by hand, users and groups, files in /etc, firewall and listening ports, mounts, the running generation, and the config repository's git state (uncommitted or unpushed changes). Read-only: it changes nothing on the machine or in the repository (the report and the evaluation cache are kept in nix-warden's own state and cache directories).

Use it when the user asks whether a machine is drifting, out of sync, consistent with its configuration, or what changed on it outside of Nix.

Evaluates nixosConfigurations.<host> (cached per commit) and probes the machine. Refuses up front when the machine is not NixOS or its hostname is not the host asked for (force: true overrides), and when the flake does not declare the host. Answers in bounded size (the text is the same JSON as the structured content): summary (counts, worst items, notes), then one page of items grouped by category (evidence, cause, first fix), nextCursor while more remain. The full DriftReport is the linked resource (nix-warden://reports/drift/...).

Several machines: hosts (["all"] or names, each optionally name=user@address) reads each over SSH in parallel (read-only, nothing installed; destinations from ~/.ssh/config or the flake's deploy-rs/colmena nodes): users, network, mounts, sysctl, generations, profile packages. One answer pages through every host's items (subjects start with the host); unreachable hosts are errors; each host's report is linked.

Arguments: flake (local flake dir, optionally dir#host; default the first root), host (default: from flake#host or this machine's hostname), hosts (several machines over SSH, see above), root (a mounted system instead of the live machine), declaredFile, alertThreshold, force, detail (summary | findings | full), limit, cursor.

Next steps: present items by severity with cause and fix; remediate (dry run) to plan fixes.`;

export const CheckDriftInput = {
  flake: z.string().max(4096).optional().describe("Local flake directory inside the roots, optionally with #host. Default: the first allowed root."),
  host: z.string().max(63).optional().describe("nixosConfigurations.<host> to compare with. Default: from flake#host, else this machine's hostname."),
  hosts: z
    .array(z.string().max(320))
    .min(1)
    .max(64)
    .optional()
    .describe('Check several machines over SSH: ["all"] (every nixosConfigurations host) or host names, each optionally name=user@address.'),
  root: z.string().max(4096).optional().describe("Inspect this directory (a mounted system, inside the roots) instead of the live machine."),
  declaredFile: z.string().max(4096).optional().describe("A declared-state JSON produced earlier by nix-warden (skips nix eval)."),
  alertThreshold: Severity.optional().describe("List only items at or above this severity (the others are counted)."),
  noCache: z.boolean().optional().describe("Evaluate even when a cached declared state for this commit exists."),
  force: z.boolean().optional().describe("Check even when the machine is not NixOS, its hostname is not the host, or the flake does not visibly declare the host. Only when the user asked for exactly that."),
  ...PagingInput,
};

export function registerCheckDriftTool(ctx: ServerContext): void {
  ctx.server.registerTool(
    "check_drift",
    {
      title: "Check a NixOS machine for configuration drift",
      description: CHECK_DRIFT_DESCRIPTION,
      inputSchema: CheckDriftInput,
      outputSchema: DriftAnswer,
      annotations: readOnlyTool("NixOS drift check"),
    },
    async (args, extra) => {
      try {
        await ctx.rootsReady();
        const bad = checkHostNames(args.host ? [args.host] : undefined);
        if (bad) return toolError(`check_drift: ${bad}`);
        const paging = pagingOf(args);
        if (args.cursor !== undefined) return await nextPage(ctx, args.cursor, args.host, paging);
        if (args.hosts !== undefined) return await checkFleet(ctx, args, paging, extra);
        const primary = ctx.roots.primary();
        let flake: string | undefined;
        let flakeDir: string | undefined;
        let asked: string | undefined;
        if (args.flake !== undefined || args.declaredFile === undefined) {
          const parsed = localFlake(args.flake, primary);
          if ("error" in parsed) return parsed.error;
          const hostBad = checkHostNames(parsed.host ? [parsed.host] : undefined);
          if (hostBad) return toolError(`check_drift: ${hostBad}`);
          const dir = await ctx.roots.resolve(parsed.localDir, { directory: true, label: "flake" });
          flake = /^(path|git\+file):/.test(parsed.ref) ? parsed.ref.replace(parsed.localDir, dir) : dir;
          if (parsed.host) flake += `#${parsed.host}`;
          asked = args.host ?? parsed.host;
          flakeDir = dir;
        }
        const declaredFile = args.declaredFile !== undefined ? await ctx.roots.resolve(args.declaredFile, { label: "declaredFile" }) : undefined;
        const root = args.root !== undefined ? await ctx.roots.resolve(args.root, { directory: true, label: "root" }) : "/";
        asked ??= args.host;
        if (!args.force) {
          // A misspelt host must not become a report of a host that does not exist.
          if (asked !== undefined && flakeDir !== undefined) {
            const unknown = await unknownHosts([asked], flakeDir);
            if (unknown) return toolError(`check_drift: ${unknown} If the flake declares it in a way nix-warden cannot read without evaluating, pass force: true.`);
          }
          const problem = await driftTargetProblem(root, asked);
          if (problem) return toolError(`check_drift: refused: ${problem} (force: true checks anyway; only when the user asked for it.)`);
        }
        ctx.log("info", `check_drift: ${flake ?? declaredFile} against ${root === "/" ? "the live system" : root}${args.host ? ` (host ${args.host})` : ""}`);

        const progress = progressReporter(extra, 0);
        progress("evaluating the declared state and probing the machine", "start");
        // nix eval can take minutes.
        const report = await withHeartbeat(progress, () =>
          checkDrift({
            flake,
            host: args.host,
            root,
            declaredFile,
            alertThreshold: args.alertThreshold,
            noCache: args.noCache,
            configUsage: flakeConfigUsage,
            signal: extra.signal,
            cwd: primary,
            // No cacheDir: the declared-state cache is nix-warden's own (drift's default), never in the repository.
            nix: ctx.nix,
          }),
        );
        extra.signal.throwIfAborted();
        const stored = await ctx.store.add("drift", isValidHostKey(report.host) ? report.host : "unknown", report);
        const links = reportLinks(stored);
        for (const e of report.errors.slice(0, 20)) ctx.log("warning", `check_drift: ${e.source}: ${e.message}`);
        ctx.log("info", `check_drift: ${report.summary.total} drift item(s) on ${report.host}; report ${links.json}`);
        progress("done", "done");
        return contractAnswer(DriftAnswer, firstPage(report, stored, paging), reportResourceLinks("drift", stored.id, links));
      } catch (e) {
        if (extra.signal.aborted) throw e;
        return errorResult("check_drift", e);
      }
    },
  );
}

/** Several machines over SSH: one fleet run, each host's report stored, the answer pages through all. */
async function checkFleet(
  ctx: ServerContext,
  args: { flake?: string; hosts?: string[]; host?: string; root?: string; declaredFile?: string },
  paging: Paging,
  extra: { signal: AbortSignal; _meta?: unknown; sendNotification?: unknown },
) {
  if (args.host !== undefined || args.root !== undefined || args.declaredFile !== undefined)
    return toolError("check_drift: hosts checks machines over SSH; leave host, root and declaredFile out (use host for this machine alone).");
  const list = args.hosts ?? [];
  const all = list.length === 1 && list[0] === "all";
  const spec = all ? "all" : list.join(",");
  // The names asked for (none for "all"), checked before anything runs.
  let names: string[] = [];
  if (!all) {
    const hostList = parseHostList(spec);
    if ("error" in hostList) return toolError(`check_drift: hosts: ${hostList.error}`);
    names = [...hostList.hosts.keys()];
    const bad = checkHostNames(names);
    if (bad) return toolError(`check_drift: ${bad}`);
  }
  const parsed = localFlake(args.flake, ctx.roots.primary());
  if ("error" in parsed) return parsed.error;
  const dir = await ctx.roots.resolve(parsed.localDir, { directory: true, label: "flake" });
  if (!all) {
    const unknown = await unknownHosts(names, dir);
    if (unknown) return toolError(`check_drift: ${unknown}`);
  }
  ctx.log("info", `check_drift: ${spec} of ${dir} over SSH`);
  const progress = progressReporter(extra as Parameters<typeof progressReporter>[0], 0);
  progress("evaluating each host and reading the machines over SSH", "start");
  // The server's operator may name an ssh config (the MCP client's env); the agent cannot.
  const config = process.env.NIX_WARDEN_SSH_CONFIG || undefined;
  // Evaluating several hosts takes minutes.
  const fleet = await withHeartbeat(progress, () => runFleet({ flake: dir, hosts: spec, signal: extra.signal, cwd: dir, config, hostTimeoutMs: 60_000 }));
  extra.signal.throwIfAborted();
  const perHost: string[] = [];
  for (const h of fleet.hosts) {
    if (!h.report || !isValidHostKey(h.host)) continue;
    const stored = await ctx.store.add("drift", h.host, h.report);
    perHost.push(`${h.host}: ${reportLinks(stored).json}`);
  }
  const combined = fleetAsDriftReport(fleet);
  combined.notes.push(...perHost.map((l) => `report of ${l}`));
  const stored = await ctx.store.add("drift", "fleet", combined);
  const links = reportLinks(stored);
  ctx.log("info", `check_drift: ${fleet.summary.hosts} host(s), ${fleet.summary.ok} checked, ${fleet.summary.unreachable} unreachable; report ${links.json}`);
  progress("done", "done");
  const answer = firstPage(combined, stored, paging);
  answer.summary.notes = combined.notes.slice(0, 2 + Math.min(fleet.hosts.length, 20)).map((n) => n.slice(0, 300));
  return contractAnswer(DriftAnswer, answer, reportResourceLinks("drift", stored.id, links));
}

/** The flake argument (`.` by default) when it names a local directory, else the error answer. */
function localFlake(flake: string | undefined, primary: string): (ReturnType<typeof parseFlakeRef> & { localDir: string }) | { error: ReturnType<typeof toolError> } {
  const parsed = parseFlakeRef(flake ?? ".", primary);
  if (!parsed.localDir) return { error: toolError(`check_drift: flake ${flake} is not a local directory; only flakes inside the client's roots are checked (clone it there first).`) };
  return { ...parsed, localDir: parsed.localDir };
}

/** Says which of the names the flake in `dir` does not visibly declare (nothing when it declares
 * no host nix-warden can read without evaluating). */
async function unknownHosts(names: string[], dir: string): Promise<string | undefined> {
  const known = (await repositoryHosts(dir)).hosts.map((h) => h.name);
  return known.length ? unknownHostsMessage(names, known, dir) : undefined;
}

/** Runs a long piece of work (nix eval, a fleet run) with a progress heartbeat every 5 s, which
 * keeps progress-aware clients from timing out. */
async function withHeartbeat<T>(progress: (message: string, stage?: string) => void, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const heartbeat = setInterval(() => progress(`still working (${Math.round((Date.now() - started) / 1000)} s)`, "wait"), 5000);
  try {
    return await work();
  } finally {
    clearInterval(heartbeat);
  }
}

/** The first page of the answer for a stored drift report. */
function firstPage(report: DriftReportX, stored: StoredReport, paging: Paging) {
  const links = reportLinks(stored);
  return driftAnswer(report, { ...paging, offset: 0, cursorRef: `drift/${stored.host}/${stored.id}`, report: { id: stored.id, uri: links.json, markdown: links.markdown, generatedAt: stored.generatedAt } });
}


/** The next page of a stored drift report (no new check). */
async function nextPage(ctx: ServerContext, cursor: string, host: string | undefined, paging: Paging) {
  const paged = await pagedReport(ctx, "drift", cursor, (reportHost) =>
    host !== undefined && host !== reportHost ? `this cursor pages the drift report of ${reportHost}, not of ${host}; leave host out when passing a cursor.` : undefined,
  );
  if ("error" in paged) return paged.error;
  const { target, id, found, links } = paged;
  return contractAnswer(
    DriftAnswer,
    driftAnswer(found.report as DriftReportX, { ...paging, offset: target.offset, cursorRef: target.ref, report: { id, uri: links.json, markdown: links.markdown, generatedAt: found.meta.generatedAt } }),
    reportResourceLinks("drift", id, links),
  );
}
