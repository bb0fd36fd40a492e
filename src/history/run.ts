// The scheduled run (what the NixOS module's timers start, and `nix-warden run` by hand): run the
// drift check and/or the security scan of one host, keep each report and a history entry, rewrite
// drift-metrics.json and the Prometheus textfile, and run the notify hooks when something at or
// above the alert threshold is present. Hooks are programs run with the report path as their one
// argument (an argument array, no shell), so a report's contents can never become a command.
import { stat } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import { checkDrift, declaredUnavailable } from "../drift/index.js";
import type { DriftReportX } from "../drift/model.js";
import { renderMetrics } from "../drift/render/metrics.js";
import type { SecurityReport } from "../report/schema.js";
import { SEVERITIES, atLeast, type Severity } from "../report/severity.js";
import { runScan } from "../scan/index.js";
import { flakeConfigUsage } from "../scan/config-usage.js";
import { run as runProgram } from "../system/run.js";
import { TEXTFILE_NAME, renderTextfile } from "./metrics.js";
import { appendEntry, ensureDir, openHistoryDir, readHistory, writePublicFileAtomic, writeRunReport, type HistoryEntry, type HistoryKind } from "./store.js";

export interface ScheduledRunOptions {
  /** The configuration flake: a local path (scans need one), `path#host` also names the host. */
  flake: string;
  host: string;
  /** The history directory: reports/, history.jsonl, drift-metrics.json, nix-warden.prom. */
  outputDir: string;
  kinds: HistoryKind[];
  /** Hooks run when something at or above this appears (default high). */
  alertThreshold?: Severity;
  /** Programs run as [program, reportPath] on an alert. */
  notify?: string[];
  notifyTimeoutMs?: number;
  /** node_exporter's textfile directory: nix-warden.prom is also written there. */
  textfileDir?: string;
  /** Drift: read the machine from this root, use a declared state file (tests, images). */
  root?: string;
  declaredFile?: string;
  configFile?: string;
  evalTimeoutMs?: number;
  /** Security: built-in exposure scorer only. */
  quick?: boolean;
  /** Drift: revert what is safe to revert after the check (remediate's autoRemediateDrift, passed
   * in by the CLI: history does not import remediate). `repoRoot` is the flake's local checkout. */
  autoRemediate?: (args: { report: DriftReportX; repoRoot: string; machineRoot: string }) => Promise<NonNullable<HistoryEntry["remediation"]>>;
  signal?: AbortSignal;
  now?: () => Date;
}

export interface NotifyOutcome {
  program: string;
  ok: boolean;
  error?: string;
}

export interface KindOutcome {
  entry: HistoryEntry;
  remediation?: HistoryEntry["remediation"];
  reportPath: string;
  /** Items at or above the threshold. */
  alerting: number;
  notified: NotifyOutcome[];
  errors: string[];
}

export interface ScheduledRunResult {
  outcomes: KindOutcome[];
  written: string[];
  /** 0: every check ran; 3: a check could not run (its entry says so). */
  exitCode: 0 | 3;
}

