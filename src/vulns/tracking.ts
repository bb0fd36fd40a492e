// Vulnerability status across runs: each run saves, per host, the open (reported, not suppressed)
// CVEs by package name with the date each was first seen, under the repository's state directory
// (repoStateSubdir(root, "vulns")); the next run says what is new, what was fixed (gone since), and
// what is still open since when. Keys are "pname CVE": upgrading openssl 3.0.13 -> 3.0.14 while a
// CVE still applies keeps it "still open". Only runs with usable advisory data save a summary, so
// a missing cache never turns everything into "fixed".
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Finding } from "../report/schema.js";
import { repoStateSubdir, writeJsonAtomic } from "../system/state.js";
import type { HostPackage } from "./match.js";

export interface HostTracking {
  /** When the summary compared with was saved; absent on a host's first run. */
  previousRun?: string;
  new: string[];
  fixed: string[];
  stillOpen: { key: string; since: string }[];
}

interface SavedSummary {
  host: string;
  savedAt: string;
  packages: number;
  /** "pname CVE" -> first seen (ISO date). */
  open: Record<string, string>;
}

const fileFor = (dir: string, host: string) => join(dir, `host-${host.replace(/[^A-Za-z0-9._-]/g, "_")}.json`);

/** The open "pname CVE" keys of one host in these findings. */
export function openKeys(findings: readonly Finding[], host: string): string[] {
  const out: string[] = [];
  for (const f of findings) {
    if (!f.host?.includes(host) || !f.optionPath?.startsWith("packages.")) continue;
    const pname = f.optionPath.slice("packages.".length);
    for (const r of f.references ?? []) out.push(`${pname} ${r.title}`);
  }
  return [...new Set(out)].sort();
}

export function compareSummaries(previous: SavedSummary | undefined, open: string[], today: string): { tracking: HostTracking; next: Record<string, string> } {
  const before = previous?.open ?? {};
  const next: Record<string, string> = {};
  const tracking: HostTracking = { new: [], fixed: [], stillOpen: [] };
  if (previous) tracking.previousRun = previous.savedAt;
  for (const k of open) {
    const since = Object.hasOwn(before, k) ? before[k] : undefined;
    next[k] = since ?? today;
    if (since) tracking.stillOpen.push({ key: k, since });
    else tracking.new.push(k);
  }
  for (const k of Object.keys(before)) if (!open.includes(k)) tracking.fixed.push(k);
  tracking.fixed.sort();
  return { tracking, next };
}

export async function compareAndSave(repoRoot: string, hosts: string[], findings: readonly Finding[], packages: readonly HostPackage[], now: Date): Promise<Record<string, HostTracking>> {
  const dir = await repoStateSubdir(repoRoot, "vulns");
  const today = now.toISOString().slice(0, 10);
  const out: Record<string, HostTracking> = {};
  for (const host of hosts) {
    const path = fileFor(dir, host);
    let previous: SavedSummary | undefined;
    try {
      const data = JSON.parse(await readFile(path, "utf8")) as SavedSummary;
      if (data && typeof data.open === "object" && data.open !== null) previous = data;
    } catch {
      previous = undefined;
    }
    const { tracking, next } = compareSummaries(previous, openKeys(findings, host), today);
    out[host] = tracking;
    const saved: SavedSummary = { host, savedAt: now.toISOString(), packages: packages.filter((p) => p.host === host).length, open: next };
    await writeJsonAtomic(path, saved);
  }
  return out;
}
