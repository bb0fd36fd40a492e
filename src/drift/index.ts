// check_drift: compare what the repository declares for a host with what the machine runs.
// One `nix eval` (or none, when the declared state is cached or given), all probes in parallel,
// pure comparisons, causes, exceptions, and a DriftReport.
import { readFile } from "node:fs/promises";
import { hostname as osHostname } from "node:os";
import { resolve } from "node:path";
import { SEVERITY_RANK, atLeast, type ReportError, type Severity } from "../report/schema.js";
import { TOOL } from "../version.js";
import { attachCauses } from "./cause.js";
import { compareAll } from "./compare/index.js";
import { declaredCacheKey, readCachedDeclared, writeCachedDeclared } from "./declared/cache.js";
import { evalDeclared, listHosts } from "./declared/eval.js";
import { parseFlakeRef, type FlakeRef } from "./declared/flake-ref.js";
import { DeclaredState, parseDeclaredState } from "./declared/schema.js";
import { applyExceptions, loadExceptions } from "./exceptions.js";
import type { DriftItemX, DriftReportX } from "./model.js";
import { PROBES, runProbe, type ActualState, type ProbeName, type ProbeRun } from "./probes/index.js";
import type { GitFacts } from "./probes/git.js";
import type { ConfigUsageOf } from "./probes/configs.js";
import { redactDeep, redactDriftReport } from "./redact.js";
import { assertSystemRoot, RootFs } from "./root.js";

export interface Location {
  file: string;
  line?: number;
}

export interface CheckDriftOptions {
  /** Flake reference (`.`, `/etc/nixos#web1`, `github:o/r`); default ".". `#host` selects the host. */
  flake?: string;
  /** nixosConfigurations.<host>; default: the host named in --flake, else the machine's hostname. */
  host?: string;
  /** The machine's root directory; default "/" (the live system). */
  root?: string;
  /** A declared state produced earlier by extract.nix (skips evaluation). */
  declared?: DeclaredState;
  /** A JSON file holding such a declared state. */
  declaredFile?: string;
  /** Evaluate even when nix-warden's cache (`cacheDir("drift")`) holds this declared state. */
  noCache?: boolean;
  evalTimeoutMs?: number;
  probeTimeoutMs?: number;
  signal?: AbortSignal;
  /** Items below this severity are counted but not listed. */
  alertThreshold?: Severity;
  /** .nix-warden.yaml to read exceptions from (default: the flake directory, then its repository root). */
  configFile?: string;
  /** Which files a flake directory uses (scan's `flakeConfigUsage`; drift cannot import scan).
   * Without it, configuration files the flake does not use are not reported. */
  configUsage?: ConfigUsageOf;
  /** Run only these probes (default: all). */
  probes?: ProbeName[];
  /** The working directory for relative flake references. */
  cwd?: string;
  /** Today, for exception expiry (tests). */
  now?: Date;
  /** The nix binary. */
  nix?: string;
  /**
   * Where an option path is defined in the repository (the Nix option index provides this); fills
   * `file`/`line` of adopt remediations. Without it they carry only the option path and the Nix text.
   */
  locate?: (optionPath: string) => Location | undefined | Promise<Location | undefined>;
}

/** Categories that can be compared without knowing what the host declares. */
const DECLARATION_FREE: ProbeName[] = ["packages", "services", "files", "generations", "git", "history", "configs"];