/** The flake's local directory, for the security scan (which reads files, not an evaluation). */
async function localFlakeDir(flake: string, what = "the security scan reads the repository's files"): Promise<string> {
  const path = flake.replace(/#.*$/, "").replace(/^path:/, "") || ".";
  if (/^[a-z][a-z0-9+.-]*:/i.test(path) && !isAbsolute(path)) throw new Error(`${what}: --flake must be a local directory (got '${flake}')`);
  const dir = resolve(path);
  if (!(await stat(dir)).isDirectory()) throw new Error(`${dir} is not a directory`);
  return dir;
}

function counts(items: readonly { id: string; severity: string; category: string }[]) {
  const bySeverity: Record<string, number> = Object.fromEntries(SEVERITIES.map((s) => [s, 0]));
  const byCategory: Record<string, number> = {};
  const severities: Record<string, string> = {};
  for (const it of items) {
    bySeverity[it.severity] = (bySeverity[it.severity] ?? 0) + 1;
    byCategory[it.category] = (byCategory[it.category] ?? 0) + 1;
    severities[it.id] = it.severity;
  }
  return { bySeverity, byCategory, severities, ids: [...new Set(items.map((i) => i.id))] };
}

async function notifyAll(programs: readonly string[], reportPath: string, env: Record<string, string>, options: ScheduledRunOptions): Promise<NotifyOutcome[]> {
  const out: NotifyOutcome[] = [];
  for (const program of programs) {
    const r = await runProgram(program, [reportPath], { timeoutMs: options.notifyTimeoutMs ?? 120_000, signal: options.signal, env, maxBuffer: 1024 * 1024 });
    out.push(r.ok ? { program, ok: true } : { program, ok: false, error: r.error ?? `exit ${r.exitCode}` });
  }
  return out;
}

export async function scheduledRun(options: ScheduledRunOptions): Promise<ScheduledRunResult> {
  const now = options.now ?? (() => new Date());
  const dir = resolve(options.outputDir);
  await openHistoryDir(dir);
  const threshold = options.alertThreshold ?? "high";
  const outcomes: KindOutcome[] = [];
  const written: string[] = [];
  let lastDrift: DriftReportX | undefined;

  for (const kind of options.kinds) {
    const errors: string[] = [];
    let report: SecurityReport | DriftReportX | { error: string };
    let items: { id: string; severity: string; category: string }[] = [];
    let ok = true;
    let score: number | null = null;
    let reportErrors = 0;
    let remediation: HistoryEntry["remediation"];
    try {
      if (kind === "drift") {
        const d = await checkDrift({ flake: options.flake, host: options.host, root: options.root, declaredFile: options.declaredFile, configFile: options.configFile, evalTimeoutMs: options.evalTimeoutMs, signal: options.signal, configUsage: flakeConfigUsage });
        report = d;
        items = d.items;
        ok = !declaredUnavailable(d);
        reportErrors = d.errors.length;
        if (ok) lastDrift = d;
        if (ok && options.autoRemediate) {
          try {
            const repoRoot = await localFlakeDir(options.flake, "auto-remediate keeps its plans and journals for a local checkout");
            remediation = await options.autoRemediate({ report: d, repoRoot, machineRoot: options.root ?? "/" });
            if (remediation.failed) errors.push(`auto-remediate: ${remediation.note}`);
          } catch (e) {
            errors.push(`auto-remediate: ${(e as Error).message}`);
          }
        }
        if (!ok) errors.push(...d.errors.filter((e) => e.source === "nix eval" || e.source === "declared").map((e) => e.message));
      } else {
        const s = await runScan({ root: await localFlakeDir(options.flake), hosts: [options.host], quick: options.quick });
        report = s;
        items = s.findings;
        score = s.summary.score[options.host] ?? null;
        reportErrors = s.errors.length;
      }
    } catch (e) {
      ok = false;
      errors.push((e as Error).message);
      report = { error: (e as Error).message };
    }
    const time = now().toISOString();
    const rel = await writeRunReport(dir, time, options.host, kind, report);
    const reportPath = join(dir, rel);
    written.push(reportPath);
    const c = counts(items);
    const alerting = ok ? items.filter((i) => (SEVERITIES as readonly string[]).includes(i.severity) && atLeast(i.severity as Severity, threshold)).length : 0;
    const notified = alerting > 0 && options.notify?.length ? await notifyAll(options.notify, reportPath, { NIX_WARDEN_HOST: options.host, NIX_WARDEN_KIND: kind, NIX_WARDEN_ALERTS: String(alerting), NIX_WARDEN_ALERT_THRESHOLD: threshold }, options) : [];
    for (const n of notified) if (!n.ok) errors.push(`notify ${n.program}: ${n.error}`);
    const entry: HistoryEntry = { schemaVersion: 1, time, host: options.host, kind, report: rel, ok, total: items.length, bySeverity: c.bySeverity, byCategory: c.byCategory, score, ids: c.ids, severities: c.severities, errors: reportErrors + errors.length, alerted: notified.length > 0, ...(remediation ? { remediation } : {}) };
    await appendEntry(dir, entry);
    outcomes.push({ entry, reportPath, alerting, notified, errors, ...(remediation ? { remediation } : {}) });
  }

  if (lastDrift) {
    const path = join(dir, "drift-metrics.json");
    await writePublicFileAtomic(path, JSON.stringify(renderMetrics(lastDrift), null, 2) + "\n");
    written.push(path);
  }
  const { entries } = await readHistory(dir);
  const textfile = renderTextfile(entries);
  const targets = [join(dir, TEXTFILE_NAME)];
  if (options.textfileDir) {
    await ensureDir(options.textfileDir);
    targets.push(join(resolve(options.textfileDir), TEXTFILE_NAME));
  }
  for (const t of targets) {
    await writePublicFileAtomic(t, textfile);
    written.push(t);
  }
  return { outcomes, written, exitCode: outcomes.every((o) => o.entry.ok) ? 0 : 3 };
}
