// The run history: every scheduled or manual run keeps its report (`<dir>/reports/<time>-<host>-<kind>.json`)
// and one line in a small index (`<dir>/history.jsonl`: time, host, kind, counts by severity and
// category, score, the ids of what was found). The index is append-only JSON lines: two runs that
// finish together (the drift and the security timer) each append one line in one write, so neither
// loses the other's entry; a line cut short by a crash is skipped on reading, not fatal.
import { appendFile, lstat, mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { isValidHostKey } from "../report/host-key.js";
import { SEVERITIES } from "../report/severity.js";
import { ensureOwnDirectory, writeFileAtomic } from "../system/state.js";

export const HISTORY_KINDS = ["security", "drift"] as const;
export type HistoryKind = (typeof HISTORY_KINDS)[number];

export interface HistoryEntry {
  schemaVersion: 1;
  /** ISO time the run finished. */
  time: string;
  host: string;
  kind: HistoryKind;
  /** The report, relative to the history directory. */
  report: string;
  /** false: the check could not run (the flake did not evaluate, ...); counts are then not meaningful. */
  ok: boolean;
  total: number;
  bySeverity: Record<string, number>;
  byCategory: Record<string, number>;
  /** The host's security score (0..100); null for drift runs. */
  score: number | null;
  /** Stable ids of the findings / drift items: what is new and what was fixed between runs. */
  ids: string[];
  /** id -> severity, for the alert and for "new since last run" by severity. */
  severities: Record<string, string>;
  errors: number;
  /** The notify hook ran for this run (something at or above the alert threshold). */
  alerted: boolean;
  /** Drift runs with --auto-remediate: the plan of safe reverts and what ran. */
  remediation?: { planId?: string; applied: boolean; ran: number; failed: number; note: string };
}

export const INDEX_FILE = "history.jsonl";
export const REPORTS_DIR = "reports";

/** `2026-12-06T20:46:54.946Z` -> `20261206T204654946Z`: sorts like time, safe in a file name. */
export function compactTime(iso: string): string {
  return iso.replace(/[-:]/g, "").replace(".", "");
}

/** Creates the history directory (0700 when new) and checks it is ours before anything is written. */
export async function openHistoryDir(dir: string): Promise<void> {
  await ensureOwnDirectory(dir);
  await ensureOwnDirectory(join(dir, REPORTS_DIR));
}

/** Writes one run's report; returns its path relative to the history directory. */
export async function writeRunReport(dir: string, time: string, host: string, kind: HistoryKind, report: unknown): Promise<string> {
  if (!isValidHostKey(host)) throw new Error(`invalid host name '${host}'`);
  const rel = join(REPORTS_DIR, `${compactTime(time)}-${host}-${kind}.json`);
  await writeFileAtomic(join(dir, rel), JSON.stringify(report, null, 2) + "\n");
  return rel;
}

export async function appendEntry(dir: string, entry: HistoryEntry): Promise<void> {
  const path = join(dir, INDEX_FILE);
  await refuseSymlink(path);
  // One write of one line: O_APPEND keeps concurrent appenders from overwriting each other.
  await appendFile(path, JSON.stringify(entry) + "\n", { mode: 0o600, flag: "a" });
}

async function refuseSymlink(path: string): Promise<void> {
  try {
    if ((await lstat(path)).isSymbolicLink()) throw new Error(`refusing to write ${path}: it is a symbolic link`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
}

export interface HistoryRead {
  entries: HistoryEntry[];
  /** Lines that were not a valid entry (a crash mid-append, a hand edit). */
  skipped: number;
}

function isEntry(v: unknown): v is HistoryEntry {
  const e = v as HistoryEntry;
  return (
    typeof e === "object" &&
    e !== null &&
    e.schemaVersion === 1 &&
    typeof e.time === "string" &&
    !Number.isNaN(Date.parse(e.time)) &&
    typeof e.host === "string" &&
    (HISTORY_KINDS as readonly string[]).includes(e.kind) &&
    typeof e.total === "number" &&
    typeof e.bySeverity === "object" &&
    typeof e.byCategory === "object" &&
    Array.isArray(e.ids)
  );
}

/** The index, oldest first. A missing index is an empty history. */
export async function readHistory(dir: string): Promise<HistoryRead> {
  let text: string;
  try {
    text = await readFile(join(dir, INDEX_FILE), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { entries: [], skipped: 0 };
    throw e;
  }
  const entries: HistoryEntry[] = [];
  let skipped = 0;
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      const v: unknown = JSON.parse(line);
      if (isEntry(v)) entries.push({ ...v, severities: v.severities ?? {}, score: v.score ?? null });
      else skipped++;
    } catch {
      skipped++;
    }
  }
  entries.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  return { entries, skipped };
}

export function emptyBySeverity(): Record<string, number> {
  return Object.fromEntries(SEVERITIES.map((s) => [s, 0]));
}

/**
 * Writes a file for another program to read (the node_exporter textfile, drift-metrics.json):
 * temp file created exclusively in the same directory, mode set explicitly (whatever the umask),
 * fsync, rename. A reader sees the old file or the new one, never half; a symlink planted at the
 * final name is replaced, not followed.
 */
export async function writePublicFileAtomic(path: string, text: string, mode = 0o644): Promise<void> {
  await writeFileAtomic(path, text, mode);
}

/** For a directory we only write into (the node_exporter textfile directory): create when missing. */
export async function ensureDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
}
