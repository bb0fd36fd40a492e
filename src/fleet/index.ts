// A drift check of every host of a flake, over SSH, in parallel with a bound: per host, the
// declared state is evaluated here, the machine's state is read by one read-only program sent over
// the SSH connection (remote.ts), and the usual comparison runs on that snapshot. An unreachable
// host, or one that hangs, is an error entry in the fleet report, never a failure of the run.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkDrift, declaredUnavailable } from "../drift/index.js";
import type { DriftReportX } from "../drift/model.js";
import { SEVERITIES } from "../report/severity.js";
import { TOOL } from "../version.js";
import { REMOTE_PROBES, newBoundary, parseRemoteOutput, remoteProgram, writeSnapshotRoot } from "./remote.js";
import { sshRun, type SshOptions } from "./ssh.js";
import { resolveTargets, type FleetTarget } from "./targets.js";

export interface FleetHostResult {
  host: string;
  destination: string;
  via: FleetTarget["via"];
  status: "ok" | "unreachable" | "error";
  error?: string;
  /** The machine's own hostname (kernel), as the remote program read it. */
  machineHostname?: string;
  /** The machine reached is not the host the flake declares (its hostname differs). */
  hostnameMismatch?: { declared: string; actual: string };
  durationMs: number;
  report?: DriftReportX;
}

export interface FleetReport {
  generatedAt: string;
  flake: string;
  /** What was compared over SSH, and what was not. */
  probes: string[];
  notChecked: string[];
  hosts: FleetHostResult[];
  summary: {
    hosts: number;
    ok: number;
    unreachable: number;
    errors: number;
    drifted: number;
    bySeverity: Record<string, number>;
  };
  error?: string;
}

export interface FleetOptions extends SshOptions {
  flake: string;
  hosts: string;
  /** Hosts checked at once (default 4). */
  jobs?: number;
  evalTimeoutMs?: number;
  /** ssh's whole call per host (default 60 s). */
  hostTimeoutMs?: number;
  cwd?: string;
}

/** Runs `work` over `items` with at most `limit` at once, results in input order. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

/** ssh's own words for "could not reach": not a failure of the check, the host is unreachable. */
function unreachable(stderr: string, timedOut: boolean): boolean {
  return timedOut || /Connection refused|Connection timed out|timed out|No route to host|Could not resolve hostname|Connection closed|Connection reset|Permission denied|Host key verification failed|banner exchange/i.test(stderr);
}