export async function checkDrift(options: CheckDriftOptions = {}): Promise<DriftReportX> {
  const started = performance.now();
  const root = resolve(options.root ?? "/");
  // A root that is not a machine would compare as a machine with nothing on it: an error, never a pass.
  if (root !== "/") await assertSystemRoot(root);
  const fs = new RootFs(root);
  const errors: ReportError[] = [];
  const notes: string[] = [];
  const cwd = options.cwd ?? process.cwd();
  const flake: FlakeRef | undefined = options.flake !== undefined || (!options.declared && !options.declaredFile) ? parseFlakeRef(options.flake ?? ".", cwd) : undefined;
  const wanted = new Set<ProbeName>(options.probes ?? (Object.keys(PROBES) as ProbeName[]));
  const ctxBase = { root, live: fs.live, signal: options.signal, timeoutMs: options.probeTimeoutMs, fs, flakeDir: flake?.localDir, configUsage: options.configUsage };

  // Probes that need nothing from the declaration start now, alongside the evaluation.
  const probesStarted = performance.now();
  const runs: ProbeRun[] = [];
  const actual: ActualState = {};
  const record = async <K extends ProbeName>(name: K, ctx: typeof ctxBase & { declared?: DeclaredState }) => {
    const r = await runProbe(name, ctx);
    runs.push(r.run);
    errors.push(...r.errors);
    if (r.result) (actual as Record<string, unknown>)[name] = r.result.facts;
    return r.result?.facts as ActualState[K] | undefined;
  };
  const gitP = wanted.has("git") ? record("git", ctxBase) : Promise.resolve(undefined);
  const early = (Object.keys(PROBES) as ProbeName[]).filter((n) => wanted.has(n) && n !== "git" && n !== "sysctl").map((n) => record(n, ctxBase));

  // The declared state.
  let declared: DeclaredState | undefined;
  let declaredFrom = "";
  let host = options.host ?? flake?.host ?? "";
  let evalMs = 0;
  let fromCache = false;
  if (options.declared) {
    declared = options.declared;
    declaredFrom = "declared state given by the caller";
  } else if (options.declaredFile) {
    const file = resolve(cwd, options.declaredFile);
    declaredFrom = file;
    try {
      const parsed = parseDeclaredState(JSON.parse(await readFile(file, "utf8")));
      if (parsed.state) declared = parsed.state;
      else errors.push({ source: "declared", file, message: parsed.error ?? "invalid declared state" });
    } catch (e) {
      errors.push({ source: "declared", file, message: `cannot read the declared state: ${(e as Error).message}` });
    }
  } else if (flake) {
    if (!host) host = await machineHostname(fs);
    const git = (await gitP) as GitFacts | undefined;
    const r = await evaluate(flake, host, git, options, notes);
    declared = r.declared;
    host = r.host;
    evalMs = r.evalMs;
    fromCache = r.fromCache;
    declaredFrom = `${flake.ref}#nixosConfigurations.${host}${fromCache ? " (cached)" : ""}`;
    if (r.error) errors.push({ source: "nix eval", message: r.error });
  }
  if (!host) host = declared?.hostName ?? (await machineHostname(fs));
  if (declared) for (const e of declared.errors) notes.push(`the extractor could not evaluate ${e.path} (${e.message}); drift there is not checked`);

  // Probes that read only what is declared.
  if (wanted.has("sysctl")) early.push(record("sysctl", { ...ctxBase, declared }));
  await Promise.all([gitP, ...early]);
  const probesMs = performance.now() - probesStarted;

  // Compare.
  const ctx = { host, flakeRef: flake?.ref };
  let items: DriftItemX[];
  if (declared) items = compareAll(declared, actual, ctx);
  else {
    const partial: ActualState = {};
    for (const n of DECLARATION_FREE) if (actual[n]) (partial as Record<string, unknown>)[n] = actual[n];
    items = compareAll(DeclaredState.parse({ schemaVersion: 1 }), partial, ctx);
    notes.push("the declared state is unavailable: only drift that needs no declaration is reported (imperative packages, unit files, unmanaged /etc files, generations, git)");
  }
  items = attachCauses(items, actual.history);
  if (options.locate) await locateAdoptions(items, options.locate, errors);

  // Exceptions, threshold, order.
  const ex = await loadExceptions([flake?.localDir, (actual.git as GitFacts | undefined)?.repoRoot].filter((d): d is string => !!d), options.configFile);
  errors.push(...ex.errors);
  const applied = applyExceptions(items, ex.exceptions, host, (options.now ?? new Date()).toISOString().slice(0, 10), ex.file);
  notes.push(...applied.notes);
  const sorted = applied.kept.sort(bySeverity);

  for (const r of runs) for (const n of r.notes) notes.push(`${r.name}: ${n}`);
  runs.sort((a, b) => a.name.localeCompare(b.name));

  // Every string handed out (CLI, files, MCP, the report store) has its secrets redacted here.
  const report: DriftReportX = redactDriftReport({
    tool: TOOL,
    generatedAt: new Date().toISOString(),
    host,
    declaredFrom: declared ? declaredFrom : `unavailable${declaredFrom ? ` (${declaredFrom})` : ""}`,
    actualFrom: fs.live ? "live system (/)" : `root directory ${root}`,
    drifted: sorted.length > 0,
    summary: summarize(sorted),
    items: sorted,
    suppressed: applied.suppressed,
    belowThreshold: 0,
    probes: runs,
    notes,
    errors,
    timing: { totalMs: round(performance.now() - started), evalMs: round(evalMs), declaredFromCache: fromCache, probesMs: round(probesMs) },
  });
  return options.alertThreshold ? applyThreshold(report, options.alertThreshold) : report;
}

/** The report listing only items at or above the threshold (the others are counted in belowThreshold). */
export function applyThreshold(report: DriftReportX, threshold: Severity): DriftReportX {
  const shown = report.items.filter((i) => atLeast(i.severity, threshold));
  return {
    ...report,
    items: shown,
    drifted: shown.length > 0,
    summary: summarize(shown),
    belowThreshold: report.belowThreshold + report.items.length - shown.length,
    alertThreshold: threshold,
  };
}