async function checkHost(t: FleetTarget, options: FleetOptions): Promise<FleetHostResult> {
  const started = performance.now();
  const base = { host: t.host, destination: t.destination, via: t.via };
  const done = (r: Omit<FleetHostResult, "host" | "destination" | "via" | "durationMs">): FleetHostResult => ({ ...base, ...r, durationMs: Math.round(performance.now() - started) });
  const boundary = newBoundary();
  const r = await sshRun(t.destination, remoteProgram(boundary), { ...options, timeoutMs: options.hostTimeoutMs ?? 60_000 });
  if (!r.ok) {
    const why = r.timedOut ? `no answer within ${Math.round((options.hostTimeoutMs ?? 60_000) / 1000)} s` : (r.stderr.trim().split("\n").pop() ?? r.error ?? `ssh exited ${r.exitCode}`);
    return done({ status: unreachable(r.stderr, r.timedOut) || r.exitCode === 255 ? "unreachable" : "error", error: `ssh ${t.destination}: ${why}` });
  }
  const snapshot = parseRemoteOutput(r.stdout, boundary);
  if (!snapshot.complete) return done({ status: "error", error: `ssh ${t.destination}: the remote program's output ended early` });
  const dir = await mkdtemp(join(tmpdir(), "nix-warden-fleet-"));
  try {
    await writeSnapshotRoot(snapshot, join(dir, "root"));
    const report = await checkDrift({ flake: options.flake, host: t.host, root: join(dir, "root"), probes: REMOTE_PROBES, evalTimeoutMs: options.evalTimeoutMs, signal: options.signal, cwd: options.cwd });
    report.notes.push(`read over SSH from ${t.destination} (${t.via}); compared: ${REMOTE_PROBES.join(", ")}`);
    const machineHostname = snapshot.files.get("/proc/sys/kernel/hostname")?.trim() || undefined;
    const hostnameItem = report.items.find((i) => i.category === "network" && i.subject === "hostname");
    const result: FleetHostResult = done({ status: declaredUnavailable(report) ? "error" : "ok", report, machineHostname, ...(declaredUnavailable(report) ? { error: report.errors.find((e) => e.source === "nix eval")?.message ?? "the declared state could not be evaluated" } : {}) });
    const declaredName = (hostnameItem?.declared as { hostName?: unknown } | undefined)?.hostName;
    if (hostnameItem && machineHostname) result.hostnameMismatch = { declared: typeof declaredName === "string" ? declaredName : t.host, actual: machineHostname };
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function runFleet(options: FleetOptions): Promise<FleetReport> {
  const generatedAt = new Date().toISOString();
  const notChecked = ["services", "files", "firewall", "git", "history"];
  const empty = { hosts: 0, ok: 0, unreachable: 0, errors: 0, drifted: 0, bySeverity: Object.fromEntries(SEVERITIES.map((s) => [s, 0])) };
  const resolved = await resolveTargets({ flake: options.flake, hosts: options.hosts, timeoutMs: options.evalTimeoutMs, signal: options.signal });
  if (resolved.error) return { generatedAt, flake: options.flake, probes: REMOTE_PROBES, notChecked, hosts: [], summary: empty, error: resolved.error };
  const hosts = await mapBounded<FleetTarget, FleetHostResult>(resolved.targets, options.jobs ?? 4, (t) =>
    checkHost(t, options).catch((e: unknown) => ({ host: t.host, destination: t.destination, via: t.via, status: "error" as const, error: (e as Error).message, durationMs: 0 })),
  );
  const summary = { ...empty, bySeverity: { ...empty.bySeverity } };
  summary.hosts = hosts.length;
  for (const h of hosts) {
    if (h.status === "ok") summary.ok++;
    else if (h.status === "unreachable") summary.unreachable++;
    else summary.errors++;
    if (h.report?.drifted) summary.drifted++;
    for (const s of SEVERITIES) summary.bySeverity[s]! += h.report?.summary.bySeverity[s] ?? 0;
  }
  return { generatedAt, flake: options.flake, probes: REMOTE_PROBES, notChecked, hosts, summary };
}

export function renderFleetText(f: FleetReport): string {
  const out: string[] = [];
  if (f.error) return `nix-warden fleet drift: ${f.error}\n`;
  const sev = SEVERITIES.filter((s) => f.summary.bySeverity[s]).map((s) => `${s} ${f.summary.bySeverity[s]}`).join(", ");
  out.push(`fleet ${f.flake}: ${f.summary.hosts} host(s), ${f.summary.ok} checked, ${f.summary.unreachable} unreachable, ${f.summary.errors} error(s); ${f.summary.drifted} drifted${sev ? ` (${sev})` : ""}`);
  out.push(`compared over SSH: ${f.probes.join(", ")}; not yet over SSH: ${f.notChecked.join(", ")}`, "");
  for (const h of f.hosts) {
    const head = `${h.host.padEnd(16)} ${h.destination.padEnd(24)}`;
    if (h.status !== "ok") {
      out.push(`${head} ${h.status.toUpperCase()}: ${h.error}`);
      continue;
    }
    const r = h.report!;
    const s = SEVERITIES.filter((x) => r.summary.bySeverity[x]).map((x) => `${x} ${r.summary.bySeverity[x]}`).join(", ");
    out.push(`${head} ${r.drifted ? `drifted: ${r.summary.total} item(s)${s ? ` (${s})` : ""}` : "no drift"}`);
    if (h.hostnameMismatch) out.push(`${"".padEnd(42)} the machine reached is named '${h.hostnameMismatch.actual}', not '${h.hostnameMismatch.declared}' as ${h.host} declares: is this the right machine?`);
  }
  return out.join("\n") + "\n";
}

/**
 * The fleet as one drift report (host "fleet"), for the MCP answer that pages through every
 * host's items: each item's id and subject carry its host; an unreachable host or one whose
 * declared state failed is an error entry; the per-host lines are notes.
 */
export function fleetAsDriftReport(f: FleetReport): DriftReportX {
  const items: DriftReportX["items"] = [];
  const suppressed: DriftReportX["suppressed"] = [];
  const errors: DriftReportX["errors"] = [];
  const bySeverity: Record<string, number> = {};
  const byCategory: Record<string, number> = {};
  let belowThreshold = 0;
  if (f.error) errors.push({ source: "fleet", message: f.error });
  for (const h of f.hosts) {
    if (h.status !== "ok" || !h.report) errors.push({ source: `host ${h.host}`, message: h.error ?? h.status });
    const r = h.report;
    if (!r) continue;
    for (const i of r.items) {
      items.push({ ...i, id: `${h.host}/${i.id}`, subject: `${h.host}: ${i.subject}` });
      bySeverity[i.severity] = (bySeverity[i.severity] ?? 0) + 1;
      byCategory[i.category] = (byCategory[i.category] ?? 0) + 1;
    }
    for (const s of r.suppressed) suppressed.push({ ...s, id: `${h.host}/${s.id}`, subject: `${h.host}: ${s.subject}` });
    for (const e of r.errors) errors.push({ ...e, source: `${h.host}: ${e.source}` });
    belowThreshold += r.belowThreshold;
  }
  const notes = [
    `${f.summary.hosts} host(s): ${f.summary.ok} checked over SSH, ${f.summary.unreachable} unreachable, ${f.summary.errors} error(s); ${f.summary.drifted} drifted`,
    `compared over SSH: ${f.probes.join(", ")}; not over SSH: ${f.notChecked.join(", ")}`,
    ...f.hosts.map((h) =>
      h.status === "ok" && h.report
        ? `${h.host} (${h.destination}): ${h.report.drifted ? `${h.report.summary.total} drift item(s)` : "no drift"}${h.hostnameMismatch ? `; the machine reached is named '${h.hostnameMismatch.actual}', not '${h.hostnameMismatch.declared}'` : ""}`
        : `${h.host} (${h.destination}): ${h.status}: ${h.error ?? ""}`,
    ),
  ];
  return {
    tool: TOOL,
    generatedAt: f.generatedAt,
    host: "fleet",
    declaredFrom: f.flake,
    actualFrom: `ssh: ${f.hosts.map((h) => h.destination).join(", ")}`,
    drifted: items.length > 0,
    summary: { total: items.length, bySeverity, byCategory },
    items,
    errors,
    suppressed,
    belowThreshold,
    probes: [],
    notes,
    timing: { totalMs: f.hosts.reduce((m, h) => Math.max(m, h.durationMs), 0), evalMs: 0, declaredFromCache: false, probesMs: 0 },
  };
}