/** Whether the report's items (before any threshold) reach a severity. */
export function hasDriftAtLeast(report: DriftReportX, severity: Severity): boolean {
  return report.items.some((i) => atLeast(i.severity, severity));
}

/** The declared state could not be obtained (evaluation failed, bad --declared file). */
export function declaredUnavailable(report: DriftReportX): boolean {
  return report.declaredFrom.startsWith("unavailable");
}

async function evaluate(
  flake: FlakeRef,
  host: string,
  git: GitFacts | undefined,
  options: CheckDriftOptions,
  notes: string[],
): Promise<{ declared?: DeclaredState; host: string; evalMs: number; fromCache: boolean; error?: string }> {
  const evalOpts = { timeoutMs: options.evalTimeoutMs, signal: options.signal, nix: options.nix };
  const tryHost = async (h: string) => {
    const key = options.noCache ? { reason: "not cached: --no-cache" } : await declaredCacheKey({ flakeRef: flake.ref, host: h, localDir: flake.localDir, git });
    if (key.key) {
      const cached = await readCachedDeclared(key.key).catch((e: Error) => void notes.push(`the cache was not used: ${e.message}`));
      if (cached) return { declared: cached, evalMs: 0, fromCache: true };
    } else if (key.reason) notes.push(key.reason);
    const r = await evalDeclared(flake.ref, h, evalOpts);
    // Secrets in the declaration (a unit's Environment) are only ever shown, never compared (the
    // compared fields are names, ids, paths, ports and flags), so they are redacted before they are
    // cached or used: the cache never holds one, and a cached run reports exactly what a fresh one does.
    const value = r.value ? redactDeep(r.value) : undefined;
    if (value && key.key) await writeCachedDeclared(key.key, { flakeRef: flake.ref, host: h }, value).catch((e: Error) => notes.push(`could not write the cache: ${e.message}`));
    return { declared: value, evalMs: r.durationMs, fromCache: false, error: r.error };
  };

  const first = await tryHost(host);
  if (first.declared) return { ...first, host };
  // The default host may just not be a configuration name: say which ones exist (and use the only one).
  if (!options.host && !flake.host && first.error && /attribute .*missing|does not provide attribute/.test(first.error)) {
    const hosts = await listHosts(flake.ref, evalOpts);
    if (hosts.value?.length === 1) {
      const only = hosts.value[0] as string;
      notes.push(`this machine's hostname (${host}) is not in nixosConfigurations; using the only host, ${only}`);
      const second = await tryHost(only);
      return { ...second, host: only, evalMs: first.evalMs + (hosts.durationMs ?? 0) + second.evalMs };
    }
    const list = hosts.value ? hosts.value.join(", ") || "(none)" : `unknown (${hosts.error})`;
    return { host, evalMs: first.evalMs, fromCache: false, error: `no nixosConfigurations.${host} in ${flake.ref}; pass --host with one of: ${list}` };
  }
  return { ...first, host };
}

/** The machine's hostname as the root has it (kernel first, then /etc/hostname). */
async function machineHostname(fs: RootFs): Promise<string> {
  if (fs.live) return osHostname();
  const kernel = (await fs.readText("/proc/sys/kernel/hostname", 4096).catch(() => undefined))?.trim();
  const etc = (await fs.readText("/etc/hostname", 4096).catch(() => undefined))?.trim();
  return kernel || etc || "nixos";
}

async function locateAdoptions(items: DriftItemX[], locate: NonNullable<CheckDriftOptions["locate"]>, errors: ReportError[]): Promise<void> {
  for (const it of items) {
    for (const r of it.remediation) {
      if (r.strategy !== "adopt" || !r.optionPath) continue;
      try {
        const loc = await locate(r.optionPath);
        if (loc) {
          r.file = loc.file;
          if (loc.line !== undefined) r.line = loc.line;
        }
      } catch (e) {
        errors.push({ source: "locate", message: `cannot locate ${r.optionPath}: ${(e as Error).message}` });
      }
    }
  }
}

export function summarize(items: DriftItemX[]): DriftReportX["summary"] {
  const bySeverity: Record<string, number> = { critical: 0, high: 0, medium: 0, low: 0 };
  const byCategory: Record<string, number> = {};
  for (const i of items) {
    bySeverity[i.severity] = (bySeverity[i.severity] ?? 0) + 1;
    byCategory[i.category] = (byCategory[i.category] ?? 0) + 1;
  }
  return { total: items.length, bySeverity, byCategory };
}

function bySeverity(a: DriftItemX, b: DriftItemX): number {
  return SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.category.localeCompare(b.category) || a.subject.localeCompare(b.subject);
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

export type { DriftItemX, DriftReportX } from "./model.js";
export type { DeclaredState } from "./declared/schema.js";
export type { ProbeName, ActualState } from "./probes/index.js";
export { listHosts, evalDeclared } from "./declared/eval.js";
